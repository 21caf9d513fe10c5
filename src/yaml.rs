//! YAML parsing shared by site.yaml and front matter: serde-saphyr with a budget against hostile
//! input, and its errors turned into [`Diagnostic`]s with the user's file lines.

use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;
use serde_saphyr::{Budget, Location, Spanned};

use crate::error::{Diagnostic, Position};
use crate::suggest;

/// A YAML document inside a user's file. `first_line` is the file line of the document's first
/// line, so front matter errors point at the `.md` file's lines rather than the block's.
#[derive(Debug, Clone, Copy)]
pub struct YamlSource<'a> {
    pub path: &'a Path,
    pub file_text: &'a str,
    pub first_line: u32,
}

impl<'a> YamlSource<'a> {
    pub fn whole_file(path: &'a Path, file_text: &'a str) -> Self {
        YamlSource {
            path,
            file_text,
            first_line: 1,
        }
    }

    /// A diagnostic pointing at a YAML location.
    pub fn error_at(&self, location: &Location, message: impl Into<String>) -> Diagnostic {
        let line = location.line() as u32;
        if line == 0 {
            return self.error(message);
        }
        self.error_at_position(
            line + self.first_line - 1,
            location.column() as u32,
            location.span().len() as u32,
            message,
        )
    }

    /// A diagnostic pointing at a spanned value.
    pub fn error_on<T>(&self, value: &Spanned<T>, message: impl Into<String>) -> Diagnostic {
        self.error_at(&value.referenced, message)
    }

    /// A diagnostic pointing at a file line and column.
    pub fn error_at_position(
        &self,
        line: u32,
        column: u32,
        len: u32,
        message: impl Into<String>,
    ) -> Diagnostic {
        let source_line = self
            .file_text
            .lines()
            .nth(line.saturating_sub(1) as usize)
            .map(|l| l.trim_end_matches('\r').to_string());
        let len = source_line
            .as_deref()
            .map(|l| {
                let rest = l
                    .chars()
                    .count()
                    .saturating_sub((column as usize).saturating_sub(1));
                len.min(rest as u32)
            })
            .unwrap_or(len);
        Diagnostic {
            path: self.path.to_path_buf(),
            position: Some(Position { line, column, len }),
            message: message.into(),
            help: None,
            source_line,
        }
    }

    /// A diagnostic about the file as a whole.
    pub fn error(&self, message: impl Into<String>) -> Diagnostic {
        Diagnostic::new(PathBuf::from(self.path), message)
    }
}

/// The budget for one event's front matter: generous for any real post-mortem, tight enough
/// that a hostile or broken file cannot exhaust memory or time (billion laughs, deep nesting).
pub fn front_matter_budget() -> Budget {
    let mut budget = Budget::default();
    budget.max_reader_input_bytes = Some(1024 * 1024);
    budget.max_events = 50_000;
    budget.max_aliases = 100;
    budget.max_anchors = 100;
    budget.max_depth = 16;
    budget.max_documents = 1;
    budget.max_nodes = 20_000;
    budget.max_total_scalar_bytes = 1024 * 1024;
    budget.max_merge_keys = 10;
    budget
}

/// The budget for site.yaml: larger (hundreds of components), still bounded.
pub fn site_budget() -> Budget {
    let mut budget = Budget::default();
    budget.max_reader_input_bytes = Some(8 * 1024 * 1024);
    budget.max_depth = 16;
    budget.max_documents = 1;
    budget.max_nodes = 200_000;
    budget.max_total_scalar_bytes = 8 * 1024 * 1024;
    budget
}

/// Parses `yaml` (the document text, which starts at `source.first_line`) into `T`.
pub fn parse<T: DeserializeOwned>(
    source: &YamlSource<'_>,
    yaml: &str,
    budget: Budget,
) -> Result<T, Diagnostic> {
    let options = serde_saphyr::options! {
        budget: Some(budget),
        with_snippet: false,
    };
    serde_saphyr::from_str_with_options(yaml, options).map_err(|e| to_diagnostic(source, &e))
}

