//! `sitrep announce`: every update told once, oldest first, to every channel in site.yaml's
//! `announce:` (docs/announcing.md). What to send is pure — `compose` turns the model into
//! drafts and payloads, `ledger` says what each channel was already told — and each
//! channel's `send`er only carries one message out. The record of what was sent lives with
//! the published site, so two people announcing from two machines never post twice. The
//! library never prints: progress goes to the caller as [`AnnounceEvent`]s.

pub(crate) mod compose;
pub(crate) mod email;
pub(crate) mod ledger;
pub(crate) mod send;
pub(crate) mod text;

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};

use crate::Now;
use crate::config::{AnnounceChannel, PublishTarget, Site, XAuth};
use crate::error::{Diagnostic, Error};
use crate::i18n::Translations;
use crate::model::Model;
use crate::publish::beside::{self, LEDGER_PATH, Stored, Written};
use crate::publish::lease::{self, Lease, Taken};
use crate::publish::{self, PublishError};
use compose::Draft;
use ledger::{Ledger, Pending};

/// What `sitrep announce` was asked for.
#[derive(Debug, Clone)]
pub struct AnnounceOptions {
    /// The site folder; its site.yaml lists the channels under `announce:`.
    pub root: PathBuf,
    /// The instant the site is read at: updates dated after it are not announced yet.
    pub now: Now,
    /// Show what would be sent, sending and recording nothing.
    pub dry_run: bool,
}

/// What an announce reports as it goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AnnounceEvent {
    /// The record of what was sent was read from here.
    RecordRead {
        /// A publish target, named as publish names it, or the file in the site folder.
        at: String,
    },
    /// A channel's first announce: this many older updates were marked as told, not posted.
    HistoryMarked {
        /// The channel as messages name it: `Slack ($SLACK_WEBHOOK_URL)`, `Bluesky @handle`, ….
        channel: String,
        /// Updates marked as told.
        updates: usize,
    },
    /// Updates told before under another time (their time was corrected since) were marked
    /// as told under the new one, not posted again.
    Retimed {
        /// The channel, named as in [`AnnounceEvent::HistoryMarked`].
        channel: String,
        /// Updates marked as told.
        updates: usize,
    },
    /// Updates dated more than a day before the newest update the channel was told (a
    /// backfill of old incidents) were marked as told, not posted.
    Backfilled {
        /// The channel, named as in [`AnnounceEvent::HistoryMarked`].
        channel: String,
        /// Updates marked as told.
        updates: usize,
    },
    /// `--dry-run`: a message that would be sent, as its text reads.
    WouldSend {
        /// The channel, named as in [`AnnounceEvent::HistoryMarked`].
        channel: String,
        /// The message's key in the record: the update's id (a webhook's component
        /// notifications have their own).
        key: String,
        /// The message as plain text.
        text: String,
    },
    /// A message was delivered and recorded as told.
    Sent {
        /// The channel, named as in [`AnnounceEvent::HistoryMarked`].
        channel: String,
        /// The message's key in the record.
        key: String,
        /// The post's id on the network, where it gives one.
        remote: Option<String>,
    },
    /// A message was delivered (the channel answered 2xx), but the answer did not say the
    /// post's id: it is recorded as sent all the same, and later updates of its event reply
    /// to the event's latest post whose id is known, or start a thread of their own.
    Unread {
        /// The channel, named as in [`AnnounceEvent::HistoryMarked`].
        channel: String,
        /// The message's key in the record.
        key: String,
        /// What was wrong with the answer.
        problem: String,
    },
    /// A request failed and is being tried again.
    Retrying {
        /// The channel, named as in [`AnnounceEvent::HistoryMarked`].
        channel: String,
        /// What went wrong with the request.
        problem: String,
    },
    /// A channel failed; it is tried again, from this message, on the next announce.
    Failed {
        /// The channel, named as in [`AnnounceEvent::HistoryMarked`].
        channel: String,
        /// The key of the message that failed; later ones on this channel wait behind it.
        key: String,
        /// Why, as the channel or the network answered.
        error: String,
    },
}

