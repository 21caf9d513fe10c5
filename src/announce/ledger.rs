//! The record of what was announced: per channel, every message told, with the id the
//! channel gave it (for threading replies). Kept with the published site, beside the
//! manifest (docs/announcing.md, "Where the record of what was sent lives"). Pure: what to
//! send follows from the model and this record alone.
//!
//! News is what a channel was not told yet and is not much older than the newest update it
//! was told (its high-water mark): a backfill of old incidents is marked as told, and an
//! update whose time was corrected is known by its content (docs/announcing.md, "News").

use std::collections::BTreeMap;

use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

use crate::publish::lease::Lease;

/// On a channel's first announce, updates older than this are history: marked as told, not
/// posted (years of old updates would flood followers). Later, an update this much older than
/// the newest one a channel was told is a backfill, marked the same way; one less old is
/// news written up late (two incidents at once, an update typed after the fact), and posted.
pub(crate) const HISTORY_AGE: TimeDelta = TimeDelta::hours(24);

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Ledger {
    /// Format version of this file.
    pub version: u32,
    /// Channel key (see `Channel::key`) → what it was told.
    #[serde(default)]
    pub channels: BTreeMap<String, ChannelLog>,
    /// Set while an announce is under way, so a second one waits rather than posting twice.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lease: Option<Lease>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct ChannelLog {
    /// When this channel was first announced to.
    pub since: Option<DateTime<Utc>>,
    /// Message key (the update's API id; `ID/COMPONENT` for a webhook's component
    /// notification) → how it was told.
    #[serde(default)]
    pub told: BTreeMap<String, Told>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Told {
    /// The event's slug, so replies find their thread.
    pub event: String,
    /// The update's time, so the thread's first and latest posts are known.
    pub update_at: DateTime<Utc>,
    /// When it was sent; `None` for history marked as told on a first announce.
    #[serde(default)]
    pub sent_at: Option<DateTime<Utc>>,
    /// The post's id on the channel, where the channel gives one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remote: Option<Remote>,
    /// The message's content key (see `compose::content_key`), by which it is known when its
    /// update's time, and so its key, is corrected. Absent in records written before.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content: Option<String>,
}

/// A post's id on its network: Mastodon's status id, X's tweet id, Bluesky's record URI and
/// CID (a reply names both).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Remote {
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cid: Option<String>,
}

/// The posts a reply hangs from: the thread's first post and the one before it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Thread {
    pub root: Remote,
    pub parent: Remote,
}

/// One message some channel is to be told.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Pending {
    pub key: String,
    pub event: String,
    pub update_at: DateTime<Utc>,
    /// What stays the same when the update's time is corrected.
    pub content: String,
}

/// A channel's messages not in its record, sorted out by [`Ledger::sort_out`].
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Sorted<T> {
    /// To send, in the order given.
    pub news: Vec<(T, Pending)>,
    /// Marked as told: told already under another key, their update's time since corrected.
    pub retimed: usize,
    /// Marked as told: dated more than [`HISTORY_AGE`] before the channel's high-water mark.
    pub backfilled: usize,
}

impl Pending {
    /// How it is recorded when marked as told without being sent.
    fn marked(&self) -> Told {
        Told {
            event: self.event.clone(),
            update_at: self.update_at,
            sent_at: None,
            remote: None,
            content: Some(self.content.clone()),
        }
    }
}

impl Ledger {
    pub(crate) const VERSION: u32 = 1;

    pub(crate) fn new() -> Self {
        Ledger {
            version: Self::VERSION,
            ..Ledger::default()
        }
    }

    /// Two records read from two targets, as one: everything either says was told.
    pub(crate) fn merge(mut self, other: Ledger) -> Ledger {
        for (channel, log) in other.channels {
            self.merge_channel(channel, log);
        }
        self.lease = self.lease.or(other.lease);
        self
    }

    fn merge_channel(&mut self, channel: String, log: ChannelLog) {
        let mine = self.channels.entry(channel).or_default();
        mine.since = match (mine.since, log.since) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        for (key, told) in log.told {
            match mine.told.get(&key) {
                Some(existing) if existing.remote.is_some() || told.remote.is_none() => {}
                _ => {
                    mine.told.insert(key, told);
                }
            }
        }
    }

