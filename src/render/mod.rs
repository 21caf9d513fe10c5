//! Rendering: the model in, files out. Pure: nothing here reads or writes the disk; `output`
//! decides where the bytes go (and `serve` keeps them in memory).

pub mod api;
pub mod badge;
pub mod feeds;
pub mod html;
pub mod ics;
pub mod sitemap;
pub mod uptime_json;
pub mod views;

use rayon::prelude::*;

use crate::error::Error;
use crate::model::Model;
use crate::theme::Theme;

/// One file of the built site.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutputFile {
    /// Relative to the output folder, with forward slashes: `incidents/x/index.html`.
    pub path: String,
    pub bytes: Vec<u8>,
}

impl OutputFile {
    pub fn new(path: impl Into<String>, bytes: impl Into<Vec<u8>>) -> Self {
        OutputFile {
            path: path.into(),
            bytes: bytes.into(),
        }
    }
}

/// Renders the whole site, sorted by path so the output never depends on thread timing.
pub fn site(model: &Model, theme: &Theme) -> Result<Vec<OutputFile>, Error> {
    let renderer = html::Renderer::new(theme, model)?;
    let prepared = html::Prepared::new(model);
    let mut files = renderer.pages(model, &prepared)?;
    files.push(uptime_json::render(model, &prepared.uptimes));
    files.extend(feeds::render(model));
    files.extend(api::render(model));
    files.push(ics::render(model));
    files.extend(badge::render(model));
    let mut pages: Vec<&str> = files
        .iter()
        .map(|f| f.path.as_str())
        .filter(|p| p.ends_with(".html"))
        .collect();
    pages.sort_unstable();
    let sitemap = sitemap::render(model, &pages);
    files.extend(sitemap);
    files.extend(
        theme
            .statics
            .iter()
            .map(|(path, file)| OutputFile::new(path.clone(), file.bytes.clone())),
    );
    files.par_sort_by(|a, b| a.path.cmp(&b.path));
    Ok(files)
}
