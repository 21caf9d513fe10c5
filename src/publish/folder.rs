//! The folder target: a mounted share or a web server's document root, replaced in one
//! swap by the same writer `build` uses (docs/publishing.md, "A folder"). Readers see the
//! old site or the new one, never a mix: the plan's files are written first, the others
//! copied from the build at the commit, then the swap.

use std::collections::BTreeSet;

use rayon::prelude::*;
use std::path::{Path, PathBuf};

use super::beside;
use super::driver;
use super::plan::{self, FileEntry, Manifest, Plan, Put};
use super::{Context, PublishError, PublishEvent, TargetReport};
use crate::config::FolderTarget;
use crate::output::{Spare, Staging};
use crate::render::OutputFile;

pub(crate) fn publish(
    target: &FolderTarget,
    name: &str,
    files: &[OutputFile],
    context: &Context<'_>,
    on_event: &mut dyn FnMut(PublishEvent),
) -> Result<TargetReport, PublishError> {
    let mut folder = Folder {
        folder: context.root.join(&target.path),
        spare: if target.spare {
            Spare::Keep
        } else {
            Spare::Remove
        },
        root: context.root.to_path_buf(),
        output: Some(context.output.to_path_buf()),
        files: Vec::new(),
        sent: BTreeSet::new(),
        staging: None,
        warnings: Vec::new(),
    };
    let report = driver::publish(&mut folder, name, files, context, on_event)?;
    for warning in folder.warnings {
        on_event(PublishEvent::Warning(warning));
    }
    Ok(report)
}

/// A folder target, as the publish driver (src/publish/driver.rs) and announce use it. Its
/// lease is the lock its writer holds from the first file to the swap; its commit is the
/// swap; it keeps no manifest, the files in it are what it holds.
pub(crate) struct Folder {
    folder: PathBuf,
    /// Whether the previous publish is kept beside the folder for the next to bring up to
    /// date (`spare: true`), or removed after the swap.
    spare: Spare,
    root: PathBuf,
    /// The site's own output folder, which a folder target may not be.
    output: Option<PathBuf>,
    /// The built site, of which the files the plan does not send are copied at the commit.
    files: Vec<OutputFile>,
    /// The files the plan sends, written before the commit.
    sent: BTreeSet<String>,
    staging: Option<Staging>,
    /// What the swap reported, for after the publish.
    warnings: Vec<String>,
}

impl Folder {
    /// The folder target `target` of the site at `root`, for its record beside the site.
    pub(crate) fn beside(target: &FolderTarget, root: &Path) -> Folder {
        Folder {
            folder: root.join(&target.path),
            spare: Spare::Remove,
            root: root.to_path_buf(),
            output: None,
            files: Vec::new(),
            sent: BTreeSet::new(),
            staging: None,
            warnings: Vec::new(),
        }
    }

    fn staging(&self) -> &Staging {
        self.staging
            .as_ref()
            .expect("the driver takes the lease before it sends")
    }
}

impl driver::Target for Folder {
    fn commit_kind(&self) -> driver::Commit {
        driver::Commit::Whole
    }

    fn read_manifest(
        &mut self,
        files: &[OutputFile],
        _on_event: &mut dyn FnMut(PublishEvent),
    ) -> Result<Option<Manifest>, PublishError> {
        crate::output::check_output_dir(&self.root, &self.folder)?;
        if let Some(output) = &self.output
            && same_folder(&self.folder, output)
        {
            return Err(crate::Error::UnsafeOutput {
                path: self.folder.clone(),
                reason: "it is the site's own output folder, which every publish writes anyway; \
                         publish to another folder, or set `output:` in site.yaml"
                    .into(),
            }
            .into());
        }
        self.files = files.to_vec();
        manifest_of(&self.folder, None).map(Some)
    }

    fn take_lease(&mut self, plan: &Plan, _old: Option<&Manifest>) -> Result<(), PublishError> {
        self.sent = plan.puts.iter().map(|p| p.path.clone()).collect();
        self.staging = Some(Staging::begin(&self.folder, self.spare)?);
        Ok(())
    }

    fn put(
        &mut self,
        wave: &[Put],
        _done: usize,
        _total: usize,
        _on_event: &mut dyn FnMut(PublishEvent),
    ) -> Result<(), PublishError> {
        let files: Vec<OutputFile> = wave
            .iter()
            .map(|p| OutputFile::new(p.path.clone(), p.bytes.clone()))
            .collect();
        Ok(self.staging().write_all(&files)?)
    }

    /// The files the plan did not send, and the announce record, copied in; then the swap.
    /// The record is read under the lock the swap holds, which announce takes to write it
    /// (`write_beside`): a write can land before this copy or after the swap, never between,
    /// where the swap would throw it away.
    fn write_manifest(&mut self, manifest: &Manifest) -> Result<(), PublishError> {
        let staging = self
            .staging
            .take()
            .expect("the driver takes the lease before it commits");
        let kept: Vec<OutputFile> = self
            .files
            .iter()
            .filter(|f| manifest.files.contains_key(&f.path) && !self.sent.contains(&f.path))
            .cloned()
            .collect();
        staging.write_all(&with_ledger(staging.output(), &kept)?)?;
        self.warnings.extend(staging.finish()?);
        Ok(())
    }

    /// Nothing to do: what is not written into the new site is gone with the swap.
    fn delete(
        &mut self,
        _paths: &[String],
        _done: usize,
        _total: usize,
        _on_event: &mut dyn FnMut(PublishEvent),
    ) -> Result<(), PublishError> {
        Ok(())
    }

    fn release_lease(&mut self, _error: &PublishError) {
        self.staging = None;
    }

