//! What templates see: plain serializable structs built from the model. These are the theme
//! API, documented in docs/templates.md; domain types never reach a template directly.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use serde::Serialize;

use super::cache::Memo;
use crate::config::{Component, Link, Site};
use crate::model::{ComponentStatus, Event, Kind, Model, Phase, Update, Uptime, UptimeDay};
use crate::time;

/// An instant, ready to show: `<time datetime="{{ t.datetime }}">{{ t.display }}</time>`.
#[derive(Debug, Clone, Serialize)]
pub struct TimeView {
    /// RFC 3339 with the site zone's offset.
    pub datetime: String,
    /// `Apr 17, 2014 17:30 EDT`.
    pub display: String,
    /// `Apr 17, 2014`.
    pub date: String,
    /// `17:30 EDT`.
    pub time: String,
}

impl TimeView {
    pub fn new(t: DateTime<Utc>, zone: Tz) -> Self {
        let local = t.with_timezone(&zone);
        TimeView {
            datetime: time::rfc3339_in(t, zone),
            display: local.format("%b %-d, %Y %H:%M %Z").to_string(),
            date: local.format("%b %-d, %Y").to_string(),
            time: local.format("%H:%M %Z").to_string(),
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct SiteView {
    pub title: String,
    pub description: Option<String>,
    pub base_url: String,
    pub language: String,
    pub time_zone: String,
    pub links: Vec<Link>,
    pub uptime_days: u32,
    /// The uptime formula in words, so the page states what its percentages mean.
    pub uptime_formula: String,
}

impl SiteView {
    pub fn new(site: &Site) -> Self {
        let w = site.uptime_weights;
        SiteView {
            title: site.title.clone(),
            description: site.description.clone(),
            base_url: site.base_url.to_string(),
            language: site.language.clone(),
            time_zone: site.time_zone.name().to_string(),
            links: site.links.clone(),
            uptime_days: site.uptime_days,
            uptime_formula: format!(
                "Uptime is the share of each day without downtime, where downtime counts time in major outage × {}, partial outage × {} and degraded performance × {}; maintenance is not downtime. Days run midnight to midnight, {}.",
                w.major_outage,
                w.partial_outage,
                w.degraded_performance,
                site.time_zone.name()
            ),
        }
    }
}

/// The page being rendered.
#[derive(Debug, Clone, Serialize)]
pub struct PageView {
    /// What kind of page: `index`, `event`, `component`, `history`, `month`, `404`.
    pub kind: &'static str,
    pub title: String,
    /// Relative prefix back to the site root (`../../`), so pages work under any base path
    /// and in the preview server alike.
    pub root: String,
    /// The page's absolute URL.
    pub url: String,
    /// Feeds announced with `<link rel="alternate">`: the page's own first, then the site's.
    pub feeds: Vec<FeedLink>,
}

#[derive(Debug, Clone, Serialize)]
pub struct FeedLink {
    pub title: String,
    /// Relative to the page (starts with `root`).
    pub href: String,
    /// `application/atom+xml` or `application/rss+xml`.
    pub mime: &'static str,
}

impl FeedLink {
    /// The site-wide feeds, and a component's own when `component` is given.
    pub fn for_page(
        root: &str,
        site_title: &str,
        component: Option<(&str, &str)>,
    ) -> Vec<FeedLink> {
        let mut feeds = Vec::new();
        if let Some((id, name)) = component {
            feeds.push(FeedLink {
                title: format!("{name} (Atom)"),
                href: format!("{root}components/{id}/feed.atom"),
                mime: ATOM,
            });
            feeds.push(FeedLink {
                title: format!("{name} (RSS)"),
                href: format!("{root}components/{id}/feed.rss"),
                mime: RSS,
            });
        }
        feeds.push(FeedLink {
            title: format!("{site_title} (Atom)"),
            href: format!("{root}feed.atom"),
            mime: ATOM,
        });
        feeds.push(FeedLink {
            title: format!("{site_title} (RSS)"),
            href: format!("{root}feed.rss"),
            mime: RSS,
        });
        feeds.push(FeedLink {
            title: format!("{site_title}: every update (Atom)"),
            href: format!("{root}updates.atom"),
            mime: ATOM,
        });
        feeds
    }
}

const ATOM: &str = "application/atom+xml";
const RSS: &str = "application/rss+xml";

#[derive(Debug, Clone, Serialize)]
pub struct StatusView {
    /// `none`, `minor`, `major` or `critical`.
    pub indicator: &'static str,
    pub description: &'static str,
    /// The worst component status now, for colouring the banner.
    pub worst_status: &'static str,
}

#[derive(Debug, Clone, Serialize)]
pub struct DayView {
    pub date: String,
    pub label: String,
    /// A component status, or `none` for no data.
    pub status: &'static str,
    pub status_label: &'static str,
    /// `NN.NN`, absent for days without data.
    pub uptime: Option<String>,
    pub events: Vec<EventLink>,
}

#[derive(Debug, Clone, Serialize)]
pub struct EventLink {
    pub slug: String,
    pub title: String,
    /// Relative to the site root: `incidents/SLUG/`.
    pub path: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct ComponentView {
    pub id: String,
    pub name: String,
    pub description: Option<String>,
    pub group: Option<String>,
    pub status: &'static str,
    pub status_label: &'static str,
    /// Relative to the site root: `components/ID/`.
    pub path: String,
    /// The window's uptime `NN.NN`, absent when no day has data.
    pub uptime: Option<String>,
    pub days: Vec<DayView>,
    pub since: Option<String>,
}

impl ComponentView {
    pub fn new(model: &Model, component: &Component, uptime: &Uptime) -> Self {
        let status = model.component_status(&component.id);
        ComponentView {
            id: component.id.clone(),
            name: component.name.clone(),
            description: component.description.clone(),
            group: component.group.clone(),
            status: status.as_str(),
            status_label: status.label(),
            path: format!("components/{}/", component.id),
            uptime: uptime.window().map(|r| r.percent()),
            days: uptime.days.iter().map(|d| day_view(model, d)).collect(),
            since: component.since.map(|d| d.format("%Y-%m-%d").to_string()),
        }
    }
}

fn day_view(model: &Model, day: &UptimeDay) -> DayView {
    let date = day.date.format("%b %-d, %Y").to_string();
    let (status, status_label, uptime) = match &day.data {
        Some(d) => (
            d.status.as_str(),
            d.status.label(),
            Some(d.uptime().percent()),
        ),
        None => ("none", "No data", None),
    };
    let label = match &uptime {
        Some(u) => format!("{date}: {u}% uptime, {}", status_label.to_lowercase()),
        None => format!("{date}: no data"),
    };
    let events = day
        .events
        .iter()
        .filter_map(|slug| model.event(slug))
        .map(EventLink::new)
        .collect();
    DayView {
        date: day.date.format("%Y-%m-%d").to_string(),
        label,
        status,
        status_label,
        uptime,
        events,
    }
}

impl EventLink {
    pub fn new(event: &Event) -> Self {
        EventLink {
            slug: event.slug.clone(),
            title: event.title.clone(),
            path: event_path(&event.slug),
        }
    }
}

pub fn event_path(slug: &str) -> String {
    format!("incidents/{slug}/")
}

#[derive(Debug, Clone, Serialize)]
pub struct GroupView {
    pub name: Option<String>,
    /// The worst status among its members, for a collapsed group's summary.
    pub status: &'static str,
    pub components: Vec<ComponentView>,
}

#[derive(Debug, Clone, Serialize)]
pub struct AffectedView {
    pub id: String,
    pub name: String,
    pub status: &'static str,
    pub status_label: &'static str,
}

fn affected(site: &Site, list: &[(impl AsRef<str>, ComponentStatus)]) -> Vec<AffectedView> {
    list.iter()
        .map(|(id, status)| {
            let id = id.as_ref();
            AffectedView {
                id: id.to_string(),
                name: site
                    .component(id)
                    .map_or_else(|| id.to_string(), |c| c.name.clone()),
                status: status.as_str(),
                status_label: status.label(),
            }
        })
        .collect()
}

#[derive(Debug, Clone, Serialize)]
pub struct UpdateView {
    /// The fragment naming this update on the event page, e.g. `update-20140417T213000Z`.
    pub anchor: String,
    pub status: &'static str,
    pub status_label: &'static str,
    pub at: TimeView,
    /// The message, rendered from Markdown and sanitised.
    pub message_html: String,
    /// Components whose status this update changes.
    pub components: Vec<AffectedView>,
}

/// The fragment id of an update: stable, and unique within its event.
pub fn update_anchor(update: &Update) -> String {
    format!("update-{}", update.at.format("%Y%m%dT%H%M%SZ"))
}

impl UpdateView {
    fn new(site: &Site, update: &Update, memo: &Memo) -> Self {
        UpdateView {
            anchor: update_anchor(update),
            status: update.status.as_str(),
            status_label: update.status.label(),
            at: TimeView::new(update.at, site.time_zone),
            message_html: memo.html(&update.message).to_string(),
            components: affected(site, &update.components),
        }
    }
}

/// An event as lists show it: no body, only its latest update.
#[derive(Debug, Clone, Serialize)]
pub struct EventCard {
    pub slug: String,
    pub title: String,
    pub kind: &'static str,
    pub kind_label: &'static str,
    /// `none`, `minor`, `major`, `critical`; `maintenance` for maintenance, `none` for notices.
    pub impact: &'static str,
    /// `ongoing`, `active`, `upcoming` or `past`.
    pub phase: &'static str,
    pub path: String,
    pub summary: String,
    pub start: TimeView,
    pub end: Option<TimeView>,
    pub duration: Option<String>,
    pub scheduled_start: Option<TimeView>,
    pub scheduled_end: Option<TimeView>,
    pub components: Vec<AffectedView>,
    pub latest: Option<UpdateView>,
    pub draft: bool,
}

impl EventCard {
    pub fn new(model: &Model, event: &Event, memo: &Memo) -> Self {
        let site = &model.site;
        let zone = site.time_zone;
        let now = model.now;
        let end = event.end(now);
        let duration = match event.kind {
            Kind::Notice => None,
            _ if event.phase(now) == Phase::Upcoming => None,
            _ => Some(time::human_duration(end.unwrap_or(now) - event.start())),
        };
        EventCard {
            slug: event.slug.clone(),
            title: event.title.clone(),
            kind: event.kind.as_str(),
            kind_label: kind_label(event.kind),
            impact: match event.kind {
                Kind::Maintenance => "maintenance",
                _ => event.impact.as_str(),
            },
            phase: phase_name(event.phase(now)),
            path: event_path(&event.slug),
            summary: event.summary.clone(),
            start: TimeView::new(event.start(), zone),
            end: end
                .filter(|_| event.kind != Kind::Notice)
                .map(|t| TimeView::new(t, zone)),
            duration,
            scheduled_start: event.scheduled.map(|w| TimeView::new(w.start, zone)),
            scheduled_end: event.scheduled.map(|w| TimeView::new(w.end, zone)),
            components: affected(site, &shown_statuses(event, now)),
            latest: event
                .latest_update()
                .map(|u| UpdateView::new(site, u, memo)),
            draft: event.draft,
        }
    }
}

/// An event with everything its own page shows.
#[derive(Debug, Clone, Serialize)]
pub struct EventPage {
    #[serde(flatten)]
    pub card: std::sync::Arc<EventCard>,
    /// Newest first.
    pub updates: Vec<UpdateView>,
    /// The post-mortem, rendered from Markdown and sanitised.
    pub body_html: String,
}

impl EventPage {
    pub fn new(model: &Model, event: &Event, card: std::sync::Arc<EventCard>, memo: &Memo) -> Self {
        EventPage {
            card,
            updates: event
                .timeline
                .iter()
                .rev()
                .map(|u| UpdateView::new(&model.site, u, memo))
                .collect(),
            body_html: memo.html(&event.body).to_string(),
        }
    }
}

/// What an event did to each component: while it is current, the status it sets now; once it
/// is over, the worst status it reached (a resolved incident listing "Operational" everywhere
/// would hide what happened).
fn shown_statuses(event: &Event, now: DateTime<Utc>) -> Vec<(&str, ComponentStatus)> {
    let current = event.is_current(now);
    event
        .affected_components()
        .into_iter()
        .map(|a| (a.id, if current { a.latest } else { a.worst }))
        .collect()
}

pub fn kind_label(kind: Kind) -> &'static str {
    match kind {
        Kind::Incident => "Incident",
        Kind::Maintenance => "Maintenance",
        Kind::Notice => "Notice",
    }
}

fn phase_name(phase: Phase) -> &'static str {
    match phase {
        Phase::Ongoing => "ongoing",
        Phase::Active => "active",
        Phase::Upcoming => "upcoming",
        Phase::Past => "past",
    }
}

/// One calendar day of the front page's recent history.
#[derive(Debug, Clone, Serialize)]
pub struct DayOfEvents {
    pub date: TimeView,
    pub events: Vec<std::sync::Arc<EventCard>>,
}

/// A month of the history index.
#[derive(Debug, Clone, Serialize)]
pub struct MonthLink {
    /// `2014-04`.
    pub id: String,
    /// `April 2014`.
    pub label: String,
    pub path: String,
    pub count: usize,
}
