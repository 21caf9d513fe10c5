//! One thin sender per channel: the payload comes from [`compose`], the request goes through
//! the shared [`Client`], and what comes back is the post's id for threading. A 2xx answer is
//! a delivery even when its post id cannot be read (docs/announcing.md, "What counts as
//! delivered"): counting it failed would post it again on every run.

use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use super::compose::{self, Draft};
use super::email;
use super::ledger::{Remote, Thread};
use crate::config::{AnnounceChannel, XAuth};
use crate::http::{Client, Failure, excerpt};

/// A channel ready to send: its settings and the secrets read from the environment.
pub(crate) struct Sender<'a> {
    channel: &'a AnnounceChannel,
    /// In the order of [`AnnounceChannel::secret_vars`].
    secrets: Vec<String>,
    /// Bluesky's session, opened on the first post of a run.
    bluesky: Option<BlueskySession>,
    /// The SMTP session, opened on the first message of a run and closed by [`Sender::finish`].
    smtp: Option<email::Session>,
}

struct BlueskySession {
    did: String,
    access_jwt: String,
}

/// A message the channel took in (a 2xx answer).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Delivered {
    /// The post's id on the network, where it gives one and it could be read.
    pub remote: Option<Remote>,
    /// Why the id could not be read from an answer that should carry one.
    pub unread: Option<Failure>,
}

impl Delivered {
    const BLIND: Delivered = Delivered {
        remote: None,
        unread: None,
    };

    /// A network's answer that should name the post: its id, or why it could not be read.
    fn read(remote: Result<Remote, Failure>) -> Delivered {
        match remote {
            Ok(remote) => Delivered {
                remote: Some(remote),
                unread: None,
            },
            Err(why) => Delivered {
                remote: None,
                unread: Some(why),
            },
        }
    }
}

/// One message to send: which draft, which of its messages, and where it replies.
pub(crate) struct Outgoing<'d> {
    pub draft: &'d Draft,
    pub key: &'d str,
    pub thread: Option<Thread>,
    pub now: DateTime<Utc>,
}

impl<'a> Sender<'a> {
    pub(crate) fn new(channel: &'a AnnounceChannel, secrets: Vec<String>) -> Self {
        Sender {
            channel,
            secrets,
            bluesky: None,
            smtp: None,
        }
    }

    /// The channel's one secret (a webhook address, a token, a password).
    fn secret(&self) -> &str {
        self.secrets.first().map_or("", String::as_str)
    }

    /// Ends what the run opened: the SMTP session says goodbye.
    pub(crate) fn finish(&mut self) {
        if let Some(session) = self.smtp.take() {
            session.close();
        }
    }

    /// Sends one message; the post's id on the network when it gives one.
    pub(crate) fn send(
        &mut self,
        client: &Client,
        message: &Outgoing<'_>,
        on_retry: &mut dyn FnMut(&Failure),
    ) -> Result<Delivered, Failure> {
        let draft = message.draft;
        let thread = message.thread.as_ref();
        match self.channel {
            AnnounceChannel::Webhook { .. } => {
                let payload = draft
                    .webhook
                    .iter()
                    .find(|(key, _)| key == message.key)
                    .map(|(_, payload)| payload)
                    .ok_or_else(|| {
                        Failure::new(format!("no webhook payload for `{}`", message.key))
                    })?;
                client.post_json(self.secret(), &[], payload, on_retry)?;
                Ok(Delivered::BLIND)
            }
            AnnounceChannel::Slack { .. } => {
                client.post_json(self.secret(), &[], &compose::slack(draft), on_retry)?;
                Ok(Delivered::BLIND)
            }
            AnnounceChannel::Discord { .. } => {
                client.post_json(self.secret(), &[], &compose::discord(draft), on_retry)?;
                Ok(Delivered::BLIND)
            }
            AnnounceChannel::Teams { .. } => {
                client.post_json(self.secret(), &[], &compose::teams(draft), on_retry)?;
                Ok(Delivered::BLIND)
            }
            AnnounceChannel::Mastodon { instance, .. } => {
                let auth = format!("Bearer {}", self.secret());
                let idempotency = compose::idempotency_key(message.key);
                let answer = client.post_json(
                    &format!("{instance}/api/v1/statuses"),
                    &[("Authorization", &auth), ("Idempotency-Key", &idempotency)],
                    &compose::mastodon(draft, thread),
                    on_retry,
                )?;
                Ok(Delivered::read(
                    id_in(&answer.body, "/id").map(|id| Remote { id, cid: None }),
                ))
            }
            AnnounceChannel::Bluesky {
                handle, service, ..
            } => {
                let (handle, service) = (handle.clone(), service.clone());
                self.send_bluesky(client, message, (&handle, &service), on_retry)
            }
            AnnounceChannel::X { api, auth } => {
                let url = format!("{api}/2/tweets");
                let authorization = self.x_authorization(auth, &url);
                let answer = client.post_json(
                    &url,
                    &[("Authorization", &authorization)],
                    &compose::x(draft, thread),
                    on_retry,
                )?;
                Ok(Delivered::read(
                    id_in(&answer.body, "/data/id").map(|id| Remote { id, cid: None }),
                ))
            }
            AnnounceChannel::Email(settings) => self.send_email(draft, settings, on_retry),
        }
    }

