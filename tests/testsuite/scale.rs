//! Every page bounded whatever the history: a site with a very busy week, one component that
//! every event touches and many scheduled maintenances still has no page over 250 KB, and its
//! lists stop at `feed_entries` with links to month pages for the rest.

use crate::support::{TempSite, build};

const NOW: &str = "2026-11-25 12:00";

/// 300 incidents in the last six days, each touching `web`, a post-mortem of 3 KB each, and 80
/// maintenances scheduled over the coming months.
fn busy_site() -> TempSite {
    let mut site = TempSite::new(
        "title: Busy\nbase_url: https://status.test/\ntime_zone: UTC\nfeed_entries: 50\ncomponents:\n  - id: web\n    name: Website\n  - id: db\n    name: Database\n",
    );
    let body = "The switch dropped packets. ".repeat(110);
    for n in 0..300 {
        let (day, minute) = (19 + n % 6, n / 6);
        site = site.with(
            &format!("incidents/i{n}.md"),
            &format!(
                "---\ntitle: Incident {n}\ncomponents:\n  web: partial_outage\ntimeline:\n  - at: 2026-11-{day} {:02}:{:02}\n    status: investigating\n    message: Looking into it.\n  - at: 2026-11-{day} {:02}:{:02}\n    status: resolved\n    message: Fixed.\n---\n{body}\n",
                minute / 60 + 1,
                minute % 60,
                minute / 60 + 2,
                minute % 60
            ),
        );
    }
    for n in 0..80 {
        let (month, day) = (1 + n % 6, 1 + n / 6);
        site = site.with(
            &format!("incidents/m{n}.md"),
            &format!(
                "---\ntitle: Maintenance {n}\nkind: maintenance\ncomponents:\n  db: under_maintenance\nscheduled:\n  start: 2027-{month:02}-{day:02} 06:00\n  end: 2027-{month:02}-{day:02} 07:00\ntimeline:\n  - at: 2026-11-20 10:00\n    status: scheduled\n    message: Planned.\n---\n"
            ),
        );
    }
    site
}

#[test]
fn no_page_grows_with_the_history() {
    let site = busy_site();
    let built = build(site.root(), NOW, &[]);
    let mut largest = (0, String::new());
    for entry in walkdir::WalkDir::new(&built.out) {
        let entry = entry.expect("walk");
        let is_html = entry.path().extension().is_some_and(|x| x == "html");
        let size = entry.metadata().expect("metadata").len();
        if is_html && size > largest.0 {
            largest = (size, entry.path().display().to_string());
        }
    }
    assert!(
        largest.0 <= 250 * 1024,
        "{} is {} bytes",
        largest.1,
        largest.0
    );

    let index = built.html("index.html");
    assert_eq!(
        index.texts("section[aria-labelledby=recent] .card").len(),
        50
    );
    assert_eq!(
        index.texts("section[aria-labelledby=upcoming] .card").len(),
        50
    );
    // The days whose events did not fit link to their month.
    assert!(
        !index
            .texts("section[aria-labelledby=recent] .day a[href$='history/2026/11/']")
            .is_empty()
    );

    let web = built.html("components/web/index.html");
    assert_eq!(
        web.texts("section[aria-labelledby=history] .card").len(),
        50
    );
    assert_eq!(web.texts(".months li"), ["November 2026 (300 events)"]);
    let month = built.html("components/web/2026/11/index.html");
    assert_eq!(month.texts(".card").len(), 300);
    assert_eq!(month.text("h1"), "Website · November 2026");

    let maintenances = built.json("api/v2/scheduled-maintenances.json");
    // All 80 are upcoming, and upcoming ones are always listed; the other lists are capped.
    assert_eq!(
        maintenances["scheduled_maintenances"]
            .as_array()
            .expect("list")
            .len(),
        80
    );
    let incidents = built.json("api/v2/incidents.json");
    assert_eq!(incidents["incidents"].as_array().expect("list").len(), 50);
}

/// Past maintenances are capped at `feed_entries`; a long one still in progress is listed
/// however many shorter ones came after it.
#[test]
fn the_maintenance_list_is_capped_but_keeps_what_is_in_progress() {
    let mut site = TempSite::new(
        "title: Busy\nbase_url: https://status.test/\ntime_zone: UTC\nfeed_entries: 5\ncomponents:\n  - id: db\n    name: Database\n",
    )
    .with(
        "incidents/long.md",
        "---\ntitle: Long migration\nkind: maintenance\nscheduled:\n  start: 2026-10-01 06:00\n  end: 2026-12-31 06:00\ntimeline:\n  - at: 2026-09-20 10:00\n    status: scheduled\n    message: Planned.\n---\n",
    );
    for day in 1..=12 {
        site = site.with(
            &format!("incidents/m{day}.md"),
            &format!(
                "---\ntitle: Short {day}\nkind: maintenance\nscheduled:\n  start: 2026-11-{day:02} 06:00\n  end: 2026-11-{day:02} 07:00\ntimeline:\n  - at: 2026-10-20 10:00\n    status: scheduled\n    message: Planned.\n---\n"
            ),
        );
    }
    let built = build(site.root(), NOW, &[]);
    let list = built.json("api/v2/scheduled-maintenances.json");
    let names: Vec<&str> = list["scheduled_maintenances"]
        .as_array()
        .expect("list")
        .iter()
        .map(|m| m["name"].as_str().expect("name"))
        .collect();
    assert_eq!(
        names,
        [
            "Short 12",
            "Short 11",
            "Short 10",
            "Short 9",
            "Short 8",
            "Long migration"
        ]
    );
}

/// The output does not depend on how many threads render it.
#[test]
fn output_is_the_same_on_one_thread_and_on_many() {
    let site = busy_site();
    let dir = tempfile::tempdir().expect("tempdir");
    let build_with = |threads: Option<&str>, out: &std::path::Path| {
        let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_sitrep"));
        command
            .args(["build", "--now", NOW, "--root"])
            .arg(site.root())
            .arg("--output")
            .arg(out)
            .env_remove("SOURCE_DATE_EPOCH");
        match threads {
            Some(n) => command.env("RAYON_NUM_THREADS", n),
            None => command.env_remove("RAYON_NUM_THREADS"),
        };
        let status = command.status().expect("run");
        assert!(status.success());
        crate::support::snapshot(out)
    };
    let one = build_with(Some("1"), &dir.path().join("one"));
    let many = build_with(Some("8"), &dir.path().join("many"));
    assert_eq!(one.len(), many.len());
    for (path, bytes) in &one {
        assert!(many.get(path) == Some(bytes), "{path} differs");
    }
    assert_eq!(build_with(None, &dir.path().join("default")), one);
}
