//! What an import writes, worked out before anything is written (docs/importing.md): the
//! components to add to site.yaml, one event file per source event, and which files are left
//! alone because someone edited them since the last import. Pure: the history, the site as it
//! is and the import record in, a plan out.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};

use chrono_tz::Tz;

use super::history::{History, SourceComponent, SourceEvent, SourceUpdate};
use super::record::{Record, digest};
use crate::authoring::yaml_value;
use crate::content::event::slug_of;
use crate::model::{ComponentStatus, Kind};

/// A component as site.yaml will list it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct NewComponent {
    pub id: String,
    pub name: String,
    pub description: Option<String>,
    pub group: Option<String>,
}

/// One event file to write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct FileWrite {
    /// Relative to the site folder.
    pub path: PathBuf,
    pub text: String,
    /// The source event's key, for the record.
    pub key: String,
    /// Where in the source it came from, for messages.
    pub origin: String,
    /// No file is there yet.
    pub new: bool,
}

/// Why a source event's file was left as it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Kept {
    pub path: PathBuf,
    pub why: &'static str,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Plan {
    /// Components site.yaml lacks, in the source's order.
    pub components: Vec<NewComponent>,
    pub writes: Vec<FileWrite>,
    /// Files already as the source says.
    pub unchanged: usize,
    /// Files edited since they were imported, or not made by an import: never overwritten.
    pub kept: Vec<Kept>,
    /// Every source event's file, kept, unchanged or written: the record after the import.
    pub record: Record,
}

/// What is at a path of the site folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum OnDisk {
    Missing,
    Text(String),
    /// Something that is not a readable event file: a pipe, a device, a file too large.
    Unreadable,
}

/// The site as it is: its components (id → name) and the event files already there.
pub(crate) struct Existing<'a> {
    pub components: &'a [(String, String)],
    pub zone: Tz,
    /// Every slug in use, with its file.
    pub slugs: &'a HashMap<String, PathBuf>,
    /// What is at a path of the site folder.
    pub read: &'a dyn Fn(&Path) -> OnDisk,
    pub record: &'a Record,
}

pub(crate) fn plan(history: &History, site: &Existing<'_>) -> Plan {
    let (ids, components) = component_ids(&history.components, site.components);
    let mut plan = Plan {
        components,
        ..Plan::default()
    };
    let mut slugs = Unique::default();
    for event in &history.events {
        let text = event_file(event, &ids);
        let recorded = site.record.path_of(&event.key).map(Path::to_path_buf);
        let path = match &recorded {
            Some(path) => {
                slugs.used.insert(stem(path));
                path.clone()
            }
            None => new_path(event, &text, site, &mut slugs),
        };
        let written = digest(&text);
        match (site.read)(&path) {
            OnDisk::Text(current) if current == text => plan.unchanged += 1,
            OnDisk::Text(current) if !site.record.wrote(&event.key, &digest(&current)) => {
                plan.kept.push(Kept {
                    path: path.clone(),
                    why: "edited since it was imported",
                });
                // The record keeps what the import wrote, never the edit: the edit stays
                // an edit on every later import.
                plan.record.copy_from(site.record, &event.key);
                continue;
            }
            OnDisk::Unreadable => {
                plan.kept.push(Kept {
                    path: path.clone(),
                    why: "it is not a file sitrep can read (a pipe, a device, too large)",
                });
                plan.record.copy_from(site.record, &event.key);
                continue;
            }
            on_disk => plan.writes.push(FileWrite {
                path: path.clone(),
                text,
                key: event.key.clone(),
                origin: event.origin.clone(),
                new: on_disk == OnDisk::Missing,
            }),
        }
        plan.record.keep(&event.key, &path, &written);
    }
    plan
}

/// Names handed out in one import: each base name's next number is remembered, so a
/// thousand incidents of one title on one day cost a thousand steps, not half a million.
#[derive(Debug, Default)]
struct Unique {
    used: HashSet<String>,
    next: HashMap<String, usize>,
}

