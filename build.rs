//! Records the commit sitrep is built from, for `sitrep --version`, when the source is a Git
//! checkout with `git` on the PATH; a source archive gets the bare version. Also the version of
//! Pagefind the lock file pins, which the search index records.

use std::process::Command;

fn main() {
    for path in git_files_that_move_with_the_commit() {
        println!("cargo:rerun-if-changed={path}");
    }
    let version = env!("CARGO_PKG_VERSION");
    let commit = git(&["log", "-1", "--format=%h %cs"])
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

/// The files Git changes when the commit checked out changes: HEAD (a checkout, or a commit
/// on a detached HEAD), its reflog (a commit, a reset), the loose ref of the branch checked out
/// and packed-refs. Only those that exist are named: Cargo reruns a build script on every
/// build while a file it watches is missing, which in a checkout without `.git/packed-refs`
/// relinked sitrep with LTO on every `cargo build`. Not the whole `refs/heads`: worktrees
/// share it, and a commit on another branch would relink this one. Git is asked where the
/// files are, since in a worktree `.git` is a file and the refs live elsewhere.
fn git_files_that_move_with_the_commit() -> Vec<String> {
    let branch = git(&["symbolic-ref", "-q", "HEAD"]);
    let mut paths = vec!["HEAD", "logs/HEAD", "packed-refs"];
    paths.extend(branch.as_deref().map(str::trim));
    let mut args = vec!["rev-parse", "--path-format=absolute"];
    args.extend(paths.iter().flat_map(|p| ["--git-path", p]));
    let Some(out) = git(&args) else {
        return Vec::new();
    };
    out.lines()
        .filter(|path| std::path::Path::new(path).exists())
        .map(str::to_string)
        .collect()
}

/// What `git ARGS` prints, when it runs and succeeds.
fn git(args: &[&str]) -> Option<String> {
    Command::new("git")
        .args(args)
        .output()
        .ok()
        .filter(|out| out.status.success())
        .and_then(|out| String::from_utf8(out.stdout).ok())
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
