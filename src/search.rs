//! The search index (docs/search.md): the rendered pages that mark content with
//! `data-pagefind-body` (the event pages of the default theme) are indexed in memory with
//! Pagefind, and its files are handed on like any other output file, under `pagefind/`.
//!
//! The index is made of bounded bundles by when the events started, merged by the search page:
//! the newest events' is the main one, and a bundle built from the same pages as in the
//! previous build is carried over from it rather than indexed again (docs/search.md,
//! "Bundles").
//!
//! Pure like rendering: pages in, files out; the pages and the previous build's files come in
//! through closures ([`Sources`], [`Rendered`]) that the output module answers, and nothing
//! here touches the disk. Pagefind's API
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

/// Every bundle but the main one: folders of their own under this one, which the search page
/// merges with the main one (docs/search.md). An update during an incident changes the newest
/// events' pages, so only the main bundle is indexed again; these are carried over from the
/// previous build.
pub(crate) const ARCHIVE_DIR: &str = "pagefind/archive/";

/// The most pages a bundle holds (one year with more is split into bundles of this many
/// pages). Few bundles keep a search to few requests; bounded ones keep an edit to an older
/// event from re-indexing the whole archive, and memory bounded while indexing (Pagefind holds
/// a bundle's pages until it writes it; docs/performance.md). An older event added or removed
/// can move the boundaries after it: those bundles are indexed again, once.
const BUNDLE_PAGES: usize = 2_000;

/// The most pages the main bundle holds: the newest events', which an update during an
/// incident changes, so that it re-indexes at most this many pages (docs/search.md).
const MAIN_BUNDLE_PAGES: usize = 500;

/// How many pages bundles hold: [`BUNDLE_PAGES`] and [`MAIN_BUNDLE_PAGES`], smaller in tests.
#[derive(Debug, Clone, Copy)]
struct Caps {
    bundle: usize,
    main: usize,
}

const CAPS: Caps = Caps {
    bundle: BUNDLE_PAGES,
    main: MAIN_BUNDLE_PAGES,
};

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

/// The index of a site held in memory, and what building it cost.
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
    /// What indexing did, as [`index_into`] tells it.
    pub(crate) fn summary(&self) -> Indexed {
        Indexed {
            pages: self.pages,
            carried_over: self.carried_over,
            files: self.files.len(),
            bytes: self.files.iter().map(|f| f.bytes.len()).sum(),
            elapsed: self.elapsed,
        }
    }
}

/// What [`index_into`] did: the index's files went to its caller as each bundle was ready.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Indexed {
    /// How many pages were indexed.
    pub pages: usize,
    /// How many of them are in a bundle carried over from the previous build.
    pub carried_over: usize,
    /// How many files the index has, and their bytes.
    pub files: usize,
    pub bytes: usize,
    pub elapsed: Duration,
}

/// A searchable page as the build rendered it: its path and a hash of the part of it the index
/// reads ([`indexed_part`]). That is all the index keeps of a page while the others are
/// rendered: whether a bundle can be carried over is known from these, and the pages of a
/// bundle that cannot are read back from where the build wrote them, one bundle at a time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Page {
    pub path: String,
    part: String,
}

impl Page {
    /// The page of `file`, if the index takes it in.
    pub(crate) fn of(file: &OutputFile) -> Option<Page> {
        is_searchable(file).then(|| Page {
            path: file.path.clone(),
            part: part_hash(&file.bytes),
        })
    }
}

/// The bytes of a page the build rendered, as it wrote them.
pub(crate) type Rendered<'a> = dyn Fn(&str) -> Result<Bytes, Error> + Sync + 'a;

/// Where the index's files go, a bundle at a time.
pub(crate) type Emit<'a> = dyn Fn(&[OutputFile]) -> Result<(), Error> + Sync + 'a;

