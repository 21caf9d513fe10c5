//! The search index (docs/search.md): the rendered pages that mark content with
//! `data-pagefind-body` (the event pages of the default theme) are indexed in memory with
//! Pagefind, and its files are handed on like any other output file, under `pagefind/`.
//!
//! The pages of events from earlier years go into a second bundle, merged by the search page,
//! and a bundle built from the same pages as in the previous build is carried over from it
//! rather than indexed again (docs/search.md, "Two parts").
//!
//! Pure like rendering: pages in, files out; the previous build's files come in through
//! [`Sources`], read by the output module, and nothing here touches the disk. Pagefind's API
//! is async, so it runs on the command's runtime (`crate::runtime`).

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use bytes::Bytes;
use pagefind::api::PagefindIndex;
use pagefind::options::PagefindServiceConfig;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::Error;
use crate::fingerprint;
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

/// The older events' part of the index: bundles of their own under this folder, which the
/// search page merges with the main one (docs/search.md). An update during an incident changes
/// this year's pages, so only the main bundle is indexed again; these are carried over from
/// the previous build.
pub(crate) const ARCHIVE_DIR: &str = "pagefind/archive/";

/// The most pages an archive bundle gathers from consecutive years (one year with more is
/// split into bundles of this many pages). Few bundles keep a search to few requests; bounded ones keep an edit to
/// an older event from re-indexing the whole archive, and memory bounded while indexing
/// (Pagefind holds a bundle's pages until it writes it; docs/performance.md). An older event
/// added or removed can move the boundaries after its year: those bundles are indexed again,
/// once.
const ARCHIVE_BUNDLE_PAGES: usize = 2_000;

/// The bundles the search page merges into the main one, as a JSON list of folders relative to
/// the site root (empty when the whole index is one bundle).
const MERGE_LIST: &str = "pagefind/sitrep-merge.json";

/// In each bundle: what it was built from and a hash of its files, so that a later build can
/// carry it over after checking every byte of it.
const RECORD: &str = "sitrep-bundle.json";

/// What a bundle was built from: the pages' paths and bytes, and the versions of sitrep and
/// Pagefind that built it. `files` is the hash of the bundle's files, the record left out.
#[derive(Debug, Serialize, Deserialize, PartialEq, Eq)]
struct Record {
    key: String,
    files: String,
}

/// The index of a site, and what building it cost.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SearchIndex {
    /// Under [`BUNDLE_DIR`], sorted by path.
    pub files: Vec<OutputFile>,
    /// How many pages were indexed.
    pub pages: usize,
    /// How many of them are in a bundle carried over from the previous build.
    pub carried_over: usize,
    pub elapsed: Duration,
}

impl SearchIndex {
    /// The bytes of all the index files.
    pub(crate) fn bytes(&self) -> usize {
        self.files.iter().map(|f| f.bytes.len()).sum()
    }
}

/// The year of a page (by its path) that belongs in the archive, if it does.
pub(crate) type ArchiveYear<'a> = dyn Fn(&str) -> Option<i32> + Sync + 'a;

/// Where the index's pages go, and what an earlier build left to carry over.
pub(crate) struct Sources<'a> {
    /// The year of a page (by its path) that belongs in the archive: the page of an event
    /// that started in an earlier year. Ignored when all pages or none are in the archive:
    /// the index is then one bundle.
    pub archived: &'a ArchiveYear<'a>,
    /// The files an earlier build wrote under a folder (a path ending in `/`) or at one path,
    /// leaving out the folders in the second argument; none if there is no earlier build.
    pub previous: &'a (dyn Fn(&str, &[&str]) -> Vec<OutputFile> + Sync),
}

/// What [`Sources::previous`] answers from an earlier index held in memory (the preview's):
/// its files under `dir` (or at that path), leaving out the folders in `except`.
pub(crate) fn files_under(files: &[OutputFile], dir: &str, except: &[&str]) -> Vec<OutputFile> {
    files
        .iter()
        .filter(|f| f.path.starts_with(dir) && !except.iter().any(|e| f.path.starts_with(e)))
        .cloned()
        .collect()
}

#[cfg(test)]
impl Sources<'static> {
    /// One bundle, nothing carried over: every page indexed afresh.
    pub(crate) fn fresh() -> Self {
        Sources {
            archived: &|_| None,
            previous: &|_, _| Vec::new(),
        }
    }
}

