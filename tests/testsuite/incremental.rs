//! The preview server's incremental rebuilds: after any sequence of changes, the files are
//! byte for byte those of a full build of the same site at the same `now`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use sitrep::session::{Change, Session};

use crate::support::copy_fixture;

fn now(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .expect("time")
        .with_timezone(&Utc)
}

fn full_build(root: &Path, at: DateTime<Utc>) -> BTreeMap<String, Vec<u8>> {
    let built = sitrep::render_site(root, &sitrep::Now::At(at), true).expect("full build");
    built
        .files
        .into_iter()
        .map(|f| (f.path, f.bytes.to_vec()))
        .collect()
}

fn session_files(session: &Session) -> BTreeMap<String, Vec<u8>> {
    session
        .files()
        .iter()
        .map(|(p, b)| (p.clone(), b.to_vec()))
        .collect()
}

#[test]
fn incremental_rebuilds_equal_full_builds() {
    let dir = copy_fixture("basic");
    let root = dir.path();
    let t0 = now("2026-04-20T12:00:00Z");
    let mut session = Session::new(root, true);
    session
        .rebuild(&Change::Everything, &sitrep::Now::At(t0))
        .expect("first build");
    assert_eq!(session_files(&session), full_build(root, t0));

    // Edit one past event: its page changes, an unrelated event's page is reused.
    let escaping = PathBuf::from("incidents/escaping.md");
    let text = std::fs::read_to_string(root.join(&escaping))
        .expect("read")
        .replace("Fixed.", "Fixed for good.");
    std::fs::write(root.join(&escaping), text).expect("write");
    let rebuilt = session
        .rebuild(
            &Change::Events(vec![escaping.clone()]),
            &sitrep::Now::At(t0),
        )
        .expect("rebuild");
    assert!(
        rebuilt
            .changed
            .contains(&"incidents/escaping/index.html".to_string()),
        "{:?}",
        rebuilt.changed
    );
    assert!(
        !rebuilt
            .changed
            .contains(&"incidents/march-outage/index.html".to_string())
    );
    assert_eq!(session_files(&session), full_build(root, t0));

    // A new file, then a removed one.
    let added = PathBuf::from("incidents/new/added.md");
    std::fs::create_dir_all(root.join("incidents/new")).expect("mkdir");
    std::fs::write(
        root.join(&added),
        "---\ntitle: Added\ncomponents:\n  mail: partial_outage\ntimeline:\n  - at: 2026-04-20 11:45\n    status: investigating\n    message: New.\n---\n",
    )
    .expect("write");
    session
        .rebuild(&Change::Events(vec![added.clone()]), &sitrep::Now::At(t0))
        .expect("rebuild");
    assert!(session.files().contains_key("incidents/added/index.html"));
    assert_eq!(session_files(&session), full_build(root, t0));
    std::fs::remove_file(root.join("incidents/notice.md")).expect("remove");
    let rebuilt = session
        .rebuild(
            &Change::Events(vec!["incidents/notice.md".into()]),
            &sitrep::Now::At(t0),
        )
        .expect("rebuild");
    assert!(
        rebuilt
            .changed
            .contains(&"incidents/notice/index.html".to_string()),
        "removed pages count as changed"
    );
    assert_eq!(session_files(&session), full_build(root, t0));

    // Time moves on: the maintenance ends, the ongoing incident lasts longer.
    let t1 = now("2026-04-20T14:05:00Z");
    session
        .rebuild(&Change::Time, &sitrep::Now::At(t1))
        .expect("rebuild");
    assert_eq!(session_files(&session), full_build(root, t1));

    // Settings change: every page follows.
    let site = std::fs::read_to_string(root.join("site.yaml"))
        .expect("read")
        .replace("name: Website", "name: Web site");
    std::fs::write(root.join("site.yaml"), site).expect("write");
    session
        .rebuild(&Change::Everything, &sitrep::Now::At(t1))
        .expect("rebuild");
    assert_eq!(session_files(&session), full_build(root, t1));
}

#[test]
fn a_broken_edit_keeps_the_last_good_site_until_it_is_fixed() {
    let dir = copy_fixture("basic");
    let root = dir.path();
    let t0 = now("2026-04-20T12:00:00Z");
    let mut session = Session::new(root, true);
    session
        .rebuild(&Change::Everything, &sitrep::Now::At(t0))
        .expect("first build");
    let good = session_files(&session);

    let file = PathBuf::from("incidents/ongoing.md");
    let original = std::fs::read_to_string(root.join(&file)).expect("read");
    std::fs::write(
        root.join(&file),
        original.replace("status: identified", "status: identifed"),
    )
    .expect("write");
    let error = session
        .rebuild(&Change::Events(vec![file.clone()]), &sitrep::Now::At(t0))
        .expect_err("broken");
    assert!(
        error
            .to_string()
            .contains("incidents/ongoing.md:10:13: unknown status `identifed`"),
        "{error}"
    );
    assert_eq!(session_files(&session), good, "the last good site stays");

    std::fs::write(root.join(&file), &original).expect("write");
    session
        .rebuild(&Change::Events(vec![file]), &sitrep::Now::At(t0))
        .expect("recovered");
    assert_eq!(session_files(&session), good);
}

