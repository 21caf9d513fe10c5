//! `sitrep ingest` and `sitrep receive` end to end: each source's fixture (tests/fixtures/ingest/,
//! README there says where each shape comes from) becomes a draft that passes `check`; repeats,
//! clears, flapping, a person's edits, bad tokens and bodies, and two receivers on one site.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use crate::support::{TempSite, fixture, sitrep, snapshot, stderr};

const TOKEN: &str = "test-token-6f1c2b";

fn site_yaml() -> String {
    std::fs::read_to_string(fixture("ingest/site.yaml")).expect("site.yaml fixture")
}

fn payload(name: &str) -> PathBuf {
    fixture("ingest").join(format!("{name}.json"))
}

/// `sitrep ingest --source SOURCE FIXTURE --now NOW`: (exit code, stdout, stderr).
fn ingest(site: &TempSite, source: &str, name: &str, now: &str) -> (i32, String, String) {
    let root = site.root().to_str().expect("utf-8");
    let file = payload(name);
    let output = sitrep(&[
        "ingest",
        "--source",
        source,
        file.to_str().expect("utf-8"),
        "--root",
        root,
        "--now",
        now,
    ]);
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr(&output),
    )
}

/// The event files under incidents/ (not the hidden record), by name.
fn incidents(site: &TempSite) -> Vec<(String, String)> {
    let mut files: Vec<(String, String)> = std::fs::read_dir(site.root().join("incidents"))
        .expect("incidents/")
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".md"))
        .map(|n| {
            let text = std::fs::read_to_string(site.root().join("incidents").join(&n))
                .expect("read incident");
            (n, text)
        })
        .collect();
    files.sort();
    files
}

fn check_passes(site: &TempSite) {
    let output = sitrep(&[
        "check",
        "--root",
        site.root().to_str().expect("utf-8"),
        "--now",
        "2026-11-25 16:00",
    ]);
    assert!(output.status.success(), "check: {}", stderr(&output));
}

#[test]
fn each_sources_fixture_becomes_a_draft_incident_that_passes_check() {
    let cases = [
        (
            "alertmanager",
            "alertmanager-firing",
            "Stable is unreachable",
            "  stable: major_outage",
        ),
        (
            "grafana",
            "grafana-firing",
            "This alert was triggered for zone us-1",
            "  mel: degraded_performance",
        ),
        (
            "uptime-kuma",
            "uptime-kuma-down",
            "Website is down",
            "  web: major_outage",
        ),
        (
            "gatus",
            "gatus-triggered",
            "The API is not answering",
            "  api: partial_outage",
        ),
        (
            "generic",
            "generic-firing",
            "Nightly backups are failing",
            "  db: degraded_performance",
        ),
    ];
    for (source, name, title, component) in cases {
        let site = TempSite::new(&site_yaml());
        let (code, out, err) = ingest(&site, source, name, "2026-11-25 15:30");
        assert_eq!(code, 0, "{source}: {err}");
        assert!(
            out.contains("matched; wrote incidents/") && out.contains("as a draft"),
            "{source}: {out}"
        );
        let files = incidents(&site);
        assert_eq!(files.len(), 1, "{source}: {files:?}");
        let text = &files[0].1;
        assert!(text.starts_with(&format!("---\ntitle: {title}\ndraft: true\ncomponents:\n{component}\ntimeline:\n  - at: 2026-11-25 15:30 +01:00\n    status: investigating\n")), "{source}:\n{text}");
        check_passes(&site);
    }
}

#[test]
fn repeats_change_nothing_and_a_clear_appends_on_resolve_once() {
    let site = TempSite::new(&site_yaml());
    assert_eq!(
        ingest(
            &site,
            "alertmanager",
            "alertmanager-firing",
            "2026-11-25 15:30"
        )
        .0,
        0
    );
    let first = snapshot(site.root());
    // Alertmanager sends the same group again every group_interval and repeat_interval.
    let (code, out, _) = ingest(
        &site,
        "alertmanager",
        "alertmanager-firing",
        "2026-11-25 15:35",
    );
    assert_eq!(code, 0);
    assert!(out.contains("nothing to change: a repeat"), "{out}");
    assert_eq!(snapshot(site.root()), first, "a repeat changed files");

    let (code, out, _) = ingest(
        &site,
        "alertmanager",
        "alertmanager-resolved",
        "2026-11-25 15:40",
    );
    assert_eq!(code, 0);
    assert!(
        out.contains("appended a `monitoring` update (stable=operational)"),
        "{out}"
    );
    let cleared = snapshot(site.root());
    // The resolved notification again, then a late replay of the firing one: nothing.
    ingest(
        &site,
        "alertmanager",
        "alertmanager-resolved",
        "2026-11-25 15:45",
    );
    let (_, out, _) = ingest(
        &site,
        "alertmanager",
        "alertmanager-firing",
        "2026-11-25 15:46",
    );
    assert!(
        out.contains("a replay of alerts whose incident was already cleared"),
        "{out}"
    );
    assert_eq!(
        snapshot(site.root()),
        cleared,
        "a repeat after the clear changed files"
    );
    let files = incidents(&site);
    assert_eq!(files.len(), 1);
    assert_eq!(
        files[0].1.matches("status: monitoring").count(),
        1,
        "{}",
        files[0].1
    );
    assert!(
        files[0]
            .1
            .contains("    components:\n      stable: operational\n")
    );
    check_passes(&site);
}

