//! The email channel (docs/announcing.md, "Email"): each update becomes one message with a
//! plain-text and an HTML part, threaded under its event's first update, and every message of
//! a run goes through one SMTP session, opened on the first and closed at the end.
//!
//! What a message says is decided here without the network ([`message`]); [`Session`] only
//! carries it. A server that refuses a message, or drops the connection, fails the channel
//! for this run, and the next announce sends the message again, once: an SMTP server that
//! took a message in but lost the connection before saying so cannot be told from one that
//! did not, so that message may arrive twice; it keeps its `Message-ID`, by which mail
//! readers and list managers know it.

use std::time::Duration;

use lettre::message::header::ContentType;
use lettre::message::{Message, MultiPart, SinglePart};
use lettre::transport::smtp::authentication::{Credentials, DEFAULT_MECHANISMS};
use lettre::transport::smtp::client::{SmtpConnection, TlsParameters};
use lettre::transport::smtp::extension::ClientId;

use super::compose::Draft;
use crate::config::{Email, SmtpTls};
use crate::http::Failure;

/// How long the server may take to answer any one command before the channel gives up.
const COMMAND_TIMEOUT: Duration = Duration::from_secs(30);

/// The message that tells `draft` to the channel's addresses.
pub(crate) fn message(draft: &Draft, email: &Email) -> Result<Message, Failure> {
    let first = message_id(&draft.thread_root, &draft.site_host);
    let mut builder = Message::builder()
        .from(email.from.clone())
        .subject(draft.headline.clone())
        .message_id(Some(message_id(&draft.key, &draft.site_host)))
        .date(draft.at.into())
        .user_agent(format!("sitrep {}", env!("CARGO_PKG_VERSION")));
    for to in &email.to {
        builder = builder.to(to.clone());
    }
    if draft.key != draft.thread_root {
        builder = builder.in_reply_to(first.clone()).references(first);
    }
    builder
        .multipart(
            MultiPart::alternative()
                .singlepart(plain_part(draft))
                .singlepart(html_part(draft)),
        )
        .map_err(|e| Failure::new(format!("the message could not be made: {e}")))
}

/// `<UPDATE-ID@HOST>`: an update's id is made of letters, digits, `-` and `.`, all allowed
/// in a message id, and the site's host makes it unique to the site.
fn message_id(key: &str, host: &str) -> String {
    format!("<{key}@{host}>")
}

/// The message as `--dry-run` shows it: its subject, who it goes to, and its text.
pub(crate) fn preview(draft: &Draft, email: &Email) -> String {
    let to: Vec<String> = email.to.iter().map(ToString::to_string).collect();
    format!(
        "Subject: {}\nTo: {}\n\n{}",
        draft.headline,
        to.join(", "),
        plain_text(draft)
    )
}

fn plain_part(draft: &Draft) -> SinglePart {
    SinglePart::plain(plain_text(draft))
}

fn plain_text(draft: &Draft) -> String {
    let mut text = String::new();
    if !draft.message.is_empty() {
        text.push_str(&draft.message);
        text.push_str("\n\n");
    }
    if !draft.components.is_empty() {
        text.push_str(&draft.components_label);
        text.push('\n');
        for line in &draft.components {
            text.push_str(&format!("- {}: {}\n", line.name, line.label));
        }
        text.push('\n');
    }
    text.push_str(&format!(
        "{}: {}\n\n-- \n{}\n",
        draft.link_label, draft.link, draft.site_title
    ));
    text
}

fn html_part(draft: &Draft) -> SinglePart {
    let escape = |text: &str| quick_xml::escape::escape(text).into_owned();
    let mut html = format!(
        "<!DOCTYPE html>\n<html lang=\"{}\">\n<head><meta charset=\"utf-8\"><title>{}</title></head>\n<body>\n<h1>{}</h1>\n",
        escape(&draft.language),
        escape(&draft.headline),
        escape(&draft.headline)
    );
    html.push_str(&draft.message_html);
    if !draft.components.is_empty() {
        html.push_str(&format!(
            "<h2>{}</h2>\n<ul>\n",
            escape(&draft.components_label)
        ));
        for line in &draft.components {
            html.push_str(&format!(
                "<li>{}: {}</li>\n",
                escape(&line.name),
                escape(&line.label)
            ));
        }
        html.push_str("</ul>\n");
    }
    html.push_str(&format!(
        "<p><a href=\"{}\">{}</a></p>\n<p>{}</p>\n</body>\n</html>\n",
        escape(&draft.link),
        escape(&draft.link_label),
        escape(&draft.site_title)
    ));
    SinglePart::builder()
        .header(ContentType::TEXT_HTML)
        .body(html)
}

/// Why a session could not be opened, and whether that is worth another try.
struct Opening {
    failure: Failure,
    transient: bool,
}

/// One SMTP session, for every message of one announce.
pub(crate) struct Session {
    connection: SmtpConnection,
}

