//! The search page and its Pagefind index (docs/search.md): produced by `build`, the same bytes
//! for the same site, marked up on event pages, and gone with `search: false`.

use std::collections::BTreeMap;

use crate::support::{Built, SITE_YAML, TempSite, build, fixture, snapshot};

const BASIC_NOW: &str = "2026-04-20T12:00:00Z";

fn index_files(site: &Built) -> BTreeMap<String, Vec<u8>> {
    snapshot(&site.out.join("pagefind"))
}

#[test]
fn the_index_is_built_with_the_site_and_is_byte_for_byte_reproducible() {
    let a = build(&fixture("basic"), BASIC_NOW, &[]);
    let b = build(&fixture("basic"), BASIC_NOW, &[]);
    let files = index_files(&a);
    assert_eq!(files, index_files(&b), "same site, same index bytes");

    for needed in [
        "pagefind.js",
        "pagefind-worker.js",
        "pagefind-entry.json",
        "wasm.en.pagefind",
    ] {
        assert!(files.contains_key(needed), "pagefind/{needed} is written");
    }
    let entry = a.json("pagefind/pagefind-entry.json");
    let events = std::fs::read_dir(a.out.join("incidents"))
        .expect("incidents/")
        .count();
    assert_eq!(
        entry["languages"]["en"]["page_count"], events,
        "every event page is indexed, and nothing else"
    );
    let fragments = files.keys().filter(|p| p.starts_with("fragment/")).count();
    assert_eq!(fragments, events);
    for kind in ["pf_meta", "pf_index", "pf_filter"] {
        assert!(files.keys().any(|p| p.ends_with(kind)), "a .{kind} file");
    }
    assert!(
        !files.keys().any(|p| p.contains("-ui.")),
        "Pagefind's own UIs are not shipped: the theme has its search page"
    );
}

#[test]
fn the_search_page_offers_the_filters_the_events_have() {
    let site = build(&fixture("basic"), BASIC_NOW, &[]);
    let page = site.html("search/index.html");
    assert_eq!(page.attr("form#search", "data-root"), "../");
    let options = |id: &str| -> Vec<String> {
        page.0
            .select(&scraper::Selector::parse(&format!("#{id} option")).expect("selector"))
            .skip(1)
            .map(|o| o.text().collect())
            .collect()
    };
    assert_eq!(
        options("search-kind"),
        ["Incident", "Maintenance", "Notice"]
    );
    assert_eq!(options("search-year"), ["2026"]);
    assert!(!options("search-component").is_empty());
    assert!(
        page.text("noscript").contains("JavaScript"),
        "without JavaScript the page says so"
    );
    // An HTML parser with scripting on (as browsers) reads <noscript> as text.
    assert!(page.text("noscript").contains("href=\"../history/\""));
    let index = site.html("index.html");
    assert_eq!(index.attr(".top .find a", "href"), "./search/");
    let history = site.html("history/index.html");
    assert_eq!(history.attr(".find-history a", "href"), "../search/");
    assert!(
        !site.read("index.html").contains("search.js"),
        "nothing of the search is loaded on other pages"
    );
}

#[test]
fn event_pages_mark_what_is_indexed_and_filtered() {
    let site = build(&fixture("basic"), BASIC_NOW, &[]);
    let page = site.html("incidents/ongoing/index.html");
    assert_eq!(page.count("article[data-pagefind-body]"), 1);
    assert_eq!(page.count("nav.crumbs[data-pagefind-ignore]"), 1);
    assert_eq!(page.text("[data-pagefind-filter=kind]"), "Incident");
    assert_eq!(page.attr("[data-year]", "data-year"), "2026");
    assert!(page.count("[data-pagefind-filter=component]") > 0);
    assert_eq!(page.count("[data-pagefind-meta=status]"), 1);
}

#[test]
fn search_false_leaves_out_the_page_the_index_and_the_links() {
    let site = TempSite::new(&format!("{SITE_YAML}search: false\n")).with(
        "incidents/a.md",
        "---\ntitle: Panel down\ncomponents:\n  panel: major_outage\ntimeline:\n  - at: 2026-11-20 10:00\n    status: resolved\n    message: Fixed.\n---\nThe resolver was fine.\n",
    );
    let built = build(site.root(), "2026-11-25 12:00", &[]);
    assert!(!built.exists("pagefind"));
    assert!(!built.exists("search/index.html"));
    assert!(!built.read("index.html").contains("search/"));
    assert!(!built.read("sitemap.xml").contains("search/"));
}
