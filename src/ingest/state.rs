//! What earlier alerts did: `incidents/.sitrep-ingest.json`, alert group → the incident it
//! opened and which of its alerts still fire (docs/ingesting.md, "Repeats and replays"). A
//! hidden file, so no scan reads it as an event; read and written under the authoring lock,
//! so two receivers on one site never open the same incident twice.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Where the record lives, relative to the site folder.
pub(crate) const STATE_PATH: &str = "incidents/.sitrep-ingest.json";

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct State {
    pub version: u32,
    /// Alert group → its latest incident.
    #[serde(default)]
    pub groups: BTreeMap<String, Group>,
    /// `group alert-id` → when sitrep first saw it fire, for alerts whose source gives no
    /// start time and whose rule says `after:`.
    #[serde(default)]
    pub first_seen: BTreeMap<String, DateTime<Utc>>,
}

/// One alert group's incident.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Group {
    /// The incident file, relative to the site folder; empty until it is written.
    pub path: PathBuf,
    /// Component → status, as sitrep wrote them.
    pub components: BTreeMap<String, String>,
    /// Alerts that counted and have not cleared.
    pub firing: BTreeSet<String>,
    pub opened_at: DateTime<Utc>,
    /// When the `on_resolve` update was added; the group's next firing opens a new incident.
    #[serde(default)]
    pub resolved_at: Option<DateTime<Utc>>,
    /// `monitoring` or `resolved`, from the rule that opened it.
    pub on_resolve: String,
    #[serde(default)]
    pub publish: bool,
}

impl State {
    /// Reads a record; `Err` names what is wrong with it.
    pub(crate) fn parse(text: &str) -> Result<State, String> {
        let state: State = serde_json::from_str(text).map_err(|e| e.to_string())?;
        if state.version != 1 {
            return Err(format!(
                "version {} is not one this sitrep writes (1)",
                state.version
            ));
        }
        Ok(state)
    }

    pub(crate) fn to_json(&self) -> String {
        let mut state = self.clone();
        state.version = 1;
        serde_json::to_string_pretty(&state).unwrap_or_default() + "\n"
    }

    /// The group's incident while it is open (written and not yet resolved).
    pub(crate) fn open(&self, group: &str) -> Option<&Group> {
        self.groups.get(group).filter(|g| g.resolved_at.is_none())
    }
}
