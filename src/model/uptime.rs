//! Uptime per component and calendar day of the site's time zone (docs/format.md, "Uptime").

use chrono::{DateTime, Days, NaiveDate, Utc};
use chrono_tz::Tz;

use super::event::Event;
use super::status::ComponentStatus;
use crate::config::UptimeWeights;
use crate::time;

/// One day of a component's uptime bar.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct UptimeDay {
    pub date: NaiveDate,
    /// `None` for a day without data (before the component's `since`).
    pub data: Option<DayData>,
    /// Slugs of the events that gave the component a status during the day.
    pub events: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct DayData {
    /// The worst status at any moment of the day.
    pub status: ComponentStatus,
    /// Weighted seconds of downtime.
    pub downtime: f64,
    /// Seconds in the day: 23–25 h across daylight-saving changes, up to now for today.
    pub length: f64,
}

impl DayData {
    pub(crate) fn uptime(&self) -> Ratio {
        Ratio::new(self.downtime, self.length)
    }
}

/// A component's uptime over the site's window.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Uptime {
    /// Oldest first, ending today.
    pub days: Vec<UptimeDay>,
}

impl Uptime {
    /// The window's uptime over the days with data, `None` when no day has data.
    pub(crate) fn window(&self) -> Option<Ratio> {
        let with_data = self.days.iter().filter_map(|d| d.data);
        let (downtime, length, count) = with_data.fold((0.0, 0.0, 0), |(d, l, n), day| {
            (d + day.downtime, l + day.length, n + 1)
        });
        (count > 0).then(|| Ratio::new(downtime, length))
    }
}

/// An uptime figure, kept as its parts so the percentage can be truncated honestly.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Ratio {
    downtime: f64,
    length: f64,
}

impl Ratio {
    fn new(downtime: f64, length: f64) -> Self {
        Ratio { downtime, length }
    }

    /// Hundredths of a percent, truncated (not rounded) so that any downtime at all shows below
    /// 100.00, and a float error never rounds 99.5 down to 99.49.
    pub(crate) fn basis_points(&self) -> u32 {
        if self.downtime <= 0.0 || self.length <= 0.0 {
            return 10_000;
        }
        let up = (1.0 - self.downtime / self.length).clamp(0.0, 1.0);
        let points = (up * 10_000.0 + 1e-7).floor() as u32;
        points.min(9_999)
    }

    /// `NN.NN`, as the pages and the API show it.
    pub(crate) fn percent(&self) -> String {
        let bp = self.basis_points();
        format!("{}.{:02}", bp / 100, bp % 100)
    }
}

/// The days of the window: `days` calendar days ending on today's date in `zone`.
pub(crate) fn window_dates(now: DateTime<Utc>, zone: Tz, days: u32) -> Vec<NaiveDate> {
    let today = time::local_date(now, zone);
    (0..days)
        .rev()
        .filter_map(|back| today.checked_sub_days(Days::new(back.into())))
        .collect()
}

/// A stretch of time with the worst status any event sets, across all events.
#[derive(Debug, Clone, Copy)]
struct Piece {
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    worst: ComponentStatus,
}

/// Computes a component's uptime bar. `events` are those that affect the component.
pub(crate) fn component_uptime(
    component: &str,
    since: Option<NaiveDate>,
    events: &[&Event],
    now: DateTime<Utc>,
    zone: Tz,
    window_days: u32,
    weights: &UptimeWeights,
) -> Uptime {
    let dates = window_dates(now, zone, window_days);
    let Some(first) = dates.first() else {
        return Uptime { days: Vec::new() };
    };
    let window_start = time::start_of_day(*first, zone);
    let segments: Vec<(&str, super::event::Segment)> = events
        .iter()
        .flat_map(|e| {
            e.segments(component, now)
                .into_iter()
                .map(move |s| (e.slug.as_str(), s))
        })
        .filter(|(_, s)| s.to > window_start)
        .collect();
    let pieces = worst_pieces(segments.iter().map(|(_, s)| *s));

    let days = dates
        .iter()
        .map(|&date| {
            let from = time::start_of_day(date, zone);
            let to = date
                .succ_opt()
                .map_or(now, |next| time::start_of_day(next, zone))
                .min(now);
            let mut events: Vec<String> = segments
                .iter()
                .filter(|(_, s)| s.from < to && s.to > from)
                .map(|(slug, _)| slug.to_string())
                .collect();
            events.dedup();
            let has_data = since.is_none_or(|since| date >= since);
            let data = has_data.then(|| day_data(&pieces, from, to, weights));
            UptimeDay { date, data, events }
        })
        .collect();
    Uptime { days }
}

