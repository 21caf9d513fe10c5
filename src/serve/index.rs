//! The preview's search index (docs/search.md), rebuilt on a thread of its own after each
//! rebuild so that pages reload as fast as without search. Only the newest pages are indexed
//! (requests that piled up meanwhile are skipped), and an index is swapped in only if no newer
//! pages were served in the meantime.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, mpsc};

use bytes::Bytes;

use super::{ServeEvent, State};
use crate::render::OutputFile;
use crate::search;
use crate::session::Files;

/// What the indexer thread is asked for: the index of the site served as `generation`.
struct Request {
    generation: u64,
    pages: Files,
    /// When the event of each page started, which decides its bundle (docs/search.md).
    dated: Arc<HashMap<String, search::Dated>>,
}

/// Hands pages to the indexer thread.
pub(super) struct Indexer {
    requests: mpsc::Sender<Request>,
}

impl Indexer {
    /// Asks for the index of `pages`, the site served as `generation`, in bundles by `dated`.
    pub(super) fn request(
        &self,
        generation: u64,
        pages: Files,
        dated: Arc<HashMap<String, search::Dated>>,
    ) {
        // The thread only stops when the sender is dropped, so sending cannot fail.
        let _ = self.requests.send(Request {
            generation,
            pages,
            dated,
        });
    }
}

/// Indexes as `build` does, carrying over from the thread's previous index what was built from
/// the same pages: an edit to the newest events re-indexes only the main bundle's pages.
pub(super) fn start(state: State, report: Arc<dyn Fn(ServeEvent) + Send + Sync>) -> Indexer {
    let (requests, received) = mpsc::channel::<Request>();
    std::thread::spawn(move || {
        let mut previous: Vec<OutputFile> = Vec::new();
        while let Ok(first) = received.recv() {
            let request = received.try_iter().last().unwrap_or(first);
            let files: Vec<OutputFile> = request
                .pages
                .iter()
                .map(|(path, bytes)| OutputFile::new(path.clone(), bytes.clone()))
                .collect();
            let dated = |path: &str| request.dated.get(path).copied();
            let earlier = |dir: &str, except: &[&str]| search::files_under(&previous, dir, except);
            let sources = search::Sources {
                dated: &dated,
                previous: &earlier,
            };
            match search::index(&files, &sources) {
                Ok(index) => {
                    let event = ServeEvent::Indexed {
                        pages: index.pages,
                        carried_over: index.carried_over,
                        elapsed: index.elapsed,
                    };
                    if swap_in(&state, request.generation, &request.pages, &index.files) {
                        report(event);
                    }
                    previous = index.files;
                }
                Err(error) => report(ServeEvent::Failed(Arc::new(error))),
            }
        }
    });
    Indexer { requests }
}

/// Serves `pages` with their new index, unless newer pages are served by now.
fn swap_in(state: &State, generation: u64, pages: &Files, index: &[OutputFile]) -> bool {
    let mut shared = state
        .write()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if shared.generation != generation {
        return false;
    }
    let mut files: BTreeMap<String, Bytes> = (**pages).clone();
    files.extend(index.iter().map(|f| (f.path.clone(), f.bytes.clone())));
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