    /// A Bluesky post, through the session (opened on the first post of the run).
    fn send_bluesky(
        &mut self,
        client: &Client,
        message: &Outgoing<'_>,
        (handle, service): (&str, &str),
        on_retry: &mut dyn FnMut(&Failure),
    ) -> Result<Delivered, Failure> {
        let (draft, thread) = (message.draft, message.thread.as_ref());
        let session = self.bluesky_session(client, handle, service, on_retry)?;
        let auth = format!("Bearer {}", session.access_jwt);
        let body = json!({
            "repo": session.did,
            "collection": "app.bsky.feed.post",
            "record": compose::bluesky(draft, thread, message.now),
        });
        let answer = client.post_json(
            &format!("{service}/xrpc/com.atproto.repo.createRecord"),
            &[("Authorization", &auth)],
            &body,
            on_retry,
        )?;
        // A reply names its parent by both: one without the other is no use.
        Ok(Delivered::read(id_in(&answer.body, "/uri").and_then(
            |id| {
                Ok(Remote {
                    id,
                    cid: Some(id_in(&answer.body, "/cid")?),
                })
            },
        )))
    }

    /// An email, through the SMTP session (opened on the first message of the run).
    fn send_email(
        &mut self,
        draft: &Draft,
        settings: &crate::config::Email,
        on_retry: &mut dyn FnMut(&Failure),
    ) -> Result<Delivered, Failure> {
        let message = email::message(draft, settings)?;
        if self.smtp.is_none() {
            let login = match &self.secrets[..] {
                [user, password] => Some((user.as_str(), password.as_str())),
                _ => None,
            };
            self.smtp = Some(email::Session::open(settings, login, on_retry)?);
        }
        let session = self
            .smtp
            .as_mut()
            .ok_or_else(|| Failure::new("no SMTP session"))?;
        if let Err(failure) = session.send(&message) {
            // A session a message failed in is not used again this run.
            self.finish();
            return Err(failure);
        }
        Ok(Delivered::BLIND)
    }

    /// The `Authorization` header of a post to X: the OAuth 2.0 token, or an OAuth 1.0a
    /// signature of the request (HMAC-SHA1 over the method, the address and the OAuth
    /// parameters; a JSON body is not part of it), made anew for every request.
    fn x_authorization(&self, auth: &XAuth, url: &str) -> String {
        match (auth, &self.secrets[..]) {
            (XAuth::OAuth1(_), [consumer_key, consumer_secret, token, token_secret]) => {
                let token = oauth1_request::Token::from_parts(
                    consumer_key,
                    consumer_secret,
                    token,
                    token_secret,
                );
                let mut builder =
                    oauth1_request::Builder::with_token(token, oauth1_request::HMAC_SHA1);
                builder.version(true);
                builder.post(url, &())
            }
            _ => format!("Bearer {}", self.secret()),
        }
    }

    /// `com.atproto.server.createSession` with the app password, once per run. Unlike a post,
    /// a session whose answer cannot be read is a failure: nothing can be posted without it.
    fn bluesky_session(
        &mut self,
        client: &Client,
        handle: &str,
        service: &str,
        on_retry: &mut dyn FnMut(&Failure),
    ) -> Result<&BlueskySession, Failure> {
        if self.bluesky.is_none() {
            let answer = client.post_json(
                &format!("{service}/xrpc/com.atproto.server.createSession"),
                &[],
                &json!({ "identifier": handle, "password": self.secret() }),
                on_retry,
            )?;
            self.bluesky = Some(BlueskySession {
                did: id_in(&answer.body, "/did")?,
                access_jwt: id_in(&answer.body, "/accessJwt")?,
            });
        }
        self.bluesky
            .as_ref()
            .ok_or_else(|| Failure::new("no Bluesky session"))
    }
}

/// A string at `pointer` in a JSON answer; ids may come as numbers too.
fn id_in(body: &str, pointer: &str) -> Result<String, Failure> {
    let value: Value = serde_json::from_str(body)
        .map_err(|_| Failure::new(format!("the answer is not JSON: {}", excerpt(body))))?;
    match value.pointer(pointer) {
        Some(Value::String(s)) if !s.is_empty() => Ok(s.clone()),
        Some(Value::Number(n)) => Ok(n.to_string()),
        _ => Err(Failure::new(format!(
            "the answer has no `{}`: {}",
            pointer.trim_start_matches('/').replace('/', "."),
            excerpt(body)
        ))),
    }
}
