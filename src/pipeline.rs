//! The whole pipeline, config → content → model → render → output, as `build`, `check` and
//! `publish` run it; and the search index made from the rendered pages.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use chrono::Datelike;

use crate::model::Model;
use crate::render::{self, OutputFile, RenderCache};
use crate::time::Now;
use crate::{Result, load, output, search, sync, theme, time};

/// What [`build`] is asked to do: the command line's `build` flags.
#[derive(Debug, Clone)]
pub struct BuildOptions {
    /// The site folder, holding site.yaml, `incidents/` and optionally `themes/`.
    pub root: PathBuf,
    /// Overrides `output:` in site.yaml; relative paths are taken as they are (from the
    /// current folder), as the command line gives them.
    pub output: Option<PathBuf>,
    /// The instant the site is built for: what is ongoing, upcoming or resolved depends on it.
    pub now: Now,
    /// Build events marked `draft: true` too (`--drafts`, docs/format.md, "Drafts").
    pub drafts: bool,
}

/// What a finished [`build`] did, for the summary the binary prints.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuildReport {
    /// Problems that did not stop the build (a theme string missing from a translation, …).
    pub warnings: Vec<String>,
    /// Events on the site (drafts count only when built with `drafts`).
    pub events: usize,
    /// HTML pages written.
    pub pages: usize,
    /// Every file written: pages, feeds, API, assets and the search index.
    pub files: usize,
    /// Pages and feeds taken from the previous build in the output folder, their inputs
    /// unchanged, rather than rendered again (docs/performance.md).
    pub reused: usize,
    /// The output folder the site was written to.
    pub output: PathBuf,
    /// Wall-clock time from reading site.yaml to the last file in place.
    pub elapsed: Duration,
    /// The search index, unless `search: false` (docs/search.md).
    pub search: Option<SearchReport>,
}

/// What indexing the site for search did, for the build's summary line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchReport {
    /// Pages indexed: those whose template marks a `data-pagefind-body`.
    pub pages: usize,
    /// Files the index adds to the site (under `pagefind/`).
    pub files: usize,
    /// Their total size, in bytes.
    pub bytes: usize,
    /// Pages of a part of the index carried over from the previous build rather than indexed
    /// again (docs/search.md).
    pub carried_over: usize,
    /// Part of the build's `elapsed`.
    pub elapsed: Duration,
}

/// A site read, validated and rendered, but not written.
pub struct Built {
    pub(crate) model: Model,
    /// Every file of the site, sorted by path.
    pub files: Vec<OutputFile>,
    /// Problems that did not stop the build.
    pub warnings: Vec<String>,
    /// The render keys of `files`, for the next build into the same output folder.
    pub(crate) keys: render::cache::PageKeys,
}

/// What `check` reports of a site without errors.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checked {
    /// How many events the site shows.
    pub events: usize,
    /// How many components site.yaml declares.
    pub components: usize,
    /// Problems that would not stop a build.
    pub warnings: Vec<String>,
}

/// Reads, validates and renders a site as `build` would, writing nothing and keeping no page:
/// what `check` runs, so that it needs no more memory than a build, however large the site.
pub fn check_site(root: &Path, now: &Now, drafts: bool) -> Result<Checked> {
    let (model, theme) = load_model(root, now, drafts)?;
    let warnings = render::site_into(&model, &theme, &mut RenderCache::one_shot(), &Discard)?;
    Ok(Checked {
        events: model.events.len(),
        components: model.site.components.len(),
        warnings,
    })
}

/// Where `check` sends rendered files: nowhere.
struct Discard;

impl render::Sink for Discard {
    fn accept(&self, _: OutputFile) -> Result<()> {
        Ok(())
    }
}

/// Reads, validates and renders a site without writing anything, and keeps every file: what
/// `publish` runs. What the site's output folder holds of the previous build is reused where
/// its inputs are unchanged.
pub fn render_site(root: &Path, now: &Now, drafts: bool) -> Result<Built> {
    let (model, theme) = load_model(root, now, drafts)?;
    let mut cache = from_previous_build(&root.join(&model.site.output));
    let files = render::site_cached(&model, &theme, &mut cache)?;
    Ok(Built {
        model,
        files: files.files,
        warnings: files.warnings,
        keys: cache.page_keys(),
    })
}

/// A render cache holding nothing but what `output` holds of the previous build, checked
/// before anything is reused (docs/performance.md, "Rebuilding after a change").
fn from_previous_build(output: &Path) -> RenderCache {
    RenderCache::stored(
        output::saved_keys(output),
        Box::new(output::BuiltFiles::new(output)),
    )
}

/// The site read, validated and seen at `now`, and its theme.
fn load_model(root: &Path, now: &Now, drafts: bool) -> Result<(Model, theme::Theme)> {
    let (site, events, theme) = load::checked(root, drafts)?;
    let now = now.resolve(site.time_zone)?;
    Ok((Model::new(site, events, now), theme))
}

