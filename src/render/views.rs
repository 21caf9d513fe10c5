//! What templates see: plain serializable structs built from the model. These are the theme
//! API, documented in docs/templates.md; domain types never reach a template directly. Every
//! word comes from the theme's translations (`t`), every time is in the site's zone.

use std::sync::Arc;

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use serde::Serialize;

use super::cache::Memo;
use crate::config::{Component, Link};
use crate::fingerprint::Fingerprinted;
use crate::i18n::Translations;
use crate::model::{
    ComponentStatus, Event, Impact, Kind, Model, Phase, Update, UpdateStatus, Uptime, UptimeDay,
};
use crate::time;

/// What building views needs besides the model: the Markdown memo and the translations.
pub(crate) struct Views<'a> {
    pub model: &'a Model,
    pub memo: &'a Memo,
    pub t: &'a Translations,
}

/// An instant, ready to show: `<time datetime="{{ t.datetime }}">{{ t.display }}</time>`.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct TimeView {
    /// RFC 3339 with the site zone's offset.
    pub datetime: String,
    /// Date and time, e.g. `Apr 17, 2014 17:30 EDT`.
    pub display: String,
    /// The date alone, e.g. `Apr 17, 2014`.
    pub date: String,
    /// The time alone, e.g. `17:30 EDT`.
    pub time: String,
}

