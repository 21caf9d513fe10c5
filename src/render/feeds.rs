//! Atom and RSS feeds (docs/feeds-and-api.md, "Feeds"): one entry per event, and one per update for bots.
//! Ids are fixed by the contract so they never change when an event gains updates.

use atom_syndication as atom;
use chrono::{DateTime, Datelike, FixedOffset, Utc};
use chrono_tz::Tz;

use super::cache::{Memo, Rendered, Reuse};
use crate::fingerprint;
use crate::i18n::Translations;
use crate::markdown;
use crate::model::{Event, Model, Update};

/// Summaries are what bots repost: they fit a post.
const SUMMARY_LIMIT: usize = 280;

/// One entry, before it becomes Atom or RSS.
struct Entry {
    id: String,
    title: String,
    url: String,
    published: DateTime<Utc>,
    updated: DateTime<Utc>,
    summary: String,
    content_html: String,
    /// (component id, component name)
    categories: Vec<(String, String)>,
}

/// A feed: where it lives and what it holds.
struct Feed<'a> {
    /// Relative path without extension: `feed`, `components/web/feed`.
    path: &'a str,
    title: String,
    /// The page the feed belongs to, relative to the site root.
    page: &'a str,
    entries: Vec<Entry>,
}

/// What building feeds needs: the model, rendered Markdown, the previous build's feeds, and
/// the English words of Statuspage's markup (which consumers parse, so it is not translated).
struct Feeds<'a> {
    model: &'a Model,
    memo: &'a Memo,
    reuse: &'a Reuse<'a>,
    english: &'static Translations,
}

/// Every feed of the site: the global ones, the per-update one, and one pair per component.
/// A feed whose entries' events are unchanged is reused from the previous build (feeds do not
/// depend on `now`).
pub(crate) fn render(model: &Model, memo: &Memo, reuse: &Reuse<'_>) -> Vec<Rendered> {
    let feeds = Feeds {
        model,
        memo,
        reuse,
        english: Translations::english(),
    };
    let site = &model.site;
    let mut files = Vec::new();
    let all: Vec<&Event> = model.events.iter().map(|e| &**e).collect();
    files.extend(feeds.event_feed_pair("feed", "", site.title.clone(), &all));

    let updates = latest_updates(model);
    let key = fingerprint::of(
        &updates
            .iter()
            .map(|(e, u)| (e.fingerprint, u.at))
            .collect::<Vec<_>>(),
    );
    let feed = || Feed {
        path: "updates",
        title: format!("{}: every update", site.title),
        page: "",
        entries: update_entries(model, &updates, memo),
    };
    files.push(reused(reuse, "updates.atom", key, || {
        atom_file(model, &feed())
    }));

    for component in &site.components {
        let events: Vec<&Event> = model.events_for(&component.id).collect();
        let path = format!("components/{}/feed", component.id);
        let page = format!("components/{}/", component.id);
        let title = format!("{}: {}", site.title, component.name);
        files.extend(feeds.event_feed_pair(&path, &page, title, &events));
    }
    files
}

impl Feeds<'_> {
    /// The Atom and RSS feeds of some events.
    fn event_feed_pair(
        &self,
        path: &str,
        page: &str,
        title: String,
        events: &[&Event],
    ) -> [Rendered; 2] {
        let model = self.model;
        let selected = latest_events(model, events);
        let key = fingerprint::of(&selected.iter().map(|e| e.fingerprint).collect::<Vec<_>>());
        let feed = || Feed {
            path,
            title: title.clone(),
            page,
            entries: selected.iter().map(|e| self.event_entry(e)).collect(),
        };
        [
            reused(self.reuse, &format!("{path}.atom"), key, || {
                atom_file(model, &feed())
            }),
            reused(self.reuse, &format!("{path}.rss"), key, || {
                rss_file(model, &feed())
            }),
        ]
    }
}

fn reused(reuse: &Reuse<'_>, path: &str, key: u64, make: impl FnOnce() -> Vec<u8>) -> Rendered {
    let made: Result<Rendered, std::convert::Infallible> =
        reuse.file(path.to_string(), Some(key), || Ok(make().into()));
    match made {
        Ok(rendered) => rendered,
        Err(never) => match never {},
    }
}

/// `tag:HOST,YYYY:SLUG`, the year being that of the first update (or the scheduled start) in
/// the site's zone: fixed at the event's birth, so it never changes.
pub(crate) fn event_id(model: &Model, event: &Event) -> String {
    let born = event
        .first_update()
        .map(|u| u.at)
        .or(event.scheduled.map(|w| w.start))
        .unwrap_or_else(|| event.start());
    let year = born.with_timezone(&model.site.time_zone).year();
    format!("tag:{},{year}:{}", model.site.host, event.slug)
}

