//! The Git target: the built site committed on top of a remote branch and pushed, for
//! GitHub, GitLab and Codeberg Pages (docs/publishing.md, "A Git branch").
//!
//! It drives the `git` command line, so the user's own setup applies as it is: SSH keys and
//! agents, credential helpers, `insteadOf` rewrites. A commit is atomic on the host, so no
//! ordering is needed; Git itself sends only the objects the remote lacks. A push that is not
//! a fast-forward is refused by the remote, which is how two publishers are kept apart.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use super::checkout::Checkout;
use super::driver;
use super::plan::{Manifest, Plan, Put};
use super::{Context, PublishError, PublishEvent, TargetReport};
use crate::config::GitTarget;
use crate::render::OutputFile;

/// Hosts whose Pages serve `*.github.io`-style addresses themselves; elsewhere the site's
/// host goes into `CNAME`.
const PAGES_DOMAINS: &[&str] = &["github.io", "gitlab.io", "codeberg.page"];

/// Files on a branch that only sitrep writes: the Statuspage-style API of every site it
/// publishes, and announce's record. A branch holding neither (and not empty) is someone
/// else's, and is never published over (docs/publishing.md, "A Git branch").
pub(crate) const SITREP_FILES: &[&str] = &["api/v2/summary.json", super::beside::LEDGER_PATH];

pub(crate) fn publish(
    target: &GitTarget,
    name: &str,
    files: &[OutputFile],
    context: &Context<'_>,
    on_event: &mut dyn FnMut(PublishEvent),
) -> Result<TargetReport, PublishError> {
    let mut branch = Branch {
        target,
        name: name.to_string(),
        zone: context.time_zone,
        message: format!(
            "Publish the status site as of {}\n\nBuilt and published by sitrep.",
            context.local_time(context.now)
        ),
        checkout: None,
        has_tip: false,
    };
    let site = with_host_files(files, context);
    driver::publish(&mut branch, name, &site, context, on_event)
}

/// A Git branch target, as the publish driver (src/publish/driver.rs) and announce use it.
/// The branch's tip is checked out in a temporary work tree and read as its manifest; the
/// plan's files are written into it and the gone ones removed; the commit and its push are
/// the commit step. It needs no lease: the push is a fast-forward or nothing, so a publish
/// that lost the race is refused at the remote with nothing changed (docs/publishing.md,
/// "Two people publishing at once").
pub(crate) struct Branch<'a> {
    target: &'a GitTarget,
    name: String,
    /// The site's time zone, for the time a conflict names.
    zone: chrono_tz::Tz,
    /// The publish's commit message.
    message: String,
    /// The work tree, once the tip is fetched.
    checkout: Option<(Checkout, PathBuf)>,
    /// The branch exists: its tip is checked out, and is the commit's parent.
    has_tip: bool,
}

impl<'a> Branch<'a> {
    /// The branch `target`, for announce's record on it.
    pub(crate) fn beside(target: &'a GitTarget, name: &str) -> Branch<'a> {
        Branch {
            target,
            name: name.to_string(),
            zone: chrono_tz::Tz::UTC,
            message: String::new(),
            checkout: None,
            has_tip: false,
        }
    }

    fn work(&self) -> &Path {
        self.checkout
            .as_ref()
            .map(|(_, work)| work.as_path())
            .expect("the driver reads the manifest first")
    }

    fn git(&self) -> Git<'_> {
        Git {
            dir: self.work(),
            target: &self.name,
        }
    }
}

