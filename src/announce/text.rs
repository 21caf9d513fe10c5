//! The words of a short post (Mastodon, Bluesky, X), fitted to each network's limit the way
//! that network counts (docs/announcing.md, "What each message looks like").
//!
//! A post is `STATUS: TITLE`, the update's message cut at a word to fit, and the link to the
//! update on the incident page. The link is never cut: a reader must always reach the page.
//! Where sitrep cannot count exactly as a network does (X's emoji sequences, links inside a
//! message), it counts more, never less: a post over the limit is refused, and the channel
//! would stall on it every run.

use unicode_normalization::UnicodeNormalization;
use unicode_segmentation::UnicodeSegmentation;

/// What a network counts a link as, however long (Mastodon and X).
const LINK_WEIGHT: usize = 23;
/// What a cut message ends with.
const ELLIPSIS: &str = "…";

/// How a network measures a post.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Measure {
    /// Mastodon: 500 characters (counted here as code points, never fewer than its
    /// graphemes), every link counted as 23.
    Mastodon,
    /// Bluesky: 300 graphemes, links counted as written.
    Bluesky,
    /// X: 280 weighted characters of the NFC-normalised text, links counted as 23 (the
    /// twitter-text rules: most Latin-script code points weigh 1, others — CJK, emoji, `…` —
    /// weigh 2).
    X,
}

impl Measure {
    pub(crate) fn limit(self) -> usize {
        match self {
            Measure::Mastodon => 500,
            Measure::Bluesky => 300,
            Measure::X => 280,
        }
    }

    /// The length of `text`, the post's link aside. A link inside the text is counted as
    /// written plus 23: the network counts it as 23 where it takes it for a link, and sitrep
    /// cannot tell exactly where that is.
    fn text_length(self, text: &str) -> usize {
        match self {
            Measure::Mastodon => text.chars().count() + LINK_WEIGHT * text.matches("://").count(),
            Measure::Bluesky => text.graphemes(true).count(),
            Measure::X => {
                let text: String = text.nfc().collect();
                let weight: usize = text.chars().map(x_weight).sum();
                let links: usize = text.split(char::is_whitespace).map(x_links).sum();
                weight + LINK_WEIGHT * links
            }
        }
    }

    fn link_length(self, link: &str) -> usize {
        match self {
            Measure::Mastodon | Measure::X => LINK_WEIGHT,
            Measure::Bluesky => link.graphemes(true).count(),
        }
    }
}

/// twitter-text v3: code points in these ranges weigh 1, others 2.
/// An emoji sequence counts as one emoji of weight 2 in twitter-text; counting each code
/// point is stricter, so a post never goes over.
fn x_weight(c: char) -> usize {
    let light = matches!(u32::from(c), 0..=4351 | 8192..=8205 | 8208..=8223 | 8242..=8247);
    if light { 1 } else { 2 }
}

/// How many links X may see in one word: one per `scheme://`, and one per dot between a
/// letter or digit and two more (`x.co`, `status.example`), since X links bare domains; at
/// least as many as there are.
fn x_links(word: &str) -> usize {
    let chars: Vec<char> = word.chars().collect();
    let dotted = (1..chars.len())
        .filter(|&i| {
            chars[i] == '.'
                && chars[i - 1].is_alphanumeric()
                && chars.get(i + 1).is_some_and(|c| c.is_alphanumeric())
                && chars.get(i + 2).is_some_and(|c| c.is_alphanumeric())
        })
        .count();
    dotted.max(word.matches("://").count())
}

/// A post that fits: its text, and where the link is in it (bytes), for Bluesky's facet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Post {
    pub text: String,
    pub link: std::ops::Range<usize>,
}

/// `headline`, then as much of `message` as fits (cut at a word, with `…`), then `link`.
/// The three are separated by blank lines, across which no network's count carries (a line
/// break ends a grapheme, a word and any NFC composition), so their lengths add up.
pub(crate) fn fit(measure: Measure, headline: &str, message: &str, link: &str) -> Post {
    let limit = measure.limit();
    // Two line breaks and the link are always there.
    let fixed = measure.link_length(link) + 2;
    let headline = cut_to(measure, headline, limit.saturating_sub(fixed + 2));
    let room = limit.saturating_sub(fixed + measure.text_length(&headline) + 2);
    let message = cut_to(measure, message, room);
    let mut text = headline;
    if !message.is_empty() {
        text.push_str("\n\n");
        text.push_str(&message);
    }
    text.push_str("\n\n");
    let start = text.len();
    text.push_str(link);
    Post {
        link: start..text.len(),
        text,
    }
}

/// `text` if it fits in `room`; else its longest prefix ending at a word, or failing that
/// between two graphemes, that fits with `…` as the network counts the two together.
fn cut_to(measure: Measure, text: &str, room: usize) -> String {
    if measure.text_length(text) <= room {
        return text.to_string();
    }
    let cut = |end: usize| format!("{}{ELLIPSIS}", trim_end(&text[..end]));
    let fits = |end: usize| measure.text_length(&cut(end)) <= room;
    // Where a grapheme ends, and whether it is blank (a word ended just before it).
    let ends: Vec<(usize, bool)> = text
        .grapheme_indices(true)
        .map(|(i, g)| (i + g.len(), is_blank(g)))
        .collect();
    let words = ends.iter().filter(|(_, blank)| *blank).map(|(end, _)| *end);
    let graphemes = ends.iter().map(|(end, _)| *end);
    match last_fitting(words, fits).or_else(|| last_fitting(graphemes, fits)) {
        Some(end) if !trim_end(&text[..end]).is_empty() => cut(end),
        // Not even the first grapheme fits (a run of prepended marks makes one of any
        // length): the reader is still told something was cut, where `…` itself fits.
        _ if measure.text_length(ELLIPSIS) <= room => ELLIPSIS.to_string(),
        _ => String::new(),
    }
}

