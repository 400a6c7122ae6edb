//! Priority aging by queue (a plan queue's `aging`: `base + per_minute ×
//! minutes waited`, at most `cap`): the order in which a freed agent
//! serving several queues takes their work.
//!
//! * **Points.** Work in a queue's line has `base + per_minute × waited /
//!   60 000` points (rounded down; `waited` in milliseconds, counted from
//!   the work's aged key, that is its waiting-since time minus its class's
//!   head start), at most `cap` (0: no cap). Arithmetic is on `u128` and
//!   saturates at `u64::MAX`, so no value a plan may carry can wrap.
//! * **Lines keep their order.** Points never fall as the aged key gets
//!   older, so each line's order (the aged key) is unchanged and its head
//!   holds its most points: points are computed for the heads only, at the
//!   time of the choice, with no timer and no scan.
//! * **Across lines.** A freed agent (`matching::best_waiting`, pulls)
//!   takes the head with the lowest key (routing-profile priority, then
//!   more points first, then the aged key). A queue without aging (all
//!   zero), work outside the plan's queues, and every line without a plan
//!   count 0 points: among themselves the order is exactly as before.
//! * **Own groups.** A queue with aging keeps its work in groups of its
//!   own (its gate, `plan_hours::gate_of`), as a queue with hours or
//!   members does, so a line's queue, and so its points, is known.
//!
//! What aging does not change: the order within one line (so
//! `Engine::queue_position`, which counts the conversation's own line, stays
//! exact), which agent takes a conversation (the policy's rank), and the
//! order in which a tenant that had no room dispatches the groups it held
//! back (oldest head first).

use super::state::group::Group;
use super::state::index::ConvIdx;
use super::state::State;
use crate::model::{TimeSpan, Timestamp};
use crate::plan::compiled::CompiledPlan;
use crate::plan::profile::CProfile;
use crate::plan::PriorityAging;
use std::cmp::Reverse;

/// Milliseconds in the minute `per_minute` counts.
const MINUTE_MS: u128 = 60_000;

/// The order of a group's head for a freed agent (lowest first): the
/// routing profile's priority of its queue, more points first, then the
/// aged key.
pub(crate) type ChoiceKey = (u8, Reverse<u64>, (i64, u64));

/// The points of work whose aged key starts at `aged_since` (milliseconds,
/// possibly before the epoch) in a queue aging by `aging`, at `now`.
pub(crate) fn points(aging: PriorityAging, aged_since: i64, now: Timestamp) -> u64 {
    let waited = (i128::from(now.0) - i128::from(aged_since)).max(0) as u128;
    let total = u128::from(aging.base) + u128::from(aging.per_minute) * waited / MINUTE_MS;
    let capped = match aging.cap {
        0 => total,
        cap => total.min(u128::from(cap)),
    };
    u64::try_from(capped).unwrap_or(u64::MAX)
}

/// The aging of queue `q` of `plan`, `None` when it has none (all zero).
pub(crate) fn aging_of_queue(plan: &CompiledPlan, q: usize) -> Option<PriorityAging> {
    let aging = plan.queues.get(q)?.aging;
    (aging != PriorityAging::default()).then_some(aging)
}

/// The aging of the plan queue whose line `group` is, `None` without a
/// plan, outside its queues, or for a queue without aging.
pub(crate) fn aging_of(st: &State, group: &Group) -> Option<PriorityAging> {
    let plan = st.plan.as_deref()?;
    let q = super::plan_hours::queue_of_gate(st, group.key.gate)?;
    aging_of_queue(plan, q)
}

/// `group`'s head and its key at `now` (the command's time: the state's
/// clock moves only once the command is done) for a freed agent working
/// by `profile` (`None` when nobody waits in it). O(1) beside the line's
/// head.
pub(crate) fn head_choice(
    st: &State,
    now: Timestamp,
    head_start: TimeSpan,
    profile: Option<&CProfile>,
    group: &Group,
) -> Option<(ChoiceKey, ConvIdx)> {
    let (class, key, c) = group.waiting.head(head_start)?;
    // Without a profile, no call per group (the hot path).
    let priority = match profile {
        None => 0,
        Some(_) => super::profiles::priority(st, profile, group),
    };
    let aged = key.aged(class, head_start);
    let points = aging_of(st, group).map_or(0, |a| points(a, aged.0, now));
    Some(((priority, Reverse(points), aged), c))
}

#[cfg(test)]
mod tests {
    use super::*;

    const AGING: PriorityAging = PriorityAging {
        base: 10,
        per_minute: 6,
        cap: 40,
    };

    #[test]
    fn points_grow_by_the_rate_to_the_millisecond_then_stop_at_the_cap() {
        assert_eq!(points(AGING, 0, Timestamp(0)), 10);
        // One point per 10 s: 9 999 ms is still none.
        assert_eq!(points(AGING, 0, Timestamp(9_999)), 10);
        assert_eq!(points(AGING, 0, Timestamp(10_000)), 11);
        assert_eq!(points(AGING, 0, Timestamp(300_000)), 40);
        assert_eq!(points(AGING, 0, Timestamp(3_000_000)), 40);
    }

    #[test]
    fn a_zero_cap_means_no_cap_and_extremes_saturate() {
        let uncapped = PriorityAging { cap: 0, ..AGING };
        assert_eq!(points(uncapped, 0, Timestamp(3_000_000)), 310);
        let wild = PriorityAging {
            base: u32::MAX,
            per_minute: u32::MAX,
            cap: 0,
        };
        assert_eq!(points(wild, i64::MIN, Timestamp(u64::MAX)), u64::MAX);
        // Work whose aged key is in the future (a head start past now)
        // has waited nothing: the base.
        assert_eq!(points(AGING, 5_000, Timestamp(0)), 10);
    }
}
