//! Fitting in: `check --format json|github` for CI and editors, shell completions, manual
//! pages, colours only on a terminal, and `--version`.

use std::collections::BTreeSet;
use std::process::Command;

use crate::support::{SITE_YAML, TempSite, sitrep, stderr};

const GOOD: &str = "---\ntitle: A\ntimeline:\n  - at: 2026-11-20 10:00\n    status: investigating\n    message: x\n---\n";

fn check_with(site: &TempSite, format: &str) -> (Option<i32>, String) {
    let out = sitrep(&[
        "check",
        "--root",
        site.root().to_str().expect("utf-8"),
        "--now",
        "2026-11-25 12:00",
        "--format",
        format,
    ]);
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

fn json_lines(text: &str) -> Vec<serde_json::Value> {
    text.lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{l}: {e}")))
        .collect()
}

/// Sites that each break in one way, together covering every diagnostic code.
fn broken_sites() -> Vec<TempSite> {
    let event = |yaml: &str| format!("---\n{yaml}---\n");
    vec![
        TempSite::new(SITE_YAML).with("incidents/a.md", &event("title: 'unclosed\n")),
        TempSite::new(SITE_YAML).with(
            "incidents/a.md",
            &event("title: A\ntimeline:\n  - at: 2026-13-20 10:00\n    status: investigating\n    message: x\n"),
        ),
        TempSite::new(SITE_YAML).with(
            "incidents/a.md",
            &event("title: A\ntitel: B\nkind: incidnt\ntimeline:\n  - at: 2026-13-20 10:00\n    status: investigating\n    message: x\n"),
        ),
        TempSite::new(SITE_YAML).with("incidents/a.md", &event("timeline: []\n")),
        TempSite::new(SITE_YAML).with("incidents/a.md", &event("title: A\ntimeline: []\n")),
        TempSite::new(SITE_YAML).with("incidents/a.md", &event("title: A\ntitle: B\n")),
        TempSite::new(SITE_YAML).with("incidents/a.md", &event("title: A\ndraft: maybe\n")),
        TempSite::new(SITE_YAML).with(
            "incidents/a.md",
            &event("title: \"\"\ncomponents:\n  pnael: major_outage\ntimeline:\n  - at: 2026-11-20 10:00\n    status: investigating\n    message: x\n"),
        ),
        TempSite::new(SITE_YAML).with("incidents/a.md", "no front matter\n"),
        TempSite::new(SITE_YAML)
            .with("incidents/a.md", GOOD)
            .with("incidents/2026/a.md", GOOD),
        TempSite::new(SITE_YAML).with(
            "incidents/a.md",
            &format!("{GOOD}{}", "x".repeat(3 * 1024 * 1024)),
        ),
        TempSite::new(SITE_YAML)
            .with("incidents/a.md", GOOD)
            .with("themes/default/templates/404.html", "{{ nope( }}\n"),
        not_utf8(),
    ]
}

fn not_utf8() -> TempSite {
    let site = TempSite::new(SITE_YAML);
    std::fs::write(
        site.root().join("incidents/a.md"),
        b"---\ntitle: \xff\xfe\n---\n",
    )
    .expect("write");
    site
}

#[test]
fn json_has_one_object_per_diagnostic_then_a_summary_and_every_code_is_used() {
    let mut codes = BTreeSet::new();
    for site in broken_sites() {
        let (code, out) = check_with(&site, "json");
        assert_eq!(code, Some(1), "{out}");
        let objects = json_lines(&out);
        let (summary, diagnostics) = objects.split_last().expect("a summary");
        assert_eq!(summary["type"], "summary", "{out}");
        assert_eq!(summary["errors"], diagnostics.len(), "{out}");
        for d in diagnostics {
            assert_eq!(d["type"], "diagnostic");
            assert_eq!(d["severity"], "error");
            for key in [
                "file",
                "line",
                "column",
                "end_line",
                "end_column",
                "code",
                "message",
                "help",
            ] {
                assert!(d.get(key).is_some(), "{key} in {d}");
            }
            if let (Some(line), Some(end)) = (d["line"].as_u64(), d["end_line"].as_u64()) {
                assert!(end >= line, "{d}");
            }
            codes.insert(d["code"].as_str().expect("code").to_string());
        }
    }
    // A non-UTF-8 file and an invalid timestamp are among them; every documented code appears.
    let docs = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/format.md"),
    )
    .expect("docs");
    let table = docs
        .split_once("Each diagnostic has a stable code")
        .and_then(|(_, rest)| rest.split("\n## ").next())
        .expect("the table of codes");
    let documented: BTreeSet<String> = table
        .lines()
        .filter_map(|l| l.strip_prefix("| `"))
        .filter_map(|l| l.split('`').next())
        .filter(|c| c.chars().all(|ch| ch.is_ascii_lowercase() || ch == '-'))
        .map(str::to_string)
        .collect();
    assert!(
        codes.is_subset(&documented),
        "undocumented: {:?}",
        codes.difference(&documented).collect::<Vec<_>>()
    );
    assert_eq!(codes, documented, "codes the tests never produce");
}

