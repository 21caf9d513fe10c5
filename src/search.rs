//! The search index (docs/search.md): the rendered pages that mark content with
//! `data-pagefind-body` (the event pages of the default theme) are indexed in memory with
//! Pagefind, and its files are handed on like any other output file, under `pagefind/`.
//!
//! Pure like rendering: pages in, files out; nothing is read from or written to the disk.
//! Pagefind's API is async, so it runs on a small runtime of its own here.

use std::time::{Duration, Instant};

use bytes::Bytes;
use pagefind::api::PagefindIndex;
use pagefind::options::PagefindServiceConfig;

use crate::error::Error;
use crate::render::OutputFile;

/// Where the index and Pagefind's search script go, relative to the site root.
pub(crate) const BUNDLE_DIR: &str = "pagefind/";

/// The attribute that marks a page as searchable (and the part of it that is indexed).
const BODY_MARKER: &[u8] = b"data-pagefind-body";

/// The files of Pagefind's bundle a search page needs: its search API (`pagefind.js`, with
/// the worker it starts), the entry file, the per-language WebAssembly and the index. Its
/// ready-made UIs are left out: the theme brings its own page, in its own style and words.
fn is_needed(name: &str) -> bool {
    !(name.starts_with("pagefind-ui.")
        || name.starts_with("pagefind-modular-ui.")
        || name.starts_with("pagefind-component-ui.")
        || name == "pagefind-highlight.js"
        || name.starts_with("playground/"))
}

/// The index of a site, and what building it cost.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SearchIndex {
    /// Under [`BUNDLE_DIR`], sorted by path.
    pub files: Vec<OutputFile>,
    /// How many pages were indexed.
    pub pages: usize,
    pub elapsed: Duration,
}

impl SearchIndex {
    /// The bytes of all the index files.
    pub(crate) fn bytes(&self) -> usize {
        self.files.iter().map(|f| f.bytes.len()).sum()
    }
}

/// Indexes every HTML page of `files` that has a `data-pagefind-body` element. Pages are added
/// in path order and Pagefind sorts what it writes, so the same pages give the same bytes.
pub(crate) fn index(files: &[OutputFile]) -> Result<SearchIndex, Error> {
    let started = Instant::now();
    let mut pages: Vec<&OutputFile> = files.iter().filter(|f| is_searchable(f)).collect();
    pages.sort_by(|a, b| a.path.cmp(&b.path));
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .map_err(|e| search_error(format!("cannot start its runtime: {e}")))?;
    let bundle = runtime.block_on(build_bundle(&pages))?;
    let mut files: Vec<OutputFile> = bundle
        .into_iter()
        .filter_map(|file| {
            let name = file.filename.to_string_lossy().replace('\\', "/");
            is_needed(&name)
                .then(|| OutputFile::new(format!("{BUNDLE_DIR}{name}"), Bytes::from(file.contents)))
        })
        .collect();
    if !needs_generic_wasm(&files) {
        files.retain(|f| f.path != GENERIC_WASM);
    }
    files.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(SearchIndex {
        files,
        pages: pages.len(),
        elapsed: started.elapsed(),
    })
}

/// Pagefind's language-neutral WebAssembly, which it loads only for an index whose language
/// it has no stemmer for (the entry file then gives that language no `wasm`).
const GENERIC_WASM: &str = "pagefind/wasm.unknown.pagefind";

fn needs_generic_wasm(files: &[OutputFile]) -> bool {
    let entry = files
        .iter()
        .find(|f| f.path == format!("{BUNDLE_DIR}pagefind-entry.json"))
        .and_then(|f| serde_json::from_slice::<serde_json::Value>(&f.bytes).ok());
    let Some(languages) = entry.as_ref().and_then(|e| e["languages"].as_object()) else {
        return true;
    };
    languages.values().any(|l| l["wasm"].is_null())
}

fn is_searchable(file: &OutputFile) -> bool {
    file.path.ends_with(".html") && memchr::memmem::find(&file.bytes, BODY_MARKER).is_some()
}

