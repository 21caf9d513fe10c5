//! What a publish sends, decided without touching the network: the target's manifest and the
//! built files in, an ordered list of uploads and deletions out (docs/publishing.md, "What is
//! sent, and in which order").
//!
//! The order is what keeps the live site whole while a publish is under way or cut off: a
//! reader must never follow a link to a page that is not there yet, or has already gone.

use std::collections::{BTreeMap, BTreeSet};

use bytes::Bytes;
use chrono::{DateTime, Utc};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::lease::Lease;
use crate::render::OutputFile;

/// Where the manifest lives, under the target's prefix. A dot file, so it sorts apart from the
/// site and static hosts do not list it.
pub(crate) const MANIFEST_PATH: &str = ".sitrep-manifest.json";

/// The manifest format sitrep writes, and the only one it trusts (src/publish/trust.rs).
pub(crate) const MANIFEST_VERSION: u32 = 1;

/// The version of the headers policy ([`content_type`], [`cache_control`]). A manifest written
/// under another policy has every file sent again, so headers never go stale.
pub(crate) const HEADERS_POLICY: u32 = 1;

/// What the target holds, as the last publish left it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Manifest {
    /// Format version of this file.
    pub version: u32,
    #[serde(default)]
    pub headers_policy: u32,
    /// When the files listed here went live.
    #[serde(default)]
    pub published_at: Option<DateTime<Utc>>,
    /// Path (relative to the prefix) → what was sent.
    #[serde(default)]
    pub files: BTreeMap<String, FileEntry>,
    /// Paths that may exist on the target without being part of the site: files a cut-off
    /// publish had sent, or that a finished publish had yet to delete. The next publish deletes
    /// those it does not need.
    #[serde(default)]
    pub stale: BTreeSet<String>,
    /// Set while a publish is under way, so a second one does not mix its files in.
    #[serde(default)]
    pub lease: Option<Lease>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct FileEntry {
    /// SHA-256 of the file's bytes, lowercase hex.
    pub sha256: String,
    pub size: u64,
    /// The ETag the storage answered the upload with, where it gave one: `--verify` compares
    /// it with the bucket's listing (src/publish/trust.rs).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub etag: Option<String>,
}

impl FileEntry {
    /// The same bytes, whatever ETag either was stored with.
    pub(crate) fn same_content(&self, other: &FileEntry) -> bool {
        self.sha256 == other.sha256 && self.size == other.size
    }
}

/// One upload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Put {
    pub path: String,
    pub bytes: Bytes,
    pub content_type: &'static str,
    pub cache_control: &'static str,
    /// Not on the target before: nothing live links to it yet.
    pub is_new: bool,
}

/// What one publish does, in order: `puts`, then the manifest (`files`), then `deletes`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Plan {
    pub puts: Vec<Put>,
    pub deletes: Vec<String>,
    /// The manifest's `files` once the puts are done.
    pub files: BTreeMap<String, FileEntry>,
    /// Files already on the target as built.
    pub unchanged: usize,
}

impl Plan {
    pub(crate) fn bytes(&self) -> u64 {
        self.puts.iter().map(|p| p.bytes.len() as u64).sum()
    }

    /// The puts in batches that may go out together: one wave, new files before changed ones.
    /// A batch starts only once the one before it is wholly on the target.
    pub(crate) fn waves(&self) -> Vec<&[Put]> {
        self.puts
            .chunk_by(|a, b| (wave(&a.path), a.is_new) == (wave(&b.path), b.is_new))
            .collect()
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.puts.is_empty() && self.deletes.is_empty()
    }

    /// The manifest to write while this plan runs: the old site, plus every path this plan
    /// may leave behind if it is cut off, held by `lease`.
    pub(crate) fn leased_manifest(&self, old: Option<&Manifest>, lease: Lease) -> Manifest {
        let mut manifest = old.cloned().unwrap_or_else(empty_manifest);
        manifest.lease = Some(lease);
        manifest.stale.extend(
            self.puts
                .iter()
                .filter(|p| p.is_new)
                .map(|p| p.path.clone()),
        );
        manifest
    }

    /// The manifest that makes this plan's site the published one; `deletes` stay listed as
    /// stale until they are gone.
    pub(crate) fn committed_manifest(&self, published_at: DateTime<Utc>) -> Manifest {
        Manifest {
            published_at: Some(published_at),
            files: self.files.clone(),
            stale: self.deletes.iter().cloned().collect(),
            ..empty_manifest()
        }
    }
}

fn empty_manifest() -> Manifest {
    Manifest {
        version: MANIFEST_VERSION,
        headers_policy: HEADERS_POLICY,
        ..Manifest::default()
    }
}

