//! Credentials taken out of text before sitrep shows it: a Git remote or a Mastodon instance
//! may be written `https://user:token@host/…`, and whatever sitrep prints (progress, errors,
//! `--dry-run`) ends up in CI logs (docs/reliability.md, "Secrets"). Git does the same to the
//! URLs it prints itself.

use std::borrow::Cow;

/// What stands where a URL's user name and password were.
pub(crate) const REDACTED: &str = "<redacted>";

/// `text` with the user information of every `scheme://user[:password]@host` in it replaced
/// by [`REDACTED`]. Both parts go: a token is as often written as the user name
/// (`https://ghp_…@github.com/…`) as the password. Addresses without a scheme
/// (`git@github.com:x/y.git`) name an SSH user, never a secret, and are left as they are.
pub(crate) fn credentials(text: &str) -> Cow<'_, str> {
    if !text.contains("://") {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find("://") {
        let (before, after) = rest.split_at(at + 3);
        out.push_str(before);
        let authority_end = after
            .find(|c: char| matches!(c, '/' | '?' | '#') || c.is_whitespace() || is_quote(c))
            .unwrap_or(after.len());
        let authority = &after[..authority_end];
        match authority.rfind('@') {
            Some(userinfo_end) if scheme_ends(before) => {
                out.push_str(REDACTED);
                out.push_str(&authority[userinfo_end..]);
            }
            _ => out.push_str(authority),
        }
        rest = &after[authority_end..];
    }
    out.push_str(rest);
    Cow::Owned(out)
}

/// Whether the text before `://` ends in a URL scheme (`https`, `git+ssh`, …), so that
/// `://` is a URL's and not some other text's.
fn scheme_ends(before: &str) -> bool {
    let scheme = &before[..before.len() - 3];
    let start = scheme
        .rfind(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.')))
        .map_or(0, |i| i + 1);
    scheme[start..]
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic())
}

fn is_quote(c: char) -> bool {
    matches!(c, '\'' | '"' | '`' | '<' | '>')
}

#[cfg(test)]
mod tests {
    use super::credentials;

    #[test]
    fn user_and_password_are_taken_out_of_every_url() {
        assert_eq!(
            credentials("Publishing to https://me:ghp_abc123@github.com/x/y.git (gh-pages)"),
            "Publishing to https://<redacted>@github.com/x/y.git (gh-pages)"
        );
        assert_eq!(
            credentials("`git ls-remote https://ghp_abc@host/x.git` then http://u:p@h:8080"),
            "`git ls-remote https://<redacted>@host/x.git` then http://<redacted>@h:8080"
        );
        assert_eq!(
            credentials("Mastodon https://bot:secret@social.example/"),
            "Mastodon https://<redacted>@social.example/"
        );
    }

    #[test]
    fn text_without_credentials_is_left_as_it_is() {
        for text in [
            "git@github.com:example/status.git (gh-pages)",
            "https://github.com/x/y.git",
            "ssh://github.com/x/y.git and mail me@example.org",
            "https://host/path?to=a@b",
            "no url here",
        ] {
            assert_eq!(credentials(text), text);
        }
    }
}
