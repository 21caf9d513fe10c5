//! The `sitrep` command: parses the command line and hands it to `cli`, which calls the library
//! and prints what it reports.

use std::process::ExitCode;

use clap::Parser;

mod cli;

fn main() -> ExitCode {
    cli::run(cli::Cli::parse())
}
