//! One event as written (after validation), and what its timeline implies at a given `now`.

use std::path::PathBuf;
use std::sync::Arc;

use chrono::{DateTime, Utc};

use super::status::{ComponentStatus, Impact, Kind, UpdateStatus};
use crate::markdown;

/// An incident, a maintenance or a notice.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Event {
    pub slug: String,
    pub title: String,
    pub kind: Kind,
    /// Declared or derived; `Impact::None` for maintenance and notices.
    pub impact: Impact,
    /// The components affected from the first update on, in the order written.
    pub components: Vec<(String, ComponentStatus)>,
    /// Maintenance only.
    pub scheduled: Option<Window>,
    /// Oldest first; no two updates share a time.
    pub timeline: Vec<Update>,
    /// Plain text, at most 280 characters.
    pub summary: String,
    /// Whether `impact` and `summary` were written in the file, rather than derived: withholding
    /// updates dated after now derives them again from what is published.
    pub impact_written: bool,
    pub summary_written: bool,
    /// The post-mortem, in Markdown.
    pub body: String,
    pub draft: bool,
    /// The file it came from, relative to the site folder.
    pub source: PathBuf,
    /// A hash of the file's text: equal text, equal event. Lets caches skip unchanged events.
    pub fingerprint: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Window {
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Update {
    pub at: DateTime<Utc>,
    /// How many earlier updates of the event have this very `at`: 0 for most. Updates at one
    /// time are ordered as the file lists them (content.md), and this keeps their ids apart.
    pub ordinal: u32,
    pub status: UpdateStatus,
    /// Markdown.
    pub message: String,
    /// Statuses that change from this update on.
    pub components: Vec<(String, ComponentStatus)>,
}

impl Update {
    /// The fragment id of the update on its event's page: stable, and unique within its event.
    pub(crate) fn anchor(&self) -> String {
        format!("update-{}", self.key())
    }

    /// What names this update within its event, in every id and anchor built from it:
    /// `20140417T213000Z`, `20230218T044456.416Z` with a fraction of a second, and `-2`, `-3`, …
    /// after the second and later updates at one time. An update whose time is unique keeps the
    /// whole-second form it always had, so no published id changes.
    pub(crate) fn key(&self) -> String {
        let mut key = self.at.format("%Y%m%dT%H%M%S").to_string();
        let nanos = self.at.timestamp_subsec_nanos();
        if nanos > 0 {
            let fraction = format!("{nanos:09}");
            key.push('.');
            key.push_str(fraction.trim_end_matches('0'));
        }
        key.push('Z');
        if self.ordinal > 0 {
            key.push_str(&format!("-{}", self.ordinal + 1));
        }
        key
    }

    /// The update's time as RFC 3339 in UTC, with `#2`, `#3`, … after the second and later
    /// updates at one time: the last part of its feed id (output.md, "Update entry").
    pub(crate) fn instant_key(&self) -> String {
        let at = crate::time::rfc3339_utc(self.at);
        match self.ordinal {
            0 => at,
            n => format!("{at}#{}", n + 1),
        }
    }
}

/// Where an event stands at `now`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Phase {
    /// An incident not yet resolved.
    Ongoing,
    /// A maintenance whose window has begun and not ended.
    Active,
    /// A maintenance that has not begun.
    Upcoming,
    /// A resolved incident, a finished maintenance, or any notice.
    Past,
}

/// A component an event touches: the last status its timeline gives it, and the worst.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Affected<'a> {
    pub id: &'a str,
    pub latest: ComponentStatus,
    pub worst: ComponentStatus,
}

/// A stretch of time in which an event gives one component one status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Segment {
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    pub status: ComponentStatus,
}

impl Event {
    /// The event's page, from the site's root.
    pub(crate) fn path(&self) -> String {
        format!("incidents/{}/", self.slug)
    }

    /// An update's id in the API, webhook payloads and the announce record: the event's slug
    /// and the update's key.
    pub(crate) fn update_id(&self, update: &Update) -> String {
        format!("{}-{}", self.slug, update.key())
    }

