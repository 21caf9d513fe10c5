//! The HTML pages a site has (docs/templates.md, "What templates see"), rendered with Tera from view structs. Pages
//! whose inputs did not change since the last build (same key) are taken from the cache.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use chrono::{Days, NaiveDate};
use rayon::prelude::*;
use serde::Serialize;
use tera::{Context, Tera};

use super::cache::{Memo, RenderCache, Rendered, Reuse};
use super::views::{
    Card, ComponentView, DayOfEvents, EventPage, FRONT_PAGE_BARS, FULL_FRONT_PAGE, FeedLink,
    GroupView, MonthLink, PageView, SearchFilters, SiteView, StatusView, TimeView, Views,
};
use crate::error::{Diagnostic, Error, ErrorCode};
use crate::fingerprint::{self, Fingerprinted};
use crate::i18n::Translations;
use crate::model::{ComponentStatus, Event, Model, Month, Phase, Uptime};
use crate::sync::lock;
use crate::theme::{THEMES_DIR, Theme};
use crate::time;
use crate::yaml::YamlSource;
use std::path::Path;

mod subscribe;

/// How many days of recent history the front page lists.
const RECENT_DAYS: u64 = 7;

/// What several pages share, computed once per build.
pub(crate) struct Prepared {
    /// One card per event, in `model.events` order.
    pub cards: Vec<Card>,
    /// The key of each event's views: its text, and as much of `now` as they depend on.
    pub event_keys: Vec<u64>,
    /// One per component, in site order.
    pub uptimes: Vec<Uptime>,
    pub components: Vec<ComponentView>,
    pub site: SiteView,
    /// The fingerprint of `site`, part of every page's key.
    pub site_hash: Option<u64>,
    /// The site's settings and the theme: the inputs of cards and event views.
    pub base_key: u64,
}

impl Prepared {
    pub(crate) fn new(
        model: &Model,
        theme: &Theme,
        t: &Translations,
        cache: &mut RenderCache,
    ) -> Self {
        let base_key = fingerprint::of(&(site_key(model), theme.fingerprint()));
        let event_keys: Vec<u64> = model
            .events
            .par_iter()
            .map(|e| fingerprint::of(&(base_key, event_key(e, model))))
            .collect();
        let views = Views {
            model,
            memo: &cache.markdown,
            t,
        };
        let previous = std::mem::take(&mut cache.cards);
        let cards: Vec<Card> = model
            .events
            .par_iter()
            .zip(&event_keys)
            .map(|(e, key)| match previous.get(&e.slug) {
                Some((k, card)) if k == key => card.clone(),
                _ => Arc::new(Fingerprinted::new(views.card(e))),
            })
            .collect();
        cache.cards = model
            .events
            .iter()
            .zip(&event_keys)
            .zip(&cards)
            .map(|((e, key), card)| (e.slug.clone(), (*key, card.clone())))
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
            .map(|(c, u)| views.component(c, u))
            .collect();
        let site = SiteView {
            assets: theme.fingerprinted_assets(),
            ..views.site()
        };
        Prepared {
            cards,
            event_keys,
            uptimes,
            components,
            site_hash: fingerprint::of_serialized(&site),
            site,
            base_key,
        }
    }
}

/// What every output depends on in the site's settings.
pub(crate) fn site_key(model: &Model) -> u64 {
    fingerprint::of(&format!("{:?}", model.site))
}

/// The inputs of an event's views (card and page): its text, and as much of `now` as they
/// depend on: not at all once it is over; to the minute while it is ongoing, active or
/// upcoming (durations "so far", phases). Pages are keyed by the views themselves.
fn event_key(event: &Event, model: &Model) -> u64 {
    let phase = event.phase(model.now);
    let minute = match phase {
        Phase::Past => 0,
        _ => model.now.timestamp().div_euclid(60),
    };
    fingerprint::of(&(event.fingerprint, phase as u8, minute))
}

