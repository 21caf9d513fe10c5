//! Reading the site's event files: find them under `incidents/`, parse each (in parallel), and
//! check what only the whole set can show (duplicate slugs).

pub mod event;
pub mod front_matter;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::config::Site;
use crate::error::{Diagnostic, ErrorCode};
use crate::model::Event;

pub const EVENTS_DIR: &str = "incidents";

/// Loads and validates every event, drafts included. Returns every problem found.
pub fn load(root: &Path, site: &Site) -> Result<Vec<Event>, Vec<Diagnostic>> {
    let files = find_event_files(root)?;
    let results: Vec<Result<Event, Vec<Diagnostic>>> = files
        .par_iter()
        .map(|relative| read_event(root, relative, site))
        .collect();
    let mut events = Vec::with_capacity(results.len());
    let mut errors = Vec::new();
    for result in results {
        match result {
            Ok(e) => events.push(e),
            Err(mut d) => errors.append(&mut d),
        }
    }
    errors.extend(duplicate_slugs(&events));
    if errors.is_empty() {
        Ok(events)
    } else {
        Err(errors)
    }
}

/// Reads and parses one event file.
pub fn read_event(root: &Path, relative: &Path, site: &Site) -> Result<Event, Vec<Diagnostic>> {
    let text = read_text(root, relative).map_err(|d| vec![d])?;
    event::parse(relative, &text, site)
}

/// The text of an event file, or an error naming it.
pub fn read_text(root: &Path, relative: &Path) -> Result<String, Diagnostic> {
    std::fs::read_to_string(root.join(relative)).map_err(|e| {
        Diagnostic::new(
            relative,
            ErrorCode::Unreadable,
            format!("cannot read the file: {e}"),
        )
    })
}

/// Every `.md` file under `incidents/`, relative to the root and sorted, skipping hidden files
/// and folders and anything a link would take outside the site folder.
pub fn find_event_files(root: &Path) -> Result<Vec<PathBuf>, Vec<Diagnostic>> {
    let dir = root.join(EVENTS_DIR);
    let canonical_root = root.canonicalize().unwrap_or_else(|_| root.to_path_buf());
    // content.md: symbolic links are not followed out of the site folder (a link to a folder
    // elsewhere, or an `incidents/` that is itself such a link, brings in nothing).
    let inside = |path: &Path| {
        path.canonicalize()
            .is_ok_and(|p| p.starts_with(&canonical_root))
    };
    if !dir.is_dir() || !inside(&dir) {
        return Ok(Vec::new());
    }
    let mut files = Vec::new();
    let mut errors = Vec::new();
    let walker = walkdir::WalkDir::new(&dir)
        .follow_links(true)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| {
            let hidden = e.depth() > 0 && e.file_name().to_string_lossy().starts_with('.');
            !hidden && (!e.path_is_symlink() || inside(e.path()))
        });
    for entry in walker {
        match entry {
            Ok(entry) => {
                let is_markdown = entry.path().extension().is_some_and(|x| x == "md");
                if entry.file_type().is_file() && is_markdown {
                    let relative = entry.path().strip_prefix(root).unwrap_or(entry.path());
                    files.push(relative.to_path_buf());
                }
            }
            // A link that loops back over the site, or points nowhere, is not a source.
            Err(e) if e.loop_ancestor().is_some() || e.path().is_some_and(is_dangling_link) => {}
            Err(e) => {
                let path = e
                    .path()
                    .map(|p| p.strip_prefix(root).unwrap_or(p).to_path_buf())
                    .unwrap_or_else(|| PathBuf::from(EVENTS_DIR));
                errors.push(Diagnostic::new(
                    path,
                    ErrorCode::Unreadable,
                    format!("cannot read: {e}"),
                ));
            }
        }
    }
    if errors.is_empty() {
        Ok(files)
    } else {
        Err(errors)
    }
}

fn is_dangling_link(path: &Path) -> bool {
    path.symlink_metadata()
        .is_ok_and(|m| m.file_type().is_symlink())
        && !path.exists()
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;

    #[test]
    fn links_out_of_the_site_dangling_links_and_loops_bring_in_nothing() {
        let dir = tempfile::tempdir().expect("tempdir");
        let (site, outside) = (dir.path().join("site"), dir.path().join("outside"));
        std::fs::create_dir_all(site.join("incidents/real")).expect("mkdir");
        std::fs::create_dir_all(&outside).expect("mkdir");
        std::fs::write(site.join("incidents/real/a.md"), "").expect("write");
        std::fs::write(outside.join("b.md"), "").expect("write");
        symlink(&outside, site.join("incidents/elsewhere")).expect("link");
        symlink(outside.join("b.md"), site.join("incidents/b.md")).expect("link");
        symlink(site.join("nothing.md"), site.join("incidents/dangling.md")).expect("link");
        symlink(&site, site.join("incidents/loop")).expect("link");
        symlink(site.join("incidents/real"), site.join("incidents/alias")).expect("link");
        let files = find_event_files(&site).expect("no errors");
        assert_eq!(
            files,
            [
                PathBuf::from("incidents/alias/a.md"),
                PathBuf::from("incidents/real/a.md")
            ]
        );
    }
}

/// One error for each event whose slug an earlier one (by path) already uses.
pub fn duplicate_slugs<'a>(events: impl IntoIterator<Item = &'a Event>) -> Vec<Diagnostic> {
    let mut first_by_slug: HashMap<&str, &Path> = HashMap::new();
    let mut errors = Vec::new();
    for e in events {
        if let Some(first) = first_by_slug.insert(&e.slug, &e.source) {
            errors.push(
                Diagnostic::new(&e.source, ErrorCode::DuplicateSlug, format!("the slug `{}` is also used by {}", e.slug, first.to_string_lossy().replace('\\', "/")))
                    .with_help("every event needs its own slug: rename one file or set `slug:` in its front matter"),
            );
            first_by_slug.insert(&e.slug, first);
        }
    }
    errors
}
