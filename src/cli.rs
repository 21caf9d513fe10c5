//! The command line: clap commands mapped to library calls. The only place that prints.

#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use sitrep::announce::AnnounceOptions;
use sitrep::error::Report;
use sitrep::publish::PublishOptions;
use sitrep::{BuildOptions, Error, Now};

/// `println!` that ends the program quietly, with success, when the reader of standard output
/// has gone (`sitrep check --format json | head -1`): what was asked for was read.
macro_rules! say {
    ($($arg:tt)*) => {
        write_stdout(format!($($arg)*).as_bytes(), true)
    };
}

mod authoring;
mod build;
mod check;
mod import;
mod ingest;
mod publish;
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
    New(authoring::NewArgs),
    /// Append an update to an event's timeline
    Update(authoring::UpdateArgs),
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
        Command::Check { time, format } => {
            return check::check(&time.root, &now_from(time.now), format);
        }
        command => execute(command),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => fail(&e),
    }
}

/// Every command but `check`, which reports in a format of its own.
fn execute(command: Command) -> anyhow::Result<()> {
    match command {
        Command::Build {
            time,
            output,
            drafts,
        } => build::build(BuildOptions {
            root: time.root,
            output,
            now: now_from(time.now),
            drafts,
        }),
        Command::Check { .. } => unreachable!("`check` reports on its own, in `run`"),
        Command::Completions { shell } => {
            let mut command = <Cli as clap::CommandFactory>::command();
            let mut script = Vec::new();
            clap_complete::generate(shell, &mut command, "sitrep", &mut script);
            write_stdout(&script, false);
            Ok(())
        }
        Command::Man { output } => build::man(output.as_deref()),
        Command::New(args) => authoring::new_event(args),
        Command::Update(args) => authoring::new_update(args),
        Command::Publish {
            time,
            drafts,
            dry_run,
            verify,
            no_announce,
        } => publish::publish(
            PublishOptions {
                root: time.root,
                now: now_from(time.now),
                drafts,
                dry_run,
                verify,
            },
            !no_announce,
        ),
        Command::Announce { time, dry_run } => publish::announce(
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
        } => build::serve(sitrep::serve::ServeOptions {
            root,
            bind,
            port,
            now,
        }),
        Command::Import {
            source,
            root,
            dry_run,
        } => import::import(source, root, dry_run),
        Command::Ingest { source, file, time } => ingest(source, file, &time),
        Command::Receive { root, bind, port } => receive(root, bind, port),
        Command::Init { dir } => init(&dir),
    }
}

/// `sitrep init`: the files of a new site, then what to do next.
fn init(dir: &std::path::Path) -> anyhow::Result<()> {
    for file in sitrep::authoring::init::run(dir, chrono::Utc::now())? {
        say!("{}", dir.join(file).display());
    }
    say!("Next: cd {} && sitrep serve", dir.display());
    Ok(())
}

/// Colours on a terminal only, and never when `NO_COLOR` is set (https://no-color.org).
fn use_color() -> bool {
    use std::io::IsTerminal;
    std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

/// The library's error in `e`'s chain of causes, whichever command returned it.
fn library_error(e: &anyhow::Error) -> Option<&dyn Report> {
    e.chain().find_map(sitrep::report_of)
}

/// The one way from an error to the exit code ([`Report::exit_code`]: 2 for a mistake on the
/// command line, as clap exits for its own; 1 for problems in the site and anything else).
fn exit_code(e: &anyhow::Error) -> u8 {
    library_error(e).map_or(1, Report::exit_code)
}

/// Content errors are `PATH:LINE:COL: message` blocks and the summary line (their user text
/// already made safe for a terminal, see `sitrep::error::render_diagnostics`); anything else
/// gets an `error:` prefix and its chain of causes, made safe here.
fn error_text(e: &anyhow::Error) -> String {
    match library_error(e).and_then(Report::site_error) {
        Some(Error::Content(list)) => sitrep::error::render_diagnostics(list, use_color()),
        _ => format!("error: {}", terminal(&sitrep::error::describe(e.as_ref()))),
    }
}

/// A site error as `serve` prints it, without the `error:` prefix: the build failed, the
/// preview goes on.
fn site_error_text(e: &Error) -> String {
    match e {
        Error::Content(list) => sitrep::error::render_diagnostics(list, use_color()),
        _ => terminal(&sitrep::error::describe(e)),
    }
}

/// A command that failed: its error printed, its exit code returned.
fn fail(e: &anyhow::Error) -> ExitCode {
    eprintln!("{}", error_text(e));
    ExitCode::from(exit_code(e))
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
