//! site.yaml: a raw serde struct that mirrors the file, validated into [`Site`].

use std::path::{Path, PathBuf};

use chrono_tz::Tz;
use serde::Deserialize;
use serde_saphyr::Spanned;
use url::Url;

use crate::error::{Diagnostic, ErrorCode};
use crate::files;
use crate::suggest;
use crate::yaml::{self, Schema, Step, YamlSource, fields_of};

mod announce;
mod components;
mod git_target;
mod ingest;
mod logo;
mod publish;
mod secret;
mod subscribe;

pub(crate) use announce::{AnnounceChannel, Channel, Email, SmtpTls, XAuth};
pub(crate) use components::{Component, is_valid_id};
pub(crate) use ingest::{Ingest, Rule as IngestRule};
pub(crate) use logo::Logo;
pub(crate) use publish::{FolderTarget, GitTarget, PublishTarget, S3Target};
pub(crate) use subscribe::Subscribe;

pub(crate) const SITE_FILE: &str = "site.yaml";

/// The validated settings of a site.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Site {
    pub title: String,
    /// Always ends in `/`, so `base_url.join("incidents/x/")` works.
    pub base_url: Url,
    /// The host of `base_url`, used in feed ids (`tag:HOST,YYYY:SLUG`).
    pub host: String,
    pub description: Option<String>,
    pub language: String,
    pub time_zone: Tz,
    pub theme: String,
    /// Relative to the site folder.
    pub output: PathBuf,
    pub uptime_days: u32,
    pub feed_entries: usize,
    pub uptime_weights: UptimeWeights,
    pub components: Vec<Component>,
    pub links: Vec<Link>,
    /// Branding: an image shown beside the title, copied to `assets/`.
    pub logo: Option<Logo>,
    /// Branding: `#rrggbb`, the colour of the page header.
    pub accent_color: Option<String>,
    /// Branding: links in the footer (terms, privacy, the main website).
    pub footer_links: Vec<Link>,
    /// Whether the site has a search page and its index (docs/search.md); on by default.
    pub search: bool,
    /// Where `sitrep publish` sends the built site, in turn (docs/publishing.md).
    pub publish: Vec<PublishTarget>,
    /// Where `sitrep announce` tells every update, once each (docs/announcing.md).
    pub announce: Vec<Channel>,
    /// What `sitrep receive` and `sitrep ingest` do with alerts (docs/ingesting.md).
    pub ingest: Option<Ingest>,
    /// What the subscribe page offers besides feeds and calendar (docs/announcing.md).
    pub subscribe: Subscribe,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub(crate) struct Link {
    pub name: String,
    pub url: String,
}

/// How much of the time in each status counts as downtime (docs/format.md, "Uptime").
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct UptimeWeights {
    pub major_outage: f64,
    pub partial_outage: f64,
    pub degraded_performance: f64,
}

impl Default for UptimeWeights {
    fn default() -> Self {
        UptimeWeights {
            major_outage: 1.0,
            partial_outage: 0.3,
            degraded_performance: 0.0,
        }
    }
}

impl Site {
    pub(crate) fn component(&self, id: &str) -> Option<&Component> {
        self.components.iter().find(|c| c.id == id)
    }

    pub(crate) fn component_ids(&self) -> impl Iterator<Item = &str> + Clone {
        self.components.iter().map(|c| c.id.as_str())
    }
}

#[derive(Deserialize)]
struct RawSite {
    title: Spanned<String>,
    base_url: Spanned<String>,
    #[serde(default)]
    description: Option<Spanned<String>>,
    #[serde(default)]
    language: Option<Spanned<String>>,
    #[serde(default)]
    time_zone: Option<Spanned<String>>,
    #[serde(default)]
    theme: Option<Spanned<String>>,
    #[serde(default)]
    output: Option<Spanned<String>>,
    #[serde(default)]
    uptime_days: Option<Spanned<i64>>,
    #[serde(default)]
    feed_entries: Option<Spanned<i64>>,
    #[serde(default)]
    uptime_weights: Option<RawWeights>,
    components: Spanned<Vec<components::RawComponent>>,
    #[serde(default)]
    links: Vec<RawLink>,
    #[serde(default)]
    logo: Option<Spanned<String>>,
    #[serde(default)]
    accent_color: Option<Spanned<String>>,
    #[serde(default)]
    footer_links: Vec<RawLink>,
    #[serde(default)]
    search: Option<bool>,
    #[serde(default)]
    publish: Vec<publish::RawTarget>,
    #[serde(default)]
    announce: Vec<announce::RawChannel>,
    #[serde(default)]
    ingest: Option<ingest::RawIngest>,
    #[serde(default)]
    subscribe: Option<subscribe::RawSubscribe>,
}

