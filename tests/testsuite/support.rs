//! Helpers shared by the end-to-end tests: run the real binary on fixture sites and read what
//! it wrote.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use scraper::{Html, Selector};

pub(crate) fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// Runs `sitrep` with `args`, with no SOURCE_DATE_EPOCH leaking in from the environment.
pub(crate) fn sitrep(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_sitrep"))
        .args(args)
        .env_remove("SOURCE_DATE_EPOCH")
        .output()
        .expect("run sitrep")
}

pub(crate) fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// A site built into a temporary folder (or, shared, under the test target folder).
pub(crate) struct Built {
    _dir: Option<tempfile::TempDir>,
    pub out: PathBuf,
}

impl Built {
    pub(crate) fn read(&self, path: &str) -> String {
        std::fs::read_to_string(self.out.join(path)).unwrap_or_else(|e| panic!("read {path}: {e}"))
    }

    pub(crate) fn exists(&self, path: &str) -> bool {
        self.out.join(path).exists()
    }

    pub(crate) fn html(&self, path: &str) -> Page {
        Page(Html::parse_document(&self.read(path)))
    }

    pub(crate) fn json(&self, path: &str) -> serde_json::Value {
        serde_json::from_str(&self.read(path)).unwrap_or_else(|e| panic!("{path} is not JSON: {e}"))
    }
}

/// Builds a site folder with extra command-line arguments; panics with stderr on failure.
pub(crate) fn build(root: &Path, now: &str, extra: &[&str]) -> Built {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("out");
    build_into(root, &out, now, extra);
    Built {
        _dir: Some(dir),
        out,
    }
}

/// `sitrep build` of `root` into `out`: its standard output (the summary). Panics with stderr
/// on failure.
pub(crate) fn build_into(root: &Path, out: &Path, now: &str, extra: &[&str]) -> String {
    let mut args = vec![
        "build",
        "--root",
        root.to_str().expect("utf-8 path"),
        "--output",
        out.to_str().expect("utf-8 path"),
        "--now",
        now,
    ];
    args.extend_from_slice(extra);
    let output = sitrep(&args);
    assert!(
        output.status.success(),
        "build failed:\n{}",
        stderr(&output)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// The fixture `name` copied into a temporary folder, for tests that edit it.
pub(crate) fn copy_fixture(name: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    for (relative, bytes) in snapshot(&fixture(name)) {
        let target = dir.path().join(relative);
        std::fs::create_dir_all(target.parent().expect("parent")).expect("mkdir");
        std::fs::write(target, bytes).expect("write");
    }
    dir
}

/// The fixture `name` built at `now` once per test run, shared by every test that only reads
/// it, so that `cargo test` does not build the same site twenty times.
pub(crate) fn shared_build(name: &str, now: &str) -> &'static Built {
    static BUILDS: std::sync::Mutex<BTreeMap<(String, String), &'static Built>> =
        std::sync::Mutex::new(BTreeMap::new());
    let mut builds = BUILDS
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    builds
        .entry((name.to_string(), now.to_string()))
        .or_insert_with(|| {
            let out = Path::new(env!("CARGO_TARGET_TMPDIR"))
                .join("shared-builds")
                .join(format!("{name}-{}", now.replace([':', ' '], "-")));
            if out.exists() {
                std::fs::remove_dir_all(&out).expect("remove the last run's build");
            }
            std::fs::create_dir_all(out.parent().expect("parent")).expect("mkdir");
            build_into(&fixture(name), &out, now, &[]);
            Box::leak(Box::new(Built { _dir: None, out }))
        })
}

pub(crate) struct Page(pub Html);

impl Page {
    fn select(&self, css: &str) -> Vec<scraper::ElementRef<'_>> {
        let selector = Selector::parse(css).unwrap_or_else(|e| panic!("bad selector {css}: {e:?}"));
        self.0.select(&selector).collect()
    }

    /// The value of `attr` on the one element matching `css`.
    pub(crate) fn attr(&self, css: &str, attr: &str) -> String {
        let found = self.select(css);
        assert_eq!(
            found.len(),
            1,
            "expected exactly one `{css}`, found {}",
            found.len()
        );
        found[0]
            .value()
            .attr(attr)
            .unwrap_or_else(|| panic!("`{css}` has no {attr}"))
            .to_string()
    }

    pub(crate) fn attr_opt(&self, css: &str, attr: &str) -> Option<String> {
        self.select(css)
            .first()
            .and_then(|e| e.value().attr(attr))
            .map(str::to_string)
    }

    pub(crate) fn count(&self, css: &str) -> usize {
        self.select(css).len()
    }

    /// The text of the first element matching `css`, whitespace folded.
    pub(crate) fn text(&self, css: &str) -> String {
        let found = self.select(css);
        let first = found.first().unwrap_or_else(|| panic!("no `{css}`"));
        first
            .text()
            .collect::<String>()
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
    }

    pub(crate) fn texts(&self, css: &str) -> Vec<String> {
        self.select(css)
            .iter()
            .map(|e| {
                e.text()
                    .collect::<String>()
                    .split_whitespace()
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .collect()
    }
}

/// Every file below `dir` with its bytes, keyed by relative path.
pub(crate) fn snapshot(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut files = BTreeMap::new();
    for entry in walk(dir) {
        let relative = entry
            .strip_prefix(dir)
            .expect("below dir")
            .to_string_lossy()
            .replace('\\', "/");
        files.insert(relative, std::fs::read(&entry).expect("read"));
    }
    files
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return out;
    };
    for entry in entries {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else {
            out.push(path);
        }
    }
    out
}

/// A site written into a temporary folder from strings, for error tests.
pub(crate) struct TempSite {
    pub dir: tempfile::TempDir,
}

pub(crate) const SITE_YAML: &str = "title: Test Status\nbase_url: https://status.test/\ntime_zone: America/New_York\ncomponents:\n  - id: panel\n    name: Control panel\n  - id: web\n    name: Website\n";

impl TempSite {
    pub(crate) fn new(site_yaml: &str) -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(dir.path().join("site.yaml"), site_yaml).expect("write site.yaml");
        std::fs::create_dir_all(dir.path().join("incidents")).expect("mkdir");
        TempSite { dir }
    }

    pub(crate) fn with(self, path: &str, text: &str) -> Self {
        let full = self.dir.path().join(path);
        std::fs::create_dir_all(full.parent().expect("parent")).expect("mkdir");
        std::fs::write(full, text).expect("write");
        self
    }

    pub(crate) fn root(&self) -> &Path {
        self.dir.path()
    }

    /// `sitrep check` on the site: (exit code, stderr).
    pub(crate) fn check(&self) -> (i32, String) {
        let output = sitrep(&[
            "check",
            "--root",
            self.root().to_str().expect("utf-8"),
            "--now",
            "2026-11-25 12:00",
        ]);
        (output.status.code().unwrap_or(-1), stderr(&output))
    }
}
