//! site.yaml's `subscribe:`: what the subscribe page offers beyond the feeds and the calendar
//! (docs/announcing.md, "Subscribe page"): a form that posts the reader's address to the
//! site's list manager, and links to where the site is followed elsewhere. Checked when
//! site.yaml is read, so `check` reports a mistake at its line, like every other error.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_saphyr::Spanned;
use url::Url;

use super::{Link, RawLink, check_length, validate_links};
use crate::error::{Diagnostic, ErrorCode};
use crate::yaml::YamlSource;

/// What the subscribe page offers besides the feeds and the calendar.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Subscribe {
    pub email_form: Option<EmailForm>,
    /// Where else to follow the site: a Mastodon account, a chat invite, a mailing list's page.
    pub links: Vec<Link>,
}

/// A plain HTML form, posted by the reader's browser to the list manager: nothing of that
/// host is loaded before the reader submits it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct EmailForm {
    /// The list manager's public signup address (http or https).
    pub action: String,
    /// The name the address is posted under: `email` for listmonk, Mailman and Buttondown.
    pub email_field: String,
    /// Hidden fields posted with it, in name order (listmonk's list, `l: UUID`).
    pub fields: Vec<(String, String)>,
}

#[derive(Deserialize)]
pub(super) struct RawSubscribe {
    #[serde(default)]
    email_form: Option<Spanned<String>>,
    #[serde(default)]
    email_field: Option<Spanned<String>>,
    #[serde(default)]
    fields: Option<Spanned<BTreeMap<String, Spanned<String>>>>,
    #[serde(default)]
    links: Vec<RawLink>,
}

pub(super) fn fields() -> &'static [&'static str] {
    crate::yaml::fields_of::<RawSubscribe>()
}

const FORM_HELP: &str = "give the list manager's public signup address, e.g. `https://lists.example.org/subscription/form` (docs/announcing.md, \"Subscribe page\")";

/// A field's name or value: one line of a form, not a page.
const MAX_FIELD: usize = 500;

/// The validated `subscribe:`, every problem pushed to `errors`.
pub(super) fn validate(
    source: &YamlSource<'_>,
    raw: RawSubscribe,
    errors: &mut Vec<Diagnostic>,
) -> Subscribe {
    let RawSubscribe {
        email_form,
        email_field,
        fields,
        links,
    } = raw;
    let links = validate_links(source, links, errors);
    let Some(action) = email_form else {
        // `email_field` or `fields` without a form to post them would be silently dropped.
        if let Some(field) = &email_field {
            errors.push(without_form(source, field, "email_field"));
        }
        if let Some(fields) = &fields {
            errors.push(without_form(source, fields, "fields"));
        }
        return Subscribe {
            email_form: None,
            links,
        };
    };
    let action = validate_action(source, &action).map_err(|d| errors.push(d));
    let email_field = match email_field {
        Some(name) => field_name(source, &name, errors).then(|| name.value.trim().to_string()),
        None => Some("email".to_string()),
    };
    let fields = validate_fields(source, fields, email_field.as_deref(), errors);
    let email_form = match (action, email_field) {
        (Ok(action), Some(email_field)) => Some(EmailForm {
            action,
            email_field,
            fields,
        }),
        _ => None,
    };
    Subscribe { email_form, links }
}

fn without_form<T>(source: &YamlSource<'_>, at: &Spanned<T>, key: &str) -> Diagnostic {
    source
        .error_on(
            at,
            ErrorCode::InvalidValue,
            format!("`subscribe.{key}` is given without `email_form`, the address to post it to"),
        )
        .with_help(FORM_HELP)
}

/// An absolute http(s) address with a host; a query is kept (some list managers put the list
/// in it), a fragment is refused (a browser never sends it).
fn validate_action(source: &YamlSource<'_>, raw: &Spanned<String>) -> Result<String, Diagnostic> {
    let text = raw.value.trim();
    let refuse = |why: &str| {
        source
            .error_on(
                raw,
                ErrorCode::InvalidValue,
                format!("`email_form` `{}` {why}", raw.value),
            )
            .with_help(FORM_HELP)
    };
    if text.chars().any(|c| c.is_control() || c.is_whitespace()) {
        return Err(refuse("contains spaces or control characters"));
    }
    match Url::parse(text) {
        Ok(url) if !matches!(url.scheme(), "http" | "https") => Err(refuse(&format!(
            "is a `{}:` address; the form can only post to http or https",
            url.scheme()
        ))),
        Ok(url) if url.host_str().is_none_or(str::is_empty) => Err(refuse("has no host")),
        Ok(url) if url.fragment().is_some() => {
            Err(refuse("has a `#` fragment, which a form never sends"))
        }
        Ok(_) => Ok(text.to_string()),
        Err(_) => Err(refuse("is not an absolute http(s) address")),
    }
}

/// A form field's name: not empty, no spaces or control characters.
fn field_name(
    source: &YamlSource<'_>,
    name: &Spanned<String>,
    errors: &mut Vec<Diagnostic>,
) -> bool {
    let text = name.value.trim();
    if text.is_empty() || text.chars().any(|c| c.is_control() || c.is_whitespace()) {
        errors.push(
            source
                .error_on(
                    name,
                    ErrorCode::InvalidValue,
                    format!("`{}` is not a form field name", name.value),
                )
                .with_help("write the name the list manager reads, e.g. `email_field: email`"),
        );
        return false;
    }
    let before = errors.len();
    check_length(source, name, "a form field's name", MAX_FIELD, errors);
    errors.len() == before
}

fn validate_fields(
    source: &YamlSource<'_>,
    raw: Option<Spanned<BTreeMap<String, Spanned<String>>>>,
    email_field: Option<&str>,
    errors: &mut Vec<Diagnostic>,
) -> Vec<(String, String)> {
    let Some(raw) = raw else {
        return Vec::new();
    };
    let mut fields = Vec::new();
    for (name, value) in raw.value {
        if email_field == Some(name.trim()) {
            errors.push(
                source
                    .error_on(
                        &value,
                        ErrorCode::DuplicateKey,
                        format!(
                            "`fields` sets `{name}`, which is the reader's address (`email_field`)"
                        ),
                    )
                    .with_help("leave it out of `fields`: the reader types it in"),
            );
            continue;
        }
        let spanned_name = Spanned {
            value: name,
            referenced: value.referenced,
            defined: value.defined,
        };
        let before = errors.len();
        if field_name(source, &spanned_name, errors) {
            check_length(source, &value, "a form field's value", MAX_FIELD, errors);
        }
        if errors.len() == before {
            fields.push((spanned_name.value.trim().to_string(), value.value));
        }
    }
    fields
}
