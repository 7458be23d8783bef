//! Tables for people: the same columns on a terminal and in a pipe, a rule under the header only
//! on a terminal.

use comfy_table::{ColumnConstraint, ContentArrangement, LineStyle, Table, TableStyle, Width, presets};
use unicode_segmentation::UnicodeSegmentation;
use unicode_width::UnicodeWidthStr;

use crate::printer;

/// Where a table is printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// No borders, no wrapping: one row per line for `grep`, `cut` and `awk`.
    Pipe,
    /// A rule under the header, and cells wrapped to fit `columns` when the width is known.
    Terminal { columns: Option<u16> },
}

/// A rule under the header and nothing else, as psql draws it: a line between rows would double
/// the height of a long list.
const TERMINAL_STYLE: TableStyle = TableStyle::new().header_separator(LineStyle::none().fill('─'));

pub fn new(header: &[&str], target: Target) -> Table {
    let mut table = Table::new();
    match target {
        Target::Pipe => {
            table.load_style(presets::NOTHING);
        }
        Target::Terminal { columns } => {
            table.load_style(TERMINAL_STYLE);
            if let Some(columns) = columns {
                table.set_content_arrangement(ContentArrangement::Dynamic).set_width(columns);
            }
        }
    }
    table.set_header(header.iter().copied());
    // No space before the first column (`cut -d' ' -f1` finds the id), two between columns.
    for index in 0..table.column_count() {
        if let Some(column) = table.column_mut(index) {
            column.set_padding((0, 2));
        }
    }
    table
}

/// Adds a row of cells, each made one terminal-safe line ([`printer::one_line`]) before the
/// table measures it: cells hold names and emails from the platform.
pub fn add_row(table: &mut Table, cells: impl IntoIterator<Item = impl AsRef<str>>) {
    table.add_row(cells.into_iter().map(|cell| printer::one_line(cell.as_ref()).into_owned()).collect::<Vec<_>>());
}

/// The narrowest a wrapping column gets: names stay readable (and emoji sequences whole); a
/// table that cannot fit even so is shown as records instead (see [`render`]).
const MIN_WRAPPED_WIDTH: u16 = 24;

/// On a terminal of known width, only the columns headed `wrapping` wrap: ids, previews and
/// times stay whole, so they can be copied. Elsewhere (a pipe, an unknown width) nothing wraps
/// anyway.
pub fn wrap_only(table: &mut Table, wrapping: &[&str]) {
    let headers: Vec<String> =
        table.header().map(|header| header.cell_iter().map(|cell| cell.content()).collect()).unwrap_or_default();
    debug_assert!(wrapping.iter().all(|name| headers.iter().any(|header| header == name)), "{wrapping:?}");
    if table.width().is_none() {
        return;
    }
    let widest = table.column_max_content_widths();
    for index in 0..table.column_count() {
        let Some(column) = table.column_mut(index) else { continue };
        let constraint = if headers.get(index).is_some_and(|header| wrapping.contains(&header.as_str())) {
            // A fixed width counts the cell's padding too.
            let narrowest = widest.get(index).copied().unwrap_or(0).min(MIN_WRAPPED_WIDTH) + column.padding_width();
            ColumnConstraint::LowerBoundary(Width::Fixed(narrowest))
        } else {
            ColumnConstraint::ContentWidth
        };
        column.set_constraint(constraint);
    }
}

/// The table's text with trailing padding removed, so pipes get no invisible whitespace.
///
/// On a terminal too narrow for the table even with its names wrapped, each row becomes a block
/// of `Header  value` lines instead, as psql's expanded display does: a table past the edge is
/// cut or folded by the terminal, and ids and previews must stay whole to be copied. Pipes
/// always get the columns, for `grep`, `cut` and `awk`.
pub fn render(table: &Table) -> String {
    let text = lines(table);
    match table.width() {
        Some(columns) if table.row_count() > 0 && text.lines().any(|line| line.width() > usize::from(columns)) => {
            records(table, columns)
        }
        _ => text,
    }
}

fn lines(table: &Table) -> String {
    let mut lines: Vec<String> = table.lines().map(|line| line.trim_end().to_string()).collect();
    // The rule under the header (a terminal's only) comes as wide as the columns with their
    // padding: cut to the text it underlines.
    let is_rule = |line: &String| !line.is_empty() && line.chars().all(|c| c == '─');
    if lines.get(1).is_some_and(is_rule) {
        let widest = lines.iter().enumerate().filter(|(at, _)| *at != 1).map(|(_, line)| line.width()).max();
        lines[1] = "─".repeat(widest.unwrap_or(0));
    }
    lines.join("\n")
}

