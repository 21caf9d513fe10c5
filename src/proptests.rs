//! Properties over generated sites (docs/reliability.md, "Properties"): uptime stays within
//! 0–100 %, an added incident never raises any uptime, the order of files and of updates
//! changes nothing in the output, and every generated valid site builds with feeds and JSON
//! that independent parsers read. And over generated short posts: every post fits its
//! network's limit as that network counts, and no cut splits a grapheme.

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

// ---- short posts (docs/announcing.md, "What each message looks like") ----------------

use crate::announce::text::{self, Measure};
use unicode_normalization::UnicodeNormalization;
use unicode_segmentation::UnicodeSegmentation;

const POST_LINK: &str =
    "https://status.example.com/incidents/2026-11-28-switch/#update-20261128T093000Z";

/// Pieces of words each network measures its own way: Latin with and without combining marks,
/// CJK and Hangul (also as jamo, which NFC joins), emoji (with ZWJ, skin tones, flags,
/// keycaps), right-to-left scripts and marks, characters NFC splits into two (`\u{958}`) or
/// into two heavier ones (`\u{1d15e}`), an Arabic sign that joins the next character into its
/// grapheme, and punctuation.
const PIECES: &[&str] = &[
    "packet",
    "loss",
    "a",
    "Ünïcödé",
    "e\u{301}",
    "障害が発生",
    "服务中断",
    "서비스",
    "\u{1100}\u{1161}",
    "🚨",
    "👨\u{200d}👩\u{200d}👧\u{200d}👦",
    "🏳\u{fe0f}\u{200d}🌈",
    "🇫🇷",
    "🇯🇵🇰🇷",
    "👍🏽",
    "1\u{fe0f}\u{20e3}",
    "انقطاع",
    "השירות",
    "\u{200f}",
    "\u{958}",
    "\u{1d15e}",
    "\u{2126}",
    "\u{600}",
    "…",
    "—",
    ".",
    "12:30",
];

/// Words a network counts as a link wherever they stand (X links bare domains too).
const LINK_WORDS: &[&str] = &["https://a.io", "x.co"];

fn post_word() -> impl Strategy<Value = String> {
    let piece = || prop::sample::select(PIECES).prop_map(str::to_string);
    prop_oneof![
        6 => piece(),
        2 => prop::collection::vec(piece(), 2..6).prop_map(|p| p.concat()),
        1 => (prop::sample::select(PIECES), 30..300usize).prop_map(|(p, n)| p.repeat(n)),
        1 => prop::sample::select(LINK_WORDS).prop_map(str::to_string),
    ]
}

fn post_words(count: std::ops::Range<usize>) -> impl Strategy<Value = String> {
    prop::collection::vec(post_word(), count).prop_map(|w| w.join(" "))
}

/// X's weight of one code point (twitter-text v3: these ranges weigh 1, the rest 2).
fn twitter_weight(c: char) -> usize {
    match u32::from(c) {
        0..=4351 | 8192..=8205 | 8208..=8223 | 8242..=8247 => 1,
        _ => 2,
    }
}

/// A whole post as its network counts it, written from each network's documentation rather
/// than from text.rs: Mastodon code points (it counts graphemes, never more), Bluesky
/// graphemes, X the weights of the NFC form; links 23 on Mastodon and X. An emoji sequence
/// is weighed per code point here, at least X's 2 for it.
fn network_length(measure: Measure, post: &str) -> usize {
    let text: String = match measure {
        Measure::X => post.nfc().collect(),
        _ => post.to_string(),
    };
    if measure == Measure::Bluesky {
        return text.graphemes(true).count();
    }
    let weigh = |s: &str| match measure {
        Measure::X => s.chars().map(twitter_weight).sum::<usize>(),
        _ => s.chars().count(),
    };
    text.split_inclusive(char::is_whitespace)
        .map(|token| {
            let linked = std::iter::once(POST_LINK)
                .chain(
                    LINK_WORDS
                        .iter()
                        .copied()
                        .filter(|w| measure == Measure::X || w.contains("://")),
                )
                .find(|l| token.starts_with(l));
            match linked {
                Some(link) => 23 + weigh(&token[link.len()..]),
                None => weigh(token),
            }
        })
        .sum()
}

/// `part` is `whole`, or a prefix of it that ends between two of its graphemes, then `…`.
fn cut_from(part: &str, whole: &str) -> Result<(), String> {
    if part == whole {
        return Ok(());
    }
    let kept = part
        .strip_suffix('…')
        .ok_or_else(|| format!("cut without `…`: {part:?}"))?;
    let at_grapheme = whole.grapheme_indices(true).any(|(i, _)| i == kept.len());
    if whole.starts_with(kept) && at_grapheme {
        Ok(())
    } else {
        Err(format!("{part:?} is not {whole:?} cut between graphemes"))
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    #[test]
    fn every_post_fits_its_network_and_no_cut_splits_a_grapheme(
        headline in post_words(1..40),
        message in post_words(0..400),
    ) {
        for measure in [Measure::Mastodon, Measure::Bluesky, Measure::X] {
            let post = text::fit(measure, &headline, &message, POST_LINK);
            let length = network_length(measure, &post.text);
            prop_assert!(length <= measure.limit(), "{measure:?} counts {length}: {:?}", post.text);
            prop_assert_eq!(&post.text[post.link.clone()], POST_LINK);
            let body = post.text[..post.link.start].strip_suffix("\n\n").expect("a break before the link");
            let (head, rest) = body.split_once("\n\n").unwrap_or((body, ""));
            if let Err(e) = cut_from(head, &headline) {
                prop_assert!(false, "{measure:?} headline: {e}");
            }
            if !rest.is_empty()
                && let Err(e) = cut_from(rest, &message)
            {
                prop_assert!(false, "{measure:?} message: {e}");
            }
        }
    }
}