/// One folder of the index and the pages that go into it.
struct Bundle<'a> {
    /// Ends in `/`.
    dir: String,
    pages: Vec<&'a OutputFile>,
}

impl Bundle<'_> {
    /// What the bundle is built from: if it is the same, Pagefind would write the same bytes.
    fn key(&self) -> String {
        let versions = [
            env!("SITREP_VERSION").as_bytes(),
            env!("SITREP_PAGEFIND_VERSION").as_bytes(),
            self.dir.as_bytes(),
        ];
        let pages = self
            .pages
            .iter()
            .flat_map(|page| [page.path.as_bytes(), &page.bytes[..]]);
        fingerprint::content_hash_of(versions.into_iter().chain(pages))
    }

    /// Whether a file of Pagefind's bundle belongs in this folder: the main one has what a
    /// search page needs (see [`is_needed`]); a merged one only its index, because a merged
    /// index uses the main one's script and WebAssembly.
    fn keeps(&self, name: &str) -> bool {
        if self.dir == BUNDLE_DIR {
            return is_needed(name);
        }
        name == "pagefind-entry.json"
            || name.ends_with(".pf_meta")
            || ["index/", "fragment/", "filter/"]
                .iter()
                .any(|dir| name.starts_with(dir))
    }

    /// The bundle the previous build left, if it was built from the same pages and its files
    /// are still byte for byte what it recorded. Its record is read first, so a bundle built
    /// from other pages costs one small read; the main bundle's folder holds the archive's,
    /// which is not its own.
    fn carried_over(
        &self,
        key: &str,
        previous: &dyn Fn(&str, &[&str]) -> Vec<OutputFile>,
    ) -> Option<Vec<OutputFile>> {
        let record_path = format!("{}{RECORD}", self.dir);
        let record = previous(&record_path, &[]).pop()?;
        let record: Record = serde_json::from_slice(&record.bytes).ok()?;
        if record.key != key {
            return None;
        }
        let nested: &[&str] = if self.dir == BUNDLE_DIR {
            &[ARCHIVE_DIR]
        } else {
            &[]
        };
        let mut files: Vec<OutputFile> = previous(&self.dir, nested)
            .into_iter()
            .filter(|f| f.path != MERGE_LIST)
            .collect();
        files.sort_by(|a, b| a.path.cmp(&b.path));
        (record.files == files_hash(&files, &record_path)).then_some(files)
    }

    /// Indexes the pages with Pagefind and adds the record.
    fn build(&self, key: String) -> Result<Vec<OutputFile>, Error> {
        let bundle =
            crate::runtime::block_on(build_bundle(&self.pages)).map_err(|e| Error::Search {
                page: None,
                source: anyhow::Error::new(e).context("cannot start its runtime"),
            })??;
        let mut files: Vec<OutputFile> = bundle
            .into_iter()
            .filter_map(|file| {
                let name = file.filename.to_string_lossy().replace('\\', "/");
                self.keeps(&name).then(|| {
                    OutputFile::new(format!("{}{name}", self.dir), Bytes::from(file.contents))
                })
            })
            .collect();
        if self.dir == BUNDLE_DIR && !needs_generic_wasm(&files) {
            files.retain(|f| f.path != GENERIC_WASM);
        }
        let record_path = format!("{}{RECORD}", self.dir);
        files.sort_by(|a, b| a.path.cmp(&b.path));
        let record = Record {
            key,
            files: files_hash(&files, &record_path),
        };
        let record = serde_json::to_vec(&record).expect("a record serializes");
        files.push(OutputFile::new(record_path, record));
        Ok(files)
    }

    /// The bundle: carried over from the previous build where it can be, or built.
    fn files(
        &self,
        previous: &dyn Fn(&str, &[&str]) -> Vec<OutputFile>,
    ) -> Result<(Vec<OutputFile>, bool), Error> {
        let key = self.key();
        match self.carried_over(&key, previous) {
            Some(files) => Ok((files, true)),
            None => self.build(key).map(|files| (files, false)),
        }
    }
}

/// The hash of a bundle's files (sorted by path), its record left out.
fn files_hash(files: &[OutputFile], record_path: &str) -> String {
    fingerprint::content_hash_of(
        files
            .iter()
            .filter(|f| f.path != record_path)
            .flat_map(|f| [f.path.as_bytes(), &f.bytes[..]]),
    )
}

