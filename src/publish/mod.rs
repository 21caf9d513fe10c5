//! `sitrep publish`: the built site sent to every target in site.yaml's `publish:`, in turn
//! (docs/publishing.md). What to send is decided by [`plan`], a pure function; each target's
//! executor ([`s3`], [`git`], [`folder`]) only carries a plan out. The library never prints:
//! progress goes to the caller as [`PublishEvent`]s.

pub(crate) mod beside;
pub(crate) mod folder;
pub(crate) mod git;
pub(crate) mod plan;
pub(crate) mod s3;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use crate::Now;
use crate::config::PublishTarget;
use crate::error::Error;
use crate::render::OutputFile;

#[derive(Debug, Clone)]
pub struct PublishOptions {
    pub root: PathBuf,
    pub now: Now,
    pub drafts: bool,
    /// Work out and report what would change, sending nothing.
    pub dry_run: bool,
}

/// What a publish reports as it goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PublishEvent {
    /// The site was built (written to its output folder too, as `build` does).
    Built {
        events: usize,
        files: usize,
        warnings: Vec<String>,
    },
    /// A target is being compared with the site.
    Started {
        target: String,
    },
    /// What this target will receive.
    Planned {
        target: String,
        uploads: usize,
        deletes: usize,
        bytes: u64,
        unchanged: usize,
    },
    /// `--dry-run`: one file that would be sent (`new` when the target lacks it) or deleted.
    WouldSend {
        path: String,
        new: bool,
    },
    WouldDelete {
        path: String,
    },
    /// One more file sent or deleted, of `total`.
    Progress {
        done: usize,
        total: usize,
    },
    /// A request failed and is being tried again.
    Retrying {
        target: String,
        problem: String,
    },
    /// A target is done.
    Finished(TargetReport),
    /// A target failed; the others are still tried.
    Failed {
        target: String,
        error: String,
    },
    /// Something that did not stop the publish (a wait for another build's lock, …).
    Warning(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TargetReport {
    pub target: String,
    pub uploaded: usize,
    pub deleted: usize,
    pub bytes: u64,
    pub elapsed: Duration,
    /// Where readers find the site (site.yaml's `base_url`).
    pub url: String,
    pub dry_run: bool,
}

#[derive(Debug)]
pub struct PublishReport {
    pub targets: Vec<TargetReport>,
    /// Targets that failed, with why; the others were published.
    pub failures: Vec<PublishError>,
    /// Why the local copy (site.yaml's `output:`, written as `build` does) was not written.
    pub local_copy: Option<Error>,
}

/// Why a target was not published. The target is left as one consistent site in every case.
#[derive(Debug, thiserror::Error)]
pub enum PublishError {
    #[error(transparent)]
    Site(#[from] Error),

    #[error(
        "site.yaml has no `publish:` targets\n  help: add one, e.g.\n    publish:\n      - folder: {{ path: /srv/www/status }}\n  (docs/publishing.md has recipes for S3, R2, B2 and GitHub Pages)"
    )]
    NoTargets,

    #[error("{target}: someone published at {at}; run publish again")]
    Conflict { target: String, at: String },

    #[error(
        "{target}: a publish from {host} has been under way since {since}; wait for it, then run publish again (a publish that was killed lets go within {} minutes)",
        plan::LEASE_TTL.num_minutes()
    )]
    Busy {
        target: String,
        host: String,
        since: String,
    },

    #[error("{target}: cannot {action}: {source}")]
    Storage {
        target: String,
        action: String,
        #[source]
        source: Box<opendal::Error>,
    },

    #[error(
        "{target}: the manifest `{}` is not one sitrep can read: {message}",
        plan::MANIFEST_PATH
    )]
    Manifest { target: String, message: String },

    #[error("{target}: `git {command}` failed: {message}")]
    Git {
        target: String,
        command: String,
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
        t.with_timezone(&self.time_zone)
            .format("%H:%M %Z on %Y-%m-%d")
            .to_string()
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

/// Builds the site as `build` does, then publishes it to every target in turn. One target
/// failing does not stop the others: two independent hosts are there so that the page
/// survives the loss of either.
pub fn run(
    options: &PublishOptions,
    mut on_event: impl FnMut(PublishEvent),
) -> Result<PublishReport, PublishError> {
    let mut built = crate::render_site(&options.root, &options.now, options.drafts)?;
    crate::add_search_index(&mut built)?;
    let site = &built.model.site;
    if site.publish.is_empty() {
        return Err(PublishError::NoTargets);
    }
    let output = options.root.join(&site.output);
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
        let local = (!options.dry_run)
            .then(|| scope.spawn(|| crate::output::write_site(&output, &built.files)));
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
            match publish_one(target, &name, &built.files, &context, &mut on_event) {
                Ok(done) => {
                    on_event(PublishEvent::Finished(done.clone()));
                    report.targets.push(done);
                }
                Err(e) => {
                    on_event(PublishEvent::Failed {
                        target: name,
                        error: e.to_string(),
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
    on_event: &mut dyn FnMut(PublishEvent),
) -> Result<TargetReport, PublishError> {
    match target {
        PublishTarget::S3(t) => s3::publish(t, name, files, context, on_event),
        PublishTarget::Git(t) => git::publish(t, name, files, context, on_event),
        PublishTarget::Folder(t) => folder::publish(t, name, files, context, on_event),
    }
}

/// How messages name a target: `s3://bucket/prefix/`, the Git remote and branch, the folder.
pub(crate) fn describe(target: &PublishTarget) -> String {
    match target {
        PublishTarget::S3(t) => format!("s3://{}/{}", t.bucket, t.prefix),
        PublishTarget::Git(t) => format!("{} ({})", t.remote, t.branch),
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
