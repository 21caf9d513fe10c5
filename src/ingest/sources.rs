//! Each monitoring tool's payload, parsed into [`Alert`]s: labels that rules match, whether
//! the alert fires, and since when. Pure: bytes in, alerts out (docs/ingesting.md, "Sources";
//! the payload shapes are kept as fixtures under tests/fixtures/ingest/).

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDateTime, Utc};
use serde::Deserialize;

use super::Source;

/// One alert, whatever tool sent it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Alert {
    /// The alert group it belongs to, prefixed with the source (`alertmanager:{}:{…}`): one
    /// incident per group.
    pub group: String,
    /// The alert within its group (Alertmanager's fingerprint, a monitor's id).
    pub id: String,
    pub labels: BTreeMap<String, String>,
    pub firing: bool,
    /// When it started firing, if the tool says.
    pub starts_at: Option<DateTime<Utc>>,
    /// A one-line summary, for a default title.
    pub summary: Option<String>,
}

/// What a payload holds: its alerts, and what it held that is no alert (a test message, a
/// monitor in maintenance), for the log.
#[derive(Debug, Default)]
pub(crate) struct Payload {
    pub alerts: Vec<Alert>,
    pub notes: Vec<String>,
}

/// Parses `body` as `source` sends it; `Err` says what is wrong, for a 400.
pub(crate) fn parse(source: Source, body: &[u8]) -> Result<Payload, String> {
    match source {
        Source::Alertmanager => alertmanager(body, "alertmanager", "4"),
        Source::Grafana => alertmanager(body, "grafana", "1"),
        Source::UptimeKuma => uptime_kuma(body),
        Source::Gatus => gatus(body),
        Source::Generic => generic(body),
    }
}

fn json<'a, T: Deserialize<'a>>(body: &'a [u8]) -> Result<T, String> {
    serde_json::from_slice(body).map_err(|e| format!("not the JSON expected: {e}"))
}

/// Alertmanager's webhook (version 4), and Grafana's, which is the same body with
/// `version: "1"` and a few fields more.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Webhook {
    #[serde(default)]
    version: Option<String>,
    group_key: String,
    alerts: Vec<WebhookAlert>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct WebhookAlert {
    status: String,
    #[serde(default)]
    labels: BTreeMap<String, String>,
    #[serde(default)]
    annotations: BTreeMap<String, String>,
    #[serde(default)]
    starts_at: Option<String>,
    #[serde(default)]
    fingerprint: Option<String>,
}

fn alertmanager(body: &[u8], prefix: &str, version: &str) -> Result<Payload, String> {
    let hook: Webhook = json(body)?;
    if let Some(v) = &hook.version
        && v != version
    {
        return Err(format!(
            "`version` is `{v}`; sitrep reads {prefix}'s webhook version {version}"
        ));
    }
    let mut payload = Payload::default();
    for alert in hook.alerts {
        let firing = match alert.status.as_str() {
            "firing" => true,
            "resolved" => false,
            other => {
                return Err(format!(
                    "an alert's `status` is `{other}`, not `firing` or `resolved`"
                ));
            }
        };
        let starts_at = alert.starts_at.as_deref().and_then(rfc3339);
        let id = alert
            .fingerprint
            .filter(|f| !f.is_empty())
            .unwrap_or_else(|| labels_id(&alert.labels));
        payload.alerts.push(Alert {
            group: format!("{prefix}:{}", hook.group_key),
            id,
            summary: alert.annotations.get("summary").cloned(),
            labels: alert.labels,
            firing,
            starts_at,
        });
    }
    Ok(payload)
}

/// An id for an alert that has no fingerprint: its labels, which identify it.
fn labels_id(labels: &BTreeMap<String, String>) -> String {
    labels
        .iter()
        .map(|(k, v)| format!("{k}={v:?}"))
        .collect::<Vec<_>>()
        .join(",")
}

/// RFC 3339; Go's zero time (`0001-01-01T00:00:00Z`, "not set") is none.
fn rfc3339(text: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text)
        .ok()
        .map(|t| t.with_timezone(&Utc))
        .filter(|t| t.timestamp() > 0)
}

