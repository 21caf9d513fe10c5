//! sitrep turns a folder of Markdown incident reports and a `site.yaml` into a static status site.
//!
//! The pipeline: `config` (site.yaml) → `content` (the event files) → `model` (what is true at
//! "now") → `render` (pages, feeds, API; pure) → `output` (the only writer of the output
//! folder), run whole by [`build`], [`check_site`] and [`render_site`] (`pipeline`). At the
//! edge: [`session`] and [`serve`] for the live preview, [`authoring`] for `new`, `update` and
//! `init`, [`import`] and [`ingest`] for events that come from elsewhere, [`publish`] and
//! [`announce`] for getting the site and its updates to readers. The library never prints; the
//! binary does.
//!
//! # Layers
//!
//! A module imports only from its own layer or the ones listed before it, and no two modules
//! import each other, however indirectly (the `layers` test reads this list). The model comes
//! before content because it owns the types the event files are read into.
//!
//! - layer: error yaml suggest files fingerprint time status markdown svg redact sync retry runtime
//!   atomic http
//! - layer: config
//! - layer: model
//! - layer: content theme i18n
//! - layer: render
//! - layer: load search output
//! - layer: pipeline
//! - layer: session authoring publish
//! - layer: serve import announce
//! - layer: ingest
//! - layer: report

pub mod announce;
pub(crate) mod atomic;
pub mod authoring;
pub(crate) mod config;
pub(crate) mod content;
pub mod error;
pub(crate) mod files;
pub(crate) mod fingerprint;
pub(crate) mod http;
pub(crate) mod i18n;
pub mod import;
pub mod ingest;
pub(crate) mod load;
pub(crate) mod markdown;
pub(crate) mod model;
pub(crate) mod output;
pub(crate) mod pipeline;
pub mod publish;
pub(crate) mod redact;
pub(crate) mod render;
mod report;
pub(crate) mod retry;
pub(crate) mod runtime;
pub(crate) mod search;
pub mod serve;
pub mod session;
pub(crate) mod status;
pub(crate) mod suggest;
pub(crate) mod svg;
pub(crate) mod sync;
pub(crate) mod theme;
pub(crate) mod time;
pub(crate) mod yaml;

#[doc(hidden)]
pub mod fuzzing;
#[cfg(test)]
mod layers;
#[cfg(test)]
mod proptests;

pub use error::{Diagnostic, Error, ErrorCode, Position, Result};
pub use pipeline::{
    BuildOptions, BuildReport, Built, Checked, SearchReport, build, check_site, render_site,
};
pub use render::OutputFile;
pub use report::report_of;
pub use time::Now;