    fn read_beside(&mut self, path: &str) -> Result<beside::Stored, PublishError> {
        Ok(read_file(&self.folder.join(path))?)
    }

    fn write_beside(
        &mut self,
        path: &str,
        bytes: &[u8],
        expected: Option<&str>,
    ) -> Result<beside::Written, PublishError> {
        Ok(write_beside(&self.folder, path, bytes, expected)?)
    }
}

/// The files plus the announce ledger already in the folder: the swap replaces the whole
/// folder, and the record of what was announced must survive it.
fn with_ledger(folder: &Path, files: &[OutputFile]) -> Result<Vec<OutputFile>, PublishError> {
    let mut all = files.to_vec();
    if let Some(bytes) = read_file(&folder.join(beside::LEDGER_PATH))?.bytes {
        all.push(OutputFile::new(beside::LEDGER_PATH, bytes));
    }
    Ok(all)
}

/// Whether two paths name one folder, as far as the file system can tell.
fn same_folder(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => a.components().eq(b.components()),
    }
}

/// What the folder holds now, in manifest form, so the one plan function compares it;
/// `skip` names a top-level folder that is not the site's (a Git work tree's `.git`).
pub(crate) fn manifest_of(folder: &Path, skip: Option<&str>) -> Result<Manifest, PublishError> {
    let mut manifest = Manifest {
        version: 1,
        headers_policy: plan::HEADERS_POLICY,
        ..Manifest::default()
    };
    if !folder.is_dir() {
        return Ok(manifest);
    }
    let walk = walkdir::WalkDir::new(folder)
        .into_iter()
        .filter_entry(|e| e.depth() != 1 || skip.is_none_or(|s| e.file_name() != s));
    let mut paths = Vec::new();
    for entry in walk {
        let entry = entry.map_err(|e| {
            let path = e.path().unwrap_or(folder).to_path_buf();
            crate::Error::io("read", path, e.into())
        })?;
        if entry.file_type().is_file() && of_the_site(entry.file_name()) {
            paths.push(entry.into_path());
        }
    }
    // Read and hashed several at a time: a large site's folder is most of a publish's work.
    let entries: Vec<Option<(String, FileEntry)>> = paths
        .par_iter()
        .map(|path| entry_of(folder, path))
        .collect::<Result<_, PublishError>>()?;
    manifest.files.extend(entries.into_iter().flatten());
    Ok(manifest)
}

/// The manifest entry of the file at `path` in `folder`; `None` if it is gone.
fn entry_of(folder: &Path, path: &Path) -> Result<Option<(String, FileEntry)>, PublishError> {
    let bytes = match std::fs::read(path) {
        Ok(bytes) => bytes,
        // Gone while the folder was read (an announce's staged record, renamed into place):
        // not in the folder.
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(crate::Error::io("read", path, e).into()),
    };
    let relative = path
        .strip_prefix(folder)
        .unwrap_or(path)
        .to_string_lossy()
        .replace('\\', "/");
    let entry = FileEntry {
        sha256: crate::fingerprint::content_hash(&bytes),
        size: bytes.len() as u64,
        etag: None,
    };
    Ok(Some((relative, entry)))
}

/// Whether a file in the folder is the site's: the output folder's marker, the announce
/// record and the record's staged copies (see [`write_file`]) are not.
fn of_the_site(name: &std::ffi::OsStr) -> bool {
    name != crate::output::MARKER
        && !name
            .to_str()
            .is_some_and(|n| n.starts_with(beside::LEDGER_PATH))
}

/// A file beside the site in a folder (the announce ledger), with its content hash as version.
pub(crate) fn read_file(path: &Path) -> Result<beside::Stored, crate::Error> {
    match std::fs::read(path) {
        Ok(bytes) => Ok(beside::Stored {
            version: Some(crate::fingerprint::content_hash(&bytes)),
            bytes: Some(bytes),
        }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(beside::Stored::default()),
        Err(e) => Err(crate::Error::io("read", path, e)),
    }
}

/// Writes `name` (the announce record) in the folder target `folder` if it still holds what
/// was read, holding the lock a publish of the folder holds from copying the record into the
/// new site to swapping it in (see [`publish`]).
pub(crate) fn write_beside(
    folder: &Path,
    name: &str,
    bytes: &[u8],
    expected: Option<&str>,
) -> Result<beside::Written, crate::Error> {
    let _lock = crate::output::lock_for_writing_in(folder, "sitrep announce")?;
    write_file(&folder.join(name), bytes, expected)
}

/// Replaces the file in one rename if it still holds what was read. The check and the
/// rename are two steps: enough between one person's runs, which is what a shared folder
/// sees; hosts that can check atomically (S3, Git) do.
pub(crate) fn write_file(
    path: &Path,
    bytes: &[u8],
    expected: Option<&str>,
) -> Result<beside::Written, crate::Error> {
    let current = read_file(path)?;
    if current.version.as_deref() != expected {
        return Ok(beside::Written::Conflict);
    }
    // The folder is not created: a folder target is made by its first publish, which would
    // refuse a folder holding only this file.
    let folder = path.parent().unwrap_or(Path::new("."));
    // Staged under the file's own name, so a publish reading the folder meanwhile knows it
    // for no file of the site.
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned());
    let mut staged = tempfile::Builder::new()
        .prefix(&format!("{}.", name.unwrap_or_default()))
        .tempfile_in(folder)
        .map_err(|e| crate::Error::io("create a file in", folder, e))?;
    std::io::Write::write_all(&mut staged, bytes)
        .map_err(|e| crate::Error::io("write", path, e))?;
    staged
        .persist(path)
        .map_err(|e| crate::Error::io("write", path, e.error))?;
    Ok(beside::Written::Done(Some(
        crate::fingerprint::content_hash(bytes),
    )))
}
