//! File-system steps that never leave a half state, shared by everything that replaces files
//! users rely on (`build`'s output folder, publishing to a folder, authoring): a lock per
//! resource, the atomic exchange of two folders, and mount-point detection.
//! docs/reliability.md tells what each guarantees on which platform.

use std::fs::{self, File, OpenOptions, TryLockError};
use std::io::{self, Read, Seek, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// How often a waiting process looks again at a busy lock.
const POLL: Duration = Duration::from_millis(25);

/// An exclusive lock, held until dropped. The lock file holds who holds it, so a process that
/// waits, or gives up, can say so; it is removed when the lock is released.
#[derive(Debug)]
pub(crate) struct Lock {
    file: File,
    path: PathBuf,
}

/// Someone else holds the lock: who, as their lock file says, and for how long we waited.
#[derive(Debug, thiserror::Error)]
#[error("{holder} holds `{}` (waited {} s)", .path.display(), .waited.as_secs())]
pub(crate) struct Busy {
    pub path: PathBuf,
    /// E.g. `sitrep build (pid 4242, since 2026-11-28T09:12:03Z)`, or `another process`.
    pub holder: String,
    pub waited: Duration,
}

/// The file at a lock's path is not one sitrep may take as its lock: a symbolic link, a file
/// with other names (a hard link), or not a regular file at all. Taking it would truncate
/// whatever it stands for, so it is left as it is and the command stops.
#[derive(Debug, thiserror::Error)]
#[error(
    "`{}` is {what}, not a lock file sitrep made; sitrep never writes through it. If nobody put it there on purpose, remove it (`rm {}`) and run the command again",
    .path.display(),
    .path.display()
)]
pub(crate) struct NotOurs {
    pub path: PathBuf,
    /// `a symbolic link`, `a hard link to another file`, `a named pipe`, ….
    pub what: &'static str,
}

impl Lock {
    /// Takes the lock at `path` for `purpose` (e.g. `sitrep build`), waiting up to `patience`
    /// while another process holds it. Returns the lock and, if it had to wait, whom for.
    ///
    /// An error of kind [`io::ErrorKind::WouldBlock`] wraps a [`Busy`] when patience ran out.
    pub(crate) fn acquire(
        path: &Path,
        purpose: &str,
        patience: Duration,
    ) -> io::Result<(Lock, Option<String>)> {
        let started = Instant::now();
        let mut waited_for = None;
        loop {
            let mut file = open_own_file(path)?;
            match file.try_lock() {
                Ok(()) => {}
                Err(TryLockError::WouldBlock) => {
                    let holder = read_holder(&mut file);
                    if started.elapsed() >= patience {
                        return Err(io::Error::new(
                            io::ErrorKind::WouldBlock,
                            Busy {
                                path: path.to_path_buf(),
                                holder,
                                waited: started.elapsed(),
                            },
                        ));
                    }
                    waited_for.get_or_insert(holder);
                    std::thread::sleep(POLL);
                    continue;
                }
                Err(TryLockError::Error(e)) => return Err(e),
            }
            // The previous holder removes the file as it lets go; a lock taken on a removed
            // file protects nothing, so take it again on the file now at the path.
            if !still_at(&file, path) {
                continue;
            }
            file.set_len(0)?;
            file.write_all(
                format!(
                    "{purpose} (pid {}, since {})\n",
                    std::process::id(),
                    crate::time::rfc3339_utc(chrono::Utc::now())
                )
                .as_bytes(),
            )?;
            let lock = Lock {
                file,
                path: path.to_path_buf(),
            };
            return Ok((lock, waited_for));
        }
    }
}

