//! One event file: front matter validated against docs/format.md and the site's components.

use std::collections::HashMap;
use std::fmt;
use std::path::Path;

use chrono::{DateTime, Utc};
use serde::de::{MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer};
use serde_saphyr::Spanned;

use super::front_matter;
use crate::config::{self, Site};
use crate::error::{Diagnostic, ErrorCode};
use crate::model::{ComponentStatus, Event, Impact, Kind, Update, UpdateStatus, Window};
use crate::status::Word;
use crate::suggest;
use crate::time;
use crate::yaml::{self, Schema, Step, YamlSource, fields_of};

const MAX_TITLE: usize = 200;
const MAX_SUMMARY: usize = 280;
/// An update is read on phones and reposted by bots; the post-mortem has the body.
const MAX_MESSAGE: usize = 10_000;

#[derive(Deserialize)]
struct RawEvent {
    title: Spanned<String>,
    #[serde(default)]
    kind: Option<Spanned<String>>,
    #[serde(default)]
    slug: Option<Spanned<String>>,
    #[serde(default)]
    impact: Option<Spanned<String>>,
    #[serde(default)]
    components: Option<Spanned<RawComponents>>,
    #[serde(default)]
    scheduled: Option<Spanned<RawWindow>>,
    #[serde(default)]
    timeline: Option<Spanned<Vec<RawUpdate>>>,
    #[serde(default)]
    summary: Option<Spanned<String>>,
    #[serde(default)]
    draft: bool,
}

#[derive(Deserialize)]
struct RawWindow {
    start: Spanned<String>,
    end: Spanned<String>,
}

#[derive(Deserialize)]
struct RawUpdate {
    at: Spanned<String>,
    // Optional here so that a misspelt key (`stauts`, `mesage`) is reported once, as a typo,
    // and the rest of the file is still checked; their absence is reported in validation.
    #[serde(default)]
    status: Option<Spanned<String>>,
    #[serde(default)]
    message: Option<Spanned<String>>,
    #[serde(default)]
    components: Option<Spanned<RawComponents>>,
}

impl Schema for RawEvent {
    fn keys_at(path: &[Step]) -> Option<&'static [&'static str]> {
        match path {
            [] => Some(fields_of::<RawEvent>()),
            [Step::Key(k)] if k == "scheduled" => Some(fields_of::<RawWindow>()),
            [Step::Key(k), Step::Index(_)] if k == "timeline" => Some(fields_of::<RawUpdate>()),
            // `components` maps take any component id; they are checked against site.yaml.
            _ => None,
        }
    }
}

/// `components` as written: a map id → status, or a list of ids. A hand-written visitor rather
/// than `#[serde(untagged)]`, which would buffer the values and lose their spans.
enum RawComponents {
    Map(Vec<(Spanned<String>, Spanned<String>)>),
    List(Vec<Spanned<String>>),
}

impl<'de> Deserialize<'de> for RawComponents {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ComponentsVisitor;
        impl<'de> Visitor<'de> for ComponentsVisitor {
            type Value = RawComponents;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a map of component id to status, or a list of component ids")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RawComponents, A::Error> {
                let mut entries = Vec::new();
                while let Some(entry) = map.next_entry()? {
                    entries.push(entry);
                }
                Ok(RawComponents::Map(entries))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<RawComponents, A::Error> {
                let mut ids = Vec::new();
                while let Some(id) = seq.next_element()? {
                    ids.push(id);
                }
                Ok(RawComponents::List(ids))
            }
        }
        deserializer.deserialize_any(ComponentsVisitor)
    }
}

/// Collects every problem in one file instead of stopping at the first.
struct Checker<'a> {
    source: YamlSource<'a>,
    site: &'a Site,
    errors: Vec<Diagnostic>,
}

