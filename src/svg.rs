//! What an SVG logo may hold to be published. The logo is copied to `assets/` and served from
//! the site's own origin, where a reader who opens it directly runs any script inside: so an
//! SVG that could run script, load a document or expand entities is refused, never rewritten
//! (docs/reliability.md, "Injection").

use quick_xml::encoding::Decoder;
use quick_xml::events::attributes::Attribute;
use quick_xml::events::{BytesStart, Event};
use quick_xml::reader::Reader;

/// Elements that run script or embed other documents.
const ACTIVE_ELEMENTS: &[&str] = &[
    "script",
    "foreignobject",
    "iframe",
    "embed",
    "object",
    "handler",
    "listener",
];

/// Raster images may be inlined as `data:` URLs; nothing else may.
const INLINE_IMAGES: &[&str] = &[
    "data:image/png",
    "data:image/jpeg",
    "data:image/gif",
    "data:image/webp",
];

/// Why an SVG is refused: what was found, for the person who exported it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Unsafe(pub String);

/// Checks that `bytes` is well-formed SVG with nothing active in it.
pub(crate) fn check(bytes: &[u8]) -> Result<(), Unsafe> {
    let text = std::str::from_utf8(bytes)
        .map_err(|_| Unsafe("it is not UTF-8 text, so not an SVG file".into()))?;
    let mut reader = Reader::from_str(text);
    let mut root_seen = false;
    // The text of the `<style>` element being read, character references resolved, checked
    // whole at its end: the reader hands it over in pieces around each reference.
    let mut style: Option<String> = None;
    loop {
        let event = reader.read_event().map_err(|e| {
            Unsafe(format!(
                "it is not well-formed XML (at byte {}: {e})",
                reader.error_position()
            ))
        })?;
        match event {
            Event::Start(ref element) | Event::Empty(ref element) => {
                if !root_seen && !element.local_name().as_ref().eq_ignore_ascii_case(b"svg") {
                    return Err(Unsafe("its root element is not `<svg>`".into()));
                }
                root_seen = true;
                check_element(element, reader.decoder())?;
                if matches!(event, Event::Start(_)) && is_style(element.local_name().as_ref()) {
                    style = Some(String::new());
                }
            }
            Event::End(element) if is_style(element.local_name().as_ref()) => {
                check_css("<style>", &style.take().unwrap_or_default())?;
            }
            Event::Text(text) if style.is_some() => {
                let text = text.decode().map_err(|e| not_text(&e))?;
                style.get_or_insert_default().push_str(&text);
            }
            Event::CData(text) if style.is_some() => {
                let text = text.decode().map_err(|e| not_text(&e))?;
                style.get_or_insert_default().push_str(&text);
            }
            Event::GeneralRef(reference) if style.is_some() => {
                let name = reference.decode().map_err(|e| not_text(&e))?;
                let resolved = match reference.resolve_char_ref() {
                    Ok(Some(c)) => c.to_string(),
                    _ => quick_xml::escape::resolve_predefined_entity(&name)
                        .ok_or_else(|| {
                            Unsafe(format!(
                                "its `<style>` refers to an unknown entity `&{name};`"
                            ))
                        })?
                        .to_string(),
                };
                style.get_or_insert_default().push_str(&resolved);
            }
            Event::DocType(_) => {
                return Err(Unsafe(
                    "it has a DOCTYPE, which can define entities; SVG needs none".into(),
                ));
            }
            Event::PI(_) => {
                return Err(Unsafe(
                    "it has a processing instruction (such as `<?xml-stylesheet?>`), which can load other files".into(),
                ));
            }
            Event::Eof if root_seen => return Ok(()),
            Event::Eof => return Err(Unsafe("it has no `<svg>` element".into())),
            _ => {}
        }
    }
}

fn check_element(element: &BytesStart<'_>, decoder: Decoder) -> Result<(), Unsafe> {
    let name = String::from_utf8_lossy(element.local_name().as_ref()).to_lowercase();
    if ACTIVE_ELEMENTS.contains(&name.as_str()) {
        return Err(Unsafe(format!("it contains a `<{name}>` element")));
    }
    for attribute in element.attributes() {
        let attribute =
            attribute.map_err(|e| Unsafe(format!("`<{name}>` has a malformed attribute: {e}")))?;
        check_attribute(&name, &attribute, decoder)?;
    }
    Ok(())
}

