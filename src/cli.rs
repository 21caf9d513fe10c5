//! The command line: clap commands mapped to library calls. The only place that prints.

#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

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
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{}", error_text(&e));
            ExitCode::from(1)
        }
    }
}

fn error_text(e: &Error) -> String {
    match e {
        Error::Content(_) => e.to_string(),
        _ => format!("error: {e}"),
    }
}

fn build(options: BuildOptions) -> Result<(), Error> {
    let report = sitrep::build(&options)?;
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

fn check(root: &std::path::Path, now: &Now) -> Result<(), Error> {
    let built = sitrep::render_site(root, now, true)?;
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
