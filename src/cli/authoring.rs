//! `sitrep new` and `sitrep update` on the command line: the event file written and named,
//! then, with `--publish`, the site sent out.

use sitrep::Now;
use sitrep::authoring::new::{self, NewEvent};
use sitrep::authoring::update::{self, NewUpdate};
use sitrep::authoring::{Authored, AuthoringError};

use super::publish::publish_after_authoring;
use super::{TimeArgs, now_from, print_warnings, write_stdout};

#[derive(clap::Args)]
pub(super) struct NewArgs {
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
}

#[derive(clap::Args)]
pub(super) struct UpdateArgs {
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
}

/// `sitrep new`.
pub(super) fn new_event(args: NewArgs) -> anyhow::Result<()> {
    let request = NewEvent {
        title: args.title,
        kind: Some(args.kind),
        components: args.components,
        impact: args.impact,
        start: args.start,
        end: args.end,
        message: args.message,
        draft: false,
    };
    authoring(|now| new::run(&args.time.root, &request, now), &args.time)?;
    publish_after_authoring(args.publish, args.time)
}

/// `sitrep update`.
pub(super) fn new_update(args: UpdateArgs) -> anyhow::Result<()> {
    let message = match args.message {
        Some(message) => message,
        None => read_message().map_err(|e| {
            anyhow::Error::new(e).context("cannot read the message from standard input")
        })?,
    };
    let request = NewUpdate {
        slug: args.slug,
        status: args.status,
        message,
        components: args.components,
    };
    authoring(
        |now| update::run(&args.time.root, &request, now),
        &args.time,
    )?;
    publish_after_authoring(args.publish, args.time)
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
