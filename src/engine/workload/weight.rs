//! An agent's own weight per channel ([`Command::SetChannelWeight`]), in
//! place of the configuration's channel weight (Salesforce's and
//! TaskRouter's per-agent channel capacity: a senior agent's chat may
//! cost less than a trainee's). The global table stays the default; an
//! agent without their own weights costs exactly what they did.
//!
//! A thread holds its agent's weight while live, the parked share of it
//! while parked, and the wrap-up share of it in wrap-up, so changing the
//! weight re-weighs the agent's threads of the channel at once (bounded
//! by what the agent holds): nothing moves, and a load left above the cap
//! is tolerated like a lowered cap's (no new work until under it).
//!
//! [`Command::SetChannelWeight`]: crate::Command::SetChannelWeight

use crate::engine::cx::Cx;
use crate::engine::decision::Decision;
use crate::engine::error::EngineError;
use crate::engine::state::agent::Agent;
use crate::engine::state::conversation::Place;
use crate::engine::state::index::{AgentIdx, ConvIdx};
use crate::engine::validate::Step;
use crate::engine::EngineConfig;
use crate::model::{AgentId, Capacity, Channel};

/// Checks a [`Command::SetChannelWeight`](crate::Command::SetChannelWeight)
/// for the registered agent `agent` (`id`).
pub(crate) fn check(
    id: AgentId,
    agent: AgentIdx,
    channel: Channel,
    weight: Option<Capacity>,
) -> Result<Step, EngineError> {
    if let Some(w) = weight.filter(|&w| w == Capacity::ZERO || w > Capacity::MAX_CAP) {
        return Err(EngineError::InvalidChannelWeight {
            agent: id,
            channel,
            weight: w,
            max: Capacity::MAX_CAP,
        });
    }
    Ok(Step::SetChannelWeight {
        agent,
        channel,
        weight,
    })
}

/// What a live thread of `channel` costs `a`.
#[inline]
pub(crate) fn of(cfg: &EngineConfig, a: &Agent, channel: Channel) -> Capacity {
    a.weight_of(channel, cfg.weight(channel))
}

/// What a parked thread of `channel` costs `a`.
pub(crate) fn parked_of(cfg: &EngineConfig, a: &Agent, channel: Channel) -> Capacity {
    cfg.parked_share(channel, of(cfg, a, channel))
}

/// What `c` should hold on `agent` in its place now (for the audit and a
/// re-weigh): the agent's weight live, its parked share parked, its
/// wrap-up share in wrap-up, nothing elsewhere.
pub(crate) fn expected_held(
    cfg: &EngineConfig,
    a: &Agent,
    c: &crate::engine::state::conversation::Conv,
) -> Capacity {
    match c.place {
        Place::Offered { .. } | Place::Assigned { .. } => of(cfg, a, c.channel),
        Place::Parked { agent: Some(_) } => parked_of(cfg, a, c.channel),
        Place::Resolved { .. } if c.wrapping => cfg
            .workload
            .wrap_up(c.channel)
            .map_or(Capacity::ZERO, |rule| {
                super::wrapup::hold_of(of(cfg, a, c.channel), rule.hold_permille)
            }),
        _ => Capacity::ZERO,
    }
}

/// Sets `agent`'s own weight for `channel` (`None`: the channel's) and
/// re-weighs their threads of it.
pub(crate) fn set_weight(
    cx: &mut Cx<'_>,
    agent: AgentIdx,
    channel: Channel,
    weight: Option<Capacity>,
) {
    cx.st.own_rules_mut(agent).weights[channel.index()] = weight.map_or(0, |w| w.0);
    cx.st.agent_mut(agent).refresh_rules();
    let a = cx.st.agent(agent);
    let held: Vec<ConvIdx> = a
        .inbox
        .iter()
        .chain(a.parked.iter(&cx.st.parked_pool).map(|(_, c)| c))
        .chain(a.wrapups.iter(&cx.st.wrapup_pool).map(|(_, c)| c))
        .collect();
    // Bounded by the agent's threads (their inbox, parked set and
    // wrap-ups), each visited once.
    for c in held {
        if cx.st.conv(c).channel != channel {
            continue;
        }
        let new = expected_held(cx.cfg, cx.st.agent(agent), cx.st.conv(c));
        let conv = cx.st.conv_mut(c);
        let old = std::mem::replace(&mut conv.held, new);
        let a = cx.st.agent_mut(agent);
        // Both within `MAX_CAP` per thread and the agent's threads
        // bounded, so the sums stay far below `u32::MAX`.
        a.load.0 = a.load.0 - old.0 + new.0;
        let slot = &mut a.channel_load[channel.index()];
        *slot = *slot - old.0.min(*slot) + new.0;
    }
    let a = cx.st.agent_mut(agent);
    // A load above the cap is tolerated as after a lowered cap.
    a.over_cap_allowance = if a.load > a.cap {
        a.over_cap_allowance.max(a.load)
    } else {
        Capacity::ZERO
    };
    a.high_water = a.high_water.max(a.load);
    let (id, load, cap) = (a.id, a.load, a.cap);
    cx.emit(Decision::ChannelWeightChanged {
        agent: id,
        channel,
        weight,
        load,
        cap,
    });
    cx.touch(agent);
    cx.settle_later(agent);
}

/// The agent's own weights as `(channel, weight)` pairs, for snapshots and
/// queries.
pub(crate) fn own(weights: &[u32; 8]) -> Vec<(Channel, Capacity)> {
    Channel::ALL
        .iter()
        .filter(|c| weights[c.index()] != 0)
        .map(|&c| (c, Capacity(weights[c.index()])))
        .collect()
}