#[derive(Deserialize)]
struct RawWeights {
    #[serde(default)]
    major_outage: Option<Spanned<f64>>,
    #[serde(default)]
    partial_outage: Option<Spanned<f64>>,
    #[serde(default)]
    degraded_performance: Option<Spanned<f64>>,
}

#[derive(Deserialize)]
struct RawLink {
    name: Spanned<String>,
    url: Spanned<String>,
}

impl Schema for RawSite {
    fn keys_at(path: &[Step]) -> Option<&'static [&'static str]> {
        match path {
            [] => Some(fields_of::<RawSite>()),
            [Step::Key(k)] if k == "uptime_weights" => Some(fields_of::<RawWeights>()),
            [Step::Key(k), Step::Index(_)] if k == "components" => {
                Some(fields_of::<components::RawComponent>())
            }
            [Step::Key(k)] if k == "ingest" => Some(ingest::fields()),
            [Step::Key(k), Step::Key(r), Step::Index(_)] if k == "ingest" && r == "rules" => {
                Some(ingest::rule_fields())
            }
            [Step::Key(k), Step::Index(_)] if k == "links" || k == "footer_links" => {
                Some(fields_of::<RawLink>())
            }
            [Step::Key(k)] if k == "subscribe" => Some(subscribe::fields()),
            [Step::Key(k), Step::Key(l), Step::Index(_)] if k == "subscribe" && l == "links" => {
                Some(fields_of::<RawLink>())
            }
            [Step::Key(k), Step::Index(_), Step::Key(kind)] if k == "publish" => {
                publish::fields(kind)
            }
            [Step::Key(k), Step::Index(_), Step::Key(kind)] if k == "announce" => {
                announce::fields(kind)
            }
            _ => None,
        }
    }
}

/// Parses and validates site.yaml's text. `path` is how messages name the file.
pub(crate) fn parse(path: &Path, text: &str) -> Result<Site, Vec<Diagnostic>> {
    let source = YamlSource::whole_file(path, text);
    let (raw, unknown_keys): (RawSite, _) = yaml::parse(&source, text, yaml::site_budget())?;
    match validate(&source, raw) {
        Ok(site) if unknown_keys.is_empty() => Ok(site),
        Ok(_) => Err(unknown_keys),
        Err(mut errors) => {
            let mut all = unknown_keys;
            all.append(&mut errors);
            Err(all)
        }
    }
}

/// The theme and language site.yaml asks for, read leniently: when the file has errors, its
/// theme can still be checked in the same run. Defaults where the file says nothing usable.
pub(crate) fn declared_theme_and_language(root: &Path) -> (String, String) {
    #[derive(Deserialize)]
    struct Declared {
        #[serde(default)]
        theme: Option<String>,
        #[serde(default)]
        language: Option<String>,
    }
    let declared = files::read_text(&root.join(SITE_FILE), files::SETTINGS_FILE_LIMIT)
        .ok()
        .and_then(|text| {
            serde_saphyr::from_str_with_options::<Declared>(
                &text,
                yaml::options(yaml::site_budget()),
            )
            .ok()
        });
    let theme = declared
        .as_ref()
        .and_then(|d| d.theme.clone())
        .filter(|t| !t.is_empty() && !t.contains(['/', '\\']) && !t.starts_with('.'))
        .unwrap_or_else(|| "default".into());
    let language = declared
        .and_then(|d| d.language)
        .unwrap_or_else(|| "en".into());
    (theme, language)
}

