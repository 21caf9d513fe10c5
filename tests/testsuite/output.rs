//! The output folder: swapped in whole, never half-written, never outside its bounds.

use std::io::Read;
use std::path::Path;

use crate::support::{SITE_YAML, TempSite, sitrep, snapshot, stderr};

const EVENT: &str = "---\ntitle: Panel slow\ncomponents:\n  panel: degraded_performance\ntimeline:\n  - at: 2026-11-20 10:00\n    status: investigating\n    message: Slow.\n---\n";

/// The names in `dir` that start with a dot: what a build leaves beside its output.
fn hidden_entries(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .expect("list")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with('.'))
        .collect();
    names.sort();
    names
}

/// The render keys of the build in `public/`, kept beside it (docs/reliability.md).
const KEYS: &str = ".public.sitrep-keys";

fn keys(root: &Path) -> Vec<u8> {
    std::fs::read(root.join(KEYS)).expect("the keys beside public/")
}

#[test]
fn a_failed_build_leaves_the_previous_site_byte_for_byte() {
    let site = TempSite::new(SITE_YAML).with("incidents/a.md", EVENT);
    let root = site.root().to_str().expect("utf-8").to_string();
    let ok = sitrep(&["build", "--root", &root, "--now", "2026-11-25 12:00"]);
    assert!(ok.status.success(), "{}", stderr(&ok));
    let before = snapshot(&site.root().join("public"));
    let keys_before = keys(site.root());
    assert!(before.contains_key("index.html"));

    std::fs::write(
        site.root().join("incidents/b.md"),
        EVENT.replace("degraded_performance", "on_fire"),
    )
    .expect("write");
    let failed = sitrep(&["build", "--root", &root, "--now", "2026-11-25 12:00"]);
    assert_eq!(failed.status.code(), Some(1));
    assert_eq!(snapshot(&site.root().join("public")), before);
    let leftovers = hidden_entries(site.root());
    assert_eq!(leftovers, [KEYS], "no staging folders: {leftovers:?}");
    assert_eq!(
        keys(site.root()),
        keys_before,
        "the keys of the build in place"
    );
}

/// Files are written as they are rendered (docs/performance.md): a page that fails to render
/// after others went to the disk still leaves the previous site as it was, and nothing beside it.
#[test]
fn a_build_that_fails_half_way_through_rendering_leaves_the_previous_site_byte_for_byte() {
    let site = TempSite::new(SITE_YAML).with("incidents/a.md", EVENT);
    let root = site.root().to_str().expect("utf-8").to_string();
    let ok = sitrep(&["build", "--root", &root, "--now", "2026-11-25 12:00"]);
    assert!(ok.status.success(), "{}", stderr(&ok));
    let before = snapshot(&site.root().join("public"));
    let keys_before = keys(site.root());

    // Compiles, so only rendering an event page finds the missing variable: the front page,
    // the history and the 404 page are written by then.
    std::fs::create_dir_all(site.root().join("themes/default/templates")).expect("mkdir");
    std::fs::write(
        site.root().join("themes/default/templates/event.html"),
        "{{ no_such_variable }}\n",
    )
    .expect("write");
    let failed = sitrep(&["build", "--root", &root, "--now", "2026-11-25 12:00"]);
    assert_eq!(failed.status.code(), Some(1), "{}", stderr(&failed));
    assert!(
        stderr(&failed).contains("no_such_variable"),
        "{}",
        stderr(&failed)
    );
    assert_eq!(snapshot(&site.root().join("public")), before);
    let leftovers = hidden_entries(site.root());
    assert_eq!(leftovers, [KEYS], "no staging folders: {leftovers:?}");
    assert_eq!(
        keys(site.root()),
        keys_before,
        "the keys of the build in place"
    );
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

/// A site with enough events that writing it takes a while: kills land in every phase.
fn many_events(n: usize) -> TempSite {
    let mut site = TempSite::new(SITE_YAML);
    for i in 0..n {
        site = site.with(
            &format!("incidents/e{i:03}.md"),
            &EVENT
                .replace("Panel slow", &format!("Panel slow {i}"))
                .replace(
                    "2026-11-20 10:00",
                    &format!("2026-{:02}-{:02} 10:00", 1 + i % 11, 1 + i % 28),
                ),
        );
    }
    site
}

fn build_into(root: &Path, out: &Path, now: &str) -> std::process::Command {
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_sitrep"));
    command
        .args(["build", "--root"])
        .arg(root)
        .arg("--output")
        .arg(out)
        .args(["--now", now])
        .env_remove("SOURCE_DATE_EPOCH")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped());
    command
}

