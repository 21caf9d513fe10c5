//! YAML parsing shared by site.yaml, front matter and translations: serde-saphyr with a budget
//! against hostile input, its errors matched as values (never by their wording) and turned into
//! [`Diagnostic`]s with the user's file lines, and every unknown key of a document reported in
//! one run, in block and flow style alike.
//!
//! Unknown keys: the raw structs do not deny unknown fields, so one misspelt key cannot hide
//! the rest of the file. The document is also read as a plain tree with positions ([`Node`])
//! and checked against the keys each mapping accepts (the [`Schema`], taken from the raw
//! structs' own field lists), which finds every unknown key with a "did you mean" suggestion.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde::de::{self, DeserializeOwned, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_saphyr::budget::BudgetBreach;
use serde_saphyr::{Budget, Location, MessageFormatter, Spanned, UserMessageFormatter};

use crate::error::{Diagnostic, ErrorCode, Position};
use crate::suggest;

/// A YAML document inside a user's file. `first_line` is the file line of the document's first
/// line, so front matter errors point at the `.md` file's lines rather than the block's.
#[derive(Debug, Clone, Copy)]
pub(crate) struct YamlSource<'a> {
    pub(crate) path: &'a Path,
    pub(crate) file_text: &'a str,
    pub(crate) first_line: u32,
}

impl<'a> YamlSource<'a> {
    pub(crate) fn whole_file(path: &'a Path, file_text: &'a str) -> Self {
        YamlSource {
            path,
            file_text,
            first_line: 1,
        }
    }

    /// A diagnostic pointing at a YAML location.
    pub(crate) fn error_at(
        &self,
        location: &Location,
        code: ErrorCode,
        message: impl Into<String>,
    ) -> Diagnostic {
        let line = location.line() as u32;
        if line == 0 {
            return self.error(code, message);
        }
        self.error_at_position(
            line + self.first_line - 1,
            location.column() as u32,
            location.span().len() as u32,
            code,
            message,
        )
    }

    /// A diagnostic pointing at a spanned value.
    pub(crate) fn error_on<T>(
        &self,
        value: &Spanned<T>,
        code: ErrorCode,
        message: impl Into<String>,
    ) -> Diagnostic {
        self.error_at(&value.referenced, code, message)
    }

    /// A diagnostic pointing at a file line and column (1-based, in characters).
    pub(crate) fn error_at_position(
        &self,
        line: u32,
        column: u32,
        len: u32,
        code: ErrorCode,
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
            position: Some(Position { line, column, len }),
            source_line,
            ..Diagnostic::new(self.path, code, message)
        }
    }

    /// An error when `value` is longer than `max` characters: one wording for every limit on
    /// a string ("`summary` is 300 characters; the limit is 280").
    pub(crate) fn too_long(
        &self,
        value: &Spanned<String>,
        what: &str,
        max: usize,
    ) -> Option<Diagnostic> {
        let length = value.value.chars().count();
        (length > max).then(|| {
            self.error_on(
                value,
                ErrorCode::TooLarge,
                format!("{what} is {length} characters; the limit is {max}"),
            )
        })
    }

    /// A diagnostic about the file as a whole.
    pub(crate) fn error(&self, code: ErrorCode, message: impl Into<String>) -> Diagnostic {
        Diagnostic::new(PathBuf::from(self.path), code, message)
    }
}

/// The budget for one event's front matter: generous for any real post-mortem, tight enough
/// that a hostile or broken file cannot exhaust memory or time (billion laughs, deep nesting).
pub(crate) fn front_matter_budget() -> Budget {
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

/// The budget for site.yaml and translations: larger (hundreds of components), still bounded.
pub(crate) fn site_budget() -> Budget {
    let mut budget = Budget::default();
    budget.max_reader_input_bytes = Some(8 * 1024 * 1024);
    budget.max_depth = 16;
    budget.max_documents = 1;
    budget.max_nodes = 200_000;
    budget.max_total_scalar_bytes = 8 * 1024 * 1024;
    budget
}

/// One step from a document's root to a value: a mapping key or a list position.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Step {
    Key(String),
    Index(usize),
}

