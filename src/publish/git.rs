//! The Git executor: the built site committed on top of a remote branch and pushed, for
//! GitHub, GitLab and Codeberg Pages (docs/publishing.md, "A Git branch").
//!
//! It drives the `git` command line, so the user's own setup applies as it is: SSH keys and
//! agents, credential helpers, `insteadOf` rewrites. A commit is atomic on the host, so no
//! ordering is needed; Git itself sends only the objects the remote lacks. A push that is not
//! a fast-forward is refused by the remote, which is how two publishers are kept apart.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use super::{Context, PublishError, PublishEvent, TargetReport};
use crate::config::GitTarget;
use crate::render::OutputFile;

/// Tries for commands that talk to the remote, with a doubling pause between them.
const NETWORK_TRIES: u32 = 4;

/// Hosts whose Pages serve `*.github.io`-style addresses themselves; elsewhere the site's
/// host goes into `CNAME`.
const PAGES_DOMAINS: &[&str] = &["github.io", "gitlab.io", "codeberg.page"];

pub(crate) fn publish(
    target: &GitTarget,
    name: &str,
    files: &[OutputFile],
    context: &Context<'_>,
    on_event: &mut dyn FnMut(PublishEvent),
) -> Result<TargetReport, PublishError> {
    let started = Instant::now();
    let work = tempfile::Builder::new()
        .prefix("sitrep-publish-")
        .tempdir()
        .map_err(|e| crate::Error::io("create", std::env::temp_dir(), e))?;
    let git = Git {
        dir: work.path(),
        target: name,
    };
    git.run(&["init", "-q"])?;
    let parent = git.fetch_branch(target)?;
    if parent.is_some() {
        git.run(&["reset", "-q", "--soft", "FETCH_HEAD"])?;
    }
    let site = with_host_files(files, context);
    write_tree(work.path(), &site)?;
    git.run(&["add", "-A", "."])?;
    if parent.is_some() {
        // The announce ledger lives on the branch too (docs/announcing.md): kept as it is.
        git.run(&[
            "reset",
            "-q",
            "FETCH_HEAD",
            "--",
            super::beside::LEDGER_PATH,
        ])?;
    }
    let changes = git.staged_changes(parent.is_some())?;

    let mut report = context.report(name, started);
    let sizes: BTreeMap<&str, u64> = site
        .iter()
        .map(|f| (f.path.as_str(), f.bytes.len() as u64))
        .collect();
    let (sent, deleted): (Vec<&Change>, Vec<&Change>) =
        changes.iter().partition(|c| c.kind != ChangeKind::Deleted);
    let bytes = sent
        .iter()
        .map(|c| sizes.get(c.path.as_str()).copied().unwrap_or(0))
        .sum();
    on_event(PublishEvent::Planned {
        target: name.to_string(),
        uploads: sent.len(),
        deletes: deleted.len(),
        bytes,
        unchanged: site.len().saturating_sub(sent.len()),
    });
    if context.dry_run {
        for change in &changes {
            on_event(match change.kind {
                ChangeKind::Deleted => PublishEvent::WouldDelete {
                    path: change.path.clone(),
                },
                kind => PublishEvent::WouldSend {
                    path: change.path.clone(),
                    new: kind == ChangeKind::Added,
                },
            });
        }
        report.elapsed = started.elapsed();
        return Ok(report);
    }
    if !changes.is_empty() {
        let message = format!(
            "Publish the status site as of {}\n\nBuilt and published by sitrep.",
            context.local_time(context.now)
        );
        git.commit(&message)?;
        git.push(target, context)?;
    }
    report.uploaded = sent.len();
    report.deleted = deleted.len();
    report.bytes = bytes;
    report.elapsed = started.elapsed();
    Ok(report)
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

fn write_tree(dir: &Path, files: &[OutputFile]) -> Result<(), PublishError> {
    for file in files {
        let path = dir.join(&file.path);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|e| crate::Error::io("create", parent, e))?;
        }
        std::fs::write(&path, &file.bytes).map_err(|e| crate::Error::io("write", &path, e))?;
    }
    Ok(())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ChangeKind {
    Added,
    Modified,
    Deleted,
}

#[derive(Debug)]
struct Change {
    kind: ChangeKind,
    path: String,
}

