//! `maintenance.ics` (RFC 5545): one VEVENT per maintenance, so customers can subscribe to the
//! maintenance calendar. The icalendar crate does the escaping, folding and CRLF line ends.

use icalendar::{Calendar, Component, EventLike, Property};

use super::OutputFile;
use super::views::event_path;
use crate::i18n::Translations;
use crate::markdown;
use crate::model::{Kind, Model};

/// The maintenance calendar, its words in the site's language.
pub fn render(model: &Model, t: &Translations) -> OutputFile {
    let site = &model.site;
    let mut calendar = Calendar::empty();
    calendar
        .append_property(Property::new("VERSION", "2.0"))
        .append_property(Property::new(
            "PRODID",
            format!("-//sitrep//sitrep {}//EN", env!("CARGO_PKG_VERSION")),
        ))
        .append_property(Property::new("CALSCALE", "GREGORIAN"))
        .append_property(Property::new("METHOD", "PUBLISH"))
        .name(&format!(
            "{} — {}",
            site.title,
            t.get("maintenance_calendar")
        ));
    // Oldest first: calendars read naturally in time order.
    for event in model
        .events
        .iter()
        .rev()
        .filter(|e| e.kind == Kind::Maintenance)
    {
        let Some(window) = event.scheduled else {
            continue;
        };
        let url = format!("{}{}", site.base_url, event_path(&event.slug));
        let latest = event.latest_update();
        let description = latest
            .map(|u| {
                format!(
                    "{} - {}\n\n{url}",
                    t.get(&format!("update_{}", u.status)),
                    markdown::to_plain_text(&u.message)
                )
            })
            .unwrap_or_else(|| url.clone());
        // DTSTAMP must be stable for reproducible builds: the latest update, not the clock.
        let stamp = latest.map_or(window.start, |u| u.at);
        let vevent = icalendar::Event::new()
            .uid(&format!("{}@{}", event.slug, site.host))
            .timestamp(stamp)
            .last_modified(stamp)
            .starts(window.start)
            .ends(window.end)
            .summary(&event.title)
            .description(&description)
            .url(&url)
            .sequence(event.timeline.len() as u32)
            .status(
                if event.end(model.now).is_some_and(|end| end < window.start) {
                    icalendar::EventStatus::Cancelled
                } else {
                    icalendar::EventStatus::Confirmed
                },
            )
            .done();
        calendar.push(vevent);
    }
    OutputFile::new("maintenance.ics", calendar.to_string())
}
