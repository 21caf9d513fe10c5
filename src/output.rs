//! The one place that writes the built site. Files go into a fresh staging folder beside the
//! output folder, which is swapped in only once every file is written: a failed or interrupted
//! build never leaves a half-written or emptied status page.

use std::fs;
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::config::SITE_FILE;
use crate::content::{self, EVENTS_DIR};
use crate::error::Error;
use crate::render::OutputFile;
use crate::theme::THEMES_DIR;

/// Refuses output folders whose replacement would destroy the user's work: the site folder
/// itself, a folder that contains it, or a folder holding site sources or a repository.
pub fn check_output_dir(root: &Path, output: &Path) -> Result<(), Error> {
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
    if target.exists() {
        if !target.is_dir() {
            return refuse("it exists and is not a folder");
        }
        for marker in [SITE_FILE, ".git"] {
            if target.join(marker).exists() {
                return refuse(&format!(
                    "it holds `{marker}`, so it looks like a source folder, not a build"
                ));
            }
        }
        // A build has `incidents/` too, but only with pages in it, never Markdown sources.
        if !content::find_event_files(&target).0.is_empty() {
            return refuse(&format!(
                "it holds `{EVENTS_DIR}/` with Markdown files, so it looks like a site folder, not a build"
            ));
        }
    }
    Ok(())
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

/// Writes `files` as the new content of `output`, replacing what was there in one swap.
pub fn write_site(output: &Path, files: &[OutputFile]) -> Result<(), Error> {
    let output = absolute(output);
    let parent = output.parent().ok_or_else(|| Error::UnsafeOutput {
        path: output.clone(),
        reason: "it has no parent folder".into(),
    })?;
    let name = output
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    fs::create_dir_all(parent).map_err(|e| Error::io("create", parent, e))?;
    let staging = parent.join(format!(".{name}.sitrep-new"));
    let previous = parent.join(format!(".{name}.sitrep-old"));
    // Leftovers of an interrupted build are ours (their names say so) and safe to clear.
    remove_if_present(&staging)?;
    remove_if_present(&previous)?;

    if let Err(e) = write_all(&staging, files) {
        let _ = fs::remove_dir_all(&staging);
        return Err(e);
    }
    swap_in(&staging, &output, &previous)
}

fn write_all(staging: &Path, files: &[OutputFile]) -> Result<(), Error> {
    fs::create_dir_all(staging).map_err(|e| Error::io("create", staging, e))?;
    let mut dirs: Vec<PathBuf> = files
        .iter()
        .filter_map(|f| Path::new(&f.path).parent().map(|p| staging.join(p)))
        .collect();
    dirs.sort();
    dirs.dedup();
    for dir in &dirs {
        fs::create_dir_all(dir).map_err(|e| Error::io("create", dir, e))?;
    }
    files.par_iter().try_for_each(|f| {
        let path = staging.join(&f.path);
        fs::write(&path, &f.bytes).map_err(|e| Error::io("write", path, e))
    })
}

fn swap_in(staging: &Path, output: &Path, previous: &Path) -> Result<(), Error> {
    let had_output = output.exists();
    if had_output {
        fs::rename(output, previous).map_err(|e| Error::io("move aside", output, e))?;
    }
    if let Err(e) = fs::rename(staging, output) {
        if had_output {
            // Put the last good site back before reporting.
            let _ = fs::rename(previous, output);
        }
        let _ = fs::remove_dir_all(staging);
        return Err(Error::io("move into place", output, e));
    }
    if had_output {
        fs::remove_dir_all(previous)
            .map_err(|e| Error::io("remove the previous build", previous, e))?;
    }
    Ok(())
}

fn remove_if_present(path: &Path) -> Result<(), Error> {
    match fs::remove_dir_all(path) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(Error::io("remove", path, e)),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_folders_that_would_destroy_sources() {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path().join("site");
        fs::create_dir_all(root.join("incidents")).expect("mkdir");
        fs::write(root.join("site.yaml"), "").expect("write");
        assert!(check_output_dir(&root, &root).is_err());
        assert!(check_output_dir(&root, dir.path()).is_err());
        assert!(check_output_dir(&root, &root.join("incidents")).is_err());
        let other_site = dir.path().join("other");
        fs::create_dir_all(other_site.join("incidents/2014")).expect("mkdir");
        fs::write(other_site.join("incidents/2014/a.md"), "").expect("write");
        assert!(
            check_output_dir(&root, &other_site).is_err(),
            "another site's sources"
        );
        fs::create_dir_all(dir.path().join("built/incidents/a")).expect("mkdir");
        fs::write(dir.path().join("built/incidents/a/index.html"), "").expect("write");
        assert!(
            check_output_dir(&root, &dir.path().join("built")).is_ok(),
            "a previous build"
        );
        assert!(check_output_dir(&root, &root.join("public")).is_ok());
        assert!(check_output_dir(&root, &dir.path().join("elsewhere")).is_ok());
        fs::create_dir_all(dir.path().join("repo/.git")).expect("mkdir");
        assert!(check_output_dir(&root, &dir.path().join("repo")).is_err());
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
        )
        .expect("first");
        write_site(&out, &[OutputFile::new("a/index.html", "two")]).expect("second");
        assert_eq!(
            fs::read_to_string(out.join("a/index.html")).expect("read"),
            "two"
        );
        assert!(!out.join("old.txt").exists(), "stale files go");
        let names: Vec<String> = fs::read_dir(dir.path())
            .expect("list")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(
            names,
            vec!["public".to_string()],
            "no staging folders left behind"
        );
    }
}