impl Views<'_> {
    pub(crate) fn time(&self, t: DateTime<Utc>) -> TimeView {
        let local = t.with_timezone(&self.model.site.time_zone);
        TimeView {
            datetime: time::rfc3339_in(t, self.model.site.time_zone),
            display: self.t.datetime(local, "datetime_format"),
            date: self.t.datetime(local, "date_format"),
            time: self.t.datetime(local, "time_format"),
        }
    }

    pub(crate) fn status_label(&self, status: ComponentStatus) -> String {
        self.t.get(&format!("status_{status}")).to_string()
    }

    fn update_label(&self, status: UpdateStatus) -> String {
        self.t.get(&format!("update_{status}")).to_string()
    }

    /// `35 min`, `4 h 35 min`, `2 d 3 h`, in the page's language.
    pub(crate) fn duration(&self, d: chrono::Duration) -> String {
        let (days, hours, minutes) = time::duration_parts(d);
        let (d, h, m) = (days.to_string(), hours.to_string(), minutes.to_string());
        let values = [("d", d.as_str()), ("h", h.as_str()), ("m", m.as_str())];
        let key = match (days, hours, minutes) {
            (0, 0, _) => "duration_minutes",
            (0, _, 0) => "duration_hours",
            (0, _, _) => "duration_hours_minutes",
            (_, 0, _) => "duration_days",
            _ => "duration_days_hours",
        };
        self.t.fill(key, &values)
    }

    pub(crate) fn indicator_description(
        &self,
        indicator: Impact,
        maintenance_active: bool,
    ) -> String {
        let key = match indicator {
            Impact::None if maintenance_active => "indicator_maintenance",
            other => &format!("indicator_{other}"),
        };
        self.t.get(key).to_string()
    }

    pub(crate) fn site(&self) -> SiteView {
        let site = &self.model.site;
        let w = site.uptime_weights;
        let (major, partial, degraded) = (
            w.major_outage.to_string(),
            w.partial_outage.to_string(),
            w.degraded_performance.to_string(),
        );
        SiteView {
            title: site.title.clone(),
            description: site.description.clone(),
            base_url: site.base_url.to_string(),
            language: site.language.clone(),
            time_zone: site.time_zone.name().to_string(),
            links: site.links.clone(),
            uptime_days: site.uptime_days,
            uptime_formula: self.t.fill(
                "uptime_formula",
                &[
                    ("major", &major),
                    ("partial", &partial),
                    ("degraded", &degraded),
                    ("zone", site.time_zone.name()),
                ],
            ),
            logo: site.logo.as_ref().map(|l| l.output_path()),
            accent: site.accent_color.as_ref().map(|c| Accent {
                background: c.clone(),
                text: readable_on(c),
            }),
            footer_links: site.footer_links.clone(),
            search: site.search,
            assets: Default::default(),
        }
    }

    pub(crate) fn component(&self, component: &Component, uptime: &Uptime) -> ComponentView {
        let status = self.model.component_status(&component.id);
        ComponentView {
            id: component.id.clone(),
            name: component.name.clone(),
            description: component.description.clone(),
            group: component.group.clone(),
            status,
            status_label: self.status_label(status),
            path: format!("components/{}/", component.id),
            uptime: uptime.window().map(|r| r.percent()),
            days: uptime.days.iter().map(|d| self.day(d)).collect(),
            since: component.since.map(|d| self.t.date(d, "date_format")),
            front_bar: true,
        }
    }

    fn day(&self, day: &UptimeDay) -> DayView {
        let date = self.t.date(day.date, "date_format");
        let events: Vec<EventLink> = day
            .events
            .iter()
            .filter_map(|slug| self.model.event(slug))
            .map(EventLink::new)
            .collect();
        let (status, uptime) = match &day.data {
            Some(d) => (d.status.as_str(), Some(d.uptime().percent())),
            None => ("none", None),
        };
        let status_label = match &day.data {
            Some(d) => self.status_label(d.status),
            None => self.t.get("status_none").to_string(),
        };
        let label = match &uptime {
            Some(u) => self.t.fill(
                "day_label",
                &[("date", &date), ("uptime", u), ("status", &status_label)],
            ),
            None => self.t.fill("day_label_no_data", &[("date", &date)]),
        };
        DayView {
            date: day.date.format("%Y-%m-%d").to_string(),
            label,
            status,
            status_label,
            uptime,
            events,
        }
    }

    fn affected(&self, list: &[(impl AsRef<str>, ComponentStatus)]) -> Vec<AffectedView> {
        list.iter()
            .map(|(id, status)| {
                let id = id.as_ref();
                AffectedView {
                    id: id.to_string(),
                    name: self
                        .model
                        .site
                        .component(id)
                        .map_or_else(|| id.to_string(), |c| c.name.clone()),
                    status: *status,
                    status_label: self.status_label(*status),
                }
            })
            .collect()
    }

    fn update(&self, update: &Update) -> UpdateView {
        UpdateView {
            anchor: update.anchor(),
            status: update.status.as_str(),
            status_label: self.update_label(update.status),
            at: self.time(update.at),
            message_html: self.memo.html(&update.message).to_string(),
            components: self.affected(&update.components),
        }
    }

    pub(crate) fn card(&self, event: &Event) -> EventCard {
        let now = self.model.now;
        let end = event.end(now);
        let phase = event.phase(now);
        let duration = match event.kind {
            Kind::Notice => None,
            _ if phase == Phase::Upcoming => None,
            _ => Some(self.duration(end.unwrap_or(now) - event.start())),
        };
        let impact = match event.kind {
            Kind::Maintenance => "maintenance",
            _ => event.impact.as_str(),
        };
        EventCard {
            slug: event.slug.clone(),
            title: event.title.clone(),
            kind: event.kind.as_str(),
            kind_label: self.t.get(&format!("kind_{}", event.kind)).to_string(),
            impact,
            impact_label: self.t.get(&format!("impact_{}", event.impact)).to_string(),
            phase: phase_name(phase),
            path: event.path(),
            summary: event.summary.clone(),
            start: self.time(event.start()),
            year: time::local_date(event.start(), self.model.site.time_zone).year(),
            end: end
                .filter(|_| event.kind != Kind::Notice)
                .map(|t| self.time(t)),
            duration,
            scheduled_start: event.scheduled.map(|w| self.time(w.start)),
            scheduled_end: event.scheduled.map(|w| self.time(w.end)),
            components: self.affected(&shown_statuses(event, now)),
            latest: event.latest_update().map(|u| self.update(u)),
            draft: event.draft,
            clock: self.clock(event, phase),
        }
    }

    /// What the page's script needs to move a maintenance on as the reader's clock passes its
    /// window (docs/templates.md, "Between builds"); none once it is over, as nothing more can
    /// change without a new update.
    fn clock(&self, event: &Event, phase: Phase) -> Option<ClockView> {
        let window = event
            .scheduled
            .filter(|_| event.kind == Kind::Maintenance)?;
        if phase == Phase::Past {
            return None;
        }
        // Not over, so no `completed` update is out yet: the window's end ends it.
        let start = event.start();
        let shows = match event.latest_update().map(|u| u.status) {
            Some(UpdateStatus::Scheduled) => Phase::Upcoming,
            Some(UpdateStatus::InProgress | UpdateStatus::Verifying) => Phase::Active,
            _ => phase,
        };
        Some(ClockView {
            start: time::rfc3339_utc(start),
            end: time::rfc3339_utc(window.end),
            shows: phase_name(shows),
            end_display: self.time(window.end).display,
            duration: self.duration(window.end - start),
        })
    }

    pub(crate) fn event_page(&self, event: &Event, card: Card) -> EventPage {
        EventPage {
            card,
            updates: event
                .timeline
                .iter()
                .rev()
                .map(|u| self.update(u))
                .collect(),
            body_html: self.memo.html(&event.body).to_string(),
        }
    }

    /// A month of the site's history (`history/YYYY/MM/`), or of one component's
    /// (`components/ID/YYYY/MM/`) when `component` is given.
    pub(crate) fn month_link(
        &self,
        component: Option<&str>,
        year: i32,
        month: u32,
        count: usize,
    ) -> MonthLink {
        let label = NaiveDate::from_ymd_opt(year, month, 1)
            .map(|d| self.t.date(d, "month_format"))
            .unwrap_or_default();
        let folder = match component {
            Some(id) => format!("components/{id}"),
            None => "history".to_string(),
        };
        MonthLink {
            id: format!("{year:04}-{month:02}"),
            label,
            path: format!("{folder}/{year:04}/{month:02}/"),
            count,
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub(crate) struct SiteView {
    pub title: String,
    pub description: Option<String>,
    pub base_url: String,
    pub language: String,
    pub time_zone: String,
    pub links: Vec<Link>,
    pub uptime_days: u32,
    /// The uptime formula in words, so the page states what its percentages mean.
    pub uptime_formula: String,
    /// The logo's path relative to the site root (`assets/logo.svg`), if the site has one.
    pub logo: Option<String>,
    /// The header's colours, if the site sets `accent_color`.
    pub accent: Option<Accent>,
    pub footer_links: Vec<Link>,
    /// Whether the site has a search page (`search:` in site.yaml, docs/search.md).
    pub search: bool,
    /// Stylesheets and scripts: path under `static/` → the fingerprinted path the build also
    /// writes (`assets/style.css` → `assets/style.0123456789abcdef.css`), for links that
    /// browsers may cache for a year.
    pub assets: std::collections::BTreeMap<String, String>,
}

/// A background colour and the text colour that reads on it.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Accent {
    pub background: String,
    /// `#000000` or `#ffffff`, whichever contrasts more (WCAG relative luminance).
    pub text: &'static str,
}

/// Black or white text, whichever has the higher contrast on `#rrggbb`.
fn readable_on(hex: &str) -> &'static str {
    let channel = |i: usize| {
        let c =
            u8::from_str_radix(hex.get(i..i + 2).unwrap_or("00"), 16).unwrap_or(0) as f64 / 255.0;
        if c <= 0.04045 {
            c / 12.92
        } else {
            ((c + 0.055) / 1.055).powf(2.4)
        }
    };
    let luminance = 0.2126 * channel(1) + 0.7152 * channel(3) + 0.0722 * channel(5);
    // Contrast with black is (L + 0.05) / 0.05, with white 1.05 / (L + 0.05).
    if (luminance + 0.05) / 0.05 >= 1.05 / (luminance + 0.05) {
        "#000000"
    } else {
        "#ffffff"
    }
}