#[test]
fn json_of_a_clean_site_is_just_the_summary() {
    let site = TempSite::new(SITE_YAML).with("incidents/a.md", GOOD);
    let (code, out) = check_with(&site, "json");
    assert_eq!(code, Some(0));
    assert_eq!(
        json_lines(&out),
        [serde_json::json!({"type": "summary", "errors": 0, "warnings": 0})]
    );
}

/// GitHub's syntax: `::error file=F,line=L,col=C,endLine=L,endColumn=C,title=T::MESSAGE`, with
/// `%`, CR and LF escaped in the message and also `:` and `,` in property values.
#[test]
fn github_format_is_one_workflow_command_per_diagnostic() {
    let site = TempSite::new(SITE_YAML).with(
        "incidents/a.md",
        "---\ntitle: A\ncomponents:\n  pnael: major_outage\ntimeline:\n  - at: 2026-11-20 10:00\n    status: investigatin\n    message: 100% down\n---\n",
    );
    let (code, out) = check_with(&site, "github");
    assert_eq!(code, Some(1));
    assert_eq!(
        out.lines().collect::<Vec<_>>(),
        [
            "::error file=incidents/a.md,line=4,col=3,endLine=4,endColumn=7,title=unknown-component::unknown component `pnael`%0Ahelp: did you mean `panel`?",
            "::error file=incidents/a.md,line=7,col=13,endLine=7,endColumn=24,title=unknown-value::unknown status `investigatin`%0Ahelp: did you mean `investigating`?",
        ]
    );
    for line in out.lines() {
        let (head, message) = line
            .strip_prefix("::error ")
            .and_then(|rest| rest.split_once("::"))
            .expect("::error PROPERTIES::MESSAGE");
        for property in head.split(',') {
            let (name, value) = property.split_once('=').expect("name=value");
            assert!(
                ["file", "line", "col", "endLine", "endColumn", "title"].contains(&name),
                "{name}"
            );
            assert!(!value.contains([':', ',', '\n', '\r']), "{value}");
        }
        assert!(!message.contains(['\n', '\r']), "{message}");
    }
}

#[test]
fn bash_completion_completes_a_subcommand() {
    let script = sitrep(&["completions", "bash"]);
    assert!(script.status.success());
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("sitrep.bash");
    std::fs::write(&path, &script.stdout).expect("write");
    let out = Command::new("bash")
        .arg("-c")
        .arg(format!(
            "source {}; COMP_WORDS=(sitrep bu); COMP_CWORD=1; _sitrep sitrep bu sitrep; echo \"${{COMPREPLY[@]}}\"",
            path.display()
        ))
        .output()
        .expect("bash");
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "build");
    for shell in ["zsh", "fish", "powershell", "elvish"] {
        let out = sitrep(&["completions", shell]);
        assert!(out.status.success() && out.stdout.len() > 500, "{shell}");
    }
}

#[test]
fn manual_pages_render() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = sitrep(&["man", "--output", dir.path().to_str().expect("utf-8")]);
    assert!(out.status.success(), "{}", stderr(&out));
    let mut pages: Vec<String> = std::fs::read_dir(dir.path())
        .expect("list")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    pages.sort();
    assert_eq!(
        pages,
        [
            "sitrep-announce.1",
            "sitrep-build.1",
            "sitrep-check.1",
            "sitrep-completions.1",
            "sitrep-import.1",
            "sitrep-ingest.1",
            "sitrep-init.1",
            "sitrep-man.1",
            "sitrep-new.1",
            "sitrep-publish.1",
            "sitrep-receive.1",
            "sitrep-serve.1",
            "sitrep-update.1",
            "sitrep.1"
        ]
    );
    if Command::new("man").arg("--version").output().is_err() {
        eprintln!("skipped rendering with `man -l`: man is not installed (.ci/run installs it)");
        return;
    }
    let rendered = Command::new("man")
        .args(["-l", "-P", "cat"])
        .arg(dir.path().join("sitrep-check.1"))
        .env("MANWIDTH", "100")
        .output()
        .expect("man");
    assert!(rendered.status.success(), "{}", stderr(&rendered));
    let text = String::from_utf8_lossy(&rendered.stdout);
    assert!(text.contains("sitrep-check"), "{text}");
    assert!(text.contains("--format"), "{text}");
}

