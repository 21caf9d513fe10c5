//! The S3 target: the publish driver's steps (src/publish/driver.rs) against S3-compatible
//! storage through Apache OpenDAL (docs/publishing.md, "S3-compatible storage").
//!
//! The manifest is the commit point, always written with a conditional put: taking the lease
//! (If-Match on the ETag read at the start, If-None-Match: * on a first publish), renewing
//! it, committing the new file list and clearing what was deleted. Whoever loses a race
//! stops before touching a file, or — if its lease was taken over — before committing.

mod request;

use std::collections::BTreeMap;
use std::sync::mpsc;
use std::time::Duration;

use bytes::Bytes;
use chrono::Utc;
use futures::StreamExt;
use opendal::ErrorKind;
use tokio::time::Instant;

use self::request::{Failure, Requests};
use super::driver;
use super::lease::{self, Lease, Taken};
use super::plan::{MANIFEST_PATH, Manifest, Plan, Put};
use super::trust::{self, Decoded, Listed};
use super::{Context, PublishError, PublishEvent, TargetReport};
use crate::config::S3Target;
use crate::render::OutputFile;

/// Requests in flight at once: enough to hide a lossy link's latency, few enough for a
/// small bucket's rate limits.
const CONCURRENCY: usize = 16;
/// The lease is renewed this often during long publishes, well within `LEASE_TTL`.
const RENEW_EVERY: Duration = Duration::from_secs(45);
/// What a listed object costs in the listing's answer, roughly: its deadline grows with it.
const LISTED_BYTES: u64 = 300;
const READ: &str = "read the manifest";
const WRITE: &str = "write the manifest";

pub(crate) fn publish(
    target: &S3Target,
    name: &str,
    files: &[OutputFile],
    context: &Context<'_>,
    verify: bool,
    on_event: &mut dyn FnMut(PublishEvent),
) -> Result<TargetReport, PublishError> {
    let mut s3 = S3::new(target, name, context.time_zone)?;
    s3.verify = verify;
    driver::publish(&mut s3, name, files, context, on_event)
}

/// Runs S3 work on the command's one runtime (src/runtime.rs), so that the connections one
/// step pools are still there for the next.
fn on_runtime<T>(
    work: impl std::future::Future<Output = Result<T, PublishError>>,
) -> Result<T, PublishError> {
    crate::runtime::block_on(work)
        .map_err(|e| crate::Error::io("start", "the network runtime", e))?
}

/// One S3 target, as the publish driver (src/publish/driver.rs) and announce's record use it.
pub(crate) struct S3 {
    requests: Requests,
    name: String,
    /// The site's time zone, for the time a conflict names.
    zone: chrono_tz::Tz,
    retried: mpsc::Receiver<String>,
    verify: bool,
    started: Instant,
    /// The size of the built site, for the publish's deadline.
    built: (usize, u64),
    /// The manifest's ETag as we last read or wrote it.
    etag: Option<String>,
    /// The manifest's ETag as we last wrote it ourselves: only that one may be overwritten
    /// to let go of our lease.
    written: Option<String>,
    renewed: Instant,
    lease: Option<Lease>,
    /// The manifest as written with our lease.
    leased: Option<Manifest>,
    /// The ETag each file sent was stored with, for the manifest.
    sent: BTreeMap<String, Option<String>>,
}

impl S3 {
    pub(crate) fn new(
        target: &S3Target,
        name: &str,
        zone: chrono_tz::Tz,
    ) -> Result<S3, PublishError> {
        let (retries, retried) = mpsc::channel();
        Ok(S3 {
            requests: Requests::new(target, name, retries)?,
            name: name.to_string(),
            zone,
            retried,
            verify: false,
            started: Instant::now(),
            built: (0, 0),
            etag: None,
            written: None,
            renewed: Instant::now(),
            lease: None,
            leased: None,
            sent: BTreeMap::new(),
        })
    }
}

impl driver::Target for S3 {
    fn commit_kind(&self) -> driver::Commit {
        driver::Commit::Manifest
    }

