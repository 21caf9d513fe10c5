//! Atlassian Statuspage's documents read into a [`History`] (docs/importing.md, "Statuspage"):
//! the public v2 API (`incidents.json`, `summary.json`, `scheduled-maintenances.json`,
//! `incidents/ID.json`) and the manage API's lists of incidents, components and component
//! groups. Reading is pure: each document is text in, incidents and components out; the
//! union of many keeps each incident at its latest state.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Utc};
use serde::Deserialize;

use super::ImportError;
use super::history::{History, PageInfo, SourceComponent, SourceEvent, SourceUpdate};
use crate::model::{ComponentStatus, Impact, Kind, UpdateStatus};

#[derive(Debug, Clone, Deserialize)]
struct PageMeta {
    name: String,
    url: Option<String>,
    time_zone: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub(crate) struct Incident {
    id: String,
    name: String,
    #[serde(default)]
    impact: Option<String>,
    #[serde(default)]
    impact_override: Option<String>,
    #[serde(default)]
    updated_at: Option<DateTime<Utc>>,
    #[serde(default)]
    scheduled_for: Option<DateTime<Utc>>,
    #[serde(default)]
    scheduled_until: Option<DateTime<Utc>>,
    #[serde(default)]
    incident_updates: Vec<IncidentUpdate>,
    #[serde(default)]
    components: Vec<Component>,
    #[serde(default)]
    postmortem_body: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
struct IncidentUpdate {
    status: String,
    #[serde(default)]
    body: Option<String>,
    created_at: DateTime<Utc>,
    #[serde(default)]
    display_at: Option<DateTime<Utc>>,
    #[serde(default)]
    affected_components: Option<Vec<AffectedComponent>>,
}

#[derive(Debug, Clone, Deserialize)]
struct AffectedComponent {
    code: String,
    name: String,
    #[serde(default)]
    old_status: Option<String>,
    new_status: String,
}

#[derive(Debug, Clone, Deserialize)]
pub(crate) struct Component {
    id: String,
    name: String,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    group_id: Option<String>,
    #[serde(default)]
    group: bool,
    #[serde(default)]
    position: Option<i64>,
    /// A group's members (v2 and the manage API's component groups).
    #[serde(default)]
    components: Vec<serde_json::Value>,
}

/// What the documents read so far hold: incidents by id at their latest state, components
/// by id, the page.
#[derive(Debug, Default)]
pub(crate) struct Collected {
    page: Option<PageMeta>,
    incidents: BTreeMap<String, (Incident, String)>,
    components: BTreeMap<String, Component>,
    /// Component groups given apart (the manage API's `component-groups`): id → (name, members).
    groups: BTreeMap<String, (String, Vec<String>)>,
}

impl Collected {
    /// Adds one document's contents; `origin` names it in messages (a file or an address).
    ///
    /// Any document either API answers with: an object with some of `page`, `incidents`,
    /// `scheduled_maintenances`, `components`, `incident`, `scheduled_maintenance`, or (the
    /// manage API) a bare list of incidents, components or component groups. Each item is
    /// read on its own, so an error names the one that is wrong.
    pub(crate) fn add(&mut self, text: &str, origin: &str) -> Result<(), ImportError> {
        let document: serde_json::Value =
            serde_json::from_str(text).map_err(|e| ImportError::source(origin, e.to_string()))?;
        match document {
            serde_json::Value::Array(items) => {
                for (i, item) in items.into_iter().enumerate() {
                    self.add_listed(item, &format!("[{i}]"), origin)?;
                }
            }
            serde_json::Value::Object(mut fields) => {
                if let Some(meta) = fields.remove("page").filter(|p| !p.is_null()) {
                    let meta: PageMeta = item(meta, "page", origin)?;
                    self.page.get_or_insert(meta);
                }
                for key in ["incident", "scheduled_maintenance"] {
                    if let Some(one) = fields.remove(key).filter(|v| !v.is_null()) {
                        self.add_incident(item(one, key, origin)?, origin);
                    }
                }
                for key in ["incidents", "scheduled_maintenances"] {
                    for (i, one) in list(fields.remove(key), key, origin)? {
                        self.add_incident(item(one, &format!("{key}[{i}]"), origin)?, origin);
                    }
                }
                for (i, one) in list(fields.remove("components"), "components", origin)? {
                    self.add_component(item(one, &format!("components[{i}]"), origin)?);
                }
            }
            _ => {
                return Err(ImportError::source(
                    origin,
                    "not a Statuspage document: an object (incidents.json, summary.json, …) or a list (the manage API) was expected",
                ));
            }
        }
        Ok(())
    }

    /// One item of a manage-API list: incidents have `incident_updates`, component groups
    /// `components` as ids, components the rest.
    fn add_listed(
        &mut self,
        value: serde_json::Value,
        at: &str,
        origin: &str,
    ) -> Result<(), ImportError> {
        if value.get("incident_updates").is_some() {
            self.add_incident(item(value, at, origin)?, origin);
            return Ok(());
        }
        let component: Component = item(value, at, origin)?;
        if component.status_less_group() {
            let members = component.member_ids();
            self.groups
                .insert(component.id.clone(), (component.name.clone(), members));
        } else {
            self.add_component(component);
        }
        Ok(())
    }

    fn add_incident(&mut self, incident: Incident, origin: &str) {
        let newer = self
            .incidents
            .get(&incident.id)
            .is_none_or(|(known, _)| incident.is_newer_than(known));
        if newer {
            self.incidents
                .insert(incident.id.clone(), (incident, origin.to_string()));
        }
    }

    fn add_component(&mut self, component: Component) {
        self.components.insert(component.id.clone(), component);
    }

    /// The history the documents hold together.
    pub(crate) fn into_history(self) -> Result<History, ImportError> {
        let mut history = History {
            page: self.page.clone().map(|p| PageInfo {
                name: p.name,
                url: p.url,
                time_zone: p.time_zone,
            }),
            components: components(&self.components, &self.groups),
            ..History::default()
        };
        let mut known: HashMap<String, ()> = history
            .components
            .iter()
            .map(|c| (c.key.clone(), ()))
            .collect();
        let listed = !history.components.is_empty();
        let mut unlisted = 0;
        let mut empty_bodies = 0;
        for (incident, origin) in self.incidents.into_values() {
            let event = event(&incident, &origin, &mut empty_bodies)?;
            // Components that appear only in old incidents (deleted since) are kept, so the
            // history still names them.
            for (key, name) in incident.component_names() {
                if known.insert(key.clone(), ()).is_none() {
                    if listed {
                        history.lost.push(format!(
                            "component `{name}` appears only in past incidents (it was removed from the page); it is added so their history keeps it"
                        ));
                    }
                    unlisted += 1;
                    history.components.push(SourceComponent {
                        key,
                        name,
                        description: None,
                        group: None,
                    });
                }
            }
            history.events.push(event);
        }
        if !listed && unlisted > 0 {
            history.lost.push(format!(
                "the documents list no components (summary.json or components.json has them, with their order, groups and descriptions); the {unlisted} that incidents name were added without groups"
            ));
        }
        if empty_bodies > 0 {
            history.lost.push(format!(
                "{empty_bodies} update(s) had no text; each says its status instead (\"Resolved.\")"
            ));
        }
        Ok(history)
    }
}

/// One item of a document, or an error naming it: `incidents[3] (id abc): missing field …`.
fn item<T: serde::de::DeserializeOwned>(
    value: serde_json::Value,
    at: &str,
    origin: &str,
) -> Result<T, ImportError> {
    let id = value
        .get("id")
        .and_then(|v| v.as_str())
        .map(|id| format!(" (id `{id}`)"))
        .unwrap_or_default();
    serde_json::from_value(value)
        .map_err(|e| ImportError::source(origin, format!("`{at}`{id}: {e}")))
}

/// The items of a list-valued key, numbered; none when the key is absent or null.
fn list(
    value: Option<serde_json::Value>,
    key: &str,
    origin: &str,
) -> Result<Vec<(usize, serde_json::Value)>, ImportError> {
    match value {
        None | Some(serde_json::Value::Null) => Ok(Vec::new()),
        Some(serde_json::Value::Array(items)) => Ok(items.into_iter().enumerate().collect()),
        Some(_) => Err(ImportError::source(
            origin,
            format!("`{key}` is not a list"),
        )),
    }
}

impl Incident {
    fn is_newer_than(&self, other: &Incident) -> bool {
        let latest = |i: &Incident| {
            i.incident_updates
                .iter()
                .map(|u| u.created_at)
                .max()
                .max(i.updated_at)
        };
        (self.incident_updates.len(), latest(self)) >= (other.incident_updates.len(), latest(other))
    }

    /// Every component the incident names, by id, with its name.
    fn component_names(&self) -> Vec<(String, String)> {
        let listed = self
            .components
            .iter()
            .map(|c| (c.id.clone(), c.name.clone()));
        let affected = self
            .incident_updates
            .iter()
            .flat_map(|u| u.affected_components.iter().flatten())
            .map(|a| (a.code.clone(), a.name.clone()));
        listed.chain(affected).collect()
    }
}

impl Component {
    /// A manage-API component group: members as ids, no status of its own.
    fn status_less_group(&self) -> bool {
        !self.components.is_empty() && self.components.iter().all(|c| c.is_string())
    }

    fn member_ids(&self) -> Vec<String> {
        self.components
            .iter()
            .filter_map(|c| c.as_str().map(str::to_string))
            .collect()
    }
}

/// The page's components in display order, each with its group's name; groups themselves are
/// not components in sitrep.
fn components(
    all: &BTreeMap<String, Component>,
    groups: &BTreeMap<String, (String, Vec<String>)>,
) -> Vec<SourceComponent> {
    let mut group_of: HashMap<&str, &str> = HashMap::new();
    for c in all.values().filter(|c| c.group) {
        group_of.insert(c.id.as_str(), c.name.as_str());
    }
    let mut member_group: HashMap<&str, &str> = HashMap::new();
    for (name, members) in groups.values() {
        for m in members {
            member_group.insert(m.as_str(), name.as_str());
        }
    }
    let mut ordered: Vec<&Component> = all.values().filter(|c| !c.group).collect();
    ordered.sort_by_key(|c| {
        let group_position = c
            .group_id
            .as_deref()
            .and_then(|g| all.get(g))
            .and_then(|g| g.position);
        (group_position.or(c.position), c.position, c.name.clone())
    });
    ordered
        .into_iter()
        .map(|c| SourceComponent {
            key: c.id.clone(),
            name: c.name.clone(),
            description: c.description.clone().filter(|d| !d.trim().is_empty()),
            group: c
                .group_id
                .as_deref()
                .and_then(|g| group_of.get(g).copied())
                .or_else(|| member_group.get(c.id.as_str()).copied())
                .map(str::to_string),
        })
        .collect()
}

fn event(
    incident: &Incident,
    origin: &str,
    empty_bodies: &mut usize,
) -> Result<SourceEvent, ImportError> {
    let item = format!("{origin}, incident `{}` ({})", incident.id, incident.name);
    let kind = if incident.scheduled_for.is_some() {
        Kind::Maintenance
    } else {
        Kind::Incident
    };
    let mut updates: Vec<&IncidentUpdate> = incident.incident_updates.iter().collect();
    updates.sort_by_key(|u| u.display_at.unwrap_or(u.created_at));
    let mut timeline = Vec::new();
    for (i, update) in updates.iter().enumerate() {
        let status = update_status(&update.status, kind)
            .ok_or_else(|| ImportError::source(&item, unknown_status(&update.status, kind)))?;
        let message = match update.body.as_deref().map(str::trim) {
            Some(body) if !body.is_empty() => body.to_string(),
            _ => {
                *empty_bodies += 1;
                status_sentence(status)
            }
        };
        let components = match (i, &update.affected_components) {
            // The first update's components are the event's own, below.
            (0, _) | (_, None) => Vec::new(),
            (_, Some(affected)) => statuses(incident, affected, &item)?,
        };
        timeline.push(SourceUpdate {
            at: update.display_at.unwrap_or(update.created_at),
            status,
            message,
            components,
        });
    }
    Ok(SourceEvent {
        // Statuspage's incident ids are unique across every page, and a document may or may
        // not say which page it is from: the id alone names the incident.
        key: format!("statuspage:{}", incident.id),
        title: incident.name.trim().to_string(),
        kind,
        impact: match kind {
            Kind::Maintenance => None,
            _ => impact(incident),
        },
        scheduled: incident
            .scheduled_for
            .zip(incident.scheduled_until)
            .filter(|(start, end)| end > start),
        components: first_components(incident, kind, &updates, &item)?,
        updates: timeline,
        body: incident
            .postmortem_body
            .clone()
            .filter(|b| !b.trim().is_empty())
            .unwrap_or_default(),
        draft: false,
        origin: item,
    })
}

/// The components an event affects from its first update: what the first update says, or
/// else every component the incident lists, at the status its impact implies.
fn first_components(
    incident: &Incident,
    kind: Kind,
    updates: &[&IncidentUpdate],
    item: &str,
) -> Result<Vec<(String, ComponentStatus)>, ImportError> {
    if let Some(affected) = updates.first().and_then(|u| u.affected_components.as_ref())
        && !affected.is_empty()
    {
        return statuses(incident, affected, item);
    }
    let implied = match kind {
        Kind::Maintenance => Some(ComponentStatus::UnderMaintenance),
        _ => impact(incident)
            .filter(|i| *i != Impact::None)
            .map(Impact::implied_status),
    };
    Ok(implied
        .map(|status| {
            incident
                .components
                .iter()
                .map(|c| (c.id.clone(), status))
                .collect()
        })
        .unwrap_or_default())
}

/// What an update's `affected_components` changes. An entry that changes nothing for a
/// component the incident does not list (Statuspage sends one for every component on the
/// page a person ticked, `operational` to `operational`) is no part of the incident.
fn statuses(
    incident: &Incident,
    affected: &[AffectedComponent],
    item: &str,
) -> Result<Vec<(String, ComponentStatus)>, ImportError> {
    affected
        .iter()
        .filter(|a| {
            a.old_status.as_deref() != Some(a.new_status.as_str())
                || incident.components.iter().any(|c| c.id == a.code)
        })
        .map(|a| {
            ComponentStatus::parse(&a.new_status)
                .map(|s| (a.code.clone(), s))
                .ok_or_else(|| {
                    ImportError::source(
                        item,
                        format!(
                            "unknown component status `{}` for `{}`",
                            a.new_status, a.name
                        ),
                    )
                })
        })
        .collect()
}

fn impact(incident: &Incident) -> Option<Impact> {
    incident
        .impact_override
        .as_deref()
        .or(incident.impact.as_deref())
        .and_then(Impact::parse)
}

/// Statuspage's update statuses are sitrep's, but a maintenance's last update is sometimes
/// `resolved` and an incident's can be `scheduled` (one created as a maintenance, then
/// changed): those are read as the status of the same meaning.
fn update_status(text: &str, kind: Kind) -> Option<UpdateStatus> {
    let status = UpdateStatus::parse(text)?;
    if UpdateStatus::allowed_for(kind).contains(&status) {
        return Some(status);
    }
    match (kind, status) {
        (Kind::Maintenance, UpdateStatus::Resolved | UpdateStatus::Postmortem) => {
            Some(UpdateStatus::Completed)
        }
        (Kind::Maintenance, UpdateStatus::Investigating | UpdateStatus::Identified) => {
            Some(UpdateStatus::InProgress)
        }
        (Kind::Maintenance, UpdateStatus::Monitoring) => Some(UpdateStatus::Verifying),
        (Kind::Incident, UpdateStatus::Scheduled | UpdateStatus::InProgress) => {
            Some(UpdateStatus::Investigating)
        }
        (Kind::Incident, UpdateStatus::Verifying) => Some(UpdateStatus::Monitoring),
        (Kind::Incident, UpdateStatus::Completed) => Some(UpdateStatus::Resolved),
        _ => None,
    }
}

fn unknown_status(text: &str, kind: Kind) -> String {
    let allowed: Vec<&str> = UpdateStatus::allowed_for(kind)
        .iter()
        .map(|s| s.as_str())
        .collect();
    format!(
        "unknown update status `{text}` (a {kind} update is one of {})",
        allowed.join(", ")
    )
}

/// An update without text says its status: `Resolved.`, `In progress.`.
fn status_sentence(status: UpdateStatus) -> String {
    let words = status.as_str().replace('_', " ");
    let mut chars = words.chars();
    let first = chars
        .next()
        .map(|c| c.to_ascii_uppercase())
        .unwrap_or_default();
    format!("{first}{}.", chars.as_str())
}

/// Reads every document `from` names (files, folders of `.json` files, addresses) and, with
/// `page_id`, the manage API's whole history; the union, each incident at its latest state.
pub(crate) fn read(
    from: &[String],
    page_id: Option<&str>,
    api: &str,
    api_key: Option<&str>,
) -> Result<History, ImportError> {
    let mut collected = Collected::default();
    for source in from {
        if source.starts_with("http://") || source.starts_with("https://") {
            let origin = crate::redact::credentials(source).into_owned();
            let text = crate::http::Client::new()
                .get_text(source, &[])
                .map_err(|e| ImportError::Fetch {
                    origin: origin.clone(),
                    source: Box::new(e),
                })?;
            collected.add(&text, &origin)?;
        } else {
            for path in json_files(std::path::Path::new(source))? {
                let text = crate::files::read_text(&path, DOCUMENT_LIMIT).map_err(|e| {
                    ImportError::Fetch {
                        origin: path.display().to_string(),
                        source: Box::new(e),
                    }
                })?;
                collected.add(&text, &path.display().to_string())?;
            }
        }
    }
    if let Some(page_id) = page_id {
        let key = api_key.ok_or_else(|| {
            ImportError::source(
                "the manage API",
                "STATUSPAGE_API_KEY is not set: the manage API needs the page's API key (Statuspage: your avatar → API info)",
            )
        })?;
        manage_api(&mut collected, api, page_id, key)?;
    }
    collected.into_history()
}

/// A Statuspage document is at most this large (a page's whole `incidents.json` is some
/// hundreds of KB).
const DOCUMENT_LIMIT: u64 = 64 * 1024 * 1024;

/// The manage API's page size; it answers at most 100 a page.
const PER_PAGE: usize = 100;

/// At most this many pages of one list (100,000 incidents): a server that answers full pages
/// of new items for ever is cut off rather than followed.
const MAX_PAGES: usize = 1_000;

/// `GET /v1/pages/{id}/incidents`, then `components` and `component-groups`, each
/// `?page=N&per_page=100` until a short page (docs/importing.md, "The manage API").
fn manage_api(
    collected: &mut Collected,
    api: &str,
    page_id: &str,
    key: &str,
) -> Result<(), ImportError> {
    let client = crate::http::Client::new();
    let auth = format!("OAuth {key}");
    let headers = [("Authorization", auth.as_str())];
    let base = format!("{}/v1/pages/{page_id}", api.trim_end_matches('/'));
    // Neither the key nor any credentials in `--api` are ever shown, even when a server
    // echoes them in its answer.
    let shown = |text: &str| crate::redact::credentials(text).replace(key, crate::redact::REDACTED);
    for list in ["incidents", "components", "component-groups"] {
        let mut previous = None;
        for page in 1..=MAX_PAGES {
            let url = format!("{base}/{list}?page={page}&per_page={PER_PAGE}");
            let origin = shown(&url);
            let text = client
                .get_text(&url, &headers)
                .map_err(|e| ImportError::Fetch {
                    origin: origin.clone(),
                    source: Box::new(e.hiding(key)),
                })?;
            let count = serde_json::from_str::<Vec<serde_json::Value>>(&text)
                .map_err(|e| ImportError::source(&origin, format!("not a list: {e}")))?
                .len();
            collected.add(&text, &origin)?;
            // A short page is the last; a page the same as the one before means the server
            // does not page at all.
            if count < PER_PAGE || previous.as_deref() == Some(text.as_str()) {
                break;
            }
            if page == MAX_PAGES {
                return Err(ImportError::source(
                    &origin,
                    format!(
                        "the manage API answered {MAX_PAGES} full pages of {list} and would not stop; nothing was written"
                    ),
                ));
            }
            previous = Some(text);
        }
    }
    Ok(())
}

/// `path` itself, or every `.json` file below it in name order (a git history of snapshots
/// exported as files, say).
fn json_files(path: &std::path::Path) -> Result<Vec<std::path::PathBuf>, ImportError> {
    if !path.is_dir() {
        return Ok(vec![path.to_path_buf()]);
    }
    let mut found = Vec::new();
    for entry in walkdir::WalkDir::new(path).sort_by_file_name() {
        let entry = entry.map_err(|e| ImportError::Fetch {
            origin: path.display().to_string(),
            source: Box::new(e),
        })?;
        let is_json = entry.path().extension().is_some_and(|e| e == "json");
        if entry.file_type().is_file() && is_json {
            found.push(entry.into_path());
        }
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Found by the adversarial pass: any wrong field said only "data did not match any
    /// variant of untagged enum Document", and a bad item in a list was dropped without a word.
    #[test]
    fn a_bad_item_is_named_and_never_dropped() {
        let mut collected = Collected::default();
        let err = collected
            .add(
                r#"{"incidents": [{"id": "ok1", "name": "Fine", "status": "resolved", "incident_updates": []}, {"id": "bad2", "status": "resolved", "incident_updates": []}]}"#,
                "incidents.json",
            )
            .expect_err("refused");
        assert_eq!(
            err.to_string(),
            "incidents.json: `incidents[1]` (id `bad2`): missing field `name`"
        );
        let err = collected
            .add(r#"[{"id": "c1"}]"#, "https://api/v1/pages/p/components")
            .expect_err("refused");
        assert!(
            err.to_string()
                .contains("`[0]` (id `c1`): missing field `name`"),
            "{err}"
        );
        let err = collected.add("42", "x.json").expect_err("refused");
        assert!(
            err.to_string()
                .starts_with("x.json: not a Statuspage document"),
            "{err}"
        );
    }
}
