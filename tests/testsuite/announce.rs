//! `sitrep announce` end to end: every channel against one HTTP server on 127.0.0.1 started
//! here, which checks each request's method, path and headers and validates its body against
//! the channel's documented schema (tests/announce/schemas/, each naming its source).

mod attacks;
mod email;
mod fake;

use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::support::stderr;
use fake::*;

/// Mastodon and X count every link as 23 characters.
fn counted_with_short_links(text: &str, weigh: impl Fn(char) -> usize) -> usize {
    text.split_inclusive(char::is_whitespace)
        .map(|word| {
            if word.trim_end().starts_with("https://") {
                23 + word.len() - word.trim_end().len()
            } else {
                word.chars().map(&weigh).sum()
            }
        })
        .sum()
}

fn x_weight(c: char) -> usize {
    match u32::from(c) {
        0..=4351 | 8192..=8205 | 8208..=8223 | 8242..=8247 => 1,
        _ => 2,
    }
}

// ---- tests ---------------------------------------------------------------------------

#[test]
fn every_channel_is_told_each_update_once_in_its_documented_format() {
    let server = Server::start();
    let site = outage_site(&server);
    let stdout = site.announce(&server);
    assert!(
        stdout.contains("first announce; 2 older updates marked as already told, not posted"),
        "{stdout}"
    );

    for request in server.delivered() {
        assert_eq!(request.method, "POST", "{request:?}");
        assert_eq!(request.header("content-type"), Some("application/json"));
    }

    webhook_is_told_in_statuspage_shape(&server);
    chat_channels_are_told_once_per_update(&server);
    mastodon_is_told_in_one_thread(&server);
    bluesky_is_told_in_one_thread(&server);
    x_is_told_in_one_thread(&server);

    save_examples(&server);

    // Once only: a second run sends nothing.
    let before = server.delivered().len();
    let again = site.announce(&server);
    assert!(again.contains("Announced 0 messages"), "{again}");
    assert_eq!(server.delivered().len(), before);
}

/// The webhook: an incident notification per update, and a component notification per change.
fn webhook_is_told_in_statuspage_shape(server: &Server) {
    // Webhook: an incident notification per update, and a component notification per change.
    let webhook = server.to("/webhook");
    for body in webhook.iter().map(|r| &r.body) {
        assert_valid("statuspage-webhook.schema.json", body);
    }
    let incidents: Vec<&Value> = webhook
        .iter()
        .map(|r| &r.body)
        .filter(|b| b.get("incident").is_some())
        .collect();
    let statuses: Vec<&str> = incidents
        .iter()
        .map(|b| b["incident"]["status"].as_str().expect("status"))
        .collect();
    assert_eq!(statuses, ["investigating", "identified", "resolved"]);
    let first_updates: Vec<&str> = incidents
        .iter()
        .map(|b| {
            b["incident"]["incident_updates"][0]["id"]
                .as_str()
                .expect("id")
        })
        .collect();
    assert_eq!(
        first_updates, IDS,
        "newest update first, with the API's ids"
    );
    let changes: Vec<(String, String, String)> = webhook
        .iter()
        .filter_map(|r| r.body.get("component_update"))
        .map(|c| {
            (
                c["component_id"].as_str().unwrap_or_default().into(),
                c["old_status"].as_str().unwrap_or_default().into(),
                c["new_status"].as_str().unwrap_or_default().into(),
            )
        })
        .collect();
    assert_eq!(
        changes,
        [
            ("web".into(), "operational".into(), "partial_outage".into()),
            (
                "db".into(),
                "operational".into(),
                "degraded_performance".into()
            ),
            ("web".into(), "partial_outage".into(), "operational".into()),
            (
                "db".into(),
                "degraded_performance".into(),
                "operational".into()
            ),
        ]
    );
    assert_eq!(webhook.len(), 3 + 4);
    // Each incident notification shows its components as that update left them.
    let component_statuses: Vec<Vec<&str>> = incidents
        .iter()
        .map(|b| {
            b["incident"]["components"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|c| c["status"].as_str().unwrap_or_default())
                .collect()
        })
        .collect();
    assert_eq!(
        component_statuses,
        [
            vec!["partial_outage", "operational"],
            vec!["partial_outage", "degraded_performance"],
            vec!["operational", "operational"],
        ]
    );
}