#[test]
fn a_rule_with_on_resolve_resolved_resolves_and_each_source_clears() {
    for (source, down, up, status) in [
        (
            "uptime-kuma",
            "uptime-kuma-down",
            "uptime-kuma-up",
            "resolved",
        ),
        ("gatus", "gatus-triggered", "gatus-resolved", "monitoring"),
        (
            "generic",
            "generic-firing",
            "generic-resolved",
            "monitoring",
        ),
        (
            "grafana",
            "grafana-firing",
            "grafana-resolved",
            "monitoring",
        ),
    ] {
        let site = TempSite::new(&site_yaml());
        ingest(&site, source, down, "2026-11-25 15:30");
        let (code, out, err) = ingest(&site, source, up, "2026-11-25 15:50");
        assert_eq!(code, 0, "{err}");
        assert!(
            out.contains(&format!("appended a `{status}` update")),
            "{source}: {out}"
        );
        check_passes(&site);
    }
}

#[test]
fn flapping_within_after_writes_no_incident_and_a_later_payload_counts() {
    let yaml = site_yaml().replace(
        "    - match: { alertname: BackupFailed }\n      component: db\n",
        "    - match: { alertname: BackupFailed }\n      after: 10m\n      component: db\n",
    );
    let site = TempSite::new(&yaml);
    // The fixture's alert started at 03:00 UTC (04:00 in Berlin): 2 minutes before, not 10.
    let (code, out, _) = ingest(&site, "generic", "generic-firing", "2026-11-25 04:02");
    assert_eq!(code, 0);
    assert!(
        out.contains(
            "rule 5 matched, but counts only after its `after:` (480 s to go); nothing written"
        ),
        "{out}"
    );
    let (_, out, _) = ingest(&site, "generic", "generic-resolved", "2026-11-25 04:03");
    assert!(out.contains("nothing to change: cleared"), "{out}");
    assert!(
        incidents(&site).is_empty(),
        "flapping wrote {:?}",
        incidents(&site)
    );
    // Firing on, past its 10 minutes: now it counts.
    let (_, out, _) = ingest(&site, "generic", "generic-firing", "2026-11-25 04:11");
    assert!(out.contains("rule 5 matched; wrote"), "{out}");
    assert_eq!(incidents(&site).len(), 1);
}

#[test]
fn unmatched_alerts_are_logged_and_never_written() {
    let site = TempSite::new(
        &site_yaml().replace("instance: \"stable:9100\"", "instance: \"other:9100\""),
    );
    let (code, out, _) = ingest(
        &site,
        "alertmanager",
        "alertmanager-firing",
        "2026-11-25 15:30",
    );
    assert_eq!(code, 0);
    assert!(out.contains("ignored: no rule matches the alert's labels {alertname=\"HostDown\", instance=\"stable:9100\""), "{out}");
    assert!(incidents(&site).is_empty());
    let (_, out, _) = ingest(&site, "uptime-kuma", "uptime-kuma-test", "2026-11-25 15:30");
    assert!(
        out.contains("ignored: a message without a monitor"),
        "{out}"
    );
    assert!(!site.root().join("incidents/.sitrep-ingest.json").exists());
}

#[test]
fn a_malformed_payload_is_refused_with_nothing_written() {
    let site = TempSite::new(&site_yaml());
    let before = snapshot(site.root());
    // Uptime Kuma's payload sent to the Alertmanager endpoint.
    let (code, _, err) = ingest(
        &site,
        "alertmanager",
        "uptime-kuma-down",
        "2026-11-25 15:30",
    );
    assert_eq!(code, 1);
    assert!(err.contains("the body is not alertmanager's payload: not the JSON expected: missing field `groupKey`"), "{err}");
    assert_eq!(snapshot(site.root()), before);
}

