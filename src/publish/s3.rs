//! The S3 executor: carries a [`Plan`] out against S3-compatible storage through Apache
//! OpenDAL (docs/publishing.md, "S3-compatible storage").
//!
//! The manifest is the commit point, always written with a conditional put: taking the lease
//! (If-Match on the ETag read at the start, If-None-Match: * on a first publish), renewing
//! it, committing the new file list and clearing what was deleted. Whoever loses a race
//! stops before touching a file, or — if its lease was taken over — before committing.

use std::sync::mpsc;
use std::time::{Duration, Instant};

use chrono::Utc;
use futures::StreamExt;
use opendal::layers::{RetryLayer, TimeoutLayer};
use opendal::{ErrorKind, Operator};

use super::plan::{self, Lease, MANIFEST_PATH, Manifest, Plan, Put};
use super::{Context, PublishError, PublishEvent, TargetReport, announce_plan};
use crate::config::S3Target;
use crate::render::OutputFile;

/// Requests in flight at once: enough to hide a lossy link's latency, few enough for a
/// small bucket's rate limits.
const CONCURRENCY: usize = 16;
/// The lease is renewed this often during long publishes, well within `LEASE_TTL`.
const RENEW_EVERY: Duration = Duration::from_secs(45);

pub(crate) fn publish(
    target: &S3Target,
    name: &str,
    files: &[OutputFile],
    context: &Context<'_>,
    on_event: &mut dyn FnMut(PublishEvent),
) -> Result<TargetReport, PublishError> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| crate::Error::io("start", "the network runtime", e))?;
    let (retries, retried) = mpsc::channel();
    let operator =
        operator(target, retries).map_err(|e| storage(name, "connect to the bucket", e))?;
    let mut run = Run {
        operator,
        name,
        context,
        on_event,
        retried,
        etag: None,
        renewed: Instant::now(),
        lease: None,
    };
    runtime.block_on(run.publish(files))
}

/// The storage with a timeout on every request and retries with backoff and jitter.
/// Credentials come from the environment or the AWS profile, never from site.yaml.
fn operator(target: &S3Target, retries: mpsc::Sender<String>) -> opendal::Result<Operator> {
    let mut builder = opendal::services::S3::default()
        .bucket(&target.bucket)
        .root(&format!("/{}", target.prefix));
    if let Some(endpoint) = &target.endpoint {
        builder = builder.endpoint(endpoint);
    }
    let region = target
        .region
        .clone()
        .or_else(|| std::env::var("AWS_REGION").ok())
        .or_else(|| std::env::var("AWS_DEFAULT_REGION").ok())
        .unwrap_or_else(|| "us-east-1".into());
    builder = builder.region(&region);
    let notify = move |event: opendal::layers::RetryEvent<'_>| {
        let _ = retries.send(format!("{:?}: {}", event.op, event.err.kind()));
    };
    Ok(Operator::new(builder)?
        .layer(
            TimeoutLayer::new()
                .with_timeout(Duration::from_secs(30))
                .with_io_timeout(Duration::from_secs(10)),
        )
        .layer(
            RetryLayer::new()
                .with_jitter()
                .with_min_delay(Duration::from_millis(200))
                .with_max_delay(Duration::from_secs(8))
                .with_max_times(12)
                .with_notify(notify),
        )
        .finish())
}

fn storage(target: &str, action: &str, source: opendal::Error) -> PublishError {
    PublishError::Storage {
        target: target.to_string(),
        action: action.to_string(),
        source: Box::new(source),
    }
}

struct Run<'a, 'e> {
    operator: Operator,
    name: &'a str,
    context: &'a Context<'a>,
    on_event: &'e mut dyn FnMut(PublishEvent),
    retried: mpsc::Receiver<String>,
    /// The manifest's ETag as we last read or wrote it.
    etag: Option<String>,
    renewed: Instant,
    lease: Option<Lease>,
}

impl Run<'_, '_> {
    async fn publish(&mut self, files: &[OutputFile]) -> Result<TargetReport, PublishError> {
        let started = Instant::now();
        let old = self.read_manifest().await?;
        if let Some(lease) = old.as_ref().and_then(|m| m.lease.as_ref())
            && lease.blocks(Utc::now(), &host_name(), pid_alive)
        {
            return Err(PublishError::Busy {
                target: self.name.to_string(),
                host: lease.host.clone(),
                since: self.context.local_time(lease.started),
            });
        }
        let plan = plan::plan(old.as_ref(), files);
        announce_plan(self.name, &plan, self.context, self.on_event);
        let mut report = self.context.report(self.name, started);
        let tidy = old
            .as_ref()
            .is_some_and(|m| m.lease.is_none() && m.stale.is_empty());
        if self.context.dry_run || (plan.is_empty() && tidy) {
            report.elapsed = started.elapsed();
            return Ok(report);
        }

        let lease = Lease {
            host: host_name(),
            pid: std::process::id(),
            started: Utc::now(),
            renewed: Utc::now(),
        };
        let leased = plan.leased_manifest(old.as_ref(), lease.clone());
        self.lease = Some(lease);
        self.write_manifest(&leased).await?;

        let total = plan.puts.len() + plan.deletes.len();
        self.send_all(&plan, &leased, total).await?;
        let committed = plan.committed_manifest(Utc::now());
        self.write_manifest(&committed).await?;
        self.lease = None;
        if !plan.deletes.is_empty() {
            self.delete_all(&plan, plan.puts.len(), total).await?;
            let clean = Manifest {
                stale: Default::default(),
                ..committed
            };
            // Someone may have published since our commit; their manifest wins, and the
            // files we deleted were not theirs.
            match self.write_manifest(&clean).await {
                Ok(()) | Err(PublishError::Conflict { .. }) => {}
                Err(e) => return Err(e),
            }
        }
        report.uploaded = plan.puts.len();
        report.deleted = plan.deletes.len();
        report.bytes = plan.bytes();
        report.elapsed = started.elapsed();
        Ok(report)
    }

