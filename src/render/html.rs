//! The HTML pages of output.md's "Pages" table, rendered with Tera from view structs.

use chrono::{Datelike, Days, NaiveDate};
use rayon::prelude::*;
use serde::Serialize;
use tera::{Context, Tera};

use super::OutputFile;
use super::views::{
    ComponentView, DayOfEvents, EventCard, EventPage, FeedLink, GroupView, MonthLink, PageView,
    SiteView, StatusView, TimeView,
};
use crate::error::Error;
use crate::model::{ComponentStatus, Model, Month, Phase, Uptime};
use crate::theme::Theme;
use crate::time;

/// How many days of recent history the front page lists.
const RECENT_DAYS: u64 = 7;

/// What several pages share, computed once per build.
pub struct Prepared {
    /// One card per event, in `model.events` order.
    pub cards: Vec<EventCard>,
    /// One per component, in site order.
    pub uptimes: Vec<Uptime>,
    pub components: Vec<ComponentView>,
    pub site: SiteView,
}

impl Prepared {
    pub fn new(model: &Model) -> Self {
        let cards = model
            .events
            .par_iter()
            .map(|e| EventCard::new(model, e))
            .collect();
        let uptimes: Vec<Uptime> = model
            .site
            .components
            .par_iter()
            .map(|c| model.uptime(c))
            .collect();
        let components = model
            .site
            .components
            .iter()
            .zip(&uptimes)
            .map(|(c, u)| ComponentView::new(model, c, u))
            .collect();
        Prepared {
            cards,
            uptimes,
            components,
            site: SiteView::new(&model.site, model.now),
        }
    }
}

pub struct Renderer<'a> {
    tera: Tera,
    theme: &'a Theme,
}

impl<'a> Renderer<'a> {
    pub fn new(theme: &'a Theme, model: &Model) -> Result<Self, Error> {
        let mut tera = Tera::new();
        let templates: Vec<(&str, String)> = theme
            .templates
            .iter()
            .map(|(name, file)| {
                (
                    name.as_str(),
                    String::from_utf8_lossy(&file.bytes).into_owned(),
                )
            })
            .collect();
        tera.add_raw_templates(templates)
            .map_err(|e| template_error(theme, e))?;
        register_filters(&mut tera, model.site.time_zone);
        Ok(Renderer { tera, theme })
    }

    fn render(&self, template: &str, context: &Context) -> Result<String, Error> {
        self.tera
            .render(template, context)
            .map_err(|e| template_error(self.theme, e))
    }

    fn page(
        &self,
        prepared: &Prepared,
        template: &str,
        path: String,
        page: PageView,
        extra: impl Serialize,
    ) -> Result<OutputFile, Error> {
        let mut context =
            Context::from_serialize(&extra).map_err(|e| template_error(self.theme, e))?;
        context.insert("site", &prepared.site);
        context.insert("page", &page);
        Ok(OutputFile::new(path, self.render(template, &context)?))
    }

    /// Every HTML page of the site.
    pub fn pages(&self, model: &Model, prepared: &Prepared) -> Result<Vec<OutputFile>, Error> {
        let mut files = vec![
            self.index(model, prepared)?,
            self.history(model, prepared)?,
            self.not_found(model, prepared)?,
        ];
        let events: Result<Vec<OutputFile>, Error> = (0..model.events.len())
            .into_par_iter()
            .map(|i| self.event(model, prepared, i))
            .collect();
        files.extend(events?);
        let components: Result<Vec<OutputFile>, Error> = (0..model.site.components.len())
            .into_par_iter()
            .map(|i| self.component(model, prepared, i))
            .collect();
        files.extend(components?);
        let months = model.months();
        let month_pages: Result<Vec<OutputFile>, Error> = months
            .par_iter()
            .enumerate()
            .map(|(i, m)| self.month(model, prepared, &months, i, m))
            .collect();
        files.extend(month_pages?);
        Ok(files)
    }