/// Uptime Kuma's webhook notification: `{heartbeat, monitor, msg}`; the test button sends
/// both as null.
#[derive(Deserialize)]
struct Kuma {
    heartbeat: Option<KumaHeartbeat>,
    monitor: Option<KumaMonitor>,
    #[serde(default)]
    msg: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct KumaHeartbeat {
    status: i64,
    #[serde(default)]
    time: Option<String>,
}

#[derive(Deserialize)]
struct KumaMonitor {
    id: serde_json::Value,
    name: String,
    #[serde(default)]
    url: Option<String>,
    #[serde(default)]
    hostname: Option<String>,
    #[serde(default, rename = "type")]
    kind: Option<String>,
}

fn uptime_kuma(body: &[u8]) -> Result<Payload, String> {
    let kuma: Kuma = json(body)?;
    let mut payload = Payload::default();
    let (heartbeat, monitor) = match (kuma.heartbeat, kuma.monitor) {
        (Some(h), Some(m)) => (h, m),
        _ => {
            payload.notes.push(format!(
                "a message without a monitor (the test button?): {}",
                kuma.msg.unwrap_or_default()
            ));
            return Ok(payload);
        }
    };
    let id = match &monitor.id {
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    let firing = match heartbeat.status {
        0 => true,
        1 => false,
        2 => {
            payload.notes.push(format!(
                "monitor `{}` is pending (retrying), not down yet",
                monitor.name
            ));
            return Ok(payload);
        }
        3 => {
            payload.notes.push(format!(
                "monitor `{}` is in maintenance, which is not an outage",
                monitor.name
            ));
            return Ok(payload);
        }
        other => return Err(format!("`heartbeat.status` is {other}, not 0, 1, 2 or 3")),
    };
    let mut labels = BTreeMap::new();
    labels.insert("monitor".to_string(), monitor.name.clone());
    labels.insert("monitor_id".to_string(), id.clone());
    for (key, value) in [
        ("url", monitor.url),
        ("hostname", monitor.hostname),
        ("type", monitor.kind),
    ] {
        if let Some(v) = value.filter(|v| !v.is_empty() && v != "https://") {
            labels.insert(key.to_string(), v);
        }
    }
    payload.alerts.push(Alert {
        group: format!("uptime-kuma:{id}"),
        id,
        labels,
        firing,
        // Uptime Kuma writes heartbeat times in UTC, `YYYY-MM-DD HH:MM:SS.sss`.
        starts_at: heartbeat.time.as_deref().and_then(kuma_time),
        summary: Some(format!("{} is down", monitor.name)),
    });
    Ok(payload)
}

fn kuma_time(text: &str) -> Option<DateTime<Utc>> {
    ["%Y-%m-%d %H:%M:%S%.f", "%Y-%m-%d %H:%M:%S"]
        .iter()
        .find_map(|f| NaiveDateTime::parse_from_str(text, f).ok())
        .map(|t| t.and_utc())
        .or_else(|| rfc3339(text))
}

/// The body docs/ingesting.md gives Gatus's custom alerting provider.
#[derive(Deserialize)]
struct Gatus {
    endpoint: String,
    #[serde(default)]
    group: Option<String>,
    #[serde(default)]
    url: Option<String>,
    status: String,
    #[serde(default)]
    description: Option<String>,
}

fn gatus(body: &[u8]) -> Result<Payload, String> {
    let gatus: Gatus = json(body)?;
    let firing = firing_word(&gatus.status)?;
    let group = gatus.group.filter(|g| !g.is_empty());
    let mut labels = BTreeMap::new();
    labels.insert("endpoint".to_string(), gatus.endpoint.clone());
    if let Some(g) = &group {
        labels.insert("group".to_string(), g.clone());
    }
    if let Some(url) = gatus.url.filter(|u| !u.is_empty()) {
        labels.insert("url".to_string(), url);
    }
    let key = format!("{}/{}", group.as_deref().unwrap_or(""), gatus.endpoint);
    Ok(Payload {
        alerts: vec![Alert {
            group: format!("gatus:{key}"),
            id: key,
            labels,
            firing,
            starts_at: None,
            summary: gatus
                .description
                .filter(|d| !d.trim().is_empty())
                .or_else(|| Some(format!("{} is down", gatus.endpoint))),
        }],
        notes: Vec::new(),
    })
}

/// `firing`/`triggered` or `resolved`, as Gatus's placeholder or a script says it.
fn firing_word(status: &str) -> Result<bool, String> {
    match status.trim().to_ascii_lowercase().as_str() {
        "firing" | "triggered" | "down" => Ok(true),
        "resolved" | "up" => Ok(false),
        other => Err(format!(
            "`status` is `{other}`, not `firing` (or `triggered`) or `resolved`"
        )),
    }
}

/// The generic shape (docs/ingesting.md, "Anything else"): one alert per request.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Generic {
    /// What stays the same from the alert's firing to its clearing.
    key: String,
    status: String,
    #[serde(default)]
    labels: BTreeMap<String, String>,
    #[serde(default)]
    summary: Option<String>,
    #[serde(default)]
    starts_at: Option<String>,
}

fn generic(body: &[u8]) -> Result<Payload, String> {
    let generic: Generic = json(body)?;
    if generic.key.trim().is_empty() {
        return Err("`key` is empty; give what stays the same from firing to resolved".into());
    }
    let starts_at = match &generic.starts_at {
        Some(text) => Some(rfc3339(text).ok_or_else(|| {
            format!("`starts_at` `{text}` is not an RFC 3339 time like 2026-11-25T14:03:00Z")
        })?),
        None => None,
    };
    let mut labels = generic.labels;
    labels
        .entry("key".to_string())
        .or_insert_with(|| generic.key.clone());
    Ok(Payload {
        alerts: vec![Alert {
            group: format!("generic:{}", generic.key),
            id: generic.key,
            labels,
            firing: firing_word(&generic.status)?,
            starts_at,
            summary: generic.summary.filter(|s| !s.trim().is_empty()),
        }],
        notes: Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_zero_time_is_no_time() {
        assert_eq!(rfc3339("0001-01-01T00:00:00Z"), None);
        assert!(rfc3339("2026-11-25T14:03:00.123Z").is_some());
    }

    #[test]
    fn uptime_kuma_statuses() {
        let body = |status: i64| {
            format!(
                r#"{{"heartbeat":{{"monitorID":3,"status":{status},"time":"2026-11-25 14:03:00.120"}},"monitor":{{"id":3,"name":"Web","url":"https://w.test/"}},"msg":"x"}}"#
            )
        };
        let down = parse(Source::UptimeKuma, body(0).as_bytes()).expect("parses");
        assert!(down.alerts[0].firing);
        assert_eq!(down.alerts[0].group, "uptime-kuma:3");
        assert_eq!(down.alerts[0].labels["url"], "https://w.test/");
        assert!(
            !parse(Source::UptimeKuma, body(1).as_bytes())
                .expect("up")
                .alerts[0]
                .firing
        );
        for status in [2, 3] {
            let p = parse(Source::UptimeKuma, body(status).as_bytes()).expect("parses");
            assert!(p.alerts.is_empty() && p.notes.len() == 1);
        }
        assert!(parse(Source::UptimeKuma, body(7).as_bytes()).is_err());
    }

    #[test]
    fn malformed_bodies_say_why() {
        let e = parse(Source::Alertmanager, b"{\"alerts\": 3}").expect_err("bad");
        assert!(e.contains("not the JSON expected"), "{e}");
        let e = parse(
            Source::Alertmanager,
            br#"{"version":"3","groupKey":"g","alerts":[]}"#,
        )
        .expect_err("bad version");
        assert!(e.contains("version 4"), "{e}");
        let e = parse(Source::Generic, br#"{"key":"k","status":"on fire"}"#).expect_err("bad");
        assert!(e.contains("`status` is `on fire`"), "{e}");
    }
}