    /// The manifest and its ETag, or `None` before the first publish.
    async fn read_manifest(&mut self) -> Result<Option<Manifest>, PublishError> {
        for _ in 0..5 {
            let meta = match self.operator.stat(MANIFEST_PATH).await {
                Ok(meta) => meta,
                Err(e) if e.kind() == ErrorKind::NotFound => {
                    self.etag = None;
                    return Ok(None);
                }
                Err(e) => return Err(storage(self.name, "read the manifest", e)),
            };
            let etag = meta.etag().map(str::to_string);
            let mut read = self.operator.read_with(MANIFEST_PATH);
            if let Some(etag) = &etag {
                read = read.if_match(etag);
            }
            let bytes = match read.await {
                Ok(bytes) => bytes.to_vec(),
                // Changed between the two requests: a publish just wrote it; read it again.
                Err(e) if e.kind() == ErrorKind::ConditionNotMatch => continue,
                Err(e) => return Err(storage(self.name, "read the manifest", e)),
            };
            let manifest = serde_json::from_slice(&bytes).map_err(|e| PublishError::Manifest {
                target: self.name.to_string(),
                message: e.to_string(),
            })?;
            self.etag = etag;
            return Ok(Some(manifest));
        }
        Err(PublishError::Manifest {
            target: self.name.to_string(),
            message: "it kept changing while being read; run publish again".into(),
        })
    }

    /// Writes the manifest if it is still the one we last saw; a loser learns who won.
    async fn write_manifest(&mut self, manifest: &Manifest) -> Result<(), PublishError> {
        let body = serde_json::to_vec(manifest).map_err(|e| PublishError::Manifest {
            target: self.name.to_string(),
            message: e.to_string(),
        })?;
        let mut write = self
            .operator
            .write_with(MANIFEST_PATH, body)
            .content_type("application/json")
            .cache_control("no-store");
        write = match &self.etag {
            Some(etag) => write.if_match(etag),
            // `If-None-Match: *`: only if no one has published here yet.
            None => write.if_not_exists(true),
        };
        match write.await {
            Ok(meta) => {
                self.etag = meta.etag().map(str::to_string);
                if self.etag.is_none() {
                    self.etag = self.stat_etag().await?;
                }
                self.renewed = Instant::now();
                Ok(())
            }
            Err(e) if e.kind() == ErrorKind::ConditionNotMatch => {
                self.after_lost_race(manifest).await
            }
            Err(e) => Err(storage(self.name, "write the manifest", e)),
        }
    }

    async fn stat_etag(&self) -> Result<Option<String>, PublishError> {
        let meta = self
            .operator
            .stat(MANIFEST_PATH)
            .await
            .map_err(|e| storage(self.name, "read the manifest", e))?;
        Ok(meta.etag().map(str::to_string))
    }

    /// A conditional put failed. Either a retry of our own write found it already done (the
    /// first attempt succeeded but its answer was lost), or someone else published.
    async fn after_lost_race(&mut self, ours: &Manifest) -> Result<(), PublishError> {
        let theirs = self.read_manifest().await?;
        if theirs.as_ref() == Some(ours) {
            self.renewed = Instant::now();
            return Ok(());
        }
        let at = theirs
            .as_ref()
            .and_then(|m| m.lease.as_ref().map(|l| l.started).or(m.published_at))
            .map_or_else(|| "an unknown time".into(), |t| self.context.local_time(t));
        Err(PublishError::Conflict {
            target: self.name.to_string(),
            at,
        })
    }

    /// Keeps our lease alive during a long publish; losing it means someone took over.
    async fn renew_lease_if_due(&mut self, leased: &Manifest) -> Result<(), PublishError> {
        if self.renewed.elapsed() < RENEW_EVERY {
            return Ok(());
        }
        let Some(mut lease) = self.lease.clone() else {
            return Ok(());
        };
        lease.renewed = Utc::now();
        let renewed = Manifest {
            lease: Some(lease.clone()),
            ..leased.clone()
        };
        self.write_manifest(&renewed).await?;
        self.lease = Some(lease);
        Ok(())
    }