    /// The record with credentials taken out of its channel keys. Records written before
    /// `channel_key` took them out name a channel by an address as written in site.yaml
    /// (`mastodon:https://user:pass@host:…`); read this way, the channel keeps what it was
    /// told and the next write leaves the secret out of the published record.
    pub(crate) fn without_credentials(self) -> Ledger {
        let mut clean = Ledger {
            channels: BTreeMap::new(),
            ..self
        };
        for (channel, log) in self.channels {
            let key = crate::redact::credentials(&channel).into_owned();
            clean.merge_channel(key, log);
        }
        clean
    }

    #[cfg(test)]
    pub(crate) fn is_told(&self, channel: &str, key: &str) -> bool {
        self.channels
            .get(channel)
            .is_some_and(|log| log.told.contains_key(key))
    }

    /// Whether `channel` has never been announced to.
    pub(crate) fn is_new_channel(&self, channel: &str) -> bool {
        self.channels
            .get(channel)
            .is_none_or(|log| log.since.is_none())
    }

    /// A channel's first announce: `history` (messages older than [`HISTORY_AGE`]) is marked
    /// as told. Returns how many were marked.
    pub(crate) fn start_channel(
        &mut self,
        channel: &str,
        messages: &[Pending],
        now: DateTime<Utc>,
    ) -> usize {
        let log = self.channels.entry(channel.to_string()).or_default();
        log.since = Some(now);
        let mut marked = 0;
        for m in messages.iter().filter(|m| now - m.update_at > HISTORY_AGE) {
            log.told.entry(m.key.clone()).or_insert_with(|| {
                marked += 1;
                m.marked()
            });
        }
        marked
    }

    pub(crate) fn record(
        &mut self,
        channel: &str,
        message: &Pending,
        sent_at: DateTime<Utc>,
        remote: Option<Remote>,
    ) {
        let log = self.channels.entry(channel.to_string()).or_default();
        log.since.get_or_insert(sent_at);
        log.told.insert(
            message.key.clone(),
            Told {
                event: message.event.clone(),
                update_at: message.update_at,
                sent_at: Some(sent_at),
                remote,
                content: Some(message.content.clone()),
            },
        );
    }

    /// The newest update time `channel` was told, or marked as told: its high-water mark.
    pub(crate) fn high_water(&self, channel: &str) -> Option<DateTime<Utc>> {
        let log = self.channels.get(channel)?;
        log.told.values().map(|t| t.update_at).max()
    }

    /// `channel`'s messages (each with the caller's `T`) less those it was told. Of the
    /// rest, one whose content it was told under another key (its update's time was
    /// corrected) is recorded under the new key too, with the post it was told in, so replies
    /// thread under it; one dated more than [`HISTORY_AGE`] before the high-water mark is a
    /// backfill, marked as told; the others are news.
    pub(crate) fn sort_out<T>(&mut self, channel: &str, messages: Vec<(T, Pending)>) -> Sorted<T> {
        let mark = self.high_water(channel);
        let log = self.channels.entry(channel.to_string()).or_default();
        let by_content: std::collections::HashMap<String, Told> = log
            .told
            .values()
            .filter_map(|t| Some((t.content.clone()?, t.clone())))
            .collect();
        let mut sorted = Sorted {
            news: Vec::new(),
            retimed: 0,
            backfilled: 0,
        };
        for (x, m) in messages {
            if log.told.contains_key(&m.key) {
                continue;
            }
            if let Some(told) = by_content.get(&m.content) {
                let alias = Told {
                    update_at: m.update_at,
                    ..told.clone()
                };
                log.told.insert(m.key, alias);
                sorted.retimed += 1;
            } else if mark.is_some_and(|mark| mark - m.update_at > HISTORY_AGE) {
                log.told.insert(m.key.clone(), m.marked());
                sorted.backfilled += 1;
            } else {
                sorted.news.push((x, m));
            }
        }
        sorted
    }