/// Slack, Discord and Teams: one message per update, in each one's documented shape.
fn chat_channels_are_told_once_per_update(server: &Server) {
    for body in server.to("/slack").iter().map(|r| &r.body) {
        assert_valid("slack-incoming-webhook.schema.json", body);
    }
    let slack = server.to("/slack");
    assert_eq!(slack.len(), 3);
    assert_eq!(
        slack[0].body["blocks"][1]["text"]["text"],
        "Some visitors see slow pages &amp; timeouts."
    );
    for body in server.to("/discord").iter().map(|r| &r.body) {
        assert_valid("discord-execute-webhook.schema.json", body);
    }
    for body in server.to("/teams").iter().map(|r| &r.body) {
        assert_valid("teams-workflow-message.schema.json", body);
    }
    assert_eq!(server.to("/discord").len(), 3);
    assert_eq!(server.to("/teams").len(), 3);
}

/// Mastodon: bearer token, an idempotency key per update, replies in one thread.
fn mastodon_is_told_in_one_thread(server: &Server) {
    // Mastodon: bearer token, an idempotency key per update, replies in one thread.
    let mastodon = server.to("/mastodon/api/v1/statuses");
    assert_eq!(mastodon.len(), 3);
    for (request, id) in mastodon.iter().zip(IDS) {
        assert_valid("mastodon-create-status.schema.json", &request.body);
        assert_eq!(
            request.header("authorization"),
            Some("Bearer mastodon-token")
        );
        assert_eq!(
            request.header("idempotency-key"),
            Some(format!("sitrep-{id}").as_str())
        );
        let status = request.body["status"].as_str().expect("status");
        assert!(
            status.ends_with(&format!(
                "/incidents/2026-11-28-outage/#update-{}",
                &id[18..]
            )),
            "{status}"
        );
    }
    assert_eq!(
        mastodon[0].body["status"],
        "Investigating: Packet loss at the upstream switch\n\nSome visitors see slow pages & timeouts.\n\nhttps://status.example.com/incidents/2026-11-28-outage/#update-20261128T090000Z"
    );
    assert!(mastodon[0].body.get("in_reply_to_id").is_none());
    let mastodon_ids: Vec<String> = server_ids(server, "/mastodon/api/v1/statuses");
    assert_eq!(mastodon[1].body["in_reply_to_id"], mastodon_ids[0].as_str());
    assert_eq!(mastodon[2].body["in_reply_to_id"], mastodon_ids[1].as_str());
}

/// Bluesky: one session, then records with the link as a facet, replies threaded.
fn bluesky_is_told_in_one_thread(server: &Server) {
    // Bluesky: one session, then records with the link as a facet, replies threaded.
    let sessions = server.to("/bsky/xrpc/com.atproto.server.createSession");
    assert_eq!(sessions.len(), 1);
    assert_valid("bluesky-create-session.schema.json", &sessions[0].body);
    assert_eq!(sessions[0].body["identifier"], "status.example.com");
    assert_eq!(sessions[0].body["password"], "app-pass-word");
    let posts = server.to("/bsky/xrpc/com.atproto.repo.createRecord");
    assert_eq!(posts.len(), 3);
    for request in &posts {
        assert_valid("bluesky-create-record.schema.json", &request.body);
        assert_eq!(request.header("authorization"), Some("Bearer access-jwt"));
        assert_eq!(request.body["repo"], "did:plc:teststatus");
        assert_link_facet(&request.body["record"]);
    }
    assert!(posts[0].body["record"].get("reply").is_none());
    let root = &posts[1].body["record"]["reply"]["root"];
    assert_eq!(root, &posts[2].body["record"]["reply"]["root"]);
    assert_ne!(
        posts[1].body["record"]["reply"]["parent"],
        posts[2].body["record"]["reply"]["parent"]
    );
    assert!(
        root["uri"]
            .as_str()
            .is_some_and(|u| u.starts_with("at://did:plc:teststatus/"))
    );
}

