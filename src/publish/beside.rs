//! A small file kept beside the manifest at a target, read and written on its own: the
//! announce ledger (docs/announcing.md, "Where the record of what was sent lives"). Every
//! write is conditional on the version last read, where the target can check one, so two
//! people working at once never overwrite each other's record.

use std::path::Path;

use super::PublishError;
use super::driver::Target as _;
use super::{folder, git, s3};
use crate::config::PublishTarget;

/// Where `sitrep announce` keeps its record at a target, beside [`super::plan::MANIFEST_PATH`]
/// (and in the site folder when there is no target). A dot file, like the manifest.
pub(crate) const LEDGER_PATH: &str = ".sitrep-announced.json";

/// The file's contents and the version they were read at (`None`: the file is not there).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Stored {
    pub bytes: Option<Vec<u8>>,
    /// An ETag, a commit or a content hash: whatever the target compares writes against.
    pub version: Option<String>,
}

/// What a conditional write did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Written {
    /// Written; the new version.
    Done(Option<String>),
    /// Someone wrote the file since it was read; nothing was written.
    Conflict,
}

/// Reads `name` beside the manifest at `target`.
pub(crate) fn read(
    target: &PublishTarget,
    root: &Path,
    name: &str,
) -> Result<Stored, PublishError> {
    let described = super::describe(target);
    match target {
        PublishTarget::S3(t) => s3::S3::new(t, &described, chrono_tz::Tz::UTC)?.read_beside(name),
        PublishTarget::Git(t) => git::Branch::beside(t, &described).read_beside(name),
        PublishTarget::Folder(t) => folder::Folder::beside(t, root).read_beside(name),
    }
}

/// Writes `name` beside the manifest at `target` if it is still at `expected`.
pub(crate) fn write(
    target: &PublishTarget,
    root: &Path,
    name: &str,
    bytes: &[u8],
    expected: Option<&str>,
) -> Result<Written, PublishError> {
    let described = super::describe(target);
    match target {
        PublishTarget::S3(t) => {
            s3::S3::new(t, &described, chrono_tz::Tz::UTC)?.write_beside(name, bytes, expected)
        }
        PublishTarget::Git(t) => {
            git::Branch::beside(t, &described).write_beside(name, bytes, expected)
        }
        PublishTarget::Folder(t) => {
            folder::Folder::beside(t, root).write_beside(name, bytes, expected)
        }
    }
}
