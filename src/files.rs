//! The user's files, read and written safely. Reading: only regular files (a FIFO or a device
//! where a file is expected never blocks or floods a build), each kind with a size limit, and
//! only files that resolve inside the site folder. Writing one file (authoring): through a
//! temporary file and a rename, and never over an existing file when creating one (the lock
//! around it is `atomic::Lock`). docs/reliability.md lists the limits.

use std::fs::{File, OpenOptions};
use std::io::{self, Read, Write};
use std::path::Path;

use crate::error::ErrorCode;

/// The largest event file read: far beyond any real post-mortem.
pub(crate) const EVENT_FILE_LIMIT: u64 = 2 * 1024 * 1024;
/// site.yaml and translation files.
pub(crate) const SETTINGS_FILE_LIMIT: u64 = 8 * 1024 * 1024;
/// A theme's templates and static files.
pub(crate) const THEME_FILE_LIMIT: u64 = 16 * 1024 * 1024;
/// The logo: shown on every page, so small.
pub(crate) const LOGO_LIMIT: u64 = 2 * 1024 * 1024;

/// Why a file could not be read.
#[derive(Debug, thiserror::Error)]
pub(crate) enum ReadError {
    #[error("it is not a regular file but {0}")]
    NotRegular(&'static str),
    #[error("it is {size} bytes; the limit is {limit}")]
    TooLarge { size: u64, limit: u64 },
    #[error("it leads outside the site folder")]
    Outside,
    #[error("it is not UTF-8 text")]
    NotUtf8,
    #[error("{0}")]
    Io(#[from] io::Error),
}

impl ReadError {
    pub(crate) fn code(&self) -> ErrorCode {
        match self {
            ReadError::TooLarge { .. } => ErrorCode::TooLarge,
            _ => ErrorCode::Unreadable,
        }
    }

    pub(crate) fn is_not_found(&self) -> bool {
        matches!(self, ReadError::Io(e) if e.kind() == io::ErrorKind::NotFound)
    }
}

/// The bytes of a regular file, at most `limit` of them.
pub(crate) fn read_bytes(path: &Path, limit: u64) -> Result<Vec<u8>, ReadError> {
    let file = open_without_blocking(path)?;
    let metadata = file.metadata()?;
    if !metadata.is_file() {
        return Err(ReadError::NotRegular(kind_of(&metadata.file_type())));
    }
    if metadata.len() > limit {
        return Err(ReadError::TooLarge {
            size: metadata.len(),
            limit,
        });
    }
    let mut bytes = Vec::with_capacity(metadata.len() as usize);
    // A file that grows while it is read stops at the limit all the same.
    file.take(limit + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > limit {
        return Err(ReadError::TooLarge {
            size: bytes.len() as u64,
            limit,
        });
    }
    Ok(bytes)
}

/// The text of a regular UTF-8 file, at most `limit` bytes.
pub(crate) fn read_text(path: &Path, limit: u64) -> Result<String, ReadError> {
    String::from_utf8(read_bytes(path, limit)?).map_err(|_| ReadError::NotUtf8)
}

/// Like [`read_bytes`], for a file named by a path the user wrote: it must resolve (through
/// any symbolic link) to a file inside `root`.
pub(crate) fn read_inside(root: &Path, relative: &Path, limit: u64) -> Result<Vec<u8>, ReadError> {
    let path = root.join(relative);
    if !resolves_inside(root, &path)? {
        return Err(ReadError::Outside);
    }
    read_bytes(&path, limit)
}

/// Whether `path` resolves, through any symbolic link, to somewhere inside `root`.
pub(crate) fn resolves_inside(root: &Path, path: &Path) -> io::Result<bool> {
    let root = root.canonicalize()?;
    Ok(path.canonicalize()?.starts_with(root))
}

/// Opening a FIFO for reading waits for a writer; `O_NONBLOCK` makes it return at once so the
/// type check can refuse it. Regular files ignore the flag.
#[cfg(unix)]
fn open_without_blocking(path: &Path) -> io::Result<File> {
    use std::os::unix::fs::OpenOptionsExt;
    let flags = rustix::fs::OFlags::NONBLOCK | rustix::fs::OFlags::NOCTTY;
    OpenOptions::new()
        .read(true)
        .custom_flags(flags.bits() as i32)
        .open(path)
}

#[cfg(not(unix))]
fn open_without_blocking(path: &Path) -> io::Result<File> {
    File::open(path)
}

/// How messages name a file that is not a regular file: `a named pipe`, `a device`, ….
pub(crate) fn kind_of(file_type: &std::fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if file_type.is_fifo() {
            return "a named pipe";
        }
        if file_type.is_char_device() || file_type.is_block_device() {
            return "a device";
        }
        if file_type.is_socket() {
            return "a socket";
        }
    }
    if file_type.is_dir() {
        "a folder"
    } else {
        "a special file"
    }
}

/// How [`write_atomically`] treats a file that already exists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Existing {
    Replace,
    /// Refuse with `AlreadyExists`, atomically: a file that appeared meanwhile is never
    /// overwritten.
    Keep,
}

/// Writes `bytes` to `path` through a temporary file in the same folder, flushed to disk, then
/// renamed over it, so the file is always either the old one or the new one. The temporary
/// file has a random name and is created exclusively (`O_EXCL`), so nothing put in its way
/// beforehand, a link least of all, is ever opened.
pub(crate) fn write_atomically(path: &Path, bytes: &[u8], existing: Existing) -> io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let prefix = format!(".{name}.");
    let mut builder = tempfile::Builder::new();
    builder.prefix(&prefix).suffix(".sitrep-tmp");
    // The mode a new file gets (0666 less the umask), as `File::create` gives, not
    // tempfile's 0600; a file that is replaced keeps its own.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(path).map_or(0o666, |m| m.permissions().mode() & 0o7777);
        builder.permissions(std::fs::Permissions::from_mode(mode));
    }
    let mut temporary = builder.tempfile_in(dir)?;
    temporary.write_all(bytes)?;
    temporary.as_file().sync_all()?;
    // Removed when dropped unless it was renamed into place.
    let temporary = temporary.into_temp_path();
    match existing {
        Existing::Replace => std::fs::rename(&temporary, path)?,
        Existing::Keep => rename_no_replace(&temporary, path)?,
    }
    let _renamed = temporary.keep();
    Ok(())
}

