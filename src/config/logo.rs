//! site.yaml's `logo:`: an image in the site folder, checked when named and again when read
//! (an SVG that could run script is never published).

use std::path::{Path, PathBuf};

use serde_saphyr::Spanned;

use super::SITE_FILE;
use crate::error::{Diagnostic, ErrorCode};
use crate::files;
use crate::yaml::YamlSource;

/// The site's logo: where it is in the site folder, and its bytes once read.
#[derive(Clone, PartialEq)]
pub(crate) struct Logo {
    /// Relative to the site folder.
    pub source: PathBuf,
    pub bytes: std::sync::Arc<[u8]>,
    /// Where site.yaml names it, for an error about the file.
    pub declared_at: Option<crate::error::Position>,
}

impl Logo {
    /// Where the build writes it: `assets/logo.EXT`.
    pub(crate) fn output_path(&self) -> String {
        let ext = self
            .source
            .extension()
            .map(|e| e.to_string_lossy().to_lowercase())
            .unwrap_or_default();
        format!("assets/logo.{ext}")
    }
}

impl std::fmt::Debug for Logo {
    // The bytes by fingerprint: Debug output feeds cache keys and must stay small.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Logo({}, {:x})",
            self.source.display(),
            crate::fingerprint::of_bytes(&[&self.bytes])
        )
    }
}

const LOGO_TYPES: &[&str] = &["svg", "png", "jpg", "jpeg", "webp", "gif"];

/// A logo path inside the site folder, of an image type browsers show.
pub(super) fn validate(source: &YamlSource<'_>, raw: &Spanned<String>) -> Result<Logo, Diagnostic> {
    let path = PathBuf::from(raw.value.trim());
    let inside = path.is_relative()
        && path
            .components()
            .all(|c| matches!(c, std::path::Component::Normal(_)));
    if !inside {
        return Err(source
            .error_on(
                raw,
                ErrorCode::InvalidValue,
                format!(
                    "the logo `{}` must be a path inside the site folder",
                    raw.value
                ),
            )
            .with_help("e.g. `logo: assets/logo.svg`"));
    }
    let ext = path
        .extension()
        .map(|e| e.to_string_lossy().to_lowercase())
        .unwrap_or_default();
    if !LOGO_TYPES.contains(&ext.as_str()) {
        return Err(source
            .error_on(
                raw,
                ErrorCode::InvalidValue,
                format!(
                    "the logo `{}` is not an image sitrep can publish",
                    raw.value
                ),
            )
            .with_help(format!("use one of: {}", LOGO_TYPES.join(", "))));
    }
    Ok(Logo {
        source: path,
        bytes: std::sync::Arc::from(Vec::new()),
        declared_at: source.error_on(raw, ErrorCode::Unreadable, "").position,
    })
}

/// The logo's bytes: a regular file inside the site folder, within its size limit. An error
/// points at site.yaml's `logo:` value.
pub(super) fn read(root: &Path, logo: &Logo, site_text: &str) -> Result<Vec<u8>, crate::Error> {
    files::read_inside(root, &logo.source, files::LOGO_LIMIT).map_err(|e| {
        logo_error(
            logo,
            site_text,
            e.code(),
            format!("cannot read the logo `{}`: {e}", logo.source.display()),
            "give a path relative to the site folder, e.g. `logo: assets/logo.svg`",
        )
    })
}

/// An SVG logo is published on the site's origin: one that could run script is refused.
pub(super) fn check_svg(logo: &Logo, site_text: &str) -> Result<(), crate::Error> {
    if logo.output_path().ends_with(".svg")
        && let Err(crate::svg::Unsafe(why)) = crate::svg::check(&logo.bytes)
    {
        return Err(logo_error(
            logo,
            site_text,
            ErrorCode::InvalidValue,
            format!(
                "the logo `{}` cannot be published: {why}",
                logo.source.display()
            ),
            "export it again as plain SVG without scripts, event handlers or links (e.g. Inkscape's \"Plain SVG\", or svgo), or use a PNG",
        ));
    }
    Ok(())
}

/// A problem with the logo file, reported on site.yaml's `logo:` value.
fn logo_error(
    logo: &Logo,
    site_text: &str,
    code: ErrorCode,
    message: String,
    help: &str,
) -> crate::Error {
    let yaml = YamlSource::whole_file(Path::new(SITE_FILE), site_text);
    let diagnostic = match logo.declared_at {
        Some(p) => yaml.error_at_position(p.line, p.column, p.len, code, message),
        None => yaml.error(code, message),
    };
    crate::Error::Content(vec![diagnostic.with_help(help)])
}
