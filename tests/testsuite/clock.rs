//! Between builds (docs/templates.md): what the page gives its script so that a maintenance's
//! state, the banner and the page's age follow the reader's clock, while the HTML itself keeps
//! saying what the build saw. tests/browser/run.sh checks the script in Chromium.

use crate::support::{Built, SITE_YAML, TempSite, build};

/// 06:00–07:30 in New York on December 9 (EST, UTC−5): 11:00–12:30 UTC.
const MAINTENANCE: &str = "---
title: Panel upgrade
kind: maintenance
components:
  panel: under_maintenance
scheduled: { start: 2026-12-09 06:00, end: 2026-12-09 07:30 }
timeline:
  - at: 2026-11-23 10:00
    status: scheduled
    message: The panel gets its new version.
---
";

fn site(extra_yaml: &str) -> TempSite {
    TempSite::new(&format!("{SITE_YAML}{extra_yaml}"))
        .with("incidents/2026-12-09-panel-upgrade.md", MAINTENANCE)
}

fn built_at(site: &TempSite, now: &str) -> Built {
    build(site.root(), now, &[])
}

const CARD: &str = "article.card[data-event=\"2026-12-09-panel-upgrade\"]";

#[test]
fn an_upcoming_maintenance_carries_its_window_in_utc_and_the_words_of_each_state() {
    let site = site("");
    let out = built_at(&site, "2026-11-25 12:00");
    let index = out.html("index.html");
    let card = format!("{CARD}[data-clock-start]");
    assert_eq!(
        index.attr(&card, "data-clock-start"),
        "2026-12-09T11:00:00Z"
    );
    assert_eq!(index.attr(&card, "data-clock-end"), "2026-12-09T12:30:00Z");
    assert_eq!(index.attr(&card, "data-phase"), "upcoming");
    let label = format!("{card} .st strong");
    // Without JavaScript: the build's state, and its update's time beside it.
    assert_eq!(index.text(&label), "Scheduled");
    assert_eq!(
        index.text(&format!("{card} .st time")),
        "Nov 23, 2026 10:00 EST"
    );
    assert_eq!(index.attr(&label, "data-clock-text"), "upcoming");
    assert_eq!(index.attr(&label, "data-active"), "In progress");
    assert_eq!(index.attr(&label, "data-past"), "Completed");
    // Only what the clock can move carries words for it.
    assert_eq!(index.count("[data-clock-text]"), 1);
    // The banner has the words a build in the window would say.
    assert_eq!(index.text("#overall"), "All Systems Operational");
    assert_eq!(
        index.attr("#overall [data-clock-banner]", "data-clock-banner"),
        "Service Under Maintenance"
    );
    assert_eq!(index.attr(".banner", "class"), "banner s-operational");
    // The page says when it was built; the script shows the note only when that is long ago.
    for page in ["index.html", "components/panel/index.html"] {
        let html = out.html(page);
        assert_eq!(
            html.attr("p.stale[hidden]", "data-built"),
            "2026-11-25T12:00:00-05:00",
            "{page}"
        );
        assert_eq!(
            html.attr("p.stale", "data-text"),
            "This page was last updated {age}."
        );
        assert_eq!(html.text("p.stale"), "");
    }
    // The history does not depend on the clock: no age note there.
    assert_eq!(out.html("history/index.html").count("p.stale"), 0);

    let event = out.html("incidents/2026-12-09-panel-upgrade/index.html");
    let article = "article.event[data-clock-start]";
    assert_eq!(
        event.attr(article, "data-clock-start"),
        "2026-12-09T11:00:00Z"
    );
    assert_eq!(
        event.attr(article, "data-clock-end"),
        "2026-12-09T12:30:00Z"
    );
    let ended = "dd[data-clock-text=upcoming]";
    assert_eq!(event.text(ended), "Not started");
    assert_eq!(event.attr(ended, "data-active"), "Ongoing");
    assert_eq!(event.attr(ended, "data-past"), "Dec 9, 2026 07:30 EST");
}

#[test]
fn during_its_window_the_html_says_what_the_build_saw() {
    let site = site("");
    let out = built_at(&site, "2026-12-09 06:30");
    let index = out.html("index.html");
    assert_eq!(index.text("#overall"), "Service Under Maintenance");
    assert_eq!(
        index.attr("#overall [data-clock-banner]", "data-clock-banner"),
        "All Systems Operational"
    );
    assert_eq!(index.attr(".banner", "class"), "banner s-under_maintenance");
    let card = format!("section[aria-labelledby=active] {CARD}");
    assert_eq!(index.attr(&card, "data-phase"), "active");
    // The latest update is still `scheduled`: its label stands for the upcoming phase, so the
    // script says "In progress", as the API does.
    let label = format!("{card} .st strong");
    assert_eq!(index.text(&label), "Scheduled");
    assert_eq!(index.attr(&label, "data-clock-text"), "upcoming");
    // Component pages list a maintenance once it has begun.
    let component = out.html("components/panel/index.html");
    assert_eq!(
        component.attr(&format!("{CARD} .st strong"), "data-clock-text"),
        "upcoming"
    );
    let event = out.html("incidents/2026-12-09-panel-upgrade/index.html");
    let ended = "dd[data-clock-text=active][data-active]";
    assert_eq!(event.text(ended), "Ongoing");
    assert_eq!(event.attr(ended, "data-past"), "Dec 9, 2026 07:30 EST");
    let duration = "dd[data-clock-text=active]:not([data-active])";
    assert_eq!(event.text(duration), "30 min so far");
    assert_eq!(event.attr(duration, "data-past"), "1 h 30 min");
}

#[test]
fn once_over_a_maintenance_no_longer_follows_the_clock() {
    let site = site("");
    let out = built_at(&site, "2026-12-09 08:00");
    for page in [
        "index.html",
        "components/panel/index.html",
        "incidents/2026-12-09-panel-upgrade/index.html",
    ] {
        let html = out.read(page);
        assert!(
            !html.contains("data-clock-start") && !html.contains("data-clock-banner"),
            "{page} still follows the clock"
        );
    }
    assert_eq!(
        out.html("index.html").text("#overall"),
        "All Systems Operational"
    );
}

#[test]
fn the_words_for_the_script_come_from_the_site_language() {
    let site = site("language: fr\n");
    let out = built_at(&site, "2026-11-25 12:00");
    let index = out.html("index.html");
    let label = format!("{CARD} .st strong");
    assert_eq!(index.attr(&label, "data-active"), "En cours");
    assert_eq!(index.attr(&label, "data-past"), "Terminée");
    assert_eq!(
        index.attr("#overall [data-clock-banner]", "data-clock-banner"),
        "Service en maintenance"
    );
    assert_eq!(
        index.attr("p.stale", "data-text"),
        "Cette page a été mise à jour pour la dernière fois {age}."
    );
}