pub(crate) struct Renderer<'a> {
    tera: Arc<Tera>,
    /// The compiled templates' key: the theme, the translations and the time zone.
    templates_key: u64,
    theme: &'a Theme,
    memo: &'a Memo,
    t: &'a Translations,
    reuse: &'a Reuse<'a>,
    /// The previous build's event page fingerprints, by slug.
    previous_event_pages: HashMap<String, (u64, Option<u64>)>,
    /// This build's, for the next.
    event_pages: Mutex<HashMap<String, (u64, Option<u64>)>>,
}

/// Compiles the theme's templates, or reuses them when the theme and language have not
/// changed. The translations are the templates' global `t`. Returns them with their key.
pub(crate) fn templates(
    theme: &Theme,
    model: &Model,
    t: &Translations,
    cache: &mut RenderCache,
) -> Result<(Arc<Tera>, u64), Error> {
    let key = fingerprint::of(&(
        theme.fingerprint(),
        model.site.time_zone.name(),
        t.strings(),
    ));
    if let Some((k, tera)) = &cache.templates
        && *k == key
    {
        return Ok((tera.clone(), key));
    }
    let mut tera = compile(theme, model.site.time_zone).map_err(|e| template_error(theme, &e))?;
    tera.global_context().insert("t", t.strings());
    let tera = Arc::new(tera);
    cache.templates = Some((key, tera.clone()));
    Ok((tera, key))
}

/// The theme's templates compiled, with sitrep's filters.
fn compile(theme: &Theme, zone: chrono_tz::Tz) -> Result<Tera, tera::Error> {
    let mut tera = Tera::new();
    let sources: Vec<(&str, String)> = theme
        .templates
        .iter()
        .map(|(name, file)| {
            (
                name.as_str(),
                String::from_utf8_lossy(&file.bytes).into_owned(),
            )
        })
        .collect();
    // Filters first: templates are checked against them as they are added.
    register_filters(&mut tera, zone);
    tera.add_raw_templates(sources)?;
    Ok(tera)
}

/// Every template of the theme that does not compile. Tera stops at the first; each of the
/// site's own templates is then compiled with the built-in ones, so one broken template does
/// not hide the next.
pub(crate) fn check_templates(theme: &Theme, zone: chrono_tz::Tz) -> Vec<Diagnostic> {
    let Err(first) = compile(theme, zone) else {
        return Vec::new();
    };
    let builtin = Theme::builtin();
    let mut found: Vec<Diagnostic> = theme
        .templates
        .iter()
        .filter(|(name, file)| builtin.templates.get(*name) != Some(file))
        .filter_map(|(name, file)| {
            let mut trial = builtin.clone();
            trial.templates.insert(name.clone(), file.clone());
            compile(&trial, zone)
                .err()
                .map(|e| template_diagnostic(&trial, &e))
        })
        .collect();
    if found.is_empty() {
        // Broken only together (a block its parent does not have, say).
        found.push(template_diagnostic(theme, &first));
    }
    found
}

impl<'a> Renderer<'a> {
    pub(crate) fn new(
        (tera, templates_key): (Arc<Tera>, u64),
        theme: &'a Theme,
        cache: &'a mut RenderCache,
        t: &'a Translations,
        reuse: &'a Reuse<'a>,
    ) -> Self {
        Renderer {
            tera,
            templates_key,
            theme,
            previous_event_pages: std::mem::take(&mut cache.event_pages),
            event_pages: Mutex::default(),
            memo: &cache.markdown,
            t,
            reuse,
        }
    }

    /// The event page fingerprints of this build, for the next one.
    pub(crate) fn into_event_pages(self) -> HashMap<String, (u64, Option<u64>)> {
        crate::sync::into_inner(self.event_pages)
    }

    fn views<'m>(&'m self, model: &'m Model) -> Views<'m> {
        Views {
            model,
            memo: self.memo,
            t: self.t,
        }
    }

    /// A page's key: exactly what its template is given (the templates, the site view, the
    /// page view and the page's data, by fingerprint), so no field can be left out of it.
    fn page_key(
        &self,
        prepared: &Prepared,
        template: &str,
        page: &PageView,
        data: Option<u64>,
    ) -> Option<u64> {
        let page = fingerprint::of_serialized(page)?;
        Some(fingerprint::of(&(
            self.templates_key,
            prepared.site_hash?,
            template,
            page,
            data?,
        )))
    }

