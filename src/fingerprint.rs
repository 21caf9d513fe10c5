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