    fn read_manifest(
        &mut self,
        files: &[OutputFile],
        on_event: &mut dyn FnMut(PublishEvent),
    ) -> Result<Option<Manifest>, PublishError> {
        let built: u64 = files.iter().map(|f| f.bytes.len() as u64).sum();
        self.built = (files.len(), built);
        self.requests
            .set_deadline(self.started, request::target_allowance(files.len(), built));
        on_runtime(self.manifest_to_plan_from(files, on_event))
    }

    /// Deletions are known only now; the publish is given time for them too.
    fn planned(&mut self, plan: &Plan) {
        let (files, built) = self.built;
        self.requests.set_deadline(
            self.started,
            request::target_allowance(files + plan.deletes.len(), built),
        );
    }

    /// Takes the lease by the one protocol (src/publish/lease.rs). Reading it back after the
    /// settle is what tells a lost race on storage that checks conditions non-atomically
    /// (s3s-fs does): only the one whose lease is read back goes on.
    fn take_lease(&mut self, plan: &Plan, old: Option<&Manifest>) -> Result<(), PublishError> {
        let mut record = ManifestRecord {
            run: self,
            plan,
            old,
            stored: None,
        };
        let taken = lease::take(&mut record, old.and_then(|m| m.lease.as_ref()))?;
        let stored = record.stored;
        match taken {
            Taken::Ours(_) => Ok(()),
            Taken::Busy(theirs) => Err(PublishError::Busy {
                target: self.name.clone(),
                host: theirs.host.clone(),
                since: super::local_time(self.zone, theirs.started),
            }),
            Taken::Lost(_) => {
                self.lease = None;
                Err(self.conflict(stored.as_ref()))
            }
        }
    }

    fn put(
        &mut self,
        wave: &[Put],
        done: usize,
        total: usize,
        on_event: &mut dyn FnMut(PublishEvent),
    ) -> Result<(), PublishError> {
        on_runtime(self.send_wave(wave, done, total, on_event))
    }

    /// Written with the ETag each file was stored with, where the storage gave one.
    fn write_manifest(&mut self, manifest: &Manifest) -> Result<(), PublishError> {
        let mut manifest = manifest.clone();
        for (path, etag) in &self.sent {
            if let Some(entry) = manifest.files.get_mut(path) {
                entry.etag.clone_from(etag);
            }
        }
        on_runtime(self.put_manifest(&manifest))?;
        if manifest.lease.is_none() {
            self.lease = None;
        }
        Ok(())
    }

    fn delete(
        &mut self,
        paths: &[String],
        done: usize,
        total: usize,
        on_event: &mut dyn FnMut(PublishEvent),
    ) -> Result<(), PublishError> {
        on_runtime(self.delete_all(paths, done, total, on_event))
    }

    fn release_lease(&mut self, error: &PublishError) {
        if let Some(leased) = self.leased.clone() {
            let _ = on_runtime(async {
                self.write_lease_away(&leased, error).await;
                Ok(())
            });
        }
    }

    fn read_beside(&mut self, path: &str) -> Result<super::beside::Stored, PublishError> {
        on_runtime(self.get_beside(path))
    }

    fn write_beside(
        &mut self,
        path: &str,
        bytes: &[u8],
        expected: Option<&str>,
    ) -> Result<super::beside::Written, PublishError> {
        on_runtime(self.put_beside(path, bytes, expected))
    }
}

impl S3 {
    /// Writes the leased manifest back without our lease, once, briefly, if it is still the
    /// manifest we last wrote; if that fails too, the lease simply expires (docs/publishing.md,
    /// "Bad networks and interrupted publishes"). After a lost race the manifest is someone
    /// else's, and is left alone.
    async fn write_lease_away(&mut self, leased: &Manifest, error: &PublishError) {
        let (Some(_), Some(etag)) = (self.lease.take(), self.written.clone()) else {
            return;
        };
        if matches!(error, PublishError::Conflict { .. }) {
            return;
        }
        let released = Manifest {
            lease: None,
            ..leased.clone()
        };
        let Ok(body) = trust::encode(&released) else {
            return;
        };
        let write = self
            .requests
            .operator
            .write_with(MANIFEST_PATH, body)
            .content_type("application/json")
            .cache_control("no-store")
            .if_match(&etag);
        let _ = tokio::time::timeout(request::ATTEMPT, write).await;
    }