    /// The page at `path`: from the cache if its key is unchanged, else rendered.
    fn page<D: Serialize>(
        &self,
        prepared: &Prepared,
        template: &str,
        path: String,
        page: PageView,
        data: D,
    ) -> Result<Rendered, Error> {
        let key = self.page_key(prepared, template, &page, fingerprint::of_serialized(&data));
        self.reuse
            .file(path, key, || self.render(prepared, template, &page, &data))
    }

    fn render(
        &self,
        prepared: &Prepared,
        template: &str,
        page: &PageView,
        data: &impl Serialize,
    ) -> Result<Bytes, Error> {
        let mut context = self.context(data)?;
        context.insert("site", &prepared.site);
        context.insert("page", page);
        let html = self
            .tera
            .render(template, &context)
            .map_err(|e| template_error(self.theme, &e))?;
        Ok(Bytes::from(html))
    }

    fn context(&self, data: &impl Serialize) -> Result<Context, Error> {
        Context::from_serialize(data).map_err(|e| template_error(self.theme, &e))
    }

    /// Every HTML page of the site, each handed to `emit` as soon as it is made.
    pub(crate) fn pages(
        &self,
        model: &Model,
        prepared: &Prepared,
        emit: &(dyn Fn(Rendered) -> Result<(), Error> + Sync),
    ) -> Result<(), Error> {
        emit(self.index(model, prepared)?)?;
        emit(self.history(model, prepared)?)?;
        emit(self.not_found(model, prepared)?)?;
        if model.site.search {
            emit(self.search(model, prepared)?)?;
        }
        emit(self.subscribe(model, prepared)?)?;
        (0..model.events.len())
            .into_par_iter()
            .try_for_each(|i| emit(self.event(model, prepared, i)?))?;
        (0..model.site.components.len())
            .into_par_iter()
            .try_for_each(|i| emit(self.component(model, prepared, i)?))?;
        // The site's months, then each component's: one archive page per month, so every
        // page stays bounded however long the history (docs/templates.md).
        let mut archives: Vec<(Option<&ComponentView>, Vec<Month>)> = vec![(None, model.months())];
        archives.extend(prepared.components.iter().map(|c| {
            let indices = model.event_indices_for(&c.id).iter().copied();
            (Some(c), model.months_of(indices))
        }));
        archives.par_iter().try_for_each(|(component, months)| {
            (0..months.len())
                .into_par_iter()
                .try_for_each(|i| emit(self.month(model, prepared, *component, months, i)?))
        })
    }

