//! The command line: clap commands mapped to library calls. The only place that prints.

#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use sitrep::authoring::new::{self, NewEvent};
use sitrep::authoring::update::{self, NewUpdate};
use sitrep::authoring::{Authored, AuthoringError, init};
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
            authoring(|now| new::run(&time.root, &request, now), &time)
        }
        Command::Update {
            slug,
            status,
            message,
            components,
            time,
        } => match message.map_or_else(read_message, Ok) {
            Ok(message) => {
                let request = NewUpdate {
                    slug,
                    status,
                    message,
                    components,
                };
                authoring(|now| update::run(&time.root, &request, now), &time)
            }
            Err(e) => {
                Err(anyhow::Error::new(e).context("cannot read the message from standard input"))
            }
        },
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
            ExitCode::from(exit_code(&e))
        }
    }
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

/// Content errors are already formatted as `PATH:LINE:COL: message` blocks; anything else
/// gets an `error:` prefix and its chain of causes.
fn error_text(e: &anyhow::Error) -> String {
    let content = matches!(e.downcast_ref::<Error>(), Some(Error::Content(_)))
        || matches!(
            e.downcast_ref::<AuthoringError>(),
            Some(AuthoringError::Site(Error::Content(_)))
        );
    if content {
        e.to_string()
    } else {
        format!("error: {e:#}")
    }
}

/// Runs an authoring command at now (in the site's zone) and prints the file it wrote.
fn authoring(
    command: impl FnOnce(chrono::DateTime<chrono::Utc>) -> Result<Authored, AuthoringError>,
    time: &TimeArgs,
) -> anyhow::Result<()> {
    let zone = sitrep::config::load(&time.root)?.time_zone;
    let now = now_from(time.now.clone()).resolve(zone)?;
    let authored = command(now)?;
    print_warnings(&authored.warnings);
    println!("{}", authored.path.display());
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
        ServeEvent::Indexed { pages, elapsed } => println!(
            "Search index of {pages} page{} ready in {} ms",
            if pages == 1 { "" } else { "s" },
            elapsed.as_millis()
        ),
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
    if let Some(search) = &report.search {
        println!(
            "Search index: {} page{} in {} files ({} KB) in {} ms",
            search.pages,
            if search.pages == 1 { "" } else { "s" },
            search.files,
            search.bytes.div_ceil(1000),
            search.elapsed.as_millis()
        );
    }
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
