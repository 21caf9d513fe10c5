//! The one retry policy for everything that talks to a network: HTTP requests (announce,
//! import), Git's fetches and pushes, opening an SMTP session, and S3's requests. Pauses that
//! double, made by backon, tried again only what its caller says is worth it: an HTTP 503 is,
//! a 404 is not. Blocking calls get four tries, 0.5 s, 1 s and 2 s apart ([`blocking`]); S3's
//! requests, whose every try has a deadline of its own, are tried as long as their deadline
//! leaves room, from 0.2 s doubling to 4 s with jitter ([`until`]; docs/publishing.md, "Bad
//! networks and interrupted publishes").

use std::future::Future;
use std::time::Duration;

use backon::{BackoffBuilder, ExponentialBuilder, Retryable};

/// Tries in all, the first included.
pub(crate) const TRIES: usize = 4;

/// The pause before the first retry.
const FIRST_PAUSE: Duration = Duration::from_millis(500);

/// The pauses between tries, in order: one fewer than [`TRIES`].
pub(crate) fn pauses() -> impl Iterator<Item = Duration> {
    ExponentialBuilder::new()
        .with_min_delay(FIRST_PAUSE)
        .with_factor(2.0)
        .with_max_times(TRIES - 1)
        .build()
}

/// Runs `once` until it succeeds, fails in a way `worth_retrying` refuses, or the pauses run
/// out; `on_retry` hears of each failure tried again.
pub(crate) fn blocking<T, E>(
    mut once: impl FnMut() -> Result<T, E>,
    worth_retrying: impl Fn(&E) -> bool,
    mut on_retry: impl FnMut(&E),
) -> Result<T, E> {
    let mut pauses = pauses();
    loop {
        match once() {
            Ok(done) => return Ok(done),
            Err(e) => match pauses.next() {
                Some(pause) if worth_retrying(&e) => {
                    on_retry(&e);
                    std::thread::sleep(pause);
                }
                _ => return Err(e),
            },
        }
    }
}

/// Pauses from `first`, doubling up to `longest`, as many as a deadline leaves room for; each
/// stretched by up to as much again at random, so that many publishers retrying at once
/// spread out.
pub(crate) fn jittered(first: Duration, longest: Duration) -> ExponentialBuilder {
    ExponentialBuilder::new()
        .with_min_delay(first)
        .with_factor(2.0)
        .with_max_delay(longest)
        .with_jitter()
        .without_max_times()
}

/// The asynchronous twin of [`blocking`]: runs `once` until it succeeds, fails in a way
/// `worth_retrying` refuses, or `pause_fits` refuses the next of `pauses` (a deadline would
/// pass during it); `on_retry` hears of each failure tried again. Pauses on tokio's timer.
pub(crate) async fn until<T, E, Fut>(
    pauses: impl BackoffBuilder,
    once: impl FnMut() -> Fut,
    worth_retrying: impl FnMut(&E) -> bool,
    mut pause_fits: impl FnMut(Duration) -> bool,
    mut on_retry: impl FnMut(&E),
) -> Result<T, E>
where
    Fut: Future<Output = Result<T, E>>,
{
    once.retry(pauses)
        .sleep(tokio::time::sleep)
        .when(worth_retrying)
        .adjust(move |_, pause| pause.filter(|p| pause_fits(*p)))
        .notify(move |e, _| on_retry(e))
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn four_tries_with_doubling_pauses() {
        let pauses: Vec<Duration> = pauses().collect();
        assert_eq!(
            pauses,
            [500, 1000, 2000].map(Duration::from_millis),
            "the schedule docs/reliability.md states"
        );
    }

    #[test]
    fn a_failure_not_worth_retrying_is_tried_once_and_others_until_the_tries_run_out() {
        let mut calls = 0;
        let once: Result<(), &str> = blocking(
            || {
                calls += 1;
                Err("refused")
            },
            |_| false,
            |_| {},
        );
        assert_eq!((once, calls), (Err("refused"), 1));
    }

    #[test]
    fn jittered_pauses_double_up_to_the_longest_and_stretch_by_at_most_as_much_again() {
        let (first, longest) = (Duration::from_millis(200), Duration::from_secs(4));
        let pauses: Vec<Duration> = jittered(first, longest).build().take(8).collect();
        let plain = [200, 400, 800, 1600, 3200, 4000, 4000, 4000].map(Duration::from_millis);
        for (pause, plain) in pauses.iter().zip(plain) {
            assert!(
                *pause >= plain && *pause <= plain * 2,
                "{pause:?} for {plain:?}"
            );
        }
    }

    #[test]
    fn until_stops_when_the_next_pause_does_not_fit() {
        let calls = std::cell::Cell::new(0);
        let mut retried = 0;
        let result: Result<(), &str> = crate::runtime::block_on(until(
            jittered(Duration::from_millis(1), Duration::from_millis(4)),
            || {
                calls.set(calls.get() + 1);
                async { Err("temporary") }
            },
            |_| true,
            |_| calls.get() < 3,
            |_| retried += 1,
        ))
        .expect("runtime");
        assert_eq!((result, calls.get(), retried), (Err("temporary"), 3, 2));
    }
}
