//! The folder executor: a mounted share or a web server's document root, replaced in one
//! swap by the same writer `build` uses (docs/publishing.md, "A folder"). Readers see the
//! old site or the new one, never a mix, so the plan only counts and lists what changes.

use std::path::Path;
use std::time::Instant;

use super::beside;
use super::plan::{self, FileEntry, Manifest};
use super::{Context, PublishError, PublishEvent, TargetReport, announce_plan};
use crate::config::FolderTarget;
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
        let files = with_ledger(&folder, files)?;
        for warning in crate::output::write_site(&folder, &files, crate::output::Spare::Remove)? {
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
        // The output folder's marker and the announce ledger are not part of the site.
        let own = [crate::output::MARKER, beside::LEDGER_PATH];
        if !entry.file_type().is_file() || own.iter().any(|name| entry.file_name() == *name) {
            continue;
        }
        let bytes =
            std::fs::read(entry.path()).map_err(|e| crate::Error::io("read", entry.path(), e))?;
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
    let mut staged = tempfile::NamedTempFile::new_in(folder)
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