/// `rename` that fails with `AlreadyExists` instead of replacing: `renameat2(RENAME_NOREPLACE)`
/// where the file system has it, else a hard link (which never replaces) and an unlink.
fn rename_no_replace(from: &Path, to: &Path) -> io::Result<()> {
    #[cfg(target_os = "linux")]
    {
        use rustix::fs::{CWD, RenameFlags, renameat_with};
        match renameat_with(CWD, from, CWD, to, RenameFlags::NOREPLACE) {
            Ok(()) => return Ok(()),
            Err(e) if e == rustix::io::Errno::EXIST => {
                return Err(io::Error::from(io::ErrorKind::AlreadyExists));
            }
            // File systems without the flag (some network shares) answer EINVAL.
            Err(e) if e == rustix::io::Errno::INVAL || e == rustix::io::Errno::NOSYS => {}
            Err(e) => return Err(e.into()),
        }
    }
    std::fs::hard_link(from, to)?;
    std::fs::remove_file(from)
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    #[test]
    fn a_named_pipe_or_a_device_is_refused_without_blocking() {
        let dir = tempfile::tempdir().expect("tempdir");
        let fifo = dir.path().join("site.yaml");
        rustix::fs::mkfifoat(rustix::fs::CWD, &fifo, rustix::fs::Mode::RUSR).expect("mkfifo");
        assert!(matches!(
            read_text(&fifo, 1024),
            Err(ReadError::NotRegular("a named pipe"))
        ));
        assert!(matches!(
            read_bytes(Path::new("/dev/zero"), 1024),
            Err(ReadError::NotRegular("a device"))
        ));
    }

    #[test]
    fn a_file_over_its_limit_is_refused() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("big.md");
        std::fs::write(&path, vec![b'a'; 2000]).expect("write");
        assert!(matches!(
            read_text(&path, 1000),
            Err(ReadError::TooLarge {
                size: 2000,
                limit: 1000
            })
        ));
        assert_eq!(read_text(&path, 2000).expect("fits").len(), 2000);
    }

    #[test]
    fn a_link_out_of_the_site_is_refused() {
        let dir = tempfile::tempdir().expect("tempdir");
        let site = dir.path().join("site");
        std::fs::create_dir_all(&site).expect("mkdir");
        std::fs::write(dir.path().join("secret"), "x").expect("write");
        std::os::unix::fs::symlink(dir.path().join("secret"), site.join("logo.svg")).expect("link");
        assert!(matches!(
            read_inside(&site, Path::new("logo.svg"), 100),
            Err(ReadError::Outside)
        ));
    }

    #[test]
    fn keep_never_overwrites_and_leaves_no_temporary_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("a.md");
        write_atomically(&path, b"first", Existing::Keep).expect("created");
        let error = write_atomically(&path, b"second", Existing::Keep).expect_err("exists");
        assert_eq!(error.kind(), io::ErrorKind::AlreadyExists);
        assert_eq!(std::fs::read(&path).expect("read"), b"first");
        write_atomically(&path, b"third", Existing::Replace).expect("replaced");
        assert_eq!(std::fs::read(&path).expect("read"), b"third");
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .expect("list")
            .map(|e| e.expect("entry").file_name())
            .collect();
        assert_eq!(names, ["a.md"]);
    }

    /// The temporary file's name was `.NAME.PID.sitrep-tmp`: easy to guess, and opened by
    /// following a link put there in advance (docs/reliability.md, "Lock files").
    #[test]
    fn the_temporary_file_is_never_opened_through_a_link_put_where_it_would_go() {
        let dir = tempfile::tempdir().expect("tempdir");
        let victim = dir.path().join("victim.txt");
        std::fs::write(&victim, "keep me").expect("write");
        let path = dir.path().join("a.md");
        let guessed = dir
            .path()
            .join(format!(".a.md.{}.sitrep-tmp", std::process::id()));
        std::os::unix::fs::symlink(&victim, &guessed).expect("symlink");
        write_atomically(&path, b"event", Existing::Replace).expect("written");
        assert_eq!(std::fs::read(&path).expect("read"), b"event");
        assert_eq!(std::fs::read(&victim).expect("read"), b"keep me");
    }

    /// Found by the adversarial pass: the random temporary file is made 0600, and every event
    /// file `new`, `update` and `import` wrote became unreadable to the web server's group.
    #[test]
    fn a_written_file_has_the_mode_any_new_file_gets_and_a_replaced_one_keeps_its_own() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().expect("tempdir");
        let plain = dir.path().join("plain");
        File::create(&plain).expect("create");
        let mode = |p: &Path| std::fs::metadata(p).expect("stat").permissions().mode() & 0o777;
        let new = dir.path().join("new.md");
        write_atomically(&new, b"a", Existing::Keep).expect("written");
        assert_eq!(mode(&new), mode(&plain));
        std::fs::set_permissions(&new, std::fs::Permissions::from_mode(0o640)).expect("chmod");
        write_atomically(&new, b"b", Existing::Replace).expect("written");
        assert_eq!(mode(&new), 0o640);
    }
}