/// Indexes every HTML page of `files` that has a `data-pagefind-body` element. Pages are added
/// in path order and Pagefind sorts what it writes, so the same pages give the same bytes —
/// which is also why a bundle built from the same pages can be carried over.
pub(crate) fn index(files: &[OutputFile], sources: &Sources) -> Result<SearchIndex, Error> {
    index_in_bundles_of(files, sources, ARCHIVE_BUNDLE_PAGES)
}

/// [`index`], with archive bundles of at most `cap` pages.
fn index_in_bundles_of(
    files: &[OutputFile],
    sources: &Sources,
    cap: usize,
) -> Result<SearchIndex, Error> {
    let started = Instant::now();
    let parts: Vec<OutputFile> = files
        .iter()
        .filter(|f| is_searchable(f))
        .map(indexed_part)
        .collect();
    let mut pages: Vec<&OutputFile> = parts.iter().collect();
    pages.sort_by(|a, b| a.path.cmp(&b.path));
    let count = pages.len();
    let bundles = bundles(pages, sources.archived, cap);
    // Bundles are indexes of their own, built side by side. On rayon's threads, not threads
    // of their own: Pagefind itself uses rayon, and a rayon thread waiting here for a thread that
    // waits for rayon would wait forever (with one rayon thread, `RAYON_NUM_THREADS=1`).
    let built: Vec<Result<(Vec<OutputFile>, bool), Error>> = bundles
        .par_iter()
        .map(|bundle| bundle.files(sources.previous))
        .collect();
    let mut files = Vec::new();
    let mut carried_over = 0;
    for (bundle, result) in bundles.iter().zip(built) {
        let (bundle_files, reused) = result?;
        files.extend(bundle_files);
        if reused {
            carried_over += bundle.pages.len();
        }
    }
    let merged: Vec<&str> = bundles.iter().skip(1).map(|b| b.dir.as_str()).collect();
    files.push(OutputFile::new(
        MERGE_LIST,
        serde_json::to_vec(&merged).expect("a list serializes"),
    ));
    files.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(SearchIndex {
        files,
        pages: count,
        carried_over,
        elapsed: started.elapsed(),
    })
}

/// The main bundle (this year's pages, and any page not of an event), then the archive's,
/// newest first: the order in which the search page lists them when filters alone are asked
/// for. One bundle when the archive would be empty; when the rest would be, the archive's
/// newest bundle is the main one, so a site with nothing this year is still indexed in
/// bounded bundles. `pages` is sorted by path, and so is each bundle's share.
fn bundles<'a>(
    pages: Vec<&'a OutputFile>,
    archived: &ArchiveYear<'_>,
    cap: usize,
) -> Vec<Bundle<'a>> {
    let mut current = Vec::new();
    let mut years: BTreeMap<i32, Vec<&OutputFile>> = BTreeMap::new();
    for page in &pages {
        match archived(&page.path) {
            Some(year) => years.entry(year).or_default().push(*page),
            None => current.push(*page),
        }
    }
    let sizes: Vec<(i32, usize)> = years.iter().map(|(y, p)| (*y, p.len())).collect();
    let mut groups = archive_groups(&sizes, cap);
    if current.is_empty() {
        current = groups
            .pop()
            .map(|newest| group_pages(&years, &newest, cap))
            .unwrap_or_default();
    }
    let mut bundles = vec![Bundle {
        dir: BUNDLE_DIR.to_string(),
        pages: current,
    }];
    for group in groups.into_iter().rev() {
        bundles.push(Bundle {
            dir: format!("{ARCHIVE_DIR}{}/", group.name()),
            pages: group_pages(&years, &group, cap),
        });
    }
    bundles
}

/// The pages of an archive group, sorted by path.
fn group_pages<'a>(
    years: &BTreeMap<i32, Vec<&'a OutputFile>>,
    group: &Group,
    cap: usize,
) -> Vec<&'a OutputFile> {
    let mut pages: Vec<&OutputFile> = years
        .range(group.first..=group.last)
        .flat_map(|(_, pages)| pages.iter().copied())
        .collect();
    pages.sort_by(|a, b| a.path.cmp(&b.path));
    match group.part {
        Some(part) => pages.into_iter().skip(part * cap).take(cap).collect(),
        None => pages,
    }
}

