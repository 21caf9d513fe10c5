//! Rendering: the model in, files out. Pure: nothing here reads or writes the disk; `output`
//! decides where the bytes go (and `serve` keeps them in memory).

pub(crate) mod api;
pub(crate) mod badge;
pub(crate) mod cache;
pub(crate) mod feeds;
pub(crate) mod html;
pub(crate) mod ics;
pub(crate) mod sitemap;
pub(crate) mod statuspage;
pub(crate) mod uptime_json;
pub(crate) mod views;
pub(crate) mod webhook;

use bytes::Bytes;
use rayon::prelude::*;

pub(crate) use cache::RenderCache;

use crate::error::Error;
use crate::i18n::Translations;
use crate::model::Model;
use crate::sync::{into_inner, lock};
use crate::theme::Theme;

/// One file of the built site.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutputFile {
    /// Relative to the output folder, with forward slashes: `incidents/x/index.html`.
    pub path: String,
    /// The file's contents exactly as written; shared, so copies are cheap.
    pub bytes: Bytes,
}

impl OutputFile {
    /// A file at `path` (relative to the output folder, forward slashes) with these contents.
    pub fn new(path: impl Into<String>, bytes: impl Into<Bytes>) -> Self {
        OutputFile {
            path: path.into(),
            bytes: bytes.into(),
        }
    }
}

/// A rendered site: its files, sorted by path, and what the author should be warned about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RenderedSite {
    pub files: Vec<OutputFile>,
    pub warnings: Vec<String>,
}

/// Every problem of the theme for a site in `language`: its translations and each template.
pub(crate) fn check_theme(theme: &Theme, language: &str) -> Vec<crate::error::Diagnostic> {
    let mut errors = match Translations::load(theme, language) {
        Ok(_) => Vec::new(),
        Err(Error::Content(found)) => found,
        Err(other) => vec![crate::error::Diagnostic::new(
            crate::theme::THEMES_DIR,
            crate::error::ErrorCode::Unreadable,
            other.to_string(),
        )],
    };
    // The zone changes no template's validity, only what `date` prints.
    errors.extend(html::check_templates(theme, chrono_tz::Tz::UTC));
    errors
}

/// Where rendered files go as they are made: kept in memory (`check`, `publish`, `serve`), or
/// written at once (`build`), so that a large site is never held whole. Called from rendering
/// threads, in no particular order.
pub(crate) trait Sink: Sync {
    fn accept(&self, file: OutputFile) -> Result<(), Error>;
}

/// A sink that keeps every file.
#[derive(Default)]
struct Collect {
    files: std::sync::Mutex<Vec<OutputFile>>,
}

impl Sink for Collect {
    fn accept(&self, file: OutputFile) -> Result<(), Error> {
        lock(&self.files).push(file);
        Ok(())
    }
}

/// Renders the whole site, sorted by path so the output never depends on thread timing.
pub(crate) fn site(model: &Model, theme: &Theme) -> Result<RenderedSite, Error> {
    site_cached(model, theme, &mut RenderCache::default())
}

/// Renders the whole site, reusing what `cache` holds from the previous build wherever its
/// inputs are unchanged, and leaves in `cache` what the next build can reuse.
pub(crate) fn site_cached(
    model: &Model,
    theme: &Theme,
    cache: &mut RenderCache,
) -> Result<RenderedSite, Error> {
    let collected = Collect::default();
    let warnings = site_into(model, theme, cache, &collected)?;
    let mut files = into_inner(collected.files);
    files.par_sort_by(|a, b| a.path.cmp(&b.path));
    Ok(RenderedSite { files, warnings })
}

/// The error for a second file at `path`: a theme's static file (or the logo) at the path of a
/// file sitrep makes, named by `origin`, where it came from; else two of the site's own files,
/// whose paths come from event file names and component ids in site.yaml.
fn made_twice(path: &str, origin: Option<&str>) -> Error {
    let (file, message) = match origin {
        Some(origin) => (
            origin,
            format!(
                "`{path}` is a file sitrep makes itself, so this file cannot be put at that path too: rename or move it"
            ),
        ),
        None => (
            crate::config::SITE_FILE,
            format!(
                "two of the site's files would be written at `{path}`: rename the event file or the component id it comes from"
            ),
        ),
    };
    Error::Content(vec![crate::error::Diagnostic::new(
        file,
        crate::error::ErrorCode::InvalidValue,
        message,
    )])
}

