//! The Git publish target under attack (docs/reliability.md, "Git target"): values git would
//! take as options, credentials in a remote's address, a branch of someone's own files, a
//! remote that refuses pushes, publishes killed half-way, a user's gitignore. Every run gets
//! a Git configuration of its own (`GIT_CONFIG_GLOBAL`), never the real `~/.gitconfig`.

use std::ffi::OsString;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use crate::publish::{LATER, NOW, Site, bare_repo, git, git_in, published_to_git, site_files};
use crate::support::stderr;

/// A webhook channel, so that `announce` reads and writes its record at the Git target.
const ANNOUNCE: &str = "announce:\n  - webhook: { url_env: SITREP_TEST_WEBHOOK }\n";

/// Where the webhook goes when nothing should be sent: port 1 refuses at once.
const NOWHERE: &str = "http://127.0.0.1:1/hook";

fn add_announce(site: &Site) {
    let path = site.root().join("site.yaml");
    let yaml = std::fs::read_to_string(&path).expect("read site.yaml");
    std::fs::write(&path, format!("{yaml}{ANNOUNCE}")).expect("write site.yaml");
}

/// `sitrep ARGS --root SITE --now NOW`, with an empty global Git configuration and the
/// webhook at [`NOWHERE`] unless `env` says otherwise.
fn run_with(site: &Site, args: &[&str], env: &[(&str, OsString)]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_sitrep"))
        .args(args)
        .arg("--root")
        .arg(site.root())
        .args(["--now", NOW])
        .env_remove("SOURCE_DATE_EPOCH")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("SITREP_TEST_WEBHOOK", NOWHERE)
        .envs(env.iter().map(|(k, v)| (k, v)))
        .output()
        .expect("run sitrep")
}

fn run(site: &Site, args: &[&str]) -> Output {
    run_with(site, args, &[])
}

fn shown(out: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&out.stdout), stderr(out))
}

/// Line and column (1-based) of the first `"` on the first line of site.yaml holding `needle`.
fn value_position(site: &Site, needle: &str) -> (usize, usize) {
    let yaml = std::fs::read_to_string(site.root().join("site.yaml")).expect("read");
    let (n, line) = yaml
        .lines()
        .enumerate()
        .find(|(_, l)| l.contains(needle))
        .expect("line");
    let column = line[..line.find(needle).expect("needle")]
        .rfind('"')
        .expect("quote");
    (n + 1, line[..column].chars().count() + 1)
}

fn tree(repo: &Path, branch: &str) -> Vec<String> {
    git(repo, &["ls-tree", "-r", "--name-only", branch])
        .lines()
        .map(str::to_string)
        .collect()
}

#[test]
fn remotes_git_would_take_as_options_are_refused_at_load_and_run_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let pwned = dir.path().join("PWNED");
    let p = pwned.display();
    for remote in [
        format!("--upload-pack=touch {p}"),
        format!("-utouch {p}"),
        format!("--receive-pack=touch {p}"),
        format!("ext::sh -c touch% {p}"),
        format!("EXT::sh -c touch% {p}"),
    ] {
        let site = Site::new(&format!("  - git: {{ remote: \"{remote}\" }}\n"));
        add_announce(&site);
        let out = run(&site, &["check"]);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(1), "{remote}: {err}");
        let (line, column) = value_position(&site, &remote);
        assert!(
            err.starts_with(&format!("site.yaml:{line}:{column}: `remote` `")),
            "{remote}: {err}"
        );
        assert!(
            err.contains("help: write the repository's address"),
            "{err}"
        );
        for args in [
            &["publish"][..],
            &["publish", "--dry-run"],
            &["announce", "--dry-run"],
        ] {
            let out = run(&site, args);
            assert_eq!(
                out.status.code(),
                Some(1),
                "{remote} {args:?}: {}",
                shown(&out)
            );
            assert!(!pwned.exists(), "{remote}: {args:?} ran a command");
        }
    }
}

