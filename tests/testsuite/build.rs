//! Building fixture sites: statuses, indicator, uptime, drafts, escaping, pages, determinism.

use crate::support::{Built, build, fixture, shared_build, snapshot};

const BASIC_NOW: &str = "2026-04-20T12:00:00Z";

/// The basic fixture, built once for every test here that only reads it.
fn basic() -> &'static Built {
    shared_build("basic", BASIC_NOW)
}

#[test]
fn component_statuses_now_and_the_indicator() {
    let site = basic();
    let index = site.html("index.html");
    let status = |id: &str| index.attr(&format!(".component[data-component={id}]"), "data-status");
    assert_eq!(status("web"), "operational");
    assert_eq!(
        status("db"),
        "partial_outage",
        "the 10:00 update raised it from degraded"
    );
    assert_eq!(status("dns"), "under_maintenance", "active maintenance");
    assert_eq!(
        status("mail"),
        "operational",
        "the draft outage is not built"
    );
    assert_eq!(index.attr("[data-indicator]", "data-indicator"), "major");
    assert_eq!(index.text("#overall"), "Partial System Outage");
    for id in ["web", "db", "mail", "dns"] {
        let page = site.html(&format!("components/{id}/index.html"));
        assert_eq!(
            page.attr(&format!("[data-component={id}]"), "data-status"),
            status(id),
            "{id} page agrees"
        );
    }
}

#[test]
fn front_page_lists_ongoing_maintenance_and_recent_events() {
    let index = basic().html("index.html");
    assert_eq!(
        index.texts("section[aria-labelledby=ongoing] .card h3"),
        ["Slow database queries"]
    );
    assert_eq!(
        index.texts("section:is([aria-labelledby=active],[aria-labelledby=upcoming]) .card h3"),
        ["DNS server upgrade", "Mail server move"]
    );
    // Each of the last 7 days (newest first) with the events that started on it.
    let recent = index.texts("section[aria-labelledby=recent] .day > h3");
    assert_eq!(
        recent,
        [
            "Apr 20, 2026",
            "Apr 19, 2026",
            "Apr 18, 2026",
            "Apr 17, 2026",
            "Apr 16, 2026",
            "Apr 15, 2026",
            "Apr 14, 2026"
        ]
    );
    let recent_events = index.texts("section[aria-labelledby=recent] .card h3");
    assert_eq!(
        recent_events,
        [
            "DNS server upgrade",
            "Slow database queries",
            "New help desk hours",
            "Website down for everyone",
            "Website partly down"
        ]
    );
    assert_eq!(
        index.text("section[aria-labelledby=ongoing] .latest .st strong"),
        "Identified"
    );
    assert!(
        index
            .text("section[aria-labelledby=ongoing] .latest")
            .contains("A disk is failing")
    );
}

#[test]
fn uptime_counts_the_worst_status_of_overlapping_incidents() {
    let site = basic();
    let web = site.html("components/web/index.html");
    let day = |date: &str, attr: &str| web.attr_opt(&format!("[data-date=\"{date}\"]"), attr);
    // 10:00–12:00 partial outage and 11:00–11:30 major outage: 1.5 h × 0.3 + 0.5 h = 3420 s.
    assert_eq!(
        day("2026-04-15", "data-status").as_deref(),
        Some("major_outage")
    );
    assert_eq!(day("2026-04-15", "data-uptime").as_deref(), Some("96.04"));
    // Six hours of major outage from the list form with `impact: critical`.
    assert_eq!(
        day("2026-03-30", "data-status").as_deref(),
        Some("major_outage")
    );
    assert_eq!(day("2026-03-30", "data-uptime").as_deref(), Some("75.00"));
    // Degraded performance colours the day but is not downtime.
    assert_eq!(
        day("2026-04-01", "data-status").as_deref(),
        Some("degraded_performance")
    );
    assert_eq!(day("2026-04-01", "data-uptime").as_deref(), Some("100.00"));
    assert_eq!(
        day("2026-04-16", "data-status").as_deref(),
        Some("operational")
    );
    assert_eq!(
        web.count("[data-date]"),
        30,
        "one cell per day of uptime_days"
    );
    // 25 020 s of downtime over 29 days and the 12 h of today.
    assert_eq!(
        web.attr("[data-uptime-window]", "data-uptime-window"),
        "99.01"
    );

    let index = site.html("index.html");
    assert_eq!(
        index.attr(
            "[data-component=web] [data-uptime-window]",
            "data-uptime-window"
        ),
        "99.01"
    );
    assert_eq!(
        index.attr(
            "[data-component=db] [data-date=\"2026-04-20\"]",
            "data-uptime"
        ),
        "95.00",
        "today counts up to now"
    );
    assert_eq!(
        index.attr(
            "[data-component=db] [data-uptime-window]",
            "data-uptime-window"
        ),
        "99.91"
    );
    let dns_today = "[data-component=dns] [data-date=\"2026-04-20\"]";
    assert_eq!(index.attr(dns_today, "data-status"), "under_maintenance");
    assert_eq!(
        index.attr(dns_today, "data-uptime"),
        "100.00",
        "maintenance is not downtime"
    );
}

