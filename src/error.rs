//! Errors the library returns. Problems in the user's files are [`Diagnostic`]s that point at a
//! file, line and column; everything else (disk, theme, output folder) is an [`Error`] variant.

use std::fmt;
use std::io;
use std::path::{Path, PathBuf};

/// A line and column in a user's file, both 1-based, with the length of the offending text so
/// the snippet can underline it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Position {
    /// Line of the file, counted from 1.
    pub line: u32,
    /// Column in characters (not bytes), counted from 1.
    pub column: u32,
    /// Length of the offending text in characters; 0 is underlined as one.
    pub len: u32,
}

/// What kind of problem a diagnostic is: a stable name that tools and docs can rely on
/// (listed in docs/format.md), whatever the message's wording.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorCode {
    /// The YAML cannot be read (syntax).
    Syntax,
    /// A key the file's format does not have.
    UnknownKey,
    /// A key the file's format requires is absent.
    MissingKey,
    /// The same key twice in one mapping.
    DuplicateKey,
    /// A value of the wrong type (text where a number is expected, …).
    WrongType,
    /// A word outside its vocabulary (a status, a kind, an impact).
    UnknownValue,
    /// A component id that site.yaml does not declare.
    UnknownComponent,
    /// A timestamp that cannot be read or is out of range.
    InvalidTimestamp,
    /// A value that is read but not allowed (an empty title, a bad URL, a colour, …).
    InvalidValue,
    /// An event file without usable front matter.
    FrontMatter,
    /// A timeline that is empty, out of order or inconsistent with the event's kind.
    Timeline,
    /// Two events with one slug.
    DuplicateSlug,
    /// A file over a size limit, or YAML over its budget (depth, aliases, …).
    TooLarge,
    /// A file that cannot be read (missing, not a regular file, not UTF-8).
    Unreadable,
    /// A theme template that does not compile or fails to render.
    Template,
}

impl ErrorCode {
    /// The stable name, e.g. `unknown-component`.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::Syntax => "yaml-syntax",
            ErrorCode::UnknownKey => "unknown-key",
            ErrorCode::MissingKey => "missing-key",
            ErrorCode::DuplicateKey => "duplicate-key",
            ErrorCode::WrongType => "wrong-type",
            ErrorCode::UnknownValue => "unknown-value",
            ErrorCode::UnknownComponent => "unknown-component",
            ErrorCode::InvalidTimestamp => "invalid-timestamp",
            ErrorCode::InvalidValue => "invalid-value",
            ErrorCode::FrontMatter => "front-matter",
            ErrorCode::Timeline => "timeline",
            ErrorCode::DuplicateSlug => "duplicate-slug",
            ErrorCode::TooLarge => "too-large",
            ErrorCode::Unreadable => "unreadable",
            ErrorCode::Template => "template",
        }
    }

    /// Every code, for docs and tests.
    pub const ALL: [ErrorCode; 15] = [
        ErrorCode::Syntax,
        ErrorCode::UnknownKey,
        ErrorCode::MissingKey,
        ErrorCode::DuplicateKey,
        ErrorCode::WrongType,
        ErrorCode::UnknownValue,
        ErrorCode::UnknownComponent,
        ErrorCode::InvalidTimestamp,
        ErrorCode::InvalidValue,
        ErrorCode::FrontMatter,
        ErrorCode::Timeline,
        ErrorCode::DuplicateSlug,
        ErrorCode::TooLarge,
        ErrorCode::Unreadable,
        ErrorCode::Template,
    ];
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One problem in the user's input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// Relative to the site folder, so messages read the same on every machine.
    pub path: PathBuf,
    /// The kind of problem, stable across releases whatever the wording.
    pub code: ErrorCode,
    /// Where in the file; `None` when the problem concerns the file as a whole (it cannot be
    /// read, say).
    pub position: Option<Position>,
    /// What is wrong, one line, quoting the offending value.
    pub message: String,
    /// A suggestion ("did you mean `panel`?") or what to do about it.
    pub help: Option<String>,
    /// The offending line of the file, shown under the message.
    pub source_line: Option<String>,
}

impl Diagnostic {
    /// A diagnostic for the whole file at `path` (relative to the site folder), without
    /// position, help or source line; builders and the parsers fill those in.
    pub fn new(path: impl Into<PathBuf>, code: ErrorCode, message: impl Into<String>) -> Self {
        Diagnostic {
            path: path.into(),
            code,
            position: None,
            message: message.into(),
            help: None,
            source_line: None,
        }
    }

    /// Sets the help line: a suggestion or what to do about the problem.
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

