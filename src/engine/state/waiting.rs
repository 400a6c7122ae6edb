//! A skill group's waiting line: one ordered line per priority class, each
//! ordered by waiting-since time (the conversation's age) then arrival
//! order. The head of the group is the smallest *aged* key among the four
//! class heads: a class is worth a fixed head start in waiting time
//! ([`EngineConfig::class_head_start`](crate::EngineConfig::class_head_start)),
//! so a lower class overtakes a higher one after waiting that much longer
//! per class, and nothing starves. Keeping classes apart makes the oldest
//! waiting conversation (a real-time statistic) a look at four heads.

use super::index::ConvIdx;
use crate::model::{TimeSpan, Timestamp};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// Number of priority classes.
pub(crate) const CLASSES: usize = 4;

/// A place in a class line: age, then arrival order (unique).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub(crate) struct LineKey {
    pub since: Timestamp,
    pub seq: u64,
}

impl LineKey {
    /// The aged key that orders conversations across classes: waiting
    /// since, minus the class's head start (saturating, so absurd values
    /// cannot wrap and reorder the line).
    pub(crate) fn aged(self, class: u8, head_start: TimeSpan) -> (i64, u64) {
        let effective = i128::from(self.since.0) - i128::from(head_start.0) * i128::from(class);
        (
            effective.clamp(i128::from(i64::MIN), i128::from(i64::MAX)) as i64,
            self.seq,
        )
    }
}

/// The waiting line of one group.
#[derive(Clone, Debug, Default)]
pub(crate) struct WaitingLine {
    classes: [BTreeSet<(LineKey, ConvIdx)>; CLASSES],
    len: u32,
}

impl WaitingLine {
    pub(crate) fn insert(&mut self, class: u8, key: LineKey, conv: ConvIdx) {
        let inserted = self.classes[usize::from(class)].insert((key, conv));
        debug_assert!(inserted, "a conversation waits once");
        self.len += u32::from(inserted);
    }

    pub(crate) fn remove(&mut self, class: u8, key: LineKey, conv: ConvIdx) -> bool {
        let removed = self.classes[usize::from(class)].remove(&(key, conv));
        self.len -= u32::from(removed);
        removed
    }

    /// The head: the smallest aged key among the class heads.
    pub(crate) fn head(&self, head_start: TimeSpan) -> Option<(u8, LineKey, ConvIdx)> {
        if self.len == 0 {
            // Most lines are empty most of the time: no look at 4 sets.
            return None;
        }
        self.classes
            .iter()
            .enumerate()
            .filter_map(|(class, line)| line.first().map(|&(key, conv)| (class as u8, key, conv)))
            .min_by_key(|&(class, key, _)| key.aged(class, head_start))
    }

    /// When the longest-waiting conversation started waiting.
    pub(crate) fn oldest(&self) -> Option<Timestamp> {
        self.classes
            .iter()
            .filter_map(|line| line.first().map(|(key, _)| key.since))
            .min()
    }

    pub(crate) fn len(&self) -> u32 {
        self.len
    }

    /// Every entry with its class.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (u8, LineKey, ConvIdx)> + '_ {
        self.classes.iter().enumerate().flat_map(|(class, line)| {
            line.iter()
                .map(move |&(key, conv)| (class as u8, key, conv))
        })
    }
}