impl Checker<'_> {
    fn push(&mut self, d: Diagnostic) {
        self.errors.push(d);
    }

    fn timestamp(&mut self, raw: &Spanned<String>) -> Option<DateTime<Utc>> {
        match time::parse_timestamp(&raw.value, self.site.time_zone) {
            Ok(t) => Some(t),
            Err(e) => {
                self.push(
                    self.source
                        .error_on(raw, ErrorCode::InvalidTimestamp, e.message)
                        .with_help(e.help),
                );
                None
            }
        }
    }

    fn component_id(&mut self, raw: &Spanned<String>) -> Option<String> {
        if self.site.component(&raw.value).is_some() {
            return Some(raw.value.clone());
        }
        let d = self
            .source
            .error_on(
                raw,
                ErrorCode::UnknownComponent,
                format!("unknown component `{}`", raw.value),
            )
            .with_optional_help(
                suggest::help_for(&raw.value, self.site.component_ids()).or_else(|| {
                    Some("components are declared in site.yaml under `components`".into())
                }),
            );
        self.push(d);
        None
    }

    /// Text that feeds and pages can carry: no control characters (XML cannot hold them).
    fn printable(&mut self, raw: &Spanned<String>, what: &str) {
        if let Some(c) = raw
            .value
            .chars()
            .find(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
        {
            let d = self
                .source
                .error_on(
                    raw,
                    ErrorCode::InvalidValue,
                    format!(
                        "the {what} contains the control character U+{:04X}",
                        c as u32
                    ),
                )
                .with_help("remove it; feeds and pages cannot carry it");
            self.push(d);
        }
    }

    /// A key an update must have; its absence is reported at the update's `at`, unless a
    /// misspelling of it was already reported.
    fn required<'v>(
        &mut self,
        value: Option<&'v Spanned<String>>,
        key: &str,
        at: &Spanned<String>,
    ) -> Option<&'v Spanned<String>> {
        if value.is_none() {
            let typo_reported = self
                .errors
                .iter()
                .any(|d| d.help.as_deref() == Some(&format!("did you mean `{key}`?")));
            if !typo_reported {
                let d = self
                    .source
                    .error_on(
                        at,
                        ErrorCode::MissingKey,
                        format!("this update has no `{key}`"),
                    )
                    .with_help(format!("add `{key}:` under `at:`"));
                self.push(d);
            }
        }
        value
    }

    /// A word of a closed vocabulary, or an error with the likely intended word.
    fn word<W: Word>(&mut self, raw: &Spanned<String>) -> Option<W> {
        W::parse(&raw.value).or_else(|| {
            let d = self
                .source
                .error_on(
                    raw,
                    ErrorCode::UnknownValue,
                    format!("unknown {} `{}`", W::NOUN, raw.value),
                )
                .with_optional_help(suggest::help_for(&raw.value, W::names()));
            self.push(d);
            None
        })
    }

    fn status_map(
        &mut self,
        entries: &[(Spanned<String>, Spanned<String>)],
    ) -> Vec<(String, ComponentStatus)> {
        let mut seen: HashMap<&str, ()> = HashMap::new();
        let mut out = Vec::with_capacity(entries.len());
        for (id, status) in entries {
            if seen.insert(&id.value, ()).is_some() {
                self.push(self.source.error_on(
                    id,
                    ErrorCode::DuplicateKey,
                    format!("component `{}` is listed twice", id.value),
                ));
                continue;
            }
            let id = self.component_id(id);
            let status = self.word::<ComponentStatus>(status);
            if let (Some(id), Some(status)) = (id, status) {
                out.push((id, status));
            }
        }
        out
    }
}

/// Parses one event file. `path` is relative to the site folder; it names the file in messages
/// and gives the default slug.
pub(crate) fn parse(path: &Path, text: &str, site: &Site) -> Result<Event, Vec<Diagnostic>> {
    let whole = YamlSource::whole_file(path, text);
    let split = front_matter::split(text).map_err(|e| {
        vec![
            whole
                .error_at_position(e.line, 1, 3, ErrorCode::FrontMatter, e.message)
                .with_help(e.help),
        ]
    })?;
    let source = YamlSource {
        path,
        file_text: text,
        first_line: split.yaml_first_line,
    };
    if split.yaml.trim().is_empty() {
        return Err(vec![
            source
                .error_at_position(1, 1, 3, ErrorCode::FrontMatter, "the front matter is empty")
                .with_help("an event needs at least `title` and `timeline`"),
        ]);
    }
    let (raw, unknown_keys): (RawEvent, _) =
        yaml::parse(&source, split.yaml, yaml::front_matter_budget())?;
    let mut checker = Checker {
        source,
        site,
        errors: unknown_keys,
    };
    let event = validate(&mut checker, raw, path, split.body);
    match event {
        Some(event) if checker.errors.is_empty() => Ok(Event {
            fingerprint: crate::fingerprint::of_bytes(&[
                path.to_string_lossy().as_bytes(),
                text.as_bytes(),
            ]),
            ..event
        }),
        _ => Err(checker.errors),
    }
}

