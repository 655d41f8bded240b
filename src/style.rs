//! Terminal colour, only when it is wanted.

use std::io::IsTerminal;

use crate::env::Env;

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
    pub fn stderr(env: &Env) -> Style {
        Style {
            enabled: !env.no_color() && std::io::stderr().is_terminal(),
        }
    }
    pub fn paint(self, code: &str, text: &str) -> String {
        if self.enabled && !code.is_empty() && !text.is_empty() {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }
}

/// Pads to a width in characters, which `format!` cannot do around colour codes.
pub fn pad(text: &str, mut painted: String, width: usize) -> String {
    let n = text.chars().count();
    painted.extend(std::iter::repeat_n(' ', width.saturating_sub(n)));
    painted
}

/// Writes a table: a bold header, then rows with columns padded to the widest cell.
/// `color(row, column)` names a colour code for a cell, or "" for none.
pub fn table<const N: usize>(
    out: &mut impl std::io::Write,
    st: Style,
    header: [&str; N],
    rows: &[[String; N]],
    color: impl Fn(usize, usize) -> &'static str,
) -> std::io::Result<()> {
    let mut widths = header.map(|h| h.chars().count());
    for r in rows {
        for (w, c) in widths.iter_mut().zip(r) {
            *w = (*w).max(c.chars().count());
        }
    }
    let line: Vec<String> = header
        .iter()
        .zip(widths)
        .map(|(h, w)| pad(h, st.paint(BOLD, h), w))
        .collect();
    writeln!(out, "{}", line.join("  ").trim_end())?;
    for (ri, r) in rows.iter().enumerate() {
        let cells: Vec<String> = r
            .iter()
            .enumerate()
            .map(|(ci, c)| pad(c, st.paint(color(ri, ci), c), widths[ci]))
            .collect();
        writeln!(out, "{}", cells.join("  ").trim_end())?;
    }
    Ok(())
}
