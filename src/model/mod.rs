//! The site as data: events sorted and indexed, and everything derived from them at `now`
//! (status, indicator, uptime, history). Immutable once built; every answer is a pure function
//! of the events and `now`.

pub(crate) mod event;
pub(crate) use crate::status;
pub(crate) mod timeline;
pub(crate) mod uptime;

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{DateTime, Datelike, Utc};

pub(crate) use event::{Event, Phase, Update, Window};
pub(crate) use status::{ComponentStatus, Impact, Kind, UpdateStatus};
pub(crate) use timeline::{Timeline, Transition};
pub(crate) use uptime::{Uptime, UptimeDay};

use crate::config::{Component, Site};
use crate::time;

pub(crate) struct Model {
    pub site: Site,
    pub now: DateTime<Utc>,
    /// Newest start first; ties broken by slug so the order never depends on the file system.
    /// Shared, so a preview server can keep its parsed events across rebuilds without copying.
    pub events: Vec<Arc<Event>>,
    /// For each component id, the indices into `events` of the events that touch it, in the
    /// same order: pages look this up instead of scanning every event.
    by_component: HashMap<String, Vec<usize>>,
    by_slug: HashMap<String, usize>,
    /// Each event's component transitions, in the order of `events`.
    timelines: Vec<Timeline>,
    /// Updates left out because they are dated after now, per event file.
    pub withheld: Vec<Withheld>,
}

/// Updates of one event dated after now, not published until their time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Withheld {
    pub source: std::path::PathBuf,
    /// When they are dated, oldest first.
    pub at: Vec<DateTime<Utc>>,
    /// Whether the whole event waits, none of its updates being due yet.
    pub whole_event: bool,
}

impl Withheld {
    /// What the author is told: which file, how many updates, from when.
    pub(crate) fn warning(&self, zone: chrono_tz::Tz) -> String {
        let n = self.at.len();
        let first = self.at.first().map_or_else(String::new, |t| {
            t.with_timezone(&zone)
                .format("%Y-%m-%d %H:%M %Z")
                .to_string()
        });
        let what = if self.whole_event {
            "the whole event is left out"
        } else if n == 1 {
            "it is left out"
        } else {
            "they are left out"
        };
        format!(
            "{}: {n} update{} dated after now (from {first}); {what} until its time comes",
            self.source.to_string_lossy().replace('\\', "/"),
            if n == 1 { "" } else { "s" },
        )
    }
}

/// The overall indicator (docs/format.md, "The overall indicator").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Overall {
    pub indicator: Impact,
    pub maintenance_active: bool,
}

impl Overall {
    pub(crate) fn description(&self) -> &'static str {
        self.indicator
            .indicator_description(self.maintenance_active)
    }
}

/// A heading components are shown under, or a lone component without a group.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Group<'a> {
    pub name: Option<&'a str>,
    pub components: Vec<&'a Component>,
}

/// A calendar month of the site's time zone with the events that started in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Month {
    pub year: i32,
    pub month: u32,
    /// Indices into `Model::events`, newest first.
    pub events: Vec<usize>,
}

impl Model {
    pub(crate) fn new(
        site: Site,
        events: impl IntoIterator<Item = impl Into<Arc<Event>>>,
        now: DateTime<Utc>,
    ) -> Self {
        let mut withheld = Vec::new();
        let mut events: Vec<Arc<Event>> = events
            .into_iter()
            .filter_map(|event| {
                let event: Arc<Event> = event.into();
                let (published, later) = Event::published_at(&event, now);
                if !later.is_empty() {
                    withheld.push(Withheld {
                        source: event.source.clone(),
                        at: later,
                        whole_event: published.is_none(),
                    });
                }
                published
            })
            .collect();
        withheld.sort_by(|a, b| a.source.cmp(&b.source));
        events.sort_by_cached_key(|e| (std::cmp::Reverse(e.start()), e.slug.clone()));
        let mut by_component: HashMap<String, Vec<usize>> = site
            .components
            .iter()
            .map(|c| (c.id.clone(), Vec::new()))
            .collect();
        for (i, event) in events.iter().enumerate() {
            for affected in event.affected_components() {
                if let Some(list) = by_component.get_mut(affected.id) {
                    list.push(i);
                }
            }
        }
        let by_slug = events
            .iter()
            .enumerate()
            .map(|(i, e)| (e.slug.clone(), i))
            .collect();
        let timelines = events.iter().map(|e| Timeline::of(e, now)).collect();
        Model {
            site,
            now,
            events,
            by_component,
            by_slug,
            timelines,
            withheld,
        }
    }

