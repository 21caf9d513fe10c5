//! Pathological Markdown at one megabyte each (docs/reliability.md, "Pathological Markdown"):
//! every case must render in well under a second. Each used to be quadratic or worse, in our
//! passes or in the sanitiser's. Run with `cargo bench --bench pathological`.

use criterion::{Criterion, criterion_group, criterion_main};

const SIZE: usize = 1 << 20;

fn cases() -> Vec<(&'static str, String)> {
    let n = |unit: usize| SIZE / unit;
    vec![
        ("identical headings", "# a\n\n".repeat(n(5))),
        ("nested block quotes", ">".repeat(SIZE)),
        ("nested lists", "- ".repeat(n(2))),
        ("nested divs", "<div>".repeat(n(5))),
        ("nested list html", "<ul><li>".repeat(n(8))),
        ("bare ampersands", "& ".repeat(n(2))),
        ("latin-1 text", "°".repeat(n(2))),
        ("entities", "&amp;".repeat(n(5))),
        ("inline code", format!("`{}`", "& ".repeat(n(2)))),
        (
            "code block",
            format!("```\n{}```\n", "a & b\n".repeat(n(6))),
        ),
        (
            "image description",
            format!("![{}](x.png)", "& ".repeat(n(2))),
        ),
        ("task label", format!("- [ ] {}", "& ".repeat(n(2)))),
        (
            "link target",
            format!("[a](http://x/?{})", "a&".repeat(n(2))),
        ),
        (
            "open attribute",
            format!("<div title=\"\n\n{}", "& ".repeat(n(2))),
        ),
        ("textarea", format!("<textarea>\n\n{}", "& ".repeat(n(2)))),
        ("task list", "- [ ] x\n".repeat(n(8))),
        (
            "table rows",
            format!("|a|b|\n|-|-|\n{}", "|x|y|\n".repeat(n(6))),
        ),
        ("unclosed bold", "<b>".repeat(n(3))),
    ]
}

fn pathological(c: &mut Criterion) {
    let mut group = c.benchmark_group("markdown 1 MB");
    group.sample_size(10);
    for (name, text) in cases() {
        group.bench_function(name, |b| {
            b.iter(|| sitrep::fuzzing::markdown_to_html(&text))
        });
    }
    group.finish();
}

criterion_group!(benches, pathological);
criterion_main!(benches);
