//! Watching the site folder: debounced file-system events, classified into what to rebuild.

use std::path::{Path, PathBuf};
use std::sync::mpsc::Sender;
use std::time::Duration;

use notify::RecursiveMode;
use notify_debouncer_full::{DebounceEventResult, new_debouncer};

use crate::error::Error;
use crate::session::{self, Change, Kind};

/// Editors save in bursts (write, rename, chmod); 50 ms gathers one save into one rebuild
/// without a delay anyone notices.
const DEBOUNCE: Duration = Duration::from_millis(50);

/// Watches `root` until the returned handle is dropped, sending one [`Change`] per burst.
pub(super) fn start(
    root: &Path,
    output: &Path,
    changes: Sender<Change>,
) -> Result<impl Drop, Error> {
    let root_for_handler = root.to_path_buf();
    let output = output.to_path_buf();
    let mut debouncer = new_debouncer(DEBOUNCE, None, move |result: DebounceEventResult| {
        let change = match result {
            Ok(events) => {
                // Reading a file is no change (and the rebuild itself reads every file).
                let writes = events
                    .iter()
                    .filter(|e| !matches!(e.kind, notify::EventKind::Access(_)));
                let paths = writes.flat_map(|e| e.paths.iter()).cloned();
                change_for(&root_for_handler, &output, paths)
            }
            // The watcher lost track (e.g. too many events): read everything again.
            Err(_) => Some(Change::Everything),
        };
        if let Some(change) = change {
            let _ = changes.send(change);
        }
    })
    .map_err(|e| watch_error(root, e))?;
    debouncer
        .watch(root, RecursiveMode::Recursive)
        .map_err(|e| watch_error(root, e))?;
    Ok(debouncer)
}

fn watch_error(root: &Path, error: notify::Error) -> Error {
    Error::Watch {
        path: root.to_path_buf(),
        source: error,
    }
}

/// The change a burst of paths amounts to, or `None` if nothing the site is built from moved.
pub(super) fn change_for(
    root: &Path,
    output: &Path,
    paths: impl Iterator<Item = PathBuf>,
) -> Option<Change> {
    let mut change: Option<Change> = None;
    for path in paths {
        let relative = path.strip_prefix(root).unwrap_or(&path);
        let next = match session::classify(relative, output) {
            Kind::Ignored => continue,
            Kind::Settings => Change::Everything,
            // A folder moved or removed: walk again rather than guess what was inside.
            Kind::Event(p) if p.extension().is_none() => Change::Everything,
            Kind::Event(p) => Change::Events(vec![p]),
        };
        change = Some(match change {
            None => next,
            Some(c) => merge(c, next),
        });
    }
    change
}

/// Two changes as one: the larger wins, event lists add up.
pub(super) fn merge(a: Change, b: Change) -> Change {
    match (a, b) {
        (Change::Everything, _) | (_, Change::Everything) => Change::Everything,
        (Change::Events(mut x), Change::Events(y)) => {
            for p in y {
                if !x.contains(&p) {
                    x.push(p);
                }
            }
            Change::Events(x)
        }
        (Change::Events(x), Change::Time) | (Change::Time, Change::Events(x)) => Change::Events(x),
        (Change::Time, Change::Time) => Change::Time,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_becomes_one_change() {
        let root = Path::new("/site");
        let out = Path::new("public");
        let paths = |list: &[&str]| {
            list.iter()
                .map(|p| root.join(p))
                .collect::<Vec<_>>()
                .into_iter()
        };
        assert_eq!(
            change_for(
                root,
                out,
                paths(&["public/index.html", "incidents/.a.md.swp"])
            ),
            None
        );
        assert_eq!(
            change_for(
                root,
                out,
                paths(&["incidents/a.md", "incidents/a.md", "incidents/b.md"])
            ),
            Some(Change::Events(vec![
                "incidents/a.md".into(),
                "incidents/b.md".into()
            ]))
        );
        assert_eq!(
            change_for(root, out, paths(&["incidents/a.md", "site.yaml"])),
            Some(Change::Everything)
        );
        assert_eq!(
            change_for(root, out, paths(&["incidents/2014"])),
            Some(Change::Everything)
        );
    }

    #[test]
    fn merging_keeps_the_larger_change() {
        assert_eq!(
            merge(Change::Time, Change::Events(vec!["a".into()])),
            Change::Events(vec!["a".into()])
        );
        assert_eq!(
            merge(Change::Events(vec!["a".into()]), Change::Everything),
            Change::Everything
        );
    }
}
