//! The one place that writes the built site. Files go into a fresh staging folder beside the
//! output folder, which is exchanged with it in one step only once every file is written: a
//! failed, interrupted or concurrent build never leaves a half-written, missing or emptied
//! status page (docs/reliability.md, "The output folder").

use std::fs;
use std::path::{Path, PathBuf};
use std::time::Duration;

use bytes::Bytes;
use rayon::prelude::*;

use crate::atomic;
use crate::content::EVENTS_DIR;
use crate::error::Error;
use crate::render::OutputFile;
use crate::sync::lock;
use crate::theme::THEMES_DIR;

mod keys;
pub(crate) use keys::{BuiltFiles, saved as saved_keys};

/// The file every build writes into its output folder. A folder is replaced only when it holds
/// this file or nothing at all: a folder of the user's own files (or `.git`) never is.
pub(crate) const MARKER: &str = ".sitrep-output";
const MARKER_TEXT: &str = "This folder is written by `sitrep build`, which replaces it whole on every build.\nDo not keep files of your own here: the next build removes them.\n";

/// How long a build waits for another build of the same output folder to finish.
const LOCK_PATIENCE: Duration = Duration::from_secs(120);

/// Refuses output folders whose replacement would destroy the user's work: the site folder
/// itself, a folder that contains it, one inside its sources, or any folder that is neither
/// empty nor an earlier build.
pub(crate) fn check_output_dir(root: &Path, output: &Path) -> Result<(), Error> {
    let refuse = |reason: &str| {
        Err(Error::UnsafeOutput {
            path: output.to_path_buf(),
            reason: reason.into(),
        })
    };
    let root = absolute(root);
    let target = absolute(output);
    if target == root {
        return refuse("it is the site folder itself");
    }
    if root.starts_with(&target) {
        return refuse("it contains the site folder");
    }
    for source_dir in [EVENTS_DIR, THEMES_DIR] {
        if target.starts_with(root.join(source_dir)) {
            return refuse(&format!("it is inside the site's `{source_dir}/` folder"));
        }
    }
    if target.parent().is_none() {
        return refuse("it is the root of the file system");
    }
    check_replaceable(output, &target)
}

/// An existing output folder may be replaced only if sitrep wrote it (or it is empty), and
/// only if it can be swapped: not a mount point.
fn check_replaceable(output: &Path, target: &Path) -> Result<(), Error> {
    let refuse = |reason: String| {
        Err(Error::UnsafeOutput {
            path: output.to_path_buf(),
            reason,
        })
    };
    let Ok(meta) = fs::symlink_metadata(target) else {
        return Ok(());
    };
    if !meta.is_dir() {
        return refuse("it exists and is not a folder".into());
    }
    if atomic::is_mount_point(target).unwrap_or(false) {
        return refuse(format!(
            "it is a mount point, which cannot be swapped in one step; build into a folder inside it (e.g. `--output {}`) and publish that",
            output.join("site").display()
        ));
    }
    if fs::symlink_metadata(target.join(MARKER)).is_ok_and(|m| m.is_file()) {
        return Ok(());
    }
    let mut entries = fs::read_dir(target).map_err(|e| Error::io("read", target, e))?;
    if entries.next().is_none() {
        return Ok(());
    }
    refuse(format!(
        "it holds files that sitrep did not write (no `{MARKER}` in it), and a build replaces the whole folder; choose a new or empty folder, or remove this one if it is an old build"
    ))
}

/// The path made absolute and, as far as it exists, free of `..` and links.
fn absolute(path: &Path) -> PathBuf {
    if let Ok(p) = path.canonicalize() {
        return p;
    }
    let joined = if path.is_absolute() {
        path.to_path_buf()
    } else {
        std::env::current_dir().unwrap_or_default().join(path)
    };
    match (joined.parent(), joined.file_name()) {
        (Some(parent), Some(name)) => absolute(parent).join(name),
        _ => joined,
    }
}

/// The paths a build of one output folder uses beside it, in its parent folder.
struct Beside {
    lock: PathBuf,
    /// Where the old build waits while the fallback swap moves it aside.
    aside: PathBuf,
    /// The build before the last, kept to be brought up to date by the next (see [`Staging`]).
    spare: PathBuf,
    /// The start of every leftover's name: `.NAME.sitrep-`.
    prefix: String,
    parent: PathBuf,
}