    fn index(&self, model: &Model, prepared: &Prepared) -> Result<OutputFile, Error> {
        let overall = model.overall();
        let worst = prepared
            .components
            .iter()
            .filter_map(|c| ComponentStatus::parse(c.status))
            .max()
            .unwrap_or(ComponentStatus::Operational);
        let in_phase = |phase: Phase| -> Vec<&EventCard> {
            model
                .events
                .iter()
                .zip(&prepared.cards)
                .filter(|(e, _)| e.phase(model.now) == phase)
                .map(|(_, c)| c)
                .collect()
        };
        let mut upcoming = in_phase(Phase::Upcoming);
        // Soonest first: the next maintenance is what readers plan around.
        upcoming.reverse();
        #[derive(Serialize)]
        struct Index<'a> {
            status: StatusView,
            groups: Vec<GroupView>,
            ongoing: Vec<&'a EventCard>,
            active_maintenance: Vec<&'a EventCard>,
            upcoming_maintenance: Vec<&'a EventCard>,
            recent: Vec<DayOfEvents>,
        }
        let data = Index {
            status: StatusView {
                indicator: overall.indicator.as_str(),
                description: overall.description(),
                worst_status: worst.as_str(),
            },
            groups: groups(model, prepared),
            ongoing: in_phase(Phase::Ongoing),
            active_maintenance: in_phase(Phase::Active),
            upcoming_maintenance: upcoming,
            recent: recent_days(model, prepared),
        };
        let page = self.page_view(model, "index", model.site.title.clone(), "");
        self.page(prepared, "index.html", "index.html".into(), page, data)
    }

    fn event(&self, model: &Model, prepared: &Prepared, i: usize) -> Result<OutputFile, Error> {
        let event = &model.events[i];
        let view = EventPage::new(model, event, prepared.cards[i].clone());
        let path = format!("incidents/{}/", event.slug);
        let page = self.page_view(model, "event", event.title.clone(), &path);
        #[derive(Serialize)]
        struct Data {
            event: EventPage,
        }
        self.page(
            prepared,
            "event.html",
            format!("{path}index.html"),
            page,
            Data { event: view },
        )
    }

    fn component(&self, model: &Model, prepared: &Prepared, i: usize) -> Result<OutputFile, Error> {
        let component = &prepared.components[i];
        let events: Vec<&EventCard> = model
            .event_indices_for(&component.id)
            .iter()
            .map(|&e| &prepared.cards[e])
            .collect();
        let page = self.page_view(model, "component", component.name.clone(), &component.path);
        #[derive(Serialize)]
        struct Data<'a> {
            component: &'a ComponentView,
            events: Vec<&'a EventCard>,
        }
        let path = format!("{}index.html", component.path);
        self.page(
            prepared,
            "component.html",
            path,
            page,
            Data { component, events },
        )
    }

    fn history(&self, model: &Model, prepared: &Prepared) -> Result<OutputFile, Error> {
        #[derive(Serialize)]
        struct Data<'a> {
            latest: Vec<&'a EventCard>,
            months: Vec<MonthLink>,
        }
        let mut latest: Vec<&EventCard> = prepared
            .cards
            .iter()
            .filter(|c| c.phase != "upcoming")
            .collect();
        latest.truncate(model.site.feed_entries);
        let data = Data {
            latest,
            months: model.months().iter().map(month_link).collect(),
        };
        let page = self.page_view(model, "history", "History".into(), "history/");
        self.page(
            prepared,
            "history.html",
            "history/index.html".into(),
            page,
            data,
        )
    }

    fn month(
        &self,
        model: &Model,
        prepared: &Prepared,
        months: &[Month],
        i: usize,
        month: &Month,
    ) -> Result<OutputFile, Error> {
        #[derive(Serialize)]
        struct Data<'a> {
            month: MonthLink,
            events: Vec<&'a EventCard>,
            newer: Option<MonthLink>,
            older: Option<MonthLink>,
        }
        let link = month_link(month);
        let data = Data {
            events: month.events.iter().map(|&e| &prepared.cards[e]).collect(),
            newer: i.checked_sub(1).map(|j| month_link(&months[j])),
            older: months.get(i + 1).map(month_link),
            month: link.clone(),
        };
        let page = self.page_view(model, "month", link.label.clone(), &link.path);
        self.page(
            prepared,
            "month.html",
            format!("{}index.html", link.path),
            page,
            data,
        )
    }

    fn not_found(&self, model: &Model, prepared: &Prepared) -> Result<OutputFile, Error> {
        // Served for any missing path, so its links start from the site's base path.
        let root = model.site.base_url.path().to_string();
        let page = PageView {
            kind: "404",
            title: "Page not found".into(),
            feeds: FeedLink::for_page(&root, &model.site.title, None),
            root,
            url: format!("{}404.html", model.site.base_url),
        };
        self.page(
            prepared,
            "404.html",
            "404.html".into(),
            page,
            serde_json::json!({}),
        )
    }

    fn page_view(&self, model: &Model, kind: &'static str, title: String, path: &str) -> PageView {
        let depth = path.matches('/').count();
        let root = if depth == 0 {
            "./".to_string()
        } else {
            "../".repeat(depth)
        };
        let component = path
            .strip_prefix("components/")
            .and_then(|rest| rest.strip_suffix('/'))
            .map(|id| (id, title.as_str()));
        let feeds = FeedLink::for_page(&root, &model.site.title, component);
        PageView {
            kind,
            url: format!("{}{path}", model.site.base_url),
            title,
            root,
            feeds,
        }
    }
}

