//! What a reader sees: languages, branding, theme overrides, and the front page's weight.

use std::path::Path;

use crate::support::{SITE_YAML, TempSite, build, fixture, sitrep, stderr};

#[test]
fn pages_speak_the_site_language_with_its_dates() {
    let site = build(&fixture("french"), "2026-04-20 12:00", &[]);
    let index = site.html("index.html");
    assert_eq!(index.attr("html", "lang"), "fr");
    assert_eq!(index.text("#overall"), "Perturbation mineure");
    assert_eq!(index.text(".banner p time"), "20 avril 2026 12:00 CEST");
    assert_eq!(index.text("[data-component=web] .status"), "Opérationnel");
    assert_eq!(
        index.text("[data-component=mail] .status"),
        "Performances dégradées"
    );
    assert_eq!(index.text("#components"), "Composants");
    assert!(
        index
            .text("section[aria-labelledby=ongoing] .card .meta")
            .ends_with("en cours depuis 4 h")
    );
    let web = "[data-component=web] .window";
    // 1.5 h down over 29 days (one of them 23 h: Paris springs forward on March 29) and 12 h.
    assert_eq!(index.text(web), "99.78 % de disponibilité");
    let history = site.html("history/index.html");
    assert_eq!(history.texts(".months li"), ["avril 2026 (2 événements)"]);
    let event = site.html("incidents/panne-avril/index.html");
    assert_eq!(
        event.texts(".timeline .st strong"),
        ["Résolu", "Enquête en cours"]
    );
    assert_eq!(
        event.texts(".facts dt")[..2],
        ["Type".to_string(), "Impact".to_string()]
    );
    // Feeds keep Statuspage's English markup, which bots parse.
    assert!(
        site.read("feed.atom")
            .contains("&lt;strong&gt;Investigating&lt;/strong&gt;")
    );
}

#[test]
fn branding_comes_from_site_yaml() {
    let site = build(&fixture("french"), "2026-04-20 12:00", &[]);
    assert_eq!(
        site.read("assets/logo.svg"),
        std::fs::read_to_string(fixture("french").join("branding/logo.svg")).expect("logo")
    );
    let index = site.html("index.html");
    assert_eq!(index.attr(".brand img", "src"), "./assets/logo.svg");
    assert!(
        site.read("index.html")
            .contains("<style>.top{--accent:#0b3d91;--accent-text:#ffffff}</style>")
    );
    assert_eq!(
        index.attr(".foot a[href=\"https://exemple.fr/mentions/\"]", "href"),
        "https://exemple.fr/mentions/"
    );
    let page = site.html("incidents/panne-avril/index.html");
    assert_eq!(page.attr(".brand img", "src"), "../../assets/logo.svg");
}

#[test]
fn branding_mistakes_are_located() {
    let site = TempSite::new(&format!(
        "{SITE_YAML}accent_color: blue\nlogo: ../outside.png\n"
    ));
    let (code, err) = site.check();
    assert_eq!(code, 1);
    assert!(
        err.contains("site.yaml:9:15: `accent_color` `blue` is not a colour like `#1a7f37`"),
        "{err}"
    );
    assert!(
        err.contains(
            "site.yaml:10:7: the logo `../outside.png` must be a path inside the site folder"
        ),
        "{err}"
    );
    let site = TempSite::new(&format!("{SITE_YAML}logo: missing.svg\n"));
    let (code, err) = site.check();
    assert_eq!(code, 1);
    assert!(
        err.starts_with("site.yaml:9:7: cannot read the logo `missing.svg`"),
        "{err}"
    );
}

const EVENT: &str = "---\ntitle: Panel slow\ncomponents:\n  panel: degraded_performance\ntimeline:\n  - at: 2026-11-20 10:00\n    status: investigating\n    message: Slow.\n---\n";

#[test]
fn a_site_theme_overrides_the_default_file_by_file() {
    let site = TempSite::new(SITE_YAML)
        .with("incidents/a.md", EVENT)
        .with("themes/default/templates/404.html", "{% extends \"base.html\" %}{% block content %}<h1>Lost? Call us.</h1>{% endblock content %}")
        .with("themes/default/static/assets/extra.css", "body{}");
    let built = build(site.root(), "2026-11-25 12:00", &[]);
    assert_eq!(built.html("404.html").text("h1"), "Lost? Call us.");
    assert_eq!(built.read("assets/extra.css"), "body{}");
    assert!(
        built.read("index.html").contains("Panel slow"),
        "other templates come from the built-in theme"
    );
}