fn check_attribute(
    element: &str,
    attribute: &Attribute<'_>,
    decoder: Decoder,
) -> Result<(), Unsafe> {
    let key = String::from_utf8_lossy(attribute.key.local_name().as_ref()).to_lowercase();
    if key.starts_with("on") {
        return Err(Unsafe(format!(
            "`<{element}>` has an event handler, `{key}`"
        )));
    }
    // Character references are decoded before a URL is used, and browsers ignore whitespace
    // and control characters inside a scheme (`java&#9;script:`).
    let value = attribute
        .decoded_and_normalized_value(quick_xml::XmlVersion::default(), decoder)
        .map_err(|e| Unsafe(format!("`<{element}>` has a malformed `{key}`: {e}")))?;
    let value: String = value
        .chars()
        .filter(|c| !c.is_whitespace() && !c.is_control())
        .collect::<String>()
        .to_lowercase();
    for scheme in ["javascript:", "vbscript:"] {
        if value.contains(scheme) {
            return Err(Unsafe(format!(
                "`<{element}>` has a `{scheme}` URL in `{key}`"
            )));
        }
    }
    let is_link = matches!(key.as_str(), "href" | "src");
    if is_link && value.starts_with("data:") && !INLINE_IMAGES.iter().any(|p| value.starts_with(p))
    {
        return Err(Unsafe(format!(
            "`<{element}>` inlines a `data:` document that is not a raster image"
        )));
    }
    // A link (`<a href>`) is followed only when clicked; on any other element a reference
    // is fetched as the drawing is shown, telling another host who looks at the page.
    if is_link && element != "a" && !loads_nothing(&value) {
        let shown = attribute_text(attribute, decoder);
        return Err(Unsafe(format!("`<{element}>` loads `{}`", shown.trim())));
    }
    if key == "style" || value.contains("url(") {
        check_css(
            &format!("<{element}> {key}"),
            &attribute_text(attribute, decoder),
        )?;
    }
    Ok(())
}

fn is_style(name: &[u8]) -> bool {
    name.eq_ignore_ascii_case(b"style")
}

fn not_text(e: &quick_xml::encoding::EncodingError) -> Unsafe {
    Unsafe(format!("it is not well-formed text: {e}"))
}

/// An attribute's value as written, character references resolved.
fn attribute_text(attribute: &Attribute<'_>, decoder: Decoder) -> String {
    attribute
        .decoded_and_normalized_value(quick_xml::XmlVersion::default(), decoder)
        .map(|v| v.into_owned())
        .unwrap_or_default()
}

/// A reference to a part of the drawing itself (`#gradient`), or an inlined raster image.
fn loads_nothing(normalized: &str) -> bool {
    normalized.is_empty()
        || normalized.starts_with('#')
        || INLINE_IMAGES.iter().any(|p| normalized.starts_with(p))
}

/// Style sheets and `style` attributes: nothing that loads another file (`@import`, a
/// `url()` that is not `#fragment` or an inlined raster image, `image-set()`), nothing that
/// runs (`javascript:`, `expression()`, `-moz-binding`, `behavior`), and no CSS escapes,
/// which could spell any of those in a way no check sees (docs/reliability.md, "Injection").
fn check_css(place: &str, css: &str) -> Result<(), Unsafe> {
    if css.contains('\\') {
        return Err(Unsafe(format!(
            "its `{place}` has a CSS escape (`\\`), which can hide what a style loads"
        )));
    }
    let normalized: String = css
        .chars()
        .filter(|c| !c.is_whitespace() && !c.is_control())
        .collect::<String>()
        .to_lowercase();
    for (needle, what) in [
        ("javascript:", "a `javascript:` URL"),
        ("vbscript:", "a `vbscript:` URL"),
        ("@import", "an `@import` of another style sheet"),
        ("expression(", "a script `expression()`"),
        ("-moz-binding", "a `-moz-binding`"),
        ("behavior:", "a `behavior`"),
        ("image-set(", "an `image-set()`, which loads images"),
    ] {
        if normalized.contains(needle) {
            return Err(Unsafe(format!("its `{place}` has {what}")));
        }
    }
    for target in url_targets(css) {
        let compact: String = target
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect::<String>()
            .to_lowercase();
        if !loads_nothing(&compact) {
            return Err(Unsafe(format!("its `{place}` loads `{target}`")));
        }
    }
    Ok(())
}

