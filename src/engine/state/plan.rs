//! What the engine keeps per conversation for routing plans: its
//! attributes, the skills its command named, and where it stands on its
//! route's ladder. Boxed beside the conversation (`State::conv_plans`, by
//! slot: `slot_boxes.rs`), absent for a conversation opened without
//! attributes while no plan is loaded, so such a conversation costs and
//! behaves exactly as before plans existed.

use super::index::{ConvIdx, GroupIdx};
use super::State;
use crate::engine::EngineConfig;
use crate::model::TimeSpan;
use crate::model::{Level, SkillId, SkillRequirement};
use crate::plan::Attributes;
use serde::{Deserialize, Serialize};

/// A conversation's plan state.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct ConvPlan {
    /// Its attributes (what route conditions read).
    pub attrs: Attributes,
    /// The skills its command named, sorted: hard requirements added to
    /// every queue it waits in, and its whole requirement without a plan.
    pub explicit: Vec<SkillRequirement>,
    /// Where it stands on a route; `None` without a plan (or after a
    /// manual transfer took it off the plan).
    pub route: Option<RouteState>,
    /// The first-response target of its route's queue, in milliseconds,
    /// fixed when its first-response clock started (`None`: the engine's).
    #[serde(default)]
    pub sla_target_ms: Option<u64>,
    /// The plan queue whose pool it was last taken from (new work), by
    /// index in the plan in force: while it is live it counts on that
    /// queue's cap (`workload/queue_cap.rs`). Kept while it is parked or
    /// in wrap-up, so that it counts there again when it comes back.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub live_queue: Option<u16>,
}

/// A conversation's place on its route's ladder.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct RouteState {
    /// The route's index in the compiled plan.
    pub route: u16,
    /// The next step to enter (`steps.len()` once all are entered).
    pub next_step: u16,
    /// The queues it waits in, the first its own, the rest overflow;
    /// at most `MAX_ACTIVE_QUEUES`.
    pub queues: Vec<u16>,
    /// Soft skills relaxed so far: `None` dropped, `Some` lowered to.
    /// Sorted by skill, each once; at most the plan's steps' actions.
    pub relaxed: Vec<(SkillId, Option<Level>)>,
    /// The groups of the overflow queues and of its queues' routing-profile
    /// tiers reached, in which it waits too while queued (its own queue's
    /// group is `Conv::group`); at most `MAX_POOL_GROUPS - 1`.
    pub extra: Vec<GroupIdx>,
    /// Generation of its step timer: a timer of another generation is
    /// void.
    pub timer_gen: u32,
    /// Its time to live was reached (the terminal action was taken).
    pub ttl_done: bool,
    /// The age (ms) its routing-profile tiers were last computed at: it
    /// waits in the tier groups of its queues whose delay is at most this
    /// (`engine/profiles.rs`). 0 while the plan has no profiles.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub profile_age: u64,
}

fn is_zero(v: &u64) -> bool {
    *v == 0
}

impl RouteState {
    /// The level `skill` is relaxed to (`Some(None)`: dropped), if relaxed.
    pub(crate) fn relaxed(&self, skill: SkillId) -> Option<Option<Level>> {
        self.relaxed
            .binary_search_by_key(&skill, |r| r.0)
            .ok()
            .map(|i| self.relaxed[i].1)
    }

    /// Records that `skill` is relaxed to `to` (`None`: dropped).
    pub(crate) fn relax(&mut self, skill: SkillId, to: Option<Level>) {
        match self.relaxed.binary_search_by_key(&skill, |r| r.0) {
            Ok(i) => self.relaxed[i].1 = to,
            Err(i) => self.relaxed.insert(i, (skill, to)),
        }
    }
}

impl State {
    /// `c`'s plan state, if it has one.
    #[inline]
    pub(crate) fn conv_plan(&self, c: ConvIdx) -> Option<&ConvPlan> {
        self.conv_plans.get(c)
    }

    /// `c`'s plan state, if it has one, to change.
    #[inline]
    pub(crate) fn conv_plan_mut(&mut self, c: ConvIdx) -> Option<&mut ConvPlan> {
        self.conv_plans.get_mut(c)
    }

    /// `c`'s route state, if it is on a route.
    #[inline]
    pub(crate) fn conv_route(&self, c: ConvIdx) -> Option<&RouteState> {
        self.conv_plan(c)?.route.as_ref()
    }

    /// `c`'s first-response target: its queue's when its route's queue
    /// names one, else the engine's.
    pub(crate) fn response_target(&self, c: ConvIdx, config: &EngineConfig) -> TimeSpan {
        self.conv_plan(c)
            .and_then(|p| p.sla_target_ms)
            .map_or(config.response_target, TimeSpan::from_millis)
    }

    /// When, after `c`'s first-response clock starts, its warning is due:
    /// the engine's share of its target.
    pub(crate) fn warn_after(&self, c: ConvIdx, config: &EngineConfig) -> TimeSpan {
        TimeSpan(
            self.response_target(c, config)
                .0
                .saturating_mul(u64::from(config.warn_at_permille))
                / 1000,
        )
    }

    /// `c`'s first-response deadline while no human has answered and it
    /// is with humans (`Conv::deadline_after`).
    pub(crate) fn response_deadline(
        &self,
        c: ConvIdx,
        config: &EngineConfig,
    ) -> Option<crate::model::Timestamp> {
        self.conv(c)
            .deadline_after(|| self.response_target(c, config))
    }

    /// The overflow groups `c` waits in too while queued (none without a
    /// plan).
    pub(crate) fn extra_groups(&self, c: ConvIdx) -> &[GroupIdx] {
        self.conv_route(c).map_or(&[], |r| &r.extra[..])
    }
}
