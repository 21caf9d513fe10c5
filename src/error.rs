//! Errors the library returns. Problems in the user's files are [`Diagnostic`]s that point at a
//! file, line and column; everything else (disk, theme, output folder) is an [`Error`] variant.

use std::fmt;
use std::io;
use std::path::{Path, PathBuf};

/// A line and column in a user's file, both 1-based, with the length of the offending text so
/// the snippet can underline it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Position {
    pub line: u32,
    pub column: u32,
    pub len: u32,
}

/// One problem in the user's input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// Relative to the site folder, so messages read the same on every machine.
    pub path: PathBuf,
    pub position: Option<Position>,
    pub message: String,
    /// A suggestion ("did you mean `panel`?") or what to do about it.
    pub help: Option<String>,
    /// The offending line of the file, shown under the message.
    pub source_line: Option<String>,
}

impl Diagnostic {
    pub fn new(path: impl Into<PathBuf>, message: impl Into<String>) -> Self {
        Diagnostic {
            path: path.into(),
            position: None,
            message: message.into(),
            help: None,
            source_line: None,
        }
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// Adds a help line only when there is something to say.
    pub fn with_optional_help(mut self, help: Option<String>) -> Self {
        if help.is_some() {
            self.help = help;
        }
        self
    }

    /// `PATH:LINE:COL`, or just `PATH` when the problem has no position.
    pub fn location(&self) -> String {
        match self.position {
            Some(p) => format!("{}:{}:{}", display_path(&self.path), p.line, p.column),
            None => display_path(&self.path),
        }
    }
}

/// Forward slashes everywhere, so messages (and the tests that read them) are the same on Windows.
fn display_path(path: &Path) -> String {
    path.to_string_lossy().replace('\\', "/")
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.location(), self.message)?;
        if let (Some(p), Some(line)) = (self.position, &self.source_line) {
            let number = p.line.to_string();
            let gutter = " ".repeat(number.len());
            let indent: String = line
                .chars()
                .take(p.column.saturating_sub(1) as usize)
                .map(|c| if c == '\t' { '\t' } else { ' ' })
                .collect();
            let carets = "^".repeat(p.len.max(1) as usize);
            write!(
                f,
                "\n {gutter} |\n {number} | {line}\n {gutter} | {indent}{carets}"
            )?;
        }
        if let Some(help) = &self.help {
            write!(f, "\n  help: {help}")?;
        }
        Ok(())
    }
}

/// Everything that can stop a build or a check.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Problems in site.yaml or the event files; all of them, not only the first.
    #[error("{}", format_diagnostics(.0))]
    Content(Vec<Diagnostic>),

    #[error("{0}")]
    Theme(String),

    /// A template that does not parse or fails to render; `origin` names the file.
    #[error("template {origin}: {message}")]
    Template { origin: String, message: String },

    #[error("refusing to use `{}` as the output folder: {reason}", display_path(.path))]
    UnsafeOutput { path: PathBuf, reason: String },

    #[error("cannot watch `{}` for changes: {message}", display_path(.path))]
    Watch { path: PathBuf, message: String },

    #[error("invalid --now `{value}`: {reason}")]
    InvalidNow { value: String, reason: String },

    #[error("cannot {action} `{}`: {source}", display_path(.path))]
    Io {
        action: &'static str,
        path: PathBuf,
        #[source]
        source: io::Error,
    },
}

impl Error {
    pub fn io(action: &'static str, path: impl Into<PathBuf>, source: io::Error) -> Self {
        Error::Io {
            action,
            path: path.into(),
            source,
        }
    }

    /// The diagnostics of a content error, empty for other errors.
    pub fn diagnostics(&self) -> &[Diagnostic] {
        match self {
            Error::Content(list) => list,
            _ => &[],
        }
    }
}

fn format_diagnostics(list: &[Diagnostic]) -> String {
    let mut out = String::new();
    for (i, d) in list.iter().enumerate() {
        if i > 0 {
            out.push_str("\n\n");
        }
        out.push_str(&d.to_string());
    }
    let n = list.len();
    out.push_str(&format!(
        "\n\n{n} error{} found; nothing was written",
        if n == 1 { "" } else { "s" }
    ));
    out
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn diagnostic_shows_location_snippet_and_help() {
        let d = Diagnostic {
            path: PathBuf::from("incidents/a.md"),
            position: Some(Position {
                line: 7,
                column: 3,
                len: 5,
            }),
            message: "unknown component `pnael`".into(),
            help: Some("did you mean `panel`?".into()),
            source_line: Some("  pnael: major_outage".into()),
        };
        assert_eq!(
            d.to_string(),
            "incidents/a.md:7:3: unknown component `pnael`\n   |\n 7 |   pnael: major_outage\n   |   ^^^^^\n  help: did you mean `panel`?"
        );
    }
}
