//! Durability modes: when an applied command counts as *acknowledged*, that
//! is, when the host may tell the world it happened.
//!
//! | mode | acknowledged when | survives process kill | survives OS crash / power loss |
//! |---|---|---|---|
//! | [`Buffered`](DurabilityMode::Buffered) | its record is written to the OS (`write(2)` returned) | yes | no: the last few seconds of records may be lost |
//! | [`Fsync`](DurabilityMode::Fsync) | its record is written and the segment fsynced (`fdatasync`) | yes | yes |
//! | [`GroupCommit`](DurabilityMode::GroupCommit) | a later fsync covers it: when `max_records` records are pending, or at the first apply or [`sync_if_due`](super::Durable::sync_if_due) at or after `max_delay` of host time since the oldest pending one | yes, from the write | yes, from the fsync |
//!
//! In every mode each record is written to the OS before `apply` returns, so
//! killing the process never loses an applied command; the modes differ only
//! in when the fsync happens. [`Applied::acknowledged_through`](super::Applied)
//! and [`Durable::acknowledged_through`](super::Durable::acknowledged_through)
//! tell the host which sequence numbers are acknowledged under the mode.

use crate::model::{TimeSpan, Timestamp};
use std::num::NonZeroU32;

/// When a journaled command counts as acknowledged. See the module docs for
/// the guarantee of each mode.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DurabilityMode {
    /// Acknowledged once written to the OS. Survives the process dying, not
    /// the machine.
    Buffered,
    /// Acknowledged once written and fsynced, one fsync per command.
    Fsync,
    /// Acknowledged once a batch fsync covers it. Records are written to the
    /// OS at once; the fsync is shared by up to `max_records` of them.
    GroupCommit {
        /// Fsync as soon as this many records are waiting for one.
        max_records: NonZeroU32,
        /// Fsync at the first `apply` or `sync_if_due` whose host time is at
        /// least this long after the oldest waiting record's time.
        max_delay: TimeSpan,
    },
}

/// Records written but not yet fsynced, for group commit.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Pending {
    /// How many records wait for an fsync.
    pub(crate) count: u32,
    /// Host time of the oldest of them.
    pub(crate) since: Option<Timestamp>,
}

impl Pending {
    /// Notes one more written record at host time `at`.
    pub(crate) fn add(&mut self, at: Timestamp) {
        self.count = self.count.saturating_add(1);
        self.since.get_or_insert(at);
    }

    /// Whether `mode` requires an fsync now, at host time `now`.
    pub(crate) fn due(&self, mode: DurabilityMode, now: Timestamp) -> bool {
        if self.count == 0 {
            return false;
        }
        match mode {
            DurabilityMode::Buffered => false,
            DurabilityMode::Fsync => true,
            DurabilityMode::GroupCommit {
                max_records,
                max_delay,
            } => {
                self.count >= max_records.get()
                    || self
                        .since
                        .is_some_and(|since| now.since(since) >= max_delay)
            }
        }
    }

    /// The host time at which the pending records must be fsynced.
    pub(crate) fn deadline(&self, mode: DurabilityMode) -> Option<Timestamp> {
        match mode {
            DurabilityMode::GroupCommit { max_delay, .. } if self.count > 0 => {
                self.since.map(|since| since + max_delay)
            }
            _ => None,
        }
    }
}