impl Beside {
    fn of(output: &Path) -> Result<Self, Error> {
        let parent = output.parent().ok_or_else(|| Error::UnsafeOutput {
            path: output.to_path_buf(),
            reason: "it has no parent folder".into(),
        })?;
        let name = output
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let prefix = format!(".{name}.sitrep-");
        Ok(Beside {
            lock: parent.join(format!("{prefix}lock")),
            aside: parent.join(format!("{prefix}old")),
            spare: parent.join(format!("{prefix}spare")),
            prefix,
            parent: parent.to_path_buf(),
        })
    }

    /// A folder name no leftover holds: later builds remove it (see [`remove_leftovers`]).
    fn fresh(&self) -> PathBuf {
        let stamp = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        self.parent
            .join(format!("{}new-{}-{stamp}", self.prefix, std::process::id()))
    }
}

/// An earlier build in the output folder, for what a new build may carry over from it.
pub(crate) struct PreviousBuild {
    /// None when the folder is not an earlier build (no marker): nothing is read from it.
    root: Option<PathBuf>,
}

/// The build in `output`, if the folder holds one.
pub(crate) fn previous_build(output: &Path) -> PreviousBuild {
    let is_build = fs::symlink_metadata(output.join(MARKER)).is_ok_and(|m| m.is_file());
    PreviousBuild {
        root: is_build.then(|| output.to_path_buf()),
    }
}

impl PreviousBuild {
    /// The regular files under `dir` (relative to the site root: a folder ending in `/`, or one
    /// file), leaving out the folders in `except` (ending in `/` too), with their paths relative
    /// to the site root; empty when there are none or one cannot be read, since the caller then
    /// makes them afresh. Symbolic links are not followed.
    pub(crate) fn files_under(&self, dir: &str, except: &[&str]) -> Vec<OutputFile> {
        let Some(root) = &self.root else {
            return Vec::new();
        };
        let relative = |path: &Path| -> Option<String> {
            Some(path.strip_prefix(root).ok()?.to_str()?.replace('\\', "/"))
        };
        let excluded = |path: &Path| {
            relative(path).is_some_and(|r| except.iter().any(|e| e.trim_end_matches('/') == r))
        };
        let mut paths = Vec::new();
        // Without the final `/`, which would make the system follow a link in its place.
        let folder = root.join(dir.trim_end_matches('/'));
        let walk = walkdir::WalkDir::new(folder).follow_root_links(false);
        for entry in walk.into_iter().filter_entry(|e| !excluded(e.path())) {
            let Ok(entry) = entry else {
                return Vec::new();
            };
            if entry.file_type().is_file() {
                paths.push(entry.into_path());
            }
        }
        let files: Option<Vec<OutputFile>> = paths
            .par_iter()
            .map(|path| {
                let bytes = crate::files::read_bytes(path, PREVIOUS_FILE_LIMIT).ok()?;
                Some(OutputFile::new(relative(path)?, bytes))
            })
            .collect();
        files.unwrap_or_default()
    }
}

/// The largest file carried over from an earlier build: far above any file sitrep writes.
const PREVIOUS_FILE_LIMIT: u64 = 256 * 1024 * 1024;

/// What a build leaves beside the output folder once it is in place.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Spare {
    /// The previous build, for the next build to bring up to date (see [`Staging`]).
    Keep,
    /// Nothing: a folder that others serve or sync (a publish target, a web root), where a
    /// copy beside it could be served too.
    Remove,
}

impl Spare {
    /// What a build of the site in `root` keeps beside `output`: the spare when the output
    /// folder is inside the site folder (the default `public/`), which no one serves; nothing
    /// when it is elsewhere, a web root say, where a copy beside it could be served too —
    /// and with it pages taken down on purpose.
    pub(crate) fn for_output(root: &Path, output: &Path) -> Spare {
        if absolute(output).starts_with(absolute(root)) {
            Spare::Keep
        } else {
            Spare::Remove
        }
    }
}

/// Writes `files` as the new content of `output`, replacing what was there in one atomic swap.
/// One build at a time per output folder: a second waits for the first. Returns warnings
/// (waiting for another build, an old build that could not be removed).
pub(crate) fn write_site(
    output: &Path,
    files: &[OutputFile],
    spare: Spare,
    keys: Option<crate::render::cache::PageKeys>,
) -> Result<Vec<String>, Error> {
    let mut staging = Staging::begin(output, spare)?;
    staging.write_all(files)?;
    if let Some(keys) = keys {
        staging.save_keys(keys);
    }
    staging.finish()
}

