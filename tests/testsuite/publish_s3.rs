//! The S3 target under attack (docs/reliability.md, "The S3 target"): a bucket that is not
//! there, credentials the server refuses, servers that never answer or answer a byte at a
//! time, a lease dated hours ahead, and a bucket or manifest changed by hand. The tests that
//! need storage start the `s3s-fs` named by `SITREP_S3S_FS` and skip without it; the
//! misbehaving servers are written here, on 127.0.0.1.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Command, Output};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use crate::publish::{LATER, NOW, S3Server, Site, counts, publish_command, s3_site, site_files};
use crate::support::stderr;

/// docs/publishing.md, "Bad networks and interrupted publishes": a request, its retries
/// included, gives up after 30 s (plus 1 s per 64 kB it carries).
const REQUEST_DEADLINE: Duration = Duration::from_secs(30);
/// What building the site and starting the process may add to that in a debug build.
const SLACK: Duration = Duration::from_secs(15);

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Runs the command, killing it if it is still running after `limit`; the time it took.
fn run_within(mut command: Command, limit: Duration) -> (Output, Duration) {
    let started = Instant::now();
    let mut child = command
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("run sitrep");
    while child.try_wait().expect("wait").is_none() {
        if started.elapsed() > limit {
            let _ = child.kill();
            let out = child.wait_with_output().expect("output");
            panic!(
                "still running after {} s; killed. stderr:\n{}",
                limit.as_secs(),
                stderr(&out)
            );
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let out = child.wait_with_output().expect("output");
    (out, started.elapsed())
}

// ---- a. the bucket and the credentials ----

#[test]
fn s3_publish_to_a_bucket_that_does_not_exist_says_so_and_creates_nothing() {
    let Some(server) = S3Server::start() else {
        return;
    };
    let site = Site::new(&format!(
        "  - s3: {{ bucket: no-such-bucket, endpoint: \"{}\", region: auto }}\n",
        server.endpoint
    ));
    let out = server.publish(&site, NOW);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains(
            "s3://no-such-bucket/: the bucket `no-such-bucket` does not exist (check `bucket:` and `endpoint:` in site.yaml)"
        ),
        "{err}"
    );
    let data = server.bucket().parent().expect("data folder").to_path_buf();
    assert!(
        !data.join("no-such-bucket").exists(),
        "nothing was written: s3s-fs makes the bucket's folder on the first put"
    );
}

#[test]
fn s3_publish_with_a_wrong_secret_key_says_the_credentials_were_refused() {
    let Some(server) = S3Server::start() else {
        return;
    };
    let site = s3_site(&server);
    let out = publish_command(&site, NOW)
        .env("AWS_SECRET_ACCESS_KEY", "not-the-secret")
        .output()
        .expect("run sitrep");
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("s3://status/: the storage refused the credentials"),
        "{err}"
    );
    assert!(
        err.contains("AWS_ACCESS_KEY_ID") && err.contains("AWS_SECRET_ACCESS_KEY"),
        "says where the credentials come from: {err}"
    );
    assert!(!err.contains("Parts {"), "no raw HTTP dump: {err}");
    assert!(server.objects().is_empty(), "nothing sent");
}

// ---- b. deadlines ----

/// A server on 127.0.0.1 run by `serve` for each connection until the test drops it (and
/// for a minute at most).
struct FakeServer {
    endpoint: String,
    stop: Arc<AtomicBool>,
}

impl FakeServer {
    fn start(serve: fn(TcpStream, &AtomicBool)) -> FakeServer {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        listener.set_nonblocking(true).expect("nonblocking");
        let endpoint = format!("http://{}", listener.local_addr().expect("address"));
        let stop = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&stop);
        std::thread::spawn(move || {
            let started = Instant::now();
            while !flag.load(Ordering::SeqCst) && started.elapsed() < Duration::from_secs(60) {
                match listener.accept() {
                    Ok((stream, _)) => {
                        let flag = Arc::clone(&flag);
                        let _ = stream.set_nonblocking(false);
                        std::thread::spawn(move || serve(stream, &flag));
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(20)),
                }
            }
        });
        FakeServer { endpoint, stop }
    }

    fn site(&self) -> Site {
        Site::new(&format!(
            "  - s3: {{ bucket: status, endpoint: \"{}\", region: auto }}\n",
            self.endpoint
        ))
    }
}

