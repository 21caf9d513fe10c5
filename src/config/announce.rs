//! site.yaml's `announce:` list: where `sitrep announce` tells every update, and which
//! events each channel is for (docs/announcing.md).

use lettre::message::Mailbox;
use serde::Deserialize;
use serde_saphyr::Spanned;

use super::secret::{SecretVar, validate_secret_var};
use super::{Component, validate_http_address};
use crate::error::{Diagnostic, ErrorCode};
use crate::suggest;
use crate::yaml::{YamlSource, fields_of};

/// One entry of `announce:`: a channel, and the components whose events it is told.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Channel {
    pub kind: AnnounceChannel,
    /// Component ids; empty: every event. With ids, the channel is told only events that
    /// affect one of them (docs/announcing.md, "One channel per team").
    pub components: Vec<String>,
}

impl Channel {
    /// Whether an event touching `affected` (component ids) is for this channel.
    pub(crate) fn wants(&self, affected: &[String]) -> bool {
        self.components.is_empty() || affected.iter().any(|id| self.components.contains(id))
    }
}

/// One channel `sitrep announce` posts updates to. Secrets never live in site.yaml: each
/// channel names the environment variables that hold them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum AnnounceChannel {
    /// A receiver of Statuspage's webhook notifications.
    Webhook {
        url: SecretVar,
    },
    /// A Slack incoming webhook.
    Slack {
        url: SecretVar,
    },
    /// A Discord channel webhook.
    Discord {
        url: SecretVar,
    },
    /// A Microsoft Teams workflow ("Post to a channel when a webhook request is received").
    Teams {
        url: SecretVar,
    },
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
        auth: XAuth,
        /// `https://api.x.com` unless given; no trailing slash.
        api: String,
    },
    Email(Box<Email>),
}

impl AnnounceChannel {
    /// The environment variables the channel's secrets are read from, in the order it needs
    /// them.
    pub(crate) fn secret_vars(&self) -> Vec<&SecretVar> {
        match self {
            AnnounceChannel::Webhook { url }
            | AnnounceChannel::Slack { url }
            | AnnounceChannel::Discord { url }
            | AnnounceChannel::Teams { url } => vec![url],
            AnnounceChannel::Mastodon { token, .. } => vec![token],
            AnnounceChannel::Bluesky { password, .. } => vec![password],
            AnnounceChannel::X { auth, .. } => match auth {
                XAuth::Bearer(token) => vec![token],
                XAuth::OAuth1(keys) => vec![
                    &keys.consumer_key,
                    &keys.consumer_secret,
                    &keys.access_token,
                    &keys.access_secret,
                ],
            },
            AnnounceChannel::Email(email) => email
                .login
                .as_ref()
                .map(|(user, password)| vec![user, password])
                .unwrap_or_default(),
        }
    }
}

/// How the X channel signs its posts (docs/announcing.md, "X").
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum XAuth {
    /// An OAuth 2.0 user access token (`token_env`), which expires.
    Bearer(SecretVar),
    /// OAuth 1.0a user context, which does not expire: what bots use.
    OAuth1(Box<OAuth1Keys>),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct OAuth1Keys {
    pub consumer_key: SecretVar,
    pub consumer_secret: SecretVar,
    pub access_token: SecretVar,
    pub access_secret: SecretVar,
}

/// An SMTP server that sends every update to a list of addresses (a mailing list, usually).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Email {
    pub server: String,
    pub port: u16,
    pub tls: SmtpTls,
    pub from: Mailbox,
    pub to: Vec<Mailbox>,
    /// The user and password variables, when the server wants a login.
    pub login: Option<(SecretVar, SecretVar)>,
}

/// How the SMTP session is encrypted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SmtpTls {
    /// Plain at first, then `STARTTLS` (the submission port, 587), required.
    StartTls,
    /// TLS from the first byte (port 465).
    Tls,
    /// No encryption: only for a relay on the same machine or network.
    None,
}

