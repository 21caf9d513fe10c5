//! site.yaml: a raw serde struct that mirrors the file, validated into [`Site`].

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use chrono_tz::Tz;
use serde::Deserialize;
use serde_saphyr::Spanned;
use url::Url;

use crate::error::{Diagnostic, ErrorCode};
use crate::files;
use crate::suggest;
use crate::time;
use crate::yaml::{self, Schema, Step, YamlSource, fields_of};

mod git_target;
mod ingest;
mod subscribe;

pub(crate) use ingest::{Ingest, Rule as IngestRule};
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
    pub announce: Vec<AnnounceChannel>,
    /// What `sitrep receive` and `sitrep ingest` do with alerts (docs/ingesting.md).
    pub ingest: Option<Ingest>,
    /// What the subscribe page offers besides feeds and calendar (docs/announcing.md).
    pub subscribe: Subscribe,
}

/// One channel `sitrep announce` posts updates to. Secrets never live in site.yaml: each
/// channel names the environment variables that hold them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum AnnounceChannel {
    /// A receiver of Statuspage's webhook notifications.
    Webhook { url: SecretVar },
    /// A Slack incoming webhook.
    Slack { url: SecretVar },
    /// A Discord channel webhook.
    Discord { url: SecretVar },
    /// A Microsoft Teams workflow ("Post to a channel when a webhook request is received").
    Teams { url: SecretVar },
    Mastodon {
        /// `https://mastodon.example`, no trailing slash.
        instance: String,
        token: SecretVar,
    },
    Bluesky {
        handle: String,
        password: SecretVar,
        /// The PDS, `https://bsky.social` unless given; no trailing slash.
        service: String,
    },
    X {
        token: SecretVar,
        /// `https://api.x.com` unless given; no trailing slash.
        api: String,
    },
}

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
}

/// The site's logo: where it is in the site folder, and its bytes once read.
#[derive(Clone, PartialEq)]
pub(crate) struct Logo {
    /// Relative to the site folder.
    pub source: PathBuf,
    pub bytes: std::sync::Arc<[u8]>,
    /// Where site.yaml names it, for an error about the file.
    pub declared_at: Option<crate::error::Position>,
}

impl Logo {
    /// Where the build writes it: `assets/logo.EXT`.
    pub(crate) fn output_path(&self) -> String {
        let ext = self
            .source
            .extension()
            .map(|e| e.to_string_lossy().to_lowercase())
            .unwrap_or_default();
        format!("assets/logo.{ext}")
    }
}

impl std::fmt::Debug for Logo {
    // The bytes by fingerprint: Debug output feeds cache keys and must stay small.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Logo({}, {:x})",
            self.source.display(),
            crate::fingerprint::of_bytes(&[&self.bytes])
        )
    }
}

const LOGO_TYPES: &[&str] = &["svg", "png", "jpg", "jpeg", "webp", "gif"];

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Component {
    pub id: String,
    pub name: String,
    pub description: Option<String>,
    pub group: Option<String>,
    /// Days before it have no uptime data.
    pub since: Option<NaiveDate>,
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
    components: Spanned<Vec<RawComponent>>,
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
    publish: Vec<RawTarget>,
    #[serde(default)]
    announce: Vec<RawChannel>,
    #[serde(default)]
    ingest: Option<ingest::RawIngest>,
    #[serde(default)]
    subscribe: Option<subscribe::RawSubscribe>,
}

/// `- slack: {…}`, `- mastodon: {…}`, …: one key naming the kind of channel.
#[derive(Deserialize)]
#[serde(rename_all = "lowercase")]
enum RawChannel {
    Webhook(RawUrlEnv),
    Slack(RawUrlEnv),
    Discord(RawUrlEnv),
    Teams(RawUrlEnv),
    Mastodon(RawMastodon),
    Bluesky(RawBluesky),
    X(RawX),
}

#[derive(Deserialize)]
struct RawUrlEnv {
    url_env: Spanned<String>,
}

#[derive(Deserialize)]
struct RawMastodon {
    instance: Spanned<String>,
    token_env: Spanned<String>,
}

#[derive(Deserialize)]
struct RawBluesky {
    handle: Spanned<String>,
    password_env: Spanned<String>,
    #[serde(default)]
    service: Option<Spanned<String>>,
}

