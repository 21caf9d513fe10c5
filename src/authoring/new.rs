//! `sitrep new "TITLE"`: a new event file with its first update, ready to edit.

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};

use super::{Authored, AuthoringError, lock, parse_word, timestamp_text, write, yaml_value};
use crate::Now;
use crate::config::{self, Site};
use crate::content::{self, EVENTS_DIR};
use crate::files::Existing;
use crate::model::{ComponentStatus, Impact, Kind};
use crate::suggest;
use crate::time;

/// What `sitrep new` was asked for, as the command line gave it: words are checked against
/// their vocabularies by [`run`], with a suggestion for a likely typo.
#[derive(Debug, Clone, Default)]
pub struct NewEvent {
    /// The event's title, plain text; its slug (and file name) is made from it.
    pub title: String,
    /// `incident` (the default), `maintenance` or `notice`.
    pub kind: Option<String>,
    /// `ID` or `ID=STATUS`: affected components, declared in site.yaml. Without a status, an
    /// incident's component takes the status its impact implies (`partial_outage` when no
    /// impact is given), a maintenance's `under_maintenance`. A notice takes none.
    pub components: Vec<String>,
    /// An incident's impact (`none`, `minor`, `major`, `critical`); written only for an
    /// incident.
    pub impact: Option<String>,
    /// A maintenance's scheduled start, a timestamp as event files take it (docs/format.md,
    /// "Timestamps"); required for a maintenance, ignored otherwise.
    pub start: Option<String>,
    /// A maintenance's scheduled end; required for a maintenance, ignored otherwise.
    pub end: Option<String>,
    /// The first update's message (Markdown); without it, a stock sentence for the kind (a
    /// notice's title).
    pub message: Option<String>,
    /// Write `draft: true`, keeping the event out of the built site until a person removes it
    /// (docs/format.md, "Drafts"); `sitrep ingest` writes drafts unless a rule says publish.
    pub draft: bool,
}

/// Writes `incidents/YYYY-MM-DD-SLUG.md` and returns its path relative to the root, with a
/// warning for each other event file that has errors: in the middle of an outage, last
/// month's typo must not stop the author from opening the incident they need.
pub fn run(root: &Path, request: &NewEvent, now: &Now) -> Result<Authored, AuthoringError> {
    let site = config::load(root)?;
    let now = now.resolve(site.time_zone)?;
    let prepared = prepare(&site, request, now)?;
    let _lock = lock(root)?;
    write_new(root, &site, prepared, SlugTaken::Refuse)
}

/// An event file ready to write: its text, checked with the parser `build` uses.
pub(crate) struct Prepared {
    date: String,
    title_slug: String,
    text: String,
}

/// What to do when the slug the title makes is already taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SlugTaken {
    /// Refuse, pointing at `sitrep update` (a person typing `new` twice means the same event).
    Refuse,
    /// Take the next free one, `SLUG-2`, `SLUG-3`, …: for `sitrep ingest`, where two alert
    /// groups with the same title are two incidents (docs/ingesting.md).
    NextFree,
}

/// The file `request` asks for, validated exactly as it will be written.
pub(crate) fn prepare(
    site: &Site,
    request: &NewEvent,
    now: DateTime<Utc>,
) -> Result<Prepared, AuthoringError> {
    let kind = parse_kind(request.kind.as_deref())?;
    let text = event_text(site, kind, request, now)?;
    let title_slug = slug::slugify(&request.title);
    if title_slug.is_empty() {
        return Err(AuthoringError::refused(
            "the title has no letters or digits to make a file name from",
            None,
        ));
    }
    let date = time::local_date(now, site.time_zone)
        .format("%Y-%m-%d")
        .to_string();
    let relative = PathBuf::from(EVENTS_DIR).join(format!("{date}-{title_slug}.md"));
    content::event::parse(&relative, &text, site)?;
    Ok(Prepared {
        date,
        title_slug,
        text,
    })
}

/// Writes a prepared event file, never over another; the caller holds the authoring lock.
pub(crate) fn write_new(
    root: &Path,
    site: &Site,
    prepared: Prepared,
    taken: SlugTaken,
) -> Result<Authored, AuthoringError> {
    let scan = content::scan(root, site);
    let is_taken = |slug: &str| {
        scan.sources.values().find(|s| match &s.parsed {
            Ok(e) => e.slug == slug,
            Err(_) => s.path.file_stem().is_some_and(|stem| stem == slug),
        })
    };
    let base = format!("{}-{}", prepared.date, prepared.title_slug);
    let mut slug = base.clone();
    let mut n = 1;
    while let Some(other) = is_taken(&slug) {
        if taken == SlugTaken::Refuse {
            return Err(AuthoringError::refused(
                format!(
                    "the slug `{slug}` is already used by {}",
                    other.path.display()
                ),
                Some(format!(
                    "to add to it, run `sitrep update {slug} --status …`; or choose another title"
                )),
            ));
        }
        n += 1;
        slug = format!("{base}-{n}");
    }
    let relative = PathBuf::from(EVENTS_DIR).join(format!("{slug}.md"));
    let warnings = scan
        .broken()
        .map(|s| {
            format!(
                "{} has errors (run `sitrep check`); it does not stop this new event, but the site will not build until it is fixed",
                s.path.display()
            )
        })
        .collect();
    write(root, &relative, &prepared.text, Existing::Keep).map_err(|e| match e {
        AuthoringError::Site(crate::Error::Io { source, .. })
            if source.kind() == std::io::ErrorKind::AlreadyExists =>
        {
            AuthoringError::refused(
                format!(
                    "{} already exists; sitrep never overwrites an event",
                    relative.display()
                ),
                Some(format!(
                    "to add to it, run `sitrep update {slug} --status …`"
                )),
            )
        }
        other => other,
    })?;
    Ok(Authored {
        path: relative,
        warnings,
    })
}