/// The incident's text with the update sitrep appended taken out.
fn without_appended_update(text: &str, status: &str) -> String {
    let marker = format!("    status: {status}\n");
    let at = text.find(&marker).expect("appended update");
    let start = text[..at].rfind("  - at: ").expect("its at line");
    let end = start + text[start..].find("\n---\n").expect("end of front matter") + 1;
    format!("{}{}", &text[..start], &text[end..])
}

#[test]
fn an_incident_a_person_edited_keeps_their_words() {
    let site = TempSite::new(&site_yaml());
    ingest(
        &site,
        "alertmanager",
        "alertmanager-firing",
        "2026-11-25 15:30",
    );
    let (name, text) = incidents(&site).remove(0);
    let path = site.root().join("incidents").join(&name);
    // A person publishes it, rewrites the title and message, adds a comment and an update.
    let edited = text
        .replace("draft: true\n", "# checked by Ana\n")
        .replace("title: Stable is unreachable", "title: 'Stable: sites unreachable'")
        .replace(
            "    message: We are investigating a problem affecting Stable.\n",
            "    message: >-\n      Sites on Stable do not load. We are on it.\n  - at: 2026-11-25 15:35\n    status: identified\n    message: A switch failed.\n",
        );
    std::fs::write(&path, &edited).expect("edit");
    let (code, out, err) = ingest(
        &site,
        "alertmanager",
        "alertmanager-resolved",
        "2026-11-25 15:50",
    );
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("appended a `monitoring` update"), "{out}");
    let after = std::fs::read_to_string(&path).expect("read");
    assert_eq!(
        without_appended_update(&after, "monitoring"),
        edited,
        "{after}"
    );
    check_passes(&site);

    // Resolved by hand, then the alert fires and clears again: the person's resolution stands.
    let site = TempSite::new(&site_yaml());
    ingest(
        &site,
        "alertmanager",
        "alertmanager-firing",
        "2026-11-25 15:30",
    );
    let (name, text) = incidents(&site).remove(0);
    let path = site.root().join("incidents").join(&name);
    let resolved = text.replace(
        "affecting Stable.\n",
        "affecting Stable.\n  - at: 2026-11-25 15:40\n    status: resolved\n    message: Fixed.\n",
    );
    std::fs::write(&path, &resolved).expect("edit");
    let (_, out, _) = ingest(
        &site,
        "alertmanager",
        "alertmanager-resolved",
        "2026-11-25 15:50",
    );
    assert!(
        out.contains("left as it is: a person has resolved it already"),
        "{out}"
    );
    assert_eq!(std::fs::read_to_string(&path).expect("read"), resolved);
}

/// `sitrep receive` on an ephemeral port, stopped when the test ends.
struct Receiver {
    child: Child,
    base: String,
}

impl Drop for Receiver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn receive(root: &Path, env: &[(&str, &str)]) -> Receiver {
    let mut command = Command::new(env!("CARGO_BIN_EXE_sitrep"));
    command
        .args(["receive", "--port", "0", "--root"])
        .arg(root)
        .env("SITREP_INGEST_TOKEN", TOKEN)
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    for (k, v) in env {
        command.env(k, v);
    }
    let mut child = command.spawn().expect("start sitrep receive");
    let stdout = child.stdout.take().expect("stdout");
    let mut lines = BufReader::new(stdout).lines();
    let first = lines.next().expect("a line").expect("utf-8");
    let base = first
        .strip_prefix("Receiving alerts at ")
        .and_then(|r| r.split_whitespace().next())
        .unwrap_or_else(|| panic!("unexpected first line {first}"))
        .trim_end_matches('/')
        .to_string();
    // Keep reading, so the receiver never blocks on a full pipe.
    std::thread::spawn(move || for _ in lines {});
    Receiver { child, base }
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(20)))
        .build()
        .into()
}

/// POSTs `body` to `path` with `token` (none: no Authorization header): (status, body).
fn post(
    receiver: &Receiver,
    path: &str,
    token: Option<&str>,
    body: &[u8],
    headers: &[(&str, &str)],
) -> (u16, String) {
    let mut request = agent().post(format!("{}{path}", receiver.base));
    if let Some(token) = token {
        request = request.header("Authorization", format!("Bearer {token}"));
    }
    for (k, v) in headers {
        request = request.header(*k, *v);
    }
    let mut response = request.send(body).expect("POST");
    let text = response.body_mut().read_to_string().unwrap_or_default();
    (response.status().as_u16(), text)
}