/// What [`run`] did, over every channel.
#[derive(Debug, Default)]
pub struct AnnounceReport {
    /// Messages delivered and recorded (0 on a dry run).
    pub sent: usize,
    /// Updates marked as already told, not posted: history on channels' first announce,
    /// backfills, updates whose time was corrected.
    pub marked: usize,
    /// Messages left for the next announce (the dry run's would-be sends, or those behind a
    /// failure).
    pub pending: usize,
    /// Channels that failed, with why; the others went on.
    pub failures: Vec<(String, String)>,
}

/// Why an announce stopped before trying the channels. A channel's own failure is not one of
/// these: it is reported in [`AnnounceReport::failures`] and the other channels go on.
#[derive(Debug, thiserror::Error)]
pub enum AnnounceError {
    /// The site does not build, or a channel's secret variable is not set (all of them
    /// reported at once, at their lines in site.yaml).
    #[error(transparent)]
    Site(#[from] Error),

    /// site.yaml has no `announce:` channels.
    #[error(
        "site.yaml has no `announce:` channels\n  help: add one, e.g.\n    announce:\n      - slack: {{ url_env: SLACK_WEBHOOK_URL }}\n  (docs/announcing.md lists every channel)"
    )]
    NoChannels,

    /// Another announce holds the record's lease and is still under way.
    #[error(
        "an announce from {host} has been under way since {since}; wait for it, then run announce again (one that was killed lets go within {} minutes)",
        lease::LEASE_TTL.num_minutes()
    )]
    Busy {
        /// The machine the other announce runs on.
        host: String,
        /// When it started, in the site's time zone.
        since: String,
    },

    /// Someone else wrote the record of what was sent after this announce read it, or claiming
    /// it kept racing another writer; this announce stops there rather than risk posting twice.

    #[error(
        "the record of what was announced at {at} changed while this announce ran; run announce again (nothing will be sent twice)"
    )]
    Changed {
        /// Where the record lives, named as in [`AnnounceEvent::RecordRead`].
        at: String,
    },

    /// The record of what was sent is not JSON of the shape sitrep writes; announce stops
    /// before sending anything.

    #[error("the record of what was announced at {at} is not one sitrep can read: {source}")]
    Record {
        /// Where the record lives, named as in [`AnnounceEvent::RecordRead`].
        at: String,
        /// What is wrong with it.
        #[source]
        source: serde_json::Error,
    },

    /// The record could not be read or written where it lives: at a publish target, or in the
    /// site folder when there is none.
    #[error(transparent)]
    Store(#[from] PublishError),
}

/// Announces every update not yet told to every channel, oldest first.
pub fn run(
    options: &AnnounceOptions,
    mut on_event: impl FnMut(AnnounceEvent),
) -> Result<AnnounceReport, AnnounceError> {
    let (model, t) = load(&options.root, &options.now)?;
    let site = &model.site;
    if site.announce.is_empty() {
        return Err(AnnounceError::NoChannels);
    }
    let secrets = if options.dry_run {
        Vec::new()
    } else {
        resolve_secrets(site, &|name| std::env::var(name).ok())?
    };
    let mut records = Records::read(site, &options.root)?;
    for store in &records.copies {
        on_event(AnnounceEvent::RecordRead {
            at: store.describe(),
        });
    }
    let drafts = compose::drafts(&model, &t);
    let now = model.now;
    if options.dry_run {
        let mut ledger = records.ledger.clone();
        return Ok(dry_run(site, &drafts, &mut ledger, now, &mut on_event));
    }
    records.take_lease(site.time_zone)?;
    let result = send_all(&model, drafts, secrets, &mut records, &mut on_event);
    let released = records.release();
    let report = result?;
    released?;
    Ok(report)
}

/// The model and translations, as `build` reads them; drafts are never announced.
fn load(root: &Path, now: &Now) -> Result<(Model, Translations), Error> {
    let (site, events, theme) = crate::load::checked(root, false)?;
    let now = now.resolve(site.time_zone)?;
    let (t, _) = Translations::load(&theme, &site.language)?;
    Ok((Model::new(site, events, now), t))
}