/// Opens (creating if need be) the lock file at `path`, never through a link: `O_NOFOLLOW`
/// refuses a symbolic link, and a file that is not a regular file of one name is refused
/// before anything is written into it (see [`NotOurs`]).
fn open_own_file(path: &Path) -> io::Result<File> {
    let mut options = OpenOptions::new();
    options.read(true).write(true).create(true).truncate(false);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        // NONBLOCK: a named pipe put there opens at once, to be refused below.
        let flags = rustix::fs::OFlags::NOFOLLOW | rustix::fs::OFlags::NONBLOCK;
        options.custom_flags(flags.bits() as i32);
    }
    let not_ours = |what| {
        io::Error::other(NotOurs {
            path: path.to_path_buf(),
            what,
        })
    };
    let file = match options.open(path) {
        Ok(file) => file,
        #[cfg(unix)]
        Err(e) if e.raw_os_error() == Some(rustix::io::Errno::LOOP.raw_os_error()) => {
            return Err(not_ours("a symbolic link"));
        }
        Err(e) => return Err(e),
    };
    let metadata = file.metadata()?;
    if !metadata.is_file() {
        return Err(not_ours(crate::files::kind_of(&metadata.file_type())));
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        if metadata.nlink() > 1 {
            return Err(not_ours("a hard link to another file"));
        }
    }
    Ok(file)
}

impl Drop for Lock {
    fn drop(&mut self) {
        // Remove first, then unlock (on close): a waiter that locks the removed file sees it is
        // gone and takes the lock again on a new one.
        let _ = fs::remove_file(&self.path);
        let _ = self.file.unlock();
    }
}

fn read_holder(file: &mut File) -> String {
    let mut text = String::new();
    let _ = file.rewind().and_then(|()| file.read_to_string(&mut text));
    match text.trim() {
        "" => "another process".to_string(),
        holder => holder.to_string(),
    }
}

#[cfg(unix)]
fn still_at(file: &File, path: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (file.metadata(), fs::metadata(path)) {
        (Ok(held), Ok(now)) => held.dev() == now.dev() && held.ino() == now.ino(),
        _ => false,
    }
}

#[cfg(not(unix))]
fn still_at(_file: &File, path: &Path) -> bool {
    path.exists()
}

/// How [`swap_in`] replaced the target.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Swapped {
    /// There was nothing at the target: the new folder was moved there.
    Placed,
    /// One atomic exchange: the old content is now at the new folder's former path.
    Exchanged,
    /// The platform or file system cannot exchange: the old content was moved to `aside`, then
    /// the new folder into place. A kill between the two leaves the target missing and the old
    /// content at `aside`; [`restore_aside`] puts it back.
    MovedAside,
}

/// Puts the folder `new` at `target`. Where the target exists, the two are exchanged in one
/// step (`renameat2(RENAME_EXCHANGE)` on Linux), so no moment exists without the target;
/// elsewhere, or where the file system cannot, the old target goes to `aside` first.
pub(crate) fn swap_in(new: &Path, target: &Path, aside: &Path) -> io::Result<Swapped> {
    if fs::symlink_metadata(target).is_err() {
        place(new, target)?;
        return Ok(Swapped::Placed);
    }
    if exchange(new, target)? {
        return Ok(Swapped::Exchanged);
    }
    fs::rename(target, aside)?;
    if let Err(e) = fs::rename(new, target) {
        // Put the old content back before reporting.
        let _ = fs::rename(aside, target);
        return Err(e);
    }
    Ok(Swapped::MovedAside)
}

/// After a kill between the two renames of [`Swapped::MovedAside`]: the old content back at
/// `target`. Returns whether there was anything to restore.
pub(crate) fn restore_aside(target: &Path, aside: &Path) -> io::Result<bool> {
    if fs::symlink_metadata(target).is_ok() || fs::symlink_metadata(aside).is_err() {
        return Ok(false);
    }
    fs::rename(aside, target)?;
    Ok(true)
}

