//! The one tokio runtime a command runs its asynchronous work on: the preview server and the
//! alert receiver, S3 requests, and Pagefind's indexing. It is made the first time a command
//! needs it and lives until the process ends, so that connections pooled by one step (an S3
//! client's) are still alive for the next, and a command that publishes and indexes does not
//! start a runtime for each.

use std::future::Future;
use std::sync::OnceLock;

use tokio::runtime::Runtime;

/// Two workers: the work is I/O-bound or runs on the calling thread (`block_on`), and the
/// machines sitrep is built for have few cores to spare (docs/performance.md).
const WORKERS: usize = 2;

static RUNTIME: OnceLock<Runtime> = OnceLock::new();

/// The command's runtime, started on first use; the error is the operating system's refusal
/// to start its threads.
pub(crate) fn shared() -> std::io::Result<&'static Runtime> {
    if let Some(runtime) = RUNTIME.get() {
        return Ok(runtime);
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(WORKERS)
        .thread_name("sitrep-io")
        .enable_all()
        .build()?;
    // Two threads may race to start it; the loser's runtime is dropped unused.
    Ok(RUNTIME.get_or_init(|| runtime))
}

/// Runs `work` to completion on the calling thread, its spawned tasks on the runtime's
/// workers. Called from outside the runtime only (a plain thread, a rayon worker, `main`):
/// tokio refuses to block one of its own workers.
pub(crate) fn block_on<F: Future>(work: F) -> std::io::Result<F::Output> {
    Ok(shared()?.block_on(work))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_caller_gets_the_same_runtime() {
        let first = shared().unwrap() as *const Runtime;
        let from_threads: Vec<*const Runtime> = (0..4)
            .map(|_| std::thread::spawn(|| shared().unwrap() as *const Runtime as usize))
            .map(|t| t.join().unwrap() as *const Runtime)
            .collect();
        assert!(from_threads.iter().all(|r| *r == first));
    }

    #[test]
    fn block_on_runs_from_several_threads_at_once() {
        let sums: Vec<u64> = (0..4u64)
            .map(|n| {
                std::thread::spawn(move || {
                    block_on(async move {
                        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
                        n * 2
                    })
                    .unwrap()
                })
            })
            .map(|t| t.join().unwrap())
            .collect();
        assert_eq!(sums, [0, 2, 4, 6]);
    }
}