/// Takes the lock a build of `output` holds from [`Staging::begin`] until its swap, for a
/// writer of a file inside the folder that must land either before a build copies the folder's
/// files or after its swap, never between: the announce record of a folder target
/// (docs/announcing.md, "Where the record of what was sent lives").
pub(crate) fn lock_for_writing_in(output: &Path, purpose: &str) -> Result<atomic::Lock, Error> {
    let beside = Beside::of(&absolute(output))?;
    atomic::Lock::acquire(&beside.lock, purpose, LOCK_PATIENCE)
        .map(|(lock, _)| lock)
        .map_err(|e| Error::io("lock the output folder with", &beside.lock, e))
}

/// A new build of an output folder, being written: files go into a staging folder beside it
/// as they come, from any thread, and [`Staging::finish`] swaps it in whole. It holds the
/// output folder's lock from [`Staging::begin`] to the end.
///
/// With [`Spare::Keep`], the staging folder is the *spare*: the build before the previous one,
/// which the last swap left beside the output rather than removing it. A rebuild brings it up
/// to date — a file already there byte for byte is kept, one the previous build holds byte for
/// byte is hard-linked from it, the rest written, what the new build lacks removed — so
/// unchanged files cost a comparison, not a new folder and link each (on ext4, making a folder
/// costs about as much as writing a small file). Nothing in the spare is trusted: every file is
/// compared, every folder checked to be a real one, and a file is never written in place
/// (the spare's files may be links to the live site's). With [`Spare::Remove`] it is a new
/// folder each time, and the previous build is removed after the swap. Dropped unfinished (an
/// error on the way), it removes the staging folder and leaves the previous build as it was.
pub(crate) struct Staging {
    output: PathBuf,
    beside: Beside,
    folder: PathBuf,
    /// The folder was made empty by this build: nothing in it to compare or prune.
    fresh: bool,
    _lock: atomic::Lock,
    warnings: Vec<String>,
    /// Folders known to be real folders of the new build, with all their ancestors.
    made: std::sync::Mutex<std::collections::HashSet<PathBuf>>,
    /// The paths written to a spare kept from before, relative to it: the rest of it is
    /// removed. (A fresh folder holds only what was written.)
    written: std::sync::Mutex<std::collections::HashSet<String>>,
    /// Files that could not be put in the spare (an immutable file in their place, a folder
    /// of another user), with why: [`Staging::finish`] then makes the new build in a folder
    /// of its own.
    stuck: std::sync::Mutex<std::collections::BTreeMap<String, (OutputFile, String)>>,
    /// That folder, while it is being made.
    rescue: Option<PathBuf>,
    spare: Spare,
    /// The render keys of the new build, saved beside it once it is in place.
    keys: Option<crate::render::cache::PageKeys>,
    finished: bool,
}

impl Staging {
    /// Takes the output folder's lock (waiting for another build to finish) and readies the
    /// spare beside it, or an empty folder where there is none.
    pub(crate) fn begin(output: &Path, spare: Spare) -> Result<Staging, Error> {
        let output = absolute(output);
        let beside = Beside::of(&output)?;
        fs::create_dir_all(&beside.parent).map_err(|e| Error::io("create", &beside.parent, e))?;
        let (lock, waited_for) = atomic::Lock::acquire(&beside.lock, "sitrep build", LOCK_PATIENCE)
            .map_err(|e| Error::io("lock the output folder with", &beside.lock, e))?;
        let mut warnings: Vec<String> = waited_for
            .map(|holder| {
                format!(
                    "waited for {holder} to finish writing `{}`",
                    output.display()
                )
            })
            .into_iter()
            .collect();
        // A build killed between the two renames of the fallback swap left the last good site
        // aside: put it back before anything else, so a failure below still leaves it in place.
        atomic::restore_aside(&output, &beside.aside)
            .map_err(|e| Error::io("restore the previous build from", &beside.aside, e))?;
        check_replaceable(&output, &output)?;
        // Where names that differ in case are one (macOS, Windows), the spare's names may not
        // be the ones a build asks for, and comparing them would prune what was just written.
        let spare = match spare {
            Spare::Keep if folds_case(&beside.lock) => Spare::Remove,
            other => other,
        };
        warnings.extend(remove_leftovers(&beside, spare));
        let folder = match spare {
            Spare::Keep => beside.spare.clone(),
            Spare::Remove => beside.fresh(),
        };
        let fresh = !fs::symlink_metadata(&folder).is_ok_and(|m| m.is_dir());
        if fresh {
            remove_any(&folder).map_err(|e| Error::io("remove", &folder, e))?;
            new_folder(&folder, &output)?;
        } else {
            copy_permissions(&output, &folder);
        }
        Ok(Staging {
            output,
            beside,
            made: std::sync::Mutex::new([folder.clone()].into()),
            written: std::sync::Mutex::default(),
            stuck: std::sync::Mutex::default(),
            rescue: None,
            spare,
            folder,
            fresh,
            _lock: lock,
            warnings,
            keys: None,
            finished: false,
        })
    }