/// `text` without the blank graphemes it ends with (never a part of one).
fn trim_end(text: &str) -> &str {
    let mut end = text.len();
    for (i, g) in text.grapheme_indices(true).rev() {
        if !is_blank(g) {
            break;
        }
        end = i;
    }
    &text[..end]
}

fn is_blank(grapheme: &str) -> bool {
    grapheme.chars().all(char::is_whitespace)
}

/// The largest candidate that fits. Candidates ascend and lengths mostly grow with them, so
/// a binary search finds the place; NFC can make a longer prefix weigh a little less, so the
/// candidate found is checked, and those before it tried, until one fits.
fn last_fitting(
    candidates: impl Iterator<Item = usize>,
    fits: impl Fn(usize) -> bool,
) -> Option<usize> {
    let all: Vec<usize> = candidates.collect();
    let fitting = all.partition_point(|&i| fits(i));
    all[..fitting.min(all.len())]
        .iter()
        .rev()
        .copied()
        .find(|&i| fits(i))
}

/// The length of a whole post as `measure` counts it; the tests check every post fits with it.
#[cfg(test)]
fn length(measure: Measure, post: &Post) -> usize {
    let before = &post.text[..post.link.start];
    let after = &post.text[post.link.end..];
    measure.text_length(before)
        + measure.link_length(&post.text[post.link.clone()])
        + measure.text_length(after)
}

#[cfg(test)]
mod tests {
    use super::*;

    const LINK: &str =
        "https://status.example.com/incidents/2026-11-28-switch/#update-20261128T093000Z";

    #[test]
    fn a_short_post_is_left_whole() {
        let post = fit(
            Measure::X,
            "Identified: Packet loss",
            "A switch drops packets.",
            LINK,
        );
        assert_eq!(
            post.text,
            format!("Identified: Packet loss\n\nA switch drops packets.\n\n{LINK}")
        );
        assert_eq!(&post.text[post.link.clone()], LINK);
    }

    #[test]
    fn a_headline_of_one_grapheme_too_long_to_fit_is_cut_to_an_ellipsis_not_dropped() {
        // U+0600 is a prepended mark: a run of them and the next letter are one grapheme,
        // which no cut may split (found by the property test).
        let headline = format!("{} packet", "\u{600}".repeat(400));
        let post = fit(Measure::X, &headline, "", LINK);
        assert_eq!(post.text, format!("{ELLIPSIS}\n\n{LINK}"));
    }

    #[test]
    fn a_long_message_is_cut_at_a_word_to_fit_every_network() {
        let message = "The upstream switch drops packets again. ".repeat(50);
        for measure in [Measure::Mastodon, Measure::Bluesky, Measure::X] {
            let post = fit(measure, "Investigating: Packet loss", &message, LINK);
            let len = length(measure, &post);
            assert!(len <= measure.limit(), "{measure:?}: {len}");
            assert!(
                len >= measure.limit() - 12,
                "{measure:?} wastes room: {len}"
            );
            let body = post.text.split("\n\n").nth(1).expect("message");
            assert!(body.ends_with("again.…") || body.ends_with("packets…") || body.ends_with('…'));
            let kept = body.trim_end_matches('…');
            assert!(message.starts_with(kept), "{kept:?}");
            assert!(
                message[kept.len()..].starts_with(' '),
                "cut inside a word: {kept:?}"
            );
            assert!(post.text.ends_with(LINK));
        }
    }

    #[test]
    fn emoji_and_right_to_left_text_are_counted_as_each_network_does() {
        let family = "👨‍👩‍👧‍👦";
        let message = format!("{family} ").repeat(200);
        let post = fit(Measure::Bluesky, "Monitoring", &message, LINK);
        assert!(length(Measure::Bluesky, &post) <= 300);
        // Graphemes are never split: every family stays whole.
        let body = post.text.split("\n\n").nth(1).expect("message");
        assert!(
            body.trim_end_matches('…')
                .trim()
                .split(' ')
                .all(|w| w == family)
        );

        let post = fit(Measure::X, "Monitoring", &message, LINK);
        assert!(length(Measure::X, &post) <= 280);

        let arabic = "تم حل المشكلة وعادت جميع الخدمات إلى العمل بشكل طبيعي. ".repeat(30);
        for measure in [Measure::Mastodon, Measure::Bluesky, Measure::X] {
            let post = fit(measure, "تم الحل: فقدان الحزم", &arabic, LINK);
            assert!(length(measure, &post) <= measure.limit(), "{measure:?}");
            assert!(post.text.starts_with("تم الحل"));
        }
    }

    #[test]
    fn x_counts_links_as_23_and_cjk_as_two() {
        let post = Post {
            text: format!("障害 {LINK}"),
            link: "障害 ".len().."障害 ".len() + LINK.len(),
        };
        assert_eq!(length(Measure::X, &post), 2 + 2 + 1 + 23);
    }
}
