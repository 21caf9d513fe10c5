//! `sitrep build` into the folder holding the previous build renders only what changed
//! (docs/performance.md, "Rebuilding after a change"), and its output is byte for byte that of
//! a full build into an empty folder: after random sequences of edits, and whatever was done
//! to the previous build or its saved keys in between.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::support::{build_into, copy_fixture, snapshot};

/// A copy of the `basic` fixture with events of two earlier years, so that the search index
/// has archive bundles to carry over.
fn site() -> tempfile::TempDir {
    let dir = copy_fixture("basic");
    for (year, n) in [(2024, 3), (2025, 4)] {
        let folder = dir.path().join(format!("incidents/{year}"));
        std::fs::create_dir_all(&folder).expect("mkdir");
        for i in 1..=n {
            let text = format!(
                "---\ntitle: Slow pages {i} of {year}\ncomponents:\n  web: degraded_performance\ntimeline:\n  - at: {year}-0{i}-1{i} 10:00\n    status: investigating\n    message: Pages of the control panel load slowly, case {i}.\n  - at: {year}-0{i}-1{i} 11:0{i}\n    status: resolved\n    message: A cache node was replaced.\n---\nThe node's disk had failed in {year}.\n"
            );
            std::fs::write(folder.join(format!("slow-{year}-{i}.md")), text).expect("write");
        }
    }
    dir
}

/// `sitrep build` of `root` into `output` at `now`: its summary line.
fn build(root: &Path, output: &Path, now: &str) -> String {
    build_into(root, output, now, &[])
}

/// How many files the build said it took from the previous one: none when its summary says
/// nothing of them (and it must be a build's summary, so that a changed wording fails here
/// rather than reading as none).
fn reused(summary: &str) -> usize {
    const SAID: &str = " unchanged since the previous build, not rendered again) in ";
    assert!(
        summary.starts_with("Built "),
        "not a build's summary: {summary}"
    );
    let Some((before, _)) = summary.split_once(SAID) else {
        assert!(summary.contains(" files) in "), "{summary}");
        return 0;
    };
    let count = before.rsplit("; ").next().expect("the count");
    count
        .parse()
        .unwrap_or_else(|_| panic!("{count:?} in {summary}"))
}

/// Builds `root` at `now` into its `public/` (holding the previous build) and into an empty
/// folder, asserts the two are the same byte for byte, and returns the first's summary.
fn rebuild_equals_full_build(root: &Path, now: &str, step: &str) -> String {
    let summary = build(root, &root.join("public"), now);
    let fresh = tempfile::tempdir().expect("tempdir");
    let full = fresh.path().join("out");
    build(root, &full, now);
    let (incremental, full) = (snapshot(&root.join("public")), snapshot(&full));
    let differing: Vec<&String> = full
        .keys()
        .chain(incremental.keys())
        .filter(|path| full.get(*path) != incremental.get(*path))
        .collect();
    assert!(
        differing.is_empty(),
        "after {step}, a rebuild differs from a full build in {differing:?}"
    );
    summary
}

/// A small deterministic generator, so that a failing sequence can be run again by its seed.
struct Random(u64);

impl Random {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n as u64) as usize
    }
}

/// The clock's steps: past the active maintenance's end, past midnight, past the upcoming
/// maintenance's window, and past the new year, which moves every event into the archive.
const CLOCK: [&str; 5] = [
    "2026-04-20T12:00:00Z",
    "2026-04-20T13:05:00Z",
    "2026-04-21T00:05:00Z",
    "2026-04-25T04:30:00Z",
    "2027-01-01T00:05:00Z",
];

/// One edit of the site, as an author or the passing of time makes it.
#[derive(Debug, Clone, Copy)]
enum Edit {
    AddUpdate,
    Retitle,
    RenameComponent,
    ChangeTemplate,
    ChangeTranslation,
    MoveClock,
}

const EDITS: [Edit; 6] = [
    Edit::AddUpdate,
    Edit::Retitle,
    Edit::RenameComponent,
    Edit::ChangeTemplate,
    Edit::ChangeTranslation,
    Edit::MoveClock,
];

