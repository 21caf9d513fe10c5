//! Markdown as update messages and post-mortems are rendered: to sanitised HTML, to plain text,
//! the first paragraph and the 280-character summary. Nothing may panic, and no script or
//! internal marker may reach the output.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let html = sitrep::fuzzing::markdown_to_html(text);
    assert!(!html.contains("<script"), "a script survived: {html}");
    assert!(
        !html.contains("<sitrep-run"),
        "a run break survived: {html}"
    );
    let (plain, summary, _first) = sitrep::fuzzing::markdown_to_text(text);
    assert!(summary.chars().count() <= 280);
    assert!(plain.starts_with(&summary));
});