/// The page being rendered.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct PageView {
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
pub(crate) struct FeedLink {
    pub title: String,
    /// Relative to the page (starts with `root`).
    pub href: String,
    /// `application/atom+xml` or `application/rss+xml`.
    pub mime: &'static str,
}

const ATOM: &str = "application/atom+xml";
const RSS: &str = "application/rss+xml";

impl FeedLink {
    /// The site-wide feeds, and a component's own when `component` (id, name) is given, with
    /// titles in the page's language.
    pub(crate) fn for_page(
        t: &Translations,
        root: &str,
        site_title: &str,
        component: Option<(&str, &str)>,
    ) -> Vec<FeedLink> {
        let mut feeds = Vec::new();
        let mut add = |key: &str, name: &str, href: String, mime| {
            feeds.push(FeedLink {
                title: t.fill(key, &[("name", name)]),
                href,
                mime,
            })
        };
        if let Some((id, name)) = component {
            add(
                "feed_atom",
                name,
                format!("{root}components/{id}/feed.atom"),
                ATOM,
            );
            add(
                "feed_rss",
                name,
                format!("{root}components/{id}/feed.rss"),
                RSS,
            );
        }
        add("feed_atom", site_title, format!("{root}feed.atom"), ATOM);
        add("feed_rss", site_title, format!("{root}feed.rss"), RSS);
        add(
            "feed_updates",
            site_title,
            format!("{root}updates.atom"),
            ATOM,
        );
        feeds
    }
}