    /// The manifest the plan starts from: as read, or — when it is in doubt, or `--verify`
    /// asks — as the bucket shows it really is (docs/publishing.md, "When the bucket or the
    /// manifest was changed by hand").
    async fn manifest_to_plan_from(
        &mut self,
        files: &[OutputFile],
        on_event: &mut dyn FnMut(PublishEvent),
    ) -> Result<Option<Manifest>, PublishError> {
        let Some(decoded) = self.read_manifest().await? else {
            return Ok(None);
        };
        let Some(doubt) = &decoded.doubt else {
            if self.verify {
                return self
                    .checked(&decoded.manifest, files, on_event)
                    .await
                    .map(Some);
            }
            return Ok(Some(decoded.manifest));
        };
        let usable = doubt.entries_usable();
        on_event(PublishEvent::Warning(format!(
            "{}: the manifest `{MANIFEST_PATH}` cannot be trusted as it is: {doubt}; {}",
            self.name,
            if usable {
                "every file is checked against the bucket"
            } else {
                "every file is sent again and the manifest written anew"
            }
        )));
        if usable {
            return self
                .checked(&decoded.manifest, files, on_event)
                .await
                .map(Some);
        }
        Ok(Some(trust::distrusted(decoded)))
    }

    /// `manifest` with what the bucket's listing contradicts taken out (see
    /// [`trust::reconcile`]).
    async fn checked(
        &mut self,
        manifest: &Manifest,
        files: &[OutputFile],
        on_event: &mut dyn FnMut(PublishEvent),
    ) -> Result<Manifest, PublishError> {
        let listing = self.list(files.len().max(manifest.files.len())).await?;
        let (reconciled, wrong) = trust::reconcile(manifest, &listing);
        if !wrong.is_empty() {
            let mut named = wrong.iter().take(5).cloned().collect::<Vec<_>>().join(", ");
            if wrong.len() > 5 {
                named.push_str(", …");
            }
            on_event(PublishEvent::Warning(format!(
                "{}: {} file{} on the bucket {} not as the manifest says ({named}); sending or deleting {} again",
                self.name,
                wrong.len(),
                if wrong.len() == 1 { "" } else { "s" },
                if wrong.len() == 1 { "is" } else { "are" },
                if wrong.len() == 1 { "it" } else { "them" },
            )));
        }
        Ok(reconciled)
    }

    /// Every object under the prefix, with its size and ETag as listed.
    async fn list(&self, expected: usize) -> Result<BTreeMap<String, Listed>, PublishError> {
        const ACTION: &str = "list the bucket";
        let operator = self.requests.operator.clone();
        let entries = self
            .requests
            .call(ACTION, expected as u64 * LISTED_BYTES, || {
                let operator = operator.clone();
                async move { operator.list_with("").recursive(true).await }
            })
            .await
            .map_err(|f| self.requests.error(ACTION, f))?;
        Ok(entries
            .into_iter()
            .filter(|e| e.metadata().is_file())
            .map(|e| {
                let listed = Listed {
                    size: e.metadata().content_length(),
                    etag: e.metadata().etag().map(str::to_string),
                };
                (e.path().to_string(), listed)
            })
            .collect())
    }