    /// The output folder, which holds the previous build until [`Staging::finish`].
    pub(crate) fn output(&self) -> &Path {
        &self.output
    }

    /// The bytes of a file written into the new build, as [`Staging::write`] put them: the
    /// search index reads its pages back from here rather than holding them all in memory
    /// (docs/performance.md).
    pub(crate) fn read_back(&self, path: &str) -> Result<Bytes, Error> {
        if let Some((file, _)) = lock(&self.stuck).get(path) {
            return Ok(file.bytes.clone());
        }
        let path = self.folder.join(path);
        fs::read(&path)
            .map(Bytes::from)
            .map_err(|e| Error::io("read", path, e))
    }

    /// Puts one file of the new build in place: kept if the spare holds it byte for byte,
    /// hard-linked from the previous build if that does, written otherwise. What cannot be
    /// put in a spare kept from before (a folder or file of it that cannot be removed or
    /// written: immutable, another user's) is kept aside for [`Staging::finish`], which then
    /// makes the build in a new folder.
    pub(crate) fn write(&self, file: &OutputFile) -> Result<(), Error> {
        if !self.fresh {
            lock(&self.written).insert(file.path.clone());
        }
        match self.put(file) {
            Err(e) if !self.fresh => {
                lock(&self.stuck).insert(file.path.clone(), (file.clone(), e.to_string()));
                Ok(())
            }
            done => done,
        }
    }

    fn put(&self, file: &OutputFile) -> Result<(), Error> {
        let path = self.folder.join(&file.path);
        if let Some(parent) = path.parent() {
            self.make_folder(parent)?;
        }
        if !self.fresh {
            if holds(&path, &file.bytes) {
                return Ok(());
            }
            remove_any(&path).map_err(|e| Error::io("remove", &path, e))?;
        }
        if linked_from_previous(&self.output.join(&file.path), &path, &file.bytes) {
            return Ok(());
        }
        write_new(&path, &file.bytes).map_err(|e| Error::io("write", path, e))
    }

    /// Writes `files`, several at a time.
    pub(crate) fn write_all(&self, files: &[OutputFile]) -> Result<(), Error> {
        files.par_iter().try_for_each(|f| self.write(f))
    }

    /// Makes `folder` a real folder (not a link, nor a file, which the spare may hold in its
    /// place), with its ancestors up to the staging folder. One thread at a time: two making
    /// the same folder must not remove what the other made.
    fn make_folder(&self, folder: &Path) -> Result<(), Error> {
        let mut made = lock(&self.made);
        make_folder_in(&mut made, folder)
    }

    /// Removes from the spare what the new build does not have; what cannot be removed, with
    /// why.
    fn prune(&self) -> Result<Vec<(PathBuf, std::io::Error)>, Error> {
        let made = lock(&self.made);
        let written = lock(&self.written);
        let mut stale = Vec::new();
        let walk = walkdir::WalkDir::new(&self.folder)
            .min_depth(1)
            .follow_links(false)
            .follow_root_links(false);
        let mut entries = walk.into_iter();
        while let Some(entry) = entries.next() {
            let entry = entry.map_err(|e| {
                let path = e.path().unwrap_or(&self.folder).to_path_buf();
                Error::io("read", path, e.into())
            })?;
            let path = entry.path();
            if entry.file_type().is_dir() {
                if !made.contains(path) {
                    stale.push(path.to_path_buf());
                    entries.skip_current_dir();
                }
                continue;
            }
            let relative = path
                .strip_prefix(&self.folder)
                .ok()
                .and_then(Path::to_str)
                .map(|r| r.replace('\\', "/"));
            if !relative.is_some_and(|r| written.contains(&r)) {
                stale.push(path.to_path_buf());
            }
        }
        Ok(stale
            .into_iter()
            .filter_map(|path| remove_any(&path).err().map(|e| (path, e)))
            .collect())
    }

