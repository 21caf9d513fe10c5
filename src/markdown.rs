//! Markdown as docs/format.md fixes it: CommonMark with tables, footnotes, strikethrough, task lists
//! and heading ids; raw HTML allowed but sanitised with an allow-list.

use std::collections::HashSet;
use std::sync::LazyLock;

use pulldown_cmark::{CowStr, Event, HeadingLevel, Options, Parser, Tag, TagEnd};

fn options() -> Options {
    Options::ENABLE_TABLES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_HEADING_ATTRIBUTES
}

/// Renders Markdown to sanitised HTML. Headings without an explicit `{#id}` get one from their
/// text, unique within the document.
pub fn to_html(markdown: &str) -> String {
    let events = with_labelled_tasks(with_heading_ids(
        Parser::new_ext(markdown, options()).collect(),
    ));
    let mut html = String::with_capacity(markdown.len() * 3 / 2);
    pulldown_cmark::html::push_html(&mut html, events.into_iter());
    SANITIZER.clean(&html).to_string()
}

/// The text of the Markdown without its markup, with blocks separated by single spaces: what
/// feeds and bots show as a summary.
pub fn to_plain_text(markdown: &str) -> String {
    let mut text = String::new();
    for event in Parser::new_ext(markdown, options()) {
        match event {
            Event::Text(t) | Event::Code(t) => text.push_str(&t),
            Event::SoftBreak | Event::HardBreak => text.push(' '),
            Event::End(tag) if ends_a_block(tag) => text.push(' '),
            _ => {}
        }
    }
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn ends_a_block(tag: TagEnd) -> bool {
    matches!(
        tag,
        TagEnd::Paragraph
            | TagEnd::Heading(_)
            | TagEnd::Item
            | TagEnd::BlockQuote(_)
            | TagEnd::CodeBlock
            | TagEnd::TableCell
            | TagEnd::TableRow
            | TagEnd::TableHead
            | TagEnd::FootnoteDefinition
            | TagEnd::HtmlBlock
    )
}

/// The first paragraph of a Markdown document as plain text, if it has one.
pub fn first_paragraph(markdown: &str) -> Option<String> {
    let mut text = String::new();
    let mut inside = false;
    for event in Parser::new_ext(markdown, options()) {
        match event {
            Event::Start(Tag::Paragraph) => inside = true,
            Event::End(TagEnd::Paragraph) if inside => break,
            Event::Text(t) | Event::Code(t) if inside => text.push_str(&t),
            Event::SoftBreak | Event::HardBreak if inside => text.push(' '),
            _ => {}
        }
    }
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    (!text.is_empty()).then_some(text)
}

/// Cuts text at a word boundary to at most `max` characters (docs/format.md: "cut at a word"), so
/// the result is always a prefix of the text. A single word longer than `max` is cut inside.
pub fn truncate_at_word(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let limit: String = text.chars().take(max).collect();
    let next_is_space = text.chars().nth(max).is_some_and(char::is_whitespace);
    let cut = match limit.rfind(char::is_whitespace) {
        _ if next_is_space => &limit,
        Some(i) if i > 0 => &limit[..i],
        _ => &limit,
    };
    cut.trim_end().to_string()
}

fn with_heading_ids(mut events: Vec<Event<'_>>) -> Vec<Event<'_>> {
    let mut used: HashSet<String> = events
        .iter()
        .filter_map(|e| match e {
            Event::Start(Tag::Heading { id: Some(id), .. }) => Some(id.to_string()),
            _ => None,
        })
        .collect();
    let mut i = 0;
    while i < events.len() {
        if let Event::Start(Tag::Heading {
            id: None, level, ..
        }) = &events[i]
        {
            let level: HeadingLevel = *level;
            let text: String = events[i + 1..]
                .iter()
                .take_while(|e| !matches!(e, Event::End(TagEnd::Heading(l)) if *l == level))
                .filter_map(|e| match e {
                    Event::Text(t) | Event::Code(t) => Some(t.as_ref()),
                    _ => None,
                })
                .collect();
            let id = unique_id(&text, &mut used);
            if let Event::Start(Tag::Heading { id: slot, .. }) = &mut events[i] {
                *slot = Some(CowStr::from(id));
            }
        }
        i += 1;
    }
    events
}

/// Task-list checkboxes named by their item's text: a bare checkbox has no accessible name, and
/// screen readers would announce only "checkbox, checked".
fn with_labelled_tasks(events: Vec<Event<'_>>) -> Vec<Event<'_>> {
    let mut out = Vec::with_capacity(events.len());
    for (i, event) in events.iter().enumerate() {
        match event {
            Event::TaskListMarker(checked) => {
                let label: String = events[i + 1..]
                    .iter()
                    .take_while(|e| {
                        !matches!(e, Event::End(TagEnd::Item) | Event::Start(Tag::List(_)))
                    })
                    .filter_map(|e| match e {
                        Event::Text(t) | Event::Code(t) => Some(t.as_ref()),
                        Event::SoftBreak | Event::HardBreak => Some(" "),
                        _ => None,
                    })
                    .collect();
                let label = quick_xml::escape::escape(label.trim());
                let checked = if *checked { " checked" } else { "" };
                out.push(Event::InlineHtml(CowStr::from(format!(
                    r#"<input type="checkbox" disabled{checked} aria-label="{label}"> "#
                ))));
            }
            other => out.push(other.clone()),
        }
    }
    out
}

fn unique_id(text: &str, used: &mut HashSet<String>) -> String {
    let base = match slug::slugify(text) {
        s if s.is_empty() => "section".to_string(),
        s => s,
    };
    let mut id = base.clone();
    let mut n = 1;
    while !used.insert(id.clone()) {
        id = format!("{base}-{n}");
        n += 1;
    }
    id
}

static SANITIZER: LazyLock<ammonia::Builder<'static>> = LazyLock::new(|| {
    let mut b = ammonia::Builder::default();
    // Task-list checkboxes, as pulldown-cmark writes them.
    b.add_tags(["input"])
        .add_tag_attributes("input", ["type", "checked", "disabled", "aria-label"])
        .set_tag_attribute_value("input", "disabled", "");
    // No rel on links: a link whose `javascript:` href was removed must stay a valid `<a>`
    // (rel without href is invalid HTML), and we never open links in new windows.
    b.link_rel(None);
    // Heading ids and footnote anchors, so in-page links keep working.
    b.add_tag_attributes("h1", ["id"])
        .add_tag_attributes("h2", ["id"])
        .add_tag_attributes("h3", ["id"])
        .add_tag_attributes("h4", ["id"])
        .add_tag_attributes("h5", ["id"])
        .add_tag_attributes("h6", ["id"])
        .add_tag_attributes("div", ["id"])
        .add_tag_attributes("li", ["id"])
        .add_allowed_classes("div", ["footnote-definition"])
        .add_allowed_classes("sup", ["footnote-reference", "footnote-definition-label"])
        .add_allowed_classes("section", ["footnotes"])
        .add_tags(["section"])
        .add_tag_attributes("td", ["style"])
        .add_tag_attributes("th", ["style"]);
    b.rm_tag_attributes("td", ["style"])
        .rm_tag_attributes("th", ["style"]);
    b.add_tag_attributes("td", ["align"])
        .add_tag_attributes("th", ["align"]);
    b
});

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extensions_are_on() {
        let html = to_html(
            "| a | b |\n|---|---|\n| 1 | 2 |\n\n~~old~~\n\n- [x] done\n- [ ] todo\n\nNote[^1].\n\n[^1]: The footnote.\n",
        );
        assert!(html.contains("<table>"), "{html}");
        assert!(html.contains("<del>old</del>"), "{html}");
        assert!(
            html.contains(
                r#"<input type="checkbox" disabled="" checked="" aria-label="done"> done</li>"#
            ),
            "{html}"
        );
        assert!(
            html.contains(r#"<input type="checkbox" disabled="" aria-label="todo"> todo</li>"#),
            "{html}"
        );
        assert!(
            html.contains(r##"<sup class="footnote-reference"><a href="#1">1</a></sup>"##),
            "{html}"
        );
        assert!(
            html.contains(r#"<div class="footnote-definition" id="1">"#),
            "{html}"
        );
    }

    #[test]
    fn headings_get_unique_ids_and_explicit_ids_win() {
        let html = to_html("## Root cause\n\n## Root cause\n\n## Timeline {#when}\n");
        assert!(html.contains(r#"<h2 id="root-cause">"#), "{html}");
        assert!(html.contains(r#"<h2 id="root-cause-1">"#), "{html}");
        assert!(html.contains(r#"<h2 id="when">"#), "{html}");
    }

    #[test]
    fn dangerous_html_is_removed() {
        let html = to_html(
            "<script>alert(1)</script><style>p{}</style><iframe src=x></iframe><object data=x></object>\n\n<a href=\"javascript:alert(1)\" onclick=\"x()\">link</a> <img src=x onerror=alert(1)>",
        );
        for bad in [
            "<script",
            "<style",
            "<iframe",
            "<object",
            "onclick",
            "onerror",
            "javascript:",
        ] {
            assert!(!html.contains(bad), "{bad} survived in {html}");
        }
        assert!(html.contains(">link</a>"), "{html}");
    }

    #[test]
    fn plain_text_and_truncation() {
        assert_eq!(
            to_plain_text("We **rebuilt** `httpd`.\n\nStill down."),
            "We rebuilt httpd. Still down."
        );
        assert_eq!(
            first_paragraph("# Title\n\nFirst *para*\ngoes on.\n\nSecond."),
            Some("First para goes on.".into())
        );
        let long = "abcd ".repeat(60);
        let cut = truncate_at_word(long.trim(), 280);
        assert_eq!(cut.chars().count(), 279, "56 whole words fit");
        assert!(long.starts_with(&cut) && cut.ends_with("abcd"), "{cut}");
        let exact = "abc ".repeat(70);
        assert_eq!(truncate_at_word(exact.trim(), 280).chars().count(), 279);
        assert_eq!(truncate_at_word(&"x".repeat(300), 280).chars().count(), 280);
    }
}