impl SmtpTls {
    const NAMES: [&'static str; 3] = ["starttls", "tls", "none"];

    fn parse(name: &str) -> Option<SmtpTls> {
        match name {
            "starttls" => Some(SmtpTls::StartTls),
            "tls" => Some(SmtpTls::Tls),
            "none" => Some(SmtpTls::None),
            _ => None,
        }
    }

    fn default_port(self) -> u16 {
        match self {
            SmtpTls::StartTls => 587,
            SmtpTls::Tls => 465,
            SmtpTls::None => 25,
        }
    }
}

/// `- slack: {…}`, `- mastodon: {…}`, …: one key naming the kind of channel.
#[derive(Deserialize)]
#[serde(rename_all = "lowercase")]
pub(super) enum RawChannel {
    Webhook(RawUrlEnv),
    Slack(RawUrlEnv),
    Discord(RawUrlEnv),
    Teams(RawUrlEnv),
    Mastodon(RawMastodon),
    Bluesky(RawBluesky),
    X(Spanned<RawX>),
    Email(Spanned<RawEmail>),
}

/// Components a channel is for, on any kind of channel.
type RawComponents = Option<Spanned<Vec<Spanned<String>>>>;

#[derive(Deserialize)]
pub(super) struct RawUrlEnv {
    url_env: Spanned<String>,
    #[serde(default)]
    components: RawComponents,
}

#[derive(Deserialize)]
pub(super) struct RawMastodon {
    instance: Spanned<String>,
    token_env: Spanned<String>,
    #[serde(default)]
    components: RawComponents,
}

#[derive(Deserialize)]
pub(super) struct RawBluesky {
    handle: Spanned<String>,
    password_env: Spanned<String>,
    #[serde(default)]
    service: Option<Spanned<String>>,
    #[serde(default)]
    components: RawComponents,
}

#[derive(Deserialize)]
pub(super) struct RawX {
    #[serde(default)]
    token_env: Option<Spanned<String>>,
    #[serde(default)]
    consumer_key_env: Option<Spanned<String>>,
    #[serde(default)]
    consumer_secret_env: Option<Spanned<String>>,
    #[serde(default)]
    access_token_env: Option<Spanned<String>>,
    #[serde(default)]
    access_secret_env: Option<Spanned<String>>,
    #[serde(default)]
    api: Option<Spanned<String>>,
    #[serde(default)]
    components: RawComponents,
}

#[derive(Deserialize)]
pub(super) struct RawEmail {
    server: Spanned<String>,
    #[serde(default)]
    port: Option<Spanned<i64>>,
    #[serde(default)]
    tls: Option<Spanned<String>>,
    from: Spanned<String>,
    to: Spanned<Vec<Spanned<String>>>,
    #[serde(default)]
    user_env: Option<Spanned<String>>,
    #[serde(default)]
    password_env: Option<Spanned<String>>,
    #[serde(default)]
    components: RawComponents,
}

/// The keys a channel of kind `kind` takes, for unknown-key suggestions.
pub(super) fn fields(kind: &str) -> Option<&'static [&'static str]> {
    match kind {
        "webhook" | "slack" | "discord" | "teams" => Some(fields_of::<RawUrlEnv>()),
        "mastodon" => Some(fields_of::<RawMastodon>()),
        "bluesky" => Some(fields_of::<RawBluesky>()),
        "x" => Some(fields_of::<RawX>()),
        "email" => Some(fields_of::<RawEmail>()),
        _ => None,
    }
}

/// Every channel of `announce:`; the errors go to `errors`.
pub(super) fn validate_all(
    source: &YamlSource<'_>,
    raw: Vec<RawChannel>,
    components: &[Component],
    errors: &mut Vec<Diagnostic>,
) -> Vec<Channel> {
    raw.into_iter()
        .filter_map(|c| validate(source, c, components, errors))
        .collect()
}

/// Validates one entry of `announce:`; its errors go to `errors`.
pub(super) fn validate(
    source: &YamlSource<'_>,
    raw: RawChannel,
    components: &[Component],
    errors: &mut Vec<Diagnostic>,
) -> Option<Channel> {
    let (kind, raw_components) = match validate_kind(source, raw) {
        Ok(valid) => valid,
        Err(d) => {
            errors.push(d);
            return None;
        }
    };
    let routed = validate_components(source, raw_components, components, errors)?;
    Some(Channel {
        kind,
        components: routed,
    })
}

