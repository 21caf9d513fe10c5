//! The preview's search index (docs/search.md), rebuilt on a thread of its own after each
//! rebuild so that pages reload as fast as without search. Only the newest pages are indexed
//! (requests that piled up meanwhile are skipped), and an index is swapped in only if no newer
//! pages were served in the meantime.

use std::collections::BTreeMap;
use std::sync::{Arc, mpsc};

use bytes::Bytes;

use super::{ServeEvent, State};
use crate::render::OutputFile;
use crate::search;
use crate::session::Files;

/// Hands pages to the indexer thread.
pub(super) struct Indexer {
    requests: mpsc::Sender<(u64, Files)>,
}

impl Indexer {
    /// Asks for the index of `pages`, the site served as `generation`.
    pub(super) fn request(&self, generation: u64, pages: Files) {
        // The thread only stops when the sender is dropped, so sending cannot fail.
        let _ = self.requests.send((generation, pages));
    }
}

pub(super) fn start(state: State, report: Arc<dyn Fn(ServeEvent) + Send + Sync>) -> Indexer {
    let (requests, received) = mpsc::channel::<(u64, Files)>();
    std::thread::spawn(move || {
        while let Ok(first) = received.recv() {
            let (generation, pages) = received.try_iter().last().unwrap_or(first);
            let files: Vec<OutputFile> = pages
                .iter()
                .map(|(path, bytes)| OutputFile::new(path.clone(), bytes.clone()))
                .collect();
            match search::index(&files, &search::Sources::fresh()) {
                Ok(index) => {
                    if swap_in(&state, generation, &pages, index.files) {
                        report(ServeEvent::Indexed {
                            pages: index.pages,
                            elapsed: index.elapsed,
                        });
                    }
                }
                Err(error) => report(ServeEvent::Failed(error.to_string())),
            }
        }
    });
    Indexer { requests }
}

/// Serves `pages` with their new index, unless newer pages are served by now.
fn swap_in(state: &State, generation: u64, pages: &Files, index: Vec<OutputFile>) -> bool {
    let mut shared = state
        .write()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if shared.generation != generation {
        return false;
    }
    let mut files: BTreeMap<String, Bytes> = (**pages).clone();
    files.extend(index.into_iter().map(|f| (f.path, f.bytes)));
    shared.files = Arc::new(files);
    true
}

/// `pages` with the index files of `previous`, to answer searches until the new index is in.
pub(super) fn with_index_of(pages: &Files, previous: &Files) -> Files {
    let mut files: BTreeMap<String, Bytes> = (**pages).clone();
    files.extend(
        previous
            .range(search::BUNDLE_DIR.to_string()..)
            .take_while(|(path, _)| path.starts_with(search::BUNDLE_DIR))
            .map(|(path, bytes)| (path.clone(), bytes.clone())),
    );
    Arc::new(files)
}
