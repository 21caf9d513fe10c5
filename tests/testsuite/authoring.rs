//! `new`, `update` and `init`, end to end: the files they write, and that every refusal leaves
//! the user's files byte for byte as they were.

use std::path::Path;

use crate::support::{SITE_YAML, TempSite, sitrep, snapshot, stderr};

fn run_in(root: &Path, args: &[&str]) -> std::process::Output {
    let mut all = args.to_vec();
    all.extend_from_slice(&["--root", root.to_str().expect("utf-8")]);
    sitrep(&all)
}

const HAND_WRITTEN: &str = "---\n# Written in a hurry; keep this comment.\ntitle: 'Panel: logins fail'\ncomponents:\n  panel: major_outage   # everyone\ntimeline:\n  - at: 2026-11-25 09:10\n    status: investigating\n    message: >\n      Logins to the panel fail\n      for every customer.\n\ndraft: false\n---\nPost-mortem *to come*.\n";

#[test]
fn update_appends_and_keeps_every_other_byte() {
    let site = TempSite::new(SITE_YAML).with("incidents/2026/panel-logins.md", HAND_WRITTEN);
    let out = run_in(
        site.root(),
        &[
            "update",
            "panel-logins",
            "--status",
            "identified",
            "--message",
            "A certificate expired: renewing.",
            "--component",
            "panel=partial_outage",
            "--now",
            "2026-11-25 09:40",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        "incidents/2026/panel-logins.md"
    );
    let text =
        std::fs::read_to_string(site.root().join("incidents/2026/panel-logins.md")).expect("read");
    assert_eq!(
        text,
        "---\n# Written in a hurry; keep this comment.\ntitle: 'Panel: logins fail'\ncomponents:\n  panel: major_outage   # everyone\ntimeline:\n  - at: 2026-11-25 09:10\n    status: investigating\n    message: >\n      Logins to the panel fail\n      for every customer.\n  - at: 2026-11-25 09:40 -05:00\n    status: identified\n    message: \"A certificate expired: renewing.\"\n    components:\n      panel: partial_outage\n\ndraft: false\n---\nPost-mortem *to come*.\n"
    );
    let (code, err) = site.check();
    assert_eq!(code, 0, "{err}");
}

/// `update` reads only the file named after the slug when that file has it; a file whose
/// `slug:` says otherwise, or a slug set in another file, sends it through every file.
#[test]
fn update_finds_the_event_by_its_slug_not_only_by_its_file_name() {
    let event = |slug: &str| HAND_WRITTEN.replacen("title:", &format!("slug: {slug}\ntitle:"), 1);
    let site = TempSite::new(SITE_YAML)
        .with("incidents/2026/panel-logins.md", &event("old-logins"))
        .with("incidents/2026/moved.md", &event("panel-logins"))
        .with("incidents/2026/plain.md", HAND_WRITTEN);
    for (slug, file) in [
        ("panel-logins", "incidents/2026/moved.md"),
        ("old-logins", "incidents/2026/panel-logins.md"),
        ("plain", "incidents/2026/plain.md"),
    ] {
        let args = [
            "update",
            slug,
            "--status",
            "identified",
            "-m",
            "Found.",
            "--now",
            "2026-11-25 09:40",
        ];
        let out = run_in(site.root(), &args);
        assert!(out.status.success(), "{slug}: {}", stderr(&out));
        assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), file, "{slug}");
        let text = std::fs::read_to_string(site.root().join(file)).expect("read");
        assert!(text.contains("status: identified"), "{slug}: {text}");
    }
}

#[test]
fn update_reads_the_message_from_standard_input() {
    use std::io::Write;
    let site = TempSite::new(SITE_YAML).with("incidents/panel-logins.md", HAND_WRITTEN);
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_sitrep"))
        .args([
            "update",
            "panel-logins",
            "--status",
            "resolved",
            "--component",
            "panel=operational",
            "--now",
            "2026-11-25 10:00",
            "--root",
        ])
        .arg(site.root())
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(b"Renewed.\n\nLogins work again.\n")
        .expect("write");
    let out = child.wait_with_output().expect("wait");
    assert!(out.status.success(), "{}", stderr(&out));
    let text =
        std::fs::read_to_string(site.root().join("incidents/panel-logins.md")).expect("read");
    assert!(text.contains("  - at: 2026-11-25 10:00 -05:00\n    status: resolved\n    message: |-\n      Renewed.\n\n      Logins work again.\n    components:\n      panel: operational\n"), "{text}");
}