/// An archive bundle's years, oldest first; `part` numbers the bundles of a year with more
/// pages than a bundle holds (from 0, each of `cap` pages in path order but the last).
#[derive(Debug, PartialEq, Eq)]
struct Group {
    first: i32,
    last: i32,
    part: Option<usize>,
}

impl Group {
    /// Its folder under [`ARCHIVE_DIR`]: `2014`, `2014-2019`, or `2019.1`, `2019.2`… for the
    /// parts of a year.
    fn name(&self) -> String {
        match (self.part, self.first == self.last) {
            (Some(part), _) => format!("{}.{}", self.first, part + 1),
            (None, true) => self.first.to_string(),
            (None, false) => format!("{}-{}", self.first, self.last),
        }
    }
}

/// Consecutive years, oldest first, gathered into groups of at most `cap` pages; a year with
/// more is split into parts of `cap` pages. Filled from the oldest, so a year that joins the
/// archive on 1 January changes no group but the newest, and an unchanged group is carried
/// over from the previous build.
fn archive_groups(years: &[(i32, usize)], cap: usize) -> Vec<Group> {
    let mut groups: Vec<(Group, usize)> = Vec::new();
    for &(year, pages) in years {
        if pages > cap {
            let parts = pages.div_ceil(cap);
            groups.extend((0..parts).map(|part| {
                let group = Group {
                    first: year,
                    last: year,
                    part: Some(part),
                };
                (group, cap)
            }));
            continue;
        }
        match groups.last_mut() {
            Some((group, size)) if group.part.is_none() && *size + pages <= cap => {
                group.last = year;
                *size += pages;
            }
            _ => groups.push((
                Group {
                    first: year,
                    last: year,
                    part: None,
                },
                pages,
            )),
        }
    }
    groups.into_iter().map(|(group, _)| group).collect()
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

/// What the index reads of a searchable page: its `<html>` start tag (which names the
/// language) and the element marked `data-pagefind-body`, the rest of the page left out
/// (docs/search.md, "What is indexed"). The build keeps only this part of each page until the
/// index is made, and Pagefind parses only it. The same bytes come back for a part already
/// cut, so a page kept this way and a whole page give the same bundle. A page whose parts
/// cannot be found is kept whole.
pub(crate) fn indexed_part(file: &OutputFile) -> OutputFile {
    match cut(&file.bytes) {
        Some(part) => OutputFile::new(file.path.clone(), part),
        None => file.clone(),
    }
}

fn cut(page: &[u8]) -> Option<Vec<u8>> {
    use memchr::memmem;
    let marker = memmem::find(page, BODY_MARKER)?;
    let start = memchr::memrchr(b'<', &page[..marker])?;
    let name_end = page[start + 1..]
        .iter()
        .position(|b| !b.is_ascii_alphanumeric())?
        + start
        + 1;
    let close = [b"</", &page[start + 1..name_end], b">"].concat();
    let end = memmem::rfind(&page[marker..], &close)? + marker + close.len();
    let html = memmem::find(&page[..start], b"<html")?;
    let html_end = memchr::memchr(b'>', &page[html..start])? + html + 1;
    let (head, tail) = (b"<body>".as_slice(), b"</body></html>".as_slice());
    Some([&page[html..html_end], head, &page[start..end], tail].concat())
}

/// Whether a rendered file is a page the index takes in.
pub(crate) fn is_searchable(file: &OutputFile) -> bool {
    file.path.ends_with(".html") && memchr::memmem::find(&file.bytes, BODY_MARKER).is_some()
}

async fn build_bundle(pages: &[&OutputFile]) -> Result<Vec<pagefind::api::SyntheticFile>, Error> {
    // Result URLs stay relative to the site root (`incidents/x/`): the search page adds the
    // root it is served under, so the site works under any base path and in `serve` alike.
    let options = PagefindServiceConfig::builder().build();
    let mut index =
        PagefindIndex::new(Some(options)).map_err(|source| Error::Search { page: None, source })?;
    for page in pages {
        let html = String::from_utf8_lossy(&page.bytes).into_owned();
        index
            .add_html_file(Some(page.path.clone()), None, html)
            .await
            .map_err(|source| Error::Search {
                page: Some(page.path.clone()),
                source,
            })?;
    }
    index
        .get_files()
        .await
        .map_err(|source| Error::Search { page: None, source })
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
        let index = index(&files, &Sources::fresh()).expect("index");
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
        let index = index(&files, &Sources::fresh()).expect("index");
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
        let first = index(&files, &Sources::fresh()).expect("first");
        let mut reversed = files.clone();
        reversed.reverse();
        let second = index(&reversed, &Sources::fresh()).expect("second");
        assert_eq!(first.files, second.files);
    }

    fn events(count: usize) -> Vec<OutputFile> {
        (0..count)
            .map(|i| {
                page(
                    &format!("incidents/e{i}/index.html"),
                    "en",
                    &format!("Event {i} word{}", i % 7),
                )
            })
            .collect()
    }

    /// The first ten of [`events`] are from earlier years: five from 2014, five from 2015.
    fn split(path: &str) -> Option<i32> {
        path.strip_prefix("incidents/e")
            .and_then(|rest| rest.strip_suffix("/index.html"))
            .and_then(|n| n.parse::<usize>().ok())
            .filter(|n| *n < 10)
            .map(|n| if n < 5 { 2014 } else { 2015 })
    }

    const ARCHIVE: &str = "pagefind/archive/2014-2015/";

    fn paths(index: &SearchIndex) -> Vec<&str> {
        index.files.iter().map(|f| f.path.as_str()).collect()
    }

    fn merge_list(index: &SearchIndex) -> serde_json::Value {
        let list = index
            .files
            .iter()
            .find(|f| f.path == MERGE_LIST)
            .expect("merge list");
        serde_json::from_slice(&list.bytes).expect("json")
    }

    #[test]
    fn older_events_get_a_bundle_of_their_own_that_the_main_one_lists() {
        let index = index_after(&events(30), None);
        assert_eq!((index.pages, index.carried_over), (30, 0));
        assert_eq!(merge_list(&index), serde_json::json!([ARCHIVE]));
        let paths = paths(&index);
        for needed in [
            "pagefind/pagefind.js",
            "pagefind/wasm.en.pagefind",
            "pagefind/pagefind-entry.json",
            "pagefind/archive/2014-2015/pagefind-entry.json",
            "pagefind/sitrep-bundle.json",
            "pagefind/archive/2014-2015/sitrep-bundle.json",
        ] {
            assert!(paths.contains(&needed), "{needed} in {paths:?}");
        }
        // A merged index runs on the main one's script and WebAssembly.
        let archive: Vec<&str> = paths
            .iter()
            .copied()
            .filter(|p| p.starts_with(ARCHIVE_DIR))
            .collect();
        assert!(
            archive
                .iter()
                .all(|p| !p.ends_with(".js") && !p.contains("wasm")),
            "{archive:?}"
        );
        let count = |dir: &str| {
            let entry = index
                .files
                .iter()
                .find(|f| f.path == format!("{dir}pagefind-entry.json"))
                .expect("entry");
            serde_json::from_slice::<serde_json::Value>(&entry.bytes).expect("json")["languages"]["en"]["page_count"].clone()
        };
        assert_eq!(
            (count(BUNDLE_DIR), count(ARCHIVE)),
            (serde_json::json!(20), serde_json::json!(10))
        );
    }

    #[test]
    fn with_nothing_from_earlier_years_or_only_that_the_index_is_one_bundle() {
        let none = |_: &str| None;
        let all = |_: &str| Some(2014);
        let rules: [&ArchiveYear<'_>; 2] = [&none, &all];
        for archived in rules {
            let sources = Sources {
                archived,
                previous: &|_, _| Vec::new(),
            };
            let index = index(&events(5), &sources).expect("index");
            assert_eq!(merge_list(&index), serde_json::json!([]));
            assert!(!paths(&index).iter().any(|p| p.starts_with(ARCHIVE_DIR)));
        }
    }

    #[test]
    fn with_every_event_from_earlier_years_the_newest_archive_bundle_is_the_main_one() {
        let pages = events(12);
        let year = |path: &str| {
            let n: usize = path
                .strip_prefix("incidents/e")?
                .strip_suffix("/index.html")?
                .parse()
                .ok()?;
            Some(2014 + (n / 4) as i32)
        };
        let bundles = bundles(pages.iter().collect(), &year, 4);
        let dirs: Vec<&str> = bundles.iter().map(|b| b.dir.as_str()).collect();
        assert_eq!(
            dirs,
            [
                "pagefind/",
                "pagefind/archive/2015/",
                "pagefind/archive/2014/"
            ]
        );
        let first: Vec<&str> = bundles[0].pages.iter().map(|p| p.path.as_str()).collect();
        assert!(first.iter().all(|p| year(p) == Some(2016)), "{first:?}");
    }

    /// The index of `files`, older events split off by [`split`], with what `previous` holds
    /// offered as the previous build's files (as the output folder offers them).
    fn index_after(files: &[OutputFile], previous: Option<&SearchIndex>) -> SearchIndex {
        let offered = |dir: &str, except: &[&str]| match previous {
            Some(index) => files_under(&index.files, dir, except),
            None => Vec::new(),
        };
        let sources = Sources {
            archived: &split,
            previous: &offered,
        };
        index(files, &sources).expect("index")
    }

    #[test]
    fn a_bundle_built_from_the_same_pages_is_carried_over_and_the_same_bytes_result() {
        let mut files = events(30);
        let first = index_after(&files, None);
        // This year's event 25 gains words: only the main bundle is indexed again.
        files[25] = page("incidents/e25/index.html", "en", "Event 25 resolver");
        let fresh = index_after(&files, None);
        let again = index_after(&files, Some(&first));
        assert_eq!((again.carried_over, &again.files), (10, &fresh.files));
        // Unchanged pages: both bundles carried over, byte for byte.
        let unchanged = index_after(&files, Some(&fresh));
        assert_eq!(
            (unchanged.carried_over, &unchanged.files),
            (30, &fresh.files)
        );
    }

    #[test]
    fn a_bundle_whose_files_changed_since_or_whose_pages_did_is_built_again() {
        let files = events(30);
        let fresh = index_after(&files, None);
        let mut tampered = fresh.clone();
        let chunk = tampered
            .files
            .iter_mut()
            .find(|f| f.path.starts_with("pagefind/archive/2014-2015/fragment/"))
            .expect("a fragment");
        chunk.bytes = Bytes::from_static(b"edited by hand");
        let again = index_after(&files, Some(&tampered));
        assert_eq!((again.carried_over, &again.files), (20, &fresh.files));
        // An older event changed: the archive is indexed again, the main bundle carried over.
        let mut changed = files.clone();
        changed[3] = page("incidents/e3/index.html", "en", "Event 3 rewritten");
        let rebuilt = index_after(&changed, Some(&fresh));
        let expected = index_after(&changed, None);
        assert_eq!(
            (rebuilt.carried_over, &rebuilt.files),
            (20, &expected.files)
        );
    }

    #[test]
    fn years_are_gathered_from_the_oldest_into_bounded_groups() {
        let years = [
            (2016, 3000),
            (2017, 1500),
            (2018, 1000),
            (2019, 7000),
            (2020, 100),
        ];
        let names = |years: &[(i32, usize)]| -> Vec<String> {
            archive_groups(years, 5000)
                .iter()
                .map(Group::name)
                .collect()
        };
        assert_eq!(
            names(&years),
            ["2016-2017", "2018", "2019.1", "2019.2", "2020"]
        );
        // A year joining the archive changes no group but the newest.
        let later = [
            (2016, 3000),
            (2017, 1500),
            (2018, 1000),
            (2019, 7000),
            (2020, 100),
            (2021, 800),
        ];
        assert_eq!(
            names(&later),
            ["2016-2017", "2018", "2019.1", "2019.2", "2020-2021"]
        );
        assert_eq!(names(&[]), Vec::<String>::new());
    }

    #[test]
    fn the_archive_bundles_follow_the_main_one_newest_first_each_sorted_by_path() {
        let pages = events(30);
        // e0…e9: 2014 and 2015 as in `split`; e10…e14 from 2016; the rest this year.
        let year = |path: &str| {
            let n: usize = path
                .strip_prefix("incidents/e")?
                .strip_suffix("/index.html")?
                .parse()
                .ok()?;
            split(path).or((n < 15).then_some(2016))
        };
        let bundles = bundles(pages.iter().collect(), &year, 10);
        let dirs: Vec<&str> = bundles.iter().map(|b| b.dir.as_str()).collect();
        assert_eq!(
            dirs,
            [
                "pagefind/",
                "pagefind/archive/2016/",
                "pagefind/archive/2014-2015/"
            ]
        );
        let counts: Vec<usize> = bundles.iter().map(|b| b.pages.len()).collect();
        assert_eq!(counts, [15, 5, 10]);
        for bundle in &bundles {
            assert!(
                bundle.pages.is_sorted_by(|a, b| a.path <= b.path),
                "{}",
                bundle.dir
            );
        }
    }

    #[test]
    fn a_year_with_more_pages_than_a_bundle_holds_is_split_into_bounded_parts() {
        let pages = events(30);
        // e0…e9 from 2014 and 2015 as in `split`, e10…e22 all from 2016; the rest this year.
        let year = |path: &str| {
            let n: usize = path
                .strip_prefix("incidents/e")?
                .strip_suffix("/index.html")?
                .parse()
                .ok()?;
            split(path).or((n < 23).then_some(2016))
        };
        let bundles = bundles(pages.iter().collect(), &year, 5);
        let dirs: Vec<&str> = bundles.iter().map(|b| b.dir.as_str()).collect();
        assert_eq!(
            dirs,
            [
                "pagefind/",
                "pagefind/archive/2016.3/",
                "pagefind/archive/2016.2/",
                "pagefind/archive/2016.1/",
                "pagefind/archive/2015/",
                "pagefind/archive/2014/"
            ]
        );
        let counts: Vec<usize> = bundles.iter().map(|b| b.pages.len()).collect();
        assert_eq!(counts, [7, 3, 5, 5, 5, 5]);
        let mut all: Vec<&str> = bundles
            .iter()
            .flat_map(|b| b.pages.iter().map(|p| p.path.as_str()))
            .collect();
        all.sort();
        all.dedup();
        assert_eq!(all.len(), 30, "every page in exactly one bundle");
    }

    #[test]
    fn the_index_reads_only_the_marked_element_and_the_language() {
        let whole = page("incidents/a/index.html", "fr", "Panne du résolveur");
        let part = indexed_part(&whole);
        let text = String::from_utf8_lossy(&part.bytes).into_owned();
        assert!(text.starts_with("<html lang=\"fr\"><body><article data-pagefind-body>"));
        assert!(text.ends_with("</article></body></html>"), "{text}");
        assert!(
            !text.contains("Menu") && !text.contains("<title>"),
            "{text}"
        );
        assert_eq!(indexed_part(&part), part, "cutting again changes nothing");
        let unmarked = OutputFile::new("a.html", "<p>no body marker</p>");
        assert_eq!(indexed_part(&unmarked), unmarked);
    }

    /// With several archive bundles, an edited older event indexes its own bundle again and
    /// carries the others over, and the result is what a first build makes.
    #[test]
    fn an_edited_older_event_indexes_only_its_own_archive_bundle_again() {
        let year = |path: &str| {
            let n: usize = path
                .strip_prefix("incidents/e")?
                .strip_suffix("/index.html")?
                .parse()
                .ok()?;
            (n < 15).then_some(2014 + (n / 5) as i32)
        };
        let index_of = |files: &[OutputFile], previous: Option<&SearchIndex>| {
            let offered = |dir: &str, except: &[&str]| match previous {
                Some(index) => files_under(&index.files, dir, except),
                None => Vec::new(),
            };
            let sources = Sources {
                archived: &year,
                previous: &offered,
            };
            index_in_bundles_of(files, &sources, 5).expect("index")
        };
        let mut files = events(30);
        let first = index_of(&files, None);
        assert_eq!(
            merge_list(&first),
            serde_json::json!([
                "pagefind/archive/2016/",
                "pagefind/archive/2015/",
                "pagefind/archive/2014/"
            ])
        );
        // e7 is from 2015: the 2014 and 2016 bundles (5 pages each) and the main one (15)
        // are carried over.
        files[7] = page("incidents/e7/index.html", "en", "Event 7 rewritten");
        let again = index_of(&files, Some(&first));
        let fresh = index_of(&files, None);
        assert_eq!((again.carried_over, &again.files), (25, &fresh.files));
    }
}
