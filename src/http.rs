//! The one HTTP client sitrep talks through, for announce's channels and the import's
//! documents alike: a timeout on every request, and a few tries with a doubling pause for
//! answers that say "try again" (docs/announcing.md, "When a channel fails"). A 2xx answer is
//! the only success; a redirect is not, and is never followed (docs/announcing.md, "What
//! counts as delivered").

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

/// Why a request failed, in words for the report: the channel's answer, or the network error.
/// Made only by [`Failure::new`], which takes credentials out of any URL in it: the report
/// ends up in CI logs (docs/reliability.md, "Announce").
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub(crate) struct Failure(String);

impl Failure {
    pub(crate) fn new(text: impl std::fmt::Display) -> Failure {
        Failure(crate::redact::credentials(&text.to_string()).into_owned())
    }
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
        let bytes = serde_json::to_vec(body).map_err(Failure::new)?;
        self.with_retries(on_retry, || {
            let mut request = self.agent.post(url).content_type("application/json");
            for (name, value) in headers {
                request = request.header(*name, *value);
            }
            let response = request.send(&bytes[..]).map_err(Failure::new)?;
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
            let response = request.call().map_err(Failure::new)?;
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
        .map_err(|e| Failure::new(format!("the answer could not be read whole: {e}")))?;
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
        (Some(location), 300..=399) => Failure::new(format!(
            "HTTP {}: redirected to {location}; not followed (a channel that redirects did not take the message: check its address)",
            answer.status
        )),
        _ => Failure::new(format!("HTTP {}: {}", answer.status, excerpt(&answer.body))),
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
