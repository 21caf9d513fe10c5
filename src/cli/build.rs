//! `sitrep build`, `sitrep serve` and `sitrep man` on the command line: what was made, and
//! how long it took.

use sitrep::BuildOptions;
use sitrep::serve::ServeEvent;

use super::{Cli, print_warnings, site_error_text, write_stdout};

pub(super) fn build(options: BuildOptions) -> anyhow::Result<()> {
    let report = sitrep::build(&options)?;
    print_warnings(&report.warnings);
    say!(
        "Built {} event{} into {} ({} pages, {} files{}) in {} ms",
        report.events,
        if report.events == 1 { "" } else { "s" },
        report.output.display(),
        report.pages,
        report.files,
        reused_note(report.reused),
        report.elapsed.as_millis()
    );
    if let Some(search) = &report.search {
        say!(
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

/// How many pages and feeds were taken unchanged from the previous build, if any.
fn reused_note(files: usize) -> String {
    match files {
        0 => String::new(),
        n => format!("; {n} unchanged since the previous build, not rendered again"),
    }
}

/// How many pages of a search index were carried over from the previous one, if any.
fn carried_over_note(pages: usize) -> String {
    match pages {
        0 => String::new(),
        n => format!(" ({n} carried over from the previous build)"),
    }
}

/// `sitrep serve`: serves until Ctrl-C, printing what happens as it goes.
pub(super) fn serve(options: sitrep::serve::ServeOptions) -> anyhow::Result<()> {
    sitrep::serve::run(options, print_serve_event)?;
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
        } => say!(
            "Search index of {pages} page{}{} ready in {} ms",
            if pages == 1 { "" } else { "s" },
            carried_over_note(carried_over),
            elapsed.as_millis()
        ),
        ServeEvent::Failed(error) => eprintln!(
            "{}\nStill serving the last good version.",
            site_error_text(&error)
        ),
        ServeEvent::Stopped => say!("Stopped."),
    }
    use std::io::Write;
    let _ = std::io::stdout().flush();
}

/// `sitrep man`: the manual page of sitrep and of each command, from the same definitions as
/// `--help`.
pub(super) fn man(output: Option<&std::path::Path>) -> anyhow::Result<()> {
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
