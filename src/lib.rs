//! sitrep turns a folder of Markdown incident reports and a `site.yaml` into a static status site.
//!
//! The pipeline, one module per stage: [`config`] → [`content`] → [`model`] → [`render`] →
//! [`output`]. The library never prints; the binary does.

pub mod config;
pub mod error;
pub mod model;
pub mod suggest;
pub mod time;
pub mod yaml;

pub use error::{Diagnostic, Error, Result};
