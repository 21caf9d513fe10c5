//! Who may post alerts: the bearer token site.yaml's `ingest.token_env` names, and Grafana's
//! HMAC signature when `grafana_secret_env` is set (docs/ingesting.md, "Safety").

use hmac::{KeyInit, Mac};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// Whether `authorization` is `Bearer TOKEN` with the expected token. Both are hashed first
/// and the digests compared in constant time, so neither the token's bytes nor its length
/// show in how long a wrong guess takes to be refused.
pub(crate) fn bearer_matches(expected: &str, authorization: Option<&str>) -> bool {
    let given = authorization
        .and_then(|h| {
            let (scheme, token) = h.trim().split_once(' ')?;
            scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
        })
        .unwrap_or("");
    let a = Sha256::digest(expected.as_bytes());
    let b = Sha256::digest(given.as_bytes());
    let same: bool = a.as_slice().ct_eq(b.as_slice()).into();
    same && !expected.is_empty() && !given.is_empty()
}

/// Grafana's `X-Grafana-Alerting-Signature`: lowercase hex HMAC-SHA256 of the body, or of
/// `TIMESTAMP:BODY` when the contact point also sends a timestamp header. Checked with the
/// MAC's own constant-time comparison.
pub(crate) fn grafana_signature_valid(
    secret: &str,
    body: &[u8],
    signature: Option<&str>,
    timestamp: Option<&str>,
) -> bool {
    let Some(signature) = signature.and_then(|s| hex_decode(s.trim())) else {
        return false;
    };
    let Ok(mut mac) = hmac::Hmac::<Sha256>::new_from_slice(secret.as_bytes()) else {
        return false;
    };
    if let Some(ts) = timestamp.map(str::trim).filter(|t| !t.is_empty()) {
        mac.update(ts.as_bytes());
        mac.update(b":");
    }
    mac.update(body);
    mac.verify_slice(&signature).is_ok()
}

fn hex_decode(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
        .collect()
}

/// The signature Grafana would send, for tests.
#[cfg(test)]
pub(crate) fn grafana_signature(secret: &str, body: &[u8]) -> String {
    let mut mac = hmac::Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("any key");
    mac.update(body);
    crate::fingerprint::hex(&mac.finalize().into_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bearer_tokens() {
        assert!(bearer_matches("s3cret", Some("Bearer s3cret")));
        assert!(bearer_matches("s3cret", Some("bearer  s3cret ")));
        for wrong in [
            None,
            Some(""),
            Some("Bearer"),
            Some("Bearer s3cre"),
            Some("Basic s3cret"),
            Some("s3cret"),
        ] {
            assert!(!bearer_matches("s3cret", wrong), "{wrong:?}");
        }
        assert!(!bearer_matches("", Some("Bearer ")));
    }

    #[test]
    fn grafana_signatures() {
        let body = br#"{"version":"1"}"#;
        let good = grafana_signature("k", body);
        assert!(grafana_signature_valid("k", body, Some(&good), None));
        assert!(!grafana_signature_valid("k", b"{}", Some(&good), None));
        assert!(!grafana_signature_valid("other", body, Some(&good), None));
        assert!(!grafana_signature_valid("k", body, None, None));
        assert!(!grafana_signature_valid("k", body, Some("zz"), None));
        // With a timestamp header, Grafana signs `TIMESTAMP:BODY`.
        let signed = grafana_signature("k", b"1700000000:{\"version\":\"1\"}");
        assert!(grafana_signature_valid(
            "k",
            body,
            Some(&signed),
            Some("1700000000")
        ));
        assert!(!grafana_signature_valid("k", body, Some(&signed), None));
    }
}
