//! Hostile and hurried input (issue "Robustness"): times every output can write, updates dated
//! after now, injection through site.yaml, logos and calendars, pathological Markdown. Each
//! test names the failure it guards; docs/reliability.md lists them by class.

use crate::support::{SITE_YAML, TempSite, build, sitrep, stderr};

const NOW: &str = "2026-11-25 12:00";

fn event_at(at: &str) -> String {
    format!(
        "---\ntitle: Website down\ncomponents:\n  web: major_outage\ntimeline:\n  - at: {at}\n    status: investigating\n    message: Down.\n---\n"
    )
}

fn build_site(site: &TempSite) -> std::process::Output {
    let root = site.root().to_str().expect("utf-8").to_string();
    sitrep(&["build", "--root", &root, "--now", NOW])
}

#[test]
fn timestamps_no_output_can_write_are_errors_not_panics() {
    for (at, expected) in [
        (
            "0000-01-01T00:00:00Z",
            "outside the years sitrep can publish",
        ),
        (
            "9999-12-31T23:00:00-05:00",
            "outside the years sitrep can publish",
        ),
        ("2026-11-20T12:34:60Z", "no leap second can fall there"),
        ("2026-11-20 12:34:60", "no leap second can fall there"),
    ] {
        let site = TempSite::new(SITE_YAML).with("incidents/a.md", &event_at(at));
        let result = build_site(&site);
        assert_eq!(result.status.code(), Some(1), "{at}: {}", stderr(&result));
        let err = stderr(&result);
        assert!(err.contains("incidents/a.md:6:9: "), "{at}: {err}");
        assert!(err.contains(expected), "{at}: {err}");
        assert!(!site.root().join("public").exists());
    }
}

#[test]
fn a_real_leap_second_is_published_as_the_59th() {
    let site = TempSite::new(SITE_YAML).with("incidents/a.md", &event_at("2016-12-31T23:59:60Z"));
    let built = build(site.root(), NOW, &[]);
    let incidents = built.json("api/v2/incidents.json");
    let created = incidents["incidents"][0]["created_at"]
        .as_str()
        .expect("created_at");
    assert!(created.contains("18:59:59"), "{created}");
    assert!(!built.read("api/v2/incidents.json").contains(":60"));
}

#[test]
fn a_bad_source_date_epoch_is_refused() {
    let site = TempSite::new(SITE_YAML).with("incidents/a.md", &event_at("2026-11-20 10:00"));
    let result = std::process::Command::new(env!("CARGO_BIN_EXE_sitrep"))
        .args(["build", "--root"])
        .arg(site.root())
        .env("SOURCE_DATE_EPOCH", "253402300800") // 10000-01-01
        .output()
        .expect("run");
    // Like a bad --now, a usage error (docs/format.md, "Errors").
    assert_eq!(result.status.code(), Some(2), "{}", stderr(&result));
    assert!(
        stderr(&result).contains("outside the years"),
        "{}",
        stderr(&result)
    );
}

const RESOLVED_LATER: &str = "---\ntitle: Website down\ncomponents:\n  web: major_outage\ntimeline:\n  - at: 2026-11-25 09:00\n    status: investigating\n    message: The website is down.\n  - at: 2026-11-25 18:00\n    status: resolved\n    message: Fixed, in advance.\n---\n";

#[test]
fn a_resolution_dated_after_now_does_not_hide_an_ongoing_outage() {
    let site = TempSite::new(SITE_YAML).with("incidents/down.md", RESOLVED_LATER);
    let root = site.root().to_str().expect("utf-8").to_string();
    let result = sitrep(&["build", "--root", &root, "--now", NOW]);
    assert!(result.status.success(), "{}", stderr(&result));
    assert!(
        stderr(&result).contains(
            "warning: incidents/down.md: 1 update dated after now (from 2026-11-25 18:00 EST)"
        ),
        "{}",
        stderr(&result)
    );
    let built = build(site.root(), NOW, &[]);
    let index = built.html("index.html");
    assert_eq!(index.text("#overall"), "Major System Outage");
    assert_eq!(
        index.attr(".component[data-component=web]", "data-status"),
        "major_outage"
    );
    let api = built.json("api/v2/incidents.json");
    let incident = &api["incidents"][0];
    assert_eq!(incident["status"], "investigating");
    assert_eq!(incident["resolved_at"], serde_json::Value::Null);
    assert_eq!(
        incident["incident_updates"].as_array().map(Vec::len),
        Some(1)
    );
    let unresolved = built.json("api/v2/incidents/unresolved.json");
    assert_eq!(unresolved["incidents"].as_array().map(Vec::len), Some(1));
    for feed in ["feed.atom", "feed.rss", "updates.atom"] {
        let text = built.read(feed);
        assert!(!text.contains("Fixed, in advance"), "{feed}: {text}");
    }
    let page = built.read("incidents/down/index.html");
    assert!(!page.contains("Fixed, in advance"));
    // Uptime counts the outage up to now, as the status says.
    let uptime = built.json("api/uptime.json");
    let web = uptime["components"]
        .as_array()
        .and_then(|c| c.iter().find(|c| c["id"] == "web"))
        .expect("web");
    assert_ne!(web["uptime"], "100.00");

    // At 18:00 the resolution is published, and everything agrees again.
    let later = build(site.root(), "2026-11-25 18:30", &[]);
    assert_eq!(
        later.html("index.html").text("#overall"),
        "All Systems Operational"
    );
    let api = later.json("api/v2/incidents.json");
    assert_eq!(api["incidents"][0]["status"], "resolved");
    assert!(api["incidents"][0]["resolved_at"].is_string());
}

