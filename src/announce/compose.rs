//! What each channel is sent, decided without touching the network: every update becomes a
//! [`Draft`] (the words, in the site's language), and each channel turns a draft into the
//! payload its documentation describes (docs/announcing.md, "What each message looks like").

use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{Value, json};

use super::ledger::{Pending, Thread};
use super::text::{self, Measure};
use crate::config::{AnnounceChannel, Channel};
use crate::i18n::Translations;
use crate::markdown;
use crate::model::{ComponentStatus, Event, Kind, Model, UpdateStatus};
use crate::render::{api, webhook};

/// One update, as every channel tells it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Draft {
    /// The update's id, as in `api/v2/`.
    pub key: String,
    /// The event's slug.
    pub event: String,
    /// The update's place in its event's timeline (0: the first).
    pub position: usize,
    pub at: DateTime<Utc>,
    pub kind: Kind,
    pub title: String,
    pub status: UpdateStatus,
    /// The update's status in the site's language.
    pub status_label: String,
    /// `STATUS: TITLE`, punctuated as the site's language does.
    pub headline: String,
    /// The update's message as plain text.
    pub message: String,
    /// The update's message as sanitised HTML.
    pub message_html: String,
    /// The id of the event's first update, which later updates thread under.
    pub thread_root: String,
    /// Every component the event touches, in any update: what per-component channels are
    /// routed by.
    pub affected: Vec<String>,
    /// Every component the event touches, as this update leaves it.
    pub components: Vec<ComponentLine>,
    /// The update on the incident page.
    pub link: String,
    pub link_label: String,
    pub components_label: String,
    /// The site's language tag.
    pub language: String,
    pub site_title: String,
    /// The site's host, which makes email message ids unique to the site.
    pub site_host: String,
    /// The keys of the webhook's messages: the incident notification's (the update's id),
    /// then `ID/COMPONENT` for each component the update changes.
    pub webhook_keys: Vec<String>,
    /// The Statuspage-format notifications with their keys, made by [`attach_webhooks`] only
    /// for the updates about to be sent: a history's worth would be made for nothing.
    pub webhook: Vec<(String, Value)>,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ComponentLine {
    pub name: String,
    pub status: ComponentStatus,
    pub label: String,
}

/// Every update of every event published by `model.now`, oldest first.
pub(crate) fn drafts(model: &Model, t: &Translations) -> Vec<Draft> {
    let mut all: Vec<Draft> = model
        .events
        .iter()
        .filter(|e| !e.draft)
        .flat_map(|event| {
            (0..event.timeline.len())
                .filter(|&i| event.timeline[i].at <= model.now)
                .map(|i| draft(model, t, event, i))
        })
        .collect();
    all.sort_by(|a, b| (a.at, &a.key).cmp(&(b.at, &b.key)));
    all
}

fn draft(model: &Model, t: &Translations, event: &Event, index: usize) -> Draft {
    let update = &event.timeline[index];
    let link = format!(
        "{}{}#{}",
        model.site.base_url,
        event.path(),
        update.anchor()
    );
    Draft {
        key: event.update_id(update),
        event: event.slug.clone(),
        position: index,
        at: update.at,
        kind: event.kind,
        title: event.title.clone(),
        status: update.status,
        status_label: t.get(&format!("update_{}", update.status)).to_string(),
        headline: t.fill(
            "announce_headline",
            &[
                ("status", t.get(&format!("update_{}", update.status))),
                ("title", &event.title),
            ],
        ),
        message: markdown::to_plain_text(&update.message),
        message_html: markdown::to_html(&update.message),
        thread_root: event.update_id(&event.timeline[0]),
        affected: affected_components(event),
        components: component_lines(model, t, event, index),
        link,
        link_label: t.get("view_update").to_string(),
        components_label: t.get("affected_components").to_string(),
        language: model.site.language.clone(),
        site_title: model.site.title.clone(),
        site_host: model.site.host.clone(),
        webhook_keys: webhook::keys(model, event, index),
        webhook: Vec::new(),
    }
}