    /// The manifest and its ETag, or `None` before the first publish.
    async fn read_manifest(&mut self) -> Result<Option<Decoded>, PublishError> {
        for _ in 0..5 {
            let operator = self.requests.operator.clone();
            let stat = self
                .requests
                .call(READ, 0, || {
                    let operator = operator.clone();
                    async move { operator.stat(MANIFEST_PATH).await }
                })
                .await;
            let meta = match stat {
                Ok(meta) => meta,
                Err(f) if f.kind() == Some(ErrorKind::NotFound) => {
                    self.bucket_exists().await?;
                    self.etag = None;
                    return Ok(None);
                }
                Err(f) => return Err(self.requests.error(READ, f)),
            };
            let etag = meta.etag().map(str::to_string);
            let bytes = match self.get(etag.as_deref(), meta.content_length()).await {
                Ok(Some(bytes)) => bytes,
                // Changed or gone between the two requests: a publish just wrote it.
                Ok(None) => continue,
                Err(f) if f.kind() == Some(ErrorKind::ConditionNotMatch) => continue,
                Err(f) => return Err(self.requests.error(READ, f)),
            };
            self.etag = etag;
            return Ok(Some(trust::decode(&bytes)));
        }
        Err(PublishError::Manifest {
            target: self.name.to_string(),
            message: "it kept changing while being read; run publish again".into(),
        })
    }

    /// A HEAD answers 404, without a body, for a missing bucket as for a missing object, and
    /// some storages (s3s-fs) create a missing bucket on the first upload; a listing's answer
    /// says `NoSuchBucket`. One key is enough.
    async fn bucket_exists(&self) -> Result<(), PublishError> {
        const ACTION: &str = "list the bucket";
        let operator = self.requests.operator.clone();
        self.requests
            .call(ACTION, 0, || {
                let operator = operator.clone();
                async move {
                    let mut lister = operator.lister_with("").limit(1).await?;
                    lister.next().await.transpose().map(drop)
                }
            })
            .await
            .map_err(|f| self.requests.error(ACTION, f))
    }

    /// The manifest's bytes if it is still at `etag`; `None` if it is not there.
    async fn get(&self, etag: Option<&str>, size: u64) -> Result<Option<Bytes>, Failure> {
        let operator = self.requests.operator.clone();
        let read = self
            .requests
            .call(READ, size, || {
                let mut read = operator.read_with(MANIFEST_PATH);
                if let Some(etag) = etag {
                    read = read.if_match(etag);
                }
                async move { read.await }
            })
            .await;
        match read {
            Ok(buffer) => Ok(Some(buffer.to_bytes())),
            Err(f) if f.kind() == Some(ErrorKind::NotFound) => Ok(None),
            Err(f) => Err(f),
        }
    }

    /// Writes the manifest if it is still the one we last saw; a loser learns who won.
    async fn put_manifest(&mut self, manifest: &Manifest) -> Result<(), PublishError> {
        let body = Bytes::from(trust::encode(manifest).map_err(|e| PublishError::Manifest {
            target: self.name.to_string(),
            message: e.to_string(),
        })?);
        let operator = self.requests.operator.clone();
        let expected = self.etag.clone();
        let written = self
            .requests
            .call(WRITE, body.len() as u64, || {
                let mut write = operator
                    .write_with(MANIFEST_PATH, body.clone())
                    .content_type("application/json")
                    .cache_control("no-store");
                write = match &expected {
                    Some(etag) => write.if_match(etag),
                    // `If-None-Match: *`: only if no one has published here yet.
                    None => write.if_not_exists(true),
                };
                async move { write.await }
            })
            .await;
        match written {
            Ok(meta) => {
                self.etag = meta.etag().map(str::to_string);
                if self.etag.is_none() {
                    self.etag = self.stat_etag().await?;
                }
                self.written.clone_from(&self.etag);
                self.renewed = Instant::now();
                Ok(())
            }
            Err(f) if f.kind() == Some(ErrorKind::ConditionNotMatch) => {
                self.after_lost_race(manifest).await
            }
            Err(f) => Err(self.requests.error(WRITE, f)),
        }
    }

    async fn stat_etag(&self) -> Result<Option<String>, PublishError> {
        let operator = self.requests.operator.clone();
        let meta = self
            .requests
            .call(READ, 0, || {
                let operator = operator.clone();
                async move { operator.stat(MANIFEST_PATH).await }
            })
            .await
            .map_err(|f| self.requests.error(READ, f))?;
        Ok(meta.etag().map(str::to_string))
    }

