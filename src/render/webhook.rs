//! Statuspage's webhook notifications (webhook.md), which the announce webhook channel sends:
//! for each update, an incident notification, then one component notification per component
//! the update changes. Pure: the model in, the typed shapes of [`super::statuspage`] out.

use chrono::{DateTime, Utc};

use super::api::{self, Api};
use super::statuspage::{
    ApiComponent, ComponentNotification, ComponentUpdate, Incident, IncidentNotification, Meta,
    PageStatus, WebhookIncident, WebhookSchedule, WebhookUpdate, to_json,
};
use crate::model::{Event, Kind, Model, Update, UpdateStatus};
use crate::time;

const DOCUMENTATION: &str =
    "https://support.atlassian.com/statuspage/docs/enable-webhook-notifications/";

/// The keys [`notifications`] gives its notifications of the `index`th update, without
/// making them: the update's id, and `ID/COMPONENT` for every declared component it changes.
/// Announce plans with these, and makes the notifications only for what it sends.
pub(crate) fn keys(model: &Model, event: &Event, index: usize) -> Vec<String> {
    let Some(update) = event.timeline.get(index) else {
        return Vec::new();
    };
    let key = event.update_id(update);
    let components: Vec<String> = model
        .timeline(event)
        .changes(index)
        .iter()
        .filter(|change| model.site.component(&change.component).is_some())
        .map(|change| format!("{key}/{}", change.component))
        .collect();
    std::iter::once(key).chain(components).collect()
}

/// The notifications that tell the `index`th update of `event`, each with the key that names
/// it in the announce ledger: the update's id for the incident notification, `ID/COMPONENT`
/// for each component one.
pub(crate) fn notifications(
    model: &Model,
    api: &Api,
    event: &Event,
    index: usize,
) -> Vec<(String, serde_json::Value)> {
    let Some(update) = event.timeline.get(index) else {
        return Vec::new();
    };
    let stamp = |t: DateTime<Utc>| time::rfc3339_in(t, model.site.time_zone);
    let incident = as_it_stood(model, api, event, index, &stamp);
    let page = PageStatus {
        id: api.page.id.clone(),
        status_indicator: api.status.indicator,
        status_description: api.status.description,
    };
    let meta = Meta {
        unsubscribe: model.site.base_url.to_string(),
        documentation: DOCUMENTATION,
        generated_at: stamp(model.now),
    };
    let key = event.update_id(update);
    let changes = model.timeline(event).changes(index);
    let mut out = vec![(
        key.clone(),
        to_json(&IncidentNotification {
            meta: meta.clone(),
            page: page.clone(),
            incident: webhook_incident(model, event, update, index, incident),
        }),
    )];
    for change in changes {
        let Some(component) = api.components.iter().find(|c| c.id == change.component) else {
            continue;
        };
        let notification = ComponentNotification {
            meta: meta.clone(),
            page: page.clone(),
            component: ApiComponent {
                status: change.new.as_str(),
                updated_at: stamp(update.at),
                ..component.clone()
            },
            component_update: ComponentUpdate {
                id: format!("{key}-{}", change.component),
                component_id: change.component.clone(),
                component_type: "component",
                old_status: change.old.as_str(),
                new_status: change.new.as_str(),
                created_at: stamp(update.at),
            },
        };
        out.push((
            format!("{key}/{}", change.component),
            to_json(&notification),
        ));
    }
    out
}

/// The API's incident as it stood when the `index`th update was posted: its updates so far,
/// newest first, and its components as that update left them.
fn as_it_stood(
    model: &Model,
    api: &Api,
    event: &Event,
    index: usize,
    stamp: &dyn Fn(DateTime<Utc>) -> String,
) -> Incident {
    let mut incident = api::incident(model, event, &api.components, stamp);
    let later = event.timeline.len() - 1 - index;
    incident.incident_updates.drain(..later);
    let states = model.timeline(event).states_after(index);
    for component in &mut incident.components {
        if let Some((_, status)) = states.iter().find(|(id, _)| *id == component.id) {
            component.status = status.as_str();
        }
    }
    incident
}

/// The API's incident with the fields webhook receivers read besides (webhook.md).
fn webhook_incident(
    model: &Model,
    event: &Event,
    update: &Update,
    index: usize,
    incident: Incident,
) -> WebhookIncident {
    let stamp = |t: DateTime<Utc>| time::rfc3339_in(t, model.site.time_zone);
    // Times are compared as instants: offsets change with daylight saving time.
    let resolved_at = event
        .end(model.now)
        .filter(|end| *end <= update.at && end_status(update.status))
        .map(stamp);
    let monitoring_at = event
        .timeline
        .iter()
        .find(|u| u.status == UpdateStatus::Monitoring && u.at <= update.at)
        .map(|u| stamp(u.at));
    // The incident's updates so far are newest first, as the timeline's first `index + 1`
    // reversed.
    let told = event.timeline[..=index].iter().rev();
    let incident_updates = incident
        .incident_updates
        .into_iter()
        .zip(told)
        .map(|(u, of)| WebhookUpdate {
            id: u.id,
            status: webhook_status(of.status),
            body: u.body,
            incident_id: u.incident_id,
            created_at: u.created_at,
            updated_at: u.updated_at,
            display_at: u.display_at,
            affected_components: u.affected_components.unwrap_or_default(),
            deliver_notifications: true,
            wants_twitter_update: false,
            twitter_updated_at: None,
            custom_tweet: None,
        })
        .collect();
    let postmortem = !event.body.trim().is_empty();
    let posted = event
        .timeline
        .iter()
        .find(|u| u.status == UpdateStatus::Postmortem)
        .filter(|_| postmortem)
        .map(|u| stamp(u.at));
    let schedule = (event.kind == Kind::Maintenance).then(|| WebhookSchedule {
        scheduled_for: incident.scheduled_for.clone(),
        scheduled_until: incident.scheduled_until.clone(),
        scheduled_remind_prior: false,
        scheduled_reminded_at: None,
        scheduled_auto_in_progress: true,
        scheduled_auto_completed: true,
    });
    WebhookIncident {
        id: incident.id,
        page_id: incident.page_id,
        name: incident.name,
        status: webhook_status(update.status),
        impact: incident.impact,
        impact_override: None,
        created_at: incident.created_at,
        updated_at: stamp(update.at),
        monitoring_at,
        resolved_at,
        started_at: incident.started_at,
        shortlink: incident.shortlink,
        backfilled: false,
        postmortem_body: postmortem.then(|| event.body.clone()),
        postmortem_body_last_updated_at: posted.clone(),
        postmortem_published_at: posted,
        postmortem_ignored: !postmortem,
        postmortem_notified_subscribers: false,
        postmortem_notified_twitter: false,
        incident_updates,
        components: incident.components,
        schedule,
    }
}

/// Whether an update with this status can close its event.
fn end_status(status: UpdateStatus) -> bool {
    matches!(
        status,
        UpdateStatus::Resolved | UpdateStatus::Postmortem | UpdateStatus::Completed
    )
}

/// Statuspage has no notices: receivers know only incident and maintenance statuses. A
/// notice is told as an informational incident (impact `none`) that needs no follow-up,
/// so `posted` and `updated` become `resolved` (docs/announcing.md).
fn webhook_status(status: UpdateStatus) -> &'static str {
    match status {
        UpdateStatus::Posted | UpdateStatus::Updated => "resolved",
        other => other.as_str(),
    }
}
