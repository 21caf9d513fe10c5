//! End-to-end tests: the real binary on fixture sites, with exact expectations.

mod announce;
mod authoring;
mod build;
mod cli;
mod clock;
mod errors;
mod feeds;
mod git_target;
mod hostile;
mod import;
mod incremental;
mod ingest;
mod output;
mod presentation;
mod publish;
mod publish_s3;
mod rebuild;
mod robustness;
mod scale;
mod search;
mod serve;
mod subscribe;
mod support;