    /// A conditional put failed. Either a retry of our own write found it already done (the
    /// first attempt succeeded but its answer was lost), or someone else published.
    async fn after_lost_race(&mut self, ours: &Manifest) -> Result<(), PublishError> {
        let theirs = self.read_manifest().await?;
        if theirs.as_ref().map(|d| &d.manifest) == Some(ours) {
            self.written.clone_from(&self.etag);
            self.renewed = Instant::now();
            return Ok(());
        }
        Err(self.conflict(theirs.as_ref()))
    }

    /// "Someone published at …", with the time of what is there now.
    fn conflict(&self, stored: Option<&Decoded>) -> PublishError {
        let at = stored
            .map(|d| &d.manifest)
            .and_then(|m| m.lease.as_ref().map(|l| l.started).or(m.published_at))
            .map_or_else(
                || "an unknown time".into(),
                |t| super::local_time(self.zone, t),
            );
        PublishError::Conflict {
            target: self.name.clone(),
            at,
        }
    }

    /// Keeps our lease alive during a long publish; losing it means someone took over.
    async fn renew_lease_if_due(&mut self) -> Result<(), PublishError> {
        if self.renewed.elapsed() < RENEW_EVERY {
            return Ok(());
        }
        let (Some(mut lease), Some(leased)) = (self.lease.clone(), self.leased.clone()) else {
            return Ok(());
        };
        lease.renewed = Utc::now();
        let renewed = Manifest {
            lease: Some(lease.clone()),
            ..leased
        };
        self.put_manifest(&renewed).await?;
        self.lease = Some(lease);
        Ok(())
    }

    /// Sends one wave of puts (src/publish/plan.rs), many at a time, renewing the lease as it goes;
    /// keeps the ETag each was stored with.
    async fn send_wave(
        &mut self,
        wave: &[Put],
        mut done: usize,
        total: usize,
        on_event: &mut dyn FnMut(PublishEvent),
    ) -> Result<(), PublishError> {
        let requests = self.requests.clone();
        let mut sends = futures::stream::iter(wave.iter().map(|put| send(&requests, put)))
            .buffer_unordered(CONCURRENCY);
        while let Some((path, result)) = sends.next().await {
            let action = format!("upload `{path}`");
            let etag = result.map_err(|f| requests.error(&action, f))?;
            self.sent.insert(path.to_string(), etag);
            done += 1;
            self.report_retries(on_event);
            on_event(PublishEvent::Progress { done, total });
            self.renew_lease_if_due().await?;
        }
        Ok(())
    }

    async fn delete_all(
        &mut self,
        paths: &[String],
        mut done: usize,
        total: usize,
        on_event: &mut dyn FnMut(PublishEvent),
    ) -> Result<(), PublishError> {
        let requests = self.requests.clone();
        let mut deletes = futures::stream::iter(paths.iter().map(|path| {
            let requests = requests.clone();
            async move {
                let action = format!("delete `{path}`");
                let result = requests
                    .call(&action, 0, || requests.operator.delete(path))
                    .await;
                (action, result)
            }
        }))
        .buffer_unordered(CONCURRENCY);
        while let Some((action, result)) = deletes.next().await {
            match result {
                Ok(()) => {}
                Err(f) if f.kind() == Some(ErrorKind::NotFound) => {}
                Err(f) => return Err(requests.error(&action, f)),
            }
            done += 1;
            self.report_retries(on_event);
            on_event(PublishEvent::Progress { done, total });
        }
        Ok(())
    }

    fn report_retries(&mut self, on_event: &mut dyn FnMut(PublishEvent)) {
        while let Ok(problem) = self.retried.try_recv() {
            on_event(PublishEvent::Retrying {
                target: self.name.clone(),
                problem,
            });
        }
    }
}

/// One upload; the ETag the storage gave it.
async fn send<'p>(requests: &Requests, put: &'p Put) -> (&'p str, Result<Option<String>, Failure>) {
    let action = format!("upload `{}`", put.path);
    let result = requests
        .call(&action, put.bytes.len() as u64, || {
            requests
                .operator
                .write_with(&put.path, put.bytes.clone())
                .content_type(put.content_type)
                .cache_control(put.cache_control)
                .into_future()
        })
        .await
        .map(|meta| meta.etag().map(str::to_string));
    (put.path.as_str(), result)
}

