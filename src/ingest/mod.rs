//! `sitrep ingest` and `sitrep receive`: alerts from monitoring become draft incidents
//! (docs/ingesting.md). Parsers per source ([`sources`], pure), a pure decision ([`decide`])
//! and thin I/O: the files are written through the authoring path (its lock, atomic writes,
//! every file checked as `build` checks it), and what was done is kept in
//! `incidents/.sitrep-ingest.json` ([`state`]) so that repeats change nothing.

pub(crate) mod auth;
mod decide;
pub mod receive;
mod sources;
mod state;

use std::fmt;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};

use crate::Now;
use crate::authoring::new::{self, NewEvent, SlugTaken};
use crate::authoring::update::{self, EventRef, NewUpdate};
use crate::authoring::{self, AuthoringError};
use crate::config::{self, Site};
use crate::error::Error;
use crate::files::{self, Existing};
use crate::model::UpdateStatus;
use decide::Write;
use state::{STATE_PATH, State};

/// The monitoring tools sitrep reads alerts from; each has its endpoint in `sitrep receive`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Source {
    /// Prometheus Alertmanager's webhook, version 4.
    Alertmanager,
    /// Grafana alerting's webhook contact point.
    Grafana,
    /// Uptime Kuma's webhook notification.
    UptimeKuma,
    /// Gatus's custom alerting provider, with the body docs/ingesting.md gives.
    Gatus,
    /// The small documented shape for anything else.
    Generic,
}

impl Source {
    /// Every source, in the order docs/ingesting.md lists them.
    pub const ALL: [Source; 5] = [
        Source::Alertmanager,
        Source::Grafana,
        Source::UptimeKuma,
        Source::Gatus,
        Source::Generic,
    ];

    /// `alertmanager`, `uptime-kuma`, …: the `--source` value and the endpoint's path.
    pub fn as_str(self) -> &'static str {
        match self {
            Source::Alertmanager => "alertmanager",
            Source::Grafana => "grafana",
            Source::UptimeKuma => "uptime-kuma",
            Source::Gatus => "gatus",
            Source::Generic => "generic",
        }
    }

    /// The source named `name`, as [`Source::as_str`] spells it.
    pub fn parse(name: &str) -> Option<Source> {
        Source::ALL.into_iter().find(|s| s.as_str() == name)
    }
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a payload was refused or could not be handled.
#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    /// site.yaml has no `ingest:`, so no alert has a rule.
    #[error(
        "site.yaml has no `ingest:`, so sitrep has no rules for alerts\n  help: add `ingest:` with `token_env:` and `rules:` (docs/ingesting.md)"
    )]
    NotConfigured,
    /// The body is not the source's payload; nothing was written.
    #[error("the body is not {sent_to}'s payload: {reason}")]
    BadPayload {
        /// The endpoint or `--source` it came to.
        sent_to: Source,
        /// What is wrong with it.
        reason: String,
    },
    /// site.yaml or the record has errors, or a file could not be read or written.
    #[error(transparent)]
    Site(#[from] AuthoringError),
}

impl From<Error> for IngestError {
    fn from(e: Error) -> Self {
        IngestError::Site(AuthoringError::Site(e))
    }
}

/// One decision, as `sitrep ingest` and `sitrep receive` log it (one line each).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// A new incident was written for the group.
    Opened {
        /// The alert group (source, then its own key).
        group: String,
        /// The rules that matched, numbered from 1 in site.yaml's `ingest.rules`.
        rules: Vec<usize>,
        /// The incident file, relative to the site folder.
        path: PathBuf,
        /// `id=status` of each component.
        components: Vec<String>,
        /// Written as a draft (`draft: true`).
        draft: bool,
    },
    /// An update was appended to the group's incident.
    Appended {
        /// The alert group.
        group: String,
        /// The incident file.
        path: PathBuf,
        /// The update's status.
        status: String,
        /// `id=status` of each component it changes.
        components: Vec<String>,
    },
    /// Nothing to write: a repeat, a replay, an alert already cleared.
    Unchanged {
        /// The alert group.
        group: String,
        /// Why.
        why: String,
    },
    /// The alert matched a rule whose `after:` has not passed yet.
    NotYet {
        /// The alert group.
        group: String,
        /// The rule, numbered from 1.
        rule: usize,
        /// How long it must go on firing before it counts.
        seconds_left: i64,
    },
    /// No rule matched, or the payload held no alert (a test message, say).
    Ignored {
        /// The alert group, or the source when there is none.
        group: String,
        /// Why.
        why: String,
    },
    /// A file a person changed was left as it is (resolved by hand, removed, broken).
    Kept {
        /// The alert group.
        group: String,
        /// The incident file.
        path: PathBuf,
        /// Why nothing was appended.
        why: String,
    },
}