impl Unique {
    /// `base`, or `base-2`, `base-3`, …: the first not handed out yet that `usable` accepts.
    fn claim(&mut self, base: &str, usable: impl Fn(&str) -> bool) -> String {
        let mut n = self.next.get(base).copied().unwrap_or(1);
        loop {
            let candidate = match n {
                1 => base.to_string(),
                n => format!("{base}-{n}"),
            };
            n += 1;
            if !self.used.contains(&candidate) && usable(&candidate) {
                self.next.insert(base.to_string(), n);
                self.used.insert(candidate.clone());
                return candidate;
            }
        }
    }
}

/// Source component key → sitrep id, and the components site.yaml must gain. A component
/// the site already lists by the same name keeps the site's id.
fn component_ids(
    source: &[SourceComponent],
    site: &[(String, String)],
) -> (HashMap<String, String>, Vec<NewComponent>) {
    let by_name: HashMap<&str, &str> = site
        .iter()
        .map(|(id, name)| (name.as_str(), id.as_str()))
        .collect();
    let mut ids_in_use = Unique::default();
    ids_in_use
        .used
        .extend(site.iter().map(|(id, _)| id.clone()));
    let mut ids = HashMap::new();
    let mut added = Vec::new();
    for c in source {
        if let Some(id) = by_name.get(c.name.as_str()) {
            ids.insert(c.key.clone(), id.to_string());
            continue;
        }
        let id = ids_in_use.claim(&slug_or(&c.name, "component"), |_| true);
        ids.insert(c.key.clone(), id.clone());
        added.push(NewComponent {
            id,
            name: c.name.clone(),
            description: c.description.clone(),
            group: c.group.clone(),
        });
    }
    (ids, added)
}

fn slug_or(text: &str, fallback: &str) -> String {
    let slug = slug_of(text);
    let mut cut = String::new();
    // Ids and slugs stay short enough to type: whole words up to 60 characters.
    for word in slug.split('-') {
        if !cut.is_empty() && cut.len() + word.len() >= 60 {
            break;
        }
        if !cut.is_empty() {
            cut.push('-');
        }
        cut.push_str(word);
    }
    if cut.is_empty() {
        fallback.to_string()
    } else {
        cut
    }
}

fn stem(path: &Path) -> String {
    slug_of(
        &path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default(),
    )
}

/// `incidents/YYYY/YYYY-MM-DD-title.md`, the date of its first update (or its window's start)
/// in the site's time zone; `-2`, `-3`, … when that slug is taken by another event, or a file
/// of other text is at that path. A file holding exactly `text` (left by an import that was
/// interrupted before its record) is the event's own.
fn new_path(event: &SourceEvent, text: &str, site: &Existing<'_>, slugs: &mut Unique) -> PathBuf {
    let start = event
        .updates
        .first()
        .map(|u| u.at)
        .or(event.scheduled.map(|(start, _)| start))
        .unwrap_or_default()
        .with_timezone(&site.zone);
    let folder = PathBuf::from(crate::content::EVENTS_DIR).join(start.format("%Y").to_string());
    let base = format!(
        "{}-{}",
        start.format("%Y-%m-%d"),
        slug_or(&event.title, "event")
    );
    let path_of = |slug: &str| folder.join(format!("{slug}.md"));
    let slug = slugs.claim(&base, |slug| {
        let path = path_of(slug);
        let own = || (site.read)(&path) == OnDisk::Text(text.to_string());
        match site.slugs.get(slug) {
            Some(existing) => *existing == path && own(),
            None => match (site.read)(&path) {
                OnDisk::Missing => true,
                OnDisk::Text(current) => current == text,
                OnDisk::Unreadable => false,
            },
        }
    });
    path_of(&slug)
}

/// The event file: front matter as content.md describes it, then the post-mortem.
pub(crate) fn event_file(event: &SourceEvent, ids: &HashMap<String, String>) -> String {
    let mut text = String::from("---\n");
    text.push_str(&format!("title: {}\n", yaml_value(&event.title, 0)));
    if event.kind != Kind::Incident {
        text.push_str(&format!("kind: {}\n", event.kind));
    }
    if let Some(impact) = event.impact {
        text.push_str(&format!("impact: {impact}\n"));
    }
    if let Some((start, end)) = event.scheduled {
        text.push_str(&format!(
            "scheduled: {{ start: {}, end: {} }}\n",
            crate::time::rfc3339_utc(start),
            crate::time::rfc3339_utc(end)
        ));
    }
    push_components(&mut text, "components", &event.components, ids, 0);
    text.push_str("timeline:\n");
    for update in &event.updates {
        push_update(&mut text, update, ids);
    }
    if event.draft {
        text.push_str("draft: true\n");
    }
    text.push_str("---\n");
    if !event.body.trim().is_empty() {
        text.push_str(event.body.trim_end());
        text.push('\n');
    }
    text
}

