//! A site kept in memory between builds, for the preview server: when one incident file
//! changes, only that file is read and parsed again, and only the pages whose inputs changed
//! are rendered again (see `render::cache`). The result is byte for byte what a full build of
//! the same files and `now` writes.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;

use crate::Now;
use crate::config::{SITE_FILE, Site};
use crate::content::{self, EVENTS_DIR, Scan};
use crate::error::Error;
use crate::load;
use crate::model::{Event, Model};
use crate::render::{self, RenderCache};
use crate::theme::{THEMES_DIR, Theme};

/// The built site: output path → bytes.
pub type Files = Arc<BTreeMap<String, Bytes>>;

/// What changed on disk since the last rebuild.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// Unknown, or too much to say: read everything again (unchanged files are still not
    /// parsed again).
    Everything,
    /// Only these files (relative to the site folder) were created, changed or removed.
    Events(Vec<PathBuf>),
    /// Nothing on disk; only `now` moves on.
    Time,
}

/// What one [`Session::rebuild`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rebuilt {
    /// Problems that did not stop the build, as [`crate::BuildReport::warnings`].
    pub warnings: Vec<String>,
    /// Events on the site now.
    pub events: usize,
    /// Output files whose bytes changed, were added or were removed.
    pub changed: Vec<String>,
    /// Wall-clock time of the rebuild.
    pub elapsed: Duration,
}

struct Settings {
    site: Site,
    theme: Theme,
}

/// One site folder kept built in memory. Create it with [`Session::new`], then call
/// [`Session::rebuild`] with what changed; [`Session::files`] is always the last good build.
pub struct Session {
    root: PathBuf,
    drafts: bool,
    /// site.yaml and the theme, once read.
    settings: Option<Settings>,
    /// Every event file, parsed or with its errors.
    scan: Scan,
    cache: RenderCache,
    files: Files,
    /// When the event of each page of [`Session::files`] started: what the search index's
    /// bundles are made by.
    dated: Arc<HashMap<String, crate::search::Dated>>,
}

impl Session {
    /// A session for the site folder `root`, with nothing read yet: the first
    /// [`Session::rebuild`] reads everything, whatever change it is given. `drafts` builds
    /// draft events too, as `build --drafts` does.
    pub fn new(root: impl Into<PathBuf>, drafts: bool) -> Self {
        Session {
            root: root.into(),
            drafts,
            settings: None,
            scan: Scan::default(),
            cache: RenderCache::default(),
            files: Files::default(),
            dated: Arc::default(),
        }
    }

    /// The site folder, as given to [`Session::new`].
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The last site that built without errors (empty before the first): a cheap shared
    /// handle, which later rebuilds do not change.
    pub fn files(&self) -> Files {
        self.files.clone()
    }

    /// The event pages of [`Session::files`] with when their events started: what the search
    /// index's bundles are made by (docs/search.md), as in `build`.
    pub(crate) fn dated_pages(&self) -> Arc<HashMap<String, crate::search::Dated>> {
        self.dated.clone()
    }

    /// The site's settings, once they have been read.
    pub(crate) fn site(&self) -> Option<&Site> {
        self.settings.as_ref().map(|s| &s.site)
    }

    /// Brings the site up to date with the disk and `now` (read in the site's time zone once
    /// the settings are known). On error the last good files stay.
    pub fn rebuild(&mut self, change: &Change, now: &Now) -> Result<Rebuilt, Error> {
        let started = Instant::now();
        let everything = *change == Change::Everything || self.settings.is_none();
        let (settings, events) = match self.settings.take() {
            Some(settings) if !everything => {
                if let Change::Events(paths) = change {
                    self.reread(paths, &settings.site);
                }
                match self.events() {
                    Ok(events) => (settings, events),
                    Err(found) => {
                        self.settings = Some(settings);
                        return Err(Error::Content(found));
                    }
                }
            }
            old => self.load_all(old)?,
        };
        let result = self.render(&settings, events, now, started);
        self.settings = Some(settings);
        result
    }

    fn render(
        &mut self,
        settings: &Settings,
        events: Vec<Arc<Event>>,
        now: &Now,
        started: Instant,
    ) -> Result<Rebuilt, Error> {
        let site = &settings.site;
        let now = now.resolve(site.time_zone)?;
        let model = Model::new(site.clone(), events, now);
        let output = render::site_cached(&model, &settings.theme, &mut self.cache)?;
        let files: BTreeMap<String, Bytes> = output
            .files
            .into_iter()
            .map(|f| (f.path, f.bytes))
            .collect();
        let changed = changed_paths(&self.files, &files);
        self.files = Arc::new(files);
        self.dated = Arc::new(crate::pipeline::dated_pages(&model));
        Ok(Rebuilt {
            warnings: output.warnings,
            events: model.events.len(),
            changed,
            elapsed: started.elapsed(),
        })
    }

