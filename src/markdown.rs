//! Markdown as docs/format.md fixes it: CommonMark with tables, footnotes, strikethrough, task lists
//! and heading ids; raw HTML allowed but sanitised with an allow-list.

use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;

use pulldown_cmark::{CowStr, Event, HeadingLevel, Options, Parser, Tag, TagEnd};

fn options() -> Options {
    Options::ENABLE_TABLES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_HEADING_ATTRIBUTES
}

/// How deep elements may nest. Real reports nest a few levels; a browser's HTML parser (and
/// the sanitiser's) spends time in proportion to the depth for every element, so a megabyte of
/// `>>>>…` or `<div><div>…` would take minutes. Deeper structure is flattened: its text stays,
/// its markup goes (docs/reliability.md, "Pathological Markdown").
pub(crate) const MAX_DEPTH: usize = 32;

/// Renders Markdown to sanitised HTML. Headings without an explicit `{#id}` get one from their
/// text, unique within the document. Every pass is linear in the input's size.
pub(crate) fn to_html(markdown: &str) -> String {
    let events = with_short_runs(with_labelled_tasks(with_heading_ids(within_depth(
        Parser::new_ext(markdown, options()),
    ))));
    let mut html = String::with_capacity(markdown.len() * 3 / 2);
    pulldown_cmark::html::push_html(&mut html, events.into_iter());
    SANITIZER.clean(&html).to_string()
}

