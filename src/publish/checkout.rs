//! The temporary checkouts the Git executor works in, `sitrep-publish-*` in the system's
//! temporary folder (`TMPDIR`). A publish killed half-way cannot remove its own, so every run
//! first removes those left by runs that are gone (docs/publishing.md, "Bad networks and
//! interrupted publishes"; docs/reliability.md, "Git target").

use std::path::{Path, PathBuf};
use std::time::Duration;

use super::PublishError;
use super::lease::{host_name, pid_alive};

/// Every checkout folder's name begins with this.
const PREFIX: &str = "sitrep-publish-";

/// Inside each checkout folder, written first: `HOST PID` of the run that made it. A folder
/// without it is never removed, whatever its name.
const OWNER_FILE: &str = "sitrep-owner";

/// The Git work tree, beside the owner file.
const REPO: &str = "repo";

/// A checkout whose owner file is this old is a leftover even where its run cannot be
/// looked up (another machine sharing the folder, a system without `/proc`): no publish
/// takes a day, each remote command giving up after 20 s without progress.
const STALE_AFTER: Duration = Duration::from_secs(24 * 60 * 60);

/// The owner file is one short line; anything longer is not sitrep's.
const OWNER_FILE_LIMIT: u64 = 512;

/// A checkout folder, removed when dropped.
pub(crate) struct Checkout {
    dir: tempfile::TempDir,
}

impl Checkout {
    /// A new checkout; the leftovers of killed runs go first.
    pub(crate) fn new() -> Result<Checkout, PublishError> {
        let tmp = std::env::temp_dir();
        let dir = tempfile::Builder::new()
            .prefix(PREFIX)
            .tempdir_in(&tmp)
            .map_err(|e| crate::Error::io("create", &tmp, e))?;
        let owner = dir.path().join(OWNER_FILE);
        let me = format!("{} {}\n", host_name(), std::process::id());
        std::fs::write(&owner, me).map_err(|e| crate::Error::io("write", &owner, e))?;
        let repo = dir.path().join(REPO);
        std::fs::create_dir(&repo).map_err(|e| crate::Error::io("create", &repo, e))?;
        remove_leftovers(&tmp, dir.path());
        Ok(Checkout { dir })
    }

    /// Where git works: an empty folder, to `git init`.
    pub(crate) fn repo(&self) -> PathBuf {
        self.dir.path().join(REPO)
    }
}

/// Removes every checkout in `tmp` but `own` whose run is gone. Best effort: a folder that
/// cannot be read or removed is left for the next run.
fn remove_leftovers(tmp: &Path, own: &Path) {
    let Ok(entries) = std::fs::read_dir(tmp) else {
        return;
    };
    let owner_uid = uid(own);
    for entry in entries.flatten() {
        let path = entry.path();
        let named = entry.file_name().to_string_lossy().starts_with(PREFIX);
        if named && path != own && uid(&path) == owner_uid && is_leftover(&path) {
            let _ = std::fs::remove_dir_all(&path);
        }
    }
}

/// Whether `dir` is a real folder (not a link) holding a sitrep owner file whose run is gone
/// from this machine, or which is older than [`STALE_AFTER`].
fn is_leftover(dir: &Path) -> bool {
    let is_dir = std::fs::symlink_metadata(dir).is_ok_and(|m| m.is_dir());
    let owner = dir.join(OWNER_FILE);
    let Ok(meta) = std::fs::symlink_metadata(&owner) else {
        return false;
    };
    if !is_dir || !meta.is_file() || meta.len() > OWNER_FILE_LIMIT {
        return false;
    }
    let Ok(text) = std::fs::read_to_string(&owner) else {
        return false;
    };
    let Some((host, pid)) = text.trim().rsplit_once(' ') else {
        return false;
    };
    let Ok(pid) = pid.parse::<u32>() else {
        return false;
    };
    let old = meta
        .modified()
        .ok()
        .and_then(|t| t.elapsed().ok())
        .is_some_and(|age| age > STALE_AFTER);
    old || (host == host_name() && !pid_alive(pid))
}

/// The owner of a file, so that only this user's checkouts are touched in a shared `/tmp`.
#[cfg(unix)]
fn uid(path: &Path) -> Option<u32> {
    use std::os::unix::fs::MetadataExt;
    std::fs::symlink_metadata(path).ok().map(|m| m.uid())
}

#[cfg(not(unix))]
fn uid(path: &Path) -> Option<u32> {
    std::fs::symlink_metadata(path).ok().map(|_| 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn folder(tmp: &Path, name: &str, owner: Option<&str>) -> PathBuf {
        let dir = tmp.join(name);
        std::fs::create_dir_all(dir.join(REPO)).expect("mkdir");
        std::fs::write(dir.join(REPO).join("index.html"), "x").expect("write");
        if let Some(owner) = owner {
            std::fs::write(dir.join(OWNER_FILE), owner).expect("write");
        }
        dir
    }

    /// Linux only: elsewhere whether a process runs is not looked up (see `pid_alive`).
    #[cfg(target_os = "linux")]
    #[test]
    fn only_checkouts_of_runs_that_are_gone_are_removed() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let me = format!("{} {}\n", host_name(), std::process::id());
        let own = folder(tmp.path(), "sitrep-publish-own", Some(&me));
        let running = folder(tmp.path(), "sitrep-publish-running", Some(&me));
        // Far above any pid_max Linux allows (2^22), so never a running process.
        let dead = folder(
            tmp.path(),
            "sitrep-publish-dead",
            Some(&format!("{} 4294967295\n", host_name())),
        );
        let elsewhere = folder(
            tmp.path(),
            "sitrep-publish-elsewhere",
            Some("another-machine 4294967295\n"),
        );
        let dead_owner = format!("{} 4294967295\n", host_name());
        let unowned = folder(tmp.path(), "sitrep-publish-mine", None);
        let not_a_checkout = folder(tmp.path(), "other", Some(&dead_owner));
        let garbled = folder(tmp.path(), "sitrep-publish-garbled", Some("not an owner"));
        let outside = tempfile::tempdir().expect("tempdir");
        let linked = folder(outside.path(), "sitrep-publish-linked", Some(&dead_owner));
        std::os::unix::fs::symlink(&linked, tmp.path().join("sitrep-publish-link")).expect("link");
        // A checkout a day old is a leftover even if its pid now names a running process.
        let old = folder(tmp.path(), "sitrep-publish-old", Some(&me));
        std::fs::File::options()
            .write(true)
            .open(old.join(OWNER_FILE))
            .and_then(|f| f.set_modified(std::time::SystemTime::now() - STALE_AFTER * 2))
            .expect("age the owner file");

        remove_leftovers(tmp.path(), &own);
        for kept in [
            &own,
            &running,
            &elsewhere,
            &unowned,
            &not_a_checkout,
            &garbled,
            &linked,
        ] {
            assert!(kept.join(REPO).join("index.html").exists(), "{kept:?}");
        }
        assert!(tmp.path().join("sitrep-publish-link").exists());
        assert!(!dead.exists());
        assert!(!old.exists());
    }
}