    /// The offending text's byte range within `line` as shown (control characters
    /// escaped), from the 1-based character column and length in characters.
    fn shown_span(line: &str, position: Position) -> std::ops::Range<usize> {
        let skip = position.column.saturating_sub(1) as usize;
        let before: String = line.chars().take(skip).collect();
        let marked: String = line
            .chars()
            .skip(skip)
            .take(position.len.max(1) as usize)
            .collect();
        let start = printable(&before).len();
        start..start + printable(&marked).len().max(1)
    }
}

/// How `sitrep check` reports what it found (docs/format.md, "Errors").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ReportFormat {
    /// `PATH:LINE:COL: message`, the line with the offending text underlined, the help.
    #[default]
    Human,
    /// One JSON object per line for each diagnostic, then a summary object.
    Json,
    /// GitHub Actions workflow commands (`::error file=…,line=…::message`).
    Github,
}

/// Whether a finding stops the build.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Severity {
    /// The build stops; exit 1.
    Error,
    /// Reported; the build goes on.
    Warning,
}

impl Diagnostic {
    /// The last line and column of the offending text (inclusive), when it has a position.
    fn end(&self) -> Option<(u32, u32)> {
        self.position.map(|p| (p.line, p.column + p.len.max(1) - 1))
    }

    /// The diagnostic as one JSON object (tests/schema/check-output.schema.json).
    pub fn to_json(&self, severity: Severity) -> serde_json::Value {
        serde_json::json!({
            "type": "diagnostic",
            "file": display_path(&self.path),
            "line": self.position.map(|p| p.line),
            "column": self.position.map(|p| p.column),
            "end_line": self.end().map(|(line, _)| line),
            "end_column": self.end().map(|(_, column)| column),
            "severity": severity.as_str(),
            "code": self.code.as_str(),
            "message": self.message,
            "help": self.help,
        })
    }

    /// The diagnostic as a GitHub Actions workflow command, so the pull request shows it on
    /// the line of the file it concerns.
    pub fn to_github(&self, severity: Severity) -> String {
        let mut properties = vec![format!(
            "file={}",
            github_property(&display_path(&self.path))
        )];
        if let (Some(p), Some((end_line, end_column))) = (self.position, self.end()) {
            properties.push(format!("line={}", p.line));
            properties.push(format!("col={}", p.column));
            properties.push(format!("endLine={end_line}"));
            properties.push(format!("endColumn={end_column}"));
        }
        properties.push(format!("title={}", github_property(self.code.as_str())));
        let mut message = self.message.clone();
        if let Some(help) = &self.help {
            message.push_str("\nhelp: ");
            message.push_str(help);
        }
        format!(
            "::{} {}::{}",
            severity.as_str(),
            properties.join(","),
            github_data(&message)
        )
    }
}

impl Severity {
    /// `error` or `warning`, as JSON and GitHub write it.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }
}

/// A finding about no place in a file (a warning, a theme folder that cannot be read) as JSON,
/// in the shape of [`Diagnostic::to_json`] with `null` where there is no place.
pub fn unlocated_json(severity: Severity, code: &str, message: &str) -> serde_json::Value {
    serde_json::json!({
        "type": "diagnostic",
        "file": null,
        "line": null,
        "column": null,
        "end_line": null,
        "end_column": null,
        "severity": severity.as_str(),
        "code": code,
        "message": message,
        "help": null,
    })
}

/// The same as a GitHub Actions workflow command.
pub fn unlocated_github(severity: Severity, code: &str, message: &str) -> String {
    format!(
        "::{} title={}::{}",
        severity.as_str(),
        github_property(code),
        github_data(message)
    )
}

/// GitHub's escaping of a workflow command's message (its "data").
fn github_data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// GitHub's escaping of a workflow command's property value.
fn github_property(text: &str) -> String {
    github_data(text).replace(':', "%3A").replace(',', "%2C")
}

/// Forward slashes everywhere, so messages (and the tests that read them) are the same on Windows.
fn display_path(path: &Path) -> String {
    path.to_string_lossy().replace('\\', "/")
}

