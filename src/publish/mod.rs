//! `sitrep publish`: the built site sent to every target in site.yaml's `publish:`, in turn
//! (docs/publishing.md). What to send is decided by `plan`, a pure function; one driver
//! (`driver`) takes every target through the same steps, and each target (`s3`, `git`,
//! `folder`) only does them its own way. The library never prints: progress goes to the
//! caller as [`PublishEvent`]s.

pub(crate) mod beside;
mod checkout;
pub(crate) mod driver;
pub(crate) mod folder;
pub(crate) mod git;
pub(crate) mod lease;
pub(crate) mod plan;
pub(crate) mod s3;
pub(crate) mod trust;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use crate::Now;
use crate::config::PublishTarget;
use crate::error::Error;
use crate::render::OutputFile;

/// What `sitrep publish` was asked for.
#[derive(Debug, Clone)]
pub struct PublishOptions {
    /// The site folder; its site.yaml lists the targets under `publish:`.
    pub root: PathBuf,
    /// The instant the site is built for, as for `build`.
    pub now: Now,
    /// Build and publish draft events too (`--drafts`).
    pub drafts: bool,
    /// Work out and report what would change, sending nothing.
    pub dry_run: bool,
    /// Compare an S3 target's objects with its manifest and mend what differs (`--verify`).
    pub verify: bool,
}

/// What a publish reports as it goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PublishEvent {
    /// The site was built (written to its output folder too, as `build` does).
    Built {
        /// Events on the site.
        events: usize,
        /// Files of the site, the search index included.
        files: usize,
        /// Problems that did not stop the build.
        warnings: Vec<String>,
    },
    /// A target is being compared with the site.
    Started {
        /// The target as messages name it: `s3://bucket/prefix`, `remote (branch)`, a folder.
        target: String,
    },
    /// What this target will receive.
    Planned {
        /// The target, named as in [`PublishEvent::Started`].
        target: String,
        /// Files to send: new, or changed since the target's manifest.
        uploads: usize,
        /// Files on the target the site no longer has.
        deletes: usize,
        /// Total size of the uploads, in bytes.
        bytes: u64,
        /// Files already on the target as built, not sent again.
        unchanged: usize,
    },
    /// `--dry-run`: one file that would be sent (`new` when the target lacks it) or deleted.
    WouldSend {
        /// Relative to the site's root on the target.
        path: String,
        /// The target does not have the file yet.
        new: bool,
    },
    /// `--dry-run`: one file that would be deleted from the target.
    WouldDelete {
        /// Relative to the site's root on the target.
        path: String,
    },
    /// One more file sent or deleted, of `total`.
    Progress {
        /// Files sent or deleted so far on this target.
        done: usize,
        /// Uploads and deletions this target's plan holds.
        total: usize,
    },
    /// A request failed and is being tried again.
    Retrying {
        /// The target, named as in [`PublishEvent::Started`].
        target: String,
        /// What went wrong with the request.
        problem: String,
    },
    /// A target is done.
    Finished(TargetReport),
    /// A target failed; the others are still tried.
    Failed {
        /// The target, named as in [`PublishEvent::Started`].
        target: String,
        /// The [`PublishError`], as text.
        error: String,
    },
    /// Something that did not stop the publish (a wait for another build's lock, …).
    Warning(String),
}

/// What a publish did at one target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TargetReport {
    /// The target, named as in [`PublishEvent::Started`].
    pub target: String,
    /// Files sent (0 on a dry run).
    pub uploaded: usize,
    /// Files deleted from the target (0 on a dry run).
    pub deleted: usize,
    /// Bytes sent.
    pub bytes: u64,
    /// Wall-clock time spent on this target, from comparing to done.
    pub elapsed: Duration,
    /// Where readers find the site (site.yaml's `base_url`).
    pub url: String,
    /// `--dry-run`: nothing was sent and the counts are 0; [`PublishEvent::Planned`] said what
    /// would have been.
    pub dry_run: bool,
}