    fn index(&self, model: &Model, prepared: &Prepared) -> Result<Rendered, Error> {
        #[derive(Serialize)]
        struct Index<'a> {
            now: TimeView,
            status: StatusView,
            /// More than `FULL_FRONT_PAGE` components: groups folded, few bars.
            compact: bool,
            groups: Vec<GroupView>,
            ongoing: Vec<&'a Card>,
            active_maintenance: Vec<&'a Card>,
            upcoming_maintenance: Vec<&'a Card>,
            recent: Vec<DayOfEvents>,
        }
        let in_phase = |phase: Phase| -> Vec<&Card> {
            model
                .events
                .iter()
                .zip(&prepared.cards)
                .filter(|(e, _)| e.phase(model.now) == phase)
                .map(|(_, c)| c)
                .collect()
        };
        let overall = model.overall();
        let worst = prepared
            .components
            .iter()
            .map(|c| c.status)
            .max()
            .unwrap_or(ComponentStatus::Operational);
        let mut upcoming = in_phase(Phase::Upcoming);
        // Soonest first: the next maintenance is what readers plan around; the furthest ones
        // are in the history, so the page stays bounded.
        upcoming.reverse();
        upcoming.truncate(model.site.feed_entries);
        let views = self.views(model);
        let compact = prepared.components.len() > FULL_FRONT_PAGE;
        let data = Index {
            now: views.time(model.now),
            status: StatusView {
                indicator: overall.indicator.as_str(),
                description: views
                    .indicator_description(overall.indicator, overall.maintenance_active),
                worst_status: worst,
            },
            compact,
            groups: groups(&views, prepared, compact),
            ongoing: in_phase(Phase::Ongoing),
            active_maintenance: in_phase(Phase::Active),
            upcoming_maintenance: upcoming,
            recent: recent_days(&views, prepared),
        };
        let page = page_view(self.t, model, "index", model.site.title.clone(), "");
        self.page(prepared, "index.html", "index.html".into(), page, data)
    }

    /// An event's page. Its view is built only when its inputs changed since the last build
    /// (or the page must be rendered anyway): the previous fingerprint of the view stands in.
    fn event(&self, model: &Model, prepared: &Prepared, i: usize) -> Result<Rendered, Error> {
        let event = &model.events[i];
        let path = event.path();
        #[derive(Serialize)]
        struct Data {
            event: EventPage,
        }
        let data = || Data {
            event: self
                .views(model)
                .event_page(event, prepared.cards[i].clone()),
        };
        let page = page_view(self.t, model, "event", event.title.clone(), &path);
        let inputs = prepared.event_keys[i];
        let known = self
            .previous_event_pages
            .get(&event.slug)
            .filter(|(k, _)| *k == inputs)
            .map(|(_, fingerprint)| *fingerprint);
        let (fingerprint, built) = match known {
            Some(fingerprint) => (fingerprint, None),
            None => {
                let built = data();
                (fingerprint::of_serialized(&built), Some(built))
            }
        };
        lock(&self.event_pages).insert(event.slug.clone(), (inputs, fingerprint));
        let key = self.page_key(prepared, "event.html", &page, fingerprint);
        self.reuse.file(format!("{path}index.html"), key, || {
            let built = built.unwrap_or_else(data);
            self.render(prepared, "event.html", &page, &built)
        })
    }

    /// A component's page: its status, uptime, latest events, and its months (bounded: older
    /// events are on the month pages).
    fn component(&self, model: &Model, prepared: &Prepared, i: usize) -> Result<Rendered, Error> {
        let component = &prepared.components[i];
        #[derive(Serialize)]
        struct Data<'a> {
            now: TimeView,
            component: &'a ComponentView,
            events: Vec<&'a Card>,
            months: Vec<MonthLink>,
        }
        let indices = model.event_indices_for(&component.id);
        let views = self.views(model);
        let data = Data {
            now: views.time(model.now),
            component,
            events: latest(indices.iter().map(|&e| &prepared.cards[e]), model),
            months: model
                .months_of(indices.iter().copied())
                .iter()
                .map(|m| month_link(&views, Some(&component.id), m))
                .collect(),
        };
        let page = page_view(
            self.t,
            model,
            "component",
            component.name.clone(),
            &component.path,
        );
        let path = format!("{}index.html", component.path);
        self.page(prepared, "component.html", path, page, data)
    }

    fn history(&self, model: &Model, prepared: &Prepared) -> Result<Rendered, Error> {
        #[derive(Serialize)]
        struct Data<'a> {
            latest: Vec<&'a Card>,
            months: Vec<MonthLink>,
        }
        let data = Data {
            latest: latest(prepared.cards.iter(), model),
            months: model
                .months()
                .iter()
                .map(|m| month_link(&self.views(model), None, m))
                .collect(),
        };
        let title = self.t.get("history").to_string();
        let page = page_view(self.t, model, "history", title, "history/");
        self.page(
            prepared,
            "history.html",
            "history/index.html".into(),
            page,
            data,
        )
    }

    /// One month of the site's history, or of a component's when `component` is given.
    fn month(
        &self,
        model: &Model,
        prepared: &Prepared,
        component: Option<&ComponentView>,
        months: &[Month],
        i: usize,
    ) -> Result<Rendered, Error> {
        #[derive(Serialize)]
        struct Data<'a> {
            month: MonthLink,
            /// The component whose history this month is, if it is one.
            component: Option<&'a ComponentView>,
            events: Vec<&'a Card>,
            newer: Option<MonthLink>,
            older: Option<MonthLink>,
        }
        let views = self.views(model);
        let id = component.map(|c| c.id.as_str());
        let link = month_link(&views, id, &months[i]);
        let path = format!("{}index.html", link.path);
        let title = match component {
            Some(c) => format!("{} · {}", c.name, link.label),
            None => link.label.clone(),
        };
        let page = page_view(self.t, model, "month", title, &link.path);
        let data = Data {
            events: months[i]
                .events
                .iter()
                .map(|&e| &prepared.cards[e])
                .collect(),
            component,
            newer: i.checked_sub(1).map(|j| month_link(&views, id, &months[j])),
            older: months.get(i + 1).map(|m| month_link(&views, id, m)),
            month: link,
        };
        self.page(prepared, "month.html", path, page, data)
    }

    /// The search page (docs/search.md): a form whose filters offer what the events have; the
    /// results come from the Pagefind index in the browser.
    fn search(&self, model: &Model, prepared: &Prepared) -> Result<Rendered, Error> {
        #[derive(Serialize)]
        struct Data {
            filters: SearchFilters,
        }
        let data = Data {
            filters: self.views(model).search_filters(&prepared.cards),
        };
        let title = self.t.get("search_title").to_string();
        let page = page_view(self.t, model, "search", title, "search/");
        self.page(
            prepared,
            "search.html",
            "search/index.html".into(),
            page,
            data,
        )
    }

    fn not_found(&self, model: &Model, prepared: &Prepared) -> Result<Rendered, Error> {
        // Served for any missing path, so its links start from the site's base path.
        let root = model.site.base_url.path().to_string();
        let page = PageView {
            kind: "404",
            title: self.t.get("not_found_title").to_string(),
            feeds: FeedLink::for_page(self.t, &root, &model.site.title, None),
            root,
            url: format!("{}404.html", model.site.base_url),
        };
        #[derive(Serialize)]
        struct Nothing {}
        self.page(prepared, "404.html", "404.html".into(), page, Nothing {})
    }
}

