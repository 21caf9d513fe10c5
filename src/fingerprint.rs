//! Stable hashes for change detection: equal inputs, equal fingerprints, within one binary.
//! Not for security, and not stored anywhere.

use std::hash::{DefaultHasher, Hash, Hasher};

/// A fingerprint of a sequence of byte strings (kept apart, so `ab`+`c` ≠ `a`+`bc`).
pub fn of_bytes(parts: &[&[u8]]) -> u64 {
    let mut hasher = DefaultHasher::new();
    for part in parts {
        hasher.write_usize(part.len());
        hasher.write(part);
    }
    hasher.finish()
}

/// A fingerprint of anything hashable.
pub fn of<T: Hash + ?Sized>(value: &T) -> u64 {
    let mut hasher = DefaultHasher::new();
    value.hash(&mut hasher);
    hasher.finish()
}

/// A fingerprint of what `value` serializes to: for render-cache keys, so that a key is made of
/// exactly the data a template is given and cannot miss a field. Views that carry their own
/// fingerprint ([`Fingerprinted`]) contribute it instead of their contents, so a list of many
/// event cards is not serialized again on every rebuild. `None` if the value cannot be
/// serialized (then nothing may be reused).
pub fn of_serialized<T: serde::Serialize + ?Sized>(value: &T) -> Option<u64> {
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
pub struct Fingerprinted<T> {
    value: T,
    fingerprint: Option<u64>,
}

impl<T: serde::Serialize> Fingerprinted<T> {
    pub fn new(value: T) -> Self {
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