    /// The event's component transitions, update by update.
    pub(crate) fn timeline(&self, event: &Event) -> &Timeline {
        static NONE: Timeline = Timeline::EMPTY;
        self.event_index(&event.slug)
            .and_then(|i| self.timelines.get(i))
            .unwrap_or(&NONE)
    }

    /// The index into `events` of the event with this slug.
    pub(crate) fn event_index(&self, slug: &str) -> Option<usize> {
        self.by_slug.get(slug).copied()
    }

    pub(crate) fn event(&self, slug: &str) -> Option<&Event> {
        self.event_index(slug).map(|i| &*self.events[i])
    }

    /// Indices into `events` of the events that touch a component, newest first.
    pub(crate) fn event_indices_for(&self, component: &str) -> &[usize] {
        self.by_component
            .get(component)
            .map(Vec::as_slice)
            .unwrap_or_default()
    }

    /// The events that touch a component, newest first.
    pub(crate) fn events_for<'a>(
        &'a self,
        component: &str,
    ) -> impl Iterator<Item = &'a Event> + 'a {
        self.event_indices_for(component)
            .iter()
            .map(|&i| &*self.events[i])
    }

    /// The worst status any ongoing incident or active maintenance sets for it now.
    pub(crate) fn component_status(&self, component: &str) -> ComponentStatus {
        self.events_for(component)
            .filter_map(|e| e.status_now(component, self.now))
            .max()
            .unwrap_or(ComponentStatus::Operational)
    }

    pub(crate) fn overall(&self) -> Overall {
        let indicator = self
            .events_in_phase(Phase::Ongoing)
            .filter(|e| e.kind == Kind::Incident)
            .map(|e| e.impact)
            .max()
            .unwrap_or(Impact::None);
        let maintenance_active = self.events_in_phase(Phase::Active).next().is_some();
        Overall {
            indicator,
            maintenance_active,
        }
    }

    pub(crate) fn events_in_phase(&self, phase: Phase) -> impl Iterator<Item = &Event> {
        self.events
            .iter()
            .map(|e| &**e)
            .filter(move |e| e.phase(self.now) == phase)
    }

    pub(crate) fn uptime(&self, component: &Component) -> Uptime {
        let events: Vec<&Event> = self.events_for(&component.id).collect();
        uptime::component_uptime(
            &component.id,
            component.since,
            &events,
            self.now,
            self.site.time_zone,
            self.site.uptime_days,
            &self.site.uptime_weights,
        )
    }

    /// Components in display order, gathered under their groups (a group sits where its first
    /// member is listed).
    pub(crate) fn groups(&self) -> Vec<Group<'_>> {
        let mut groups: Vec<Group<'_>> = Vec::new();
        for component in &self.site.components {
            let name = component.group.as_deref();
            match groups.iter_mut().find(|g| name.is_some() && g.name == name) {
                Some(group) => group.components.push(component),
                None => groups.push(Group {
                    name,
                    components: vec![component],
                }),
            }
        }
        groups
    }

    /// Every month with events, newest first.
    pub(crate) fn months(&self) -> Vec<Month> {
        self.months_of(0..self.events.len())
    }

    /// The months (of the site's time zone) in which the given events started, newest first,
    /// each with its events. `indices` are into `events`, newest first, as every list of the
    /// model is: events of one month are then next to each other.
    pub(crate) fn months_of(&self, indices: impl IntoIterator<Item = usize>) -> Vec<Month> {
        let mut months: Vec<Month> = Vec::new();
        for i in indices {
            let date = time::local_date(self.events[i].start(), self.site.time_zone);
            let (year, month) = (date.year(), date.month());
            match months.last_mut() {
                Some(m) if m.year == year && m.month == month => m.events.push(i),
                _ => months.push(Month {
                    year,
                    month,
                    events: vec![i],
                }),
            }
        }
        months
    }
}

#[cfg(test)]
mod tests {
    use super::event::tests::{incident, maintenance, t, update};
    use super::*;
    use crate::config;
    use ComponentStatus::*;
    use UpdateStatus::*;
    use std::path::Path;

    fn site() -> Site {
        config::parse(
            Path::new("site.yaml"),
            "title: T\nbase_url: https://s.example/\ncomponents:\n  - {id: web, name: Web, group: Hosting}\n  - {id: db, name: DB}\n  - {id: mail, name: Mail, group: Hosting}\n",
        )
        .expect("site")
    }

