//! The subscribe page (docs/announcing.md, "Subscribe page"): every way to follow the site on one
//! page, linked from every page's header, with a signup form that loads nothing from the list
//! manager's host until the reader submits it.

use crate::support::{Page, SITE_YAML, TempSite, build, fixture, shared_build, snapshot};

const LIST_UUID: &str = "3a575627-dc5a-4d06-b627-05ca13da2e85";

fn subscribed_site() -> TempSite {
    TempSite::new(&format!(
        "{SITE_YAML}announce:\n  - bluesky: {{ handle: status.test, password_env: BLUESKY_APP_PASSWORD }}\n  - slack: {{ url_env: SLACK_WEBHOOK_URL }}\nsubscribe:\n  email_form: \"https://lists.example.org/subscription/form\"\n  email_field: email\n  fields: {{ l: {LIST_UUID} }}\n  links:\n    - {{ name: Mastodon, url: \"https://mastodon.example/@status\" }}\n    - {{ name: Matrix room, url: \"https://matrix.to/#/%23status:example.org\" }}\n    - {{ name: Bluesky, url: \"https://bsky.app/profile/status.test\" }}\n"
    ))
}

fn hrefs(page: &Page, css: &str) -> Vec<String> {
    let selector = scraper::Selector::parse(css).expect("selector");
    page.0
        .select(&selector)
        .filter_map(|e| e.value().attr("href").map(str::to_string))
        .collect()
}

#[test]
fn the_page_lists_the_feeds_the_calendar_and_the_channels() {
    let site = subscribed_site();
    let built = build(site.root(), "2026-11-25 12:00", &[]);
    let page = built.html("subscribe/index.html");
    assert_eq!(page.text("h1"), "Subscribe");
    let feeds = hrefs(&page, "#feeds a");
    for feed in ["../feed.atom", "../feed.rss", "../updates.atom"] {
        assert!(feeds.contains(&feed.to_string()), "{feed} in {feeds:?}");
    }
    // Each component's own feeds, under its name, with what they hold.
    assert_eq!(
        hrefs(&page, "#component-feeds a"),
        [
            "../components/panel/feed.atom",
            "../components/panel/feed.rss",
            "../components/web/feed.atom",
            "../components/web/feed.rss",
        ]
    );
    assert_eq!(
        page.texts("#component-feeds a"),
        [
            "Control panel (Atom)",
            "Control panel (RSS)",
            "Website (Atom)",
            "Website (RSS)"
        ]
    );
    assert!(
        page.text("#feeds").contains("one entry per update"),
        "{}",
        page.text("#feeds")
    );
    // The calendar: the file, and the same address for calendar apps (webcal:).
    assert_eq!(
        hrefs(&page, "#calendar a"),
        ["../maintenance.ics", "webcal://status.test/maintenance.ics"]
    );
    // Channels: the Bluesky account announce posts to (the duplicate link is shown once), then
    // the links site.yaml gives; a Slack webhook is not public and is not shown.
    assert_eq!(
        hrefs(&page, "#channels a"),
        [
            "https://bsky.app/profile/status.test",
            "https://mastodon.example/@status",
            "https://matrix.to/#/%23status:example.org",
        ]
    );
    assert_eq!(
        page.texts("#channels li"),
        ["Bluesky (@status.test)", "Mastodon", "Matrix room"]
    );
    assert!(!built.read("subscribe/index.html").contains("hooks.slack"));
    // Listed in the sitemap like every page.
    assert!(
        built
            .read("sitemap.xml")
            .contains("<loc>https://status.test/subscribe/</loc>")
    );
}

#[test]
fn the_form_posts_the_address_and_the_hidden_fields_to_the_list_manager() {
    let site = subscribed_site();
    let built = build(site.root(), "2026-11-25 12:00", &[]);
    let page = built.html("subscribe/index.html");
    assert_eq!(
        page.attr("form#email", "action"),
        "https://lists.example.org/subscription/form"
    );
    assert_eq!(page.attr("form#email", "method"), "post");
    assert_eq!(page.attr("form#email input[type=email]", "name"), "email");
    assert!(
        page.attr_opt("form#email input[type=email]", "required")
            .is_some()
    );
    let id = page.attr("form#email input[type=email]", "id");
    assert_eq!(
        page.text(&format!("form#email label[for={id}]")),
        "Email address"
    );
    assert_eq!(page.attr("form#email input[type=hidden]", "name"), "l");
    assert_eq!(
        page.attr("form#email input[type=hidden]", "value"),
        LIST_UUID
    );
    assert_eq!(page.text("form#email button[type=submit]"), "Subscribe");
    // The reader is told where the address goes before sending it.
    assert!(
        page.text("form#email").contains("lists.example.org"),
        "{}",
        page.text("form#email")
    );
    // Nothing is loaded from another host: every script, stylesheet, icon and image is the
    // site's own (relative), and there is no frame or image at all.
    let html = built.read("subscribe/index.html");
    for css in ["script[src]", "link[rel~=stylesheet]", "link[rel~=icon]"] {
        let selector = scraper::Selector::parse(css).expect("selector");
        for e in page.0.select(&selector) {
            let url = e
                .value()
                .attr("src")
                .or(e.value().attr("href"))
                .unwrap_or("");
            assert!(
                !url.contains("//") && !url.contains(':'),
                "{css} loads {url} from another host"
            );
        }
    }
    assert_eq!(page.count("img, iframe, object, embed, video, audio"), 0);
    assert!(
        !html.contains("url(http"),
        "a style loads from another host"
    );
}

