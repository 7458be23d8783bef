//! What the admin `list` commands print: aligned columns for a person, JSON for scripts.

use std::io::Write;

use anyhow::Context;
use clap::Args;
use serde_json::Value;

/// One row as a JSON object whose keys come in the columns' order (serde_json's own map sorts them).
pub(crate) struct InColumnOrder<'a, const N: usize>(&'a [(&'a str, &'a str); N], &'a [Value; N]);

impl<const N: usize> serde::Serialize for InColumnOrder<'_, N> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut object = serializer.serialize_map(Some(N))?;
        for ((_, key), value) in self.0.iter().zip(self.1) {
            object.serialize_entry(key, value)?;
        }
        object.end()
    }
}

#[derive(Args)]
pub(crate) struct Listing {
    /// One JSON array of objects on stdout instead of columns, for scripts
    #[arg(long)]
    pub(crate) json: bool,
}

impl Listing {
    /// The rows on stdout: aligned columns under the headers for a person, or with `--json` an
    /// array of objects with the keys. A reader that stops early (`| head`) ends it quietly.
    pub(crate) fn print<const N: usize>(&self, fields: [(&str, &str); N], rows: Vec<[Value; N]>) -> anyhow::Result<()> {
        let text = if self.json {
            let objects: Vec<InColumnOrder<N>> = rows.iter().map(|row| InColumnOrder(&fields, row)).collect();
            serde_json::to_string_pretty(&objects)? + "\n"
        } else {
            let cell = |value: Value| match value {
                Value::String(text) => text,
                Value::Null => String::new(),
                other => other.to_string(),
            };
            columns(fields.map(|(header, _)| header), rows.into_iter().map(|row| row.map(cell)))
        };
        let mut stdout = std::io::stdout().lock();
        match stdout.write_all(text.as_bytes()).and_then(|()| stdout.flush()) {
            Err(err) if err.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
            result => result.context("could not write to stdout"),
        }
    }
}

/// Aligned columns two spaces apart under a header, for a person (scripts can split on runs of
/// spaces: only the last column, a name, may hold spaces). Names and emails were checked when
/// added: no control or direction-changing characters.
fn columns<const N: usize>(header: [&str; N], rows: impl IntoIterator<Item = [String; N]>) -> String {
    use unicode_width::UnicodeWidthStr;
    let rows: Vec<[String; N]> = rows.into_iter().collect();
    let mut widths = header.map(UnicodeWidthStr::width);
    for row in &rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.width());
        }
    }
    let line = |cells: [&str; N]| {
        let mut line = String::new();
        for (i, (cell, width)) in cells.iter().zip(widths).enumerate() {
            line.push_str(cell);
            if i + 1 < N {
                // Padded by the columns a terminal shows, not by characters.
                line.push_str(&" ".repeat(width - cell.width() + 2));
            }
        }
        line.trim_end().to_owned() + "\n"
    };
    let mut lines = line(header);
    for row in &rows {
        lines.push_str(&line(row.each_ref().map(String::as_str)));
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_line_up_on_screen_with_wide_characters() {
        let rows =
            [["日本@example.test".to_owned(), "Wide".to_owned()], ["a@example.test".to_owned(), "Narrow".to_owned()]];
        let text = columns(["EMAIL", "NAME"], rows);
        assert_eq!(text, "EMAIL              NAME\n日本@example.test  Wide\na@example.test     Narrow\n");
    }
}
