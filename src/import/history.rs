//! A status history as any source holds it, before it becomes sitrep's files: what the
//! Statuspage and cState readers produce, and what the plan turns into event files and
//! components (docs/importing.md). Plain data; ids are the source's own.

use chrono::{DateTime, Utc};

use crate::model::{ComponentStatus, Impact, Kind, UpdateStatus};

/// Everything one import read.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct History {
    /// The page's name and address, where the source has them: a new site's title and
    /// `base_url`.
    pub page: Option<PageInfo>,
    /// In the source's display order.
    pub components: Vec<SourceComponent>,
    pub events: Vec<SourceEvent>,
    /// What the source holds that sitrep cannot keep, in words: the summary lists them.
    pub lost: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PageInfo {
    pub name: String,
    pub url: Option<String>,
    /// An IANA zone name, when the source gives one.
    pub time_zone: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SourceComponent {
    /// The source's id (Statuspage's `id`, cState's system name): what events refer to.
    pub key: String,
    pub name: String,
    pub description: Option<String>,
    pub group: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct SourceEvent {
    /// Unique within the source, stable across imports: `statuspage:PAGE:ID`,
    /// `cstate:FILE`. The import record maps it to the file it became.
    pub key: String,
    pub title: String,
    pub kind: Kind,
    /// An explicit impact (Statuspage's `impact_override` or `impact`); `None` derives it.
    pub impact: Option<Impact>,
    /// A maintenance's window.
    pub scheduled: Option<(DateTime<Utc>, DateTime<Utc>)>,
    /// Components affected from the first update on: source component key → status.
    pub components: Vec<(String, ComponentStatus)>,
    /// Oldest first.
    pub updates: Vec<SourceUpdate>,
    /// The post-mortem, Markdown.
    pub body: String,
    /// Left out of the build until someone publishes it (cState's `draft: true`).
    pub draft: bool,
    /// Where in the source it came from, for messages: `incidents.json, incident abc123`.
    pub origin: String,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct SourceUpdate {
    pub at: DateTime<Utc>,
    pub status: UpdateStatus,
    pub message: String,
    /// Statuses that change from this update on: source component key → status.
    pub components: Vec<(String, ComponentStatus)>,
}