/// Every channel's secrets (in the order of [`AnnounceChannel::secret_vars`]), or every
/// missing variable reported at once, at its line.
pub(crate) fn resolve_secrets(
    site: &Site,
    lookup: &dyn Fn(&str) -> Option<String>,
) -> Result<Vec<Vec<String>>, Error> {
    let mut secrets = Vec::new();
    let mut missing: Vec<Diagnostic> = Vec::new();
    let set: Vec<String> = std::env::vars().map(|(k, _)| k).collect();
    for channel in &site.announce {
        let mut resolved = Vec::new();
        for var in channel.kind.secret_vars() {
            match var.resolve(lookup) {
                Ok(secret) => resolved.push(secret),
                Err(d) => {
                    let similar =
                        crate::suggest::closest(&var.name, set.iter().map(String::as_str))
                            .filter(|s| *s != var.name)
                            .map(|s| {
                                format!("did you mean `{s}`? It is set; `{}` is not", var.name)
                            });
                    missing.push(d.with_optional_help(similar));
                }
            }
        }
        secrets.push(resolved);
    }
    if missing.is_empty() {
        Ok(secrets)
    } else {
        Err(Error::Content(missing))
    }
}

/// How messages name a channel.
pub(crate) fn describe(channel: &AnnounceChannel) -> String {
    match channel {
        AnnounceChannel::Webhook { url } => format!("webhook (${})", url.name),
        AnnounceChannel::Slack { url } => format!("Slack (${})", url.name),
        AnnounceChannel::Discord { url } => format!("Discord (${})", url.name),
        AnnounceChannel::Teams { url } => format!("Teams (${})", url.name),
        AnnounceChannel::Mastodon { instance, .. } => {
            format!("Mastodon {}", crate::redact::credentials(instance))
        }
        AnnounceChannel::Bluesky { handle, .. } => format!("Bluesky @{handle}"),
        AnnounceChannel::X { auth, .. } => format!("X (${})", x_token_var(auth)),
        AnnounceChannel::Email(email) => format!("email to {}", recipients(email)),
    }
}

/// The variable that names the X account: the user's token, in either form.
fn x_token_var(auth: &XAuth) -> &str {
    match auth {
        XAuth::Bearer(token) => &token.name,
        XAuth::OAuth1(keys) => &keys.access_token.name,
    }
}

