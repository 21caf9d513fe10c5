//! The email channel against a real SMTP server (aiosmtpd, started here on 127.0.0.1 by
//! tests/announce/smtp_server.py), its messages read back by Python's `email` package
//! (tests/announce/read_mail.py); per-component routing; X's OAuth 1.0a signature,
//! recomputed by Python's standard library from the known secrets.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use super::fake::{IDS, NOW, OLD, OUTAGE, Server};
use crate::support::stderr;

const SITE: &str = "title: Example Status\nbase_url: https://status.example.com/\ncomponents:\n  - id: web\n    name: Website\n  - id: db\n    name: Database\n";

/// The outage's title with emoji and right-to-left text, as a subject must carry them.
const TITLE: &str = "Packet loss 🔥 at the upstream switch — عطل في الشبكة";

/// An incident that touches the website alone.
const WEB_ONLY: &str = r#"---
title: Website slow
components:
  web: degraded_performance
timeline:
  - at: 2026-11-28T10:10:00Z
    status: investigating
    message: Pages load slowly.
---
"#;

const SKIP: &str =
    "skipped: Python's aiosmtpd is not installed (.ci/run installs it: pip install aiosmtpd)";

fn scripts() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/announce")
}

/// An aiosmtpd server keeping what it takes in; stopped when dropped.
struct Smtp {
    child: Child,
    dir: tempfile::TempDir,
    port: u16,
}

impl Smtp {
    /// The server, or `None` where aiosmtpd is not installed (the test then says [`SKIP`]).
    fn start() -> Option<Smtp> {
        Self::start_on(None)
    }

    /// As [`Smtp::start`], listening on `port` when given.
    fn start_on(port: Option<u16>) -> Option<Smtp> {
        if !Self::available() {
            return None;
        }
        let dir = tempfile::tempdir().expect("tempdir");
        let child = Command::new("python3")
            .arg(scripts().join("smtp_server.py"))
            .arg(dir.path())
            .args(port.map(|p| p.to_string()))
            .spawn()
            .expect("start smtp_server.py");
        let deadline = Instant::now() + Duration::from_secs(20);
        let port = loop {
            if let Some(port) = std::fs::read_to_string(dir.path().join("port"))
                .ok()
                .and_then(|p| p.trim().parse().ok())
            {
                break port;
            }
            assert!(Instant::now() < deadline, "the SMTP server did not start");
            std::thread::sleep(Duration::from_millis(50));
        };
        Some(Smtp { child, dir, port })
    }

    /// Whether Python's aiosmtpd is installed.
    fn available() -> bool {
        Command::new("python3")
            .args(["-c", "import aiosmtpd"])
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    }

    /// How the server misbehaves from now on: `{}` heals it.
    fn mode(&self, mode: &str) {
        std::fs::write(self.dir.path().join("mode.json"), mode).expect("write mode");
    }

    /// Every message taken in, as Python's `email` package reads it.
    fn messages(&self) -> Vec<Value> {
        let out = Command::new("python3")
            .arg(scripts().join("read_mail.py"))
            .arg(self.dir.path())
            .output()
            .expect("run read_mail.py");
        assert!(out.status.success(), "{}", stderr(&out));
        let parsed: Value = serde_json::from_slice(&out.stdout).expect("JSON");
        parsed.as_array().cloned().unwrap_or_default()
    }

    /// The server's log: one entry per EHLO, refusal, drop and message taken.
    fn log(&self) -> Vec<Value> {
        std::fs::read_to_string(self.dir.path().join("log.jsonl"))
            .unwrap_or_default()
            .lines()
            .map(|l| serde_json::from_str(l).expect("log line"))
            .collect()
    }

    fn sessions(&self) -> usize {
        let mut seen: Vec<u64> = self
            .log()
            .iter()
            .filter_map(|e| e["session"].as_u64())
            .collect();
        seen.sort_unstable();
        seen.dedup();
        seen.len()
    }
}

impl Drop for Smtp {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

struct EmailSite {
    _dir: tempfile::TempDir,
    root: PathBuf,
}

impl EmailSite {
    fn new(head: &str, announce: &str, events: &[(&str, &str)]) -> EmailSite {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path().join("site");
        std::fs::create_dir_all(root.join("incidents")).expect("mkdir");
        std::fs::write(
            root.join("site.yaml"),
            format!("{head}announce:\n{announce}"),
        )
        .expect("site.yaml");
        for (name, text) in events {
            std::fs::write(root.join("incidents").join(name), text).expect("event");
        }
        EmailSite { _dir: dir, root }
    }