/// A request announcing a 2 MiB body: the answer, read before any of the body is sent (as a
/// client waiting for `100 Continue` would).
fn oversized(receiver: &Receiver) -> String {
    use std::io::{Read, Write};
    let address = receiver.base.trim_start_matches("http://");
    let mut stream = std::net::TcpStream::connect(address).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .expect("timeout");
    write!(
        stream,
        "POST /alertmanager HTTP/1.1\r\nHost: {address}\r\nAuthorization: Bearer {TOKEN}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        2 * 1024 * 1024
    )
    .expect("write");
    let mut answer = String::new();
    let _ = stream.read_to_string(&mut answer);
    answer
}

#[test]
fn receive_requires_the_token_and_refuses_bad_bodies_with_nothing_written() {
    let site = TempSite::new(&site_yaml());
    let receiver = receive(site.root(), &[]);
    let firing = std::fs::read(payload("alertmanager-firing")).expect("fixture");
    let before = snapshot(site.root());

    let health = agent()
        .get(format!("{}/healthz", receiver.base))
        .call()
        .expect("GET");
    assert_eq!(health.status().as_u16(), 200);
    for token in [None, Some("wrong"), Some("test-token-6f1c2")] {
        let (status, body) = post(&receiver, "/alertmanager", token, &firing, &[]);
        assert_eq!(status, 401, "{token:?}");
        assert!(
            body.contains("\"error\":\"missing or wrong bearer token"),
            "{body}"
        );
    }
    assert!(
        oversized(&receiver).starts_with("HTTP/1.1 413 "),
        "{}",
        oversized(&receiver)
    );
    let (status, body) = post(
        &receiver,
        "/alertmanager",
        Some(TOKEN),
        b"{\"groupKey\": 1}",
        &[],
    );
    assert_eq!(status, 400);
    assert!(
        body.contains("the body is not alertmanager's payload"),
        "{body}"
    );
    assert_eq!(post(&receiver, "/nagios", Some(TOKEN), &firing, &[]).0, 404);
    assert_eq!(
        snapshot(site.root()),
        before,
        "a refused request wrote something"
    );

    let (status, body) = post(&receiver, "/alertmanager", Some(TOKEN), &firing, &[]);
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("rule 1 matched; wrote incidents/"), "{body}");
    assert_eq!(incidents(&site).len(), 1);
}

#[test]
fn receive_will_not_start_without_its_token() {
    let site = TempSite::new(&site_yaml());
    let output = Command::new(env!("CARGO_BIN_EXE_sitrep"))
        .args(["receive", "--port", "0", "--root"])
        .arg(site.root())
        .env_remove("SITREP_INGEST_TOKEN")
        .output()
        .expect("run");
    assert_eq!(output.status.code(), Some(1));
    let err = stderr(&output);
    assert!(err.contains("site.yaml:11:14"), "{err}");
    assert!(
        err.contains("the environment variable `SITREP_INGEST_TOKEN` is not set"),
        "{err}"
    );
}

#[test]
fn grafana_signatures_are_checked_when_a_secret_is_configured() {
    use hmac::{KeyInit, Mac};
    let yaml = site_yaml().replace(
        "  token_env: SITREP_INGEST_TOKEN\n",
        "  token_env: SITREP_INGEST_TOKEN\n  grafana_secret_env: GRAFANA_SECRET\n",
    );
    let site = TempSite::new(&yaml);
    let receiver = receive(site.root(), &[("GRAFANA_SECRET", "hmac-secret")]);
    let body = std::fs::read(payload("grafana-firing")).expect("fixture");
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(b"hmac-secret").expect("key");
    mac.update(&body);
    let signature: String = mac
        .finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let (status, _) = post(&receiver, "/grafana", Some(TOKEN), &body, &[]);
    assert_eq!(status, 401, "no signature");
    let (status, _) = post(
        &receiver,
        "/grafana",
        Some(TOKEN),
        &body,
        &[("X-Grafana-Alerting-Signature", &"0".repeat(64))],
    );
    assert_eq!(status, 401, "a wrong signature");
    assert!(incidents(&site).is_empty());
    let (status, body) = post(
        &receiver,
        "/grafana",
        Some(TOKEN),
        &body,
        &[("X-Grafana-Alerting-Signature", &signature)],
    );
    assert_eq!(status, 200, "{body}");
    assert_eq!(incidents(&site).len(), 1);
}

