//! site.yaml's `ingest:`: the token `sitrep receive` requires and the rules that turn an alert
//! into an incident (docs/ingesting.md, "Rules"). Checked when site.yaml is read, so `check`
//! reports a mistake at its line, with a suggestion, like every other site.yaml error.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_saphyr::Spanned;

use super::Component;
use super::secret::{SecretVar, validate_secret_var};
use crate::error::{Diagnostic, ErrorCode};
use crate::status::{ComponentStatus, UpdateStatus};
use crate::suggest;
use crate::yaml::YamlSource;

/// What `sitrep receive` and `sitrep ingest` do with alerts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Ingest {
    /// The variable holding the bearer token every request to `sitrep receive` must carry.
    pub token: SecretVar,
    /// The variable holding Grafana's HMAC secret; when set, `/grafana` requires a valid
    /// `X-Grafana-Alerting-Signature`.
    pub grafana_secret: Option<SecretVar>,
    /// In file order: the first rule that matches an alert decides for it.
    pub rules: Vec<Rule>,
}

/// One `ingest.rules` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Rule {
    /// Its position in `rules`, counted from 1, for log lines.
    pub number: usize,
    /// Every label given must be equal (no patterns: a rule says exactly what it means).
    pub matches: BTreeMap<String, String>,
    pub component: String,
    /// The component's status while the alert fires.
    pub status: ComponentStatus,
    /// The incident's title; without it, the alert's summary or name.
    pub title: Option<String>,
    /// How long the alert must have fired before it counts.
    pub after: chrono::Duration,
    /// Publish (and announce) the incident instead of leaving a draft.
    pub publish: bool,
    /// The update added when the alert clears: `monitoring` or `resolved`.
    pub on_resolve: UpdateStatus,
}

#[derive(Deserialize)]
pub(super) struct RawIngest {
    token_env: Spanned<String>,
    #[serde(default)]
    grafana_secret_env: Option<Spanned<String>>,
    #[serde(default)]
    rules: Vec<RawRule>,
}

#[derive(Deserialize)]
pub(super) struct RawRule {
    #[serde(rename = "match")]
    matches: Spanned<BTreeMap<String, Spanned<Label>>>,
    component: Spanned<String>,
    status: Spanned<String>,
    #[serde(default)]
    title: Option<Spanned<String>>,
    #[serde(default)]
    after: Option<Spanned<String>>,
    #[serde(default)]
    publish: Option<bool>,
    #[serde(default)]
    on_resolve: Option<Spanned<String>>,
}

/// A label's value as YAML gives it: `port: 9100` is as meant as `port: "9100"`.
#[derive(Deserialize)]
#[serde(untagged)]
enum Label {
    Text(String),
    Integer(i64),
    Boolean(bool),
}

impl Label {
    fn into_text(self) -> String {
        match self {
            Label::Text(t) => t,
            Label::Integer(i) => i.to_string(),
            Label::Boolean(b) => b.to_string(),
        }
    }
}

pub(super) fn fields() -> &'static [&'static str] {
    crate::yaml::fields_of::<RawIngest>()
}

pub(super) fn rule_fields() -> &'static [&'static str] {
    crate::yaml::fields_of::<RawRule>()
}

/// The validated `ingest:`, every problem pushed to `errors`.
pub(super) fn validate(
    source: &YamlSource<'_>,
    raw: RawIngest,
    components: &[Component],
    errors: &mut Vec<Diagnostic>,
) -> Option<Ingest> {
    let RawIngest {
        token_env,
        grafana_secret_env,
        rules,
    } = raw;
    let secret = |raw: Spanned<String>, errors: &mut Vec<Diagnostic>| {
        validate_secret_var(source, raw)
            .map(|mut var| {
                var.unset = var.unset.with_help(format!(
                    "set it before running sitrep receive, e.g. `export {}=$(openssl rand -hex 32)` (docs/ingesting.md)",
                    var.name
                ));
                var
            })
            .map_err(|d| errors.push(d))
            .ok()
    };
    let token = secret(token_env, errors);
    let grafana_secret = grafana_secret_env.and_then(|raw| secret(raw, errors));
    let before = errors.len();
    let rules: Vec<Rule> = rules
        .into_iter()
        .enumerate()
        .filter_map(|(i, rule)| validate_rule(source, i + 1, rule, components, errors))
        .collect();
    (errors.len() == before).then_some(())?;
    Some(Ingest {
        token: token?,
        grafana_secret,
        rules,
    })
}