    /// The event as readers may see it at `now`: updates dated after now are not published
    /// until their time, so status, uptime, feeds and the API all agree (docs/format.md,
    /// "Updates dated after now"). `None` while none of its updates is published yet; the
    /// second value is when the withheld updates are dated.
    pub(crate) fn published_at(
        event: &Arc<Event>,
        now: DateTime<Utc>,
    ) -> (Option<Arc<Event>>, Vec<DateTime<Utc>>) {
        let shown = event.timeline.partition_point(|u| u.at <= now);
        let withheld: Vec<DateTime<Utc>> = event.timeline[shown..].iter().map(|u| u.at).collect();
        if withheld.is_empty() {
            return (Some(event.clone()), withheld);
        }
        if shown == 0 {
            return (None, withheld);
        }
        let mut published = (**event).clone();
        published.timeline.truncate(shown);
        if published.kind == Kind::Incident && !published.impact_written {
            published.impact = published
                .affected_components()
                .iter()
                .map(|a| a.worst)
                .max()
                .map_or(Impact::None, ComponentStatus::implied_impact);
        }
        if !published.summary_written {
            published.summary =
                derived_summary(&published.timeline, &published.body, &published.title);
        }
        // Caches key on the fingerprint: a shorter timeline is another event.
        published.fingerprint = crate::fingerprint::of(&(event.fingerprint, shown));
        (Some(Arc::new(published)), withheld)
    }

    pub(crate) fn first_update(&self) -> Option<&Update> {
        self.timeline.first()
    }

    pub(crate) fn latest_update(&self) -> Option<&Update> {
        self.timeline.last()
    }

    /// When the event began (docs/format.md, "Start, end and phase"). For a maintenance, its scheduled start
    /// or an earlier `in_progress` update; otherwise its first update.
    pub(crate) fn start(&self) -> DateTime<Utc> {
        let first_update = self.first_update().map(|u| u.at);
        match (self.kind, self.scheduled) {
            (Kind::Maintenance, Some(window)) => self
                .updates_with(UpdateStatus::InProgress)
                .next()
                .map_or(window.start, |u| u.at.min(window.start)),
            _ => first_update
                .or(self.scheduled.map(|w| w.start))
                .unwrap_or(DateTime::<Utc>::MIN_UTC),
        }
    }

    /// When the event ended, if it has. `None` means still open at `now` (an ongoing incident,
    /// or a maintenance before its scheduled end without a `completed` update).
    pub(crate) fn end(&self, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        match self.kind {
            Kind::Incident => {
                // docs/format.md: the earliest `resolved` update, once the latest update is
                // `resolved` or `postmortem`. Read within the run of such updates that closes
                // the timeline, so a reopened incident ends at its last resolution and the
                // reopened stretch counts (docs/format.md).
                let closes = |u: &&Update| {
                    matches!(u.status, UpdateStatus::Resolved | UpdateStatus::Postmortem)
                };
                let closing = self.timeline.iter().rev().take_while(closes).count();
                let run = &self.timeline[self.timeline.len() - closing..];
                run.iter()
                    .find(|u| u.status == UpdateStatus::Resolved)
                    .or(run.first())
                    .map(|u| u.at)
            }
            Kind::Maintenance => {
                if let Some(done) = self.updates_with(UpdateStatus::Completed).next() {
                    return Some(done.at.max(self.start()));
                }
                let scheduled_end = self.scheduled?.end;
                (now >= scheduled_end).then_some(scheduled_end)
            }
            Kind::Notice => Some(self.start()),
        }
    }

    pub(crate) fn phase(&self, now: DateTime<Utc>) -> Phase {
        match self.kind {
            Kind::Incident if self.end(now).is_none() => Phase::Ongoing,
            Kind::Maintenance => {
                let ended = self.end(now).is_some_and(|end| end <= now);
                if ended {
                    Phase::Past
                } else if self.start() > now {
                    Phase::Upcoming
                } else {
                    Phase::Active
                }
            }
            _ => Phase::Past,
        }
    }

    /// Ongoing incidents and active maintenance set component statuses now.
    pub(crate) fn is_current(&self, now: DateTime<Utc>) -> bool {
        matches!(self.phase(now), Phase::Ongoing | Phase::Active)
    }

    fn updates_with(&self, status: UpdateStatus) -> impl Iterator<Item = &Update> {
        self.timeline.iter().filter(move |u| u.status == status)
    }

