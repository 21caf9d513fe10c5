//! A Git target's `remote` and `branch`, checked when site.yaml is read: both end up on the
//! `git` command line, so a value git would take as an option (`--upload-pack=COMMAND` runs
//! COMMAND) or a transport that runs commands (`ext::`) is refused here, where `check`
//! reports it at its line (docs/publishing.md, "A Git branch"; docs/reliability.md, "Git
//! target").

use serde_saphyr::Spanned;

use super::publish::{GitTarget, RawGit};
use crate::error::{Diagnostic, ErrorCode};
use crate::yaml::YamlSource;

const REMOTE_HELP: &str = "write the repository's address, e.g. `git@github.com:example/status.git`, `https://github.com/example/status.git` or a path (`./-name` for a folder whose name begins with `-`)";

const BRANCH_HELP: &str = "e.g. `branch: gh-pages`; Git's rules (`git check-ref-format`): no spaces, no `..`, none of `~ ^ : ? * [ \\`, not beginning with `-`, no part beginning with `.`, not ending in `/`, `.` or `.lock`";

/// Transports whose "address" is a command or a file descriptor rather than a repository:
/// `ext::sh -c …` runs what follows. Git's names are matched without regard to case, as a
/// case-blind file system would find `git-remote-ext` for `EXT::`.
const COMMAND_TRANSPORTS: &[&str] = &["ext", "fd"];

/// `validate_target`'s check that a value is not empty: `(value, key, example)`.
type NonEmpty<'a> = dyn Fn(Spanned<String>, &str, &str) -> Result<String, Diagnostic> + 'a;

/// The target, or the first problem with it, located at its value in site.yaml.
pub(super) fn validate(
    source: &YamlSource<'_>,
    raw: RawGit,
    non_empty: &NonEmpty<'_>,
) -> Result<GitTarget, Diagnostic> {
    let RawGit { remote, branch } = raw;
    if let Some(why) = remote_problem(remote.value.trim()) {
        let shown = crate::redact::credentials(&remote.value).into_owned();
        return Err(source
            .error_on(
                &remote,
                ErrorCode::InvalidValue,
                format!("`remote` `{shown}` {why}"),
            )
            .with_help(REMOTE_HELP));
    }
    let remote = non_empty(remote, "remote", "git@github.com:example/status.git")?;
    let branch = match branch {
        Some(b) => {
            if let Some(why) = branch_problem(b.value.trim()) {
                return Err(source
                    .error_on(
                        &b,
                        ErrorCode::InvalidValue,
                        format!(
                            "`branch` `{}` is not a branch name Git accepts: {why}",
                            b.value
                        ),
                    )
                    .with_help(BRANCH_HELP));
            }
            non_empty(b, "branch", "gh-pages")?
        }
        None => "gh-pages".into(),
    };
    Ok(GitTarget { remote, branch })
}

/// Why `remote` cannot be handed to git, completing "`remote` `…` …".
fn remote_problem(remote: &str) -> Option<String> {
    if remote.starts_with('-') {
        return Some("begins with `-`, which git would take as an option".into());
    }
    if remote.chars().any(char::is_control) {
        return Some("contains control characters".into());
    }
    // `ssh://-oProxyCommand=…/x`: the host would reach ssh as an option. Git refuses it
    // too; refusing it here says so at its line.
    if let Some((_, rest)) = remote.split_once("://")
        && rest.starts_with('-')
    {
        return Some("names a host beginning with `-`, which ssh would take as an option".into());
    }
    let transport = remote.split_once("::").map(|(t, _)| t.to_ascii_lowercase());
    match transport {
        Some(t) if COMMAND_TRANSPORTS.contains(&t.as_str()) => Some(format!(
            "uses git's `{t}::` transport, which runs a command instead of reaching a repository"
        )),
        _ => None,
    }
}