impl driver::Target for Branch<'_> {
    fn commit_kind(&self) -> driver::Commit {
        driver::Commit::Whole
    }

    /// The tip's files, as a folder's are read (src/publish/folder.rs): announce's record
    /// on the branch is not the site's, and is kept as it is.
    fn read_manifest(
        &mut self,
        _files: &[OutputFile],
        _on_event: &mut dyn FnMut(PublishEvent),
    ) -> Result<Option<Manifest>, PublishError> {
        let checkout = Checkout::new()?;
        let work = checkout.repo();
        self.checkout = Some((checkout, work));
        let git = self.git();
        git.run(&["init", "-q"])?;
        if git.fetch_site_branch(self.target)?.is_none() {
            return Ok(None);
        }
        git.run(&["reset", "-q", "--hard", "FETCH_HEAD"])?;
        self.has_tip = true;
        super::folder::manifest_of(self.work(), Some(".git")).map(Some)
    }

    fn take_lease(&mut self, _plan: &Plan, _old: Option<&Manifest>) -> Result<(), PublishError> {
        Ok(())
    }

    fn put(
        &mut self,
        wave: &[Put],
        _done: usize,
        _total: usize,
        _on_event: &mut dyn FnMut(PublishEvent),
    ) -> Result<(), PublishError> {
        let dir = self.work();
        for put in wave {
            let path = dir.join(&put.path);
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent)
                    .map_err(|e| crate::Error::io("create", parent, e))?;
            }
            std::fs::write(&path, &put.bytes).map_err(|e| crate::Error::io("write", &path, e))?;
        }
        Ok(())
    }

    fn delete(
        &mut self,
        paths: &[String],
        _done: usize,
        _total: usize,
        _on_event: &mut dyn FnMut(PublishEvent),
    ) -> Result<(), PublishError> {
        for path in paths {
            let path = self.work().join(path);
            match std::fs::remove_file(&path) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(crate::Error::io("remove", &path, e).into()),
            }
        }
        Ok(())
    }

    /// The commit, on top of the tip, and its push.
    fn write_manifest(&mut self, _manifest: &Manifest) -> Result<(), PublishError> {
        let git = self.git();
        // Forced: the user's gitignore (`core.excludesFile`: `*.json`, say) must not leave
        // `api/` or the badges off the branch (docs/reliability.md, "Git target").
        git.run(&["add", "-A", "-f", "."])?;
        // Files the plan rewrote with the bytes they had (a filter or line-ending rule of the
        // user's told them apart) change nothing: no empty commit.
        let unchanged = ["diff", "--cached", "--quiet", "HEAD"];
        if self.has_tip && git.output(&unchanged)?.status.success() {
            return Ok(());
        }
        git.commit(&self.message)?;
        if git.push(self.target)? == Pushed::Behind {
            return Err(PublishError::Conflict {
                target: self.name.clone(),
                at: git.tip_time(self.target, self.zone),
            });
        }
        Ok(())
    }

    fn read_beside(&mut self, path: &str) -> Result<super::beside::Stored, PublishError> {
        read_beside(self.target, &self.name, path)
    }

    fn write_beside(
        &mut self,
        path: &str,
        bytes: &[u8],
        expected: Option<&str>,
    ) -> Result<super::beside::Written, PublishError> {
        write_beside(self.target, &self.name, path, bytes, expected)
    }
}

/// The site plus what Pages hosts need: `.nojekyll` (serve files as they are, `_` names
/// included) and `CNAME` for a custom domain.
fn with_host_files(files: &[OutputFile], context: &Context<'_>) -> Vec<OutputFile> {
    let mut site = files.to_vec();
    site.push(OutputFile::new(".nojekyll", ""));
    let host = context.base_url.host_str().unwrap_or_default();
    let pages_domain = PAGES_DOMAINS
        .iter()
        .any(|d| host == *d || host.ends_with(&format!(".{d}")));
    if !host.is_empty() && !pages_domain {
        site.push(OutputFile::new("CNAME", format!("{host}\n")));
    }
    site
}

struct Git<'a> {
    dir: &'a Path,
    target: &'a str,
}