/// Reads site.yaml from the site folder, and the logo it names.
pub(crate) fn load(root: &Path) -> Result<Site, crate::Error> {
    let text =
        files::read_text(&root.join(SITE_FILE), files::SETTINGS_FILE_LIMIT).map_err(|e| {
            let diagnostic = if e.is_not_found() {
                Diagnostic::new(
                    SITE_FILE,
                    ErrorCode::Unreadable,
                    "no site.yaml in the site folder",
                )
                .with_help(format!(
                    "run sitrep in a site folder, or pass --root DIR (looked in `{}`)",
                    root.display()
                ))
            } else {
                Diagnostic::new(SITE_FILE, e.code(), format!("cannot read site.yaml: {e}"))
            };
            crate::Error::Content(vec![diagnostic])
        })?;
    let mut site = parse(Path::new(SITE_FILE), &text).map_err(crate::Error::Content)?;
    if let Some(logo) = &mut site.logo {
        logo.bytes = logo::read(root, logo, &text)?.into();
        logo::check_svg(logo, &text)?;
    }
    Ok(site)
}

/// At most this many components: every page shows each one, with its uptime bar.
pub(super) const MAX_COMPONENTS: usize = 1_000;
/// Names (the site's title, components, groups, links): one line on a phone.
pub(super) const MAX_NAME: usize = 200;
/// Descriptions: a sentence or two.
pub(super) const MAX_DESCRIPTION: usize = 2_000;

