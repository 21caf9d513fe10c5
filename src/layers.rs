//! Holds the crate to the layer order its front door documents (src/lib.rs, "Layers"): every
//! module placed in a layer, no import from a later layer, no cycle between modules.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Modules that are not part of the pipeline: the binary's front end and test support.
const UNLAYERED: &[&str] = &["lib", "main", "cli", "fuzzing", "proptests", "layers"];

fn documented_layers() -> BTreeMap<String, usize> {
    let lib = std::fs::read_to_string(source_dir().join("lib.rs")).unwrap();
    let mut layers: Vec<String> = Vec::new();
    for line in lib.lines() {
        if let Some(names) = line.strip_prefix("//! - layer:") {
            layers.push(names.to_string());
        } else if let (Some(names), Some(last)) = (line.strip_prefix("//!   "), layers.last_mut()) {
            // A layer too long for one line goes on, indented, on the next.
            last.push(' ');
            last.push_str(names);
        }
    }
    let placed = layers.iter().enumerate();
    placed
        .flat_map(|(layer, names)| {
            names
                .split_whitespace()
                .map(move |m| (m.to_string(), layer))
        })
        .collect()
}

fn source_dir() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

/// Each top-level module with the crate's modules its code (unit tests left out) imports.
fn imports() -> BTreeMap<String, BTreeSet<String>> {
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let root = source_dir();
    for entry in walkdir::WalkDir::new(&root) {
        let entry = entry.unwrap();
        let path = entry.path();
        if path.extension().is_none_or(|e| e != "rs") {
            continue;
        }
        let relative = path.strip_prefix(&root).unwrap();
        let first = relative
            .components()
            .next()
            .unwrap()
            .as_os_str()
            .to_string_lossy();
        let module = first.trim_end_matches(".rs").to_string();
        let text = std::fs::read_to_string(path).unwrap();
        let code = text.split("#[cfg(test)]\nmod tests").next().unwrap();
        let uses = graph.entry(module.clone()).or_default();
        uses.extend(crate_paths(code).into_iter().filter(|m| *m != module));
    }
    graph
}

/// The first segment of every `crate::…` path in `code`, through `crate::{a, b::c}` groups.
fn crate_paths(code: &str) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    for (at, _) in code.match_indices("crate::") {
        let rest = &code[at + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let mut depth = 0;
            let mut start = true;
            for (i, c) in group.char_indices() {
                match c {
                    '{' => depth += 1,
                    '}' if depth == 0 => break,
                    '}' => depth -= 1,
                    ',' if depth == 0 => start = true,
                    c if start && (c.is_ascii_alphabetic() || c == '_') => {
                        found.insert(identifier(&group[i..]));
                        start = false;
                    }
                    _ => {}
                }
            }
        } else {
            found.insert(identifier(rest));
        }
    }
    // Types re-exported at the root (`crate::Error`, `crate::Result`) are not modules.
    found.retain(|name| name.starts_with(|c: char| c.is_ascii_lowercase()));
    found
}

fn identifier(text: &str) -> String {
    text.chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect()
}

#[test]
fn every_module_imports_only_from_its_own_or_an_earlier_layer() {
    let layers = documented_layers();
    let mut wrong = Vec::new();
    for (module, uses) in imports() {
        if UNLAYERED.contains(&module.as_str()) {
            continue;
        }
        let Some(&own) = layers.get(&module) else {
            wrong.push(format!("`{module}` is in no layer of src/lib.rs"));
            continue;
        };
        for used in uses {
            match layers.get(&used) {
                Some(&layer) if layer <= own => {}
                Some(_) => wrong.push(format!("`{module}` imports `{used}`, a later layer")),
                None => wrong.push(format!("`{module}` imports `{used}`, which is in no layer")),
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn no_two_modules_import_each_other() {
    let graph = imports();
    for start in graph.keys() {
        let mut seen = BTreeSet::new();
        let mut stack: Vec<&String> = graph[start].iter().collect();
        while let Some(next) = stack.pop() {
            assert_ne!(
                next, start,
                "`{start}` imports itself through other modules"
            );
            if seen.insert(next) {
                stack.extend(graph.get(next).into_iter().flatten());
            }
        }
    }
}

#[test]
fn crate_paths_reads_groups_and_nested_groups() {
    let code = "use crate::{model::{Event, Model}, time, Result};\nlet x = crate::search::index();";
    let found: Vec<String> = crate_paths(code).into_iter().collect();
    assert_eq!(found, ["model", "search", "time"]);
}
