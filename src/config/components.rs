//! site.yaml's `components:`: the servers and services the site reports on.

use std::collections::HashSet;

use chrono::NaiveDate;
use serde::Deserialize;
use serde_saphyr::Spanned;

use super::{MAX_COMPONENTS, MAX_DESCRIPTION, MAX_NAME, check_length};
use crate::error::{Diagnostic, ErrorCode};
use crate::time;
use crate::yaml::YamlSource;

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Component {
    pub id: String,
    pub name: String,
    pub description: Option<String>,
    pub group: Option<String>,
    /// Days before it have no uptime data.
    pub since: Option<NaiveDate>,
}

#[derive(Deserialize)]
pub(super) struct RawComponent {
    id: Spanned<String>,
    name: Spanned<String>,
    #[serde(default)]
    description: Option<Spanned<String>>,
    #[serde(default)]
    group: Option<Spanned<String>>,
    #[serde(default)]
    since: Option<Spanned<String>>,
}

/// A valid component id or slug: `[a-z0-9][a-z0-9-]*`.
pub(crate) fn is_valid_id(id: &str) -> bool {
    let mut chars = id.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_lowercase() || c.is_ascii_digit())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

pub(super) fn validate(
    source: &YamlSource<'_>,
    raw: Spanned<Vec<RawComponent>>,
    errors: &mut Vec<Diagnostic>,
) -> Vec<Component> {
    if raw.value.is_empty() {
        errors.push(
            source
                .error_on(&raw, ErrorCode::InvalidValue, "`components` is empty")
                .with_help(
                    "list at least one server or service, e.g. `- { id: web, name: Website }`",
                ),
        );
    }
    if raw.value.len() > MAX_COMPONENTS {
        errors.push(
            source
                .error_on(
                    &raw,
                    ErrorCode::TooLarge,
                    format!(
                        "{} components; sitrep publishes at most {MAX_COMPONENTS}",
                        raw.value.len()
                    ),
                )
                .with_help("group servers into services, and list the services"),
        );
    }
    let mut seen = HashSet::new();
    raw.value
        .into_iter()
        .map(|c| validate_component(source, c, &mut seen, errors))
        .collect()
}

/// One entry of `components:`; `seen` holds the ids of the entries before it.
fn validate_component(
    source: &YamlSource<'_>,
    c: RawComponent,
    seen: &mut HashSet<String>,
    errors: &mut Vec<Diagnostic>,
) -> Component {
    let RawComponent {
        id,
        name,
        description,
        group,
        since,
    } = c;
    validate_id(source, &id, seen, errors);
    if name.value.trim().is_empty() {
        errors.push(source.error_on(&name, ErrorCode::InvalidValue, "component `name` is empty"));
    }
    check_length(source, &name, "a component's `name`", MAX_NAME, errors);
    if let Some(group) = &group {
        check_length(source, group, "a component's `group`", MAX_NAME, errors);
    }
    if let Some(description) = &description {
        check_length(
            source,
            description,
            "a component's `description`",
            MAX_DESCRIPTION,
            errors,
        );
    }
    let (description, group) = (description.map(|d| d.value), group.map(|g| g.value));
    let since = since.and_then(|s| {
        time::parse_date(&s.value).or_else(|| {
            errors.push(
                source
                    .error_on(
                        &s,
                        ErrorCode::InvalidTimestamp,
                        format!("`since` `{}` is not a date", s.value),
                    )
                    .with_help("write it as YYYY-MM-DD, e.g. `2024-01-31`"),
            );
            None
        })
    });
    Component {
        id: id.value,
        name: name.value,
        description,
        group: group.filter(|g| !g.trim().is_empty()),
        since,
    }
}

/// A component id: a slug, used once.
fn validate_id(
    source: &YamlSource<'_>,
    id: &Spanned<String>,
    seen: &mut HashSet<String>,
    errors: &mut Vec<Diagnostic>,
) {
    if !is_valid_id(&id.value) {
        errors.push(
            source
                .error_on(id, ErrorCode::InvalidValue, format!("component id `{}` may only use a-z, 0-9 and `-`, starting with a letter or digit", id.value))
                .with_help(format!("try `{}`", slug::slugify(&id.value))),
        );
    } else if !seen.insert(id.value.clone()) {
        errors.push(source.error_on(
            id,
            ErrorCode::DuplicateKey,
            format!("component id `{}` is used twice", id.value),
        ));
    }
}