/// Renders the whole site into `sink`, file by file as each is made, and returns the warnings.
/// What `cache` holds from the previous build is reused wherever its inputs are unchanged, and
/// what the next build can reuse is left in it — unless it is a [`RenderCache::one_shot`],
/// which keeps nothing, so that memory does not grow with the site.
pub(crate) fn site_into(
    model: &Model,
    theme: &Theme,
    cache: &mut RenderCache,
    sink: &dyn Sink,
) -> Result<Vec<String>, Error> {
    let (t, mut warnings) = Translations::load(theme, &model.site.language)?;
    let zone = model.site.time_zone;
    warnings.extend(model.withheld.iter().map(|w| w.warning(zone)));
    let templates = html::templates(theme, model, &t, cache)?;
    let prepared = html::Prepared::new(model, theme, &t, cache);
    let previous = std::mem::take(&mut cache.files);
    let stored = cache.stored.take();
    let reuse = cache::Reuse::new(&previous, stored.as_ref(), prepared.base_key);
    let keeps = cache.keeps_files();
    let kept = std::sync::Mutex::new(std::collections::HashMap::new());
    // Every path made so far: a path made twice would be written twice, by two threads, and
    // the site would depend on which came last. The sitemap lists the pages among them.
    let made = std::sync::Mutex::new(std::collections::HashSet::new());
    let emit = |file: OutputFile, origin: Option<&str>| {
        if !lock(&made).insert(file.path.clone()) {
            return Err(made_twice(&file.path, origin));
        }
        sink.accept(file)
    };
    // Pages and feeds, which the cache can hand to the next build.
    let rendered = |r: cache::Rendered| {
        if keeps {
            lock(&kept).insert(r.file.path.clone(), (r.key, r.file.bytes.clone()));
        }
        emit(r.file, None)
    };
    let renderer = html::Renderer::new(templates, theme, cache, &t, &reuse);
    renderer.pages(model, &prepared, &rendered)?;
    cache.event_pages = renderer.into_event_pages();
    for feed in feeds::render(model, &cache.markdown, &reuse) {
        rendered(feed)?;
    }
    cache.files = into_inner(kept);
    cache.reused = reuse.reused();
    cache.stored = stored;

    emit(uptime_json::render(model, &prepared.uptimes), None)?;
    for file in api::render(model) {
        emit(file, None)?;
    }
    emit(ics::render(model, &t), None)?;
    for file in badge::render(model, &t) {
        emit(file, None)?;
    }
    let sitemap = {
        let made = lock(&made);
        let mut page_paths: Vec<&str> = made
            .iter()
            .map(String::as_str)
            .filter(|p| p.ends_with(".html"))
            .collect();
        page_paths.sort_unstable();
        sitemap::render(model, &page_paths)
    };
    for file in sitemap {
        emit(file, None)?;
    }
    if let Some(logo) = &model.site.logo {
        let file = OutputFile::new(logo.output_path(), Bytes::copy_from_slice(&logo.bytes));
        emit(file, Some(crate::config::SITE_FILE))?;
    }
    for (path, file) in &theme.statics {
        let origin = Some(file.origin.as_str());
        emit(OutputFile::new(path.clone(), file.bytes.clone()), origin)?;
    }
    // Fingerprinted copies, which the default templates link to; the plain names stay for
    // themes that link to them directly.
    for (path, named) in theme.fingerprinted_assets() {
        if let Some(file) = theme.statics.get(&path) {
            let origin = Some(file.origin.as_str());
            emit(OutputFile::new(named, file.bytes.clone()), origin)?;
        }
    }
    cache.markdown.end_build();
    Ok(warnings)
}