impl Git<'_> {
    fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new("git");
        command
            .arg("-C")
            .arg(self.dir)
            // A stalled HTTP transfer fails instead of hanging, and is tried again.
            .args([
                "-c",
                "http.lowSpeedLimit=1000",
                "-c",
                "http.lowSpeedTime=20",
            ])
            // `ext::` remotes run commands: refused even where the user's configuration
            // allows every protocol (docs/reliability.md, "Git target").
            .args(["-c", "protocol.ext.allow=never"])
            // Files go onto the branch, and are read back from it, byte for byte as built:
            // a user's `core.autocrlf` would turn the calendar's CRLF lines (RFC 5545) into
            // LF, and make the tip's files differ from the build on checkout.
            .args(["-c", "core.autocrlf=false"])
            .args(args)
            .env("GIT_TERMINAL_PROMPT", "0");
        command
    }

    fn output(&self, args: &[&str]) -> Result<Output, PublishError> {
        self.command(args).output().map_err(|e| PublishError::Git {
            target: self.target.to_string(),
            command: shown(&args.join(" ")),
            message: format!("cannot run git: {e}"),
        })
    }

    fn run(&self, args: &[&str]) -> Result<String, PublishError> {
        let out = self.output(args)?;
        if out.status.success() {
            Ok(String::from_utf8_lossy(&out.stdout).into_owned())
        } else {
            Err(self.failed(args, &out))
        }
    }

    fn failed(&self, args: &[&str], out: &Output) -> PublishError {
        PublishError::Git {
            target: self.target.to_string(),
            command: shown(&args.join(" ")),
            message: shown(String::from_utf8_lossy(&out.stderr).trim()),
        }
    }

    /// Runs a command that talks to the remote, again after a pause if it fails, as the one
    /// retry policy says ([`crate::retry`]).
    fn run_remote(&self, args: &[&str]) -> Result<Output, PublishError> {
        let mut pauses = crate::retry::pauses();
        loop {
            let out = self.output(args)?;
            if out.status.success() || !self.may_retry(args, &out) {
                return Ok(out);
            }
            match pauses.next() {
                Some(pause) => std::thread::sleep(pause),
                None => return Ok(out),
            }
        }
    }

    /// `ls-remote --exit-code` says "no such branch" with exit code 2, and a rejected push
    /// says so in its porcelain output: neither is a network failure worth retrying.
    fn may_retry(&self, args: &[&str], out: &Output) -> bool {
        let no_branch = args.first() == Some(&"ls-remote") && out.status.code() == Some(2);
        !no_branch && !is_rejected_push(out)
    }

    /// [`Self::fetch_branch`], for a branch sitrep may write to: absent, empty, or holding
    /// one of [`SITREP_FILES`]. Any other branch is refused before anything is written.
    fn fetch_site_branch(&self, target: &GitTarget) -> Result<Option<String>, PublishError> {
        let tip = self.fetch_branch(target)?;
        if tip.is_some() {
            let top = self.run(&["ls-tree", "--name-only", "-z", "FETCH_HEAD"])?;
            let mut args = vec!["ls-tree", "-r", "--name-only", "-z", "FETCH_HEAD", "--"];
            args.extend(SITREP_FILES);
            if !top.is_empty() && self.run(&args)?.is_empty() {
                return Err(PublishError::NotSitrepBranch {
                    target: self.target.to_string(),
                    branch: target.branch.clone(),
                });
            }
        }
        Ok(tip)
    }

    /// Fetches the branch's tip, if it exists yet: `Some(commit)`, or `None` for a first
    /// publish. Every user-supplied operand follows `--`, so none is taken as an option.
    fn fetch_branch(&self, target: &GitTarget) -> Result<Option<String>, PublishError> {
        let reference = format!("refs/heads/{}", target.branch);
        let args = ["ls-remote", "--exit-code", "--", &target.remote, &reference];
        let out = self.run_remote(&args)?;
        match out.status.code() {
            Some(0) => {}
            Some(2) => return Ok(None),
            _ => return Err(self.failed(&args, &out)),
        }
        let args = [
            "fetch",
            "-q",
            "--depth",
            "1",
            "--no-tags",
            "--",
            &target.remote,
            &reference,
        ];
        let out = self.run_remote(&args)?;
        if !out.status.success() {
            return Err(self.failed(&args, &out));
        }
        Ok(Some(
            self.run(&["rev-parse", "FETCH_HEAD"])?.trim().to_string(),
        ))
    }

    fn commit(&self, message: &str) -> Result<(), PublishError> {
        // The user's own identity when Git has one; otherwise sitrep signs the commit.
        let has_identity = self.output(&["config", "user.email"])?.status.success();
        let mut args: Vec<&str> = Vec::new();
        if !has_identity {
            args.extend([
                "-c",
                "user.name=sitrep",
                "-c",
                "user.email=sitrep@localhost",
            ]);
        }
        args.extend(["commit", "-q", "--no-verify", "-m", message]);
        self.run(&args).map(|_| ())
    }

    /// Pushes HEAD to the branch, a fast-forward or nothing.
    fn push(&self, target: &GitTarget) -> Result<Pushed, PublishError> {
        let refspec = format!("HEAD:refs/heads/{}", target.branch);
        let args = ["push", "--porcelain", "--", &target.remote, &refspec];
        let out = self.run_remote(&args)?;
        match pushed(&out) {
            Pushed::Failed => Err(self.failed(&args, &out)),
            Pushed::Refused(reason) => Err(PublishError::PushRefused {
                target: self.target.to_string(),
                reason: shown(&reason),
            }),
            outcome => Ok(outcome),
        }
    }

    /// When the branch's current tip was committed, for the "someone published at" message.
    fn tip_time(&self, target: &GitTarget, zone: chrono_tz::Tz) -> String {
        let reference = format!("refs/heads/{}", target.branch);
        let fetched = self
            .run(&[
                "fetch",
                "-q",
                "--depth",
                "1",
                "--",
                &target.remote,
                &reference,
            ])
            .and_then(|_| self.run(&["log", "-1", "--format=%ct", "FETCH_HEAD"]));
        fetched
            .ok()
            .and_then(|s| s.trim().parse::<i64>().ok())
            .and_then(|secs| chrono::DateTime::from_timestamp(secs, 0))
            .map_or_else(|| "an unknown time".into(), |t| super::local_time(zone, t))
    }
}