fn validate_kind(
    source: &YamlSource<'_>,
    raw: RawChannel,
) -> Result<(AnnounceChannel, RawComponents), Diagnostic> {
    let secret = |raw: Spanned<String>| validate_secret_var(source, raw);
    let address = |raw: Option<Spanned<String>>, key: &str, default: &str| match raw {
        Some(raw) => validate_http_address(source, raw, key, default),
        None => Ok(default.to_string()),
    };
    // The four channels that are one secret URL each.
    let by_url = |raw: RawUrlEnv, channel: fn(SecretVar) -> AnnounceChannel| {
        Ok::<_, Diagnostic>((channel(secret(raw.url_env)?), raw.components))
    };
    Ok(match raw {
        RawChannel::Webhook(raw) => by_url(raw, |url| AnnounceChannel::Webhook { url })?,
        RawChannel::Slack(raw) => by_url(raw, |url| AnnounceChannel::Slack { url })?,
        RawChannel::Discord(raw) => by_url(raw, |url| AnnounceChannel::Discord { url })?,
        RawChannel::Teams(raw) => by_url(raw, |url| AnnounceChannel::Teams { url })?,
        RawChannel::Mastodon(RawMastodon {
            instance,
            token_env,
            components,
        }) => (
            AnnounceChannel::Mastodon {
                instance: validate_http_address(
                    source,
                    instance,
                    "instance",
                    "https://mastodon.social",
                )?,
                token: secret(token_env)?,
            },
            components,
        ),
        RawChannel::Bluesky(raw) => validate_bluesky(source, raw, &address)?,
        RawChannel::X(mut raw) => {
            let components = raw.value.components.take();
            let api = raw.value.api.take();
            (
                AnnounceChannel::X {
                    auth: validate_x_auth(source, raw)?,
                    api: address(api, "api", "https://api.x.com")?,
                },
                components,
            )
        }
        RawChannel::Email(raw) => validate_email(source, raw)?,
    })
}

type Address<'a> = dyn Fn(Option<Spanned<String>>, &str, &str) -> Result<String, Diagnostic> + 'a;

fn validate_bluesky(
    source: &YamlSource<'_>,
    raw: RawBluesky,
    address: &Address<'_>,
) -> Result<(AnnounceChannel, RawComponents), Diagnostic> {
    let RawBluesky {
        handle,
        password_env,
        service,
        components,
    } = raw;
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
    Ok((
        AnnounceChannel::Bluesky {
            handle: name,
            password: validate_secret_var(source, password_env)?,
            service: address(service, "service", "https://bsky.social")?,
        },
        components,
    ))
}

/// `token_env` (OAuth 2.0), or all four OAuth 1.0a variables: one form, never both.
fn validate_x_auth(source: &YamlSource<'_>, raw: Spanned<RawX>) -> Result<XAuth, Diagnostic> {
    // Where the channel is written, for errors about the whole of it.
    let at = Spanned::new((), raw.referenced, raw.defined);
    let RawX {
        token_env,
        consumer_key_env,
        consumer_secret_env,
        access_token_env,
        access_secret_env,
        ..
    } = raw.value;
    let oauth1 = [
        consumer_key_env,
        consumer_secret_env,
        access_token_env,
        access_secret_env,
    ];
    let given = oauth1.iter().filter(|v| v.is_some()).count();
    let help = "give either `token_env` (an OAuth 2.0 user token, which expires) or all four of `consumer_key_env`, `consumer_secret_env`, `access_token_env` and `access_secret_env` (OAuth 1.0a, which does not)";
    match (token_env, given) {
        (Some(token), 0) => Ok(XAuth::Bearer(validate_secret_var(source, token)?)),
        (None, 4) => {
            let [Some(ck), Some(cs), Some(at), Some(ats)] = oauth1 else {
                return Err(source.error_on(&at, ErrorCode::InvalidValue, help));
            };
            Ok(XAuth::OAuth1(Box::new(OAuth1Keys {
                consumer_key: validate_secret_var(source, ck)?,
                consumer_secret: validate_secret_var(source, cs)?,
                access_token: validate_secret_var(source, at)?,
                access_secret: validate_secret_var(source, ats)?,
            })))
        }
        (Some(token), _) => Err(source
            .error_on(
                &token,
                ErrorCode::InvalidValue,
                "the X channel has both `token_env` and OAuth 1.0a keys",
            )
            .with_help(help)),
        (None, _) => Err(source
            .error_on(
                &at,
                ErrorCode::InvalidValue,
                "the X channel needs `token_env` or all four OAuth 1.0a keys",
            )
            .with_help(help)),
    }
}