/// The event files whose front matter ends with their timeline, where an update can be
/// appended as a line of text.
fn event_files(root: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = snapshot(&root.join("incidents"))
        .into_iter()
        .filter(|(path, bytes)| {
            let text = String::from_utf8_lossy(bytes);
            let front = text.split("\n---").next().unwrap_or_default();
            let last_key = front
                .lines()
                .rev()
                .find(|l| !l.starts_with(' ') && !l.starts_with('-'));
            path.ends_with(".md") && last_key == Some("timeline:")
        })
        .map(|(path, _)| root.join("incidents").join(path))
        .collect();
    files.sort();
    files
}

/// One of [`event_files`], chosen by `random`, with its text.
fn random_event(root: &Path, random: &mut Random) -> (PathBuf, String) {
    let mut files = event_files(root);
    let file = files.swap_remove(random.below(files.len()));
    let text = std::fs::read_to_string(&file).expect("read");
    (file, text)
}

/// Makes `edit` to the site at `root`, the `n`th edit of the run; returns what it did.
fn apply(edit: Edit, root: &Path, n: usize, clock: &mut usize, random: &mut Random) -> String {
    let replace_in = |path: &Path, from: &str, to: &str| {
        let text = std::fs::read_to_string(path).expect("read");
        assert!(text.contains(from), "{}: no {from:?}", path.display());
        std::fs::write(path, text.replacen(from, to, 1)).expect("write");
    };
    let theme = Path::new(env!("CARGO_MANIFEST_DIR")).join("themes/default");
    match edit {
        Edit::AddUpdate => {
            let (file, text) = random_event(root, random);
            let status = text
                .lines()
                .rev()
                .find_map(|l| l.trim().strip_prefix("status: "))
                .expect("a status")
                .to_string();
            let (front, body) = text[4..].split_once("\n---").expect("front matter");
            let update = format!(
                "\n  - at: 2026-04-20 11:{:02}\n    status: {status}\n    message: Update {n}.",
                10 + n % 40
            );
            std::fs::write(&file, format!("---\n{front}{update}\n---{body}")).expect("write");
            format!("an update to {}", file.display())
        }
        Edit::Retitle => {
            let (file, text) = random_event(root, random);
            let title = text
                .lines()
                .find(|l| l.starts_with("title: "))
                .expect("a title")
                .to_string();
            replace_in(&file, &title, &format!("{title} (edit {n})"));
            format!("a new title for {}", file.display())
        }
        Edit::RenameComponent => {
            let names = ["name: Website", "name: Database", "name: Mail", "name: DNS"];
            let name = names[random.below(names.len())];
            replace_in(&root.join("site.yaml"), name, &format!("{name} {n}"));
            format!("a component renamed ({name})")
        }
        Edit::ChangeTemplate => {
            let path = root.join("themes/default/templates/event.html");
            if !path.exists() {
                std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
                std::fs::copy(theme.join("templates/event.html"), &path).expect("copy");
            }
            let block = "{% block content %}";
            replace_in(&path, block, &format!("{block}<!-- edit {n} -->"));
            "the event template changed".into()
        }
        Edit::ChangeTranslation => {
            let path = root.join("themes/default/i18n/en.yaml");
            if !path.exists() {
                std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
                std::fs::copy(theme.join("i18n/en.yaml"), &path).expect("copy");
            }
            let text = std::fs::read_to_string(&path).expect("read");
            let line = text
                .lines()
                .find(|l| l.starts_with("indicator_none: "))
                .expect("indicator_none")
                .to_string();
            replace_in(&path, &line, &format!("{line} {n}"));
            "a translation changed".into()
        }
        Edit::MoveClock => {
            *clock = (*clock + 1).min(CLOCK.len() - 1);
            format!("the clock moved to {}", CLOCK[*clock])
        }
    }
}