/// When the event of a page started, which decides its bundle (docs/search.md, "Bundles").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Dated {
    /// The year it started in, in the site's time zone.
    pub year: i32,
    /// When it started, in milliseconds since 1970: the order in which a year fills its
    /// bundles, so that a new event joins the newest one.
    pub start: i64,
    /// It started before this year.
    pub archived: bool,
}

/// The start of the event a page (by its path) is the page of, if it is an event's.
pub(crate) type Dating<'a> = dyn Fn(&str) -> Option<Dated> + Sync + 'a;

/// Where the index's pages go, and what an earlier build left to carry over.
pub(crate) struct Sources<'a> {
    /// When the event of a page (by its path) started; a page of no event goes into the
    /// main bundle.
    pub dated: &'a Dating<'a>,
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
            dated: &|_| None,
            previous: &|_, _| Vec::new(),
        }
    }
}

/// One folder of the index and the pages that go into it.
struct Bundle<'a> {
    /// Ends in `/`.
    dir: String,
    pages: Vec<&'a Page>,
}

impl<'a> Bundle<'a> {
    /// The bundle in `dir` of `pages`, which it holds sorted by path.
    fn of(dir: String, mut pages: Vec<&'a Page>) -> Self {
        pages.sort_by(|a, b| a.path.cmp(&b.path));
        Bundle { dir, pages }
    }

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
            .flat_map(|page| [page.path.as_bytes(), page.part.as_bytes()]);
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
    fn build(&self, key: String, rendered: &Rendered<'_>) -> Result<Vec<OutputFile>, Error> {
        let bundle =
            crate::runtime::block_on(build_bundle(&self.pages, rendered)).map_err(|e| {
                Error::Search {
                    page: None,
                    source: anyhow::Error::new(e).context("cannot start its runtime"),
                }
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
        rendered: &Rendered<'_>,
    ) -> Result<(Vec<OutputFile>, bool), Error> {
        let key = self.key();
        match self.carried_over(&key, previous) {
            Some(files) => Ok((files, true)),
            None => self.build(key, rendered).map(|files| (files, false)),
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

/// Indexes every HTML page of `files` that has a `data-pagefind-body` element, in memory (what
/// `publish` and `serve` hold). Pages are added in path order and Pagefind sorts what it
/// writes, so the same pages give the same bytes — which is also why a bundle built from the
/// same pages can be carried over.
pub(crate) fn index(files: &[OutputFile], sources: &Sources) -> Result<SearchIndex, Error> {
    index_in_bundles_of(files, sources, CAPS)
}

/// [`index`], with bundles of at most `caps` pages.
fn index_in_bundles_of(
    files: &[OutputFile],
    sources: &Sources,
    caps: Caps,
) -> Result<SearchIndex, Error> {
    let pages: Vec<Page> = files.iter().filter_map(Page::of).collect();
    let by_path: std::collections::HashMap<&str, &Bytes> =
        files.iter().map(|f| (f.path.as_str(), &f.bytes)).collect();
    let rendered = |path: &str| Ok(by_path[path].clone());
    let written = std::sync::Mutex::new(Vec::new());
    let emit = |files: &[OutputFile]| {
        crate::sync::lock(&written).extend_from_slice(files);
        Ok(())
    };
    let indexed = index_pages(pages, sources, &rendered, &emit, caps)?;
    let mut files = crate::sync::into_inner(written);
    files.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(SearchIndex {
        files,
        pages: indexed.pages,
        carried_over: indexed.carried_over,
        elapsed: indexed.elapsed,
    })
}

/// Indexes `pages`, reading those of the bundles to build with `rendered`, and hands each
/// bundle's files to `emit` as soon as it is ready: what `build` does, so that neither the
/// pages nor the index are held whole (docs/performance.md).
pub(crate) fn index_into(
    pages: Vec<Page>,
    sources: &Sources,
    rendered: &Rendered<'_>,
    emit: &Emit<'_>,
) -> Result<Indexed, Error> {
    index_pages(pages, sources, rendered, emit, CAPS)
}

fn index_pages(
    mut pages: Vec<Page>,
    sources: &Sources,
    rendered: &Rendered<'_>,
    emit: &Emit<'_>,
    caps: Caps,
) -> Result<Indexed, Error> {
    let started = Instant::now();
    pages.sort_by(|a, b| a.path.cmp(&b.path));
    let count = pages.len();
    let bundles = bundles(pages.iter().collect(), sources.dated, caps);
    // Bundles are indexes of their own, built side by side. On rayon's threads, not threads
    // of their own: Pagefind itself uses rayon, and a rayon thread waiting here for a thread that
    // waits for rayon would wait forever (with one rayon thread, `RAYON_NUM_THREADS=1`).
    let built: Vec<(usize, usize, bool)> = bundles
        .par_iter()
        .map(|bundle| {
            let (files, reused) = bundle.files(sources.previous, rendered)?;
            emit(&files)?;
            let bytes = files.iter().map(|f| f.bytes.len()).sum();
            Ok((files.len(), bytes, reused))
        })
        .collect::<Result<_, Error>>()?;
    let merged: Vec<&str> = bundles.iter().skip(1).map(|b| b.dir.as_str()).collect();
    let list = OutputFile::new(
        MERGE_LIST,
        serde_json::to_vec(&merged).expect("a list serializes"),
    );
    emit(std::slice::from_ref(&list))?;
    let carried_over = bundles
        .iter()
        .zip(&built)
        .filter(|(_, (_, _, reused))| *reused)
        .map(|(bundle, _)| bundle.pages.len())
        .sum();
    Ok(Indexed {
        pages: count,
        carried_over,
        files: built.iter().map(|(files, _, _)| files).sum::<usize>() + 1,
        bytes: built.iter().map(|(_, bytes, _)| bytes).sum::<usize>() + list.bytes.len(),
        elapsed: started.elapsed(),
    })
}

/// The main bundle, then the others, newest first: the order in which the search page lists
/// them when filters alone are asked for (docs/search.md, "Bundles"). The recent events (this
/// year's and later; when there are none, the newest year's) fill bundles from the oldest,
/// the newest of them split again into bundles of `caps.main` pages, the newest of which is
/// the main one, with every page of no event; the earlier years are gathered into bundles of
/// their own. Each bundle's pages are sorted by path.
fn bundles<'a>(pages: Vec<&'a Page>, dated: &Dating<'_>, caps: Caps) -> Vec<Bundle<'a>> {
    let mut undated = Vec::new();
    let mut recent = Vec::new();
    let mut years: BTreeMap<i32, Vec<(Dated, &Page)>> = BTreeMap::new();
    for page in pages {
        match dated(&page.path) {
            Some(date) if date.archived => years.entry(date.year).or_default().push((date, page)),
            Some(date) => recent.push((date, page)),
            None => undated.push(page),
        }
    }
    if recent.is_empty() {
        recent = years.pop_last().map(|(_, pages)| pages).unwrap_or_default();
    }
    for pages in years.values_mut().chain([&mut recent]) {
        pages.sort_by(|(a, p), (b, q)| (a.start, &p.path).cmp(&(b.start, &q.path)));
    }
    let (mut main, recent) = recent_bundles(&recent, caps);
    main.extend(undated);
    let mut bundles = vec![Bundle::of(BUNDLE_DIR.to_string(), main)];
    bundles.extend(recent.into_iter().rev());
    let sizes: Vec<(i32, usize)> = years.iter().map(|(y, p)| (*y, p.len())).collect();
    for group in archive_groups(&sizes, caps.bundle).into_iter().rev() {
        let dir = format!("{ARCHIVE_DIR}{}/", group.name());
        bundles.push(Bundle::of(dir, group_pages(&years, &group, caps.bundle)));
    }
    debug_assert!(
        bundles
            .iter()
            .map(|b| &b.dir)
            .collect::<std::collections::HashSet<_>>()
            .len()
            == bundles.len(),
        "every bundle has a folder of its own"
    );
    bundles
}

/// The recent pages (oldest first) in bundles of `caps.bundle` pages filled from the oldest,
/// `YEAR.1`, `YEAR.2`… (as an earlier year's are, so that on 1 January they are carried over),
/// the last, still filling, split again into parts of `caps.main` pages, `YEAR.N.1`…: the main
/// bundle's pages (the newest part) and the others', oldest first.
fn recent_bundles<'a>(
    recent: &[(Dated, &'a Page)],
    caps: Caps,
) -> (Vec<&'a Page>, Vec<Bundle<'a>>) {
    let pages = |part: &[(Dated, &'a Page)]| part.iter().map(|(_, p)| *p).collect();
    let chunks: Vec<_> = recent.chunks(caps.bundle).collect();
    let Some((filling, full)) = chunks.split_last() else {
        return (Vec::new(), Vec::new());
    };
    let mut bundles: Vec<Bundle> = full
        .iter()
        .enumerate()
        .map(|(k, chunk)| {
            let dir = format!("{ARCHIVE_DIR}{}.{}/", chunk[0].0.year, k + 1);
            Bundle::of(dir, pages(chunk))
        })
        .collect();
    let parts: Vec<_> = filling.chunks(caps.main).collect();
    let (newest, older) = parts.split_last().expect("a chunk is never empty");
    let (year, filling_number) = (filling[0].0.year, full.len() + 1);
    bundles.extend(older.iter().enumerate().map(|(j, part)| {
        let dir = format!("{ARCHIVE_DIR}{year}.{filling_number}.{}/", j + 1);
        Bundle::of(dir, pages(part))
    }));
    (pages(newest), bundles)
}

/// The pages of an archive group: oldest first, and a part of a year `cap` of them.
fn group_pages<'a>(
    years: &BTreeMap<i32, Vec<(Dated, &'a Page)>>,
    group: &Group,
    cap: usize,
) -> Vec<&'a Page> {
    let pages = years
        .range(group.first..=group.last)
        .flat_map(|(_, pages)| pages.iter().map(|(_, page)| *page));
    match group.part {
        Some(part) => pages.skip(part * cap).take(cap).collect(),
        None => pages.collect(),
    }
}

/// An archive bundle's years, oldest first; `part` numbers the bundles of a year with more
/// pages than a bundle holds (from 0, each of `cap` pages in the order they started but the
/// last).
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
/// (docs/search.md, "What is indexed"). Pagefind parses only this part, and a bundle's key
/// hashes it, so an edit elsewhere on the page (its menu, its footer) re-indexes nothing. The
/// same bytes come back for a part already cut. A page whose parts cannot be found is indexed
/// whole.
pub(crate) fn indexed_part(file: &OutputFile) -> OutputFile {
    match cut(&file.bytes) {
        Some(part) => OutputFile::new(file.path.clone(), part),
        None => file.clone(),
    }
}

fn cut(page: &[u8]) -> Option<Vec<u8>> {
    pieces(page).map(|pieces| pieces.concat())
}

/// The SHA-256 of a page's [`indexed_part`], hashed from its pieces rather than a copy: what
/// the build keeps of each searchable page while the others are rendered.
fn part_hash(page: &[u8]) -> String {
    fingerprint::content_hash_of(pieces(page).map_or(vec![page], Vec::from))
}

/// The pieces [`indexed_part`] joins: the `<html>` start tag, `<body>`, the marked element,
/// `</body></html>`.
fn pieces(page: &[u8]) -> Option<[&[u8]; 4]> {
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
    Some([&page[html..html_end], head, &page[start..end], tail])
}

/// Whether a rendered file is a page the index takes in.
pub(crate) fn is_searchable(file: &OutputFile) -> bool {
    file.path.ends_with(".html") && memchr::memmem::find(&file.bytes, BODY_MARKER).is_some()
}

/// Indexes `pages`, each read back with `rendered` and checked against the hash taken when it
/// was rendered, so that the index is of the pages the site holds.
async fn build_bundle(
    pages: &[&Page],
    rendered: &Rendered<'_>,
) -> Result<Vec<pagefind::api::SyntheticFile>, Error> {
    // Result URLs stay relative to the site root (`incidents/x/`): the search page adds the
    // root it is served under, so the site works under any base path and in `serve` alike.
    let options = PagefindServiceConfig::builder().build();
    let mut index =
        PagefindIndex::new(Some(options)).map_err(|source| Error::Search { page: None, source })?;
    for page in pages {
        let part = indexed_part(&OutputFile::new(page.path.clone(), rendered(&page.path)?));
        if part_hash(&part.bytes) != page.part {
            return Err(Error::Search {
                page: Some(page.path.clone()),
                source: anyhow::anyhow!("the page changed on the disk while the site was built"),
            });
        }
        let html = String::from_utf8_lossy(&part.bytes).into_owned();
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

    fn searchable(files: &[OutputFile]) -> Vec<Page> {
        files.iter().filter_map(Page::of).collect()
    }

    /// The number of a page of [`events`].
    fn number(path: &str) -> Option<usize> {
        path.strip_prefix("incidents/e")?
            .strip_suffix("/index.html")?
            .parse()
            .ok()
    }

    /// Event `n` of [`events`] starts at `n`: in the year `year(n)` gives, before this one, or
    /// this year (2026) when it gives none.
    fn dated_by(
        year: impl Fn(usize) -> Option<i32> + Sync,
    ) -> impl Fn(&str) -> Option<Dated> + Sync {
        dated_from(2026, year)
    }

    /// [`dated_by`], `this_year` being this year.
    fn dated_from(
        this_year: i32,
        year: impl Fn(usize) -> Option<i32> + Sync,
    ) -> impl Fn(&str) -> Option<Dated> + Sync {
        move |path| {
            let n = number(path)?;
            let (year, archived) = year(n).map_or((this_year, false), |y| (y, true));
            Some(Dated {
                year,
                start: n as i64,
                archived,
            })
        }
    }

    /// The first ten of [`events`] are from earlier years: five from 2014, five from 2015.
    fn split(n: usize) -> Option<i32> {
        (n < 10).then_some(if n < 5 { 2014 } else { 2015 })
    }

    fn dirs<'a>(bundles: &'a [Bundle]) -> Vec<&'a str> {
        bundles.iter().map(|b| b.dir.as_str()).collect()
    }

    fn counts(bundles: &[Bundle]) -> Vec<usize> {
        bundles.iter().map(|b| b.pages.len()).collect()
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
        let none = dated_by(|_| None);
        let all = dated_by(|_| Some(2014));
        let rules: [&Dating<'_>; 2] = [&none, &all];
        for dated in rules {
            let sources = Sources {
                dated,
                previous: &|_, _| Vec::new(),
            };
            let index = index(&events(5), &sources).expect("index");
            assert_eq!(merge_list(&index), serde_json::json!([]));
            assert!(!paths(&index).iter().any(|p| p.starts_with(ARCHIVE_DIR)));
        }
    }

    #[test]
    fn with_every_event_from_earlier_years_the_newest_archive_bundle_is_the_main_one() {
        let pages = searchable(&events(12));
        let year = |n: usize| Some(2014 + (n / 4) as i32);
        let caps = Caps { bundle: 4, main: 4 };
        let bundles = bundles(pages.iter().collect(), &dated_by(year), caps);
        assert_eq!(
            dirs(&bundles),
            [
                "pagefind/",
                "pagefind/archive/2015/",
                "pagefind/archive/2014/"
            ]
        );
        let first: Vec<usize> = bundles[0]
            .pages
            .iter()
            .filter_map(|p| number(&p.path))
            .collect();
        assert!(first.iter().all(|n| year(*n) == Some(2016)), "{first:?}");
    }

    /// The index of `files`, older events split off by [`split`], with what `previous` holds
    /// offered as the previous build's files (as the output folder offers them).
    fn index_after(files: &[OutputFile], previous: Option<&SearchIndex>) -> SearchIndex {
        let offered = |dir: &str, except: &[&str]| match previous {
            Some(index) => files_under(&index.files, dir, except),
            None => Vec::new(),
        };
        let sources = Sources {
            dated: &dated_by(split),
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
        let pages = searchable(&events(30));
        // e0…e9: 2014 and 2015 as in `split`; e10…e14 from 2016; the rest this year, which
        // fill a bundle of 10 and then the main one.
        let year = |n: usize| split(n).or((n < 15).then_some(2016));
        let caps = Caps {
            bundle: 10,
            main: 10,
        };
        let bundles = bundles(pages.iter().collect(), &dated_by(year), caps);
        assert_eq!(
            dirs(&bundles),
            [
                "pagefind/",
                "pagefind/archive/2026.1/",
                "pagefind/archive/2016/",
                "pagefind/archive/2014-2015/"
            ]
        );
        assert_eq!(counts(&bundles), [5, 10, 5, 10]);
        let main: Vec<usize> = bundles[0]
            .pages
            .iter()
            .filter_map(|p| number(&p.path))
            .collect();
        assert_eq!(main, [25, 26, 27, 28, 29], "the newest events");
        for bundle in &bundles {
            assert!(
                bundle.pages.is_sorted_by(|a, b| a.path <= b.path),
                "{}",
                bundle.dir
            );
        }
    }

    #[test]
    fn a_year_with_more_pages_than_a_bundle_holds_is_split_into_bounded_parts_oldest_first() {
        let pages = searchable(&events(30));
        // e0…e9 from 2014 and 2015 as in `split`, e10…e22 all from 2016; the rest this year.
        let year = |n: usize| split(n).or((n < 23).then_some(2016));
        let caps = Caps { bundle: 5, main: 5 };
        let bundles = bundles(pages.iter().collect(), &dated_by(year), caps);
        assert_eq!(
            dirs(&bundles),
            [
                "pagefind/",
                "pagefind/archive/2026.1/",
                "pagefind/archive/2016.3/",
                "pagefind/archive/2016.2/",
                "pagefind/archive/2016.1/",
                "pagefind/archive/2015/",
                "pagefind/archive/2014/"
            ]
        );
        assert_eq!(counts(&bundles), [2, 5, 3, 5, 5, 5, 5]);
        let numbers = |bundle: &Bundle| -> Vec<usize> {
            let mut numbers: Vec<usize> = bundle
                .pages
                .iter()
                .filter_map(|p| number(&p.path))
                .collect();
            numbers.sort_unstable();
            numbers
        };
        assert_eq!(
            numbers(&bundles[4]),
            [10, 11, 12, 13, 14],
            "2016.1: its first events"
        );
        assert_eq!(numbers(&bundles[2]), [20, 21, 22], "2016.3: its last");
        let mut all: Vec<&str> = bundles
            .iter()
            .flat_map(|b| b.pages.iter().map(|p| p.path.as_str()))
            .collect();
        all.sort();
        all.dedup();
        assert_eq!(all.len(), 30, "every page in exactly one bundle");
    }

    /// The index of `files` in bundles of `caps`, with what `previous` holds offered as the
    /// previous build's files.
    fn index_with(
        files: &[OutputFile],
        dated: &Dating<'_>,
        caps: Caps,
        previous: Option<&SearchIndex>,
    ) -> SearchIndex {
        let offered = |dir: &str, except: &[&str]| match previous {
            Some(index) => files_under(&index.files, dir, except),
            None => Vec::new(),
        };
        let sources = Sources {
            dated,
            previous: &offered,
        };
        index_in_bundles_of(files, &sources, caps).expect("index")
    }

    /// This year's events fill bundles from the oldest, and the newest of them is split again
    /// into small parts, the newest the main bundle: an update to the newest event re-indexes
    /// only the main bundle's few pages, and a new event at most one part more.
    #[test]
    fn the_newest_events_are_a_small_main_bundle_that_an_update_alone_indexes_again() {
        let caps = Caps { bundle: 6, main: 2 };
        let dated = dated_by(|_| None);
        let mut files = events(10);
        let first = index_with(&files, &dated, caps, None);
        assert_eq!(
            merge_list(&first),
            serde_json::json!(["pagefind/archive/2026.2.1/", "pagefind/archive/2026.1/"])
        );
        // The newest event gains an update: the main bundle alone (e8, e9) is indexed again.
        files[9] = page("incidents/e9/index.html", "en", "Event 9 resolved");
        let again = index_with(&files, &dated, caps, Some(&first));
        assert_eq!(
            (again.carried_over, &again.files),
            (8, &index_with(&files, &dated, caps, None).files)
        );
        // A new event: the main bundle is full, so its two move to a part of their own and
        // the new one is the main bundle; the other parts are carried over.
        files.push(page("incidents/e10/index.html", "en", "Event 10 opened"));
        let added = index_with(&files, &dated, caps, Some(&again));
        assert_eq!(
            merge_list(&added),
            serde_json::json!([
                "pagefind/archive/2026.2.2/",
                "pagefind/archive/2026.2.1/",
                "pagefind/archive/2026.1/"
            ])
        );
        assert_eq!(
            (added.carried_over, &added.files),
            (8, &index_with(&files, &dated, caps, None).files)
        );
    }

    /// When the bundle still filling holds as many pages as a full one, the next event makes it
    /// one, under a name of its own: every page of it is indexed again, once.
    #[test]
    fn a_new_event_after_a_full_filling_bundle_makes_it_a_full_one() {
        let caps = Caps { bundle: 4, main: 2 };
        let dated = dated_by(|_| None);
        let mut files = events(4);
        let first = index_with(&files, &dated, caps, None);
        assert_eq!(
            merge_list(&first),
            serde_json::json!(["pagefind/archive/2026.1.1/"])
        );
        files.push(page("incidents/e4/index.html", "en", "Event 4 opened"));
        let then = index_with(&files, &dated, caps, Some(&first));
        assert_eq!(
            merge_list(&then),
            serde_json::json!(["pagefind/archive/2026.1/"])
        );
        assert_eq!(
            (then.carried_over, &then.files),
            (0, &index_with(&files, &dated, caps, None).files)
        );
    }

    /// On 1 January last year's full bundles keep their pages and names in the archive, so
    /// they are carried over; only its newest, still filling, joins the archive anew.
    #[test]
    fn the_first_event_of_a_new_year_carries_the_past_years_full_bundles_over() {
        let caps = Caps { bundle: 5, main: 5 };
        let mut files = events(12);
        let first = index_with(&files, &dated_by(|_| None), caps, None);
        assert_eq!(
            merge_list(&first),
            serde_json::json!(["pagefind/archive/2026.2/", "pagefind/archive/2026.1/"])
        );
        files.push(page("incidents/e12/index.html", "en", "First of the year"));
        let next_year = dated_from(2027, |n| (n < 12).then_some(2026));
        let then = index_with(&files, &next_year, caps, Some(&first));
        assert_eq!(
            merge_list(&then),
            serde_json::json!([
                "pagefind/archive/2026.3/",
                "pagefind/archive/2026.2/",
                "pagefind/archive/2026.1/"
            ])
        );
        assert_eq!(
            (then.carried_over, &then.files),
            (10, &index_with(&files, &next_year, caps, None).files)
        );
    }

    /// What `build` does — pages noted as they are rendered, read back bundle by bundle, each
    /// bundle's files handed on when ready — makes the index that one made in memory does.
    #[test]
    fn pages_read_back_a_bundle_at_a_time_give_the_index_made_in_memory() {
        let files = events(30);
        let sources = Sources {
            dated: &dated_by(split),
            previous: &|_, _| Vec::new(),
        };
        let in_memory =
            index_in_bundles_of(&files, &sources, Caps { bundle: 5, main: 5 }).expect("in memory");
        let reads = std::sync::atomic::AtomicUsize::new(0);
        let rendered = |path: &str| {
            reads.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let file = files
                .iter()
                .find(|f| f.path == path)
                .expect("a rendered page");
            Ok(file.bytes.clone())
        };
        let emitted = std::sync::Mutex::new(Vec::new());
        let emit = |files: &[OutputFile]| {
            crate::sync::lock(&emitted).push(files.to_vec());
            Ok(())
        };
        let indexed = index_pages(
            searchable(&files),
            &sources,
            &rendered,
            &emit,
            Caps { bundle: 5, main: 5 },
        )
        .expect("read back");
        let bundles = crate::sync::into_inner(emitted);
        assert_eq!(bundles.len(), 7, "six bundles, then the merge list");
        let mut written: Vec<OutputFile> = bundles.into_iter().flatten().collect();
        written.sort_by(|a, b| a.path.cmp(&b.path));
        assert_eq!(written, in_memory.files);
        assert_eq!(reads.into_inner(), 30, "each page read once");
        let bytes: usize = written.iter().map(|f| f.bytes.len()).sum();
        assert_eq!(
            (indexed.pages, indexed.files, indexed.bytes),
            (30, written.len(), bytes)
        );
    }

    #[test]
    fn a_page_that_changed_on_the_disk_since_it_was_rendered_is_not_indexed() {
        let files = events(3);
        let rendered = |path: &str| {
            let file = files
                .iter()
                .find(|f| f.path == path)
                .expect("a rendered page");
            Ok(match path {
                "incidents/e1/index.html" => Bytes::from(file.bytes.to_vec().repeat(2)),
                _ => file.bytes.clone(),
            })
        };
        let error = index_into(
            searchable(&files),
            &Sources::fresh(),
            &rendered,
            &|_| Ok(()),
        )
        .expect_err("a changed page");
        assert!(
            matches!(&error, Error::Search { page: Some(page), .. } if page == "incidents/e1/index.html"),
            "{error:?}"
        );
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
        assert_eq!(
            part_hash(&whole.bytes),
            part_hash(&part.bytes),
            "a page and its part are noted alike"
        );
        assert_ne!(part_hash(&whole.bytes), part_hash(b"<p>another</p>"));
        let unmarked = OutputFile::new("a.html", "<p>no body marker</p>");
        assert_eq!(indexed_part(&unmarked), unmarked);
    }

    /// With several archive bundles, an edited older event indexes its own bundle again and
    /// carries the others over, and the result is what a first build makes.
    #[test]
    fn an_edited_older_event_indexes_only_its_own_archive_bundle_again() {
        let year = dated_by(|n| (n < 15).then_some(2014 + (n / 5) as i32));
        let caps = Caps { bundle: 5, main: 5 };
        let index_of = |files: &[OutputFile], previous: Option<&SearchIndex>| {
            index_with(files, &year, caps, previous)
        };
        let mut files = events(30);
        let first = index_of(&files, None);
        assert_eq!(
            merge_list(&first),
            serde_json::json!([
                "pagefind/archive/2026.2/",
                "pagefind/archive/2026.1/",
                "pagefind/archive/2016/",
                "pagefind/archive/2015/",
                "pagefind/archive/2014/"
            ])
        );
        // e7 is from 2015: every other bundle (5 pages each) is carried over.
        files[7] = page("incidents/e7/index.html", "en", "Event 7 rewritten");
        let again = index_of(&files, Some(&first));
        let fresh = index_of(&files, None);
        assert_eq!((again.carried_over, &again.files), (25, &fresh.files));
    }
}
