//! The audit's totals: every node of the open lists' pool and of the
//! agents' pooled sets (parked, own queue, wrap-ups) is in one list or
//! free, the open conversations the customers list equal those counted
//! by state, and the wrap-up and side-table counts hold.

use super::conversations::Counted;
use super::AuditViolation;
use crate::engine::state::State;

/// Checks the pools and totals against what the conversation phase counted.
pub(super) fn check(st: &State, counted: &Counted) -> Result<(), AuditViolation> {
    let (report, live) = (&counted.report, counted.live);
    let open_total: usize = st.customers.iter().map(|k| k.open.len(&st.open_pool)).sum();
    // Every node of the open lists' pool in one list or free.
    let beyond = open_total - st.customers.iter().filter(|k| !k.open.is_empty()).count();
    if beyond != st.open_pool.live() as usize || st.open_pool.check_free().is_err() {
        return Err(AuditViolation::StatisticMismatch {
            what: "open-list nodes",
            kept: st.open_pool.live().into(),
            recounted: beyond as u64,
        });
    }
    // Each agent's parked set, own queue and wrap-ups well formed, and every node
    // of their pools in one set or free (`pooled_set.rs`).
    let (parked, personal) = (&st.parked_pool, &st.personal_pool);
    let wrapup = &st.wrapup_pool;
    let sum = |sets: &mut dyn Iterator<Item = (usize, bool)>| {
        sets.fold((0u64, false), |(n, bad), (len, ok)| {
            (n + len as u64, bad || !ok)
        })
    };
    let parked_sets =
        sum(&mut (st.agents.iter()).map(|a| (a.parked.len(), a.parked.check(parked).is_ok())));
    let personal_sets = sum(
        &mut (st.agents.iter()).map(|a| (a.personal.len(), a.personal.check(personal).is_ok()))
    );
    let wrapup_sets =
        sum(&mut (st.agents.iter()).map(|a| (a.wrapups.len(), a.wrapups.check(wrapup).is_ok())));
    for (what, kept, (in_sets, broken), free) in [
        (
            "parked-set nodes",
            parked.live(),
            parked_sets,
            parked.check_free(),
        ),
        (
            "own-queue nodes",
            personal.live(),
            personal_sets,
            personal.check_free(),
        ),
        (
            "wrap-up set nodes",
            wrapup.live(),
            wrapup_sets,
            wrapup.check_free(),
        ),
    ] {
        if broken || free.is_err() || in_sets != u64::from(kept) {
            return Err(AuditViolation::StatisticMismatch {
                what,
                kept: kept.into(),
                recounted: in_sets,
            });
        }
    }
    let open_recount =
        report.bot + report.queued + report.offered + report.assigned + report.parked;
    if open_total != open_recount || live != st.conv_ids.len() {
        return Err(AuditViolation::StatisticMismatch {
            what: "open conversations",
            kept: open_total as u64,
            recounted: open_recount as u64,
        });
    }
    st.check_wraps(counted.wrapping)
        .and_then(|()| st.check_sides())
        .map_err(
            |(what, kept, recounted)| AuditViolation::StatisticMismatch {
                what,
                kept,
                recounted,
            },
        )?;
    Ok(())
}
