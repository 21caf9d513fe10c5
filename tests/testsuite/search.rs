//! The search page and its Pagefind index (docs/search.md): produced by `build`, the same bytes
//! for the same site, marked up on event pages, and gone with `search: false`.

use std::collections::BTreeMap;

use crate::support::{Built, SITE_YAML, TempSite, build, fixture, sitrep, snapshot, stderr};

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
    assert_eq!(index.attr(".top .find a.search", "href"), "./search/");
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

/// An event file of `year` whose text holds `word`.
fn event_of(year: i32, word: &str) -> String {
    format!(
        "---\ntitle: Panel down\ncomponents:\n  panel: major_outage\ntimeline:\n  - at: {year}-03-20 10:00\n    status: resolved\n    message: Fixed.\n---\nThe {word} was at fault.\n"
    )
}

/// `sitrep build` of `site` into `out` at the example's now; its standard output.
fn build_in(site: &TempSite, out: &std::path::Path) -> String {
    let output = sitrep(&[
        "build",
        "--root",
        site.root().to_str().expect("utf-8"),
        "--output",
        out.to_str().expect("utf-8"),
        "--now",
        "2026-11-25 12:00",
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[test]
fn a_rebuild_indexes_again_only_the_part_of_the_index_whose_pages_changed() {
    let site = TempSite::new(SITE_YAML)
        .with("incidents/old.md", &event_of(2024, "resolver"))
        .with("incidents/older.md", &event_of(2025, "switch"))
        .with("incidents/new.md", &event_of(2026, "router"));
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("out");
    let first = build_in(&site, &out);
    assert!(first.contains("Search index: 3 pages in"), "{first}");
    // Events of earlier years have an index of their own, which the main one lists.
    let merged: serde_json::Value = serde_json::from_slice(
        &std::fs::read(out.join("pagefind/sitrep-merge.json")).expect("list"),
    )
    .expect("json");
    // A few years to a bundle (docs/search.md), named by their first and last.
    assert_eq!(merged, serde_json::json!(["pagefind/archive/2024-2025/"]));
    let archive: serde_json::Value = serde_json::from_slice(
        &std::fs::read(out.join("pagefind/archive/2024-2025/pagefind-entry.json"))
            .expect("archive entry"),
    )
    .expect("json");
    assert_eq!(archive["languages"]["en"]["page_count"], 2);

    // This year's event changes: the older events' index is carried over, and the site is
    // what a first build of the same files makes.
    let site = site.with("incidents/new.md", &event_of(2026, "firewall"));
    let second = build_in(&site, &out);
    assert!(
        second.contains("(2 carried over from the previous build)"),
        "{second}"
    );
    let fresh = dir.path().join("fresh");
    build_in(&site, &fresh);
    assert_eq!(snapshot(&out), snapshot(&fresh));

    // A file of the carried-over index edited by hand is not carried over.
    let fragment = std::fs::read_dir(out.join("pagefind/archive/2024-2025/fragment"))
        .expect("fragments")
        .next()
        .expect("a fragment")
        .expect("entry")
        .path();
    std::fs::write(&fragment, b"edited").expect("edit");
    let third = build_in(&site, &out);
    assert!(
        third.contains("(1 carried over from the previous build)"),
        "{third}"
    );
    assert_eq!(snapshot(&out), snapshot(&fresh));
}
