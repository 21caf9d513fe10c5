//! What one build can hand the next so that only what changed is rendered again: compiled
//! templates, rendered Markdown, event cards and pages, each under a key made of everything
//! it depends on. A full build is the same code with an empty cache, so an incremental
//! rebuild cannot drift from a full one.
//!
//! `serve` keeps all of it in memory between builds. `build` and `publish` keep nothing in
//! memory, but hand the next run the [`PageKeys`] of what they wrote, which `output` saves
//! beside the output folder: the next run reuses a file of the previous build only if its key
//! is unchanged *and* the file still holds the bytes that key was recorded with
//! (docs/performance.md, "Rebuilding after a change").

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use bytes::Bytes;

use super::views::Card;
use crate::fingerprint;
use crate::markdown;
use crate::sync::lock;

#[derive(Default)]
pub(crate) struct RenderCache {
    /// Compiled templates, with the fingerprint of the theme they came from.
    pub(super) templates: Option<(u64, Arc<tera::Tera>)>,
    pub(super) markdown: Memo,
    /// Slug → (key of the card's inputs, card).
    pub(super) cards: HashMap<String, (u64, Card)>,
    /// Slug → (key of the event page view's inputs, fingerprint of that view): lets an
    /// unchanged event page be recognised without building its view again.
    pub(super) event_pages: HashMap<String, (u64, Option<u64>)>,
    /// Output path → (key, bytes), for pages and feeds.
    pub(super) files: HashMap<String, (u64, Bytes)>,
    /// The previous build on disk, when the last one is not in memory (see [`Stored`]).
    pub(super) stored: Option<Stored>,
    /// Files the last build took from the previous one.
    pub(super) reused: usize,
}

/// What a build hands the next through the disk: each page's and feed's key with a
/// fingerprint of its bytes, and each event page's view fingerprint. Fingerprints are those of
/// this binary (`crate::fingerprint`); `output` saves them with its identity, and another
/// binary's are never read.
#[derive(Debug, Default, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub(crate) struct PageKeys {
    /// Output path → (key, fingerprint of the bytes written).
    pub files: HashMap<String, (u64, u64)>,
    /// Slug → (key of the event page view's inputs, fingerprint of that view).
    pub event_pages: HashMap<String, (u64, Option<u64>)>,
}

/// Where the files of the previous build are read back from: its output folder.
pub(crate) trait EarlierBuild: Send + Sync {
    /// The file at `path` (relative to the output folder), if there is one to read.
    fn read(&self, path: &str) -> Option<Bytes>;
}

/// The previous build's keys, and its files to check them against.
pub(crate) struct Stored {
    keys: HashMap<String, (u64, u64)>,
    files: Box<dyn EarlierBuild>,
    /// This build's keys, recorded as its files are made.
    made: Mutex<HashMap<String, (u64, u64)>>,
}

impl RenderCache {
    /// A cache that keeps nothing for a next build: `sitrep build`, which has none. What a
    /// large site renders is then written and dropped page by page, rather than kept whole.
    pub(crate) fn one_shot() -> Self {
        RenderCache {
            markdown: Memo {
                transient: true,
                ..Memo::default()
            },
            ..RenderCache::default()
        }
    }

    /// A cache for a build that keeps nothing in memory but finds the previous build in
    /// `files`, made with `keys`: it reuses the previous build's files whose keys are
    /// unchanged and that still hold what they held then, and records this build's keys
    /// ([`RenderCache::page_keys`]).
    pub(crate) fn stored(keys: PageKeys, files: Box<dyn EarlierBuild>) -> Self {
        RenderCache {
            event_pages: keys.event_pages,
            stored: Some(Stored {
                keys: keys.files,
                files,
                made: Mutex::default(),
            }),
            ..RenderCache::one_shot()
        }
    }

    /// Whether the rendered pages and feeds are kept for the next build: not by a one-shot
    /// cache, whose Markdown is not kept either.
    pub(super) fn keeps_files(&self) -> bool {
        !self.markdown.transient
    }

    /// The keys of the files the last build made, and of its event pages, for the next run
    /// (empty unless the cache is [`RenderCache::stored`]); taken, as a stored cache serves one
    /// build.
    pub(crate) fn page_keys(&mut self) -> PageKeys {
        let files = match &mut self.stored {
            Some(stored) => crate::sync::into_inner(std::mem::take(&mut stored.made)),
            None => HashMap::new(),
        };
        PageKeys {
            files,
            event_pages: std::mem::take(&mut self.event_pages),
        }
    }