#[test]
fn refuses_a_repository_or_a_folder_of_the_users_own_files() {
    let site = TempSite::new(SITE_YAML).with("incidents/a.md", EVENT);
    let root = site.root().to_str().expect("utf-8").to_string();
    let other = tempfile::tempdir().expect("tempdir");
    let git = other.path().join(".git");
    std::fs::create_dir_all(git.join("refs/heads")).expect("mkdir");
    std::fs::write(git.join("HEAD"), "ref: refs/heads/main\n").expect("write");
    let mine = other.path().join("photos");
    std::fs::create_dir_all(&mine).expect("mkdir");
    std::fs::write(mine.join("cat.jpg"), "meow").expect("write");
    let before = snapshot(other.path());
    for output in [&git, &mine, &other.path().to_path_buf()] {
        let result = sitrep(&[
            "build",
            "--root",
            &root,
            "--output",
            output.to_str().expect("utf-8"),
            "--now",
            "2026-11-25 12:00",
        ]);
        assert_eq!(result.status.code(), Some(1), "{}", output.display());
        assert!(
            stderr(&result).contains("holds files that sitrep did not write"),
            "{}",
            stderr(&result)
        );
    }
    assert_eq!(snapshot(other.path()), before, "nothing touched");
    assert!(git.join("refs/heads").is_dir());
}

#[test]
fn an_empty_folder_or_an_earlier_build_is_replaced_and_marked() {
    let site = TempSite::new(SITE_YAML).with("incidents/a.md", EVENT);
    let other = tempfile::tempdir().expect("tempdir");
    let out = other.path().join("www");
    std::fs::create_dir(&out).expect("mkdir");
    for now in ["2026-11-25 12:00", "2026-11-26 12:00"] {
        let result = build_into(site.root(), &out, now).output().expect("run");
        assert!(result.status.success(), "{}", stderr(&result));
    }
    assert!(out.join("index.html").is_file());
    assert!(out.join(".sitrep-output").is_file());
    // Outside the site folder (a web root, say) nothing is kept beside it: a spare there could
    // be served (docs/reliability.md).
    assert_eq!(hidden_entries(other.path()), Vec::<String>::new());
}

#[test]
fn two_builds_at_once_both_succeed_one_after_the_other() {
    let site = many_events(40);
    let out = site.root().join("public");
    for round in 0..4 {
        let mut first = build_into(site.root(), &out, "2026-11-25 12:00")
            .spawn()
            .expect("start");
        let mut second = build_into(site.root(), &out, "2026-11-26 12:00")
            .spawn()
            .expect("start");
        let (a, b) = (first.wait().expect("wait"), second.wait().expect("wait"));
        let mut err = String::new();
        for child in [&mut first, &mut second] {
            if let Some(mut pipe) = child.stderr.take() {
                let _ = pipe.read_to_string(&mut err);
            }
        }
        assert!(a.success() && b.success(), "round {round}: {err}");
        assert!(out.join("index.html").is_file() && out.join(".sitrep-output").is_file());
    }
    // Only the spare: the build before the last, which the next build brings up to date, and
    // the render keys of the last (docs/reliability.md).
    let leftovers = hidden_entries(site.root());
    assert_eq!(
        leftovers,
        [KEYS, ".public.sitrep-spare"],
        "no lock or staging folder: {leftovers:?}"
    );
}

#[test]
fn a_build_killed_at_any_moment_leaves_a_complete_old_or_new_site() {
    let site = many_events(60);
    let scratch = tempfile::tempdir().expect("tempdir");
    let nows = ["2026-11-25 12:00", "2026-11-26 12:00"];
    let complete: Vec<_> = nows
        .iter()
        .enumerate()
        .map(|(i, now)| {
            let out = scratch.path().join(format!("ref{i}"));
            let started = std::time::Instant::now();
            let result = build_into(site.root(), &out, now).output().expect("run");
            assert!(result.status.success(), "{}", stderr(&result));
            (snapshot(&out), started.elapsed())
        })
        .collect();
    assert_ne!(complete[0].0, complete[1].0, "the two builds differ");
    let span = complete[0].1.as_micros().max(1) as u64;

    let out = site.root().join("public");
    let ok = build_into(site.root(), &out, nows[0])
        .output()
        .expect("run");
    assert!(ok.status.success(), "{}", stderr(&ok));
    let mut seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_nanos() as u64
        | 1;
    println!("kill-timing seed {seed}");
    for round in 0..30 {
        // xorshift: a spread of kill moments over the whole run, start-up to swap.
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        let delay = std::time::Duration::from_micros(seed % (span + span / 4));
        let mut child = build_into(site.root(), &out, nows[round % 2])
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("start");
        std::thread::sleep(delay);
        let _ = child.kill(); // SIGKILL
        let _ = child.wait();
        let now = snapshot(&out);
        assert!(
            now == complete[0].0 || now == complete[1].0,
            "round {round} (killed after {delay:?}): the output is neither complete build ({} files)",
            now.len()
        );
    }
    let ok = build_into(site.root(), &out, nows[1])
        .output()
        .expect("run");
    assert!(ok.status.success(), "{}", stderr(&ok));
    assert_eq!(snapshot(&out), complete[1].0);
}