    /// Sends the puts wave by wave (see [`plan`]), many at a time within a wave.
    async fn send_all(
        &mut self,
        plan: &Plan,
        leased: &Manifest,
        total: usize,
    ) -> Result<(), PublishError> {
        let mut done = 0;
        for wave in plan.waves() {
            let operator = self.operator.clone();
            let mut sends = futures::stream::iter(wave.iter().map(|put| send(&operator, put)))
                .buffer_unordered(CONCURRENCY);
            while let Some(result) = sends.next().await {
                let (path, result) = result;
                result.map_err(|e| storage(self.name, &format!("upload `{path}`"), e))?;
                done += 1;
                self.report_retries();
                (self.on_event)(PublishEvent::Progress { done, total });
                self.renew_lease_if_due(leased).await?;
            }
        }
        Ok(())
    }

    async fn delete_all(
        &mut self,
        plan: &Plan,
        mut done: usize,
        total: usize,
    ) -> Result<(), PublishError> {
        let operator = self.operator.clone();
        let mut deletes = futures::stream::iter(plan.deletes.iter().map(|path| {
            let operator = operator.clone();
            async move { (path, operator.delete(path).await) }
        }))
        .buffer_unordered(CONCURRENCY);
        while let Some((path, result)) = deletes.next().await {
            match result {
                Ok(()) => {}
                Err(e) if e.kind() == ErrorKind::NotFound => {}
                Err(e) => return Err(storage(self.name, &format!("delete `{path}`"), e)),
            }
            done += 1;
            self.report_retries();
            (self.on_event)(PublishEvent::Progress { done, total });
        }
        Ok(())
    }

    fn report_retries(&mut self) {
        while let Ok(problem) = self.retried.try_recv() {
            (self.on_event)(PublishEvent::Retrying {
                target: self.name.to_string(),
                problem,
            });
        }
    }
}

async fn send<'p>(operator: &Operator, put: &'p Put) -> (&'p str, opendal::Result<()>) {
    let result = operator
        .write_with(&put.path, put.bytes.clone())
        .content_type(put.content_type)
        .cache_control(put.cache_control)
        .await
        .map(|_| ());
    (put.path.as_str(), result)
}

pub(crate) fn host_name() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "unknown host".into())
}

/// Whether a process with this id runs on this machine. Where that cannot be known, it is
/// taken as running: the lease then simply expires.
pub(crate) fn pid_alive(pid: u32) -> bool {
    if cfg!(target_os = "linux") {
        std::path::Path::new(&format!("/proc/{pid}")).exists()
    } else {
        true
    }
}

/// Reads a file beside the manifest, with its ETag.
pub(crate) fn read_beside(
    target: &S3Target,
    name: &str,
    path: &str,
) -> Result<super::beside::Stored, PublishError> {
    let (runtime, operator) = small_operator(target, name)?;
    runtime.block_on(async {
        let meta = match operator.stat(path).await {
            Ok(meta) => meta,
            Err(e) if e.kind() == ErrorKind::NotFound => {
                return Ok(super::beside::Stored::default());
            }
            Err(e) => return Err(storage(name, &format!("read `{path}`"), e)),
        };
        let etag = meta.etag().map(str::to_string);
        let mut read = operator.read_with(path);
        if let Some(etag) = &etag {
            read = read.if_match(etag);
        }
        let bytes = read
            .await
            .map_err(|e| storage(name, &format!("read `{path}`"), e))?;
        Ok(super::beside::Stored {
            bytes: Some(bytes.to_vec()),
            version: etag,
        })
    })
}

/// Writes a file beside the manifest if its ETag is still `expected` (`If-Match`), or if it
/// does not exist yet (`If-None-Match: *`).
pub(crate) fn write_beside(
    target: &S3Target,
    name: &str,
    path: &str,
    bytes: &[u8],
    expected: Option<&str>,
) -> Result<super::beside::Written, PublishError> {
    let (runtime, operator) = small_operator(target, name)?;
    runtime.block_on(async {
        let mut write = operator
            .write_with(path, bytes.to_vec())
            .content_type("application/json")
            .cache_control("no-store");
        write = match expected {
            Some(etag) => write.if_match(etag),
            None => write.if_not_exists(true),
        };
        match write.await {
            Ok(meta) => {
                let etag = match meta.etag() {
                    Some(etag) => Some(etag.to_string()),
                    None => operator
                        .stat(path)
                        .await
                        .map_err(|e| storage(name, &format!("read `{path}`"), e))?
                        .etag()
                        .map(str::to_string),
                };
                Ok(super::beside::Written::Done(etag))
            }
            Err(e) if e.kind() == ErrorKind::ConditionNotMatch => {
                Ok(super::beside::Written::Conflict)
            }
            Err(e) => Err(storage(name, &format!("write `{path}`"), e)),
        }
    })
}

/// A one-thread runtime and the storage, for a request or two.
fn small_operator(
    target: &S3Target,
    name: &str,
) -> Result<(tokio::runtime::Runtime, Operator), PublishError> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| crate::Error::io("start", "the network runtime", e))?;
    let (retries, _) = mpsc::channel();
    let operator =
        operator(target, retries).map_err(|e| storage(name, "connect to the bucket", e))?;
    Ok((runtime, operator))
}