fn validate(c: &mut Checker<'_>, raw: RawEvent, path: &Path, body: &str) -> Option<Event> {
    // A body of comments alone (the skeleton `new` writes) is no post-mortem yet.
    let body = if crate::markdown::shows_nothing(body) {
        ""
    } else {
        body
    };
    let RawEvent {
        title,
        kind,
        slug,
        impact,
        components,
        scheduled,
        timeline,
        summary,
        draft,
    } = raw;

    c.printable(&title, "title");
    if let Some(s) = &summary {
        c.printable(s, "summary");
    }
    validate_title(c, &title);
    let kind = match &kind {
        None => Some(Kind::Incident),
        Some(k) => c.word::<Kind>(k),
    };
    let slug = validate_slug(c, slug.as_ref(), path);
    let kind = kind?;

    let declared_impact = impact.as_ref().and_then(|i| validate_impact(c, i, kind));
    let initial = components
        .as_ref()
        .map(|raw| initial_components(c, raw, kind, declared_impact, impact.is_some()))
        .unwrap_or_default();
    let window = validate_scheduled(c, scheduled.as_ref(), kind);
    let timeline = validate_timeline(c, timeline.as_ref(), kind);

    let worst_set = initial
        .iter()
        .chain(timeline.iter().flat_map(|u| u.components.iter()))
        .map(|(_, s)| *s)
        .max();
    let impact = match kind {
        Kind::Incident => declared_impact
            .unwrap_or_else(|| worst_set.map_or(Impact::None, ComponentStatus::implied_impact)),
        _ => Impact::None,
    };
    let (impact_written, summary_written) = (declared_impact.is_some(), summary.is_some());
    let summary = validate_summary(c, summary, &timeline, body, &title.value);

    Some(Event {
        slug: slug?,
        title: title.value.trim().to_string(),
        kind,
        impact,
        components: initial,
        scheduled: window,
        timeline,
        summary,
        impact_written,
        summary_written,
        body: body.to_string(),
        draft,
        source: path.to_path_buf(),
        fingerprint: 0,
    })
}

/// `title:`: visible, and not too long.
fn validate_title(c: &mut Checker<'_>, title: &Spanned<String>) {
    let title_len = title.value.trim().chars().count();
    if title_len > 0 && !title.value.chars().any(is_visible) {
        c.push(
            c.source
                .error_on(
                    title,
                    ErrorCode::InvalidValue,
                    "`title` has no visible character: only spaces and invisible ones (such as U+200B, a zero-width space)",
                )
                .with_help("write the title readers will see in the list of incidents"),
        );
    } else if title_len == 0 || title_len > MAX_TITLE {
        c.push(c.source.error_on(
            title,
            ErrorCode::InvalidValue,
            format!("`title` must be 1 to {MAX_TITLE} characters, not {title_len}"),
        ));
    }
}

/// `summary:` on one line, or the one made from the latest update when there is none.
fn validate_summary(
    c: &mut Checker<'_>,
    summary: Option<Spanned<String>>,
    timeline: &[Update],
    body: &str,
    title: &str,
) -> String {
    match summary {
        Some(s) if s.value.chars().count() > MAX_SUMMARY => {
            if let Some(d) = c.source.too_long(&s, "`summary`", MAX_SUMMARY) {
                c.push(d.with_help(
                    "bots repost it: keep it to one or two sentences, or leave it out to use the latest update",
                ));
            }
            String::new()
        }
        Some(s) => s.value.split_whitespace().collect::<Vec<_>>().join(" "),
        None => crate::model::event::derived_summary(timeline, body, title),
    }
}

