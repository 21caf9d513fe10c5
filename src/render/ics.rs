//! `maintenance.ics` (RFC 5545): one VEVENT per maintenance, so customers can subscribe to the
//! maintenance calendar.
//!
//! Written here rather than with a calendar crate: every TEXT value must be escaped (a line
//! break or a CR in a title must never start a property of its own) and every line folded at 75
//! octets in linear time, which the crates at hand did not do for all properties
//! (docs/reliability.md, "Injection").

use chrono::{DateTime, Utc};

use super::OutputFile;
use crate::i18n::Translations;
use crate::markdown;
use crate::model::{Event, Kind, Model};

/// The maintenance calendar, its words in the site's language.
pub(crate) fn render(model: &Model, t: &Translations) -> OutputFile {
    let site = &model.site;
    let mut ics = Calendar::default();
    ics.line("BEGIN", "VCALENDAR");
    ics.line("VERSION", "2.0");
    ics.text(
        "PRODID",
        &format!("-//sitrep//sitrep {}//EN", env!("CARGO_PKG_VERSION")),
    );
    ics.line("CALSCALE", "GREGORIAN");
    ics.line("METHOD", "PUBLISH");
    let name = format!("{} — {}", site.title, t.get("maintenance_calendar"));
    ics.text("NAME", &name);
    ics.text("X-WR-CALNAME", &name);
    // Oldest first: calendars read naturally in time order.
    for event in model
        .events
        .iter()
        .rev()
        .filter(|e| e.kind == Kind::Maintenance)
    {
        vevent(&mut ics, model, t, event);
    }
    ics.line("END", "VCALENDAR");
    OutputFile::new("maintenance.ics", ics.out)
}

fn vevent(ics: &mut Calendar, model: &Model, t: &Translations, event: &Event) {
    let site = &model.site;
    let Some(window) = event.scheduled else {
        return;
    };
    let url = format!("{}{}", site.base_url, event.path());
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
    let cancelled = event.end(model.now).is_some_and(|end| end < window.start);
    ics.line("BEGIN", "VEVENT");
    ics.text("UID", &format!("{}@{}", event.slug, site.host));
    ics.line("DTSTAMP", &utc(stamp));
    ics.line("LAST-MODIFIED", &utc(stamp));
    ics.line("DTSTART", &utc(window.start));
    ics.line("DTEND", &utc(window.end));
    ics.text("SUMMARY", &event.title);
    ics.text("DESCRIPTION", &description);
    ics.line("URL", &url);
    ics.line("SEQUENCE", &event.timeline.len().to_string());
    ics.line("STATUS", if cancelled { "CANCELLED" } else { "CONFIRMED" });
    ics.line("END", "VEVENT");
}

/// RFC 5545 3.3.5, the UTC form: `20261209T110000Z`.
fn utc(t: DateTime<Utc>) -> String {
    t.format("%Y%m%dT%H%M%SZ").to_string()
}

#[derive(Default)]
struct Calendar {
    out: String,
}

impl Calendar {
    /// A property whose value sitrep made (a date, a number, a URL built from validated parts).
    fn line(&mut self, name: &str, value: &str) {
        fold_into(&mut self.out, &format!("{name}:{value}"));
    }

    /// A TEXT property: the value escaped.
    fn text(&mut self, name: &str, value: &str) {
        self.line(name, &escape_text(value));
    }
}

/// RFC 5545 3.3.11: backslash, semicolon and comma escaped, every line break (LF, CRLF, or a
/// lone CR) as `\n`. Other control characters cannot appear in TEXT and are dropped.
pub(crate) fn escape_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 8);
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\r' => {
                chars.next_if_eq(&'\n');
                out.push_str("\\n");
            }
            '\n' => out.push_str("\\n"),
            '\t' => out.push(c),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// RFC 5545 3.1: content lines end in CRLF and are folded so no line is longer than 75 octets,
/// a continuation starting with one space, never inside a UTF-8 character. One pass.
fn fold_into(out: &mut String, line: &str) {
    const LIMIT: usize = 75;
    let mut room = LIMIT;
    let mut used = 0;
    for c in line.chars() {
        let len = c.len_utf8();
        if used + len > room {
            out.push_str("\r\n ");
            room = LIMIT - 1;
            used = 0;
        }
        out.push(c);
        used += len;
    }
    out.push_str("\r\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_values_cannot_start_a_property() {
        assert_eq!(
            escape_text("Title\r\nX-INJECTED:1\rY:2\nZ;a,b\\c\u{7}"),
            "Title\\nX-INJECTED:1\\nY:2\\nZ\\;a\\,b\\\\c"
        );
    }

    #[test]
    fn lines_fold_at_75_octets_on_character_boundaries() {
        let mut out = String::new();
        let value = "é".repeat(100);
        fold_into(&mut out, &format!("SUMMARY:{value}"));
        let lines: Vec<&str> = out.trim_end_matches("\r\n").split("\r\n").collect();
        assert!(lines.iter().all(|l| l.len() <= 75), "{lines:?}");
        assert!(lines[1..].iter().all(|l| l.starts_with(' ')));
        let unfolded = out.trim_end_matches("\r\n").replace("\r\n ", "");
        assert_eq!(unfolded, format!("SUMMARY:{value}"));
    }

    #[test]
    fn a_megabyte_line_folds_in_one_pass() {
        let mut out = String::new();
        fold_into(&mut out, &"x".repeat(1 << 20));
        let n: usize = 1 << 20;
        assert_eq!(out.len(), n + 3 * (n - 75).div_ceil(74) + 2);
    }
}