/// The text of the Markdown without its markup, with blocks separated by single spaces: what
/// feeds and bots show as a summary.
pub(crate) fn to_plain_text(markdown: &str) -> String {
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
/// Whether `markdown` shows nothing: only white space and HTML comments (`<!-- … -->`), such
/// as the post-mortem skeleton `sitrep new` writes.
pub(crate) fn shows_nothing(markdown: &str) -> bool {
    let mut html = String::new();
    for event in Parser::new_ext(markdown, options()) {
        match event {
            Event::Html(text) | Event::InlineHtml(text) => html.push_str(&text),
            Event::Start(Tag::HtmlBlock | Tag::Paragraph) | Event::SoftBreak => {}
            Event::End(TagEnd::HtmlBlock | TagEnd::Paragraph) => {}
            Event::Text(text) if text.trim().is_empty() => {}
            _ => return false,
        }
    }
    let mut rest = html.as_str();
    while let Some(start) = rest.find("<!--") {
        if !rest[..start].trim().is_empty() {
            return false;
        }
        match rest[start..].find("-->") {
            Some(end) => rest = &rest[start + end + "-->".len()..],
            None => return false,
        }
    }
    rest.trim().is_empty()
}

pub(crate) fn first_paragraph(markdown: &str) -> Option<String> {
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
pub(crate) fn truncate_at_word(text: &str, max: usize) -> String {
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

/// Drops the markup of anything nested deeper than [`MAX_DEPTH`], Markdown containers and raw
/// HTML elements counted together. Raw HTML that would go deeper, that leaves a tag or quote
/// open, that opens an element whose content is not HTML (`<textarea>`, `<title>`, …), or that
/// is longer than [`MAX_RAW_HTML`] is shown as text: whatever followed it would otherwise be read as one attribute value or one
/// text run, which the sanitiser writes back in quadratic time.
fn within_depth<'a>(events: impl Iterator<Item = Event<'a>>) -> Vec<Event<'a>> {
    let mut out = Vec::new();
    let mut depth = 0usize;
    let mut html_depth = 0usize;
    for event in events {
        match event {
            Event::Start(_) => {
                depth += 1;
                if depth + html_depth <= MAX_DEPTH {
                    out.push(event);
                }
            }
            Event::End(_) => {
                if depth + html_depth <= MAX_DEPTH {
                    out.push(event);
                }
                depth = depth.saturating_sub(1);
            }
            Event::Html(html) | Event::InlineHtml(html) if html.len() > MAX_RAW_HTML => {
                out.push(Event::Text(html));
            }
            Event::Html(html) | Event::InlineHtml(html) if html.contains('<') => {
                let scan = scan_html(&html);
                let opened = html_depth as isize + scan.nesting;
                if scan.unsafe_to_continue || depth + opened.max(0) as usize > MAX_DEPTH {
                    out.push(Event::Text(html));
                } else {
                    html_depth = opened.max(0) as usize;
                    out.push(Event::Html(html));
                }
            }
            other => out.push(other),
        }
    }
    out
}

/// What a piece of raw HTML does to the document around it.
struct HtmlScan {
    /// How many elements it leaves open (negative when it closes more).
    nesting: isize,
    /// It leaves a tag or a quoted attribute unfinished, or opens an element whose content is
    /// raw text.
    unsafe_to_continue: bool,
}

/// Scans raw HTML once. Start tags count one up and end tags one down; void elements and
/// those whose end tag is optional (`<p>`, `<li>`, …, which close their predecessor) do not
/// nest.
fn scan_html(html: &str) -> HtmlScan {
    const NOT_NESTING: &[&str] = &[
        "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
        "track", "wbr", "param", "p", "li", "dt", "dd", "tr", "td", "th", "option",
    ];
    // script and style are dropped with their content; these keep it as text.
    const RAW_TEXT: &[&str] = &[
        "textarea",
        "title",
        "xmp",
        "iframe",
        "noembed",
        "noframes",
        "noscript",
        "plaintext",
    ];
    let bytes = html.as_bytes();
    let mut scan = HtmlScan {
        nesting: 0,
        unsafe_to_continue: false,
    };
    let mut i = 0;
    while let Some(offset) = html[i..].find('<') {
        let at = i + offset;
        let rest = &bytes[at + 1..];
        let closing = rest.first() == Some(&b'/');
        let name_start = if closing { &rest[1..] } else { rest };
        let name_len = name_start
            .iter()
            .take_while(|b| b.is_ascii_alphanumeric() || **b == b'-')
            .count();
        if name_len == 0 || !name_start[0].is_ascii_alphabetic() {
            i = at + 1;
            continue;
        }
        let Some(end) = tag_end(&bytes[at..]) else {
            scan.unsafe_to_continue = true;
            return scan;
        };
        let name = String::from_utf8_lossy(&name_start[..name_len]).to_ascii_lowercase();
        if !closing && RAW_TEXT.contains(&name.as_str()) {
            scan.unsafe_to_continue = true;
            return scan;
        }
        if !NOT_NESTING.contains(&name.as_str()) {
            scan.nesting += match (closing, bytes[at + end - 1] == b'/') {
                (true, _) => -1,
                (false, true) => 0,
                (false, false) => 1,
            };
        }
        i = at + end + 1;
    }
    scan
}

/// The index of the `>` that ends the tag starting at `tag[0]`, skipping quoted attribute
/// values; `None` when the tag does not end.
fn tag_end(tag: &[u8]) -> Option<usize> {
    let mut quote = None;
    for (i, &b) in tag.iter().enumerate() {
        match (quote, b) {
            (None, b'"' | b'\'') => quote = Some(b),
            (Some(q), _) if b == q => quote = None,
            (None, b'>') => return Some(i),
            _ => {}
        }
    }
    None
}

/// How much text may run between two places the sanitiser's writer can start afresh: it
/// escapes a text run in time proportional to its length for every `&` or Latin-1 character in
/// it, so runs are kept short.
const TEXT_RUN: usize = 1024;
/// The longest piece of raw HTML (one line of an HTML block, or one inline tag) kept as HTML;
/// longer ones are shown as text, so no text run or attribute inside raw HTML is longer.
const MAX_RAW_HTML: usize = 4 * 1024;
/// Limits on what becomes an attribute value, for the same reason (and no reader needs more).
const MAX_URL: usize = 8 * 1024;
const MAX_ATTRIBUTE_TEXT: usize = 1024;
/// An element the sanitiser removes, keeping its content: it ends one text run.
const RUN_BREAK: &str = "<sitrep-run></sitrep-run>";

/// Keeps every text run and attribute value short (see [`TEXT_RUN`]): long text is cut into
/// runs, long inline code rebuilt from runs, over-long link targets dropped (the text stays),
/// long titles, image descriptions and explicit heading ids shortened.
fn with_short_runs(events: Vec<Event<'_>>) -> Vec<Event<'_>> {
    let mut out = Vec::with_capacity(events.len());
    let mut dropped_link = false;
    // For each open image: whether its markup was dropped; and the description written so far.
    let mut images: Vec<bool> = Vec::new();
    let mut description = 0usize;
    let mut run = 0usize;
    for event in events {
        match event {
            Event::Start(tag @ Tag::Link { .. }) => {
                let kept = bounded_link(tag);
                dropped_link = kept.is_none();
                out.extend(kept.map(Event::Start));
            }
            Event::End(TagEnd::Link) => {
                if !std::mem::take(&mut dropped_link) {
                    out.push(event);
                }
            }
            Event::Start(tag @ Tag::Image { .. }) => {
                if images.is_empty() {
                    description = 0;
                }
                let kept = bounded_link(tag);
                images.push(kept.is_none());
                out.extend(kept.map(Event::Start));
            }
            Event::End(TagEnd::Image) => {
                if images.pop() == Some(false) {
                    out.push(event);
                }
            }
            Event::Start(Tag::Heading {
                level,
                id,
                classes,
                attrs,
            }) => out.push(Event::Start(Tag::Heading {
                level,
                id: id.filter(|id| id.len() <= MAX_ATTRIBUTE_TEXT),
                classes,
                attrs,
            })),
            Event::Text(text) | Event::Code(text) if !images.is_empty() => {
                out.extend(description_part(&text, &mut description));
            }
            Event::Html(ref html) | Event::InlineHtml(ref html) => {
                // Raw HTML is checked to leave no tag open (see `within_depth`), so a run
                // may end after it.
                let len = html.len();
                push_in_run(&mut out, event, len, &mut run);
            }
            Event::Text(text) if text.len() > TEXT_RUN => {
                push_runs(&mut out, &text);
                run = 0;
            }
            Event::Code(code) if code.len() > TEXT_RUN => {
                out.push(Event::InlineHtml(CowStr::Borrowed("<code>")));
                push_runs(&mut out, &code);
                out.push(Event::InlineHtml(CowStr::Borrowed("</code>")));
                run = 0;
            }
            Event::Text(ref text) | Event::Code(ref text) => {
                // Short pieces (the parser cuts text at entities) still add up to one run.
                let len = text.len();
                push_in_run(&mut out, event, len, &mut run);
            }
            Event::SoftBreak => {
                run += 1;
                out.push(event);
            }
            other => {
                run = 0;
                out.push(other);
            }
        }
    }
    out
}

/// Pushes `event`, `len` bytes more of the current text run, and ends the run once it is over
/// [`TEXT_RUN`].
fn push_in_run<'a>(out: &mut Vec<Event<'a>>, event: Event<'a>, len: usize, run: &mut usize) {
    *run += len;
    out.push(event);
    if *run > TEXT_RUN {
        out.push(Event::InlineHtml(CowStr::Borrowed(RUN_BREAK)));
        *run = 0;
    }
}

/// What of an image description's `text` still fits in its one `alt` attribute, of which
/// `description` bytes are written.
fn description_part(text: &str, description: &mut usize) -> Option<Event<'static>> {
    let room = MAX_ATTRIBUTE_TEXT.saturating_sub(*description);
    if room == 0 {
        return None;
    }
    let mut cut = text.len().min(room);
    while !text.is_char_boundary(cut) {
        cut -= 1;
    }
    *description += cut.max(1);
    Some(Event::Text(CowStr::from(text[..cut].to_string())))
}

