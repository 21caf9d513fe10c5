//! The one HTTP client sitrep talks through, for announce's channels and the import's
//! documents alike: a timeout on every request, and a few tries with a doubling pause for
//! answers that say "try again" (docs/announcing.md, "When a channel fails"). A 2xx answer is
//! the only success; a redirect is not, and is never followed (docs/announcing.md, "What
//! counts as delivered").

use std::sync::Arc;
use std::time::Duration;

/// The longest a request may take; Statuspage gives webhook receivers 30 s to answer.
const TIMEOUT: Duration = Duration::from_secs(30);
/// A `Retry-After` longer than this is not waited for: the channel is retried on the next
/// announce instead.
const LONGEST_PAUSE: Duration = Duration::from_secs(30);
/// How much of an error answer is kept for the report.
const ANSWER_EXCERPT: usize = 500;
/// The most of a channel's answer that is read.
const POST_ANSWER_LIMIT: u64 = 1024 * 1024;
/// The most of a document that is read: a whole Statuspage history is some MB.
const DOCUMENT_LIMIT: u64 = 64 * 1024 * 1024;

/// A channel's answer.
#[derive(Debug, Clone)]
pub(crate) struct Answer {
    pub status: u16,
    pub body: String,
    /// `Retry-After` in seconds, on a rate-limited answer.
    pub retry_after: Option<Duration>,
    /// `Location`, on a redirect.
    pub location: Option<String>,
}

/// Why a request failed: the channel's answer, or the network's error kept as the cause. The
/// report ends up in CI logs (docs/reliability.md, "Announce"), so every text it shows has the
/// credentials taken out of any URL in it, the causes' included ([`Redacted`]).
#[derive(Debug, Clone, thiserror::Error)]
pub(crate) enum Failure {
    /// The request could not be sent, or no answer came (DNS, TLS, a timeout, ...).
    #[error("{0}")]
    Transport(#[source] Redacted<ureq::Error>),
    /// A 2xx answer whose body could not be read whole (over the limit, cut off, too slow).
    #[error("the answer could not be read whole: {0}")]
    Unreadable(#[source] Redacted<ureq::Error>),
    /// The body to send could not be written as JSON.
    #[error("{0}")]
    Encode(#[source] Arc<serde_json::Error>),
    /// The channel answered, but not with a 2xx.
    #[error("HTTP {status}: {excerpt}")]
    Refused {
        /// The answer's status code.
        status: u16,
        /// The start of its body, on one line, credentials taken out.
        excerpt: String,
    },
    /// The channel answered with a redirect, which is not followed.
    #[error(
        "HTTP {status}: redirected to {location}; not followed (a channel that redirects did not take the message: check its address)"
    )]
    Redirected {
        /// The answer's status code.
        status: u16,
        /// Where it led, credentials taken out.
        location: String,
    },
    /// A failure in sitrep's own words (a channel's answer that makes no sense, say).
    #[error("{0}")]
    Other(String),
}

/// Two failures are the same when the report says the same of them (a delivery's record
/// compares its unread answer, src/announce/send.rs).
impl PartialEq for Failure {
    fn eq(&self, other: &Self) -> bool {
        self.to_string() == other.to_string()
    }
}

impl Eq for Failure {}

impl Failure {
    /// A failure in sitrep's own words, credentials taken out of any URL in them.
    pub(crate) fn new(text: impl std::fmt::Display) -> Failure {
        Failure::Other(redacted(&text))
    }

    /// The failure with `secret` (an API key sent in a header) taken out of what it shows,
    /// for a server that echoes it in its answer.
    pub(crate) fn hiding(self, secret: &str) -> Failure {
        let hide = |text: String| text.replace(secret, crate::redact::REDACTED);
        match self {
            Failure::Refused { status, excerpt } => Failure::Refused {
                status,
                excerpt: hide(excerpt),
            },
            Failure::Redirected { status, location } => Failure::Redirected {
                status,
                location: hide(location),
            },
            Failure::Other(text) => Failure::Other(hide(text)),
            Failure::Transport(e) if e.to_string().contains(secret) => {
                Failure::Other(hide(e.to_string()))
            }
            Failure::Unreadable(e) if e.to_string().contains(secret) => {
                Failure::Other(hide(Failure::Unreadable(e).to_string()))
            }
            other => other,
        }
    }
}

/// Another crate's error, kept as a value (for its kind) but shown, here and in any chain of
/// causes, only with the credentials taken out of the URLs in its text; its own causes are not
/// shown, since their text is not redacted.
#[derive(Debug)]
pub(crate) struct Redacted<E>(pub Arc<E>);

impl<E> Clone for Redacted<E> {
    fn clone(&self) -> Self {
        Redacted(self.0.clone())
    }
}

impl<E> Redacted<E> {
    fn new(error: E) -> Self {
        Redacted(Arc::new(error))
    }
}

impl<E: std::fmt::Display> std::fmt::Display for Redacted<E> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&redacted(&self.0))
    }
}