/// X: user-context bearer token, replies threaded.
fn x_is_told_in_one_thread(server: &Server) {
    // X: user-context bearer token, replies threaded.
    let tweets = server.to("/x/2/tweets");
    assert_eq!(tweets.len(), 3);
    for request in &tweets {
        assert_valid("x-create-post.schema.json", &request.body);
        assert_eq!(request.header("authorization"), Some("Bearer x-user-token"));
    }
    let x_ids = server_ids(server, "/x/2/tweets");
    assert_eq!(
        tweets[1].body["reply"]["in_reply_to_tweet_id"],
        x_ids[0].as_str()
    );
}

fn assert_link_facet(record: &Value) {
    let text = record["text"].as_str().expect("text");
    let facet = &record["facets"][0];
    let start = facet["index"]["byteStart"].as_u64().expect("start") as usize;
    let end = facet["index"]["byteEnd"].as_u64().expect("end") as usize;
    assert_eq!(
        Some(&text.as_bytes()[start..end]),
        facet["features"][0]["uri"].as_str().map(str::as_bytes),
        "the facet covers the link's bytes"
    );
}

/// The first message each channel received, for docs/announcing.md and the review.
fn save_examples(server: &Server) {
    let mut examples = BTreeMap::new();
    for request in server.delivered() {
        examples.entry(request.path.clone()).or_insert(request.body);
    }
    let path = Path::new(env!("CARGO_TARGET_TMPDIR")).join("announce-examples.json");
    let _ = std::fs::write(
        path,
        serde_json::to_vec_pretty(&examples).unwrap_or_default(),
    );
}

#[test]
fn long_messages_emoji_and_right_to_left_text_fit_every_network() {
    let server = Server::start();
    let long = "Packets are dropped 🚨👨‍👩‍👧‍👦 between our racks and the provider; ".repeat(40);
    assert!(long.chars().count() > 2000);
    let arabic = "انقطاع الشبكة مستمر ونحن نعمل على إصلاحه في أقرب وقت ممكن. ".repeat(30);
    let event = |title: &str, message: &str| {
        format!(
            "---\ntitle: \"{title}\"\ntimeline:\n  - at: 2026-11-28T09:00:00Z\n    status: investigating\n    message: \"{message}\"\n---\n"
        )
    };
    let site = Site::new(
        &server,
        "",
        &[
            ("2026-11-28-long.md", &event("Packet loss 🚨", &long)),
            ("2026-11-28-rtl.md", &event("انقطاع الشبكة", &arabic)),
        ],
    );
    site.announce(&server);
    let mastodon = server.to("/mastodon/api/v1/statuses");
    let bluesky = server.to("/bsky/xrpc/com.atproto.repo.createRecord");
    let x = server.to("/x/2/tweets");
    assert_eq!((mastodon.len(), bluesky.len(), x.len()), (2, 2, 2));
    for request in &mastodon {
        let text = request.body["status"].as_str().expect("status");
        let length = counted_with_short_links(text, |_| 1);
        assert!(
            (450..=500).contains(&length),
            "Mastodon length {length}: {text}"
        );
        assert!(text.contains('…'), "cut with an ellipsis: {text}");
    }
    for request in &bluesky {
        let record = &request.body["record"];
        let text = record["text"].as_str().expect("text");
        let graphemes = unicode_segmentation::UnicodeSegmentation::graphemes(text, true).count();
        assert!(
            (250..=300).contains(&graphemes),
            "Bluesky graphemes {graphemes}: {text}"
        );
        assert_link_facet(record);
        // No emoji family is split into its parts.
        assert_eq!(
            text.matches("👨‍👩‍👧‍👦").count(),
            text.matches('👦').count(),
            "{text}"
        );
    }
    for request in &x {
        let text = request.body["text"].as_str().expect("text");
        let length = counted_with_short_links(text, x_weight);
        assert!((230..=280).contains(&length), "X length {length}: {text}");
    }
    // Right-to-left text is kept in its order, cut at a word.
    let rtl = mastodon
        .iter()
        .map(|r| r.body["status"].as_str().unwrap_or_default())
        .find(|t| t.starts_with("Investigating: انقطاع"))
        .expect("the Arabic post");
    let body = rtl.split("\n\n").nth(1).expect("message");
    let kept = body.trim_end_matches('…');
    assert!(
        arabic.starts_with(kept) && arabic[kept.len()..].starts_with(' '),
        "{body}"
    );
}

