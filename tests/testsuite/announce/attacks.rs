//! `sitrep announce` under attack (issue 24; docs/reliability.md, "Announce"): credentials in
//! a channel's address, channels that answer what sitrep cannot read or redirect it away,
//! announces racing a publish of the same folder, backfilled and re-timed updates.

use std::collections::BTreeMap;
use std::process::Output;

use super::fake::*;
use crate::support::stderr;

/// Everything a run showed, stdout and stderr.
fn shown(out: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&out.stdout), stderr(out))
}

/// How many times each message reached its path (a run opens its own Bluesky session, so
/// only posts count).
fn copies(server: &Server) -> BTreeMap<(String, String), usize> {
    let mut count = BTreeMap::new();
    for request in server
        .delivered()
        .into_iter()
        .filter(|r| !r.path.ends_with("createSession"))
    {
        *count
            .entry((request.path.clone(), message_id(&request)))
            .or_default() += 1;
    }
    count
}

fn assert_none_twice(server: &Server) {
    let twice: Vec<_> = copies(server).into_iter().filter(|(_, n)| *n > 1).collect();
    assert!(twice.is_empty(), "sent twice: {twice:#?}");
}

#[test]
fn credentials_in_a_mastodon_instance_are_never_shown_or_recorded() {
    let server = Server::start();
    let site = outage_site(&server);
    let yaml = std::fs::read_to_string(site.root.join("site.yaml")).expect("read");
    let with_credentials = server.base.replace("http://", "http://bot:secret@");
    std::fs::write(
        site.root.join("site.yaml"),
        yaml.replace(
            &format!("\"{}/mastodon\"", server.base),
            &format!("\"{with_credentials}/mastodon\""),
        ),
    )
    .expect("write");

    let dry = site.run(&server, &["announce", "--dry-run"]);
    assert!(dry.status.success(), "{}", stderr(&dry));
    let text = shown(&dry);
    assert!(
        text.contains("Mastodon http://<redacted>@127.0.0.1"),
        "{text}"
    );
    assert!(!text.contains("secret"), "{text}");

    server.fail(
        "/mastodon/api/v1/statuses",
        401,
        "{\"error\":\"The access token is invalid\"}",
    );
    let real = site.run(&server, &["announce"]);
    assert_eq!(real.status.code(), Some(1), "{}", shown(&real));
    let text = shown(&real);
    assert!(
        text.contains("error: Mastodon http://<redacted>@"),
        "{text}"
    );
    assert!(!text.contains("secret"), "{text}");
    // The record is published with the site: it must not hold the password either.
    let record = std::fs::read_to_string(site.root.join(".sitrep-announced.json"))
        .expect("the record was written");
    assert!(!record.contains("secret"), "{record}");
}

#[test]
fn a_post_whose_answer_cannot_be_read_is_delivered_once_not_again_every_run() {
    let server = Server::start();
    server.garble("/mastodon/api/v1/statuses", 200, "<html>Posted!</html>");
    server.garble("/x/2/tweets", 201, "{\"data\":{}}");
    server.garble("/bsky/xrpc/com.atproto.repo.createRecord", 200, "not json");
    let site = outage_site(&server);
    let first = site.run(&server, &["announce"]);
    let text = shown(&first);
    assert_eq!(
        first.status.code(),
        Some(0),
        "delivered is delivered: {text}"
    );
    assert!(
        text.contains(&format!(
            "warning: Mastodon {}/mastodon: 2026-11-28-outage-20261128T090000Z was delivered, but its answer could not be read (the answer is not JSON: <html>Posted!</html>)",
            server.base
        )),
        "{text}"
    );
    assert!(
        text.contains("the answer has no `data.id`"),
        "X's answer named: {text}"
    );
    // A cron job running every few minutes posts nothing more.
    for _ in 0..3 {
        let again = site.announce(&server);
        assert!(again.contains("Announced 0 messages"), "{again}");
    }
    for path in [
        "/mastodon/api/v1/statuses",
        "/x/2/tweets",
        "/bsky/xrpc/com.atproto.repo.createRecord",
    ] {
        assert_eq!(server.to(path).len(), 3, "{path}");
    }
    assert_none_twice(&server);
    // With no post id known, each update starts a thread of its own rather than replying to
    // a post that may not exist.
    let mastodon = server.to("/mastodon/api/v1/statuses");
    assert!(
        mastodon
            .iter()
            .all(|r| r.body.get("in_reply_to_id").is_none())
    );
    let x = server.to("/x/2/tweets");
    assert!(x.iter().all(|r| r.body.get("reply").is_none()));
}