/// Compares the built files with what the target holds and orders the difference.
pub(crate) fn plan(manifest: Option<&Manifest>, files: &[OutputFile]) -> Plan {
    let entries: Vec<FileEntry> = files
        .par_iter()
        .map(|f| FileEntry {
            sha256: crate::fingerprint::content_hash(&f.bytes),
            size: f.bytes.len() as u64,
            etag: None,
        })
        .collect();
    let same_policy = manifest.is_some_and(|m| m.headers_policy == HEADERS_POLICY);
    let mut puts = Vec::new();
    let mut unchanged = 0;
    let mut entries = entries;
    for (file, entry) in files.iter().zip(&mut entries) {
        let old = manifest.and_then(|m| m.files.get(&file.path));
        if let Some(old) = old.filter(|old| same_policy && old.same_content(entry)) {
            entry.etag.clone_from(&old.etag);
            unchanged += 1;
            continue;
        }
        puts.push(Put {
            path: file.path.clone(),
            bytes: file.bytes.clone(),
            content_type: content_type(&file.path),
            cache_control: cache_control(&file.path),
            is_new: old.is_none(),
        });
    }
    puts.sort_by(|a, b| put_order(a).cmp(&put_order(b)));

    let built: BTreeSet<&str> = files.iter().map(|f| f.path.as_str()).collect();
    let mut deletes: Vec<String> = manifest
        .map(|m| {
            m.files
                .keys()
                .chain(&m.stale)
                .filter(|p| !built.contains(p.as_str()) && p.as_str() != MANIFEST_PATH)
                .cloned()
                .collect::<BTreeSet<String>>()
        })
        .unwrap_or_default()
        .into_iter()
        .collect();
    // Pages go before what they used, so a page never outlives its stylesheet.
    deletes.sort_by_key(|p| (!p.ends_with(".html"), p.clone()));

    Plan {
        puts,
        deletes,
        files: files
            .iter()
            .zip(entries)
            .map(|(f, e)| (f.path.clone(), e))
            .collect(),
        unchanged,
    }
}

/// Which wave a file goes out in: what is linked to before what links to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Wave {
    /// Stylesheets, scripts, images, badges: pages need them first.
    Asset,
    /// An event's own page, which the others link to.
    EventPage,
    /// Component pages, history months and other inner pages.
    Page,
    /// Feeds, the calendar and the sitemap, which link to pages.
    Feed,
    /// The front page and the 404 page, what most readers open first.
    FrontPage,
    /// `api/`: the machine-readable status, last, so it never runs ahead of the pages.
    Api,
}

fn wave(path: &str) -> Wave {
    let ext = path.rsplit_once('.').map_or("", |(_, e)| e);
    if path.starts_with("api/") {
        Wave::Api
    } else if path == "index.html" || path == "404.html" {
        Wave::FrontPage
    } else if matches!(ext, "atom" | "rss" | "xml" | "ics") {
        Wave::Feed
    } else if ext == "html" && path.starts_with("incidents/") {
        Wave::EventPage
    } else if ext == "html" {
        Wave::Page
    } else {
        Wave::Asset
    }
}

/// Waves in order; inside a wave, new files (which nothing live links to yet) first.
fn put_order(put: &Put) -> (Wave, bool, &str) {
    (wave(&put.path), !put.is_new, put.path.as_str())
}

/// The `Content-Type` a host should serve the file with; text always says its charset.
pub(crate) fn content_type(path: &str) -> &'static str {
    let ext = path.rsplit_once('.').map_or("", |(_, e)| e);
    match ext {
        "html" => "text/html; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "js" => "text/javascript; charset=utf-8",
        "json" => "application/json",
        "atom" => "application/atom+xml; charset=utf-8",
        "rss" => "application/rss+xml; charset=utf-8",
        "xml" => "application/xml; charset=utf-8",
        "ics" => "text/calendar; charset=utf-8",
        "txt" => "text/plain; charset=utf-8",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "ico" => "image/x-icon",
        "woff2" => "font/woff2",
        _ => "application/octet-stream",
    }
}

/// Short for what changes with every update (pages, feeds, `api/`, badges), so readers and
/// CDNs see an update within a minute; a year for fingerprinted assets, whose name changes
/// with their content.
pub(crate) fn cache_control(path: &str) -> &'static str {
    if is_fingerprinted(path) {
        "public, max-age=31536000, immutable"
    } else if path.starts_with("assets/") {
        "public, max-age=3600"
    } else {
        "public, max-age=60"
    }
}

