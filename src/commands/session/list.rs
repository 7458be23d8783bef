use keystroke_api::{Session, utc_minute};

use crate::context::Context;
use crate::table;

pub async fn run(context: &Context) -> anyhow::Result<()> {
    let printer = &context.printer;
    let signed_in = context.signed_in()?;
    let sessions = signed_in.client.list_sessions().await?;
    if printer.json() {
        return printer.json_data(&sessions);
    }
    // Never empty: the session making this request is one of them.
    printer.data(&render(&sessions, printer.table_target()))?;
    Ok(())
}

/// Device and Last used are what tell one machine's session from another's.
fn render(sessions: &[Session], target: table::Target) -> String {
    let header = ["ID", "Client", "Device", "Signed in", "Last used", "Expires", "Current"];
    let mut rows = table::new(&header, target);
    for session in sessions {
        table::add_row(
            &mut rows,
            [
                session.id.clone(),
                session.client.clone(),
                session.device.clone().unwrap_or_else(|| "-".into()),
                utc_minute(session.created_at),
                session.last_used_at.map_or_else(|| "never".into(), utc_minute),
                utc_minute(session.expires_at),
                if session.current { "*" } else { "" }.to_owned(),
            ],
        );
    }
    table::wrap_only(&mut rows, &["Device"]);
    table::render(&rows)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn the_current_session_is_marked() {
        let session = |id: &str, client: &str, current: bool| Session {
            id: id.into(),
            client: client.into(),
            device: current.then(|| "ada-laptop".into()),
            created_at: datetime!(2026-11-26 14:00 UTC),
            last_used_at: current.then_some(datetime!(2026-11-26 15:00 UTC)),
            expires_at: datetime!(2026-12-26 14:00 UTC),
            current,
            revoked_at: None,
        };
        let text =
            render(&[session("ses_a", "keystroke-cli", true), session("ses_b", "web", false)], table::Target::Pipe);
        let lines: Vec<&str> = text.lines().map(str::trim).collect();
        assert!(lines[0].starts_with("ID") && lines[0].ends_with("Current"), "{text}");
        assert!(lines[1].starts_with("ses_a") && lines[1].ends_with(" *"), "{text}");
        assert!(lines[1].contains("ada-laptop") && lines[1].contains("2026-11-26 15:00 UTC"), "{text}");
        assert!(lines[2].contains(" - ") && lines[2].contains("never"), "{text}");
        assert!(lines[2].starts_with("ses_b") && lines[2].ends_with("UTC"), "{text}");
    }
}