#[test]
fn a_bluesky_session_that_cannot_be_read_fails_before_posting() {
    let server = Server::start();
    server.garble(
        "/bsky/xrpc/com.atproto.server.createSession",
        200,
        "{\"handle\":\"status.example.com\"}",
    );
    let site = outage_site(&server);
    let out = site.run(&server, &["announce"]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("error: Bluesky @status.example.com: cannot send 2026-11-28-outage-20261128T090000Z: the answer has no `did`"),
        "{err}"
    );
    assert!(
        server
            .to("/bsky/xrpc/com.atproto.repo.createRecord")
            .is_empty()
    );
    server.heal();
    site.announce(&server);
    assert_eq!(
        server.to("/bsky/xrpc/com.atproto.repo.createRecord").len(),
        3
    );
    assert_none_twice(&server);
}

#[test]
fn a_webhook_redirected_to_a_login_page_is_not_delivered_and_goes_next_time() {
    let server = Server::start();
    let login = format!(
        "{}/login?next=chat",
        server.base.replace("http://", "http://sso:hunter2@")
    );
    for path in ["/webhook", "/slack", "/discord", "/teams"] {
        server.redirect(path, &login);
    }
    let site = outage_site(&server);
    let out = site.run(&server, &["announce"]);
    let text = shown(&out);
    assert_eq!(out.status.code(), Some(1), "{text}");
    let shown_login = format!(
        "{}/login?next=chat",
        server.base.replace("http://", "http://<redacted>@")
    );
    assert!(
        text.contains(&format!(
            "error: Slack ($T_SLACK_URL): cannot send 2026-11-28-outage-20261128T090000Z: HTTP 302: redirected to {shown_login}; not followed"
        )),
        "{text}"
    );
    assert!(!text.contains("hunter2"), "{text}");
    assert!(
        text.contains("4 channels failed; 16 messages will be sent by the next announce"),
        "{text}"
    );
    assert!(server.to("/login").is_empty(), "the redirect was followed");
    for path in ["/webhook", "/slack", "/discord", "/teams"] {
        assert!(server.to(path).is_empty(), "{path}");
    }

    // The receiver is fixed: the next run sends every message once.
    server.heal();
    let stdout = site.announce(&server);
    assert!(stdout.contains("Announced 16 messages"), "{stdout}");
    assert_eq!(server.to("/webhook").len(), 7);
    for path in ["/slack", "/discord", "/teams"] {
        assert_eq!(server.to(path).len(), 3, "{path}");
    }
    assert!(site.announce(&server).contains("Announced 0 messages"));
    assert_none_twice(&server);
}

/// An event of its own for round `n` of a test: one update, `n` minutes after 10:00 today.
fn round_event(n: usize) -> (String, String) {
    (
        format!("2026-11-28-round-{n}.md"),
        format!(
            "---\ntitle: Round {n}\ntimeline:\n  - at: 2026-11-28T10:{n:02}:00Z\n    status: investigating\n    message: Round {n} of the race.\n---\n"
        ),
    )
}

#[test]
fn announces_racing_folder_publishes_of_the_same_site_never_post_twice() {
    const ROUNDS: usize = 12;
    let server = Server::start();
    // Slow answers keep each announce writing its record while the publish runs.
    server.slow_down(std::time::Duration::from_millis(15));
    let dir = tempfile::tempdir().expect("tempdir");
    let target = dir.path().join("www");
    let root = dir.path().join("site");
    let publish = format!(
        "publish:\n  - folder: {{ path: \"{}\" }}\n",
        target.display()
    );
    let events = [("2026-11-28-outage.md", OUTAGE), ("2026-10-01-old.md", OLD)];
    Site::write(&root, &server, &publish, &events);
    let command = |args: &[&str]| {
        let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_sitrep"));
        command
            .args(args)
            .args(["--root", root.to_str().expect("utf-8"), "--now", NOW])
            .env_remove("SOURCE_DATE_EPOCH")
            .envs(server.env())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped());
        command
    };
    let out = command(&["publish"]).output().expect("publish");
    assert!(out.status.success(), "{}", shown(&out));
    for n in 0..ROUNDS {
        let (name, text) = round_event(n);
        std::fs::write(root.join("incidents").join(name), text).expect("write event");
        let announce = command(&["announce"]).spawn().expect("announce");
        // Each round starts the publish a little later into the announce.
        std::thread::sleep(std::time::Duration::from_millis(80 * (n % 5) as u64));
        let publish = command(&["publish", "--no-announce"])
            .output()
            .expect("publish");
        let announce = announce.wait_with_output().expect("announce");
        assert!(publish.status.success(), "round {n}: {}", shown(&publish));
        assert!(announce.status.success(), "round {n}: {}", shown(&announce));
    }
    let out = command(&["announce"]).output().expect("announce");
    let text = shown(&out);
    assert!(out.status.success(), "{text}");
    assert!(text.contains("Announced 0 messages"), "all told: {text}");
    assert_none_twice(&server);
    for path in ["/slack", "/discord", "/teams", "/mastodon/api/v1/statuses"] {
        assert_eq!(server.to(path).len(), 3 + ROUNDS, "{path}");
    }
}