fn validate_email(
    source: &YamlSource<'_>,
    raw: Spanned<RawEmail>,
) -> Result<(AnnounceChannel, RawComponents), Diagnostic> {
    let RawEmail {
        server,
        port,
        tls,
        from,
        to,
        user_env,
        password_env,
        components,
    } = raw.value;
    let host = server.value.trim();
    if host.is_empty() || host.contains(['/', ':', ' ']) {
        return Err(source
            .error_on(
                &server,
                ErrorCode::InvalidValue,
                format!("`server` `{}` is not a host name", server.value),
            )
            .with_help("write the SMTP server's name alone, e.g. `server: smtp.example.org`, and its port as `port:`"));
    }
    let tls = smtp_tls(source, tls)?;
    let port = smtp_port(source, port, tls)?;
    let from = mailbox(source, &from, "from")?;
    if to.value.is_empty() {
        return Err(source
            .error_on(&to, ErrorCode::InvalidValue, "`to` lists no address")
            .with_help("e.g. `to: [customers@lists.example.org]`"));
    }
    let to = to
        .value
        .iter()
        .map(|address| mailbox(source, address, "to"))
        .collect::<Result<Vec<_>, _>>()?;
    let login = smtp_login(source, user_env, password_env)?;
    let email = Email {
        server: host.to_string(),
        port,
        tls,
        from,
        to,
        login,
    };
    Ok((AnnounceChannel::Email(Box::new(email)), components))
}

/// `tls:` of an email channel: STARTTLS unless it says otherwise.
fn smtp_tls(source: &YamlSource<'_>, tls: Option<Spanned<String>>) -> Result<SmtpTls, Diagnostic> {
    Ok(match tls {
        None => SmtpTls::StartTls,
        Some(raw) => SmtpTls::parse(raw.value.trim()).ok_or_else(|| {
            source
                .error_on(
                    &raw,
                    ErrorCode::InvalidValue,
                    format!(
                        "`tls` `{}` is not one of `starttls`, `tls`, `none`",
                        raw.value
                    ),
                )
                .with_help(
                    suggest::help_for(raw.value.trim(), SmtpTls::NAMES).unwrap_or_else(|| {
                        "`starttls` for port 587, `tls` for 465, `none` only for a local relay"
                            .into()
                    }),
                )
        })?,
    })
}

/// `port:` of an email channel: the usual port of its `tls:` unless given.
fn smtp_port(
    source: &YamlSource<'_>,
    port: Option<Spanned<i64>>,
    tls: SmtpTls,
) -> Result<u16, Diagnostic> {
    Ok(match port {
        None => tls.default_port(),
        Some(raw) => u16::try_from(raw.value)
            .ok()
            .filter(|p| *p > 0)
            .ok_or_else(|| {
                source
                    .error_on(
                        &raw,
                        ErrorCode::InvalidValue,
                        format!("`port` {} is not a TCP port", raw.value),
                    )
                    .with_help("e.g. `port: 587` (STARTTLS) or `port: 465` (TLS)")
            })?,
    })
}

/// `user_env:` and `password_env:` of an email channel: both or neither.
fn smtp_login(
    source: &YamlSource<'_>,
    user_env: Option<Spanned<String>>,
    password_env: Option<Spanned<String>>,
) -> Result<Option<(SecretVar, SecretVar)>, Diagnostic> {
    Ok(match (user_env, password_env) {
        (Some(user), Some(password)) => Some((
            validate_secret_var(source, user)?,
            validate_secret_var(source, password)?,
        )),
        (None, None) => None,
        (Some(one), None) | (None, Some(one)) => {
            return Err(source
                .error_on(
                    &one,
                    ErrorCode::InvalidValue,
                    "a login needs both `user_env` and `password_env`",
                )
                .with_help("give both, or neither for a server that takes mail without a login"));
        }
    })
}

/// `Name <address>` or a bare address.
fn mailbox(
    source: &YamlSource<'_>,
    raw: &Spanned<String>,
    key: &str,
) -> Result<Mailbox, Diagnostic> {
    // lettre's own reason ("Invalid input") says less than the example does.
    raw.value.trim().parse::<Mailbox>().map_err(|_| {
        source
            .error_on(
                raw,
                ErrorCode::InvalidValue,
                format!("`{key}` `{}` is not an email address", raw.value),
            )
            .with_help("e.g. `\"Status <status@example.org>\"` or `customers@lists.example.org`")
    })
}