/// What [`run`] did, target by target.
#[derive(Debug)]
pub struct PublishReport {
    /// Targets published (or, on a dry run, compared), in site.yaml's order.
    pub targets: Vec<TargetReport>,
    /// Targets that failed, with why; the others were published.
    pub failures: Vec<PublishError>,
    /// Why the local copy (site.yaml's `output:`, written as `build` does) was not written.
    pub local_copy: Option<Error>,
}

/// Why a target was not published. The target is left as one consistent site in every case.
#[derive(Debug, thiserror::Error)]
pub enum PublishError {
    /// The site does not build, or a file operation failed (a folder target refused or not
    /// writable, say).
    #[error(transparent)]
    Site(#[from] Error),

    /// site.yaml has no `publish:` targets.
    #[error(
        "site.yaml has no `publish:` targets\n  help: add one, e.g.\n    publish:\n      - folder: {{ path: /srv/www/status }}\n  (docs/publishing.md has recipes for S3, R2, B2 and GitHub Pages)"
    )]
    NoTargets,

    /// Another publish changed the target since this one read it; its site is left live.
    #[error("{target}: someone published at {at}; run publish again")]
    Conflict {
        /// The target, named as in [`PublishEvent::Started`].
        target: String,
        /// When the other publish happened, in the site's time zone.
        at: String,
    },

    /// Another publish holds the target's lease and is still under way (docs/publishing.md).

    #[error(
        "{target}: a publish from {host} has been under way since {since}; wait for it, then run publish again (a publish that was killed lets go within {} minutes)",
        lease::LEASE_TTL.num_minutes()
    )]
    Busy {
        /// The target, named as in [`PublishEvent::Started`].
        target: String,
        /// The machine the other publish runs on.
        host: String,
        /// When it started, in the site's time zone.
        since: String,
    },

    /// An S3 request failed for good, after its retries.
    #[error("{target}: cannot {action}: {source}")]
    Storage {
        /// The target, named as in [`PublishEvent::Started`].
        target: String,
        /// What was being done, completing "cannot …": `read the manifest`, ….
        action: String,
        /// The storage layer's error.
        #[source]
        source: Box<opendal::Error>,
    },

    /// The bucket named in site.yaml is not there (S3's `NoSuchBucket`); nothing was sent.
    #[error(
        "{target}: the bucket `{bucket}` does not exist (check `bucket:` and `endpoint:` in site.yaml)"
    )]
    NoBucket {
        /// The target, named as in [`PublishEvent::Started`].
        target: String,
        /// site.yaml's `bucket:`.
        bucket: String,
    },

    /// The storage refused the credentials, or what they may do (HTTP 403).
    #[error(
        "{target}: the storage refused the credentials when asked to {action}\n  help: sitrep signs with AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN), or else the profile AWS_PROFILE names; check they are the bucket's, and that they may s3:GetObject, s3:PutObject, s3:DeleteObject and s3:ListBucket (docs/publishing.md, \"Credentials\")"
    )]
    CredentialsRefused {
        /// The target, named as in [`PublishEvent::Started`].
        target: String,
        /// What was being done, completing "when asked to …".
        action: String,
    },

    /// A request found no complete answer within its deadline, retries included
    /// (docs/publishing.md, "Bad networks and interrupted publishes").
    #[error(
        "{target}: cannot {action}: gave up after {after} s ({attempts} attempt{}; the last: {last})\n  help: check `endpoint:` in site.yaml and the network, then run publish again; the live site is whole",
        if *attempts == 1 { "" } else { "s" }
    )]
    GaveUp {
        /// The target, named as in [`PublishEvent::Started`].
        target: String,
        /// What was being done, completing "cannot …".
        action: String,
        /// The request's deadline, in seconds.
        after: u64,
        /// How many times it was tried.
        attempts: usize,
        /// What went wrong the last time.
        last: String,
    },

    /// The publish to this target ran past the time it is given (docs/publishing.md).
    #[error(
        "{target}: gave up after {after} s, the time a publish of this site is given; the live site is whole: run publish again to finish"
    )]
    Deadline {
        /// The target, named as in [`PublishEvent::Started`].
        target: String,
        /// The deadline, in seconds.
        after: u64,
    },

    /// The target's manifest cannot be read or written as sitrep's; the target is left as it is.

    #[error(
        "{target}: the manifest `{}` is not one sitrep can read: {message}",
        plan::MANIFEST_PATH
    )]
    Manifest {
        /// The target, named as in [`PublishEvent::Started`].
        target: String,
        /// What is wrong with it.
        message: String,
    },

    /// The Git branch holds files sitrep did not publish (docs/publishing.md, "A Git
    /// branch"): publishing would replace them, so nothing is written.
    #[error(
        "{target}: the branch `{branch}` holds files sitrep did not publish (no `{}` or `{}` in it); refusing to replace them\n  help: give the target a branch of its own in site.yaml, e.g. `branch: gh-pages`: one that does not exist yet, is empty, or was published by sitrep",
        git::SITREP_FILES[0],
        git::SITREP_FILES[1]
    )]
    NotSitrepBranch {
        /// The target, named as in [`PublishEvent::Started`].
        target: String,
        /// The branch, as site.yaml names it.
        branch: String,
    },

    /// The remote refused the push for a reason of its own (a hook, a protected branch), not
    /// because someone else published first.
    #[error("{target}: the remote refused the push {reason}")]
    PushRefused {
        /// The target, named as in [`PublishEvent::Started`].
        target: String,
        /// Git's reason in brackets, then the remote's own words.
        reason: String,
    },

    /// A Git command for a Git target failed.
    #[error("{target}: `git {command}` failed: {message}")]
    Git {
        /// The target, named as in [`PublishEvent::Started`].
        target: String,
        /// The git subcommand and its arguments.
        command: String,
        /// What git said.
        message: String,
    },
}

