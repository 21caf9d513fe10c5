//! Every request to S3 storage, with its deadlines and retries (docs/publishing.md, "Bad
//! networks and interrupted publishes").
//!
//! Three clocks bound a publish to a server that answers slowly, a byte at a time, or never:
//! each attempt must be answered in full within [`ATTEMPT`]; a request, its retries included,
//! gives up after [`REQUEST`]; and a whole publish to one target after the time
//! [`target_allowance`] gives it. Both of the first two grow by a second for every
//! [`BYTES_PER_SECOND`] the request carries, so a large file over a slow link still goes. The
//! timers are sitrep's own, around whole requests (body included), so that no server can
//! keep one alive by sending a little at a time.

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::sync::mpsc;
use std::time::Duration;

use opendal::{ErrorKind, Operator};
use tokio::time::Instant;

use super::super::PublishError;
use crate::config::S3Target;

/// How long one attempt may take, answer included, for a request that carries little.
pub(crate) const ATTEMPT: Duration = Duration::from_secs(10);
/// How long a request may take, its retries included, for one that carries little.
pub(crate) const REQUEST: Duration = Duration::from_secs(30);
/// The slowest transfer allowed for: each such many bytes add a second to both deadlines.
pub(crate) const BYTES_PER_SECOND: u64 = 64 * 1024;
/// The first wait before a retry; it doubles with each one, up to [`MAX_DELAY`], as the one
/// retry policy makes them ([`crate::retry::jittered`]).
const MIN_DELAY: Duration = Duration::from_millis(200);
const MAX_DELAY: Duration = Duration::from_secs(4);
/// A publish to one target gets this, plus [`PER_FILE`] for each file to send or delete and a
/// second per [`BYTES_PER_SECOND`] to send.
pub(crate) const TARGET_BASE: Duration = Duration::from_secs(120);
pub(crate) const PER_FILE: Duration = Duration::from_millis(100);

/// The time a publish to one target is given, for `files` files (sent or deleted) and
/// `bytes` bytes to send.
pub(crate) fn target_allowance(files: usize, bytes: u64) -> Duration {
    TARGET_BASE + PER_FILE * u32::try_from(files).unwrap_or(u32::MAX) + carrying(bytes)
}

fn carrying(bytes: u64) -> Duration {
    Duration::from_secs(bytes / BYTES_PER_SECOND)
}

/// The storage, without retries or timeouts of its own: [`Requests::call`] does both.
/// Credentials come from the environment or the AWS profile, never from site.yaml.
pub(crate) fn operator(target: &S3Target) -> opendal::Result<Operator> {
    crate::http::install_tls_provider();
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
    Ok(Operator::new(builder)?.finish())
}

/// How long attempts and requests may take: [`Limits::DOCUMENTED`], except in tests here.
#[derive(Debug, Clone, Copy)]
struct Limits {
    attempt: Duration,
    request: Duration,
    min_delay: Duration,
}

impl Limits {
    const DOCUMENTED: Limits = Limits {
        attempt: ATTEMPT,
        request: REQUEST,
        min_delay: MIN_DELAY,
    };
}

/// The storage of one target with its clocks; cheap to clone into concurrent requests.
#[derive(Clone)]
pub(crate) struct Requests {
    pub operator: Operator,
    target: String,
    bucket: String,
    retries: mpsc::Sender<String>,
    limits: Limits,
    /// When the whole publish to this target must be over, if it has such a deadline.
    deadline: Option<(Instant, Duration)>,
}

/// Why a request failed: what the storage said last, or that its time ran out.
#[derive(Debug)]
pub(crate) enum Failure {
    Storage(opendal::Error),
    OutOfTime(PublishError),
}

impl Failure {
    pub(crate) fn kind(&self) -> Option<ErrorKind> {
        match self {
            Failure::Storage(e) => Some(e.kind()),
            Failure::OutOfTime(_) => None,
        }
    }
}