/// User text made safe for a terminal: every control character (escape sequences, carriage
/// returns, line breaks inside a value) shown escaped, so a file cannot move the cursor,
/// recolour the terminal or forge a line of sitrep's output.
pub fn printable(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.chars().any(|c| c.is_control() && c != '\t') {
        return std::borrow::Cow::Borrowed(text);
    }
    text.chars()
        .map(|c| {
            if c.is_control() && c != '\t' {
                c.escape_default().to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.render(false))
    }
}

impl Diagnostic {
    /// `PATH:LINE:COL: message` (the form editors and `grep` know), then the line with the
    /// offending text underlined by annotate-snippets, which lines carets up under wide
    /// characters and tabs, then the help. `color` adds terminal colours.
    pub fn render(&self, color: bool) -> String {
        let mut out = String::new();
        let _ = self.render_into(&mut out, color);
        out
    }

    fn render_into(&self, f: &mut String, color: bool) -> fmt::Result {
        use annotate_snippets::{AnnotationKind, Group, Level, Renderer, Snippet};
        use std::fmt::Write;
        let (bold, reset) = if color {
            ("\x1b[1m", "\x1b[0m")
        } else {
            ("", "")
        };
        write!(
            f,
            "{bold}{}: {}{reset}",
            printable(&self.location()),
            printable(&self.message)
        )?;
        if let (Some(p), Some(line)) = (self.position, &self.source_line) {
            let shown = printable(line);
            let snippet = Snippet::source(shown.as_ref())
                .line_start(p.line as usize)
                .annotation(AnnotationKind::Primary.span(Diagnostic::shown_span(line, p)));
            let report = [Group::with_level(Level::ERROR).element(snippet)];
            let renderer = if color {
                Renderer::styled()
            } else {
                Renderer::plain()
            };
            let rendered = renderer.render(&report);
            write!(f, "\n{}", rendered.trim_end())?;
        }
        if let Some(help) = &self.help {
            write!(f, "\n  help: {}", printable(help))?;
        }
        Ok(())
    }
}

/// Why the theme cannot be used at all (a template that does not compile is a
/// [`Diagnostic`] instead, at its line).
#[derive(Debug, thiserror::Error)]
pub enum ThemeError {
    /// site.yaml names a theme that has no folder under `themes/`.
    #[error(
        "site.yaml: theme `{name}` not found: there is no folder `themes/{name}/` in the site folder"
    )]
    NotFound {
        /// The name in site.yaml.
        name: String,
    },
    /// The theme's folder is a link out of the site (docs/reliability.md).
    #[error("the theme folder `themes/{name}/` leads outside the site folder")]
    Outside {
        /// The name in site.yaml.
        name: String,
    },
    /// The theme's folder cannot be walked.
    #[error("cannot read the theme `{name}`: {source}")]
    Unwalkable {
        /// The name in site.yaml.
        name: String,
        /// What the walk met.
        #[source]
        source: walkdir::Error,
    },
    /// A file of the theme cannot be read (not a regular file, too large, ...).
    #[error("cannot read `{}`: {source}", .path.display())]
    Unreadable {
        /// The file, under the site folder.
        path: PathBuf,
        /// Why (the reader's own error).
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// The theme lacks the translation every other falls back to.
    #[error("the theme has no i18n/{reference}.yaml, which every other language falls back to")]
    NoReferenceTranslation {
        /// The reference language, `en`.
        reference: &'static str,
    },
}

/// Everything that can stop a build or a check.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Problems in site.yaml or the event files; all of them, not only the first.
    #[error("{}", render_diagnostics(.0, false))]
    Content(Vec<Diagnostic>),

    /// The theme cannot be used as a whole: its folder is missing or leads outside the site,
    /// cannot be read, or lacks the reference translation.
    #[error(transparent)]
    Theme(#[from] ThemeError),

    /// The output folder (or a publish folder) was refused before anything was written,
    /// because replacing it could destroy the user's work: the site folder itself, a folder
    /// holding it or inside its sources, or one that is neither empty nor an earlier build.
    #[error("refusing to use `{}` as the output folder: {reason}", display_path(.path))]
    UnsafeOutput {
        /// The refused folder, as given.
        path: PathBuf,
        /// Why, in words for the user.
        reason: String,
    },

    /// `serve` could not start watching the site folder.
    #[error("cannot watch `{}` for changes: {source}", display_path(.path))]
    Watch {
        /// The folder being watched.
        path: PathBuf,
        /// The watcher's own error.
        #[source]
        source: notify::Error,
    },

    /// Pagefind could not index the pages (docs/search.md).
    #[error("cannot build the search index: {}{source:#}", page_prefix(.page.as_deref()))]
    Search {
        /// The page being added to the index, when the error concerns one.
        page: Option<String>,
        /// Pagefind's own error, with its chain of causes.
        #[source]
        source: anyhow::Error,
    },

    /// `--now` or `SOURCE_DATE_EPOCH` is not a timestamp sitrep can build for.
    #[error("invalid --now `{value}`: {reason}")]
    InvalidNow {
        /// The text as given.
        value: String,
        /// What is wrong with it and what would be accepted.
        reason: String,
    },

    /// A file operation failed; the message reads "cannot {action} `{path}`: {source}".
    #[error("cannot {action} `{}`: {source}", display_path(.path))]
    Io {
        /// What was being done, as a verb phrase: `read`, `move into place`, ….
        action: &'static str,
        /// The file or folder concerned (or an address, for sockets).
        path: PathBuf,
        /// The operating system's error.
        #[source]
        source: io::Error,
    },
}