/// One block per row, a blank line between blocks, each line a header and its cell. Only the
/// cells of wrapping columns (names) wrap, at spaces; ids, previews and times stay whole, past the
/// edge of a terminal too narrow even for them.
fn records(table: &Table, columns: u16) -> String {
    let labels: Vec<String> =
        table.header().map(|header| header.cell_iter().map(|cell| cell.content()).collect()).unwrap_or_default();
    let label_width = labels.iter().map(|label| label.width()).max().unwrap_or(0);
    let wraps = |index: usize| {
        matches!(table.column(index).and_then(|column| column.constraint()), Some(ColumnConstraint::LowerBoundary(_)))
    };
    // Names wrap to the terminal, but never narrower than the widest cell that stays whole: past
    // the edge anyway, a name cut into shorter lines would only be harder to read.
    let widest_whole = table
        .row_iter()
        .flat_map(|row| row.cell_iter().enumerate())
        .filter(|(column, _)| !wraps(*column))
        .map(|(_, cell)| cell.content().width())
        .max()
        .unwrap_or(0);
    let room = usize::from(columns).saturating_sub(label_width + 2).max(widest_whole);
    let mut lines = Vec::new();
    for (index, row) in table.row_iter().enumerate() {
        if index > 0 {
            lines.push(String::new());
        }
        for (column, (label, cell)) in labels.iter().zip(row.cell_iter()).enumerate() {
            let content = cell.content();
            let parts = if wraps(column) { wrap_at_spaces(&content, room) } else { vec![content] };
            for (part_index, part) in parts.iter().enumerate() {
                let label = if part_index == 0 { label.as_str() } else { "" };
                let padding = " ".repeat(label_width - label.width() + 2);
                lines.push(format!("{label}{padding}{part}").trim_end().to_owned());
            }
        }
    }
    lines.join("\n")
}