#[derive(Deserialize)]
struct RawX {
    token_env: Spanned<String>,
    #[serde(default)]
    api: Option<Spanned<String>>,
}

/// `- s3: {…}`, `- git: {…}` or `- folder: {…}`: one key naming the kind of target.
#[derive(Deserialize)]
#[serde(rename_all = "lowercase")]
enum RawTarget {
    S3(RawS3),
    Git(RawGit),
    Folder(RawFolder),
}

#[derive(Deserialize)]
struct RawS3 {
    bucket: Spanned<String>,
    #[serde(default)]
    prefix: Option<Spanned<String>>,
    #[serde(default)]
    endpoint: Option<Spanned<String>>,
    #[serde(default)]
    region: Option<Spanned<String>>,
}

#[derive(Deserialize)]
struct RawGit {
    remote: Spanned<String>,
    #[serde(default)]
    branch: Option<Spanned<String>>,
}

#[derive(Deserialize)]
struct RawFolder {
    path: Spanned<String>,
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
struct RawComponent {
    id: Spanned<String>,
    name: Spanned<String>,
    #[serde(default)]
    description: Option<Spanned<String>>,
    #[serde(default)]
    group: Option<Spanned<String>>,
    #[serde(default)]
    since: Option<Spanned<String>>,
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
                Some(fields_of::<RawComponent>())
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
                match kind.as_str() {
                    "s3" => Some(fields_of::<RawS3>()),
                    "git" => Some(fields_of::<RawGit>()),
                    "folder" => Some(fields_of::<RawFolder>()),
                    _ => None,
                }
            }
            [Step::Key(k), Step::Index(_), Step::Key(kind)] if k == "announce" => {
                match kind.as_str() {
                    "webhook" | "slack" | "discord" | "teams" => Some(fields_of::<RawUrlEnv>()),
                    "mastodon" => Some(fields_of::<RawMastodon>()),
                    "bluesky" => Some(fields_of::<RawBluesky>()),
                    "x" => Some(fields_of::<RawX>()),
                    _ => None,
                }
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
        logo.bytes = read_logo(root, logo, &text)?.into();
        check_svg_logo(logo, &text)?;
    }
    Ok(site)
}

/// The logo's bytes: a regular file inside the site folder, within its size limit. An error
/// points at site.yaml's `logo:` value.
fn read_logo(root: &Path, logo: &Logo, site_text: &str) -> Result<Vec<u8>, crate::Error> {
    files::read_inside(root, &logo.source, files::LOGO_LIMIT).map_err(|e| {
        logo_error(
            logo,
            site_text,
            e.code(),
            format!("cannot read the logo `{}`: {e}", logo.source.display()),
            "give a path relative to the site folder, e.g. `logo: assets/logo.svg`",
        )
    })
}

/// An SVG logo is published on the site's origin: one that could run script is refused.
fn check_svg_logo(logo: &Logo, site_text: &str) -> Result<(), crate::Error> {
    if logo.output_path().ends_with(".svg")
        && let Err(crate::svg::Unsafe(why)) = crate::svg::check(&logo.bytes)
    {
        return Err(logo_error(
            logo,
            site_text,
            ErrorCode::InvalidValue,
            format!(
                "the logo `{}` cannot be published: {why}",
                logo.source.display()
            ),
            "export it again as plain SVG without scripts, event handlers or links (e.g. Inkscape's \"Plain SVG\", or svgo), or use a PNG",
        ));
    }
    Ok(())
}

/// A problem with the logo file, reported on site.yaml's `logo:` value.
fn logo_error(
    logo: &Logo,
    site_text: &str,
    code: ErrorCode,
    message: String,
    help: &str,
) -> crate::Error {
    let yaml = YamlSource::whole_file(Path::new(SITE_FILE), site_text);
    let diagnostic = match logo.declared_at {
        Some(p) => yaml.error_at_position(p.line, p.column, p.len, code, message),
        None => yaml.error(code, message),
    };
    crate::Error::Content(vec![diagnostic.with_help(help)])
}

/// At most this many components: every page shows each one, with its uptime bar.
const MAX_COMPONENTS: usize = 1_000;
/// Names (the site's title, components, groups, links): one line on a phone.
const MAX_NAME: usize = 200;
/// Descriptions: a sentence or two.
const MAX_DESCRIPTION: usize = 2_000;

