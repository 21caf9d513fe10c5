//! Properties over generated sites (docs/reliability.md, "Properties"): uptime stays within
//! 0–100 %, an added incident never raises any uptime, the order of files and of updates
//! changes nothing in the output, and every generated valid site builds with feeds and JSON
//! that independent parsers read.

use std::path::{Path, PathBuf};

use chrono::{DateTime, Duration, Utc};
use proptest::prelude::*;

use crate::config::{self, Site};
use crate::content;
use crate::model::{Event, Model};
use crate::render::{self, OutputFile};
use crate::theme::Theme;

const COMPONENTS: [&str; 3] = ["web", "db", "mail"];
const SITE_YAML: &str = "title: Prop & \"Status\"\nbase_url: https://status.prop.example/\ntime_zone: Europe/Paris\nuptime_days: 30\ncomponents:\n  - { id: web, name: Website }\n  - { id: db, name: Database }\n  - { id: mail, name: Mail }\n";
const SEVERITIES: [&str; 4] = [
    "operational",
    "degraded_performance",
    "partial_outage",
    "major_outage",
];

fn site() -> Site {
    config::parse(Path::new("site.yaml"), SITE_YAML).expect("valid site")
}

fn now() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-11-25T12:00:00Z")
        .expect("now")
        .with_timezone(&Utc)
}

/// One event file as a person might write it.
#[derive(Debug, Clone)]
struct EventFile {
    slug: String,
    text: String,
}