/// A string within `max` characters and free of control characters (a NUL or an escape
/// sequence would make the feeds and badges XML no reader accepts), or an error on it.
pub(super) fn check_length(
    source: &YamlSource<'_>,
    value: &Spanned<String>,
    what: &str,
    max: usize,
    errors: &mut Vec<Diagnostic>,
) {
    errors.extend(source.too_long(value, what, max));
    if let Some(c) = value
        .value
        .chars()
        .find(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
    {
        errors.push(
            source
                .error_on(
                    value,
                    ErrorCode::InvalidValue,
                    format!("{what} contains the control character U+{:04X}", c as u32),
                )
                .with_help("remove it; feeds, badges and pages cannot carry it"),
        );
    }
}

fn validate(source: &YamlSource<'_>, raw: RawSite) -> Result<Site, Vec<Diagnostic>> {
    // Exhaustive destructuring: a new key that nobody validates does not compile.
    let RawSite {
        title,
        base_url,
        description,
        language,
        time_zone,
        theme,
        output,
        uptime_days,
        feed_entries,
        uptime_weights,
        components,
        links,
        logo,
        accent_color,
        footer_links,
        search,
        publish,
        announce,
        ingest,
        subscribe,
    } = raw;
    let mut errors = Vec::new();
    let e = &mut errors;
    validate_title(source, &title, e);
    if let Some(d) = &description {
        check_length(source, d, "`description`", MAX_DESCRIPTION, e);
    }
    let base_url = validate_base_url(source, &base_url)
        .map_err(|d| e.push(d))
        .ok();
    let language = validate_language(source, language, e);
    let time_zone = validate_time_zone(source, time_zone, e);
    let theme = validate_theme(source, theme, e);
    let output = validate_output(source, output, e);
    let uptime_days = bounded(source, uptime_days, "uptime_days", 1, 365, 90, e) as u32;
    let feed_entries = bounded(source, feed_entries, "feed_entries", 1, 1000, 50, e) as usize;
    let uptime_weights = validate_weights(source, uptime_weights, e);
    let components = components::validate(source, components, e);
    let links = validate_links(source, links, e);
    let footer_links = validate_links(source, footer_links, e);
    let logo = logo.and_then(|l| logo::validate(source, &l).map_err(|d| e.push(d)).ok());
    let accent_color = accent_color.and_then(|c| validate_accent_color(source, &c, e));
    let publish = publish::validate_all(source, publish, e);
    let announce = announce::validate_all(source, announce, &components, e);
    let ingest = ingest.and_then(|i| ingest::validate(source, i, &components, e));
    let subscribe =
        subscribe.map_or_else(Subscribe::default, |s| subscribe::validate(source, s, e));
    match base_url {
        Some((base_url, host)) if errors.is_empty() => Ok(Site {
            title: title.value,
            base_url,
            host,
            description: description.map(|d| d.value),
            language,
            time_zone,
            theme,
            output,
            uptime_days,
            feed_entries,
            uptime_weights,
            components,
            links,
            logo,
            accent_color,
            footer_links,
            search: search.unwrap_or(true),
            publish,
            announce,
            ingest,
            subscribe,
        }),
        _ => Err(errors),
    }
}

fn validate_title(source: &YamlSource<'_>, title: &Spanned<String>, errors: &mut Vec<Diagnostic>) {
    if title.value.trim().is_empty() {
        errors.push(source.error_on(title, ErrorCode::InvalidValue, "`title` is empty"));
    }
    check_length(source, title, "`title`", MAX_NAME, errors);
}

fn validate_language(
    source: &YamlSource<'_>,
    language: Option<Spanned<String>>,
    errors: &mut Vec<Diagnostic>,
) -> String {
    match language {
        Some(l) if !is_bcp47(&l.value) => {
            errors.push(
                source
                    .error_on(
                        &l,
                        ErrorCode::InvalidValue,
                        format!("`{}` is not a BCP 47 language tag", l.value),
                    )
                    .with_help("write e.g. `en`, `fr`, `de`, `es` or `en-GB`"),
            );
            String::new()
        }
        Some(l) => l.value,
        None => "en".into(),
    }
}

fn validate_time_zone(
    source: &YamlSource<'_>,
    time_zone: Option<Spanned<String>>,
    errors: &mut Vec<Diagnostic>,
) -> Tz {
    let Some(z) = time_zone else {
        return Tz::UTC;
    };
    z.value.parse::<Tz>().unwrap_or_else(|_| {
        let names = chrono_tz::TZ_VARIANTS.iter().map(|t| t.name());
        errors.push(
            source
                .error_on(
                    &z,
                    ErrorCode::InvalidValue,
                    format!("`{}` is not an IANA time zone", z.value),
                )
                .with_help(
                    suggest::closest(&z.value, names)
                        .map(|n| format!("did you mean `{n}`?"))
                        .unwrap_or_else(|| {
                            "write a name like `America/New_York` or `Europe/Paris`".into()
                        }),
                ),
        );
        Tz::UTC
    })
}

fn validate_theme(
    source: &YamlSource<'_>,
    theme: Option<Spanned<String>>,
    errors: &mut Vec<Diagnostic>,
) -> String {
    match theme {
        Some(t)
            if t.value.is_empty() || t.value.contains(['/', '\\']) || t.value.starts_with('.') =>
        {
            errors.push(source.error_on(
                &t,
                ErrorCode::InvalidValue,
                "`theme` must be a folder name under `themes/`",
            ));
            String::new()
        }
        Some(t) => t.value,
        None => "default".into(),
    }
}

fn validate_output(
    source: &YamlSource<'_>,
    output: Option<Spanned<String>>,
    errors: &mut Vec<Diagnostic>,
) -> PathBuf {
    match output {
        Some(o) if o.value.trim().is_empty() => {
            errors.push(source.error_on(&o, ErrorCode::InvalidValue, "`output` is empty"));
            PathBuf::new()
        }
        Some(o) => PathBuf::from(o.value),
        None => PathBuf::from("public"),
    }
}

/// `#rrggbb`, lowercased.
fn validate_accent_color(
    source: &YamlSource<'_>,
    c: &Spanned<String>,
    errors: &mut Vec<Diagnostic>,
) -> Option<String> {
    let hex = c.value.trim();
    let valid =
        hex.len() == 7 && hex.starts_with('#') && hex[1..].chars().all(|ch| ch.is_ascii_hexdigit());
    if valid {
        return Some(hex.to_lowercase());
    }
    errors.push(
        source
            .error_on(
                c,
                ErrorCode::InvalidValue,
                format!(
                    "`accent_color` `{}` is not a colour like `#1a7f37`",
                    c.value
                ),
            )
            .with_help("write it as `#` and six hexadecimal digits"),
    );
    None
}

pub(super) fn validate_http_address(
    source: &YamlSource<'_>,
    raw: Spanned<String>,
    key: &str,
    example: &str,
) -> Result<String, Diagnostic> {
    match Url::parse(raw.value.trim()) {
        Ok(url) if matches!(url.scheme(), "http" | "https") && url.host_str().is_some() => {
            Ok(raw.value.trim().trim_end_matches('/').to_string())
        }
        _ => Err(source
            .error_on(
                &raw,
                ErrorCode::InvalidValue,
                format!("`{key}` `{}` is not an http(s) address", raw.value),
            )
            .with_help(format!("e.g. `{key}: \"{example}\"`"))),
    }
}

fn validate_links(
    source: &YamlSource<'_>,
    raw: Vec<RawLink>,
    errors: &mut Vec<Diagnostic>,
) -> Vec<Link> {
    for l in &raw {
        check_length(source, &l.name, "a link's `name`", MAX_NAME, errors);
    }
    raw.into_iter()
        .filter_map(|l| match check_link_url(&l.url.value) {
            Ok(url) => Some(Link {
                name: l.name.value,
                url,
            }),
            Err(message) => {
                errors.push(source.error_on(&l.url, ErrorCode::InvalidValue, message).with_help(
                    "write the full address, e.g. `https://example.com/support/` or `mailto:help@example.com`",
                ));
                None
            }
        })
        .collect()
}

/// Links are rendered live on every page, so only schemes that navigate are allowed:
/// `javascript:`, `data:` or `vbscript:` would run in the reader's browser.
fn check_link_url(raw: &str) -> Result<String, String> {
    let text = raw.trim();
    // URL parsers drop tabs and line breaks inside a URL (`java\tscript:`); refuse them
    // rather than publish something other than what was checked.
    if text.chars().any(|c| c.is_control() || c.is_whitespace()) {
        return Err(format!("`{raw}` contains spaces or control characters"));
    }
    let url = Url::parse(text).map_err(|_| format!("`{raw}` is not an absolute URL"))?;
    match url.scheme() {
        "http" | "https" if url.host_str().is_some_and(|h| !h.is_empty()) => Ok(text.to_string()),
        "mailto" => Ok(text.to_string()),
        "http" | "https" => Err(format!("`{raw}` has no host")),
        scheme => Err(format!(
            "`{raw}` is a `{scheme}:` link; links may only be http, https or mailto"
        )),
    }
}

fn validate_base_url(
    source: &YamlSource<'_>,
    raw: &Spanned<String>,
) -> Result<(Url, String), Diagnostic> {
    let help = "write the address the site is published at, e.g. `https://status.example.com/`";
    let mut url = Url::parse(raw.value.trim()).map_err(|e| {
        source
            .error_on(
                raw,
                ErrorCode::InvalidValue,
                format!("`base_url` `{}` is not an absolute URL ({e})", raw.value),
            )
            .with_help(help)
    })?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(source
            .error_on(
                raw,
                ErrorCode::InvalidValue,
                format!("`base_url` must be http or https, not `{}`", url.scheme()),
            )
            .with_help(help));
    }
    let host = url
        .host_str()
        .filter(|h| !h.is_empty())
        .ok_or_else(|| {
            source
                .error_on(raw, ErrorCode::InvalidValue, "`base_url` has no host")
                .with_help(help)
        })?
        .to_string();
    if url.query().is_some() || url.fragment().is_some() {
        return Err(source
            .error_on(
                raw,
                ErrorCode::InvalidValue,
                "`base_url` may not have a query or fragment",
            )
            .with_help(help));
    }
    if !url.path().ends_with('/') {
        let path = format!("{}/", url.path());
        url.set_path(&path);
    }
    Ok((url, host))
}