fn day_data(
    pieces: &[Piece],
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    weights: &UptimeWeights,
) -> DayData {
    let length = seconds(to - from).max(0.0);
    let mut status = ComponentStatus::Operational;
    let mut downtime = 0.0;
    let first = pieces.partition_point(|p| p.to <= from);
    for piece in pieces[first..].iter().take_while(|p| p.from < to) {
        let overlap = seconds(piece.to.min(to) - piece.from.max(from));
        if overlap > 0.0 {
            status = status.max(piece.worst);
            downtime += overlap * weight(piece.worst, weights);
        }
    }
    DayData {
        status,
        downtime,
        length,
    }
}

fn weight(status: ComponentStatus, weights: &UptimeWeights) -> f64 {
    match status {
        ComponentStatus::MajorOutage => weights.major_outage,
        ComponentStatus::PartialOutage => weights.partial_outage,
        ComponentStatus::DegradedPerformance => weights.degraded_performance,
        ComponentStatus::Operational | ComponentStatus::UnderMaintenance => 0.0,
    }
}

fn seconds(d: chrono::Duration) -> f64 {
    d.num_milliseconds() as f64 / 1000.0
}

/// Flattens overlapping segments into disjoint pieces carrying, at each instant, the worst
/// status any segment sets (a sweep over the boundaries with a count per status).
fn worst_pieces(segments: impl Iterator<Item = super::event::Segment>) -> Vec<Piece> {
    let mut boundaries: Vec<(DateTime<Utc>, i32, ComponentStatus)> = Vec::new();
    for s in segments {
        boundaries.push((s.from, 1, s.status));
        boundaries.push((s.to, -1, s.status));
    }
    boundaries.sort_by_key(|(t, _, _)| *t);
    let mut counts = [0i32; ComponentStatus::ALL.len()];
    let mut pieces: Vec<Piece> = Vec::new();
    let mut i = 0;
    while i < boundaries.len() {
        let t = boundaries[i].0;
        while i < boundaries.len() && boundaries[i].0 == t {
            let (_, delta, status) = boundaries[i];
            counts[status as usize] += delta;
            i += 1;
        }
        let Some(next) = boundaries.get(i).map(|b| b.0) else {
            break;
        };
        let worst = ComponentStatus::ALL
            .iter()
            .rev()
            .find(|s| counts[**s as usize] > 0);
        if let Some(&worst) = worst {
            match pieces.last_mut() {
                Some(last) if last.to == t && last.worst == worst => last.to = next,
                _ => pieces.push(Piece {
                    from: t,
                    to: next,
                    worst,
                }),
            }
        }
    }
    pieces
}

#[cfg(test)]
mod tests {
    use super::super::event::tests::{incident, update};
    use super::*;
    use crate::status::UpdateStatus::*;
    use ComponentStatus::*;
    use chrono::TimeZone;
    use chrono_tz::America::New_York;

    fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, mo, d, h, mi, 0)
            .single()
            .expect("valid")
    }

    fn date(text: &str) -> NaiveDate {
        time::parse_date(text).expect("date")
    }

    #[test]
    fn percentages_are_truncated_never_rounded_up() {
        assert_eq!(Ratio::new(0.0, 86_400.0).percent(), "100.00");
        assert_eq!(
            Ratio::new(1.0, 86_400.0).percent(),
            "99.99",
            "one second shows"
        );
        assert_eq!(
            Ratio::new(432.0, 86_400.0).percent(),
            "99.50",
            "exactly 99.5 stays 99.50"
        );
        assert_eq!(Ratio::new(86_400.0, 86_400.0).percent(), "0.00");
        assert_eq!(
            Ratio::new(0.0, 0.0).percent(),
            "100.00",
            "an empty day has no downtime"
        );
    }

    #[test]
    fn overlapping_incidents_count_the_worst_status_once() {
        // 10:00–12:00 partial outage, 11:00–11:30 major outage on the same component (UTC day).
        let a = incident(
            "a",
            &[("web", PartialOutage)],
            vec![
                update(utc(2026, 4, 16, 10, 0), Investigating, &[]),
                update(utc(2026, 4, 16, 12, 0), Resolved, &[]),
            ],
        );
        let b = incident(
            "b",
            &[("web", MajorOutage)],
            vec![
                update(utc(2026, 4, 16, 11, 0), Investigating, &[]),
                update(utc(2026, 4, 16, 11, 30), Resolved, &[]),
            ],
        );
        let now = utc(2026, 4, 18, 0, 0);
        let up = component_uptime(
            "web",
            None,
            &[&a, &b],
            now,
            Tz::UTC,
            3,
            &UptimeWeights::default(),
        );
        let day = &up.days[0];
        assert_eq!(day.date, date("2026-04-16"));
        let data = day.data.expect("data");
        assert_eq!(data.status, MajorOutage);
        // 1.5 h partial × 0.3 + 0.5 h major × 1 = 1620 + 1800 s.
        assert_eq!(data.downtime, 3420.0);
        assert_eq!(data.uptime().percent(), "96.04");
        assert_eq!(day.events, vec!["a".to_string(), "b".to_string()]);
        // Today (the 18th) has no length yet at midnight, and counts as full uptime.
        assert_eq!(up.days[2].data.expect("today").uptime().percent(), "100.00");
        // Window: 3420 s of 2 × 86 400 s.
        assert_eq!(up.window().expect("window").percent(), "98.02");
    }

    #[test]
    fn a_fall_back_day_is_25_hours_long() {
        // 2026-11-01 in New York is 25 h; a 1 h major outage gives 1 − 1/25 = 96.00 %.
        let e = incident(
            "dst",
            &[("web", MajorOutage)],
            vec![
                update(utc(2026, 11, 1, 14, 0), Investigating, &[]),
                update(utc(2026, 11, 1, 15, 0), Resolved, &[]),
            ],
        );
        let now = utc(2026, 11, 3, 12, 0);
        let up = component_uptime(
            "web",
            None,
            &[&e],
            now,
            New_York,
            3,
            &UptimeWeights::default(),
        );
        let day = up
            .days
            .iter()
            .find(|d| d.date == date("2026-11-01"))
            .expect("day");
        let data = day.data.expect("data");
        assert_eq!(data.length, 25.0 * 3600.0);
        assert_eq!(data.uptime().percent(), "96.00");
    }

    #[test]
    fn days_before_since_have_no_data_and_do_not_dilute_the_window() {
        let e = incident(
            "a",
            &[("web", MajorOutage)],
            vec![
                update(utc(2026, 4, 16, 0, 0), Investigating, &[]),
                update(utc(2026, 4, 16, 12, 0), Resolved, &[]),
            ],
        );
        let now = utc(2026, 4, 17, 0, 0);
        let up = component_uptime(
            "web",
            Some(date("2026-04-16")),
            &[&e],
            now,
            Tz::UTC,
            5,
            &UptimeWeights::default(),
        );
        assert_eq!(up.days.len(), 5);
        assert!(up.days[..3].iter().all(|d| d.data.is_none()));
        assert_eq!(up.window().expect("window").percent(), "50.00");
        let none = component_uptime(
            "web",
            Some(date("2030-01-01")),
            &[&e],
            now,
            Tz::UTC,
            5,
            &UptimeWeights::default(),
        );
        assert_eq!(none.window(), None);
    }

    #[test]
    fn degraded_and_maintenance_are_coloured_but_not_downtime() {
        let e = incident(
            "slow",
            &[("web", DegradedPerformance)],
            vec![
                update(utc(2026, 4, 16, 10, 0), Investigating, &[]),
                update(utc(2026, 4, 16, 11, 0), Resolved, &[]),
            ],
        );
        let now = utc(2026, 4, 17, 0, 0);
        let up = component_uptime(
            "web",
            None,
            &[&e],
            now,
            Tz::UTC,
            2,
            &UptimeWeights::default(),
        );
        let data = up.days[0].data.expect("data");
        assert_eq!(data.status, DegradedPerformance);
        assert_eq!(data.uptime().percent(), "100.00");
    }

    #[test]
    fn an_ongoing_incident_counts_up_to_now() {
        let e = incident(
            "open",
            &[("web", MajorOutage)],
            vec![update(utc(2026, 4, 16, 6, 0), Investigating, &[])],
        );
        let now = utc(2026, 4, 16, 12, 0);
        let up = component_uptime(
            "web",
            None,
            &[&e],
            now,
            Tz::UTC,
            1,
            &UptimeWeights::default(),
        );
        let data = up.days[0].data.expect("data");
        assert_eq!(data.length, 12.0 * 3600.0);
        assert_eq!(data.uptime().percent(), "50.00");
    }
}