/// Lines of at most `room` columns, broken at spaces; a word longer than a line is cut into
/// lines of its own, between user-perceived characters (an accent stays on its letter, an emoji
/// sequence whole).
fn wrap_at_spaces(text: &str, room: usize) -> Vec<String> {
    let room = room.max(1);
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split(' ') {
        if !line.is_empty() && line.width() + 1 + word.width() > room {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        for character in word.graphemes(true) {
            if !line.is_empty() && line.width() + character.width() > room {
                lines.push(std::mem::take(&mut line));
            }
            line.push_str(character);
        }
    }
    lines.push(line);
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pipes_get_the_same_columns_without_borders() {
        let mut table = new(&["ID", "Name"], Target::Pipe);
        table.add_row(["ak_1", "Production automation"]);
        assert_eq!(render(&table), "ID    Name\nak_1  Production automation");
    }

    #[test]
    fn terminals_of_known_width_get_tables_that_fit() {
        let long_name = "A name that goes on and on to say what uses the key ".repeat(2);
        let mut table = new(&["ID", "Name", "Created at"], Target::Terminal { columns: Some(70) });
        table.add_row(["ak_3xAmPlE9", long_name.trim(), "2026-11-26 14:04 UTC"]);
        wrap_only(&mut table, &["Name"]);
        let text = render(&table);
        assert!(text.lines().all(|line| line.chars().count() <= 70), "{text}");
        assert!(text.contains("ak_3xAmPlE9") && text.contains("2026-11-26 14:04 UTC"), "whole: {text}");

        let lines: Vec<&str> = text.lines().collect();
        assert!(lines[0].starts_with("ID ") && lines[1].chars().all(|c| c == '─'), "as columns: {text}");
        assert!(lines[2].starts_with("ak_3xAmPlE9 ") && lines.len() == 6, "no rules between rows: {text}");
        // The rule underlines the text, not the padding after its last column.
        let widest_text = lines.iter().filter(|line| !line.starts_with('─')).map(|line| line.width()).max();
        assert_eq!(Some(lines[1].width()), widest_text, "{text}");
    }

    #[test]
    fn names_shorter_than_the_wrapping_minimum_never_wrap() {
        let row = ["ak_3xAmPlE9", "devkey2", "2026-11-26 14:04 UTC"];
        let natural = render(&{
            let mut table = new(&["ID", "Name", "Created at"], Target::Terminal { columns: None });
            table.add_row(row);
            table
        });
        let natural_width = natural.lines().map(UnicodeWidthStr::width).max().unwrap();
        // One and two columns short: the name would have to give way, but it is already short.
        for short in [1, 2] {
            let mut table =
                new(&["ID", "Name", "Created at"], Target::Terminal { columns: Some((natural_width - short) as u16) });
            table.add_row(row);
            wrap_only(&mut table, &["Name"]);
            let text = render(&table);
            // The table cannot fit, and the short name gives no room: one block per row instead.
            assert!(text.contains("\nName        devkey2\n"), "{short}: {text}");
        }
    }

    #[test]
    fn terminals_too_narrow_for_the_columns_get_one_block_per_row() {
        let long_name = "A name that goes on and on to say what uses the key";
        let mut narrow = new(&["ID", "Name", "Created at"], Target::Terminal { columns: Some(40) });
        narrow.add_row(["ak_3xAmPlE9", long_name, "2026-11-26 14:04 UTC"]);
        narrow.add_row(["ak_Second01", "CI", "2026-11-27 09:30 UTC"]);
        wrap_only(&mut narrow, &["Name"]);
        let text = render(&narrow);
        assert!(text.lines().all(|line| line.width() <= 40), "fits: {text}");
        let lines: Vec<&str> = text.lines().map(str::trim_end).collect();
        assert_eq!(lines[0], "ID          ak_3xAmPlE9", "{text}");
        assert_eq!(
            lines[1..3],
            ["Name        A name that goes on and on", "            to say what uses the key"],
            "{text}"
        );
        assert!(text.contains("\nCreated at  2026-11-26 14:04 UTC"), "{text}");
        assert!(lines.contains(&"") && text.contains("\nID          ak_Second01"), "blank line between rows: {text}");

        // Narrower than a label and a time: the id and the time stay whole past the edge, and the
        // name wraps no narrower than them (20 columns), not to the 4 the terminal leaves.
        let mut tiny = new(&["ID", "Name", "Created at"], Target::Terminal { columns: Some(16) });
        tiny.add_row(["ak_3xAmPlE9", "Production automation for the nightly build", "2026-11-26 14:04 UTC"]);
        wrap_only(&mut tiny, &["Name"]);
        let text = render(&tiny);
        assert!(text.contains("ID          ak_3xAmPlE9\n") && text.contains("2026-11-26 14:04 UTC"), "{text}");
        assert!(
            text.contains("\nName        Production\n            automation for the\n            nightly build\n"),
            "{text}"
        );

        // A name without spaces is cut to fit, by display width (a CJK character is two columns),
        // never inside a character: an accent stays on its letter, an emoji sequence whole.
        let family = "👨\u{200D}👩\u{200D}👧";
        for (name, columns) in [
            ("A".repeat(100), 40u16),
            ("漢".repeat(30) + &"x".repeat(40), 40),
            ("e\u{301}".repeat(50), 20),
            (family.repeat(12), 21),
        ] {
            let mut unspaced = new(&["ID", "Name", "Created at"], Target::Terminal { columns: Some(columns) });
            unspaced.add_row(["ak_3xAmPlE9", name.as_str(), "2026-11-26 14:04 UTC"]);
            wrap_only(&mut unspaced, &["Name"]);
            let text = render(&unspaced);
            let name_lines: Vec<&str> = text.lines().skip(1).take_while(|line| !line.starts_with("Created")).collect();
            // As wide as the terminal, or as the time's line (32 columns) where that is wider.
            let room = usize::from(columns).max(32);
            assert!(name_lines.iter().all(|line| line.width() <= room), "fits {room}: {text}");
            let parts: Vec<&str> = name_lines.iter().map(|line| line.trim_start_matches("Name").trim()).collect();
            assert_eq!(parts.concat(), name, "nothing lost: {text}");
            let split = |part: &&str| part.starts_with(['\u{200D}', '\u{301}', '👩', '👧']);
            assert!(!parts.iter().any(split), "cut inside a character: {text}");
        }

        // A pipe keeps its columns however long the line.
        let mut piped = new(&["ID", "Name", "Created at"], Target::Pipe);
        piped.add_row(["ak_3xAmPlE9", long_name, "2026-11-26 14:04 UTC"]);
        wrap_only(&mut piped, &["Name"]);
        assert_eq!(render(&piped).lines().count(), 2);
    }
}
