//! The one publish driver: every target, S3, Git or folder, is published by the same steps in
//! the same order (docs/publishing.md, "What is sent, and in which order"): read what the
//! target holds as a manifest, plan (a pure function, src/publish/plan.rs), take the lease,
//! send wave by wave, commit, delete. What differs between targets is only how each step is
//! done, behind [`Target`].

use std::time::Instant;

use super::beside::{Stored, Written};
use super::lease::Lease;
use super::plan::{self, Manifest, Plan, Put};
use super::{Context, PublishError, PublishEvent, TargetReport, announce_plan};
use crate::render::OutputFile;

/// How a target's commit makes the new site live.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Commit {
    /// The manifest is written after the files and names what is live (S3): files the new
    /// site no longer has are deleted after it, so that no live page links to a gone file.
    Manifest,
    /// The commit swaps in the whole site at once (Git's commit and push, the folder's
    /// rename): readers see the old site or the new one, so deletions go into the commit.
    Whole,
}

/// One target, as the driver sees it. Each step does its own I/O only; what to send, in
/// which order, and when the lease is taken are the driver's.
pub(crate) trait Target {
    /// How this target's commit works.
    fn commit_kind(&self) -> Commit;

    /// What the target holds now, as a manifest: S3's as read (and checked where in doubt),
    /// a Git branch's or a folder's worked out from the files it holds; `None` before the
    /// first publish.
    fn read_manifest(
        &mut self,
        files: &[OutputFile],
        on_event: &mut dyn FnMut(PublishEvent),
    ) -> Result<Option<Manifest>, PublishError>;

    /// The plan is known: deadlines that grow with it can be set.
    fn planned(&mut self, _plan: &Plan) {}

    /// Takes the lease over the target for this plan (src/publish/lease.rs). S3 writes it
    /// into its manifest; a Git branch needs none (a push that is not a fast-forward is
    /// refused), nor does a folder beyond the lock its writer holds until the swap.
    fn take_lease(&mut self, plan: &Plan, old: Option<&Manifest>) -> Result<(), PublishError>;

    /// Sends one wave of the plan; `done` of `total` uploads and deletions are done before it.
    fn put(
        &mut self,
        wave: &[Put],
        done: usize,
        total: usize,
        on_event: &mut dyn FnMut(PublishEvent),
    ) -> Result<(), PublishError>;

    /// Writes the manifest: the commit point (for [`Commit::Whole`], the commit itself).
    fn write_manifest(&mut self, manifest: &Manifest) -> Result<(), PublishError>;

    /// Deletes files the new site no longer has; `done` of `total` are done before.
    fn delete(
        &mut self,
        paths: &[String],
        done: usize,
        total: usize,
        on_event: &mut dyn FnMut(PublishEvent),
    ) -> Result<(), PublishError>;

    /// After a failure between taking the lease and committing: lets go of the lease, if
    /// this target holds one, so the next publish need not wait for it to expire.
    fn release_lease(&mut self, _error: &PublishError) {}

    /// Reads a file kept beside the manifest (announce's record), with its version.
    fn read_beside(&mut self, path: &str) -> Result<Stored, PublishError>;

    /// Writes a file beside the manifest if it is still at `expected`.
    fn write_beside(
        &mut self,
        path: &str,
        bytes: &[u8],
        expected: Option<&str>,
    ) -> Result<Written, PublishError>;
}

/// Publishes `files` to `target`: manifest, plan, lease, send, commit, delete.
pub(crate) fn publish(
    target: &mut dyn Target,
    name: &str,
    files: &[OutputFile],
    context: &Context<'_>,
    on_event: &mut dyn FnMut(PublishEvent),
) -> Result<TargetReport, PublishError> {
    let started = Instant::now();
    let old = target.read_manifest(files, on_event)?;
    if let Some(lease) = old.as_ref().and_then(|m| m.lease.as_ref()) {
        check_lease(lease, name, context, on_event)?;
    }
    let plan = plan::plan(old.as_ref(), files);
    target.planned(&plan);
    announce_plan(name, &plan, context, on_event);
    let mut report = context.report(name, started);
    // A manifest with a lease or stale files in it is tidied even when nothing is sent.
    let tidy = old
        .as_ref()
        .is_some_and(|m| m.lease.is_none() && m.stale.is_empty());
    if context.dry_run || (plan.is_empty() && tidy) {
        report.elapsed = started.elapsed();
        return Ok(report);
    }
    carry_out(target, &plan, old.as_ref(), on_event)?;
    report.uploaded = plan.puts.len();
    report.deleted = plan.deletes.len();
    report.bytes = plan.bytes();
    report.elapsed = started.elapsed();
    Ok(report)
}

/// Lease, send, commit, delete. A failure between taking the lease and committing lets go
/// of the lease on the way out.
fn carry_out(
    target: &mut dyn Target,
    plan: &Plan,
    old: Option<&Manifest>,
    on_event: &mut dyn FnMut(PublishEvent),
) -> Result<(), PublishError> {
    let total = plan.puts.len() + plan.deletes.len();
    let leased = target.take_lease(plan, old).and_then(|()| {
        let mut done = 0;
        for wave in plan.waves() {
            target.put(wave, done, total, on_event)?;
            done += wave.len();
        }
        if target.commit_kind() == Commit::Whole {
            target.delete(&plan.deletes, done, total, on_event)?;
        }
        let committed = plan.committed_manifest(chrono::Utc::now());
        target.write_manifest(&committed).map(|()| committed)
    });
    let committed = match leased {
        Ok(committed) => committed,
        Err(e) => {
            target.release_lease(&e);
            return Err(e);
        }
    };
    if target.commit_kind() == Commit::Whole || plan.deletes.is_empty() {
        return Ok(());
    }
    target.delete(&plan.deletes, plan.puts.len(), total, on_event)?;
    let clean = Manifest {
        stale: Default::default(),
        ..committed
    };
    // Someone may have published since our commit; their manifest wins, and the files we
    // deleted were not theirs.
    match target.write_manifest(&clean) {
        Ok(()) | Err(PublishError::Conflict { .. }) => Ok(()),
        Err(e) => Err(e),
    }
}

/// Stops here if another publish holds the target; says so when a lease is not believed
/// because it is dated ahead of our clock.
fn check_lease(
    lease: &Lease,
    name: &str,
    context: &Context<'_>,
    on_event: &mut dyn FnMut(PublishEvent),
) -> Result<(), PublishError> {
    if lease.blocks_us() {
        return Err(busy(name, context, lease));
    }
    if let Some(ahead) = lease.dated_ahead(chrono::Utc::now()) {
        on_event(PublishEvent::Warning(format!(
            "{name}: the lease of a publish from {} is dated {} ahead of this machine's clock; one of the two clocks is wrong, so the lease is taken as over (docs/publishing.md, \"Two people publishing at once\")",
            lease.host,
            roughly(ahead)
        )));
    }
    Ok(())
}

/// "A publish from … has been under way since …".
pub(crate) fn busy(name: &str, context: &Context<'_>, lease: &Lease) -> PublishError {
    PublishError::Busy {
        target: name.to_string(),
        host: lease.host.clone(),
        since: context.local_time(lease.started),
    }
}

/// "5 hours", "12 minutes", "40 seconds": how far a clock is off, as a person says it.
fn roughly(delta: chrono::TimeDelta) -> String {
    let seconds = delta.num_seconds();
    match seconds {
        s if s >= 5400 => format!("{} hours", (s + 1800) / 3600),
        s if s >= 90 => format!("{} minutes", (s + 30) / 60),
        s => format!("{s} seconds"),
    }
}
