//! `keystroke-platform audit list`: an org's key, member and deploy events.

use std::io::Write;

use keystroke_platform::admin;
use keystroke_platform::storage::Timestamp;
use serde_json::Value;

use super::rfc3339;
use crate::args::{AuditCommand, OrgListArgs};

pub(crate) fn run(command: AuditCommand) -> anyhow::Result<()> {
    match command {
        AuditCommand::List { list: OrgListArgs { db, org, listing }, since } => {
            let events = admin::audit_events(&db.open_existing()?, &org)?;
            let since = since.unwrap_or(Timestamp::MIN);
            // An empty list would read as "nothing happened since", of a time that has not come.
            if since > keystroke_platform::clock::now() {
                say!("{} is still to come: no event is at or after it", rfc3339(since));
            }
            let rows = events.into_iter().filter(|event| event.created_at >= since).map(|event| {
                let at = rfc3339(event.created_at);
                let detail = event.detail.map_or(Value::Null, Value::from);
                [at.into(), event.action.into(), event.actor_email.into(), event.target_id.into(), detail]
            });
            let fields = [
                ("TIME", "created_at"),
                ("ACTION", "action"),
                ("USER", "actor_email"),
                ("TARGET", "target_id"),
                ("DETAIL", "detail"),
            ];
            listing.print(fields, rows.collect())
        }
    }
}
