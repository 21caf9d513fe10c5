//! `sitrep update SLUG --status STATUS`: appends an update to an event's timeline by editing
//! the file as text, so every other byte (comments, key order, quoting, the body) stays as the
//! author wrote it.

use std::path::{Path, PathBuf};

use super::{Authored, AuthoringError, lock, parse_word, timestamp_text, write, yaml_value};
use crate::Now;
use crate::config::{self, Site};
use crate::content::{self, Source, front_matter};
use crate::files::Existing;
use crate::model::{ComponentStatus, Event, UpdateStatus};
use crate::suggest;
use chrono::{DateTime, Utc};

/// What `sitrep update` was asked to append, as the command line gave it.
#[derive(Debug, Clone, Default)]
pub struct NewUpdate {
    /// The event's slug: its `slug:`, or its file name without `.md`.
    pub slug: String,
    /// The update's status; it must be one the event's kind allows (docs/format.md, "Update
    /// statuses").
    pub status: String,
    /// The update's text (Markdown); must not be empty.
    pub message: String,
    /// `ID=STATUS`: components whose status changes with this update, declared in site.yaml.
    pub components: Vec<String>,
}

/// Appends the update and returns the edited file's path, relative to the root. Holds the
/// site's authoring lock from reading the file to writing it, so two updates at once both
/// land, one after the other.
pub fn run(root: &Path, request: &NewUpdate, now: &Now) -> Result<Authored, AuthoringError> {
    let site = config::load(root)?;
    let now = now.resolve(site.time_zone)?;
    check_components(&site, &request.components)?;
    check_message(&request.message)?;
    let _lock = lock(root)?;
    let found = find_event(root, &site, EventRef::Slug(&request.slug))?;
    append(root, &site, found, request, now)
}