#[derive(Debug, Clone, Serialize)]
pub(crate) struct StatusView {
    /// `none`, `minor`, `major` or `critical`.
    pub indicator: &'static str,
    /// In the page's language: "All Systems Operational", …
    pub description: String,
    /// The worst component status now, for colouring the banner.
    pub worst_status: ComponentStatus,
}

#[derive(Debug, Clone, Serialize)]
pub(crate) struct DayView {
    /// `YYYY-MM-DD`.
    pub date: String,
    /// The whole day in words, for tooltips and screen readers.
    pub label: String,
    /// A component status, or `none` for no data.
    pub status: &'static str,
    pub status_label: String,
    /// `NN.NN`, absent for days without data.
    pub uptime: Option<String>,
    pub events: Vec<EventLink>,
}

#[derive(Debug, Clone, Serialize)]
pub(crate) struct EventLink {
    pub slug: String,
    pub title: String,
    /// Relative to the site root: `incidents/SLUG/`.
    pub path: String,
}

impl EventLink {
    pub(crate) fn new(event: &Event) -> Self {
        EventLink {
            slug: event.slug.clone(),
            title: event.title.clone(),
            path: event.path(),
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub(crate) struct ComponentView {
    pub id: String,
    pub name: String,
    pub description: Option<String>,
    pub group: Option<String>,
    pub status: ComponentStatus,
    pub status_label: String,
    /// Relative to the site root: `components/ID/`.
    pub path: String,
    /// The window's uptime `NN.NN`, absent when no day has data.
    pub uptime: Option<String>,
    /// Oldest first.
    pub days: Vec<DayView>,
    /// The first day with data, formatted.
    pub since: Option<String>,
    /// Whether the front page draws this component's uptime bar: always on a site of at most
    /// [`FULL_FRONT_PAGE`] components; on a larger one only for a component not operational
    /// now, at most [`FRONT_PAGE_BARS`] of them (docs/templates.md, "The front page").
    pub front_bar: bool,
}

/// Up to this many components, the front page shows every component with its uptime bar.
pub(crate) const FULL_FRONT_PAGE: usize = 12;

/// On a larger site, the most uptime bars the front page draws (each is some 6 KB of HTML);
/// every component's bar is on its own page.
pub(crate) const FRONT_PAGE_BARS: usize = 8;

#[derive(Debug, Clone, Serialize)]
pub(crate) struct GroupView {
    pub name: Option<String>,
    /// The worst status among its members.
    pub status: ComponentStatus,
    pub status_label: String,
    /// Shown folded on the front page: a site of more than [`FULL_FRONT_PAGE`] components, and
    /// every member operational now (as Statuspage folds such groups).
    pub collapsed: bool,
    pub components: Vec<ComponentView>,
}

#[derive(Debug, Clone, Serialize)]
pub(crate) struct AffectedView {
    pub id: String,
    pub name: String,
    pub status: ComponentStatus,
    pub status_label: String,
}

#[derive(Debug, Clone, Serialize)]
pub(crate) struct UpdateView {
    /// The fragment naming this update on the event page, e.g. `update-20140417T213000Z`.
    pub anchor: String,
    pub status: &'static str,
    pub status_label: String,
    pub at: TimeView,
    /// The message, rendered from Markdown and sanitised.
    pub message_html: String,
    /// Components whose status this update changes.
    pub components: Vec<AffectedView>,
}

/// An event card as pages hold it: shared between pages, with its fingerprint for page keys.
pub(crate) type Card = Arc<Fingerprinted<EventCard>>;

/// An event as lists show it: no body, only its latest update.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct EventCard {
    pub slug: String,
    pub title: String,
    pub kind: &'static str,
    pub kind_label: String,
    /// `none`, `minor`, `major`, `critical`; `maintenance` for maintenance, `none` for notices.
    pub impact: &'static str,
    pub impact_label: String,
    /// `ongoing`, `active`, `upcoming` or `past`.
    pub phase: &'static str,
    pub path: String,
    pub summary: String,
    pub start: TimeView,
    /// The year of `start`, in the site's zone: what the search page filters by.
    pub year: i32,
    pub end: Option<TimeView>,
    pub duration: Option<String>,
    pub scheduled_start: Option<TimeView>,
    pub scheduled_end: Option<TimeView>,
    pub components: Vec<AffectedView>,
    pub latest: Option<UpdateView>,
    pub draft: bool,
    /// A maintenance not over yet: its window, for the page's script.
    pub clock: Option<ClockView>,
}

/// A maintenance's window as the page's script reads it (docs/templates.md, "Between
/// builds"): without JavaScript the page keeps what the build saw.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct ClockView {
    /// When it starts, RFC 3339 in UTC.
    pub start: String,
    /// When its window ends, RFC 3339 in UTC.
    pub end: String,
    /// The phase its latest update's label stands for (`upcoming` for `scheduled`, `active`
    /// for `in_progress` and `verifying`): the script moves the label on only from there.
    pub shows: &'static str,
    /// The end as the event page's "Ended" shows it once the window is over.
    pub end_display: String,
    /// The whole window's length, as "Duration" shows it once it is over.
    pub duration: String,
}

/// An event with everything its own page shows.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct EventPage {
    #[serde(flatten)]
    pub card: Card,
    /// Newest first.
    pub updates: Vec<UpdateView>,
    /// The post-mortem, rendered from Markdown and sanitised.
    pub body_html: String,
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

fn phase_name(phase: Phase) -> &'static str {
    match phase {
        Phase::Ongoing => "ongoing",
        Phase::Active => "active",
        Phase::Upcoming => "upcoming",
        Phase::Past => "past",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accent_text_is_whichever_reads_better() {
        assert_eq!(readable_on("#ffffff"), "#000000");
        assert_eq!(readable_on("#0b5cad"), "#ffffff");
        assert_eq!(readable_on("#f0c000"), "#000000");
    }
}

/// One calendar day of the front page's recent history.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct DayOfEvents {
    /// `YYYY-MM-DD`, for `<time datetime>`: a day, not an instant.
    pub day: String,
    pub date: TimeView,
    pub events: Vec<Card>,
    /// How many more events began that day than the page shows (it shows at most
    /// `feed_entries` in all); they are on the month's page, `month_path`.
    pub more: usize,
    pub month_path: String,
}

