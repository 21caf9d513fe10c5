//! Authoring during an incident: `new` writes an event file, `update` appends to a timeline,
//! `init` creates a site. Each validates what it would write with the same parser `build`
//! uses, and writes atomically, so a tired person cannot leave a broken or half-written file.

pub mod init;
pub mod new;
pub mod update;

use std::path::{Path, PathBuf};

use crate::atomic;
use crate::content::EVENTS_DIR;
use crate::error::{Diagnostic, Error};
use crate::files::{self, Existing};

/// Why an authoring command refused; the user's files are untouched.
#[derive(Debug, thiserror::Error)]
pub enum AuthoringError {
    /// The request cannot be carried out as asked (an empty title or message, a slug already
    /// taken or not found, an event file with errors): exit 1.
    #[error("{message}{}", help.as_ref().map(|h| format!("\n  help: {h}")).unwrap_or_default())]
    Refused {
        /// What was refused and why.
        message: String,
        /// What to do instead, or the likely intended word.
        help: Option<String>,
    },
    /// A command-line option with a value sitrep does not accept (`--kind`, `--status`,
    /// `--component`, `--impact`, `--start`): a usage error, exit 2, like clap's own.
    #[error("{message}{}", help.as_ref().map(|h| format!("\n  help: {h}")).unwrap_or_default())]
    BadOption {
        /// Which option and value, and why it is not accepted.
        message: String,
        /// The likely intended value, or the values accepted.
        help: Option<String>,
    },
    /// site.yaml or the event file has errors, `--now` is invalid, or a file could not be read
    /// or written.
    #[error(transparent)]
    Site(#[from] Error),
}

impl AuthoringError {
    /// An [`AuthoringError::Refused`].
    pub(crate) fn refused(message: impl Into<String>, help: Option<String>) -> Self {
        AuthoringError::Refused {
            message: message.into(),
            help,
        }
    }

    /// An [`AuthoringError::BadOption`].
    pub(crate) fn bad_option(message: impl Into<String>, help: Option<String>) -> Self {
        AuthoringError::BadOption {
            message: message.into(),
            help,
        }
    }
}

impl From<Vec<Diagnostic>> for AuthoringError {
    fn from(diagnostics: Vec<Diagnostic>) -> Self {
        AuthoringError::Site(Error::Content(diagnostics))
    }
}

/// A word given on the command line, or a refusal with the likely intended word.
pub(crate) fn parse_word<W: crate::status::Word>(text: &str) -> Result<W, AuthoringError> {
    W::parse(text).ok_or_else(|| {
        AuthoringError::bad_option(
            format!("unknown {} `{text}`", W::NOUN),
            crate::suggest::help_for(text, W::names()),
        )
    })
}

/// A value written after `key: ` in YAML, quoted or as a block scalar when it needs to be.
/// `indent` is the column of the key, so block lines can be indented under it.
pub(crate) fn yaml_value(value: &str, indent: usize) -> String {
    let serialized = serde_saphyr::to_string(&value).unwrap_or_else(|_| format!("{value:?}"));
    let mut lines = serialized.lines();
    let first = lines.next().unwrap_or_default().to_string();
    let pad = " ".repeat(indent + 2);
    let mut out = first;
    for line in lines {
        out.push('\n');
        if !line.is_empty() {
            out.push_str(&pad);
            out.push_str(line.strip_prefix("  ").unwrap_or(line));
        }
    }
    out
}

/// What an authoring command wrote, and what the author should know.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Authored {
    /// Relative to the site folder.
    pub path: PathBuf,
    /// Problems that did not stop the command, such as other event files with errors.
    pub warnings: Vec<String>,
}

/// How long an authoring command waits for another one editing the same site.
const LOCK_PATIENCE: std::time::Duration = std::time::Duration::from_secs(60);

/// The site's authoring lock (`incidents/.sitrep-lock`, hidden, so no scan reads it, and
/// removed when released): held from reading to writing, so that concurrent commands run one
/// after the other instead of losing each other's edits.
pub(crate) fn lock(root: &Path) -> Result<atomic::Lock, AuthoringError> {
    let folder = root.join(EVENTS_DIR);
    let path = folder.join(".sitrep-lock");
    std::fs::create_dir_all(&folder).map_err(|e| Error::io("create", &folder, e))?;
    atomic::Lock::acquire(&path, "sitrep new or update", LOCK_PATIENCE)
        .map(|(lock, _)| lock)
        .map_err(|e| Error::io("lock", path, e).into())
}

/// Writes an event file atomically (see [`files::write_atomically`]).
pub(crate) fn write(
    root: &Path,
    relative: &Path,
    text: &str,
    existing: Existing,
) -> Result<(), AuthoringError> {
    let path = root.join(relative);
    if !stays_inside(root, &path) {
        let folder = relative.parent().unwrap_or(relative);
        return Err(AuthoringError::refused(
            format!(
                "`{}` leads outside the site folder (a link); sitrep writes nothing through it",
                folder.display()
            ),
            Some("replace the link with a folder, or move the files into the site".into()),
        ));
    }
    files::write_atomically(&path, text.as_bytes(), existing)
        .map_err(|e| Error::io("write", path, e).into())
}

/// Whether the folder `path` would be written into resolves inside `root`: its nearest
/// existing ancestor within the site folder, through any link, is in the site folder. What
/// does not exist yet, the site folder itself included, is made by sitrep as a plain folder.
pub(crate) fn stays_inside(root: &Path, path: &Path) -> bool {
    let mut folder = path.parent();
    while let Some(f) = folder.filter(|f| f.starts_with(root)) {
        if f.exists() {
            return files::resolves_inside(root, f).unwrap_or(false);
        }
        folder = f.parent();
    }
    true
}

/// `2026-11-25 14:03 -05:00`: minute precision with an explicit offset, so the time means the
/// same whatever the site's zone does at daylight-saving changes.
pub(crate) fn timestamp_text(t: chrono::DateTime<chrono::Utc>, zone: chrono_tz::Tz) -> String {
    t.with_timezone(&zone)
        .format("%Y-%m-%d %H:%M %:z")
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yaml_values_are_quoted_only_when_needed() {
        assert_eq!(yaml_value("Disk full", 4), "Disk full");
        assert_eq!(yaml_value("Status: bad", 4), "\"Status: bad\"");
        assert_eq!(yaml_value("one\ntwo", 4), "|-\n      one\n      two");
    }
}
