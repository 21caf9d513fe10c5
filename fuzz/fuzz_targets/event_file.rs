//! One event file, as `sitrep build` reads it: parsed against a fixed site, and when valid,
//! the whole site rendered and every JSON file read back. Nothing may panic; what this finds
//! becomes a regression test in tests/testsuite/robustness.rs.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let now = chrono::DateTime::parse_from_rfc3339("2026-11-25T12:00:00Z")
        .expect("now")
        .with_timezone(&chrono::Utc);
    let Some(files) = sitrep::fuzzing::render_event_file(text, now) else {
        return;
    };
    for file in &files {
        if file.path.ends_with(".json") {
            serde_json::from_slice::<serde_json::Value>(&file.bytes)
                .unwrap_or_else(|e| panic!("{} is not JSON: {e}", file.path));
        }
    }
});
