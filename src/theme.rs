//! The theme: templates and static files. The default theme is embedded in the binary, so
//! sitrep works in any folder; a site's `themes/NAME/` overrides it file by file.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use include_dir::{Dir, include_dir};

use crate::error::{Error, ThemeError};

static DEFAULT_THEME: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/themes/default");

pub(crate) const THEMES_DIR: &str = "themes";
const TEMPLATES: &str = "templates";
const STATIC: &str = "static";
const I18N: &str = "i18n";

/// A file of the theme and where it came from, for error messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ThemeFile {
    pub bytes: Vec<u8>,
    /// `built-in default theme` or the site-relative path of an override.
    pub origin: String,
}

/// Every template and static file of the theme, overrides applied.
#[derive(Debug, Clone, Default)]
pub(crate) struct Theme {
    /// Template name (path under `templates/`, e.g. `index.html`) → source.
    pub templates: BTreeMap<String, ThemeFile>,
    /// Output path (path under `static/`, e.g. `assets/style.css`) → bytes.
    pub statics: BTreeMap<String, ThemeFile>,
    /// Language (`fr`, from `i18n/fr.yaml`) → translation file.
    pub translations: BTreeMap<String, ThemeFile>,
}

impl Theme {
    /// The built-in default theme alone.
    pub(crate) fn builtin() -> Theme {
        let mut theme = Theme::default();
        for file in all_files(&DEFAULT_THEME) {
            let path = file.path().to_string_lossy().replace('\\', "/");
            let entry = ThemeFile {
                bytes: file.contents().to_vec(),
                origin: format!("built-in default theme ({path})"),
            };
            theme.insert(&path, entry);
        }
        theme
    }

    /// The default theme with the site's `themes/NAME/` laid over it. `default` without a
    /// folder is the built-in theme; any other name must exist.
    pub(crate) fn load(root: &Path, name: &str) -> Result<Theme, Error> {
        let mut theme = Theme::builtin();
        let dir = root.join(THEMES_DIR).join(name);
        if !dir.is_dir() {
            if name == "default" {
                return Ok(theme);
            }
            return Err(ThemeError::NotFound { name: name.into() }.into());
        }
        // The theme's folder must not lead out of the site (a link to /etc, say).
        if !crate::files::resolves_inside(root, &dir).unwrap_or(false) {
            return Err(ThemeError::Outside { name: name.into() }.into());
        }
        for entry in walkdir::WalkDir::new(&dir).sort_by_file_name() {
            let entry = entry.map_err(|source| ThemeError::Unwalkable {
                name: name.into(),
                source,
            })?;
            let hidden = entry.file_name().to_string_lossy().starts_with('.');
            let kind = entry.file_type();
            if hidden || kind.is_dir() || kind.is_symlink() {
                continue;
            }
            let relative = entry.path().strip_prefix(&dir).unwrap_or(entry.path());
            // Links inside the theme are not followed (walkdir reports them as links, skipped
            // above), and every other entry is read as a bounded regular file: a named pipe or
            // a device is refused there, never skipped (docs/reliability.md).
            let bytes = crate::files::read_bytes(entry.path(), crate::files::THEME_FILE_LIMIT)
                .map_err(|e| ThemeError::Unreadable {
                    path: entry.path().to_path_buf(),
                    source: Box::new(e),
                })?;
            let origin = PathBuf::from(THEMES_DIR).join(name).join(relative);
            let file = ThemeFile {
                bytes,
                origin: origin.to_string_lossy().replace('\\', "/"),
            };
            theme.insert(&relative.to_string_lossy().replace('\\', "/"), file);
        }
        Ok(theme)
    }

    fn insert(&mut self, path: &str, file: ThemeFile) {
        if let Some(name) = path.strip_prefix(&format!("{TEMPLATES}/")) {
            self.templates.insert(name.to_string(), file);
        } else if let Some(name) = path.strip_prefix(&format!("{STATIC}/")) {
            self.statics.insert(name.to_string(), file);
        } else if let Some(language) = path
            .strip_prefix(&format!("{I18N}/"))
            .and_then(|n| n.strip_suffix(".yaml"))
        {
            self.translations.insert(language.to_string(), file);
        }
        // Anything else in a theme folder (a README, a licence) is not part of the site.
    }