    /// The new build, made afresh beside the spare when the spare cannot become it (something
    /// in it cannot be removed): each file the spare holds for the new build is hard-linked
    /// (or copied) from it, the stuck ones written. The spare is then set aside, to be removed
    /// by a later build.
    fn rescued(&mut self) -> Result<PathBuf, Error> {
        let fresh = self.beside.fresh();
        self.rescue = Some(fresh.clone());
        new_folder(&fresh, &self.output)?;
        let stuck = std::mem::take(&mut *lock(&self.stuck));
        let written = lock(&self.written);
        let mut paths: Vec<&String> = written
            .iter()
            .filter(|p| !stuck.contains_key(p.as_str()))
            .collect();
        paths.sort();
        for path in paths {
            let (from, to) = (self.folder.join(path), fresh.join(path));
            if let Some(parent) = to.parent() {
                fs::create_dir_all(parent).map_err(|e| Error::io("create", parent, e))?;
            }
            if fs::hard_link(&from, &to).is_err() {
                fs::copy(&from, &to).map_err(|e| Error::io("copy", &from, e))?;
            }
        }
        for (file, _) in stuck.values() {
            let to = fresh.join(&file.path);
            if let Some(parent) = to.parent() {
                fs::create_dir_all(parent).map_err(|e| Error::io("create", parent, e))?;
            }
            write_new(&to, &file.bytes).map_err(|e| Error::io("write", &to, e))?;
        }
        Ok(fresh)
    }

    /// Saves `keys` beside the output once the new build is in place, for the next build to
    /// render only what changed (see `keys`): only where the spare is kept beside it too, as
    /// nothing is beside a folder that may be served (see [`Spare`]).
    pub(crate) fn save_keys(&mut self, keys: crate::render::cache::PageKeys) {
        if self.spare == Spare::Keep {
            self.keys = Some(keys);
        }
    }

    /// Marks the new build as one, swaps it in for the previous one in one step, and keeps the
    /// previous one as the next build's spare. Returns the warnings of the whole write.
    pub(crate) fn finish(mut self) -> Result<Vec<String>, Error> {
        // The keys of the build being replaced go first: from the swap on they would describe
        // files no longer there (which their check would catch, but nothing should need it).
        keys::forget(&self.beside);
        self.write(&OutputFile::new(MARKER, MARKER_TEXT))?;
        let mut unremovable: Vec<(PathBuf, String)> = Vec::new();
        if !self.fresh {
            unremovable.extend(self.prune()?.into_iter().map(|(p, e)| (p, e.to_string())));
        }
        unremovable.extend(
            lock(&self.stuck)
                .values()
                .map(|(f, e)| (self.folder.join(&f.path), e.to_string())),
        );
        let new = match unremovable.first() {
            None => self.folder.clone(),
            Some((path, e)) => {
                let fresh = self.rescued()?;
                let aside = self.beside.fresh();
                fs::rename(&self.folder, &aside)
                    .map_err(|e| Error::io("move aside", &self.folder, e))?;
                let stuck = aside.join(path.strip_prefix(&self.folder).unwrap_or(path));
                // The new site is still made and put in place; a stuck file in the old one is
                // the disk's problem, not the build's.
                self.warnings.push(format!(
                    "`{}` could not be removed ({e}), so the build before the last was set aside at `{}` and the new site made afresh; remove it by hand",
                    stuck.display(),
                    aside.display()
                ));
                fresh
            }
        };
        let swapped = atomic::swap_in(&new, &self.output, &self.beside.aside)
            .map_err(|e| Error::io("move into place", &self.output, e))?;
        self.finished = true;
        if let Some(saved) = self.keys.take()
            && let Err(e) = keys::save(&self.beside, saved)
        {
            self.warnings.push(format!(
                "cannot save the render keys beside `{}` ({e}): the next build renders every page",
                self.output.display()
            ));
        }
        // What the swap left of the previous build becomes the spare.
        let previous = match swapped {
            atomic::Swapped::Placed => None,
            atomic::Swapped::Exchanged => Some(&new),
            atomic::Swapped::MovedAside => Some(&self.beside.aside),
        };
        let Some(previous) = previous else {
            return Ok(std::mem::take(&mut self.warnings));
        };
        let kept = self.spare == Spare::Keep
            && (*previous == self.folder || fs::rename(previous, &self.folder).is_ok());
        if !kept && let Err(e) = fs::remove_dir_all(previous) {
            self.warnings.push(format!(
                "the new site is in place, but the previous build at `{}` could not be removed ({e}); remove it by hand",
                previous.display()
            ));
        }
        Ok(std::mem::take(&mut self.warnings))
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        if !self.finished {
            // A spare that cannot be removed is set aside, so that the next build starts from
            // a new one rather than from what made this one fail (see `remove_leftovers`).
            if fs::remove_dir_all(&self.folder).is_err() {
                let _ = fs::rename(&self.folder, self.beside.fresh());
            }
            if let Some(rescue) = &self.rescue {
                let _ = fs::remove_dir_all(rescue);
            }
        }
    }
}