/// Why `branch` is not a name `git check-ref-format --branch` accepts, completing "it …".
fn branch_problem(branch: &str) -> Option<String> {
    const FORBIDDEN: &[char] = &['~', '^', ':', '?', '*', '[', '\\'];
    let why = if branch.starts_with('-') {
        "it begins with `-`".to_string()
    } else if branch.contains("..") {
        "it contains `..`".into()
    } else if branch.contains(' ') {
        "it contains a space".into()
    } else if let Some(c) = branch.chars().find(|c| FORBIDDEN.contains(c)) {
        format!("it contains `{c}`")
    } else if branch.chars().any(char::is_control) {
        "it contains a control character".into()
    } else if branch.contains("@{") {
        "it contains `@{`".into()
    } else if branch.starts_with('/') || branch.ends_with('/') || branch.contains("//") {
        "it begins or ends with `/`, or has an empty part between two".into()
    } else if branch.ends_with('.') {
        "it ends with `.`".into()
    } else if let Some(part) = branch
        .split('/')
        .find(|p| p.starts_with('.') || p.ends_with(".lock"))
    {
        if part.starts_with('.') {
            format!("its part `{part}` begins with `.`")
        } else {
            "it ends with `.lock`".into()
        }
    } else {
        return None;
    };
    Some(why)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remotes_git_would_take_as_options_or_commands_are_refused() {
        for remote in [
            "--upload-pack=touch PWNED",
            "-utouch PWNED",
            "--receive-pack=touch PWNED",
            "-c",
            "ext::sh -c touch% PWNED",
            "EXT::sh -c touch% PWNED",
            "fd::3",
            "ssh://-oProxyCommand=touch%20PWNED/x.git",
            "https://example.com/x.git\n--upload-pack=x",
        ] {
            assert!(remote_problem(remote).is_some(), "{remote:?} accepted");
        }
        for remote in [
            "git@github.com:example/status.git",
            "https://ghp_x@github.com/example/status.git",
            "ssh://git@codeberg.org/example/status.git",
            "/srv/git/status.git",
            "./-odd-name.git",
            "../status.git",
            "file:///srv/git/status.git",
            "persistent-https::https://example.com/x.git",
            "C:/repos/status.git",
        ] {
            assert_eq!(remote_problem(remote), None, "{remote:?}");
        }
    }

    /// Each refused name is checked against Git itself where it is installed, so the rules
    /// stay Git's.
    #[test]
    fn branch_names_follow_git_check_ref_format() {
        let refused = [
            "-x",
            "--upload-pack=touch PWNED",
            "a..b",
            "my pages",
            "pages:main",
            "a~1",
            "a^",
            "what?",
            "*",
            "[x",
            "a\\b",
            "tab\there",
            "x@{1}",
            "/pages",
            "pages/",
            "a//b",
            "pages.",
            "pages.lock",
            "a.lock/b",
            ".hidden",
            "a/.b",
        ];
        let accepted = [
            "gh-pages",
            "pages",
            "site/status",
            "release-1.2",
            "a.b",
            "@",
            "@x",
            "x@y",
            "status_page",
            "Ünïcode",
        ];
        for branch in refused {
            assert!(branch_problem(branch).is_some(), "{branch:?} accepted");
        }
        for branch in accepted {
            assert_eq!(branch_problem(branch), None, "{branch:?}");
        }
        let git_accepts = |name: &str| {
            let full = format!("refs/heads/{name}");
            let ok = |args: &[&str]| {
                std::process::Command::new("git")
                    .arg("check-ref-format")
                    .args(args)
                    .output()
                    .ok()
                    .map(|o| o.status.success())
            };
            Some(ok(&["--branch", name])? && ok(&[&full])?)
        };
        for branch in refused {
            assert_ne!(git_accepts(branch), Some(true), "git accepts {branch:?}");
        }
        for branch in accepted {
            assert_ne!(git_accepts(branch), Some(false), "git refuses {branch:?}");
        }
    }
}
