//! Records the commit sitrep is built from, for `sitrep --version`, when the source is a Git
//! checkout with `git` on the PATH; a source archive gets the bare version. Also the version of
//! Pagefind the lock file pins, which the search index records.

use std::process::Command;

fn main() {
    for path in git_files_that_move_with_the_commit() {
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

/// The files Git changes when the commit checked out changes: HEAD (a checkout), its reflog
/// (a commit, a reset), the branch refs and packed-refs. Only those that exist are named:
/// Cargo reruns a build script on every build while a file it watches is missing, which in a
/// checkout without `.git/packed-refs` relinked sitrep with LTO on every `cargo build`. Git is
/// asked where they are, since in a worktree `.git` is a file and the refs live elsewhere.
fn git_files_that_move_with_the_commit() -> Vec<String> {
    let paths = ["HEAD", "logs/HEAD", "refs/heads", "packed-refs"];
    let Some(out) = Command::new("git")
        .args(["rev-parse", "--path-format=absolute"])
        .args(paths.iter().flat_map(|p| ["--git-path", p]))
        .output()
        .ok()
        .filter(|out| out.status.success())
    else {
        return Vec::new();
    };
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|path| std::path::Path::new(path).exists())
        .map(str::to_string)
        .collect()
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
