//! The command line: clap commands mapped to library calls. The only place that prints.

#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use sitrep::announce::{AnnounceError, AnnounceEvent, AnnounceOptions};
use sitrep::authoring::new::{self, NewEvent};
use sitrep::authoring::update::{self, NewUpdate};
use sitrep::authoring::{AuthoringError, init};
use sitrep::publish::{PublishEvent, PublishOptions};
use sitrep::serve::ServeEvent;
use sitrep::{BuildOptions, Error, Now};

#[derive(Parser)]
#[command(
    name = "sitrep",
    version,
    about = "Build a static status site from Markdown incident reports"
)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(clap::Args)]
struct TimeArgs {
    /// The site folder (holding site.yaml and incidents/)
    #[arg(long, default_value = ".", value_name = "DIR")]
    root: PathBuf,
    /// Build as if it were this time (RFC 3339, or `YYYY-MM-DD HH:MM` in the site's time zone);
    /// default: $SOURCE_DATE_EPOCH, else the clock
    #[arg(long, value_name = "TIMESTAMP")]
    now: Option<String>,
}

#[derive(Subcommand)]
enum Command {
    /// Build the site into its output folder
    Build {
        #[command(flatten)]
        time: TimeArgs,
        /// Write here instead of site.yaml's `output:` (relative to the current folder)
        #[arg(long, value_name = "DIR")]
        output: Option<PathBuf>,
        /// Include events marked `draft: true`
        #[arg(long)]
        drafts: bool,
    },
    /// Validate the site and report every error, writing nothing
    Check {
        #[command(flatten)]
        time: TimeArgs,
    },
    /// Start a new incident, maintenance or notice in incidents/YYYY-MM-DD-SLUG.md
    New {
        /// The event's title, e.g. "Website unreachable"
        title: String,
        /// incident, maintenance or notice
        #[arg(long, default_value = "incident")]
        kind: String,
        /// An affected component, optionally with its status: `web` or `web=major_outage`
        #[arg(long = "component", value_name = "ID[=STATUS]")]
        components: Vec<String>,
        /// none, minor, major or critical (incidents)
        #[arg(long, value_name = "LEVEL")]
        impact: Option<String>,
        /// Maintenance start, e.g. "2026-12-09 06:00"
        #[arg(long, value_name = "TIMESTAMP")]
        start: Option<String>,
        /// Maintenance end
        #[arg(long, value_name = "TIMESTAMP")]
        end: Option<String>,
        /// The first update's message (default: a standard first message)
        #[arg(long, short)]
        message: Option<String>,
        #[command(flatten)]
        time: TimeArgs,
        /// Then build and publish the site (as `sitrep publish`)
        #[arg(long)]
        publish: bool,
    },
    /// Append an update to an event's timeline
    Update {
        /// The event's slug (its file name without .md)
        slug: String,
        /// The update's status, e.g. identified, monitoring, resolved
        #[arg(long)]
        status: String,
        /// The message; read from standard input when not given
        #[arg(long, short)]
        message: Option<String>,
        /// A status change from this update on: `web=operational`
        #[arg(long = "component", value_name = "ID=STATUS")]
        components: Vec<String>,
        #[command(flatten)]
        time: TimeArgs,
        /// Then build and publish the site (as `sitrep publish`)
        #[arg(long)]
        publish: bool,
    },
    /// Build the site, then send it to every target in site.yaml's `publish:`
    Publish {
        #[command(flatten)]
        time: TimeArgs,
        /// Include events marked `draft: true`
        #[arg(long)]
        drafts: bool,
        /// List what would be sent and deleted, sending nothing
        #[arg(long)]
        dry_run: bool,
        /// Do not announce new updates to site.yaml's `announce:` channels afterwards
        #[arg(long)]
        no_announce: bool,
    },
    /// Tell every update not yet announced to every channel in site.yaml's `announce:`
    Announce {
        #[command(flatten)]
        time: TimeArgs,
        /// Show what would be sent, sending and recording nothing
        #[arg(long)]
        dry_run: bool,
    },
    /// Preview the site: build it in memory, serve it, rebuild on save and reload the browser
    Serve {
        /// The site folder (holding site.yaml and incidents/)
        #[arg(long, default_value = ".", value_name = "DIR")]
        root: PathBuf,
        /// The address to listen on; loopback unless you mean to share the preview
        #[arg(long, default_value = "127.0.0.1")]
        bind: std::net::IpAddr,
        /// The port (0 picks a free one)
        #[arg(long, default_value_t = 1111)]
        port: u16,
        /// Preview as if it were this time (the clock otherwise, refreshed every minute)
        #[arg(long, value_name = "TIMESTAMP")]
        now: Option<String>,
    },
    /// Create a new site in DIR (default: the current folder)
    Init {
        #[arg(default_value = ".")]
        dir: PathBuf,
    },
}

