//! A cState (Hugo) site read into a [`History`] (docs/importing.md, "cState"): `config.yml`'s
//! `params.systems` and `params.categories`, and `content/issues/*.md`, whose timeline is
//! written in the body by convention (`*Investigating* - text {{< track "time" >}}`). Dates
//! come in the forms real sites use: RFC 3339, with or without an offset or a fraction, with a
//! space for the `T`, with an hour of one digit.

use std::collections::HashSet;
use std::path::Path;

use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;
use serde::Deserialize;

use super::ImportError;
use super::history::{History, PageInfo, SourceComponent, SourceEvent, SourceUpdate};
use crate::model::{ComponentStatus, Kind, UpdateStatus};

#[derive(Debug, Default, Deserialize)]
struct Config {
    title: Option<String>,
    #[serde(rename = "baseURL")]
    base_url: Option<String>,
    #[serde(rename = "timeZone")]
    time_zone: Option<String>,
    #[serde(default)]
    params: Params,
}

#[derive(Debug, Default, Deserialize)]
struct Params {
    #[serde(default)]
    systems: Vec<System>,
}

#[derive(Debug, Deserialize)]
struct System {
    name: String,
    description: Option<String>,
    category: Option<String>,
}

/// An issue's front matter; keys cState does not define (`section`, …) are ignored, as Hugo
/// ignores them.
#[derive(Debug, Deserialize)]
struct Issue {
    title: Option<String>,
    date: Option<serde_json::Value>,
    #[serde(default)]
    resolved: Option<bool>,
    #[serde(rename = "resolvedWhen")]
    resolved_when: Option<serde_json::Value>,
    severity: Option<String>,
    /// `affected:` with its list commented out is empty, not an error.
    #[serde(default)]
    affected: Option<Vec<String>>,
    #[serde(default)]
    informational: Option<bool>,
    /// Hugo's own: a draft is not published.
    #[serde(default)]
    draft: Option<bool>,
}

/// Reads `dir/config.yml` and every `dir/content/issues/*.md`.
pub(crate) fn read(dir: &Path) -> Result<History, ImportError> {
    let config_path = dir.join("config.yml");
    let config_text = read_file(&config_path)?;
    let config: Config = serde_saphyr::from_str(&without_comment_lines(&config_text))
        .map_err(|e| ImportError::source(&config_path.display().to_string(), e.to_string()))?;
    let zone: Tz = config
        .time_zone
        .as_deref()
        .and_then(|z| z.parse().ok())
        .unwrap_or(Tz::UTC);
    let mut history = History {
        page: Some(PageInfo {
            name: config.title.clone().unwrap_or_else(|| "Status".into()),
            url: config.base_url.clone(),
            time_zone: Some(zone.name().to_string()),
        }),
        components: config
            .params
            .systems
            .iter()
            .map(|s| SourceComponent {
                key: s.name.clone(),
                name: s.name.clone(),
                description: s
                    .description
                    .as_deref()
                    .map(|d| d.split_whitespace().collect::<Vec<_>>().join(" "))
                    .filter(|d| !d.is_empty()),
                group: s.category.clone().filter(|c| !c.trim().is_empty()),
            })
            .collect(),
        ..History::default()
    };
    let issues = dir.join("content").join("issues");
    let mut paths: Vec<_> = std::fs::read_dir(&issues)
        .map_err(|e| ImportError::Fetch {
            origin: issues.display().to_string(),
            source: Box::new(e),
        })?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "md") && p.is_file())
        .collect();
    paths.sort();
    let mut known: HashSet<String> = history.components.iter().map(|c| c.key.clone()).collect();
    for path in paths {
        let origin = path
            .strip_prefix(dir)
            .unwrap_or(&path)
            .display()
            .to_string();
        let text = read_file(&path)?;
        let event = issue(&text, &origin, zone, &mut history.lost)?;
        for (key, _) in &event.components {
            if known.insert(key.clone()) {
                history.components.push(SourceComponent {
                    key: key.clone(),
                    name: key.clone(),
                    description: None,
                    group: None,
                });
            }
        }
        history.events.push(event);
    }
    let undeclared = history.components.len() - config.params.systems.len();
    if undeclared > 0 {
        history.lost.push(format!(
            "{undeclared} affected system(s) are not in config.yml's `systems`; each became a component of its own, without a group"
        ));
    }
    Ok(history)
}