/// `assets/style.0123456789abcdef.css`: a name that carries its content's hash.
pub(crate) fn is_fingerprinted(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    let mut parts = name.rsplit('.');
    let (_ext, hash) = (parts.next(), parts.next());
    path.starts_with("assets/")
        && parts.next().is_some()
        && hash.is_some_and(|h| h.len() == 16 && h.chars().all(|c| c.is_ascii_hexdigit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn site(files: &[(&str, &str)]) -> Vec<OutputFile> {
        files
            .iter()
            .map(|(p, b)| OutputFile::new(*p, b.as_bytes().to_vec()))
            .collect()
    }

    fn published(files: &[OutputFile]) -> Manifest {
        plan(None, files).committed_manifest(DateTime::UNIX_EPOCH)
    }

    fn put_paths(plan: &Plan) -> Vec<&str> {
        plan.puts.iter().map(|p| p.path.as_str()).collect()
    }

    #[test]
    fn first_publish_sends_everything_linked_before_linking() {
        let files = site(&[
            ("404.html", "x"),
            ("api/v2/summary.json", "{}"),
            ("assets/style.0123456789abcdef.css", "css"),
            ("components/web/index.html", "c"),
            ("feed.atom", "f"),
            ("history/2026/11/index.html", "h"),
            ("incidents/a/index.html", "a"),
            ("index.html", "front"),
        ]);
        let plan = plan(None, &files);
        assert_eq!(
            put_paths(&plan),
            [
                "assets/style.0123456789abcdef.css",
                "incidents/a/index.html",
                "components/web/index.html",
                "history/2026/11/index.html",
                "feed.atom",
                "404.html",
                "index.html",
                "api/v2/summary.json",
            ]
        );
        assert!(plan.deletes.is_empty());
        assert_eq!(plan.unchanged, 0);
        assert_eq!(plan.bytes(), 1 + 2 + 3 + 1 + 1 + 1 + 1 + 5);
    }

    #[test]
    fn an_update_sends_only_what_changed_new_pages_first() {
        let before = site(&[
            ("incidents/a/index.html", "a"),
            ("incidents/old/index.html", "old"),
            ("index.html", "front 1"),
            ("assets/app.0123456789abcdef.js", "js"),
        ]);
        let after = site(&[
            ("incidents/a/index.html", "a, updated"),
            ("incidents/b/index.html", "b"),
            ("index.html", "front 2"),
            ("assets/app.0123456789abcdef.js", "js"),
        ]);
        let plan = plan(Some(&published(&before)), &after);
        assert_eq!(
            put_paths(&plan),
            [
                "incidents/b/index.html",
                "incidents/a/index.html",
                "index.html"
            ]
        );
        assert!(plan.puts[0].is_new && !plan.puts[1].is_new);
        assert_eq!(plan.deletes, ["incidents/old/index.html"]);
        assert_eq!(plan.unchanged, 1);
    }

    #[test]
    fn nothing_changed_means_nothing_sent() {
        let files = site(&[("index.html", "x"), ("feed.atom", "y")]);
        let plan = plan(Some(&published(&files)), &files);
        assert!(plan.is_empty());
        assert_eq!(plan.unchanged, 2);
        assert_eq!(plan.files, published(&files).files);
    }

    #[test]
    fn a_cut_off_publish_is_finished_by_the_next() {
        let before = site(&[("index.html", "1")]);
        let old = published(&before);
        let wanted = site(&[("index.html", "2"), ("incidents/new/index.html", "n")]);
        let first = plan(Some(&old), &wanted);
        let lease = Lease {
            host: "h".into(),
            pid: 1,
            started: DateTime::UNIX_EPOCH,
            renewed: DateTime::UNIX_EPOCH,
        };
        // Cut off after the lease was taken: the target's manifest is the leased one.
        let left = first.leased_manifest(Some(&old), lease);
        assert!(left.stale.contains("incidents/new/index.html"));
        // The author then drops the new incident (say it was a draft) and publishes again:
        // the page the cut-off publish may have sent is deleted.
        let again = plan(Some(&left), &site(&[("index.html", "2")]));
        assert_eq!(put_paths(&again), ["index.html"]);
        assert_eq!(again.deletes, ["incidents/new/index.html"]);
        // And deletions a finished publish did not get to are retried.
        let committed = again.committed_manifest(DateTime::UNIX_EPOCH);
        assert_eq!(
            plan(Some(&committed), &site(&[("index.html", "2")])).deletes,
            ["incidents/new/index.html"]
        );
    }

    #[test]
    fn a_new_headers_policy_sends_everything_again() {
        let files = site(&[("index.html", "x")]);
        let mut old = published(&files);
        old.headers_policy = HEADERS_POLICY - 1;
        assert_eq!(put_paths(&plan(Some(&old), &files)), ["index.html"]);
    }

    #[test]
    fn deletes_pages_before_assets() {
        let old = published(&site(&[
            ("assets/a.css", "a"),
            ("zzz/index.html", "z"),
            ("index.html", "1"),
        ]));
        let plan = plan(Some(&old), &site(&[("index.html", "1")]));
        assert_eq!(plan.deletes, ["zzz/index.html", "assets/a.css"]);
    }

    #[test]
    fn headers_suit_each_kind_of_file() {
        assert_eq!(content_type("index.html"), "text/html; charset=utf-8");
        assert_eq!(
            content_type("feed.atom"),
            "application/atom+xml; charset=utf-8"
        );
        assert_eq!(content_type("api/v2/summary.json"), "application/json");
        assert_eq!(
            content_type("maintenance.ics"),
            "text/calendar; charset=utf-8"
        );
        assert_eq!(cache_control("index.html"), "public, max-age=60");
        assert_eq!(cache_control("api/v2/status.json"), "public, max-age=60");
        assert_eq!(
            cache_control("assets/style.0123456789abcdef.css"),
            "public, max-age=31536000, immutable"
        );
        assert_eq!(cache_control("assets/favicon.svg"), "public, max-age=3600");
        assert!(!is_fingerprinted("assets/style.css"));
        assert!(!is_fingerprinted("incidents/a.0123456789abcdef.html"));
    }
}