impl<E: std::fmt::Debug + std::fmt::Display> std::error::Error for Redacted<E> {}

fn redacted(text: &impl std::fmt::Display) -> String {
    crate::redact::credentials(&text.to_string()).into_owned()
}

pub(crate) struct Client {
    agent: ureq::Agent,
}

impl Client {
    pub(crate) fn new() -> Self {
        let config = ureq::Agent::config_builder()
            .timeout_global(Some(TIMEOUT))
            .http_status_as_error(false)
            // A POST redirected (a webhook URL that now leads to a login page) was not taken
            // in; following it would GET the page and call that delivered.
            .max_redirects(0)
            .user_agent(concat!("sitrep/", env!("CARGO_PKG_VERSION")))
            .build();
        Client {
            agent: config.into(),
        }
    }

    /// POSTs `body` as JSON; a 2xx answer is `Ok`. `on_retry` hears of each try that failed.
    pub(crate) fn post_json(
        &self,
        url: &str,
        headers: &[(&str, &str)],
        body: &serde_json::Value,
        on_retry: &mut dyn FnMut(&Failure),
    ) -> Result<Answer, Failure> {
        let bytes = serde_json::to_vec(body).map_err(|e| Failure::Encode(Arc::new(e)))?;
        self.with_retries(on_retry, || {
            let mut request = self.agent.post(url).content_type("application/json");
            for (name, value) in headers {
                request = request.header(*name, *value);
            }
            let response = request
                .send(&bytes[..])
                .map_err(|e| Failure::Transport(Redacted::new(e)))?;
            Ok(answer(response, POST_ANSWER_LIMIT))
        })
    }

    /// GETs `url`; the body of a 2xx answer.
    pub(crate) fn get_text(&self, url: &str, headers: &[(&str, &str)]) -> Result<String, Failure> {
        self.with_retries(&mut |_| {}, || {
            let mut request = self.agent.get(url);
            for (name, value) in headers {
                request = request.header(*name, *value);
            }
            let response = request
                .call()
                .map_err(|e| Failure::Transport(Redacted::new(e)))?;
            whole_answer(response, DOCUMENT_LIMIT)
        })
        .map(|answer| answer.body)
    }

    /// Sends with `once` until a 2xx answer, an answer not worth trying again, or the last of
    /// [`crate::retry::TRIES`], pausing as [`crate::retry::pauses`] says, or as `Retry-After`
    /// does when it asks for longer.
    fn with_retries(
        &self,
        on_retry: &mut dyn FnMut(&Failure),
        mut once: impl FnMut() -> Result<Answer, Failure>,
    ) -> Result<Answer, Failure> {
        let mut pauses = crate::retry::pauses();
        loop {
            let (failure, retry_after) = match once() {
                Ok(answer) if (200..300).contains(&answer.status) => return Ok(answer),
                Ok(answer) => {
                    let failure = refused(&answer);
                    if !worth_retrying(answer.status) {
                        return Err(failure);
                    }
                    (failure, answer.retry_after)
                }
                Err(e) => (e, None),
            };
            let Some(mut pause) = pauses.next() else {
                return Err(failure);
            };
            if let Some(wait) = retry_after {
                if wait > LONGEST_PAUSE {
                    return Err(failure);
                }
                pause = pause.max(wait);
            }
            on_retry(&failure);
            std::thread::sleep(pause);
        }
    }
}