/// `git diff --name-status -z` output: `STATUS\0PATH\0…`.
fn parse_name_status(out: &str) -> Vec<Change> {
    let mut fields = out.split('\0').filter(|f| !f.is_empty());
    let mut changes = Vec::new();
    while let (Some(status), Some(path)) = (fields.next(), fields.next()) {
        let kind = match status.chars().next() {
            Some('A') => ChangeKind::Added,
            Some('D') => ChangeKind::Deleted,
            _ => ChangeKind::Modified,
        };
        changes.push(Change {
            kind,
            path: path.to_string(),
        });
    }
    changes
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
            .args(args)
            .env("GIT_TERMINAL_PROMPT", "0");
        command
    }

    fn output(&self, args: &[&str]) -> Result<Output, PublishError> {
        self.command(args).output().map_err(|e| PublishError::Git {
            target: self.target.to_string(),
            command: args.join(" "),
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
            command: args.join(" "),
            message: String::from_utf8_lossy(&out.stderr).trim().to_string(),
        }
    }

    /// Runs a command that talks to the remote, again after a pause if it fails.
    fn run_remote(&self, args: &[&str]) -> Result<Output, PublishError> {
        let mut pause = Duration::from_millis(500);
        let mut tries = 1;
        loop {
            let out = self.output(args)?;
            if out.status.success() || tries == NETWORK_TRIES || !self.may_retry(args, &out) {
                return Ok(out);
            }
            std::thread::sleep(pause);
            pause *= 2;
            tries += 1;
        }
    }

    /// `ls-remote --exit-code` says "no such branch" with exit code 2, and a rejected push
    /// says so in its porcelain output: neither is a network failure worth retrying.
    fn may_retry(&self, args: &[&str], out: &Output) -> bool {
        let no_branch = args.first() == Some(&"ls-remote") && out.status.code() == Some(2);
        !no_branch && !is_rejected_push(out)
    }

    /// Fetches the branch's tip, if it exists yet: `Some(commit)`, or `None` for a first
    /// publish.
    fn fetch_branch(&self, target: &GitTarget) -> Result<Option<String>, PublishError> {
        let reference = format!("refs/heads/{}", target.branch);
        let args = ["ls-remote", "--exit-code", &target.remote, &reference];
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

    /// What the staged tree changes against the fetched tip; on a first publish (no tip),
    /// every staged file is new.
    fn staged_changes(&self, has_parent: bool) -> Result<Vec<Change>, PublishError> {
        if has_parent {
            let diff = [
                "diff",
                "--cached",
                "--name-status",
                "--no-renames",
                "-z",
                "HEAD",
            ];
            return Ok(parse_name_status(&self.run(&diff)?));
        }
        Ok(self
            .run(&["ls-files", "-z"])?
            .split('\0')
            .filter(|f| !f.is_empty())
            .map(|path| Change {
                kind: ChangeKind::Added,
                path: path.to_string(),
            })
            .collect())
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

    fn push(&self, target: &GitTarget, context: &Context<'_>) -> Result<(), PublishError> {
        let refspec = format!("HEAD:refs/heads/{}", target.branch);
        let args = ["push", "--porcelain", &target.remote, &refspec];
        let out = self.run_remote(&args)?;
        if out.status.success() {
            return Ok(());
        }
        if is_rejected_push(&out) {
            return Err(PublishError::Conflict {
                target: self.target.to_string(),
                at: self.tip_time(target, context),
            });
        }
        Err(self.failed(&args, &out))
    }

    /// When the branch's current tip was committed, for the "someone published at" message.
    fn tip_time(&self, target: &GitTarget, context: &Context<'_>) -> String {
        let reference = format!("refs/heads/{}", target.branch);
        let fetched = self
            .run(&["fetch", "-q", "--depth", "1", &target.remote, &reference])
            .and_then(|_| self.run(&["log", "-1", "--format=%ct", "FETCH_HEAD"]));
        fetched
            .ok()
            .and_then(|s| s.trim().parse::<i64>().ok())
            .and_then(|secs| chrono::DateTime::from_timestamp(secs, 0))
            .map_or_else(|| "an unknown time".into(), |t| context.local_time(t))
    }
}

/// Reads a file from the branch's tip; the tip's commit is its version.
pub(crate) fn read_beside(
    target: &GitTarget,
    name: &str,
    path: &str,
) -> Result<super::beside::Stored, PublishError> {
    let work = scratch_dir()?;
    let git = Git {
        dir: work.path(),
        target: name,
    };
    git.run(&["init", "-q"])?;
    let Some(tip) = git.fetch_branch(target)? else {
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
    let work = scratch_dir()?;
    let git = Git {
        dir: work.path(),
        target: name,
    };
    git.run(&["init", "-q"])?;
    let tip = git.fetch_branch(target)?;
    if tip.as_deref() != expected {
        return Ok(super::beside::Written::Conflict);
    }
    if tip.is_some() {
        // The index becomes the tip's tree; only the one file changes.
        git.run(&["reset", "-q", "FETCH_HEAD"])?;
    }
    let file = work.path().join(path);
    std::fs::write(&file, bytes).map_err(|e| crate::Error::io("write", &file, e))?;
    git.run(&["add", "--", path])?;
    git.commit("Record what sitrep announced")?;
    let refspec = format!("HEAD:refs/heads/{}", target.branch);
    let args = ["push", "--porcelain", &target.remote, &refspec];
    let out = git.run_remote(&args)?;
    if is_rejected_push(&out) {
        return Ok(super::beside::Written::Conflict);
    }
    if !out.status.success() {
        return Err(git.failed(&args, &out));
    }
    Ok(super::beside::Written::Done(Some(
        git.run(&["rev-parse", "HEAD"])?.trim().to_string(),
    )))
}

fn scratch_dir() -> Result<tempfile::TempDir, PublishError> {
    Ok(tempfile::Builder::new()
        .prefix("sitrep-publish-")
        .tempdir()
        .map_err(|e| crate::Error::io("create", std::env::temp_dir(), e))?)
}

/// `git push --porcelain` marks a ref the remote refused with `!`.
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

    #[test]
    fn reads_name_status_output() {
        let changes = parse_name_status("A\0index.html\0M\0a b.html\0D\0old.html\0");
        let got: Vec<(ChangeKind, &str)> =
            changes.iter().map(|c| (c.kind, c.path.as_str())).collect();
        assert_eq!(
            got,
            [
                (ChangeKind::Added, "index.html"),
                (ChangeKind::Modified, "a b.html"),
                (ChangeKind::Deleted, "old.html"),
            ]
        );
    }
}