/// A link or image whose target fits in an attribute, its title shortened; `None` when the
/// target is too long to be of use.
fn bounded_link(tag: Tag<'_>) -> Option<Tag<'_>> {
    match tag {
        Tag::Link { dest_url, .. } | Tag::Image { dest_url, .. } if dest_url.len() > MAX_URL => {
            None
        }
        Tag::Link {
            link_type,
            dest_url,
            title,
            id,
        } => Some(Tag::Link {
            link_type,
            dest_url,
            title: shortened(title),
            id,
        }),
        Tag::Image {
            link_type,
            dest_url,
            title,
            id,
        } => Some(Tag::Image {
            link_type,
            dest_url,
            title: shortened(title),
            id,
        }),
        other => Some(other),
    }
}

/// Text as runs of at most [`TEXT_RUN`] bytes, cut at character boundaries.
fn push_runs<'a>(out: &mut Vec<Event<'a>>, text: &str) {
    let mut rest = text;
    while !rest.is_empty() {
        let mut cut = rest.len().min(TEXT_RUN);
        while !rest.is_char_boundary(cut) {
            cut -= 1;
        }
        out.push(Event::Text(CowStr::from(rest[..cut].to_string())));
        out.push(Event::InlineHtml(CowStr::Borrowed(RUN_BREAK)));
        rest = &rest[cut..];
    }
}

