//! "Did you mean …?" for near misses: a tired person typing `pnael` deserves `panel`.

/// The candidate closest to `input`, if it is close enough to be a plausible typo.
pub(crate) fn closest<'a>(
    input: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let input_lower = input.to_lowercase();
    candidates
        .into_iter()
        .map(|c| {
            (
                strsim::damerau_levenshtein(&input_lower, &c.to_lowercase()),
                c,
            )
        })
        .filter(|(distance, c)| is_plausible_typo(*distance, input, c))
        .min_by_key(|(distance, c)| (*distance, *c))
        .map(|(_, c)| c)
}

/// Allows about one edit per three characters, so `stauts` finds `status` but `dns` does not
/// find `www`.
fn is_plausible_typo(distance: usize, input: &str, candidate: &str) -> bool {
    let longer = input.chars().count().max(candidate.chars().count());
    distance > 0 && distance <= (longer / 3).max(1)
}

/// The help line for an unknown name: the suggestion if there is one, else the valid names.
pub(crate) fn help_for<'a>(
    input: &str,
    candidates: impl IntoIterator<Item = &'a str> + Clone,
) -> Option<String> {
    if let Some(best) = closest(input, candidates.clone()) {
        return Some(format!("did you mean `{best}`?"));
    }
    let all: Vec<String> = candidates.into_iter().map(|c| format!("`{c}`")).collect();
    if all.is_empty() || all.len() > 12 {
        None
    } else {
        Some(format!("expected one of {}", all.join(", ")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_transpositions_and_single_edits() {
        assert_eq!(closest("pnael", ["panel", "dns", "mel"]), Some("panel"));
        assert_eq!(
            closest("compnents", ["components", "title"]),
            Some("components")
        );
        assert_eq!(
            closest("stauts", ["status", "message", "at"]),
            Some("status")
        );
        assert_eq!(
            closest("major_outge", ["major_outage", "partial_outage"]),
            Some("major_outage")
        );
    }

    #[test]
    fn refuses_far_fetched_matches() {
        assert_eq!(closest("dns", ["www", "mel"]), None);
        assert_eq!(
            closest("panel", ["panel"]),
            None,
            "an exact match is no typo"
        );
    }

    #[test]
    fn help_lists_choices_when_nothing_is_close() {
        assert_eq!(
            help_for("zzz", ["incident", "notice"]).as_deref(),
            Some("expected one of `incident`, `notice`")
        );
        assert_eq!(
            help_for("notise", ["incident", "notice"]).as_deref(),
            Some("did you mean `notice`?")
        );
    }
}
