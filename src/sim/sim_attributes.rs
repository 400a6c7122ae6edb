//! The attributes a simulated conversation carries under a routing plan,
//! drawn from what the scenario already generated for it, so a plan's
//! routes match the day's conversations.

use super::scenario::Scenario;
use super::workload::Arrival;
use crate::plan::{AttrValue, Attributes};

/// `topic` and `language` (their names in the scenario) and `returning`;
/// a condition reads `tier`, `channel` and `priority` from the
/// conversation itself.
pub(super) fn attributes(s: &Scenario, a: &Arrival) -> Attributes {
    let mut out = Attributes::new().with("returning", AttrValue::Bool(a.returning));
    if let Some(topic) = s.topics.get(usize::from(a.topic)) {
        out = out.topic(topic.name.clone());
    }
    if let Some(language) = a.language.and_then(|l| s.languages.get(usize::from(l))) {
        out = out.language(language.name.clone());
    }
    out
}