/// What every executor needs besides the files.
pub(crate) struct Context<'a> {
    pub root: &'a Path,
    /// The site's own output folder, written beside the targets.
    pub output: &'a Path,
    pub base_url: &'a url::Url,
    pub time_zone: Tz,
    pub now: DateTime<Utc>,
    pub dry_run: bool,
}

impl Context<'_> {
    /// A time as authors read it, in the site's zone: `10:42 CET on 2026-11-28`.
    pub(crate) fn local_time(&self, t: DateTime<Utc>) -> String {
        local_time(self.time_zone, t)
    }

    fn report(&self, target: &str, started: Instant) -> TargetReport {
        TargetReport {
            target: target.to_string(),
            uploaded: 0,
            deleted: 0,
            bytes: 0,
            elapsed: started.elapsed(),
            url: self.base_url.to_string(),
            dry_run: self.dry_run,
        }
    }
}

/// A time as authors read it, in the site's zone: `10:42 CET on 2026-11-28`.
pub(crate) fn local_time(zone: Tz, t: DateTime<Utc>) -> String {
    t.with_timezone(&zone)
        .format("%H:%M %Z on %Y-%m-%d")
        .to_string()
}

/// Builds the site as `build` does, then publishes it to every target in turn. One target
/// failing does not stop the others: two independent hosts are there so that the page
/// survives the loss of either.
pub fn run(
    options: &PublishOptions,
    mut on_event: impl FnMut(PublishEvent),
) -> Result<PublishReport, PublishError> {
    let mut built = crate::pipeline::render_site(&options.root, &options.now, options.drafts)?;
    let output = options.root.join(&built.model.site.output);
    crate::pipeline::add_search_index(&mut built, &output)?;
    let site = &built.model.site;
    if site.publish.is_empty() {
        return Err(PublishError::NoTargets);
    }
    if !options.dry_run {
        crate::output::check_output_dir(&options.root, &output)?;
    }
    on_event(PublishEvent::Built {
        events: built.model.events.len(),
        files: built.files.len(),
        warnings: built.warnings.clone(),
    });
    let context = Context {
        root: &options.root,
        output: &output,
        base_url: &site.base_url,
        time_zone: site.time_zone,
        now: Utc::now(),
        dry_run: options.dry_run,
    };
    // The local copy is written while the targets are sent: one waits on the disk, the other
    // on the network, and the author waits for the slower only.
    std::thread::scope(|scope| {
        let local = (!options.dry_run).then(|| {
            scope.spawn(|| {
                let spare = crate::output::Spare::for_output(&options.root, &output);
                let keys = Some(built.keys.clone());
                crate::output::write_site(&output, &built.files, spare, keys)
            })
        });
        let mut report = PublishReport {
            targets: Vec::new(),
            failures: Vec::new(),
            local_copy: None,
        };
        for target in &site.publish {
            let name = describe(target);
            on_event(PublishEvent::Started {
                target: name.clone(),
            });
            let verify = options.verify;
            match publish_one(target, &name, &built.files, &context, verify, &mut on_event) {
                Ok(done) => {
                    on_event(PublishEvent::Finished(done.clone()));
                    report.targets.push(done);
                }
                Err(e) => {
                    // Storage errors quote request addresses, which may carry credentials.
                    let error = crate::redact::credentials(&e.to_string()).into_owned();
                    on_event(PublishEvent::Failed {
                        target: name,
                        error,
                    });
                    report.failures.push(e);
                }
            }
        }
        if let Some(local) = local {
            match local.join() {
                Ok(Ok(warnings)) => warnings
                    .into_iter()
                    .for_each(|w| on_event(PublishEvent::Warning(w))),
                Ok(Err(e)) => report.local_copy = Some(e),
                Err(panic) => std::panic::resume_unwind(panic),
            }
        }
        Ok(report)
    })
}