impl Error {
    /// An [`Error::Io`]: `action` is a verb phrase that completes "cannot …".
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

fn page_prefix(page: Option<&str>) -> String {
    page.map(|p| format!("{p}: ")).unwrap_or_default()
}

/// What the command line needs of every error the library returns, whatever its type: the
/// problems in the user's files, and the exit code (`sitrep::report_of` finds it in a chain of
/// causes).
pub trait Report: std::error::Error {
    /// The site error inside this one, if there is one.
    fn site_error(&self) -> Option<&Error>;

    /// A mistake on the command line (an option's value), rather than in the site.
    fn is_usage(&self) -> bool {
        matches!(self.site_error(), Some(Error::InvalidNow { .. }))
    }

    /// The problems in the user's files, each at its place; empty for any other error.
    fn diagnostics(&self) -> &[Diagnostic] {
        self.site_error().map_or(&[], Error::diagnostics)
    }

    /// 2 for a mistake on the command line, as clap exits for its own; 1 for everything else.
    fn exit_code(&self) -> u8 {
        if self.is_usage() { 2 } else { 1 }
    }
}

impl Report for Error {
    fn site_error(&self) -> Option<&Error> {
        Some(self)
    }
}

/// Diagnostics as `check` and every other command print them: each at its place (see
/// [`Diagnostic::render`]), then the one summary line, "N errors found; nothing was written".
pub fn render_diagnostics(list: &[Diagnostic], color: bool) -> String {
    let mut out: Vec<String> = list.iter().map(|d| d.render(color)).collect();
    let n = list.len();
    out.push(format!(
        "{n} error{} found; nothing was written",
        if n == 1 { "" } else { "s" }
    ));
    out.join("\n\n")
}

/// An error and its causes on one line, `error: cause: cause`, each cause left out when the
/// text so far already quotes it (most of sitrep's messages do).
pub fn describe(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut cause = error.source();
    while let Some(c) = cause {
        let said = c.to_string();
        if !text.contains(&said) {
            text.push_str(": ");
            text.push_str(&said);
        }
        cause = c.source();
    }
    text
}

/// The library's result type: [`Error`] unless a module has its own (publish, announce,
/// authoring).
pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    fn diagnostic(line: &str, column: u32, len: u32) -> Diagnostic {
        Diagnostic {
            path: PathBuf::from("incidents/a.md"),
            code: ErrorCode::UnknownComponent,
            position: Some(Position {
                line: 7,
                column,
                len,
            }),
            message: "unknown component `pnael`".into(),
            help: Some("did you mean `panel`?".into()),
            source_line: Some(line.into()),
        }
    }

    /// A cause the message already quotes is not repeated; one it does not is added.
    #[test]
    fn describe_shows_each_cause_once() {
        let io = Error::io(
            "read",
            "site.yaml",
            io::Error::new(io::ErrorKind::PermissionDenied, "denied"),
        );
        assert_eq!(describe(&io), "cannot read `site.yaml`: denied");
        let search = Error::Search {
            page: Some("index.html".into()),
            source: anyhow::anyhow!("bad page").context("cannot add the page"),
        };
        assert_eq!(
            describe(&search),
            "cannot build the search index: index.html: cannot add the page: bad page"
        );
    }

    #[test]
    fn diagnostic_shows_location_snippet_and_help() {
        insta::assert_snapshot!(diagnostic("  pnael: major_outage", 3, 5).to_string(), @r"
        incidents/a.md:7:3: unknown component `pnael`
          |
        7 |   pnael: major_outage
          |   ^^^^^
          help: did you mean `panel`?
        ");
    }

    #[test]
    fn control_characters_in_user_text_are_shown_escaped() {
        let mut d = diagnostic("  \u{1b}[2Jpnael: x", 7, 5);
        d.message = "unknown component `\u{1b}[2Jpnael`".into();
        insta::assert_snapshot!(d.to_string(), @r"
        incidents/a.md:7:7: unknown component `\u{1b}[2Jpnael`
          |
        7 |   \u{1b}[2Jpnael: x
          |            ^^^^^
          help: did you mean `panel`?
        ");
    }

    #[test]
    fn carets_line_up_under_wide_characters() {
        // Two CJK characters and an emoji take two columns each in a terminal.
        insta::assert_snapshot!(diagnostic("  title: 停电 🔥 pnael", 15, 5).to_string(), @r"
        incidents/a.md:7:15: unknown component `pnael`
          |
        7 |   title: 停电 🔥 pnael
          |                  ^^^^^
          help: did you mean `panel`?
        ");
    }
}
