//! The audit's agent-side phases: each agent's inbox, parked set, own
//! queue and wrap-ups list only their own conversations, in the right
//! place (an offline agent holds none); and, once every conversation was
//! recounted, each agent's load equals what their threads hold and stays
//! within their cap.

use super::{conv_at, stray, AuditViolation};
use crate::engine::state::conversation::Place;
use crate::engine::state::index::ConvIdx;
use crate::engine::state::State;
use crate::engine::EngineConfig;
use crate::model::{AgentStatus, Capacity, ConversationId};

/// Checks every agent's lists, counting in `found` the places that list
/// each conversation.
pub(super) fn check_lists(
    st: &State,
    cfg: &EngineConfig,
    found: &mut [usize],
) -> Result<(), AuditViolation> {
    for (i, a) in st.agents.iter().enumerate() {
        let offline = a.status == AgentStatus::Offline;
        let here = |p: Place| p.agent().map(|x| x.get()) == Some(i);
        for (at, c) in a.inbox.positions() {
            let ok = conv_at(st, c).is_some_and(|v| {
                here(v.place) && v.place.live_agent().is_some() && v.inbox_at as usize == at
            });
            if !ok {
                return Err(stray(st, c, "an inbox"));
            }
            found[c.get()] += 1;
        }
        for (id, c) in a.parked.iter(&st.parked_pool) {
            let ok = conv_at(st, c).is_some_and(|v| {
                v.id == id && matches!(v.place, Place::Parked { .. }) && here(v.place)
            });
            if !ok {
                return Err(stray(st, c, "a parked set"));
            }
            found[c.get()] += 1;
        }
        for (key, c) in a.personal.iter(&st.personal_pool) {
            let ok = conv_at(st, c).is_some_and(|v| match v.place {
                Place::WaitingFor { own, .. } => here(v.place) && v.personal_key(own, cfg) == key,
                _ => false,
            });
            if !ok {
                return Err(stray(st, c, "an agent's own queue"));
            }
            found[c.get()] += 1;
        }
        for (id, c) in a.wrapups.iter(&st.wrapup_pool) {
            let ok = conv_at(st, c).is_some_and(|v| {
                v.id == id
                    && matches!(v.place, Place::Resolved { .. })
                    && st.wrap_of(c).is_some_and(|w| w.agent.get() == i)
            });
            if !ok {
                return Err(stray(st, c, "an agent's wrap-ups"));
            }
            found[c.get()] += 1;
        }
        if offline {
            let first = |c: ConvIdx| conv_at(st, c).map(|v| v.inbox_key());
            let any = a
                .inbox
                .first_by(first)
                .or(a.parked.first(&st.parked_pool).map(|e| e.1))
                .or(a.personal.first(&st.personal_pool).map(|e| e.1))
                .or(a.wrapups.first(&st.wrapup_pool).map(|e| e.1));
            if let Some(c) = any {
                return Err(AuditViolation::OfflineAgentHoldsWork {
                    agent: a.id,
                    conversation: conv_at(st, c).map_or(ConversationId(u64::MAX), |v| v.id),
                });
            }
        }
    }
    Ok(())
}

/// Checks each agent's load against `recount` (what their threads hold)
/// and their cap.
pub(super) fn check_loads(st: &State, recount: &[Capacity]) -> Result<(), AuditViolation> {
    for (i, a) in st.agents.iter().enumerate() {
        // Above the cap only by what a lowered cap found, which is zero
        // again once the load is under the cap.
        let stale_allowance = a.load <= a.cap && a.over_cap_allowance != Capacity::ZERO;
        // An agent's own pulls may fill them up to their pull maximum.
        if a.load > a.ceiling().max(a.over_cap_allowance) || stale_allowance {
            return Err(AuditViolation::CapExceeded {
                agent: a.id,
                load: a.load,
                cap: a.cap,
            });
        }
        if a.load != recount[i] {
            return Err(AuditViolation::LoadMismatch {
                agent: a.id,
                recorded: a.load,
                recounted: recount[i],
            });
        }
    }
    Ok(())
}