impl fmt::Display for Decision {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Decision::Opened {
                group,
                rules,
                path,
                components,
                draft,
            } => {
                let rules: Vec<String> = rules.iter().map(usize::to_string).collect();
                write!(
                    f,
                    "{group}: rule {} matched; wrote {} ({}){}",
                    rules.join(", "),
                    path.display(),
                    components.join(", "),
                    if *draft {
                        " as a draft"
                    } else {
                        ", to publish"
                    }
                )
            }
            Decision::Appended {
                group,
                path,
                status,
                components,
            } => write!(
                f,
                "{group}: appended a `{status}` update ({}) to {}",
                components.join(", "),
                path.display()
            ),
            Decision::Unchanged { group, why } => write!(f, "{group}: nothing to change: {why}"),
            Decision::NotYet {
                group,
                rule,
                seconds_left,
            } => write!(
                f,
                "{group}: rule {rule} matched, but counts only after its `after:` ({seconds_left} s to go); nothing written"
            ),
            Decision::Ignored { group, why } => write!(f, "{group}: ignored: {why}"),
            Decision::Kept { group, path, why } => {
                write!(f, "{group}: {} left as it is: {why}", path.display())
            }
        }
    }
}

/// What one payload did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IngestReport {
    /// One per alert group (or payload note), in order.
    pub decisions: Vec<Decision>,
    /// A rule with `publish: true` wrote something: the caller publishes and announces, as
    /// `sitrep new --publish` does.
    pub publish: bool,
}

/// Handles one payload from `source`: parses it (nothing is written if it is not the
/// source's payload), decides, and writes under the authoring lock.
pub fn run(
    root: &Path,
    source: Source,
    body: &[u8],
    now: &Now,
) -> Result<IngestReport, IngestError> {
    let site = config::load(root)?;
    let ingest = site.ingest.clone().ok_or(IngestError::NotConfigured)?;
    let payload = sources::parse(source, body).map_err(|reason| IngestError::BadPayload {
        sent_to: source,
        reason,
    })?;
    let now = now.resolve(site.time_zone)?;
    let mut report = IngestReport::default();
    report
        .decisions
        .extend(payload.notes.into_iter().map(|why| Decision::Ignored {
            group: source.to_string(),
            why,
        }));
    if payload.alerts.is_empty() {
        return Ok(report);
    }
    let _lock = authoring::lock(root)?;
    let before = read_state(root)?;
    let mut plan = decide::decide(
        &payload.alerts,
        &ingest.rules,
        &site.components,
        &before,
        now,
    );
    report.decisions.append(&mut plan.notes);
    let mut state = plan.state.clone();
    for write in &plan.writes {
        let group = write.group().to_string();
        match apply(root, &site, write, &state, now) {
            Ok(Applied::Done(decision, path)) => {
                if let (Some(path), Some(g)) = (path, state.groups.get_mut(&group)) {
                    g.path = path;
                }
                report.publish |= state.groups.get(&group).is_some_and(|g| g.publish);
                report.decisions.push(decision);
            }
            Ok(Applied::Kept(decision)) => report.decisions.push(decision),
            Err(e) => {
                // Leave this group as it was, so the next repeat tries again.
                restore(&mut state, &before, &group);
                report.decisions.push(Decision::Kept {
                    group,
                    path: before
                        .groups
                        .get(write.group())
                        .map(|g| g.path.clone())
                        .unwrap_or_default(),
                    why: format!("could not write: {e}"),
                });
            }
        }
    }
    if state != before {
        authoring::write(
            root,
            Path::new(STATE_PATH),
            &state.to_json(),
            Existing::Replace,
        )?;
    }
    Ok(report)
}

