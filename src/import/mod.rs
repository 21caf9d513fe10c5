//! `sitrep import`: a history kept elsewhere brought into the site folder (docs/importing.md).
//! Each source has a reader that turns its documents into a [`History`] (`statuspage`,
//! `cstate`); `plan` decides, purely, what to write; this module reads the site, writes the
//! plan through the authoring path (its lock, atomic writes, every file checked as `build`
//! checks it) and reports. The library never prints: the report says what was done.

pub(crate) mod cstate;
pub(crate) mod history;
pub(crate) mod plan;
pub(crate) mod record;
pub(crate) mod site_yaml;
pub(crate) mod statuspage;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use crate::authoring::{self, AuthoringError};
use crate::config::{self, Site};
use crate::content;
use crate::error::{Diagnostic, Error};
use crate::files::{self, Existing as Overwrite};
use history::History;
use plan::{Existing, Plan};
use record::{RECORD_PATH, Record};

/// Where the history comes from.
#[derive(Debug, Clone)]
pub enum Source {
    /// Statuspage: its documents as files, folders of files or addresses (`--from`), or its
    /// manage API (`--page-id`, the key in `STATUSPAGE_API_KEY`).
    Statuspage {
        /// Files, folders (every `.json` below them) or `http(s)://` addresses.
        from: Vec<String>,
        /// The manage API's page id.
        page_id: Option<String>,
        /// The manage API's base address (`https://api.statuspage.io`; tests point it
        /// elsewhere).
        api: String,
        /// The manage API key.
        api_key: Option<String>,
    },
    /// A cState (Hugo) site's folder.
    Cstate {
        /// Holds `config.yml` and `content/issues/`.
        dir: PathBuf,
    },
}

/// What `sitrep import` was asked for.
#[derive(Debug, Clone)]
pub struct ImportOptions {
    /// The site folder, new or existing.
    pub root: PathBuf,
    /// Where the history comes from.
    pub source: Source,
    /// Work out and report what would be written, writing nothing.
    pub dry_run: bool,
}

/// What an import did (or, on a dry run, would do).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportReport {
    /// Events the source holds.
    pub events: usize,
    /// Updates they hold.
    pub updates: usize,
    /// Event files written new.
    pub created: Vec<PathBuf>,
    /// Event files rewritten because the source changed them.
    pub changed: Vec<PathBuf>,
    /// Event files already as the source says.
    pub unchanged: usize,
    /// Files left alone, and why: edited since they were imported, or not an import's.
    pub kept: Vec<(PathBuf, String)>,
    /// Components added to site.yaml, by name.
    pub components: Vec<String>,
    /// site.yaml was written new (a new site folder).
    pub new_site: bool,
    /// What the source holds that sitrep cannot keep, in words.
    pub lost: Vec<String>,
    /// Nothing was written.
    pub dry_run: bool,
}