impl Requests {
    pub(crate) fn new(
        target: &S3Target,
        name: &str,
        retries: mpsc::Sender<String>,
    ) -> Result<Requests, PublishError> {
        let operator = operator(target).map_err(|e| PublishError::Storage {
            target: name.to_string(),
            action: "connect to the bucket".into(),
            source: Box::new(e),
        })?;
        Ok(Requests {
            operator,
            target: name.to_string(),
            bucket: target.bucket.clone(),
            retries,
            limits: Limits::DOCUMENTED,
            deadline: None,
        })
    }

    /// From now on, every request ends by `allowance` from `started`.
    pub(crate) fn set_deadline(&mut self, started: Instant, allowance: Duration) {
        self.deadline = Some((started + allowance, allowance));
    }

    /// Runs `attempt` until it succeeds, fails for good, or its time is up. `size` is what
    /// the request carries, either way, in bytes.
    pub(crate) async fn call<T, F, Fut>(
        &self,
        action: &str,
        size: u64,
        mut attempt: F,
    ) -> Result<T, Failure>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = opendal::Result<T>>,
    {
        let started = Instant::now();
        let allowance = self.limits.request + carrying(size);
        let request_end = started + allowance;
        let end = match self.deadline {
            Some((target_end, _)) => target_end.min(request_end),
            None => request_end,
        };
        let attempts = Cell::new(0);
        let last = RefCell::new(String::new());
        let tried = crate::retry::until(
            crate::retry::jittered(self.limits.min_delay, MAX_DELAY),
            || {
                attempts.set(attempts.get() + 1);
                self.attempt(attempt(), end, size, &last)
            },
            // `None`: the attempt found no complete answer in time.
            |e: &Option<opendal::Error>| e.as_ref().is_none_or(opendal::Error::is_temporary),
            |pause| Instant::now() + pause < end,
            |_| {
                let _ = self.retries.send(format!("{action}: {}", last.borrow()));
            },
        )
        .await;
        match tried {
            Ok(value) => Ok(value),
            Err(Some(e)) if !e.is_temporary() => Err(Failure::Storage(e)),
            Err(_) => Err(Failure::OutOfTime(match self.deadline {
                Some((target_end, whole)) if target_end < request_end => PublishError::Deadline {
                    target: self.target.clone(),
                    after: whole.as_secs(),
                },
                _ => PublishError::GaveUp {
                    target: self.target.clone(),
                    action: action.to_string(),
                    after: allowance.as_secs(),
                    attempts: attempts.get(),
                    last: last.take(),
                },
            })),
        }
    }