#[test]
fn branch_names_git_refuses_are_refused_at_load() {
    for (branch, why) in [
        ("-x", "it begins with `-`"),
        ("--upload-pack=touch PWNED", "it begins with `-`"),
        ("a..b", "it contains `..`"),
        ("my pages", "it contains a space"),
        ("pages:main", "it contains `:`"),
        ("pages.lock", "it ends with `.lock`"),
    ] {
        let site = Site::new(&format!(
            "  - git: {{ remote: \"git@github.com:example/status.git\", branch: \"{branch}\" }}\n"
        ));
        let out = run(&site, &["check"]);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(1), "{branch}: {err}");
        let (line, column) = value_position(&site, &format!("{branch}\" }}"));
        assert!(
            err.starts_with(&format!(
                "site.yaml:{line}:{column}: `branch` `{branch}` is not a branch name Git accepts: {why}"
            )),
            "{branch}: {err}"
        );
        assert!(err.contains("help: e.g. `branch: gh-pages`"), "{err}");
    }
}

#[test]
fn credentials_in_a_remote_address_are_never_shown() {
    let site =
        Site::new("  - git: { remote: \"http://sitrep:SECRET-TOKEN@127.0.0.1:1/status.git\" }\n");
    add_announce(&site);
    for args in [
        &["publish"][..],
        &["publish", "--dry-run"],
        &["announce", "--dry-run"],
    ] {
        let out = run(&site, args);
        let text = shown(&out);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {text}");
        assert!(
            text.contains("http://<redacted>@127.0.0.1:1/status.git"),
            "{args:?}: {text}"
        );
        assert!(!text.contains("SECRET-TOKEN"), "{args:?}: {text}");
    }
}

/// A bare repository whose `main` is someone's code, as `git init` and a first commit make it.
fn code_repo(dir: &Path) -> PathBuf {
    let remote = dir.join("code.git");
    bare_repo(&remote);
    let work = dir.join("code");
    git_in(dir, &["init", "-q", "-b", "main", "code"]);
    std::fs::create_dir_all(work.join("src")).expect("mkdir");
    std::fs::write(work.join("README.md"), "# Our product\n").expect("write");
    std::fs::write(work.join("src/main.rs"), "fn main() {}\n").expect("write");
    git_in(&work, &["add", "."]);
    git_in(&work, &["commit", "-q", "-m", "Our code"]);
    git_in(
        &work,
        &[
            "push",
            "-q",
            &remote.to_string_lossy(),
            "main:refs/heads/main",
        ],
    );
    remote
}

#[test]
fn a_branch_of_other_files_is_never_published_over() {
    let dir = tempfile::tempdir().expect("tempdir");
    let remote = code_repo(dir.path());
    let tip = git(&remote, &["rev-parse", "main"]);
    let site = Site::new(&format!(
        "  - git: {{ remote: \"{}\", branch: main }}\n",
        remote.display()
    ));
    add_announce(&site);
    for args in [
        &["publish"][..],
        &["publish", "--dry-run"],
        &["announce"],
        &["announce", "--dry-run"],
    ] {
        let out = run(&site, args);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {err}");
        assert!(
            err.contains("the branch `main` holds files sitrep did not publish"),
            "{args:?}: {err}"
        );
        assert!(err.contains("e.g. `branch: gh-pages`"), "{args:?}: {err}");
        assert_eq!(git(&remote, &["rev-parse", "main"]), tip, "{args:?}");
    }
    assert_eq!(tree(&remote, "main"), ["README.md", "src/main.rs"]);
}

