//! The Statuspage v2 public API shapes (docs/feeds-and-api.md, "Statuspage-compatible JSON API"), so that
//! clients, widgets and exporters written for Statuspage read a sitrep site unchanged.

use chrono::{DateTime, Utc};

use super::OutputFile;
use super::statuspage::{
    AffectedComponent, ApiComponent, ComponentsDocument, Incident, IncidentUpdate,
    IncidentsDocument, MaintenancesDocument, Page, Status, StatusDocument, Summary, to_json,
};
use crate::config::{Component, Site};
use crate::model::{ComponentStatus, Event, Kind, Model, Phase, Transition, Update, UpdateStatus};
use crate::time;

/// What every document shares, built once.
/// The page, its status and its components, as every document and notification carries them.
pub(crate) struct Api {
    pub(super) page: Page,
    pub(super) status: Status,
    /// Groups and components, in display order.
    pub(super) components: Vec<ApiComponent>,
}

pub(crate) fn render(model: &Model) -> Vec<OutputFile> {
    let api = Api::new(model);
    let stamp = |t: DateTime<Utc>| time::rfc3339_in(t, model.site.time_zone);
    // Only the events a document lists are turned into Statuspage objects: a site with years of
    // history should not pay for all of them on every build.
    let list = |kind: Kind, phases: &[Phase], limit: usize| -> Vec<Incident> {
        model
            .events
            .iter()
            .filter(|e| {
                e.kind == kind && (phases.is_empty() || phases.contains(&e.phase(model.now)))
            })
            .take(limit)
            .map(|e| incident(model, e, &api.components, &stamp))
            .collect()
    };
    let latest_incidents = list(Kind::Incident, &[], model.site.feed_entries);
    let unresolved = list(Kind::Incident, &[Phase::Ongoing], usize::MAX);
    // The latest `feed_entries` by start, newest first, and every upcoming or active one
    // whatever its place: bounded however long the history (docs/feeds-and-api.md).
    let latest_maintenance: Vec<Incident> = model
        .events
        .iter()
        .filter(|e| e.kind == Kind::Maintenance)
        .enumerate()
        .filter(|(n, e)| {
            *n < model.site.feed_entries
                || matches!(e.phase(model.now), Phase::Upcoming | Phase::Active)
        })
        .map(|(_, e)| incident(model, e, &api.components, &stamp))
        .collect();
    let mut upcoming = list(Kind::Maintenance, &[Phase::Upcoming], usize::MAX);
    // Soonest first, as Statuspage lists them.
    upcoming.reverse();
    let active = list(Kind::Maintenance, &[Phase::Active], usize::MAX);
    let active_and_upcoming: Vec<&Incident> = active.iter().chain(&upcoming).collect();

    let page = &api.page;
    let status = &api.status;
    let incidents = |incidents: &[Incident]| to_json(&IncidentsDocument { page, incidents });
    let maintenances = |scheduled_maintenances: &[Incident]| {
        to_json(&MaintenancesDocument {
            page,
            scheduled_maintenances,
        })
    };
    vec![
        json(
            "api/v2/summary.json",
            &to_json(&Summary {
                page,
                components: &api.components,
                incidents: &unresolved,
                scheduled_maintenances: active_and_upcoming,
                status,
            }),
        ),
        json(
            "api/v2/status.json",
            &to_json(&StatusDocument { page, status }),
        ),
        json(
            "api/v2/components.json",
            &to_json(&ComponentsDocument {
                page,
                components: &api.components,
            }),
        ),
        json("api/v2/incidents.json", &incidents(&latest_incidents)),
        json("api/v2/incidents/unresolved.json", &incidents(&unresolved)),
        json(
            "api/v2/scheduled-maintenances.json",
            &maintenances(&latest_maintenance),
        ),
        json(
            "api/v2/scheduled-maintenances/upcoming.json",
            &maintenances(&upcoming),
        ),
        json(
            "api/v2/scheduled-maintenances/active.json",
            &maintenances(&active),
        ),
    ]
}

