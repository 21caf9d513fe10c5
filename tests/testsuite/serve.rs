//! `sitrep serve` end to end on an ephemeral port: the first page, HEAD and content types, an
//! edit served after the rebuild with a reload event, a broken edit shown as an overlay naming
//! file and line, and recovery.

use std::io::{BufRead, BufReader, Read};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use crate::support::{SITE_YAML, TempSite};

/// The server process, stopped when the test ends however it ends.
struct Server {
    child: Child,
    base: String,
    /// What the server prints after its address, line by line.
    lines: mpsc::Receiver<String>,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start(site: &TempSite) -> Server {
    let mut child = Command::new(env!("CARGO_BIN_EXE_sitrep"))
        .args([
            "serve",
            "--port",
            "0",
            "--now",
            "2026-11-25 12:00",
            "--root",
        ])
        .arg(site.root())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start sitrep serve");
    let stdout = child.stdout.take().expect("stdout");
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let base = loop {
        let line = rx
            .recv_timeout(Duration::from_secs(30))
            .expect("the server announces its address");
        if let Some(rest) = line.strip_prefix("Serving the site at ") {
            break rest
                .split_whitespace()
                .next()
                .expect("address")
                .trim_end_matches('/')
                .to_string();
        }
    };
    Server {
        child,
        base,
        lines: rx,
    }
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(10)))
        .build()
        .into()
}

fn get(server: &Server, path: &str) -> (u16, String, String) {
    let mut response = agent()
        .get(format!("{}{path}", server.base))
        .call()
        .expect("GET");
    let kind = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    let body = response.body_mut().read_to_string().unwrap_or_default();
    (response.status().as_u16(), kind, body)
}

