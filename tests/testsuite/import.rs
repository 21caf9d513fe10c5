//! `sitrep import`, end to end, on real public data (tests/fixtures/import/*/README.md names
//! each file's source): what it writes passes `check`, the site it builds tells the source's
//! story in the source's own API shape, importing again changes nothing, and a file edited by
//! hand is never overwritten.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::support::{SITE_YAML, TempSite, fixture, sitrep, snapshot, stderr};

const NOW: &str = "2026-11-25 12:00";

fn statuspage(name: &str) -> String {
    fixture("import/statuspage")
        .join(name)
        .to_str()
        .expect("utf-8")
        .to_string()
}

const GITHUB: [&str; 3] = [
    "github-incident-rgy28jwprr1c-all-four-statuses.json",
    "github-incident-rcwk6twq397d-backfilled-2010-html-body.json",
    "github-incident-c2jg911dtkjb-same-second-updates.json",
];

fn import(root: &Path, args: &[&str]) -> std::process::Output {
    let mut all = vec!["import"];
    all.extend_from_slice(args);
    all.extend_from_slice(&["--root", root.to_str().expect("utf-8")]);
    sitrep(&all)
}

fn import_github(root: &Path, extra: &[&str]) -> std::process::Output {
    let files: Vec<String> = GITHUB.iter().map(|f| statuspage(f)).collect();
    let mut args = vec!["statuspage", "--from"];
    args.extend(files.iter().map(String::as_str));
    args.extend_from_slice(extra);
    import(root, &args)
}

fn check(root: &Path) -> (i32, String) {
    let out = sitrep(&[
        "check",
        "--root",
        root.to_str().expect("utf-8"),
        "--now",
        NOW,
    ]);
    (out.status.code().unwrap_or(-1), stderr(&out))
}

fn json(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).expect("read")).expect("json")
}

/// The source's incidents, newest first, each with its updates newest first.
fn source_incidents(files: &[String]) -> Vec<Value> {
    let mut incidents: Vec<Value> = files
        .iter()
        .map(|f| json(Path::new(f))["incident"].clone())
        .collect();
    // Ordered as the API orders events: by their first update, newest first.
    let start = |i: &Value| {
        i["incident_updates"]
            .as_array()
            .expect("updates")
            .iter()
            .map(|u| second(u["display_at"].as_str().expect("time")))
            .min()
    };
    incidents.sort_by_key(|i| std::cmp::Reverse(start(i)));
    incidents
}

fn second(text: &str) -> chrono::DateTime<chrono::Utc> {
    let t = chrono::DateTime::parse_from_rfc3339(text).expect("time");
    use chrono::Timelike;
    t.with_timezone(&chrono::Utc)
        .with_nanosecond(0)
        .expect("time")
}