/// The keys a document accepts in each of its mappings, for unknown-key errors and their
/// suggestions. Implemented by each raw struct that is the root of a file, with the field lists
/// taken from the structs themselves ([`fields_of`]).
pub(crate) trait Schema {
    /// The keys the mapping at `path` accepts, or `None` where any key is allowed (a map of
    /// component ids, for instance).
    fn keys_at(path: &[Step]) -> Option<&'static [&'static str]>;
}

impl<V> Schema for BTreeMap<String, V> {
    fn keys_at(_: &[Step]) -> Option<&'static [&'static str]> {
        None
    }
}

/// The field names serde's derive gives a struct, read by asking it to deserialize itself from
/// a deserializer that only records them.
pub(crate) fn fields_of<T: DeserializeOwned>() -> &'static [&'static str] {
    struct Introspect<'a>(&'a mut &'static [&'static str]);
    impl<'de> Deserializer<'de> for Introspect<'_> {
        type Error = de::value::Error;
        fn deserialize_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Self::Error> {
            Err(de::Error::custom("not a struct"))
        }
        fn deserialize_struct<V: Visitor<'de>>(
            self,
            _: &'static str,
            fields: &'static [&'static str],
            _: V,
        ) -> Result<V::Value, Self::Error> {
            *self.0 = fields;
            Err(de::Error::custom("fields recorded"))
        }
        serde::forward_to_deserialize_any! {
            bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
            bytes byte_buf option unit unit_struct newtype_struct seq tuple
            tuple_struct map enum identifier ignored_any
        }
    }
    let mut fields: &'static [&'static str] = &[];
    let _ = T::deserialize(Introspect(&mut fields));
    fields
}

/// serde-saphyr's options for reading users' YAML: within `budget`, without its own snippets
/// (ours are in file lines).
pub(crate) fn options(budget: Budget) -> serde_saphyr::Options {
    serde_saphyr::options! {
        budget: Some(budget),
        with_snippet: false,
    }
}

/// Parses `yaml` (the document text, which starts at `source.first_line`) into `T`. Returns the
/// value with one error per unknown key, or every error found when there is no value: each
/// unknown key, then what stopped the parse.
pub(crate) fn parse<T: DeserializeOwned + Schema>(
    source: &YamlSource<'_>,
    yaml: &str,
    budget: Budget,
) -> Result<(T, Vec<Diagnostic>), Vec<Diagnostic>> {
    let typed = serde_saphyr::from_str_with_options::<T>(yaml, options(budget.clone()));
    let unknown = unknown_keys::<T>(yaml, budget);
    let mut errors: Vec<Diagnostic> = unknown.iter().map(|u| u.diagnostic(source)).collect();
    match typed {
        Ok(value) => Ok((value, errors)),
        Err(error) => {
            let error = original(&error);
            // "missing `message`" after "unknown key `mesage`, did you mean `message`?" says
            // the same thing twice.
            let echo = matches!(error, serde_saphyr::Error::SerdeMissingField { field, .. }
                if unknown.iter().any(|u| u.suggestion == Some(*field)));
            if !echo {
                errors.push(diagnostic(source, error));
            }
            Err(errors)
        }
    }
}

/// A key the document's schema does not have, where it is, and the likely intended key.
struct UnknownKey {
    key: String,
    at: Location,
    expected: Option<&'static [&'static str]>,
    suggestion: Option<&'static str>,
}

impl UnknownKey {
    fn diagnostic(&self, source: &YamlSource<'_>) -> Diagnostic {
        let help = match self.expected {
            Some(expected) => suggest::help_for(&self.key, expected.iter().copied()),
            None => None,
        };
        source
            .error_at(
                &self.at,
                ErrorCode::UnknownKey,
                format!("unknown key `{}`", self.key),
            )
            .with_optional_help(help)
    }
}

/// Every unknown key of the document, in file order; none if it cannot be read as a tree (the
/// typed parse then reports why).
fn unknown_keys<T: Schema>(yaml: &str, budget: Budget) -> Vec<UnknownKey> {
    let Ok(root) = serde_saphyr::from_str_with_options::<Node>(yaml, options(budget)) else {
        return Vec::new();
    };
    let mut found = Vec::new();
    collect_unknown::<T>(&root, &mut Vec::new(), &mut found);
    found
}