/// Exchanges two paths atomically; `Ok(false)` where the platform or file system cannot.
#[cfg(target_os = "linux")]
fn exchange(a: &Path, b: &Path) -> io::Result<bool> {
    use rustix::fs::{CWD, RenameFlags, renameat_with};
    use rustix::io::Errno;
    match renameat_with(CWD, a, CWD, b, RenameFlags::EXCHANGE) {
        Ok(()) => Ok(true),
        // Kernels before 3.15 and some file systems (older NFS, some FUSE) lack the flag.
        Err(Errno::INVAL | Errno::NOSYS | Errno::OPNOTSUPP) => Ok(false),
        Err(e) => Err(e.into()),
    }
}

#[cfg(not(target_os = "linux"))]
fn exchange(_a: &Path, _b: &Path) -> io::Result<bool> {
    Ok(false)
}

/// Moves `from` to `to`, failing rather than replacing anything that appeared at `to`.
#[cfg(target_os = "linux")]
fn place(from: &Path, to: &Path) -> io::Result<()> {
    use rustix::fs::{CWD, RenameFlags, renameat_with};
    use rustix::io::Errno;
    match renameat_with(CWD, from, CWD, to, RenameFlags::NOREPLACE) {
        Ok(()) => Ok(()),
        Err(Errno::INVAL | Errno::NOSYS | Errno::OPNOTSUPP) => fs::rename(from, to),
        Err(e) => Err(e.into()),
    }
}

#[cfg(not(target_os = "linux"))]
fn place(from: &Path, to: &Path) -> io::Result<()> {
    fs::rename(from, to)
}

