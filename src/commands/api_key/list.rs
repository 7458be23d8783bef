use std::collections::HashSet;

use clap::Args;
use keystroke_api::{ApiKey, DEFAULT_PAGE_LIMIT, MAX_PAGE_LIMIT, PageQuery, Role, utc_minute};

use time::OffsetDateTime;

use crate::context::{Context, SignedIn};
use crate::error::CliError;
use crate::printer::unwritten;
use crate::table;

#[derive(Debug, Args)]
pub struct ListArgs {
    /// Fetch every page instead of only the first
    #[arg(long)]
    pub all: bool,

    #[arg(
        long,
        help = format!("Keys per page (1 to {MAX_PAGE_LIMIT})"),
        value_name = "N",
        default_value_t = DEFAULT_PAGE_LIMIT,
        allow_negative_numbers = true,
        value_parser = page_limit
    )]
    pub limit: u32,
}

/// `--limit`, refused in words (clap's range parser says "0 is not in 1..=500", and for `abc`
/// "invalid digit found in string").
fn page_limit(value: &str) -> Result<u32, String> {
    value
        .trim()
        .parse()
        .ok()
        .filter(|limit| (1..=MAX_PAGE_LIMIT).contains(limit))
        .ok_or_else(|| format!("expected a whole number from 1 to {MAX_PAGE_LIMIT}"))
}

pub async fn run(context: &Context, args: &ListArgs) -> anyhow::Result<()> {
    let printer = &context.printer;
    let signed_in = context.signed_in()?;
    let org = context.org(&signed_in).await?;

    let mut query = PageQuery { limit: Some(args.limit), cursor: None };
    let mut pages_seen = HashSet::new();
    if printer.json() && args.all {
        // Every page of a large org: stream them, so memory stays that of one page.
        let mut array = printer.json_array();
        loop {
            let page = signed_in.client.list_api_keys(&org, &query).await?;
            for key in &page.data {
                array.push(key).map_err(unwritten)?;
            }
            match page.next_cursor {
                Some(cursor) => query.cursor = Some(not_seen_before(&mut pages_seen, cursor)?),
                None => return array.finish().map(drop).map_err(unwritten),
            }
        }
    }

    let mut keys = Vec::new();
    let more = loop {
        let page = signed_in.client.list_api_keys(&org, &query).await?;
        keys.extend(page.data);
        match page.next_cursor {
            Some(cursor) if args.all => query.cursor = Some(not_seen_before(&mut pages_seen, cursor)?),
            next => break next.is_some(),
        }
    };

    if printer.json() {
        printer.json_data(&keys)?;
    } else if keys.is_empty() {
        // With `-q` the notice is not shown: the role is not asked for it.
        if !printer.quiet() {
            printer.notice(&none_listed(&signed_in, &org).await);
        }
    } else {
        // Expired by the platform's clock, which decides it, not by this machine's.
        let now = signed_in.client.platform_now().unwrap_or_else(OffsetDateTime::now_utc);
        printer.data(&render(&keys, printer.table_target(), now))?;
    }
    if more {
        let shown = match keys.len() {
            1 => "the first key".to_owned(),
            count => format!("the first {count} keys"),
        };
        // Apart from the list on the screen both share: under the last of a narrow terminal's
        // blocks, it would read as one more line of that key.
        if printer.stdout_is_terminal() && printer.stderr_is_terminal() && !printer.json() {
            printer.notice("");
        }
        printer.notice(&format!("Showing {shown}; run `keystroke api-key list --all` to see all of them"));
    }
    Ok(())
}

/// The next page's cursor, unless it came before: the pages would then go round for ever (a
/// cache in front of the platform that answers every page with the first, say), `--all` holding
/// each in memory, or printing it again, until the machine gives out.
fn not_seen_before(pages_seen: &mut HashSet<String>, cursor: String) -> anyhow::Result<String> {
    if !pages_seen.insert(cursor.clone()) {
        let failure = CliError::failure(
            "the platform sent a page it had sent before, so its pages would go round for ever: the list stops here",
        );
        return Err(failure
            .with_hint(
                "check what is in front of the platform: a cache or proxy that ignores the query string answers \
                 every page with the first",
            )
            .into());
    }
    Ok(cursor)
}

