//! The output folder: swapped in whole, never half-written, never outside its bounds.

use crate::support::{SITE_YAML, TempSite, sitrep, snapshot, stderr};

const EVENT: &str = "---\ntitle: Panel slow\ncomponents:\n  panel: degraded_performance\ntimeline:\n  - at: 2026-11-20 10:00\n    status: investigating\n    message: Slow.\n---\n";

#[test]
fn a_failed_build_leaves_the_previous_site_byte_for_byte() {
    let site = TempSite::new(SITE_YAML).with("incidents/a.md", EVENT);
    let root = site.root().to_str().expect("utf-8").to_string();
    let ok = sitrep(&["build", "--root", &root, "--now", "2026-11-25 12:00"]);
    assert!(ok.status.success(), "{}", stderr(&ok));
    let before = snapshot(&site.root().join("public"));
    assert!(before.contains_key("index.html"));

    std::fs::write(
        site.root().join("incidents/b.md"),
        EVENT.replace("degraded_performance", "on_fire"),
    )
    .expect("write");
    let failed = sitrep(&["build", "--root", &root, "--now", "2026-11-25 12:00"]);
    assert_eq!(failed.status.code(), Some(1));
    assert_eq!(snapshot(&site.root().join("public")), before);
    let leftovers: Vec<String> = std::fs::read_dir(site.root())
        .expect("list")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with('.'))
        .collect();
    assert!(leftovers.is_empty(), "no staging folders: {leftovers:?}");
}

#[test]
fn refuses_to_build_over_the_site_itself() {
    let site = TempSite::new(SITE_YAML).with("incidents/a.md", EVENT);
    let root = site.root().to_str().expect("utf-8").to_string();
    for output in [
        root.clone(),
        site.root().join("incidents").to_string_lossy().into_owned(),
        site.root()
            .parent()
            .expect("parent")
            .to_string_lossy()
            .into_owned(),
    ] {
        let result = sitrep(&[
            "build",
            "--root",
            &root,
            "--output",
            &output,
            "--now",
            "2026-11-25 12:00",
        ]);
        assert_eq!(result.status.code(), Some(1), "{output}");
        assert!(
            stderr(&result).contains("refusing to use"),
            "{}",
            stderr(&result)
        );
    }
    assert!(site.root().join("site.yaml").exists());
    assert!(site.root().join("incidents/a.md").exists());
}

#[test]
fn output_key_in_site_yaml_is_relative_to_the_site() {
    let site =
        TempSite::new(&format!("{SITE_YAML}output: build/site\n")).with("incidents/a.md", EVENT);
    let root = site.root().to_str().expect("utf-8").to_string();
    let result = sitrep(&["build", "--root", &root, "--now", "2026-11-25 12:00"]);
    assert!(result.status.success(), "{}", stderr(&result));
    assert!(site.root().join("build/site/index.html").exists());
    assert!(String::from_utf8_lossy(&result.stdout).starts_with("Built 1 event into "));
}

#[test]
fn usage_errors_exit_with_2() {
    assert_eq!(sitrep(&["build", "--frobnicate"]).status.code(), Some(2));
    assert_eq!(sitrep(&["launch"]).status.code(), Some(2));
}

/// A bad value for an option is a usage error too: exit 2, with the likely intended value.
#[test]
fn bad_option_values_exit_with_2() {
    let site = crate::support::TempSite::new(crate::support::SITE_YAML).with(
        "incidents/a.md",
        "---\ntitle: A\ntimeline:\n  - at: 2026-11-20 10:00\n    status: investigating\n    message: x\n---\n",
    );
    let root = site.root().to_str().expect("utf-8");
    let cases: [&[&str]; 6] = [
        &["new", "X", "--kind", "incidnet", "--root", root],
        &["new", "X", "--component", "pnael", "--root", root],
        &[
            "update", "a", "--status", "resolvd", "-m", "x", "--root", root,
        ],
        &[
            "update",
            "a",
            "--status",
            "resolved",
            "-m",
            "x",
            "--now",
            "yesterday",
            "--root",
            root,
        ],
        &["build", "--now", "2026-13-01 10:00", "--root", root],
        &["check", "--now", "soon", "--root", root],
    ];
    for args in cases {
        let out = sitrep(args);
        assert_eq!(
            out.status.code(),
            Some(2),
            "{args:?}: {}",
            crate::support::stderr(&out)
        );
    }
    let out = sitrep(cases[0]);
    assert!(crate::support::stderr(&out).contains("did you mean `incident`?"));
}

/// The write itself fails half-way (a file-size limit, which holds even for root, makes a
/// large page's write fail with EFBIG): the staging folder is rolled back and the previous
/// site stays byte for byte.
#[cfg(unix)]
#[test]
fn a_write_that_fails_half_way_leaves_the_previous_site_byte_for_byte() {
    let site = TempSite::new(SITE_YAML).with("incidents/a.md", EVENT);
    let root = site.root().to_str().expect("utf-8").to_string();
    let ok = sitrep(&["build", "--root", &root, "--now", "2026-11-25 12:00"]);
    assert!(ok.status.success(), "{}", stderr(&ok));
    let before = snapshot(&site.root().join("public"));

    // A post-mortem far larger than the limit below; every other file fits.
    let big = format!("{EVENT}{}\n", "Long post-mortem text. ".repeat(20_000));
    std::fs::write(site.root().join("incidents/b.md"), big).expect("write");
    // `trap '' XFSZ`: the write fails with EFBIG instead of the signal killing the process.
    let failed = std::process::Command::new("sh")
        .args([
            "-c",
            "trap '' XFSZ; ulimit -f 400; exec \"$0\" \"$@\"",
            env!("CARGO_BIN_EXE_sitrep"),
            "build",
            "--root",
            &root,
            "--now",
            "2026-11-25 12:00",
        ])
        .env_remove("SOURCE_DATE_EPOCH")
        .output()
        .expect("run");
    assert_eq!(failed.status.code(), Some(1), "{}", stderr(&failed));
    assert!(
        stderr(&failed).contains("File too large"),
        "{}",
        stderr(&failed)
    );
    assert_eq!(snapshot(&site.root().join("public")), before);
    let leftovers: Vec<String> = std::fs::read_dir(site.root())
        .expect("list")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with('.'))
        .collect();
    assert!(leftovers.is_empty(), "no staging folders: {leftovers:?}");
}