/// Whether the file system of `path` (an existing file whose name has lower-case letters)
/// takes names that differ only in case for one: the same name in capitals names it too.
fn folds_case(path: &Path) -> bool {
    let (Some(parent), Some(name)) = (path.parent(), path.file_name()) else {
        return true;
    };
    let name = name.to_string_lossy();
    let upper = name.to_uppercase();
    upper == name || fs::symlink_metadata(parent.join(upper)).is_ok()
}

/// Makes the folder a new build is written into; a folder already there is an error (its
/// name was to be new).
fn new_folder(folder: &Path, output: &Path) -> Result<(), Error> {
    fs::create_dir(folder).map_err(|e| Error::io("create", folder, e))?;
    copy_permissions(output, folder);
    Ok(())
}

/// The site keeps the output folder's permissions (a web server's group, say) across builds.
fn copy_permissions(output: &Path, folder: &Path) {
    if let Ok(meta) = fs::metadata(output) {
        let _ = fs::set_permissions(folder, meta.permissions());
    }
}

/// [`Staging::make_folder`], with the set of folders made so far (which holds the staging
/// folder itself, where the climb stops).
fn make_folder_in(
    made: &mut std::collections::HashSet<PathBuf>,
    folder: &Path,
) -> Result<(), Error> {
    if made.contains(folder) {
        return Ok(());
    }
    if let Some(parent) = folder.parent() {
        make_folder_in(made, parent)?;
    }
    if !fs::symlink_metadata(folder).is_ok_and(|m| m.is_dir()) {
        remove_any(folder).map_err(|e| Error::io("remove", folder, e))?;
        fs::create_dir(folder).map_err(|e| Error::io("create", folder, e))?;
    }
    made.insert(folder.to_path_buf());
    Ok(())
}

/// Writes a new file at `path`, never into an existing one: whatever is there is removed
/// first, since a file of the spare may be a link to the live site's.
fn write_new(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let create = || {
        fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(path)
    };
    let mut file = match create() {
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            remove_any(path)?;
            create()?
        }
        other => other?,
    };
    std::io::Write::write_all(&mut file, bytes)
}

/// Whether `path` is a regular file (not followed if a link) holding exactly `bytes`.
fn holds(path: &Path, bytes: &[u8]) -> bool {
    fs::symlink_metadata(path).is_ok_and(|m| m.is_file() && m.len() == bytes.len() as u64)
        && fs::read(path).is_ok_and(|old| old == bytes)
}

/// Removes whatever is at `path` — a file, a link (not what it points to) or a folder; nothing
/// there is fine.
fn remove_any(path: &Path) -> std::io::Result<()> {
    let removed = match fs::symlink_metadata(path) {
        Ok(meta) if meta.is_dir() => fs::remove_dir_all(path),
        Ok(_) => fs::remove_file(path),
        Err(e) => Err(e),
    };
    match removed {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        other => other,
    }
}

/// Removes what interrupted builds left beside the output (their names say they are ours);
/// what cannot be removed is a warning, never a failed build.
fn remove_leftovers(beside: &Beside, spare: Spare) -> Vec<String> {
    let Ok(entries) = fs::read_dir(&beside.parent) else {
        return Vec::new();
    };
    let mut warnings = Vec::new();
    for entry in entries.flatten() {
        let path = entry.path();
        let ours = entry
            .file_name()
            .to_str()
            .is_some_and(|n| n.starts_with(&beside.prefix));
        let kept = path == beside.lock
            || (spare == Spare::Keep
                && (path == beside.spare || path == keys::path_beside(beside)));
        if !ours || kept {
            continue;
        }
        if let Err(e) = remove_any(&path) {
            warnings.push(format!(
                "cannot remove `{}`, left by an earlier build ({e}); remove it by hand",
                path.display()
            ));
        }
    }
    warnings
}

