//! Whether a manifest read back from a target can be believed, and what the target really
//! holds when it cannot (docs/publishing.md, "When the bucket or the manifest was changed by
//! hand").
//!
//! The manifest decides what is sent: a file it lists with the build's hash is not sent
//! again. A manifest edited by hand — or a bucket whose objects were — would then keep the
//! target different from the build for good. So sitrep stores a digest of the manifest's
//! entries inside it and checks every entry's shape: a manifest that fails is not trusted,
//! and every file is sent again. `--verify` also compares the bucket's listing with a
//! trusted manifest, object by object.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use serde::{Deserialize, Serialize};

use super::beside::LEDGER_PATH;
use super::lease::Lease;
use super::plan::MANIFEST_VERSION as VERSION;
use super::plan::{FileEntry, MANIFEST_PATH, Manifest};

/// The manifest as stored: its fields and a digest of them.
#[derive(Serialize)]
struct Sealed<'a> {
    #[serde(flatten)]
    manifest: &'a Manifest,
    digest: String,
}

#[derive(Deserialize)]
struct Unsealed {
    #[serde(flatten)]
    manifest: Manifest,
    #[serde(default)]
    digest: Option<serde_json::Value>,
}

/// What the digest covers: everything but the lease, which publishers rewrite to renew it
/// (and tests and people may write to hold a target, docs/publishing.md).
#[derive(Serialize)]
struct Covered<'a> {
    version: u32,
    headers_policy: u32,
    published_at: &'a Option<chrono::DateTime<chrono::Utc>>,
    files: &'a BTreeMap<String, FileEntry>,
    stale: &'a BTreeSet<String>,
}

fn digest(manifest: &Manifest) -> String {
    let covered = Covered {
        version: manifest.version,
        headers_policy: manifest.headers_policy,
        published_at: &manifest.published_at,
        files: &manifest.files,
        stale: &manifest.stale,
    };
    // Serialising plain maps and sets of strings cannot fail.
    crate::fingerprint::content_hash(&serde_json::to_vec(&covered).unwrap_or_default())
}

/// The manifest's bytes, sealed with its digest.
pub(crate) fn encode(manifest: &Manifest) -> serde_json::Result<Vec<u8>> {
    serde_json::to_vec(&Sealed {
        manifest,
        digest: digest(manifest),
    })
}

/// Why a manifest is not believed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Doubt {
    /// Not the shape of a manifest at all (a malformed entry, a missing field, not JSON).
    Unreadable(String),
    /// A format version sitrep does not write.
    Version(u32),
    /// No digest: written by a sitrep from before digests, or by hand.
    NoDigest,
    /// The digest does not match the entries: an entry was changed after sitrep wrote it.
    Digest,
    /// An entry's hash is not a SHA-256 in lowercase hex.
    Hash(String),
    /// An entry for a path no build writes (`../x`, `/x`, the manifest itself, …).
    Path(String),
}

impl fmt::Display for Doubt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Doubt::Unreadable(why) => write!(f, "it cannot be read as a manifest ({why})"),
            Doubt::Version(v) => write!(f, "its `version` is {v}; sitrep writes {VERSION}"),
            Doubt::NoDigest => write!(f, "it carries no digest of its entries"),
            Doubt::Digest => write!(f, "its entries do not match the digest sitrep stored"),
            Doubt::Hash(path) => write!(f, "the hash of `{path}` is not a SHA-256"),
            Doubt::Path(path) => write!(f, "it lists `{path}`, which no build writes"),
        }
    }
}

impl Doubt {
    /// Whether the entries may still be believed once each is checked against the bucket:
    /// only a manifest that merely lacks a digest (an older sitrep wrote it) is.
    pub(crate) fn entries_usable(&self) -> bool {
        matches!(self, Doubt::NoDigest)
    }
}

/// A manifest as read, and why it is not believed (`None`: it is).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Decoded {
    pub manifest: Manifest,
    pub doubt: Option<Doubt>,
}

/// Reads a manifest's bytes. A manifest in doubt comes back as far as it can be read; see
/// [`distrusted`] for what a publish may still take from it.
pub(crate) fn decode(bytes: &[u8]) -> Decoded {
    match serde_json::from_slice::<Unsealed>(bytes) {
        Ok(Unsealed { manifest, digest }) => {
            let doubt = doubt(&manifest, digest.as_ref());
            Decoded { manifest, doubt }
        }
        Err(e) => Decoded {
            manifest: salvage(bytes),
            doubt: Some(Doubt::Unreadable(e.to_string())),
        },
    }
}

fn doubt(manifest: &Manifest, stored: Option<&serde_json::Value>) -> Option<Doubt> {
    if manifest.version != VERSION {
        return Some(Doubt::Version(manifest.version));
    }
    let paths = manifest.files.keys().chain(&manifest.stale);
    if let Some(path) = paths.into_iter().find(|p| !is_site_path(p)) {
        return Some(Doubt::Path(path.clone()));
    }
    if let Some((path, _)) = manifest.files.iter().find(|(_, e)| !is_sha256(&e.sha256)) {
        return Some(Doubt::Hash(path.clone()));
    }
    match stored {
        None => Some(Doubt::NoDigest),
        Some(serde_json::Value::String(d)) if *d == digest(manifest) => None,
        Some(_) => Some(Doubt::Digest),
    }
}

