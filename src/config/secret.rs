//! Secrets in site.yaml are never the secrets themselves: each is the name of the environment
//! variable that holds it, read when the command that needs it runs.

use serde_saphyr::Spanned;

use crate::error::{Diagnostic, ErrorCode};
use crate::yaml::YamlSource;

/// An environment variable that site.yaml names for a secret, and where it names it, so that
/// a variable missing when `announce` runs is reported at that line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SecretVar {
    pub name: String,
    /// The error to give when the variable is unset or empty.
    pub unset: Diagnostic,
}

impl SecretVar {
    /// The variable's value, from `lookup` (the environment, or a test's map).
    pub(crate) fn resolve(
        &self,
        lookup: &dyn Fn(&str) -> Option<String>,
    ) -> Result<String, Diagnostic> {
        match lookup(&self.name) {
            Some(value) if !value.trim().is_empty() => Ok(value.trim().to_string()),
            _ => Err(self.unset.clone()),
        }
    }
}

/// An environment variable's name: the error to give if it is unset is made now, while the
/// line it was named on is known.
pub(crate) fn validate_secret_var(
    source: &YamlSource<'_>,
    raw: Spanned<String>,
) -> Result<SecretVar, Diagnostic> {
    let name = raw.value.trim();
    let valid = !name.is_empty()
        && !name.starts_with(|c: char| c.is_ascii_digit())
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if !valid {
        return Err(source
            .error_on(
                &raw,
                ErrorCode::InvalidValue,
                format!("`{}` is not the name of an environment variable", raw.value),
            )
            .with_help(
                "name the variable that holds the secret, e.g. `SLACK_WEBHOOK_URL`; the secret itself never goes in site.yaml",
            ));
    }
    let unset = source
        .error_on(
            &raw,
            ErrorCode::InvalidValue,
            format!("the environment variable `{name}` is not set"),
        )
        .with_help(format!(
            "set it before running announce, e.g. `export {name}=…` (docs/announcing.md says where to get it)"
        ));
    Ok(SecretVar {
        name: name.to_string(),
        unset,
    })
}
