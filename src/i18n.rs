//! The theme's translations: every word a reader sees comes from `i18n/LANG.yaml` in the theme,
//! chosen by the site's `language`, with English filling any gap (and a warning naming the
//! key). Dates use the language's month and day names.

use std::collections::BTreeMap;
use std::path::Path;

use chrono::{DateTime, Locale, NaiveDate};
use chrono_tz::Tz;

use crate::error::{Error, ThemeError};
use crate::suggest;
use crate::theme::Theme;
use crate::yaml::{self, YamlSource};

const REFERENCE: &str = "en";

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Translations {
    strings: BTreeMap<String, String>,
    locale: Locale,
}

impl Translations {
    /// The strings for `language` (a BCP 47 tag: `fr-CA` falls back to `fr`, then English), and
    /// the warnings a site author should see.
    pub(crate) fn load(
        theme: &Theme,
        language: &str,
    ) -> Result<(Translations, Vec<String>), Error> {
        let reference = parse(theme, REFERENCE)?.ok_or(ThemeError::NoReferenceTranslation {
            reference: REFERENCE,
        })?;
        let mut warnings = Vec::new();
        let primary = language.split('-').next().unwrap_or(language);
        let chosen = match parse(theme, language)? {
            Some(strings) => Some((language, strings)),
            None => parse(theme, primary)?.map(|strings| (primary, strings)),
        };
        let mut strings = reference.clone();
        match chosen {
            Some((name, chosen)) => {
                for key in chosen.keys().filter(|k| !reference.contains_key(*k)) {
                    let help = suggest::closest(key, reference.keys().map(String::as_str))
                        .map(|k| format!("; did you mean `{k}`?"))
                        .unwrap_or_default();
                    warnings.push(format!(
                        "i18n/{name}.yaml: unknown key `{key}` is ignored{help}"
                    ));
                }
                let missing: Vec<String> = reference
                    .keys()
                    .filter(|k| !chosen.contains_key(*k))
                    .map(|k| format!("`{k}`"))
                    .collect();
                if !missing.is_empty() {
                    warnings.push(format!(
                        "i18n/{name}.yaml has no {}; using the English text",
                        missing.join(", ")
                    ));
                }
                strings.extend(
                    chosen
                        .into_iter()
                        .filter(|(k, _)| reference.contains_key(k)),
                );
            }
            None if primary != REFERENCE => {
                warnings.push(format!(
                    "the theme has no translation for `{language}`; pages are in English"
                ));
            }
            None => {}
        }
        Ok((
            Translations {
                strings,
                locale: locale_for(language),
            },
            warnings,
        ))
    }

    /// The built-in English strings, for machine-facing outputs (feeds): read once per run,
    /// not on every build.
    pub(crate) fn english() -> &'static Translations {
        static ENGLISH: std::sync::LazyLock<Translations> = std::sync::LazyLock::new(|| {
            Translations::load(&Theme::builtin(), REFERENCE).map_or_else(
                |_| Translations {
                    strings: BTreeMap::new(),
                    locale: Locale::en_US,
                },
                |(t, _)| t,
            )
        });
        &ENGLISH
    }

    /// The text for `key` (the key itself if even English lacks it, so a gap is visible).
    pub(crate) fn get<'a>(&'a self, key: &'a str) -> &'a str {
        self.strings.get(key).map_or(key, String::as_str)
    }

    /// The text for `key` with each `{name}` replaced.
    pub(crate) fn fill(&self, key: &str, values: &[(&str, &str)]) -> String {
        fill(self.get(key), values)
    }

    /// Every string, for templates (`{{ t.components }}`).
    pub(crate) fn strings(&self) -> &BTreeMap<String, String> {
        &self.strings
    }

    /// An instant in the site's zone, with the pattern stored under `format_key`.
    pub(crate) fn datetime(&self, t: DateTime<Tz>, format_key: &str) -> String {
        t.format_localized(self.get(format_key), self.locale)
            .to_string()
    }

    /// A calendar date, with the pattern stored under `format_key`.
    pub(crate) fn date(&self, date: NaiveDate, format_key: &str) -> String {
        date.format_localized(self.get(format_key), self.locale)
            .to_string()
    }
}

/// Replaces each `{name}` in `template` with its value.
pub(crate) fn fill(template: &str, values: &[(&str, &str)]) -> String {
    let mut out = template.to_string();
    for (name, value) in values {
        out = out.replace(&format!("{{{name}}}"), value);
    }
    out
}