fn bounded(
    source: &YamlSource<'_>,
    value: Option<Spanned<i64>>,
    key: &str,
    min: i64,
    max: i64,
    default: i64,
    errors: &mut Vec<Diagnostic>,
) -> i64 {
    match value {
        Some(v) if v.value < min || v.value > max => {
            errors.push(source.error_on(
                &v,
                ErrorCode::InvalidValue,
                format!("`{key}` must be from {min} to {max}, not {}", v.value),
            ));
            default
        }
        Some(v) => v.value,
        None => default,
    }
}

fn validate_weights(
    source: &YamlSource<'_>,
    raw: Option<RawWeights>,
    errors: &mut Vec<Diagnostic>,
) -> UptimeWeights {
    let defaults = UptimeWeights::default();
    let Some(RawWeights {
        major_outage,
        partial_outage,
        degraded_performance,
    }) = raw
    else {
        return defaults;
    };
    let mut weight = |value: Option<Spanned<f64>>, key: &str, default: f64| match value {
        Some(v) if !(0.0..=1.0).contains(&v.value) => {
            errors.push(source.error_on(
                &v,
                ErrorCode::InvalidValue,
                format!("the weight of `{key}` must be from 0 to 1, not {}", v.value),
            ));
            default
        }
        Some(v) => v.value,
        None => default,
    };
    UptimeWeights {
        major_outage: weight(major_outage, "major_outage", defaults.major_outage),
        partial_outage: weight(partial_outage, "partial_outage", defaults.partial_outage),
        degraded_performance: weight(
            degraded_performance,
            "degraded_performance",
            defaults.degraded_performance,
        ),
    }
}