    /// One attempt, cut off at its own deadline or the request's `end`, whichever is first;
    /// `last` is told what went wrong, for the message a request that gives up ends with.
    async fn attempt<T>(
        &self,
        once: impl Future<Output = opendal::Result<T>>,
        end: Instant,
        size: u64,
        last: &RefCell<String>,
    ) -> Result<T, Option<opendal::Error>> {
        let started = Instant::now();
        let full = self.limits.attempt + carrying(size);
        let attempt_end = end.min(started + full);
        match tokio::time::timeout_at(attempt_end, once).await {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(e)) => {
                if e.is_temporary() {
                    *last.borrow_mut() = format!("a temporary failure ({})", e.kind());
                }
                Err(Some(e))
            }
            // An attempt cut short by the request's end tells less than the one before.
            Err(_) if attempt_end < started + full && !last.borrow().is_empty() => Err(None),
            Err(_) => {
                let waited = (attempt_end - started).as_secs_f64().round();
                *last.borrow_mut() = format!("no complete answer within {waited} s");
                Err(None)
            }
        }
    }

    /// The error a user is shown for a request that failed for good.
    pub(crate) fn error(&self, action: &str, failure: Failure) -> PublishError {
        let e = match failure {
            Failure::OutOfTime(e) => return e,
            Failure::Storage(e) => e,
        };
        match e.kind() {
            // S3's NoSuchBucket, which opendal alone turns into this kind on a request.
            ErrorKind::ConfigInvalid => PublishError::NoBucket {
                target: self.target.clone(),
                bucket: self.bucket.clone(),
            },
            ErrorKind::PermissionDenied => PublishError::CredentialsRefused {
                target: self.target.clone(),
                action: action.to_string(),
            },
            _ => PublishError::Storage {
                target: self.target.clone(),
                action: action.to_string(),
                source: Box::new(e),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Requests whose clocks run a hundred times faster than the documented ones.
    fn fast() -> (Requests, mpsc::Receiver<String>) {
        let target = S3Target {
            bucket: "status".into(),
            prefix: String::new(),
            endpoint: Some("http://127.0.0.1:9".into()),
            region: Some("auto".into()),
        };
        let (retries, retried) = mpsc::channel();
        let mut requests = Requests::new(&target, "s3://status/", retries).expect("operator");
        requests.limits = Limits {
            attempt: ATTEMPT / 100,
            request: REQUEST / 100,
            min_delay: MIN_DELAY / 100,
        };
        (requests, retried)
    }

    /// On the command's one runtime, as publish runs them (src/runtime.rs).
    fn block_on<F: Future>(work: F) -> F::Output {
        crate::runtime::block_on(work).expect("runtime")
    }

    fn temporary() -> opendal::Error {
        opendal::Error::new(ErrorKind::Unexpected, "503").set_temporary()
    }

    #[test]
    fn a_request_that_is_never_answered_gives_up_at_its_deadline() {
        let (requests, retried) = fast();
        let started = std::time::Instant::now();
        let result = block_on(requests.call("read the manifest", 0, || {
            std::future::pending::<opendal::Result<()>>()
        }));
        let took = started.elapsed();
        let Err(Failure::OutOfTime(PublishError::GaveUp { attempts, last, .. })) = result else {
            panic!("{result:?}");
        };
        assert_eq!(attempts, 3, "at 0, 0.1 and 0.2 s of 0.3 s");
        assert!(last.starts_with("no complete answer within"), "{last}");
        assert!(took >= REQUEST / 100 - Duration::from_millis(5), "{took:?}");
        assert!(
            took < REQUEST / 100 + Duration::from_millis(100),
            "{took:?}"
        );
        assert_eq!(retried.try_iter().count(), 2);
    }

    #[test]
    fn the_publish_deadline_cuts_a_request_short_and_says_so() {
        let (mut requests, _) = fast();
        requests.set_deadline(Instant::now(), Duration::from_millis(120));
        let started = std::time::Instant::now();
        let result = block_on(requests.call("upload `index.html`", 0, || {
            std::future::pending::<opendal::Result<()>>()
        }));
        assert!(started.elapsed() < Duration::from_millis(250));
        assert!(
            matches!(
                result,
                Err(Failure::OutOfTime(PublishError::Deadline { after: 0, .. }))
            ),
            "{result:?}"
        );
        // Once the publish's time is up, a request that is not answered at once waits no more.
        let started = std::time::Instant::now();
        let later = block_on(requests.call("delete `a`", 0, || {
            std::future::pending::<opendal::Result<()>>()
        }));
        assert!(started.elapsed() < Duration::from_millis(50));
        assert!(
            matches!(
                later,
                Err(Failure::OutOfTime(PublishError::Deadline { .. }))
            ),
            "{later:?}"
        );
    }

    #[test]
    fn temporary_errors_are_retried_and_others_are_not() {
        let (requests, retried) = fast();
        let mut calls = 0;
        let result = block_on(requests.call("stat", 0, || {
            calls += 1;
            let answer = if calls < 3 {
                Err(temporary())
            } else {
                Ok(calls)
            };
            async move { answer }
        }));
        assert_eq!(result.ok(), Some(3));
        assert_eq!(retried.try_iter().count(), 2);

        let mut calls = 0;
        let result = block_on(requests.call("stat", 0, || {
            calls += 1;
            async { Err::<(), _>(opendal::Error::new(ErrorKind::PermissionDenied, "403")) }
        }));
        assert_eq!(calls, 1);
        assert!(matches!(
            requests.error("read the manifest", result.expect_err("refused")),
            PublishError::CredentialsRefused { .. }
        ));
    }

    #[test]
    fn bigger_requests_and_publishes_get_more_time() {
        assert_eq!(target_allowance(0, 0), TARGET_BASE);
        assert_eq!(
            target_allowance(10, 640 * 1024),
            TARGET_BASE + Duration::from_secs(1) + Duration::from_secs(10)
        );
    }
}
