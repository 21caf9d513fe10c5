//! The command line: clap commands mapped to library calls. The only place that prints.

#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use sitrep::announce::{AnnounceError, AnnounceEvent, AnnounceOptions};
use sitrep::authoring::new::{self, NewEvent};
use sitrep::authoring::update::{self, NewUpdate};
use sitrep::authoring::{Authored, AuthoringError, init};
use sitrep::publish::{PublishError, PublishEvent, PublishOptions};
use sitrep::serve::ServeEvent;
use sitrep::{BuildOptions, Error, Now};

/// `println!` that ends the program quietly, with success, when the reader of standard output
/// has gone (`sitrep check --format json | head -1`): what was asked for was read.
macro_rules! say {
    ($($arg:tt)*) => {
        write_stdout(format!($($arg)*).as_bytes(), true)
    };
}

mod import;
mod ingest;
use ingest::{ingest, receive, source_arg};

fn write_stdout(bytes: &[u8], newline: bool) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    let written = out
        .write_all(bytes)
        .and_then(|()| {
            if newline {
                out.write_all(b"\n")
            } else {
                Ok(())
            }
        })
        .and_then(|()| out.flush());
    if let Err(e) = written
        && e.kind() == std::io::ErrorKind::BrokenPipe
    {
        std::process::exit(0);
    }
}

#[derive(Parser)]
#[command(
    name = "sitrep",
    version = env!("SITREP_VERSION"),
    about = "Build a static status site from Markdown incident reports"
)]
pub(crate) struct Cli {
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
    #[arg(long, value_name = "TIMESTAMP", value_parser = now_arg)]
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
        /// human (default), json (one object per line, then a summary) or github (workflow
        /// commands that annotate the pull request)
        #[arg(long, value_enum, default_value = "human")]
        format: Format,
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
        /// Check every object of S3 targets against the manifest (by listing the bucket) and
        /// send again or delete what differs; folder and Git targets are compared in full on
        /// every publish anyway
        #[arg(long)]
        verify: bool,
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
    /// Bring a history in from Statuspage or a cState site (docs/importing.md)
    Import {
        #[command(subcommand)]
        source: import::ImportSource,
        /// The site folder to import into; created when it does not exist
        #[arg(long, default_value = ".", value_name = "DIR", global = true)]
        root: PathBuf,
        /// List what would be written, writing nothing
        #[arg(long, global = true)]
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
        #[arg(long, value_name = "TIMESTAMP", value_parser = now_arg)]
        now: Option<String>,
    },
    /// Turn one alert payload into a draft incident (or an update), as `receive` would
    /// (docs/ingesting.md)
    Ingest {
        /// Which tool's payload it is
        #[arg(long, value_parser = source_arg, value_name = "alertmanager|grafana|uptime-kuma|gatus|generic")]
        source: sitrep::ingest::Source,
        /// The payload (JSON); `-` or nothing for standard input
        #[arg(value_name = "FILE|-")]
        file: Option<PathBuf>,
        #[command(flatten)]
        time: TimeArgs,
    },
    /// Receive alerts over HTTP: POST /alertmanager, /grafana, /uptime-kuma, /gatus, /generic
    /// (a bearer token required; docs/ingesting.md)
    Receive {
        /// The site folder (holding site.yaml and incidents/)
        #[arg(long, default_value = ".", value_name = "DIR")]
        root: PathBuf,
        /// The address to listen on; loopback, behind a TLS reverse proxy
        #[arg(long, default_value = "127.0.0.1")]
        bind: std::net::IpAddr,
        /// The port (0 picks a free one)
        #[arg(long, default_value_t = 9095)]
        port: u16,
    },
    /// Create a new site in DIR (default: the current folder)
    Init {
        #[arg(default_value = ".")]
        dir: PathBuf,
    },
    /// Print a shell completion script: `sitrep completions bash > ~/.local/share/bash-completion/completions/sitrep`
    Completions {
        /// bash, zsh, fish, powershell or elvish
        shell: clap_complete::Shell,
    },
    /// Print the manual page, or write one per command into a folder (`sitrep man --output man/`)
    Man {
        /// Write sitrep.1, sitrep-build.1, … here instead of printing sitrep.1
        #[arg(long, value_name = "DIR")]
        output: Option<PathBuf>,
    },
}

/// How `check` reports.
#[derive(Clone, Copy, clap::ValueEnum)]
enum Format {
    Human,
    Json,
    Github,
}

/// `--now`, refused by clap itself (a usage error, exit 2) when it is not a timestamp.
fn now_arg(text: &str) -> Result<String, String> {
    match Now::given(text) {
        Ok(_) => Ok(text.to_string()),
        Err(Error::InvalidNow { reason, .. }) => Err(reason),
        Err(other) => Err(other.to_string()),
    }
}

fn now_from(arg: Option<String>) -> Now {
    match (arg, std::env::var("SOURCE_DATE_EPOCH").ok()) {
        (Some(given), _) => Now::Given(given),
        (None, Some(epoch)) if !epoch.trim().is_empty() => Now::SourceDateEpoch(epoch),
        _ => Now::At(chrono::Utc::now()),
    }
}

