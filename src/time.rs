//! Timestamps as docs/format.md accepts them, and the calendar arithmetic of the site's time zone.
//! Everything is stored in UTC; the site's zone is applied only when reading local times and
//! when showing times.

use chrono::{
    DateTime, Datelike, Duration, FixedOffset, LocalResult, NaiveDate, NaiveDateTime, NaiveTime,
    SecondsFormat, TimeZone, Timelike, Utc,
};
use chrono_tz::Tz;

/// Why a timestamp was refused; the message and help are written for the person who typed it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct TimestampError {
    pub message: String,
    pub help: String,
}

const FORMS_HELP: &str =
    "write `2014-04-17 17:30`, `2014-04-17 17:30 -04:00` or `2014-04-17T17:30:00-04:00`";

/// The first instant sitrep accepts: the Unix epoch, where `SOURCE_DATE_EPOCH` starts.
pub(crate) const EARLIEST: &str = "1970-01-01T00:00:00Z";
/// The last instant sitrep accepts. Every output must be able to write every accepted time in
/// any zone: RFC 2822 dates (RSS), tag URIs and iCalendar need a four-digit year, and
/// JavaScript's `Date` parses years up to 9999 in the API's RFC 3339 (docs/format.md,
/// "Timestamps"). A day of margin keeps the local year at 9999 in every zone.
pub(crate) const LATEST: &str = "9999-12-30T23:59:59Z";

/// Parses an RFC 3339 timestamp, or `YYYY-MM-DD HH:MM[:SS]` optionally followed by ` Z`, ` UTC`
/// or ` ±HH:MM`. Without an offset the time is read in `zone`; a local time that falls in a
/// daylight-saving gap or overlap is refused rather than guessed. The instant must lie between
/// [`EARLIEST`] and [`LATEST`]; fractions of a second are kept (content.md: real pages post
/// updates milliseconds apart), and a leap second is accepted only where one can be inserted
/// (see [`no_leap_second`]).
pub(crate) fn parse_timestamp(text: &str, zone: Tz) -> Result<DateTime<Utc>, TimestampError> {
    let text = text.trim();
    parse_any_timestamp(text, zone)
        .and_then(|t| no_leap_second(t, text))
        .and_then(|t| in_range(t, text))
}

fn parse_any_timestamp(text: &str, zone: Tz) -> Result<DateTime<Utc>, TimestampError> {
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Ok(t.with_timezone(&Utc));
    }
    let (local_part, offset) = split_offset(text);
    let naive = parse_naive(local_part).ok_or_else(|| TimestampError {
        message: format!("`{text}` is not a timestamp"),
        help: FORMS_HELP.into(),
    })?;
    match offset {
        Offset::Fixed(offset) => match offset.from_local_datetime(&naive) {
            LocalResult::Single(t) => Ok(t.with_timezone(&Utc)),
            _ => Err(TimestampError {
                message: format!("`{text}` is not a timestamp"),
                help: FORMS_HELP.into(),
            }),
        },
        Offset::Invalid => Err(TimestampError {
            message: format!("`{text}` has an offset that is not `Z`, `UTC` or `±HH:MM`"),
            help: FORMS_HELP.into(),
        }),
        Offset::SiteZone => in_zone(naive, zone, text),
    }
}

/// Checks that every output can write `t` (see [`LATEST`]).
pub(crate) fn in_range(t: DateTime<Utc>, text: &str) -> Result<DateTime<Utc>, TimestampError> {
    let bound = |b: &str| {
        DateTime::parse_from_rfc3339(b)
            .map(|b| b.with_timezone(&Utc))
            .unwrap_or(t)
    };
    if t < bound(EARLIEST) || t > bound(LATEST) {
        return Err(TimestampError {
            message: format!("`{text}` is outside the years sitrep can publish"),
            help: "timestamps must fall between 1970-01-01 and 9999-12-30 (UTC); check the year"
                .into(),
        });
    }
    Ok(t)
}

/// A leap second (`:60`) exists only as 23:59:60 UTC at the end of June or December; it is
/// kept as 23:59:59, since JSON readers (JavaScript's `Date`), RSS and iCalendar cannot write a
/// 60th second. Anywhere else `:60` is an error. Any other fraction of a second is kept as
/// written.
fn no_leap_second(t: DateTime<Utc>, text: &str) -> Result<DateTime<Utc>, TimestampError> {
    if t.nanosecond() < 1_000_000_000 {
        return Ok(t);
    }
    let possible = t.hour() == 23
        && t.minute() == 59
        && t.second() == 59
        && matches!((t.month(), t.day()), (6, 30) | (12, 31));
    if !possible {
        return Err(TimestampError {
            message: format!("`{text}` has a 60th second, and no leap second can fall there"),
            help: "leap seconds are only ever inserted at 23:59:60 UTC on 30 June or 31 December; write the next minute's `:00`".into(),
        });
    }
    Ok(t.with_nanosecond(0).unwrap_or(t))
}