/// Like [`parse`], but an unknown key does not hide the rest of the file: each one is
/// reported, blanked out (keeping line numbers) and the document parsed again, so the caller
/// can go on to check everything else. Returns the value and the unknown-key errors.
pub fn parse_all<T: DeserializeOwned>(
    source: &YamlSource<'_>,
    yaml: &str,
    budget: Budget,
) -> Result<(T, Vec<Diagnostic>), Vec<Diagnostic>> {
    const MAX_UNKNOWN_KEYS: usize = 50;
    let mut text = yaml.to_string();
    let mut unknown: Vec<Diagnostic> = Vec::new();
    loop {
        let options = serde_saphyr::options! {
            budget: Some(budget.clone()),
            with_snippet: false,
        };
        let error = match serde_saphyr::from_str_with_options(&text, options) {
            Ok(value) => return Ok((value, unknown)),
            Err(e) => e,
        };
        let diagnostic = to_diagnostic(source, &error);
        let location = error.location().filter(|l| l.line() > 0);
        match location {
            Some(at)
                if diagnostic.message.starts_with("unknown key")
                    && unknown.len() < MAX_UNKNOWN_KEYS =>
            {
                text = blank_key(&text, at.line() as usize, at.column() as usize);
                unknown.push(diagnostic);
                if text
                    .lines()
                    .all(|l| l.trim().is_empty() || l.trim_start().starts_with('#'))
                {
                    // Nothing left to read: the unknown keys were the whole document.
                    return Err(unknown);
                }
            }
            _ => {
                // "missing `message`" after "unknown key `mesage`, did you mean `message`?"
                // says the same thing twice.
                let echo = unknown.iter().any(|u| {
                    u.help.as_deref().is_some_and(|h| {
                        diagnostic
                            .message
                            .strip_prefix("missing required key ")
                            .is_some_and(|k| h.contains(k))
                    })
                });
                if !echo {
                    unknown.push(diagnostic);
                }
                return Err(unknown);
            }
        }
    }
}

/// Blanks a key (from `column` on its 1-based `line`) and its indented value, keeping every
/// line, so positions elsewhere in the document stay true.
fn blank_key(text: &str, line: usize, column: usize) -> String {
    let mut lines: Vec<String> = text.split('\n').map(str::to_string).collect();
    let Some(key_line) = lines.get_mut(line - 1) else {
        return text.to_string();
    };
    let before: String = key_line.chars().take(column.saturating_sub(1)).collect();
    if let Some(blanked) = blank_flow_entry(key_line, &before) {
        *key_line = blanked;
        return lines.join("\n");
    }
    *key_line = before;
    let indent = column.saturating_sub(1);
    for next in lines.iter_mut().skip(line) {
        let content = next.trim_start();
        let nested = content.is_empty() || next.len() - content.len() > indent;
        if !nested {
            break;
        }
        next.clear();
    }
    lines.join("\n")
}

/// Inside a flow mapping (`- s3: { buckt: x, region: y }`), blanks only the entry `key: value`
/// and its comma, so the braces around it still match.
fn blank_flow_entry(line: &str, before: &str) -> Option<String> {
    let depth = |text: &str| {
        text.chars().fold(0i32, |d, c| match c {
            '{' | '[' => d + 1,
            '}' | ']' => d - 1,
            _ => d,
        })
    };
    if depth(before) <= 0 {
        return None;
    }
    let start = before.chars().count();
    let chars: Vec<char> = line.chars().collect();
    let (mut end, mut nested, mut quote) = (start, 0i32, None);
    while end < chars.len() {
        let c = chars[end];
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') => quote = Some(c),
            (None, '{' | '[') => nested += 1,
            (None, '}' | ']') if nested == 0 => break,
            (None, '}' | ']') => nested -= 1,
            (None, ',') if nested == 0 => {
                end += 1;
                break;
            }
            _ => {}
        }
        end += 1;
    }
    Some(
        chars
            .iter()
            .enumerate()
            .map(|(i, c)| if (start..end).contains(&i) { ' ' } else { *c })
            .collect(),
    )
}

fn to_diagnostic(source: &YamlSource<'_>, error: &serde_saphyr::Error) -> Diagnostic {
    let full = error.to_string();
    let message = strip_location_suffix(&full);
    let (message, help) = explain(message);
    let diagnostic = match error.location() {
        Some(location) => source.error_at(&location, message),
        None => source.error(message),
    };
    diagnostic.with_optional_help(help)
}

/// serde-saphyr appends " at line N, column M"; we show the position ourselves, in file lines.
fn strip_location_suffix(message: &str) -> &str {
    match message.rfind(" at line ") {
        Some(i) if message[i..].contains(", column ") => &message[..i],
        _ => message,
    }
}