/// `fr` → `fr_FR`, `en-GB` → `en_GB`, `pt-BR` → `pt_BR`; English (US) when unknown.
fn locale_for(language: &str) -> Locale {
    let tag = language.replace('-', "_");
    let (primary, region) = tag
        .split_once('_')
        .map_or((tag.as_str(), None), |(p, r)| (p, Some(r)));
    let candidates = [
        region.map(|r| format!("{}_{}", primary.to_lowercase(), r.to_uppercase())),
        Some(format!(
            "{}_{}",
            primary.to_lowercase(),
            primary.to_uppercase()
        )),
        Some(match primary {
            "en" => "en_US".to_string(),
            "sv" => "sv_SE".to_string(),
            "da" => "da_DK".to_string(),
            "ja" => "ja_JP".to_string(),
            "zh" => "zh_CN".to_string(),
            other => other.to_string(),
        }),
    ];
    candidates
        .into_iter()
        .flatten()
        .find_map(|c| Locale::try_from(c.as_str()).ok())
        .unwrap_or(Locale::en_US)
}

/// The theme's `i18n/LANG.yaml` as a map, if it has one.
fn parse(theme: &Theme, language: &str) -> Result<Option<BTreeMap<String, String>>, Error> {
    let Some(file) = theme.translations.get(language) else {
        return Ok(None);
    };
    let text = String::from_utf8_lossy(&file.bytes);
    let path = Path::new(&file.origin);
    let source = YamlSource::whole_file(path, &text);
    let (strings, _): (BTreeMap<String, String>, _) =
        yaml::parse(&source, &text, yaml::site_budget()).map_err(Error::Content)?;
    Ok(Some(strings))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::theme::ThemeFile;

    fn theme_with(language: &str, yaml: &str) -> Theme {
        let mut theme = Theme::builtin();
        theme.translations.insert(
            language.to_string(),
            ThemeFile {
                bytes: yaml.as_bytes().to_vec(),
                origin: format!("themes/x/i18n/{language}.yaml"),
            },
        );
        theme
    }

    #[test]
    fn every_shipped_language_has_every_key() {
        for language in ["en", "fr", "de", "es"] {
            let (_, warnings) = Translations::load(&Theme::builtin(), language).expect("load");
            assert_eq!(warnings, Vec::<String>::new(), "{language}");
        }
    }

    #[test]
    fn regions_fall_back_to_the_language_then_english() {
        let (fr, warnings) = Translations::load(&Theme::builtin(), "fr-CA").expect("load");
        assert!(warnings.is_empty(), "{warnings:?}");
        assert_eq!(fr.get("components"), "Composants");
        let (pt, warnings) = Translations::load(&Theme::builtin(), "pt-BR").expect("load");
        assert_eq!(pt.get("components"), "Components");
        assert_eq!(
            warnings,
            ["the theme has no translation for `pt-BR`; pages are in English"]
        );
    }

    #[test]
    fn a_missing_string_falls_back_to_english_with_a_warning_naming_the_key() {
        let theme = theme_with("nl", "components: Componenten\nhistroy: x\n");
        let (nl, warnings) = Translations::load(&theme, "nl").expect("load");
        assert_eq!(nl.get("components"), "Componenten");
        assert_eq!(nl.get("history"), "History");
        assert_eq!(
            warnings[0],
            "i18n/nl.yaml: unknown key `histroy` is ignored; did you mean `history`?"
        );
        assert!(
            warnings[1].starts_with("i18n/nl.yaml has no `affected_components`, `affects`,"),
            "{warnings:?}"
        );
        assert!(warnings[1].contains("`history`"));
        assert!(warnings[1].ends_with("; using the English text"));
    }

    #[test]
    fn dates_use_the_languages_month_names() {
        let (fr, _) = Translations::load(&Theme::builtin(), "fr").expect("load");
        let (de, _) = Translations::load(&Theme::builtin(), "de").expect("load");
        let date = NaiveDate::from_ymd_opt(2014, 4, 17).expect("date");
        assert_eq!(fr.date(date, "month_format"), "avril 2014");
        assert_eq!(de.date(date, "month_format"), "April 2014");
        assert_eq!(de.date(date, "date_format"), "17. Apr 2014");
        assert_eq!(
            Translations::english().date(date, "date_format"),
            "Apr 17, 2014"
        );
    }

    #[test]
    fn a_broken_translation_file_names_its_line() {
        let theme = theme_with("nl", "components: [x\n");
        let error = Translations::load(&theme, "nl").expect_err("broken");
        assert!(
            error.to_string().starts_with("themes/x/i18n/nl.yaml:1:"),
            "{error}"
        );
    }
}