fn push_update(text: &mut String, update: &SourceUpdate, ids: &HashMap<String, String>) {
    text.push_str(&format!(
        "  - at: {}\n",
        crate::time::rfc3339_utc(update.at)
    ));
    text.push_str(&format!("    status: {}\n", update.status));
    text.push_str(&format!(
        "    message: {}\n",
        yaml_value(&update.message, 4)
    ));
    push_components(text, "components", &update.components, ids, 4);
}

/// `components:` as a map of id → status, each source key by its sitrep id; a component
/// named twice keeps its last status.
fn push_components(
    text: &mut String,
    key: &str,
    components: &[(String, ComponentStatus)],
    ids: &HashMap<String, String>,
    indent: usize,
) {
    let mut map: BTreeMap<&str, ComponentStatus> = BTreeMap::new();
    let mut order: Vec<&str> = Vec::new();
    for (source, status) in components {
        let Some(id) = ids.get(source) else { continue };
        if map.insert(id.as_str(), *status).is_none() {
            order.push(id);
        }
    }
    if order.is_empty() {
        return;
    }
    let pad = " ".repeat(indent);
    text.push_str(&format!("{pad}{key}:\n"));
    for id in order {
        // Quoted when YAML would read it as something else (`null`, `2024`).
        text.push_str(&format!("{pad}  {}: {}\n", yaml_value(id, 0), map[id]));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::UpdateStatus;

    fn at(text: &str) -> chrono::DateTime<chrono::Utc> {
        crate::time::parse_timestamp(text, Tz::UTC).expect("time")
    }

    fn history() -> History {
        History {
            components: vec![
                SourceComponent {
                    key: "abc".into(),
                    name: "API Requests".into(),
                    description: None,
                    group: Some("Core".into()),
                },
                SourceComponent {
                    key: "def".into(),
                    name: "Website".into(),
                    description: None,
                    group: None,
                },
            ],
            events: vec![SourceEvent {
                key: "statuspage:p:1".into(),
                title: "Degraded: API (v2.1) errors".into(),
                kind: Kind::Incident,
                impact: Some(crate::model::Impact::Minor),
                scheduled: None,
                components: vec![("abc".into(), ComponentStatus::DegradedPerformance)],
                updates: vec![
                    SourceUpdate {
                        at: at("2023-02-18T04:44:56.416Z"),
                        status: UpdateStatus::Investigating,
                        message: "We are looking: <b>now</b>.".into(),
                        components: vec![],
                    },
                    SourceUpdate {
                        at: at("2023-02-18T04:44:56.486Z"),
                        status: UpdateStatus::Resolved,
                        message: "Fixed.\n\nAll good.".into(),
                        components: vec![("abc".into(), ComponentStatus::Operational)],
                    },
                ],
                body: String::new(),
                draft: false,
                origin: "incidents.json".into(),
            }],
            ..History::default()
        }
    }

    fn plan_for(
        history: &History,
        files: &HashMap<PathBuf, String>,
        record: &Record,
        site_components: &[(String, String)],
    ) -> Plan {
        let slugs = HashMap::new();
        let read = |p: &Path| files.get(p).cloned().map_or(OnDisk::Missing, OnDisk::Text);
        plan(
            history,
            &Existing {
                components: site_components,
                zone: Tz::UTC,
                slugs: &slugs,
                read: &read,
                record,
            },
        )
    }

    #[test]
    fn events_become_files_and_components_get_ids_from_their_names() {
        let site = [("website".to_string(), "Website".to_string())];
        let plan = plan_for(&history(), &HashMap::new(), &Record::default(), &site);
        assert_eq!(
            plan.components,
            [NewComponent {
                id: "api-requests".into(),
                name: "API Requests".into(),
                description: None,
                group: Some("Core".into()),
            }],
            "Website is already on the site"
        );
        let write = &plan.writes[0];
        assert_eq!(
            write.path,
            Path::new("incidents/2023/2023-02-18-degraded-api-v2-1-errors.md")
        );
        assert_eq!(
            write.text,
            "---\ntitle: \"Degraded: API (v2.1) errors\"\nimpact: minor\ncomponents:\n  api-requests: degraded_performance\ntimeline:\n  - at: 2023-02-18T04:44:56.416Z\n    status: investigating\n    message: \"We are looking: <b>now</b>.\"\n  - at: 2023-02-18T04:44:56.486Z\n    status: resolved\n    message: |-\n      Fixed.\n\n      All good.\n    components:\n      api-requests: operational\n---\n"
        );
    }

    #[test]
    fn importing_again_changes_nothing_and_never_overwrites_a_hand_edit() {
        let history = history();
        let first = plan_for(&history, &HashMap::new(), &Record::default(), &[]);
        let write = &first.writes[0];
        let mut files = HashMap::from([(write.path.clone(), write.text.clone())]);
        let again = plan_for(&history, &files, &first.record, &[]);
        assert_eq!((again.writes.len(), again.unchanged), (0, 1));

        files.insert(
            write.path.clone(),
            format!("{}Edited by hand.\n", write.text),
        );
        let mut changed = history.clone();
        changed.events[0].title = "API errors (renamed at the source)".into();
        let after_edit = plan_for(&changed, &files, &first.record, &[]);
        assert!(after_edit.writes.is_empty());
        assert_eq!(
            after_edit.kept,
            [Kept {
                path: write.path.clone(),
                why: "edited since it was imported"
            }]
        );

        let untouched = HashMap::from([(write.path.clone(), write.text.clone())]);
        let updated = plan_for(&changed, &untouched, &first.record, &[]);
        assert_eq!(
            updated.writes.len(),
            1,
            "an unedited file follows the source"
        );
        assert_eq!(updated.writes[0].path, write.path, "under its first name");

        // An edit stays an edit on every later import, not only the next.
        let later = plan_for(&changed, &files, &after_edit.record, &[]);
        assert!(
            later.writes.is_empty() && later.kept.len() == 1,
            "{later:?}"
        );

        // A file of someone else's at the path an import would choose is left alone: the
        // event takes the next name.
        let not_ours = HashMap::from([(write.path.clone(), "---\ntitle: Mine\n".to_string())]);
        let fresh = plan_for(&history, &not_ours, &Record::default(), &[]);
        assert!(fresh.kept.is_empty());
        assert_eq!(
            fresh.writes[0].path,
            Path::new("incidents/2023/2023-02-18-degraded-api-v2-1-errors-2.md")
        );

        // A file an interrupted import wrote, with no record of it, is the event's own.
        let left = HashMap::from([(write.path.clone(), write.text.clone())]);
        let resumed = plan_for(&history, &left, &Record::default(), &[]);
        assert_eq!((resumed.writes.len(), resumed.unchanged), (0, 1));
    }

    #[test]
    fn ids_yaml_would_misread_are_quoted_and_same_names_get_numbers() {
        let mut history = history();
        history.components = (0..3)
            .map(|i| SourceComponent {
                key: format!("k{i}"),
                name: "null".into(),
                description: None,
                group: None,
            })
            .collect();
        history.events[0].components = vec![("k1".into(), ComponentStatus::MajorOutage)];
        let plan = plan_for(&history, &HashMap::new(), &Record::default(), &[]);
        let ids: Vec<&str> = plan.components.iter().map(|c| c.id.as_str()).collect();
        assert_eq!(ids, ["null", "null-2", "null-3"]);
        assert!(
            plan.writes[0]
                .text
                .contains("components:\n  null-2: major_outage\n")
        );
        history.events[0].components = vec![("k0".into(), ComponentStatus::MajorOutage)];
        let plan = plan_for(&history, &HashMap::new(), &Record::default(), &[]);
        assert!(
            plan.writes[0]
                .text
                .contains("components:\n  \"null\": major_outage\n"),
            "{}",
            plan.writes[0].text
        );
    }
}