#[test]
fn days_before_since_have_no_data() {
    let index = basic().html("index.html");
    let mail = |date: &str, attr: &str| {
        index.attr_opt(
            &format!("[data-component=mail] [data-date=\"{date}\"]"),
            attr,
        )
    };
    assert_eq!(mail("2026-04-09", "data-status").as_deref(), Some("none"));
    assert_eq!(mail("2026-04-09", "data-uptime"), None);
    assert_eq!(
        mail("2026-04-10", "data-status").as_deref(),
        Some("operational")
    );
    assert_eq!(mail("2026-04-10", "data-uptime").as_deref(), Some("100.00"));
}

#[test]
fn uptime_days_have_their_real_length_across_daylight_saving() {
    let site = build(&fixture("dst"), "2026-11-03 12:00", &[]);
    let page = site.html("components/web/index.html");
    let uptime = |date: &str| page.attr(&format!("[data-date=\"{date}\"]"), "data-uptime");
    assert_eq!(uptime("2026-11-01"), "96.00", "1 h down of a 25 h day");
    assert_eq!(uptime("2026-11-02"), "98.75", "1 h × 0.3 of 24 h");
    assert_eq!(
        uptime("2026-11-03"),
        "97.50",
        "1 h × 0.3 of the 12 h so far"
    );
    assert_eq!(uptime("2026-10-30"), "100.00");
    assert_eq!(
        page.attr("[data-uptime-window]", "data-uptime-window"),
        "98.53"
    );
    let event = site.html("incidents/fall-back/index.html");
    assert_eq!(
        event.attr_opt(".facts time", "datetime").as_deref(),
        Some("2026-11-01T09:00:00-05:00")
    );
    assert_eq!(event.text(".facts time"), "Nov 1, 2026 09:00 EST");
}

#[test]
fn drafts_appear_only_with_the_flag() {
    let plain = basic();
    assert!(!plain.exists("incidents/draft/index.html"));
    assert!(!plain.read("history/index.html").contains("(draft)"));

    let drafts = build(&fixture("basic"), BASIC_NOW, &["--drafts"]);
    let index = drafts.html("index.html");
    assert_eq!(
        index.attr(".component[data-component=mail]", "data-status"),
        "major_outage"
    );
    assert_eq!(index.attr("[data-indicator]", "data-indicator"), "critical");
    assert_eq!(
        index.attr(
            "[data-component=mail] [data-uptime-window]",
            "data-uptime-window"
        ),
        "94.84"
    );
    let page = drafts.html("incidents/draft/index.html");
    assert_eq!(page.text("h1 .draft"), "Draft");
}

