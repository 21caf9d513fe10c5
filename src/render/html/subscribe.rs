//! The subscribe page (docs/announcing.md, "Subscribe page"): the feeds, each component's, the
//! maintenance calendar, the channels the site is followed on, and the signup form site.yaml's
//! `subscribe:` gives. Nothing on it is loaded from another host: the form is plain HTML,
//! posted by the reader's browser only when they submit it.

use serde::Serialize;

use super::{Prepared, Renderer, page_view};
use crate::config::{AnnounceChannel, Link, Site};
use crate::error::Error;
use crate::i18n::Translations;
use crate::model::Model;
use crate::render::cache::Rendered;

#[derive(Serialize)]
struct Data {
    intro: String,
    /// The signup form, when site.yaml gives one.
    form: Option<FormView>,
    /// One per component, in site order.
    components: Vec<ComponentFeeds>,
    /// The calendar's address for calendar apps: `webcal://HOST/PATH/maintenance.ics`.
    webcal: String,
    /// Public profiles and invites, each once.
    channels: Vec<Link>,
}

#[derive(Serialize)]
struct FormView {
    action: String,
    email_field: String,
    fields: Vec<Field>,
    /// Where the address goes, in words, with the list manager's host.
    note: String,
}

#[derive(Serialize)]
struct Field {
    name: String,
    value: String,
}

#[derive(Serialize)]
struct ComponentFeeds {
    id: String,
    name: String,
    /// The feeds' titles, which are also their links' text.
    atom: String,
    rss: String,
}

impl Renderer<'_> {
    pub(super) fn subscribe(&self, model: &Model, prepared: &Prepared) -> Result<Rendered, Error> {
        let site = &model.site;
        let t = self.t;
        let data = Data {
            intro: t.fill("subscribe_intro", &[("name", &site.title)]),
            form: form(site, t),
            components: site
                .components
                .iter()
                .map(|c| ComponentFeeds {
                    id: c.id.clone(),
                    name: c.name.clone(),
                    atom: t.fill("feed_atom", &[("name", &c.name)]),
                    rss: t.fill("feed_rss", &[("name", &c.name)]),
                })
                .collect(),
            webcal: webcal(site),
            channels: channels(site, t),
        };
        let title = t.get("subscribe").to_string();
        let page = page_view(t, model, "subscribe", title, "subscribe/");
        self.page(
            prepared,
            "subscribe.html",
            "subscribe/index.html".into(),
            page,
            data,
        )
    }
}

fn form(site: &Site, t: &Translations) -> Option<FormView> {
    let form = site.subscribe.email_form.as_ref()?;
    let host = url::Url::parse(&form.action)
        .ok()
        .and_then(|u| u.host_str().map(str::to_string))
        .unwrap_or_default();
    Some(FormView {
        action: form.action.clone(),
        email_field: form.email_field.clone(),
        fields: form
            .fields
            .iter()
            .map(|(name, value)| Field {
                name: name.clone(),
                value: value.clone(),
            })
            .collect(),
        note: t.fill("subscribe_email_note", &[("host", &host)]),
    })
}

/// `maintenance.ics` at the site's address with the `webcal:` scheme, which calendar apps
/// take as "subscribe to this calendar" rather than "import it once".
fn webcal(site: &Site) -> String {
    let base = site.base_url.as_str();
    let rest = base.split_once("://").map_or(base, |(_, rest)| rest);
    format!("webcal://{rest}maintenance.ics")
}

/// The public faces of the announce channels (a Bluesky handle is a profile on bsky.app; a
/// webhook, Slack, Discord or Teams address is a secret and never shown), then the links
/// `subscribe.links` lists; an address given twice is shown once.
fn channels(site: &Site, t: &Translations) -> Vec<Link> {
    let announced = site.announce.iter().filter_map(|c| match &c.kind {
        AnnounceChannel::Bluesky { handle, .. } => Some(Link {
            name: t.fill("channel_bluesky", &[("handle", handle)]),
            url: format!("https://bsky.app/profile/{handle}"),
        }),
        _ => None,
    });
    let mut seen = std::collections::HashSet::new();
    announced
        .chain(site.subscribe.links.iter().cloned())
        .filter(|l| seen.insert(l.url.clone()))
        .collect()
}