fn validate_rule(
    source: &YamlSource<'_>,
    number: usize,
    raw: RawRule,
    components: &[Component],
    errors: &mut Vec<Diagnostic>,
) -> Option<Rule> {
    let RawRule {
        matches,
        component,
        status,
        title,
        after,
        publish,
        on_resolve,
    } = raw;
    let before = errors.len();
    if matches.value.is_empty() {
        errors.push(
            source
                .error_on(&matches, ErrorCode::InvalidValue, "`match` names no label")
                .with_help(
                    "name the labels an alert must have, e.g. `match: { alertname: HostDown, instance: \"stable:9100\" }`; a rule matching every alert would turn any alert into an incident",
                ),
        );
    }
    let component_id = validate_component(source, &component, components, errors);
    let status = validate_status(source, &status, errors);
    let after = after.map_or(Some(chrono::Duration::zero()), |raw| {
        validate_after(source, &raw, errors)
    });
    let on_resolve = on_resolve.map_or(Some(UpdateStatus::Monitoring), |raw| {
        validate_on_resolve(source, &raw, errors)
    });
    let title = title.and_then(|t| validate_title(source, &t, errors));
    (errors.len() == before).then_some(())?;
    Some(Rule {
        number,
        matches: matches
            .value
            .into_iter()
            .map(|(k, v)| (k, v.value.into_text()))
            .collect(),
        component: component_id,
        status: status?,
        title,
        after: after?,
        publish: publish.unwrap_or(false),
        on_resolve: on_resolve?,
    })
}

/// The rule's `component`: one declared under `components:`, trimmed.
fn validate_component(
    source: &YamlSource<'_>,
    component: &Spanned<String>,
    components: &[Component],
    errors: &mut Vec<Diagnostic>,
) -> String {
    let component_id = component.value.trim().to_string();
    if !components.iter().any(|c| c.id == component_id) {
        let ids = components.iter().map(|c| c.id.as_str());
        errors.push(
            source
                .error_on(
                    component,
                    ErrorCode::InvalidValue,
                    format!("unknown component `{component_id}`"),
                )
                .with_help(
                    suggest::help_for(&component_id, ids)
                        .unwrap_or_else(|| "name a component declared under `components:`".into()),
                ),
        );
    }
    component_id
}

fn validate_status(
    source: &YamlSource<'_>,
    raw: &Spanned<String>,
    errors: &mut Vec<Diagnostic>,
) -> Option<ComponentStatus> {
    let status = word::<ComponentStatus>(source, raw, errors)?;
    if status == ComponentStatus::Operational {
        errors.push(
            source
                .error_on(
                    raw,
                    ErrorCode::InvalidValue,
                    "`status` is the component's status while the alert fires; `operational` would say nothing is wrong",
                )
                .with_help("write e.g. `major_outage`, `partial_outage` or `degraded_performance`"),
        );
        return None;
    }
    Some(status)
}

fn validate_after(
    source: &YamlSource<'_>,
    raw: &Spanned<String>,
    errors: &mut Vec<Diagnostic>,
) -> Option<chrono::Duration> {
    parse_duration(raw.value.trim()).or_else(|| {
        errors.push(
            source
                .error_on(
                    raw,
                    ErrorCode::InvalidValue,
                    format!("`after` `{}` is not a duration", raw.value),
                )
                .with_help("write e.g. `30s`, `2m`, `1h` or `1h30m`, at most 24h"),
        );
        None
    })
}

