//! An agent's load: the capacity a thread takes on (`reserve`) and gives
//! back (`release`), with the allowance over a lowered cap and the high
//! water mark. Apart from the places: every transition that moves a thread
//! on or off an agent goes through these two, and only they write a load.

use super::super::cx::Cx;
use super::super::state::index::AgentIdx;
use crate::model::{Capacity, Channel};

/// Adds `amount` of a thread of `channel` to `agent`'s load. The caller
/// checked that it fits. Returns the load and cap after.
// Always: once per assignment, and a hint left it out of line.
#[inline(always)]
pub(crate) fn reserve(
    cx: &mut Cx<'_>,
    agent: AgentIdx,
    channel: Channel,
    amount: Capacity,
) -> (Capacity, Capacity) {
    let over = cx.cfg.workload.over(channel);
    let a = cx.st.agent_mut(agent);
    // A pull may go past the cap, up to the agent's pull maximum; an
    // interrupting channel beside the load of the channels it interrupts.
    debug_assert!(
        u64::from(a.load.0) + u64::from(amount.0) <= u64::from(a.ceiling().0)
            || (over != 0 && a.fits_over(amount, over)),
        "reserved past the cap"
    );
    a.load.0 += amount.0;
    a.channel_load[channel.index()] += amount.0;
    if over != 0 && a.load > a.ceiling() {
        // Over the cap by interrupting: tolerated like a lowered cap, no
        // other work until the load is back under it.
        a.over_cap_allowance = a.over_cap_allowance.max(a.load);
        cx.st.stats.interruptions += 1;
    }
    let a = cx.st.agent_mut(agent);
    a.high_water = a.high_water.max(a.load);
    let after = (a.load, a.cap);
    cx.touch(agent);
    after
}

/// Gives back `amount` of a thread of `channel` from `agent`'s load.
/// Returns the load and cap after.
#[inline]
pub(crate) fn release(
    cx: &mut Cx<'_>,
    agent: AgentIdx,
    channel: Channel,
    amount: Capacity,
) -> (Capacity, Capacity) {
    let a = cx.st.agent_mut(agent);
    debug_assert!(a.load >= amount, "released more than held");
    a.load.0 = a.load.0.saturating_sub(amount.0);
    let held = &mut a.channel_load[channel.index()];
    *held = held.saturating_sub(amount.0);
    // A cap lowered below the load takes effect as threads end.
    a.over_cap_allowance = if a.load <= a.cap {
        Capacity::ZERO
    } else {
        a.over_cap_allowance.min(a.load)
    };
    let after = (a.load, a.cap);
    cx.touch(agent);
    after
}