/// cState's config.yml is mostly comments (its template explains every key), more in a row
/// than the YAML parser buffers while it looks ahead: whole-line comments are blanked (the
/// line numbers stay) before it is read. cState's own keys hold no `#` lines in block text.
fn without_comment_lines(text: &str) -> String {
    text.lines()
        .map(|line| {
            if line.trim_start().starts_with('#') {
                ""
            } else {
                line
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn read_file(path: &Path) -> Result<String, ImportError> {
    crate::files::read_text(path, crate::files::EVENT_FILE_LIMIT).map_err(|e| ImportError::Fetch {
        origin: path.display().to_string(),
        source: Box::new(e),
    })
}

/// One `content/issues/*.md` file as an event.
fn issue(
    text: &str,
    origin: &str,
    zone: Tz,
    lost: &mut Vec<String>,
) -> Result<SourceEvent, ImportError> {
    let (front, body) = split(text)
        .ok_or_else(|| ImportError::source(origin, "it has no front matter between `---` lines"))?;
    let issue: Issue = serde_saphyr::from_str(front)
        .map_err(|e| ImportError::source(origin, format!("its front matter: {e}")))?;
    let title = issue
        .title
        .clone()
        .filter(|t| !t.trim().is_empty())
        .ok_or_else(|| ImportError::source(origin, "it has no `title`"))?;
    let start = date_of(issue.date.as_ref(), zone)
        .ok_or_else(|| ImportError::source(origin, date_problem("date", issue.date.as_ref())))?;
    let informational = issue.informational == Some(true);
    let kind = if informational {
        Kind::Notice
    } else {
        Kind::Incident
    };
    let status = severity(issue.severity.as_deref(), origin)?;
    let (mut updates, rest) = timeline(body, zone, kind);
    let resolved = issue.resolved == Some(true);
    finish_timeline(
        &mut updates,
        &issue,
        start,
        zone,
        kind,
        resolved,
        origin,
        lost,
    )?;
    let affected = issue.affected.clone().unwrap_or_default();
    if informational && !affected.is_empty() {
        lost.push(format!(
            "{origin}: an informational issue is a notice, which affects no component; its `affected` list is not kept"
        ));
    }
    Ok(SourceEvent {
        key: format!("cstate:{origin}"),
        title: title.trim().to_string(),
        kind,
        impact: None,
        scheduled: None,
        components: if informational {
            Vec::new()
        } else {
            affected
                .iter()
                .map(|a| a.trim().to_string())
                .filter(|a| !a.is_empty())
                .map(|a| (a, status))
                .collect()
        },
        updates,
        body: rest,
        draft: issue.draft == Some(true),
        origin: origin.to_string(),
    })
}

/// The front matter and the body of a Hugo content file (`---` YAML front matter).
fn split(text: &str) -> Option<(&str, &str)> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let rest = text.strip_prefix("---")?.trim_start_matches(['\r', '\n']);
    let end = rest.find("\n---")?;
    let body = rest[end + 4..].trim_start_matches(['-', '\r', '\n']);
    Some((&rest[..end], body))
}

/// cState's severities: `down` is a major outage, `disrupted` a partial one, `notice` (a
/// heads-up that does not stop the system) degraded performance, which is not downtime.
/// Issue front matter is short, so the parser's look-ahead limit is no concern there.
fn severity(text: Option<&str>, origin: &str) -> Result<ComponentStatus, ImportError> {
    match text.map(|s| s.trim().to_ascii_lowercase()).as_deref() {
        Some("down") => Ok(ComponentStatus::MajorOutage),
        Some("disrupted") | None => Ok(ComponentStatus::PartialOutage),
        // `degraded` is no cState severity, but real sites write it (Uberspace's).
        Some("notice" | "degraded") => Ok(ComponentStatus::DegradedPerformance),
        Some(other) => Err(ImportError::source(
            origin,
            format!("unknown severity `{other}` (cState's are down, disrupted and notice)"),
        )),
    }
}

/// Updates from the body's paragraphs that carry a `{{< track "time" >}}`, oldest first; the
/// paragraphs that do not, as the rest of the body (the post-mortem).
fn timeline(body: &str, zone: Tz, kind: Kind) -> (Vec<SourceUpdate>, String) {
    let mut updates = Vec::new();
    let mut rest = Vec::new();
    for paragraph in paragraphs(body) {
        match tracked(&paragraph, zone) {
            Some((at, text)) => {
                let (word, message) = marker(&text);
                updates.push((at, word, message));
            }
            None => rest.push(paragraph),
        }
    }
    updates.sort_by_key(|(at, _, _)| *at);
    let mut previous = None;
    let timeline = updates
        .into_iter()
        .map(|(at, word, message)| {
            let status = word
                .as_deref()
                .and_then(|w| status_word(w, kind))
                .or(previous)
                .unwrap_or(UpdateStatus::allowed_for(kind)[0]);
            previous = Some(status);
            SourceUpdate {
                at,
                status,
                message,
                components: Vec::new(),
            }
        })
        .collect();
    (timeline, rest.join("\n\n"))
}

fn paragraphs(body: &str) -> Vec<String> {
    body.replace("\r\n", "\n")
        .split("\n\n")
        .map(|p| p.trim().to_string())
        .filter(|p| !p.is_empty())
        .collect()
}

/// A paragraph holding `{{< track "time" >}}`: its time, and its text without the shortcode.
fn tracked(paragraph: &str, zone: Tz) -> Option<(DateTime<Utc>, String)> {
    let open = paragraph.find("{{<")?;
    let close = open + paragraph[open..].find(">}}")? + 3;
    let inner = paragraph[open + 3..close - 3].trim();
    let quoted = inner
        .strip_prefix("track")?
        .trim()
        .trim_matches(['"', '\'']);
    let at = parse_date(quoted, zone)?;
    let text = format!("{}{}", &paragraph[..open], &paragraph[close..]);
    Some((at, text.trim().to_string()))
}

/// `*Investigating* - text` or `**Heading**: text`: the marker's word, and the message (a
/// heading that is no status word stays in it, in bold).
fn marker(text: &str) -> (Option<String>, String) {
    for stars in ["**", "*"] {
        let Some(after) = text.strip_prefix(stars) else {
            continue;
        };
        let Some(end) = after.find(stars) else {
            continue;
        };
        let word = after[..end].trim().to_string();
        let message = after[end + stars.len()..]
            .trim_start_matches([' ', ':', '-', '–', '—'])
            .trim()
            .to_string();
        if status_word(&word, Kind::Incident).is_some() || word.eq_ignore_ascii_case("update") {
            let message = if message.is_empty() {
                format!("{word}.")
            } else {
                message
            };
            return (Some(word), message);
        }
        return (None, text.trim().to_string());
    }
    (None, text.trim().to_string())
}

fn status_word(word: &str, kind: Kind) -> Option<UpdateStatus> {
    let status = match word.trim().to_ascii_lowercase().as_str() {
        "investigating" | "just began" => UpdateStatus::Investigating,
        "identified" => UpdateStatus::Identified,
        "monitoring" => UpdateStatus::Monitoring,
        "resolved" | "fixed" | "completed" => UpdateStatus::Resolved,
        _ => return None,
    };
    match kind {
        Kind::Notice => Some(UpdateStatus::allowed_for(kind)[0]),
        _ => Some(status),
    }
}

/// A first update at `date` when the body gave none that early, and the resolution at
/// `resolvedWhen` for a resolved issue whose body does not say so.
#[allow(clippy::too_many_arguments)]
fn finish_timeline(
    updates: &mut Vec<SourceUpdate>,
    issue: &Issue,
    start: DateTime<Utc>,
    zone: Tz,
    kind: Kind,
    resolved: bool,
    origin: &str,
    lost: &mut Vec<String>,
) -> Result<(), ImportError> {
    if updates.first().is_none_or(|u| u.at > start) {
        updates.insert(
            0,
            SourceUpdate {
                at: start,
                status: UpdateStatus::allowed_for(kind)[0],
                message: issue.title.clone().unwrap_or_default().trim().to_string(),
                components: Vec::new(),
            },
        );
    }
    if kind == Kind::Notice || !resolved {
        return Ok(());
    }
    let mut end = match &issue.resolved_when {
        None => updates.last().map_or(start, |u| u.at),
        Some(value) => date_of(Some(value), zone).ok_or_else(|| {
            ImportError::source(origin, date_problem("resolvedWhen", Some(value)))
        })?,
    };
    let latest = updates.last().map_or(start, |u| u.at);
    if end < latest {
        lost.push(format!(
            "{origin}: `resolvedWhen` is before the issue's last update; it is resolved at that update instead"
        ));
        end = latest;
    }
    let several = updates.len() > 1;
    match updates.last_mut() {
        Some(last) if last.status == UpdateStatus::Resolved => {}
        Some(last) if last.at == end && several => last.status = UpdateStatus::Resolved,
        _ => updates.push(SourceUpdate {
            at: end,
            status: UpdateStatus::Resolved,
            message: "Resolved.".into(),
            components: Vec::new(),
        }),
    }
    Ok(())
}

fn date_problem(key: &str, value: Option<&serde_json::Value>) -> String {
    match value {
        None => format!("it has no `{key}`"),
        Some(v) => format!(
            "`{key}: {}` is not a date (write `2024-05-06T10:00:00Z` or `2024-05-06 10:00:00`)",
            v.as_str().map_or_else(|| v.to_string(), str::to_string)
        ),
    }
}

fn date_of(value: Option<&serde_json::Value>, zone: Tz) -> Option<DateTime<Utc>> {
    parse_date(value?.as_str()?, zone)
}

/// The date forms real cState sites use: RFC 3339 (`2024-05-06T10:00:00-00:00`, `…Z`, with a
/// fraction), without an offset (read in `zone`), a space for the `T`, an hour of one digit
/// (`2023-12-04T8:00:00-00:00`), minutes only, or a date alone (midnight).
pub(crate) fn parse_date(text: &str, zone: Tz) -> Option<DateTime<Utc>> {
    let text = text.trim();
    let (date, rest) = text.split_at(text.find([' ', 'T', 't']).unwrap_or(text.len()));
    let date = NaiveDate::parse_from_str(date, "%Y-%m-%d").ok()?;
    let rest = rest.trim_start_matches([' ', 'T', 't']).trim();
    if rest.is_empty() {
        return zone
            .from_local_datetime(&date.and_time(NaiveTime::MIN))
            .earliest()
            .map(|t| t.with_timezone(&Utc));
    }
    let offset_at = rest
        .char_indices()
        .skip(1)
        .find(|(_, c)| matches!(c, 'Z' | 'z' | '+' | '-'))
        .map(|(i, _)| i);
    let (clock, offset) = match offset_at {
        Some(i) => (rest[..i].trim(), Some(rest[i..].trim())),
        None => (rest.trim_end_matches(" UTC"), None),
    };
    let time = parse_clock(clock)?;
    let local = NaiveDateTime::new(date, time);
    match offset {
        None => zone
            .from_local_datetime(&local)
            .earliest()
            .map(|t| t.with_timezone(&Utc)),
        Some(offset) => {
            let text = format!(
                "{}T{}{}",
                date,
                time.format("%H:%M:%S%.f"),
                normal_offset(offset)?
            );
            DateTime::parse_from_rfc3339(&text)
                .ok()
                .map(|t| t.with_timezone(&Utc))
        }
    }
}

fn parse_clock(clock: &str) -> Option<NaiveTime> {
    let mut parts = clock.splitn(3, ':');
    let hour: u32 = parts.next()?.trim().parse().ok()?;
    let minute: u32 = parts.next()?.trim().parse().ok()?;
    let (second, nanos) = match parts.next() {
        None => (0, 0),
        Some(s) => {
            let (whole, fraction) = s.split_once('.').unwrap_or((s, ""));
            let digits: String = fraction.chars().take(9).collect();
            let nanos = if digits.is_empty() {
                0
            } else {
                format!("{digits:0<9}").parse().ok()?
            };
            (whole.trim().parse().ok()?, nanos)
        }
    };
    NaiveTime::from_hms_nano_opt(hour, minute, second, nanos)
}

fn normal_offset(offset: &str) -> Option<String> {
    if offset.eq_ignore_ascii_case("z") {
        return Some("Z".into());
    }
    let (sign, digits) = offset.split_at(1);
    let digits = digits.replace(':', "");
    (digits.len() == 4 && digits.chars().all(|c| c.is_ascii_digit()))
        .then(|| format!("{sign}{}:{}", &digits[..2], &digits[2..]))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text)
            .expect("rfc3339")
            .with_timezone(&Utc)
    }

    /// Every form seen in real cState sites (jenkins-infra/status, status.sr.ht,
    /// uberspace-status, cState's example).
    #[test]
    fn dates_in_every_real_form() {
        let z = Tz::UTC;
        for (text, expected) in [
            ("2022-03-23T14:00:00-00:00", "2022-03-23T14:00:00Z"),
            ("2023-12-04T8:00:00-00:00", "2023-12-04T08:00:00Z"),
            ("2020-06-13 15:54:00", "2020-06-13T15:54:00Z"),
            ("2018-12-29 01:00:00 ", "2018-12-29T01:00:00Z"),
            ("2021-07-20T13:37:00.000Z", "2021-07-20T13:37:00Z"),
            ("2021-07-20T13:37:00.250Z", "2021-07-20T13:37:00.250Z"),
            ("2019-05-20T09:30:00", "2019-05-20T09:30:00Z"),
            ("2019-05-20 9:30", "2019-05-20T09:30:00Z"),
            ("2019-05-20T09:30:00+0200", "2019-05-20T07:30:00Z"),
            ("2019-05-20", "2019-05-20T00:00:00Z"),
        ] {
            assert_eq!(parse_date(text, z), Some(utc(expected)), "{text}");
        }
        let paris: Tz = "Europe/Paris".parse().expect("zone");
        assert_eq!(
            parse_date("2020-06-13 15:54:00", paris),
            Some(utc("2020-06-13T13:54:00Z"))
        );
        for bad in ["", "yesterday", "2019-13-01 10:00", "2019-05-20T25:00:00Z"] {
            assert_eq!(parse_date(bad, z), None, "{bad}");
        }
    }

    #[test]
    fn the_body_convention_becomes_the_timeline_and_the_rest_the_post_mortem() {
        let text = "---\ntitle: Gateway down\ndate: 2018-05-25 04:00:00\nresolved: true\nresolvedWhen: 2018-05-25 06:00:00\n# down, disrupted, notice\nseverity: down\naffected:\n  - Gateway\nsection: issue\n---\n\nWe believe all users can connect again. {{< track \"2018-05-25 05:54:00\" >}}\n\n*Monitoring* - An ISP issue. {{< track \"2018-05-25 04:40:00\" >}}\n\n*Investigating* - Reports of trouble. {{< track \"2018-05-25 04:13:00\" >}}\n\nA note that is no update.\n";
        let mut lost = Vec::new();
        let event = issue(text, "content/issues/x.md", Tz::UTC, &mut lost).expect("read");
        let got: Vec<(String, UpdateStatus, &str)> = event
            .updates
            .iter()
            .map(|u| (crate::time::rfc3339_utc(u.at), u.status, u.message.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                (
                    "2018-05-25T04:00:00Z".into(),
                    UpdateStatus::Investigating,
                    "Gateway down"
                ),
                (
                    "2018-05-25T04:13:00Z".into(),
                    UpdateStatus::Investigating,
                    "Reports of trouble."
                ),
                (
                    "2018-05-25T04:40:00Z".into(),
                    UpdateStatus::Monitoring,
                    "An ISP issue."
                ),
                (
                    "2018-05-25T05:54:00Z".into(),
                    UpdateStatus::Monitoring,
                    "We believe all users can connect again."
                ),
                (
                    "2018-05-25T06:00:00Z".into(),
                    UpdateStatus::Resolved,
                    "Resolved."
                ),
            ]
        );
        assert_eq!(
            event.components,
            [("Gateway".to_string(), ComponentStatus::MajorOutage)]
        );
        assert_eq!(event.body, "A note that is no update.");
    }

    #[test]
    fn a_resolution_dated_before_the_start_is_moved_and_said() {
        let text = "---\ntitle: operation on systempool\ndate: 2023-12-06T9:15:00-00:00\nresolved: true\nresolvedWhen: 2023-12-05T11:15:00-00:00\nseverity: notice\naffected:\n  - all publick8s services\n---\nPlanned.\n";
        let mut lost = Vec::new();
        let event = issue(text, "content/issues/y.md", Tz::UTC, &mut lost).expect("read");
        assert_eq!(event.updates.len(), 2);
        assert_eq!(event.updates[1].at, event.updates[0].at);
        assert_eq!(event.updates[1].status, UpdateStatus::Resolved);
        assert_eq!(event.body, "Planned.");
        assert!(lost[0].contains("`resolvedWhen` is before"), "{lost:?}");
    }

    /// Found by the adversarial pass: a Hugo draft was imported as a published incident.
    #[test]
    fn a_draft_stays_a_draft() {
        let text = "---\ntitle: T\ndate: 2020-01-01\ndraft: true\n---\n";
        let event = issue(text, "content/issues/d.md", Tz::UTC, &mut Vec::new()).expect("read");
        assert!(event.draft);
    }

    #[test]
    fn an_unknown_severity_names_the_file() {
        let text = "---\ntitle: T\ndate: 2020-01-01\nseverity: apocalyptic\n---\n";
        let err =
            issue(text, "content/issues/z.md", Tz::UTC, &mut Vec::new()).expect_err("refused");
        assert_eq!(
            err.to_string(),
            "content/issues/z.md: unknown severity `apocalyptic` (cState's are down, disrupted and notice)"
        );
    }
}
