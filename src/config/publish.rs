//! site.yaml's `publish:` list: the hosts `sitrep publish` sends the built site to
//! (docs/publishing.md).

use std::path::PathBuf;

use serde::Deserialize;
use serde_saphyr::Spanned;

use super::{git_target, validate_http_address};
use crate::error::{Diagnostic, ErrorCode};
use crate::yaml::{YamlSource, fields_of};

/// One host `sitrep publish` sends the site to. Secrets never live here: each target reads its
/// credentials from the standard places of its kind (docs/publishing.md).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum PublishTarget {
    S3(S3Target),
    Git(GitTarget),
    Folder(FolderTarget),
}

/// S3-compatible object storage: AWS S3, Cloudflare R2, Backblaze B2, MinIO, Ceph, …
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct S3Target {
    pub bucket: String,
    /// Empty, or a folder inside the bucket ending in `/`.
    pub prefix: String,
    /// `None`: AWS S3 (or `AWS_ENDPOINT_URL`).
    pub endpoint: Option<String>,
    /// `None`: `AWS_REGION`, else `us-east-1`.
    pub region: Option<String>,
}

/// A branch of a Git remote, for GitHub, GitLab or Codeberg Pages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct GitTarget {
    pub remote: String,
    pub branch: String,
}

/// A folder: a mounted share or a web server's document root.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct FolderTarget {
    /// As written in site.yaml; relative paths are taken from the site folder.
    pub path: PathBuf,
    /// Keep the previous publish beside the folder, for the next to bring up to date rather
    /// than make every file and folder anew (docs/publishing.md, "A folder").
    pub spare: bool,
}

/// `- s3: {…}`, `- git: {…}` or `- folder: {…}`: one key naming the kind of target.
#[derive(Deserialize)]
#[serde(rename_all = "lowercase")]
pub(super) enum RawTarget {
    S3(RawS3),
    Git(RawGit),
    Folder(RawFolder),
}

#[derive(Deserialize)]
pub(super) struct RawS3 {
    pub(super) bucket: Spanned<String>,
    #[serde(default)]
    pub(super) prefix: Option<Spanned<String>>,
    #[serde(default)]
    pub(super) endpoint: Option<Spanned<String>>,
    #[serde(default)]
    pub(super) region: Option<Spanned<String>>,
}

#[derive(Deserialize)]
pub(super) struct RawGit {
    pub(super) remote: Spanned<String>,
    #[serde(default)]
    pub(super) branch: Option<Spanned<String>>,
}

#[derive(Deserialize)]
pub(super) struct RawFolder {
    pub(super) path: Spanned<String>,
    #[serde(default)]
    pub(super) spare: Option<bool>,
}

/// The keys a target of kind `kind` takes, for unknown-key suggestions.
pub(super) fn fields(kind: &str) -> Option<&'static [&'static str]> {
    match kind {
        "s3" => Some(fields_of::<RawS3>()),
        "git" => Some(fields_of::<RawGit>()),
        "folder" => Some(fields_of::<RawFolder>()),
        _ => None,
    }
}

/// Every target of `publish:`; the errors go to `errors`.
pub(super) fn validate_all(
    source: &YamlSource<'_>,
    raw: Vec<RawTarget>,
    errors: &mut Vec<Diagnostic>,
) -> Vec<PublishTarget> {
    raw.into_iter()
        .filter_map(|t| validate(source, t).map_err(|d| errors.push(d)).ok())
        .collect()
}

