//! `sitrep publish` end to end: a folder and a bare Git repository need no server and run
//! here; the S3 tests start the `s3s-fs` server named by `SITREP_S3S_FS` (as `.ci/run` does)
//! and are skipped, saying so, without it.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::support::{fixture, sitrep, snapshot, stderr};

pub(crate) const NOW: &str = "2026-04-20T12:00:00Z";
pub(crate) const LATER: &str = "2026-04-20T13:00:00Z";

/// The basic fixture copied into a temporary folder, with `publish` appended to site.yaml.
pub(crate) struct Site {
    dir: tempfile::TempDir,
}

impl Site {
    pub(crate) fn new(publish: &str) -> Site {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path().join("site");
        copy_dir(&fixture("basic"), &root);
        let yaml = std::fs::read_to_string(root.join("site.yaml")).expect("read site.yaml");
        std::fs::write(
            root.join("site.yaml"),
            format!("{yaml}\npublish:\n{publish}"),
        )
        .expect("write site.yaml");
        Site { dir }
    }

    pub(crate) fn root(&self) -> PathBuf {
        self.dir.path().join("site")
    }

    /// A path beside the site folder, for targets.
    pub(crate) fn beside(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    pub(crate) fn run(&self, args: &[&str]) -> Output {
        let root = self.root();
        let mut all = args.to_vec();
        all.extend(["--root", root.to_str().expect("utf-8")]);
        sitrep(&all)
    }

    pub(crate) fn publish(&self, now: &str, extra: &[&str]) -> String {
        let mut args = vec!["publish", "--now", now];
        args.extend_from_slice(extra);
        let out = self.run(&args);
        assert!(out.status.success(), "publish failed:\n{}", stderr(&out));
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    fn resolve_ongoing(&self) -> String {
        let out = self.run(&[
            "update",
            "ongoing",
            "--status",
            "resolved",
            "--message",
            "Fixed.",
            "--now",
            LATER,
            "--publish",
        ]);
        assert!(out.status.success(), "update failed:\n{}", stderr(&out));
        String::from_utf8_lossy(&out.stdout).into_owned()
    }
}

/// The files of a built site, without the marker the output writer leaves in its folders.
pub(crate) fn site_files(dir: &Path) -> std::collections::BTreeMap<String, Vec<u8>> {
    let mut files = snapshot(dir);
    files.remove(".sitrep-output");
    files
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for entry in std::fs::read_dir(from).expect("read dir") {
        let entry = entry.expect("entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("type").is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copy");
        }
    }
}

/// `N uploaded, M deleted` from a target's summary line.
pub(crate) fn counts(stdout: &str) -> Vec<(usize, usize)> {
    stdout
        .lines()
        .filter_map(|l| {
            let (up, rest) = l.trim().split_once(" uploaded, ")?;
            let (del, _) = rest.split_once(" deleted")?;
            Some((up.parse().ok()?, del.parse().ok()?))
        })
        .collect()
}

#[test]
fn publish_to_a_folder_swaps_in_the_built_site_and_then_only_changes() {
    let site = Site::new("  - folder: { path: ../www }\n");
    let www = site.beside("www");
    let first = site.publish(NOW, &[]);
    assert!(
        first.contains("live at https://status.example.com/"),
        "{first}"
    );
    assert_eq!(site_files(&www), site_files(&site.root().join("public")));
    let sent = counts(&first);
    assert_eq!(sent.len(), 1, "{first}");
    assert_eq!(sent[0].0, site_files(&www).len());

    let before_update = site_files(&www);
    let after_update = site.resolve_ongoing();
    assert_eq!(site_files(&www), site_files(&site.root().join("public")));
    let (uploaded, deleted) = counts(&after_update)[0];
    assert!(
        uploaded > 0 && uploaded < site_files(&www).len(),
        "{after_update}"
    );
    // Only the search index's content-named files give way to their successors
    // (docs/search.md); no page is deleted by an update.
    let gone: Vec<&String> = before_update
        .keys()
        .filter(|p| !www.join(p).exists())
        .collect();
    assert_eq!(deleted, gone.len(), "{after_update}");
    assert!(gone.iter().all(|p| p.starts_with("pagefind/")), "{gone:?}");

    std::fs::remove_file(site.root().join("incidents/notice.md")).expect("remove");
    let after_removal = site.publish(LATER, &[]);
    assert!(counts(&after_removal)[0].1 >= 1, "{after_removal}");
    assert!(!www.join("incidents/notice/index.html").exists());
    let names: Vec<String> = std::fs::read_dir(site.dir.path())
        .expect("list")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    assert!(
        names.iter().all(|n| !n.contains("sitrep-")),
        "no staging folder left: {names:?}"
    );
}

/// `spare: true` keeps the previous publish beside the folder, and the next brings it up to
/// date instead of making every folder anew; nothing in it is trusted.
#[test]
fn a_folder_target_with_a_spare_brings_it_up_to_date_and_trusts_nothing_in_it() {
    let site = Site::new("  - folder: { path: ../www, spare: true }\n");
    let (www, spare) = (site.beside("www"), site.beside(".www.sitrep-spare"));
    site.publish(NOW, &[]);
    assert_eq!(site_files(&www), site_files(&site.root().join("public")));
    assert!(!spare.exists(), "nothing to keep after the first publish");
    site.resolve_ongoing();
    assert_eq!(site_files(&www), site_files(&site.root().join("public")));
    assert!(
        spare.is_dir(),
        "the previous publish is kept beside the folder"
    );

    // The spare tampered with: a page edited, a stray file, a link where a folder belongs.
    std::fs::write(spare.join("index.html"), "<p>defaced</p>").expect("write");
    std::fs::write(spare.join("stray.html"), "stray").expect("write");
    let history = spare.join("history");
    std::fs::remove_dir_all(&history).expect("remove");
    std::os::unix::fs::symlink(site.root(), &history).expect("link");
    std::fs::remove_file(site.root().join("incidents/notice.md")).expect("remove");
    site.publish(LATER, &[]);
    assert_eq!(site_files(&www), site_files(&site.root().join("public")));
    assert!(!www.join("stray.html").exists() && !www.join("history").is_symlink());
    assert!(
        site.root().join("site.yaml").is_file(),
        "what the link pointed to is untouched"
    );
    let names: Vec<String> = std::fs::read_dir(site.dir.path())
        .expect("list")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("sitrep-"))
        .collect();
    assert_eq!(
        names,
        [".www.sitrep-spare"],
        "only the spare beside the folder"
    );
}