    fn announce(&self, env: &[(String, String)], args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_sitrep"))
            .arg("announce")
            .args(args)
            .args(["--root", self.root.to_str().expect("utf-8"), "--now", NOW])
            .envs(env.iter().cloned())
            .output()
            .expect("run sitrep")
    }
}

fn outage_with_title() -> String {
    OUTAGE.replace("Packet loss at the upstream switch", TITLE)
}

fn email_channel(smtp: &Smtp, to: &str, extra: &str) -> String {
    format!(
        "  - email: {{ server: 127.0.0.1, port: {}, tls: none, from: \"Example Status <status@example.com>\", to: [{to}]{extra} }}\n",
        smtp.port
    )
}

fn part<'m>(message: &'m Value, kind: &str) -> &'m str {
    message["parts"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|p| p["type"] == kind)
        .and_then(|p| p["text"].as_str())
        .unwrap_or_else(|| panic!("no {kind} part in {message:#}"))
}

#[test]
fn every_update_reaches_the_list_once_threaded_with_both_parts_over_one_session() {
    let Some(smtp) = Smtp::start() else {
        eprintln!("{SKIP}");
        return;
    };
    let outage = outage_with_title();
    let site = EmailSite::new(
        SITE,
        &email_channel(&smtp, "customers@lists.example.org", ""),
        &[
            ("2026-11-28-outage.md", &outage),
            ("2026-10-01-old.md", OLD),
        ],
    );
    let out = site.announce(&[], &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    let messages = smtp.messages();
    assert_eq!(
        messages.len(),
        3,
        "three updates today; last month's is history"
    );
    assert_eq!(
        smtp.sessions(),
        1,
        "one SMTP session for the whole announce: {:?}",
        smtp.log()
    );

    let subjects: Vec<&str> = messages
        .iter()
        .map(|m| m["subject"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(
        subjects,
        [
            format!("Investigating: {TITLE}"),
            format!("Identified: {TITLE}"),
            format!("Resolved: {TITLE}"),
        ]
    );
    each_message_is_threaded_with_both_parts(&messages);

    let again = site.announce(&[], &[]);
    assert!(again.status.success(), "{}", stderr(&again));
    assert_eq!(smtp.messages().len(), 3, "nothing is sent twice");
    assert_eq!(smtp.sessions(), 1, "nothing to send opens no session");
}

/// Every message from the site, threaded under the first, its text and HTML parts linking to
/// its update; the first two saying what they affect.
fn each_message_is_threaded_with_both_parts(messages: &[serde_json::Value]) {
    let ids: Vec<String> = IDS
        .iter()
        .map(|id| format!("<{id}@status.example.com>"))
        .collect();
    for (i, message) in messages.iter().enumerate() {
        assert_eq!(message["defects"], serde_json::json!([]), "{message:#}");
        assert_eq!(message["from"], "Example Status <status@example.com>");
        assert_eq!(message["to"], "customers@lists.example.org");
        assert_eq!(message["content_type"], "multipart/alternative");
        assert_eq!(message["message_id"], ids[i].as_str());
        let threaded = (i > 0).then(|| ids[0].clone());
        assert_eq!(
            message["in_reply_to"].as_str(),
            threaded.as_deref(),
            "{message:#}"
        );
        assert_eq!(
            message["references"].as_str(),
            threaded.as_deref(),
            "{message:#}"
        );
        let link = format!(
            "https://status.example.com/incidents/2026-11-28-outage/#update-{}",
            IDS[i].trim_start_matches("2026-11-28-outage-")
        );
        assert!(part(message, "text/plain").contains(&link), "{message:#}");
        assert!(
            part(message, "text/html").contains(&format!("href=\"{link}\"")),
            "{message:#}"
        );
    }
    let first_text = part(&messages[0], "text/plain");
    assert!(
        first_text.starts_with("Some visitors see slow pages & timeouts."),
        "{first_text}"
    );
    assert!(
        first_text.contains("Affected components\n- Website: Partial outage"),
        "{first_text}"
    );
    let first_html = part(&messages[0], "text/html");
    assert!(
        first_html.contains("<strong>slow pages</strong> &amp; timeouts"),
        "{first_html}"
    );
    assert!(
        first_html.contains("<li>Website: Partial outage</li>"),
        "{first_html}"
    );
    let second = part(&messages[1], "text/plain");
    assert!(
        second.contains("- Database: Degraded performance"),
        "{second}"
    );
}

#[test]
fn a_french_site_writes_its_mail_in_french_and_dry_run_shows_it_unsent() {
    let Some(smtp) = Smtp::start() else {
        eprintln!("{SKIP}");
        return;
    };
    let site = EmailSite::new(
        &format!("{SITE}language: fr\n"),
        &email_channel(&smtp, "clients@lists.example.org", ""),
        &[("2026-11-28-outage.md", OUTAGE)],
    );
    let dry = site.announce(&[], &["--dry-run"]);
    assert!(dry.status.success(), "{}", stderr(&dry));
    let shown = String::from_utf8_lossy(&dry.stdout);
    assert!(
        shown.contains("Subject: Enquête en cours\u{a0}: Packet loss at the upstream switch"),
        "{shown}"
    );
    assert!(shown.contains("To: clients@lists.example.org"), "{shown}");
    assert!(smtp.log().is_empty(), "a dry run connects to nothing");

    let out = site.announce(&[], &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    let messages = smtp.messages();
    assert_eq!(messages.len(), 3);
    assert_eq!(
        messages[2]["subject"],
        "Résolu\u{a0}: Packet loss at the upstream switch"
    );
    let text = part(&messages[0], "text/plain");
    assert!(
        text.contains("Composants touchés\n- Website: Panne partielle"),
        "{text}"
    );
    assert!(text.contains("Voir cette mise à jour: https://"), "{text}");
    assert!(part(&messages[0], "text/html").contains("<html lang=\"fr\">"));
}

#[test]
fn a_refused_recipient_or_a_dropped_connection_is_reported_and_sent_next_time_once() {
    let Some(smtp) = Smtp::start() else {
        eprintln!("{SKIP}");
        return;
    };
    let site = EmailSite::new(
        SITE,
        &email_channel(&smtp, "customers@lists.example.org", ""),
        &[("2026-11-28-outage.md", OUTAGE)],
    );
    smtp.mode(r#"{"refuse": ["customers@lists.example.org"]}"#);
    let refused = site.announce(&[], &[]);
    assert_eq!(refused.status.code(), Some(1), "{}", stderr(&refused));
    let said = stderr(&refused);
    assert!(
        said.contains("email to customers@lists.example.org"),
        "{said}"
    );
    assert!(
        said.contains("550"),
        "the server's answer is quoted: {said}"
    );
    assert!(
        said.contains("3 messages will be sent by the next announce"),
        "{said}"
    );
    assert!(smtp.messages().is_empty());

    smtp.mode(r#"{"drop_data": true}"#);
    let dropped = site.announce(&[], &[]);
    assert_eq!(dropped.status.code(), Some(1), "{}", stderr(&dropped));
    assert!(
        stderr(&dropped).contains("3 messages will be sent by the next announce"),
        "{}",
        stderr(&dropped)
    );
    assert!(smtp.messages().is_empty());
    assert_eq!(
        smtp.sessions(),
        2,
        "one session per announce, none again after a failure"
    );

    smtp.mode("{}");
    let healed = site.announce(&[], &[]);
    assert!(healed.status.success(), "{}", stderr(&healed));
    let ids: Vec<String> = smtp
        .messages()
        .iter()
        .map(|m| m["message_id"].as_str().unwrap_or("").to_string())
        .collect();
    assert_eq!(ids.len(), 3, "{ids:?}");
    let expected: Vec<String> = IDS
        .iter()
        .map(|id| format!("<{id}@status.example.com>"))
        .collect();
    assert_eq!(ids, expected, "each update once, in order");
    let again = site.announce(&[], &[]);
    assert!(again.status.success());
    assert_eq!(smtp.messages().len(), 3);
}

#[test]
fn a_server_not_up_yet_is_tried_again_as_the_retry_policy_says() {
    if !Smtp::available() {
        eprintln!("{SKIP}");
        return;
    }
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let channel = format!(
        "  - email: {{ server: 127.0.0.1, port: {port}, tls: none, from: status@example.com, to: [customers@lists.example.org] }}\n"
    );
    let site = EmailSite::new(SITE, &channel, &[("2026-11-28-outage.md", OUTAGE)]);
    let announce = Command::new(env!("CARGO_BIN_EXE_sitrep"))
        .args([
            "announce",
            "--root",
            site.root.to_str().expect("utf-8"),
            "--now",
            NOW,
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run sitrep");
    // The first try is refused; the server is up before the second (after 0.5 s).
    std::thread::sleep(Duration::from_millis(200));
    let smtp = Smtp::start_on(Some(port)).expect("aiosmtpd");
    let out = announce.wait_with_output().expect("announce");
    assert!(out.status.success(), "{}", stderr(&out));
    let said = format!("{}{}", String::from_utf8_lossy(&out.stdout), stderr(&out));
    assert!(
        said.contains("Connection refused") && said.contains("trying again"),
        "the retry is reported: {said}"
    );
    assert_eq!(smtp.messages().len(), 3);
    assert_eq!(smtp.sessions(), 1);
}

#[test]
fn channels_for_some_components_get_only_the_events_that_touch_them() {
    let Some(smtp) = Smtp::start() else {
        eprintln!("{SKIP}");
        return;
    };
    let server = Server::start();
    let announce = format!(
        "{}{}  - webhook: {{ url_env: T_WEBHOOK_URL, components: [db] }}\n  - slack: {{ url_env: T_SLACK_URL, components: [web] }}\n",
        email_channel(&smtp, "dba@example.org", ", components: [db]"),
        email_channel(&smtp, "web@example.org", ", components: [web]"),
    );
    let site = EmailSite::new(
        SITE,
        &announce,
        &[
            ("2026-11-28-outage.md", OUTAGE),
            ("2026-11-28-web.md", WEB_ONLY),
        ],
    );
    let out = site.announce(&server.env(), &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    let to = |address: &str| -> Vec<String> {
        smtp.messages()
            .iter()
            .filter(|m| m["to"] == address)
            .map(|m| m["subject"].as_str().unwrap_or("").to_string())
            .collect()
    };
    assert_eq!(
        to("dba@example.org"),
        [
            "Investigating: Packet loss at the upstream switch",
            "Identified: Packet loss at the upstream switch",
            "Resolved: Packet loss at the upstream switch"
        ],
        "the outage touches the database in its second update: all of it is for the DBAs"
    );
    assert_eq!(
        to("web@example.org"),
        [
            "Investigating: Packet loss at the upstream switch",
            "Identified: Packet loss at the upstream switch",
            "Resolved: Packet loss at the upstream switch",
            "Investigating: Website slow"
        ]
    );
    assert_eq!(smtp.sessions(), 2, "one session per email channel");

    let webhook = server.to("/webhook");
    let incidents: Vec<&str> = webhook
        .iter()
        .filter_map(|r| r.body["incident"]["name"].as_str())
        .collect();
    assert_eq!(incidents, ["Packet loss at the upstream switch"; 3]);
    let components: Vec<&str> = webhook
        .iter()
        .filter_map(|r| r.body["component_update"]["component_id"].as_str())
        .collect();
    assert_eq!(
        components,
        ["db", "db"],
        "only the database's changes, not the website's"
    );
    let slack: Vec<&str> = server
        .to("/slack")
        .iter()
        .filter_map(|r| r.body["blocks"][0]["text"]["text"].as_str())
        .map(|s| {
            if s.contains("Website slow") {
                "web"
            } else {
                "outage"
            }
        })
        .collect();
    assert_eq!(slack, ["outage", "outage", "outage", "web"]);
}

/// The OAuth 1.0a signature of a request, computed by Python's standard library alone
/// (RFC 5849, section 3.4: the base string of the method, the address and the sorted,
/// percent-encoded parameters; HMAC-SHA1 keyed by both secrets).
fn python_signature(
    url: &str,
    params: &[(String, String)],
    consumer_secret: &str,
    token_secret: &str,
) -> String {
    let script = r#"
import base64, hashlib, hmac, json, sys
from urllib.parse import quote
url, params, cs, ts = json.loads(sys.stdin.read())
enc = lambda s: quote(s, safe="-._~")
pairs = sorted((enc(k), enc(v)) for k, v in params)
base = "&".join(["POST", enc(url), enc("&".join(f"{k}={v}" for k, v in pairs))])
key = enc(cs) + "&" + enc(ts)
print(base64.b64encode(hmac.new(key.encode(), base.encode(), hashlib.sha1).digest()).decode())
"#;
    let mut child = Command::new("python3")
        .args(["-c", script])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("python3");
    let input = serde_json::json!([url, params, consumer_secret, token_secret]).to_string();
    std::io::Write::write_all(child.stdin.as_mut().expect("stdin"), input.as_bytes())
        .expect("write");
    let out = child.wait_with_output().expect("python3");
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// `OAuth k="v", …` as (key, value) pairs, values percent-decoded.
fn oauth_params(header: &str) -> Vec<(String, String)> {
    header
        .trim_start_matches("OAuth ")
        .split(',')
        .filter_map(|pair| pair.trim().split_once('='))
        .map(|(k, v)| {
            let v = v.trim_matches('"');
            let decoded =
                url::form_urlencoded::parse(format!("x={}", v.replace('+', "%2B")).as_bytes())
                    .next()
                    .map(|(_, v)| v.into_owned())
                    .unwrap_or_default();
            (k.to_string(), decoded)
        })
        .collect()
}

#[test]
fn x_posts_are_signed_with_oauth1_as_an_independent_implementation_computes_it() {
    let have_python = Command::new("python3").arg("--version").output().is_ok();
    if !have_python {
        eprintln!("skipped: python3 is not installed");
        return;
    }
    let server = Server::start();
    let site = EmailSite::new(
        SITE,
        &format!(
            "  - x: {{ consumer_key_env: T_X_CK, consumer_secret_env: T_X_CS, access_token_env: T_X_AT, access_secret_env: T_X_AS, api: \"{}/x\" }}\n",
            server.base
        ),
        &[("2026-11-28-outage.md", OUTAGE)],
    );
    let secrets = [
        ("T_X_CK", "xvz1evFS4wEEPTGEFPHBog"),
        ("T_X_CS", "kAcSOqF21Fu85e7zjz7ZN2U4ZRhfV3WpwPAoE3Z7kBw"),
        (
            "T_X_AT",
            "370773112-GmHxMAgYyLbNEtIKZeRNFsMKPR9EyMZeS9weJAEb",
        ),
        ("T_X_AS", "LswwdoUaIvS8ltyTt5jkRh4J50vUPVVHtR2YPi5kE"),
    ];
    let env: Vec<(String, String)> = secrets
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let out = site.announce(&env, &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    let posts = server.to("/x/2/tweets");
    assert_eq!(posts.len(), 3);
    let mut nonces = Vec::new();
    for post in &posts {
        let header = post.header("authorization").expect("Authorization");
        assert!(header.starts_with("OAuth "), "{header}");
        let mut params = oauth_params(header);
        let signature = params
            .iter()
            .position(|(k, _)| k == "oauth_signature")
            .map(|i| params.remove(i).1)
            .expect("oauth_signature");
        let get = |key: &str| {
            params
                .iter()
                .find(|(k, _)| k == key)
                .map(|(_, v)| v.as_str())
        };
        assert_eq!(get("oauth_consumer_key"), Some(secrets[0].1));
        assert_eq!(get("oauth_token"), Some(secrets[2].1));
        assert_eq!(get("oauth_signature_method"), Some("HMAC-SHA1"));
        assert_eq!(get("oauth_version"), Some("1.0"));
        let stamp: i64 = get("oauth_timestamp")
            .and_then(|t| t.parse().ok())
            .expect("timestamp");
        assert!(
            (chrono::Utc::now().timestamp() - stamp).abs() < 300,
            "the real clock, not --now"
        );
        nonces.push(get("oauth_nonce").expect("nonce").to_string());
        let url = format!("{}/x/2/tweets", server.base);
        assert_eq!(
            signature,
            python_signature(&url, &params, secrets[1].1, secrets[3].1),
            "{header}"
        );
        assert!(
            post.body["text"]
                .as_str()
                .is_some_and(|t| t.contains("Packet loss"))
        );
    }
    nonces.dedup();
    assert_eq!(nonces.len(), 3, "a fresh nonce for every request");
}