/// A file the previous build already holds byte for byte is hard-linked into the new build
/// rather than written again: a rebuild after one change then writes only what changed, and
/// removing the previous build frees only those files' blocks (on a disk mounted with
/// `discard`, freeing blocks is what makes removing a build slow). The bytes are compared, not
/// trusted to a record, so a file edited by hand in the output folder is never carried over.
/// False when there is nothing to reuse or the link cannot be made (another file system):
/// the caller writes the file.
fn linked_from_previous(previous: &Path, new: &Path, bytes: &[u8]) -> bool {
    holds(previous, bytes) && fs::hard_link(previous, new).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_an_earlier_build_is_read_and_only_its_regular_files() {
        let dir = tempfile::tempdir().expect("tempdir");
        let output = dir.path().join("public");
        fs::create_dir_all(output.join("pagefind/archive/index")).expect("mkdir");
        fs::write(output.join("pagefind/archive/index/a.pf_index"), "a").expect("write");
        fs::write(output.join("pagefind/b.json"), "b").expect("write");
        fs::write(dir.path().join("secret"), "s").expect("write");
        std::os::unix::fs::symlink(dir.path().join("secret"), output.join("pagefind/link"))
            .expect("symlink");
        let paths = |dir: &str| -> Vec<String> {
            let mut paths: Vec<String> = previous_build(&output)
                .files_under(dir, &[])
                .into_iter()
                .map(|f| f.path)
                .collect();
            paths.sort();
            paths
        };
        assert!(paths("pagefind/").is_empty(), "no marker: not a build");
        fs::write(output.join(MARKER), MARKER_TEXT).expect("marker");
        assert_eq!(
            paths("pagefind/"),
            ["pagefind/archive/index/a.pf_index", "pagefind/b.json"]
        );
        assert_eq!(
            paths("pagefind/archive/"),
            ["pagefind/archive/index/a.pf_index"]
        );
        assert!(paths("missing/").is_empty());
        assert_eq!(paths("pagefind/b.json"), ["pagefind/b.json"], "one file");
        let outside_archive: Vec<String> = previous_build(&output)
            .files_under("pagefind/", &["pagefind/archive/"])
            .into_iter()
            .map(|f| f.path)
            .collect();
        assert_eq!(outside_archive, ["pagefind/b.json"]);
        // A folder that is a link leads out of the build: not read.
        std::os::unix::fs::symlink(output.join("pagefind/archive"), output.join("elsewhere"))
            .expect("symlink");
        assert!(paths("elsewhere/").is_empty());
    }

    #[test]
    fn refuses_folders_that_would_destroy_sources() {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path().join("site");
        fs::create_dir_all(root.join("incidents")).expect("mkdir");
        fs::write(root.join("site.yaml"), "").expect("write");
        assert!(check_output_dir(&root, &root).is_err());
        assert!(check_output_dir(&root, dir.path()).is_err());
        assert!(check_output_dir(&root, &root.join("incidents")).is_err());
        assert!(check_output_dir(&root, &root.join("incidents/new")).is_err());
        let other_site = dir.path().join("other");
        fs::create_dir_all(other_site.join("incidents/2014")).expect("mkdir");
        fs::write(other_site.join("incidents/2014/a.md"), "").expect("write");
        assert!(
            check_output_dir(&root, &other_site).is_err(),
            "another site's sources"
        );
        assert!(check_output_dir(&root, &root.join("public")).is_ok());
        assert!(check_output_dir(&root, &dir.path().join("elsewhere")).is_ok());
        fs::create_dir_all(dir.path().join("empty")).expect("mkdir");
        assert!(check_output_dir(&root, &dir.path().join("empty")).is_ok());
        fs::create_dir_all(dir.path().join("repo/.git")).expect("mkdir");
        fs::write(dir.path().join("repo/.git/HEAD"), "ref: refs/heads/main\n").expect("write");
        assert!(check_output_dir(&root, &dir.path().join("repo")).is_err());
        assert!(check_output_dir(&root, &dir.path().join("repo/.git")).is_err());
    }

    #[test]
    fn only_empty_folders_and_earlier_builds_are_replaced() {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path().join("site");
        let mine = dir.path().join("mine");
        fs::create_dir_all(mine.join("a")).expect("mkdir");
        fs::write(mine.join("a/index.html"), "my own page").expect("write");
        let refused = check_output_dir(&root, &mine).unwrap_err().to_string();
        assert!(
            refused.contains("it holds files that sitrep did not write"),
            "{refused}"
        );
        let refused = write_site(
            &mine,
            &[OutputFile::new("index.html", "x")],
            Spare::Keep,
            None,
        )
        .unwrap_err();
        assert!(matches!(refused, Error::UnsafeOutput { .. }), "{refused}");
        assert_eq!(
            fs::read_to_string(mine.join("a/index.html")).expect("kept"),
            "my own page"
        );

        let built = dir.path().join("built");
        write_site(
            &built,
            &[OutputFile::new("index.html", "one")],
            Spare::Keep,
            None,
        )
        .expect("new folder");
        assert!(built.join(MARKER).is_file());
        assert!(check_output_dir(&root, &built).is_ok(), "an earlier build");
    }

    #[test]
    fn replaces_the_previous_build_whole() {
        let dir = tempfile::tempdir().expect("tempdir");
        let out = dir.path().join("public");
        write_site(
            &out,
            &[
                OutputFile::new("a/index.html", "one"),
                OutputFile::new("old.txt", "x"),
            ],
            Spare::Keep,
            None,
        )
        .expect("first");
        let warnings = write_site(
            &out,
            &[OutputFile::new("a/index.html", "two")],
            Spare::Keep,
            None,
        )
        .expect("second");
        assert_eq!(warnings, Vec::<String>::new());
        assert_eq!(
            fs::read_to_string(out.join("a/index.html")).expect("read"),
            "two"
        );
        assert!(!out.join("old.txt").exists(), "stale files go");
        let names: Vec<String> = fs::read_dir(dir.path())
            .expect("list")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .collect();
        let mut names = names;
        names.sort();
        assert_eq!(
            names,
            [".public.sitrep-spare", "public"],
            "no staging folders left behind, only the spare"
        );
    }

    /// The spare (the build before the last) becomes the next build without being trusted:
    /// stray files go, a link or a file where a folder belongs is replaced (what a link points
    /// to is untouched), and a file shared with the live site by a hard link is never written
    /// into.
    #[test]
    fn the_spare_is_brought_up_to_date_and_never_trusted() {
        use std::os::unix::fs::MetadataExt;
        let dir = tempfile::tempdir().expect("tempdir");
        let out = dir.path().join("public");
        let spare = dir.path().join(".public.sitrep-spare");
        let build = |files: &[(&str, &str)]| {
            let files: Vec<OutputFile> = files
                .iter()
                .map(|(path, text)| OutputFile::new(*path, text.to_string()))
                .collect();
            write_site(&out, &files, Spare::Keep, None).expect("build");
        };
        build(&[("a/index.html", "one"), ("same.txt", "same")]);
        build(&[("a/index.html", "two"), ("same.txt", "same")]);
        // The spare (the first build) and the live site share `same.txt`'s file.
        let inode = |path: &Path| fs::metadata(path).expect("exists").ino();
        assert_eq!(inode(&spare.join("same.txt")), inode(&out.join("same.txt")));

        let elsewhere = dir.path().join("elsewhere");
        fs::create_dir(&elsewhere).expect("mkdir");
        fs::write(elsewhere.join("index.html"), "not ours").expect("write");
        fs::remove_dir_all(spare.join("a")).expect("rm");
        std::os::unix::fs::symlink(&elsewhere, spare.join("a")).expect("symlink");
        fs::write(spare.join("c"), "a file where a folder belongs").expect("write");
        fs::create_dir_all(spare.join("stray/deep")).expect("mkdir");
        fs::write(spare.join("stray/deep/x"), "x").expect("write");
        fs::write(spare.join("stray.txt"), "x").expect("write");

        build(&[
            ("a/index.html", "three"),
            ("c/index.html", "c"),
            ("same.txt", "changed"),
        ]);
        let mut built: Vec<(String, String)> = walkdir::WalkDir::new(&out)
            .into_iter()
            .map(|e| e.expect("entry"))
            .filter(|e| !e.file_type().is_dir())
            .map(|e| {
                let path = e.path().strip_prefix(&out).expect("inside");
                let text = fs::read_to_string(e.path()).expect("a regular file");
                (path.to_string_lossy().into_owned(), text)
            })
            .collect();
        built.sort();
        let expected: Vec<(String, String)> = [
            (MARKER, MARKER_TEXT),
            ("a/index.html", "three"),
            ("c/index.html", "c"),
            ("same.txt", "changed"),
        ]
        .iter()
        .map(|(p, t)| (p.to_string(), t.to_string()))
        .collect();
        assert_eq!(built, expected);
        assert!(fs::symlink_metadata(out.join("a")).expect("a").is_dir());
        assert_eq!(
            fs::read_to_string(elsewhere.join("index.html")).expect("read"),
            "not ours"
        );
        // The second build, now the spare, still holds what it held.
        assert_eq!(
            fs::read_to_string(spare.join("same.txt")).expect("read"),
            "same"
        );
        assert_eq!(
            fs::read_to_string(spare.join("a/index.html")).expect("read"),
            "two"
        );
    }

    #[test]
    fn a_file_system_that_folds_case_is_told_by_the_same_name_in_capitals() {
        let dir = tempfile::tempdir().expect("tempdir");
        let lock = dir.path().join(".public.sitrep-lock");
        fs::write(&lock, "").expect("write");
        let folds = fs::symlink_metadata(dir.path().join(".PUBLIC.SITREP-LOCK")).is_ok();
        assert_eq!(folds_case(&lock), folds, "whatever this file system does");
        if !folds {
            fs::write(dir.path().join(".PUBLIC.SITREP-LOCK"), "").expect("write");
            assert!(folds_case(&lock), "both names exist: taken to fold");
        }
    }
}