fn in_zone(naive: NaiveDateTime, zone: Tz, text: &str) -> Result<DateTime<Utc>, TimestampError> {
    match zone.from_local_datetime(&naive) {
        LocalResult::Single(t) => Ok(t.with_timezone(&Utc)),
        LocalResult::None => Err(TimestampError {
            message: format!("`{text}` does not exist in {zone}: the clocks jump forward over it"),
            help: format!(
                "add an explicit offset, e.g. `{} {}`",
                naive.format("%Y-%m-%d %H:%M"),
                offset_text(zone.offset_from_utc_datetime(&naive).fix())
            ),
        }),
        LocalResult::Ambiguous(first, second) => Err(TimestampError {
            message: format!("`{text}` happens twice in {zone}: the clocks fall back over it"),
            help: format!(
                "add the offset you mean: `{local} {}` ({}, the first) or `{local} {}` ({}, the second)",
                offset_text(first.offset().fix()),
                first.format("%Z"),
                offset_text(second.offset().fix()),
                second.format("%Z"),
                local = naive.format("%Y-%m-%d %H:%M"),
            ),
        }),
    }
}

use chrono::Offset as _;

fn offset_text(offset: FixedOffset) -> String {
    let secs = offset.local_minus_utc();
    let sign = if secs < 0 { '-' } else { '+' };
    let secs = secs.abs();
    format!("{sign}{:02}:{:02}", secs / 3600, (secs % 3600) / 60)
}

enum Offset {
    SiteZone,
    Fixed(FixedOffset),
    Invalid,
}

/// Splits `2014-04-17 17:30 -04:00` into the local part and its offset.
fn split_offset(text: &str) -> (&str, Offset) {
    for suffix in [" UTC", " Z", "Z"] {
        if let Some(rest) = text.strip_suffix(suffix) {
            return (
                rest.trim_end(),
                Offset::Fixed(FixedOffset::east_opt(0).expect("zero offset")),
            );
        }
    }
    // Offsets are the last token after a space, or glued to the time (`17:30-04:00`).
    let bytes = text.as_bytes();
    if text.len() > 16 && text.is_char_boundary(text.len() - 6) {
        let tail = &text[text.len() - 6..];
        let head = &text[..text.len() - 6];
        if (tail.starts_with('+') || tail.starts_with('-')) && head.len() >= 16 {
            return match parse_offset(tail) {
                Some(o) => (head.trim_end(), Offset::Fixed(o)),
                None => (head.trim_end(), Offset::Invalid),
            };
        }
    }
    if let Some((head, tail)) = text.rsplit_once(' ')
        && head.len() >= 16
        && !bytes.is_empty()
        && !tail.contains(':')
    {
        return (head, Offset::Invalid);
    }
    (text, Offset::SiteZone)
}

fn parse_offset(text: &str) -> Option<FixedOffset> {
    let sign = match text.as_bytes().first()? {
        b'+' => 1,
        b'-' => -1,
        _ => return None,
    };
    let (h, m) = text[1..].split_once(':')?;
    if h.len() != 2 || m.len() != 2 {
        return None;
    }
    let (h, m): (i32, i32) = (h.parse().ok()?, m.parse().ok()?);
    if h > 23 || m > 59 {
        return None;
    }
    FixedOffset::east_opt(sign * (h * 3600 + m * 60))
}

fn parse_naive(text: &str) -> Option<NaiveDateTime> {
    [
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%d %H:%M",
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%dT%H:%M",
    ]
    .iter()
    .find_map(|format| NaiveDateTime::parse_from_str(text, format).ok())
}

/// Parses a `YYYY-MM-DD` date.
pub(crate) fn parse_date(text: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d").ok()
}

/// The calendar date of an instant in the site's zone.
pub(crate) fn local_date(t: DateTime<Utc>, zone: Tz) -> NaiveDate {
    t.with_timezone(&zone).date_naive()
}

/// The instant a calendar day starts in `zone`. Where midnight itself is skipped by a
/// daylight-saving change (some zones switch at 00:00), the day starts at the first local time
/// that exists.
pub(crate) fn start_of_day(date: NaiveDate, zone: Tz) -> DateTime<Utc> {
    let mut local = date.and_time(NaiveTime::MIN);
    for _ in 0..48 {
        if let Some(t) = zone.from_local_datetime(&local).earliest() {
            return t.with_timezone(&Utc);
        }
        local += Duration::minutes(30);
    }
    // No zone skips a whole day's first 24 hours; fall back to UTC midnight rather than panic.
    Utc.from_utc_datetime(&date.and_time(NaiveTime::MIN))
}