fn parse_kind(kind: Option<&str>) -> Result<Kind, AuthoringError> {
    kind.map_or(Ok(Kind::Incident), parse_word)
}

fn event_text(
    site: &Site,
    kind: Kind,
    request: &NewEvent,
    now: DateTime<Utc>,
) -> Result<String, AuthoringError> {
    let impact = request
        .impact
        .as_deref()
        .map(parse_word::<Impact>)
        .transpose()?;
    let components = components(site, kind, impact, &request.components)?;
    let mut text = String::from("---\n");
    text.push_str(&format!("title: {}\n", yaml_value(request.title.trim(), 0)));
    if request.draft {
        text.push_str("draft: true\n");
    }
    if kind != Kind::Incident {
        text.push_str(&format!("kind: {kind}\n"));
    }
    if let (Kind::Incident, Some(impact)) = (kind, impact) {
        text.push_str(&format!("impact: {impact}\n"));
    }
    if !components.is_empty() {
        text.push_str("components:\n");
        for (id, status) in &components {
            text.push_str(&format!("  {id}: {status}\n"));
        }
    }
    if kind == Kind::Maintenance {
        let (start, end) = match (&request.start, &request.end) {
            (Some(s), Some(e)) => (s, e),
            _ => {
                return Err(AuthoringError::bad_option(
                    "a maintenance needs --start and --end",
                    Some("e.g. --start \"2026-12-09 06:00\" --end \"2026-12-09 07:30\"".into()),
                ));
            }
        };
        text.push_str(&format!(
            "scheduled:\n  start: {}\n  end: {}\n",
            yaml_value(start, 2),
            yaml_value(end, 2)
        ));
    }
    let (status, default_message) = match kind {
        Kind::Incident => (
            "investigating",
            "We are investigating reports of a problem and will post an update soon.",
        ),
        Kind::Maintenance => ("scheduled", "This maintenance is scheduled."),
        Kind::Notice => ("posted", request.title.trim()),
    };
    let message = request
        .message
        .as_deref()
        .map(str::trim)
        .filter(|m| !m.is_empty())
        .unwrap_or(default_message);
    text.push_str("timeline:\n");
    text.push_str(&format!(
        "  - at: {}\n",
        timestamp_text(now, site.time_zone)
    ));
    text.push_str(&format!("    status: {status}\n"));
    text.push_str(&format!("    message: {}\n", yaml_value(message, 4)));
    text.push_str("---\n");
    if kind == Kind::Incident {
        text.push_str(POST_MORTEM_SKELETON);
    }
    Ok(text)
}

fn components(
    site: &Site,
    kind: Kind,
    impact: Option<Impact>,
    requested: &[String],
) -> Result<Vec<(String, ComponentStatus)>, AuthoringError> {
    if kind == Kind::Notice && !requested.is_empty() {
        return Err(AuthoringError::bad_option(
            "a notice has no component impact, so it takes no --component",
            None,
        ));
    }
    let default = match kind {
        Kind::Maintenance => ComponentStatus::UnderMaintenance,
        _ => impact.map_or(ComponentStatus::PartialOutage, Impact::implied_status),
    };
    requested
        .iter()
        .map(|spec| {
            let (id, status) = match spec.split_once('=') {
                Some((id, status)) => (id.trim(), Some(status.trim())),
                None => (spec.trim(), None),
            };
            if site.component(id).is_none() {
                return Err(AuthoringError::bad_option(
                    format!("unknown component `{id}`"),
                    suggest::help_for(id, site.component_ids()),
                ));
            }
            let status = match status {
                None => default,
                Some(s) => parse_word::<ComponentStatus>(s)?,
            };
            Ok((id.to_string(), status))
        })
        .collect()
}

/// The post-mortem every incident should end up with; the headings are the ones readers and
/// reviewers look for. It is written inside an HTML comment, so that readers see none of it
/// until the author fills it in and takes out the comment's first and last lines (a body of
/// comments alone is no post-mortem: docs/format.md, "The Markdown body").
const POST_MORTEM_SKELETON: &str = "\
<!-- The post-mortem: readers see none of it until you delete this line and the last one.

## Summary

What happened, in two or three sentences a customer understands.

## Impact

Who was affected, what did not work, and for how long.

## Timeline

| Time | What happened |
|---|---|
| | |

## Root cause

## Resolution

## Action items

- [ ] 
-->
";