fn json(path: &str, value: &serde_json::Value) -> OutputFile {
    let mut bytes = serde_json::to_vec_pretty(value).expect("JSON values always serialize");
    bytes.push(b'\n');
    OutputFile::new(path, bytes)
}

impl Api {
    pub(crate) fn new(model: &Model) -> Self {
        let site = &model.site;
        let stamp = |t: DateTime<Utc>| time::rfc3339_in(t, site.time_zone);
        let overall = model.overall();
        Api {
            page: Page {
                id: page_id(site),
                name: site.title.clone(),
                url: site.base_url.to_string(),
                time_zone: site.time_zone.name().to_string(),
                updated_at: stamp(model.now),
            },
            status: Status {
                indicator: overall.indicator.as_str(),
                description: overall.description(),
            },
            components: components(model, &stamp),
        }
    }
}

/// The page's id: its host, stable for as long as `base_url` is.
fn page_id(site: &Site) -> String {
    site.host.clone()
}

/// A group's id: its name slugged, prefixed so it never collides with a component id.
fn group_id(name: &str) -> String {
    format!("group-{}", slug::slugify(name))
}

/// Groups and components in display order. A group stands where its first member is listed,
/// followed by its members; `position` counts both.
fn components(model: &Model, stamp: &dyn Fn(DateTime<Utc>) -> String) -> Vec<ApiComponent> {
    let mut out = Vec::new();
    for group in model.groups() {
        let members: Vec<ApiComponent> = group
            .components
            .iter()
            .map(|c| component(model, c, stamp))
            .collect();
        if let Some(name) = group.name {
            let id = group_id(name);
            let worst = group
                .components
                .iter()
                .map(|c| model.component_status(&c.id))
                .max()
                .unwrap_or(ComponentStatus::Operational);
            let first = members.first().cloned();
            out.push(ApiComponent {
                id: id.clone(),
                name: name.to_string(),
                status: worst.as_str(),
                created_at: first
                    .as_ref()
                    .map(|m| m.created_at.clone())
                    .unwrap_or_default(),
                updated_at: members
                    .iter()
                    .map(|m| m.updated_at.clone())
                    .max()
                    .unwrap_or_default(),
                position: 0,
                description: None,
                showcase: true,
                start_date: None,
                group_id: None,
                page_id: page_id(&model.site),
                group: true,
                only_show_if_degraded: false,
                components: Some(group.components.iter().map(|c| c.id.clone()).collect()),
            });
            out.extend(members.into_iter().map(|m| ApiComponent {
                group_id: Some(id.clone()),
                ..m
            }));
        } else {
            out.extend(members);
        }
    }
    for (i, c) in out.iter_mut().enumerate() {
        c.position = i + 1;
    }
    out
}

/// A component now. `created_at` is the start of its `since` day, else of the site's first
/// event, else now; `updated_at` the latest update that touched it.
fn component(
    model: &Model,
    c: &Component,
    stamp: &dyn Fn(DateTime<Utc>) -> String,
) -> ApiComponent {
    let zone = model.site.time_zone;
    // Events are sorted newest start first: the last one started first.
    let first_event = model.events.last().map(|e| e.start());
    let created = c
        .since
        .map(|d| time::start_of_day(d, zone))
        .or(first_event)
        .unwrap_or(model.now)
        .min(model.now);
    let updated = model
        .events_for(&c.id)
        .flat_map(|e| e.timeline.iter().map(|u| u.at))
        .filter(|t| *t <= model.now)
        .max()
        .unwrap_or(created)
        .max(created);
    ApiComponent {
        id: c.id.clone(),
        name: c.name.clone(),
        status: model.component_status(&c.id).as_str(),
        created_at: stamp(created),
        updated_at: stamp(updated),
        position: 0,
        description: c.description.clone(),
        showcase: true,
        start_date: c.since.map(|d| d.format("%Y-%m-%d").to_string()),
        group_id: None,
        page_id: page_id(&model.site),
        group: false,
        only_show_if_degraded: false,
        components: None,
    }
}