/// `tag:HOST,YYYY:SLUG/AT`, AT being the update's time in UTC (see [`Update::instant_key`]).
pub(crate) fn update_id(model: &Model, event: &Event, update: &Update) -> String {
    format!("{}/{}", event_id(model, event), update.instant_key())
}

/// Newest last update first, ties by slug; at most `feed_entries`.
fn latest_events<'a>(model: &Model, events: &[&'a Event]) -> Vec<&'a Event> {
    let mut sorted: Vec<&Event> = events.to_vec();
    sorted.sort_by(|a, b| {
        last_touched(b)
            .cmp(&last_touched(a))
            .then_with(|| a.slug.cmp(&b.slug))
    });
    sorted.truncate(model.site.feed_entries);
    sorted
}

fn last_touched(event: &Event) -> DateTime<Utc> {
    event
        .latest_update()
        .map_or_else(|| event.start(), |u| u.at)
}

impl Feeds<'_> {
    fn event_entry(&self, event: &Event) -> Entry {
        let (model, memo, english) = (self.model, self.memo, self.english);
        let zone = model.site.time_zone;
        let url = absolute(model, &event.path());
        let mut content = String::new();
        for update in event.timeline.iter().rev() {
            content.push_str(&format!(
                "<p><small>{}</small><br><strong>{}</strong> - {}</p>",
                escape(&english.datetime(update.at.with_timezone(&zone), "datetime_format")),
                escape(update.status.statuspage_word()),
                inline_html(&update.message, memo)
            ));
        }
        content.push_str(&format!(
            "<p><a href=\"{}\">Read the full report on {}</a></p>",
            escape(&url),
            escape(&model.site.title)
        ));
        Entry {
            id: event_id(model, event),
            title: event.title.clone(),
            url,
            published: event.first_update().map_or_else(|| event.start(), |u| u.at),
            updated: last_touched(event),
            summary: event.summary.clone(),
            content_html: content,
            categories: event
                .affected_components()
                .iter()
                .map(|a| {
                    (
                        a.id.to_string(),
                        model
                            .site
                            .component(a.id)
                            .map_or_else(|| a.id.to_string(), |c| c.name.clone()),
                    )
                })
                .collect(),
        }
    }
}

/// Every update of every event, newest first (ties by slug), at most `feed_entries`.
fn latest_updates(model: &Model) -> Vec<(&Event, &Update)> {
    let mut all: Vec<(&Event, &Update)> = model
        .events
        .iter()
        .flat_map(|e| e.timeline.iter().map(move |u| (&**e, u)))
        .collect();
    all.sort_by(|(ea, ua), (eb, ub)| ub.at.cmp(&ua.at).then_with(|| ea.slug.cmp(&eb.slug)));
    all.truncate(model.site.feed_entries);
    all
}

fn update_entries(model: &Model, updates: &[(&Event, &Update)], memo: &Memo) -> Vec<Entry> {
    updates
        .iter()
        .map(|&(event, update)| {
            let text = markdown::to_plain_text(&update.message);
            Entry {
                id: update_id(model, event, update),
                title: format!("{}: {}", update.status.statuspage_word(), event.title),
                url: format!("{}#{}", absolute(model, &event.path()), update.anchor()),
                published: update.at,
                updated: update.at,
                summary: markdown::truncate_at_word(&text, SUMMARY_LIMIT),
                content_html: memo.html(&update.message).to_string(),
                categories: update
                    .components
                    .iter()
                    .map(|(id, _)| {
                        (
                            id.clone(),
                            model
                                .site
                                .component(id)
                                .map_or_else(|| id.clone(), |c| c.name.clone()),
                        )
                    })
                    .collect(),
            }
        })
        .collect()
}

/// A message as inline HTML for Statuspage's `<p>…</p>` markup: one paragraph keeps its
/// markup; longer messages become plain text, since paragraphs cannot nest.
fn inline_html(message: &str, memo: &Memo) -> String {
    let html = memo.html(message);
    let trimmed = html.trim_end();
    if let Some(inner) = trimmed
        .strip_prefix("<p>")
        .and_then(|s| s.strip_suffix("</p>"))
        && !inner.contains("<p>")
    {
        return inner.to_string();
    }
    escape(&markdown::to_plain_text(message))
}