/// A builder sees only the keys they created: "none in the org" would be a wrong fact to them. Their
/// role is asked for only here, when nothing was listed; should that fail, the plain words remain.
async fn none_listed(signed_in: &SignedIn, org: &str) -> String {
    let role = signed_in.client.me().await.ok().and_then(|me| {
        me.memberships.into_iter().find(|membership| membership.org.slug == org).map(|membership| membership.role)
    });
    match role {
        Some(Role::Builder) => {
            format!("You have no API keys in {org} (as a builder, you see only the keys you created)")
        }
        _ => format!("No API keys in {org}"),
    }
}

/// Created by is shown only when the platform sent it, that is when the caller's role may see it.
fn render(keys: &[ApiKey], target: table::Target, now: OffsetDateTime) -> String {
    let with_creator = keys.iter().any(|key| key.created_by.is_some());
    let mut header = vec!["ID", "Name", "Key preview", "Created at"];
    if with_creator {
        header.push("Created by");
    }
    header.extend(["Last used", "Expires"]);

    let mut rows = table::new(&header, target);
    for key in keys {
        let mut row = vec![key.id.clone(), key.name.clone(), key.preview.clone(), utc_minute(key.created_at)];
        if with_creator {
            row.push(key.created_by.as_ref().map_or_else(String::new, |user| user.email.clone()));
        }
        row.push(key.last_used_at.map_or_else(|| "never".into(), utc_minute));
        row.push(match key.expires_at {
            None => "never".into(),
            // Still listed until revoked, but refused: say so rather than leave a date to compare.
            Some(at) if at <= now => format!("{} (expired)", utc_minute(at)),
            Some(at) => utc_minute(at),
        });
        table::add_row(&mut rows, row);
    }
    table::wrap_only(&mut rows, &["Name"]);
    table::render(&rows)
}

#[cfg(test)]
mod tests {
    use super::*;
    use keystroke_api::User;
    use time::macros::datetime;

    fn key(created_by: Option<User>) -> ApiKey {
        ApiKey {
            id: "ak_1".into(),
            name: "CI".into(),
            preview: "key_live_AbCd…WxYz".into(),
            org: "acme".into(),
            created_at: datetime!(2026-11-26 14:00 UTC),
            created_by,
            last_used_at: None,
            expires_at: Some(datetime!(2026-12-26 14:00 UTC)),
            revoked_at: None,
        }
    }

    #[test]
    fn builders_get_no_created_by_column() {
        let text = render(&[key(None)], table::Target::Pipe, datetime!(2026-11-27 00:00 UTC));
        let header = text.lines().next().unwrap();
        assert_eq!(
            header.split("  ").map(str::trim).filter(|s| !s.is_empty()).collect::<Vec<_>>(),
            ["ID", "Name", "Key preview", "Created at", "Last used", "Expires"]
        );
    }

    #[test]
    fn admins_see_who_created_each_key() {
        let ada = User { id: "u_1".into(), email: "ada@acme.test".into(), name: "Ada".into() };
        let text = render(&[key(Some(ada))], table::Target::Pipe, datetime!(2026-11-27 00:00 UTC));
        assert!(text.lines().next().unwrap().contains("Created by"));
        assert!(text.contains("ada@acme.test"));
        assert!(text.contains("never"));
    }

    #[test]
    fn expired_keys_say_so() {
        let before = render(&[key(None)], table::Target::Pipe, datetime!(2026-12-26 13:59 UTC));
        assert!(before.lines().nth(1).unwrap().ends_with("2026-12-26 14:00 UTC"), "{before}");
        let after = render(&[key(None)], table::Target::Pipe, datetime!(2026-12-26 14:00 UTC));
        assert!(after.lines().nth(1).unwrap().ends_with("2026-12-26 14:00 UTC (expired)"), "{after}");
    }
}
