//! Tables for people: the same columns on a terminal and in a pipe, borders only on a terminal.

use comfy_table::{Table, presets};
use time::OffsetDateTime;
use time::macros::format_description;

pub fn new(header: &[&str], on_terminal: bool) -> Table {
    let mut table = Table::new();
    table.load_style(if on_terminal { presets::UTF8_HORIZONTAL_ONLY } else { presets::NOTHING });
    table.set_header(header.iter().copied());
    table
}

/// The table's text with trailing padding removed, so pipes get no invisible whitespace.
pub fn render(table: &Table) -> String {
    table.lines().map(|line| line.trim_end().to_string()).collect::<Vec<_>>().join("\n")
}

/// A time for people: minutes are precise enough, UTC keeps it unambiguous.
pub fn time(at: OffsetDateTime) -> String {
    let format = format_description!("[year]-[month]-[day] [hour]:[minute] UTC");
    at.to_offset(time::UtcOffset::UTC).format(&format).unwrap_or_else(|_| at.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn times_are_shown_in_utc_to_the_minute() {
        assert_eq!(time(datetime!(2026-11-26 15:04:05 +1)), "2026-11-26 14:04 UTC");
    }

    #[test]
    fn pipes_get_the_same_columns_without_borders() {
        let mut table = new(&["ID", "Name"], false);
        table.add_row(["ak_1", "Production automation"]);
        assert_eq!(render(&table), " ID    Name\n ak_1  Production automation");
    }
}