/// Reads a file from the branch's tip; the tip's commit is its version.
pub(crate) fn read_beside(
    target: &GitTarget,
    name: &str,
    path: &str,
) -> Result<super::beside::Stored, PublishError> {
    let checkout = Checkout::new()?;
    let work = checkout.repo();
    let git = Git {
        dir: &work,
        target: name,
    };
    git.run(&["init", "-q"])?;
    let Some(tip) = git.fetch_site_branch(target)? else {
        return Ok(super::beside::Stored::default());
    };
    let out = git.output(&["show", &format!("{tip}:{path}")])?;
    Ok(super::beside::Stored {
        bytes: out.status.success().then_some(out.stdout),
        version: Some(tip),
    })
}

/// Commits a file on top of the branch and pushes, if the tip is still `expected`. The push
/// is a fast-forward or nothing, so a publish or announce in between is never overwritten.
pub(crate) fn write_beside(
    target: &GitTarget,
    name: &str,
    path: &str,
    bytes: &[u8],
    expected: Option<&str>,
) -> Result<super::beside::Written, PublishError> {
    let checkout = Checkout::new()?;
    let work = checkout.repo();
    let git = Git {
        dir: &work,
        target: name,
    };
    git.run(&["init", "-q"])?;
    let tip = git.fetch_site_branch(target)?;
    if tip.as_deref() != expected {
        return Ok(super::beside::Written::Conflict);
    }
    if tip.is_some() {
        // The index becomes the tip's tree; only the one file changes.
        git.run(&["reset", "-q", "FETCH_HEAD"])?;
    }
    let file = work.join(path);
    std::fs::write(&file, bytes).map_err(|e| crate::Error::io("write", &file, e))?;
    // Forced past the user's gitignore, as the site is (`*.json` would leave it out).
    git.run(&["add", "-f", "--", path])?;
    git.commit("Record what sitrep announced")?;
    if git.push(target)? == Pushed::Behind {
        return Ok(super::beside::Written::Conflict);
    }
    Ok(super::beside::Written::Done(Some(
        git.run(&["rev-parse", "HEAD"])?.trim().to_string(),
    )))
}