impl Drop for FakeServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
    }
}

/// Holds the connection open and never says a word.
fn never_answer(stream: TcpStream, stop: &AtomicBool) {
    let started = Instant::now();
    while !stop.load(Ordering::SeqCst) && started.elapsed() < Duration::from_secs(60) {
        std::thread::sleep(Duration::from_millis(100));
    }
    drop(stream);
}

/// Answers a HEAD at once (a 20 kB object), and a GET with its headers, then one byte of
/// the body every half second: never silent long enough for a timeout "without progress".
fn trickle(mut stream: TcpStream, stop: &AtomicBool) {
    let mut head = Vec::new();
    let mut byte = [0; 1];
    while !head.ends_with(b"\r\n\r\n") && head.len() < 64 * 1024 {
        match stream.read(&mut byte) {
            Ok(1) => head.push(byte[0]),
            _ => return,
        }
    }
    let headers = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 20000\r\nETag: \"0123456789abcdef0123456789abcdef\"\r\nLast-Modified: Mon, 20 Apr 2026 12:00:00 GMT\r\n\r\n";
    if stream.write_all(headers.as_bytes()).is_err() || head.starts_with(b"HEAD ") {
        return;
    }
    for _ in 0..120 {
        if stop.load(Ordering::SeqCst) || stream.write_all(b" ").is_err() {
            return;
        }
        std::thread::sleep(Duration::from_millis(500));
    }
}

fn gives_up_in_time(server: &FakeServer) -> String {
    let site = server.site();
    let (out, took) = run_within(publish_command(&site, NOW), REQUEST_DEADLINE + SLACK);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        took >= REQUEST_DEADLINE,
        "gave up early, after {took:?}: {err}"
    );
    assert!(
        err.contains("s3://status/: cannot read the manifest: gave up after 30 s"),
        "{err}"
    );
    err
}

#[test]
fn s3_publish_to_a_server_that_never_answers_gives_up_after_the_request_deadline() {
    let server = FakeServer::start(never_answer);
    let err = gives_up_in_time(&server);
    assert!(
        err.contains("(3 attempts; the last: no complete answer within 10 s)"),
        "{err}"
    );
}

#[test]
fn s3_publish_to_a_server_that_trickles_gives_up_after_the_request_deadline() {
    let server = FakeServer::start(trickle);
    let err = gives_up_in_time(&server);
    assert!(
        err.contains("the last: no complete answer within 10 s"),
        "{err}"
    );
}

/// A TCP proxy in front of the S3 server that forwards everything, except that a connection
/// on which a `PUT` of a path holding `needle` starts goes silent (for a minute at most).
struct StallingProxy {
    endpoint: String,
}

impl StallingProxy {
    fn start(upstream: &str, needle: &'static str) -> StallingProxy {
        let upstream = upstream.trim_start_matches("http://").to_string();
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let endpoint = format!("http://{}", listener.local_addr().expect("address"));
        std::thread::spawn(move || {
            for client in listener.incoming().flatten().take(500) {
                let Ok(server) = TcpStream::connect(&upstream) else {
                    continue;
                };
                let stalled = Arc::new(AtomicBool::new(false));
                let (mut from, mut to) = (
                    client.try_clone().expect("clone"),
                    server.try_clone().expect("clone"),
                );
                let stall = Arc::clone(&stalled);
                std::thread::spawn(move || {
                    let mut buf = vec![0; 1 << 16];
                    while let Ok(n @ 1..) = from.read(&mut buf) {
                        let line = buf[..n].split(|&b| b == b'\n').next().unwrap_or_default();
                        let line = String::from_utf8_lossy(line);
                        if line.starts_with("PUT ") && line.contains(needle) {
                            stall.store(true, Ordering::SeqCst);
                            std::thread::sleep(Duration::from_secs(60));
                            return;
                        }
                        if to.write_all(&buf[..n]).is_err() {
                            break;
                        }
                    }
                    let _ = to.shutdown(std::net::Shutdown::Write);
                });
                let (mut from, mut to) = (server, client);
                std::thread::spawn(move || {
                    let mut buf = vec![0; 1 << 16];
                    while let Ok(n @ 1..) = from.read(&mut buf) {
                        if stalled.load(Ordering::SeqCst) || to.write_all(&buf[..n]).is_err() {
                            break;
                        }
                    }
                    let _ = to.shutdown(std::net::Shutdown::Write);
                });
            }
        });
        StallingProxy { endpoint }
    }
}