fn page_view(
    t: &Translations,
    model: &Model,
    kind: &'static str,
    title: String,
    path: &str,
) -> PageView {
    let depth = path.matches('/').count();
    let root = if depth == 0 {
        "./".to_string()
    } else {
        "../".repeat(depth)
    };
    // A component's pages (its own and its months') announce its feeds too.
    let component = path
        .strip_prefix("components/")
        .and_then(|rest| rest.split('/').next())
        .and_then(|id| model.site.component(id))
        .map(|c| (c.id.as_str(), c.name.as_str()));
    let feeds = FeedLink::for_page(t, &root, &model.site.title, component);
    PageView {
        kind,
        url: format!("{}{path}", model.site.base_url),
        title,
        root,
        feeds,
    }
}

/// The front page's groups (docs/templates.md, "The front page"): on a site of more than
/// [`FULL_FRONT_PAGE`] components, a group whose members are all operational is folded, and
/// only components in trouble keep their bars, so the page stays small however many there are.
fn groups(views: &Views<'_>, prepared: &Prepared, compact: bool) -> Vec<GroupView> {
    let by_id: HashMap<&str, &ComponentView> = prepared
        .components
        .iter()
        .map(|c| (c.id.as_str(), c))
        .collect();
    let mut bars_left = FRONT_PAGE_BARS;
    views
        .model
        .groups()
        .into_iter()
        .map(|g| {
            let mut components: Vec<ComponentView> = g
                .components
                .iter()
                .filter_map(|c| by_id.get(c.id.as_str()).map(|v| (*v).clone()))
                .collect();
            if compact {
                for c in &mut components {
                    c.front_bar = c.status != ComponentStatus::Operational && bars_left > 0;
                    bars_left -= usize::from(c.front_bar);
                }
            }
            let status = components
                .iter()
                .map(|c| c.status)
                .max()
                .unwrap_or(ComponentStatus::Operational);
            GroupView {
                name: g.name.map(str::to_string),
                status,
                status_label: views.status_label(status),
                collapsed: compact && status == ComponentStatus::Operational,
                components,
            }
        })
        .collect()
}

