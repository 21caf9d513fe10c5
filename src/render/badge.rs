//! Status badges: a small SVG with a label and the status now, coloured by it, in the familiar
//! two-part shape of shields.io badges. Text is measured with Verdana's widths so it never
//! overflows its box.

use super::OutputFile;
use crate::i18n::Translations;
use crate::model::{ComponentStatus, Impact, Model};

/// The site's badge and one per component, with words in the site's language.
pub(crate) fn render(model: &Model, t: &Translations) -> Vec<OutputFile> {
    let overall = model.overall();
    let (key, colour) = overall_badge(overall.indicator, overall.maintenance_active);
    let mut files = vec![OutputFile::new(
        "badge.svg",
        svg(t.get("badge_label"), t.get(key), colour),
    )];
    for component in &model.site.components {
        let status = model.component_status(&component.id);
        files.push(OutputFile::new(
            format!("components/{}/badge.svg", component.id),
            svg(
                &component.name,
                t.get(&format!("status_{status}")),
                status_colour(status),
            ),
        ));
    }
    files
}

/// The translation key of the overall badge's message, and its colour.
fn overall_badge(indicator: Impact, maintenance: bool) -> (&'static str, &'static str) {
    match indicator {
        Impact::None if maintenance => (
            "badge_maintenance",
            status_colour(ComponentStatus::UnderMaintenance),
        ),
        Impact::None => (
            "badge_operational",
            status_colour(ComponentStatus::Operational),
        ),
        Impact::Minor => (
            "badge_minor",
            status_colour(ComponentStatus::DegradedPerformance),
        ),
        Impact::Major => ("badge_major", status_colour(ComponentStatus::PartialOutage)),
        Impact::Critical => (
            "badge_critical",
            status_colour(ComponentStatus::MajorOutage),
        ),
    }
}

/// Dark enough for white text at WCAG AA contrast.
fn status_colour(status: ComponentStatus) -> &'static str {
    match status {
        ComponentStatus::Operational => "#1a7f37",
        ComponentStatus::UnderMaintenance => "#0b5cad",
        ComponentStatus::DegradedPerformance => "#8a5a00",
        ComponentStatus::PartialOutage => "#b04500",
        ComponentStatus::MajorOutage => "#c41d27",
    }
}

fn svg(label: &str, message: &str, colour: &str) -> String {
    let label_width = text_width(label) + 12;
    let message_width = text_width(message) + 12;
    let width = label_width + message_width;
    let title = escape(&format!("{label}: {message}"));
    let (label, message) = (escape(label), escape(message));
    let label_x = label_width * 5;
    let message_x = (label_width + message_width / 2) * 10;
    format!(
        r##"<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="20" role="img" aria-label="{title}"><title>{title}</title><linearGradient id="s" x2="0" y2="100%"><stop offset="0" stop-color="#bbb" stop-opacity=".1"/><stop offset="1" stop-opacity=".1"/></linearGradient><clipPath id="r"><rect width="{width}" height="20" rx="3" fill="#fff"/></clipPath><g clip-path="url(#r)"><rect width="{label_width}" height="20" fill="#555"/><rect x="{label_width}" width="{message_width}" height="20" fill="{colour}"/><rect width="{width}" height="20" fill="url(#s)"/></g><g fill="#fff" text-anchor="middle" font-family="Verdana,Geneva,DejaVu Sans,sans-serif" font-size="110"><text x="{label_x}" y="140" transform="scale(.1)">{label}</text><text x="{message_x}" y="140" transform="scale(.1)">{message}</text></g></svg>
"##
    )
}

/// Approximate width in pixels of `text` in 11 px Verdana.
fn text_width(text: &str) -> usize {
    let tenths: usize = text
        .chars()
        .map(|c| match c {
            'i' | 'l' | 'j' | '\'' | '.' | ',' | ':' | ';' | '|' | '!' => 31,
            'f' | 't' | 'r' | ' ' | '(' | ')' | '-' => 45,
            'm' | 'w' | 'M' | 'W' => 98,
            'A'..='Z' | '0'..='9' => 75,
            c if c.is_ascii() => 66,
            _ => 80,
        })
        .sum();
    tenths.div_ceil(10)
}

fn escape(text: &str) -> String {
    quick_xml::escape::escape(text).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn badge_has_a_title_for_screen_readers_and_escapes_text() {
        let s = svg("A & B", "Major outage", "#c41d27");
        assert!(s.contains("<title>A &amp; B: Major outage</title>"), "{s}");
        assert!(s.contains(r#"aria-label="A &amp; B: Major outage""#), "{s}");
        assert!(s.contains(r##"fill="#c41d27""##));
    }

    #[test]
    fn longer_text_makes_a_wider_badge() {
        assert!(text_width("major outage") > text_width("operational") - 10);
        assert!(text_width("WWWW") > text_width("iiii"));
    }
}
