//! `sitrep publish` and `sitrep announce` on the command line: progress per target and per
//! channel, and what failed.

use sitrep::announce::{AnnounceError, AnnounceEvent, AnnounceOptions};
use sitrep::publish::{PublishEvent, PublishOptions};

use super::{TimeArgs, now_from, print_warnings, terminal, write_stdout};

/// `new … --publish` and `update … --publish`: the event file is written; now the site goes
/// out, as `sitrep publish` would send it.
pub(super) fn publish_after_authoring(publish_too: bool, time: TimeArgs) -> anyhow::Result<()> {
    if !publish_too {
        return Ok(());
    }
    publish(
        PublishOptions {
            root: time.root,
            now: now_from(time.now),
            drafts: false,
            dry_run: false,
            verify: false,
        },
        true,
    )
}

/// Publishes, then — once every target has the site — announces what is new.
pub(super) fn publish(options: PublishOptions, then_announce: bool) -> anyhow::Result<()> {
    let mut printer = PublishPrinter::default();
    let report = sitrep::publish::run(&options, |event| printer.print(event))?;
    if let Some(e) = &report.local_copy {
        eprintln!("error: the local copy of the site was not written: {e}");
    }
    let failed = report.failures.len();
    if failed > 0 {
        let total = failed + report.targets.len();
        anyhow::bail!(
            "{failed} of {total} publish target{} failed{}",
            if total == 1 { "" } else { "s" },
            if report.targets.is_empty() {
                ""
            } else {
                "; the others are up to date"
            }
        );
    }
    // Every target has the site: announce it, then own up to a local copy that failed.
    if then_announce {
        announce(
            &AnnounceOptions {
                root: options.root,
                now: options.now,
                dry_run: options.dry_run,
            },
            true,
        )?;
    }
    if report.local_copy.is_some() {
        anyhow::bail!("every target is up to date, but the local copy is not");
    }
    Ok(())
}

/// `sitrep announce`; after a publish, a site without channels simply has nothing to do.
pub(super) fn announce(options: &AnnounceOptions, after_publish: bool) -> anyhow::Result<()> {
    let report = match sitrep::announce::run(options, print_announce_event) {
        Err(AnnounceError::NoChannels) if after_publish => return Ok(()),
        other => other?,
    };
    let failed = report.failures.len();
    if options.dry_run {
        say!(
            "Dry run: {} message{} would be sent; nothing was sent or recorded",
            report.pending,
            if report.pending == 1 { "" } else { "s" }
        );
    } else {
        say!(
            "Announced {} message{}",
            report.sent,
            if report.sent == 1 { "" } else { "s" }
        );
    }
    if failed > 0 {
        anyhow::bail!(
            "{failed} channel{} failed; {} message{} will be sent by the next announce",
            if failed == 1 { "" } else { "s" },
            report.pending,
            if report.pending == 1 { "" } else { "s" },
        );
    }
    Ok(())
}

fn print_announce_event(event: AnnounceEvent) {
    match event {
        AnnounceEvent::RecordRead { at } => say!("Record of announcements: {at}"),
        AnnounceEvent::HistoryMarked { channel, updates } => say!(
            "{channel}: first announce; {updates} older update{} marked as already told, not posted",
            if updates == 1 { "" } else { "s" }
        ),
        AnnounceEvent::Retimed { channel, updates } => say!(
            "{channel}: {updates} update{} already told at another time, not posted again",
            if updates == 1 { "" } else { "s" }
        ),
        AnnounceEvent::Backfilled { channel, updates } => say!(
            "{channel}: {updates} update{} dated more than 24 hours before the newest it was told marked as told, not posted (a backfill)",
            if updates == 1 { "" } else { "s" }
        ),
        AnnounceEvent::WouldSend { channel, key, text } => {
            say!("{channel}: would send {key}");
            for line in text.lines() {
                say!("  | {}", terminal(line));
            }
        }
        AnnounceEvent::Sent {
            channel,
            key,
            remote,
        } => match remote {
            Some(id) => say!("{channel}: sent {key} (id {})", terminal(&id)),
            None => say!("{channel}: sent {key}"),
        },
        AnnounceEvent::Unread {
            channel,
            key,
            problem,
        } => eprintln!(
            "warning: {channel}: {key} was delivered, but its answer could not be read ({}); it is recorded as sent, and the next update of its event replies to the latest post whose id is known, or starts a thread of its own",
            terminal(&problem)
        ),
        AnnounceEvent::Retrying { channel, problem } => {
            eprintln!("{channel}: {}; trying again", terminal(&problem));
        }
        AnnounceEvent::Failed {
            channel,
            key,
            error,
        } => eprintln!("error: {channel}: cannot send {key}: {}", terminal(&error)),
    }
}