/// A month of the history index.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct MonthLink {
    /// `2014-04`.
    pub id: String,
    /// `April 2014`, in the page's language.
    pub label: String,
    pub path: String,
    pub count: usize,
}

/// The choices of the search page's filters: exactly the values the event pages give Pagefind
/// (`data-pagefind-filter`), in the page's language, only those some event has.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct SearchFilters {
    /// Component names, in site order.
    pub components: Vec<String>,
    /// Kind labels, in the order incident, maintenance, notice.
    pub kinds: Vec<String>,
    /// Incidents' impact labels, lowest first.
    pub impacts: Vec<String>,
    /// Newest first.
    pub years: Vec<i32>,
}

impl Views<'_> {
    pub(crate) fn search_filters(&self, cards: &[Card]) -> SearchFilters {
        let model = self.model;
        let has = |pred: &dyn Fn(&Event) -> bool| model.events.iter().any(|e| pred(e));
        let years: std::collections::BTreeSet<i32> = cards.iter().map(|c| c.year).collect();
        SearchFilters {
            components: model
                .site
                .components
                .iter()
                .filter(|c| !model.event_indices_for(&c.id).is_empty())
                .map(|c| c.name.clone())
                .collect(),
            kinds: Kind::ALL
                .iter()
                .filter(|k| has(&|e| e.kind == **k))
                .map(|k| self.t.get(&format!("kind_{k}")).to_string())
                .collect(),
            impacts: Impact::ALL
                .iter()
                .filter(|i| has(&|e| e.kind == Kind::Incident && e.impact == **i))
                .map(|i| self.t.get(&format!("impact_{i}")).to_string())
                .collect(),
            years: years.into_iter().rev().collect(),
        }
    }
}