#[test]
fn a_failing_channel_is_reported_and_retried_next_time_while_the_others_go_on() {
    let server = Server::start();
    server.fail("/slack", 500, "{\"error\":\"upstream exploded\"}");
    let site = outage_site(&server);
    let out = site.run(&server, &["announce"]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("Slack ($T_SLACK_URL): cannot send 2026-11-28-outage-20261128T090000Z: HTTP 500: {\"error\":\"upstream exploded\"}"), "{err}");
    assert!(err.contains("trying again"), "retried with backoff: {err}");
    assert!(
        err.contains("1 channel failed; 3 messages will be sent by the next announce"),
        "{err}"
    );
    assert_eq!(server.to("/slack").len(), 0);
    assert_eq!(server.to("/discord").len(), 3, "the others went on");
    assert_eq!(server.to("/x/2/tweets").len(), 3);

    server.heal();
    let stdout = site.announce(&server);
    assert!(stdout.contains("Announced 3 messages"), "{stdout}");
    let slack = server.to("/slack");
    assert_eq!(slack.len(), 3);
    assert!(
        slack[0].body["text"]
            .as_str()
            .is_some_and(|t| t.starts_with("Investigating"))
    );
    assert_eq!(server.to("/discord").len(), 3, "nothing sent twice");
}