/// Which event to append to: by slug (the command line) or by file (`sitrep ingest`, which
/// knows the file it wrote, whatever `slug:` a person has since given it).
#[derive(Debug, Clone, Copy)]
pub(crate) enum EventRef<'a> {
    Slug(&'a str),
    Path(&'a Path),
}

/// An event file as found: its path relative to the root, its text and its parsed event.
pub(crate) struct Found {
    pub relative: PathBuf,
    pub text: String,
    pub event: Event,
}

fn check_message(message: &str) -> Result<(), AuthoringError> {
    if message.trim().is_empty() {
        return Err(AuthoringError::refused(
            "the update's message is empty",
            Some(
                "say what is known and what happens next, with --message or on standard input"
                    .into(),
            ),
        ));
    }
    Ok(())
}

/// Appends `request`'s update (its `slug` is not read) to the event `found`; the caller holds
/// the authoring lock since it found the event.
pub(crate) fn append(
    root: &Path,
    site: &Site,
    found: Found,
    request: &NewUpdate,
    now: DateTime<Utc>,
) -> Result<Authored, AuthoringError> {
    let components = check_components(site, &request.components)?;
    check_message(&request.message)?;
    let message = request.message.trim();
    let Found {
        relative,
        text,
        event,
    } = found;
    let status = check_status(&event, &request.status)?;
    let at = if event.timeline.iter().any(|u| same_minute(u.at, now)) {
        // Two updates in one minute: keep them apart by the second.
        now.with_timezone(&site.time_zone)
            .format("%Y-%m-%d %H:%M:%S %:z")
            .to_string()
    } else {
        timestamp_text(now, site.time_zone)
    };
    let edited = append_update(&text, &at, status, message, &components)?;
    let updated = content::event::parse(&relative, &edited, site).map_err(|errors| {
        AuthoringError::refused(
            format!(
                "the edited file would not be valid, so {} was left untouched:\n{}",
                relative.display(),
                crate::Error::Content(errors)
            ),
            None,
        )
    })?;
    if updated.timeline.len() != event.timeline.len() + 1 {
        return Err(AuthoringError::refused(
            format!(
                "could not append to the timeline of {}; the file was left untouched",
                relative.display()
            ),
            None,
        ));
    }
    write(root, &relative, &edited, Existing::Replace)?;
    Ok(Authored {
        path: relative,
        warnings: Vec::new(),
    })
}

fn same_minute(a: DateTime<Utc>, b: DateTime<Utc>) -> bool {
    a.timestamp().div_euclid(60) == b.timestamp().div_euclid(60)
}

/// The file of the event with this slug (or at this path), its text and its parsed event,
/// read with the one loader. Other files may be broken: that must not stop an update to this
/// one in the middle of an incident; only this file's own errors do.
pub(crate) fn find_event(
    root: &Path,
    site: &Site,
    which: EventRef<'_>,
) -> Result<Found, AuthoringError> {
    if let EventRef::Slug(slug) = which
        && let Some(found) = named_after(root, site, slug)
    {
        return found;
    }
    let scan = content::scan(root, site);
    let matches = |source: &&Source| match (which, &source.parsed) {
        (EventRef::Path(path), _) => source.path == path,
        (EventRef::Slug(slug), Ok(e)) => e.slug == slug,
        (EventRef::Slug(slug), Err(_)) => source
            .path
            .file_stem()
            .is_some_and(|s| s.to_string_lossy().to_lowercase() == slug),
    };
    let Some(source) = scan.sources.values().find(matches) else {
        let wanted = match which {
            EventRef::Slug(slug) => slug.to_string(),
            EventRef::Path(path) => path.display().to_string(),
        };
        let slugs: Vec<&str> = scan.events().map(|e| e.slug.as_str()).collect();
        return Err(AuthoringError::refused(
            format!("no event with the slug `{wanted}`"),
            suggest::closest(&wanted, slugs.iter().copied())
                .map(|s| format!("did you mean `{s}`?"))
                .or_else(|| Some("the slug is the file name without `.md`, or its `slug:`".into())),
        ));
    };
    found(root, source)
}

/// The event whose file is named after `slug` (the slug a file has unless its `slug:` sets
/// another, docs/format.md), read alone: during an outage `update` should not parse the whole
/// history to find one file. `None` when no single file is, or its slug is another: the caller
/// then looks through every file. (Two files claiming one slug are refused by the build that
/// follows, as always.)
fn named_after(root: &Path, site: &Site, slug: &str) -> Option<Result<Found, AuthoringError>> {
    let (files, _) = content::find_event_files(root);
    let mut named = files.into_iter().filter(|path| {
        path.file_stem()
            .is_some_and(|stem| stem.to_string_lossy().to_lowercase() == slug)
    });
    let (relative, None) = (named.next()?, named.next()) else {
        return None;
    };
    let source = content::read_source(root, &relative, site, None);
    match &source.parsed {
        Ok(event) if event.slug == slug => Some(found(root, &source)),
        _ => None,
    }
}

/// The event of `source`, refused if the file has errors.
fn found(root: &Path, source: &content::Source) -> Result<Found, AuthoringError> {
    let event = source.parsed.clone().map_err(|errors| {
        AuthoringError::refused(
            format!(
                "{} has errors; fix them before adding an update:\n{}",
                source.path.display(),
                crate::Error::Content(errors)
            ),
            None,
        )
    })?;
    let text = content::read_text(root, &source.path).map_err(|d| vec![d])?;
    Ok(Found {
        relative: source.path.clone(),
        text,
        event: Event::clone(&event),
    })
}

fn check_status(event: &Event, status: &str) -> Result<UpdateStatus, AuthoringError> {
    let allowed = UpdateStatus::allowed_for(event.kind);
    match UpdateStatus::parse(status) {
        Some(s) if allowed.contains(&s) => Ok(s),
        _ => {
            let names = allowed.iter().map(|s| s.as_str());
            let list = names
                .clone()
                .map(|n| format!("`{n}`"))
                .collect::<Vec<_>>()
                .join(", ");
            Err(AuthoringError::bad_option(
                format!(
                    "`{status}` is not a status for {} ({})",
                    event.slug,
                    event.kind.with_article()
                ),
                suggest::closest(status, names)
                    .map(|s| format!("did you mean `{s}`?"))
                    .or(Some(format!("use one of {list}"))),
            ))
        }
    }
}

fn check_components(
    site: &Site,
    specs: &[String],
) -> Result<Vec<(String, ComponentStatus)>, AuthoringError> {
    specs
        .iter()
        .map(|spec| {
            let (id, status) = spec.split_once('=').ok_or_else(|| {
                AuthoringError::bad_option(
                    format!("--component `{spec}` needs a status"),
                    Some(format!(
                        "write `{spec}=operational`, `{spec}=partial_outage`, …"
                    )),
                )
            })?;
            let (id, status) = (id.trim(), status.trim());
            if site.component(id).is_none() {
                return Err(AuthoringError::bad_option(
                    format!("unknown component `{id}`"),
                    suggest::help_for(id, site.component_ids()),
                ));
            }
            let status = parse_word::<ComponentStatus>(status)?;
            Ok((id.to_string(), status))
        })
        .collect()
}

/// Inserts an update at the end of the front matter's `timeline` list, in the list's own
/// indentation and line endings; adds `timeline:` if there is none.
pub fn append_update(
    text: &str,
    at: &str,
    status: UpdateStatus,
    message: &str,
    components: &[(String, ComponentStatus)],
) -> Result<String, AuthoringError> {
    let newline = if text.contains("\r\n") { "\r\n" } else { "\n" };
    let split = front_matter::split(text)
        .map_err(|e| AuthoringError::refused(e.message, Some(e.help.into())))?;
    let yaml_start = split.yaml.as_ptr() as usize - text.as_ptr() as usize;
    let yaml_end = yaml_start + split.yaml.len();
    let lines: Vec<(usize, &str)> = line_offsets(&text[yaml_start..yaml_end], yaml_start);

    let timeline = lines
        .iter()
        .position(|(_, l)| top_level_key(l) == Some("timeline"));
    let (insert_at, item_indent, key_indent, replace) = match timeline {
        None => (yaml_end, 2, 4, Some("timeline:".to_string() + newline)),
        Some(i) => {
            let value = value_after_key(lines[i].1);
            if value == "[]" {
                let (start, line) = lines[i];
                let end = start + line.len();
                let header = format!("timeline:{newline}");
                return Ok(format!(
                    "{}{header}{}{}",
                    &text[..start],
                    item_text(2, 4, at, status, message, components, newline),
                    &text[end..]
                ));
            }
            if !value.is_empty() {
                return Err(AuthoringError::refused(
                    "the timeline is written inline (`timeline: [...]`), which sitrep update cannot extend without rewriting it",
                    Some("write the timeline as a list of `- at: …` items, one per line".into()),
                ));
            }
            let (end, item_indent, key_indent) =
                block_end(&lines[i + 1..]).unwrap_or((lines[i].0 + lines[i].1.len(), 2, 4));
            (end, item_indent, key_indent, None)
        }
    };
    let mut out = String::with_capacity(text.len() + 200);
    out.push_str(&text[..insert_at]);
    if !out.ends_with('\n') {
        out.push_str(newline);
    }
    if let Some(header) = replace {
        out.push_str(&header);
    }
    out.push_str(&item_text(
        item_indent,
        key_indent,
        at,
        status,
        message,
        components,
        newline,
    ));
    out.push_str(&text[insert_at..]);
    Ok(out)
}

fn item_text(
    item_indent: usize,
    key_indent: usize,
    at: &str,
    status: UpdateStatus,
    message: &str,
    components: &[(String, ComponentStatus)],
    newline: &str,
) -> String {
    let item = " ".repeat(item_indent);
    let key = " ".repeat(key_indent);
    let dash_gap = " ".repeat(key_indent.saturating_sub(item_indent + 1).max(1));
    let mut out = format!("{item}-{dash_gap}at: {at}{newline}{key}status: {status}{newline}");
    out.push_str(&format!(
        "{key}message: {}{newline}",
        yaml_value(message, key_indent).replace('\n', newline)
    ));
    if !components.is_empty() {
        out.push_str(&format!("{key}components:{newline}"));
        for (id, status) in components {
            out.push_str(&format!("{key}  {id}: {status}{newline}"));
        }
    }
    out
}

/// Each line of `yaml` with its byte offset in the whole file.
fn line_offsets(yaml: &str, base: usize) -> Vec<(usize, &str)> {
    let mut offset = base;
    yaml.split_inclusive('\n')
        .map(|line| {
            let start = offset;
            offset += line.len();
            (start, line)
        })
        .collect()
}

fn indentation(line: &str) -> usize {
    line.len() - line.trim_start_matches(' ').len()
}

fn is_blank_or_comment(line: &str) -> bool {
    let t = line.trim();
    t.is_empty() || t.starts_with('#')
}

/// The key of a line at column 0 (`timeline:` → `timeline`).
fn top_level_key(line: &str) -> Option<&str> {
    if line.starts_with([' ', '\t', '#', '-']) {
        return None;
    }
    let (key, _) = line.split_once(':')?;
    Some(key.trim().trim_matches(['"', '\'']))
}

/// What follows `key:` on its line, without a trailing comment.
fn value_after_key(line: &str) -> &str {
    let value = line.split_once(':').map_or("", |(_, v)| v);
    let value = match value.find(" #") {
        Some(i) => &value[..i],
        None => value,
    };
    value.trim()
}

/// Where the block list after `timeline:` ends (the byte offset after its last line), the
/// indentation of its `-` and of the keys inside an item.
fn block_end(lines: &[(usize, &str)]) -> Option<(usize, usize, usize)> {
    let first_item = lines.iter().find(|(_, l)| !is_blank_or_comment(l))?;
    let item_indent = indentation(first_item.1);
    if !first_item.1.trim_start().starts_with('-') {
        return None;
    }
    let after_dash = &first_item.1.trim_start()[1..];
    let key_indent =
        item_indent + 1 + (after_dash.len() - after_dash.trim_start_matches(' ').len());
    let mut end = None;
    for (offset, line) in lines {
        if is_blank_or_comment(line) {
            continue;
        }
        let indent = indentation(line);
        let inside =
            indent > item_indent || (indent == item_indent && line.trim_start().starts_with('-'));
        if !inside {
            break;
        }
        end = Some(offset + line.len());
    }
    end.map(|e| (e, item_indent, key_indent.max(item_indent + 2)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn append(text: &str) -> String {
        append_update(
            text,
            "2026-11-25 14:03 -05:00",
            UpdateStatus::Identified,
            "Found it.",
            &[("web".into(), ComponentStatus::MajorOutage)],
        )
        .expect("append")
    }

    #[test]
    fn appends_in_the_lists_own_indentation_and_keeps_everything_else() {
        let text = "---\n# Keep this comment\ntitle: 'Quoted: title'\ntimeline:\n    -   at: 2026-11-25 13:00   # first\n        status: investigating\n        message: >\n          Folded\n          text.\n\ndraft: false\n---\nBody *kept*.\n";
        let expected = "---\n# Keep this comment\ntitle: 'Quoted: title'\ntimeline:\n    -   at: 2026-11-25 13:00   # first\n        status: investigating\n        message: >\n          Folded\n          text.\n    -   at: 2026-11-25 14:03 -05:00\n        status: identified\n        message: Found it.\n        components:\n          web: major_outage\n\ndraft: false\n---\nBody *kept*.\n";
        assert_eq!(append(text), expected);
    }

    #[test]
    fn zero_indented_lists_and_crlf_files() {
        let text = "---\r\ntitle: T\r\ntimeline:\r\n- at: 2026-11-25 13:00\r\n  status: investigating\r\n  message: x\r\n---\r\n";
        let expected = "---\r\ntitle: T\r\ntimeline:\r\n- at: 2026-11-25 13:00\r\n  status: investigating\r\n  message: x\r\n- at: 2026-11-25 14:03 -05:00\r\n  status: identified\r\n  message: Found it.\r\n  components:\r\n    web: major_outage\r\n---\r\n";
        assert_eq!(append(text), expected);
    }

    #[test]
    fn empty_or_missing_timelines_get_one() {
        let text =
            "---\ntitle: T\nkind: maintenance\ntimeline: []\nscheduled: {start: a, end: b}\n---\n";
        assert!(
            append(text)
                .contains("timeline:\n  - at: 2026-11-25 14:03 -05:00\n    status: identified\n"),
            "{}",
            append(text)
        );
        let text = "---\ntitle: T\n---\n";
        assert_eq!(
            append(text),
            "---\ntitle: T\ntimeline:\n  - at: 2026-11-25 14:03 -05:00\n    status: identified\n    message: Found it.\n    components:\n      web: major_outage\n---\n"
        );
    }

    #[test]
    fn inline_timelines_are_refused() {
        let text = "---\ntitle: T\ntimeline: [{at: x, status: y, message: z}]\n---\n";
        assert!(append_update(text, "x", UpdateStatus::Identified, "m", &[]).is_err());
    }

    #[test]
    fn multi_line_messages_become_block_scalars() {
        let text = "---\ntitle: T\ntimeline:\n  - at: 2026-11-25 13:00\n    status: investigating\n    message: x\n---\n";
        let out = append_update(
            text,
            "2026-11-25 14:03 -05:00",
            UpdateStatus::Identified,
            "Line one.\n\nLine two: more.",
            &[],
        )
        .expect("append");
        assert!(
            out.ends_with("    message: |-\n      Line one.\n\n      Line two: more.\n---\n"),
            "{out}"
        );
    }
}