/// An HTTP server on 127.0.0.1 that answers 204 to every request: a webhook that works.
fn webhook_receiver() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}/hook", listener.local_addr().expect("address"));
    std::thread::spawn(move || {
        for mut stream in listener.incoming().flatten() {
            let mut reader = BufReader::new(stream.try_clone().expect("clone"));
            let mut length = 0;
            let mut line = String::new();
            while reader.read_line(&mut line).is_ok_and(|n| n > 2) {
                let lower = line.to_ascii_lowercase();
                if let Some(value) = lower.strip_prefix("content-length:") {
                    length = value.trim().parse().unwrap_or(0);
                }
                line.clear();
            }
            let mut body = vec![0; length];
            let _ = reader.read_exact(&mut body);
            let _ = stream.write_all(b"HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n");
        }
    });
    url
}

#[test]
fn new_empty_and_announce_made_branches_are_sitreps_to_publish() {
    let dir = tempfile::tempdir().expect("tempdir");
    let remote = code_repo(dir.path());
    let empty_tree = git_in(&remote, &["mktree"]).trim().to_string();
    let empty = git_in(&remote, &["commit-tree", &empty_tree, "-m", "Empty"]);
    git(&remote, &["update-ref", "refs/heads/empty", empty.trim()]);
    let webhook = webhook_receiver();
    for branch in ["empty", "fresh"] {
        let site = Site::new(&format!(
            "  - git: {{ remote: \"{}\", branch: {branch} }}\n",
            remote.display()
        ));
        let out = run(&site, &["publish"]);
        assert!(out.status.success(), "{branch}: {}", shown(&out));
        assert!(tree(&remote, branch).contains(&"index.html".to_string()));
    }
    // `announce` before any publish makes the branch with its record alone.
    let site = Site::new(&format!(
        "  - git: {{ remote: \"{}\", branch: record }}\n",
        remote.display()
    ));
    add_announce(&site);
    let env = [("SITREP_TEST_WEBHOOK", OsString::from(&webhook))];
    let out = run_with(&site, &["announce"], &env);
    assert!(out.status.success(), "{}", shown(&out));
    assert_eq!(tree(&remote, "record"), [".sitrep-announced.json"]);
    let out = run_with(&site, &["publish"], &env);
    assert!(out.status.success(), "{}", shown(&out));
    assert!(tree(&remote, "record").contains(&"index.html".to_string()));
}

#[test]
fn a_push_the_remote_refuses_is_reported_with_the_remotes_reason() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (remote, site) = published_to_git(dir.path());
    let tip = git(&remote, &["rev-parse", "pages"]);
    let hook = remote.join("hooks/pre-receive");
    std::fs::write(
        &hook,
        "#!/bin/sh\necho 'publishing is frozen during the audit; ask #ops' >&2\nexit 1\n",
    )
    .expect("write hook");
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&hook, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    std::fs::remove_file(site.root().join("incidents/notice.md")).expect("remove");

    let out = run(&site, &["publish"]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("the remote refused the push"), "{err}");
    assert!(
        err.contains("publishing is frozen during the audit; ask #ops"),
        "{err}"
    );
    assert!(!err.contains("someone published"), "{err}");
    assert_eq!(git(&remote, &["rev-parse", "pages"]), tip);
}

/// A `git` first on PATH that, when asked to push, does what `SITREP_TEST_AT_PUSH` says:
/// `kill` kills its caller (sitrep) with SIGKILL; `wait` creates `at-push` in
/// `SITREP_TEST_DIR` and waits for `go` there, then pushes.
fn git_stopping_at_push(bin: &Path) -> OsString {
    let real_git = String::from_utf8_lossy(
        &Command::new("sh")
            .args(["-c", "command -v git"])
            .output()
            .expect("run sh")
            .stdout,
    )
    .trim()
    .to_string();
    std::fs::create_dir_all(bin).expect("mkdir");
    let wrapper = bin.join("git");
    std::fs::write(
        &wrapper,
        format!(
            "#!/bin/sh\nfor arg in \"$@\"; do\n  if [ \"$arg\" = push ]; then\n    case \"$SITREP_TEST_AT_PUSH\" in\n      kill) kill -9 $PPID; exit 1 ;;\n      wait) touch \"$SITREP_TEST_DIR/at-push\"\n        while [ ! -e \"$SITREP_TEST_DIR/go\" ]; do sleep 0.1; done ;;\n    esac\n    break\n  fi\ndone\nexec \"{real_git}\" \"$@\"\n"
        ),
    )
    .expect("write wrapper");
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&wrapper, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    let mut path = OsString::from(bin);
    path.push(":");
    path.push(std::env::var_os("PATH").unwrap_or_default());
    path
}