fn escape(text: &str) -> String {
    quick_xml::escape::escape(text).into_owned()
}

fn absolute(model: &Model, path: &str) -> String {
    format!("{}{path}", model.site.base_url)
}

fn fixed(t: DateTime<Utc>, zone: Tz) -> DateTime<FixedOffset> {
    t.with_timezone(&zone).fixed_offset()
}

fn atom_file(model: &Model, feed: &Feed<'_>) -> Vec<u8> {
    let site = &model.site;
    let zone = site.time_zone;
    let self_url = absolute(model, &format!("{}.atom", feed.path));
    let newest = feed
        .entries
        .iter()
        .map(|e| e.updated)
        .max()
        .unwrap_or(DateTime::UNIX_EPOCH);
    let author = atom::Person {
        name: site.title.clone(),
        uri: Some(site.base_url.to_string()),
        ..Default::default()
    };
    let atom_feed = atom::Feed {
        title: atom::Text::plain(feed.title.clone()),
        id: self_url.clone(),
        updated: fixed(newest, zone),
        authors: vec![author],
        links: vec![
            link(&self_url, "self", "application/atom+xml"),
            link(&absolute(model, feed.page), "alternate", "text/html"),
        ],
        subtitle: site.description.clone().map(atom::Text::plain),
        lang: Some(site.language.clone()),
        generator: Some(atom::Generator {
            value: "sitrep".into(),
            uri: None,
            version: Some(env!("CARGO_PKG_VERSION").into()),
        }),
        entries: feed
            .entries
            .iter()
            .map(|e| atom::Entry {
                title: atom::Text::plain(e.title.clone()),
                id: e.id.clone(),
                updated: fixed(e.updated, zone),
                published: Some(fixed(e.published, zone)),
                links: vec![link(&e.url, "alternate", "text/html")],
                summary: Some(atom::Text::plain(e.summary.clone())),
                content: Some(atom::Content {
                    value: Some(e.content_html.clone()),
                    content_type: Some("html".into()),
                    ..Default::default()
                }),
                categories: e
                    .categories
                    .iter()
                    .map(|(term, label)| atom::Category {
                        term: term.clone(),
                        scheme: None,
                        label: Some(label.clone()),
                    })
                    .collect(),
                ..Default::default()
            })
            .collect(),
        ..Default::default()
    };
    let mut bytes = atom_feed
        .write_to(Vec::new())
        .expect("writing XML to memory cannot fail");
    bytes.push(b'\n');
    bytes
}

fn link(href: &str, rel: &str, mime: &str) -> atom::Link {
    atom::Link {
        href: href.to_string(),
        rel: rel.to_string(),
        mime_type: Some(mime.to_string()),
        ..Default::default()
    }
}

fn rss_file(model: &Model, feed: &Feed<'_>) -> Vec<u8> {
    let site = &model.site;
    let zone = site.time_zone;
    let newest = feed.entries.iter().map(|e| e.updated).max();
    let self_url = absolute(model, &format!("{}.rss", feed.path));
    let channel = rss::Channel {
        title: feed.title.clone(),
        link: absolute(model, feed.page),
        description: site
            .description
            .clone()
            .unwrap_or_else(|| format!("Incidents and maintenance: {}", feed.title)),
        language: Some(site.language.clone()),
        last_build_date: newest.map(|t| fixed(t, zone).to_rfc2822()),
        generator: Some(format!("sitrep {}", env!("CARGO_PKG_VERSION"))),
        atom_ext: Some(rss::extension::atom::AtomExtension {
            links: vec![rss::extension::atom::Link {
                href: self_url,
                rel: "self".into(),
                mime_type: Some("application/rss+xml".into()),
                ..Default::default()
            }],
        }),
        items: feed
            .entries
            .iter()
            .map(|e| rss::Item {
                title: Some(e.title.clone()),
                link: Some(e.url.clone()),
                description: Some(e.content_html.clone()),
                guid: Some(rss::Guid {
                    value: e.id.clone(),
                    permalink: false,
                }),
                // docs/feeds-and-api.md: published = first update; RSS has one date, and it is that one.
                pub_date: Some(fixed(e.published, zone).to_rfc2822()),
                categories: e
                    .categories
                    .iter()
                    .map(|(term, _)| rss::Category {
                        name: term.clone(),
                        domain: None,
                    })
                    .collect(),
                ..Default::default()
            })
            .collect(),
        ..Default::default()
    };
    let mut bytes = channel
        .write_to(Vec::new())
        .expect("writing XML to memory cannot fail");
    bytes.push(b'\n');
    bytes
}