/// Rewrites serde's terse messages into ours, with a suggestion for misspelt keys.
fn explain(message: &str) -> (String, Option<String>) {
    if let Some(rest) = message.strip_prefix("unknown field `")
        && let Some((name, expected)) = rest.split_once('`')
    {
        let known: Vec<&str> = expected
            .trim_start_matches(", expected one of ")
            .trim_start_matches(", expected ")
            .split(", ")
            .map(|k| k.trim_matches('`'))
            .filter(|k| !k.is_empty() && !k.starts_with("there are no fields"))
            .collect();
        return (
            format!("unknown key `{name}`"),
            suggest::help_for(name, known.iter().copied()),
        );
    }
    if let Some(rest) = message.strip_prefix("unknown variant `")
        && let Some((name, expected)) = rest.split_once('`')
    {
        let known: Vec<&str> = expected
            .trim_start_matches(", expected one of ")
            .trim_start_matches(", expected ")
            .split(", ")
            .map(|k| k.trim_matches('`'))
            .filter(|k| !k.is_empty())
            .collect();
        return (
            format!("unknown kind `{name}`"),
            suggest::help_for(name, known.iter().copied()),
        );
    }
    if let Some(rest) = message.strip_prefix("missing field `") {
        let name = rest.trim_end_matches('`');
        return (format!("missing required key `{name}`"), None);
    }
    if message.starts_with("duplicate mapping key") {
        let key = message
            .trim_start_matches("duplicate mapping key: ")
            .split(',')
            .next()
            .unwrap_or_default();
        return (
            format!("the key `{key}` appears twice"),
            Some("remove one of them".into()),
        );
    }
    let expected = match message {
        "invalid i64" | "invalid u64" | "invalid i32" | "invalid u32" => {
            Some("expected a whole number")
        }
        "invalid f64" | "invalid f32" => Some("expected a number"),
        "invalid boolean" => Some("expected `true` or `false`"),
        _ => None,
    };
    if let Some(expected) = expected {
        return (expected.to_string(), None);
    }
    if message == "expected string scalar" {
        return (
            "expected a text value here".into(),
            Some("put text in quotes if it starts with `[`, `{`, `*`, `&` or `!`".into()),
        );
    }
    (message.to_string(), None)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Doc {
        title: String,
        components: Option<Vec<String>>,
    }

    fn parse_doc(text: &str, first_line: u32) -> Result<Doc, Diagnostic> {
        let path = Path::new("x.md");
        let file = format!("{}{}", "\n".repeat(first_line as usize - 1), text);
        let source = YamlSource {
            path,
            file_text: &file,
            first_line,
        };
        parse(&source, text, front_matter_budget())
    }

    #[test]
    fn unknown_key_is_reported_in_file_lines_with_suggestion() {
        let d = parse_doc("title: a\ncompnents: []\n", 2).unwrap_err();
        assert_eq!(d.location(), "x.md:3:1");
        assert_eq!(d.message, "unknown key `compnents`");
        assert_eq!(d.help.as_deref(), Some("did you mean `components`?"));
    }

    #[test]
    fn missing_key_and_duplicate_key_are_explained() {
        let d = parse_doc("components: []\n", 1).unwrap_err();
        assert_eq!(d.message, "missing required key `title`");
        let d = parse_doc("title: a\ntitle: b\n", 1).unwrap_err();
        assert_eq!(d.message, "the key `title` appears twice");
        assert_eq!(d.location(), "x.md:2:1");
    }

    #[test]
    fn every_unknown_key_is_reported_and_the_rest_still_parses() {
        let path = Path::new("x.md");
        let text = "title: a\ncompnents:\n  - web\nextra: 1\n";
        let source = YamlSource::whole_file(path, text);
        let (doc, unknown): (Doc, _) =
            parse_all(&source, text, front_matter_budget()).expect("parses");
        assert_eq!(doc.title, "a");
        let got: Vec<String> = unknown
            .iter()
            .map(|d| format!("{} {}", d.location(), d.message))
            .collect();
        assert_eq!(
            got,
            [
                "x.md:2:1 unknown key `compnents`",
                "x.md:4:1 unknown key `extra`"
            ]
        );
        let text = "titel: a\n";
        let source = YamlSource::whole_file(path, text);
        let errors = parse_all::<Doc>(&source, text, front_matter_budget()).expect_err("no title");
        assert_eq!(
            errors.len(),
            1,
            "the missing `title` is the typo already reported: {errors:?}"
        );
    }

    #[test]
    fn billion_laughs_is_refused_not_expanded() {
        let mut yaml = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..12 {
            let prev = format!("*a{}", i - 1);
            yaml.push_str(&format!(
                "a{i}: &a{i} [{}]\n",
                [prev.as_str(); 10].join(", ")
            ));
        }
        yaml.push_str("title: boom\n");
        assert!(parse_doc(&yaml, 1).is_err());
    }
}