    /// Every component the event ever touches, in order of first mention.
    pub(crate) fn affected_components(&self) -> Vec<Affected<'_>> {
        let mut affected: Vec<Affected<'_>> = Vec::new();
        let changes = self
            .components
            .iter()
            .chain(self.timeline.iter().flat_map(|u| u.components.iter()));
        for (id, status) in changes {
            match affected.iter_mut().find(|a| a.id == id) {
                Some(entry) => {
                    entry.latest = *status;
                    entry.worst = entry.worst.max(*status);
                }
                None => affected.push(Affected {
                    id,
                    latest: *status,
                    worst: *status,
                }),
            }
        }
        affected
    }

    /// The status this event gives `component` now, if it is ongoing or active and touches
    /// the component by now.
    pub(crate) fn status_now(
        &self,
        component: &str,
        now: DateTime<Utc>,
    ) -> Option<ComponentStatus> {
        if !self.is_current(now) {
            return None;
        }
        self.status_changes(component)
            .into_iter()
            .take_while(|(at, _)| *at <= now)
            .last()
            .map(|(_, status)| status)
    }

    /// When the event's statuses for `component` change, in time order. Statuses take effect
    /// from the event's start: updates posted before a maintenance begins change what it will
    /// do, not what happens before it.
    fn status_changes(&self, component: &str) -> Vec<(DateTime<Utc>, ComponentStatus)> {
        if self.kind == Kind::Notice {
            return Vec::new();
        }
        let start = self.start();
        let initial = self
            .components
            .iter()
            .filter(|(id, _)| id == component)
            .map(|(_, status)| (start, *status));
        let overrides = self.timeline.iter().flat_map(|u| {
            u.components
                .iter()
                .filter(|(id, _)| id == component)
                .map(move |(_, status)| (u.at.max(start), *status))
        });
        // The timeline is sorted, and every override is at or after `start`.
        initial.chain(overrides).collect()
    }

    /// The stretches of time, up to `now`, in which this event gives `component` a status.
    pub(crate) fn segments(&self, component: &str, now: DateTime<Utc>) -> Vec<Segment> {
        let start = self.start();
        let end = self.end(now).unwrap_or(now).min(now);
        if end <= start {
            return Vec::new();
        }
        let changes = self.status_changes(component);
        let mut segments: Vec<Segment> = Vec::with_capacity(changes.len());
        for (i, (from, status)) in changes.iter().enumerate() {
            let to = changes.get(i + 1).map_or(end, |(next, _)| *next).min(end);
            if *from < to {
                segments.push(Segment {
                    from: *from,
                    to,
                    status: *status,
                });
            }
        }
        segments
    }
}

/// content.md: the latest update's message as plain text, else the body's first paragraph,
/// else the title; cut at a word to 280 characters.
pub(crate) fn derived_summary(timeline: &[Update], body: &str, title: &str) -> String {
    let text = timeline
        .last()
        .map(|u| markdown::to_plain_text(&u.message))
        .filter(|t| !t.is_empty())
        .or_else(|| markdown::first_paragraph(body))
        .unwrap_or_else(|| title.trim().to_string());
    markdown::truncate_at_word(&text, SUMMARY_LIMIT)
}

