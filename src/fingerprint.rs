//! Hashes. [`of`] and [`of_bytes`] are for change detection within one binary: not for
//! security, and not stored anywhere. [`content_hash`] is the stable one, for what outlives
//! the process: asset names and the publish manifest.

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

/// SHA-256 of the bytes, lowercase hex: the same on every machine and every version.
pub fn content_hash(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(bytes);
    let mut hex = String::with_capacity(64);
    for byte in digest {
        hex.push_str(&format!("{byte:02x}"));
    }
    hex
}

/// `assets/style.css` → `assets/style.0123456789abcdef.css`: the name carries the content's
/// hash, so a host may let browsers keep the file for a year (docs/publishing.md).
pub fn fingerprinted_path(path: &str, bytes: &[u8]) -> String {
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
