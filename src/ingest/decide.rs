//! The decision, pure: alerts, rules, what earlier alerts did, and now → what to write, and
//! a log line for everything that writes nothing (docs/ingesting.md, "What happens").

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use chrono::{DateTime, Utc};

use super::Decision;
use super::sources::Alert;
use super::state::{Group, State};
use crate::config::{Component, IngestRule};
use crate::model::{ComponentStatus, UpdateStatus};

/// What the alerts call for.
#[derive(Debug)]
pub(crate) struct Plan {
    /// The record as it is once every write is made.
    pub state: State,
    pub writes: Vec<Write>,
    /// What writes nothing, and why.
    pub notes: Vec<Decision>,
}

/// One file to write.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Write {
    /// A new incident for the group.
    Open {
        group: String,
        title: String,
        message: String,
        components: Vec<(String, ComponentStatus)>,
        rules: Vec<usize>,
        publish: bool,
    },
    /// An update appended to the group's incident.
    Append {
        group: String,
        status: UpdateStatus,
        message: String,
        components: Vec<(String, ComponentStatus)>,
        /// The update clears the incident (its `on_resolve`), rather than adding a component.
        clears: bool,
    },
}

impl Write {
    pub(crate) fn group(&self) -> &str {
        match self {
            Write::Open { group, .. } | Write::Append { group, .. } => group,
        }
    }
}

/// An alert that fires, matched to its rule and past its `after:`.
struct Counted<'a> {
    alert: &'a Alert,
    rule: &'a IngestRule,
}

/// Decides for every alert of a payload.
pub(crate) fn decide(
    alerts: &[Alert],
    rules: &[IngestRule],
    components: &[Component],
    state: &State,
    now: DateTime<Utc>,
) -> Plan {
    let mut plan = Plan {
        state: state.clone(),
        writes: Vec::new(),
        notes: Vec::new(),
    };
    let mut groups: BTreeMap<&str, Vec<&Alert>> = BTreeMap::new();
    for alert in alerts {
        groups.entry(alert.group.as_str()).or_default().push(alert);
    }
    for (group, alerts) in groups {
        decide_group(group, &alerts, rules, components, now, &mut plan);
    }
    plan
}

fn decide_group(
    group: &str,
    alerts: &[&Alert],
    rules: &[IngestRule],
    components: &[Component],
    now: DateTime<Utc>,
    plan: &mut Plan,
) {
    let mut counted = Vec::new();
    let mut cleared = Vec::new();
    for &alert in alerts {
        let seen_key = format!("{group} {}", alert.id);
        if !alert.firing {
            plan.state.first_seen.remove(&seen_key);
            cleared.push(alert);
            continue;
        }
        let Some(rule) = rules.iter().find(|r| matches(r, alert)) else {
            plan.notes.push(Decision::Ignored {
                group: group.to_string(),
                why: format!(
                    "no rule matches the alert's labels {}",
                    shown(&alert.labels)
                ),
            });
            continue;
        };
        let started = alert
            .starts_at
            .unwrap_or_else(|| *plan.state.first_seen.entry(seen_key.clone()).or_insert(now));
        let fired_for = now - started;
        if fired_for < rule.after {
            plan.notes.push(Decision::NotYet {
                group: group.to_string(),
                rule: rule.number,
                seconds_left: (rule.after - fired_for).num_seconds().max(1),
            });
            continue;
        }
        plan.state.first_seen.remove(&seen_key);
        counted.push(Counted { alert, rule });
    }
    let open = plan.state.open(group).cloned();
    match open {
        Some(open) => continue_group(group, open, &counted, &cleared, components, now, plan),
        None => open_group(group, &counted, &cleared, components, now, plan),
    }
}

/// Every label the rule gives must be equal.
fn matches(rule: &IngestRule, alert: &Alert) -> bool {
    rule.matches
        .iter()
        .all(|(k, v)| alert.labels.get(k) == Some(v))
}

fn shown(labels: &BTreeMap<String, String>) -> String {
    let pairs: Vec<String> = labels.iter().map(|(k, v)| format!("{k}={v:?}")).collect();
    format!("{{{}}}", pairs.join(", "))
}