/// Runs a command, saying why when it cannot (not root, no such tool).
fn try_run(program: &str, args: &[&str]) -> bool {
    std::process::Command::new(program)
        .args(args)
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

#[test]
fn an_undeletable_file_in_the_old_build_is_a_warning_not_a_failure() {
    let site = TempSite::new(SITE_YAML).with("incidents/a.md", EVENT);
    let out = site.root().join("public");
    let ok = build_into(site.root(), &out, "2026-11-25 12:00")
        .output()
        .expect("run");
    assert!(ok.status.success(), "{}", stderr(&ok));
    let stuck = out.join("stuck.txt");
    std::fs::write(&stuck, "x").expect("write");
    let stuck_arg = stuck.to_str().expect("utf-8");
    if !try_run("chattr", &["+i", stuck_arg]) {
        println!("skipped: `chattr +i` is not available here (needs root and ext4/xfs)");
        return;
    }
    // The old build is kept as the spare, which the build after next must empty of
    // `stuck.txt`: it cannot, makes the new site beside it, warns, and sets it aside; the
    // build after that warns it cannot remove what was set aside.
    let mut results = Vec::new();
    for now in ["2026-11-26 12:00", "2026-11-27 12:00", "2026-11-28 12:00"] {
        results.push(build_into(site.root(), &out, now).output().expect("run"));
    }
    // Let the test clean up whatever happened.
    for entry in std::fs::read_dir(site.root()).expect("list").flatten() {
        let candidate = entry.path().join("stuck.txt");
        if candidate.exists() {
            try_run("chattr", &["-i", candidate.to_str().expect("utf-8")]);
        }
    }
    for (i, result) in results.iter().enumerate() {
        assert!(result.status.success(), "build {i}: {}", stderr(result));
    }
    assert!(
        stderr(&results[1]).contains("could not be removed"),
        "{}",
        stderr(&results[1])
    );
    assert!(
        stderr(&results[2]).contains("left by an earlier build"),
        "{}",
        stderr(&results[2])
    );
    assert!(out.join("index.html").is_file() && !out.join("stuck.txt").exists());
}

/// A spare that cannot be brought up to date (here a folder of it made immutable) does not stop
/// builds: the new site is made afresh beside it and put in place, with a warning, and the
/// spare is set aside for a later build to remove.
#[test]
fn a_spare_that_cannot_be_written_is_set_aside_and_the_build_succeeds() {
    let site = TempSite::new(SITE_YAML).with("incidents/a.md", EVENT);
    let out = site.root().join("public");
    for now in ["2026-11-25 12:00", "2026-11-25 12:01"] {
        let ok = build_into(site.root(), &out, now).output().expect("run");
        assert!(ok.status.success(), "{}", stderr(&ok));
    }
    let stuck = site.root().join(".public.sitrep-spare/incidents/a");
    assert!(stuck.is_dir(), "the spare holds the first build");
    let stuck_arg = stuck.to_str().expect("utf-8").to_string();
    if !try_run("chattr", &["+i", &stuck_arg]) {
        println!("skipped: `chattr +i` is not available here (needs root and ext4/xfs)");
        return;
    }
    std::fs::write(
        site.root().join("incidents/a.md"),
        EVENT.replace("Slow.", "Slow pages."),
    )
    .expect("write");
    let changed = build_into(site.root(), &out, "2026-11-25 12:02")
        .output()
        .expect("run");
    let after = build_into(site.root(), &out, "2026-11-25 12:03")
        .output()
        .expect("run");
    // Let the test clean up wherever the folder went.
    for entry in std::fs::read_dir(site.root()).expect("list").flatten() {
        let candidate = entry.path().join("incidents/a");
        if candidate.exists() {
            try_run("chattr", &["-i", candidate.to_str().expect("utf-8")]);
        }
    }
    assert!(changed.status.success(), "{}", stderr(&changed));
    assert!(
        stderr(&changed).contains("could not be removed"),
        "{}",
        stderr(&changed)
    );
    assert!(after.status.success(), "{}", stderr(&after));
    let page = std::fs::read_to_string(out.join("incidents/a/index.html")).expect("page");
    assert!(page.contains("Slow pages."), "the change is live");
    let fresh = tempfile::tempdir().expect("tempdir");
    let fresh_out = fresh.path().join("out");
    let built = build_into(site.root(), &fresh_out, "2026-11-25 12:03")
        .output()
        .expect("run");
    assert!(built.status.success(), "{}", stderr(&built));
    assert_eq!(snapshot(&out), snapshot(&fresh_out));
}

/// A theme's static file at the path of a file sitrep makes would be written twice, and the
/// site would depend on which write came last: it is an error naming the theme's file.
#[test]
fn a_theme_file_at_the_path_of_a_page_is_an_error() {
    let site = TempSite::new(SITE_YAML)
        .with("incidents/a.md", EVENT)
        .with("themes/default/static/index.html", "<p>mine</p>\n");
    let (code, err) = site.check();
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("themes/default/static/index.html")
            && err.contains("`index.html` is a file sitrep makes itself"),
        "{err}"
    );
}