pub(crate) fn run(cli: Cli) -> ExitCode {
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
        Command::Check { time, format } => {
            return check(&time.root, &now_from(time.now), format);
        }
        Command::Completions { shell } => {
            let mut command = <Cli as clap::CommandFactory>::command();
            let mut script = Vec::new();
            clap_complete::generate(shell, &mut command, "sitrep", &mut script);
            write_stdout(&script, false);
            Ok(())
        }
        Command::Man { output } => man(output.as_deref()),
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
                draft: false,
            };
            authoring(|now| new::run(&time.root, &request, now), &time)
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
                authoring(|now| update::run(&time.root, &request, now), &time)
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
            verify,
            no_announce,
        } => publish(
            PublishOptions {
                root: time.root,
                now: now_from(time.now),
                drafts,
                dry_run,
                verify,
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
        Command::Import {
            source,
            root,
            dry_run,
        } => import::import(source, root, dry_run),
        Command::Ingest { source, file, time } => ingest(source, file, &time),
        Command::Receive { root, bind, port } => receive(root, bind, port),
        Command::Init { dir } => init::run(&dir, chrono::Utc::now())
            .map_err(anyhow::Error::from)
            .map(|files| {
                for file in files {
                    say!("{}", dir.join(file).display());
                }
                say!("Next: cd {} && sitrep serve", dir.display());
            }),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{}", error_text(&e));
            ExitCode::from(exit_code(&e))
        }
    }
}