#[test]
fn update_refusals_leave_the_file_untouched() {
    let site = TempSite::new(SITE_YAML).with("incidents/panel-logins.md", HAND_WRITTEN);
    let before = snapshot(site.root());
    let cases: [(&[&str], &str); 6] = [
        (
            &["update", "panel-lgins", "--status", "identified", "-m", "x"],
            "did you mean `panel-logins`?",
        ),
        (
            &["update", "panel-logins", "--status", "completed", "-m", "x"],
            "`completed` is not a status for panel-logins (an incident)",
        ),
        (
            &["update", "panel-logins", "--status", "identifed", "-m", "x"],
            "did you mean `identified`?",
        ),
        (
            &[
                "update",
                "panel-logins",
                "--status",
                "identified",
                "-m",
                "x",
                "--component",
                "pnael=operational",
            ],
            "did you mean `panel`?",
        ),
        (
            &[
                "update",
                "panel-logins",
                "--status",
                "identified",
                "-m",
                "x",
                "--component",
                "panel=fine",
            ],
            "unknown component status `fine`",
        ),
        (
            &[
                "update",
                "panel-logins",
                "--status",
                "identified",
                "-m",
                "  ",
            ],
            "the update's message is empty",
        ),
    ];
    for (args, expected) in cases {
        let mut all = args.to_vec();
        all.extend_from_slice(&["--now", "2026-11-25 09:40"]);
        let out = run_in(site.root(), &all);
        // A value the options cannot take is a usage error (2); the rest concern the site (1).
        let usage = !expected.contains("panel-logins`?") && !expected.contains("message is empty");
        assert_eq!(
            out.status.code(),
            Some(if usage { 2 } else { 1 }),
            "{args:?}"
        );
        assert!(
            stderr(&out).contains(expected),
            "{args:?}: {}",
            stderr(&out)
        );
        assert_eq!(snapshot(site.root()), before, "{args:?} changed a file");
    }
}