fn validate_slug(
    c: &mut Checker<'_>,
    slug: Option<&Spanned<String>>,
    path: &Path,
) -> Option<String> {
    if let Some(s) = slug {
        if config::is_valid_id(&s.value) {
            return Some(s.value.clone());
        }
        c.push(
            c.source
                .error_on(
                    s,
                    ErrorCode::InvalidValue,
                    format!(
                        "slug `{}` may only use a-z, 0-9 and `-`, starting with a letter or digit",
                        s.value
                    ),
                )
                .with_help(format!("try `{}`", slug_of(&s.value))),
        );
        return None;
    }
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let derived = slug_of(&stem);
    if config::is_valid_id(&derived) {
        return Some(derived);
    }
    c.push(
        c.source
            .error(
                ErrorCode::InvalidValue,
                format!("the file name `{stem}` does not make a slug: it has no letter a-z or digit"),
            )
            .with_help("rename the file (e.g. `2026-11-25-switch-failure.md`), or set `slug:` in its front matter"),
    );
    None
}

/// The slug a file name makes (docs/format.md, "slug"): lowercased, every run of characters
/// other than `a-z`, `0-9` and `-` made one `-`, none at either end
/// (`2024-05-06-ci.jenkins.io-outage` → `2024-05-06-ci-jenkins-io-outage`). A name that is a
/// slug already is kept as it is, so no existing page moves.
pub(crate) fn slug_of(name: &str) -> String {
    let lower = name.to_lowercase();
    if config::is_valid_id(&lower) {
        return lower;
    }
    let mut slug = String::with_capacity(lower.len());
    for c in lower.chars() {
        if c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' {
            slug.push(c);
        } else if !slug.ends_with('-') {
            slug.push('-');
        }
    }
    slug.trim_matches('-').to_string()
}

fn validate_impact(c: &mut Checker<'_>, raw: &Spanned<String>, kind: Kind) -> Option<Impact> {
    if kind != Kind::Incident {
        c.push(
            c.source
                .error_on(
                    raw,
                    ErrorCode::InvalidValue,
                    format!(
                        "`impact` is for incidents only, and this is {}",
                        kind.with_article()
                    ),
                )
                .with_help("remove `impact`"),
        );
        return None;
    }
    c.word::<Impact>(raw)
}

fn initial_components(
    c: &mut Checker<'_>,
    raw: &Spanned<RawComponents>,
    kind: Kind,
    impact: Option<Impact>,
    impact_written: bool,
) -> Vec<(String, ComponentStatus)> {
    if kind == Kind::Notice {
        c.push(
            c.source
                .error_on(
                    raw,
                    ErrorCode::InvalidValue,
                    "a notice has no component impact, so it takes no `components`",
                )
                .with_help(
                    "make it `kind: incident` or `kind: maintenance`, or remove `components`",
                ),
        );
        return Vec::new();
    }
    match &raw.value {
        RawComponents::Map(entries) => c.status_map(entries),
        RawComponents::List(ids) => {
            let status = match (kind, impact) {
                (Kind::Maintenance, _) => ComponentStatus::UnderMaintenance,
                (_, Some(impact)) => impact.implied_status(),
                (_, None) => {
                    if !impact_written {
                        c.push(
                            c.source
                                .error_on(raw, ErrorCode::InvalidValue, "the list form of `components` needs `impact` to know their status")
                                .with_help("add `impact: minor`, `major` or `critical`, or write `components` as a map `id: status`"),
                        );
                    }
                    return Vec::new();
                }
            };
            let mut out: Vec<(String, ComponentStatus)> = Vec::with_capacity(ids.len());
            for id in ids {
                if out.iter().any(|(known, _)| *known == id.value) {
                    c.push(c.source.error_on(
                        id,
                        ErrorCode::DuplicateKey,
                        format!("component `{}` is listed twice", id.value),
                    ));
                } else if let Some(id) = c.component_id(id) {
                    out.push((id, status));
                }
            }
            out
        }
    }
}

