//! Feeds, the Statuspage API, iCalendar, badges and the sitemap of the basic fixture, read back
//! with independent parsers (feed-rs for feeds, serde_json for the API).

use std::path::Path;

use crate::support::{Built, build, fixture, shared_build, sitrep, snapshot, stderr};

const NOW: &str = "2026-04-20T12:00:00Z";

/// The basic fixture, built once for every test here that only reads it.
fn basic() -> &'static Built {
    shared_build("basic", NOW)
}

fn parse_feed(site: &Built, path: &str) -> feed_rs::model::Feed {
    feed_rs::parser::parse(site.read(path).as_bytes())
        .unwrap_or_else(|e| panic!("{path} does not parse: {e}"))
}

fn ids(feed: &feed_rs::model::Feed) -> Vec<String> {
    feed.entries.iter().map(|e| e.id.clone()).collect()
}

#[test]
fn event_feeds_list_events_by_latest_update_with_fixed_ids() {
    let site = basic();
    let atom = parse_feed(site, "feed.atom");
    assert_eq!(
        ids(&atom),
        [
            "tag:status.example.com,2026:maint-active",
            "tag:status.example.com,2026:ongoing",
            "tag:status.example.com,2026:maint-upcoming",
            "tag:status.example.com,2026:notice",
            "tag:status.example.com,2026:2026-04-15-overlap-a",
        ],
        "newest last update first, feed_entries (5) at most, no draft"
    );
    let ongoing = &atom.entries[1];
    assert_eq!(
        ongoing.title.as_ref().map(|t| t.content.as_str()),
        Some("Slow database queries")
    );
    assert_eq!(
        ongoing.links[0].href,
        "https://status.example.com/incidents/ongoing/"
    );
    assert_eq!(
        ongoing.published.map(|t| t.to_rfc3339()).as_deref(),
        Some("2026-04-20T09:00:00+00:00")
    );
    assert_eq!(
        ongoing.updated.map(|t| t.to_rfc3339()).as_deref(),
        Some("2026-04-20T10:00:00+00:00")
    );
    assert_eq!(
        ongoing.summary.as_ref().map(|s| s.content.as_str()),
        Some("A disk is failing; some queries time out.")
    );
    let content = ongoing
        .content
        .as_ref()
        .and_then(|c| c.body.clone())
        .expect("content");
    assert!(
        content.starts_with("<p><small>Apr 20, 2026 10:00 UTC</small><br><strong>Identified</strong> - A <strong>disk</strong> is failing; some queries time out.</p><p><small>Apr 20, 2026 09:00 UTC</small><br><strong>Investigating</strong> - Queries are slower than usual.</p>"),
        "{content}"
    );
    assert!(
        content.contains(r#"<a href="https://status.example.com/incidents/ongoing/">"#),
        "{content}"
    );
    assert_eq!(
        ongoing
            .categories
            .iter()
            .map(|c| c.term.as_str())
            .collect::<Vec<_>>(),
        ["db"]
    );
    assert_eq!(
        atom.updated.map(|t| t.to_rfc3339()).as_deref(),
        Some("2026-04-20T11:00:00+00:00"),
        "newest entry's, not the build time"
    );
    assert_eq!(
        atom.authors[0].name.as_deref(),
        Some("Example & Co \"Status\"")
    );
    let rels: Vec<&str> = atom
        .links
        .iter()
        .map(|l| l.rel.as_deref().unwrap_or(""))
        .collect();
    assert_eq!(rels, ["self", "alternate"]);

    let rss = parse_feed(site, "feed.rss");
    assert_eq!(ids(&rss), ids(&atom), "RSS guids are the Atom ids");
    assert!(
        site.read("feed.rss")
            .contains(r#"<guid isPermaLink="false">tag:status.example.com,2026:ongoing</guid>"#)
    );
}

#[test]
fn updates_feed_has_one_entry_per_update_for_bots() {
    let site = basic();
    let feed = parse_feed(site, "updates.atom");
    assert_eq!(
        ids(&feed),
        [
            "tag:status.example.com,2026:maint-active/2026-04-20T11:00:00Z",
            "tag:status.example.com,2026:ongoing/2026-04-20T10:00:00Z",
            "tag:status.example.com,2026:ongoing/2026-04-20T09:00:00Z",
            "tag:status.example.com,2026:maint-upcoming/2026-04-19T15:00:00Z",
            "tag:status.example.com,2026:maint-active/2026-04-18T09:00:00Z",
        ]
    );
    let first = &feed.entries[0];
    assert_eq!(
        first.title.as_ref().map(|t| t.content.as_str()),
        Some("In progress: DNS server upgrade")
    );
    assert_eq!(
        first.links[0].href,
        "https://status.example.com/incidents/maint-active/#update-20260420T110000Z"
    );
    assert_eq!(first.published, first.updated);
    // The fragment names an element of the event page.
    assert_eq!(
        site.html("incidents/maint-active/index.html")
            .count("#update-20260420T110000Z"),
        1
    );
}

#[test]
fn component_feeds_hold_the_events_that_touch_the_component() {
    let site = basic();
    let web = parse_feed(site, "components/web/feed.atom");
    assert_eq!(
        ids(&web),
        [
            "tag:status.example.com,2026:2026-04-15-overlap-a",
            "tag:status.example.com,2026:2026-04-15-overlap-b",
            "tag:status.example.com,2026:march-outage",
            "tag:status.example.com,2026:escaping",
        ]
    );
    assert_eq!(
        web.links
            .iter()
            .find(|l| l.rel.as_deref() == Some("alternate"))
            .map(|l| l.href.as_str()),
        Some("https://status.example.com/components/web/")
    );
    assert_eq!(ids(&parse_feed(site, "components/web/feed.rss")), ids(&web));
    assert!(
        parse_feed(site, "components/mail/feed.atom")
            .entries
            .iter()
            .any(|e| e.id.ends_with(":maint-upcoming"))
    );
    let page = site.html("components/web/index.html");
    assert_eq!(
        page.attr(
            "link[rel=alternate][type=\"application/rss+xml\"][title^=Website]",
            "href"
        ),
        "../../components/web/feed.rss"
    );
    let index = site.html("index.html");
    assert_eq!(
        index.attr("link[rel=alternate][href=\"./feed.atom\"]", "type"),
        "application/atom+xml"
    );
}

#[test]
fn a_new_update_keeps_the_event_id_and_adds_exactly_one_bot_entry() {
    let dir = tempfile::tempdir().expect("tempdir");
    copy_dir(&fixture("basic"), dir.path());
    let root = dir.path().to_str().expect("utf-8");
    let out = dir.path().join("public");
    let build_now = || {
        let result = sitrep(&["build", "--root", root, "--now", NOW]);
        assert!(result.status.success(), "{}", stderr(&result));
        let read = |p: &str| {
            feed_rs::parser::parse(std::fs::read(out.join(p)).expect("read").as_slice())
                .expect("parse")
        };
        (read("feed.atom"), read("updates.atom"))
    };
    let (events_before, updates_before) = build_now();

    let file = dir.path().join("incidents/ongoing.md");
    let text = std::fs::read_to_string(&file).expect("read");
    let (front, body) = text
        .strip_prefix("---\n")
        .and_then(|t| t.split_once("---\n"))
        .expect("front matter");
    let with_update = format!(
        "---\n{front}  - at: 2026-04-20 11:30\n    status: monitoring\n    message: The disk is replaced; watching.\n---\n{body}"
    );
    std::fs::write(&file, with_update).expect("write");
    let (events_after, updates_after) = build_now();

    let entry = |feed: &feed_rs::model::Feed| {
        feed.entries
            .iter()
            .find(|e| e.id.ends_with(":ongoing"))
            .cloned()
            .expect("entry")
    };
    let (before, after) = (entry(&events_before), entry(&events_after));
    assert_eq!(before.id, after.id, "the event's id never changes");
    assert_eq!(
        after.updated.map(|t| t.to_rfc3339()).as_deref(),
        Some("2026-04-20T11:30:00+00:00")
    );
    assert_eq!(events_after.entries[0].id, after.id, "it moves to the top");

    let old: std::collections::HashSet<String> = ids(&updates_before).into_iter().collect();
    let new: Vec<String> = ids(&updates_after)
        .into_iter()
        .filter(|id| !old.contains(id))
        .collect();
    assert_eq!(
        new,
        ["tag:status.example.com,2026:ongoing/2026-04-20T11:30:00Z"]
    );
}

fn copy_dir(from: &Path, to: &Path) {
    for (relative, bytes) in snapshot(from) {
        let target = to.join(relative);
        std::fs::create_dir_all(target.parent().expect("parent")).expect("mkdir");
        std::fs::write(target, bytes).expect("write");
    }
}

#[test]
fn summaries_fit_a_post() {
    let long = "The database cluster is failing over between nodes repeatedly. ".repeat(10);
    let site = crate::support::TempSite::new(crate::support::SITE_YAML).with(
        "incidents/long.md",
        &format!("---\ntitle: Long\ncomponents:\n  web: major_outage\ntimeline:\n  - at: 2026-11-20 10:00\n    status: investigating\n    message: {long}\n---\n"),
    );
    let built = build(site.root(), "2026-11-25 12:00", &[]);
    for path in ["feed.atom", "updates.atom", "components/web/feed.atom"] {
        let feed = parse_feed(&built, path);
        let summary = feed.entries[0]
            .summary
            .as_ref()
            .expect("summary")
            .content
            .clone();
        assert!(
            summary.chars().count() <= 280,
            "{path}: {} chars",
            summary.chars().count()
        );
        assert!(
            long.trim().starts_with(&summary),
            "cut at a word: {summary}"
        );
    }
}

#[test]
fn statuspage_summary_reads_like_statuspage() {
    let site = basic();
    let summary = site.json("api/v2/summary.json");
    assert_eq!(summary["page"]["name"], "Example & Co \"Status\"");
    assert_eq!(summary["page"]["url"], "https://status.example.com/");
    assert_eq!(summary["page"]["time_zone"], "UTC");
    assert_eq!(summary["page"]["updated_at"], "2026-04-20T12:00:00+00:00");
    assert_eq!(
        summary["status"],
        serde_json::json!({"indicator": "major", "description": "Partial System Outage"})
    );
    let components: Vec<(String, String, bool)> = summary["components"]
        .as_array()
        .expect("components")
        .iter()
        .map(|c| {
            (
                c["id"].as_str().unwrap_or("").to_string(),
                c["status"].as_str().unwrap_or("").to_string(),
                c["group"] == true,
            )
        })
        .collect();
    assert_eq!(
        components,
        [
            (
                "group-hosting".to_string(),
                "partial_outage".to_string(),
                true
            ),
            ("web".to_string(), "operational".to_string(), false),
            ("db".to_string(), "partial_outage".to_string(), false),
            ("mail".to_string(), "operational".to_string(), false),
            ("dns".to_string(), "under_maintenance".to_string(), false),
        ]
    );
    assert_eq!(
        summary["components"][0]["components"],
        serde_json::json!(["web", "db"])
    );
    assert_eq!(summary["components"][1]["group_id"], "group-hosting");
    assert_eq!(summary["components"][1]["position"], 2);
    assert_eq!(summary["components"][3]["start_date"], "2026-04-10");
    let incidents: Vec<&str> = summary["incidents"]
        .as_array()
        .expect("incidents")
        .iter()
        .map(|i| i["id"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(incidents, ["ongoing"]);
    let maintenance: Vec<(&str, &str)> = summary["scheduled_maintenances"]
        .as_array()
        .expect("maintenance")
        .iter()
        .map(|m| {
            (
                m["id"].as_str().unwrap_or(""),
                m["status"].as_str().unwrap_or(""),
            )
        })
        .collect();
    assert_eq!(
        maintenance,
        [
            ("maint-active", "in_progress"),
            ("maint-upcoming", "scheduled")
        ]
    );

    ongoing_incident_reads_like_statuspage(&summary["incidents"][0]);
}

/// The ongoing incident of summary.json, with its updates and what they changed.
fn ongoing_incident_reads_like_statuspage(ongoing: &serde_json::Value) {
    assert_eq!(ongoing["status"], "identified");
    assert_eq!(ongoing["impact"], "major");
    assert_eq!(ongoing["resolved_at"], serde_json::Value::Null);
    assert_eq!(ongoing["started_at"], "2026-04-20T09:00:00+00:00");
    assert_eq!(
        ongoing["shortlink"],
        "https://status.example.com/incidents/ongoing/"
    );
    let updates = ongoing["incident_updates"].as_array().expect("updates");
    assert_eq!(updates[0]["status"], "identified");
    assert_eq!(
        updates[0]["body"], "A **disk** is failing; some queries time out.",
        "Markdown source"
    );
    assert_eq!(
        updates[0]["affected_components"],
        serde_json::json!([{"code": "db", "name": "Database", "old_status": "degraded_performance", "new_status": "partial_outage"}])
    );
    assert_eq!(
        updates[1]["affected_components"][0]["old_status"],
        "operational"
    );
    assert_eq!(ongoing["components"][0]["id"], "db");
}

#[test]
fn statuspage_lists_are_filtered_as_documented() {
    let site = basic();
    let list = |path: &str, key: &str| -> Vec<String> {
        site.json(path)[key]
            .as_array()
            .expect("array")
            .iter()
            .map(|i| i["id"].as_str().unwrap_or("").to_string())
            .collect()
    };
    assert_eq!(
        list("api/v2/incidents.json", "incidents"),
        [
            "ongoing",
            "2026-04-15-overlap-b",
            "2026-04-15-overlap-a",
            "escaping",
            "march-outage"
        ]
    );
    assert_eq!(
        list("api/v2/incidents/unresolved.json", "incidents"),
        ["ongoing"]
    );
    assert_eq!(
        list(
            "api/v2/scheduled-maintenances.json",
            "scheduled_maintenances"
        ),
        ["maint-upcoming", "maint-active"]
    );
    assert_eq!(
        list(
            "api/v2/scheduled-maintenances/upcoming.json",
            "scheduled_maintenances"
        ),
        ["maint-upcoming"]
    );
    assert_eq!(
        list(
            "api/v2/scheduled-maintenances/active.json",
            "scheduled_maintenances"
        ),
        ["maint-active"]
    );
    let status = site.json("api/v2/status.json");
    assert_eq!(
        status
            .as_object()
            .map(|o| o.keys().cloned().collect::<Vec<_>>()),
        Some(vec!["page".into(), "status".into()])
    );
    let upcoming =
        &site.json("api/v2/scheduled-maintenances/upcoming.json")["scheduled_maintenances"][0];
    assert_eq!(upcoming["impact"], "maintenance");
    assert_eq!(upcoming["scheduled_for"], "2026-04-25T02:00:00+00:00");
    assert_eq!(upcoming["scheduled_until"], "2026-04-25T04:00:00+00:00");
    let march = &site.json("api/v2/incidents.json")["incidents"][4];
    assert_eq!(march["resolved_at"], "2026-03-30T06:00:00+00:00");
    assert_eq!(march["status"], "postmortem");
}

#[test]
fn maintenance_calendar_is_rfc5545() {
    let site = basic();
    let ics = site.read("maintenance.ics");
    assert!(
        ics.starts_with("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n"),
        "{ics}"
    );
    assert!(ics.ends_with("END:VCALENDAR\r\n"));
    assert!(
        !ics.replace("\r\n", "").contains('\n'),
        "every line ends in CRLF"
    );
    assert!(
        ics.split("\r\n").all(|line| line.len() <= 75),
        "lines are folded at 75 octets"
    );
    assert_eq!(ics.matches("BEGIN:VEVENT").count(), 2);
    assert!(ics.contains("UID:maint-active@status.example.com\r\n"));
    assert!(ics.contains("DTSTART:20260420T110000Z\r\n"));
    assert!(ics.contains("DTEND:20260425T040000Z\r\n"));
    assert!(ics.contains("SUMMARY:Mail server move\r\n"));
}

#[test]
fn badges_sitemap_and_robots() {
    let site = basic();
    let badge = site.read("badge.svg");
    assert!(
        badge.contains("<title>status: partial outage</title>"),
        "{badge}"
    );
    let db = site.read("components/db/badge.svg");
    assert!(
        db.contains("<title>Database: Partial outage</title>"),
        "{db}"
    );
    let sitemap = site.read("sitemap.xml");
    assert!(sitemap.contains("<loc>https://status.example.com/</loc>"));
    assert!(sitemap.contains("<loc>https://status.example.com/incidents/march-outage/</loc>"));
    assert!(sitemap.contains("<loc>https://status.example.com/history/2026/03/</loc>"));
    assert!(!sitemap.contains("404"));
    assert_eq!(
        sitemap.matches("<loc>").count(),
        snapshot(&site.out)
            .keys()
            .filter(|p| p.ends_with("index.html"))
            .count()
    );
    assert_eq!(
        site.read("robots.txt"),
        "User-agent: *\nAllow: /\n\nSitemap: https://status.example.com/sitemap.xml\n"
    );
}

#[test]
fn the_update_that_resolves_an_incident_gives_its_components_back() {
    let site = basic();
    let incidents = site.json("api/v2/incidents.json");
    let overlap = incidents["incidents"]
        .as_array()
        .expect("incidents")
        .iter()
        .find(|i| i["id"] == "2026-04-15-overlap-a")
        .expect("overlap-a");
    let resolved = &overlap["incident_updates"][0];
    assert_eq!(resolved["status"], "resolved");
    assert_eq!(
        resolved["affected_components"],
        serde_json::json!([{"code": "web", "name": "Website", "old_status": "partial_outage", "new_status": "operational"}])
    );
    let maintenance = site.json("api/v2/scheduled-maintenances.json");
    let active = maintenance["scheduled_maintenances"]
        .as_array()
        .expect("list")
        .iter()
        .find(|m| m["id"] == "maint-active")
        .expect("active");
    assert_eq!(
        active["incident_updates"][0]["affected_components"],
        serde_json::Value::Null,
        "still under maintenance"
    );
}