#[test]
fn a_statuspage_history_round_trips_through_the_built_api() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path().join("status");
    let out = import_github(&root, &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("Imported 3 events ("),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let (code, err) = check(&root);
    assert_eq!(code, 0, "{err}");
    let built = crate::support::build(&root, NOW, &[]);
    let api = built.json("api/v2/incidents.json");
    let ours = api["incidents"].as_array().expect("incidents");
    let files: Vec<String> = GITHUB.iter().map(|f| statuspage(f)).collect();
    let theirs = source_incidents(&files);
    assert_eq!(ours.len(), theirs.len());
    for (ours, theirs) in ours.iter().zip(&theirs) {
        let name = theirs["name"].as_str().expect("name");
        assert_eq!(ours["name"], theirs["name"], "{name}");
        assert_eq!(ours["impact"], theirs["impact"], "{name}");
        assert_eq!(ours["status"], theirs["status"], "{name}");
        let mut their_updates = theirs["incident_updates"]
            .as_array()
            .expect("updates")
            .clone();
        their_updates.sort_by_key(|u| {
            std::cmp::Reverse(
                chrono::DateTime::parse_from_rfc3339(u["display_at"].as_str().expect("time"))
                    .expect("time"),
            )
        });
        let our_updates = ours["incident_updates"].as_array().expect("updates");
        assert_eq!(our_updates.len(), their_updates.len(), "{name}");
        for (o, t) in our_updates.iter().zip(&their_updates) {
            assert_eq!(
                second(o["display_at"].as_str().expect("time")),
                second(t["display_at"].as_str().expect("time")),
                "{name}"
            );
            assert_eq!(o["status"], t["status"], "{name}");
            assert_eq!(o["body"], t["body"], "{name}");
        }
        let names = |v: &Value| -> Vec<String> {
            let mut n: Vec<String> = v["components"]
                .as_array()
                .expect("components")
                .iter()
                .map(|c| c["name"].as_str().expect("name").to_string())
                .collect();
            n.sort();
            n
        };
        // The incident's components, and any its updates changed that the page has removed
        // since (Statuspage then drops them from the incident's list; sitrep keeps them).
        let mut expected = names(theirs);
        for update in their_updates {
            for a in update["affected_components"]
                .as_array()
                .into_iter()
                .flatten()
            {
                let component = a["name"].as_str().expect("name").to_string();
                if a["old_status"] != a["new_status"] && !expected.contains(&component) {
                    expected.push(component);
                }
            }
        }
        expected.sort();
        assert_eq!(names(ours), expected, "{name}");
    }
    // Updates 298 ms apart keep their order and their fraction of a second.
    let same_second = std::fs::read_to_string(imported_file(&root, "c2jg911dtkjb")).expect("read");
    assert!(
        same_second.contains("at: 2023-05-04T16:03:34.639Z"),
        "{same_second}"
    );
    assert!(
        same_second.contains("at: 2023-05-04T16:03:34.937Z"),
        "{same_second}"
    );
}

/// The file the import record says a Statuspage incident became.
fn imported_file(root: &Path, incident: &str) -> PathBuf {
    let record = json(&root.join("incidents/.sitrep-import.json"));
    let (_, entry) = record["events"]
        .as_object()
        .expect("events")
        .iter()
        .find(|(key, _)| key.ends_with(&format!(":{incident}")))
        .expect("recorded");
    root.join(entry["path"].as_str().expect("path"))
}

#[test]
fn importing_again_changes_nothing_and_a_file_edited_by_hand_is_kept() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path().join("status");
    assert!(import_github(&root, &[]).status.success());
    let before = snapshot(&root);
    let again = import_github(&root, &[]);
    assert!(again.status.success(), "{}", stderr(&again));
    assert!(
        String::from_utf8_lossy(&again.stdout).contains("0 new, 0 updated, 3 unchanged"),
        "{}",
        String::from_utf8_lossy(&again.stdout)
    );
    assert_eq!(snapshot(&root), before, "nothing was written again");

    // A person adds to the post-mortem of one file; the source then changes every incident.
    let edited = imported_file(&root, "rcwk6twq397d");
    let mine = format!(
        "{}\nWhat we learnt, written by hand.\n",
        std::fs::read_to_string(&edited).expect("read")
    );
    std::fs::write(&edited, &mine).expect("write");
    let changed = tempfile::tempdir().expect("tempdir");
    let mut files = Vec::new();
    for name in GITHUB {
        let text = std::fs::read_to_string(statuspage(name))
            .expect("read")
            .replace(
                "This incident has been resolved.",
                "Resolved, as the source now says.",
            );
        let path = changed.path().join(name);
        std::fs::write(&path, text).expect("write");
        files.push(path.to_str().expect("utf-8").to_string());
    }
    let mut args = vec!["statuspage", "--from"];
    args.extend(files.iter().map(String::as_str));
    let third = import(&root, &args);
    assert!(third.status.success(), "{}", stderr(&third));
    assert_eq!(
        std::fs::read_to_string(&edited).expect("read"),
        mine,
        "kept"
    );
    assert!(
        stderr(&third).contains("as it is: edited since it was imported"),
        "{}",
        stderr(&third)
    );
    let stdout = String::from_utf8_lossy(&third.stdout);
    assert!(
        stdout.contains("kept as edited") && stdout.contains("updated"),
        "{stdout}"
    );
    let (code, err) = check(&root);
    assert_eq!(code, 0, "{err}");
}

