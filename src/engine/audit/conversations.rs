//! The audit's conversation phase: each conversation is listed in
//! exactly the places its state names, holds the capacity its state
//! costs, is in its customer's open list while open, and has the timers
//! its state needs pending (SLA alerts, wrap-up end, no-answer, offer
//! expiry, known-agent wait, its plan's steps).

use super::{stray, AuditReport, AuditViolation, Tally};
use crate::engine::plan_audit::TimerKeys;
use crate::engine::state::conversation::Place;
use crate::engine::state::index::ConvIdx;
use crate::engine::state::timers::TimerKind;
use crate::engine::Engine;
use crate::model::{Capacity, StateKind};
use std::collections::HashSet;

/// What the conversation phase counted, for the totals checked after it.
pub(super) struct Counted {
    /// Conversations per state.
    pub(super) report: AuditReport,
    /// Conversation slots in use.
    pub(super) live: usize,
    /// Conversations in wrap-up.
    pub(super) wrapping: u64,
}

impl Engine {
    /// Checks every conversation against `tally.found` (the places that
    /// list it), adding what each holds to its agent's `tally.recount`.
    /// `timers` are the pending timers, `stays` the same without their time.
    pub(super) fn audit_conversations(
        &self,
        tally: &mut Tally,
        timers: &TimerKeys,
        stays: &HashSet<(u64, TimerKind, u32, u64)>,
    ) -> Result<Counted, AuditViolation> {
        let st = &self.state;
        let cfg = &self.config;
        let (found, recount) = (&tally.found, &mut tally.recount);
        let mut report = AuditReport {
            agents: st.agents.len(),
            queues: st.live_groups(),
            ..AuditReport::default()
        };
        let (mut live, mut wrapping) = (0usize, 0u64);
        for (i, slot) in st.convs.iter().enumerate() {
            let Some(v) = slot else { continue };
            let c = ConvIdx::new(i).expect("slot");
            live += 1;
            wrapping += u64::from(v.wrapping);
            if st.conv_ids.get(&v.id).map(|c| c.get()) != Some(i) {
                return Err(stray(st, ConvIdx::new(i).expect("slot"), "the id map"));
            }
            let (expected_places, detail, held) = match v.place {
                Place::Resolved { .. } if v.wrapping => (
                    1,
                    "its agent's wrap-ups",
                    crate::engine::workload::wrapup::expected_hold(
                        cfg,
                        st,
                        ConvIdx::new(i).expect("slot"),
                    )
                    .unwrap_or(Capacity::MAX_CAP),
                ),
                Place::Bot | Place::Resolved { .. } | Place::Parked { agent: None } => {
                    (0, "none", Capacity::ZERO)
                }
                // A routing plan's overflow: one line per queue it waits in.
                Place::Queued => (
                    1 + st.extra_groups(c).len(),
                    "its skill group's line and its overflow lines",
                    Capacity::ZERO,
                ),
                Place::WaitingFor { .. } => (1, "its agent's own queue", Capacity::ZERO),
                // What the thread costs its agent (their own weight for
                // the channel, if any).
                Place::Offered { agent, .. } | Place::Assigned { agent } => (
                    1,
                    "its agent's inbox",
                    (st.agents.get(agent.get())).map_or(cfg.weight(v.channel), |a| {
                        crate::engine::workload::weight::of(cfg, a, v.channel)
                    }),
                ),
                Place::Parked { agent: Some(agent) } => (
                    1,
                    "its agent's parked set",
                    (st.agents.get(agent.get())).map_or(cfg.parked_weight(v.channel), |a| {
                        crate::engine::workload::weight::parked_of(cfg, a, v.channel)
                    }),
                ),
            };
            match v.place.kind() {
                StateKind::Bot => report.bot += 1,
                StateKind::Queued => report.queued += 1,
                StateKind::Offered => report.offered += 1,
                StateKind::Assigned => report.assigned += 1,
                StateKind::Parked => report.parked += 1,
                _ => report.resolved += 1,
            }
            let channel_ok = st
                .groups
                .get(v.group.get())
                .is_some_and(|g| g.key.channel == v.channel);
            if found[i] != expected_places || !channel_ok {
                return Err(AuditViolation::Misplaced {
                    conversation: v.id,
                    state: v.place.kind(),
                    found: found[i],
                    detail,
                });
            }
            if v.held != held {
                return Err(AuditViolation::HeldMismatch {
                    conversation: v.id,
                    held: v.held,
                    expected: held,
                });
            }
            if let (Some(agent), false) =
                (v.place.agent(), matches!(v.place, Place::WaitingFor { .. }))
            {
                recount[agent.get()].0 += held.0;
            }
            let rule = cfg.workload.no_answer.as_ref();
            if crate::engine::workload::no_answer::expects_timer(rule, v)
                && !stays.contains(&(v.id.0, TimerKind::NoAnswer, v.stay, v.seq))
            {
                return Err(AuditViolation::MissingAlert {
                    conversation: v.id,
                    kind: "no-answer",
                });
            }
            if let Some(w) = v
                .wrapping
                .then(|| st.wraps.get(&ConvIdx::new(i).expect("slot")))
                .flatten()
            {
                if !matches!(v.place, Place::Resolved { .. }) {
                    return Err(AuditViolation::Misplaced {
                        conversation: v.id,
                        state: v.place.kind(),
                        found: found[i],
                        detail: "in wrap-up but not resolved",
                    });
                }
                recount[w.agent.get()].0 += held.0;
                if !timers.contains(&(v.id.0, TimerKind::WrapUpEnd, v.stay, w.until.0, v.seq)) {
                    return Err(AuditViolation::MissingAlert {
                        conversation: v.id,
                        kind: "wrap-up end",
                    });
                }
            }
            let open = !matches!(v.place, Place::Resolved { .. });
            let listed = st
                .customers
                .get(v.who.get())
                .is_some_and(|k| !k.vacant && k.open.iter(&st.open_pool).any(|c| c.get() == i));
            if open != listed {
                return Err(AuditViolation::OpenListMismatch { conversation: v.id });
            }
            // A parked thread still without a first response keeps its
            // alerts: it resumes with the same SLA generation.
            let parked_waiting =
                v.first_response_at().is_none() && matches!(v.place, Place::Parked { .. });
            let deadline = st.response_deadline(c, cfg).or_else(|| {
                parked_waiting
                    .then_some(v.sla_start())
                    .flatten()
                    .map(|start| start + st.response_target(c, cfg))
            });
            if let (Some(deadline), Some(start)) = (deadline, v.sla_start()) {
                let warn_at = start + st.warn_after(c, cfg);
                let armed = |kind, at: crate::model::Timestamp| {
                    timers.contains(&(v.id.0, kind, v.sla_gen, at.0, v.seq))
                };
                if st.clock < warn_at && !armed(TimerKind::SlaWarning, warn_at) {
                    return Err(AuditViolation::MissingAlert {
                        conversation: v.id,
                        kind: "warning",
                    });
                }
                // The warning arms the breach when it fires.
                let pending =
                    armed(TimerKind::SlaWarning, warn_at) || armed(TimerKind::SlaBreach, deadline);
                if st.clock < deadline && !pending {
                    return Err(AuditViolation::MissingAlert {
                        conversation: v.id,
                        kind: "breach",
                    });
                }
            }
            // A known-agent wait and an offer each end by a timer of their
            // stay, or they would wait (or hold capacity) forever.
            let ends = match v.place {
                Place::WaitingFor { own: false, .. } => {
                    Some((TimerKind::StickyWait, None, "known-agent wait"))
                }
                Place::Offered { expires_at, .. } => {
                    Some((TimerKind::OfferExpiry, Some(expires_at.0), "offer expiry"))
                }
                _ => None,
            };
            self.audit_plan_of(c, v, timers)?;
            crate::engine::preferred::audit_of(v, st.affinities.get(c))?;
            if let Some((kind, at, what)) = ends {
                let armed = match at {
                    Some(at) => timers.contains(&(v.id.0, kind, v.stay, at, v.seq)),
                    None => stays.contains(&(v.id.0, kind, v.stay, v.seq)),
                };
                if !armed {
                    return Err(AuditViolation::MissingAlert {
                        conversation: v.id,
                        kind: what,
                    });
                }
            }
        }
        Ok(Counted {
            report,
            live,
            wrapping,
        })
    }
}