    /// Reads site.yaml, the theme and every event file through the one loader, so the preview
    /// reports exactly what `check` does. Files whose text is unchanged keep their parsed event,
    /// unless the settings changed (component ids and the time zone decide what an event file
    /// means).
    fn load_all(&mut self, old: Option<Settings>) -> Result<(Settings, Vec<Arc<Event>>), Error> {
        let root = self.root.clone();
        let (site, events, theme) = load::checked_with(&root, |site| {
            if old.is_none_or(|o| o.site != *site) {
                self.scan.sources.clear();
            }
            self.rescan(site);
            self.events()
        })?;
        Ok((Settings { site, theme }, events))
    }

    /// Walks `incidents/` again; files whose text is unchanged keep their parsed event.
    fn rescan(&mut self, site: &Site) {
        let previous = std::mem::take(&mut self.scan.sources);
        self.scan = content::scan_reusing(&self.root, site, previous);
    }

    /// Reads only the given files again (created, changed or removed).
    fn reread(&mut self, paths: &[PathBuf], site: &Site) {
        for relative in paths {
            let old = self.scan.sources.remove(relative);
            if self.root.join(relative).is_file() {
                let source = content::read_source(&self.root, relative, site, old);
                self.scan.sources.insert(relative.clone(), source);
            }
        }
    }

    /// The events to build, or every error among the sources.
    fn events(&self) -> Result<Vec<Arc<Event>>, Vec<crate::error::Diagnostic>> {
        self.scan.events_to_build(self.drafts)
    }
}

fn changed_paths(old: &BTreeMap<String, Bytes>, new: &BTreeMap<String, Bytes>) -> Vec<String> {
    // Reused pages share their buffer with the old build: compare pointers before bytes.
    let same = |a: &Bytes, b: &Bytes| (a.as_ptr() == b.as_ptr() && a.len() == b.len()) || a == b;
    let mut changed: Vec<String> = new
        .iter()
        .filter(|(path, bytes)| !old.get(*path).is_some_and(|o| same(o, bytes)))
        .map(|(path, _)| path.clone())
        .collect();
    changed.extend(old.keys().filter(|p| !new.contains_key(*p)).cloned());
    changed.sort();
    changed
}

/// Where a path in the site folder belongs, for deciding what to rebuild.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Kind {
    /// An event file (or a folder of them) under `incidents/`.
    Event(PathBuf),
    /// site.yaml or anything in `themes/`: everything depends on it.
    Settings,
    /// Nothing the site is built from: the output, editor files, version control.
    Ignored,
}

/// Classifies a changed path, relative to the site folder. Pure, so it is tested directly.
pub fn classify(relative: &Path, output: &Path) -> Kind {
    let hidden_or_scratch = relative.components().any(|c| {
        let name = c.as_os_str().to_string_lossy();
        name.starts_with('.')
            || name.ends_with('~')
            || name.ends_with(".swp")
            || name.ends_with(".swx")
            || name == "4913"
    });
    if hidden_or_scratch || relative.starts_with(output) || relative.starts_with("target") {
        return Kind::Ignored;
    }
    if relative == Path::new(SITE_FILE) || relative.starts_with(THEMES_DIR) {
        return Kind::Settings;
    }
    if relative.starts_with(EVENTS_DIR) {
        let markdown = relative.extension().is_some_and(|x| x == "md");
        let folder = relative.extension().is_none();
        if markdown || folder {
            return Kind::Event(relative.to_path_buf());
        }
    }
    Kind::Ignored
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classify_sorts_changes_by_what_depends_on_them() {
        let out = Path::new("public");
        assert_eq!(
            classify(Path::new("incidents/2026/a.md"), out),
            Kind::Event("incidents/2026/a.md".into())
        );
        assert_eq!(
            classify(Path::new("incidents/2026"), out),
            Kind::Event("incidents/2026".into())
        );
        assert_eq!(classify(Path::new("site.yaml"), out), Kind::Settings);
        assert_eq!(
            classify(Path::new("themes/default/templates/index.html"), out),
            Kind::Settings
        );
        for ignored in [
            "public/index.html",
            "incidents/.a.md.swp",
            "incidents/a.md~",
            "incidents/4913",
            ".git/index",
            "incidents/notes.txt",
            "README.md",
            "target/debug/x",
        ] {
            assert_eq!(
                classify(Path::new(ignored), out),
                Kind::Ignored,
                "{ignored}"
            );
        }
    }
}