#[test]
fn version_names_the_commit_when_built_from_git() {
    let out = sitrep(&["--version"]);
    let text = String::from_utf8_lossy(&out.stdout);
    let expected = format!("sitrep {}", env!("CARGO_PKG_VERSION"));
    assert!(text.starts_with(&expected), "{text}");
    let in_git = Command::new("git")
        .args(["rev-parse", "--short", "HEAD"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .is_ok_and(|o| o.status.success());
    if in_git {
        assert!(text.contains(" ("), "{text}");
    }
}

/// Colours on a terminal only, and never with NO_COLOR: `script` gives the command a terminal.
#[test]
fn colours_only_on_a_terminal_and_never_with_no_color() {
    let site = TempSite::new(SITE_YAML).with("incidents/a.md", "no front matter\n");
    let (_, plain) = site.check();
    assert!(!plain.contains('\u{1b}'), "not a terminal: {plain:?}");
    if Command::new("script").arg("--version").output().is_err() {
        eprintln!("skipped the terminal case: `script` (util-linux) is not installed");
        return;
    }
    let run = |no_color: bool| {
        let command = format!(
            "{} check --root {} --now '2026-11-25 12:00'",
            env!("CARGO_BIN_EXE_sitrep"),
            site.root().display()
        );
        let mut script = Command::new("script");
        script.args(["-qec", &command, "/dev/null"]);
        if no_color {
            script.env("NO_COLOR", "1");
        } else {
            script.env_remove("NO_COLOR");
        }
        String::from_utf8_lossy(&script.output().expect("script").stdout).into_owned()
    };
    assert!(run(false).contains('\u{1b}'), "{:?}", run(false));
    assert!(!run(true).contains('\u{1b}'), "{:?}", run(true));
}

/// A problem that is about no place in a file (here a theme that does not exist) still reports
/// in both formats, with the code `site`.
#[test]
fn a_problem_with_no_place_in_a_file_is_reported_in_both_formats() {
    let site = TempSite::new(&format!("{SITE_YAML}theme: nope\n")).with("incidents/a.md", GOOD);
    let (code, out) = check_with(&site, "json");
    assert_eq!(code, Some(1), "{out}");
    let objects = json_lines(&out);
    assert_eq!(objects.len(), 2, "{out}");
    assert_eq!(objects[0]["code"], "site");
    assert_eq!(objects[0]["file"], serde_json::Value::Null);
    assert!(
        objects[0]["message"]
            .as_str()
            .is_some_and(|m| m.contains("theme `nope` not found")),
        "{out}"
    );
    assert_eq!(
        objects[1],
        serde_json::json!({"type": "summary", "errors": 1, "warnings": 0})
    );
    let (code, out) = check_with(&site, "github");
    assert_eq!(code, Some(1));
    assert!(out.starts_with("::error title=site::"), "{out}");
    assert!(out.contains("theme `nope` not found"), "{out}");
}

/// An error from the operating system is said once, after what sitrep was doing, and the
/// exit code is 1 (a problem with the site, not with the command line).
#[test]
fn a_file_error_names_its_cause_once() {
    let dir = tempfile::tempdir().expect("tempdir");
    let missing = dir.path().join("no-such-site");
    let out = sitrep(&["serve", "--root", missing.to_str().expect("utf-8")]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.starts_with(&format!(
            "error: cannot open the site folder `{}`: ",
            missing.display()
        )),
        "{err}"
    );
    assert_eq!(err.matches("(os error 2)").count(), 1, "{err}");
}

/// A `SOURCE_DATE_EPOCH` that is not a timestamp is a usage error (2) whichever command reads
/// it: one function decides the exit code for every command's errors.
#[test]
fn a_bad_source_date_epoch_is_a_usage_error_for_every_command() {
    let site = TempSite::new(SITE_YAML).with("incidents/a.md", GOOD);
    for command in [
        &["build"][..],
        &["check"],
        &["publish"],
        &["announce"],
        &["new", "X"],
    ] {
        let out = Command::new(env!("CARGO_BIN_EXE_sitrep"))
            .args(command)
            .arg("--root")
            .arg(site.root())
            .env("SOURCE_DATE_EPOCH", "nope")
            .output()
            .expect("run sitrep");
        assert_eq!(out.status.code(), Some(2), "{command:?}: {}", stderr(&out));
        assert!(
            stderr(&out).contains("SOURCE_DATE_EPOCH must be a whole number of seconds"),
            "{command:?}: {}",
            stderr(&out)
        );
    }
}