    /// Where a post about `event` replies on `channel`: under the event's first post there,
    /// after its latest one. `None` when nothing of the event was posted there yet.
    pub(crate) fn thread(&self, channel: &str, event: &str) -> Option<Thread> {
        let log = self.channels.get(channel)?;
        let mut posts: Vec<(&DateTime<Utc>, &str, &Remote)> = log
            .told
            .iter()
            .filter(|(_, t)| t.event == event)
            .filter_map(|(key, t)| Some((&t.update_at, key.as_str(), t.remote.as_ref()?)))
            .collect();
        posts.sort_by(|a, b| (a.0, a.1).cmp(&(b.0, b.1)));
        let root = posts.first()?.2.clone();
        let parent = posts.last()?.2.clone();
        Some(Thread { root, parent })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(hour: u32) -> DateTime<Utc> {
        DateTime::from_timestamp(1_790_000_000 + i64::from(hour) * 3600, 0).expect("time")
    }

    fn pending(key: &str, hour: u32) -> Pending {
        Pending {
            key: key.into(),
            event: "outage".into(),
            update_at: at(hour),
            content: format!("content of {key}"),
        }
    }

    #[test]
    fn a_first_announce_marks_only_history_as_told() {
        let mut ledger = Ledger::new();
        let messages = [pending("old", 0), pending("recent", 40)];
        assert_eq!(ledger.start_channel("x", &messages, at(48)), 1);
        assert!(ledger.is_told("x", "old"));
        assert!(!ledger.is_told("x", "recent"));
        assert!(!ledger.is_new_channel("x"));
        assert!(ledger.is_new_channel("slack"));
    }

    #[test]
    fn replies_hang_under_the_first_post_after_the_latest() {
        let mut ledger = Ledger::new();
        let remote = |id: &str| {
            Some(Remote {
                id: id.into(),
                cid: None,
            })
        };
        ledger.record("m", &pending("b", 2), at(3), remote("2"));
        ledger.record("m", &pending("a", 1), at(3), remote("1"));
        ledger.record("m", &pending("c", 3), at(3), remote("3"));
        let thread = ledger.thread("m", "outage").expect("thread");
        assert_eq!(thread.root.id, "1");
        assert_eq!(thread.parent.id, "3");
        assert_eq!(ledger.thread("m", "other"), None);
        assert_eq!(ledger.thread("x", "outage"), None);
    }

    #[test]
    fn merging_keeps_everything_either_record_told() {
        let mut a = Ledger::new();
        a.record("m", &pending("a", 1), at(2), None);
        let mut b = Ledger::new();
        b.record(
            "m",
            &pending("b", 2),
            at(3),
            Some(Remote {
                id: "9".into(),
                cid: None,
            }),
        );
        b.record("s", &pending("a", 1), at(3), None);
        let merged = a.merge(b);
        assert!(merged.is_told("m", "a") && merged.is_told("m", "b") && merged.is_told("s", "a"));
        assert_eq!(merged.channels["m"].since, Some(at(2)));
    }

    #[test]
    fn a_record_with_credentials_in_a_channel_key_is_read_without_them() {
        let mut old = Ledger::new();
        old.record(
            "mastodon:https://bot:secret@social.example:TOKEN",
            &pending("a", 1),
            at(2),
            None,
        );
        old.record(
            "mastodon:https://social.example:OTHER",
            &pending("b", 1),
            at(2),
            None,
        );
        let clean = old.without_credentials();
        assert!(clean.is_told("mastodon:https://<redacted>@social.example:TOKEN", "a"));
        assert!(clean.is_told("mastodon:https://social.example:OTHER", "b"));
        let written = serde_json::to_string(&clean).expect("JSON");
        assert!(!written.contains("secret"), "{written}");
    }

    #[test]
    fn news_is_what_is_neither_told_retimed_nor_long_before_the_mark() {
        let mut ledger = Ledger::new();
        ledger.record("m", &pending("told", 48), at(49), None);
        let retimed = Pending {
            key: "told-at-a-new-time".into(),
            update_at: at(50),
            ..pending("told", 48)
        };
        let messages = vec![
            ((), pending("told", 48)),
            ((), retimed),
            ((), pending("backfill", 23)),
            ((), pending("written-up-late", 25)),
            ((), pending("new", 51)),
        ];
        let sorted = ledger.sort_out("m", messages);
        let news: Vec<&str> = sorted.news.iter().map(|(_, m)| m.key.as_str()).collect();
        assert_eq!(news, ["written-up-late", "new"]);
        assert_eq!((sorted.retimed, sorted.backfilled), (1, 1));
        assert!(ledger.is_told("m", "told-at-a-new-time") && ledger.is_told("m", "backfill"));
        assert_eq!(ledger.high_water("m"), Some(at(50)));
    }
}