/// The ids of every component the event names, in its front matter or any update.
fn affected_components(event: &Event) -> Vec<String> {
    let mut ids: Vec<String> = Vec::new();
    let named = event
        .components
        .iter()
        .chain(event.timeline.iter().flat_map(|u| u.components.iter()));
    for (id, _) in named {
        if !ids.contains(id) {
            ids.push(id.clone());
        }
    }
    ids
}

/// Makes the webhook's notifications of the drafts `wanted` (indices into `drafts`).
pub(crate) fn attach_webhooks(model: &Model, drafts: &mut [Draft], wanted: &[usize]) {
    let api = api::Api::new(model);
    for &i in wanted {
        let draft = &mut drafts[i];
        if !draft.webhook.is_empty() {
            continue;
        }
        if let Some(event) = model.event(&draft.event) {
            draft.webhook = webhook::notifications(model, &api, event, draft.position);
            // The keys planned with must be the keys of what is sent.
            debug_assert!(
                draft
                    .webhook
                    .iter()
                    .map(|(k, _)| k)
                    .eq(draft.webhook_keys.iter()),
                "{:?} planned, {:?} made",
                draft.webhook_keys,
                draft.webhook.iter().map(|(k, _)| k).collect::<Vec<_>>()
            );
        }
    }
}

/// The event's components as the update leaves them, as the model's timeline has them, so
/// chat messages and the webhook agree.
fn component_lines(
    model: &Model,
    t: &Translations,
    event: &Event,
    index: usize,
) -> Vec<ComponentLine> {
    model
        .timeline(event)
        .states_after(index)
        .into_iter()
        .map(|(id, status)| ComponentLine {
            name: model
                .site
                .component(id)
                .map_or_else(|| id.to_string(), |c| c.name.clone()),
            label: t.get(&format!("status_{status}")).to_string(),
            status,
        })
        .collect()
}

/// The messages `channel` is told for `draft`: none when the channel is for other
/// components; the webhook sends a component notification per changed component (of those
/// it is for) besides the incident one; every other channel one message.
pub(crate) fn messages(channel: &Channel, draft: &Draft) -> Vec<Pending> {
    if !channel.wants(&draft.affected) {
        return Vec::new();
    }
    let pending = |key: &str| Pending {
        key: key.to_string(),
        event: draft.event.clone(),
        update_at: draft.at,
        content: content_key(draft, key),
    };
    match channel.kind {
        AnnounceChannel::Webhook { .. } => draft
            .webhook_keys
            .iter()
            .filter(|key| {
                component_of(draft, key).is_none_or(|id| channel.wants(&[id.to_string()]))
            })
            .map(|k| pending(k))
            .collect(),
        _ => vec![pending(&draft.key)],
    }
}

/// The component a webhook message is about (`UPDATE-ID/COMPONENT`), or none for the
/// incident notification.
fn component_of<'k>(draft: &Draft, message_key: &'k str) -> Option<&'k str> {
    message_key
        .strip_prefix(draft.key.as_str())
        .and_then(|rest| rest.strip_prefix('/'))
}

/// What stays the same when an update's time is corrected, though its key (made from the
/// time, as the API's ids are) does not: its event, its place in the timeline, its status and
/// words, and which of the update's messages this is (docs/announcing.md, "News"). 64 bits
/// of SHA-256: enough to tell one event's updates apart.
fn content_key(draft: &Draft, message_key: &str) -> String {
    let part = message_key.strip_prefix(&draft.key).unwrap_or(message_key);
    let position = draft.position.to_string();
    let status = draft.status.to_string();
    let mut hash = crate::fingerprint::content_hash_of([
        draft.event.as_bytes(),
        position.as_bytes(),
        status.as_bytes(),
        draft.message.as_bytes(),
        part.as_bytes(),
    ]);
    hash.truncate(16);
    hash
}

