//! What one build can hand the next so that only what changed is rendered again: compiled
//! templates, rendered Markdown, event cards and pages, each under a key made of everything
//! it depends on. A full build is the same code with an empty cache, so an incremental
//! rebuild cannot drift from a full one.

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

    /// Whether the rendered pages and feeds are kept for the next build: not by a one-shot
    /// cache, whose Markdown is not kept either.
    pub(super) fn keeps_files(&self) -> bool {
        !self.markdown.transient
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
    /// What every file depends on: the site's settings and the theme.
    base: u64,
}

impl<'a> Reuse<'a> {
    pub(crate) fn new(previous: &'a HashMap<String, (u64, Bytes)>, base: u64) -> Self {
        Reuse { previous, base }
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
        if let (Some(key), Some((previous_key, bytes))) = (key, self.previous.get(&path))
            && key == *previous_key
        {
            return Ok(Rendered {
                file: super::OutputFile::new(path, bytes.clone()),
                key,
            });
        }
        let bytes = make()?;
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