async fn build_bundle(pages: &[&OutputFile]) -> Result<Vec<pagefind::api::SyntheticFile>, Error> {
    // Result URLs stay relative to the site root (`incidents/x/`): the search page adds the
    // root it is served under, so the site works under any base path and in `serve` alike.
    let options = PagefindServiceConfig::builder().build();
    let mut index = PagefindIndex::new(Some(options)).map_err(|e| search_error(chain(&e)))?;
    for page in pages {
        let html = String::from_utf8_lossy(&page.bytes).into_owned();
        index
            .add_html_file(Some(page.path.clone()), None, html)
            .await
            .map_err(|e| search_error(format!("{}: {}", page.path, chain(&e))))?;
    }
    index.get_files().await.map_err(|e| search_error(chain(&e)))
}

/// Pagefind reports errors as `anyhow` chains; the message is all there is to keep.
fn chain(error: &anyhow::Error) -> String {
    format!("{error:#}")
}

fn search_error(message: String) -> Error {
    Error::Search { message }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(path: &str, lang: &str, body: &str) -> OutputFile {
        OutputFile::new(
            path,
            format!(
                "<!DOCTYPE html><html lang=\"{lang}\"><head><title>x</title></head><body><nav>Menu</nav><article data-pagefind-body><h1>{body}</h1><p data-pagefind-filter=\"component\">Mail</p></article></body></html>"
            ),
        )
    }

    #[test]
    fn only_marked_pages_are_indexed_and_the_bundle_has_what_a_search_needs() {
        let files = vec![
            page("incidents/a/index.html", "en", "Resolver outage"),
            page("incidents/b/index.html", "en", "Switch replaced"),
            OutputFile::new("index.html", "<html lang=\"en\"><body>front</body></html>"),
            OutputFile::new("feed.atom", "<feed data-pagefind-body/>"),
        ];
        let index = index(&files).expect("index");
        assert_eq!(index.pages, 2);
        let paths: Vec<&str> = index.files.iter().map(|f| f.path.as_str()).collect();
        for needed in [
            "pagefind/pagefind.js",
            "pagefind/pagefind-worker.js",
            "pagefind/pagefind-entry.json",
            "pagefind/wasm.en.pagefind",
        ] {
            assert!(paths.contains(&needed), "{needed} in {paths:?}");
        }
        for kind in [".pf_meta", ".pf_index", ".pf_fragment", ".pf_filter"] {
            assert!(
                paths.iter().any(|p| p.ends_with(kind)),
                "{kind} in {paths:?}"
            );
        }
        assert!(!paths.iter().any(|p| p.contains("-ui.")), "{paths:?}");
        assert!(!paths.contains(&GENERIC_WASM), "{paths:?}");
        let entry = index
            .files
            .iter()
            .find(|f| f.path == "pagefind/pagefind-entry.json")
            .expect("entry");
        let entry: serde_json::Value = serde_json::from_slice(&entry.bytes).expect("json");
        assert_eq!(entry["languages"]["en"]["page_count"], 2);
    }

    #[test]
    fn the_language_of_the_pages_names_the_index() {
        let files = vec![page("incidents/a/index.html", "fr", "Panne du résolveur")];
        let index = index(&files).expect("index");
        assert!(
            index
                .files
                .iter()
                .any(|f| f.path == "pagefind/wasm.fr.pagefind")
        );
    }

    #[test]
    fn the_same_pages_give_the_same_bytes() {
        let files: Vec<OutputFile> = (0..40)
            .map(|i| {
                page(
                    &format!("incidents/e{i}/index.html"),
                    "en",
                    &format!("Event {i} word{}", i % 7),
                )
            })
            .collect();
        let first = index(&files).expect("first");
        let mut reversed = files.clone();
        reversed.reverse();
        let second = index(&reversed).expect("second");
        assert_eq!(first.files, second.files);
    }
}