fn now_from(arg: Option<String>) -> Now {
    match (arg, std::env::var("SOURCE_DATE_EPOCH").ok()) {
        (Some(given), _) => Now::Given(given),
        (None, Some(epoch)) if !epoch.trim().is_empty() => Now::SourceDateEpoch(epoch),
        _ => Now::At(chrono::Utc::now()),
    }
}

pub fn run(cli: Cli) -> ExitCode {
    let result = match cli.command {
        Command::Build {
            time,
            output,
            drafts,
        } => build(BuildOptions {
            root: time.root,
            output,
            now: now_from(time.now),
            drafts,
        }),
        Command::Check { time } => check(&time.root, &now_from(time.now)),
        Command::New {
            title,
            kind,
            components,
            impact,
            start,
            end,
            message,
            time,
            publish,
        } => {
            let request = NewEvent {
                title,
                kind: Some(kind),
                components,
                impact,
                start,
                end,
                message,
            };
            authoring(
                |now| new::run(&time.root, &request, now).map(|p| vec![p]),
                &time,
            )
            .and_then(|()| publish_after_authoring(publish, time))
        }
        Command::Update {
            slug,
            status,
            message,
            components,
            time,
            publish,
        } => match message.map_or_else(read_message, Ok) {
            Ok(message) => {
                let request = NewUpdate {
                    slug,
                    status,
                    message,
                    components,
                };
                authoring(
                    |now| update::run(&time.root, &request, now).map(|p| vec![p]),
                    &time,
                )
                .and_then(|()| publish_after_authoring(publish, time))
            }
            Err(e) => {
                Err(anyhow::Error::new(e).context("cannot read the message from standard input"))
            }
        },
        Command::Publish {
            time,
            drafts,
            dry_run,
            no_announce,
        } => publish(
            PublishOptions {
                root: time.root,
                now: now_from(time.now),
                drafts,
                dry_run,
            },
            !no_announce,
        ),
        Command::Announce { time, dry_run } => announce(
            &AnnounceOptions {
                root: time.root,
                now: now_from(time.now),
                dry_run,
            },
            false,
        ),
        Command::Serve {
            root,
            bind,
            port,
            now,
        } => {
            let options = sitrep::serve::ServeOptions {
                root,
                bind,
                port,
                now,
            };
            sitrep::serve::run(options, print_serve_event).map_err(anyhow::Error::from)
        }
        Command::Init { dir } => init::run(&dir, chrono::Utc::now())
            .map_err(anyhow::Error::from)
            .map(|files| {
                for file in files {
                    println!("{}", dir.join(file).display());
                }
                println!("Next: cd {} && sitrep serve", dir.display());
            }),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{}", error_text(&e));
            ExitCode::from(1)
        }
    }
}

/// Content errors are already formatted as `PATH:LINE:COL: message` blocks; anything else
/// gets an `error:` prefix and its chain of causes.
fn error_text(e: &anyhow::Error) -> String {
    let content = matches!(e.downcast_ref::<Error>(), Some(Error::Content(_)))
        || matches!(
            e.downcast_ref::<AuthoringError>(),
            Some(AuthoringError::Site(Error::Content(_)))
        )
        || matches!(
            e.downcast_ref::<sitrep::publish::PublishError>(),
            Some(sitrep::publish::PublishError::Site(Error::Content(_)))
        )
        || matches!(
            e.downcast_ref::<AnnounceError>(),
            Some(AnnounceError::Site(Error::Content(_)))
        );
    if content {
        e.to_string()
    } else {
        format!("error: {e:#}")
    }
}

/// Runs an authoring command at now (in the site's zone) and prints the files it wrote.
fn authoring(
    command: impl FnOnce(chrono::DateTime<chrono::Utc>) -> Result<Vec<PathBuf>, AuthoringError>,
    time: &TimeArgs,
) -> anyhow::Result<()> {
    let zone = sitrep::config::load(&time.root)?.time_zone;
    let now = now_from(time.now.clone()).resolve(zone)?;
    for path in command(now)? {
        println!("{}", path.display());
    }
    Ok(())
}

fn print_serve_event(event: ServeEvent) {
    match event {
        ServeEvent::Listening(address) => {
            println!("Serving the site at http://{address}/ (drafts shown; Ctrl-C to stop)");
        }
        ServeEvent::Rebuilt(r) => {
            print_warnings(&r.warnings);
            println!(
                "Rebuilt {} event{} in {} ms: {} file{} changed",
                r.events,
                if r.events == 1 { "" } else { "s" },
                r.elapsed.as_millis(),
                r.changed.len(),
                if r.changed.len() == 1 { "" } else { "s" },
            )
        }
        ServeEvent::Failed(errors) => eprintln!(
            "{errors}
Still serving the last good version."
        ),
        ServeEvent::Stopped => println!("Stopped."),
    }
    use std::io::Write;
    let _ = std::io::stdout().flush();
}

fn print_warnings(warnings: &[String]) {
    for warning in warnings {
        eprintln!("warning: {warning}");
    }
}

