//! Entry points for the fuzz targets (fuzz/) and the pathological-input benchmark
//! (benches/pathological.rs), which live outside the crate. Not an API: the library's modules
//! stay private, and these only call them.

use std::path::Path;
use std::sync::LazyLock;

use crate::config::{self, Site};
use crate::model::Model;
use crate::render::OutputFile;
use crate::theme::Theme;

/// Update messages and post-mortems: sanitised HTML.
pub fn markdown_to_html(markdown: &str) -> String {
    crate::markdown::to_html(markdown)
}

/// What feeds and bots show of some Markdown: its plain text, the 280-character summary cut
/// from it, and its first paragraph.
pub fn markdown_to_text(markdown: &str) -> (String, String, Option<String>) {
    let plain = crate::markdown::to_plain_text(markdown);
    let summary = crate::markdown::truncate_at_word(&plain, 280);
    (plain, summary, crate::markdown::first_paragraph(markdown))
}

/// A site with the components of the fixture sites and the example site, so their event files
/// are valid seeds.
const SITE_YAML: &str = "title: Fuzz Status\nbase_url: https://status.fuzz.example/\ntime_zone: America/New_York\ncomponents:\n  - { id: web, name: Website }\n  - { id: www, name: WWW }\n  - { id: db, name: Database }\n  - { id: mail, name: Mail }\n  - { id: dns, name: DNS }\n  - { id: panel, name: Panel }\n  - { id: stable, name: Stable }\n  - { id: mel, name: Mel }\n  - { id: email, name: Email }\n";

static SITE: LazyLock<Site> = LazyLock::new(|| {
    config::parse(Path::new("site.yaml"), SITE_YAML).unwrap_or_else(|e| panic!("{e:?}"))
});
static THEME: LazyLock<Theme> = LazyLock::new(Theme::builtin);

/// One event file read as `incidents/fuzz.md` and, when valid, the whole site rendered with it
/// at `now`: `None` when the file has errors (which is fine), the files otherwise.
pub fn render_event_file(
    text: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> Option<Vec<OutputFile>> {
    let event = crate::content::event::parse(Path::new("incidents/fuzz.md"), text, &SITE).ok()?;
    let model = Model::new(SITE.clone(), vec![event], now);
    let site = crate::render::site(&model, &THEME).unwrap_or_else(|e| panic!("{e}"));
    Some(site.files)
}
