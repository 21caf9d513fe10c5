//! Build speed on a large generated site (10,000 incidents over ten years, 20 components):
//! a full build, and the incremental rebuild `sitrep serve` does after one file is saved.
//! Run with `cargo bench`; compare medians, not single runs (these machines are shared).

use std::path::Path;

use chrono::{DateTime, Utc};
use criterion::{Criterion, criterion_group, criterion_main};
use sitrep::session::{Change, Session};
use sitrep::{BuildOptions, Now};

const EVENTS: usize = 10_000;
const COMPONENTS: usize = 20;

/// A deterministic pseudo-random sequence, so every run builds the same site.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self, below: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) % below
    }
}

fn generate(root: &Path) {
    let mut site = String::from(
        "title: Big Status\nbase_url: https://status.big.example/\ntime_zone: Europe/Paris\ncomponents:\n",
    );
    for c in 0..COMPONENTS {
        site.push_str(&format!(
            "  - id: srv{c}\n    name: Server {c}\n    group: Rack {}\n",
            c % 4
        ));
    }
    std::fs::write(root.join("site.yaml"), site).expect("site.yaml");
    let mut rng = Lcg(42);
    let start = DateTime::parse_from_rfc3339("2016-11-25T00:00:00Z")
        .expect("start")
        .with_timezone(&Utc);
    let statuses = ["degraded_performance", "partial_outage", "major_outage"];
    for n in 0..EVENTS {
        let at = start + chrono::Duration::minutes(rng.next(60 * 24 * 365 * 10) as i64);
        let dir = root.join(format!("incidents/{}", at.format("%Y")));
        std::fs::create_dir_all(&dir).expect("mkdir");
        let status = statuses[rng.next(3) as usize];
        let mut components = String::new();
        for k in 0..=rng.next(3) {
            components.push_str(&format!(
                "  srv{}: {status}\n",
                (n as u64 + k * 7) % COMPONENTS as u64
            ));
        }
        let mut timeline = String::new();
        for (k, s) in ["investigating", "identified", "monitoring", "resolved"]
            .iter()
            .enumerate()
        {
            let t = at + chrono::Duration::minutes(25 * k as i64);
            timeline.push_str(&format!(
                "  - at: {}\n    status: {s}\n    message: Update {k} on the **problem**, see [the notes](https://notes.example/{n}).\n",
                t.format("%Y-%m-%dT%H:%M:%SZ")
            ));
        }
        let text = format!(
            "---\ntitle: Incident {n}\ncomponents:\n{components}timeline:\n{timeline}---\n## Summary\n\nA switch failed.\n\n| When | What |\n|---|---|\n| 10:00 | down |\n\n- [x] replace it\n"
        );
        std::fs::write(
            dir.join(format!("{}-incident-{n}.md", at.format("%Y-%m-%d"))),
            text,
        )
        .expect("write");
    }
}

fn benches(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("tempdir");
    generate(dir.path());
    let now = Now::Given("2026-11-25T12:00:00Z".into());

    let mut group = c.benchmark_group("10k incidents");
    group.sample_size(10);
    group.bench_function("full build (read, parse, render)", |b| {
        b.iter(|| sitrep::render_site(dir.path(), &now, false).expect("build"))
    });
    // What `sitrep build` costs with and without the search index (docs/search.md), written
    // to disk as a user's build is; the build's own report splits out the indexing time.
    let out = tempfile::tempdir().expect("output dir");
    let site_yaml = std::fs::read_to_string(dir.path().join("site.yaml")).expect("site.yaml");
    for search in [true, false] {
        let yaml = format!("{site_yaml}search: {search}\n");
        std::fs::write(dir.path().join("site.yaml"), yaml).expect("site.yaml");
        let options = BuildOptions {
            root: dir.path().to_path_buf(),
            output: Some(out.path().join("public")),
            now: now.clone(),
            drafts: false,
        };
        let name = format!(
            "sitrep build to disk, search {}",
            if search { "on" } else { "off" }
        );
        group.bench_function(name, |b| b.iter(|| sitrep::build(&options).expect("build")));
    }
    std::fs::write(dir.path().join("site.yaml"), site_yaml).expect("site.yaml");

    // One saved file: an old incident gains an update, as `update` would write it.
    let mut session = Session::new(dir.path(), false);
    session
        .rebuild(&Change::Everything, &now)
        .expect("first build");
    let mut files: Vec<std::path::PathBuf> = walkdir::WalkDir::new(dir.path().join("incidents"))
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            e.path()
                .strip_prefix(dir.path())
                .expect("inside")
                .to_path_buf()
        })
        .collect();
    files.sort();
    let file = files.remove(EVENTS / 2);
    let original = std::fs::read_to_string(dir.path().join(&file)).expect("read");
    let mut toggle = false;
    group.sample_size(30);
    group.bench_function("incremental rebuild after one file is saved", |b| {
        b.iter(|| {
            toggle = !toggle;
            let text = if toggle {
                original.replace("A switch failed.", "A switch failed, twice.")
            } else {
                original.clone()
            };
            std::fs::write(dir.path().join(&file), text).expect("write");
            session
                .rebuild(&Change::Events(vec![file.clone()]), &now)
                .expect("rebuild")
        })
    });
    group.bench_function("rebuild as a minute passes (no file changed)", |b| {
        let mut minute = 0;
        b.iter(|| {
            minute += 1;
            let later = Now::Given(format!("2026-11-25T12:{:02}:00Z", minute % 60));
            session.rebuild(&Change::Time, &later).expect("rebuild")
        })
    });
    group.finish();
}

criterion_group!(build, benches);
criterion_main!(build);