/// Whether `path` is the root of a mounted file system (a volume, a bind mount): such a
/// folder cannot be renamed, only its contents can change.
pub(crate) fn is_mount_point(path: &Path) -> io::Result<bool> {
    #[cfg(target_os = "linux")]
    {
        use rustix::fs::{AtFlags, CWD, StatxAttributes, StatxFlags, statx};
        if let Ok(st) = statx(
            CWD,
            path,
            AtFlags::SYMLINK_NOFOLLOW,
            StatxFlags::BASIC_STATS,
        ) && st.stx_attributes_mask.contains(StatxAttributes::MOUNT_ROOT)
        {
            return Ok(st.stx_attributes.contains(StatxAttributes::MOUNT_ROOT));
        }
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        let parent = match path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p,
            _ => Path::new("."),
        };
        let (own, above) = (fs::symlink_metadata(path)?, fs::metadata(parent)?);
        Ok(own.dev() != above.dev() || own.ino() == above.ino())
    }
    #[cfg(not(unix))]
    {
        let _ = path;
        Ok(false)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_lock_waits_then_names_the_holder() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("x.lock");
        let (held, waited) = Lock::acquire(&path, "first", Duration::ZERO).expect("free");
        assert_eq!(waited, None);
        let busy = Lock::acquire(&path, "second", Duration::from_millis(100)).unwrap_err();
        assert_eq!(busy.kind(), io::ErrorKind::WouldBlock);
        let busy = busy
            .get_ref()
            .and_then(|e| e.downcast_ref::<Busy>())
            .expect("a Busy inside");
        assert!(
            busy.holder
                .starts_with(&format!("first (pid {}, since ", std::process::id())),
            "{busy}"
        );
        drop(held);
        assert!(!path.exists(), "released locks leave no file");
        let (_again, _) = Lock::acquire(&path, "second", Duration::ZERO).expect("free again");
    }

    #[test]
    fn a_waiter_gets_the_lock_when_the_holder_lets_go() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("x.lock");
        let (held, _) = Lock::acquire(&path, "first", Duration::ZERO).expect("free");
        let waiter = {
            let path = path.clone();
            std::thread::spawn(move || Lock::acquire(&path, "second", Duration::from_secs(30)))
        };
        std::thread::sleep(Duration::from_millis(150));
        drop(held);
        let (_lock, waited_for) = waiter.join().expect("thread").expect("acquired");
        assert!(
            waited_for.is_some_and(|h| h.starts_with("first (pid ")),
            "it says whom it waited for"
        );
    }

    /// A lock file is ours to truncate and remove; through a link it would be someone else's
    /// file (docs/reliability.md, "Lock files").
    #[cfg(unix)]
    #[test]
    fn a_lock_file_that_is_a_link_is_refused_and_what_it_names_is_untouched() {
        let dir = tempfile::tempdir().expect("tempdir");
        let precious = dir.path().join("site.yaml");
        fs::write(&precious, "title: Mine\n").expect("write");
        let symbolic = dir.path().join("sym.lock");
        std::os::unix::fs::symlink(&precious, &symbolic).expect("symlink");
        let hard = dir.path().join("hard.lock");
        fs::hard_link(&precious, &hard).expect("hard link");
        for path in [&symbolic, &hard] {
            let refused = Lock::acquire(path, "sitrep build", Duration::ZERO).unwrap_err();
            let linked = refused
                .get_ref()
                .and_then(|e| e.downcast_ref::<NotOurs>())
                .unwrap_or_else(|| panic!("{}: {refused}", path.display()));
            assert!(linked.to_string().contains("remove it"), "{linked}");
            assert_eq!(
                fs::read_to_string(&precious).expect("read"),
                "title: Mine\n"
            );
            assert!(
                fs::symlink_metadata(path).is_ok(),
                "the link is left for its owner"
            );
        }
    }

    #[cfg(unix)]
    #[test]
    fn a_lock_file_that_is_a_named_pipe_is_refused_without_blocking() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("x.lock");
        rustix::fs::mkfifoat(
            rustix::fs::CWD,
            &path,
            rustix::fs::Mode::RUSR | rustix::fs::Mode::WUSR,
        )
        .expect("mkfifo");
        let refused = Lock::acquire(&path, "sitrep build", Duration::ZERO).unwrap_err();
        assert!(
            refused.get_ref().is_some_and(|e| e.is::<NotOurs>()),
            "{refused}"
        );
    }

    #[test]
    fn swap_in_exchanges_or_places() {
        let dir = tempfile::tempdir().expect("tempdir");
        let (new, target, aside) = (
            dir.path().join("new"),
            dir.path().join("target"),
            dir.path().join("aside"),
        );
        fs::create_dir(&new).expect("mkdir");
        fs::write(new.join("v"), "1").expect("write");
        assert_eq!(
            swap_in(&new, &target, &aside).expect("swap"),
            Swapped::Placed
        );
        fs::create_dir(&new).expect("mkdir");
        fs::write(new.join("v"), "2").expect("write");
        let how = swap_in(&new, &target, &aside).expect("swap");
        assert_eq!(fs::read_to_string(target.join("v")).expect("read"), "2");
        let old = match how {
            Swapped::Exchanged => &new,
            Swapped::MovedAside => &aside,
            Swapped::Placed => panic!("the target existed"),
        };
        assert_eq!(fs::read_to_string(old.join("v")).expect("read"), "1");
        #[cfg(target_os = "linux")]
        assert_eq!(how, Swapped::Exchanged, "Linux exchanges atomically");
    }

    #[test]
    fn an_interrupted_move_aside_is_restored() {
        let dir = tempfile::tempdir().expect("tempdir");
        let (target, aside) = (dir.path().join("target"), dir.path().join("aside"));
        fs::create_dir(&aside).expect("mkdir");
        assert!(restore_aside(&target, &aside).expect("restore"));
        assert!(target.is_dir() && !aside.exists());
        assert!(!restore_aside(&target, &aside).expect("nothing to do"));
    }

    #[test]
    fn ordinary_folders_are_not_mount_points() {
        let dir = tempfile::tempdir().expect("tempdir");
        fs::create_dir(dir.path().join("a")).expect("mkdir");
        assert!(!is_mount_point(&dir.path().join("a")).expect("stat"));
        assert!(is_mount_point(Path::new("/")).expect("stat"));
    }
}
