//! The closed vocabularies of docs/format.md: kinds, component statuses, impacts, update statuses.

use serde::Serialize;

/// A word of one of docs/format.md's closed vocabularies, for parsing with a suggestion.
pub(crate) trait Word: Sized + Copy + 'static {
    /// What the word names, for messages: "component status", "impact".
    const NOUN: &'static str;
    fn parse(text: &str) -> Option<Self>;
    fn names() -> impl Iterator<Item = &'static str> + Clone;
}

/// Generates `ALL`, `as_str` and `parse` for an enum whose variants are written in snake_case.
macro_rules! vocabulary {
    ($name:ident, $noun:literal { $($variant:ident => $text:literal),+ $(,)? }) => {
        impl Word for $name {
            const NOUN: &'static str = $noun;
            fn parse(text: &str) -> Option<Self> {
                $name::parse(text)
            }
            fn names() -> impl Iterator<Item = &'static str> + Clone {
                $name::names()
            }
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }

            pub fn parse(text: &str) -> Option<Self> {
                match text { $($text => Some($name::$variant),)+ _ => None }
            }

            pub fn names() -> impl Iterator<Item = &'static str> + Clone {
                Self::ALL.iter().map(|v| v.as_str())
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Incident,
    Maintenance,
    Notice,
}

vocabulary!(Kind, "kind" { Incident => "incident", Maintenance => "maintenance", Notice => "notice" });

impl Kind {
    /// `an incident`, `a maintenance`, `a notice`: for messages.
    pub fn with_article(self) -> &'static str {
        match self {
            Kind::Incident => "an incident",
            Kind::Maintenance => "a maintenance",
            Kind::Notice => "a notice",
        }
    }
}

/// Declared in severity order, lowest first, so `Ord` is "worse than".
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ComponentStatus {
    Operational,
    UnderMaintenance,
    DegradedPerformance,
    PartialOutage,
    MajorOutage,
}

vocabulary!(ComponentStatus, "component status" {
    Operational => "operational",
    UnderMaintenance => "under_maintenance",
    DegradedPerformance => "degraded_performance",
    PartialOutage => "partial_outage",
    MajorOutage => "major_outage",
});

impl ComponentStatus {
    /// The impact an incident has when this is the worst status it ever set.
    pub fn implied_impact(self) -> Impact {
        match self {
            ComponentStatus::Operational | ComponentStatus::UnderMaintenance => Impact::None,
            ComponentStatus::DegradedPerformance => Impact::Minor,
            ComponentStatus::PartialOutage => Impact::Major,
            ComponentStatus::MajorOutage => Impact::Critical,
        }
    }
}

/// Declared in severity order so the overall indicator is a `max`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Impact {
    None,
    Minor,
    Major,
    Critical,
}

vocabulary!(Impact, "impact" { None => "none", Minor => "minor", Major => "major", Critical => "critical" });

impl Impact {
    /// The status the list form of `components` gives each listed component.
    pub fn implied_status(self) -> ComponentStatus {
        match self {
            Impact::None => ComponentStatus::Operational,
            Impact::Minor => ComponentStatus::DegradedPerformance,
            Impact::Major => ComponentStatus::PartialOutage,
            Impact::Critical => ComponentStatus::MajorOutage,
        }
    }

    /// Statuspage's wording for the overall indicator (docs/feeds-and-api.md, "Statuspage-compatible JSON API").
    pub fn indicator_description(self, maintenance_active: bool) -> &'static str {
        match self {
            Impact::Critical => "Major System Outage",
            Impact::Major => "Partial System Outage",
            Impact::Minor => "Minor Service Outage",
            Impact::None if maintenance_active => "Service Under Maintenance",
            Impact::None => "All Systems Operational",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum UpdateStatus {
    Investigating,
    Identified,
    Monitoring,
    Resolved,
    Postmortem,
    Scheduled,
    InProgress,
    Verifying,
    Completed,
    Posted,
    Updated,
}

vocabulary!(UpdateStatus, "status" {
    Investigating => "investigating",
    Identified => "identified",
    Monitoring => "monitoring",
    Resolved => "resolved",
    Postmortem => "postmortem",
    Scheduled => "scheduled",
    InProgress => "in_progress",
    Verifying => "verifying",
    Completed => "completed",
    Posted => "posted",
    Updated => "updated",
});

impl UpdateStatus {
    /// Statuspage's English word for the status, in the feed markup that existing consumers
    /// parse (docs/feeds-and-api.md, "Feeds"): a protocol word, not a reader's, so it stays
    /// English in every language. Readers' words come from the theme's translations.
    pub fn statuspage_word(self) -> &'static str {
        match self {
            UpdateStatus::Investigating => "Investigating",
            UpdateStatus::Identified => "Identified",
            UpdateStatus::Monitoring => "Monitoring",
            UpdateStatus::Resolved => "Resolved",
            UpdateStatus::Postmortem => "Postmortem",
            UpdateStatus::Scheduled => "Scheduled",
            UpdateStatus::InProgress => "In progress",
            UpdateStatus::Verifying => "Verifying",
            UpdateStatus::Completed => "Completed",
            UpdateStatus::Posted => "Posted",
            UpdateStatus::Updated => "Updated",
        }
    }

    /// The statuses an update of this kind of event may have.
    pub fn allowed_for(kind: Kind) -> &'static [UpdateStatus] {
        use UpdateStatus::*;
        match kind {
            Kind::Incident => &[Investigating, Identified, Monitoring, Resolved, Postmortem],
            Kind::Maintenance => &[Scheduled, InProgress, Verifying, Completed],
            Kind::Notice => &[Posted, Updated],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn severity_order_is_the_one_content_md_fixes() {
        use ComponentStatus::*;
        let mut shuffled = vec![
            MajorOutage,
            Operational,
            PartialOutage,
            UnderMaintenance,
            DegradedPerformance,
        ];
        shuffled.sort();
        assert_eq!(
            shuffled,
            vec![
                Operational,
                UnderMaintenance,
                DegradedPerformance,
                PartialOutage,
                MajorOutage
            ]
        );
    }

    #[test]
    fn impact_and_status_imply_each_other() {
        assert_eq!(
            ComponentStatus::PartialOutage.implied_impact(),
            Impact::Major
        );
        assert_eq!(
            ComponentStatus::UnderMaintenance.implied_impact(),
            Impact::None
        );
        assert_eq!(
            Impact::Critical.implied_status(),
            ComponentStatus::MajorOutage
        );
    }

    #[test]
    fn vocabulary_round_trips() {
        for s in UpdateStatus::ALL {
            assert_eq!(UpdateStatus::parse(s.as_str()), Some(*s));
        }
        assert_eq!(ComponentStatus::parse("major"), None);
    }
}
