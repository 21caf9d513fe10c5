//! Records the commit sitrep is built from, for `sitrep --version`, when the source is a Git
//! checkout with `git` on the PATH; a source archive gets the bare version. Also the version of
//! Pagefind the lock file pins, which the search index records.

use std::process::Command;

fn main() {
    // A new commit moves a ref; a checkout moves HEAD.
    for path in [".git/HEAD", ".git/refs/heads", ".git/packed-refs"] {
        println!("cargo:rerun-if-changed={path}");
    }
    let version = env!("CARGO_PKG_VERSION");
    let commit = Command::new("git")
        .args(["log", "-1", "--format=%h %cs"])
        .output()
        .ok()
        .filter(|out| out.status.success())
        .and_then(|out| String::from_utf8(out.stdout).ok())
        .map(|text| text.trim().to_string())
        .filter(|text| !text.is_empty());
    let full = match commit {
        Some(commit) => format!("{version} ({commit})"),
        None => version.to_string(),
    };
    println!("cargo:rustc-env=SITREP_VERSION={full}");
    println!("cargo:rerun-if-changed=Cargo.lock");
    println!(
        "cargo:rustc-env=SITREP_PAGEFIND_VERSION={}",
        locked_version("pagefind").unwrap_or_else(|| "unknown".into())
    );
}

/// The version of `name` that Cargo.lock pins: what the search index's record names, so that
/// an index made by another Pagefind is never carried over (src/search.rs). None without a
/// lock file (a build outside a checkout then counts on sitrep's own version alone).
fn locked_version(name: &str) -> Option<String> {
    let lock = std::fs::read_to_string("Cargo.lock").ok()?;
    let mut lines = lock.lines();
    while let Some(line) = lines.next() {
        if line == format!("name = \"{name}\"") {
            let version = lines.next()?.strip_prefix("version = \"")?;
            return Some(version.trim_end_matches('"').to_string());
        }
    }
    None
}