/// The channel's `components:`, each a declared component.
fn validate_components(
    source: &YamlSource<'_>,
    raw: RawComponents,
    components: &[Component],
    errors: &mut Vec<Diagnostic>,
) -> Option<Vec<String>> {
    let Some(raw) = raw else {
        return Some(Vec::new());
    };
    if raw.value.is_empty() {
        errors.push(
            source
                .error_on(&raw, ErrorCode::InvalidValue, "`components` lists no component")
                .with_help("name the components whose events this channel is for, or leave `components` out for every event"),
        );
        return None;
    }
    let mut valid = true;
    let mut ids = Vec::new();
    for id in &raw.value {
        let name = id.value.trim();
        if components.iter().any(|c| c.id == name) {
            ids.push(name.to_string());
            continue;
        }
        valid = false;
        let known = components.iter().map(|c| c.id.as_str());
        errors.push(
            source
                .error_on(
                    id,
                    ErrorCode::InvalidValue,
                    format!("unknown component `{name}`"),
                )
                .with_help(
                    suggest::help_for(name, known)
                        .unwrap_or_else(|| "name a component declared under `components:`".into()),
                ),
        );
    }
    valid.then_some(ids)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::tests::{MINIMAL, located_errors, parse_str};

    #[test]
    fn announce_channels_take_the_documented_shape() {
        let text = format!(
            "{MINIMAL}announce:\n  - webhook: {{ url_env: STATUS_WEBHOOK_URL }}\n  - slack: {{ url_env: SLACK_WEBHOOK_URL }}\n  - discord: {{ url_env: DISCORD_WEBHOOK_URL }}\n  - teams: {{ url_env: TEAMS_WEBHOOK_URL }}\n  - mastodon: {{ instance: \"https://mastodon.example/\", token_env: MASTODON_TOKEN }}\n  - bluesky: {{ handle: status.example.com, password_env: BLUESKY_APP_PASSWORD, service: \"https://bsky.social\" }}\n  - x: {{ token_env: X_TOKEN, api: \"https://api.x.com\" }}\n  - x: {{ token_env: X_TOKEN_2 }}\n"
        );
        let site = parse_str(&text).expect("valid");
        let names: Vec<String> = site
            .announce
            .iter()
            .map(|c| match &c.kind {
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
                AnnounceChannel::X {
                    auth: XAuth::Bearer(token),
                    api,
                } => format!("{} {api}", token.name),
                other => panic!("not in the file: {other:?}"),
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
        let AnnounceChannel::Slack { url } = &site.announce[1].kind else {
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
                "site.yaml:7:14 unknown key `url` / expected one of `url_env`, `components`",
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
    fn email_takes_the_documented_shape_with_defaults_by_tls() {
        let text = format!(
            "{MINIMAL}announce:\n  - email: {{ server: smtp.example.org, port: 587, tls: starttls, from: \"Status <status@example.org>\",\n             to: [customers@lists.example.org], user_env: SMTP_USER, password_env: SMTP_PASSWORD }}\n  - email: {{ server: relay.example.org, tls: tls, from: status@example.org, to: [a@example.org, \"Ops <ops@example.org>\"] }}\n"
        );
        let site = parse_str(&text).expect("valid");
        let AnnounceChannel::Email(first) = &site.announce[0].kind else {
            panic!("email");
        };
        assert_eq!(
            (first.server.as_str(), first.port, first.tls),
            ("smtp.example.org", 587, SmtpTls::StartTls)
        );
        assert_eq!(first.from.to_string(), "Status <status@example.org>");
        assert_eq!(first.to[0].email.to_string(), "customers@lists.example.org");
        let names: Vec<&str> = site.announce[0]
            .kind
            .secret_vars()
            .iter()
            .map(|v| v.name.as_str())
            .collect();
        assert_eq!(names, ["SMTP_USER", "SMTP_PASSWORD"]);
        let AnnounceChannel::Email(second) = &site.announce[1].kind else {
            panic!("email");
        };
        assert_eq!(
            (second.port, second.tls, second.to.len()),
            (465, SmtpTls::Tls, 2)
        );
        assert!(second.login.is_none());
        assert!(site.announce[1].kind.secret_vars().is_empty());
    }

    #[test]
    fn email_mistakes_are_located_with_a_suggestion() {
        let errors = |announce: &str| located_errors(&format!("{MINIMAL}announce:\n{announce}"));
        assert_eq!(
            errors(
                "  - email: { server: smtp.example.org, tls: starttsl, from: s@example.org, to: [c@example.org] }\n"
            ),
            [
                "site.yaml:7:45 `tls` `starttsl` is not one of `starttls`, `tls`, `none` / did you mean `starttls`?"
            ]
        );
        let from = errors(
            "  - email: { server: smtp.example.org, from: \"Status\", to: [c@example.org] }\n",
        );
        assert_eq!(from.len(), 1, "{from:?}");
        assert!(
            from[0].starts_with("site.yaml:7:46 `from` `Status` is not an email address / e.g."),
            "{from:?}"
        );
        assert_eq!(
            errors("  - email: { server: smtp.example.org, from: s@example.org, to: [] }\n"),
            ["site.yaml:7:65 `to` lists no address / e.g. `to: [customers@lists.example.org]`"]
        );
        assert_eq!(
            errors(
                "  - email: { server: smtp.example.org, from: s@example.org, to: [c@example.org], user_env: U }\n"
            ),
            [
                "site.yaml:7:92 a login needs both `user_env` and `password_env` / give both, or neither for a server that takes mail without a login"
            ]
        );
        assert_eq!(
            errors(
                "  - email: { server: \"smtp.example.org:587\", from: s@example.org, to: [c@example.org] }\n"
            ),
            [
                "site.yaml:7:22 `server` `smtp.example.org:587` is not a host name / write the SMTP server's name alone, e.g. `server: smtp.example.org`, and its port as `port:`"
            ]
        );
        assert_eq!(
            errors(
                "  - email: { server: smtp.example.org, port: 70000, from: s@example.org, to: [c@example.org] }\n"
            ),
            [
                "site.yaml:7:46 `port` 70000 is not a TCP port / e.g. `port: 587` (STARTTLS) or `port: 465` (TLS)"
            ]
        );
        assert_eq!(
            errors(
                "  - email: { server: smtp.example.org, form: s@example.org, to: [c@example.org] }\n"
            )[0],
            "site.yaml:7:40 unknown key `form` / did you mean `from`?"
        );
    }

    #[test]
    fn x_takes_oauth1_keys_or_a_token_never_both_or_half() {
        let text = format!(
            "{MINIMAL}announce:\n  - x: {{ consumer_key_env: X_CK, consumer_secret_env: X_CS, access_token_env: X_AT, access_secret_env: X_AS }}\n"
        );
        let site = parse_str(&text).expect("valid");
        let AnnounceChannel::X {
            auth: XAuth::OAuth1(keys),
            api,
        } = &site.announce[0].kind
        else {
            panic!("x with OAuth 1.0a");
        };
        assert_eq!(api, "https://api.x.com");
        assert_eq!(
            [
                &keys.consumer_key,
                &keys.consumer_secret,
                &keys.access_token,
                &keys.access_secret
            ]
            .map(|v| v.name.as_str()),
            ["X_CK", "X_CS", "X_AT", "X_AS"]
        );
        let errors = |announce: &str| located_errors(&format!("{MINIMAL}announce:\n{announce}"));
        let half = errors("  - x: { consumer_key_env: X_CK, access_token_env: X_AT }\n");
        assert_eq!(half.len(), 1, "{half:?}");
        assert!(
            half[0].starts_with(
                "site.yaml:7:8 the X channel needs `token_env` or all four OAuth 1.0a keys"
            ),
            "{half:?}"
        );
        let both = errors("  - x: { token_env: X_TOKEN, consumer_key_env: X_CK }\n");
        assert!(
            both[0].starts_with(
                "site.yaml:7:21 the X channel has both `token_env` and OAuth 1.0a keys"
            ),
            "{both:?}"
        );
    }

    #[test]
    fn any_channel_may_be_for_some_components_named_as_declared() {
        let site_yaml = "title: Example Status\nbase_url: https://status.example.com\ncomponents:\n  - id: web\n    name: Website\n  - id: db\n    name: Database\n";
        let text = format!(
            "{site_yaml}announce:\n  - slack: {{ url_env: S, components: [db] }}\n  - webhook: {{ url_env: W }}\n"
        );
        let site = parse_str(&text).expect("valid");
        assert_eq!(site.announce[0].components, ["db"]);
        assert!(site.announce[0].wants(&["web".into(), "db".into()]));
        assert!(!site.announce[0].wants(&["web".into()]));
        assert!(site.announce[1].components.is_empty());
        assert!(site.announce[1].wants(&["web".into()]));
        let errors = located_errors(&format!(
            "{site_yaml}announce:\n  - discord: {{ url_env: D, components: [dbb] }}\n  - slack: {{ url_env: S, components: [] }}\n"
        ));
        assert_eq!(
            errors,
            [
                "site.yaml:9:41 unknown component `dbb` / did you mean `db`?",
                "site.yaml:10:38 `components` lists no component / name the components whose events this channel is for, or leave `components` out for every event"
            ]
        );
    }
}