#[test]
fn titles_are_escaped_and_raw_html_is_sanitised() {
    let site = basic();
    let page = site.html("incidents/escaping/index.html");
    assert_eq!(
        page.text("h1"),
        r#"Errors with <script> & "quotes" in 'names'"#
    );
    let source = site.read("incidents/escaping/index.html");
    assert!(
        source.contains("Errors with &lt;script&gt; &amp; &quot;quotes&quot; in &#39;names&#39;"),
        "title escaped"
    );
    for forbidden in [
        "<iframe",
        "<object",
        "<style",
        "onclick",
        "onerror",
        "javascript:",
    ] {
        assert!(!source.contains(forbidden), "{forbidden} survived");
    }
    // The theme's own script is the only one.
    assert_eq!(source.matches("<script").count(), 1, "{source}");
    let script = source
        .split(r#"<script src="../../"#)
        .nth(1)
        .and_then(|rest| rest.split_once(r#"" defer></script>"#))
        .map(|(src, _)| src)
        .unwrap_or_else(|| panic!("no theme script in {source}"));
    assert!(
        script.starts_with("assets/sitrep.")
            && script.len() == "assets/sitrep.0123456789abcdef.js".len(),
        "the script's name is fingerprinted: {script}"
    );
    assert!(source.contains("<b>bold</b>"), "harmless HTML stays");
    assert!(
        source.contains("<a>a link</a>"),
        "the link keeps its text but loses its script"
    );
    assert_eq!(page.count(".postmortem input[type=checkbox][checked]"), 1);
    assert_eq!(
        page.attr(".postmortem input[checked]", "aria-label"),
        "Escape titles",
        "checkboxes are named by their item"
    );
    assert_eq!(page.count(".postmortem input[type=checkbox]"), 2);
    assert_eq!(page.attr(".postmortem h2", "id"), "what-happened");
    let index = site.read("index.html");
    assert!(index.contains("<title>Example &amp; Co &quot;Status&quot;</title>"));
}

#[test]
fn event_page_shows_timeline_newest_first_with_times_and_statuses() {
    let site = basic();
    let page = site.html("incidents/2026-04-15-overlap-b/index.html");
    assert_eq!(
        page.texts(".timeline .st strong"),
        ["Resolved", "Investigating"]
    );
    assert_eq!(
        page.attr_opt(".timeline li:first-child", "id").as_deref(),
        Some("update-20260415T113000Z")
    );
    assert_eq!(
        page.attr(".timeline li:first-child time", "datetime"),
        "2026-04-15T11:30:00+00:00"
    );
    assert_eq!(
        page.text(".timeline li:first-child time"),
        "Apr 15, 2026 11:30 UTC"
    );
    assert_eq!(page.attr("[data-event]", "data-impact"), "critical");
    let facts = page.texts(".facts dd");
    assert_eq!(
        facts,
        [
            "Incident",
            "Critical",
            "Apr 15, 2026 11:00 UTC",
            "Apr 15, 2026 11:30 UTC",
            "30 min"
        ]
    );
    assert_eq!(
        page.attr(".affected li", "data-status"),
        "major_outage",
        "a past event shows its worst status"
    );

    let ongoing = site.html("incidents/ongoing/index.html");
    assert_eq!(
        ongoing.texts(".facts dd")[3..],
        ["Ongoing".to_string(), "3 h so far".to_string()]
    );
    assert_eq!(
        ongoing.attr(".affected li", "data-status"),
        "partial_outage"
    );

    let march = site.html("incidents/march-outage/index.html");
    assert_eq!(march.text(".facts dd.impact"), "Critical");
    assert!(
        site.read("incidents/march-outage/index.html")
            .contains(r#"<div class="footnote-definition" id="1">"#)
    );
}

#[test]
fn every_page_of_the_output_contract_is_written() {
    let site = basic();
    for path in [
        "index.html",
        "404.html",
        "history/index.html",
        "history/2026/03/index.html",
        "history/2026/04/index.html",
        "components/web/index.html",
        "components/db/index.html",
        "components/mail/index.html",
        "components/dns/index.html",
        "incidents/march-outage/index.html",
        "incidents/ongoing/index.html",
        "incidents/notice/index.html",
        "incidents/maint-active/index.html",
        "incidents/maint-upcoming/index.html",
        "api/uptime.json",
        "assets/style.css",
        "assets/sitrep.js",
    ] {
        assert!(site.exists(path), "missing {path}");
    }
    assert!(
        !site.exists("incidents/2026/03/old/index.html"),
        "the slug, not the path, names the page"
    );
    let history = site.html("history/index.html");
    assert_eq!(
        history.count(".card"),
        5,
        "feed_entries bounds the latest list"
    );
    assert_eq!(
        history.texts(".months li"),
        ["April 2026 (7 events)", "March 2026 (1 event)"]
    );
    let april = site.html("history/2026/04/index.html");
    assert_eq!(april.count(".card"), 7);
    assert_eq!(april.text("a[rel=prev]"), "Older: March 2026");
    let not_found = site.read("404.html");
    assert!(
        not_found.contains(r#"href="/assets/style."#),
        "404 links from the base path"
    );
}

#[test]
fn uptime_json_matches_the_pages() {
    let site = basic();
    let json = site.json("api/uptime.json");
    assert_eq!(json["generated_at"], "2026-04-20T12:00:00+00:00");
    assert_eq!(json["window_days"], 30);
    let web = &json["components"][0];
    assert_eq!(web["id"], "web");
    assert_eq!(web["uptime"], "99.01");
    let day = web["days"]
        .as_array()
        .expect("days")
        .iter()
        .find(|d| d["date"] == "2026-04-15")
        .expect("day");
    assert_eq!(day["status"], "major_outage");
    assert_eq!(day["uptime"], "96.04");
    assert_eq!(
        day["events"],
        serde_json::json!(["2026-04-15-overlap-b", "2026-04-15-overlap-a"]),
        "newest first"
    );
    let mail = &json["components"][2];
    assert_eq!(mail["days"][0]["status"], "none");
    assert_eq!(mail["days"][0]["uptime"], serde_json::Value::Null);
}

#[test]
fn the_same_input_and_now_give_identical_bytes() {
    let a = basic();
    let b = basic();
    assert_eq!(snapshot(&a.out), snapshot(&b.out));
}

#[test]
fn source_date_epoch_sets_now() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("out");
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_sitrep"))
        .args([
            "build",
            "--root",
            fixture("basic").to_str().expect("utf-8"),
            "--output",
            out.to_str().expect("utf-8"),
        ])
        .env("SOURCE_DATE_EPOCH", "1776686400") // 2026-04-20T12:00:00Z
        .output()
        .expect("run");
    assert!(output.status.success());
    let given = basic();
    assert_eq!(snapshot(&out), snapshot(&given.out));
}

/// output.md, `index.html`: its size is bounded whatever the number of components, and every
/// component's status now stays readable with JavaScript off. The `many` fixture has 256
/// components in 20 groups, as a large real page does; before, its front page was 1.7 MB of
/// HTML with 23,000 list items.
#[test]
fn a_front_page_of_256_components_in_20_groups_stays_under_100_kb() {
    let built = build(&fixture("many"), "2026-11-20 12:00", &[]);
    let html = built.read("index.html");
    assert!(
        html.len() <= 100_000,
        "the front page is {} bytes",
        html.len()
    );
    let index = built.html("index.html");
    let yaml = std::fs::read_to_string(fixture("many").join("site.yaml")).expect("read");
    let ids: Vec<&str> = yaml
        .lines()
        .filter_map(|l| l.strip_prefix("  - id: "))
        .collect();
    assert_eq!(ids.len(), 256);
    // Every component's status is in the page itself (no script needed), with its link.
    for id in &ids {
        let expected = match *id {
            "droplets-frankfurt" => "major_outage",
            "volumes-frankfurt" => "degraded_performance",
            _ => "operational",
        };
        let css = format!(".component[data-component={id}]");
        assert_eq!(index.attr(&css, "data-status"), expected, "{id}");
        assert_eq!(
            index.count(&format!("{css} a[href=\"./components/{id}/\"]")),
            1
        );
    }
    // A group whose members are all operational is shown folded; the one in trouble open,
    // with the uptime bars of its members in trouble.
    assert_eq!(index.count("details.group"), 20);
    assert_eq!(index.count("details.group[open]"), 1);
    assert_eq!(
        index.text("details.group[open] > summary .group-name"),
        "Frankfurt"
    );
    assert_eq!(
        index.count("[data-component=droplets-frankfurt] .bar [data-date]"),
        90
    );
    assert_eq!(
        index.count("[data-component=volumes-frankfurt] .bar [data-date]"),
        90
    );
    let london = "[data-component=spaces-london]";
    assert_eq!(index.count(&format!("{london} .bar")), 0, "operational now");
    assert!(
        index
            .attr_opt(
                &format!("{london} [data-uptime-window]"),
                "data-uptime-window"
            )
            .is_some_and(|u| u != "100.00"),
        "its percentage counts the outage of 2 November"
    );
    let page = built.html("components/spaces-london/index.html");
    assert_eq!(
        page.count(".bar [data-date]"),
        90,
        "the day details live on its page"
    );
    assert_eq!(
        page.attr("[data-date=\"2026-11-02\"]", "data-status"),
        "partial_outage"
    );
}

/// content.md: timestamps keep their fraction of a second, and updates with the same `at` are
/// shown in the order the file lists them (a later entry counts as later), with ids that stay
/// distinct and stable. Real Statuspage pages post automated updates milliseconds apart;
/// before, sitrep read `04:44:56.416Z` and `04:44:56.486Z` as one time and refused the file.
#[test]
fn updates_milliseconds_apart_or_at_one_time_keep_their_order_and_distinct_ids() {
    let site = crate::support::TempSite::new(crate::support::SITE_YAML).with(
        "incidents/2023/2023-02-18-api-errors.md",
        "---\ntitle: API errors\ncomponents:\n  web: partial_outage\ntimeline:\n  - at: 2023-02-18T04:44:56.486Z\n    status: identified\n    message: Second, 70 ms later.\n  - at: 2023-02-18T04:44:56.416Z\n    status: investigating\n    message: First.\n  - at: 2023-02-18T05:00:00Z\n    status: monitoring\n    message: Third.\n  - at: 2023-02-18T05:00:00Z\n    status: resolved\n    message: Fourth, listed after the third at the same time.\n---\n",
    );
    let (code, err) = site.check();
    assert_eq!(code, 0, "{err}");
    let built = build(site.root(), "2023-02-19 12:00", &[]);
    let api = built.json("api/v2/incidents.json");
    let incident = &api["incidents"][0];
    let bodies: Vec<&str> = incident["incident_updates"]
        .as_array()
        .expect("updates")
        .iter()
        .map(|u| u["body"].as_str().expect("body"))
        .collect();
    assert_eq!(
        bodies,
        [
            "Fourth, listed after the third at the same time.",
            "Third.",
            "Second, 70 ms later.",
            "First."
        ],
        "newest first"
    );
    assert_eq!(incident["status"], "resolved");
    let updates = incident["incident_updates"].as_array().expect("updates");
    assert_eq!(updates[3]["created_at"], "2023-02-17T23:44:56.416-05:00");
    assert_eq!(updates[2]["created_at"], "2023-02-17T23:44:56.486-05:00");
    let ids: std::collections::BTreeSet<&str> = updates
        .iter()
        .map(|u| u["id"].as_str().expect("id"))
        .collect();
    assert_eq!(ids.len(), 4, "distinct ids: {ids:?}");
    assert!(
        ids.contains("2023-02-18-api-errors-20230218T050000Z"),
        "the first at a time keeps the whole-second id: {ids:?}"
    );
    let feed = built.read("updates.atom");
    let entry_ids: std::collections::BTreeSet<&str> = feed
        .split("<id>")
        .skip(2)
        .map(|s| s.split("</id>").next().expect("id"))
        .collect();
    assert_eq!(entry_ids.len(), 4, "{entry_ids:?}");
    let page = built.html("incidents/2023-02-18-api-errors/index.html");
    assert_eq!(page.count("[id^=update-]"), 4);
    let anchors: std::collections::BTreeSet<String> = page
        .0
        .select(&scraper::Selector::parse("[id^=update-]").expect("selector"))
        .filter_map(|e| e.value().attr("id").map(str::to_string))
        .collect();
    assert_eq!(anchors.len(), 4, "{anchors:?}");
}