    #[test]
    fn status_now_is_the_worst_of_current_events() {
        let a = incident(
            "a",
            &[("web", DegradedPerformance)],
            vec![update(t(9, 0), Investigating, &[])],
        );
        let b = incident(
            "b",
            &[("web", MajorOutage)],
            vec![
                update(t(8, 0), Investigating, &[]),
                update(t(9, 30), Resolved, &[]),
            ],
        );
        let c = incident(
            "c",
            &[("web", PartialOutage), ("db", PartialOutage)],
            vec![update(t(10, 0), Investigating, &[])],
        );
        let model = Model::new(site(), vec![a, b, c], t(11, 0));
        assert_eq!(model.component_status("web"), PartialOutage);
        assert_eq!(model.component_status("db"), PartialOutage);
        assert_eq!(model.component_status("mail"), Operational);
        assert_eq!(
            model
                .events
                .iter()
                .map(|e| e.slug.as_str())
                .collect::<Vec<_>>(),
            ["c", "a", "b"]
        );
    }

    #[test]
    fn indicator_is_the_worst_ongoing_impact_or_maintenance() {
        let mut minor = incident(
            "a",
            &[("web", DegradedPerformance)],
            vec![update(t(9, 0), Investigating, &[])],
        );
        minor.impact = Impact::Minor;
        let window = Window {
            start: t(10, 0),
            end: t(12, 0),
        };
        let m = maintenance("m", window, vec![update(t(8, 0), Scheduled, &[])]);

        let model = Model::new(site(), vec![minor.clone(), m.clone()], t(11, 0));
        assert_eq!(
            model.overall(),
            Overall {
                indicator: Impact::Minor,
                maintenance_active: true
            }
        );
        assert_eq!(model.overall().description(), "Minor Service Outage");

        let model = Model::new(site(), vec![m.clone()], t(11, 0));
        assert_eq!(model.overall().description(), "Service Under Maintenance");
        assert_eq!(model.component_status("db"), UnderMaintenance);

        let model = Model::new(site(), vec![m], t(13, 0));
        assert_eq!(model.overall().description(), "All Systems Operational");
    }

    #[test]
    fn updates_after_now_wait_for_their_time_and_derived_fields_follow() {
        let mut e = incident(
            "a",
            &[("web", DegradedPerformance)],
            vec![
                update(t(9, 0), Investigating, &[]),
                update(t(10, 0), Identified, &[("web", MajorOutage)]),
                update(t(12, 0), Resolved, &[]),
            ],
        );
        e.impact_written = false;
        e.summary_written = false;
        e.impact = Impact::Critical;
        e.summary = "resolved in the future".into();
        let model = Model::new(site(), vec![e.clone()], t(11, 0));
        let shown = &model.events[0];
        assert_eq!(shown.timeline.len(), 2);
        assert_eq!(shown.impact, Impact::Critical, "major_outage is published");
        assert_eq!(shown.summary, e.timeline[1].message);
        assert_ne!(shown.fingerprint, e.fingerprint, "caches see another event");
        assert_eq!(model.component_status("web"), MajorOutage);
        assert_eq!(model.withheld.len(), 1);
        assert_eq!(model.withheld[0].at, vec![t(12, 0)]);

        let model = Model::new(site(), vec![e.clone()], t(9, 30));
        assert_eq!(
            model.events[0].impact,
            Impact::Minor,
            "only degraded so far"
        );
        let model = Model::new(site(), vec![e.clone()], t(8, 0));
        assert!(model.events.is_empty());
        assert!(model.withheld[0].whole_event);
        let model = Model::new(site(), vec![e.clone()], t(12, 0));
        assert_eq!(model.events[0].timeline.len(), 3, "due at its own time");
        assert!(model.withheld.is_empty());
    }

    #[test]
    fn groups_sit_where_their_first_member_is_listed() {
        let model = Model::new(site(), Vec::<Event>::new(), t(11, 0));
        let groups: Vec<(Option<&str>, Vec<&str>)> = model
            .groups()
            .iter()
            .map(|g| (g.name, g.components.iter().map(|c| c.id.as_str()).collect()))
            .collect();
        assert_eq!(
            groups,
            vec![(Some("Hosting"), vec!["web", "mail"]), (None, vec!["db"])]
        );
    }
}