#[test]
fn an_event_whose_every_update_is_after_now_is_left_out_whole() {
    let site = TempSite::new(SITE_YAML)
        .with("incidents/soon.md", &event_at("2026-11-26 09:00"))
        .with(
            "incidents/now.md",
            &event_at("2026-11-25 09:00").replace("Website down", "Panel"),
        );
    let root = site.root().to_str().expect("utf-8").to_string();
    let result = sitrep(&["build", "--root", &root, "--now", NOW]);
    assert!(result.status.success(), "{}", stderr(&result));
    assert!(
        stderr(&result).contains("incidents/soon.md: 1 update dated after now")
            && stderr(&result).contains("the whole event is left out"),
        "{}",
        stderr(&result)
    );
    let built = build(site.root(), NOW, &[]);
    assert!(!built.exists("incidents/soon/index.html"));
    assert!(built.exists("incidents/now/index.html"));
    assert!(!built.read("feed.atom").contains("incidents/soon/"));
}

/// The calendar's properties, lines unfolded (RFC 5545 3.1).
fn ics_properties(ics: &str) -> Vec<String> {
    ics.replace("\r\n ", "")
        .split("\r\n")
        .filter(|l| !l.is_empty())
        .map(|l| l.split([':', ';']).next().unwrap_or("").to_string())
        .collect()
}

#[test]
fn line_breaks_in_titles_cannot_inject_calendar_properties() {
    let site_yaml = SITE_YAML.replace("title: Test Status", "title: \"Test\\nX-SITE-INJECTED:1\"");
    let maintenance = "---\ntitle: \"Move\\rX-EVENT-INJECTED:1\\r\\nDESCRIPTION:fake\"\nkind: maintenance\ncomponents: [web]\nscheduled:\n  start: 2026-11-26 10:00\n  end: 2026-11-26 11:00\ntimeline:\n  - at: 2026-11-20 10:00\n    status: scheduled\n    message: \"Line one\\r\\nX-MESSAGE-INJECTED:1; a, b \\\\ c\"\n---\n";
    let site = TempSite::new(&site_yaml).with("incidents/m.md", maintenance);
    let built = build(site.root(), NOW, &[]);
    let ics = built.read("maintenance.ics");
    let properties = ics_properties(&ics);
    for injected in ["X-SITE-INJECTED", "X-EVENT-INJECTED", "X-MESSAGE-INJECTED"] {
        assert!(
            !properties.iter().any(|p| p == injected),
            "{injected}: {ics}"
        );
    }
    assert_eq!(properties.iter().filter(|p| *p == "DESCRIPTION").count(), 1);
    assert!(
        ics.replace("\r\n ", "")
            .contains("SUMMARY:Move\\nX-EVENT-INJECTED:1\\nDESCRIPTION:fake\r\n"),
        "{ics}"
    );
    assert!(
        !ics.replace("\r\n", "").contains(['\r', '\n']),
        "only CRLF line ends"
    );
    assert!(ics.split("\r\n").all(|l| l.len() <= 75));
}

#[test]
fn script_links_in_site_yaml_are_refused_with_their_line() {
    let site_yaml = format!(
        "{SITE_YAML}links:\n  - name: Help\n    url: javascript:alert(document.cookie)\nfooter_links:\n  - name: Terms\n    url: \"data:text/html,<script>alert(1)</script>\"\n"
    );
    let site = TempSite::new(&site_yaml).with("incidents/a.md", &event_at("2026-11-20 10:00"));
    let result = build_site(&site);
    assert_eq!(result.status.code(), Some(1));
    let err = stderr(&result);
    assert!(
        err.contains(
            "site.yaml:11:10: `javascript:alert(document.cookie)` is a `javascript:` link"
        ),
        "{err}"
    );
    assert!(err.contains("site.yaml:14:10: `data:text/html"), "{err}");
    assert!(!site.root().join("public").exists());
}

#[test]
fn an_svg_logo_with_a_script_is_refused() {
    let svg = r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 1 1"><script>alert(document.domain)</script></svg>"#;
    let site = TempSite::new(&format!("{SITE_YAML}logo: branding/logo.svg\n"))
        .with("branding/logo.svg", svg)
        .with("incidents/a.md", &event_at("2026-11-20 10:00"));
    let result = build_site(&site);
    assert_eq!(result.status.code(), Some(1));
    let err = stderr(&result);
    assert!(
        err.contains("site.yaml:9:7: the logo `branding/logo.svg` cannot be published: it contains a `<script>` element"),
        "{err}"
    );
    let clean = TempSite::new(&format!("{SITE_YAML}logo: branding/logo.svg\n"))
        .with(
            "branding/logo.svg",
            &svg.replace(
                "<script>alert(document.domain)</script>",
                "<rect width=\"1\" height=\"1\"/>",
            ),
        )
        .with("incidents/a.md", &event_at("2026-11-20 10:00"));
    let built = build(clean.root(), NOW, &[]);
    assert!(built.read("assets/logo.svg").contains("<rect"));
}
