//! `sitrep import` on the command line (docs/importing.md): the source chosen, the history
//! written or, with `--dry-run`, listed, and the summary.

use std::path::PathBuf;

use super::{print_warnings, write_stdout};

/// Where `sitrep import` reads a history.
#[derive(clap::Subcommand)]
pub(super) enum ImportSource {
    /// Atlassian Statuspage: public v2 documents (--from) or the manage API (--page-id, the key
    /// in STATUSPAGE_API_KEY)
    Statuspage {
        /// incidents.json, summary.json, scheduled-maintenances.json, incidents/ID.json, a
        /// folder of them, or their addresses (https://…/api/v2/incidents.json)
        #[arg(long, value_name = "FILE|URL", num_args = 1..)]
        from: Vec<String>,
        /// The page's id, to read its whole history through the manage API
        #[arg(long, value_name = "ID")]
        page_id: Option<String>,
        /// The manage API's address
        #[arg(long, value_name = "URL", default_value = "https://api.statuspage.io")]
        api: String,
    },
    /// A cState (Hugo) site: config.yml and content/issues/
    Cstate {
        /// The cState site's folder
        dir: PathBuf,
    },
}

/// `sitrep import`: the history read, written (or, with `--dry-run`, listed), summed up.
pub(super) fn import(source: ImportSource, root: PathBuf, dry_run: bool) -> anyhow::Result<()> {
    let source = match source {
        ImportSource::Statuspage { from, page_id, api } => {
            if from.is_empty() && page_id.is_none() {
                return Err(anyhow::Error::new(sitrep::authoring::AuthoringError::BadOption {
                    message: "sitrep import statuspage needs --from FILE|URL… or --page-id ID".into(),
                    help: Some("e.g. `sitrep import statuspage --from https://www.githubstatus.com/api/v2/incidents.json`".into()),
                }));
            }
            sitrep::import::Source::Statuspage {
                from,
                page_id,
                api,
                api_key: std::env::var("STATUSPAGE_API_KEY")
                    .ok()
                    .filter(|k| !k.is_empty()),
            }
        }
        ImportSource::Cstate { dir } => sitrep::import::Source::Cstate { dir },
    };
    let report = sitrep::import::run(&sitrep::import::ImportOptions {
        root: root.clone(),
        source,
        dry_run,
    })?;
    let verb = |done: &str, would: &str| {
        if report.dry_run {
            would.to_string()
        } else {
            done.to_string()
        }
    };
    for path in &report.created {
        say!(
            "{} {}",
            verb("created", "would create"),
            root.join(path).display()
        );
    }
    for path in &report.changed {
        say!(
            "{} {}",
            verb("updated", "would update"),
            root.join(path).display()
        );
    }
    let mut warnings: Vec<String> = report
        .kept
        .iter()
        .map(|(path, why)| format!("kept {} as it is: {why}", root.join(path).display()))
        .collect();
    warnings.extend(report.lost.iter().map(|lost| format!("not kept: {lost}")));
    print_warnings(&warnings);
    let components = match report.components.len() {
        0 => String::new(),
        n => format!(
            ", {n} component{} added to site.yaml",
            if n == 1 { "" } else { "s" }
        ),
    };
    let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
    say!(
        "{} {} ({}): {} new, {} updated, {} unchanged, {} kept as edited{components}{}",
        verb("Imported", "Would import"),
        plural(report.events, "event"),
        plural(report.updates, "update"),
        report.created.len(),
        report.changed.len(),
        report.unchanged,
        report.kept.len(),
        if report.new_site {
            "; site.yaml written new"
        } else {
            ""
        }
    );
    Ok(())
}