/// A git command line or git's own words as messages show them: without the credentials a
/// remote's address may hold (`https://user:token@host/…`; docs/reliability.md, "Git target").
fn shown(text: &str) -> String {
    crate::redact::credentials(text).into_owned()
}

/// What became of a push.
#[derive(Debug, PartialEq, Eq)]
enum Pushed {
    Done,
    /// Not a fast-forward: someone else pushed since the branch was fetched.
    Behind,
    /// The remote itself refused it (a hook, a protected branch): its reason.
    Refused(String),
    /// Anything else: the network, credentials, …
    Failed,
}

/// Reads `git push --porcelain`: a ref the push did not update is marked `!`, followed by
/// `[rejected] (fetch first)` or `(non-fast-forward)` when the branch moved on, and by
/// `[remote rejected] (REASON)` when the remote refused it (a hook, a protected branch),
/// whose own words are the `remote:` lines on stderr.
fn pushed(out: &Output) -> Pushed {
    if out.status.success() {
        return Pushed::Done;
    }
    let stdout = String::from_utf8_lossy(&out.stdout);
    let Some(summary) = stdout
        .lines()
        .find(|line| line.starts_with('!'))
        .and_then(|line| line.split('\t').nth(2))
    else {
        return Pushed::Failed;
    };
    let why = summary.trim_start_matches("[remote rejected]").trim();
    // `cannot lock ref`: another push updated the branch between the remote's fast-forward
    // check and its own update, which is someone else publishing all the same.
    if summary.starts_with("[rejected]") || why.starts_with("(cannot lock ref") {
        return Pushed::Behind;
    }
    let stderr = String::from_utf8_lossy(&out.stderr);
    let remote: Vec<&str> = stderr
        .lines()
        .filter_map(|line| line.strip_prefix("remote:"))
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .collect();
    let mut reason = why.to_string();
    for line in remote {
        reason.push_str("\n  remote: ");
        reason.push_str(line);
    }
    Pushed::Refused(reason)
}