fn restore(state: &mut State, before: &State, group: &str) {
    match before.groups.get(group) {
        Some(g) => state.groups.insert(group.to_string(), g.clone()),
        None => state.groups.remove(group),
    };
}

fn read_state(root: &Path) -> Result<State, IngestError> {
    let path = root.join(STATE_PATH);
    match files::read_text(&path, files::SETTINGS_FILE_LIMIT) {
        Ok(text) => State::parse(&text).map_err(|why| {
            AuthoringError::refused(
                format!("{STATE_PATH} is not a record sitrep can read: {why}"),
                Some("move it away to start afresh (alerts then open new incidents)".into()),
            )
            .into()
        }),
        Err(e) if e.is_not_found() => Ok(State::default()),
        Err(e) => {
            Err(AuthoringError::refused(format!("cannot read {STATE_PATH}: {e}"), None).into())
        }
    }
}

enum Applied {
    /// Written; the path of a new incident.
    Done(Decision, Option<PathBuf>),
    /// Nothing written, for a reason the log gives.
    Kept(Decision),
}

fn specs(components: &[(String, crate::model::ComponentStatus)]) -> Vec<String> {
    components
        .iter()
        .map(|(id, s)| format!("{id}={s}"))
        .collect()
}

fn apply(
    root: &Path,
    site: &Site,
    write: &Write,
    state: &State,
    now: DateTime<Utc>,
) -> Result<Applied, AuthoringError> {
    match write {
        Write::Open {
            group,
            title,
            message,
            components,
            rules,
            publish,
        } => {
            let request = NewEvent {
                title: title.clone(),
                kind: Some("incident".into()),
                components: specs(components),
                message: Some(message.clone()),
                draft: !publish,
                ..NewEvent::default()
            };
            let prepared = new::prepare(site, &request, now)?;
            let authored = new::write_new(root, site, prepared, SlugTaken::NextFree)?;
            Ok(Applied::Done(
                Decision::Opened {
                    group: group.clone(),
                    rules: rules.clone(),
                    path: authored.path.clone(),
                    components: specs(components),
                    draft: !publish,
                },
                Some(authored.path),
            ))
        }
        Write::Append {
            group,
            status,
            message,
            components,
            clears,
        } => {
            let appending = Appending {
                group,
                status: *status,
                message,
                components,
                clears: *clears,
            };
            append(root, site, &appending, state, now)
        }
    }
}

/// A [`Write::Append`], borrowed.
struct Appending<'a> {
    group: &'a str,
    status: UpdateStatus,
    message: &'a str,
    components: &'a [(String, crate::model::ComponentStatus)],
    clears: bool,
}

/// Appends to the group's incident, unless a person has removed, broken or resolved it.
fn append(
    root: &Path,
    site: &Site,
    write: &Appending<'_>,
    state: &State,
    now: DateTime<Utc>,
) -> Result<Applied, AuthoringError> {
    let Appending {
        group,
        status,
        message,
        components,
        clears,
    } = *write;
    let path = state
        .groups
        .get(group)
        .map(|g| g.path.clone())
        .unwrap_or_default();
    let kept = |why: String| {
        Ok(Applied::Kept(Decision::Kept {
            group: group.to_string(),
            path: path.clone(),
            why,
        }))
    };
    let found = match update::find_event(root, site, EventRef::Path(&path)) {
        Ok(found) => found,
        Err(AuthoringError::Refused { message, .. }) => return kept(message),
        Err(other) => return Err(other),
    };
    let latest = found.event.timeline.iter().max_by_key(|u| u.at);
    if clears && latest.is_some_and(|u| u.status == UpdateStatus::Resolved) {
        return kept("a person has resolved it already".into());
    }
    let request = NewUpdate {
        slug: String::new(),
        status: status.to_string(),
        message: message.to_string(),
        components: specs(components),
    };
    let authored = update::append(root, site, found, &request, now)?;
    Ok(Applied::Done(
        Decision::Appended {
            group: group.to_string(),
            path: authored.path,
            status: status.to_string(),
            components: specs(components),
        },
        None,
    ))
}
