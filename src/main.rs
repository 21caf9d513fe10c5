//! The `sitrep` command: parses the command line and hands it to `cli`, which calls the library
//! and prints what it reports.

use std::process::ExitCode;

use clap::Parser;

mod cli;

// Rendering and the search index allocate many small, short-lived strings from several threads
// at once; mimalloc serves them with less CPU than the system allocator (docs/performance.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    cli::run(cli::Cli::parse())
}