/// The update's message from standard input, as `git commit` does without `-m`.
fn read_message() -> std::io::Result<String> {
    use std::io::{IsTerminal, Read};
    if std::io::stdin().is_terminal() {
        eprintln!("Type the update's message, then Ctrl-D on a new line:");
    }
    let mut message = String::new();
    std::io::stdin().read_to_string(&mut message)?;
    Ok(message)
}

fn build(options: BuildOptions) -> anyhow::Result<()> {
    let report = sitrep::build(&options)?;
    print_warnings(&report.warnings);
    println!(
        "Built {} event{} into {} ({} pages, {} files) in {} ms",
        report.events,
        if report.events == 1 { "" } else { "s" },
        report.output.display(),
        report.pages,
        report.files,
        report.elapsed.as_millis()
    );
    Ok(())
}

fn check(root: &std::path::Path, now: &Now) -> anyhow::Result<()> {
    let built = sitrep::render_site(root, now, true)?;
    print_warnings(&built.warnings);
    println!(
        "No errors: {} event{} and {} component{} checked",
        built.model.events.len(),
        if built.model.events.len() == 1 {
            ""
        } else {
            "s"
        },
        built.model.site.components.len(),
        if built.model.site.components.len() == 1 {
            ""
        } else {
            "s"
        },
    );
    Ok(())
}

/// `new … --publish` and `update … --publish`: the event file is written; now the site goes
/// out, as `sitrep publish` would send it.
fn publish_after_authoring(publish_too: bool, time: TimeArgs) -> anyhow::Result<()> {
    if !publish_too {
        return Ok(());
    }
    publish(
        PublishOptions {
            root: time.root,
            now: now_from(time.now),
            drafts: false,
            dry_run: false,
        },
        true,
    )
}

/// Publishes, then — once every target has the site — announces what is new.
fn publish(options: PublishOptions, then_announce: bool) -> anyhow::Result<()> {
    let mut printer = PublishPrinter::default();
    let report = sitrep::publish::run(&options, |event| printer.print(event))?;
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
    if !then_announce {
        return Ok(());
    }
    announce(
        &AnnounceOptions {
            root: options.root,
            now: options.now,
            dry_run: options.dry_run,
        },
        true,
    )
}

/// `sitrep announce`; after a publish, a site without channels simply has nothing to do.
fn announce(options: &AnnounceOptions, after_publish: bool) -> anyhow::Result<()> {
    let report = match sitrep::announce::run(options, print_announce_event) {
        Err(AnnounceError::NoChannels) if after_publish => return Ok(()),
        other => other?,
    };
    let failed = report.failures.len();
    if options.dry_run {
        println!(
            "Dry run: {} message{} would be sent; nothing was sent or recorded",
            report.pending,
            if report.pending == 1 { "" } else { "s" }
        );
    } else {
        println!(
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
        AnnounceEvent::RecordRead { at } => println!("Record of announcements: {at}"),
        AnnounceEvent::HistoryMarked { channel, updates } => println!(
            "{channel}: first announce; {updates} older update{} marked as already told, not posted",
            if updates == 1 { "" } else { "s" }
        ),
        AnnounceEvent::WouldSend { channel, key, text } => {
            println!("{channel}: would send {key}");
            for line in text.lines() {
                println!("  | {line}");
            }
        }
        AnnounceEvent::Sent {
            channel,
            key,
            remote,
        } => match remote {
            Some(id) => println!("{channel}: sent {key} (id {id})"),
            None => println!("{channel}: sent {key}"),
        },
        AnnounceEvent::Retrying { channel, problem } => {
            eprintln!("{channel}: {problem}; trying again");
        }
        AnnounceEvent::Failed {
            channel,
            key,
            error,
        } => eprintln!("error: {channel}: cannot send {key}: {error}"),
    }
    use std::io::Write;
    let _ = std::io::stdout().flush();
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
                println!(
                    "Built {events} event{} ({files} files)",
                    if events == 1 { "" } else { "s" }
                );
            }
            PublishEvent::Started { target } => {
                self.retries = 0;
                println!("Publishing to {target}");
            }
            PublishEvent::Planned {
                uploads,
                deletes,
                bytes,
                unchanged,
                ..
            } => {
                println!(
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
                println!("  {} {path}", if new { "+" } else { "~" });
            }
            PublishEvent::WouldDelete { path } => println!("  - {path}"),
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
                    println!("  dry run: nothing was sent");
                } else {
                    println!(
                        "  {} uploaded, {} deleted, {} in {:.1} s{retried}",
                        report.uploaded,
                        report.deleted,
                        human_bytes(report.bytes),
                        report.elapsed.as_secs_f64()
                    );
                    println!("  live at {}", report.url);
                }
            }
            PublishEvent::Failed { error, .. } => {
                self.finish_bar();
                eprintln!("error: {error}");
            }
        }
        use std::io::Write;
        let _ = std::io::stdout().flush();
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