fn publish_one(
    target: &PublishTarget,
    name: &str,
    files: &[OutputFile],
    context: &Context<'_>,
    verify: bool,
    on_event: &mut dyn FnMut(PublishEvent),
) -> Result<TargetReport, PublishError> {
    match target {
        // A folder is compared file by file and a Git branch tree by tree on every publish:
        // `--verify` has nothing to add there (docs/publishing.md).
        PublishTarget::S3(t) => s3::publish(t, name, files, context, verify, on_event),
        PublishTarget::Git(t) => git::publish(t, name, files, context, on_event),
        PublishTarget::Folder(t) => folder::publish(t, name, files, context, on_event),
    }
}

/// How messages name a target: `s3://bucket/prefix/`, the Git remote (without credentials)
/// and branch, the folder.
pub(crate) fn describe(target: &PublishTarget) -> String {
    match target {
        PublishTarget::S3(t) => format!("s3://{}/{}", t.bucket, t.prefix),
        // A remote may be written with a token in it; messages end up in CI logs.
        PublishTarget::Git(t) => {
            crate::redact::credentials(&format!("{} ({})", t.remote, t.branch)).into_owned()
        }
        PublishTarget::Folder(t) => t.path.display().to_string(),
    }
}

/// Reports a plan's outline, and under `--dry-run` each file.
fn announce_plan(
    name: &str,
    plan: &plan::Plan,
    context: &Context<'_>,
    on_event: &mut dyn FnMut(PublishEvent),
) {
    on_event(PublishEvent::Planned {
        target: name.to_string(),
        uploads: plan.puts.len(),
        deletes: plan.deletes.len(),
        bytes: plan.bytes(),
        unchanged: plan.unchanged,
    });
    if context.dry_run {
        for put in &plan.puts {
            on_event(PublishEvent::WouldSend {
                path: put.path.clone(),
                new: put.is_new,
            });
        }
        for path in &plan.deletes {
            on_event(PublishEvent::WouldDelete { path: path.clone() });
        }
    }
}