fn groups(model: &Model, prepared: &Prepared) -> Vec<GroupView> {
    model
        .groups()
        .into_iter()
        .map(|g| {
            let components: Vec<ComponentView> = g
                .components
                .iter()
                .filter_map(|c| prepared.components.iter().find(|v| v.id == c.id))
                .cloned()
                .collect();
            let status = components
                .iter()
                .filter_map(|c| ComponentStatus::parse(c.status))
                .max()
                .unwrap_or(ComponentStatus::Operational)
                .as_str();
            GroupView {
                name: g.name.map(str::to_string),
                status,
                components,
            }
        })
        .collect()
}

/// The last seven days (site time zone), newest first, each with the events that started on it.
fn recent_days(model: &Model, prepared: &Prepared) -> Vec<DayOfEvents> {
    let zone = model.site.time_zone;
    let today = time::local_date(model.now, zone);
    (0..RECENT_DAYS)
        .filter_map(|back| today.checked_sub_days(Days::new(back)))
        .map(|date: NaiveDate| {
            let events = model
                .events
                .iter()
                .zip(&prepared.cards)
                .filter(|(e, _)| {
                    e.phase(model.now) != Phase::Upcoming
                        && time::local_date(e.start(), zone) == date
                })
                .map(|(_, c)| c.clone())
                .collect();
            DayOfEvents {
                date: TimeView::new(time::start_of_day(date, zone), zone),
                events,
            }
        })
        .collect()
}

fn month_link(month: &Month) -> MonthLink {
    let label = NaiveDate::from_ymd_opt(month.year, month.month, 1)
        .map(|d| d.format("%B %Y").to_string())
        .unwrap_or_default();
    debug_assert!(
        NaiveDate::from_ymd_opt(month.year, month.month, 1).is_some_and(|d| d.year() == month.year)
    );
    MonthLink {
        id: format!("{:04}-{:02}", month.year, month.month),
        label,
        path: format!("history/{:04}/{:02}/", month.year, month.month),
        count: month.events.len(),
    }
}

/// Small date filters for theme authors, on the site's zone: `{{ t.datetime | date(format="%d %b") }}`.
fn register_filters(tera: &mut Tera, zone: chrono_tz::Tz) {
    tera.register_filter(
        "date",
        move |value: &str, kwargs: tera::Kwargs, _: &tera::State| {
            let format: String = kwargs
                .get("format")?
                .unwrap_or_else(|| "%b %-d, %Y %H:%M %Z".to_string());
            let parsed = chrono::DateTime::parse_from_rfc3339(value).map_err(|e| {
                tera::Error::message(format!("`date` needs an RFC 3339 time, not `{value}`: {e}"))
            })?;
            let local = parsed.with_timezone(&zone);
            let mut out = String::new();
            use std::fmt::Write;
            write!(out, "{}", local.format(&format)).map_err(|_| {
                tera::Error::message(format!("`{format}` is not a valid date format"))
            })?;
            Ok::<String, tera::Error>(out)
        },
    );
}

fn template_error(theme: &Theme, error: tera::Error) -> Error {
    let origin = match error.kind() {
        tera::ErrorKind::SyntaxError(report) | tera::ErrorKind::RenderingError(report) => {
            theme.origin_of(report.filename())
        }
        _ => "of the theme".to_string(),
    };
    let mut message = error.to_string();
    let mut source = std::error::Error::source(&error);
    while let Some(cause) = source {
        message.push_str(&format!(": {cause}"));
        source = cause.source();
    }
    Error::Template { origin, message }
}
