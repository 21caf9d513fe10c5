//! What earlier imports wrote: `incidents/.sitrep-import.json`, source event → the file it
//! became and a digest of the text written (docs/importing.md, "Importing again"). A hidden
//! file, so no scan reads it as an event. With it, importing again updates the files it
//! wrote and still holds as written, and leaves alone any a person has edited since.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// Where the record lives, relative to the site folder.
pub(crate) const RECORD_PATH: &str = "incidents/.sitrep-import.json";

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Record {
    version: u32,
    /// Source event key → what was written for it.
    events: BTreeMap<String, Entry>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Entry {
    path: PathBuf,
    /// SHA-256 of the text as written, hex.
    sha256: String,
}

impl Record {
    /// Reads a record; `Err` names what is wrong with it.
    pub(crate) fn parse(text: &str) -> Result<Record, String> {
        let record: Record = serde_json::from_str(text).map_err(|e| e.to_string())?;
        if record.version != 1 {
            return Err(format!(
                "version {} is not one this sitrep writes (1)",
                record.version
            ));
        }
        Ok(record)
    }

    pub(crate) fn to_json(&self) -> String {
        let mut record = self.clone();
        record.version = 1;
        serde_json::to_string_pretty(&record).unwrap_or_default() + "\n"
    }

    /// The file an earlier import wrote for `key`. A path that is not an event file under
    /// `incidents/` (`../elsewhere.md`, `/etc/passwd`: a record edited by hand) is no file of
    /// the import's, so nothing outside is ever written through it.
    pub(crate) fn path_of(&self, key: &str) -> Option<&Path> {
        self.events
            .get(key)
            .map(|e| e.path.as_path())
            .filter(|path| is_event_path(path))
    }

    /// `key`'s entry as `earlier` has it, if it has one.
    pub(crate) fn copy_from(&mut self, earlier: &Record, key: &str) {
        if let Some(entry) = earlier.events.get(key) {
            self.events.insert(key.to_string(), entry.clone());
        }
    }

    /// Whether an import wrote exactly the text with this digest for `key`.
    pub(crate) fn wrote(&self, key: &str, sha256: &str) -> bool {
        self.events.get(key).is_some_and(|e| e.sha256 == sha256)
    }

    pub(crate) fn keep(&mut self, key: &str, path: &Path, sha256: &str) {
        self.events.insert(
            key.to_string(),
            Entry {
                path: path.to_path_buf(),
                sha256: sha256.to_string(),
            },
        );
    }

    /// Entries of `earlier` this record lacks (events this import's source no longer lists):
    /// kept, so a later import of a fuller source still knows its files.
    pub(crate) fn with_earlier(mut self, earlier: &Record) -> Record {
        for (key, entry) in &earlier.events {
            self.events
                .entry(key.clone())
                .or_insert_with(|| entry.clone());
        }
        self
    }
}

fn is_event_path(path: &Path) -> bool {
    use std::path::Component;
    let mut parts = path.components();
    parts.next() == Some(Component::Normal(crate::content::EVENTS_DIR.as_ref()))
        && parts.all(|c| matches!(c, Component::Normal(_)))
        && path.extension().is_some_and(|e| e == "md")
}

/// SHA-256 of `text`, hex.
pub(crate) fn digest(text: &str) -> String {
    crate::fingerprint::content_hash(text.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_event_files_under_incidents_are_the_records() {
        let mut record = Record::default();
        for (key, path) in [
            ("a", "incidents/2023/x.md"),
            ("b", "../elsewhere/created.md"),
            ("c", "/etc/passwd"),
            ("d", "incidents/../site.yaml"),
            ("e", "incidents/2023/x.txt"),
        ] {
            record.keep(key, Path::new(path), "00");
        }
        let kept: Vec<&str> = ["a", "b", "c", "d", "e"]
            .into_iter()
            .filter(|k| record.path_of(k).is_some())
            .collect();
        assert_eq!(kept, ["a"]);
    }
}