#[test]
fn a_missing_translation_falls_back_to_english_with_a_warning() {
    let site =
        TempSite::new(&SITE_YAML.replace("title: Test Status", "title: Test Status\nlanguage: nl"))
            .with("incidents/a.md", EVENT)
            .with("themes/default/i18n/nl.yaml", "components: Componenten\n");
    let root = site.root().to_str().expect("utf-8").to_string();
    let out = sitrep(&["build", "--root", &root, "--now", "2026-11-25 12:00"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("warning: i18n/nl.yaml has no `affected_components`,"),
        "{err}"
    );
    assert!(err.contains("`history`"), "{err}");
    let index = std::fs::read_to_string(site.root().join("public/index.html")).expect("read");
    assert!(index.contains(">Componenten</h2>"));
    assert!(index.contains(">Past 7 days</h2>"), "English fills the gap");
}

#[test]
fn the_front_page_with_its_css_and_js_stays_under_60_kb() {
    let site = build(
        Path::new(env!("CARGO_MANIFEST_DIR")),
        "2026-11-25 12:00",
        &[],
    );
    let index = site.read("index.html");
    let mut total = index.len();
    let page = site.html("index.html");
    let assets = [
        page.attr("link[rel=stylesheet]", "href"),
        page.attr("script[src]", "src"),
    ]
    .map(|a| a.trim_start_matches("./").to_string());
    for asset in &assets {
        assert!(
            asset.starts_with("assets/style.") || asset.starts_with("assets/sitrep."),
            "the front page loads the theme's own {asset}"
        );
        assert_eq!(
            site.read(asset),
            site.read(&format!(
                "assets/{}.{}",
                asset
                    .split('.')
                    .next()
                    .unwrap_or_default()
                    .trim_start_matches("assets/"),
                asset.rsplit('.').next().unwrap_or_default()
            )),
            "{asset} is the fingerprinted copy of the theme's file"
        );
        total += site.read(asset).len();
    }
    assert!(total < 60 * 1024, "front page weighs {total} bytes");
    assert!(!index.contains("https://fonts."), "no web fonts");
    for src in index.split("src=\"").skip(1) {
        assert!(!src.starts_with("http"), "no file from another host: {src}");
    }
}

#[test]
fn the_date_filter_formats_times_in_the_site_zone() {
    let site = TempSite::new(SITE_YAML).with("incidents/a.md", EVENT).with(
        "themes/default/templates/history.html",
        "{% for event in latest %}[{{ event.start.datetime | date(format=\"%d/%m/%Y %H:%M %Z\") }}]{% endfor %}",
    );
    let built = build(site.root(), "2026-11-25 12:00", &[]);
    assert_eq!(built.read("history/index.html"), "[20/11/2026 10:00 EST]");
}

/// Every word a reader sees comes from the theme's translations: no page of a French build,
/// titles and feed links included, carries a phrase of the English translation file that the
/// French one says differently.
#[test]
fn every_page_of_a_french_build_is_free_of_the_themes_english() {
    let theme = Path::new(env!("CARGO_MANIFEST_DIR")).join("themes/default/i18n");
    let strings = |language: &str| -> std::collections::BTreeMap<String, String> {
        let text = std::fs::read_to_string(theme.join(format!("{language}.yaml"))).expect("read");
        serde_saphyr::from_str(&text).expect("yaml")
    };
    let (english, french) = (strings("en"), strings("fr"));
    // The literal parts of each English string (between `{placeholders}`) that are words.
    let phrases: Vec<String> = english
        .iter()
        .filter(|(key, text)| french.get(*key) != Some(text) && !key.ends_with("_format"))
        .flat_map(|(_, text)| {
            text.split(['{', '}'])
                .step_by(2)
                .map(|part| {
                    part.trim_matches(|c: char| !c.is_alphanumeric())
                        .to_string()
                })
                .filter(|part| part.chars().filter(|c| c.is_alphabetic()).count() >= 4)
                .collect::<Vec<_>>()
        })
        .collect();
    assert!(phrases.len() > 50, "{phrases:?}");
    let site = build(&fixture("french"), "2026-04-20 12:00", &[]);
    let mut pages = 0;
    for entry in walkdir::WalkDir::new(&site.out) {
        let entry = entry.expect("walk");
        if entry.path().extension().is_none_or(|x| x != "html") {
            continue;
        }
        pages += 1;
        let html = std::fs::read_to_string(entry.path()).expect("read");
        let document = scraper::Html::parse_document(&html);
        let mut visible: String = document.root_element().text().collect::<Vec<_>>().join(" ");
        // Words in attributes reach readers too: titles, labels, alternative text.
        for element in document
            .root_element()
            .descendants()
            .filter_map(scraper::ElementRef::wrap)
        {
            for attribute in ["title", "aria-label", "alt", "content"] {
                if let Some(value) = element.value().attr(attribute) {
                    visible.push(' ');
                    visible.push_str(value);
                }
            }
        }
        for phrase in &phrases {
            assert!(
                !visible.contains(phrase.as_str()),
                "{}: English `{phrase}`",
                entry.path().display()
            );
        }
    }
    assert!(pages >= 8, "{pages}");
}

/// Badges and the maintenance calendar speak the site's language too; only the feed markup
/// keeps Statuspage's English words, which bots parse.
#[test]
fn badges_and_the_calendar_are_in_the_site_language() {
    let site = build(&fixture("french"), "2026-04-20 12:00", &[]);
    let badge = site.read("badge.svg");
    assert!(
        badge.contains(">état<") && badge.contains("panne mineure"),
        "{badge}"
    );
    let web = site.read("components/web/badge.svg");
    assert!(web.contains("Opérationnel"), "{web}");
    let calendar = site.read("maintenance.ics");
    assert!(
        calendar.contains("Calendrier des maintenances"),
        "{calendar}"
    );
    assert!(!calendar.contains(": maintenance"), "{calendar}");
}
