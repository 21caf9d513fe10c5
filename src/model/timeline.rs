//! An event's timeline as its components live it: for every update, the statuses it changes
//! (old → new), worked out once here for the API, the webhook and every announce channel.

use chrono::{DateTime, Utc};

use super::{ComponentStatus, Event};

/// One component's status changed by one update.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Transition {
    pub component: String,
    pub old: ComponentStatus,
    pub new: ComponentStatus,
}

/// Every update's transitions, in timeline order.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct Timeline {
    changes: Vec<Vec<Transition>>,
}

impl Timeline {
    /// The timeline of an event the model does not hold.
    pub(crate) const EMPTY: Timeline = Timeline {
        changes: Vec::new(),
    };

    /// The first update sets the statuses of the event's front matter, each update those it
    /// names, and the update that ends the event gives every component it still holds back
    /// (`partial_outage` → `operational`), as Statuspage shows it. A component not named before
    /// was `operational`.
    pub(crate) fn of(event: &Event, now: DateTime<Utc>) -> Timeline {
        let mut current: Vec<(String, ComponentStatus)> = Vec::new();
        let end = event.end(now);
        let changes = event
            .timeline
            .iter()
            .enumerate()
            .map(|(i, update)| {
                let initial = if i == 0 {
                    event.components.as_slice()
                } else {
                    &[]
                };
                let restored: Vec<(String, ComponentStatus)> = if end == Some(update.at) {
                    current
                        .iter()
                        .filter(|(id, status)| {
                            *status != ComponentStatus::Operational
                                && !update.components.iter().any(|(set, _)| set == id)
                        })
                        .map(|(id, _)| (id.clone(), ComponentStatus::Operational))
                        .collect()
                } else {
                    Vec::new()
                };
                let set = initial
                    .iter()
                    .chain(update.components.iter())
                    .chain(restored.iter());
                apply(&mut current, set)
            })
            .collect();
        Timeline { changes }
    }

    /// What the `index`th update changes (nothing past the end).
    pub(crate) fn changes(&self, index: usize) -> &[Transition] {
        self.changes.get(index).map_or(&[], Vec::as_slice)
    }

    /// Every component the event names, as the `index`th update leaves it, in the order they
    /// were first named.
    pub(crate) fn states_after(&self, index: usize) -> Vec<(&str, ComponentStatus)> {
        let mut states: Vec<(&str, ComponentStatus)> = Vec::new();
        for change in self.changes.iter().take(index + 1).flatten() {
            match states.iter_mut().find(|(id, _)| *id == change.component) {
                Some(entry) => entry.1 = change.new,
                None => states.push((&change.component, change.new)),
            }
        }
        states
    }
}

/// Sets each status in `current`, and says what each was before.
fn apply<'a>(
    current: &mut Vec<(String, ComponentStatus)>,
    set: impl Iterator<Item = &'a (String, ComponentStatus)>,
) -> Vec<Transition> {
    set.map(|(id, new)| {
        let old = match current.iter_mut().find(|(c, _)| c == id) {
            Some(entry) => std::mem::replace(&mut entry.1, *new),
            None => {
                current.push((id.clone(), *new));
                ComponentStatus::Operational
            }
        };
        Transition {
            component: id.clone(),
            old,
            new: *new,
        }
    })
    .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::UpdateStatus::*;
    use crate::model::event::tests::{incident, t, update};
    use ComponentStatus::*;

    fn pairs(timeline: &Timeline, i: usize) -> Vec<(&str, ComponentStatus, ComponentStatus)> {
        timeline
            .changes(i)
            .iter()
            .map(|c| (c.component.as_str(), c.old, c.new))
            .collect()
    }

    #[test]
    fn each_update_says_what_it_changed_and_the_resolution_restores_what_is_left() {
        let event = incident(
            "a",
            &[("web", PartialOutage)],
            vec![
                update(t(9, 0), Investigating, &[]),
                update(t(9, 30), Identified, &[("db", DegradedPerformance)]),
                update(t(9, 45), Monitoring, &[("web", MajorOutage)]),
                update(t(10, 0), Resolved, &[("db", Operational)]),
            ],
        );
        let timeline = Timeline::of(&event, t(12, 0));
        assert_eq!(pairs(&timeline, 0), [("web", Operational, PartialOutage)]);
        assert_eq!(
            pairs(&timeline, 1),
            [("db", Operational, DegradedPerformance)]
        );
        assert_eq!(pairs(&timeline, 2), [("web", PartialOutage, MajorOutage)]);
        assert_eq!(
            pairs(&timeline, 3),
            [
                ("db", DegradedPerformance, Operational),
                ("web", MajorOutage, Operational)
            ],
            "what the update names first, then what the resolution gives back"
        );
        assert!(timeline.changes(4).is_empty());
        assert_eq!(
            timeline.states_after(1),
            [("web", PartialOutage), ("db", DegradedPerformance)]
        );
        assert_eq!(
            timeline.states_after(3),
            [("web", Operational), ("db", Operational)]
        );
    }

    #[test]
    fn an_incident_still_open_restores_nothing() {
        let event = incident(
            "a",
            &[("web", MajorOutage)],
            vec![
                update(t(9, 0), Investigating, &[]),
                update(t(9, 30), Monitoring, &[]),
            ],
        );
        let timeline = Timeline::of(&event, t(12, 0));
        assert!(timeline.changes(1).is_empty());
        assert_eq!(timeline.states_after(1), [("web", MajorOutage)]);
    }
}