#[test]
fn rebuilding_an_unchanged_site_changes_nothing() {
    let dir = copy_fixture("basic");
    let t0 = now("2026-04-20T12:00:00Z");
    let mut session = Session::new(dir.path(), true);
    session
        .rebuild(&Change::Everything, &sitrep::Now::At(t0))
        .expect("first build");
    for change in [
        Change::Everything,
        Change::Time,
        Change::Events(vec!["incidents/notice.md".into()]),
    ] {
        let rebuilt = session
            .rebuild(&change, &sitrep::Now::At(t0))
            .expect("rebuild");
        assert_eq!(rebuilt.changed, Vec::<String>::new(), "{change:?}");
    }
}

/// A rebuild after `change`, checked against a full build; returns the changed paths.
fn rebuild_matches_full_build(
    session: &mut Session,
    root: &Path,
    change: Change,
    at: DateTime<Utc>,
) -> Vec<String> {
    let rebuilt = session
        .rebuild(&change, &sitrep::Now::At(at))
        .expect("rebuild");
    assert_eq!(session_files(session), full_build(root, at));
    rebuilt.changed
}

/// Page keys are made of the data each template is given: a theme that shows a neighbouring
/// month's count, a changed template, translation, logo or accent colour each reach every page
/// they affect.
#[test]
fn settings_theme_and_neighbouring_months_reach_every_affected_page() {
    let dir = copy_fixture("french");
    let root = dir.path();
    let t0 = now("2026-04-20T10:00:00Z");
    let mut session = Session::new(root, true);
    session
        .rebuild(&Change::Everything, &sitrep::Now::At(t0))
        .expect("first build");

    let march_event = |day: u32| {
        let path = PathBuf::from(format!("incidents/2026-03-{day:02}-dns.md"));
        std::fs::write(
            root.join(&path),
            format!("---\ntitle: DNS lent\ncomponents:\n  web: degraded_performance\ntimeline:\n  - at: 2026-03-{day:02} 10:00\n    status: resolved\n    message: Réglé.\n---\n"),
        )
        .expect("write");
        path
    };
    let first = march_event(10);
    let changed = rebuild_matches_full_build(&mut session, root, Change::Events(vec![first]), t0);
    assert!(
        changed.contains(&"history/2026/03/index.html".to_string()),
        "{changed:?}"
    );

    // A month template that shows the neighbouring months' counts.
    let theme = Path::new(env!("CARGO_MANIFEST_DIR")).join("themes/default");
    let month = std::fs::read_to_string(theme.join("templates/month.html")).expect("read");
    let month = month.replace(
        "{{ t.older_month | fill(month=older.label) }}",
        "{{ t.older_month | fill(month=older.label) }} ({{ older.count }})",
    );
    let templates = root.join("themes/default/templates");
    std::fs::create_dir_all(&templates).expect("mkdir");
    std::fs::write(templates.join("month.html"), month).expect("write");
    let changed = rebuild_matches_full_build(&mut session, root, Change::Everything, t0);
    assert!(
        changed.contains(&"history/2026/04/index.html".to_string()),
        "{changed:?}"
    );
    assert!(!changed.contains(&"index.html".to_string()), "{changed:?}");

    // A second March event changes April's page, which shows March's count, and nothing of
    // April's own events.
    let second = march_event(12);
    let changed = rebuild_matches_full_build(&mut session, root, Change::Events(vec![second]), t0);
    assert!(
        changed.contains(&"history/2026/04/index.html".to_string()),
        "{changed:?}"
    );

    // A translation: the history page's title and every page's navigation.
    let fr = std::fs::read_to_string(theme.join("i18n/fr.yaml")).expect("read");
    let i18n = root.join("themes/default/i18n");
    std::fs::create_dir_all(&i18n).expect("mkdir");
    std::fs::write(
        i18n.join("fr.yaml"),
        fr.replace("history: Historique", "history: Archives"),
    )
    .expect("write");
    let changed = rebuild_matches_full_build(&mut session, root, Change::Everything, t0);
    assert!(
        changed.contains(&"history/index.html".to_string()),
        "{changed:?}"
    );

    // The logo's bytes, then the accent colour: every page shows them.
    let logo = root.join("branding/logo.svg");
    let svg = std::fs::read_to_string(&logo).expect("read");
    std::fs::write(&logo, svg.replace("</svg>", "<circle r=\"1\"/></svg>")).expect("write");
    let changed = rebuild_matches_full_build(&mut session, root, Change::Everything, t0);
    assert!(
        changed.iter().any(|p| p.starts_with("assets/logo")),
        "{changed:?}"
    );
    let site = std::fs::read_to_string(root.join("site.yaml")).expect("read");
    std::fs::write(root.join("site.yaml"), site.replace("#0b3d91", "#8a1c1c")).expect("write");
    let changed = rebuild_matches_full_build(&mut session, root, Change::Everything, t0);
    for page in ["index.html", "history/index.html", "404.html"] {
        assert!(changed.contains(&page.to_string()), "{page}: {changed:?}");
    }
}