/// An event with one update, no components.
fn single(title: &str, at: &str, message: &str) -> String {
    format!(
        "---\ntitle: {title}\ntimeline:\n  - at: {at}\n    status: investigating\n    message: {message}\n---\n"
    )
}

/// The first line of each Mastodon post: its status and title.
fn mastodon_headlines(server: &Server) -> Vec<String> {
    server
        .to("/mastodon/api/v1/statuses")
        .iter()
        .map(|r| {
            let status = r.body["status"].as_str().unwrap_or_default();
            status.lines().next().unwrap_or_default().to_string()
        })
        .collect()
}

#[test]
fn backfilled_updates_are_recorded_as_told_not_posted_as_news() {
    let server = Server::start();
    let site = outage_site(&server);
    site.announce(&server);
    assert_eq!(server.to("/slack").len(), 3);

    // An import of old incidents, and one written up two days late; an update written a
    // little late during the outage, and a new update of the outage.
    let write = |name: &str, text: &str| {
        std::fs::write(site.root.join("incidents").join(name), text).expect("write")
    };
    write(
        "2019-03-01-import.md",
        &single("Imported", "2019-03-01T09:00:00Z", "From the old page."),
    );
    write(
        "2019-06-01-import.md",
        &single("Imported too", "2019-06-01T09:00:00Z", "Also old."),
    );
    write(
        "2026-11-26-late.md",
        &single("Written up late", "2026-11-26T08:00:00Z", "Two days ago."),
    );
    write(
        "2026-11-28-mail.md",
        &single("Mail delays", "2026-11-28T09:45:00Z", "Mail is slow."),
    );
    let outage = OUTAGE.replace(
        "    message: The provider replaced the switch.\n",
        "    message: The provider replaced the switch.\n  - at: 2026-11-28T10:20:00Z\n    status: postmortem\n    message: What happened.\n",
    );
    write("2026-11-28-outage.md", &outage);

    let stdout = site.announce(&server);
    assert!(
        stdout.contains("Slack ($T_SLACK_URL): 3 updates dated more than 24 hours before the newest it was told marked as told, not posted (a backfill)"),
        "{stdout}"
    );
    assert!(stdout.contains("Announced 14 messages"), "{stdout}");
    assert_eq!(
        mastodon_headlines(&server)[3..],
        [
            "Investigating: Mail delays",
            "Post-mortem: Packet loss at the upstream switch"
        ],
        "news only, oldest first"
    );
    // The post-mortem still replies in the outage's thread.
    let mastodon = server.to("/mastodon/api/v1/statuses");
    let ids = server_ids(&server, "/mastodon/api/v1/statuses");
    assert!(mastodon[3].body.get("in_reply_to_id").is_none());
    assert_eq!(mastodon[4].body["in_reply_to_id"], ids[2].as_str());
    assert!(site.announce(&server).contains("Announced 0 messages"));
    assert_none_twice(&server);
}

#[test]
fn correcting_the_time_of_an_announced_update_does_not_announce_it_again() {
    let server = Server::start();
    let site = outage_site(&server);
    site.announce(&server);
    let before = server.delivered().len();
    let path = site.root.join("incidents/2026-11-28-outage.md");
    // Two typos fixed: one update a minute later, the latest five minutes later (after
    // everything the channels were told).
    let fixed = OUTAGE
        .replace("2026-11-28T09:30:00Z", "2026-11-28T09:31:00Z")
        .replace("2026-11-28T10:00:00Z", "2026-11-28T10:05:00Z");
    std::fs::write(&path, &fixed).expect("write");
    let stdout = site.announce(&server);
    assert!(stdout.contains("Announced 0 messages"), "{stdout}");
    assert!(
        stdout.contains(
            "Slack ($T_SLACK_URL): 2 updates already told at another time, not posted again"
        ),
        "{stdout}"
    );
    assert_eq!(server.delivered().len(), before, "nothing sent");

    // A genuinely new update still goes out, replying to the post of the re-timed one.
    let newer = fixed.replace(
        "    message: The provider replaced the switch.\n",
        "    message: The provider replaced the switch.\n  - at: 2026-11-28T10:20:00Z\n    status: postmortem\n    message: What happened.\n",
    );
    std::fs::write(&path, newer).expect("write");
    let stdout = site.announce(&server);
    assert!(stdout.contains("Announced 7 messages"), "{stdout}");
    let mastodon = server.to("/mastodon/api/v1/statuses");
    let ids = server_ids(&server, "/mastodon/api/v1/statuses");
    assert_eq!(mastodon.len(), 4);
    assert_eq!(mastodon[3].body["in_reply_to_id"], ids[2].as_str());
    assert!(site.announce(&server).contains("Announced 0 messages"));
    assert_none_twice(&server);
}