/// The colour a chat message is marked with: how bad things are as of this update.
fn severity(draft: &Draft) -> Severity {
    let worst = draft.components.iter().map(|c| c.status).max();
    match (draft.kind, draft.status, worst) {
        (_, UpdateStatus::Resolved | UpdateStatus::Completed | UpdateStatus::Postmortem, _) => {
            Severity::Good
        }
        (Kind::Maintenance, _, _) | (_, _, Some(ComponentStatus::UnderMaintenance)) => {
            Severity::Maintenance
        }
        (_, _, Some(ComponentStatus::MajorOutage)) => Severity::Critical,
        (_, _, Some(ComponentStatus::PartialOutage | ComponentStatus::DegradedPerformance)) => {
            Severity::Warning
        }
        (Kind::Notice, _, _) => Severity::Info,
        _ => Severity::Warning,
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Severity {
    Good,
    Info,
    Maintenance,
    Warning,
    Critical,
}

impl Severity {
    fn rgb(self) -> u32 {
        match self {
            Severity::Good => 0x1a7f37,
            Severity::Info | Severity::Maintenance => 0x0969da,
            Severity::Warning => 0xbf8700,
            Severity::Critical => 0xcf222e,
        }
    }

    /// Adaptive Cards' named colours.
    fn card_color(self) -> &'static str {
        match self {
            Severity::Good => "Good",
            Severity::Info | Severity::Maintenance => "Accent",
            Severity::Warning => "Warning",
            Severity::Critical => "Attention",
        }
    }
}

/// Cuts to at most `max` characters at a word, with `…` when cut: for chat fields with limits.
fn at_most(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    format!("{}…", markdown::truncate_at_word(text, max - 1))
}

/// Slack's mrkdwn needs only `&`, `<` and `>` escaped (Slack: "Formatting text for app
/// surfaces", escaping text).
fn slack_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// A Slack incoming webhook message: Block Kit blocks, with `text` as the notification
/// fallback (Slack: "Sending messages using incoming webhooks").
pub(crate) fn slack(draft: &Draft) -> Value {
    let mut blocks = vec![json!({
        "type": "header",
        "text": { "type": "plain_text", "text": at_most(&draft.headline, 150), "emoji": false },
    })];
    if !draft.message.is_empty() {
        blocks.push(json!({
            "type": "section",
            "text": { "type": "mrkdwn", "text": at_most(&slack_escape(&draft.message), 3000) },
        }));
    }
    if !draft.components.is_empty() {
        let fields: Vec<Value> = draft
            .components
            .iter()
            .take(10)
            .map(|c| {
                json!({
                    "type": "mrkdwn",
                    "text": at_most(&format!("*{}*\n{}", slack_escape(&c.name), slack_escape(&c.label)), 2000),
                })
            })
            .collect();
        blocks.push(json!({ "type": "section", "fields": fields }));
    }
    blocks.push(json!({
        "type": "context",
        "elements": [{
            "type": "mrkdwn",
            "text": format!("<{}|{}> · {}", draft.link, slack_escape(&draft.link_label), slack_escape(&draft.site_title)),
        }],
    }));
    json!({
        "text": format!("{} {}", slack_escape(&draft.headline), draft.link),
        "blocks": blocks,
        "unfurl_links": false,
    })
}

/// A Discord webhook message: one embed, mentions switched off so a message can never ping
/// anyone (Discord: "Execute Webhook", embed limits).
pub(crate) fn discord(draft: &Draft) -> Value {
    let fields: Vec<Value> = draft
        .components
        .iter()
        .take(25)
        .map(|c| json!({ "name": at_most(&c.name, 256), "value": at_most(&c.label, 1024), "inline": true }))
        .collect();
    let mut embed = json!({
        "title": at_most(&draft.headline, 256),
        "url": draft.link,
        "color": severity(draft).rgb(),
        "timestamp": draft.at.to_rfc3339_opts(SecondsFormat::Secs, true),
        "fields": fields,
        "footer": { "text": at_most(&draft.site_title, 2048) },
    });
    // Discord refuses an empty description.
    if !draft.message.is_empty() {
        embed["description"] = at_most(&draft.message, 4096).into();
    }
    json!({ "embeds": [embed], "allowed_mentions": { "parse": [] } })
}

/// A Teams workflow webhook message: an Adaptive Card in a message's attachments
/// (Microsoft: "Create incoming webhooks with Workflows for Microsoft Teams").
pub(crate) fn teams(draft: &Draft) -> Value {
    let mut body = vec![json!({
        "type": "TextBlock",
        "text": draft.headline.clone(),
        "weight": "Bolder",
        "size": "Medium",
        "color": severity(draft).card_color(),
        "wrap": true,
    })];
    if !draft.message.is_empty() {
        body.push(json!({ "type": "TextBlock", "text": draft.message, "wrap": true }));
    }
    if !draft.components.is_empty() {
        let facts: Vec<Value> = draft
            .components
            .iter()
            .map(|c| json!({ "title": c.name, "value": c.label }))
            .collect();
        body.push(json!({ "type": "FactSet", "facts": facts }));
    }
    json!({
        "type": "message",
        "attachments": [{
            "contentType": "application/vnd.microsoft.card.adaptive",
            "contentUrl": null,
            "content": {
                "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
                "type": "AdaptiveCard",
                "version": "1.4",
                "body": body,
                "actions": [{ "type": "Action.OpenUrl", "title": draft.link_label, "url": draft.link }],
            },
        }],
    })
}

/// The short post every network shares, fitted to `measure`.
pub(crate) fn post(draft: &Draft, measure: Measure) -> text::Post {
    text::fit(measure, &draft.headline, &draft.message, &draft.link)
}

/// `POST /api/v1/statuses` (Mastodon: "statuses API").
pub(crate) fn mastodon(draft: &Draft, thread: Option<&Thread>) -> Value {
    let mut body = json!({
        "status": post(draft, Measure::Mastodon).text,
        "visibility": "public",
        "language": primary_language(&draft.language),
    });
    if let Some(thread) = thread {
        body["in_reply_to_id"] = thread.parent.id.clone().into();
    }
    body
}

/// The key Mastodon uses to keep a retried post from being posted twice.
pub(crate) fn idempotency_key(draft_key: &str) -> String {
    format!("sitrep-{draft_key}")
}

/// An `app.bsky.feed.post` record, with the link as a facet over its bytes (Bluesky:
/// "Posts", rich text facets).
pub(crate) fn bluesky(draft: &Draft, thread: Option<&Thread>, now: DateTime<Utc>) -> Value {
    let post = post(draft, Measure::Bluesky);
    let mut record = json!({
        "$type": "app.bsky.feed.post",
        "text": post.text,
        "createdAt": now.to_rfc3339_opts(SecondsFormat::Millis, true),
        "langs": [primary_language(&draft.language)],
        "facets": [{
            "index": { "byteStart": post.link.start, "byteEnd": post.link.end },
            "features": [{ "$type": "app.bsky.richtext.facet#link", "uri": draft.link }],
        }],
    });
    if let Some(thread) = thread {
        let strong = |r: &super::ledger::Remote| json!({ "uri": r.id, "cid": r.cid.clone().unwrap_or_default() });
        record["reply"] = json!({ "root": strong(&thread.root), "parent": strong(&thread.parent) });
    }
    record
}

/// `POST /2/tweets` (X API v2: "Create Post").
pub(crate) fn x(draft: &Draft, thread: Option<&Thread>) -> Value {
    let mut body = json!({ "text": post(draft, Measure::X).text });
    if let Some(thread) = thread {
        body["reply"] = json!({ "in_reply_to_tweet_id": thread.parent.id });
    }
    body
}

/// `fr` of `fr-CA`: the ISO 639 code networks take.
fn primary_language(tag: &str) -> &str {
    tag.split('-').next().unwrap_or(tag)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) fn draft(status: UpdateStatus, component: ComponentStatus, message: &str) -> Draft {
        Draft {
            key: "outage-20261128T090000Z".into(),
            event: "outage".into(),
            position: 0,
            at: DateTime::from_timestamp(1_795_856_400, 0).expect("time"),
            kind: Kind::Incident,
            title: "Packet <loss>".into(),
            status,
            status_label: "Investigating".into(),
            headline: "Investigating: Packet <loss>".into(),
            message: message.into(),
            components: vec![ComponentLine {
                name: "Web & mail".into(),
                status: component,
                label: "Major outage".into(),
            }],
            link: "https://status.example.com/incidents/outage/#update-20261128T090000Z".into(),
            link_label: "View this update".into(),
            components_label: "Affected components".into(),
            language: "fr-CA".into(),
            site_title: "Example Status".into(),
            site_host: "status.example.com".into(),
            message_html: format!("<p>{message}</p>"),
            thread_root: "outage-20261128T090000Z".into(),
            affected: vec!["web".into()],
            webhook_keys: vec!["outage-20261128T090000Z".into()],
            webhook: Vec::new(),
        }
    }

    #[test]
    fn chat_messages_are_coloured_by_how_bad_things_are() {
        let colour = |status, component| {
            discord(&draft(status, component, "x"))["embeds"][0]["color"].clone()
        };
        assert_eq!(
            colour(UpdateStatus::Investigating, ComponentStatus::MajorOutage),
            0xcf222e
        );
        assert_eq!(
            colour(UpdateStatus::Identified, ComponentStatus::PartialOutage),
            0xbf8700
        );
        assert_eq!(
            colour(UpdateStatus::Resolved, ComponentStatus::MajorOutage),
            0x1a7f37
        );
        let card = teams(&draft(
            UpdateStatus::Investigating,
            ComponentStatus::MajorOutage,
            "x",
        ));
        assert_eq!(
            card["attachments"][0]["content"]["body"][0]["color"],
            "Attention"
        );
    }

    #[test]
    fn chat_fields_stay_within_their_documented_limits() {
        let long = "word ".repeat(2000);
        let d = draft(
            UpdateStatus::Investigating,
            ComponentStatus::MajorOutage,
            &long,
        );
        let slack = slack(&d);
        let section = slack["blocks"][1]["text"]["text"].as_str().expect("text");
        assert!(section.chars().count() <= 3000 && section.ends_with("word…"));
        // A header is plain text: nothing to escape there.
        assert_eq!(
            slack["blocks"][0]["text"]["text"],
            "Investigating: Packet <loss>"
        );
        assert_eq!(
            slack["blocks"][2]["fields"][0]["text"],
            "*Web &amp; mail*\nMajor outage"
        );
        let discord = discord(&d);
        let description = discord["embeds"][0]["description"]
            .as_str()
            .expect("description");
        assert!(description.chars().count() <= 4096);
        assert!(discord.get("allowed_mentions").is_some());
    }

    #[test]
    fn short_posts_name_their_language_and_reply_in_thread() {
        let d = draft(
            UpdateStatus::Identified,
            ComponentStatus::PartialOutage,
            "Found it.",
        );
        let thread = Thread {
            root: super::super::ledger::Remote {
                id: "1".into(),
                cid: Some("c1".into()),
            },
            parent: super::super::ledger::Remote {
                id: "2".into(),
                cid: Some("c2".into()),
            },
        };
        assert_eq!(mastodon(&d, Some(&thread))["in_reply_to_id"], "2");
        assert_eq!(mastodon(&d, None)["language"], "fr");
        assert_eq!(x(&d, Some(&thread))["reply"]["in_reply_to_tweet_id"], "2");
        let record = bluesky(&d, Some(&thread), d.at);
        assert_eq!(record["reply"]["root"]["cid"], "c1");
        assert_eq!(record["reply"]["parent"]["uri"], "2");
        assert_eq!(record["langs"][0], "fr");
        assert_eq!(idempotency_key(&d.key), "sitrep-outage-20261128T090000Z");
    }
}
