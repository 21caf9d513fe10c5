//! The channels' side of the announce tests: one HTTP server on 127.0.0.1 that stands for
//! every channel, answering as each service documents (or as a test tells it to misbehave),
//! and the sites the tests announce from.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{Value, json};

use crate::support::stderr;

pub(super) const NOW: &str = "2026-11-28T10:30:00Z";

pub(super) const SITE: &str = r#"title: Example Status
base_url: https://status.example.com/
components:
  - id: web
    name: Website
  - id: db
    name: Database
"#;

pub(super) const CHANNELS: &str = r#"announce:
  - webhook: { url_env: T_WEBHOOK_URL }
  - slack: { url_env: T_SLACK_URL }
  - discord: { url_env: T_DISCORD_URL }
  - teams: { url_env: T_TEAMS_URL }
  - mastodon: { instance: "BASE/mastodon", token_env: T_MASTODON_TOKEN }
  - bluesky: { handle: status.example.com, password_env: T_BSKY_PASSWORD, service: "BASE/bsky" }
  - x: { token_env: T_X_TOKEN, api: "BASE/x" }
"#;

/// An incident told in three updates today, and one from last month (history).
pub(super) const OUTAGE: &str = r#"---
title: Packet loss at the upstream switch
components:
  web: partial_outage
timeline:
  - at: 2026-11-28T09:00:00Z
    status: investigating
    message: Some visitors see **slow pages** & timeouts.
  - at: 2026-11-28T09:30:00Z
    status: identified
    message: A switch at our provider drops 18 % of packets.
    components:
      db: degraded_performance
  - at: 2026-11-28T10:00:00Z
    status: resolved
    message: The provider replaced the switch.
---
"#;

pub(super) const OLD: &str = r#"---
title: Old outage
components:
  web: major_outage
timeline:
  - at: 2026-10-01T09:00:00Z
    status: investigating
    message: Down.
  - at: 2026-10-01T10:00:00Z
    status: resolved
    message: Up.
---
"#;

// ---- the loopback server -------------------------------------------------------------

#[derive(Debug, Clone)]
pub(super) struct Request {
    pub(super) method: String,
    pub(super) path: String,
    pub(super) headers: BTreeMap<String, String>,
    pub(super) body: Value,
}

impl Request {
    pub(super) fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).map(String::as_str)
    }
}

#[derive(Default)]
pub(super) struct State {
    /// Requests the service took in (answered with success, or kept behind an unreadable
    /// answer), in order.
    pub(super) delivered: Vec<Request>,
    /// Paths answered with this instead of the service's own answer.
    pub(super) canned: BTreeMap<String, Canned>,
    /// Requests to this path, from the nth (1-based) on, are held and never answered.
    pub(super) hold: Option<(String, usize)>,
    /// How long every answer takes.
    pub(super) delay: Duration,
    pub(super) seen: BTreeMap<String, usize>,
    pub(super) held: usize,
    pub(super) next_id: u64,
}

/// A test's own answer for a path.
#[derive(Debug, Clone)]
pub(super) struct Canned {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
    /// Whether the service took the message in despite the answer (a post made, its answer
    /// mangled on the way back), or refused it.
    kept: bool,
}

pub(super) struct Server {
    pub(super) base: String,
    pub(super) state: Arc<Mutex<State>>,
}

