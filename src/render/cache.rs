//! What one build can hand the next so that only what changed is rendered again: compiled
//! templates, rendered Markdown, event cards and pages, each under a key made of everything
//! it depends on. A full build is the same code with an empty cache, so an incremental
//! rebuild cannot drift from a full one.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use bytes::Bytes;

use super::views::EventCard;
use crate::fingerprint;
use crate::markdown;

#[derive(Default)]
pub struct RenderCache {
    /// Compiled templates, with the fingerprint of the theme they came from.
    pub(super) templates: Option<(u64, Arc<tera::Tera>)>,
    pub(super) markdown: Memo,
    /// Slug → (key, card).
    pub(super) cards: HashMap<String, (u64, Arc<EventCard>)>,
    /// Output path → (key, bytes).
    pub(super) pages: HashMap<String, (u64, Bytes)>,
}

/// Rendered Markdown by source text. Keeps what the last build used and drops the rest, so a
/// long preview session does not grow without bound.
#[derive(Default)]
pub struct Memo {
    current: Mutex<HashMap<u64, Arc<str>>>,
    previous: Mutex<HashMap<u64, Arc<str>>>,
}

impl Memo {
    /// Sanitised HTML of `source`.
    pub fn html(&self, source: &str) -> Arc<str> {
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

/// A poisoned lock only means another render thread panicked; the map itself is still whole.
fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}