fn validate_scheduled(
    c: &mut Checker<'_>,
    raw: Option<&Spanned<RawWindow>>,
    kind: Kind,
) -> Option<Window> {
    match (kind, raw) {
        (Kind::Maintenance, None) => {
            c.push(
                c.source
                    .error(
                        ErrorCode::MissingKey,
                        "a maintenance needs `scheduled` with its `start` and `end`",
                    )
                    .with_help(
                        "add `scheduled: { start: 2026-12-09 06:00, end: 2026-12-09 07:30 }`",
                    ),
            );
            None
        }
        (Kind::Maintenance, Some(w)) => {
            let start = c.timestamp(&w.value.start);
            let end = c.timestamp(&w.value.end);
            let (start, end) = (start?, end?);
            if end <= start {
                c.push(c.source.error_on(
                    &w.value.end,
                    ErrorCode::InvalidTimestamp,
                    "`scheduled.end` must be after `scheduled.start`",
                ));
                return None;
            }
            Some(Window { start, end })
        }
        (_, Some(w)) => {
            c.push(
                c.source
                    .error_on(
                        w,
                        ErrorCode::InvalidValue,
                        format!(
                            "`scheduled` is for maintenance only, and this is {}",
                            kind.with_article()
                        ),
                    )
                    .with_help("set `kind: maintenance`, or remove `scheduled`"),
            );
            None
        }
        (_, None) => None,
    }
}

fn validate_timeline(
    c: &mut Checker<'_>,
    raw: Option<&Spanned<Vec<RawUpdate>>>,
    kind: Kind,
) -> Vec<Update> {
    let empty = raw.is_none_or(|t| t.value.is_empty());
    if empty && kind != Kind::Maintenance {
        let d = match raw {
            Some(t) => c.source.error_on(
                t,
                ErrorCode::Timeline,
                format!(
                    "{} needs at least one update in `timeline`",
                    kind.with_article()
                ),
            ),
            None => c.source.error(
                ErrorCode::MissingKey,
                format!(
                    "missing required key `timeline` ({} needs at least one update)",
                    kind.with_article()
                ),
            ),
        };
        c.push(d.with_help(format!(
            "add `timeline:` with `- at: …`, `status: {}`, `message: …`",
            UpdateStatus::allowed_for(kind)[0]
        )));
        return Vec::new();
    }
    let mut updates: Vec<(Update, &Spanned<String>)> = Vec::new();
    for raw_update in raw.map(|t| t.value.as_slice()).unwrap_or_default() {
        if let Some(update) = validate_update(c, raw_update, kind) {
            updates.push((update, &raw_update.at));
        }
    }
    // Stable: updates at one time keep the order the file lists them in (content.md).
    updates.sort_by_key(|(u, _)| u.at);
    let mut updates: Vec<Update> = updates.into_iter().map(|(u, _)| u).collect();
    for i in 1..updates.len() {
        if updates[i].at == updates[i - 1].at {
            updates[i].ordinal = updates[i - 1].ordinal + 1;
        }
    }
    updates
}

fn validate_update(c: &mut Checker<'_>, raw: &RawUpdate, kind: Kind) -> Option<Update> {
    let at = c.timestamp(&raw.at);
    let raw_status = c.required(raw.status.as_ref(), "status", &raw.at);
    let raw_message = c.required(raw.message.as_ref(), "message", &raw.at);
    let status = raw_status.and_then(|s| update_status(c, s, kind));
    if let Some(m) = raw_message {
        c.printable(m, "message");
        if m.value.trim().is_empty() {
            c.push(
                c.source
                    .error_on(
                        m,
                        ErrorCode::InvalidValue,
                        "the update's `message` is empty",
                    )
                    .with_help("say what is known and what happens next"),
            );
        }
        if let Some(d) = c.source.too_long(m, "the update's `message`", MAX_MESSAGE) {
            c.push(d.with_help(
                "keep updates short; the full story goes in the post-mortem below the front matter",
            ));
        }
    }
    let components = update_components(c, raw, kind);
    Some(Update {
        at: at?,
        ordinal: 0,
        status: status?,
        message: raw_message?.value.clone(),
        components,
    })
}