pub(super) fn validate(
    source: &YamlSource<'_>,
    raw: RawTarget,
) -> Result<PublishTarget, Diagnostic> {
    let non_empty = |value: Spanned<String>, key: &str, example: &str| {
        let text = value.value.trim().to_string();
        if text.is_empty() {
            Err(source
                .error_on(&value, ErrorCode::InvalidValue, format!("`{key}` is empty"))
                .with_help(format!("e.g. `{key}: {example}`")))
        } else {
            Ok(text)
        }
    };
    match raw {
        RawTarget::S3(RawS3 {
            bucket,
            prefix,
            endpoint,
            region,
        }) => {
            let bucket = non_empty(bucket, "bucket", "status")?;
            let endpoint = match endpoint {
                Some(e) => Some(validate_endpoint(source, e)?),
                None => None,
            };
            let region = match region {
                Some(r) => Some(non_empty(r, "region", "auto")?),
                None => None,
            };
            let prefix = prefix.map_or_else(String::new, |p| {
                let trimmed = p.value.trim().trim_matches('/');
                if trimmed.is_empty() {
                    String::new()
                } else {
                    format!("{trimmed}/")
                }
            });
            Ok(PublishTarget::S3(S3Target {
                bucket,
                prefix,
                endpoint,
                region,
            }))
        }
        RawTarget::Git(raw) => {
            git_target::validate(source, raw, &non_empty).map(PublishTarget::Git)
        }
        RawTarget::Folder(RawFolder { path, spare }) => Ok(PublishTarget::Folder(FolderTarget {
            path: PathBuf::from(non_empty(path, "path", "/srv/www/status")?),
            spare: spare.unwrap_or(false),
        })),
    }
}

/// An http(s) address, as every address in site.yaml is checked, with help for S3 storage.
fn validate_endpoint(source: &YamlSource<'_>, raw: Spanned<String>) -> Result<String, Diagnostic> {
    validate_http_address(source, raw, "endpoint", "").map_err(|d| {
        d.with_help(
            "write the storage's S3 address, e.g. `https://ACCOUNT.r2.cloudflarestorage.com`",
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::tests::{MINIMAL, located_errors, parse_str};

    #[test]
    fn publish_targets_take_the_documented_shape() {
        let text = format!(
            "{MINIMAL}publish:\n  - s3: {{ bucket: status, prefix: /site/, endpoint: \"https://x.r2.cloudflarestorage.com/\", region: auto }}\n  - git: {{ remote: \"git@github.com:example/status.git\" }}\n  - folder: {{ path: /srv/www/status }}\n  - folder: {{ path: /srv/www/big, spare: true }}\n"
        );
        let site = parse_str(&text).expect("valid");
        assert_eq!(
            site.publish,
            [
                PublishTarget::S3(S3Target {
                    bucket: "status".into(),
                    prefix: "site/".into(),
                    endpoint: Some("https://x.r2.cloudflarestorage.com".into()),
                    region: Some("auto".into()),
                }),
                PublishTarget::Git(GitTarget {
                    remote: "git@github.com:example/status.git".into(),
                    branch: "gh-pages".into(),
                }),
                PublishTarget::Folder(FolderTarget {
                    path: PathBuf::from("/srv/www/status"),
                    spare: false,
                }),
                PublishTarget::Folder(FolderTarget {
                    path: PathBuf::from("/srv/www/big"),
                    spare: true,
                }),
            ]
        );
        assert!(parse_str(MINIMAL).expect("valid").publish.is_empty());
    }

    #[test]
    fn publish_mistakes_are_located_with_a_suggestion() {
        let errors = |publish: &str| located_errors(&format!("{MINIMAL}publish:\n{publish}"));
        assert_eq!(
            errors("  - s4: { bucket: status }\n"),
            ["site.yaml:7:5 unknown value `s4` / did you mean `s3`?"]
        );
        assert_eq!(
            errors("  - s3: { buckt: status }\n"),
            ["site.yaml:7:11 unknown key `buckt` / did you mean `bucket`?"]
        );
        let missing = errors("  - s3: { region: auto }\n");
        assert_eq!(missing.len(), 1, "{missing:?}");
        assert!(
            missing[0].starts_with("site.yaml:7:")
                && missing[0].contains("missing required key `bucket`"),
            "{missing:?}"
        );
        assert_eq!(
            errors("  - s3: { bucket: status, endpoint: \"r2.example\" }\n"),
            [
                "site.yaml:7:37 `endpoint` `r2.example` is not an http(s) address / write the storage's S3 address, e.g. `https://ACCOUNT.r2.cloudflarestorage.com`"
            ]
        );
    }
}