/// RFC 3339 in the site's zone, e.g. `2014-04-17T17:30:00-04:00`, for `<time datetime>`.
pub(crate) fn rfc3339_in(t: DateTime<Utc>, zone: Tz) -> String {
    t.with_timezone(&zone)
        .to_rfc3339_opts(SecondsFormat::AutoSi, false)
}

/// RFC 3339 in UTC, e.g. `2014-04-17T21:30:00Z`: the form used inside ids. A fraction of a
/// second is written when there is one (`…:56.416Z`), in as many digits as it needs.
pub(crate) fn rfc3339_utc(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::AutoSi, true)
}

/// A length of time as whole days, hours and minutes (negative lengths count as zero).
pub(crate) fn duration_parts(d: Duration) -> (i64, i64, i64) {
    let minutes = d.num_minutes().max(0);
    (minutes / 1440, (minutes % 1440) / 60, minutes % 60)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono_tz::America::New_York;

    fn utc(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text)
            .expect("test timestamp")
            .with_timezone(&Utc)
    }

    #[test]
    fn reads_every_accepted_form() {
        let z = New_York;
        let expected = utc("2014-04-17T21:30:00Z");
        for text in [
            "2014-04-17T17:30:00-04:00",
            "2014-04-17T21:30:00Z",
            "2014-04-17 17:30",
            "2014-04-17 17:30:00",
            "2014-04-17 17:30 -04:00",
            "2014-04-17 21:30 Z",
            "2014-04-17 21:30 UTC",
            "2014-04-17 23:30 +02:00",
            "2014-04-17T17:30",
        ] {
            assert_eq!(parse_timestamp(text, z), Ok(expected), "{text}");
        }
    }

    #[test]
    fn local_times_follow_daylight_saving() {
        // Winter: EST is UTC-5.
        assert_eq!(
            parse_timestamp("2014-02-03 09:00", New_York),
            Ok(utc("2014-02-03T14:00:00Z"))
        );
        assert_eq!(
            parse_timestamp("2014-02-03 09:00", Tz::UTC),
            Ok(utc("2014-02-03T09:00:00Z"))
        );
    }

    #[test]
    fn spring_forward_gap_is_an_error_with_an_offset_suggestion() {
        let e = parse_timestamp("2026-03-08 02:30", New_York).unwrap_err();
        assert!(
            e.message.contains("does not exist in America/New_York"),
            "{e:?}"
        );
        assert!(e.help.contains("2026-03-08 02:30 -05:00"), "{e:?}");
    }

    #[test]
    fn fall_back_overlap_is_an_error_naming_both_offsets() {
        let e = parse_timestamp("2026-11-01 01:30", New_York).unwrap_err();
        assert!(e.message.contains("happens twice"), "{e:?}");
        assert!(e.help.contains("-04:00` (EDT"), "{e:?}");
        assert!(e.help.contains("-05:00` (EST"), "{e:?}");
        assert_eq!(
            parse_timestamp("2026-11-01 01:30 -05:00", New_York),
            Ok(utc("2026-11-01T06:30:00Z"))
        );
    }

    #[test]
    fn garbage_is_refused() {
        for text in [
            "yesterday",
            "2014-13-01 10:00",
            "2014-04-17 25:00",
            "2014-04-17 10:00 EDT",
            "",
        ] {
            assert!(parse_timestamp(text, New_York).is_err(), "{text}");
        }
    }

    #[test]
    fn only_times_every_output_can_write_are_accepted() {
        for text in [
            "0000-01-01T00:00:00Z",
            "1969-12-31T23:59:59Z",
            "9999-12-31T23:00:00-05:00",
            "9999-12-31 12:00",
            "0001-01-01 00:00 +14:00",
        ] {
            let e = parse_timestamp(text, New_York).unwrap_err();
            assert!(e.message.contains("outside the years"), "{text}: {e:?}");
        }
        assert_eq!(
            parse_timestamp("1970-01-01T00:00:00Z", New_York),
            Ok(DateTime::UNIX_EPOCH)
        );
        assert!(parse_timestamp("9999-12-30 12:00", New_York).is_ok());
    }

    #[test]
    fn a_leap_second_only_where_one_can_be_and_kept_as_the_59th() {
        for text in [
            "2026-04-17 12:34:60",
            "2026-04-17T12:34:60Z",
            "2016-12-31 23:59:60",
        ] {
            let e = parse_timestamp(text, New_York).unwrap_err();
            assert!(e.message.contains("60th second"), "{text}: {e:?}");
        }
        let expected = utc("2016-12-31T23:59:59Z");
        for text in [
            "2016-12-31T23:59:60Z",
            "2016-12-31 18:59:60 -05:00",
            "2016-12-31 18:59:60",
            "2015-06-30 23:59:60 UTC",
        ] {
            let got = parse_timestamp(text, New_York);
            if text.starts_with("2015") {
                assert_eq!(got, Ok(utc("2015-06-30T23:59:59Z")), "{text}");
            } else {
                assert_eq!(got, Ok(expected), "{text}");
            }
        }
        assert_eq!(
            rfc3339_utc(expected),
            "2016-12-31T23:59:59Z",
            "JavaScript can read it"
        );
    }

    /// content.md: real status pages post automated updates milliseconds apart.
    #[test]
    fn fractions_of_a_second_are_kept_and_written_back_as_given() {
        let t = parse_timestamp("2023-02-18T04:44:56.416Z", New_York).expect("parses");
        assert_eq!(t.timestamp_subsec_millis(), 416);
        assert_eq!(rfc3339_utc(t), "2023-02-18T04:44:56.416Z");
        assert_eq!(rfc3339_in(t, New_York), "2023-02-17T23:44:56.416-05:00");
        let local = parse_timestamp("2023-02-18 04:44:56.5 Z", New_York).expect("parses");
        assert_eq!(rfc3339_utc(local), "2023-02-18T04:44:56.500Z");
        let whole = parse_timestamp("2014-04-17T21:30:00Z", New_York).expect("parses");
        assert_eq!(
            rfc3339_utc(whole),
            "2014-04-17T21:30:00Z",
            "whole seconds unchanged"
        );
    }

    #[test]
    fn days_have_their_real_length() {
        let z = New_York;
        let len = |d: &str| {
            let d = parse_date(d).expect("date");
            start_of_day(d.succ_opt().expect("next"), z) - start_of_day(d, z)
        };
        assert_eq!(len("2026-03-08"), Duration::hours(23));
        assert_eq!(len("2026-11-01"), Duration::hours(25));
        assert_eq!(len("2026-11-02"), Duration::hours(24));
    }

    #[test]
    fn a_skipped_midnight_starts_the_day_at_the_first_real_time() {
        // Santiago springs forward at 00:00 → 01:00.
        let z = chrono_tz::America::Santiago;
        let d = parse_date("2026-09-06").expect("date");
        let start = start_of_day(d, z);
        assert_eq!(local_date(start, z), d);
    }

    #[test]
    fn durations_split_into_days_hours_minutes() {
        assert_eq!(duration_parts(Duration::minutes(35)), (0, 0, 35));
        assert_eq!(duration_parts(Duration::minutes(275)), (0, 4, 35));
        assert_eq!(duration_parts(Duration::minutes(3060)), (2, 3, 0));
        assert_eq!(duration_parts(Duration::minutes(-5)), (0, 0, 0));
    }
}