/// An update's status, which must be one of its kind's.
fn update_status(c: &mut Checker<'_>, raw: &Spanned<String>, kind: Kind) -> Option<UpdateStatus> {
    let allowed = UpdateStatus::allowed_for(kind);
    match UpdateStatus::parse(&raw.value) {
        Some(s) if allowed.contains(&s) => Some(s),
        other => {
            let names = allowed.iter().map(|s| s.as_str());
            let message = match other {
                Some(s) => format!("`{s}` is not a status for {}", kind.with_article()),
                None => format!("unknown status `{}`", raw.value),
            };
            let help = suggest::help_for(&raw.value, names.clone()).or_else(|| {
                let list: Vec<String> = names.map(|n| format!("`{n}`")).collect();
                Some(format!("a {kind} update is one of {}", list.join(", ")))
            });
            let d = c
                .source
                .error_on(raw, ErrorCode::UnknownValue, message)
                .with_optional_help(help);
            c.push(d);
            None
        }
    }
}

fn update_components(
    c: &mut Checker<'_>,
    raw: &RawUpdate,
    kind: Kind,
) -> Vec<(String, ComponentStatus)> {
    match &raw.components {
        None => Vec::new(),
        Some(comps) if kind == Kind::Notice => {
            c.push(c.source.error_on(
                comps,
                ErrorCode::InvalidValue,
                "a notice has no component impact, so its updates take no `components`",
            ));
            Vec::new()
        }
        Some(comps) => match &comps.value {
            RawComponents::Map(entries) => c.status_map(entries),
            RawComponents::List(_) => {
                c.push(
                    c.source
                        .error_on(
                            comps,
                            ErrorCode::WrongType,
                            "an update's `components` must be a map `id: status`",
                        )
                        .with_help("write e.g. `components: { web: operational }`"),
                );
                Vec::new()
            }
        },
    }
}

/// Whether a character shows as something: not white space, and not one of Unicode's
/// default-ignorable code points (zero-width spaces and joiners, direction marks, variation
/// selectors, fillers, tags), which every renderer draws as nothing.
fn is_visible(c: char) -> bool {
    !c.is_whitespace()
        && !c.is_control()
        && !matches!(
            c,
            '\u{00AD}'
                | '\u{034F}'
                | '\u{061C}'
                | '\u{115F}'..='\u{1160}'
                | '\u{17B4}'..='\u{17B5}'
                | '\u{180B}'..='\u{180F}'
                | '\u{200B}'..='\u{200F}'
                | '\u{202A}'..='\u{202E}'
                | '\u{2060}'..='\u{206F}'
                | '\u{2800}'
                | '\u{3164}'
                | '\u{FE00}'..='\u{FE0F}'
                | '\u{FEFF}'
                | '\u{FFA0}'
                | '\u{1BCA0}'..='\u{1BCA3}'
                | '\u{1D173}'..='\u{1D17A}'
                | '\u{E0000}'..='\u{E0FFF}'
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unknown_key_is_found_in_every_kind_of_mapping() {
        let site = config::parse(
            Path::new("site.yaml"),
            "title: T\nbase_url: https://s.test/\ncomponents:\n  - { id: web, name: W }\n",
        )
        .expect("site");
        let text = "---\ntitle: T\nkidn: incident\nscheduled: { start: 2026-01-01 10:00, ned: 2026-01-01 11:00 }\ntimeline:\n  - { at: 2026-01-01 10:00, status: investigating, mesage: x, message: y }\n---\n";
        let errors = parse(Path::new("incidents/a.md"), text, &site).expect_err("unknown keys");
        let found: Vec<(String, &str)> = errors
            .iter()
            .filter(|d| d.code == ErrorCode::UnknownKey)
            .map(|d| (d.location(), d.message.as_str()))
            .collect();
        assert_eq!(
            found,
            [
                ("incidents/a.md:3:1".to_string(), "unknown key `kidn`"),
                ("incidents/a.md:4:39".to_string(), "unknown key `ned`"),
                ("incidents/a.md:6:52".to_string(), "unknown key `mesage`"),
            ]
        );
    }
}