#[test]
fn two_receivers_on_one_site_open_one_incident_per_group() {
    let site = TempSite::new(&site_yaml());
    let receivers = [receive(site.root(), &[]), receive(site.root(), &[])];
    let bodies: Vec<Vec<u8>> = ["alertmanager-firing", "uptime-kuma-down"]
        .iter()
        .map(|n| std::fs::read(payload(n)).expect("fixture"))
        .collect();
    std::thread::scope(|scope| {
        for receiver in &receivers {
            for _ in 0..4 {
                let bodies = &bodies;
                scope.spawn(move || {
                    for (body, path) in bodies.iter().zip(["/alertmanager", "/uptime-kuma"]) {
                        let (status, text) = post(receiver, path, Some(TOKEN), body, &[]);
                        assert_eq!(status, 200, "{text}");
                    }
                });
            }
        }
    });
    let files = incidents(&site);
    let names: Vec<&str> = files.iter().map(|(n, _)| &n[11..]).collect();
    assert_eq!(
        names,
        ["stable-is-unreachable.md", "website-is-down.md"],
        "{files:?}"
    );
    check_passes(&site);
}

#[test]
fn a_rule_with_publish_true_publishes_as_new_publish_does() {
    let yaml = site_yaml()
        .replace(
            "      component: db\n      status: degraded_performance\n",
            "      component: db\n      status: degraded_performance\n      publish: true\n",
        )
        .replace(
            "ingest:\n",
            "publish:\n  - folder: { path: published }\ningest:\n",
        );
    let site = TempSite::new(&yaml);
    let (code, out, err) = ingest(&site, "generic", "generic-firing", "2026-11-25 15:30");
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("(db=degraded_performance), to publish"),
        "{out}"
    );
    let files = incidents(&site);
    assert!(!files[0].1.contains("draft:"), "{}", files[0].1);
    let slug = files[0].0.trim_end_matches(".md");
    let page = site
        .root()
        .join("published/incidents")
        .join(slug)
        .join("index.html");
    let html =
        std::fs::read_to_string(&page).unwrap_or_else(|e| panic!("{}: {e}\n{out}", page.display()));
    assert!(html.contains("Nightly backups are failing"));
    // A draft rule publishes nothing.
    ingest(
        &site,
        "alertmanager",
        "alertmanager-firing",
        "2026-11-25 15:31",
    );
    let drafts = incidents(&site);
    let stable = drafts
        .iter()
        .find(|(n, _)| n.contains("stable"))
        .expect("stable");
    assert!(
        !site
            .root()
            .join("published/incidents")
            .join(stable.0.trim_end_matches(".md"))
            .exists()
    );
}

#[test]
fn a_line_break_in_a_label_cannot_forge_a_log_line() {
    let site = TempSite::new(&site_yaml());
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("evil.json");
    std::fs::write(
        &path,
        r#"{"key": "k\ngeneric:k: rule 1 matched; wrote incidents/evil.md", "status": "firing", "labels": {"alertname": "x"}}"#,
    )
    .expect("write");
    let output = sitrep(&[
        "ingest",
        "--source",
        "generic",
        path.to_str().expect("utf-8"),
        "--root",
        site.root().to_str().expect("utf-8"),
    ]);
    let out = String::from_utf8_lossy(&output.stdout);
    assert_eq!(out.lines().count(), 1, "{out}");
    assert!(
        out.starts_with(
            "generic:k\\ngeneric:k: rule 1 matched; wrote incidents/evil.md: ignored: no rule matches"
        ),
        "{out}"
    );
    assert!(out.contains("\\n"), "{out}");
}

#[test]
fn a_body_sent_too_slowly_gets_408_with_nothing_written() {
    use std::io::{Read, Write};
    let site = TempSite::new(&site_yaml());
    let receiver = receive(site.root(), &[]);
    let address = receiver.base.trim_start_matches("http://");
    let mut stream = std::net::TcpStream::connect(address).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .expect("timeout");
    // Headers, then a few bytes of the 200 announced, then nothing.
    write!(
        stream,
        "POST /generic HTTP/1.1\r\nHost: {address}\r\nAuthorization: Bearer {TOKEN}\r\nContent-Length: 200\r\n\r\n{{\"key\":"
    )
    .expect("write");
    let started = std::time::Instant::now();
    let mut answer = String::new();
    let _ = stream.read_to_string(&mut answer);
    assert!(answer.starts_with("HTTP/1.1 408 "), "{answer}");
    assert!(started.elapsed() < Duration::from_secs(20));
    assert!(!site.root().join("incidents/.sitrep-ingest.json").exists());
    assert!(incidents(&site).is_empty());
}
