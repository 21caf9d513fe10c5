//! The one retry policy for everything that talks to a network: HTTP requests (announce,
//! import, S3 leases aside), Git's fetches and pushes, and opening an SMTP session. Four tries,
//! the pauses between them doubling from half a second (0.5 s, 1 s, 2 s), made by backon. What
//! is worth another try is each caller's own decision: an HTTP 503 is, a 404 is not.

use std::time::Duration;

use backon::{BackoffBuilder, ExponentialBuilder};

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
}