/// Builds the site into its output folder. Each file is written as soon as it is rendered, so
/// memory does not hold the whole site however long its history (docs/performance.md); of
/// the searchable pages only a hash is kept, and the search index, made once they all are,
/// reads back those it needs, a bundle at a time.
pub fn build(options: &BuildOptions) -> Result<BuildReport> {
    let started = Instant::now();
    let (model, theme) = load_model(&options.root, &options.now, options.drafts)?;
    let output = options
        .output
        .clone()
        .unwrap_or_else(|| options.root.join(&model.site.output));
    output::check_output_dir(&options.root, &output)?;
    let spare = output::Spare::for_output(&options.root, &output);
    let mut staging = output::Staging::begin(&output, spare)?;
    // Read under the output folder's lock, so that they are the keys of the build in it.
    let mut cache = from_previous_build(&output);
    let written = Written {
        staging: &staging,
        searchable: model.site.search.then(Default::default),
        files: Default::default(),
        pages: Default::default(),
    };
    let mut warnings = render::site_into(&model, &theme, &mut cache, &written)?;
    let mut search = None;
    let (mut files, pages) = (written.files.into_inner(), written.pages.into_inner());
    if let Some(pages) = written.searchable {
        let indexed = search_index_into(&model, sync::into_inner(pages), &staging)?;
        files += indexed.files;
        search = Some(SearchReport::of(&indexed));
    }
    staging.save_keys(cache.page_keys());
    warnings.extend(staging.finish()?);
    Ok(BuildReport {
        warnings,
        events: model.events.len(),
        pages,
        files,
        reused: cache.reused(),
        output,
        elapsed: started.elapsed(),
        search,
    })
}

/// Where `build` sends rendered files: to the disk at once, counted, and the searchable pages
/// noted for the index when the site has search.
struct Written<'a> {
    staging: &'a output::Staging,
    searchable: Option<std::sync::Mutex<Vec<search::Page>>>,
    files: std::sync::atomic::AtomicUsize,
    pages: std::sync::atomic::AtomicUsize,
}

impl render::Sink for Written<'_> {
    fn accept(&self, file: OutputFile) -> Result<()> {
        use std::sync::atomic::Ordering::Relaxed;
        self.staging.write(&file)?;
        self.files.fetch_add(1, Relaxed);
        if file.path.ends_with(".html") {
            self.pages.fetch_add(1, Relaxed);
        }
        if let Some(pages) = &self.searchable
            && let Some(page) = search::Page::of(&file)
        {
            sync::lock(pages).push(page);
        }
        Ok(())
    }
}

/// Indexes the rendered pages and adds the index to the site's files, unless the site turned
/// search off: what `publish` writes. What `output` holds of an earlier build's index is
/// carried over where it was built from the same pages.
pub(crate) fn add_search_index(built: &mut Built, output: &Path) -> Result<Option<SearchReport>> {
    if !built.model.site.search {
        return Ok(None);
    }
    let index = with_sources(&built.model, output, |sources| {
        search::index(&built.files, sources)
    })?;
    let report = SearchReport::of(&index.summary());
    built.files.extend(index.files);
    built.files.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(Some(report))
}

/// Indexes the pages `build` wrote into `staging`, reading back those of the bundles to build
/// and writing each bundle as it is ready: an update to a recent event re-indexes only the
/// main bundle's pages, and the rest is carried over from the build in the output folder.
fn search_index_into(
    model: &Model,
    pages: Vec<search::Page>,
    staging: &output::Staging,
) -> Result<search::Indexed> {
    with_sources(model, staging.output(), |sources| {
        search::index_into(pages, sources, &|path| staging.read_back(path), &|files| {
            staging.write_all(files)
        })
    })
}

/// What the index is made with: when each event started, and the index of the build in
/// `output`, to carry over from (docs/search.md, "Bundles").
fn with_sources<T>(model: &Model, output: &Path, index: impl FnOnce(&search::Sources) -> T) -> T {
    let dated = dated_pages(model);
    let previous = output::previous_build(output);
    let sources = search::Sources {
        dated: &|path| dated.get(path).copied(),
        previous: &|dir, except| previous.files_under(dir, except),
    };
    index(&sources)
}

/// The page of each event, with when it started in the site's time zone and whether that was
/// before this year: what the search index's bundles are made by (docs/search.md).
pub(crate) fn dated_pages(model: &Model) -> std::collections::HashMap<String, search::Dated> {
    let zone = model.site.time_zone;
    let this_year = time::local_date(model.now, zone).year();
    model
        .events
        .iter()
        .map(|event| {
            let year = time::local_date(event.start(), zone).year();
            let date = search::Dated {
                year,
                start: event.start().timestamp_millis(),
                archived: year < this_year,
            };
            (format!("{}index.html", event.path()), date)
        })
        .collect()
}

impl SearchReport {
    fn of(indexed: &search::Indexed) -> Self {
        SearchReport {
            pages: indexed.pages,
            files: indexed.files,
            bytes: indexed.bytes,
            carried_over: indexed.carried_over,
            elapsed: indexed.elapsed,
        }
    }
}