/// A string within `max` characters and free of control characters (a NUL or an escape
/// sequence would make the feeds and badges XML no reader accepts), or an error on it.
fn check_length(
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

/// A valid component id or slug: `[a-z0-9][a-z0-9-]*`.
pub(crate) fn is_valid_id(id: &str) -> bool {
    let mut chars = id.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_lowercase() || c.is_ascii_digit())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
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

    if title.value.trim().is_empty() {
        errors.push(source.error_on(&title, ErrorCode::InvalidValue, "`title` is empty"));
    }
    check_length(source, &title, "`title`", MAX_NAME, &mut errors);
    if let Some(d) = &description {
        check_length(source, d, "`description`", MAX_DESCRIPTION, &mut errors);
    }
    let description = description.map(|d| d.value);
    let base_url = validate_base_url(source, &base_url)
        .map_err(|d| errors.push(d))
        .ok();
    let language = match language {
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
    };
    let time_zone = match time_zone {
        Some(z) => z
            .value
            .parse::<Tz>()
            .map_err(|_| {
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
                )
            })
            .unwrap_or(Tz::UTC),
        None => Tz::UTC,
    };
    let theme = match theme {
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
    };
    let output = match output {
        Some(o) if o.value.trim().is_empty() => {
            errors.push(source.error_on(&o, ErrorCode::InvalidValue, "`output` is empty"));
            PathBuf::new()
        }
        Some(o) => PathBuf::from(o.value),
        None => PathBuf::from("public"),
    };
    let uptime_days = bounded(source, uptime_days, "uptime_days", 1, 365, 90, &mut errors) as u32;
    let feed_entries = bounded(
        source,
        feed_entries,
        "feed_entries",
        1,
        1000,
        50,
        &mut errors,
    ) as usize;
    let uptime_weights = validate_weights(source, uptime_weights, &mut errors);
    let components = validate_components(source, components, &mut errors);
    let links = validate_links(source, links, &mut errors);
    let footer_links = validate_links(source, footer_links, &mut errors);
    let publish = publish
        .into_iter()
        .filter_map(|t| validate_target(source, t).map_err(|d| errors.push(d)).ok())
        .collect();
    let announce = announce
        .into_iter()
        .filter_map(|c| validate_channel(source, c).map_err(|d| errors.push(d)).ok())
        .collect();
    let logo = logo.and_then(|l| validate_logo(source, &l).map_err(|d| errors.push(d)).ok());
    let ingest = ingest.and_then(|i| ingest::validate(source, i, &components, &mut errors));
    let subscribe = subscribe
        .map(|s| subscribe::validate(source, s, &mut errors))
        .unwrap_or_default();
    let accent_color = accent_color.and_then(|c| {
        let hex = c.value.trim();
        let valid = hex.len() == 7
            && hex.starts_with('#')
            && hex[1..].chars().all(|ch| ch.is_ascii_hexdigit());
        if valid {
            Some(hex.to_lowercase())
        } else {
            errors.push(
                source
                    .error_on(
                        &c,
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
    });

    match base_url {
        Some((base_url, host)) if errors.is_empty() => Ok(Site {
            title: title.value,
            base_url,
            host,
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
            search: search.unwrap_or(true),
            publish,
            announce,
            ingest,
            subscribe,
        }),
        _ => Err(errors),
    }
}

fn validate_target(source: &YamlSource<'_>, raw: RawTarget) -> Result<PublishTarget, Diagnostic> {
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
        RawTarget::Folder(RawFolder { path }) => Ok(PublishTarget::Folder(FolderTarget {
            path: PathBuf::from(non_empty(path, "path", "/srv/www/status")?),
        })),
    }
}

fn validate_channel(
    source: &YamlSource<'_>,
    raw: RawChannel,
) -> Result<AnnounceChannel, Diagnostic> {
    let secret = |raw: Spanned<String>| validate_secret_var(source, raw);
    let address = |raw: Option<Spanned<String>>, key: &str, default: &str| match raw {
        Some(raw) => validate_http_address(source, raw, key, default),
        None => Ok(default.to_string()),
    };
    Ok(match raw {
        RawChannel::Webhook(RawUrlEnv { url_env }) => AnnounceChannel::Webhook {
            url: secret(url_env)?,
        },
        RawChannel::Slack(RawUrlEnv { url_env }) => AnnounceChannel::Slack {
            url: secret(url_env)?,
        },
        RawChannel::Discord(RawUrlEnv { url_env }) => AnnounceChannel::Discord {
            url: secret(url_env)?,
        },
        RawChannel::Teams(RawUrlEnv { url_env }) => AnnounceChannel::Teams {
            url: secret(url_env)?,
        },
        RawChannel::Mastodon(RawMastodon {
            instance,
            token_env,
        }) => AnnounceChannel::Mastodon {
            instance: validate_http_address(
                source,
                instance,
                "instance",
                "https://mastodon.social",
            )?,
            token: secret(token_env)?,
        },
        RawChannel::Bluesky(RawBluesky {
            handle,
            password_env,
            service,
        }) => {
            let name = handle.value.trim().trim_start_matches('@').to_string();
            if name.is_empty() || name.contains(char::is_whitespace) || !name.contains('.') {
                return Err(source
                    .error_on(
                        &handle,
                        ErrorCode::InvalidValue,
                        format!("`handle` `{}` is not a Bluesky handle", handle.value),
                    )
                    .with_help("write the account's domain, e.g. `status.example.com`"));
            }
            AnnounceChannel::Bluesky {
                handle: name,
                password: secret(password_env)?,
                service: address(service, "service", "https://bsky.social")?,
            }
        }
        RawChannel::X(RawX { token_env, api }) => AnnounceChannel::X {
            token: secret(token_env)?,
            api: address(api, "api", "https://api.x.com")?,
        },
    })
}

/// An environment variable's name: the error to give if it is unset is made now, while the
/// line it was named on is known.
fn validate_secret_var(
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

fn validate_http_address(
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

fn validate_endpoint(source: &YamlSource<'_>, raw: Spanned<String>) -> Result<String, Diagnostic> {
    match Url::parse(raw.value.trim()) {
        Ok(url) if matches!(url.scheme(), "http" | "https") && url.host_str().is_some() => {
            Ok(raw.value.trim().trim_end_matches('/').to_string())
        }
        _ => Err(source
            .error_on(
                &raw,
                ErrorCode::InvalidValue,
                format!("`endpoint` `{}` is not an http(s) address", raw.value),
            )
            .with_help(
                "write the storage's S3 address, e.g. `https://ACCOUNT.r2.cloudflarestorage.com`",
            )),
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

/// A logo path inside the site folder, of an image type browsers show.
fn validate_logo(source: &YamlSource<'_>, raw: &Spanned<String>) -> Result<Logo, Diagnostic> {
    let path = PathBuf::from(raw.value.trim());
    let inside = path.is_relative()
        && path
            .components()
            .all(|c| matches!(c, std::path::Component::Normal(_)));
    if !inside {
        return Err(source
            .error_on(
                raw,
                ErrorCode::InvalidValue,
                format!(
                    "the logo `{}` must be a path inside the site folder",
                    raw.value
                ),
            )
            .with_help("e.g. `logo: assets/logo.svg`"));
    }
    let ext = path
        .extension()
        .map(|e| e.to_string_lossy().to_lowercase())
        .unwrap_or_default();
    if !LOGO_TYPES.contains(&ext.as_str()) {
        return Err(source
            .error_on(
                raw,
                ErrorCode::InvalidValue,
                format!(
                    "the logo `{}` is not an image sitrep can publish",
                    raw.value
                ),
            )
            .with_help(format!("use one of: {}", LOGO_TYPES.join(", "))));
    }
    Ok(Logo {
        source: path,
        bytes: std::sync::Arc::from(Vec::new()),
        declared_at: source.error_on(raw, ErrorCode::Unreadable, "").position,
    })
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

fn validate_components(
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
    let mut components = Vec::with_capacity(raw.value.len());
    for c in raw.value {
        let RawComponent {
            id,
            name,
            description,
            group,
            since,
        } = c;
        if !is_valid_id(&id.value) {
            errors.push(
                source
                    .error_on(&id, ErrorCode::InvalidValue, format!("component id `{}` may only use a-z, 0-9 and `-`, starting with a letter or digit", id.value))
                    .with_help(format!("try `{}`", slug::slugify(&id.value))),
            );
        } else if !seen.insert(id.value.clone()) {
            errors.push(source.error_on(
                &id,
                ErrorCode::DuplicateKey,
                format!("component id `{}` is used twice", id.value),
            ));
        }
        if name.value.trim().is_empty() {
            errors.push(source.error_on(
                &name,
                ErrorCode::InvalidValue,
                "component `name` is empty",
            ));
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
        components.push(Component {
            id: id.value,
            name: name.value,
            description,
            group: group.filter(|g| !g.trim().is_empty()),
            since,
        });
    }
    components
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
mod tests {
    use super::*;

    const MINIMAL: &str = "title: Example Status\nbase_url: https://status.example.com\ncomponents:\n  - id: web\n    name: Website\n";

    fn parse_str(text: &str) -> Result<Site, Vec<Diagnostic>> {
        parse(Path::new("site.yaml"), text)
    }

    /// Each error of an invalid site.yaml as `LOCATION MESSAGE / HELP`.
    fn located_errors(text: &str) -> Vec<String> {
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
    fn publish_targets_take_the_documented_shape() {
        let text = format!(
            "{MINIMAL}publish:\n  - s3: {{ bucket: status, prefix: /site/, endpoint: \"https://x.r2.cloudflarestorage.com/\", region: auto }}\n  - git: {{ remote: \"git@github.com:example/status.git\" }}\n  - folder: {{ path: /srv/www/status }}\n"
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

    #[test]
    fn announce_channels_take_the_documented_shape() {
        let text = format!(
            "{MINIMAL}announce:\n  - webhook: {{ url_env: STATUS_WEBHOOK_URL }}\n  - slack: {{ url_env: SLACK_WEBHOOK_URL }}\n  - discord: {{ url_env: DISCORD_WEBHOOK_URL }}\n  - teams: {{ url_env: TEAMS_WEBHOOK_URL }}\n  - mastodon: {{ instance: \"https://mastodon.example/\", token_env: MASTODON_TOKEN }}\n  - bluesky: {{ handle: status.example.com, password_env: BLUESKY_APP_PASSWORD, service: \"https://bsky.social\" }}\n  - x: {{ token_env: X_TOKEN, api: \"https://api.x.com\" }}\n  - x: {{ token_env: X_TOKEN_2 }}\n"
        );
        let site = parse_str(&text).expect("valid");
        let names: Vec<String> = site
            .announce
            .iter()
            .map(|c| match c {
                AnnounceChannel::Webhook { url }
                | AnnounceChannel::Slack { url }
                | AnnounceChannel::Discord { url }
                | AnnounceChannel::Teams { url } => url.name.clone(),
                AnnounceChannel::Mastodon { instance, token } => {
                    format!("{instance} {}", token.name)
                }
                AnnounceChannel::Bluesky {
                    handle,
                    password,
                    service,
                } => format!("{handle} {} {service}", password.name),
                AnnounceChannel::X { token, api } => format!("{} {api}", token.name),
            })
            .collect();
        assert_eq!(
            names,
            [
                "STATUS_WEBHOOK_URL",
                "SLACK_WEBHOOK_URL",
                "DISCORD_WEBHOOK_URL",
                "TEAMS_WEBHOOK_URL",
                "https://mastodon.example MASTODON_TOKEN",
                "status.example.com BLUESKY_APP_PASSWORD https://bsky.social",
                "X_TOKEN https://api.x.com",
                "X_TOKEN_2 https://api.x.com",
            ]
        );
        let AnnounceChannel::Slack { url } = &site.announce[1] else {
            panic!("slack");
        };
        assert_eq!(
            url.resolve(&|_| Some(" https://hooks.slack.test/x ".into())),
            Ok("https://hooks.slack.test/x".into())
        );
        let unset = url.resolve(&|_| None).expect_err("unset");
        assert_eq!(unset.location(), "site.yaml:8:23");
        assert_eq!(
            unset.message,
            "the environment variable `SLACK_WEBHOOK_URL` is not set"
        );
    }

    #[test]
    fn announce_mistakes_are_located_with_a_suggestion() {
        let errors = |announce: &str| located_errors(&format!("{MINIMAL}announce:\n{announce}"));
        assert_eq!(
            errors("  - mastodn: { instance: \"https://m.example\", token_env: T }\n"),
            ["site.yaml:7:5 unknown value `mastodn` / did you mean `mastodon`?"]
        );
        assert_eq!(
            errors("  - slack: { url: https://hooks.slack.com/x }\n"),
            [
                "site.yaml:7:14 unknown key `url` / expected one of `url_env`",
                "site.yaml:7:14 missing required key `url_env` / add `url_env:`"
            ]
        );
        let secret_in_yaml = errors("  - slack: { url_env: \"https://hooks.slack.com/x\" }\n");
        assert_eq!(secret_in_yaml.len(), 1);
        assert!(secret_in_yaml[0].contains("is not the name of an environment variable"));
        assert!(secret_in_yaml[0].contains("the secret itself never goes in site.yaml"));
        assert_eq!(
            errors("  - x: { token_env: X, api: \"api.x.com\" }\n"),
            [
                "site.yaml:7:29 `api` `api.x.com` is not an http(s) address / e.g. `api: \"https://api.x.com\"`"
            ]
        );
    }

    #[test]
    fn ingest_takes_the_documented_shape() {
        let text = format!(
            "{MINIMAL}ingest:\n  token_env: SITREP_INGEST_TOKEN\n  rules:\n    - match: {{ alertname: HostDown, instance: \"stable:9100\", port: 9100 }}\n      component: web\n      status: major_outage\n      title: \"Web is unreachable\"\n      after: 2m\n      publish: false\n      on_resolve: resolved\n    - match: {{ monitor: Web }}\n      component: web\n      status: partial_outage\n"
        );
        let site = parse_str(&text).expect("valid");
        let ingest = site.ingest.expect("ingest");
        assert_eq!(ingest.token.name, "SITREP_INGEST_TOKEN");
        let [first, second] = &ingest.rules[..] else {
            panic!("two rules");
        };
        assert_eq!(first.matches["instance"], "stable:9100");
        assert_eq!(first.matches["port"], "9100");
        assert_eq!(first.status, crate::model::ComponentStatus::MajorOutage);
        assert_eq!(first.after, chrono::Duration::seconds(120));
        assert_eq!(first.on_resolve, crate::model::UpdateStatus::Resolved);
        assert_eq!(first.title.as_deref(), Some("Web is unreachable"));
        assert_eq!(second.after, chrono::Duration::zero());
        assert_eq!(second.on_resolve, crate::model::UpdateStatus::Monitoring);
        assert!(!second.publish);
    }

    #[test]
    fn ingest_mistakes_are_located_with_a_suggestion() {
        let errors = |ingest: &str| located_errors(&format!("{MINIMAL}ingest:\n{ingest}"));
        assert_eq!(
            errors("  token_env: T\n  rulse: []\n"),
            ["site.yaml:8:3 unknown key `rulse` / did you mean `rules`?"]
        );
        assert_eq!(
            errors(
                "  token_env: T\n  rules:\n    - match: { a: b }\n      component: wbe\n      status: major_outgae\n      after: 2 minutes\n      on_resolve: resolve\n      titel: x\n"
            ),
            [
                "site.yaml:14:7 unknown key `titel` / did you mean `title`?",
                "site.yaml:10:18 unknown component `wbe` / did you mean `web`?",
                "site.yaml:11:15 unknown component status `major_outgae` / did you mean `major_outage`?",
                "site.yaml:12:14 `after` `2 minutes` is not a duration / write e.g. `30s`, `2m`, `1h` or `1h30m`, at most 24h",
                "site.yaml:13:19 `on_resolve` `resolve` is not `monitoring` or `resolved` / did you mean `resolved`?",
            ]
        );
        let empty_match = errors(
            "  token_env: T\n  rules:\n    - match: {}\n      component: web\n      status: operational\n",
        );
        assert_eq!(empty_match.len(), 2, "{empty_match:?}");
        assert!(empty_match[0].starts_with("site.yaml:9:14 `match` names no label"));
        assert!(empty_match[1].contains("`operational` would say nothing is wrong"));
        assert!(
            errors("  token_env: \"s3cr3t-token!\"\n")[0]
                .contains("is not the name of an environment variable")
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