fn recipients(email: &crate::config::Email) -> String {
    email
        .to
        .iter()
        .map(|m| m.email.to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

/// A channel's name in the record: what stays the same for as long as it is the same
/// channel. No secret ever goes in: the record is published with the site, so credentials
/// written into an address are taken out (as [`ledger::Ledger::without_credentials`] does to
/// records written before).
pub(crate) fn channel_key(channel: &AnnounceChannel) -> String {
    let key = match channel {
        AnnounceChannel::Webhook { url } => format!("webhook:{}", url.name),
        AnnounceChannel::Slack { url } => format!("slack:{}", url.name),
        AnnounceChannel::Discord { url } => format!("discord:{}", url.name),
        AnnounceChannel::Teams { url } => format!("teams:{}", url.name),
        AnnounceChannel::Mastodon { instance, token } => {
            format!("mastodon:{instance}:{}", token.name)
        }
        AnnounceChannel::Bluesky {
            handle, service, ..
        } => format!("bluesky:{service}:{handle}"),
        AnnounceChannel::X { auth, api } => format!("x:{api}:{}", x_token_var(auth)),
        AnnounceChannel::Email(email) => format!("email:{}:{}", email.server, recipients(email)),
    };
    crate::redact::credentials(&key).into_owned()
}

/// What each channel is still to be told, oldest first, after marking as told what is not
/// news: history on channels announced to for the first time, backfills and updates whose
/// time was corrected (docs/announcing.md, "News"). Pure.
pub(crate) fn plan(
    site: &Site,
    drafts: &[Draft],
    ledger: &mut Ledger,
    now: DateTime<Utc>,
    on_event: &mut dyn FnMut(AnnounceEvent),
) -> (usize, Vec<Vec<(usize, Pending)>>) {
    let mut marked = 0;
    let mut queues = Vec::new();
    for channel in &site.announce {
        let key = channel_key(&channel.kind);
        let all: Vec<(usize, Pending)> = drafts
            .iter()
            .enumerate()
            .flat_map(|(i, d)| {
                compose::messages(channel, d)
                    .into_iter()
                    .map(move |m| (i, m))
            })
            .collect();
        let name = describe(&channel.kind);
        if ledger.is_new_channel(&key) {
            let messages: Vec<Pending> = all.iter().map(|(_, m)| m.clone()).collect();
            let count = ledger.start_channel(&key, &messages, now);
            marked += count;
            if count > 0 {
                on_event(AnnounceEvent::HistoryMarked {
                    channel: name.clone(),
                    updates: count,
                });
            }
        }
        let sorted = ledger.sort_out(&key, all);
        marked += sorted.retimed + sorted.backfilled;
        if sorted.retimed > 0 {
            on_event(AnnounceEvent::Retimed {
                channel: name.clone(),
                updates: sorted.retimed,
            });
        }
        if sorted.backfilled > 0 {
            on_event(AnnounceEvent::Backfilled {
                channel: name,
                updates: sorted.backfilled,
            });
        }
        queues.push(sorted.news);
    }
    (marked, queues)
}

fn dry_run(
    site: &Site,
    drafts: &[Draft],
    ledger: &mut Ledger,
    now: DateTime<Utc>,
    on_event: &mut dyn FnMut(AnnounceEvent),
) -> AnnounceReport {
    let (marked, queues) = plan(site, drafts, ledger, now, on_event);
    let mut report = AnnounceReport {
        marked,
        ..AnnounceReport::default()
    };
    for (c, d, message) in in_order(queues) {
        let channel = &site.announce[c].kind;
        report.pending += 1;
        on_event(AnnounceEvent::WouldSend {
            channel: describe(channel),
            key: message.key,
            text: preview(channel, &drafts[d]),
        });
    }
    report
}

/// A message as its reader sees it, for `--dry-run`.
fn preview(channel: &AnnounceChannel, draft: &Draft) -> String {
    use text::Measure;
    let measure = match channel {
        AnnounceChannel::Bluesky { .. } => Measure::Bluesky,
        AnnounceChannel::X { .. } => Measure::X,
        AnnounceChannel::Email(settings) => return email::preview(draft, settings),
        _ => Measure::Mastodon,
    };
    compose::post(draft, measure).text
}

/// Sends message after message, in order across channels, recording each as soon as it is
/// delivered and before the next is sent: a run killed half-way leaves a record of exactly
/// what went out.
fn send_all(
    model: &Model,
    mut drafts: Vec<Draft>,
    secrets: Vec<Vec<String>>,
    records: &mut Records<'_>,
    on_event: &mut dyn FnMut(AnnounceEvent),
) -> Result<AnnounceReport, AnnounceError> {
    let site = &model.site;
    let (marked, queues) = plan(site, &drafts, &mut records.ledger, model.now, on_event);
    let for_webhooks: Vec<usize> = queues
        .iter()
        .zip(&site.announce)
        .filter(|(_, channel)| matches!(channel.kind, AnnounceChannel::Webhook { .. }))
        .flat_map(|(queue, _)| queue.iter().map(|(d, _)| *d))
        .collect();
    compose::attach_webhooks(model, &mut drafts, &for_webhooks);
    let mut report = AnnounceReport {
        marked,
        ..AnnounceReport::default()
    };
    if marked > 0 {
        records.write()?;
    }
    let client = crate::http::Client::new();
    let mut senders: Vec<send::Sender<'_>> = site
        .announce
        .iter()
        .zip(secrets)
        .map(|(c, s)| send::Sender::new(&c.kind, s))
        .collect();
    let mut failed = vec![false; senders.len()];
    for (c, d, message) in in_order(queues) {
        if failed[c] {
            report.pending += 1;
            continue;
        }
        let sending = Sending {
            channel: &site.announce[c].kind,
            draft: &drafts[d],
            message,
        };
        match sending.send(&mut senders[c], &client, records, on_event)? {
            None => report.sent += 1,
            Some(failure) => {
                failed[c] = true;
                report.pending += 1;
                report
                    .failures
                    .push((describe(&site.announce[c].kind), failure.to_string()));
            }
        }
    }
    senders.iter_mut().for_each(send::Sender::finish);
    Ok(report)
}

/// One message on its way to one channel.
struct Sending<'a> {
    channel: &'a AnnounceChannel,
    draft: &'a Draft,
    message: Pending,
}

impl Sending<'_> {
    /// Sends the message and records it if the channel took it in; the channel's failure if
    /// it did not. An error stops the run: the record could not be written.
    fn send(
        self,
        sender: &mut send::Sender<'_>,
        client: &crate::http::Client,
        records: &mut Records<'_>,
        on_event: &mut dyn FnMut(AnnounceEvent),
    ) -> Result<Option<crate::http::Failure>, AnnounceError> {
        let key = channel_key(self.channel);
        let outgoing = send::Outgoing {
            draft: self.draft,
            key: &self.message.key,
            thread: records.ledger.thread(&key, &self.message.event),
            now: Utc::now(),
        };
        let name = describe(self.channel);
        let mut on_retry = |f: &crate::http::Failure| {
            on_event(AnnounceEvent::Retrying {
                channel: name.clone(),
                problem: f.to_string(),
            });
        };
        let delivered = match sender.send(client, &outgoing, &mut on_retry) {
            Ok(delivered) => delivered,
            Err(failure) => {
                on_event(AnnounceEvent::Failed {
                    channel: name,
                    key: self.message.key,
                    error: failure.to_string(),
                });
                return Ok(Some(failure));
            }
        };
        let id = delivered.remote.as_ref().map(|r| r.id.clone());
        records
            .ledger
            .record(&key, &self.message, Utc::now(), delivered.remote);
        records.write()?;
        on_event(AnnounceEvent::Sent {
            channel: name.clone(),
            key: self.message.key.clone(),
            remote: id,
        });
        if let Some(why) = delivered.unread {
            on_event(AnnounceEvent::Unread {
                channel: name,
                key: self.message.key,
                problem: why.to_string(),
            });
        }
        Ok(None)
    }
}

