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
    loop {
        let event = reader.read_event().map_err(|e| {
            Unsafe(format!(
                "it is not well-formed XML (at byte {}: {e})",
                reader.error_position()
            ))
        })?;
        match event {
            Event::Start(element) | Event::Empty(element) => {
                if !root_seen && !element.local_name().as_ref().eq_ignore_ascii_case(b"svg") {
                    return Err(Unsafe("its root element is not `<svg>`".into()));
                }
                root_seen = true;
                check_element(&element, reader.decoder())?;
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
    Ok(())
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
            (r#"<html><svg/></html>"#, "root element"),
            (r#"<svg><rect></svg>"#, "well-formed"),
            ("", "no `<svg>`"),
        ] {
            let refused = check(svg.as_bytes()).expect_err(svg);
            assert!(refused.0.contains(why), "{svg}: {refused:?}");
        }
    }
}