#[test]
fn without_a_subscribe_block_the_page_has_the_feeds_and_no_form() {
    let built = shared_build("basic", "2026-04-20T12:00:00Z");
    let page = built.html("subscribe/index.html");
    assert_eq!(page.count("form"), 0);
    assert_eq!(page.count("#channels"), 0);
    assert_eq!(
        hrefs(&page, "#component-feeds a").len(),
        8,
        "two feeds for each of the four components"
    );
}

#[test]
fn every_page_links_to_the_subscribe_page_from_its_header() {
    let built = shared_build("basic", "2026-04-20T12:00:00Z");
    let pages: Vec<String> = snapshot(&built.out)
        .into_keys()
        .filter(|p| p.ends_with(".html"))
        .collect();
    assert!(pages.len() > 10, "{pages:?}");
    for path in pages {
        let page = built.html(&path);
        let links = hrefs(&page, "header.top a.subscribe");
        assert_eq!(links.len(), 1, "{path}: {links:?}");
        let depth = path.matches('/').count();
        let expected = if path == "404.html" {
            "/subscribe/".to_string()
        } else if depth == 0 {
            "./subscribe/".to_string()
        } else {
            format!("{}subscribe/", "../".repeat(depth))
        };
        assert_eq!(links[0], expected, "{path}");
    }
    let current = built.html("subscribe/index.html");
    assert_eq!(
        current.attr("header.top a.subscribe", "aria-current"),
        "page"
    );
}

#[test]
fn the_page_speaks_the_site_language() {
    let built = build(&fixture("french"), "2026-04-20 12:00", &[]);
    let page = built.html("subscribe/index.html");
    assert_eq!(page.attr("html", "lang"), "fr");
    assert_eq!(page.text("h1"), "S’abonner");
    assert_eq!(page.text("header.top a.subscribe"), "S’abonner");
    assert_eq!(page.text("form#email label"), "Adresse électronique");
    assert_eq!(page.text("form#email button"), "S’abonner");
    // `email_field` left out: the address is posted as `email`.
    assert_eq!(page.attr("form#email input[type=email]", "name"), "email");
    assert_eq!(
        page.attr("form#email", "action"),
        "https://listes.exemple.fr/mailman/subscribe/etat"
    );
}

#[test]
fn subscribe_mistakes_are_located_with_a_suggestion() {
    let check = |block: &str| TempSite::new(&format!("{SITE_YAML}subscribe:\n{block}")).check();
    let (code, err) = check("  emial_form: \"https://lists.example.org/subscription/form\"\n");
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("site.yaml:10:3: unknown key `emial_form`"),
        "{err}"
    );
    assert!(err.contains("did you mean `email_form`?"), "{err}");

    let (code, err) = check("  email_form: \"ftp://lists.example.org/join\"\n");
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("site.yaml:10:15: `email_form` `ftp://lists.example.org/join` is a `ftp:` address; the form can only post to http or https"),
        "{err}"
    );
    assert!(
        err.contains("https://lists.example.org/subscription/form"),
        "{err}"
    );

    let (code, err) = check("  email_field: email\n");
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("site.yaml:10:16: `subscribe.email_field` is given without `email_form`"),
        "{err}"
    );

    let (code, err) = check(
        "  email_form: \"https://x.test/join\"\n  links:\n    - { name: Chat, ulr: \"https://chat.test/\" }\n",
    );
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("site.yaml:12:21: unknown key `ulr`"), "{err}");
    assert!(err.contains("did you mean `url`?"), "{err}");

    let (code, err) = check(
        "  email_form: \"https://x.test/join\"\n  email_field: address\n  fields: { address: x }\n",
    );
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("`fields` sets `address`, which is the reader's address (`email_field`)"),
        "{err}"
    );
}