impl Server {
    pub(super) fn start() -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
        let base = format!("http://{}", listener.local_addr().expect("addr"));
        let state = Arc::new(Mutex::new(State {
            next_id: 1000,
            ..State::default()
        }));
        let shared = Arc::clone(&state);
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let state = Arc::clone(&shared);
                std::thread::spawn(move || serve(stream, &state));
            }
        });
        Server { base, state }
    }

    pub(super) fn delivered(&self) -> Vec<Request> {
        self.state.lock().expect("lock").delivered.clone()
    }

    pub(super) fn to(&self, path: &str) -> Vec<Request> {
        self.delivered()
            .into_iter()
            .filter(|r| r.path == path)
            .collect()
    }

    /// Refuses messages to `path` with this answer.
    pub(super) fn fail(&self, path: &str, status: u16, body: &str) {
        self.can(path, status, &[], body, false);
    }

    /// Answers messages to `path` with a redirect to `location`, taking nothing in (a webhook
    /// whose URL now leads to a login page).
    pub(super) fn redirect(&self, path: &str, location: &str) {
        self.can(path, 302, &[("location", location)], "", false);
    }

    /// Takes messages to `path` in, but answers with `body`, which the client cannot read.
    pub(super) fn garble(&self, path: &str, status: u16, body: &str) {
        self.can(path, status, &[], body, true);
    }

    fn can(&self, path: &str, status: u16, headers: &[(&str, &str)], body: &str, kept: bool) {
        let canned = Canned {
            status,
            headers: headers
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            body: body.into(),
            kept,
        };
        let mut state = self.state.lock().expect("lock");
        state.canned.insert(path.into(), canned);
    }

    pub(super) fn heal(&self) {
        self.state.lock().expect("lock").canned.clear();
    }

    /// Every answer takes this long from now on.
    pub(super) fn slow_down(&self, delay: Duration) {
        self.state.lock().expect("lock").delay = delay;
    }

    pub(super) fn env(&self) -> Vec<(String, String)> {
        [
            ("T_WEBHOOK_URL", format!("{}/webhook", self.base)),
            ("T_SLACK_URL", format!("{}/slack", self.base)),
            ("T_DISCORD_URL", format!("{}/discord", self.base)),
            ("T_TEAMS_URL", format!("{}/teams", self.base)),
            ("T_MASTODON_TOKEN", "mastodon-token".into()),
            ("T_BSKY_PASSWORD", "app-pass-word".into()),
            ("T_X_TOKEN", "x-user-token".into()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect()
    }
}

/// One request as the fake services read it; `None` when the client went away first.
fn read_request(stream: &TcpStream) -> Option<Request> {
    let mut reader = BufReader::new(stream.try_clone().expect("clone"));
    let mut line = String::new();
    if reader.read_line(&mut line).is_err() || line.is_empty() {
        return None;
    }
    let mut parts = line.split_whitespace();
    let method = parts.next().unwrap_or_default().to_string();
    let path = parts.next().unwrap_or_default().to_string();
    let mut headers = BTreeMap::new();
    loop {
        let mut header = String::new();
        if reader.read_line(&mut header).is_err() || header.trim().is_empty() {
            break;
        }
        if let Some((name, value)) = header.split_once(':') {
            headers.insert(name.trim().to_lowercase(), value.trim().to_string());
        }
    }
    let length: usize = headers
        .get("content-length")
        .and_then(|l| l.parse().ok())
        .unwrap_or(0);
    let mut body = vec![0; length];
    if reader.read_exact(&mut body).is_err() {
        return None;
    }
    Some(Request {
        method,
        path,
        headers,
        body: serde_json::from_slice(&body).unwrap_or(Value::Null),
    })
}

fn serve(stream: TcpStream, state: &Mutex<State>) {
    let Some(request) = read_request(&stream) else {
        return;
    };
    let path = request.path.clone();
    let (delay, answer) = {
        let mut state = state.lock().expect("lock");
        let n = {
            let seen = state.seen.entry(path.clone()).or_default();
            *seen += 1;
            *seen
        };
        if state
            .hold
            .as_ref()
            .is_some_and(|(p, from)| *p == path && n >= *from)
        {
            state.held += 1;
            drop(state);
            // Never answered: the client is killed while waiting.
            std::thread::sleep(Duration::from_secs(60));
            return;
        }
        let answer = match state.canned.get(&path).cloned() {
            Some(canned) => {
                if canned.kept {
                    state.delivered.push(request);
                }
                canned
            }
            None => {
                state.next_id += 1;
                let id = state.next_id;
                state.delivered.push(request);
                let (status, body) = answer_for(&path, id);
                Canned {
                    status,
                    headers: Vec::new(),
                    body,
                    kept: true,
                }
            }
        };
        (state.delay, answer)
    };
    std::thread::sleep(delay);
    let mut head = format!(
        "HTTP/1.1 {} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n",
        answer.status,
        answer.body.len()
    );
    for (name, value) in &answer.headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    let mut stream = stream;
    let _ = write!(stream, "{head}\r\n{}", answer.body);
}

/// What each service answers on success (their documented response shapes).
fn answer_for(path: &str, id: u64) -> (u16, String) {
    match path {
        "/slack" => (200, "ok".into()),
        "/discord" => (204, String::new()),
        "/teams" => (202, String::new()),
        "/mastodon/api/v1/statuses" => (200, json!({ "id": id.to_string(), "url": format!("https://mastodon.example/@status/{id}") }).to_string()),
        "/bsky/xrpc/com.atproto.server.createSession" => (200, json!({ "did": "did:plc:teststatus", "handle": "status.example.com", "accessJwt": "access-jwt", "refreshJwt": "refresh-jwt" }).to_string()),
        "/bsky/xrpc/com.atproto.repo.createRecord" => (200, json!({ "uri": format!("at://did:plc:teststatus/app.bsky.feed.post/{id}"), "cid": format!("bafy{id}") }).to_string()),
        "/x/2/tweets" => (201, json!({ "data": { "id": id.to_string(), "text": "…" } }).to_string()),
        _ => (200, String::new()),
    }
}

// ---- sites ---------------------------------------------------------------------------

pub(super) struct Site {
    _dir: tempfile::TempDir,
    pub(super) root: PathBuf,
}

impl Site {
    pub(super) fn new(server: &Server, extra_yaml: &str, events: &[(&str, &str)]) -> Site {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path().join("site");
        Self::write(&root, server, extra_yaml, events);
        Site { _dir: dir, root }
    }

    pub(super) fn write(root: &Path, server: &Server, extra_yaml: &str, events: &[(&str, &str)]) {
        std::fs::create_dir_all(root.join("incidents")).expect("mkdir");
        let yaml = format!(
            "{SITE}{}{extra_yaml}",
            CHANNELS.replace("BASE", &server.base)
        );
        std::fs::write(root.join("site.yaml"), yaml).expect("write site.yaml");
        for (name, text) in events {
            std::fs::write(root.join("incidents").join(name), text).expect("write event");
        }
    }

    pub(super) fn command(&self, server: &Server, args: &[&str]) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_sitrep"));
        command
            .args(args)
            .args(["--root", self.root.to_str().expect("utf-8"), "--now", NOW])
            .env_remove("SOURCE_DATE_EPOCH")
            .envs(server.env());
        command
    }

    pub(super) fn run(&self, server: &Server, args: &[&str]) -> Output {
        self.command(server, args).output().expect("run sitrep")
    }

    pub(super) fn announce(&self, server: &Server) -> String {
        let out = self.run(server, &["announce"]);
        assert!(out.status.success(), "announce failed:\n{}", stderr(&out));
        String::from_utf8_lossy(&out.stdout).into_owned()
    }
}