/// Colours on a terminal only, and never when `NO_COLOR` is set (https://no-color.org).
fn use_color() -> bool {
    use std::io::IsTerminal;
    std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

/// `sitrep man`: the manual page of sitrep and of each command, from the same definitions as
/// `--help`.
fn man(output: Option<&std::path::Path>) -> anyhow::Result<()> {
    let command = <Cli as clap::CommandFactory>::command();
    let Some(dir) = output else {
        let mut page = Vec::new();
        clap_mangen::Man::new(command).render(&mut page)?;
        write_stdout(&page, false);
        return Ok(());
    };
    std::fs::create_dir_all(dir)?;
    let mut pages = vec![("sitrep".to_string(), command.clone())];
    for sub in command.get_subcommands() {
        let name = format!("sitrep-{}", sub.get_name());
        pages.push((name.clone(), sub.clone().name(name)));
    }
    for (name, page) in pages {
        let path = dir.join(format!("{name}.1"));
        let mut bytes = Vec::new();
        clap_mangen::Man::new(page).render(&mut bytes)?;
        std::fs::write(&path, bytes)?;
        say!("{}", path.display());
    }
    Ok(())
}

/// 2 for a mistake on the command line (an option's value), as clap exits for its own; 1 for
/// problems in the site.
fn exit_code(e: &anyhow::Error) -> u8 {
    let usage = matches!(e.downcast_ref::<Error>(), Some(Error::InvalidNow { .. }))
        || matches!(
            e.downcast_ref::<AuthoringError>(),
            Some(AuthoringError::BadOption { .. } | AuthoringError::Site(Error::InvalidNow { .. }))
        );
    if usage { 2 } else { 1 }
}

/// Content errors are `PATH:LINE:COL: message` blocks (their user text already made safe for
/// a terminal, see `Diagnostic::render`); anything else gets an `error:` prefix and its chain of
/// causes, made safe here.
fn error_text(e: &anyhow::Error) -> String {
    let site_error = e
        .downcast_ref::<Error>()
        .or_else(|| match e.downcast_ref::<AuthoringError>() {
            Some(AuthoringError::Site(site)) => Some(site),
            _ => None,
        })
        .or_else(|| match e.downcast_ref::<PublishError>() {
            Some(PublishError::Site(site)) => Some(site),
            _ => None,
        })
        .or_else(|| match e.downcast_ref::<AnnounceError>() {
            Some(AnnounceError::Site(site)) => Some(site),
            _ => None,
        })
        .or_else(|| match e.downcast_ref::<sitrep::ingest::IngestError>() {
            Some(sitrep::ingest::IngestError::Site(AuthoringError::Site(site))) => Some(site),
            _ => None,
        });
    let diagnostics = match site_error {
        Some(Error::Content(list)) => list,
        _ => return format!("error: {}", terminal(&format!("{e:#}"))),
    };
    let color = use_color();
    let mut out: Vec<String> = diagnostics.iter().map(|d| d.render(color)).collect();
    let n = diagnostics.len();
    out.push(format!(
        "{n} error{} found; nothing was written",
        if n == 1 { "" } else { "s" }
    ));
    out.join("\n\n")
}

/// Runs an authoring command at now and prints the file it wrote.
fn authoring(
    command: impl FnOnce(&Now) -> Result<Authored, AuthoringError>,
    time: &TimeArgs,
) -> anyhow::Result<()> {
    let authored = command(&now_from(time.now.clone()))?;
    print_warnings(&authored.warnings);
    say!("{}", authored.path.display());
    Ok(())
}

fn print_serve_event(event: ServeEvent) {
    match event {
        ServeEvent::Listening(address) => {
            say!("Serving the site at http://{address}/ (drafts shown; Ctrl-C to stop)");
        }
        ServeEvent::Rebuilt(r) => {
            print_warnings(&r.warnings);
            say!(
                "Rebuilt {} event{} in {} ms: {} file{} changed",
                r.events,
                if r.events == 1 { "" } else { "s" },
                r.elapsed.as_millis(),
                r.changed.len(),
                if r.changed.len() == 1 { "" } else { "s" },
            )
        }
        ServeEvent::Indexed {
            pages,
            carried_over,
            elapsed,
        } => println!(
            "Search index of {pages} page{}{} ready in {} ms",
            if pages == 1 { "" } else { "s" },
            carried_over_note(carried_over),
            elapsed.as_millis()
        ),
        ServeEvent::Failed(errors) => eprintln!(
            "{}
Still serving the last good version.",
            terminal(&errors.to_string())
        ),
        ServeEvent::Stopped => say!("Stopped."),
    }
    use std::io::Write;
    let _ = std::io::stdout().flush();
}

fn print_warnings(warnings: &[String]) {
    for warning in warnings {
        eprintln!("warning: {}", terminal(warning));
    }
}

/// Text that may hold a user's file names or values, safe for a terminal: control characters
/// other than line breaks and tabs are shown escaped (see `sitrep::error::printable`).
fn terminal(text: &str) -> String {
    text.split('\n')
        .map(sitrep::error::printable)
        .collect::<Vec<_>>()
        .join("\n")
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
    say!(
        "Built {} event{} into {} ({} pages, {} files) in {} ms",
        report.events,
        if report.events == 1 { "" } else { "s" },
        report.output.display(),
        report.pages,
        report.files,
        report.elapsed.as_millis()
    );
    if let Some(search) = &report.search {
        println!(
            "Search index: {} page{}{} in {} files ({} KB) in {} ms",
            search.pages,
            if search.pages == 1 { "" } else { "s" },
            carried_over_note(search.carried_over),
            search.files,
            search.bytes.div_ceil(1000),
            search.elapsed.as_millis()
        );
    }
    Ok(())
}

/// How many pages of a search index were carried over from the previous one, if any.
fn carried_over_note(pages: usize) -> String {
    match pages {
        0 => String::new(),
        n => format!(" ({n} carried over from the previous build)"),
    }
}

/// `sitrep check`: every problem, in the format asked for; exit 1 if there is an error.
fn check(root: &std::path::Path, now: &Now, format: Format) -> ExitCode {
    use sitrep::error::{Severity, unlocated_github, unlocated_json};
    let result = sitrep::check_site(root, now, true);
    if let Format::Human = format {
        return match result {
            Ok(checked) => {
                print_warnings(&checked.warnings);
                say!(
                    "No errors: {} event{} and {} component{} checked",
                    checked.events,
                    if checked.events == 1 { "" } else { "s" },
                    checked.components,
                    if checked.components == 1 { "" } else { "s" },
                );
                ExitCode::SUCCESS
            }
            Err(e) => {
                let e = anyhow::Error::from(e);
                eprintln!("{}", error_text(&e));
                ExitCode::from(exit_code(&e))
            }
        };
    }
    let (errors, warnings, other) = match &result {
        Ok(checked) => (Vec::new(), checked.warnings.clone(), None),
        Err(Error::Content(list)) => (list.clone(), Vec::new(), None),
        Err(other) => (Vec::new(), Vec::new(), Some(other.to_string())),
    };
    let mut lines: Vec<String> = Vec::new();
    for d in &errors {
        lines.push(match format {
            Format::Json => d.to_json(Severity::Error).to_string(),
            _ => d.to_github(Severity::Error),
        });
    }
    if let Some(message) = &other {
        // Not about a place in a file (a theme folder that cannot be read, say).
        lines.push(match format {
            Format::Json => unlocated_json(Severity::Error, "site", message).to_string(),
            _ => unlocated_github(Severity::Error, "site", message),
        });
    }
    for w in &warnings {
        lines.push(match format {
            Format::Json => unlocated_json(Severity::Warning, "warning", w).to_string(),
            _ => unlocated_github(Severity::Warning, "warning", w),
        });
    }
    let error_count = errors.len() + usize::from(other.is_some());
    if let Format::Json = format {
        lines.push(
            serde_json::json!({
                "type": "summary",
                "errors": error_count,
                "warnings": warnings.len(),
            })
            .to_string(),
        );
    }
    for line in lines {
        say!("{line}");
    }
    match &result {
        Ok(_) => ExitCode::SUCCESS,
        Err(Error::InvalidNow { .. }) => ExitCode::from(2),
        Err(_) => ExitCode::from(1),
    }
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
            verify: false,
        },
        true,
    )
}

/// Publishes, then — once every target has the site — announces what is new.
fn publish(options: PublishOptions, then_announce: bool) -> anyhow::Result<()> {
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
fn announce(options: &AnnounceOptions, after_publish: bool) -> anyhow::Result<()> {
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
