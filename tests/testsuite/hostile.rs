//! A hostile user's files and options, end to end (the local half of the second adversarial
//! pass; docs/reliability.md lists every class with its answer): lock files that are links,
//! named pipes where theme files belong, logos whose styles load or run something, titles
//! nobody can see, and a bad `--now` hidden behind other errors.

use std::path::Path;

use crate::support::{SITE_YAML, TempSite, sitrep, stderr};

const NOW: &str = "2026-11-25 12:00";

fn root_of(site: &TempSite) -> &str {
    site.root().to_str().expect("utf-8")
}

fn symlink(target: &Path, link: &Path) {
    std::os::unix::fs::symlink(target, link).expect("symlink");
}

#[test]
fn an_authoring_lock_that_is_a_link_is_refused_and_site_yaml_kept() {
    let site = TempSite::new(SITE_YAML);
    symlink(
        Path::new("../site.yaml"),
        &site.root().join("incidents/.sitrep-lock"),
    );
    let out = sitrep(&[
        "new",
        "Website down",
        "--component",
        "web=major_outage",
        "--message",
        "Down.",
        "--now",
        NOW,
        "--root",
        root_of(&site),
    ]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("incidents/.sitrep-lock") && err.contains("is a symbolic link"),
        "{err}"
    );
    assert_eq!(
        std::fs::read_to_string(site.root().join("site.yaml")).expect("read"),
        SITE_YAML
    );
}

#[test]
fn a_build_lock_that_is_a_link_is_refused_and_what_it_names_untouched() {
    let site = TempSite::new(SITE_YAML);
    let precious = site.root().join("precious.txt");
    std::fs::write(&precious, "keep me\n").expect("write");
    symlink(&precious, &site.root().join(".public.sitrep-lock"));
    let out = sitrep(&["build", "--root", root_of(&site), "--now", NOW]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("is a symbolic link"), "{err}");
    assert_eq!(
        std::fs::read_to_string(&precious).expect("read"),
        "keep me\n"
    );
    assert!(!site.root().join("public").exists(), "nothing was built");
}

#[test]
fn a_named_pipe_as_a_theme_template_or_translation_is_refused() {
    for file in ["templates/index.html", "i18n/en.yaml"] {
        let site = TempSite::new(&format!("{SITE_YAML}theme: mine\n"));
        let path = site.root().join("themes/mine").join(file);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        rustix::fs::mkfifoat(rustix::fs::CWD, &path, rustix::fs::Mode::RUSR).expect("mkfifo");
        let (code, err) = site.check();
        assert_eq!(code, 1, "{file}: {err}");
        assert!(
            err.contains(&format!("themes/mine/{file}")) && err.contains("named pipe"),
            "{file}: {err}"
        );
    }
}

#[test]
fn an_svg_logo_whose_style_loads_or_runs_something_is_refused() {
    for (svg, why) in [
        (
            "<svg><style>rect { fill: url(javascript:alert(1)) }</style></svg>",
            "`javascript:`",
        ),
        (
            "<svg><style>@import url(https://evil.example/x.css);</style></svg>",
            "@import",
        ),
        (
            "<svg><style><![CDATA[ rect { background: url('https://evil.example/t.png') } ]]></style></svg>",
            "loads `https://evil.example/t.png`",
        ),
        (
            r#"<svg><image href="https://evil.example/track.png"/></svg>"#,
            "loads `https://evil.example/track.png`",
        ),
        (
            r#"<svg><rect style="fill: url(//evil.example/p.svg#a)"/></svg>"#,
            "loads `//evil.example/p.svg#a`",
        ),
    ] {
        let site = TempSite::new(&format!("{SITE_YAML}logo: logo.svg\n")).with(
            "logo.svg",
            &svg.replace("<svg>", r#"<svg xmlns="http://www.w3.org/2000/svg">"#),
        );
        let (code, err) = site.check();
        assert_eq!(code, 1, "{svg}: {err}");
        assert!(
            err.contains("the logo `logo.svg` cannot be published") && err.contains(why),
            "{svg}: {err}"
        );
    }
}

#[test]
fn a_title_of_only_invisible_characters_is_refused_at_its_line() {
    let site = TempSite::new(SITE_YAML).with(
        "incidents/2026/ghost.md",
        "---\ntitle: \"\u{200B}\u{200D}\u{2060}\u{FEFF} \"\ntimeline:\n  - at: 2026-11-25 09:00\n    status: investigating\n    message: Down.\n---\n",
    );
    let (code, err) = site.check();
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("incidents/2026/ghost.md:2:8") && err.contains("no visible character"),
        "{err}"
    );
}

#[test]
fn a_bad_now_is_a_usage_error_even_when_the_site_has_errors_too() {
    let site = TempSite::new(&SITE_YAML.replace("America/New_York", "Mars/Olympus"));
    for command in ["build", "check", "publish", "announce"] {
        let out = sitrep(&[command, "--root", root_of(&site), "--now", "garbage"]);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{command}: {err}");
        assert!(
            err.contains("--now") && err.contains("garbage"),
            "{command}: {err}"
        );
    }
}

/// Found by the adversarial pass on import: a control character in a component's name passed
/// `check`, and feed.atom, feed.rss and badge.svg came out as XML no reader accepts.
#[test]
fn a_control_character_in_a_name_is_refused_at_its_line() {
    let site = TempSite::new(&SITE_YAML.replace("name: Website", "name: \"Web\\0site\\u001b[2J\""));
    let (code, err) = site.check();
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("site.yaml:8:11") && err.contains("control character U+0000"),
        "{err}"
    );
}

/// Found by the adversarial pass on import: with `incidents/2019` a link to a folder outside
/// the site, files were written there, reported as created, and never built.
#[test]
fn nothing_is_written_through_a_folder_that_leads_out_of_the_site() {
    let outside = tempfile::tempdir().expect("tempdir");
    let site = TempSite::new(SITE_YAML);
    symlink(outside.path(), &site.root().join("incidents/2019"));
    let source = crate::support::fixture("import/cstate");
    let out = sitrep(&[
        "import",
        "cstate",
        source.to_str().expect("utf-8"),
        "--root",
        root_of(&site),
    ]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("incidents/2019") && err.contains("leads outside the site folder"),
        "{err}"
    );
    assert_eq!(std::fs::read_dir(outside.path()).expect("list").count(), 0);
}