/// What can still be taken from bytes that are not a manifest: the lease (a publish may be
/// under way) and the paths named, so that files a build no longer has are still deleted.
fn salvage(bytes: &[u8]) -> Manifest {
    let value: serde_json::Value = serde_json::from_slice(bytes).unwrap_or_default();
    let lease = value
        .get("lease")
        .and_then(|l| serde_json::from_value::<Lease>(l.clone()).ok());
    let files = value
        .get("files")
        .and_then(serde_json::Value::as_object)
        .into_iter()
        .flat_map(|files| files.keys().cloned());
    let stale = value
        .get("stale")
        .and_then(serde_json::Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|p| p.as_str().map(str::to_string));
    Manifest {
        version: VERSION,
        stale: files.chain(stale).collect(),
        lease,
        ..Manifest::default()
    }
}

/// The manifest to plan from when `decoded` is in doubt: nothing is taken as sent, so every
/// file goes again; the paths it names that a build could have written stay listed as stale,
/// so those the build no longer has are deleted; its lease still counts.
pub(crate) fn distrusted(decoded: Decoded) -> Manifest {
    let Manifest {
        files,
        stale,
        lease,
        ..
    } = decoded.manifest;
    Manifest {
        version: VERSION,
        stale: files
            .into_keys()
            .chain(stale)
            .filter(|p| is_site_path(p))
            .collect(),
        lease,
        ..Manifest::default()
    }
}

/// A path a build may write: relative, `/`-separated, no empty, `.` or `..` part, no
/// backslash or control character, and not one of sitrep's own files beside the site.
pub(crate) fn is_site_path(path: &str) -> bool {
    !path.is_empty()
        && path != MANIFEST_PATH
        && path != LEDGER_PATH
        && !path.contains(['\\'])
        && !path.chars().any(char::is_control)
        && path
            .split('/')
            .all(|part| !part.is_empty() && part != "." && part != "..")
}

fn is_sha256(hash: &str) -> bool {
    hash.len() == 64 && hash.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// One object as the bucket lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Listed {
    pub size: u64,
    pub etag: Option<String>,
}

/// The manifest with every entry the bucket contradicts taken out of `files` and listed as
/// stale instead: missing, of another size, or with another ETag than the one recorded when
/// it was sent (where the storage lists ETags). The plan then sends those again, or deletes
/// them if the build no longer has them. Also returns the paths found wrong.
pub(crate) fn reconcile(
    manifest: &Manifest,
    listing: &BTreeMap<String, Listed>,
) -> (Manifest, Vec<String>) {
    let wrong: Vec<String> = manifest
        .files
        .iter()
        .filter(|(path, entry)| !matches(entry, listing.get(path.as_str())))
        .map(|(path, _)| path.clone())
        .collect();
    let mut reconciled = manifest.clone();
    for path in &wrong {
        reconciled.files.remove(path);
        reconciled.stale.insert(path.clone());
    }
    (reconciled, wrong)
}

fn matches(entry: &FileEntry, listed: Option<&Listed>) -> bool {
    let Some(listed) = listed else {
        return false;
    };
    let same_etag = match (&entry.etag, &listed.etag) {
        (Some(sent), Some(now)) => bare_etag(sent) == bare_etag(now),
        _ => true,
    };
    listed.size == entry.size && same_etag
}

