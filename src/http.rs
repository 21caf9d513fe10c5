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
    /// The request could not be sent, or no answer came (DNS, TLS, a timeout, ...): what went
    /// wrong, and the network's error, shown as the innermost cause the operating system or
    /// TLS gave.
    #[error("{what}: {cause}")]
    Transport {
        what: String,
        #[source]
        cause: Redacted<reqwest::Error>,
    },
    /// A 2xx answer whose body could not be read whole (over the limit, cut off, too slow).
    #[error("the answer could not be read whole: {0}")]
    Unreadable(#[source] Box<Failure>),
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
            Failure::Unreadable(inner) => Failure::Unreadable(Box::new(inner.hiding(secret))),
            transport @ Failure::Transport { .. } if transport.to_string().contains(secret) => {
                Failure::Other(hide(transport.to_string()))
            }
            other => other,
        }
    }
}

/// Another crate's error, kept as a value (for its kind) but shown, here and in any chain of
/// causes, as its innermost cause (what the operating system or TLS said: the outer layers'
/// "error sending request" adds nothing), with the credentials taken out of any URL in it; its
/// own causes are not shown, since their text is not redacted.
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

impl<E: std::error::Error + 'static> std::fmt::Display for Redacted<E> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut innermost: &(dyn std::error::Error + 'static) = &*self.0;
        while let Some(cause) = innermost.source() {
            innermost = cause;
        }
        f.write_str(&redacted(&innermost))
    }
}

impl<E: std::error::Error + 'static> std::error::Error for Redacted<E> {}

fn redacted(text: &impl std::fmt::Display) -> String {
    crate::redact::credentials(&text.to_string()).into_owned()
}

