//! sitrep turns a folder of Markdown incident reports and a `site.yaml` into a static status site.
//!
//! The pipeline, one module per stage: [`config`] → [`content`] → [`model`] → [`render`] →
//! [`output`]. The library never prints; the binary does.

pub mod announce;
pub mod authoring;
pub mod config;
pub mod content;
pub mod error;
pub mod fingerprint;
pub mod i18n;
pub mod markdown;
pub mod model;
pub mod output;
pub mod publish;
pub mod render;
pub mod serve;
pub mod session;
pub mod suggest;
pub mod theme;
pub mod time;
pub mod yaml;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

pub use error::{Diagnostic, Error, Result};
use model::Model;
use render::OutputFile;

/// What the build's "now" is (content.md, "Now"), as the caller found it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Now {
    /// `--now TIMESTAMP`, read in the site's time zone when it has no offset.
    Given(String),
    /// `SOURCE_DATE_EPOCH`: seconds since 1970.
    SourceDateEpoch(String),
    /// The clock.
    At(DateTime<Utc>),
}

impl Now {
    pub fn resolve(&self, zone: Tz) -> Result<DateTime<Utc>> {
        match self {
            Now::Given(text) => time::parse_timestamp(text, zone).map_err(|e| Error::InvalidNow {
                value: text.clone(),
                reason: format!("{}; {}", e.message, e.help),
            }),
            Now::SourceDateEpoch(text) => text
                .trim()
                .parse::<i64>()
                .ok()
                .and_then(|secs| DateTime::from_timestamp(secs, 0))
                .ok_or_else(|| Error::InvalidNow {
                    value: text.clone(),
                    reason: "SOURCE_DATE_EPOCH must be a whole number of seconds since 1970".into(),
                }),
            Now::At(t) => Ok(*t),
        }
    }
}

#[derive(Debug, Clone)]
pub struct BuildOptions {
    pub root: PathBuf,
    /// Overrides `output:` in site.yaml; relative paths are taken as they are (from the
    /// current folder), as the command line gives them.
    pub output: Option<PathBuf>,
    pub now: Now,
    pub drafts: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuildReport {
    /// Problems that did not stop the build (a theme string missing from a translation, …).
    pub warnings: Vec<String>,
    pub events: usize,
    pub pages: usize,
    pub files: usize,
    pub output: PathBuf,
    pub elapsed: Duration,
}

/// A site read, validated and rendered, but not written.
pub struct Built {
    pub model: Model,
    pub files: Vec<OutputFile>,
    pub warnings: Vec<String>,
}

/// Reads, validates and renders a site without writing anything: what `check` runs, and the
/// first half of `build`.
pub fn render_site(root: &Path, now: &Now, drafts: bool) -> Result<Built> {
    let site = config::load(root)?;
    let now = now.resolve(site.time_zone)?;
    let events = content::load(root, &site).map_err(Error::Content)?;
    let theme = theme::Theme::load(root, &site.theme)?;
    let events: Vec<model::Event> = events.into_iter().filter(|e| drafts || !e.draft).collect();
    let model = Model::new(site, events, now);
    let files = render::site(&model, &theme)?;
    Ok(Built {
        model,
        files: files.files,
        warnings: files.warnings,
    })
}

/// Builds the site into its output folder.
pub fn build(options: &BuildOptions) -> Result<BuildReport> {
    let started = Instant::now();
    let built = render_site(&options.root, &options.now, options.drafts)?;
    let output = options
        .output
        .clone()
        .unwrap_or_else(|| options.root.join(&built.model.site.output));
    output::check_output_dir(&options.root, &output)?;
    output::write_site(&output, &built.files)?;
    Ok(BuildReport {
        warnings: built.warnings.clone(),
        events: built.model.events.len(),
        pages: built
            .files
            .iter()
            .filter(|f| f.path.ends_with(".html"))
            .count(),
        files: built.files.len(),
        output,
        elapsed: started.elapsed(),
    })
}