    /// How many files the last build took from the previous one rather than rendering them.
    pub(crate) fn reused(&self) -> usize {
        self.reused
    }
}

/// An output file and the key it was made under.
pub(crate) struct Rendered {
    pub file: super::OutputFile,
    pub key: u64,
}

/// The previous build's files, to reuse those whose key is unchanged.
pub(crate) struct Reuse<'a> {
    previous: &'a HashMap<String, (u64, Bytes)>,
    stored: Option<&'a Stored>,
    /// What every file depends on: the site's settings and the theme.
    base: u64,
    /// How many files were reused.
    reused: std::sync::atomic::AtomicUsize,
}

impl<'a> Reuse<'a> {
    pub(crate) fn new(
        previous: &'a HashMap<String, (u64, Bytes)>,
        stored: Option<&'a Stored>,
        base: u64,
    ) -> Self {
        Reuse {
            previous,
            stored,
            base,
            reused: std::sync::atomic::AtomicUsize::new(0),
        }
    }

    /// How many files were taken from the previous build.
    pub(crate) fn reused(&self) -> usize {
        self.reused.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// The previous build's bytes at `path` if they were made under `key`: from memory, or
    /// read back from the previous build and found to be what was written then (with their
    /// fingerprint).
    fn earlier(&self, path: &str, key: u64) -> Option<(Bytes, Option<u64>)> {
        if let Some((previous_key, bytes)) = self.previous.get(path) {
            return (*previous_key == key).then(|| (bytes.clone(), None));
        }
        let stored = self.stored?;
        let (previous_key, written) = stored.keys.get(path)?;
        if *previous_key != key {
            return None;
        }
        let bytes = stored.files.read(path)?;
        (fingerprint::of_bytes(&[&bytes]) == *written).then_some((bytes, Some(*written)))
    }

    /// Records what this build made at `path`, for the next; `written` is the bytes'
    /// fingerprint where it is known already.
    fn made(&self, path: &str, key: Option<u64>, bytes: &Bytes, written: Option<u64>) {
        if let (Some(stored), Some(key)) = (self.stored, key) {
            let written = written.unwrap_or_else(|| fingerprint::of_bytes(&[bytes]));
            lock(&stored.made).insert(path.to_string(), (key, written));
        }
    }

    /// The file at `path`: the previous bytes if `key` is unchanged, else `make()`'s.
    /// `None` as a key means "always make it" (pages that show `now`, for instance).
    pub(crate) fn file<E>(
        &self,
        path: String,
        key: Option<u64>,
        make: impl FnOnce() -> Result<Bytes, E>,
    ) -> Result<Rendered, E> {
        let key = key.map(|k| fingerprint::of(&(self.base, &path, k)));
        if let Some(key) = key
            && let Some((bytes, written)) = self.earlier(&path, key)
        {
            self.reused
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            self.made(&path, Some(key), &bytes, written);
            return Ok(Rendered {
                file: super::OutputFile::new(path, bytes),
                key,
            });
        }
        let bytes = make()?;
        self.made(&path, key, &bytes, None);
        Ok(Rendered {
            file: super::OutputFile::new(path, bytes),
            key: key.unwrap_or(0),
        })
    }
}

/// Rendered Markdown by source text. Keeps what the last build used and drops the rest, so a
/// long preview session does not grow without bound; a transient one keeps nothing.
#[derive(Default)]
pub(crate) struct Memo {
    transient: bool,
    current: Mutex<HashMap<u64, Arc<str>>>,
    previous: Mutex<HashMap<u64, Arc<str>>>,
}

impl Memo {
    /// Sanitised HTML of `source`.
    pub(crate) fn html(&self, source: &str) -> Arc<str> {
        if self.transient {
            return Arc::from(markdown::to_html(source));
        }
        let key = fingerprint::of(source);
        if let Some(hit) = lock(&self.current).get(&key) {
            return hit.clone();
        }
        let html = lock(&self.previous)
            .remove(&key)
            .unwrap_or_else(|| Arc::from(markdown::to_html(source)));
        lock(&self.current).insert(key, html.clone());
        html
    }

    /// Forgets what this build did not use.
    pub(super) fn end_build(&self) {
        let used = std::mem::take(&mut *lock(&self.current));
        *lock(&self.previous) = used;
    }
}