#[test]
fn a_dry_run_writes_nothing_and_an_existing_site_keeps_its_comments() {
    let site = TempSite::new(&format!("# Our own notes.\n{SITE_YAML}# The end.\n"));
    let before = snapshot(site.root());
    let out = import(
        site.root(),
        &[
            "statuspage",
            "--from",
            &statuspage("sendgrid-summary.json"),
            "--dry-run",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("Would import"));
    assert_eq!(snapshot(site.root()), before, "a dry run writes nothing");

    let out = import(
        site.root(),
        &[
            "statuspage",
            "--from",
            &statuspage("sendgrid-summary.json"),
            &statuspage("personio-summary-with-scheduled-maintenance.json"),
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let yaml = std::fs::read_to_string(site.root().join("site.yaml")).expect("read");
    assert!(
        yaml.starts_with(&format!("# Our own notes.\n{SITE_YAML}  - id: ")),
        "the site's own lines come first, unchanged:\n{yaml}"
    );
    assert!(yaml.ends_with("# The end.\n"), "{yaml}");
    assert!(yaml.contains("    group: "), "groups are kept: {yaml}");
    let (code, err) = site.check();
    assert_eq!(code, 0, "{err}");
    let maintenance = walk(&site.root().join("incidents"))
        .into_iter()
        .map(|p| std::fs::read_to_string(p).expect("read"))
        .find(|t| t.contains("kind: maintenance"))
        .expect("the scheduled maintenance became a maintenance");
    assert!(
        maintenance.contains("scheduled: { start: "),
        "{maintenance}"
    );
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.path().extension().is_some_and(|x| x == "md"))
        .map(|e| e.into_path())
        .collect()
}

#[test]
fn bad_sources_name_the_file_and_the_item() {
    let dir = tempfile::tempdir().expect("tempdir");
    let broken = dir.path().join("incidents.json");
    std::fs::write(&broken, "{\"incidents\": [ {\"id\": \"x\", ").expect("write");
    let root = dir.path().join("site");
    let out = import(
        &root,
        &["statuspage", "--from", broken.to_str().expect("utf-8")],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains(&format!("{}: EOF while parsing", broken.display())),
        "{}",
        stderr(&out)
    );
    let unknown = dir.path().join("unknown.json");
    let text = std::fs::read_to_string(statuspage(GITHUB[0]))
        .expect("read")
        .replace("\"status\": \"identified\"", "\"status\": \"exploded\"");
    std::fs::write(&unknown, text).expect("write");
    let out = import(
        &root,
        &["statuspage", "--from", unknown.to_str().expect("utf-8")],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("incident `rgy28jwprr1c`")
            && stderr(&out).contains("unknown update status `exploded`"),
        "{}",
        stderr(&out)
    );
    assert!(!root.exists(), "nothing was written");
}

/// A loopback server standing for Statuspage's manage API: incidents in pages of 100, the
/// components and their groups, and the key checked. Stops after `requests` requests.
fn manage_api(
    incidents: Vec<Value>,
    key: &'static str,
    requests: usize,
) -> (String, std::thread::JoinHandle<Vec<String>>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    let handle = std::thread::spawn(move || {
        let mut seen = Vec::new();
        for stream in listener.incoming().take(requests) {
            let mut stream = stream.expect("accept");
            let mut reader = BufReader::new(stream.try_clone().expect("clone"));
            let mut line = String::new();
            reader.read_line(&mut line).expect("request line");
            let mut authorized = false;
            loop {
                let mut header = String::new();
                reader.read_line(&mut header).expect("header");
                if header.trim().is_empty() {
                    break;
                }
                authorized |= header
                    .trim()
                    .eq_ignore_ascii_case(&format!("authorization: OAuth {key}"));
            }
            let path = line.split_whitespace().nth(1).unwrap_or("/").to_string();
            seen.push(path.clone());
            let body = if path == "/api/v2/incidents.json" {
                // The public API needs no key.
                Some(serde_json::json!({ "incidents": incidents }).to_string())
            } else if !authorized {
                None
            } else if path.starts_with("/v1/pages/pg1/incidents?") {
                let page: usize = path
                    .split("page=")
                    .nth(1)
                    .and_then(|p| p.split('&').next())
                    .and_then(|p| p.parse().ok())
                    .unwrap_or(1);
                // Past the end the pages wrap around, as a server that ignores `page` does.
                let chunk: Vec<Value> = incidents
                    .iter()
                    .skip(((page - 1) * 100) % incidents.len().max(1))
                    .take(100)
                    .cloned()
                    .collect();
                Some(Value::Array(chunk).to_string())
            } else if path.starts_with("/v1/pages/pg1/components?") {
                Some(r#"[{"id":"c1","name":"API Requests","group_id":"g1","group":false,"position":1},{"id":"c2","name":"Webhooks","group_id":null,"group":false,"position":2}]"#.to_string())
            } else if path.starts_with("/v1/pages/pg1/component-groups?") {
                Some(r#"[{"id":"g1","name":"Core","components":["c1"],"position":1}]"#.to_string())
            } else {
                None
            };
            let (status, body) = match body {
                Some(body) => ("200 OK", body),
                None if !authorized => ("401 Unauthorized", "{\"error\":\"bad key\"}".to_string()),
                None => ("404 Not Found", "{}".to_string()),
            };
            let _ = write!(
                stream,
                "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
            let mut rest = Vec::new();
            let _ = reader.read_to_end(&mut rest);
        }
        seen
    });
    (base, handle)
}

/// `sitrep import statuspage --page-id pg1` against the API at `base`, with `key`.
fn import_from_api(base: &str, root: &Path, key: &str) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_sitrep"))
        .args([
            "import",
            "statuspage",
            "--page-id",
            "pg1",
            "--api",
            base,
            "--root",
        ])
        .arg(root)
        .env("STATUSPAGE_API_KEY", key)
        .output()
        .expect("run")
}

#[test]
fn the_manage_api_is_read_page_by_page_with_the_key() {
    // 150 incidents shaped as the real one: two pages of incidents, then components and groups.
    let real = json(Path::new(&statuspage(GITHUB[0])))["incident"].clone();
    let incidents: Vec<Value> = (0..150)
        .map(|i| {
            let mut incident = real.clone();
            incident["id"] = Value::String(format!("inc{i:03}"));
            incident["name"] = Value::String(format!("Incident number {i}"));
            for update in incident["incident_updates"]
                .as_array_mut()
                .expect("updates")
            {
                if let Some(affected) = update["affected_components"].as_array_mut() {
                    for a in affected {
                        a["code"] = Value::String("c1".into());
                        a["name"] = Value::String("API Requests".into());
                    }
                }
            }
            incident["components"] = serde_json::json!([{"id": "c1", "name": "API Requests"}]);
            incident
        })
        .collect();
    let (base, server) = manage_api(incidents, "sekrit", 4);
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path().join("site");
    let out = import_from_api(&base, &root, "sekrit");
    assert!(out.status.success(), "{}", stderr(&out));
    let seen = server.join().expect("server");
    assert_eq!(
        seen,
        [
            "/v1/pages/pg1/incidents?page=1&per_page=100",
            "/v1/pages/pg1/incidents?page=2&per_page=100",
            "/v1/pages/pg1/components?page=1&per_page=100",
            "/v1/pages/pg1/component-groups?page=1&per_page=100",
        ]
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("Imported 150 events"));
    let yaml = std::fs::read_to_string(root.join("site.yaml")).expect("read");
    assert!(
        yaml.contains(
            "  - id: api-requests\n    name: API Requests\n    group: Core\n  - id: webhooks\n"
        ),
        "{yaml}"
    );
    assert!(
        !String::from_utf8_lossy(&out.stdout).contains("sekrit")
            && !stderr(&out).contains("sekrit")
    );
    let (code, err) = check(&root);
    assert_eq!(code, 0, "{err}");

    // A wrong key is the manage API's 401, reported with the address, never the key.
    let (base, server) = manage_api(Vec::new(), "sekrit", 1);
    let out = import_from_api(&base, &dir.path().join("other"), "wrong-key");
    server.join().expect("server");
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("HTTP 401"), "{}", stderr(&out));
    assert!(!stderr(&out).contains("wrong-key"));
}

#[test]
fn a_real_cstate_site_imports_and_builds() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path().join("site");
    let source = fixture("import/cstate");
    let out = import(&root, &["cstate", source.to_str().expect("utf-8")]);
    assert!(out.status.success(), "{}", stderr(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("Imported 35 events"), "{stdout}");
    let (code, err) = check(&root);
    assert_eq!(code, 0, "{err}");
    let built = crate::support::build(&root, NOW, &[]);
    let api = built.json("api/v2/incidents.json");
    let raid = api["incidents"]
        .as_array()
        .expect("incidents")
        .iter()
        .find(|i| i["name"] == "Database RAID failure")
        .expect("status.sr.ht's database outage");
    let times: Vec<&str> = raid["incident_updates"]
        .as_array()
        .expect("updates")
        .iter()
        .map(|u| u["display_at"].as_str().expect("time"))
        .collect();
    assert_eq!(
        times,
        [
            "2018-11-23T23:27:00+00:00",
            "2018-11-23T22:25:00+00:00",
            "2018-11-23T20:00:00+00:00",
            "2018-11-23T18:00:00+00:00"
        ],
        "every {{{{< track >}}}} is an update"
    );
    assert_eq!(raid["status"], "resolved");
    assert_eq!(raid["impact"], "critical", "severity: down");
    let yaml = std::fs::read_to_string(root.join("site.yaml")).expect("read");
    assert!(
        yaml.contains("- id: builds-sr-ht\n    name: builds.sr.ht\n"),
        "{yaml}"
    );
    assert!(yaml.contains("base_url: https://status.sr.ht/"), "{yaml}");
}

#[test]
fn a_public_document_is_read_from_its_address() {
    let real = json(Path::new(&statuspage(GITHUB[0])))["incident"].clone();
    let (base, server) = manage_api(vec![real], "unused", 1);
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path().join("site");
    let url = format!("{base}/api/v2/incidents.json");
    let out = import(&root, &["statuspage", "--from", &url]);
    server.join().expect("server");
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("Imported 1 event ("));
    let (code, err) = check(&root);
    assert_eq!(code, 0, "{err}");
}

/// A manage API that ignores `page` answers the same full page every time: read once, not
/// followed for ever.
#[test]
fn a_manage_api_that_repeats_its_pages_is_read_once() {
    let real = json(Path::new(&statuspage(GITHUB[0])))["incident"].clone();
    let incidents: Vec<Value> = (0..100)
        .map(|i| {
            let mut incident = real.clone();
            incident["id"] = Value::String(format!("rep{i:03}"));
            incident
        })
        .collect();
    let (base, server) = manage_api(incidents, "sekrit", 4);
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path().join("site");
    let out = import_from_api(&base, &root, "sekrit");
    let seen = server.join().expect("server");
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(seen.len(), 4, "{seen:?}");
    assert_eq!(seen[1], "/v1/pages/pg1/incidents?page=2&per_page=100");
    assert!(String::from_utf8_lossy(&out.stdout).contains("Imported 100 events"));
}

/// A history that names no component cannot make a site, which needs one: said plainly,
/// with nothing written.
#[test]
fn a_history_without_components_asks_for_site_yaml_first() {
    let dir = tempfile::tempdir().expect("tempdir");
    let source = dir.path().join("incident.json");
    let text = std::fs::read_to_string(statuspage(GITHUB[1])).expect("read");
    std::fs::write(&source, text).expect("write");
    let root = dir.path().join("site");
    let out = import(
        &root,
        &["statuspage", "--from", source.to_str().expect("utf-8")],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("names no component, and a site needs at least one"),
        "{}",
        stderr(&out)
    );
    assert!(!root.join("site.yaml").exists());
}