/// Polls until the page satisfies `ready`, for at most 15 s (rebuilds are debounced).
fn wait_for(server: &Server, path: &str, ready: impl Fn(&str) -> bool) -> String {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let (_, _, body) = get(server, path);
        if ready(&body) {
            return body;
        }
        assert!(
            Instant::now() < deadline,
            "timed out waiting for {path}; last body:\n{body}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

const EVENT: &str = "---\ntitle: Panel slow\ncomponents:\n  panel: degraded_performance\ntimeline:\n  - at: 2026-11-25 10:00\n    status: investigating\n    message: Slow.\n---\n";

/// Pages, API documents and feeds with their types and lengths, HEAD as well as GET, and 404.
fn answers_as_clients_expect(server: &Server) {
    let (status, kind, body) = get(server, "/");
    assert_eq!(status, 200);
    assert_eq!(kind, "text/html; charset=utf-8");
    assert!(body.contains("Panel slow"));
    assert!(
        body.contains("/_tower-livereload/event-stream"),
        "the reload script is injected by the server"
    );

    let head = agent()
        .head(format!("{}/api/v2/components.json", server.base))
        .call()
        .expect("HEAD");
    assert_eq!(head.status().as_u16(), 200);
    assert_eq!(
        head.headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok()),
        Some("application/json")
    );
    let (_, _, json) = get(server, "/api/v2/components.json");
    assert_eq!(
        head.headers()
            .get("content-length")
            .and_then(|v| v.to_str().ok()),
        Some(json.len().to_string().as_str())
    );
    assert!(!json.contains("livereload"));
    assert_eq!(
        get(server, "/feed.atom").1,
        "application/atom+xml; charset=utf-8"
    );
    assert_eq!(get(server, "/incidents/panel/").0, 200);
    assert_eq!(get(server, "/no/such/page/").0, 404);
}

#[test]
fn serve_answers_rebuilds_reloads_and_recovers() {
    let site = TempSite::new(SITE_YAML).with("incidents/panel.md", EVENT);
    let server = start(&site);

    answers_as_clients_expect(&server);

    // Listen for the reload event before editing.
    let events = agent()
        .get(format!("{}/_tower-livereload/event-stream", server.base))
        .call()
        .expect("SSE");
    let (sse_tx, sse_rx) = mpsc::channel::<String>();
    std::thread::spawn(move || {
        let mut reader = events.into_body().into_reader();
        let mut buffer = [0u8; 256];
        while let Ok(n) = reader.read(&mut buffer) {
            if n == 0
                || sse_tx
                    .send(String::from_utf8_lossy(&buffer[..n]).into_owned())
                    .is_err()
            {
                break;
            }
        }
    });
    let first = sse_rx
        .recv_timeout(Duration::from_secs(10))
        .expect("init event");
    assert!(first.contains("event: init"), "{first}");

    std::fs::write(
        site.root().join("incidents/panel.md"),
        EVENT.replace("Panel slow", "Panel very slow"),
    )
    .expect("edit");
    wait_for(&server, "/", |b| b.contains("Panel very slow"));
    let reload = sse_rx
        .recv_timeout(Duration::from_secs(10))
        .expect("reload event");
    assert!(reload.contains("event: reload"), "{reload}");

    // A broken save: the last good page stays, with the error laid over it.
    std::fs::write(
        site.root().join("incidents/panel.md"),
        EVENT.replace("status: investigating", "status: investigatin"),
    )
    .expect("edit");
    let page = wait_for(&server, "/incidents/panel/", |b| b.contains("sitrep-error"));
    assert!(
        page.contains("incidents/panel.md:7:13: unknown status `investigatin`"),
        "{page}"
    );
    assert!(
        page.contains("Panel very slow"),
        "the last good version is still served"
    );

    // The next good save recovers.
    std::fs::write(
        site.root().join("incidents/panel.md"),
        EVENT.replace("Panel slow", "Panel fixed"),
    )
    .expect("edit");
    let page = wait_for(&server, "/incidents/panel/", |b| b.contains("Panel fixed"));
    assert!(!page.contains("sitrep-error"));
}

#[test]
fn serve_shows_drafts_and_never_writes_the_output_folder() {
    let draft = EVENT.replace("title: Panel slow", "title: Panel slow\ndraft: true");
    let site = TempSite::new(SITE_YAML).with("incidents/panel.md", &draft);
    let server = start(&site);
    let (_, _, page) = get(&server, "/incidents/panel/");
    assert!(
        page.contains(r#"<span class="draft">Draft</span>"#),
        "{page}"
    );
    assert!(!site.root().join("public").exists());
}

#[test]
fn ctrl_c_stops_the_server_cleanly() {
    let site = TempSite::new(SITE_YAML).with("incidents/panel.md", EVENT);
    let mut server = start(&site);
    assert_eq!(get(&server, "/").0, 200);
    let pid = server.child.id().to_string();
    let sent = Command::new("kill")
        .args(["-INT", &pid])
        .status()
        .expect("kill");
    assert!(sent.success());
    let deadline = Instant::now() + Duration::from_secs(10);
    let status = loop {
        if let Some(status) = server.child.try_wait().expect("wait") {
            break status;
        }
        assert!(
            Instant::now() < deadline,
            "the server did not stop on SIGINT"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(status.success(), "exit status {status:?}");
}

#[test]
fn a_site_that_never_built_shows_its_errors_instead_of_pages() {
    let broken = EVENT.replace("status: investigating", "status: investigatin");
    let site = TempSite::new(SITE_YAML).with("incidents/panel.md", &broken);
    let server = start(&site);
    let (status, kind, body) = get(&server, "/");
    assert_eq!(status, 500);
    assert_eq!(kind, "text/html; charset=utf-8");
    assert!(
        body.contains("incidents/panel.md:7:13: unknown status `investigatin`"),
        "{body}"
    );
    std::fs::write(site.root().join("incidents/panel.md"), EVENT).expect("fix");
    wait_for(&server, "/", |b| {
        b.contains("Panel slow") && !b.contains("sitrep-error")
    });
}

/// Sends raw bytes on a new connection and reads until the server closes it or `wait` passes.
fn raw(server: &Server, request: &[u8], wait: Duration) -> (String, bool) {
    use std::io::Write;
    let address = server.base.trim_start_matches("http://");
    let mut stream = std::net::TcpStream::connect(address).expect("connect");
    stream.set_read_timeout(Some(wait)).expect("timeout");
    stream.write_all(request).expect("send");
    let mut response = Vec::new();
    let closed = match stream.read_to_end(&mut response) {
        Ok(_) => true,
        Err(e)
            if matches!(
                e.kind(),
                std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
            ) =>
        {
            false
        }
        Err(_) => true,
    };
    (String::from_utf8_lossy(&response).into_owned(), closed)
}

fn header<'a>(response: &'a str, name: &str) -> Option<&'a str> {
    response.lines().find_map(|line| {
        let (key, value) = line.split_once(':')?;
        key.eq_ignore_ascii_case(name).then(|| value.trim())
    })
}

#[test]
fn ctrl_c_stops_within_a_second_with_preview_tabs_open() {
    use std::io::Write;
    let site = TempSite::new(SITE_YAML).with("incidents/panel.md", EVENT);
    let mut server = start(&site);
    let address = server.base.trim_start_matches("http://").to_string();
    // An open tab: its live-reload stream never ends by itself.
    let mut tab = std::net::TcpStream::connect(&address).expect("connect");
    tab.write_all(b"GET /_tower-livereload/event-stream HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\n\r\n")
        .expect("send");
    tab.set_read_timeout(Some(Duration::from_secs(10)))
        .expect("timeout");
    let mut first = [0u8; 12];
    tab.read_exact(&mut first).expect("the stream starts");
    assert_eq!(&first, b"HTTP/1.1 200");
    // A client half-way through its request.
    let mut slow = std::net::TcpStream::connect(&address).expect("connect");
    slow.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n")
        .expect("send");

    let pid = server.child.id().to_string();
    let stopping = Instant::now();
    assert!(
        Command::new("kill")
            .args(["-INT", &pid])
            .status()
            .expect("kill")
            .success()
    );
    let status = loop {
        if let Some(status) = server.child.try_wait().expect("wait") {
            break status;
        }
        assert!(
            stopping.elapsed() < Duration::from_secs(5),
            "still running with a preview tab open"
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!(status.success(), "exit status {status:?}");
    // Ctrl-C promises a second; the slack is for a loaded test machine.
    assert!(
        stopping.elapsed() < Duration::from_secs(2),
        "{:?}",
        stopping.elapsed()
    );
}

#[test]
fn a_client_that_never_finishes_its_headers_is_cut_off() {
    let site = TempSite::new(SITE_YAML).with("incidents/panel.md", EVENT);
    let server = start(&site);
    let (response, closed) = raw(
        &server,
        b"GET / HTTP/1.1\r\nHost: x\r\n",
        Duration::from_secs(15),
    );
    assert!(
        closed,
        "the connection is still open after 15 s: {response}"
    );
    assert!(!response.contains("200 OK"), "{response}");
}

#[test]
fn folder_redirects_never_leave_the_site() {
    let site = TempSite::new(SITE_YAML).with("incidents/panel.md", EVENT);
    let server = start(&site);
    for path in [
        "//components/panel",
        "///components/panel",
        "/components/panel",
    ] {
        let request = format!("GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        let (response, _) = raw(&server, request.as_bytes(), Duration::from_secs(10));
        assert!(response.starts_with("HTTP/1.1 301"), "{path}: {response}");
        assert_eq!(
            header(&response, "location"),
            Some("/components/panel/"),
            "{path}"
        );
    }
}

#[test]
fn other_methods_get_405_with_allow_without_reading_a_body() {
    let site = TempSite::new(SITE_YAML).with("incidents/panel.md", EVENT);
    let server = start(&site);
    // A body announced and never sent must not hold the answer.
    let (response, _) = raw(
        &server,
        b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000\r\n\r\n",
        Duration::from_secs(10),
    );
    assert!(response.starts_with("HTTP/1.1 405"), "{response}");
    assert_eq!(header(&response, "allow"), Some("GET, HEAD"));
}

/// Waits at most 30 s for the server to print a line that satisfies `wanted`.
fn wait_for_line(server: &Server, wanted: impl Fn(&str) -> bool) -> String {
    loop {
        let line = server
            .lines
            .recv_timeout(Duration::from_secs(30))
            .expect("the server prints the line in time");
        if wanted(&line) {
            return line;
        }
    }
}

#[test]
fn serve_indexes_older_events_apart_and_carries_them_over_after_an_edit() {
    let old = EVENT
        .replace("2026-11-25", "2024-03-02")
        .replace("Panel slow", "Panel down");
    let site = TempSite::new(SITE_YAML)
        .with("incidents/panel.md", EVENT)
        .with("incidents/old.md", &old);
    let server = start(&site);
    let first = wait_for_line(&server, |l| l.starts_with("Search index of"));
    assert!(
        first.starts_with("Search index of 2 pages ready"),
        "{first}"
    );
    let (_, _, merged) = get(&server, "/pagefind/sitrep-merge.json");
    assert_eq!(merged, r#"["pagefind/archive/2024/"]"#);
    let (status, _, archive) = get(&server, "/pagefind/archive/2024/pagefind-entry.json");
    assert_eq!(status, 200, "{archive}");

    std::fs::write(
        site.root().join("incidents/panel.md"),
        EVENT.replace("Slow.", "Slow pages."),
    )
    .expect("write");
    // Only this year's part is indexed again (an earlier rebuild, had there been one, would
    // have carried both over, and is skipped).
    wait_for_line(&server, |l| {
        l.starts_with("Search index of 2 pages (1 carried over from the previous build)")
    });
    assert_eq!(
        get(&server, "/pagefind/archive/2024/pagefind-entry.json").2,
        archive
    );
}

#[test]
fn serve_rebuilds_the_search_index_after_the_pages() {
    let site = TempSite::new(SITE_YAML).with("incidents/panel.md", EVENT);
    let server = start(&site);
    let count = |body: &str| -> Option<u64> {
        let entry: serde_json::Value = serde_json::from_str(body).ok()?;
        entry["languages"]["en"]["page_count"].as_u64()
    };
    wait_for(&server, "/pagefind/pagefind-entry.json", |b| {
        count(b) == Some(1)
    });
    assert_eq!(get(&server, "/search/").0, 200);

    std::fs::write(
        site.root().join("incidents/web.md"),
        EVENT
            .replace("Panel slow", "Website slow")
            .replace("panel:", "web:"),
    )
    .expect("write");
    wait_for(&server, "/incidents/web/", |b| b.contains("Website slow"));
    let entry = wait_for(&server, "/pagefind/pagefind-entry.json", |b| {
        count(b) == Some(2)
    });
    let meta = serde_json::from_str::<serde_json::Value>(&entry).expect("json")["languages"]["en"]
        ["hash"]
        .as_str()
        .expect("hash")
        .to_string();
    assert_eq!(
        get(&server, &format!("/pagefind/pagefind.{meta}.pf_meta")).0,
        200,
        "the entry and the index it names are swapped in together"
    );
}

/// The `path:line:column: message` lines of a report.
fn located(text: &str) -> Vec<String> {
    let mut lines: Vec<String> = text
        .lines()
        .map(|l| l.trim())
        .filter(|l| {
            l.split(": ").next().is_some_and(|at| {
                let parts: Vec<&str> = at.rsplitn(3, ':').collect();
                parts.len() == 3 && parts[..2].iter().all(|p| p.parse::<u32>().is_ok())
            })
        })
        .map(str::to_string)
        .collect();
    lines.sort();
    lines
}

/// `check`'s located errors, and the preview's, of a site with a broken template and
/// translation, and `site_yaml` and `event` as given.
fn check_and_serve(site_yaml: &str, event: &str) -> (Vec<String>, Vec<String>) {
    let site = TempSite::new(site_yaml)
        .with("incidents/panel.md", event)
        .with(
            "themes/default/templates/404.html",
            "{% extends \"base.html\" %}\n{% block content %}\n{{ nope( }}\n{% endblock content %}\n",
        )
        .with("themes/default/i18n/en.yaml", "status_operational: [unclosed\n");
    let (code, checked) = site.check();
    assert_eq!(code, 1);
    let server = start(&site);
    let (status, _, body) = get(&server, "/");
    assert_eq!(status, 500);
    let pre = body.find("<pre").map(|i| &body[i..]).unwrap_or(&body);
    let text = &pre[pre.find('>').map_or(0, |i| i + 1)..pre.find("</pre>").unwrap_or(pre.len())];
    let shown = text
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&");
    (located(&checked), located(&shown))
}

fn files_of(located: &[String]) -> Vec<&str> {
    located
        .iter()
        .map(|l| l.split(':').next().unwrap_or(""))
        .collect()
}

#[test]
fn serve_shows_exactly_the_errors_check_reports_on_a_site_broken_in_every_layer() {
    let broken_event = EVENT.replace("status: investigating", "status: investigatin");
    let broken_yaml =
        SITE_YAML.replace("time_zone: America/New_York", "time_zone: America/New_Yrok");
    // A broken site.yaml leaves the events unread (what they mean depends on it), so the
    // event is broken in a second site whose site.yaml is fine.
    for (site_yaml, event, layers) in [
        (
            broken_yaml.as_str(),
            EVENT,
            [
                "site.yaml",
                "themes/default/templates/404.html",
                "themes/default/i18n/en.yaml",
            ],
        ),
        (
            SITE_YAML,
            broken_event.as_str(),
            [
                "incidents/panel.md",
                "themes/default/templates/404.html",
                "themes/default/i18n/en.yaml",
            ],
        ),
    ] {
        let (checked, served) = check_and_serve(site_yaml, event);
        let files = files_of(&checked);
        for layer in layers {
            assert!(files.contains(&layer), "check reports {layer}: {checked:?}");
        }
        assert_eq!(served, checked, "the preview shows what check reports");
    }
}