fn collect_unknown<T: Schema>(node: &Node, path: &mut Vec<Step>, found: &mut Vec<UnknownKey>) {
    match &node.kind {
        NodeKind::Map(entries) => {
            let expected = T::keys_at(path);
            for (key, value) in entries {
                if let Some(known) = expected
                    && !known.contains(&key.value.as_str())
                {
                    found.push(UnknownKey {
                        key: key.value.clone(),
                        at: key.referenced,
                        expected,
                        suggestion: suggest::closest(&key.value, known.iter().copied()),
                    });
                    continue;
                }
                path.push(Step::Key(key.value.clone()));
                collect_unknown::<T>(value, path, found);
                path.pop();
            }
        }
        NodeKind::Seq(items) => {
            for (i, item) in items.iter().enumerate() {
                path.push(Step::Index(i));
                collect_unknown::<T>(item, path, found);
                path.pop();
            }
        }
        NodeKind::Scalar => {}
    }
}

/// A YAML document as a plain tree with positions, read only to locate unknown keys.
struct Node {
    kind: NodeKind,
}

enum NodeKind {
    Map(Vec<(Spanned<String>, Node)>),
    Seq(Vec<Node>),
    Scalar,
}

impl<'de> Deserialize<'de> for Node {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct NodeVisitor;
        impl<'de> Visitor<'de> for NodeVisitor {
            type Value = Node;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("any YAML value")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Node, A::Error> {
                let mut entries = Vec::new();
                while let Some(key) = map.next_key::<Spanned<ScalarText>>()? {
                    let value = map.next_value::<Node>()?;
                    entries.push((
                        Spanned::new(key.value.0, key.referenced, key.defined),
                        value,
                    ));
                }
                Ok(Node {
                    kind: NodeKind::Map(entries),
                })
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Node, A::Error> {
                let mut items = Vec::new();
                while let Some(item) = seq.next_element::<Node>()? {
                    items.push(item);
                }
                Ok(Node {
                    kind: NodeKind::Seq(items),
                })
            }
            fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Node, D::Error> {
                Node::deserialize(d)
            }
            fn visit_bool<E>(self, _: bool) -> Result<Node, E> {
                Ok(Node::scalar())
            }
            fn visit_i64<E>(self, _: i64) -> Result<Node, E> {
                Ok(Node::scalar())
            }
            fn visit_u64<E>(self, _: u64) -> Result<Node, E> {
                Ok(Node::scalar())
            }
            fn visit_i128<E>(self, _: i128) -> Result<Node, E> {
                Ok(Node::scalar())
            }
            fn visit_u128<E>(self, _: u128) -> Result<Node, E> {
                Ok(Node::scalar())
            }
            fn visit_f64<E>(self, _: f64) -> Result<Node, E> {
                Ok(Node::scalar())
            }
            fn visit_str<E>(self, _: &str) -> Result<Node, E> {
                Ok(Node::scalar())
            }
            fn visit_bytes<E>(self, _: &[u8]) -> Result<Node, E> {
                Ok(Node::scalar())
            }
            fn visit_unit<E>(self) -> Result<Node, E> {
                Ok(Node::scalar())
            }
            fn visit_none<E>(self) -> Result<Node, E> {
                Ok(Node::scalar())
            }
        }
        deserializer.deserialize_any(NodeVisitor)
    }
}

impl Node {
    fn scalar() -> Self {
        Node {
            kind: NodeKind::Scalar,
        }
    }
}

/// A mapping key as text, whatever scalar it is (`1:` and `true:` are keys too).
struct ScalarText(String);

impl<'de> Deserialize<'de> for ScalarText {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct TextVisitor;
        impl Visitor<'_> for TextVisitor {
            type Value = ScalarText;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a key")
            }
            fn visit_str<E>(self, v: &str) -> Result<ScalarText, E> {
                Ok(ScalarText(v.to_string()))
            }
            fn visit_bool<E>(self, v: bool) -> Result<ScalarText, E> {
                Ok(ScalarText(v.to_string()))
            }
            fn visit_i64<E>(self, v: i64) -> Result<ScalarText, E> {
                Ok(ScalarText(v.to_string()))
            }
            fn visit_u64<E>(self, v: u64) -> Result<ScalarText, E> {
                Ok(ScalarText(v.to_string()))
            }
            fn visit_f64<E>(self, v: f64) -> Result<ScalarText, E> {
                Ok(ScalarText(v.to_string()))
            }
            fn visit_unit<E>(self) -> Result<ScalarText, E> {
                Ok(ScalarText(String::new()))
            }
        }
        deserializer.deserialize_any(TextVisitor)
    }
}

