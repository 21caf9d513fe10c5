//! `sitrep ingest` and `sitrep receive` on the command line (docs/ingesting.md): the
//! decisions printed one per line, and a publish when a rule says `publish: true`.

use std::path::PathBuf;

use super::publish::publish_after_authoring;
use super::{TimeArgs, error_text, now_from, terminal, write_stdout};

/// A decision as one log line: group keys and labels come from whoever sent the alert, so a
/// line break in them is shown escaped rather than starting a line of its own.
fn one_line(decision: &sitrep::ingest::Decision) -> String {
    sitrep::error::printable(&decision.to_string()).into_owned()
}

pub(super) fn source_arg(text: &str) -> Result<sitrep::ingest::Source, String> {
    sitrep::ingest::Source::parse(text).ok_or_else(|| {
        let names: Vec<&str> = sitrep::ingest::Source::ALL
            .iter()
            .map(|s| s.as_str())
            .collect();
        format!("expected one of {}", names.join(", "))
    })
}

/// `sitrep ingest`: one payload, from a file or standard input, handled as `receive` would.
pub(super) fn ingest(
    source: sitrep::ingest::Source,
    file: Option<PathBuf>,
    time: &TimeArgs,
) -> anyhow::Result<()> {
    use std::io::Read;
    let limit = sitrep::ingest::receive::BODY_LIMIT;
    let mut body = Vec::new();
    match file.as_deref().filter(|f| *f != std::path::Path::new("-")) {
        Some(path) => std::fs::File::open(path)
            .and_then(|f| f.take(limit as u64 + 1).read_to_end(&mut body))
            .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", path.display()))?,
        None => std::io::stdin()
            .take(limit as u64 + 1)
            .read_to_end(&mut body)
            .map_err(|e| anyhow::anyhow!("cannot read standard input: {e}"))?,
    };
    if body.len() > limit {
        anyhow::bail!("the payload is larger than {limit} bytes; nothing was written");
    }
    let report = sitrep::ingest::run(&time.root, source, &body, &now_from(time.now.clone()))?;
    for decision in &report.decisions {
        say!("{}", one_line(decision));
    }
    if report.publish {
        publish_after_authoring(
            true,
            TimeArgs {
                root: time.root.clone(),
                now: time.now.clone(),
            },
        )?;
    }
    Ok(())
}

/// `sitrep receive`: one line per decision or refusal; a rule with `publish: true` publishes
/// and announces, one publish at a time, on a thread of its own so that the monitoring gets
/// its answer without waiting for the upload (Alertmanager would time out and send again).
pub(super) fn receive(root: PathBuf, bind: std::net::IpAddr, port: u16) -> anyhow::Result<()> {
    use sitrep::ingest::receive::{ReceiveEvent, ReceiveOptions};
    let publishing = std::sync::Arc::new(std::sync::Mutex::new(()));
    let site = root.clone();
    let print = move |event: ReceiveEvent| {
        match event {
            ReceiveEvent::Listening(address) => say!(
                "Receiving alerts at http://{address}/ (POST /alertmanager, /grafana, /uptime-kuma, /gatus, /generic; Ctrl-C to stop)"
            ),
            ReceiveEvent::Handled { report, .. } => {
                for decision in &report.decisions {
                    say!("{}", one_line(decision));
                }
                if report.publish {
                    let publishing = publishing.clone();
                    let time = TimeArgs {
                        root: site.clone(),
                        now: None,
                    };
                    std::thread::spawn(move || {
                        let _one_at_a_time = publishing.lock();
                        if let Err(e) = publish_after_authoring(true, time) {
                            eprintln!("{}", error_text(&e));
                        }
                    });
                }
            }
            ReceiveEvent::Refused {
                request,
                status,
                why,
            } => {
                eprintln!("{request}: refused with {status}: {}", terminal(&why));
            }
            ReceiveEvent::Stopped => say!("Stopped."),
        }
        use std::io::Write;
        let _ = std::io::stdout().flush();
    };
    sitrep::ingest::receive::run(ReceiveOptions { root, bind, port }, print)?;
    Ok(())
}