/// Prints publish events: a progress bar for long transfers on a terminal, then a summary
/// per target.
#[derive(Default)]
struct PublishPrinter {
    bar: Option<indicatif::ProgressBar>,
    retries: usize,
}

impl PublishPrinter {
    /// Below this many files the bar would only flicker.
    const BAR_FROM: usize = 20;

    fn print(&mut self, event: PublishEvent) {
        match event {
            PublishEvent::Built {
                events,
                files,
                warnings,
            } => {
                print_warnings(&warnings);
                say!(
                    "Built {events} event{} ({files} files)",
                    if events == 1 { "" } else { "s" }
                );
            }
            PublishEvent::Started { target } => {
                self.retries = 0;
                say!("Publishing to {target}");
            }
            PublishEvent::Planned {
                uploads,
                deletes,
                bytes,
                unchanged,
                ..
            } => {
                say!(
                    "  {uploads} to send ({}), {deletes} to delete, {unchanged} unchanged",
                    human_bytes(bytes)
                );
                let total = uploads + deletes;
                if total >= Self::BAR_FROM && std::io::IsTerminal::is_terminal(&std::io::stderr()) {
                    let bar = indicatif::ProgressBar::new(total as u64);
                    bar.set_style(
                        indicatif::ProgressStyle::with_template(
                            "  [{bar:30}] {pos}/{len} files, {elapsed}",
                        )
                        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
                        .progress_chars("=> "),
                    );
                    self.bar = Some(bar);
                }
            }
            PublishEvent::WouldSend { path, new } => {
                say!("  {} {path}", if new { "+" } else { "~" });
            }
            PublishEvent::WouldDelete { path } => say!("  - {path}"),
            PublishEvent::Progress { done, .. } => {
                if let Some(bar) = &self.bar {
                    bar.set_position(done as u64);
                }
            }
            PublishEvent::Retrying { .. } => self.retries += 1,
            PublishEvent::Finished(report) => {
                self.finish_bar();
                let retried = if self.retries > 0 {
                    format!(", {} requests retried", self.retries)
                } else {
                    String::new()
                };
                if report.dry_run {
                    say!("  dry run: nothing was sent");
                } else {
                    say!(
                        "  {} uploaded, {} deleted, {} in {:.1} s{retried}",
                        report.uploaded,
                        report.deleted,
                        human_bytes(report.bytes),
                        report.elapsed.as_secs_f64()
                    );
                    say!("  live at {}", report.url);
                }
            }
            PublishEvent::Warning(warning) => print_warnings(&[warning]),
            PublishEvent::Failed { error, .. } => {
                self.finish_bar();
                eprintln!("error: {error}");
            }
        }
    }

    fn finish_bar(&mut self) {
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
        }
    }
}

fn human_bytes(bytes: u64) -> String {
    match bytes {
        b if b < 1_000 => format!("{b} B"),
        b if b < 1_000_000 => format!("{:.1} kB", b as f64 / 1e3),
        b => format!("{:.1} MB", b as f64 / 1e6),
    }
}
