//! Components added to site.yaml as a person would add them: new entries at the end of the
//! `components:` list, in the style of the ones there, every other byte (comments, order,
//! quoting) left as it was (docs/importing.md). A new site gets a site.yaml of its own.

use super::history::PageInfo;
use super::plan::NewComponent;
use crate::authoring::yaml_value;

/// `text` with `added` at the end of its `components:` list; `Err` says why it cannot be done
/// by hand-like editing (a list written in flow style, `[…]`).
pub(crate) fn add_components(text: &str, added: &[NewComponent]) -> Result<String, String> {
    if added.is_empty() {
        return Ok(text.to_string());
    }
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    let Some(key) = lines.iter().position(|l| is_key(l, "components")) else {
        let mut out = text.to_string();
        if !out.is_empty() && !out.ends_with('\n') {
            out.push('\n');
        }
        out.push_str("components:\n");
        out.push_str(&entries(added, "  "));
        return Ok(out);
    };
    let after_key = lines[key].trim_end()["components:".len()..].trim_start();
    if !after_key.is_empty() && !after_key.starts_with('#') {
        return Err(
            "its `components:` is written on one line (flow style); write it as a list, one `- id:` per component, and import again".into(),
        );
    }
    // The list runs while lines are indented (or blank, or comments inside it); its last
    // indented line is where new entries go, before any comment that opens the next key.
    let mut last = key;
    let mut indent = None;
    for (i, line) in lines.iter().enumerate().skip(key + 1) {
        let trimmed = line.trim_start();
        if trimmed.is_empty() || (trimmed.starts_with('#') && !line.starts_with('#')) {
            continue;
        }
        if !line.starts_with([' ', '-']) {
            break;
        }
        if indent.is_none() && trimmed.starts_with('-') {
            indent = Some(line[..line.len() - trimmed.len()].to_string());
        }
        last = i;
    }
    let mut out: String = lines[..=last].concat();
    if !out.ends_with('\n') {
        out.push('\n');
    }
    out.push_str(&entries(added, &indent.unwrap_or_else(|| "  ".into())));
    out.push_str(&lines[last + 1..].concat());
    Ok(out)
}

fn is_key(line: &str, key: &str) -> bool {
    line.strip_prefix(key)
        .is_some_and(|rest| rest.trim_start().starts_with(':'))
}

fn entries(added: &[NewComponent], indent: &str) -> String {
    let mut out = String::new();
    let key_column = indent.len() + 2;
    for c in added {
        out.push_str(&format!(
            "{indent}- id: {}\n",
            yaml_value(&c.id, key_column)
        ));
        out.push_str(&format!(
            "{indent}  name: {}\n",
            yaml_value(&c.name, key_column)
        ));
        if let Some(description) = &c.description {
            out.push_str(&format!(
                "{indent}  description: {}\n",
                yaml_value(&description.replace('\n', " "), key_column)
            ));
        }
        if let Some(group) = &c.group {
            out.push_str(&format!(
                "{indent}  group: {}\n",
                yaml_value(group, key_column)
            ));
        }
    }
    out
}

/// A site.yaml for a new site folder: the old page's name, address and time zone.
pub(crate) fn new_site(page: Option<&PageInfo>, source: &str, added: &[NewComponent]) -> String {
    let title = page.map_or("Status", |p| p.name.as_str());
    let base_url = page
        .and_then(|p| p.url.as_deref())
        .filter(|u| u.starts_with("http://") || u.starts_with("https://"))
        .map(|u| format!("{}/", u.trim_end_matches('/')));
    let zone = page
        .and_then(|p| p.time_zone.as_deref())
        .filter(|z| z.parse::<chrono_tz::Tz>().is_ok())
        .unwrap_or("UTC");
    let mut text = format!(
        "# site.yaml, written by `sitrep import` from {source}. Every key is described in\n# docs/format.md.\ntitle: {}\n",
        yaml_value(title, 0)
    );
    match base_url {
        Some(url) => text.push_str(&format!(
            "# The address the old page was published at; change it if the new one moves.\nbase_url: {}\n",
            yaml_value(&url, 0)
        )),
        None => text.push_str(
            "# Where this site will be published: every link and feed id is built from it.\nbase_url: https://status.example.com/\n",
        ),
    }
    text.push_str(&format!("time_zone: {zone}\n"));
    add_components(&text, added).unwrap_or(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn component(id: &str, group: Option<&str>) -> NewComponent {
        NewComponent {
            id: id.into(),
            name: format!("Name: {id}"),
            description: None,
            group: group.map(str::to_string),
        }
    }

    #[test]
    fn new_components_go_at_the_end_of_the_list_and_nothing_else_moves() {
        let text = "title: T # keep\ncomponents:\n    # servers\n    - id: web   # the site\n      name: Website\ncomponents_note: x\n# about the next key\nfeed_entries: 10\n";
        let out = add_components(text, &[component("api", Some("Core"))]).expect("added");
        assert_eq!(
            out,
            "title: T # keep\ncomponents:\n    # servers\n    - id: web   # the site\n      name: Website\n    - id: api\n      name: \"Name: api\"\n      group: Core\ncomponents_note: x\n# about the next key\nfeed_entries: 10\n"
        );
        let none = add_components("title: T\n", &[component("api", None)]).expect("added");
        assert_eq!(
            none,
            "title: T\ncomponents:\n  - id: api\n    name: \"Name: api\"\n"
        );
        assert!(
            add_components(
                "components: [ { id: a, name: A } ]\n",
                &[component("b", None)]
            )
            .is_err()
        );
    }
}
