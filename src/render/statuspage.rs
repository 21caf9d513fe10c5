//! The Statuspage v2 shapes sitrep writes, in one place: the public API's documents
//! (docs/feeds-and-api.md, "Statuspage-compatible JSON API") and the webhook notifications
//! (docs/announcing.md, "Webhook"), serialized by `render::api` and `render::webhook` alike.
//! Every document goes out through [`to_json`], which orders keys as serde_json's map does
//! (alphabetically), so the bytes do not depend on the order fields are declared in.

use serde::Serialize;

#[derive(Serialize)]
pub(crate) struct Page {
    pub id: String,
    pub name: String,
    pub url: String,
    pub time_zone: String,
    pub updated_at: String,
}

#[derive(Serialize)]
pub(crate) struct Status {
    pub indicator: &'static str,
    pub description: &'static str,
}

#[derive(Serialize, Clone)]
pub(crate) struct ApiComponent {
    pub id: String,
    pub name: String,
    pub status: &'static str,
    pub created_at: String,
    pub updated_at: String,
    pub position: usize,
    pub description: Option<String>,
    pub showcase: bool,
    pub start_date: Option<String>,
    pub group_id: Option<String>,
    pub page_id: String,
    pub group: bool,
    pub only_show_if_degraded: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub components: Option<Vec<String>>,
}

#[derive(Serialize, Clone)]
pub(crate) struct AffectedComponent {
    pub code: String,
    pub name: String,
    pub old_status: &'static str,
    pub new_status: &'static str,
}

#[derive(Serialize, Clone)]
pub(crate) struct IncidentUpdate {
    pub id: String,
    pub status: &'static str,
    pub body: String,
    pub incident_id: String,
    pub created_at: String,
    pub updated_at: String,
    pub display_at: String,
    pub affected_components: Option<Vec<AffectedComponent>>,
}

#[derive(Serialize, Clone)]
pub(crate) struct Incident {
    pub id: String,
    pub name: String,
    pub status: &'static str,
    pub created_at: String,
    pub updated_at: String,
    pub monitoring_at: Option<String>,
    pub resolved_at: Option<String>,
    pub impact: &'static str,
    pub shortlink: String,
    pub started_at: String,
    pub page_id: String,
    pub incident_updates: Vec<IncidentUpdate>,
    pub components: Vec<ApiComponent>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scheduled_for: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scheduled_until: Option<String>,
}

/// `summary.json`.
#[derive(Serialize)]
pub(crate) struct Summary<'a> {
    pub page: &'a Page,
    pub components: &'a [ApiComponent],
    pub incidents: &'a [Incident],
    pub scheduled_maintenances: Vec<&'a Incident>,
    pub status: &'a Status,
}

/// `status.json`.
#[derive(Serialize)]
pub(crate) struct StatusDocument<'a> {
    pub page: &'a Page,
    pub status: &'a Status,
}

/// `components.json`.
#[derive(Serialize)]
pub(crate) struct ComponentsDocument<'a> {
    pub page: &'a Page,
    pub components: &'a [ApiComponent],
}

/// `incidents.json` and `incidents/unresolved.json`.
#[derive(Serialize)]
pub(crate) struct IncidentsDocument<'a> {
    pub page: &'a Page,
    pub incidents: &'a [Incident],
}

/// `scheduled-maintenances.json`, `…/upcoming.json` and `…/active.json`.
#[derive(Serialize)]
pub(crate) struct MaintenancesDocument<'a> {
    pub page: &'a Page,
    pub scheduled_maintenances: &'a [Incident],
}

/// A webhook notification's `meta` (webhook.md).
#[derive(Serialize, Clone)]
pub(crate) struct Meta {
    pub unsubscribe: String,
    pub documentation: &'static str,
    pub generated_at: String,
}

/// A webhook notification's `page`: which page, and how it stands.
#[derive(Serialize, Clone)]
pub(crate) struct PageStatus {
    pub id: String,
    pub status_indicator: &'static str,
    pub status_description: &'static str,
}

/// An incident notification: an incident or maintenance changed.
#[derive(Serialize)]
pub(crate) struct IncidentNotification {
    pub meta: Meta,
    pub page: PageStatus,
    pub incident: WebhookIncident,
}

/// A component notification: one component's status changed.
#[derive(Serialize)]
pub(crate) struct ComponentNotification {
    pub meta: Meta,
    pub page: PageStatus,
    pub component: ApiComponent,
    pub component_update: ComponentUpdate,
}

#[derive(Serialize)]
pub(crate) struct ComponentUpdate {
    pub id: String,
    pub component_id: String,
    pub component_type: &'static str,
    pub old_status: &'static str,
    pub new_status: &'static str,
    pub created_at: String,
}

/// The API's incident with the fields webhook receivers read besides.
#[derive(Serialize)]
pub(crate) struct WebhookIncident {
    pub id: String,
    pub page_id: String,
    pub name: String,
    pub status: &'static str,
    pub impact: &'static str,
    pub impact_override: Option<&'static str>,
    pub created_at: String,
    pub updated_at: String,
    pub monitoring_at: Option<String>,
    pub resolved_at: Option<String>,
    pub started_at: String,
    pub shortlink: String,
    pub backfilled: bool,
    pub postmortem_body: Option<String>,
    pub postmortem_body_last_updated_at: Option<String>,
    pub postmortem_published_at: Option<String>,
    pub postmortem_ignored: bool,
    pub postmortem_notified_subscribers: bool,
    pub postmortem_notified_twitter: bool,
    pub incident_updates: Vec<WebhookUpdate>,
    pub components: Vec<ApiComponent>,
    /// A maintenance's window and how Statuspage would run it.
    #[serde(flatten)]
    pub schedule: Option<WebhookSchedule>,
}

#[derive(Serialize)]
pub(crate) struct WebhookSchedule {
    pub scheduled_for: Option<String>,
    pub scheduled_until: Option<String>,
    pub scheduled_remind_prior: bool,
    pub scheduled_reminded_at: Option<String>,
    pub scheduled_auto_in_progress: bool,
    pub scheduled_auto_completed: bool,
}

/// An incident update as a webhook tells it.
#[derive(Serialize)]
pub(crate) struct WebhookUpdate {
    pub id: String,
    pub status: &'static str,
    pub body: String,
    pub incident_id: String,
    pub created_at: String,
    pub updated_at: String,
    pub display_at: String,
    pub affected_components: Vec<AffectedComponent>,
    pub deliver_notifications: bool,
    pub wants_twitter_update: bool,
    pub twitter_updated_at: Option<String>,
    pub custom_tweet: Option<String>,
}

/// Any shape as JSON, keys in serde_json's order.
pub(crate) fn to_json(shape: &impl Serialize) -> serde_json::Value {
    serde_json::to_value(shape).expect("the Statuspage shapes always serialize")
}