/// The error itself, without the alias and snippet wrappers serde-saphyr may put around it.
fn original(mut error: &serde_saphyr::Error) -> &serde_saphyr::Error {
    while let serde_saphyr::Error::AliasError { error: inner, .. }
    | serde_saphyr::Error::WithSnippet { error: inner, .. } = error
    {
        error = inner;
    }
    error
}

/// A serde-saphyr error as a diagnostic in the user's file, matched by variant.
fn diagnostic(source: &YamlSource<'_>, error: &serde_saphyr::Error) -> Diagnostic {
    use serde_saphyr::Error as E;
    let error = original(error);
    let (code, message, help): (ErrorCode, String, Option<String>) = match error {
        E::SerdeMissingField { field, .. } => (
            ErrorCode::MissingKey,
            format!("missing required key `{field}`"),
            Some(format!("add `{field}:`")),
        ),
        E::DuplicateMappingKey { key, .. } => (
            ErrorCode::DuplicateKey,
            match key {
                Some(key) => format!("the key `{key}` appears twice"),
                None => "this key appears twice".into(),
            },
            Some("remove one of them".into()),
        ),
        E::SerdeUnknownField {
            field, expected, ..
        } => (
            ErrorCode::UnknownKey,
            format!("unknown key `{field}`"),
            suggest::help_for(field, expected.iter().copied()),
        ),
        E::SerdeUnknownVariant {
            variant, expected, ..
        } => (
            ErrorCode::UnknownValue,
            format!("unknown value `{variant}`"),
            suggest::help_for(variant, expected.iter().copied()),
        ),
        E::Budget { breach, .. } => (
            ErrorCode::TooLarge,
            format!("{}: sitrep refuses to read it", describe_breach(breach)),
            Some("split it up or simplify it; aliases and deep nesting are limited".into()),
        ),
        E::InvalidScalar { ty, .. } => (ErrorCode::WrongType, expected_scalar(ty).into(), None),
        E::SerdeInvalidType {
            unexpected,
            expected,
            ..
        }
        | E::SerdeInvalidValue {
            unexpected,
            expected,
            ..
        } => (
            ErrorCode::WrongType,
            format!("expected {expected}, found {unexpected}"),
            None,
        ),
        E::Unexpected { expected, .. } => (
            ErrorCode::WrongType,
            format!("expected {expected} here"),
            Some("put text in quotes if it starts with `[`, `{`, `*`, `&` or `!`".into()),
        ),
        E::Eof { .. } => (
            ErrorCode::Syntax,
            "the YAML ends in the middle of a value".into(),
            None,
        ),
        other => (
            ErrorCode::Syntax,
            UserMessageFormatter.format_message(other).into_owned(),
            None,
        ),
    };
    let diagnostic = match error.location() {
        Some(location) => source.error_at(&location, code, message),
        None => source.error(code, message),
    };
    diagnostic.with_optional_help(help)
}

fn describe_breach(breach: &BudgetBreach) -> String {
    match breach {
        BudgetBreach::Depth { depth } => format!("the YAML is nested {depth} levels deep"),
        BudgetBreach::Aliases { aliases } => format!("the YAML uses {aliases} aliases"),
        BudgetBreach::Anchors { anchors } => format!("the YAML defines {anchors} anchors"),
        BudgetBreach::Documents { documents } => {
            format!("the file holds {documents} YAML documents")
        }
        BudgetBreach::Nodes { nodes } => format!("the YAML has {nodes} values"),
        BudgetBreach::Events { events } => format!("the YAML has {events} parts"),
        other => format!("the YAML is too large ({other:?})"),
    }
}