/// Whether a push's porcelain output marks a ref as not updated (`!`): the branch moved on,
/// or the remote refused it. Either way trying again cannot help.
fn is_rejected_push(out: &Output) -> bool {
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .any(|line| line.starts_with('!'))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn host_files(base_url: &str) -> Vec<String> {
        let base_url = url::Url::parse(base_url).expect("url");
        let context = Context {
            root: Path::new("."),
            output: Path::new("public"),
            base_url: &base_url,
            time_zone: chrono_tz::Tz::UTC,
            now: chrono::DateTime::UNIX_EPOCH,
            dry_run: false,
        };
        with_host_files(&[], &context)
            .iter()
            .map(|f| format!("{}={}", f.path, String::from_utf8_lossy(&f.bytes)))
            .collect()
    }

    #[test]
    fn pages_hosts_get_nojekyll_and_a_cname_for_custom_domains() {
        assert_eq!(
            host_files("https://status.example.com/"),
            [".nojekyll=", "CNAME=status.example.com\n"]
        );
        assert_eq!(
            host_files("https://example.github.io/status/"),
            [".nojekyll="]
        );
        assert_eq!(host_files("https://example.codeberg.page/"), [".nojekyll="]);
    }

    /// Values that look like options reach git as addresses (which git then refuses as
    /// "strange"), never as options: nothing runs the command they name.
    #[test]
    fn remotes_that_look_like_options_reach_git_as_addresses() {
        let dir = tempfile::tempdir().expect("tempdir");
        let pwned = dir.path().join("PWNED");
        let target = |option: &str| GitTarget {
            remote: format!("{option}=touch {}", pwned.display()),
            branch: "pages".into(),
        };
        let work = tempfile::tempdir().expect("tempdir");
        let git = Git {
            dir: work.path(),
            target: "test",
        };
        git.run(&["init", "-q"]).expect("init");
        let listed = git.fetch_branch(&target("--upload-pack"));
        assert!(
            matches!(&listed, Err(PublishError::Git { command, .. }) if command.starts_with("ls-remote --exit-code -- --upload-pack")),
            "{listed:?}"
        );
        std::fs::write(work.path().join("index.html"), "<p>Up</p>").expect("write");
        git.run(&["add", "-A", "."]).expect("add");
        git.commit("Publish").expect("commit");
        let pushed = git.push(&target("--receive-pack"));
        assert!(
            matches!(&pushed, Err(PublishError::Git { command, .. }) if command.starts_with("push --porcelain -- --receive-pack")),
            "{pushed:?}"
        );
        assert!(!pwned.exists(), "a command ran");
    }

    /// Git's `ext::` transport runs commands; Git refuses it by default, and sitrep keeps it
    /// refused whatever the user's configuration says (`protocol.allow=always`).
    #[test]
    fn every_git_command_refuses_the_ext_transport() {
        let work = tempfile::tempdir().expect("tempdir");
        let git = Git {
            dir: work.path(),
            target: "test",
        };
        git.run(&["init", "-q"]).expect("init");
        git.run(&["config", "protocol.allow", "always"])
            .expect("config");
        assert_eq!(
            git.run(&["config", "--get", "protocol.ext.allow"])
                .expect("config")
                .trim(),
            "never"
        );
    }

    /// `git push --porcelain` as git 2.47 writes it for each case.
    #[test]
    fn a_push_the_remote_refused_is_told_from_one_that_someone_else_overtook() {
        use std::os::unix::process::ExitStatusExt;
        let out = |code: i32, stdout: &str, stderr: &str| Output {
            status: std::process::ExitStatus::from_raw(code << 8),
            stdout: stdout.as_bytes().to_vec(),
            stderr: stderr.as_bytes().to_vec(),
        };
        let to = "To /srv/status.git\n";
        assert_eq!(
            pushed(&out(
                0,
                &format!("{to}*\tHEAD:refs/heads/pages\t[new branch]\nDone\n"),
                ""
            )),
            Pushed::Done
        );
        for why in ["(fetch first)", "(non-fast-forward)"] {
            let stdout = format!("{to}!\tHEAD:refs/heads/pages\t[rejected] {why}\nDone\n");
            assert_eq!(
                pushed(&out(1, &stdout, "error: failed to push")),
                Pushed::Behind
            );
        }
        // Two pushes at once: the ref moved between the remote's check and its update.
        let raced = format!(
            "{to}!\tHEAD:refs/heads/pages\t[remote rejected] (cannot lock ref 'refs/heads/pages': is at 1234 but expected 5678)\nDone\n"
        );
        assert_eq!(pushed(&out(1, &raced, "")), Pushed::Behind);
        let hooked = format!(
            "{to}!\tHEAD:refs/heads/pages\t[remote rejected] (pre-receive hook declined)\nDone\n"
        );
        assert_eq!(
            pushed(&out(
                1,
                &hooked,
                "remote: frozen\nremote: \nremote:  ask #ops\nerror: failed to push some refs to '/srv/status.git'\n"
            )),
            Pushed::Refused(
                "(pre-receive hook declined)\n  remote: frozen\n  remote: ask #ops".into()
            )
        );
        assert_eq!(
            pushed(&out(
                128,
                "",
                "fatal: unable to access 'https://host/x.git/'"
            )),
            Pushed::Failed
        );
    }
}