#[test]
fn updates_at_one_instant_keep_the_order_of_the_file() {
    let site = TempSite::new(SITE_YAML).with("incidents/panel-logins.md", HAND_WRITTEN);
    // An update at the same instant as an existing one comes after it (content.md: updates at
    // one time are shown in the order the file lists them).
    let out = run_in(
        site.root(),
        &[
            "update",
            "panel-logins",
            "--status",
            "identified",
            "-m",
            "x",
            "--now",
            "2026-11-25 09:10",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let text =
        std::fs::read_to_string(site.root().join("incidents/panel-logins.md")).expect("read");
    assert!(
        text.contains("  - at: 2026-11-25 09:10\n")
            && text.contains("  - at: 2026-11-25 09:10:00 -05:00\n"),
        "{text}"
    );
    // Within the same minute but not the same instant, the seconds keep them apart.
    let out = run_in(
        site.root(),
        &[
            "update",
            "panel-logins",
            "--status",
            "identified",
            "-m",
            "x",
            "--now",
            "2026-11-25 09:10:30",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let text =
        std::fs::read_to_string(site.root().join("incidents/panel-logins.md")).expect("read");
    assert!(
        text.contains("  - at: 2026-11-25 09:10:30 -05:00\n"),
        "{text}"
    );
}

#[test]
fn new_writes_a_valid_event_and_never_overwrites() {
    let site = TempSite::new(SITE_YAML);
    let out = run_in(
        site.root(),
        &[
            "new",
            "Website unreachable",
            "--component",
            "web=major_outage",
            "--now",
            "2026-11-25 08:00",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        "incidents/2026-11-25-website-unreachable.md"
    );
    let text = std::fs::read_to_string(
        site.root()
            .join("incidents/2026-11-25-website-unreachable.md"),
    )
    .expect("read");
    assert!(text.starts_with("---\ntitle: Website unreachable\ncomponents:\n  web: major_outage\ntimeline:\n  - at: 2026-11-25 08:00 -05:00\n    status: investigating\n    message: We are investigating reports of a problem and will post an update soon.\n---\n<!-- The post-mortem"), "{text}");
    for heading in [
        "## Impact",
        "## Timeline",
        "## Root cause",
        "## Resolution",
        "## Action items",
    ] {
        assert!(text.contains(heading), "{heading}");
    }
    let (code, err) = site.check();
    assert_eq!(code, 0, "{err}");

    let before = snapshot(site.root());
    let again = run_in(
        site.root(),
        &["new", "Website unreachable", "--now", "2026-11-25 09:00"],
    );
    assert_eq!(again.status.code(), Some(1));
    assert!(
        stderr(&again).contains("the slug `2026-11-25-website-unreachable` is already used by incidents/2026-11-25-website-unreachable.md"),
        "{}",
        stderr(&again)
    );
    assert_eq!(snapshot(site.root()), before);
}

#[test]
fn new_uses_the_site_time_zone_for_the_date_and_knows_every_kind() {
    let site = TempSite::new(SITE_YAML);
    // 02:00 UTC on the 26th is still the 25th in New York.
    let out = run_in(
        site.root(),
        &[
            "new",
            "Late night notice",
            "--kind",
            "notice",
            "--now",
            "2026-11-26T02:00:00Z",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        site.root()
            .join("incidents/2026-11-25-late-night-notice.md")
            .exists()
    );
    let out = run_in(
        site.root(),
        &[
            "new",
            "Panel upgrade",
            "--kind",
            "maintenance",
            "--component",
            "panel",
            "--start",
            "2026-12-01 10:00",
            "--end",
            "2026-12-01 11:00",
            "--now",
            "2026-11-25 10:00",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let text = std::fs::read_to_string(site.root().join("incidents/2026-11-25-panel-upgrade.md"))
        .expect("read");
    assert!(text.contains("kind: maintenance\ncomponents:\n  panel: under_maintenance\nscheduled:\n  start: 2026-12-01 10:00\n  end: 2026-12-01 11:00\n"), "{text}");
    let (code, err) = site.check();
    assert_eq!(code, 0, "{err}");

    new_refuses_each_value_it_cannot_take(&site);
}

#[test]
fn init_creates_a_site_that_builds_and_refuses_to_overwrite() {
    let dir = tempfile::tempdir().expect("tempdir");
    let site = dir.path().join("status");
    let out = sitrep(&["init", site.to_str().expect("utf-8")]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        std::fs::read_to_string(site.join(".gitignore")).expect("read"),
        "# The build output, and the previous build kept beside it: generated by `sitrep build`.\n/public/\n/.public.sitrep-*\n"
    );
    let build = sitrep(&["build", "--root", site.to_str().expect("utf-8")]);
    assert!(build.status.success(), "{}", stderr(&build));
    assert!(site.join("public/index.html").exists());

    std::fs::write(site.join("site.yaml"), "mine").expect("write");
    let before = snapshot(&site);
    let again = sitrep(&["init", site.to_str().expect("utf-8")]);
    assert_eq!(again.status.code(), Some(1));
    assert!(
        stderr(&again).contains("does not touch existing files"),
        "{}",
        stderr(&again)
    );
    assert_eq!(snapshot(&site), before);
}

#[test]
fn new_warns_about_an_unrelated_broken_file_but_still_creates_its_own() {
    let site = TempSite::new(SITE_YAML).with(
        "incidents/2026/last-month.md",
        "---\ntitle: Old\ntimeline:\n  - at: 2026-10-01 10:00\n    stauts: resolved\n---\n",
    );
    let out = run_in(
        site.root(),
        &[
            "new",
            "Website unreachable",
            "--component",
            "web=major_outage",
            "--now",
            "2026-11-25 09:00",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        "incidents/2026-11-25-website-unreachable.md"
    );
    assert!(
        stderr(&out).contains("warning: incidents/2026/last-month.md has errors"),
        "{}",
        stderr(&out)
    );
    // `update` of the new incident is not stopped by the old file either; of the old one it is.
    let out = run_in(
        site.root(),
        &[
            "update",
            "2026-11-25-website-unreachable",
            "--status",
            "identified",
            "-m",
            "Found it.",
            "--now",
            "2026-11-25 09:30",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let out = run_in(
        site.root(),
        &["update", "last-month", "--status", "resolved", "-m", "x"],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("has errors; fix them before adding an update"));
}

/// Eight `update`s of one file at once: every one that exits 0 is in the file.
#[test]
fn concurrent_updates_of_one_file_all_land() {
    let site = TempSite::new(SITE_YAML).with("incidents/2026/panel-logins.md", HAND_WRITTEN);
    let root = site.root().to_str().expect("utf-8").to_string();
    let children: Vec<std::process::Child> = (0..8)
        .map(|i| {
            std::process::Command::new(env!("CARGO_BIN_EXE_sitrep"))
                .args([
                    "update",
                    "panel-logins",
                    "--status",
                    "identified",
                    "-m",
                    &format!("Update number {i}."),
                    "--now",
                    &format!("2026-11-25 10:{:02}", 10 + i),
                    "--root",
                    &root,
                ])
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .expect("spawn")
        })
        .collect();
    for child in children {
        let out = child.wait_with_output().expect("wait");
        assert!(out.status.success(), "{}", stderr(&out));
    }
    let text =
        std::fs::read_to_string(site.root().join("incidents/2026/panel-logins.md")).expect("read");
    for i in 0..8 {
        assert!(text.contains(&format!("Update number {i}.")), "{i}: {text}");
    }
    let (code, err) = site.check();
    assert_eq!(code, 0, "{err}");
}

/// Two `new`s with one title at once: one creates the file, the other refuses, and the file is
/// the winner's, whole.
#[test]
fn concurrent_news_with_one_title_never_overwrite() {
    for round in 0..5 {
        let site = TempSite::new(SITE_YAML);
        let root = site.root().to_str().expect("utf-8").to_string();
        let children: Vec<std::process::Child> = (0..2)
            .map(|i| {
                std::process::Command::new(env!("CARGO_BIN_EXE_sitrep"))
                    .args([
                        "new",
                        "Website unreachable",
                        "-m",
                        &format!("Written by author {i}."),
                        "--now",
                        "2026-11-25 09:00",
                        "--root",
                        &root,
                    ])
                    .stdout(std::process::Stdio::null())
                    .stderr(std::process::Stdio::piped())
                    .spawn()
                    .expect("spawn")
            })
            .collect();
        let outcomes: Vec<bool> = children
            .into_iter()
            .map(|c| c.wait_with_output().expect("wait").status.success())
            .collect();
        assert_eq!(
            outcomes.iter().filter(|ok| **ok).count(),
            1,
            "round {round}: {outcomes:?}"
        );
        let winner = outcomes.iter().position(|ok| *ok).expect("one won");
        let text = std::fs::read_to_string(
            site.root()
                .join("incidents/2026-11-25-website-unreachable.md"),
        )
        .expect("read");
        assert!(
            text.contains(&format!("Written by author {winner}.")),
            "round {round}: {text}"
        );
    }
}

/// issue 20: a new incident's page showed "What happened, in two or three sentences a customer
/// understands." to customers. The skeleton is written inside a comment, which readers never
/// see, until the author takes the comment's first and last lines out.
#[test]
fn the_post_mortem_skeleton_stays_hidden_until_it_is_filled_in() {
    let site = TempSite::new(SITE_YAML);
    let args = [
        "new",
        "Website unreachable",
        "--component",
        "web=major_outage",
        "--now",
        "2026-11-25 08:00",
    ];
    let out = run_in(site.root(), &args);
    assert!(out.status.success(), "{}", stderr(&out));
    let file = site
        .root()
        .join("incidents/2026-11-25-website-unreachable.md");
    let built = crate::support::build(site.root(), "2026-11-25 09:00", &[]);
    let page = built.read("incidents/2026-11-25-website-unreachable/index.html");
    assert!(!page.contains("What happened"), "{page}");
    assert!(
        !page.contains("class=\"postmortem\""),
        "no empty post-mortem section"
    );
    for path in ["feed.atom", "updates.atom", "api/v2/incidents.json"] {
        assert!(!built.read(path).contains("What happened"), "{path}");
    }
    let text = std::fs::read_to_string(&file).expect("read");
    let filled: String = text
        .lines()
        .filter(|l| !l.starts_with("<!--") && !l.starts_with("-->"))
        .map(|l| format!("{l}\n"))
        .collect::<String>()
        .replace("What happened, in two", "The switch failed; in two");
    std::fs::write(&file, filled).expect("write");
    let built = crate::support::build(site.root(), "2026-11-25 09:00", &[]);
    let page = built.read("incidents/2026-11-25-website-unreachable/index.html");
    assert!(
        page.contains("class=\"postmortem\"") && page.contains("The switch failed"),
        "{page}"
    );
}

/// `new` with an option's value it cannot take: a usage error, and nothing written.
fn new_refuses_each_value_it_cannot_take(site: &TempSite) {
    let before = snapshot(site.root());
    for (args, expected) in [
        (
            vec![
                "new",
                "X",
                "--kind",
                "maintenance",
                "--now",
                "2026-11-25 10:00",
            ],
            "needs --start and --end",
        ),
        (
            vec![
                "new",
                "X",
                "--component",
                "wbe",
                "--now",
                "2026-11-25 10:00",
            ],
            "did you mean `web`?",
        ),
        (
            vec![
                "new",
                "X",
                "--kind",
                "incidnet",
                "--now",
                "2026-11-25 10:00",
            ],
            "did you mean `incident`?",
        ),
    ] {
        let out = run_in(site.root(), &args);
        // Each of these is an option's value that `new` cannot take: a usage error.
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(
            stderr(&out).contains(expected),
            "{args:?}: {}",
            stderr(&out)
        );
    }
    assert_eq!(snapshot(site.root()), before);
}