/// What each `url(…)` in a style names, quotes taken off.
fn url_targets(css: &str) -> Vec<&str> {
    let lower = css.to_ascii_lowercase();
    let mut targets = Vec::new();
    let mut from = 0;
    while let Some(at) = lower[from..].find("url(") {
        let start = from + at + "url(".len();
        let end = lower[start..].find(')').map_or(css.len(), |i| start + i);
        targets.push(
            css[start..end]
                .trim()
                .trim_matches(|c| c == '"' || c == '\''),
        );
        from = end;
    }
    targets
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_drawings_pass() {
        let logo = br##"<?xml version="1.0" encoding="UTF-8"?>
<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" viewBox="0 0 10 10">
  <defs><linearGradient id="g"><stop offset="0" stop-color="#fff"/></linearGradient></defs>
  <style>.a { fill: url(#g); }</style>
  <!-- a comment -->
  <rect class="a" width="10" height="10"/><use xlink:href="#g"/>
  <image href="data:image/png;base64,iVBORw0KGgo="/><text>Bramblewood &amp; co</text>
</svg>"##;
        assert_eq!(check(logo), Ok(()));
    }

    #[test]
    fn anything_that_runs_or_loads_is_refused() {
        for (svg, why) in [
            (r#"<svg><script>alert(1)</script></svg>"#, "`<script>`"),
            (r#"<svg><SCRIPT>alert(1)</SCRIPT></svg>"#, "`<script>`"),
            (
                r#"<svg xmlns:s="http://www.w3.org/2000/svg"><s:script/></svg>"#,
                "`<script>`",
            ),
            (
                r#"<svg><foreignObject><div/></foreignObject></svg>"#,
                "`<foreignobject>`",
            ),
            (r#"<svg onload="alert(1)"/>"#, "event handler, `onload`"),
            (r#"<svg><rect OnClick="x()"/></svg>"#, "`onclick`"),
            (
                r#"<svg><a href="javascript:alert(1)"><text>x</text></a></svg>"#,
                "`javascript:`",
            ),
            (
                r#"<svg><a xlink:href=" java&#x09;script:alert(1)"/></svg>"#,
                "`javascript:`",
            ),
            (
                r#"<svg><a href="jav&#97;script:alert(1)"/></svg>"#,
                "`javascript:`",
            ),
            (
                r#"<svg><set attributeName="href" to="javascript:alert(1)"/></svg>"#,
                "`javascript:`",
            ),
            (
                r#"<svg><image href="data:image/svg+xml;base64,PHN2Zz4="/></svg>"#,
                "`data:`",
            ),
            (
                r#"<!DOCTYPE svg [<!ENTITY a "b">]><svg>&a;</svg>"#,
                "DOCTYPE",
            ),
            (
                r#"<?xml-stylesheet href="x.css"?><svg/>"#,
                "processing instruction",
            ),
            (
                "<svg><style>a{fill:url(&#x6a;avascript:x)}</style></svg>",
                "`javascript:` URL",
            ),
            (
                r"<svg><style>@\69mport 'x.css';</style></svg>",
                "CSS escape",
            ),
            (
                "<svg><style>@IMPORT 'https://evil.example/x.css';</style></svg>",
                "`@import`",
            ),
            (
                r#"<svg><use href="https://evil.example/sprite.svg#a"/></svg>"#,
                "`<use>` loads `https://evil.example/sprite.svg#a`",
            ),
            (
                r#"<svg><rect fill="url(https://evil.example/p.svg#g)"/></svg>"#,
                "loads `https://evil.example/p.svg#g`",
            ),
            (
                "<svg><style>a{background:image-set('x.png' 1x)}</style></svg>",
                "`image-set()`",
            ),
            (r#"<html><svg/></html>"#, "root element"),
            (r#"<svg><rect></svg>"#, "well-formed"),
            ("", "no `<svg>`"),
        ] {
            let refused = check(svg.as_bytes()).expect_err(svg);
            assert!(refused.0.contains(why), "{svg}: {refused:?}");
        }
    }
}