#[test]
fn an_announce_killed_half_way_is_finished_by_the_next_one() {
    let server = Server::start();
    let site = outage_site(&server);
    // The second Mastodon post is never answered: the run is killed while it waits.
    server.state.lock().expect("lock").hold = Some(("/mastodon/api/v1/statuses".into(), 2));
    let mut child = site
        .command(&server, &["announce"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start sitrep");
    let started = Instant::now();
    while server.state.lock().expect("lock").held == 0 {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "never reached the held post"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    child.kill().expect("kill");
    child.wait().expect("wait");
    let first_run = server.delivered().len();
    assert!(first_run > 0 && first_run < 7 + 3 * 6 + 1);

    server.state.lock().expect("lock").hold = None;
    let stdout = site.announce(&server);
    assert!(
        !stdout.contains("first announce"),
        "the record survived: {stdout}"
    );
    // Every message delivered exactly once over both runs.
    let mut count: BTreeMap<(String, String), usize> = BTreeMap::new();
    // A run opens its own Bluesky session; only posts count.
    for request in server
        .delivered()
        .into_iter()
        .filter(|r| !r.path.ends_with("createSession"))
    {
        *count
            .entry((request.path.clone(), message_id(&request)))
            .or_default() += 1;
    }
    let twice: Vec<_> = count.iter().filter(|(_, n)| **n > 1).collect();
    assert!(twice.is_empty(), "sent twice: {twice:?}");
    assert_eq!(server.to("/webhook").len(), 7);
    for path in [
        "/slack",
        "/discord",
        "/teams",
        "/mastodon/api/v1/statuses",
        "/x/2/tweets",
    ] {
        assert_eq!(server.to(path).len(), 3, "{path}");
    }
    assert_eq!(
        server.to("/bsky/xrpc/com.atproto.repo.createRecord").len(),
        3
    );
    // The post that was cut off went again with the same idempotency key.
    let mastodon = server.to("/mastodon/api/v1/statuses");
    assert_eq!(
        mastodon[1].header("idempotency-key"),
        Some(format!("sitrep-{}", IDS[1]).as_str())
    );
}

#[test]
fn two_site_folders_sharing_one_target_never_post_an_update_twice() {
    let server = Server::start();
    let dir = tempfile::tempdir().expect("tempdir");
    let target = dir.path().join("www");
    let publish = format!(
        "publish:\n  - folder: {{ path: \"{}\" }}\n",
        target.display()
    );
    let events = [("2026-11-28-outage.md", OUTAGE), ("2026-10-01-old.md", OLD)];
    let alice = dir.path().join("alice");
    let bob = dir.path().join("bob");
    Site::write(&alice, &server, &publish, &events);
    Site::write(&bob, &server, &publish, &events);
    let run = |root: &Path, args: &[&str]| {
        let out = Command::new(env!("CARGO_BIN_EXE_sitrep"))
            .args(args)
            .args(["--root", root.to_str().expect("utf-8"), "--now", NOW])
            .envs(server.env())
            .output()
            .expect("run sitrep");
        assert!(out.status.success(), "{args:?} failed:\n{}", stderr(&out));
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    // Alice publishes, which announces.
    let stdout = run(&alice, &["publish"]);
    assert!(stdout.contains("Announced 25 messages"), "{stdout}");
    assert!(target.join(".sitrep-announced.json").exists());
    assert!(
        !alice.join(".sitrep-announced.json").exists(),
        "kept at the target, not locally"
    );
    // Bob, on another machine, publishes the same site and announces: nothing is posted twice.
    let stdout = run(&bob, &["publish"]);
    assert!(stdout.contains("Announced 0 messages"), "{stdout}");
    let stdout = run(&bob, &["announce"]);
    assert!(stdout.contains("Announced 0 messages"), "{stdout}");
    assert_eq!(
        server.delivered().len(),
        26,
        "25 messages and one Bluesky session"
    );
    // The record survived Bob's publish replacing the folder.
    let ledger: Value = serde_json::from_slice(
        &std::fs::read(target.join(".sitrep-announced.json")).expect("ledger"),
    )
    .expect("JSON");
    assert!(ledger["lease"].is_null(), "no lease left behind: {ledger}");
    assert_eq!(ledger["channels"].as_object().map(|c| c.len()), Some(7));
}

#[test]
fn two_site_folders_sharing_a_git_branch_never_post_an_update_twice() {
    if Command::new("git").arg("--version").output().is_err() {
        eprintln!("skipped: git is not installed");
        return;
    }
    let server = Server::start();
    let dir = tempfile::tempdir().expect("tempdir");
    let remote = dir.path().join("remote.git");
    let status = Command::new("git")
        .args(["init", "-q", "--bare"])
        .arg(&remote)
        .status()
        .expect("git init");
    assert!(status.success());
    let publish = format!(
        "publish:\n  - git: {{ remote: \"{}\" }}\n",
        remote.display()
    );
    let events = [("2026-11-28-outage.md", OUTAGE)];
    let (alice, bob) = (dir.path().join("alice"), dir.path().join("bob"));
    Site::write(&alice, &server, &publish, &events);
    Site::write(&bob, &server, &publish, &events);
    let run = |root: &Path, args: &[&str]| {
        let out = Command::new(env!("CARGO_BIN_EXE_sitrep"))
            .args(args)
            .args(["--root", root.to_str().expect("utf-8"), "--now", NOW])
            .envs(server.env())
            .env("GIT_AUTHOR_NAME", "t")
            .env("GIT_AUTHOR_EMAIL", "t@localhost")
            .env("GIT_COMMITTER_NAME", "t")
            .env("GIT_COMMITTER_EMAIL", "t@localhost")
            .output()
            .expect("run sitrep");
        assert!(out.status.success(), "{args:?} failed:\n{}", stderr(&out));
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let stdout = run(&alice, &["publish"]);
    assert!(stdout.contains("Announced 25 messages"), "{stdout}");
    let stdout = run(&bob, &["publish"]);
    assert!(stdout.contains("Announced 0 messages"), "{stdout}");
    assert_eq!(
        server.delivered().len(),
        26,
        "25 messages and one Bluesky session"
    );
    let shown = Command::new("git")
        .arg("--git-dir")
        .arg(&remote)
        .args(["show", "gh-pages:.sitrep-announced.json"])
        .output()
        .expect("git show");
    assert!(shown.status.success(), "the record is on the branch");
    let listed = Command::new("git")
        .arg("--git-dir")
        .arg(&remote)
        .args(["show", "gh-pages:index.html"])
        .output()
        .expect("git show");
    assert!(listed.status.success(), "the site is still on the branch");
}

#[test]
fn a_missing_secret_or_unknown_channel_is_located_in_site_yaml() {
    let server = Server::start();
    let site = outage_site(&server);
    let out = site
        .command(&server, &["announce"])
        .env_remove("T_X_TOKEN")
        .env("T_X_TOKN", "set under a misspelt name")
        .output()
        .expect("run");
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("site.yaml:15:21: the environment variable `T_X_TOKEN` is not set"),
        "{err}"
    );
    assert!(err.contains("did you mean `T_X_TOKN`?"), "{err}");
    assert!(server.delivered().is_empty(), "nothing sent");

    let yaml = std::fs::read_to_string(site.root.join("site.yaml")).expect("read");
    std::fs::write(
        site.root.join("site.yaml"),
        yaml.replace("  - mastodon:", "  - mastodn:"),
    )
    .expect("write");
    let out = site.run(&server, &["announce"]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("site.yaml:13:5: unknown value `mastodn`"),
        "{err}"
    );
    assert!(err.contains("did you mean `mastodon`?"), "{err}");
}

#[test]
fn dry_run_shows_the_messages_and_sends_or_records_nothing() {
    let server = Server::start();
    let site = outage_site(&server);
    let out = site
        .command(&server, &["announce", "--dry-run"])
        .env_remove("T_X_TOKEN")
        .output()
        .expect("run");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout.contains("  | Identified: Packet loss at the upstream switch"),
        "{stdout}"
    );
    assert!(stdout.contains("25 messages would be sent"), "{stdout}");
    assert!(server.delivered().is_empty());
    assert!(!site.root.join(".sitrep-announced.json").exists());
}

#[test]
fn two_people_announcing_at_once_through_one_bucket_post_each_update_once() {
    let Some(s3) = crate::publish::S3Server::start() else {
        return;
    };
    let server = Server::start();
    let dir = tempfile::tempdir().expect("tempdir");
    let publish = format!(
        "publish:\n  - s3: {{ bucket: status, endpoint: \"{}\", region: us-east-1 }}\n",
        s3.endpoint
    );
    let events = [("2026-11-28-outage.md", OUTAGE)];
    let (alice, bob) = (dir.path().join("alice"), dir.path().join("bob"));
    Site::write(&alice, &server, &publish, &events);
    Site::write(&bob, &server, &publish, &events);
    let command = |root: &Path, args: &[&str]| {
        let mut command = Command::new(env!("CARGO_BIN_EXE_sitrep"));
        command
            .args(args)
            .args(["--root", root.to_str().expect("utf-8"), "--now", NOW])
            .envs(server.env())
            .env("AWS_ACCESS_KEY_ID", "AKTEST")
            .env("AWS_SECRET_ACCESS_KEY", "SKTEST-secret")
            .env_remove("SOURCE_DATE_EPOCH");
        command
    };
    let out = command(&alice, &["publish", "--no-announce"])
        .output()
        .expect("publish");
    assert!(out.status.success(), "{}", stderr(&out));
    // Both announce at the same moment: the record's conditional writes let one through.
    let spawn = |root: &Path| {
        command(root, &["announce"])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("announce")
    };
    let (a, b) = (spawn(&alice), spawn(&bob));
    let (a, b) = (
        a.wait_with_output().expect("alice"),
        b.wait_with_output().expect("bob"),
    );
    let succeeded = [&a, &b].iter().filter(|o| o.status.success()).count();
    assert!(succeeded >= 1, "{}\n{}", stderr(&a), stderr(&b));
    for out in [&a, &b].iter().filter(|o| !o.status.success()) {
        let err = stderr(out);
        assert!(
            err.contains("under way since") || err.contains("changed while"),
            "{err}"
        );
    }
    // Whoever lost runs again and finds everything told.
    let again = command(&bob, &["announce"]).output().expect("bob again");
    assert!(again.status.success(), "{}", stderr(&again));
    let stdout = String::from_utf8_lossy(&again.stdout);
    assert!(stdout.contains("Announced 0 messages"), "{stdout}");
    let posts: Vec<Request> = server
        .delivered()
        .into_iter()
        .filter(|r| !r.path.ends_with("createSession"))
        .collect();
    assert_eq!(posts.len(), 25, "every message once");
    assert!(s3.bucket().join(".sitrep-announced.json").is_file());
}

#[test]
fn maintenance_notices_and_post_mortems_are_announced_in_the_sites_language() {
    let server = Server::start();
    let maintenance = r#"---
title: Database upgrade
kind: maintenance
components:
  db: under_maintenance
scheduled: { start: "2026-11-29 02:00", end: "2026-11-29 04:00" }
timeline:
  - at: 2026-11-28T08:00:00Z
    status: scheduled
    message: The database moves to new disks.
---
"#;
    let notice = r#"---
title: New help desk hours
kind: notice
timeline:
  - at: 2026-11-28T08:30:00Z
    status: posted
    message: The help desk now answers until 22:00.
---
"#;
    let postmortem = OUTAGE.replace(
        "    message: The provider replaced the switch.\n",
        "    message: The provider replaced the switch.\n  - at: 2026-11-28T10:15:00Z\n    status: postmortem\n    message: We published what happened.\n",
    ) + "## What happened\n\nA switch failed.\n";
    let site = Site::new(
        &server,
        "language: fr\n",
        &[
            ("2026-11-29-db.md", maintenance),
            ("2026-11-28-notice.md", notice),
            ("2026-11-28-outage.md", &postmortem),
        ],
    );
    site.announce(&server);
    let webhook = server.to("/webhook");
    for body in webhook.iter().map(|r| &r.body) {
        assert_valid("statuspage-webhook.schema.json", body);
    }
    let incidents: Vec<&Value> = webhook
        .iter()
        .filter_map(|r| r.body.get("incident"))
        .collect();
    let names: Vec<(&str, &str)> = incidents
        .iter()
        .map(|i| {
            (
                i["name"].as_str().unwrap_or_default(),
                i["status"].as_str().unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(
        names,
        [
            ("Database upgrade", "scheduled"),
            ("New help desk hours", "resolved"),
            ("Packet loss at the upstream switch", "investigating"),
            ("Packet loss at the upstream switch", "identified"),
            ("Packet loss at the upstream switch", "resolved"),
            ("Packet loss at the upstream switch", "postmortem"),
        ],
        "oldest first, every kind"
    );
    assert_eq!(incidents[0]["scheduled_for"], "2026-11-29T02:00:00+00:00");
    assert_eq!(incidents[0]["impact"], "maintenance");
    assert_eq!(
        incidents[5]["postmortem_body"].as_str().map(str::trim),
        Some("## What happened\n\nA switch failed.")
    );
    assert_eq!(
        incidents[5]["postmortem_published_at"],
        "2026-11-28T10:15:00+00:00"
    );
    messages_are_worded_in_french(&server);
}

/// The words around the message are the site's language (here French), on every channel.
fn messages_are_worded_in_french(server: &Server) {
    let mastodon = server.to("/mastodon/api/v1/statuses");
    let first: Vec<&str> = mastodon
        .iter()
        .map(|r| {
            r.body["status"]
                .as_str()
                .unwrap_or_default()
                .lines()
                .next()
                .unwrap_or_default()
        })
        .collect();
    assert_eq!(first[0], "Planifiée\u{a0}: Database upgrade", "{first:?}");
    assert_eq!(mastodon[0].body["language"], "fr");
    let teams = server.to("/teams");
    assert_eq!(
        teams[0].body["attachments"][0]["content"]["actions"][0]["title"],
        "Voir cette mise à jour"
    );
    for body in teams.iter().map(|r| &r.body) {
        assert_valid("teams-workflow-message.schema.json", body);
    }
    for body in server.to("/discord").iter().map(|r| &r.body) {
        assert_valid("discord-execute-webhook.schema.json", body);
    }
    for body in server.to("/slack").iter().map(|r| &r.body) {
        assert_valid("slack-incoming-webhook.schema.json", body);
    }
}
