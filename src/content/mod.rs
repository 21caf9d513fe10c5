//! Reading the site's event files: find them under `incidents/`, parse each (in parallel), and
//! check what only the whole set can show (duplicate slugs).

pub(crate) mod event;
pub(crate) mod front_matter;

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rayon::prelude::*;

use crate::config::Site;
use crate::error::{Diagnostic, ErrorCode};
use crate::files;
use crate::model::Event;

pub(crate) const EVENTS_DIR: &str = "incidents";

/// One event file as read: where it is (relative to the site folder), its text's fingerprint,
/// and its event or its errors.
#[derive(Debug, Clone)]
pub(crate) struct Source {
    pub path: PathBuf,
    pub fingerprint: u64,
    pub parsed: Result<Arc<Event>, Vec<Diagnostic>>,
}

/// Every event file of a site, each with its event or its errors: the one way `build`,
/// `check`, the preview session and the authoring commands read a site's events. A broken
/// file is one entry among the others, so a command that does not need it can go on.
#[derive(Debug, Clone, Default)]
pub(crate) struct Scan {
    pub sources: BTreeMap<PathBuf, Source>,
    /// Problems walking `incidents/` itself (a folder that cannot be listed).
    pub walk_errors: Vec<Diagnostic>,
}

impl Scan {
    /// The events that parsed, drafts included, in path order.
    pub(crate) fn events(&self) -> impl Iterator<Item = &Arc<Event>> + Clone {
        self.sources.values().filter_map(|s| s.parsed.as_ref().ok())
    }

    /// The files that have errors.
    pub(crate) fn broken(&self) -> impl Iterator<Item = &Source> {
        self.sources.values().filter(|s| s.parsed.is_err())
    }

    /// Every problem: the walk's, each file's, and slugs used twice.
    pub(crate) fn errors(&self) -> Vec<Diagnostic> {
        let mut errors = self.walk_errors.clone();
        errors.extend(
            self.sources
                .values()
                .filter_map(|s| s.parsed.as_ref().err())
                .flatten()
                .cloned(),
        );
        errors.extend(duplicate_slugs(self.events().map(|e| &**e)));
        errors
    }

    /// The events to build (drafts only when asked), or every problem.
    pub(crate) fn events_to_build(&self, drafts: bool) -> Result<Vec<Arc<Event>>, Vec<Diagnostic>> {
        let errors = self.errors();
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(self
            .events()
            .filter(|e| drafts || !e.draft)
            .cloned()
            .collect())
    }
}

/// Reads and parses every event file under `incidents/`, in parallel.
pub(crate) fn scan(root: &Path, site: &Site) -> Scan {
    scan_reusing(root, site, BTreeMap::new())
}

/// Like [`scan`], but a file whose text is unchanged since `previous` keeps its parsed event
/// (the preview session re-reads every file, and parses again only what changed).
pub(crate) fn scan_reusing(
    root: &Path,
    site: &Site,
    mut previous: BTreeMap<PathBuf, Source>,
) -> Scan {
    let (files, walk_errors) = find_event_files(root);
    let with_previous: Vec<(PathBuf, Option<Source>)> = files
        .into_iter()
        .map(|relative| {
            let old = previous.remove(&relative);
            (relative, old)
        })
        .collect();
    let sources = with_previous
        .into_par_iter()
        .map(|(relative, old)| {
            let source = read_source(root, &relative, site, old);
            (relative, source)
        })
        .collect();
    Scan {
        sources,
        walk_errors,
    }
}

/// Reads one event file, and parses it unless its text is that of `previous`.
pub(crate) fn read_source(
    root: &Path,
    relative: &Path,
    site: &Site,
    previous: Option<Source>,
) -> Source {
    let text = match read_text(root, relative) {
        Ok(text) => text,
        Err(error) => {
            return Source {
                path: relative.to_path_buf(),
                fingerprint: 0,
                parsed: Err(vec![error]),
            };
        }
    };
    let fingerprint = crate::fingerprint::of_bytes(&[text.as_bytes()]);
    match previous {
        Some(old) if old.fingerprint == fingerprint && fingerprint != 0 => old,
        _ => Source {
            path: relative.to_path_buf(),
            fingerprint,
            parsed: event::parse(relative, &text, site).map(Arc::new),
        },
    }
}

/// The text of an event file: a regular file within the size limit, or an error naming it.
pub(crate) fn read_text(root: &Path, relative: &Path) -> Result<String, Diagnostic> {
    files::read_text(&root.join(relative), files::EVENT_FILE_LIMIT)
        .map_err(|e| Diagnostic::new(relative, e.code(), format!("cannot read the file: {e}")))
}

/// Every `.md` file under `incidents/`, relative to the root and sorted, skipping hidden files
/// and folders and anything a link would take outside the site folder.
pub(crate) fn find_event_files(root: &Path) -> (Vec<PathBuf>, Vec<Diagnostic>) {
    let dir = root.join(EVENTS_DIR);
    let canonical_root = root.canonicalize().unwrap_or_else(|_| root.to_path_buf());
    // docs/format.md: symbolic links are not followed out of the site folder (a link to a folder
    // elsewhere, or an `incidents/` that is itself such a link, brings in nothing).
    let inside = |path: &Path| {
        path.canonicalize()
            .is_ok_and(|p| p.starts_with(&canonical_root))
    };
    if !dir.is_dir() || !inside(&dir) {
        return (Vec::new(), Vec::new());
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
                // Not only regular files: a pipe or a device named `.md` is reported when read,
                // rather than silently left out.
                if !entry.file_type().is_dir() && is_markdown {
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
    (files, errors)
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
        let (files, errors) = find_event_files(&site);
        assert!(errors.is_empty(), "{errors:?}");
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
pub(crate) fn duplicate_slugs<'a>(events: impl IntoIterator<Item = &'a Event>) -> Vec<Diagnostic> {
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
