//! The audit's group phase: each skill group's line lists only
//! conversations queued there, under the key their fields give, its trees
//! and counts hold, every member's slot and free-index entry match their
//! room, and no conversation waits while a member with room could take it
//! (work conservation). Then every node of the lines' pool is in a line
//! or free.

use super::{conv_at, stray, AuditViolation};
use crate::engine::state::conversation::Place;
use crate::engine::state::State;
use crate::engine::EngineConfig;

/// Checks every group, counting in `found` the lines that list each
/// conversation.
pub(super) fn check(
    st: &State,
    cfg: &EngineConfig,
    found: &mut [usize],
) -> Result<(), AuditViolation> {
    let mut lined = 0u64;
    for (g, group) in st.groups.iter().enumerate() {
        for (class, key, c) in group.waiting.iter(&st.line_pool) {
            let ok = conv_at(st, c).is_some_and(|v| {
                v.place == Place::Queued
                    && (v.group.get() == g || st.extra_groups(c).iter().any(|x| x.get() == g))
                    && v.class() == class
                    && v.line_key() == key
            });
            if !ok {
                return Err(stray(st, c, "a skill group's line"));
            }
            found[c.get()] += 1;
        }
        // The line's trees in order, its class heads and length
        // (`line_pool.rs`).
        let tree = |what| AuditViolation::StatisticMismatch {
            what,
            kept: 0,
            recounted: 1,
        };
        group.waiting.check(&st.line_pool).map_err(tree)?;
        lined += u64::from(group.waiting.len());
        let head = group.waiting.head(cfg.class_head_start);
        let (mut online, mut with_room) = (0u64, 0u64);
        for (p, &m) in group.members.iter().enumerate() {
            let a = st.agent(m);
            let gi = crate::engine::state::index::GroupIdx::new(g).expect("group slot");
            let over = cfg.workload.over(group.key.channel);
            let slot = a.slot(gi);
            // A windowed skill outside its window: a member taking
            // nothing, unlisted and uncounted (skill_windows.rs).
            let dormant = slot.is_some_and(|s| s.dormant);
            let takes = a.takes(gi, a.weight_of(group.key.channel, group.weight), over)
                && !a.held_beside(group.key.channel)
                && !dormant;
            online += u64::from(a.status.accepts_work() && !dormant);
            with_room += u64::from(takes);
            if slot.map(|s| (s.position as usize, s.room)) != Some((p, takes))
                || (dormant && group.free.rank_of(p as u32).is_some())
            {
                return Err(AuditViolation::StaleIndex { agent: a.id });
            }
            let pending = slot.is_some_and(|s| s.pending);
            if pending != group.pending.contains(&m) {
                return Err(AuditViolation::StaleIndex { agent: a.id });
            }
            // An agent marked in every group under a status that takes
            // no work (whom `relist` marks no more): each group still
            // holds the mark or has unlisted them.
            if a.closed_marked
                && (a.status.accepts_work() || (!pending && group.free.rank_of(p as u32).is_some()))
            {
                return Err(AuditViolation::StaleIndex { agent: a.id });
            }
            // An agent a level above held back may be out of the index:
            // that level settles them when it has room.
            let held_back = a.gated != 0;
            if takes && !pending && !held_back && group.free.rank_of(p as u32).is_none() {
                return Err(AuditViolation::StaleIndex { agent: a.id });
            }
            // A queue at its cap holds its line back (queue_cap.rs).
            let above_open = crate::engine::workload::gate::above(st, m, gi).is_none();
            // A closed queue's line waits for its hours (plan_hours.rs).
            if let (true, true, false, Some((_, _, c))) = (takes, above_open, group.closed, head) {
                return Err(AuditViolation::NotWorkConserving {
                    conversation: st.conv(c).id,
                    agent: a.id,
                });
            }
        }
        for (what, kept, recounted) in [
            ("agents online", u64::from(group.online), online),
            ("agents with room", u64::from(group.with_room), with_room),
            (
                "waiting",
                u64::from(group.waiting.len()),
                group.waiting.iter(&st.line_pool).count() as u64,
            ),
        ] {
            if kept != recounted {
                return Err(AuditViolation::StatisticMismatch {
                    what,
                    kept,
                    recounted,
                });
            }
        }
    }
    // Every live line node in some line, every other one free.
    let pool = &st.line_pool;
    if lined != u64::from(pool.live()) || pool.check_free().is_err() {
        return Err(AuditViolation::StatisticMismatch {
            what: "waiting-line nodes",
            kept: pool.live().into(),
            recounted: lined,
        });
    }
    Ok(())
}