/// Every channel's queue as one list, oldest first across channels: (channel, draft, message).
/// The sort is stable, so each update's messages keep the order their channel lists them in,
/// and the channels site.yaml's order.
fn in_order(queues: Vec<Vec<(usize, Pending)>>) -> Vec<(usize, usize, Pending)> {
    let mut order: Vec<(usize, usize, Pending)> = queues
        .into_iter()
        .enumerate()
        .flat_map(|(c, q)| q.into_iter().map(move |(d, m)| (c, d, m)))
        .collect();
    order.sort_by_key(|(_, d, m)| (m.update_at, *d));
    order
}

/// Where the record is kept: beside the manifest at every publish target, or in the site
/// folder when there is none.
enum Store<'a> {
    Target(&'a PublishTarget),
    Local(PathBuf),
}

struct Copy<'a> {
    store: Store<'a>,
    version: Option<String>,
}

impl Copy<'_> {
    fn describe(&self) -> String {
        match &self.store {
            Store::Target(t) => publish::describe(t),
            Store::Local(path) => path.display().to_string(),
        }
    }
}

/// The record as read from every copy, merged, and the versions it was read at.
struct Records<'a> {
    root: &'a Path,
    copies: Vec<Copy<'a>>,
    ledger: Ledger,
    lease: Option<Lease>,
}