/// An ETag without its quotes or weak marker: storages quote it in one answer and not in
/// another.
pub(crate) fn bare_etag(etag: &str) -> &str {
    etag.trim_start_matches("W/").trim_matches('"')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(content: &str) -> FileEntry {
        FileEntry {
            sha256: crate::fingerprint::content_hash(content.as_bytes()),
            size: content.len() as u64,
            etag: None,
        }
    }

    fn manifest() -> Manifest {
        Manifest {
            version: VERSION,
            headers_policy: super::super::plan::HEADERS_POLICY,
            files: [
                ("index.html".to_string(), entry("front")),
                ("feed.atom".to_string(), entry("feed")),
            ]
            .into(),
            ..Manifest::default()
        }
    }

    fn edited(edit: impl Fn(&mut serde_json::Value)) -> Decoded {
        let bytes = encode(&manifest()).expect("encode");
        let mut value: serde_json::Value = serde_json::from_slice(&bytes).expect("json");
        edit(&mut value);
        decode(value.to_string().as_bytes())
    }

    #[test]
    fn what_sitrep_wrote_is_believed_and_reads_back_the_same() {
        let mut written = manifest();
        written.lease = Some(Lease {
            host: "h".into(),
            pid: 1,
            started: chrono::DateTime::UNIX_EPOCH,
            renewed: chrono::DateTime::UNIX_EPOCH,
        });
        let decoded = decode(&encode(&written).expect("encode"));
        assert_eq!(decoded.doubt, None);
        assert_eq!(decoded.manifest, written);
        // The lease is not covered: renewing it, or holding a target by hand, is no edit.
        let renewed = edited(|m| m["lease"] = serde_json::json!(null));
        assert_eq!(renewed.doubt, None);
    }

    #[test]
    fn every_kind_of_hand_edit_is_doubted() {
        let hash_of_other = crate::fingerprint::content_hash(b"other");
        let cases: Vec<(Decoded, Doubt)> = vec![
            (edited(|m| m["version"] = 99.into()), Doubt::Version(99)),
            (
                edited(|m| m["files"]["index.html"]["sha256"] = hash_of_other.clone().into()),
                Doubt::Digest,
            ),
            (
                edited(|m| m["files"]["index.html"]["sha256"] = "ABC".into()),
                Doubt::Hash("index.html".into()),
            ),
            (
                edited(|m| m["files"]["../etc/passwd"] = m["files"]["index.html"].clone()),
                Doubt::Path("../etc/passwd".into()),
            ),
            (
                edited(|m| m["stale"] = serde_json::json!([".sitrep-manifest.json"])),
                Doubt::Path(".sitrep-manifest.json".into()),
            ),
            (
                edited(|m| {
                    m.as_object_mut().expect("object").remove("digest");
                }),
                Doubt::NoDigest,
            ),
            (edited(|m| m["digest"] = 5.into()), Doubt::Digest),
        ];
        for (decoded, doubt) in cases {
            assert_eq!(decoded.doubt, Some(doubt));
        }
        let malformed = edited(|m| m["files"]["feed.atom"] = serde_json::json!({"size": "big"}));
        assert!(matches!(malformed.doubt, Some(Doubt::Unreadable(_))));
        assert!(matches!(
            decode(b"<html>").doubt,
            Some(Doubt::Unreadable(_))
        ));
    }

    #[test]
    fn a_doubted_manifest_keeps_its_lease_and_the_paths_to_delete_only() {
        let decoded = edited(|m| {
            m["files"]["feed.atom"] = serde_json::json!({"size": "big"});
            m["files"]["../outside"] = serde_json::json!({});
            m["stale"] = serde_json::json!(["old/index.html", 7]);
            m["lease"] = serde_json::json!({
                "host": "h", "pid": 1,
                "started": "2026-04-20T12:00:00Z", "renewed": "2026-04-20T12:00:00Z"
            });
        });
        let planned = distrusted(decoded);
        assert!(planned.files.is_empty(), "nothing taken as sent");
        assert_eq!(
            planned.stale.iter().map(String::as_str).collect::<Vec<_>>(),
            ["feed.atom", "index.html", "old/index.html"]
        );
        assert_eq!(planned.lease.map(|l| l.host), Some("h".into()));
    }

    #[test]
    fn site_paths_are_what_a_build_writes() {
        for good in ["index.html", "incidents/a/index.html", "pagefind/x.pf_meta"] {
            assert!(is_site_path(good), "{good}");
        }
        for bad in [
            "",
            "/etc/passwd",
            "a//b",
            "a/../b",
            "./a",
            "a\\b",
            "a\u{1b}b",
            ".sitrep-manifest.json",
            ".sitrep-announced.json",
        ] {
            assert!(!is_site_path(bad), "{bad:?}");
        }
    }

    #[test]
    fn the_listing_contradicts_missing_resized_and_replaced_objects() {
        let mut manifest = manifest();
        manifest.files.insert(
            "api/status.json".into(),
            FileEntry {
                etag: Some("\"aaa\"".into()),
                ..entry("{}")
            },
        );
        manifest.files.insert(
            "style.css".into(),
            FileEntry {
                etag: Some("\"bbb\"".into()),
                ..entry("css")
            },
        );
        let listing: BTreeMap<String, Listed> = [
            // index.html: deleted by hand.
            (
                "feed.atom",
                Listed {
                    size: 1,
                    etag: None,
                },
            ),
            (
                "api/status.json",
                Listed {
                    size: 2,
                    etag: Some("aaa".into()),
                },
            ),
            (
                "style.css",
                Listed {
                    size: 3,
                    etag: Some("\"ccc\"".into()),
                },
            ),
            (
                "unrelated.txt",
                Listed {
                    size: 9,
                    etag: None,
                },
            ),
        ]
        .into_iter()
        .map(|(p, l)| (p.to_string(), l))
        .collect();
        let (reconciled, wrong) = reconcile(&manifest, &listing);
        assert_eq!(wrong, ["feed.atom", "index.html", "style.css"]);
        assert_eq!(
            reconciled.files.keys().collect::<Vec<_>>(),
            ["api/status.json"],
            "same size and the recorded ETag, unquoted"
        );
        assert!(wrong.iter().all(|p| reconciled.stale.contains(p)));
        assert!(!reconciled.stale.contains("unrelated.txt"), "not sitrep's");
    }
}