/// An upload that never completes: the publish gives up on it at the request deadline, and
/// lets go of its lease on the way out, so a publish from another machine need not wait for
/// it to expire; the next publish finishes the job.
#[test]
fn s3_publish_cut_short_by_a_deadline_lets_go_of_its_lease() {
    let Some(server) = S3Server::start() else {
        return;
    };
    let proxy = StallingProxy::start(&server.endpoint, " /status/index.html ");
    let site = Site::new(&format!(
        "  - s3: {{ bucket: status, endpoint: \"{}\", region: auto }}\n",
        proxy.endpoint
    ));
    let (out, _) = run_within(publish_command(&site, NOW), REQUEST_DEADLINE + SLACK);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("s3://status/: cannot upload `index.html`: gave up after 30 s"),
        "{err}"
    );
    let manifest: serde_json::Value = serde_json::from_slice(
        &std::fs::read(server.bucket().join(".sitrep-manifest.json")).expect("read manifest"),
    )
    .expect("manifest is JSON");
    assert_eq!(manifest["lease"], serde_json::Value::Null, "{manifest}");
    assert!(
        !server.bucket().join("index.html").exists(),
        "the front page waits for what it links to"
    );

    let direct = s3_site(&server);
    let again = server.publish(&direct, NOW);
    assert!(again.status.success(), "{}", stderr(&again));
    assert_eq!(server.objects(), site_files(&direct.root().join("public")));
}

/// Two publishers of different sites at once, round after round: at least one wins each
/// time, and the bucket is exactly one of the two sites. (A publish that lost the race once
/// let go of the winner's lease, and then both failed.)
#[test]
fn s3_two_publishers_at_once_never_both_fail() {
    let Some(server) = S3Server::start() else {
        return;
    };
    let (a, b) = (s3_site(&server), s3_site(&server));
    for round in 1..=6 {
        let now = format!("2026-04-20T13:{round:02}:00Z");
        for (site, who) in [(&a, "A"), (&b, "B")] {
            let message = format!("{who}, round {round}.");
            let out = site.run(&[
                "update",
                "ongoing",
                "--status",
                "monitoring",
                "--message",
                &message,
                "--now",
                &now,
            ]);
            assert!(out.status.success(), "{}", stderr(&out));
        }
        let spawn = |site: &Site| {
            publish_command(site, &now)
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .expect("run sitrep")
        };
        let (pa, pb) = (spawn(&a), spawn(&b));
        let (ra, rb) = (
            pa.wait_with_output().expect("wait"),
            pb.wait_with_output().expect("wait"),
        );
        assert!(
            ra.status.success() || rb.status.success(),
            "round {round}: both failed:\n{}\n{}",
            stderr(&ra),
            stderr(&rb)
        );
        let objects = server.objects();
        assert!(
            objects == site_files(&a.root().join("public"))
                || objects == site_files(&b.root().join("public")),
            "round {round}: the bucket is neither site"
        );
    }
}

// ---- c. a lease dated ahead ----