fn expected_scalar(ty: &str) -> &'static str {
    match ty {
        "f32" | "f64" => "expected a number",
        "bool" => "expected `true` or `false`",
        t if t.starts_with('i') || t.starts_with('u') => "expected a whole number",
        _ => "expected a value of another type here",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Deserialize)]
    struct Doc {
        title: String,
        #[serde(default)]
        items: Vec<Item>,
    }

    #[derive(Debug, Deserialize)]
    struct Item {
        #[allow(dead_code)]
        id: String,
        #[serde(default)]
        #[allow(dead_code)]
        name: Option<Spanned<String>>,
    }

    impl Schema for Doc {
        fn keys_at(path: &[Step]) -> Option<&'static [&'static str]> {
            match path {
                [] => Some(fields_of::<Doc>()),
                [Step::Key(k), Step::Index(_)] if k == "items" => Some(fields_of::<Item>()),
                _ => None,
            }
        }
    }

    fn parse_doc(text: &str, first_line: u32) -> Result<(Doc, Vec<Diagnostic>), Vec<Diagnostic>> {
        let path = Path::new("x.md");
        let file = format!("{}{}", "\n".repeat(first_line as usize - 1), text);
        let source = YamlSource {
            path,
            file_text: &file,
            first_line,
        };
        parse(&source, text, front_matter_budget())
    }

    fn summary(list: &[Diagnostic]) -> Vec<String> {
        list.iter()
            .map(|d| format!("{} {} {:?}", d.location(), d.message, d.help))
            .collect()
    }

    #[test]
    fn fields_are_read_from_the_struct() {
        assert_eq!(fields_of::<Doc>(), ["title", "items"]);
        assert_eq!(fields_of::<Item>(), ["id", "name"]);
    }

    #[test]
    fn unknown_key_is_reported_in_file_lines_with_suggestion() {
        let (_, unknown) = parse_doc("title: a\nitmes: []\n", 2).expect("parses");
        assert_eq!(
            summary(&unknown),
            ["x.md:3:1 unknown key `itmes` Some(\"did you mean `items`?\")"]
        );
    }

    #[test]
    fn every_unknown_key_is_reported_in_block_and_flow_style_and_the_rest_still_parses() {
        let text = "title: a\nitems:\n  - { id: web, nmae: Website }\n  - id: db\n    nmea: DB\nextra: 1\n";
        let (doc, unknown) = parse_doc(text, 1).expect("parses");
        assert_eq!(doc.title, "a");
        assert_eq!(doc.items.len(), 2);
        assert_eq!(
            summary(&unknown),
            [
                "x.md:3:16 unknown key `nmae` Some(\"did you mean `name`?\")",
                "x.md:5:5 unknown key `nmea` Some(\"expected one of `id`, `name`\")",
                "x.md:6:1 unknown key `extra` Some(\"expected one of `title`, `items`\")",
            ]
        );
    }

    #[test]
    fn a_typo_of_a_required_key_is_reported_once() {
        let errors = parse_doc("titel: a\nitems: [{ id: x, nam: y }]\n", 1).expect_err("no title");
        assert_eq!(
            summary(&errors),
            [
                "x.md:1:1 unknown key `titel` Some(\"did you mean `title`?\")",
                "x.md:2:18 unknown key `nam` Some(\"did you mean `name`?\")",
            ]
        );
    }

    #[test]
    fn missing_key_and_duplicate_key_are_explained() {
        let errors = parse_doc("items: []\n", 1).expect_err("no title");
        assert_eq!(errors[0].code, ErrorCode::MissingKey);
        assert_eq!(errors[0].message, "missing required key `title`");
        let errors = parse_doc("title: a\ntitle: b\n", 1).expect_err("twice");
        assert_eq!(errors[0].code, ErrorCode::DuplicateKey);
        assert_eq!(errors[0].message, "the key `title` appears twice");
        assert_eq!(errors[0].location(), "x.md:2:1");
    }

    #[test]
    fn billion_laughs_is_refused_by_the_budget() {
        let mut yaml = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..12 {
            let prev = format!("*a{}", i - 1);
            yaml.push_str(&format!(
                "a{i}: &a{i} [{}]\n",
                [prev.as_str(); 10].join(", ")
            ));
        }
        yaml.push_str("title: boom\n");
        let errors = parse_doc(&yaml, 1).expect_err("refused");
        assert_eq!(
            errors.iter().map(|d| d.code).collect::<Vec<_>>(),
            [ErrorCode::TooLarge],
            "{errors:?}"
        );
    }

    #[test]
    fn deep_nesting_is_refused_by_the_budget() {
        let yaml = format!("title: a\nnotes: {}{}\n", "[".repeat(40), "]".repeat(40));
        let errors = parse_doc(&yaml, 1).expect_err("refused");
        assert_eq!(errors[0].code, ErrorCode::TooLarge, "{errors:?}");
        assert!(errors[0].message.contains("nested"), "{errors:?}");
    }
}
