//! `sitrep check` on the command line: every problem, as text for people, JSON lines or GitHub
//! workflow commands (docs/format.md, "Errors").

use std::process::ExitCode;

use sitrep::error::{Report, Severity, unlocated_github, unlocated_json};
use sitrep::{Checked, Error, Now};

use super::{Format, fail, print_warnings, write_stdout};

/// `sitrep check`: every problem, in the format asked for; exit 1 if there is an error.
pub(super) fn check(root: &std::path::Path, now: &Now, format: Format) -> ExitCode {
    let result = sitrep::check_site(root, now, true);
    match (format, result) {
        (Format::Human, Ok(checked)) => {
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
        (Format::Human, Err(e)) => fail(&anyhow::Error::from(e)),
        (format, result) => {
            for line in machine_lines(format, &result) {
                say!("{line}");
            }
            match &result {
                Ok(_) => ExitCode::SUCCESS,
                Err(e) => ExitCode::from(e.exit_code()),
            }
        }
    }
}

/// One line per error and warning, as JSON objects (then a summary object) or as GitHub
/// workflow commands.
fn machine_lines(format: Format, result: &Result<Checked, Error>) -> Vec<String> {
    let (errors, warnings, other) = match result {
        Ok(checked) => (&[][..], checked.warnings.clone(), None),
        Err(e @ Error::Content(_)) => (e.diagnostics(), Vec::new(), None),
        Err(other) => (&[][..], Vec::new(), Some(other.to_string())),
    };
    let json = matches!(format, Format::Json);
    let mut lines: Vec<String> = errors
        .iter()
        .map(|d| {
            if json {
                d.to_json(Severity::Error).to_string()
            } else {
                d.to_github(Severity::Error)
            }
        })
        .collect();
    let unlocated = |severity, code, message: &str| {
        if json {
            unlocated_json(severity, code, message).to_string()
        } else {
            unlocated_github(severity, code, message)
        }
    };
    // Not about a place in a file (a theme folder that cannot be read, say).
    lines.extend(
        other
            .iter()
            .map(|message| unlocated(Severity::Error, "site", message)),
    );
    lines.extend(
        warnings
            .iter()
            .map(|w| unlocated(Severity::Warning, "warning", w)),
    );
    if json {
        let summary = serde_json::json!({
            "type": "summary",
            "errors": errors.len() + usize::from(other.is_some()),
            "warnings": warnings.len(),
        });
        lines.push(summary.to_string());
    }
    lines
}