#[test]
fn a_mount_point_output_is_refused_clearly() {
    let site = TempSite::new(SITE_YAML).with("incidents/a.md", EVENT);
    let out = site.root().join("public");
    std::fs::create_dir(&out).expect("mkdir");
    let out_arg = out.to_str().expect("utf-8");
    if !try_run("mount", &["-t", "tmpfs", "sitrep-test", out_arg]) {
        println!("skipped: cannot mount a tmpfs here (needs root)");
        return;
    }
    let result = build_into(site.root(), &out, "2026-11-25 12:00")
        .output()
        .expect("run");
    let written = out.join("index.html").exists();
    try_run("umount", &[out_arg]);
    assert_eq!(result.status.code(), Some(1));
    assert!(
        stderr(&result).contains("it is a mount point"),
        "{}",
        stderr(&result)
    );
    assert!(!written);
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
    let keys_before = keys(site.root());

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
    let leftovers = hidden_entries(site.root());
    assert_eq!(leftovers, [KEYS], "no staging folders: {leftovers:?}");
    assert_eq!(
        keys(site.root()),
        keys_before,
        "the keys of the build in place"
    );
}

/// A rebuild writes only what changed: files the previous build holds byte for byte are hard
/// links to it (same inode); a file edited by hand in the output folder is written again, never
/// carried over; and the result is what a build into an empty folder writes.
#[cfg(unix)]
#[test]
fn a_rebuild_links_unchanged_files_and_writes_the_rest() {
    use std::os::unix::fs::MetadataExt;
    let site = TempSite::new(SITE_YAML)
        .with("incidents/a.md", EVENT)
        .with("incidents/b.md", &EVENT.replace("Panel slow", "Web slow"));
    let root = site.root().to_str().expect("utf-8").to_string();
    let public = site.root().join("public");
    let build = || {
        let out = sitrep(&["build", "--root", &root, "--now", "2026-11-25 12:00"]);
        assert!(out.status.success(), "{}", stderr(&out));
    };
    build();
    let inode = |path: &str| std::fs::metadata(public.join(path)).expect(path).ino();
    let (a_page, b_page) = (
        inode("incidents/a/index.html"),
        inode("incidents/b/index.html"),
    );
    let robots = inode("robots.txt");

    // b changes; a, robots.txt and the assets do not. Someone also edits a page by hand.
    std::fs::write(
        site.root().join("incidents/b.md"),
        EVENT
            .replace("Panel slow", "Web slow")
            .replace("Slow.", "Very slow."),
    )
    .expect("write");
    let edited = public.join("404.html");
    let text = std::fs::read_to_string(&edited).expect("read");
    std::fs::write(&edited, text.replacen('<', "[", 1)).expect("edit");
    let edited_inode = inode("404.html");
    build();
    assert_eq!(inode("incidents/a/index.html"), a_page, "unchanged: linked");
    assert_eq!(inode("robots.txt"), robots, "unchanged: linked");
    assert_ne!(inode("incidents/b/index.html"), b_page, "changed: written");
    assert_ne!(
        inode("404.html"),
        edited_inode,
        "edited by hand: written again"
    );

    let fresh = tempfile::tempdir().expect("tempdir");
    let out = sitrep(&[
        "build",
        "--root",
        &root,
        "--now",
        "2026-11-25 12:00",
        "--output",
        fresh.path().join("out").to_str().expect("utf-8"),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(snapshot(&public), snapshot(&fresh.path().join("out")));
}