    /// A fingerprint of every file, so compiled templates and pages can be reused while the
    /// theme is unchanged.
    pub(crate) fn fingerprint(&self) -> u64 {
        let parts: Vec<&[u8]> = self
            .templates
            .iter()
            .chain(&self.statics)
            .chain(&self.translations)
            .flat_map(|(name, file)| [name.as_bytes(), file.bytes.as_slice()])
            .collect();
        crate::fingerprint::of_bytes(&parts)
    }

    /// Stylesheets and scripts by their fingerprinted output path (`assets/style.css` →
    /// `assets/style.0123456789abcdef.css`); templates link to these (`site.assets`).
    pub(crate) fn fingerprinted_assets(&self) -> BTreeMap<String, String> {
        self.statics
            .iter()
            .filter(|(path, _)| path.ends_with(".css") || path.ends_with(".js"))
            .map(|(path, file)| {
                let named = crate::fingerprint::fingerprinted_path(path, &file.bytes);
                (path.clone(), named)
            })
            .collect()
    }

    /// Where a template came from, for messages.
    pub(crate) fn origin_of(&self, template: &str) -> String {
        self.templates
            .get(template)
            .map_or_else(|| template.to_string(), |f| f.origin.clone())
    }
}

fn all_files<'a>(dir: &'a Dir<'a>) -> Vec<&'a include_dir::File<'a>> {
    let mut files: Vec<&include_dir::File<'_>> = dir.files().collect();
    for sub in dir.dirs() {
        files.extend(all_files(sub));
    }
    files
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A theme file that cannot be read keeps the reader's error as its cause (the message
    /// reads as it always has), so the command line can show the chain.
    #[cfg(unix)]
    #[test]
    fn an_unreadable_theme_file_keeps_its_cause() {
        use std::error::Error as _;
        let dir = tempfile::tempdir().expect("tempdir");
        let templates = dir.path().join("themes/brand/templates");
        std::fs::create_dir_all(&templates).expect("mkdir");
        let fifo = templates.join("404.html");
        rustix::fs::mkfifoat(rustix::fs::CWD, &fifo, rustix::fs::Mode::RUSR).expect("mkfifo");
        let Err(error) = Theme::load(dir.path(), "brand") else {
            panic!("a named pipe is not a theme file");
        };
        assert!(
            matches!(&error, Error::Theme(ThemeError::Unreadable { path, .. }) if *path == fifo),
            "{error:?}"
        );
        assert_eq!(
            error.to_string(),
            format!(
                "cannot read `{}`: it is not a regular file but a named pipe",
                fifo.display()
            )
        );
        let cause = error.source().map(ToString::to_string);
        assert_eq!(
            cause.as_deref(),
            Some("it is not a regular file but a named pipe")
        );
        assert_eq!(crate::error::describe(&error), error.to_string());
    }

    #[test]
    fn builtin_theme_has_every_page_template_and_its_stylesheet() {
        let theme = Theme::builtin();
        for name in [
            "base.html",
            "index.html",
            "event.html",
            "component.html",
            "history.html",
            "month.html",
            "404.html",
        ] {
            assert!(theme.templates.contains_key(name), "missing {name}");
        }
        assert!(theme.statics.contains_key("assets/style.css"));
    }

    #[test]
    fn site_files_override_the_default_file_by_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        let templates = dir.path().join("themes/brand/templates");
        std::fs::create_dir_all(&templates).expect("mkdir");
        std::fs::write(templates.join("404.html"), "custom").expect("write");
        let theme = Theme::load(dir.path(), "brand").expect("theme");
        assert_eq!(theme.templates["404.html"].bytes, b"custom");
        assert_eq!(
            theme.origin_of("404.html"),
            "themes/brand/templates/404.html"
        );
        assert!(theme.templates["index.html"].origin.starts_with("built-in"));
    }

    #[test]
    fn a_missing_named_theme_is_an_error() {
        let dir = tempfile::tempdir().expect("tempdir");
        let err = Theme::load(dir.path(), "nope").expect_err("missing theme");
        assert!(err.to_string().contains("theme `nope` not found"));
    }
}
