//! The preview server's incremental rebuilds: after any sequence of changes, the files are
//! byte for byte those of a full build of the same site at the same `now`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use sitrep::session::{Change, Session};

use crate::support::{fixture, snapshot};

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

fn copy_fixture(name: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    for (relative, bytes) in snapshot(&fixture(name)) {
        let target = dir.path().join(relative);
        std::fs::create_dir_all(target.parent().expect("parent")).expect("mkdir");
        std::fs::write(target, bytes).expect("write");
    }
    dir
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