/// The names in `dir` that begin with `sitrep-publish-`, sorted.
fn checkouts(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .expect("list")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("sitrep-publish-"))
        .collect();
    names.sort();
    names
}

#[test]
fn a_killed_publishs_checkout_is_removed_by_the_next_and_nothing_else() {
    let dir = tempfile::tempdir().expect("tempdir");
    let tmp = dir.path().join("tmp");
    std::fs::create_dir_all(tmp.join("sitrep-publish-mine")).expect("mkdir");
    std::fs::write(tmp.join("sitrep-publish-mine/notes.txt"), "mine\n").expect("write");
    std::fs::create_dir_all(tmp.join("other")).expect("mkdir");
    std::fs::write(tmp.join("other/notes.txt"), "mine\n").expect("write");
    let path = git_stopping_at_push(&dir.path().join("bin"));
    let env = |at_push: &str| {
        vec![
            ("TMPDIR", OsString::from(&tmp)),
            ("PATH", path.clone()),
            ("SITREP_TEST_AT_PUSH", OsString::from(at_push)),
            ("SITREP_TEST_DIR", OsString::from(dir.path())),
        ]
    };
    let (_killed_remote, killed) = published_to_git(&dir.path().join("killed"));
    std::fs::remove_file(killed.root().join("incidents/notice.md")).expect("remove");
    let out = run_with(&killed, &["publish"], &env("kill"));
    assert_eq!(out.status.code(), None, "killed: {}", shown(&out));
    let left = checkouts(&tmp);
    assert_eq!(
        left.len(),
        2,
        "the killed publish left its checkout: {left:?}"
    );

    // A publish under way, held at its push, while another runs: its checkout must stay.
    let (_remote, waiting) = published_to_git(&dir.path().join("waiting"));
    std::fs::remove_file(waiting.root().join("incidents/notice.md")).expect("remove");
    let held = Command::new(env!("CARGO_BIN_EXE_sitrep"))
        .args(["publish", "--now", LATER, "--root"])
        .arg(waiting.root())
        .env_remove("SOURCE_DATE_EPOCH")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .envs(env("wait"))
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start sitrep");
    let started = Instant::now();
    while !dir.path().join("at-push").exists() {
        assert!(started.elapsed() < Duration::from_secs(120), "never pushed");
        std::thread::sleep(Duration::from_millis(50));
    }
    // It started after the killed one: the killed one's checkout is gone, its own is there.
    let held_checkout: Vec<String> = checkouts(&tmp)
        .into_iter()
        .filter(|n| !left.contains(n))
        .collect();
    assert_eq!(held_checkout.len(), 1, "{:?}", checkouts(&tmp));
    let mut expected = vec!["sitrep-publish-mine".to_string(), held_checkout[0].clone()];
    expected.sort();
    assert_eq!(
        checkouts(&tmp),
        expected,
        "only the killed run's checkout went"
    );

    let (_next_remote, next) = published_to_git(&dir.path().join("next"));
    std::fs::remove_file(next.root().join("incidents/notice.md")).expect("remove");
    let out = run_with(&next, &["publish"], &env("none"));
    assert!(out.status.success(), "{}", shown(&out));
    assert_eq!(
        checkouts(&tmp),
        expected,
        "the held publish's checkout stays"
    );
    assert_eq!(
        std::fs::read_to_string(tmp.join("sitrep-publish-mine/notes.txt")).expect("read"),
        "mine\n"
    );
    assert!(tmp.join("other/notes.txt").exists());

    std::fs::write(dir.path().join("go"), "").expect("write");
    let held = held.wait_with_output().expect("wait");
    assert!(held.status.success(), "{}", stderr(&held));
    assert_eq!(checkouts(&tmp), ["sitrep-publish-mine"]);
}

