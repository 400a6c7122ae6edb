//! The purge of conversations resolved before a cut (`Command::Purge`),
//! and of the groups and customers they were the last to hold. Apart: the
//! one step that removes state rather than moving it, so that a tenant's
//! memory is bounded by its retention.

use super::super::cx::Cx;
use super::super::decision::Decision;
use crate::model::{TimeSpan, Timestamp};

/// Forgets conversations resolved before `before` (see `Command::Purge`).
/// A resolved conversation sits in no line, inbox or timer that matters
/// (its timers are void), so removing it breaks no invariant.
pub(super) fn purge(cx: &mut Cx<'_>, before: Timestamp) {
    let mut purged = 0u64;
    let mut released = Vec::new();
    // Only the conversations resolved before the cut, in slot order, as a
    // visit of every slot would find them (`state::conv_expiry`).
    for c in cx.st.purgeable(before) {
        if let Some(conv) = cx.st.convs[c.get()].take() {
            cx.st.conv_ids.remove(&conv.id);
            cx.st.forget_sides(c);
            cx.st.customer_releases(conv.who);
            released.push(conv.group);
            cx.st.free_slots.push(c);
            purged += 1;
        }
    }
    // Member-less groups the purged were the last to point at go, in
    // group order: the slots' order differs after a restore, and the free
    // list's order must not.
    if !released.is_sorted() {
        released.sort_unstable();
    }
    for g in released {
        cx.st.release_group(g);
    }
    // Customers left with no conversation and no live stickiness go too,
    // so a tenant's memory is bounded by its retention, not its history.
    let now = cx.st.clock.max(cx.at);
    // The longest affinity window any channel has keeps a customer.
    let window = (cx.cfg.workload.affinity_windows.values().copied())
        .fold(cx.cfg.affinity_window, TimeSpan::max);
    cx.st.forget_customers(now, window);
    cx.emit(Decision::Purged {
        conversations: purged,
    });
}