impl<'a> Records<'a> {
    fn read(site: &'a Site, root: &'a Path) -> Result<Self, AnnounceError> {
        let stores: Vec<Store<'a>> = if site.publish.is_empty() {
            vec![Store::Local(root.join(LEDGER_PATH))]
        } else {
            site.publish.iter().map(Store::Target).collect()
        };
        let mut records = Records {
            root,
            copies: stores
                .into_iter()
                .map(|store| Copy {
                    store,
                    version: None,
                })
                .collect(),
            ledger: Ledger::new(),
            lease: None,
        };
        records.reload()?;
        Ok(records)
    }

    fn reload(&mut self) -> Result<(), AnnounceError> {
        let mut merged = Ledger::new();
        for copy in &mut self.copies {
            let stored = match &copy.store {
                Store::Target(t) => beside::read(t, self.root, LEDGER_PATH)?,
                Store::Local(path) => crate::publish::folder::read_file(path)?,
            };
            copy.version = stored.version.clone();
            merged = merged.merge(parse(&stored, &copy.describe())?);
        }
        self.ledger = merged;
        Ok(())
    }

    /// Claims the record for this run, as publish claims its manifest.
    fn take_lease(&mut self, zone: chrono_tz::Tz) -> Result<(), AnnounceError> {
        let busy = |lease: &Lease| AnnounceError::Busy {
            host: lease.host.clone(),
            since: lease
                .started
                .with_timezone(&zone)
                .format("%H:%M %Z on %Y-%m-%d")
                .to_string(),
        };
        // A write that lost a race has read the record again; whoever holds it then decides.
        for _ in 0..3 {
            let held = self.ledger.lease.clone();
            match lease::take(self, held.as_ref())? {
                Taken::Ours(_) => return Ok(()),
                Taken::Busy(theirs) | Taken::Lost(Some(theirs)) => {
                    self.lease = None;
                    return Err(busy(&theirs));
                }
                Taken::Lost(None) => self.lease = None,
            }
        }
        Err(AnnounceError::Changed {
            at: self.copies.first().map(Copy::describe).unwrap_or_default(),
        })
    }

    fn release(&mut self) -> Result<(), AnnounceError> {
        if self.lease.take().is_some() {
            self.write()?;
        }
        Ok(())
    }

    /// Writes the record, with our lease renewed, to every copy, each only if nobody else
    /// wrote it since we did.
    fn write(&mut self) -> Result<(), AnnounceError> {
        if let Some(lease) = &mut self.lease {
            lease.renewed = Utc::now();
        }
        let ledger = Ledger {
            lease: self.lease.clone(),
            ..self.ledger.clone()
        };
        let bytes = serde_json::to_vec_pretty(&ledger).map_err(|source| AnnounceError::Record {
            at: String::new(),
            source,
        })?;
        for copy in &mut self.copies {
            let expected = copy.version.as_deref();
            let written = match &copy.store {
                Store::Target(t) => beside::write(t, self.root, LEDGER_PATH, &bytes, expected)?,
                Store::Local(path) => crate::publish::folder::write_file(path, &bytes, expected)?,
            };
            match written {
                Written::Done(version) => copy.version = version,
                Written::Conflict => {
                    return Err(AnnounceError::Changed {
                        at: copy.describe(),
                    });
                }
            }
        }
        Ok(())
    }
}

/// The record as the lease protocol writes and reads it (src/publish/lease.rs), as publish
/// does its manifest.
impl lease::Record for Records<'_> {
    type Error = AnnounceError;

    fn write_lease(&mut self, lease: &Lease) -> Result<bool, AnnounceError> {
        self.lease = Some(lease.clone());
        match self.write() {
            Ok(()) => Ok(true),
            Err(AnnounceError::Changed { .. }) => {
                self.lease = None;
                self.reload()?;
                Ok(false)
            }
            Err(e) => Err(e),
        }
    }

    fn read_lease(&mut self) -> Result<Option<Lease>, AnnounceError> {
        self.reload()?;
        Ok(self.ledger.lease.clone())
    }
}

fn parse(stored: &Stored, at: &str) -> Result<Ledger, AnnounceError> {
    match &stored.bytes {
        None => Ok(Ledger::new()),
        Some(bytes) => serde_json::from_slice(bytes)
            .map(Ledger::without_credentials)
            .map_err(|source| AnnounceError::Record {
                at: at.to_string(),
                source,
            }),
    }
}