fn shortened(text: CowStr<'_>) -> CowStr<'_> {
    if text.len() <= MAX_ATTRIBUTE_TEXT {
        return text;
    }
    CowStr::from(truncate_at_word(&text, MAX_ATTRIBUTE_TEXT / 4))
}

fn with_heading_ids(mut events: Vec<Event<'_>>) -> Vec<Event<'_>> {
    let mut used: HashSet<String> = events
        .iter()
        .filter_map(|e| match e {
            Event::Start(Tag::Heading { id: Some(id), .. }) => Some(id.to_string()),
            _ => None,
        })
        .collect();
    let mut next_suffix: HashMap<String, usize> = HashMap::new();
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
            let id = unique_id(&text, &mut used, &mut next_suffix);
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
                // An accessible name, not a copy of the item: a long one is cut at a word.
                let label = truncate_at_word(label.trim(), 200);
                let label = quick_xml::escape::escape(&label);
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

/// The heading's slug, or the slug with the first free `-N`. `next_suffix` remembers where each
/// slug's count stands, so a thousand identical headings take a thousand steps, not a million.
fn unique_id(
    text: &str,
    used: &mut HashSet<String>,
    next_suffix: &mut HashMap<String, usize>,
) -> String {
    let base = match slug::slugify(text) {
        s if s.is_empty() => "section".to_string(),
        s => s,
    };
    if used.insert(base.clone()) {
        return base;
    }
    let n = next_suffix.entry(base.clone()).or_insert(1);
    loop {
        let id = format!("{base}-{n}");
        *n += 1;
        if used.insert(id.clone()) {
            return id;
        }
    }
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

    #[test]
    fn only_comments_and_white_space_show_nothing() {
        assert!(shows_nothing(""));
        assert!(shows_nothing("\n  \n"));
        assert!(shows_nothing("<!-- one\n\n## Two\n\n- [ ] three\n-->\n"));
        assert!(shows_nothing("<!-- a -->\n\n<!-- b -->"));
        assert!(!shows_nothing("<!-- a -->\nText."));
        assert!(!shows_nothing("## Summary"));
        assert!(!shows_nothing("<!-- never closed\n\nText"));
        assert!(!shows_nothing("<div></div>"));
    }
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

    /// Pathological inputs (docs/reliability.md): the output is checked, not the time;
    /// benches/pathological.rs measures the time at a megabyte.
    #[test]
    fn identical_headings_get_sequential_ids() {
        let n = 20_000;
        let html = to_html(&"## Root cause\n\n".repeat(n));
        assert!(
            html.starts_with("<h2 id=\"root-cause\">Root cause</h2>"),
            "{}",
            &html[..80]
        );
        assert!(html.contains(&format!("<h2 id=\"root-cause-{}\">", n - 1)));
        assert_eq!(html.matches("<h2 id=").count(), n);
        let explicit = to_html("## a\n\n## b {#a-1}\n\n## a\n\n## a\n");
        assert_eq!(
            explicit.matches("id=").collect::<Vec<_>>().len(),
            4,
            "{explicit}"
        );
        for id in ["\"a\"", "\"a-1\"", "\"a-2\"", "\"a-3\""] {
            assert_eq!(explicit.matches(id).count(), 1, "{id} in {explicit}");
        }
    }

    #[test]
    fn deep_nesting_is_flattened_keeping_the_text() {
        let quotes = to_html(&format!("{}deep", ">".repeat(100_000)));
        assert_eq!(quotes.matches("<blockquote>").count(), MAX_DEPTH);
        assert!(quotes.contains("deep"));
        let divs = to_html(&format!("{}inside", "<div>".repeat(50_000)));
        assert!(divs.matches("<div>").count() <= MAX_DEPTH, "{}", divs.len());
        assert!(divs.contains("inside"));
        let lists = to_html(&format!("{}item", "- ".repeat(50_000)));
        assert!(lists.matches("<ul>").count() <= MAX_DEPTH);
        assert!(lists.contains("item"));
    }

    #[test]
    fn long_text_runs_come_out_whole_and_escaped() {
        let n = 100_000;
        let html = to_html(&"& ".repeat(n));
        assert!(html == format!("<p>{}</p>\n", "&amp; ".repeat(n).trim_end()));
        let html = to_html(&format!("`{}`", "°&".repeat(n)));
        assert!(html == format!("<p><code>{}</code></p>\n", "°&amp;".repeat(n)));
        let html = to_html(&format!("```\n{}```\n", "a & b\n".repeat(n)));
        assert!(html == format!("<pre><code>{}</code></pre>\n", "a &amp; b\n".repeat(n)));
        assert!(!to_html(&"x".repeat(5000)).contains("sitrep-run"));
    }

    #[test]
    fn attributes_stay_short() {
        let long = "& ".repeat(100_000);
        let alt = to_html(&format!("![{long}](x.png)"));
        // At most MAX_ATTRIBUTE_TEXT bytes of description, each `&` written as `&amp;`.
        assert!(alt.len() < 3 * MAX_ATTRIBUTE_TEXT + 64, "{}", alt.len());
        assert!(alt.starts_with("<p><img src=\"x.png\" alt=\"&amp; &amp;"));
        let link = to_html(&format!(
            "[text](https://example.com/?{})",
            "a&".repeat(MAX_URL)
        ));
        assert_eq!(
            link, "<p>text</p>\n",
            "an unusable link target goes, its text stays"
        );
        let task = to_html(&format!("- [ ] {long}"));
        let label = task
            .split("aria-label=\"")
            .nth(1)
            .and_then(|s| s.split('"').next())
            .expect("label");
        assert!(label.len() <= 200 * 5, "{}", label.len());
    }

    #[test]
    fn raw_html_that_would_swallow_the_rest_is_text() {
        for raw in [
            "<div title=\"unterminated\n\nand & the rest",
            "<textarea>\n\nand & the rest",
            "<title>and & the rest",
        ] {
            let html = to_html(raw);
            assert!(html.contains("and &amp; the rest"), "{raw}: {html}");
            assert!(
                !html.contains("<textarea") && !html.contains("<title"),
                "{html}"
            );
        }
        let harmless = to_html("<b>bold</b> and <span>span</span>");
        assert_eq!(harmless, "<p><b>bold</b> and <span>span</span></p>\n");
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
