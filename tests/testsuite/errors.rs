//! One test per class of error: `PATH:LINE:COL: message`, the snippet, the suggestion, exit 1.

use crate::support::{SITE_YAML, TempSite};

/// Checks one broken event file and returns stderr, asserting exit status 1.
fn check_event(text: &str) -> String {
    let site = TempSite::new(SITE_YAML).with("incidents/2026/broken.md", text);
    let (code, stderr) = site.check();
    assert_eq!(code, 1, "{stderr}");
    stderr
}

fn event(timeline_and_more: &str) -> String {
    format!("---\ntitle: Panel trouble\n{timeline_and_more}---\nBody.\n")
}

const GOOD_TIMELINE: &str =
    "timeline:\n  - at: 2026-11-20 10:00\n    status: investigating\n    message: Looking.\n";

// The complete text of the main classes of error, as `sitrep check` prints it.

#[test]
fn unknown_key_names_line_column_and_the_likely_key() {
    let err = check_event(&event(&format!(
        "compnents:\n  panel: major_outage\n{GOOD_TIMELINE}"
    )));
    insta::assert_snapshot!(err, @r"
    incidents/2026/broken.md:3:1: unknown key `compnents`
      |
    3 | compnents:
      | ^^^^^^^^^
      help: did you mean `components`?

    1 error found; nothing was written
    ");
}

#[test]
fn every_unknown_key_is_reported_in_flow_and_block_style() {
    let site = TempSite::new(
        "title: T\nbase_url: https://status.test/\ncomponents:\n  - { id: web, nmae: Website }\n  - id: db\n    name: DB\n    gruop: Data\n",
    );
    let (code, err) = site.check();
    assert_eq!(code, 1);
    insta::assert_snapshot!(err, @r"
    site.yaml:4:16: unknown key `nmae`
      |
    4 |   - { id: web, nmae: Website }
      |                ^^^^
      help: did you mean `name`?

    site.yaml:7:5: unknown key `gruop`
      |
    7 |     gruop: Data
      |     ^^^^^
      help: did you mean `group`?

    2 errors found; nothing was written
    ");
}

#[test]
fn snapshot_of_a_duplicate_key_a_bad_time_and_a_wrong_status() {
    let err = check_event(
        "---\ntitle: Panel trouble\ntitle: again\ntimeline:\n  - at: 2026-13-20 10:00\n    status: investigatin\n    message: Looking.\n---\n",
    );
    insta::assert_snapshot!(err, @r"
    incidents/2026/broken.md:3:1: the key `title` appears twice
      |
    3 | title: again
      | ^^^^^
      help: remove one of them

    1 error found; nothing was written
    ");
    let err = check_event(&event(
        "timeline:\n  - at: 2026-13-20 10:00\n    status: investigatin\n    message: Looking.\n",
    ));
    insta::assert_snapshot!(err, @r"
    incidents/2026/broken.md:4:9: `2026-13-20 10:00` is not a timestamp
      |
    4 |   - at: 2026-13-20 10:00
      |         ^^^^^^^^^^^^^^^^
      help: write `2014-04-17 17:30`, `2014-04-17 17:30 -04:00` or `2014-04-17T17:30:00-04:00`

    incidents/2026/broken.md:5:13: unknown status `investigatin`
      |
    5 |     status: investigatin
      |             ^^^^^^^^^^^^
      help: did you mean `investigating`?

    2 errors found; nothing was written
    ");
}

#[test]
fn snapshot_of_a_yaml_syntax_error_and_a_missing_front_matter() {
    let err = check_event(&event("timeline: [\n  - at: 2026-11-20 10:00\n"));
    insta::assert_snapshot!(err, @r#"
    incidents/2026/broken.md:4:3: "-" is only valid inside a block
      |
    4 |   - at: 2026-11-20 10:00
      |   ^

    1 error found; nothing was written
    "#);
    let err = check_event("# No front matter\n");
    insta::assert_snapshot!(err, @r"
    incidents/2026/broken.md:1:1: the file does not start with front matter
      |
    1 | # No front matter
      | ^^^
      help: start the file with a line `---`, the YAML keys (title, timeline, …), and another line `---`

    1 error found; nothing was written
    ");
}

#[test]
fn unknown_key_in_an_update() {
    let err = check_event(&event(
        "timeline:\n  - at: 2026-11-20 10:00\n    stauts: investigating\n    message: Looking.\n",
    ));
    assert!(
        err.starts_with("incidents/2026/broken.md:5:5: unknown key `stauts`"),
        "{err}"
    );
    assert!(err.contains("did you mean `status`?"), "{err}");
}

#[test]
fn unknown_component_id_is_suggested_from_site_yaml() {
    let err = check_event(&event(&format!(
        "components:\n  pnael: major_outage\n{GOOD_TIMELINE}"
    )));
    assert!(
        err.starts_with("incidents/2026/broken.md:4:3: unknown component `pnael`"),
        "{err}"
    );
    assert!(err.contains("help: did you mean `panel`?"), "{err}");
}

#[test]
fn unknown_component_status() {
    let err = check_event(&event(&format!(
        "components:\n  panel: major_outge\n{GOOD_TIMELINE}"
    )));
    assert!(
        err.starts_with("incidents/2026/broken.md:4:10: unknown component status `major_outge`"),
        "{err}"
    );
    assert!(err.contains("did you mean `major_outage`?"), "{err}");
}

#[test]
fn update_status_must_exist_and_fit_the_kind() {
    let err = check_event(&event(
        "timeline:\n  - at: 2026-11-20 10:00\n    status: resolvd\n    message: Done.\n",
    ));
    assert!(
        err.starts_with("incidents/2026/broken.md:5:13: unknown status `resolvd`"),
        "{err}"
    );
    assert!(err.contains("did you mean `resolved`?"), "{err}");

    let err = check_event(&event(
        "timeline:\n  - at: 2026-11-20 10:00\n    status: completed\n    message: Done.\n",
    ));
    assert!(
        err.starts_with(
            "incidents/2026/broken.md:5:13: `completed` is not a status for an incident"
        ),
        "{err}"
    );
    assert!(
        err.contains("`investigating`, `identified`, `monitoring`, `resolved`, `postmortem`"),
        "{err}"
    );
}

#[test]
fn unknown_kind_and_impact() {
    let err = check_event(&event(&format!("kind: maintainance\n{GOOD_TIMELINE}")));
    assert!(
        err.starts_with("incidents/2026/broken.md:3:7: unknown kind `maintainance`"),
        "{err}"
    );
    assert!(err.contains("did you mean `maintenance`?"), "{err}");
    let err = check_event(&event(&format!(
        "impact: critcal\ncomponents: [panel]\n{GOOD_TIMELINE}"
    )));
    assert!(
        err.starts_with("incidents/2026/broken.md:3:9: unknown impact `critcal`"),
        "{err}"
    );
    assert!(err.contains("did you mean `critical`?"), "{err}");
}

#[test]
fn timestamps_that_are_not_timestamps() {
    let err = check_event(&event(
        "timeline:\n  - at: last tuesday\n    status: investigating\n    message: Looking.\n",
    ));
    assert!(
        err.starts_with("incidents/2026/broken.md:4:9: `last tuesday` is not a timestamp"),
        "{err}"
    );
    assert!(err.contains("help: write `2014-04-17 17:30`"), "{err}");
}

#[test]
fn local_times_in_a_daylight_saving_gap_or_overlap_need_an_offset() {
    let err = check_event(&event(
        "timeline:\n  - at: 2026-03-08 02:30\n    status: investigating\n    message: Looking.\n",
    ));
    assert!(
        err.starts_with(
            "incidents/2026/broken.md:4:9: `2026-03-08 02:30` does not exist in America/New_York"
        ),
        "{err}"
    );
    assert!(err.contains("add an explicit offset"), "{err}");

    let err = check_event(&event(
        "timeline:\n  - at: \"2026-11-01 01:30\"\n    status: investigating\n    message: Looking.\n",
    ));
    assert!(
        err.starts_with(
            "incidents/2026/broken.md:4:9: `2026-11-01 01:30` happens twice in America/New_York"
        ),
        "{err}"
    );
    assert!(err.contains("`2026-11-01 01:30 -04:00` (EDT, the first) or `2026-11-01 01:30 -05:00` (EST, the second)"), "{err}");
}

/// content.md: two updates at one time are no error; they are shown in the order the file lists
/// them (build::updates_milliseconds_apart_or_at_one_time_keep_their_order_and_distinct_ids).
#[test]
fn two_updates_at_the_same_time_are_no_error() {
    let site = TempSite::new(SITE_YAML).with("incidents/2026/same.md", &event(
        "timeline:\n  - at: 2026-11-20 10:00\n    status: investigating\n    message: A.\n  - at: 2026-11-20T15:00:00Z\n    status: identified\n    message: B.\n",
    ));
    let (code, err) = site.check();
    assert_eq!(code, 0, "{err}");
}

#[test]
fn list_form_needs_an_impact() {
    let err = check_event(&event(&format!("components: [panel]\n{GOOD_TIMELINE}")));
    assert!(
        err.starts_with(
            "incidents/2026/broken.md:3:13: the list form of `components` needs `impact`"
        ),
        "{err}"
    );
}

#[test]
fn maintenance_needs_a_window_that_ends_after_it_starts() {
    let err = check_event(&event("kind: maintenance\ncomponents: [panel]\n"));
    assert!(
        err.starts_with("incidents/2026/broken.md: a maintenance needs `scheduled`"),
        "{err}"
    );
    let err = check_event(&event(
        "kind: maintenance\nscheduled:\n  start: 2026-12-01 10:00\n  end: 2026-12-01 09:00\n",
    ));
    assert!(
        err.starts_with(
            "incidents/2026/broken.md:6:8: `scheduled.end` must be after `scheduled.start`"
        ),
        "{err}"
    );
}

#[test]
fn front_matter_must_be_there_and_closed() {
    let err = check_event("# Just a heading\n");
    assert!(
        err.starts_with("incidents/2026/broken.md:1:1: the file does not start with front matter"),
        "{err}"
    );
    let err = check_event("---\ntitle: x\n");
    assert!(
        err.starts_with("incidents/2026/broken.md:1:1: the front matter is never closed"),
        "{err}"
    );
}

#[test]
fn yaml_syntax_errors_point_into_the_md_file() {
    let err = check_event(
        "---\ntitle: Broken\ntimeline:\n  - at: 2026-11-20 10:00\n    status: [investigating\n    message: x\n---\n",
    );
    assert!(err.starts_with("incidents/2026/broken.md:5:"), "{err}");
}

#[test]
fn two_files_with_one_slug_name_both() {
    let text = event(GOOD_TIMELINE);
    let site = TempSite::new(SITE_YAML)
        .with("incidents/a/same.md", &text)
        .with("incidents/b/same.md", &text);
    let (code, err) = site.check();
    assert_eq!(code, 1);
    assert!(
        err.starts_with("incidents/b/same.md: the slug `same` is also used by incidents/a/same.md"),
        "{err}"
    );
}

#[test]
fn file_names_that_make_no_slug() {
    let site = TempSite::new(SITE_YAML).with("incidents/¡¡!!.md", &event(GOOD_TIMELINE));
    let (code, err) = site.check();
    assert_eq!(code, 1);
    assert!(err.contains("does not make a slug"), "{err}");
    assert!(err.contains("set `slug:`"), "{err}");
}

/// content.md, `slug`: the file's name lowercased, every run of other characters made one `-`
/// (a real cState site names files `2024-05-06-ci.jenkins.io-outage.md`).
#[test]
fn file_names_with_dots_spaces_and_accents_derive_their_slug() {
    let site = TempSite::new(SITE_YAML)
        .with(
            "incidents/2024/2024-05-06-ci.jenkins.io-outage.md",
            &event(GOOD_TIMELINE),
        )
        .with("incidents/2024/Switch failure!.md", &event(GOOD_TIMELINE))
        .with(
            "incidents/2024/_Panne_électrique_.md",
            &event(GOOD_TIMELINE),
        )
        .with("incidents/2024/already--fine.md", &event(GOOD_TIMELINE));
    let built = crate::support::build(site.root(), "2026-11-25 12:00", &[]);
    for slug in [
        "2024-05-06-ci-jenkins-io-outage",
        "switch-failure",
        "panne-lectrique",
        "already--fine",
    ] {
        assert!(
            built.exists(&format!("incidents/{slug}/index.html")),
            "{slug}"
        );
    }
    let both = TempSite::new(SITE_YAML)
        .with("incidents/a.b.md", &event(GOOD_TIMELINE))
        .with("incidents/a-b.md", &event(GOOD_TIMELINE));
    let (code, err) = both.check();
    assert_eq!(code, 1);
    assert!(
        err.contains("incidents/a.b.md: the slug `a-b` is also used by incidents/a-b.md"),
        "{err}"
    );
}

#[test]
fn site_yaml_errors_are_located_and_suggested() {
    let site = TempSite::new(&SITE_YAML.replace("components:", "compnents:"));
    let (code, err) = site.check();
    assert_eq!(code, 1);
    assert!(
        err.starts_with("site.yaml:4:1: unknown key `compnents`"),
        "{err}"
    );
    assert!(err.contains("did you mean `components`?"), "{err}");

    let site = TempSite::new(&SITE_YAML.replace("America/New_York", "Europe/Pari"));
    let (_, err) = site.check();
    assert!(
        err.starts_with("site.yaml:3:12: `Europe/Pari` is not an IANA time zone"),
        "{err}"
    );
    assert!(err.contains("did you mean `Europe/Paris`?"), "{err}");
}

#[test]
fn a_missing_site_yaml_says_where_it_looked() {
    let dir = tempfile::tempdir().expect("tempdir");
    let output = crate::support::sitrep(&["check", "--root", dir.path().to_str().expect("utf-8")]);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        crate::support::stderr(&output).starts_with("site.yaml: no site.yaml in the site folder")
    );
}

#[test]
fn every_error_of_the_run_is_reported_at_once() {
    let site = TempSite::new(SITE_YAML)
        .with(
            "incidents/one.md",
            &event(&format!(
                "components:\n  pnael: major_outage\n{GOOD_TIMELINE}"
            )),
        )
        .with(
            "incidents/two.md",
            &event("timeline:\n  - at: tomorrow\n    status: resolvd\n    message: \"\"\n"),
        )
        .with("incidents/three.md", "no front matter\n")
        .with("incidents/fine.md", &event(GOOD_TIMELINE));
    let (code, err) = site.check();
    assert_eq!(code, 1);
    let locations: Vec<&str> = err
        .lines()
        .filter(|l| l.starts_with("incidents/"))
        .map(|l| l.split(": ").next().unwrap_or(""))
        .collect();
    assert_eq!(
        locations,
        [
            "incidents/one.md:4:3",
            "incidents/three.md:1:1",
            "incidents/two.md:4:9",
            "incidents/two.md:5:13",
            "incidents/two.md:6:14"
        ]
    );
    assert!(
        err.trim_end()
            .ends_with("5 errors found; nothing was written"),
        "{err}"
    );
}

#[test]
fn a_broken_theme_template_names_the_file_and_line() {
    let site = TempSite::new(SITE_YAML)
        .with("incidents/a.md", &event(GOOD_TIMELINE))
        .with("themes/default/templates/404.html", "{% extends \"base.html\" %}\n{% block content %}\n{{ nope( }}\n{% endblock content %}\n");
    let (code, err) = site.check();
    assert_eq!(code, 1);
    assert!(err.contains("themes/default/templates/404.html"), "{err}");
    assert!(err.contains(":3:"), "{err}");
}

/// Hostile or mangled input is an error with a location, never a panic or a hang.
#[test]
fn no_input_makes_it_panic() {
    let deep = format!(
        "---\ntitle: x\ntimeline: {}{}\n---\n",
        "[".repeat(200),
        "]".repeat(200)
    );
    let mut laughs = String::from("---\na0: &a0 [x, x, x, x, x, x, x, x]\n");
    for i in 1..10 {
        laughs.push_str(&format!(
            "a{i}: &a{i} [{}]\n",
            vec![format!("*a{}", i - 1); 8].join(", ")
        ));
    }
    laughs.push_str("title: boom\n---\n");
    let cases: Vec<String> = vec![
        deep,
        laughs,
        "---\n\0\u{1}\u{2}: \u{feff}\n---\n".into(),
        "---\ntitle: x\ntimeline:\n  - at: 99999-01-01 10:00\n    status: investigating\n    message: x\n---\n".into(),
        "---\ntitle: x\ntimeline:\n  - at: 2026-11-20 10:00 +99:99\n    status: investigating\n    message: x\n---\n".into(),
        "---\ntitle: x\ntimeline:\n  - at: 2026-11-20T10:00:00.123456789123Z\n    status: investigating\n    message: x\n---\n".into(),
        "---\ntitle: x\ntimeline:\n\t- at: tab\n---\n".into(),
        "---\ntitle: x\ncomponents: 12\ntimeline: {}\n---\n".into(),
        "---\ntitle: [1, 2]\nslug: ''\nkind: ~\ntimeline: ~\n---\n".into(),
        "---\n---\n".into(),
        "---".into(),
        String::new(),
        "---\ntitle: ünïcödé ☃ — \"quotes\"\ntimeline:\n  - at: 2026-11-20 10:00\n    status: investigating\n    message: \"\\u0000\"\n---\n".into(),
    ];
    for (i, text) in cases.iter().enumerate() {
        let site = TempSite::new(SITE_YAML).with(&format!("incidents/case-{i}.md"), text);
        let (code, err) = site.check();
        assert!(code == 0 || code == 1, "case {i} exited {code}: {err}");
        assert!(!err.contains("panicked"), "case {i} panicked: {err}");
        if code == 1 {
            assert!(
                err.starts_with(&format!("incidents/case-{i}.md")),
                "case {i}: {err}"
            );
        }
    }
}

#[test]
fn control_characters_are_refused_where_feeds_would_carry_them() {
    let err = check_event(&event(
        "timeline:\n  - at: 2026-11-20 10:00\n    status: investigating\n    message: \"Bell \\a here\"\n",
    ));
    assert!(
        err.starts_with(
            "incidents/2026/broken.md:6:14: the message contains the control character U+0007"
        ),
        "{err}"
    );
}

#[test]
fn an_unknown_key_does_not_hide_the_other_errors_of_its_file() {
    let err = check_event(&event(
        "components:\n  wbe: major_outge\ntimeline:\n  - at: 2026-11-20 10:00\n    status: investigatng\n    mesage: Looking.\n",
    ));
    let locations: Vec<&str> = err
        .lines()
        .filter(|l| l.starts_with("incidents/"))
        .collect();
    assert_eq!(
        locations,
        [
            "incidents/2026/broken.md:8:5: unknown key `mesage`",
            "incidents/2026/broken.md:4:3: unknown component `wbe`",
            "incidents/2026/broken.md:4:8: unknown component status `major_outge`",
            "incidents/2026/broken.md:7:13: unknown status `investigatng`",
        ],
        "{err}"
    );
    assert!(
        !err.contains("missing required key `message`"),
        "the typo is reported once: {err}"
    );

    let site = TempSite::new(&format!("{SITE_YAML}uptime_days: 0\nfoo: 1\nbar: 2\n"));
    let (code, err) = site.check();
    assert_eq!(code, 1);
    let locations: Vec<&str> = err.lines().filter(|l| l.starts_with("site.yaml")).collect();
    assert_eq!(
        locations,
        [
            "site.yaml:10:1: unknown key `foo`",
            "site.yaml:11:1: unknown key `bar`",
            "site.yaml:9:14: `uptime_days` must be from 1 to 365, not 0",
        ],
        "{err}"
    );
}

/// Runs `sitrep check` on `root`, killing it if it has not finished in 20 s (a hang is a
/// failure, not a stuck test run): (exit code, stderr).
#[cfg(unix)]
fn check_within_deadline(root: &std::path::Path) -> (Option<i32>, String) {
    use std::io::Read;
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_sitrep"))
        .args(["check", "--now", "2026-11-25 12:00", "--root"])
        .arg(root)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        if let Some(status) = child.try_wait().expect("wait") {
            let mut err = String::new();
            child
                .stderr
                .take()
                .expect("stderr")
                .read_to_string(&mut err)
                .expect("read");
            return (status.code(), err);
        }
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            panic!("sitrep check hung on {}", root.display());
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

#[cfg(unix)]
fn mkfifo(path: &std::path::Path) {
    let status = std::process::Command::new("mkfifo")
        .arg(path)
        .status()
        .expect("mkfifo");
    assert!(status.success());
}

#[cfg(unix)]
#[test]
fn a_named_pipe_where_a_file_is_expected_is_refused_without_hanging() {
    let site = TempSite::new(SITE_YAML);
    mkfifo(&site.root().join("incidents/pipe.md"));
    let (code, err) = check_within_deadline(site.root());
    assert_eq!(code, Some(1), "{err}");
    assert!(
        err.contains(
            "incidents/pipe.md: cannot read the file: it is not a regular file but a named pipe"
        ),
        "{err}"
    );

    let site = TempSite::new(SITE_YAML);
    std::fs::remove_file(site.root().join("site.yaml")).expect("rm");
    mkfifo(&site.root().join("site.yaml"));
    let (code, err) = check_within_deadline(site.root());
    assert_eq!(code, Some(1), "{err}");
    assert!(
        err.contains("site.yaml: cannot read site.yaml: it is not a regular file but a named pipe"),
        "{err}"
    );
}

#[cfg(unix)]
#[test]
fn a_logo_that_leads_out_of_the_site_or_to_a_device_is_refused() {
    for target in ["/etc/passwd", "/dev/zero"] {
        let site = TempSite::new(&format!("{SITE_YAML}logo: assets/logo.svg\n"));
        std::fs::create_dir_all(site.root().join("assets")).expect("mkdir");
        std::os::unix::fs::symlink(target, site.root().join("assets/logo.svg")).expect("link");
        let (code, err) = check_within_deadline(site.root());
        assert_eq!(code, Some(1), "{err}");
        assert!(
            err.contains("site.yaml:9:7: cannot read the logo `assets/logo.svg`: it leads outside the site folder"),
            "{target}: {err}"
        );
    }
}

#[test]
fn an_event_file_over_the_size_limit_is_refused() {
    let body = "x".repeat(3 * 1024 * 1024);
    let site = TempSite::new(SITE_YAML).with(
        "incidents/huge.md",
        &format!("---\ntitle: Huge\ntimeline:\n  - at: 2026-11-20 10:00\n    status: investigating\n    message: Big.\n---\n{body}\n"),
    );
    let (code, err) = site.check();
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains(
            "incidents/huge.md: cannot read the file: it is 3145828 bytes; the limit is 2097152"
        ),
        "{err}"
    );
}

/// Each layer that can be checked on its own is checked in the same run: site.yaml, a
/// translation and two templates together; then, once site.yaml is right, the event files
/// beside the theme's errors.
#[test]
fn every_layer_is_checked_in_the_same_run() {
    let broken_event =
        event("timeline:\n  - at: 2026-11-20 10:00\n    status: investigatin\n    message: x\n");
    let site = TempSite::new(&format!("{SITE_YAML}language: fr\nbogus: 1\n"))
        .with("incidents/a.md", &broken_event)
        .with("themes/default/i18n/fr.yaml", "history: [unclosed\n")
        .with(
            "themes/default/templates/404.html",
            "{% extends \"base.html\" %}\n{% block content %}\n{{ nope( }}\n{% endblock content %}\n",
        )
        .with(
            "themes/default/templates/month.html",
            "{% extends \"base.html\" %}\n{% block content %}\n{% if %}\n{% endblock content %}\n",
        );
    let locations = |err: &str| -> Vec<String> {
        err.lines()
            .filter(|l| {
                l.starts_with("site.yaml")
                    || l.starts_with("themes/")
                    || l.starts_with("incidents/")
            })
            .map(|l| l.split(": ").next().unwrap_or("").to_string())
            .collect()
    };
    let (code, err) = site.check();
    assert_eq!(code, 1);
    assert_eq!(
        locations(&err),
        [
            "site.yaml:10:1",
            "themes/default/i18n/fr.yaml:1:10",
            "themes/default/templates/404.html:3:10",
            "themes/default/templates/month.html:3:7",
        ],
        "{err}"
    );
    std::fs::write(
        site.root().join("site.yaml"),
        format!("{SITE_YAML}language: fr\n"),
    )
    .expect("write");
    let (code, err) = site.check();
    assert_eq!(code, 1);
    assert_eq!(
        locations(&err),
        [
            "themes/default/i18n/fr.yaml:1:10",
            "themes/default/templates/404.html:3:10",
            "themes/default/templates/month.html:3:7",
            "incidents/a.md:5:13",
        ],
        "{err}"
    );
}

/// Terminal control sequences in a file never reach the terminal through `check`: they are
/// shown escaped, in the message and in the quoted line.
#[test]
fn control_sequences_in_a_file_are_shown_escaped() {
    let err = check_event(&event(&format!(
        "components:\n  \"\\e[2J\\e]0;pwned\\apnael\": major_outage\n{GOOD_TIMELINE}"
    )));
    assert!(!err.contains('\u{1b}') && !err.contains('\u{7}'), "{err:?}");
    assert!(
        err.contains("unknown component `\\u{1b}[2J\\u{1b}]0;pwned\\u{7}pnael`"),
        "{err}"
    );
    // A file name is user text too.
    let site = TempSite::new(SITE_YAML).with("incidents/\u{1b}[31mred.md", "no front matter\n");
    let (code, err) = site.check();
    assert_eq!(code, 1);
    assert!(!err.contains('\u{1b}'), "{err:?}");
    assert!(err.contains("incidents/\\u{1b}[31mred.md:1:1"), "{err}");
}

/// Strings and the component list are bounded, each with a clear error.
#[test]
fn long_strings_and_too_many_components_are_refused() {
    let long = "x".repeat(201);
    let site = TempSite::new(&format!(
        "title: {long}\nbase_url: https://status.test/\ncomponents:\n  - id: web\n    name: {long}\n    group: {long}\nlinks:\n  - {{ name: {long}, url: \"https://a.test/\" }}\n"
    ));
    let (code, err) = site.check();
    assert_eq!(code, 1);
    for expected in [
        "site.yaml:1:8: `title` is 201 characters; the limit is 200",
        "site.yaml:5:11: a component's `name` is 201 characters; the limit is 200",
        "site.yaml:6:12: a component's `group` is 201 characters; the limit is 200",
        "site.yaml:8:13: a link's `name` is 201 characters; the limit is 200",
    ] {
        assert!(err.contains(expected), "{expected}\n{err}");
    }
    let many: String = (0..1001)
        .map(|i| format!("  - {{ id: c{i}, name: C{i} }}\n"))
        .collect();
    let site = TempSite::new(&format!(
        "title: T\nbase_url: https://status.test/\ncomponents:\n{many}"
    ));
    let (code, err) = site.check();
    assert_eq!(code, 1);
    assert!(
        err.contains("1001 components; sitrep publishes at most 1000"),
        "{err}"
    );
    let err = check_event(&event(&format!(
        "timeline:\n  - at: 2026-11-20 10:00\n    status: investigating\n    message: {}\n",
        "y".repeat(10_001)
    )));
    assert!(
        err.contains("the update's `message` is 10001 characters; the limit is 10000"),
        "{err}"
    );
}