fn validate_on_resolve(
    source: &YamlSource<'_>,
    raw: &Spanned<String>,
    errors: &mut Vec<Diagnostic>,
) -> Option<UpdateStatus> {
    match UpdateStatus::parse(raw.value.trim()) {
        Some(s @ (UpdateStatus::Monitoring | UpdateStatus::Resolved)) => Some(s),
        _ => {
            errors.push(
                source
                    .error_on(
                        raw,
                        ErrorCode::InvalidValue,
                        format!(
                            "`on_resolve` `{}` is not `monitoring` or `resolved`",
                            raw.value
                        ),
                    )
                    .with_help(
                        suggest::closest(raw.value.trim(), ["monitoring", "resolved"])
                            .map(|s| format!("did you mean `{s}`?"))
                            .unwrap_or_else(|| "write `monitoring` or `resolved`".into()),
                    ),
            );
            None
        }
    }
}

fn validate_title(
    source: &YamlSource<'_>,
    raw: &Spanned<String>,
    errors: &mut Vec<Diagnostic>,
) -> Option<String> {
    let text = raw.value.trim().to_string();
    if text.is_empty() || text.chars().count() > 200 {
        errors.push(
            source
                .error_on(
                    raw,
                    ErrorCode::InvalidValue,
                    "`title` must be 1–200 characters",
                )
                .with_help("leave it out to take the alert's summary"),
        );
        return None;
    }
    Some(text)
}

fn word<W: crate::status::Word>(
    source: &YamlSource<'_>,
    raw: &Spanned<String>,
    errors: &mut Vec<Diagnostic>,
) -> Option<W> {
    let text = raw.value.trim();
    W::parse(text).or_else(|| {
        errors.push(
            source
                .error_on(
                    raw,
                    ErrorCode::InvalidValue,
                    format!("unknown {} `{text}`", W::NOUN),
                )
                .with_optional_help(suggest::help_for(text, W::names())),
        );
        None
    })
}

/// `30s`, `2m`, `1h30m`: one or more numbers each with `s`, `m` or `h`; at most a day, since
/// an alert that must fire longer than that before it counts is not an alert.
pub(crate) fn parse_duration(text: &str) -> Option<chrono::Duration> {
    let mut total = 0i64;
    let mut number = String::new();
    for c in text.chars() {
        if c.is_ascii_digit() {
            number.push(c);
            continue;
        }
        let unit = match c {
            's' => 1,
            'm' => 60,
            'h' => 3600,
            _ => return None,
        };
        let n: i64 = number.parse().ok()?;
        total = total.checked_add(n.checked_mul(unit)?)?;
        number.clear();
    }
    (number.is_empty() && !text.is_empty() && total <= 86_400)
        .then(|| chrono::Duration::seconds(total))
}

#[cfg(test)]
mod tests {
    use super::parse_duration;
    use crate::config::tests::{MINIMAL, located_errors, parse_str};

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
        assert_eq!(first.status, crate::status::ComponentStatus::MajorOutage);
        assert_eq!(first.after, chrono::Duration::seconds(120));
        assert_eq!(first.on_resolve, crate::status::UpdateStatus::Resolved);
        assert_eq!(first.title.as_deref(), Some("Web is unreachable"));
        assert_eq!(second.after, chrono::Duration::zero());
        assert_eq!(second.on_resolve, crate::status::UpdateStatus::Monitoring);
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
    fn durations_are_go_style() {
        assert_eq!(parse_duration("2m"), Some(chrono::Duration::seconds(120)));
        assert_eq!(
            parse_duration("1h30m"),
            Some(chrono::Duration::seconds(5400))
        );
        assert_eq!(parse_duration("0s"), Some(chrono::Duration::zero()));
        for bad in ["", "2", "m", "2 m", "2d", "25h", "-1s"] {
            assert_eq!(parse_duration(bad), None, "{bad}");
        }
    }
}