#[test]
fn rebuilds_after_random_edits_equal_full_builds() {
    for seed in [0x5eed_u64, 0xdec0de, 0x0dd_ba11] {
        let dir = site();
        let root = dir.path();
        let (mut clock, mut random) = (0, Random(seed));
        rebuild_equals_full_build(root, CLOCK[0], "the first build");
        let summary = rebuild_equals_full_build(root, CLOCK[0], "a build with nothing changed");
        assert!(reused(&summary) > 20, "nothing changed, yet: {summary}");
        for n in 0..8 {
            let edit = EDITS[random.below(EDITS.len())];
            let what = apply(edit, root, n, &mut clock, &mut random);
            let step = format!("{what} (seed {seed:#x}, edit {n})");
            let summary = rebuild_equals_full_build(root, CLOCK[clock], &step);
            if matches!(edit, Edit::AddUpdate | Edit::Retitle) {
                // One event changed: the others' pages are taken as they are.
                assert!(reused(&summary) > 5, "after {step}: {summary}");
            }
        }
    }
}

/// Every kind of edit, once, in order, with the checks of the random runs.
#[test]
fn each_kind_of_edit_rebuilds_as_a_full_build() {
    let dir = site();
    let root = dir.path();
    let (mut clock, mut random) = (0, Random(7));
    rebuild_equals_full_build(root, CLOCK[0], "the first build");
    for (n, edit) in EDITS.iter().chain(&[Edit::MoveClock; 4]).enumerate() {
        let what = apply(*edit, root, n, &mut clock, &mut random);
        rebuild_equals_full_build(root, CLOCK[clock], &what);
    }
}

/// What was done by hand to the previous build, or to its keys, never reaches the next.
#[test]
fn a_tampered_build_or_keys_file_is_not_trusted() {
    let dir = site();
    let root = dir.path();
    let now = CLOCK[0];
    rebuild_equals_full_build(root, now, "the first build");
    let public = root.join("public");
    let page = public.join("incidents/escaping/index.html");
    let original = std::fs::read(&page).expect("read");
    // The same length, one byte changed: a size check alone would not see it.
    let mut edited = original.clone();
    let at = edited.len() / 2;
    edited[at] = if edited[at] == b'x' { b'y' } else { b'x' };
    std::fs::write(&page, &edited).expect("write");
    // A page replaced by a link to a file holding what the key was made from is read through
    // the link, checked, and replaced by the page itself.
    let other = public.join("incidents/notice/index.html");
    let copy = root.join("notice-copy.html");
    std::fs::copy(&other, &copy).expect("copy");
    std::fs::remove_file(&other).expect("remove");
    std::os::unix::fs::symlink(&copy, &other).expect("link");
    let summary = rebuild_equals_full_build(root, now, "a page edited in the output");
    assert!(reused(&summary) > 5, "{summary}");
    assert_eq!(std::fs::read(&page).expect("read"), original);
    assert!(!other.is_symlink(), "the link is replaced by a file");

    let keys = root.join(".public.sitrep-keys");
    assert!(keys.is_file(), "the keys are beside the output");
    for garbage in [
        &b"not json"[..],
        b"{\"binary\": \"another\", \"keys\": {}}",
        b"",
    ] {
        std::fs::write(&keys, garbage).expect("write");
        let summary = rebuild_equals_full_build(root, now, "a damaged keys file");
        assert_eq!(reused(&summary), 0, "{summary}");
    }
    // Keys that say every page and feed is what it was, over a build in which all are not.
    rebuild_equals_full_build(root, now, "a build");
    let saved = std::fs::read(&keys).expect("read");
    let rendered: BTreeMap<String, Vec<u8>> = snapshot(&public)
        .into_iter()
        .filter(|(path, _)| [".html", ".atom", ".rss"].iter().any(|e| path.ends_with(e)))
        .collect();
    for path in rendered.keys() {
        std::fs::write(public.join(path), "<p>defaced</p>").expect("write");
    }
    std::fs::write(&keys, saved).expect("write");
    let summary = rebuild_equals_full_build(root, now, "every page and feed defaced");
    assert_eq!(reused(&summary), 0, "{summary}");
}