/// The last seven days (site time zone), newest first, each with the events that started on it.
fn recent_days(views: &Views<'_>, prepared: &Prepared) -> Vec<DayOfEvents> {
    let model = views.model;
    let zone = model.site.time_zone;
    let today = time::local_date(model.now, zone);
    let oldest = today
        .checked_sub_days(Days::new(RECENT_DAYS - 1))
        .unwrap_or(today);
    let recent: Vec<(NaiveDate, &Card)> = model
        .events
        .iter()
        .zip(&prepared.cards)
        .filter(|(e, _)| e.phase(model.now) != Phase::Upcoming)
        .map(|(e, c)| (time::local_date(e.start(), zone), c))
        .filter(|(date, _)| *date >= oldest && *date <= today)
        .collect();
    // At most `feed_entries` cards in all, newest first, so the front page stays bounded
    // however busy the week was; each day says how many more its month's page has.
    let mut room = model.site.feed_entries;
    (0..RECENT_DAYS)
        .filter_map(|back| today.checked_sub_days(Days::new(back)))
        .map(|date| {
            let all: Vec<&Card> = recent
                .iter()
                .filter(|(d, _)| *d == date)
                .map(|(_, c)| *c)
                .collect();
            let shown = all.len().min(room);
            room -= shown;
            DayOfEvents {
                day: date.format("%Y-%m-%d").to_string(),
                date: views.time(time::start_of_day(date, zone)),
                events: all[..shown].iter().map(|c| Arc::clone(c)).collect(),
                more: all.len() - shown,
                month_path: format!("history/{}/", date.format("%Y/%m")),
            }
        })
        .collect()
}

/// The latest `feed_entries` of `cards` (newest first) that have begun: what a history page
/// lists before its months.
fn latest<'a>(cards: impl Iterator<Item = &'a Card>, model: &Model) -> Vec<&'a Card> {
    cards
        .filter(|c| c.phase != "upcoming")
        .take(model.site.feed_entries)
        .collect()
}

fn month_link(views: &Views<'_>, component: Option<&str>, month: &Month) -> MonthLink {
    views.month_link(component, month.year, month.month, month.events.len())
}

/// Small filters for theme authors: `date` formats an RFC 3339 time in the site's zone
/// (`{{ t.datetime | date(format="%d %b") }}`); `fill` puts values into a translated string
/// (`{{ t.lasted | fill(duration=event.duration) }}`).
fn register_filters(tera: &mut Tera, zone: chrono_tz::Tz) {
    tera.register_filter(
        "fill",
        |template: &str, kwargs: tera::Kwargs, _: &tera::State| {
            let mut out = template.to_string();
            for (name, value) in kwargs.iter() {
                let text = value
                    .as_str()
                    .map_or_else(|| value.to_string(), str::to_string);
                out = out.replace(&format!("{{{name}}}"), &text);
            }
            out
        },
    );
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

fn template_error(theme: &Theme, error: &tera::Error) -> Error {
    Error::Content(vec![template_diagnostic(theme, error)])
}

/// A Tera error as a diagnostic in the template's file: its line, column and text.
fn template_diagnostic(theme: &Theme, error: &tera::Error) -> Diagnostic {
    let mut message = match error.kind() {
        tera::ErrorKind::SyntaxError(report) | tera::ErrorKind::RenderingError(report) => {
            report.message().to_string()
        }
        _ => error.to_string(),
    };
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        message.push_str(&format!(": {cause}"));
        source = cause.source();
    }
    let (tera::ErrorKind::SyntaxError(report) | tera::ErrorKind::RenderingError(report)) =
        error.kind()
    else {
        return Diagnostic::new(THEMES_DIR, ErrorCode::Template, message);
    };
    let origin = theme.origin_of(report.filename());
    let Some(file) = theme.templates.get(report.filename()) else {
        return Diagnostic::new(origin, ErrorCode::Template, message);
    };
    let text = String::from_utf8_lossy(&file.bytes);
    let span = report.span();
    let len = if span.end_line == span.start_line {
        span.end_col.saturating_sub(span.start_col).max(1)
    } else {
        1
    };
    YamlSource::whole_file(Path::new(&origin), &text).error_at_position(
        span.start_line as u32,
        span.start_col as u32 + 1,
        len as u32,
        ErrorCode::Template,
        message,
    )
}