/// The manifest as the record the lease protocol writes and reads back
/// (src/publish/lease.rs): each write is the leased manifest, conditional on the ETag last
/// read, so a lost race is an error ([`PublishError::Conflict`]) rather than `false`.
struct ManifestRecord<'r> {
    run: &'r mut S3,
    plan: &'r Plan,
    old: Option<&'r Manifest>,
    /// The manifest as read back.
    stored: Option<Decoded>,
}

impl lease::Record for ManifestRecord<'_> {
    type Error = PublishError;

    fn write_lease(&mut self, lease: &Lease) -> Result<bool, PublishError> {
        let leased = self.plan.leased_manifest(self.old, lease.clone());
        self.run.lease = Some(lease.clone());
        self.run.leased = Some(leased.clone());
        on_runtime(self.run.put_manifest(&leased))?;
        Ok(true)
    }

    /// Our lease only if the whole manifest is the one we wrote.
    fn read_lease(&mut self) -> Result<Option<Lease>, PublishError> {
        self.stored = on_runtime(self.run.read_manifest())?;
        let stored = self.stored.as_ref().map(|d| &d.manifest);
        Ok(self
            .run
            .leased
            .as_ref()
            .filter(|leased| stored == Some(*leased))
            .and_then(|leased| leased.lease.clone()))
    }
}

impl S3 {
    /// Reads a file beside the manifest, with its ETag.
    async fn get_beside(&self, path: &str) -> Result<super::beside::Stored, PublishError> {
        let requests = &self.requests;
        let action = format!("read `{path}`");
        {
            let stat = requests
                .call(&action, 0, || requests.operator.stat(path))
                .await;
            let meta = match stat {
                Ok(meta) => meta,
                Err(f) if f.kind() == Some(ErrorKind::NotFound) => {
                    return Ok(super::beside::Stored::default());
                }
                Err(f) => return Err(requests.error(&action, f)),
            };
            let etag = meta.etag().map(str::to_string);
            let bytes = requests
                .call(&action, meta.content_length(), || {
                    let mut read = requests.operator.read_with(path);
                    if let Some(etag) = &etag {
                        read = read.if_match(etag);
                    }
                    read.into_future()
                })
                .await
                .map_err(|f| requests.error(&action, f))?;
            Ok(super::beside::Stored {
                bytes: Some(bytes.to_vec()),
                version: etag,
            })
        }
    }

    /// Writes a file beside the manifest if its ETag is still `expected` (`If-Match`), or if
    /// it does not exist yet (`If-None-Match: *`).
    async fn put_beside(
        &self,
        path: &str,
        bytes: &[u8],
        expected: Option<&str>,
    ) -> Result<super::beside::Written, PublishError> {
        let requests = &self.requests;
        let action = format!("write `{path}`");
        let body = Bytes::copy_from_slice(bytes);
        {
            let written = requests
                .call(&action, body.len() as u64, || {
                    let write = requests
                        .operator
                        .write_with(path, body.clone())
                        .content_type("application/json")
                        .cache_control("no-store");
                    match expected {
                        Some(etag) => write.if_match(etag),
                        None => write.if_not_exists(true),
                    }
                    .into_future()
                })
                .await;
            match written {
                Ok(meta) => {
                    let etag = match meta.etag() {
                        Some(etag) => Some(etag.to_string()),
                        None => requests
                            .call(&action, 0, || requests.operator.stat(path))
                            .await
                            .map_err(|f| requests.error(&action, f))?
                            .etag()
                            .map(str::to_string),
                    };
                    Ok(super::beside::Written::Done(etag))
                }
                Err(f) if f.kind() == Some(ErrorKind::ConditionNotMatch) => {
                    Ok(super::beside::Written::Conflict)
                }
                Err(f) => Err(requests.error(&action, f)),
            }
        }
    }
}