/// What the build's "now" is (docs/format.md, "Now"), as the caller found it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Now {
    /// `--now TIMESTAMP`, read in the site's time zone when it has no offset.
    Given(String),
    /// `SOURCE_DATE_EPOCH`: seconds since 1970.
    SourceDateEpoch(String),
    /// The clock.
    At(DateTime<Utc>),
}

impl Now {
    /// `--now TEXT`, checked before any site is read, so that a mistake on the command line is
    /// reported as one, ahead of whatever else is wrong. The check is made in UTC: the site's
    /// time zone moves a timestamp by hours, never makes text a timestamp.
    pub fn given(text: &str) -> crate::Result<Now> {
        let now = Now::Given(text.to_string());
        now.resolve(Tz::UTC)?;
        Ok(now)
    }

    /// The instant this stands for. A timestamp without an offset is read in `zone`, the
    /// site's time zone; [`crate::Error::InvalidNow`] when the text is not a timestamp sitrep reads
    /// or lies outside the years it supports.
    pub fn resolve(&self, zone: Tz) -> crate::Result<DateTime<Utc>> {
        match self {
            Now::Given(text) => parse_timestamp(text, zone).map_err(|e| crate::Error::InvalidNow {
                value: text.clone(),
                reason: format!("{}; {}", e.message, e.help),
            }),
            Now::SourceDateEpoch(text) => text
                .trim()
                .parse::<i64>()
                .ok()
                .and_then(|secs| DateTime::from_timestamp(secs, 0))
                .ok_or_else(|| crate::Error::InvalidNow {
                    value: text.clone(),
                    reason: "SOURCE_DATE_EPOCH must be a whole number of seconds since 1970".into(),
                })
                .and_then(|t| {
                    in_range(t, text.trim()).map_err(|e| crate::Error::InvalidNow {
                        value: text.clone(),
                        reason: format!("{}; {}", e.message, e.help),
                    })
                }),
            Now::At(t) => Ok(*t),
        }
    }
}