/// content.md: a summary is at most 280 characters.
pub(crate) const SUMMARY_LIMIT: usize = 280;

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use chrono::TimeZone;

    pub(crate) fn t(h: u32, m: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 4, 16, h, m, 0)
            .single()
            .expect("valid test time")
    }

    pub(crate) fn update(
        at: DateTime<Utc>,
        status: UpdateStatus,
        components: &[(&str, ComponentStatus)],
    ) -> Update {
        Update {
            at,
            ordinal: 0,
            status,
            message: format!("{status} at {at}"),
            components: components
                .iter()
                .map(|(id, s)| (id.to_string(), *s))
                .collect(),
        }
    }

    pub(crate) fn incident(
        slug: &str,
        components: &[(&str, ComponentStatus)],
        timeline: Vec<Update>,
    ) -> Event {
        Event {
            slug: slug.into(),
            title: slug.into(),
            kind: Kind::Incident,
            impact: Impact::Major,
            components: components
                .iter()
                .map(|(id, s)| (id.to_string(), *s))
                .collect(),
            scheduled: None,
            timeline,
            summary: String::new(),
            impact_written: true,
            summary_written: true,
            body: String::new(),
            draft: false,
            source: PathBuf::from(format!("incidents/{slug}.md")),
            fingerprint: 0,
        }
    }

    pub(crate) fn maintenance(slug: &str, window: Window, timeline: Vec<Update>) -> Event {
        Event {
            kind: Kind::Maintenance,
            impact: Impact::None,
            scheduled: Some(window),
            ..incident(slug, &[("db", ComponentStatus::UnderMaintenance)], timeline)
        }
    }

    use ComponentStatus::*;
    use UpdateStatus::*;

    #[test]
    fn incident_is_ongoing_until_its_latest_update_resolves_it() {
        let open = incident(
            "a",
            &[("web", PartialOutage)],
            vec![update(t(9, 0), Investigating, &[])],
        );
        assert_eq!(open.end(t(12, 0)), None);
        assert_eq!(open.phase(t(12, 0)), Phase::Ongoing);

        let closed = incident(
            "b",
            &[("web", PartialOutage)],
            vec![
                update(t(9, 0), Investigating, &[]),
                update(t(10, 0), Resolved, &[]),
                update(t(11, 0), Postmortem, &[]),
            ],
        );
        assert_eq!(closed.end(t(12, 0)), Some(t(10, 0)));
        assert_eq!(closed.phase(t(12, 0)), Phase::Past);

        let reopened = incident(
            "c",
            &[("web", PartialOutage)],
            vec![
                update(t(9, 0), Investigating, &[]),
                update(t(10, 0), Resolved, &[]),
                update(t(11, 0), Investigating, &[]),
            ],
        );
        assert_eq!(
            reopened.phase(t(12, 0)),
            Phase::Ongoing,
            "a later update reopens it"
        );

        let mut resolved_again = reopened.clone();
        resolved_again
            .timeline
            .push(update(t(11, 30), Resolved, &[]));
        assert_eq!(
            resolved_again.end(t(12, 0)),
            Some(t(11, 30)),
            "ends at the resolution that closed it"
        );
    }

    #[test]
    fn component_overrides_apply_from_their_update_on() {
        let e = incident(
            "a",
            &[("web", DegradedPerformance)],
            vec![
                update(t(9, 0), Investigating, &[]),
                update(
                    t(10, 0),
                    Identified,
                    &[("web", MajorOutage), ("db", PartialOutage)],
                ),
                update(t(11, 0), Monitoring, &[("web", Operational)]),
            ],
        );
        let now = t(12, 0);
        assert_eq!(e.status_now("web", t(9, 30)), Some(DegradedPerformance));
        assert_eq!(e.status_now("web", t(10, 30)), Some(MajorOutage));
        assert_eq!(e.status_now("web", now), Some(Operational));
        assert_eq!(e.status_now("db", t(9, 30)), None, "db joins at 10:00");
        assert_eq!(e.status_now("db", now), Some(PartialOutage));
        assert_eq!(
            e.segments("web", now),
            vec![
                Segment {
                    from: t(9, 0),
                    to: t(10, 0),
                    status: DegradedPerformance
                },
                Segment {
                    from: t(10, 0),
                    to: t(11, 0),
                    status: MajorOutage
                },
                Segment {
                    from: t(11, 0),
                    to: now,
                    status: Operational
                },
            ]
        );
        assert_eq!(
            e.affected_components(),
            vec![
                Affected {
                    id: "web",
                    latest: Operational,
                    worst: MajorOutage
                },
                Affected {
                    id: "db",
                    latest: PartialOutage,
                    worst: PartialOutage
                },
            ]
        );
    }

    #[test]
    fn maintenance_runs_from_schedule_until_completed_or_scheduled_end() {
        let window = Window {
            start: t(10, 0),
            end: t(11, 0),
        };
        let planned = maintenance("m", window, vec![update(t(8, 0), Scheduled, &[])]);
        assert_eq!(planned.phase(t(9, 0)), Phase::Upcoming);
        assert_eq!(planned.phase(t(10, 30)), Phase::Active);
        assert_eq!(
            planned.phase(t(11, 0)),
            Phase::Past,
            "ends at scheduled.end without `completed`"
        );
        assert_eq!(planned.status_now("db", t(10, 30)), Some(UnderMaintenance));
        assert_eq!(
            planned.status_now("db", t(9, 0)),
            None,
            "not before it begins"
        );

        let early = maintenance(
            "m",
            window,
            vec![
                update(t(8, 0), Scheduled, &[]),
                update(t(9, 45), InProgress, &[]),
                update(t(10, 20), Completed, &[]),
            ],
        );
        assert_eq!(early.start(), t(9, 45), "an earlier in_progress starts it");
        assert_eq!(early.end(t(12, 0)), Some(t(10, 20)));
        assert_eq!(
            early.segments("db", t(12, 0)),
            vec![Segment {
                from: t(9, 45),
                to: t(10, 20),
                status: UnderMaintenance
            }]
        );
    }
}