#[test]
fn s3_publish_goes_on_past_a_lease_dated_hours_ahead_and_says_why() {
    let Some(server) = S3Server::start() else {
        return;
    };
    let site = s3_site(&server);
    assert!(server.publish(&site, NOW).status.success());
    let manifest_path = server.bucket().join(".sitrep-manifest.json");
    let mut manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&manifest_path).expect("read manifest"))
            .expect("manifest is JSON");
    let ahead = (chrono::Utc::now() + chrono::TimeDelta::hours(5)).to_rfc3339();
    manifest["lease"] = serde_json::json!({
        "host": "fast-clock-laptop", "pid": 1, "started": ahead, "renewed": ahead
    });
    std::fs::write(&manifest_path, manifest.to_string()).expect("write manifest");

    std::fs::remove_file(site.root().join("incidents/notice.md")).expect("remove");
    let out = server.publish(&site, LATER);
    let err = stderr(&out);
    assert!(out.status.success(), "{err}");
    assert!(
        err.contains(
            "the lease of a publish from fast-clock-laptop is dated 5 hours ahead of this machine's clock"
        ),
        "{err}"
    );
    assert_eq!(server.objects(), site_files(&site.root().join("public")));
}

// ---- d. a bucket or a manifest changed by hand ----

#[test]
fn s3_publish_verify_restores_an_object_deleted_by_hand() {
    let Some(server) = S3Server::start() else {
        return;
    };
    let site = s3_site(&server);
    assert!(server.publish(&site, NOW).status.success());
    let built = site_files(&site.root().join("public"));
    std::fs::remove_file(server.bucket().join("index.html")).expect("delete by hand");
    let resized = server.bucket().join("feed.atom");
    std::fs::write(&resized, b"<feed/>").expect("edit by hand");

    let plain = server.publish(&site, NOW);
    assert!(plain.status.success(), "{}", stderr(&plain));
    assert_eq!(
        counts(&stdout(&plain)),
        [(0, 0)],
        "the manifest alone cannot know"
    );

    let out = publish_command(&site, NOW)
        .arg("--verify")
        .output()
        .expect("run sitrep");
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("2 to send"),
        "index.html and feed.atom: {}",
        stdout(&out)
    );
    assert_eq!(server.objects(), built);

    let again = publish_command(&site, NOW)
        .arg("--verify")
        .output()
        .expect("run sitrep");
    assert!(again.status.success(), "{}", stderr(&again));
    assert_eq!(counts(&stdout(&again)), [(0, 0)], "{}", stdout(&again));
}

/// A change made to the manifest by hand.
type Edit = fn(&mut serde_json::Value);

/// Each edit makes the manifest say what is not so; with `index.html` also deleted by hand,
/// the next plain publish must notice, check, and leave the bucket exactly the build.
#[test]
fn s3_publish_after_the_manifest_was_edited_by_hand_makes_the_bucket_the_build() {
    let Some(server) = S3Server::start() else {
        return;
    };
    let edits: [(&str, Edit); 4] = [
        ("version 99", |m| m["version"] = 99.into()),
        ("a wrong but well-formed hash", |m| {
            m["files"]["feed.atom"]["sha256"] = "0".repeat(64).into();
        }),
        ("a hash that is not one", |m| {
            m["files"]["feed.atom"]["sha256"] = "abc".into();
        }),
        ("a malformed entry", |m| {
            m["files"]["feed.atom"] = serde_json::json!({ "size": "big" });
        }),
    ];
    for (what, edit) in edits {
        let site = s3_site(&server);
        assert!(server.publish(&site, NOW).status.success(), "{what}");
        let manifest_path = server.bucket().join(".sitrep-manifest.json");
        let mut manifest: serde_json::Value =
            serde_json::from_slice(&std::fs::read(&manifest_path).expect("read manifest"))
                .expect("manifest is JSON");
        edit(&mut manifest);
        std::fs::write(&manifest_path, manifest.to_string()).expect("write manifest");
        std::fs::remove_file(server.bucket().join("index.html")).expect("delete by hand");

        let out = server.publish(&site, NOW);
        let err = stderr(&out);
        assert!(out.status.success(), "{what}: {err}");
        assert!(
            err.contains(
                "s3://status/: the manifest `.sitrep-manifest.json` cannot be trusted as it is"
            ),
            "{what}: {err}"
        );
        assert_eq!(
            server.objects(),
            site_files(&site.root().join("public")),
            "{what}"
        );
        let next = server.publish(&site, NOW);
        assert_eq!(counts(&stdout(&next)), [(0, 0)], "{what}: trusted again");
        assert!(!stderr(&next).contains("cannot be trusted"), "{what}");
    }
}
