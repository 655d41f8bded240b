//! Terminal colour, only when it is wanted.

use std::io::IsTerminal;

use crate::env::Env;
use crate::sanitize::shown;

pub const BOLD: &str = "1";
pub const DIM: &str = "2";
pub const RED: &str = "31";
pub const GREEN: &str = "32";
pub const YELLOW: &str = "33";
pub const CYAN: &str = "36";

#[derive(Clone, Copy)]
pub struct Style {
    pub enabled: bool,
}

impl Style {
    /// Colour on stdout only when it is a terminal and `NO_COLOR` is unset.
    pub fn stdout(env: &Env) -> Style {
        Style {
            enabled: !env.no_color() && std::io::stdout().is_terminal(),
        }
    }
    /// `text`, made safe for the terminal ([`shown`]), inside the colour `code`. `text` is
    /// raw: sanitised here, once.
    pub fn paint(self, code: &str, text: &str) -> String {
        let mut out = String::new();
        self.paint_into(&mut out, code, &shown(text));
        out
    }

    /// Appends `text`, made safe already, inside the colour `code`.
    fn paint_into(self, out: &mut String, code: &str, text: &str) {
        if self.enabled && !code.is_empty() && !text.is_empty() {
            out.extend(["\x1b[", code, "m", text, "\x1b[0m"]);
        } else {
            out.push_str(text);
        }
    }
}

/// `v` cut to `w` characters, the last of them `…` when anything was cut (for columns
/// that must stay aligned).
pub fn cut(v: &str, w: usize) -> String {
    if v.chars().count() <= w {
        return v.to_string();
    }
    let mut out: String = v.chars().take(w.saturating_sub(1)).collect();
    out.push('…');
    out
}

/// Writes a table: a bold header, then rows with columns padded to the widest cell.
/// `color(row, column)` names a colour code for a cell, or "" for none. Cells are raw
/// text: each is made safe ([`shown`]) before it is measured and painted.
pub fn table<const N: usize>(
    out: &mut impl std::io::Write,
    st: Style,
    header: [&str; N],
    rows: &[[String; N]],
    color: impl Fn(usize, usize) -> &'static str,
) -> std::io::Result<()> {
    let mut t = Table::new(header);
    for r in rows {
        t.push(r.each_ref().map(String::as_str));
    }
    t.write(out, st, color)
}

/// A table filled a row at a time: each cell is made safe ([`shown`]) and measured as it
/// comes, and all of them are kept as one text, so 10,000 rows of seven cells cost their
/// bytes rather than 70,000 strings.
pub struct Table<const N: usize> {
    header: [String; N],
    /// Every cell, made safe, one after the other.
    cells: String,
    /// Where each cell ends in `cells`, and its width in characters.
    ends: Vec<(u32, u32)>,
    widths: [usize; N],
}

impl<const N: usize> Table<N> {
    pub fn new(header: [&str; N]) -> Table<N> {
        let header = header.map(|h| shown(h).into_owned());
        Table {
            widths: header.each_ref().map(|h| h.chars().count()),
            header,
            cells: String::new(),
            ends: Vec::new(),
        }
    }

    /// Adds a row of raw cells.
    pub fn push(&mut self, row: [&str; N]) {
        for (w, c) in self.widths.iter_mut().zip(row) {
            let c = shown(c);
            let n = c.chars().count();
            *w = (*w).max(n);
            self.cells.push_str(&c);
            let end = u32::try_from(self.cells.len()).unwrap_or(u32::MAX);
            self.ends.push((end, u32::try_from(n).unwrap_or(u32::MAX)));
        }
    }

    /// Writes the header and every row; `color(row, column)` as for [`table`].
    pub fn write(
        &self,
        out: &mut impl std::io::Write,
        st: Style,
        color: impl Fn(usize, usize) -> &'static str,
    ) -> std::io::Result<()> {
        let mut line = String::new();
        // A cell painted and padded to the column's width, after the space between columns.
        let cell = |line: &mut String, c: usize, text: &str, n: usize, code: &str| {
            if c > 0 {
                line.push_str("  ");
            }
            st.paint_into(line, code, text);
            line.extend(std::iter::repeat_n(' ', self.widths[c].saturating_sub(n)));
        };
        let end_line = |out: &mut dyn std::io::Write, line: &mut String| {
            let r = out
                .write_all(line.trim_end().as_bytes())
                .and_then(|()| out.write_all(b"\n"));
            line.clear();
            r
        };
        for (c, h) in self.header.iter().enumerate() {
            cell(&mut line, c, h, h.chars().count(), BOLD);
        }
        end_line(out, &mut line)?;
        let mut start = 0;
        for (r, row) in self.ends.chunks_exact(N).enumerate() {
            for (c, &(end, n)) in row.iter().enumerate() {
                let text = &self.cells[start..end as usize];
                start = end as usize;
                cell(&mut line, c, text, n as usize, color(r, c));
            }
            end_line(out, &mut line)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_cells_are_made_safe_before_they_are_measured() {
        let rows = [
            ["a\x1b]0;t\x07".to_string(), "x".to_string()],
            ["bb".to_string(), "\u{202e}y".to_string()],
        ];
        for enabled in [false, true] {
            let mut out = Vec::new();
            table(
                &mut out,
                Style { enabled },
                ["N", "V"],
                &rows,
                |_, c| match c {
                    1 => GREEN,
                    _ => "",
                },
            )
            .unwrap();
            let text = String::from_utf8(out).unwrap();
            let plain = text
                .replace("\x1b[0m", "")
                .replace("\x1b[1m", "")
                .replace("\x1b[32m", "");
            assert!(
                !plain
                    .chars()
                    .any(|c| c != '\n' && crate::sanitize::is_unsafe(c)),
                "{text:?}"
            );
            assert_eq!(
                plain,
                "N              V\na\\x1b]0;t\\x07  x\nbb             \\u{202e}y\n"
            );
        }
        assert_eq!(
            Style { enabled: true }.paint(RED, "\x1b[2J"),
            "\x1b[31m\\x1b[2J\x1b[0m"
        );
    }
}
