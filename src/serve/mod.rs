//! `sitrep serve`: builds the site into memory, serves it on loopback, watches the site folder
//! and rebuilds what a change touches, then reloads open pages. Nothing is written to disk: the
//! user's output folder is never touched.
//!
//! Three parts: a watcher thread (debounce → classify), a rebuild thread that owns the
//! [`Session`], and the HTTP server (tokio + axum) reading the latest good files.

pub(crate) mod http;
mod index;
mod watch;

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::sync::{Arc, RwLock, mpsc};
use std::time::Duration;

use chrono::Utc;

use crate::Now;
use crate::error::Error;
use crate::session::{Change, Files, Rebuilt, Session};

/// What `sitrep serve` was asked for.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    /// The site folder to build and watch.
    pub root: PathBuf,
    /// The address to listen on; the command line's default is loopback (127.0.0.1).
    pub bind: IpAddr,
    /// 0 picks a free port.
    pub port: u16,
    /// A fixed now (`--now`); without it the clock, refreshed every minute.
    pub now: Option<String>,
}

/// What the server reports as it goes; the binary prints these.
#[derive(Debug, Clone)]
pub enum ServeEvent {
    /// The server is accepting connections at this address (the port is the real one when 0
    /// was asked for).
    Listening(SocketAddr),
    /// A build succeeded; its pages are being served and open pages reload.
    Rebuilt(Rebuilt),
    /// The search index of the latest pages is being served (docs/search.md).
    Indexed {
        /// Pages indexed.
        pages: usize,
        /// Of them, pages in a part of the index carried over from the previous index.
        carried_over: usize,
        /// How long indexing took, after the pages were already served.
        elapsed: Duration,
    },
    /// A build (or the search index) failed, with its errors as the library returned them
    /// (diagnostics at their places); the last good pages are still served, and the browser
    /// shows the errors.
    Failed(Arc<Error>),
    /// Ctrl-C was pressed and the server has shut down.
    Stopped,
}

/// What the HTTP side reads: the last good site, and the errors of the last build if it failed.
#[derive(Default)]
pub(crate) struct Shared {
    pub files: Files,
    pub error: Option<Arc<Error>>,
    /// The path of `base_url`, e.g. `/status/`, which requests may start with.
    pub base_path: String,
    /// Counts successful rebuilds, so that a search index made from older pages is never
    /// swapped in over newer ones.
    pub generation: u64,
}

pub(crate) type State = Arc<RwLock<Shared>>;

/// Serves until Ctrl-C, then stops within a second whatever clients are connected (open
/// preview tabs hold a live-reload stream). `report` is called from several threads.
pub fn run(
    options: ServeOptions,
    report: impl Fn(ServeEvent) + Send + Sync + 'static,
) -> Result<(), Error> {
    let report = Arc::new(report);
    let root = options
        .root
        .canonicalize()
        .map_err(|e| Error::io("open the site folder", &options.root, e))?;
    let state: State = Arc::default();
    let (changes_tx, changes_rx) = mpsc::channel::<Change>();

    let mut session = Session::new(&root, true);
    let clock = Clock::new(options.now.as_deref());
    let indexer = index::start(state.clone(), report.clone());
    build_into(
        &mut session,
        &Change::Everything,
        &clock,
        &state,
        &indexer,
        &*report,
    );
    let output_dir = session
        .site()
        .map(|s| s.output.clone())
        .unwrap_or_else(|| PathBuf::from("public"));
    let _watcher = watch::start(&root, &output_dir, changes_tx)?;

    let runtime = crate::runtime::shared()
        .map_err(|e| Error::io("start the server runtime for", &root, e))?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind((options.bind, options.port))
            .await
            .map_err(|e| Error::io("listen on", format!("{}:{}", options.bind, options.port), e))?;
        let address = listener
            .local_addr()
            .map_err(|e| Error::io("listen on", options.bind.to_string(), e))?;
        let (router, reloader) = http::router(state.clone());
        report(ServeEvent::Listening(address));

        let rebuild_report = report.clone();
        let rebuild_state = state.clone();
        std::thread::spawn(move || {
            rebuild_loop(
                session,
                changes_rx,
                clock,
                rebuild_state,
                indexer,
                move |event| {
                    reloader.reload();
                    rebuild_report(event);
                },
            )
        });

        http::serve_until(listener, router, async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
        .map_err(|e| Error::io("serve on", address.to_string(), e))?;
        report(ServeEvent::Stopped);
        Ok(())
    })
}

/// The build's now: fixed by `--now`, or the clock.
#[derive(Clone)]
struct Clock {
    fixed: Option<String>,
}

impl Clock {
    fn new(fixed: Option<&str>) -> Self {
        Clock {
            fixed: fixed.map(str::to_string),
        }
    }

    fn now(&self) -> Now {
        match &self.fixed {
            Some(text) => Now::Given(text.clone()),
            None => Now::At(Utc::now()),
        }
    }

    /// How long until time should move on the page: the next minute, unless now is fixed.
    fn until_next_tick(&self) -> Duration {
        if self.fixed.is_some() {
            return Duration::from_secs(24 * 3600);
        }
        let into_minute = Utc::now().timestamp_millis().rem_euclid(60_000) as u64;
        Duration::from_millis(60_000 - into_minute + 50)
    }
}

/// Waits for changes (or the next minute), gathers what piled up meanwhile, and rebuilds.
fn rebuild_loop(
    mut session: Session,
    changes: mpsc::Receiver<Change>,
    clock: Clock,
    state: State,
    indexer: index::Indexer,
    report: impl Fn(ServeEvent),
) {
    loop {
        let first = match changes.recv_timeout(clock.until_next_tick()) {
            Ok(change) => change,
            Err(mpsc::RecvTimeoutError::Timeout) => Change::Time,
            Err(mpsc::RecvTimeoutError::Disconnected) => return,
        };
        let change = changes.try_iter().fold(first, watch::merge);
        build_into(&mut session, &change, &clock, &state, &indexer, &report);
    }
}

fn build_into(
    session: &mut Session,
    change: &Change,
    clock: &Clock,
    state: &State,
    indexer: &index::Indexer,
    report: &dyn Fn(ServeEvent),
) {
    let result = session.rebuild(change, &clock.now());
    let mut shared = state
        .write()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    match result {
        Ok(rebuilt) => {
            let pages = session.files();
            let search = session.site().is_some_and(|s| s.search);
            // The pages are served at once; the index follows from the indexer thread, and
            // until then the previous one answers searches.
            shared.files = if search {
                index::with_index_of(&pages, &shared.files)
            } else {
                pages.clone()
            };
            shared.generation += 1;
            shared.error = None;
            shared.base_path = session
                .site()
                .map_or_else(|| "/".into(), |s| s.base_url.path().to_string());
            let generation = shared.generation;
            drop(shared);
            report(ServeEvent::Rebuilt(rebuilt));
            if search {
                indexer.request(generation, pages, session.dated_pages());
            }
        }
        Err(error) => {
            let error = Arc::new(error);
            shared.error = Some(error.clone());
            drop(shared);
            report(ServeEvent::Failed(error));
        }
    }
}