/// Makes ring rustls' provider for the process, once, before any TLS client is made: the
/// client here and OpenDAL's for S3 both use the process's provider (see Cargo.toml).
pub(crate) fn install_tls_provider() {
    static INSTALLED: std::sync::Once = std::sync::Once::new();
    INSTALLED.call_once(|| {
        // Refused only when a provider is already installed, which is as good.
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
}

/// The client: [`reqwest`], the HTTP stack OpenDAL already brings for S3, so that sitrep
/// compiles one (issue 19). Its asynchronous requests run on the command's runtime
/// ([`crate::runtime`]); callers see blocking calls.
pub(crate) struct Client {
    /// Or why it could not be made (TLS could not be set up), which every request reports:
    /// a channel that cannot be reached is a channel's failure, reported as one.
    inner: Result<reqwest::Client, Failure>,
}

impl Client {
    pub(crate) fn new() -> Self {
        install_tls_provider();
        let inner = reqwest::Client::builder()
            .timeout(TIMEOUT)
            // A POST redirected (a webhook URL that now leads to a login page) was not taken
            // in; following it would GET the page and call that delivered.
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("sitrep/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| transport("cannot set up HTTPS", e));
        Client { inner }
    }

    fn client(&self) -> Result<&reqwest::Client, Failure> {
        self.inner.as_ref().map_err(Clone::clone)
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
            let request = self
                .with_headers(self.client()?.post(url), headers)
                .header(reqwest::header::CONTENT_TYPE, "application/json")
                .body(bytes.clone());
            run(async {
                let response = request.send().await.map_err(failed_request)?;
                Ok(answer(response, POST_ANSWER_LIMIT).await)
            })
        })
    }

    /// GETs `url`; the body of a 2xx answer.
    pub(crate) fn get_text(&self, url: &str, headers: &[(&str, &str)]) -> Result<String, Failure> {
        self.with_retries(&mut |_| {}, || {
            let request = self.with_headers(self.client()?.get(url), headers);
            run(async {
                let response = request.send().await.map_err(failed_request)?;
                whole_answer(response, DOCUMENT_LIMIT).await
            })
        })
        .map(|answer| answer.body)
    }

    fn with_headers(
        &self,
        mut request: reqwest::RequestBuilder,
        headers: &[(&str, &str)],
    ) -> reqwest::RequestBuilder {
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        request
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

/// Runs one request on the command's runtime.
fn run(request: impl Future<Output = Result<Answer, Failure>>) -> Result<Answer, Failure> {
    crate::runtime::block_on(request)
        .map_err(|e| Failure::new(format!("cannot start the network runtime: {e}")))?
}

/// Why a request got no answer: what went wrong (no answer in time, no connection), with the
/// network's error as the cause. Its URL is dropped: a channel's URL is often its secret
/// (docs/announcing.md), and the report names the channel already.
fn failed_request(error: reqwest::Error) -> Failure {
    let what = if error.is_timeout() {
        format!("no answer within {} s", TIMEOUT.as_secs())
    } else if error.is_connect() {
        "cannot connect".to_string()
    } else if error.is_body() || error.is_decode() {
        "the answer could not be read".to_string()
    } else {
        "the request failed".to_string()
    };
    transport(what, error)
}

fn transport(what: impl Into<String>, error: reqwest::Error) -> Failure {
    Failure::Transport {
        what: what.into(),
        cause: Redacted::new(error.without_url()),
    }
}

/// [`answer`], for a document: a body that cannot be read whole (over `limit`, cut off, too
/// slow) is a failure that says so, not an empty document.
async fn whole_answer(response: reqwest::Response, limit: u64) -> Result<Answer, Failure> {
    let status = response.status().as_u16();
    if !(200..300).contains(&status) {
        return Ok(answer(response, POST_ANSWER_LIMIT).await);
    }
    let body = read_body(response, limit)
        .await
        .map_err(|e| Failure::Unreadable(Box::new(e)))?;
    Ok(Answer {
        status,
        body,
        retry_after: None,
        location: None,
    })
}

/// The status, the headers a retry or a redirect needs, and at most `limit` bytes of the body
/// (a channel's answer: one that cannot be read is still an answer).
async fn answer(response: reqwest::Response, limit: u64) -> Answer {
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
    let body = read_body(response, limit).await.unwrap_or_default();
    Answer {
        status,
        body,
        retry_after,
        location,
    }
}

/// The body as text, refused once it passes `limit` bytes or is not UTF-8.
async fn read_body(mut response: reqwest::Response, limit: u64) -> Result<String, Failure> {
    let mut bytes = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(failed_request)? {
        if (bytes.len() + chunk.len()) as u64 > limit {
            return Err(Failure::new(format!("it is over {limit} bytes")));
        }
        bytes.extend_from_slice(&chunk);
    }
    String::from_utf8(bytes).map_err(|_| Failure::new("it is not UTF-8 text"))
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
        let failure = Client::new()
            .get_text("http://bot:hunter2@127.0.0.1:9/x", &[])
            .unwrap_err();
        let shown = failure.to_string();
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(shown.starts_with("cannot connect: "), "{shown}");
        let cause = failure.source().expect("the network's error is the cause");
        assert!(!cause.to_string().contains("hunter2"));
        assert!(
            matches!(&failure, Failure::Transport { cause, .. } if cause.0.is_connect()),
            "{failure:?}"
        );
        assert!(!crate::error::describe(&failure).contains("hunter2"));
        assert_eq!(
            crate::error::describe(&failure),
            shown,
            "each cause said once"
        );
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

    /// A server on loopback that answers every connection with `reply` and closes it.
    fn answering(reply: &'static [u8]) -> String {
        use std::io::{Read, Write};
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let address = listener.local_addr().unwrap();
        std::thread::spawn(move || {
            for mut stream in listener.incoming().flatten() {
                let _ = stream.read(&mut [0; 4096]);
                let _ = stream.write_all(reply);
            }
        });
        address.to_string()
    }

    #[test]
    fn https_to_a_server_that_does_not_speak_tls_is_a_failure_not_a_panic() {
        // Were no TLS provider installed, making the client would panic; here the handshake
        // itself is refused, and said to be.
        let address = answering(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok");
        let failure = Client::new()
            .get_text(&format!("https://{address}/"), &[])
            .unwrap_err()
            .to_string();
        assert!(failure.starts_with("cannot connect: "), "{failure}");
        assert!(!failure.contains(&address), "{failure}");
    }

    #[test]
    fn a_document_over_the_limit_is_refused_not_cut_short() {
        let address = answering(
            b"HTTP/1.1 200 OK\r\ncontent-length: 11\r\nconnection: close\r\n\r\nhello world",
        );
        install_tls_provider();
        let answer = run(async {
            let response = reqwest::get(format!("http://{address}/")).await.unwrap();
            whole_answer(response, 5).await
        });
        let failure = answer.unwrap_err().to_string();
        assert_eq!(
            failure,
            "the answer could not be read whole: it is over 5 bytes"
        );
    }

    #[test]
    fn a_redirect_is_an_answer_naming_where_it_led_and_is_not_followed() {
        let address = answering(
            b"HTTP/1.1 302 Found\r\nlocation: http://127.0.0.1:9/login\r\ncontent-length: 0\r\nconnection: close\r\n\r\n",
        );
        let failure = Client::new()
            .post_json(
                &format!("http://{address}/hook"),
                &[],
                &serde_json::json!({}),
                &mut |_| {},
            )
            .unwrap_err()
            .to_string();
        assert!(
            failure.starts_with("HTTP 302: redirected to http://127.0.0.1:9/login; not followed"),
            "{failure}"
        );
    }
}
