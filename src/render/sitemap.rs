//! `sitemap.xml` (every page) and `robots.txt` (which names it).

use quick_xml::Writer;
use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};

use super::OutputFile;
use crate::model::Model;

/// `pages` are output paths of HTML pages (`incidents/x/index.html`); the 404 page is left out.
pub(crate) fn render(model: &Model, pages: &[&str]) -> Vec<OutputFile> {
    let base = model.site.base_url.as_str();
    let mut writer = Writer::new_with_indent(Vec::new(), b' ', 2);
    let write = |w: &mut Writer<Vec<u8>>, e: Event<'_>| {
        w.write_event(e).expect("writing XML to memory cannot fail")
    };
    write(
        &mut writer,
        Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)),
    );
    write(
        &mut writer,
        Event::Start(
            BytesStart::new("urlset")
                .with_attributes([("xmlns", "http://www.sitemaps.org/schemas/sitemap/0.9")]),
        ),
    );
    for page in pages.iter().filter(|p| **p != "404.html") {
        let url = format!("{base}{}", page.trim_end_matches("index.html"));
        write(&mut writer, Event::Start(BytesStart::new("url")));
        write(&mut writer, Event::Start(BytesStart::new("loc")));
        write(&mut writer, Event::Text(BytesText::new(&url)));
        write(&mut writer, Event::End(BytesEnd::new("loc")));
        write(&mut writer, Event::End(BytesEnd::new("url")));
    }
    write(&mut writer, Event::End(BytesEnd::new("urlset")));
    let mut sitemap = writer.into_inner();
    sitemap.push(b'\n');
    let robots = format!("User-agent: *\nAllow: /\n\nSitemap: {base}sitemap.xml\n");
    vec![
        OutputFile::new("sitemap.xml", sitemap),
        OutputFile::new("robots.txt", robots),
    ]
}
