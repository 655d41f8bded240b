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
        self.paint_shown(code, &shown(text))
    }

    /// [`Style::paint`] for text that has been through [`shown`] already.
    fn paint_shown(self, code: &str, text: &str) -> String {
        if self.enabled && !code.is_empty() && !text.is_empty() {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_string()
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

/// Pads to a width in characters, which `format!` cannot do around colour codes.
pub fn pad(text: &str, mut painted: String, width: usize) -> String {
    let n = text.chars().count();
    painted.extend(std::iter::repeat_n(' ', width.saturating_sub(n)));
    painted
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
    let header = header.map(shown);
    let rows: Vec<[std::borrow::Cow<str>; N]> = rows
        .iter()
        .map(|r| r.each_ref().map(|c| shown(c)))
        .collect();
    let mut widths = header.each_ref().map(|h| h.chars().count());
    for r in &rows {
        for (w, c) in widths.iter_mut().zip(r) {
            *w = (*w).max(c.chars().count());
        }
    }
    let line: Vec<String> = header
        .iter()
        .zip(widths)
        .map(|(h, w)| pad(h, st.paint_shown(BOLD, h), w))
        .collect();
    writeln!(out, "{}", line.join("  ").trim_end())?;
    for (ri, r) in rows.iter().enumerate() {
        let cells: Vec<String> = r
            .iter()
            .enumerate()
            .map(|(ci, c)| pad(c, st.paint_shown(color(ri, ci), c), widths[ci]))
            .collect();
        writeln!(out, "{}", cells.join("  ").trim_end())?;
    }
    Ok(())
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