/// Why an import stopped; nothing was written.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// A source document is not what its reader expects: unparsable JSON or YAML, an unknown
    /// status. `origin` names the file (and the item in it).
    #[error("{origin}: {message}")]
    Source {
        /// The file or address, and the item: `incidents.json, incident \`abc\` (Outage)`.
        origin: String,
        /// What is wrong, and what was expected.
        message: String,
    },
    /// A source could not be read or fetched.
    #[error("cannot read {origin}: {source}")]
    Fetch {
        /// The file or address, credentials taken out.
        origin: String,
        /// Why: the reader's or the HTTP client's own error.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// What the import would write does not pass `check`: a bug in the import, reported with
    /// the source item rather than written.
    #[error("{origin}: sitrep cannot import it as it is:\n{}", joined(.diagnostics))]
    Invalid {
        /// The source item.
        origin: String,
        /// What `check` says of the file it would become.
        diagnostics: Vec<Diagnostic>,
    },
    /// site.yaml cannot be read or edited, the record is not one sitrep wrote, or a file
    /// cannot be written.
    #[error(transparent)]
    Site(#[from] AuthoringError),
}

impl ImportError {
    pub(crate) fn source(origin: &str, message: impl Into<String>) -> Self {
        ImportError::Source {
            origin: origin.to_string(),
            message: message.into(),
        }
    }
}

fn joined(diagnostics: &[Diagnostic]) -> String {
    diagnostics
        .iter()
        .map(Diagnostic::to_string)
        .collect::<Vec<_>>()
        .join("\n")
}

impl From<Error> for ImportError {
    fn from(e: Error) -> Self {
        ImportError::Site(AuthoringError::Site(e))
    }
}

/// Reads the source, then writes (unless `dry_run`) what it holds into the site folder.
pub fn run(options: &ImportOptions) -> Result<ImportReport, ImportError> {
    let history = read_source(&options.source)?;
    let source_name = describe(&options.source);
    let _lock = (!options.dry_run)
        .then(|| authoring::lock(&options.root))
        .transpose()?;
    let site_yaml = options.root.join(config::SITE_FILE);
    let current = files::read_text(&site_yaml, files::SETTINGS_FILE_LIMIT).ok();
    let site = match &current {
        Some(_) => Some(config::load(&options.root)?),
        None => None,
    };
    let record = read_record(&options.root)?;
    let plan = plan_for(&history, site.as_ref(), &options.root, &record);
    let new_site_yaml = match &current {
        Some(text) => site_yaml::add_components(text, &plan.components)
            .map_err(|why| refused(format!("cannot add components to site.yaml: {why}")))?,
        None => site_yaml::new_site(history.page.as_ref(), &source_name, &plan.components),
    };
    if plan.components.is_empty() && site.as_ref().is_none_or(|s| s.components.is_empty()) {
        return Err(refused(format!(
            "{source_name} names no component, and a site needs at least one: write site.yaml with the servers and services you report on (`components: [{{ id: web, name: Website }}]`), then import again"
        )));
    }
    let new_site = config::parse(Path::new(config::SITE_FILE), &new_site_yaml).map_err(|d| {
        ImportError::Invalid {
            origin: "site.yaml as the import would write it".into(),
            diagnostics: d,
        }
    })?;
    check_files(&plan, &new_site)?;
    // Every file goes inside the site folder, checked before any is written.
    if let Some(outside) = plan
        .writes
        .iter()
        .find(|w| !authoring::stays_inside(&options.root, &options.root.join(&w.path)))
    {
        let folder = outside.path.parent().unwrap_or(&outside.path);
        return Err(refused(format!(
            "`{}` leads outside the site folder (a link); sitrep writes nothing through it",
            folder.display()
        )));
    }
    let report = report(&history, &plan, current.is_none(), options.dry_run);
    if !options.dry_run {
        write(
            &options.root,
            current.as_deref(),
            &new_site_yaml,
            &plan,
            &record,
        )?;
    }
    Ok(report)
}

fn read_source(source: &Source) -> Result<History, ImportError> {
    match source {
        Source::Statuspage {
            from,
            page_id,
            api,
            api_key,
        } => statuspage::read(from, page_id.as_deref(), api, api_key.as_deref()),
        Source::Cstate { dir } => cstate::read(dir),
    }
}

fn describe(source: &Source) -> String {
    match source {
        Source::Statuspage {
            page_id: Some(id), ..
        } => format!("Statuspage page {id}"),
        Source::Statuspage { .. } => "Statuspage".into(),
        Source::Cstate { dir } => format!("the cState site {}", dir.display()),
    }
}

fn refused(message: String) -> ImportError {
    ImportError::Site(AuthoringError::refused(message, None))
}

fn read_record(root: &Path) -> Result<Record, ImportError> {
    let path = root.join(RECORD_PATH);
    match files::read_text(&path, files::SETTINGS_FILE_LIMIT) {
        Ok(text) => Record::parse(&text).map_err(|why| {
            refused(format!(
                "{RECORD_PATH} is not an import record sitrep can read: {why}; move it away to import as new"
            ))
        }),
        Err(e) if e.is_not_found() => Ok(Record::default()),
        Err(e) => Err(refused(format!("cannot read {RECORD_PATH}: {e}"))),
    }
}

fn plan_for(history: &History, site: Option<&Site>, root: &Path, record: &Record) -> Plan {
    let components: Vec<(String, String)> = site
        .map(|s| {
            s.components
                .iter()
                .map(|c| (c.id.clone(), c.name.clone()))
                .collect()
        })
        .unwrap_or_default();
    let slugs: HashMap<String, PathBuf> = site
        .map(|s| {
            content::scan(root, s)
                .events()
                .map(|e| (e.slug.clone(), e.source.clone()))
                .collect()
        })
        .unwrap_or_default();
    // Read as every event file is: a pipe or a device is refused at once, never waited on.
    let read = |path: &Path| match files::read_text(&root.join(path), files::EVENT_FILE_LIMIT) {
        Ok(text) => plan::OnDisk::Text(text),
        Err(e) if e.is_not_found() => plan::OnDisk::Missing,
        Err(_) => plan::OnDisk::Unreadable,
    };
    // An event's own file does not make its slug taken for itself.
    let own: std::collections::HashSet<&Path> = history
        .events
        .iter()
        .filter_map(|e| record.path_of(&e.key))
        .collect();
    let mut existing_slugs = slugs;
    existing_slugs.retain(|_, path| !own.contains(path.as_path()));
    plan::plan(
        history,
        &Existing {
            components: &components,
            zone: site.map_or(chrono_tz::Tz::UTC, |s| s.time_zone),
            slugs: &existing_slugs,
            read: &read,
            record,
        },
    )
}

/// Every file the import writes is checked as `build` checks it, against site.yaml as the
/// import leaves it.
fn check_files(plan: &Plan, site: &Site) -> Result<(), ImportError> {
    for write in &plan.writes {
        content::event::parse(&write.path, &write.text, site).map_err(|diagnostics| {
            ImportError::Invalid {
                origin: write.origin.clone(),
                diagnostics,
            }
        })?;
    }
    Ok(())
}

fn report(history: &History, plan: &Plan, new_site: bool, dry_run: bool) -> ImportReport {
    let (created, changed): (Vec<_>, Vec<_>) = plan.writes.iter().partition(|w| w.new);
    ImportReport {
        events: history.events.len(),
        updates: history.events.iter().map(|e| e.updates.len()).sum(),
        created: created.into_iter().map(|w| w.path.clone()).collect(),
        changed: changed.into_iter().map(|w| w.path.clone()).collect(),
        unchanged: plan.unchanged,
        kept: plan
            .kept
            .iter()
            .map(|k| (k.path.clone(), k.why.to_string()))
            .collect(),
        components: plan.components.iter().map(|c| c.name.clone()).collect(),
        new_site,
        lost: history.lost.clone(),
        dry_run,
    }
}

/// site.yaml first (the files name its components), then the record, then each event file:
/// each write is atomic, so nothing is ever half-written, and nothing is imported twice.
fn write(
    root: &Path,
    current: Option<&str>,
    site_yaml: &str,
    plan: &Plan,
    earlier: &Record,
) -> Result<(), ImportError> {
    let site_file = Path::new(config::SITE_FILE);
    match current {
        Some(text) if text == site_yaml => {}
        Some(_) => authoring::write(root, site_file, site_yaml, Overwrite::Replace)?,
        None => {
            authoring::write(root, site_file, site_yaml, Overwrite::Keep)?;
            let ignore = Path::new(".gitignore");
            if !root.join(ignore).exists() {
                authoring::write(root, ignore, authoring::init::GITIGNORE, Overwrite::Keep)?;
            }
        }
    }
    // The record before the files it names, then again after: an import cut short finds
    // each new file it wrote as its own, and each file it was rewriting as either what the
    // last import wrote or what this one meant to, never as an edit of someone's.
    let record = plan.record.clone().with_earlier(earlier);
    let mut before = record.clone();
    for file in plan.writes.iter().filter(|w| !w.new) {
        before.copy_from(earlier, &file.key);
    }
    let record_path = Path::new(RECORD_PATH);
    authoring::write(root, record_path, &before.to_json(), Overwrite::Replace)?;
    for file in &plan.writes {
        let how = if file.new {
            Overwrite::Keep
        } else {
            Overwrite::Replace
        };
        authoring::write(root, &file.path, &file.text, how)?;
    }
    if before != record {
        authoring::write(root, record_path, &record.to_json(), Overwrite::Replace)?;
    }
    Ok(())
}