/// A component (index into `COMPONENTS`) and the status (index into `SEVERITIES`) it gets.
type Change = (usize, usize);
/// An update: minutes before now, its status, the components it changes.
type RawUpdate = (i64, &'static str, Vec<Change>);

/// A timestamp as a file holds it: minutes before now, in UTC.
fn at(minutes_before_now: i64) -> String {
    let t = now() - Duration::minutes(minutes_before_now);
    t.format("%Y-%m-%d %H:%M Z").to_string()
}

/// JSON strings are YAML double-quoted scalars: any text, safely quoted.
fn quoted(text: &str) -> String {
    serde_json::to_string(text).expect("a string")
}

fn incident() -> impl Strategy<Value = (String, Vec<RawUpdate>, Vec<Change>)> {
    let statuses = prop::sample::select(vec![
        "investigating",
        "identified",
        "monitoring",
        "resolved",
        "postmortem",
    ]);
    let change = (0..COMPONENTS.len(), 0..SEVERITIES.len());
    let update = (
        0i64..60 * 24 * 40,
        statuses,
        prop::collection::vec(change.clone(), 0..3),
    );
    (
        "[a-zA-Z0-9&<>\"'é][a-zA-Z0-9 &<>\"'é]{0,39}",
        prop::collection::vec(update, 1..5),
        prop::collection::vec(change, 1..3),
    )
}

/// Incidents with distinct update times, each written as a file.
fn incident_files(count: std::ops::Range<usize>) -> impl Strategy<Value = Vec<EventFile>> {
    prop::collection::vec(incident(), count).prop_map(|incidents| {
        incidents
            .into_iter()
            .enumerate()
            .map(|(i, (title, updates, initial))| EventFile {
                slug: format!("e{i}"),
                text: incident_text(&format!("e{i}"), &title, &updates, &initial),
            })
            .collect()
    })
}

fn component_map(changes: &[Change]) -> String {
    let mut seen = Vec::new();
    let mut out = String::from("{");
    for &(c, s) in changes {
        if !seen.contains(&c) {
            seen.push(c);
            out.push_str(&format!(" {}: {},", COMPONENTS[c], SEVERITIES[s]));
        }
    }
    out.push_str(" }");
    out
}

fn incident_text(slug: &str, title: &str, updates: &[RawUpdate], initial: &[Change]) -> String {
    let mut text = format!(
        "---\ntitle: {}\nslug: {slug}\ncomponents: {}\ntimeline:\n",
        quoted(title),
        component_map(initial)
    );
    let mut used = Vec::new();
    for (minutes, status, changes) in updates {
        if used.contains(minutes) {
            continue;
        }
        used.push(*minutes);
        text.push_str(&format!(
            "  - at: {}\n    status: {status}\n    message: {}\n",
            at(*minutes),
            quoted(&format!("Update & <news> at {minutes}"))
        ));
        if !changes.is_empty() {
            text.push_str(&format!("    components: {}\n", component_map(changes)));
        }
    }
    text.push_str("---\nThe post-mortem & its **details**.\n");
    text
}

fn parse(files: &[EventFile], site: &Site) -> Vec<Event> {
    files
        .iter()
        .map(|f| {
            let path = PathBuf::from(format!("incidents/{}.md", f.slug));
            content::event::parse(&path, &f.text, site)
                .unwrap_or_else(|e| panic!("{}: {e:?}\n{}", f.slug, f.text))
        })
        .collect()
}

fn rendered(events: Vec<Event>) -> Vec<OutputFile> {
    let model = Model::new(site(), events, now());
    render::site(&model, &Theme::builtin())
        .expect("renders")
        .files
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn uptime_stays_within_0_and_100(files in incident_files(0..6)) {
        let site = site();
        let model = Model::new(site.clone(), parse(&files, &site), now());
        for component in &site.components {
            let uptime = model.uptime(component);
            for day in uptime.days.iter().filter_map(|d| d.data) {
                prop_assert!(day.downtime >= 0.0 && day.downtime <= day.length + 1e-6, "{day:?}");
                prop_assert!(day.uptime().basis_points() <= 10_000);
            }
            let percent: f64 = uptime.window().map_or(100.0, |r| r.percent().parse().expect("a number"));
            prop_assert!((0.0..=100.0).contains(&percent), "{percent}");
        }
    }

    #[test]
    fn an_added_incident_never_raises_any_uptime(
        files in incident_files(0..5),
        extra in incident_files(1..2),
    ) {
        let site = site();
        let before = Model::new(site.clone(), parse(&files, &site), now());
        let mut more = files.clone();
        more.push(EventFile { slug: "extra".into(), text: extra[0].text.replace("slug: e0", "slug: extra") });
        let after = Model::new(site.clone(), parse(&more, &site), now());
        for component in &site.components {
            let (b, a) = (before.uptime(component), after.uptime(component));
            for (db, da) in b.days.iter().zip(&a.days) {
                if let (Some(db), Some(da)) = (db.data, da.data) {
                    prop_assert!(da.uptime().basis_points() <= db.uptime().basis_points(), "{} on {}", component.id, da_date(&a, da));
                    prop_assert!(da.status >= db.status);
                }
            }
            let window = |u: &crate::model::Uptime| u.window().map_or(10_000, |r| r.basis_points());
            prop_assert!(window(&a) <= window(&b));
        }
    }

}

proptest! {
    // Each case renders whole sites: fewer cases.
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn file_order_and_update_order_change_nothing(
        files in incident_files(1..5),
        rotation in 0usize..5,
        reverse_updates in any::<bool>(),
    ) {
        let site = site();
        let expected = rendered(parse(&files, &site));
        let mut shuffled = files.clone();
        let len = shuffled.len();
        shuffled.rotate_left(rotation % len);
        shuffled.reverse();
        if reverse_updates {
            for file in &mut shuffled {
                file.text = reversed_timeline(&file.text);
            }
        }
        // On disk, read by the real loader: other file names (so another directory order),
        // other folders, the updates in another order.
        let got = built_from_disk(&shuffled);
        prop_assert_eq!(got.len(), expected.len());
        for (g, e) in got.iter().zip(&expected) {
            prop_assert_eq!(&g.path, &e.path);
            prop_assert!(g.bytes == e.bytes, "{} differs", g.path);
        }
    }

    #[test]
    fn every_valid_site_builds_with_feeds_and_json_that_parse(files in incident_files(0..6)) {
        let site = site();
        for file in rendered(parse(&files, &site)) {
            if file.path.ends_with(".json") {
                let parsed = serde_json::from_slice::<serde_json::Value>(&file.bytes);
                prop_assert!(parsed.is_ok(), "{}: {:?}", file.path, parsed.err());
            }
            if file.path.ends_with(".atom") || file.path.ends_with(".rss") {
                let parsed = feed_rs::parser::parse(&file.bytes[..]);
                prop_assert!(parsed.is_ok(), "{}: {:?}", file.path, parsed.err());
            }
        }
    }
}

/// The files written into a site folder, named unlike their slugs and spread over folders,
/// then loaded and rendered as `sitrep build` does.
fn built_from_disk(files: &[EventFile]) -> Vec<OutputFile> {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("site.yaml"), SITE_YAML).expect("site.yaml");
    for (i, file) in files.iter().enumerate() {
        let path = dir
            .path()
            .join(format!("incidents/{}/{}-{}.md", i % 2, 9 - i, file.slug));
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(path, &file.text).expect("write");
    }
    crate::render_site(dir.path(), &crate::Now::At(now()), false)
        .expect("builds")
        .files
}

fn da_date(uptime: &crate::model::Uptime, day: crate::model::uptime::DayData) -> String {
    uptime
        .days
        .iter()
        .find(|d| d.data == Some(day))
        .map_or_else(String::new, |d| d.date.to_string())
}

/// The same file with its updates written in the opposite order.
fn reversed_timeline(text: &str) -> String {
    let (head, rest) = text.split_once("timeline:\n").expect("a timeline");
    let (timeline, tail) = rest.split_once("---\n").expect("front matter ends");
    let mut updates: Vec<String> = Vec::new();
    for line in timeline.lines() {
        if line.starts_with("  - ") {
            updates.push(String::new());
        }
        if let Some(last) = updates.last_mut() {
            last.push_str(line);
            last.push('\n');
        }
    }
    updates.reverse();
    format!("{head}timeline:\n{}---\n{tail}", updates.concat())
}
