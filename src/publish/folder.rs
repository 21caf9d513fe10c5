//! The folder executor: a mounted share or a web server's document root, replaced in one
//! swap by the same writer `build` uses (docs/publishing.md, "A folder"). Readers see the
//! old site or the new one, never a mix, so the plan only counts and lists what changes.

use std::path::Path;
use std::time::Instant;

use super::beside;
use super::plan::{self, FileEntry, Manifest};
use super::{Context, PublishError, PublishEvent, TargetReport, announce_plan};
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
    let started = Instant::now();
    let folder = context.root.join(&target.path);
    crate::output::check_output_dir(context.root, &folder)?;
    if same_folder(&folder, context.output) {
        return Err(crate::Error::UnsafeOutput {
            path: folder,
            reason: "it is the site's own output folder, which every publish writes anyway; \
                     publish to another folder, or set `output:` in site.yaml"
                .into(),
        }
        .into());
    }
    let present = manifest_of(&folder)?;
    let plan = plan::plan(Some(&present), files);
    announce_plan(name, &plan, context, on_event);
    let mut report = context.report(name, started);
    if !context.dry_run && !plan.is_empty() {
        let staging = Staging::begin(&folder, Spare::Remove)?;
        // The record is read under the lock the swap holds, which announce takes to write it
        // (`write_beside`): a write can land before this copy or after the swap, never
        // between, where the swap would throw it away.
        let files = with_ledger(staging.output(), files)?;
        staging.write_all(&files)?;
        for warning in staging.finish()? {
            on_event(PublishEvent::Warning(warning));
        }
        report.uploaded = plan.puts.len();
        report.deleted = plan.deletes.len();
        report.bytes = plan.bytes();
    }
    report.elapsed = started.elapsed();
    Ok(report)
}

/// The site plus the announce ledger already in the folder: the swap replaces the whole
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

/// What the folder holds now, in manifest form, so the one plan function compares it.
fn manifest_of(folder: &Path) -> Result<Manifest, PublishError> {
    let mut manifest = Manifest {
        version: 1,
        headers_policy: plan::HEADERS_POLICY,
        ..Manifest::default()
    };
    if !folder.is_dir() {
        return Ok(manifest);
    }
    for entry in walkdir::WalkDir::new(folder) {
        let entry = entry.map_err(|e| {
            let path = e.path().unwrap_or(folder).to_path_buf();
            crate::Error::io("read", path, e.into())
        })?;
        if !entry.file_type().is_file() || !of_the_site(entry.file_name()) {
            continue;
        }
        let bytes = match std::fs::read(entry.path()) {
            Ok(bytes) => bytes,
            // Gone while the folder was read (an announce's staged record, renamed into place):
            // not in the folder.
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => return Err(crate::Error::io("read", entry.path(), e).into()),
        };
        let relative = entry
            .path()
            .strip_prefix(folder)
            .unwrap_or(entry.path())
            .to_string_lossy()
            .replace('\\', "/");
        manifest.files.insert(
            relative,
            FileEntry {
                sha256: crate::fingerprint::content_hash(&bytes),
                size: bytes.len() as u64,
                etag: None,
            },
        );
    }
    Ok(manifest)
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