#[test]
fn dry_run_lists_changes_and_sends_nothing() {
    let site = Site::new("  - folder: { path: ../www }\n");
    site.publish(NOW, &[]);
    let before = site_files(&site.beside("www"));
    std::fs::remove_file(site.root().join("incidents/notice.md")).expect("remove");
    let dry = site.publish(LATER, &["--dry-run"]);
    assert!(dry.contains("  - incidents/notice/index.html\n"), "{dry}");
    assert!(dry.contains("  ~ index.html\n"), "{dry}");
    assert!(dry.contains("dry run: nothing was sent"), "{dry}");
    assert_eq!(site_files(&site.beside("www")), before);
}

pub(crate) fn git(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .arg("--git-dir")
        .arg(dir)
        .args(args)
        .output()
        .expect("run git");
    assert!(out.status.success(), "git {args:?}: {}", stderr(&out));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

pub(crate) fn bare_repo(path: &Path) {
    let out = Command::new("git")
        .args(["init", "-q", "--bare"])
        .arg(path)
        .output()
        .expect("run git");
    assert!(out.status.success(), "{}", stderr(&out));
}

/// Runs git in a work tree (or any folder), as a committer of its own; returns stdout.
pub(crate) fn git_in(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args([
            "-c",
            "user.name=Other",
            "-c",
            "user.email=other@example.com",
        ])
        .args(args)
        .output()
        .expect("run git");
    assert!(out.status.success(), "git {args:?}: {}", stderr(&out));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A bare repository in `dir` and the basic site publishing to its `pages` branch, published
/// once at NOW.
pub(crate) fn published_to_git(dir: &Path) -> (PathBuf, Site) {
    let remote = dir.join("status.git");
    bare_repo(&remote);
    let site = Site::new(&format!(
        "  - git: {{ remote: \"{}\", branch: pages }}\n",
        remote.display()
    ));
    site.publish(NOW, &[]);
    (remote, site)
}

#[test]
fn publish_to_a_git_branch_commits_on_top_and_keeps_history() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (remote, site) = published_to_git(dir.path());
    let tree = |repo: &Path| -> Vec<String> {
        git(repo, &["ls-tree", "-r", "--name-only", "pages"])
            .lines()
            .map(str::to_string)
            .collect()
    };
    let mut expected: Vec<String> = site_files(&site.root().join("public"))
        .into_keys()
        .collect();
    expected.extend([".nojekyll".to_string(), "CNAME".to_string()]);
    expected.sort();
    assert_eq!(tree(&remote), expected);
    assert_eq!(
        git(&remote, &["show", "pages:CNAME"]),
        "status.example.com\n"
    );
    assert_eq!(
        git(&remote, &["show", "pages:index.html"]).as_bytes(),
        std::fs::read(site.root().join("public/index.html")).expect("read")
    );

    site.resolve_ongoing();
    assert_eq!(git(&remote, &["rev-list", "--count", "pages"]).trim(), "2");
    assert_eq!(
        git(&remote, &["show", "pages:incidents/ongoing/index.html"]).as_bytes(),
        std::fs::read(site.root().join("public/incidents/ongoing/index.html")).expect("read")
    );

    let unchanged = site.publish(LATER, &[]);
    assert_eq!(counts(&unchanged), [(0, 0)], "{unchanged}");
    assert_eq!(
        git(&remote, &["rev-list", "--count", "pages"]).trim(),
        "2",
        "no empty commit"
    );

    std::fs::remove_file(site.root().join("incidents/notice.md")).expect("remove");
    site.publish(LATER, &[]);
    assert!(!tree(&remote).contains(&"incidents/notice/index.html".to_string()));
    assert_eq!(git(&remote, &["rev-list", "--count", "pages"]).trim(), "3");
}

/// Someone else pushes to the branch between this publish's fetch and its push: a `git` first
/// on PATH pushes their commit just before passing `push` on to the real one. The push is
/// refused, the author is told to publish again, their commit stays, and the next publish goes
/// on top of it.
#[test]
fn a_push_refused_because_someone_else_pushed_keeps_their_commit() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (remote, site) = published_to_git(dir.path());

    let other = dir.path().join("other");
    git_in(
        dir.path(),
        &[
            "clone",
            "-q",
            "-b",
            "pages",
            &remote.to_string_lossy(),
            "other",
        ],
    );
    std::fs::write(other.join("theirs.txt"), "published from elsewhere\n").expect("write");
    git_in(&other, &["add", "theirs.txt"]);
    git_in(&other, &["commit", "-q", "-m", "Their publish"]);
    let theirs = git_in(&other, &["rev-parse", "HEAD"]).trim().to_string();

    let real_git = String::from_utf8_lossy(
        &Command::new("sh")
            .args(["-c", "command -v git"])
            .output()
            .expect("run sh")
            .stdout,
    )
    .trim()
    .to_string();
    let bin = dir.path().join("bin");
    std::fs::create_dir(&bin).expect("mkdir");
    let wrapper = bin.join("git");
    std::fs::write(
        &wrapper,
        format!(
            "#!/bin/sh\nfor arg in \"$@\"; do\n  if [ \"$arg\" = push ]; then\n    \"{real_git}\" -C \"{}\" push -q origin pages || exit 1\n    break\n  fi\ndone\nexec \"{real_git}\" \"$@\"\n",
            other.display()
        ),
    )
    .expect("write wrapper");
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&wrapper, std::fs::Permissions::from_mode(0o755)).expect("chmod");

    let update = site.run(&[
        "update",
        "ongoing",
        "--status",
        "monitoring",
        "--message",
        "Watching.",
        "--now",
        LATER,
    ]);
    assert!(update.status.success(), "{}", stderr(&update));
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let raced = Command::new(env!("CARGO_BIN_EXE_sitrep"))
        .args(["publish", "--now", LATER, "--root"])
        .arg(site.root())
        .env("PATH", path)
        .env_remove("SOURCE_DATE_EPOCH")
        .output()
        .expect("run sitrep");
    let message = stderr(&raced);
    assert!(!raced.status.success(), "the push went through:\n{message}");
    assert!(message.contains("someone published at"), "{message}");
    assert!(message.contains("run publish again"), "{message}");
    assert_eq!(
        git(&remote, &["rev-parse", "pages"]).trim(),
        theirs,
        "their commit is the branch's tip"
    );

    site.publish(LATER, &[]);
    let history = git(&remote, &["rev-list", "pages"]);
    assert!(history.lines().any(|c| c == theirs), "{history}");
    assert_eq!(
        git(&remote, &["show", "pages:incidents/ongoing/index.html"]).as_bytes(),
        std::fs::read(site.root().join("public/incidents/ongoing/index.html")).expect("read")
    );
}