fn schema(name: &str) -> jsonschema::Validator {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/announce/schemas")
        .join(name);
    let text = std::fs::read_to_string(&path).expect("read schema");
    let schema: Value = serde_json::from_str(&text).expect("schema is JSON");
    jsonschema::options()
        .should_validate_formats(true)
        .build(&schema)
        .unwrap_or_else(|e| panic!("{name}: {e}"))
}

pub(super) fn assert_valid(schema_name: &str, body: &Value) {
    let validator = schema(schema_name);
    let errors: Vec<String> = validator
        .iter_errors(body)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{schema_name}: {errors:#?}\n{body:#}");
}

pub(super) const IDS: [&str; 3] = [
    "2026-11-28-outage-20261128T090000Z",
    "2026-11-28-outage-20261128T093000Z",
    "2026-11-28-outage-20261128T100000Z",
];

pub(super) fn outage_site(server: &Server) -> Site {
    Site::new(
        server,
        "",
        &[("2026-11-28-outage.md", OUTAGE), ("2026-10-01-old.md", OLD)],
    )
}

/// What makes one message unique on its path, for counting duplicates.
pub(super) fn message_id(request: &Request) -> String {
    let body = &request.body;
    for pointer in [
        "/incident/incident_updates/0/id",
        "/component_update/id",
        "/status",
        "/text",
        "/record/text",
        "/embeds/0/url",
        "/attachments/0/content/actions/0/url",
        "/blocks/0/text/text",
        "/identifier",
    ] {
        if let Some(v) = body.pointer(pointer).and_then(Value::as_str) {
            return format!("{v} {}", body.pointer("/record/createdAt").is_some());
        }
    }
    body.to_string()
}

/// The ids the server gave, in order, for a path (as the answers carried them).
pub(super) fn server_ids(server: &Server, path: &str) -> Vec<String> {
    let all = server.delivered();
    let mut next = 1000;
    let mut ids = Vec::new();
    for request in all {
        next += 1;
        if request.path == path {
            ids.push(next.to_string());
        }
    }
    ids
}