pub(super) fn incident(
    model: &Model,
    event: &Event,
    all_components: &[ApiComponent],
    stamp: &dyn Fn(DateTime<Utc>) -> String,
) -> Incident {
    let now = model.now;
    let first = event.first_update().map_or_else(|| event.start(), |u| u.at);
    let latest = event.latest_update().map_or(first, |u| u.at);
    let affected_ids: Vec<&str> = event.affected_components().iter().map(|a| a.id).collect();
    let maintenance = event.kind == Kind::Maintenance;
    Incident {
        id: event.slug.clone(),
        name: event.title.clone(),
        status: api_status(event, now),
        created_at: stamp(first),
        updated_at: stamp(latest),
        monitoring_at: event
            .timeline
            .iter()
            .find(|u| u.status == UpdateStatus::Monitoring)
            .map(|u| stamp(u.at)),
        resolved_at: event.end(now).filter(|end| *end <= now).map(stamp),
        impact: if maintenance {
            "maintenance"
        } else {
            event.impact.as_str()
        },
        shortlink: format!("{}{}", model.site.base_url, event.path()),
        started_at: stamp(event.start()),
        page_id: page_id(&model.site),
        incident_updates: updates(model, event, stamp),
        components: all_components
            .iter()
            .filter(|c| !c.group && affected_ids.contains(&c.id.as_str()))
            .cloned()
            .collect(),
        scheduled_for: event.scheduled.map(|w| stamp(w.start)),
        scheduled_until: event.scheduled.map(|w| stamp(w.end)),
    }
}

/// The status clients expect: a maintenance whose window has begun is `in_progress` even if
/// nobody posted so, and one past its scheduled end is `completed`.
fn api_status(event: &Event, now: DateTime<Utc>) -> &'static str {
    let latest = event.latest_update().map(|u| u.status);
    match (event.kind, event.phase(now), latest) {
        (Kind::Maintenance, Phase::Active, None | Some(UpdateStatus::Scheduled)) => "in_progress",
        (Kind::Maintenance, Phase::Past, _) => "completed",
        (Kind::Maintenance, Phase::Upcoming, _) => "scheduled",
        (_, _, Some(status)) => status.as_str(),
        (_, _, None) => "scheduled",
    }
}

/// Newest first, each with the component changes it made (`old_status` → `new_status`), as
/// the model's timeline has them.
fn updates(
    model: &Model,
    event: &Event,
    stamp: &dyn Fn(DateTime<Utc>) -> String,
) -> Vec<IncidentUpdate> {
    let timeline = model.timeline(event);
    let mut out: Vec<IncidentUpdate> = event
        .timeline
        .iter()
        .enumerate()
        .map(|(i, update)| {
            let changes = affected(model, timeline.changes(i));
            incident_update(event, update, changes, stamp)
        })
        .collect();
    out.reverse();
    out
}

fn affected(model: &Model, changes: &[Transition]) -> Option<Vec<AffectedComponent>> {
    let changed: Vec<AffectedComponent> = changes
        .iter()
        .map(|change| AffectedComponent {
            code: change.component.clone(),
            name: model
                .site
                .component(&change.component)
                .map_or_else(|| change.component.clone(), |c| c.name.clone()),
            old_status: change.old.as_str(),
            new_status: change.new.as_str(),
        })
        .collect();
    (!changed.is_empty()).then_some(changed)
}

fn incident_update(
    event: &Event,
    update: &Update,
    affected_components: Option<Vec<AffectedComponent>>,
    stamp: &dyn Fn(DateTime<Utc>) -> String,
) -> IncidentUpdate {
    let at = stamp(update.at);
    IncidentUpdate {
        id: event.update_id(update),
        status: update.status.as_str(),
        body: update.message.clone(),
        incident_id: event.slug.clone(),
        created_at: at.clone(),
        updated_at: at.clone(),
        display_at: at,
        affected_components,
    }
}