#[test]
fn one_failing_target_does_not_stop_the_others() {
    let dir = tempfile::tempdir().expect("tempdir");
    let missing = dir.path().join("no-such-repo.git");
    let site = Site::new(&format!(
        "  - git: {{ remote: \"{}\" }}\n  - folder: {{ path: ../www }}\n",
        missing.display()
    ));
    let out = site.run(&["publish", "--now", NOW]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(err.contains("`git ls-remote"), "{err}");
    assert!(
        err.contains("1 of 2 publish targets failed; the others are up to date"),
        "{err}"
    );
    assert!(site.beside("www").join("index.html").exists());
}

#[test]
fn publish_without_targets_says_how_to_add_one() {
    let site = Site::new("");
    let yaml = std::fs::read_to_string(site.root().join("site.yaml")).expect("read");
    std::fs::write(
        site.root().join("site.yaml"),
        yaml.trim_end().trim_end_matches("publish:"),
    )
    .expect("write");
    let out = site.run(&["publish", "--now", NOW]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).starts_with("error: site.yaml has no `publish:` targets"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_misspelt_target_is_located_in_site_yaml() {
    let site = Site::new("  - folder: { path: ../www }\n  - s4: { bucket: status }\n");
    let out = site.run(&["publish", "--now", NOW]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    let line = std::fs::read_to_string(site.root().join("site.yaml"))
        .expect("read")
        .lines()
        .position(|l| l.contains("s4:"))
        .expect("line")
        + 1;
    assert!(
        err.starts_with(&format!("site.yaml:{line}:5: unknown value `s4`")),
        "{err}"
    );
    assert!(err.contains("help: did you mean `s3`?"), "{err}");
    assert!(!site.beside("www").exists(), "nothing published");
}

/// An s3s-fs server on a free port, stopped when dropped.
pub(crate) struct S3Server {
    child: std::process::Child,
    data: tempfile::TempDir,
    pub(crate) endpoint: String,
}

impl S3Server {
    /// `None` (with the reason printed) when `SITREP_S3S_FS` does not name the server.
    pub(crate) fn start() -> Option<S3Server> {
        let Some(binary) = std::env::var_os("SITREP_S3S_FS") else {
            // Straight to stderr, past the test harness's capture, so the skip is seen.
            let _ = writeln!(
                std::io::stderr(),
                "skipped: set SITREP_S3S_FS to an s3s-fs binary (.ci/run does) to run this test"
            );
            return None;
        };
        let data = tempfile::tempdir().expect("tempdir");
        std::fs::create_dir_all(data.path().join("status")).expect("bucket");
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("free port")
            .port();
        let child = Command::new(binary)
            .args(["--host", "127.0.0.1", "--port", &port.to_string()])
            .args(["--access-key", "AKTEST", "--secret-key", "SKTEST-secret"])
            .arg(data.path())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("start s3s-fs");
        for _ in 0..100 {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        Some(S3Server {
            child,
            data,
            endpoint: format!("http://127.0.0.1:{port}"),
        })
    }

    pub(crate) fn bucket(&self) -> PathBuf {
        self.data.path().join("status")
    }

    pub(crate) fn publish(&self, site: &Site, now: &str) -> Output {
        publish_command(site, now).output().expect("run sitrep")
    }

    /// The site's files as the server stores them (s3s-fs keeps one file per object).
    pub(crate) fn objects(&self) -> std::collections::BTreeMap<String, Vec<u8>> {
        site_files(&self.bucket())
            .into_iter()
            .filter(|(path, _)| !path.starts_with(".sitrep-manifest") && !path.contains(".s3s"))
            .collect()
    }
}

/// `sitrep publish --now NOW` for the site, with the credentials every S3Server accepts.
pub(crate) fn publish_command(site: &Site, now: &str) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_sitrep"));
    command
        .args(["publish", "--now", now, "--root"])
        .arg(site.root())
        .env("AWS_ACCESS_KEY_ID", "AKTEST")
        .env("AWS_SECRET_ACCESS_KEY", "SKTEST-secret")
        .env_remove("AWS_SESSION_TOKEN")
        .env_remove("AWS_PROFILE")
        .env_remove("SOURCE_DATE_EPOCH");
    command
}

impl Drop for S3Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub(crate) fn s3_site(server: &S3Server) -> Site {
    Site::new(&format!(
        "  - s3: {{ bucket: status, endpoint: \"{}\", region: auto }}\n",
        server.endpoint
    ))
}

#[test]
fn s3_publish_sends_the_site_then_only_what_changed() {
    let Some(server) = S3Server::start() else {
        return;
    };
    let site = s3_site(&server);
    let first = server.publish(&site, NOW);
    assert!(first.status.success(), "{}", stderr(&first));
    assert_eq!(server.objects(), site_files(&site.root().join("public")));

    std::fs::remove_file(site.root().join("incidents/notice.md")).expect("remove");
    let second = server.publish(&site, LATER);
    assert!(second.status.success(), "{}", stderr(&second));
    let stdout = String::from_utf8_lossy(&second.stdout);
    let (uploaded, deleted) = counts(&stdout)[0];
    assert!(uploaded > 0 && deleted >= 1, "{stdout}");
    assert_eq!(
        server.objects(),
        site_files(&site.root().join("public")),
        "no stale file"
    );

    let third = server.publish(&site, LATER);
    assert_eq!(counts(&String::from_utf8_lossy(&third.stdout)), [(0, 0)]);
}

#[test]
fn s3_publish_waits_for_a_publish_under_way_elsewhere() {
    let Some(server) = S3Server::start() else {
        return;
    };
    let site = s3_site(&server);
    assert!(server.publish(&site, NOW).status.success());
    let manifest_path = server.bucket().join(".sitrep-manifest.json");
    let mut manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&manifest_path).expect("read manifest"))
            .expect("manifest is JSON");
    let now = chrono::Utc::now().to_rfc3339();
    manifest["lease"] = serde_json::json!({
        "host": "someone-elses-laptop", "pid": 1, "started": now, "renewed": now
    });
    std::fs::write(&manifest_path, manifest.to_string()).expect("write manifest");
    let before = server.objects();

    std::fs::remove_file(site.root().join("incidents/notice.md")).expect("remove");
    let out = server.publish(&site, LATER);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains("a publish from someone-elses-laptop has been under way since"),
        "{err}"
    );
    assert_eq!(server.objects(), before, "nothing sent");
}

/// A TCP proxy in front of the S3 server that loses the answer to the first `PUT` whose request
/// line holds `needle`: the request reaches the server, which acts on it, and the connection is
/// closed before the answer gets back, as a bad link does.
struct AnswerLosingProxy {
    endpoint: String,
    lost: std::sync::Arc<std::sync::atomic::AtomicUsize>,
}

impl AnswerLosingProxy {
    fn start(upstream: &str, needle: &'static str) -> AnswerLosingProxy {
        use std::io::Read;
        use std::net::{Shutdown, TcpListener, TcpStream};
        use std::sync::Arc;
        use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

        let upstream = upstream.trim_start_matches("http://").to_string();
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let endpoint = format!("http://{}", listener.local_addr().expect("address"));
        let lost = Arc::new(AtomicUsize::new(0));
        let armed = Arc::new(AtomicBool::new(true));
        let counter = Arc::clone(&lost);
        std::thread::spawn(move || {
            for client in listener.incoming().flatten() {
                let Ok(server) = TcpStream::connect(&upstream) else {
                    continue;
                };
                let lose_next = Arc::new(AtomicBool::new(false));
                let (mut from, mut to) = (
                    client.try_clone().expect("clone"),
                    server.try_clone().expect("clone"),
                );
                let (armed, lose) = (Arc::clone(&armed), Arc::clone(&lose_next));
                std::thread::spawn(move || {
                    let mut buf = vec![0; 1 << 16];
                    while let Ok(n @ 1..) = from.read(&mut buf) {
                        let line = buf[..n].split(|&b| b == b'\n').next().unwrap_or_default();
                        let line = String::from_utf8_lossy(line);
                        if line.starts_with("PUT ")
                            && line.contains(needle)
                            && armed.swap(false, Ordering::SeqCst)
                        {
                            lose.store(true, Ordering::SeqCst);
                        }
                        if to.write_all(&buf[..n]).is_err() {
                            break;
                        }
                    }
                    let _ = to.shutdown(Shutdown::Write);
                });
                let (mut from, mut to) = (server, client);
                let lost = Arc::clone(&counter);
                std::thread::spawn(move || {
                    let mut buf = vec![0; 1 << 16];
                    while let Ok(n @ 1..) = from.read(&mut buf) {
                        if lose_next.load(Ordering::SeqCst) {
                            lost.fetch_add(1, Ordering::SeqCst);
                            break;
                        }
                        if to.write_all(&buf[..n]).is_err() {
                            break;
                        }
                    }
                    let _ = to.shutdown(Shutdown::Both);
                    let _ = from.shutdown(Shutdown::Both);
                });
            }
        });
        AnswerLosingProxy { endpoint, lost }
    }
}

/// The server takes the lease (a conditional write of the manifest) but its answer is lost:
/// the retry's condition then fails against our own write. sitrep reads the manifest back,
/// finds its own lease, goes on, and the bucket ends up exactly the site; the next publish is
/// not held up by a lease left behind.
#[test]
fn s3_publish_survives_the_lost_answer_of_its_own_conditional_write() {
    let Some(server) = S3Server::start() else {
        return;
    };
    let proxy = AnswerLosingProxy::start(&server.endpoint, ".sitrep-manifest.json");
    let site = Site::new(&format!(
        "  - s3: {{ bucket: status, endpoint: \"{}\", region: auto }}\n",
        proxy.endpoint
    ));
    let first = server.publish(&site, NOW);
    assert!(first.status.success(), "{}", stderr(&first));
    assert_eq!(
        proxy.lost.load(std::sync::atomic::Ordering::SeqCst),
        1,
        "the proxy lost an answer"
    );
    assert_eq!(server.objects(), site_files(&site.root().join("public")));

    std::fs::remove_file(site.root().join("incidents/notice.md")).expect("remove");
    let second = server.publish(&site, LATER);
    assert!(second.status.success(), "{}", stderr(&second));
    assert_eq!(server.objects(), site_files(&site.root().join("public")));
}

#[test]
fn a_folder_target_may_not_be_the_sites_own_output() {
    let site = Site::new("  - folder: { path: public }\n");
    let out = site.run(&["publish", "--now", NOW]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(err.contains("it is the site's own output folder"), "{err}");
    assert!(
        site.root().join("public/index.html").exists(),
        "the local copy is still written"
    );
}