/// A loose BCP 47 check: a 2–3 letter (or 4–8) primary tag and alphanumeric subtags.
fn is_bcp47(tag: &str) -> bool {
    let mut parts = tag.split('-');
    let primary_ok = parts
        .next()
        .is_some_and(|p| (2..=8).contains(&p.len()) && p.chars().all(|c| c.is_ascii_alphabetic()));
    primary_ok
        && parts.all(|p| (1..=8).contains(&p.len()) && p.chars().all(|c| c.is_ascii_alphanumeric()))
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;

    pub(super) const MINIMAL: &str = "title: Example Status\nbase_url: https://status.example.com\ncomponents:\n  - id: web\n    name: Website\n";

    pub(super) fn parse_str(text: &str) -> Result<Site, Vec<Diagnostic>> {
        parse(Path::new("site.yaml"), text)
    }

    /// Each error of an invalid site.yaml as `LOCATION MESSAGE / HELP`.
    pub(super) fn located_errors(text: &str) -> Vec<String> {
        parse_str(text)
            .expect_err("invalid")
            .iter()
            .map(|d| {
                format!(
                    "{} {} / {}",
                    d.location(),
                    d.message,
                    d.help.as_deref().unwrap_or("")
                )
            })
            .collect()
    }

    #[test]
    fn an_unknown_key_is_found_in_every_kind_of_mapping() {
        let text = "title: T\nbase_url: https://s.test/\ntitel: x\nuptime_weights: { major: 1 }\ncomponents:\n  - { id: web, name: W, gruop: G }\nlinks:\n  - { name: A, url: https://a.test/, rel: x }\nfooter_links:\n  - { name: B, url: https://b.test/, target: x }\n";
        let errors = parse_str(text).expect_err("unknown keys");
        let found: Vec<(String, &str)> = errors
            .iter()
            .map(|d| (d.location(), d.message.as_str()))
            .collect();
        assert_eq!(
            found,
            [
                ("site.yaml:3:1".to_string(), "unknown key `titel`"),
                ("site.yaml:4:19".to_string(), "unknown key `major`"),
                ("site.yaml:6:25".to_string(), "unknown key `gruop`"),
                ("site.yaml:8:38".to_string(), "unknown key `rel`"),
                ("site.yaml:10:38".to_string(), "unknown key `target`"),
            ]
        );
    }

    /// A site.yaml with every key sitrep takes, in JSON (which is YAML): every mapping in it
    /// is one the unknown-key check must know.
    fn every_key() -> serde_json::Value {
        serde_json::json!({
            "title": "T", "base_url": "https://s.test/", "description": "D", "language": "en",
            "time_zone": "UTC", "theme": "default", "output": "public", "uptime_days": 90,
            "feed_entries": 50, "search": true, "accent_color": "#1a7f37",
            "uptime_weights": { "major_outage": 1.0, "partial_outage": 0.3, "degraded_performance": 0.0 },
            "components": [{ "id": "web", "name": "W", "description": "D", "group": "G", "since": "2020-01-01" }],
            "links": [{ "name": "A", "url": "https://a.test/" }],
            "footer_links": [{ "name": "B", "url": "https://b.test/" }],
            "publish": [
                { "s3": { "bucket": "b", "prefix": "p", "endpoint": "https://s3.test", "region": "auto" } },
                { "git": { "remote": "https://git.test/r.git", "branch": "gh-pages" } },
                { "folder": { "path": "/srv/www" } }
            ],
            "announce": [
                { "webhook": { "url_env": "W", "components": ["web"] } },
                { "slack": { "url_env": "S" } },
                { "discord": { "url_env": "D" } },
                { "teams": { "url_env": "T" } },
                { "mastodon": { "instance": "https://m.test", "token_env": "M" } },
                { "bluesky": { "handle": "s.test", "password_env": "B", "service": "https://b.test" } },
                { "x": { "token_env": "X", "api": "https://x.test" } },
                { "x": { "consumer_key_env": "A", "consumer_secret_env": "B", "access_token_env": "C", "access_secret_env": "D" } },
                { "email": { "server": "smtp.test", "port": 587, "tls": "starttls", "from": "s@s.test", "to": ["c@s.test"], "user_env": "U", "password_env": "P" } }
            ],
            "subscribe": {
                "email_form": "https://lists.s.test/subscription/form", "email_field": "email",
                "fields": { "l": "uuid" }, "links": [{ "name": "Mastodon", "url": "https://m.test/@s" }]
            },
            "ingest": {
                "token_env": "I", "grafana_secret_env": "G",
                "rules": [{ "match": { "alertname": "Down" }, "component": "web", "status": "major_outage",
                            "title": "Down", "after": "2m", "publish": false, "on_resolve": "resolved" }]
            }
        })
    }

    /// Every mapping of `value`, as paths of keys and indices.
    fn mappings(value: &serde_json::Value, path: Vec<String>, out: &mut Vec<Vec<String>>) {
        match value {
            serde_json::Value::Object(map) => {
                // `match:` takes any label names, so it has no unknown keys; `- slack: {…}`
                // is one key naming a kind, and a second is a syntax error of its own.
                let kind_wrapper =
                    matches!(&path[..], [list, _] if list == "publish" || list == "announce");
                // The subscribe form's `fields:` takes any names too.
                let any_names = path.last().is_some_and(|k| k == "match" || k == "fields");
                if !any_names && !kind_wrapper {
                    out.push(path.clone());
                }
                for (k, v) in map {
                    mappings(v, [path.clone(), vec![k.clone()]].concat(), out);
                }
            }
            serde_json::Value::Array(items) => {
                for (i, v) in items.iter().enumerate() {
                    mappings(v, [path.clone(), vec![i.to_string()]].concat(), out);
                }
            }
            _ => {}
        }
    }

    #[test]
    fn every_mapping_site_yaml_takes_reports_a_key_it_does_not() {
        let full = every_key();
        parse_str(&full.to_string()).expect("every key, each valid");
        let mut all = Vec::new();
        mappings(&full, Vec::new(), &mut all);
        assert!(all.len() >= 18, "{all:?}");
        for path in all {
            let mut doc = full.clone();
            let mut at = &mut doc;
            for step in &path {
                at = match step.parse::<usize>() {
                    Ok(i) if at.is_array() => &mut at[i],
                    _ => &mut at[step.as_str()],
                };
            }
            at["zz_unknown"] = 1.into();
            let Err(errors) = parse_str(&doc.to_string()) else {
                panic!("an unknown key under {path:?} was accepted");
            };
            assert!(
                errors
                    .iter()
                    .any(|d| d.message == "unknown key `zz_unknown`"),
                "an unknown key under {path:?} went unnoticed: {errors:?}"
            );
        }
    }

    #[test]
    fn minimal_site_gets_the_documented_defaults() {
        let site = parse_str(MINIMAL).expect("valid");
        assert_eq!(site.base_url.as_str(), "https://status.example.com/");
        assert_eq!(site.host, "status.example.com");
        assert_eq!(site.language, "en");
        assert_eq!(site.time_zone, Tz::UTC);
        assert_eq!(site.theme, "default");
        assert_eq!(site.output, PathBuf::from("public"));
        assert_eq!(site.uptime_days, 90);
        assert_eq!(site.feed_entries, 50);
        assert_eq!(site.uptime_weights, UptimeWeights::default());
    }

    #[test]
    fn every_problem_is_reported_at_once() {
        let text = "title: X\nbase_url: ftp://x\ntime_zone: America/New_Yrok\nuptime_days: 400\ncomponents:\n  - id: Web Server\n    name: W\n  - id: db\n    name: D\n    since: yesterday\n";
        let errors = parse_str(text).unwrap_err();
        let got: Vec<String> = errors
            .iter()
            .map(|d| format!("{} {}", d.location(), d.message))
            .collect();
        assert_eq!(got.len(), 5, "{got:#?}");
        assert!(
            got[0].starts_with("site.yaml:2:11 `base_url` must be http or https"),
            "{got:#?}"
        );
        assert_eq!(
            errors[1].help.as_deref(),
            Some("did you mean `America/New_York`?")
        );
        assert!(got[2].starts_with("site.yaml:4:14 `uptime_days` must be from 1 to 365"));
        assert!(got[3].starts_with("site.yaml:6:9 component id `Web Server`"));
        assert_eq!(errors[3].help.as_deref(), Some("try `web-server`"));
        assert!(got[4].starts_with("site.yaml:10:12 `since` `yesterday` is not a date"));
    }

    #[test]
    fn misspelt_key_gets_a_suggestion() {
        let text = MINIMAL.replace("components:", "compnents:");
        let errors = parse_str(&text).unwrap_err();
        assert_eq!(errors[0].location(), "site.yaml:3:1");
        assert_eq!(
            errors[0].help.as_deref(),
            Some("did you mean `components`?")
        );
    }

    #[test]
    fn links_may_only_navigate() {
        let text = format!(
            "{MINIMAL}links:\n  - name: Help\n    url: https://example.com/help/\n  - name: Mail\n    url: mailto:help@example.com\n  - name: X\n    url: javascript:alert(1)\nfooter_links:\n  - name: D\n    url: \"data:text/html,<script>alert(1)</script>\"\n  - name: V\n    url: VBScript:msgbox(1)\n  - name: T\n    url: \"java\\tscript:alert(1)\"\n"
        );
        let errors = parse_str(&text).unwrap_err();
        let got: Vec<String> = errors
            .iter()
            .map(|d| format!("{} {}", d.location(), d.message))
            .collect();
        assert_eq!(
            got,
            [
                "site.yaml:12:10 `javascript:alert(1)` is a `javascript:` link; links may only be http, https or mailto",
                "site.yaml:15:10 `data:text/html,<script>alert(1)</script>` is a `data:` link; links may only be http, https or mailto",
                "site.yaml:17:10 `VBScript:msgbox(1)` is a `vbscript:` link; links may only be http, https or mailto",
                "site.yaml:19:10 `java\tscript:alert(1)` contains spaces or control characters",
            ],
        );
        let ok = format!(
            "{MINIMAL}links:\n  - name: Help\n    url: https://example.com/help/\n  - name: Mail\n    url: mailto:help@example.com\n"
        );
        assert_eq!(parse_str(&ok).expect("valid").links.len(), 2);
    }

    #[test]
    fn ids_follow_the_content_md_pattern() {
        assert!(is_valid_id("stable"));
        assert!(is_valid_id("db-2"));
        assert!(!is_valid_id("-db"));
        assert!(!is_valid_id("DB"));
        assert!(!is_valid_id(""));
    }
}
