//! The render keys of the build in an output folder, saved beside it (`.NAME.sitrep-keys`) so
//! that the next build renders only what changed (docs/performance.md, "Rebuilding after a
//! change"). Nothing in the file is trusted: it is read only by the binary that wrote it (the
//! keys are that binary's fingerprints), a key is used only for a file of the build that the
//! file's fingerprint still matches, and a file that cannot be read or parsed is no file.

use std::fs;
use std::path::{Path, PathBuf};

use bytes::Bytes;

use super::{Beside, MARKER, absolute};
use crate::render::cache::{EarlierBuild, PageKeys};

/// The file's contents.
#[derive(serde::Serialize, serde::Deserialize)]
struct Saved {
    /// The binary that wrote them (see [`binary`]).
    binary: String,
    keys: PageKeys,
}

/// Where the keys of the build in `output` are kept.
pub(super) fn path_beside(beside: &Beside) -> PathBuf {
    beside.parent.join(format!("{}keys", beside.prefix))
}

/// The keys the build now in `output` was made with, if this binary wrote them and the folder
/// holds a build; else empty keys, with which nothing is reused.
pub(crate) fn saved(output: &Path) -> PageKeys {
    let output = absolute(output);
    let is_build = fs::symlink_metadata(output.join(MARKER)).is_ok_and(|m| m.is_file());
    let Some(path) = Beside::of(&output).ok().map(|b| path_beside(&b)) else {
        return PageKeys::default();
    };
    let read = || -> Option<PageKeys> {
        let binary = binary()?;
        let bytes = crate::files::read_bytes(&path, KEYS_LIMIT).ok()?;
        let saved: Saved = serde_json::from_slice(&bytes).ok()?;
        (saved.binary == binary).then_some(saved.keys)
    };
    is_build.then(read).flatten().unwrap_or_default()
}

/// Writes `keys` beside `output` in one rename, replacing what was there; nothing when this
/// binary cannot tell itself from another (see [`binary`]).
pub(super) fn save(beside: &Beside, keys: PageKeys) -> std::io::Result<()> {
    let Some(binary) = binary() else {
        return Ok(());
    };
    let saved = Saved { binary, keys };
    let bytes = serde_json::to_vec(&saved).map_err(std::io::Error::other)?;
    crate::files::write_atomically(
        &path_beside(beside),
        &bytes,
        crate::files::Existing::Replace,
    )
}

/// Removes the keys beside `output`: they would describe a build that is no longer there.
pub(super) fn forget(beside: &Beside) {
    let _ = fs::remove_file(path_beside(beside));
}

/// Far above the keys of any site: about 100 bytes a file.
const KEYS_LIMIT: u64 = 1024 * 1024 * 1024;

/// This binary, as far as keys go: its version and commit, and the size and time of its file,
/// so that a binary rebuilt from uncommitted changes does not read its predecessor's keys.
/// `None` when its file cannot be found (no `/proc`, say): then no keys are read or written,
/// since two builds of one commit could not be told apart.
fn binary() -> Option<String> {
    let file = std::env::current_exe().and_then(fs::metadata).ok()?;
    let modified = file
        .modified()
        .ok()?
        .duration_since(std::time::UNIX_EPOCH)
        .ok()?
        .as_nanos();
    Some(format!(
        "{} {} {modified}",
        env!("SITREP_VERSION"),
        file.len()
    ))
}

/// The files of the build in an output folder, read back for [`crate::render`] to check and
/// reuse: regular files only. What a link there leads to is read too, and reused only if it
/// holds the bytes the key was recorded with, as any file is.
pub(crate) struct BuiltFiles {
    root: PathBuf,
}

impl BuiltFiles {
    pub(crate) fn new(output: &Path) -> Self {
        BuiltFiles {
            root: absolute(output),
        }
    }
}

impl EarlierBuild for BuiltFiles {
    fn read(&self, path: &str) -> Option<Bytes> {
        crate::files::read_bytes(&self.root.join(path), super::PREVIOUS_FILE_LIMIT)
            .ok()
            .map(Bytes::from)
    }
}
