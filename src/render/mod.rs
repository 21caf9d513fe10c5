//! Rendering: the model in, files out. Pure: nothing here reads or writes the disk; `output`
//! decides where the bytes go (and `serve` keeps them in memory).

pub(crate) mod api;
pub(crate) mod badge;
pub(crate) mod cache;
pub(crate) mod feeds;
pub(crate) mod html;
pub(crate) mod ics;
pub(crate) mod sitemap;
pub(crate) mod uptime_json;
pub(crate) mod views;

use bytes::Bytes;
use rayon::prelude::*;

pub(crate) use cache::RenderCache;

use crate::error::Error;
use crate::i18n::Translations;
use crate::model::Model;
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
    let (t, mut warnings) = Translations::load(theme, &model.site.language)?;
    let zone = model.site.time_zone;
    warnings.extend(model.withheld.iter().map(|w| w.warning(zone)));
    let templates = html::templates(theme, model, &t, cache)?;
    let prepared = html::Prepared::new(model, theme, &t, cache);
    let previous = std::mem::take(&mut cache.files);
    let reuse = cache::Reuse::new(&previous, prepared.base_key);
    let renderer = html::Renderer::new(templates, theme, cache, &t, &reuse);
    let mut rendered = renderer.pages(model, &prepared)?;
    cache.event_pages = renderer.into_event_pages();
    rendered.extend(feeds::render(model, &cache.markdown, &reuse));
    cache.files = rendered
        .iter()
        .map(|r| (r.file.path.clone(), (r.key, r.file.bytes.clone())))
        .collect();

    let mut files: Vec<OutputFile> = rendered.into_iter().map(|r| r.file).collect();
    files.push(uptime_json::render(model, &prepared.uptimes));
    files.extend(api::render(model));
    files.push(ics::render(model, &t));
    files.extend(badge::render(model, &t));
    let mut page_paths: Vec<&str> = files
        .iter()
        .map(|f| f.path.as_str())
        .filter(|p| p.ends_with(".html"))
        .collect();
    page_paths.sort_unstable();
    let sitemap = sitemap::render(model, &page_paths);
    files.extend(sitemap);
    if let Some(logo) = &model.site.logo {
        files.push(OutputFile::new(
            logo.output_path(),
            Bytes::copy_from_slice(&logo.bytes),
        ));
    }
    files.extend(
        theme
            .statics
            .iter()
            .map(|(path, file)| OutputFile::new(path.clone(), file.bytes.clone())),
    );
    // Fingerprinted copies, which the default templates link to; the plain names stay for
    // themes that link to them directly.
    files.extend(
        theme
            .fingerprinted_assets()
            .into_iter()
            .filter_map(|(path, named)| {
                let file = theme.statics.get(&path)?;
                Some(OutputFile::new(named, file.bytes.clone()))
            }),
    );
    files.par_sort_by(|a, b| a.path.cmp(&b.path));
    cache.markdown.end_build();
    Ok(RenderedSite { files, warnings })
}