/// The worst status each component gets from the alerts that count.
fn component_statuses(counted: &[&Counted<'_>]) -> Vec<(String, ComponentStatus)> {
    let mut worst: BTreeMap<String, ComponentStatus> = BTreeMap::new();
    for c in counted {
        let status = worst
            .entry(c.rule.component.clone())
            .or_insert(c.rule.status);
        *status = (*status).max(c.rule.status);
    }
    worst.into_iter().collect()
}

fn names(ids: &[(String, ComponentStatus)], components: &[Component]) -> String {
    let names: Vec<&str> = ids
        .iter()
        .map(|(id, _)| {
            components
                .iter()
                .find(|c| &c.id == id)
                .map_or(id.as_str(), |c| c.name.as_str())
        })
        .collect();
    match names.as_slice() {
        [] => String::new(),
        [one] => (*one).to_string(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

/// No incident open for the group: one opens if an alert counts. Alerts that fired before
/// the group's last incident was cleared are replays of it, and open nothing.
fn open_group(
    group: &str,
    counted: &[Counted<'_>],
    cleared: &[&Alert],
    components: &[Component],
    now: DateTime<Utc>,
    plan: &mut Plan,
) {
    let resolved_at = plan.state.groups.get(group).and_then(|g| g.resolved_at);
    let fresh: Vec<&Counted<'_>> = counted
        .iter()
        .filter(|c| match (resolved_at, c.alert.starts_at) {
            (Some(resolved), Some(started)) => started > resolved,
            _ => true,
        })
        .collect();
    if fresh.len() < counted.len() {
        plan.notes.push(Decision::Unchanged {
            group: group.to_string(),
            why: "a replay of alerts whose incident was already cleared".into(),
        });
    }
    if fresh.is_empty() {
        if !cleared.is_empty() && counted.is_empty() {
            plan.notes.push(Decision::Unchanged {
                group: group.to_string(),
                why: "cleared, and no incident is open for it (it never counted, or was cleared already)".into(),
            });
        }
        return;
    }
    let first = fresh[0];
    let statuses = component_statuses(&fresh);
    let title = first
        .rule
        .title
        .clone()
        .or_else(|| first.alert.summary.clone())
        .or_else(|| first.alert.labels.get("alertname").cloned())
        .unwrap_or_else(|| format!("A problem with {}", names(&statuses, components)));
    let title: String = title.trim().chars().take(200).collect();
    let message = format!(
        "We are investigating a problem affecting {}.",
        names(&statuses, components)
    );
    let mut rules: Vec<usize> = fresh.iter().map(|c| c.rule.number).collect();
    rules.dedup();
    let publish = fresh.iter().any(|c| c.rule.publish);
    plan.state.groups.insert(
        group.to_string(),
        Group {
            path: PathBuf::new(),
            components: statuses
                .iter()
                .map(|(id, s)| (id.clone(), s.to_string()))
                .collect(),
            firing: fresh.iter().map(|c| c.alert.id.clone()).collect(),
            opened_at: now,
            resolved_at: None,
            on_resolve: first.rule.on_resolve.to_string(),
            publish,
        },
    );
    plan.writes.push(Write::Open {
        group: group.to_string(),
        title,
        message,
        components: statuses,
        rules,
        publish,
    });
}

/// `Website is affected too.` for components new to the incident; `Stable is worse: major
/// outage.` for one already in it whose status got worse.
fn growth_message(
    added: &[(String, ComponentStatus)],
    open: &Group,
    components: &[Component],
) -> String {
    let (worse, new): (Vec<_>, Vec<_>) = added
        .iter()
        .cloned()
        .partition(|(id, _)| open.components.contains_key(id));
    let mut sentences = Vec::new();
    if !new.is_empty() {
        sentences.push(format!("{} is affected too.", names(&new, components)));
    }
    for (id, status) in &worse {
        let one = [(id.clone(), *status)];
        sentences.push(format!(
            "{} is worse: {}.",
            names(&one, components),
            status.as_str().replace('_', " ")
        ));
    }
    sentences.join(" ")
}

/// An incident is open for the group: new components are added to it, repeats change
/// nothing, and once every alert that counted has cleared, its `on_resolve` update is added.
fn continue_group(
    group: &str,
    mut open: Group,
    counted: &[Counted<'_>],
    cleared: &[&Alert],
    components: &[Component],
    now: DateTime<Utc>,
    plan: &mut Plan,
) {
    let new: Vec<&Counted<'_>> = counted
        .iter()
        .filter(|c| !open.firing.contains(&c.alert.id))
        .collect();
    for c in &new {
        open.firing.insert(c.alert.id.clone());
    }
    let added: Vec<(String, ComponentStatus)> = component_statuses(&new)
        .into_iter()
        .filter(|(id, status)| {
            open.components
                .get(id)
                .and_then(|s| ComponentStatus::parse(s))
                .is_none_or(|had| *status > had)
        })
        .collect();
    let was_firing = open.firing.clone();
    let ids: BTreeSet<&str> = cleared.iter().map(|a| a.id.as_str()).collect();
    open.firing.retain(|id| !ids.contains(id.as_str()));
    let clears = !was_firing.is_empty() && open.firing.is_empty();
    if !added.is_empty() {
        let message = growth_message(&added, &open, components);
        for (id, status) in &added {
            open.components.insert(id.clone(), status.to_string());
        }
        plan.writes.push(Write::Append {
            group: group.to_string(),
            status: UpdateStatus::Investigating,
            message,
            components: added,
            clears: false,
        });
    }
    if clears {
        open.resolved_at = Some(now);
        let status = UpdateStatus::parse(&open.on_resolve).unwrap_or(UpdateStatus::Monitoring);
        let message = match status {
            UpdateStatus::Resolved => "Our monitoring shows the problem has ended.",
            _ => {
                "Our monitoring shows the problem has stopped; we are watching to make sure it stays fixed."
            }
        };
        let operational = open
            .components
            .keys()
            .map(|id| (id.clone(), ComponentStatus::Operational))
            .collect();
        plan.writes.push(Write::Append {
            group: group.to_string(),
            status,
            message: message.into(),
            components: operational,
            clears: true,
        });
    } else if plan.writes.iter().all(|w| w.group() != group) {
        plan.notes.push(Decision::Unchanged {
            group: group.to_string(),
            why: if open.firing.is_empty() {
                "no alert of its incident is firing".into()
            } else {
                format!(
                    "a repeat; its incident stays open while {} alert{} fire{}",
                    open.firing.len(),
                    if open.firing.len() == 1 { "" } else { "s" },
                    if open.firing.len() == 1 { "s" } else { "" }
                )
            },
        });
    }
    plan.state.groups.insert(group.to_string(), open);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(number: usize, instance: &str, component: &str, status: ComponentStatus) -> IngestRule {
        IngestRule {
            number,
            matches: [("instance".to_string(), instance.to_string())].into(),
            component: component.into(),
            status,
            title: None,
            after: chrono::Duration::zero(),
            publish: false,
            on_resolve: UpdateStatus::Resolved,
        }
    }

    fn alert(instance: &str, firing: bool) -> Alert {
        Alert {
            group: "alertmanager:g".into(),
            id: instance.into(),
            labels: [
                ("alertname".to_string(), "HostDown".to_string()),
                ("instance".to_string(), instance.to_string()),
            ]
            .into(),
            firing,
            starts_at: None,
            summary: None,
        }
    }

    fn component(id: &str, name: &str) -> Component {
        Component {
            id: id.into(),
            name: name.into(),
            description: None,
            group: None,
            since: None,
        }
    }

    /// Decides, then records the incident as written (as `run` does once the file is on disk).
    fn step(alerts: &[Alert], state: &State) -> Plan {
        step_with(
            alerts,
            state,
            rule(3, "z", "web", ComponentStatus::MajorOutage),
        )
    }

    fn step_with(alerts: &[Alert], state: &State, third: IngestRule) -> Plan {
        let rules = [
            rule(1, "a", "stable", ComponentStatus::PartialOutage),
            rule(2, "b", "web", ComponentStatus::MajorOutage),
            third,
        ];
        let components = [component("stable", "Stable"), component("web", "Website")];
        let now = DateTime::parse_from_rfc3339("2026-11-25T14:00:00Z")
            .expect("time")
            .with_timezone(&Utc);
        let mut plan = decide(alerts, &rules, &components, state, now);
        for g in plan.state.groups.values_mut() {
            g.path = PathBuf::from("incidents/x.md");
        }
        plan
    }

    #[test]
    fn a_group_opens_once_grows_and_clears_when_every_alert_has() {
        let opened = step(&[alert("a", true)], &State::default());
        let [
            Write::Open {
                title,
                message,
                components,
                ..
            },
        ] = &opened.writes[..]
        else {
            panic!("{:?}", opened.writes);
        };
        assert_eq!(title, "HostDown");
        assert_eq!(message, "We are investigating a problem affecting Stable.");
        assert_eq!(
            components,
            &[("stable".to_string(), ComponentStatus::PartialOutage)]
        );

        let grown = step(&[alert("a", true), alert("b", true)], &opened.state);
        assert_eq!(
            grown.writes,
            [Write::Append {
                group: "alertmanager:g".into(),
                status: UpdateStatus::Investigating,
                message: "Website is affected too.".into(),
                components: vec![("web".into(), ComponentStatus::MajorOutage)],
                clears: false,
            }]
        );
        let worse_rules = step_with(
            &[alert("a", true), alert("c", true)],
            &grown.state,
            rule(3, "c", "stable", ComponentStatus::MajorOutage),
        );
        let [Write::Append { message, .. }] = &worse_rules.writes[..] else {
            panic!("{:?}", worse_rules.writes);
        };
        assert_eq!(message, "Stable is worse: major outage.");
        let half = step(&[alert("a", false), alert("b", true)], &grown.state);
        assert!(half.writes.is_empty(), "{:?}", half.writes);
        let cleared = step(&[alert("a", false), alert("b", false)], &half.state);
        let [
            Write::Append {
                status,
                components,
                clears: true,
                ..
            },
        ] = &cleared.writes[..]
        else {
            panic!("{:?}", cleared.writes);
        };
        assert_eq!(*status, UpdateStatus::Resolved);
        assert_eq!(
            components,
            &[
                ("stable".to_string(), ComponentStatus::Operational),
                ("web".to_string(), ComponentStatus::Operational)
            ]
        );
        assert!(step(&[alert("a", false)], &cleared.state).writes.is_empty());
        // The group fires again after the clear, with no start time to tell a replay: a new
        // incident.
        let again = step(&[alert("a", true)], &cleared.state);
        assert!(
            matches!(&again.writes[..], [Write::Open { .. }]),
            "{:?}",
            again.writes
        );
    }
}
