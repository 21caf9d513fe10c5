//! Hashes. [`of`], [`of_bytes`] and [`of_serialized`] are for change detection within one
//! binary: not for security, and stored only with the identity of the binary that made them,
//! which no other binary reads (the render keys beside an output folder, `output::keys`). [`content_hash`] and
//! [`content_hash_of`] are the stable ones, for what outlives the process: asset names, the
//! publish manifest, the search index's record of what it was built from.

use std::hash::{DefaultHasher, Hash, Hasher};

/// A fingerprint of a sequence of byte strings (kept apart, so `ab`+`c` ≠ `a`+`bc`).
pub(crate) fn of_bytes(parts: &[&[u8]]) -> u64 {
    let mut hasher = DefaultHasher::new();
    for part in parts {
        hasher.write_usize(part.len());
        hasher.write(part);
    }
    hasher.finish()
}

/// A fingerprint of anything hashable.
pub(crate) fn of<T: Hash + ?Sized>(value: &T) -> u64 {
    let mut hasher = DefaultHasher::new();
    value.hash(&mut hasher);
    hasher.finish()
}

/// A fingerprint of what `value` serializes to: for render-cache keys, so that a key is made of
/// exactly the data a template is given and cannot miss a field. Views that carry their own
/// fingerprint ([`Fingerprinted`]) contribute it instead of their contents, so a list of many
/// event cards is not serialized again on every rebuild. `None` if the value cannot be
/// serialized (then nothing may be reused).
pub(crate) fn of_serialized<T: serde::Serialize + ?Sized>(value: &T) -> Option<u64> {
    struct HashWriter(DefaultHasher);
    impl std::io::Write for HashWriter {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0.write(bytes);
            Ok(bytes.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut writer = HashWriter(DefaultHasher::new());
    let outer = HASHING.with(|h| h.replace(true));
    let result = serde_json::to_writer(&mut writer, value);
    HASHING.with(|h| h.set(outer));
    result.ok().map(|()| writer.0.finish())
}

thread_local! {
    /// Set while [`of_serialized`] runs on this thread.
    static HASHING: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// A view with its fingerprint computed once, when it was built: it serializes as its contents
/// for templates, and as its fingerprint inside [`of_serialized`] (as a one-key map, so it can
/// be `#[serde(flatten)]`ed).
#[derive(Debug, Clone)]
pub(crate) struct Fingerprinted<T> {
    value: T,
    fingerprint: Option<u64>,
}

impl<T: serde::Serialize> Fingerprinted<T> {
    pub(crate) fn new(value: T) -> Self {
        let fingerprint = of_serialized(&value);
        Fingerprinted { value, fingerprint }
    }
}

impl<T> std::ops::Deref for Fingerprinted<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.value
    }
}

impl<T: serde::Serialize> serde::Serialize for Fingerprinted<T> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self.fingerprint {
            Some(fingerprint) if HASHING.with(std::cell::Cell::get) => {
                serializer.collect_map([("fingerprint", fingerprint)])
            }
            _ => self.value.serialize(serializer),
        }
    }
}

/// SHA-256 of the bytes, lowercase hex: the same on every machine and every version.
pub(crate) fn content_hash(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    hex(&Sha256::digest(bytes))
}

/// [`content_hash`] of a sequence of byte strings, each preceded by its length so that
/// `ab`+`c` ≠ `a`+`bc`: stable like it, for a record that outlives the process.
pub(crate) fn content_hash_of<'a>(parts: impl IntoIterator<Item = &'a [u8]>) -> String {
    use sha2::{Digest, Sha256};
    let mut hasher = Sha256::new();
    for part in parts {
        hasher.update((part.len() as u64).to_le_bytes());
        hasher.update(part);
    }
    hex(&hasher.finalize())
}

/// Bytes as lowercase hex: how every digest sitrep records or compares is written.
pub(crate) fn hex(digest: &[u8]) -> String {
    let mut hex = String::with_capacity(2 * digest.len());
    for byte in digest {
        hex.push_str(&format!("{byte:02x}"));
    }
    hex
}

/// `assets/style.css` → `assets/style.0123456789abcdef.css`: the name carries the content's
/// hash, so a host may let browsers keep the file for a year (docs/publishing.md).
pub(crate) fn fingerprinted_path(path: &str, bytes: &[u8]) -> String {
    let hash = &content_hash(bytes)[..16];
    match path.rsplit_once('.') {
        Some((stem, ext)) if !stem.ends_with('/') => format!("{stem}.{hash}.{ext}"),
        _ => format!("{path}.{hash}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_hash_is_sha256() {
        assert_eq!(
            content_hash(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(
            fingerprinted_path("assets/style.css", b"abc"),
            "assets/style.ba7816bf8f01cfea.css"
        );
    }
}
