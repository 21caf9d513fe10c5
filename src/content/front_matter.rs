//! Splits an event file into its YAML front matter and Markdown body, keeping line numbers.

/// An event file cut in two.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Split<'a> {
    pub yaml: &'a str,
    /// The file line on which the YAML starts (the line after the opening `---`).
    pub yaml_first_line: u32,
    pub body: &'a str,
}

/// Why a file has no usable front matter, with the 1-based line it concerns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SplitError {
    pub line: u32,
    pub message: &'static str,
    pub help: &'static str,
}

/// Front matter is the block between a first line `---` and the next line `---` (or `...`).
pub(crate) fn split(text: &str) -> Result<Split<'_>, SplitError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut lines = text.split_inclusive('\n');
    let opening = lines.next().unwrap_or_default();
    if opening.trim_end() != "---" {
        return Err(SplitError {
            line: 1,
            message: "the file does not start with front matter",
            help: "start the file with a line `---`, the YAML keys (title, timeline, …), and another line `---`",
        });
    }
    let yaml_start = opening.len();
    let mut offset = yaml_start;
    for line in lines {
        let trimmed = line.trim_end();
        if trimmed == "---" || trimmed == "..." {
            return Ok(Split {
                yaml: &text[yaml_start..offset],
                yaml_first_line: 2,
                body: &text[offset + line.len()..],
            });
        }
        offset += line.len();
    }
    Err(SplitError {
        line: 1,
        message: "the front matter is never closed",
        help: "end the YAML block with a line `---` before the Markdown body",
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_yaml_and_body() {
        let s = split("---\ntitle: x\n---\nBody\n").expect("split");
        assert_eq!(s.yaml, "title: x\n");
        assert_eq!(s.yaml_first_line, 2);
        assert_eq!(s.body, "Body\n");
    }

    #[test]
    fn tolerates_bom_crlf_and_dots() {
        let s = split("\u{feff}---\r\ntitle: x\r\n...\r\n").expect("split");
        assert_eq!(s.yaml, "title: x\r\n");
        assert_eq!(s.body, "");
    }

    #[test]
    fn reports_missing_and_unclosed_front_matter() {
        assert_eq!(
            split("# Just markdown\n").unwrap_err().message,
            "the file does not start with front matter"
        );
        assert_eq!(
            split("---\ntitle: x\n").unwrap_err().message,
            "the front matter is never closed"
        );
    }
}