#[test]
fn a_users_gitignore_drops_nothing_from_the_branch() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (home, xdg) = (dir.path().join("home"), dir.path().join("xdg"));
    std::fs::create_dir_all(&xdg).expect("mkdir");
    std::fs::create_dir_all(&home).expect("mkdir");
    let ignore = dir.path().join("ignore");
    std::fs::write(&ignore, "*.json\n*.svg\n.nojekyll\nCNAME\n").expect("write");
    let config = home.join(".gitconfig");
    std::fs::write(
        &config,
        format!("[core]\n\texcludesFile = {}\n", ignore.display()),
    )
    .expect("write");
    let remote = dir.path().join("status.git");
    bare_repo(&remote);
    let site = Site::new(&format!(
        "  - git: {{ remote: \"{}\", branch: pages }}\n",
        remote.display()
    ));
    add_announce(&site);
    let env = [
        ("HOME", OsString::from(&home)),
        ("XDG_CONFIG_HOME", OsString::from(&xdg)),
        ("GIT_CONFIG_GLOBAL", OsString::from(&config)),
        ("SITREP_TEST_WEBHOOK", OsString::from(webhook_receiver())),
    ];
    let out = run_with(&site, &["publish"], &env);
    assert!(out.status.success(), "{}", shown(&out));
    let mut expected: Vec<String> = site_files(&site.root().join("public"))
        .into_keys()
        .collect();
    expected.extend([
        ".nojekyll".to_string(),
        ".sitrep-announced.json".to_string(),
        "CNAME".to_string(),
    ]);
    expected.sort();
    let published = tree(&remote, "pages");
    assert_eq!(published, expected);
    for file in [
        "api/v2/summary.json",
        "badge.svg",
        "components/web/badge.svg",
    ] {
        assert!(published.contains(&file.to_string()), "{file}");
    }
}

/// A user whose Git converts line endings (`core.autocrlf = true`): every file goes onto the
/// branch as built, the calendar's CRLF lines included (before, they were stored as LF), and
/// a publish with nothing changed sends nothing and makes no commit (docs/publishing.md, "A
/// Git branch").
#[test]
fn a_users_line_ending_conversion_sends_nothing_that_did_not_change() {
    let dir = tempfile::tempdir().expect("tempdir");
    let home = dir.path().join("home");
    std::fs::create_dir_all(&home).expect("mkdir");
    let config = home.join(".gitconfig");
    std::fs::write(&config, "[core]\n\tautocrlf = true\n").expect("write");
    let remote = dir.path().join("status.git");
    bare_repo(&remote);
    let site = Site::new(&format!(
        "  - git: {{ remote: \"{}\", branch: pages }}\n",
        remote.display()
    ));
    let env = [
        ("HOME", OsString::from(&home)),
        ("GIT_CONFIG_GLOBAL", OsString::from(&config)),
    ];
    let first = run_with(&site, &["publish"], &env);
    assert!(first.status.success(), "{}", shown(&first));
    let again = run_with(&site, &["publish"], &env);
    assert!(again.status.success(), "{}", shown(&again));
    assert!(shown(&again).contains("  0 to send"), "{}", shown(&again));
    assert_eq!(git(&remote, &["rev-list", "--count", "pages"]).trim(), "1");
    let built = std::fs::read(site.root().join("public/maintenance.ics")).expect("read");
    assert!(
        built.windows(2).any(|w| w == b"\r\n"),
        "the calendar's lines end in CRLF"
    );
    let stored = git(&remote, &["show", "pages:maintenance.ics"]);
    assert_eq!(stored.as_bytes(), built, "the calendar as built");
}
