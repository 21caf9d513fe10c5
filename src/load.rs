//! The one way a site is read: site.yaml, the theme (its templates and translations checked),
//! and the event files, with every error of every layer reported in one run, so that a broken
//! event does not hide a broken template, nor site.yaml a broken translation. `build`,
//! `check`, `publish`, `announce` and the preview server all read a site through here; the
//! preview server keeps its parsed events between rebuilds and hands them in.

use std::path::Path;
use std::sync::Arc;

use crate::config::{self, Site};
use crate::content;
use crate::error::{Diagnostic, Error, Result};
use crate::model::Event;
use crate::render;
use crate::theme::Theme;

/// A site read whole and without errors.
pub(crate) type Loaded = (Site, Vec<Arc<Event>>, Theme);

/// Reads and checks the site in `root`; `drafts` keeps draft events.
pub(crate) fn checked(root: &Path, drafts: bool) -> Result<Loaded> {
    checked_with(root, |site| {
        content::scan(root, site).events_to_build(drafts)
    })
}

/// As [`checked`], with the events read by `events` once site.yaml is known to be valid (the
/// preview server reads only the files that changed).
pub(crate) fn checked_with(
    root: &Path,
    events: impl FnOnce(&Site) -> std::result::Result<Vec<Arc<Event>>, Vec<Diagnostic>>,
) -> Result<Loaded> {
    let mut errors = Vec::new();
    let site = match config::load(root) {
        Ok(site) => Some(site),
        Err(Error::Content(mut found)) => {
            errors.append(&mut found);
            None
        }
        Err(other) => return Err(other),
    };
    let (theme_name, language) = match &site {
        Some(site) => (site.theme.clone(), site.language.clone()),
        None => config::declared_theme_and_language(root),
    };
    let theme = Theme::load(root, &theme_name);
    if let Ok(theme) = &theme {
        errors.extend(render::check_theme(theme, &language));
    }
    let events = site.as_ref().map(|site| {
        events(site).unwrap_or_else(|mut found| {
            errors.append(&mut found);
            Vec::new()
        })
    });
    match (site, events, theme) {
        (_, _, Err(theme_error)) if errors.is_empty() => Err(theme_error),
        (Some(site), Some(events), Ok(theme)) if errors.is_empty() => Ok((site, events, theme)),
        _ => Err(Error::Content(errors)),
    }
}