/// [`answer`], for a document: a body that cannot be read whole (over `limit`, cut off, too
/// slow) is a failure that says so, not an empty document.
fn whole_answer(
    mut response: ureq::http::Response<ureq::Body>,
    limit: u64,
) -> Result<Answer, Failure> {
    let status = response.status().as_u16();
    if !(200..300).contains(&status) {
        return Ok(answer(response, POST_ANSWER_LIMIT));
    }
    let body = response
        .body_mut()
        .with_config()
        .limit(limit)
        .read_to_string()
        .map_err(|e| Failure::Unreadable(Redacted::new(e)))?;
    Ok(Answer {
        status,
        body,
        retry_after: None,
        location: None,
    })
}

/// The status, the headers a retry or a redirect needs, and at most `limit` bytes of the body
/// (a channel's answer: one that cannot be read is still an answer).
fn answer(mut response: ureq::http::Response<ureq::Body>, limit: u64) -> Answer {
    let status = response.status().as_u16();
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(|v| v.trim().to_string())
    };
    let retry_after = header("retry-after")
        .and_then(|v| v.parse::<u64>().ok())
        .map(Duration::from_secs);
    let location = header("location");
    let body = response
        .body_mut()
        .with_config()
        .limit(limit)
        .read_to_string()
        .unwrap_or_default();
    Answer {
        status,
        body,
        retry_after,
        location,
    }
}

impl Default for Client {
    fn default() -> Self {
        Self::new()
    }
}

/// Why an answer is not a success (for a channel: not a delivery). A redirect names where it led, since that is
/// what the person fixing the channel's address needs to see.
fn refused(answer: &Answer) -> Failure {
    match (&answer.location, answer.status) {
        (Some(location), 300..=399) => Failure::Redirected {
            status: answer.status,
            location: redacted(location),
        },
        _ => Failure::Refused {
            status: answer.status,
            excerpt: redacted(&excerpt(&answer.body)),
        },
    }
}

/// Rate limits and server trouble pass; a refused token or a malformed message does not.
fn worth_retrying(status: u16) -> bool {
    matches!(status, 408 | 425 | 429 | 500..=599)
}

/// The start of an answer, on one line.
pub(crate) fn excerpt(body: &str) -> String {
    let one_line = body.split_whitespace().collect::<Vec<_>>().join(" ");
    crate::markdown::truncate_at_word(&one_line, ANSWER_EXCERPT)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::error::Error as _;

    /// The network's error stays a value the code can match, while neither the failure nor
    /// its cause shows the credentials in the URL it names.
    #[test]
    fn a_transport_failure_keeps_its_cause_without_its_credentials() {
        let failure = Failure::Transport(Redacted::new(ureq::Error::BadUri(
            "https://bot:hunter2@hooks.example.org/x".into(),
        )));
        let shown = failure.to_string();
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(shown.contains("hooks.example.org"), "{shown}");
        let cause = failure.source().expect("the network's error is the cause");
        assert!(!cause.to_string().contains("hunter2"));
        assert!(
            matches!(&failure, Failure::Transport(e) if matches!(*e.0, ureq::Error::BadUri(_)))
        );
        assert!(!crate::error::describe(&failure).contains("hunter2"));
    }

    /// A server that echoes the API key in its answer does not get it shown.
    #[test]
    fn hiding_takes_a_key_out_of_what_a_failure_shows() {
        let echoed = Failure::Refused {
            status: 401,
            excerpt: "bad key sk-12345".into(),
        };
        let hidden = echoed.hiding("sk-12345");
        assert!(matches!(hidden, Failure::Refused { status: 401, .. }));
        assert!(!hidden.to_string().contains("sk-12345"), "{hidden}");
    }

    #[test]
    fn a_refusal_and_a_redirect_read_as_before() {
        let refusal = refused(&Answer {
            status: 403,
            body: "forbidden\n  token  ".into(),
            retry_after: None,
            location: None,
        });
        assert_eq!(refusal.to_string(), "HTTP 403: forbidden token");
        let redirected = refused(&Answer {
            status: 302,
            body: String::new(),
            retry_after: None,
            location: Some("https://example.org/login".into()),
        });
        assert_eq!(
            redirected.to_string(),
            "HTTP 302: redirected to https://example.org/login; not followed (a channel that redirects did not take the message: check its address)"
        );
    }
}