impl Session {
    /// Connects, encrypts as the channel says and logs in with `login` (user, password),
    /// trying again as the one retry policy says when the server cannot be reached or answers
    /// "try later" (4xx); a refusal (5xx: a wrong password, say) is not tried again. No
    /// message has been sent on a session that failed to open.
    pub(crate) fn open(
        email: &Email,
        login: Option<(&str, &str)>,
        on_retry: &mut dyn FnMut(&Failure),
    ) -> Result<Session, Failure> {
        crate::retry::blocking(
            || Self::open_once(email, login),
            |e: &Opening| e.transient,
            |e| on_retry(&e.failure),
        )
        .map_err(|e| e.failure)
    }

    fn open_once(email: &Email, login: Option<(&str, &str)>) -> Result<Session, Opening> {
        let hello = ClientId::default();
        let refused = |e: lettre::transport::smtp::Error| Opening {
            transient: !(e.is_permanent() || e.is_client() || e.is_tls() || e.is_response()),
            failure: Failure::new(format!("{}:{}: {e}", email.server, email.port)),
        };
        let tls = || TlsParameters::new_rustls(email.server.clone()).map_err(refused);
        let implicit = match email.tls {
            SmtpTls::Tls => Some(tls()?),
            SmtpTls::StartTls | SmtpTls::None => None,
        };
        let mut connection = SmtpConnection::connect(
            (email.server.as_str(), email.port),
            Some(COMMAND_TIMEOUT),
            &hello,
            implicit.as_ref(),
            None,
        )
        .map_err(refused)?;
        if email.tls == SmtpTls::StartTls {
            if !connection.can_starttls() {
                connection.abort();
                return Err(Opening {
                    transient: false,
                    failure: Failure::new(format!(
                        "{}:{} does not offer STARTTLS; sitrep never sends a login or a message unencrypted unless site.yaml says `tls: none`",
                        email.server, email.port
                    )),
                });
            }
            connection.starttls(&tls()?, &hello).map_err(refused)?;
        }
        if let Some((user, password)) = login {
            let credentials = Credentials::new(user.to_string(), password.to_string());
            connection
                .auth(DEFAULT_MECHANISMS, &credentials)
                .map_err(refused)?;
        }
        Ok(Session { connection })
    }

    /// Sends one message to every address of its envelope.
    pub(crate) fn send(&mut self, message: &Message) -> Result<(), Failure> {
        self.connection
            .send(message.envelope(), &message.formatted())
            .map(|_| ())
            .map_err(|e| Failure::new(format!("the SMTP server did not take the message: {e}")))
    }

    /// Says goodbye; a server that has gone already does not matter by now.
    pub(crate) fn close(mut self) {
        if self.connection.quit().is_err() {
            self.connection.abort();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::announce::compose::tests::draft;
    use crate::model::{ComponentStatus, UpdateStatus};

    fn channel() -> Email {
        Email {
            server: "smtp.example.org".into(),
            port: 587,
            tls: SmtpTls::StartTls,
            from: "Status <status@example.org>".parse().expect("mailbox"),
            to: vec!["customers@lists.example.org".parse().expect("mailbox")],
            login: None,
        }
    }

    #[test]
    fn a_title_with_line_breaks_cannot_add_headers_or_recipients() {
        let mut d = draft(
            UpdateStatus::Investigating,
            ComponentStatus::MajorOutage,
            "x",
        );
        d.headline = "Down\r\nBcc: attacker@evil.example\r\n\r\nforged body".into();
        let message = message(&d, &channel()).expect("message");
        let text = String::from_utf8(message.formatted()).expect("utf-8");
        let (headers, _) = text.split_once("\r\n\r\n").expect("headers end");
        assert!(
            !headers
                .lines()
                .any(|l| l.to_ascii_lowercase().starts_with("bcc:")),
            "{headers}"
        );
        let recipients: Vec<String> = message
            .envelope()
            .to()
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(recipients, ["customers@lists.example.org"]);
    }

    #[test]
    fn the_first_update_starts_a_thread_and_later_ones_reply_to_it() {
        let mut d = draft(UpdateStatus::Identified, ComponentStatus::MajorOutage, "x");
        let first = message(&d, &channel()).expect("message");
        let head = |m: &Message| String::from_utf8_lossy(&m.formatted()).into_owned();
        assert!(!head(&first).contains("In-Reply-To"), "{}", head(&first));
        d.key = "outage-20261128T093000Z".into();
        let later = head(&message(&d, &channel()).expect("message"));
        assert!(
            later.contains("Message-ID: <outage-20261128T093000Z@status.example.com>"),
            "{later}"
        );
        assert!(
            later.contains("In-Reply-To: <outage-20261128T090000Z@status.example.com>"),
            "{later}"
        );
        assert!(
            later.contains("References: <outage-20261128T090000Z@status.example.com>"),
            "{later}"
        );
    }
}
