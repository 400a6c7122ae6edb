//! An agent's cap per channel beside the total cap: at most N live
//! (offered or assigned) threads of a channel. Agent-level, like the total
//! cap: checked first (see the order in the module doc of `workload`), an
//! agent at a channel's cap leaves that channel's free indexes lazily, and
//! the end of one of their threads settles them again (as any capacity
//! they free does), so nothing waits on a list.

use crate::engine::cx::Cx;
use crate::engine::decision::Decision;
use crate::engine::state::index::AgentIdx;
use crate::engine::state::workload::NO_CAP;
use crate::model::Channel;

/// Sets `agent`'s cap on `channel`. Accepted whatever they hold: a lower
/// cap moves nothing, a higher one lets them take work at once.
pub(crate) fn set_cap(cx: &mut Cx<'_>, agent: AgentIdx, channel: Channel, max_live: Option<u32>) {
    let own = cx.st.own_rules_mut(agent);
    own.channel_caps[channel.index()] = max_live.unwrap_or(NO_CAP);
    let live = own.channel_live[channel.index()];
    let a = cx.st.agent_mut(agent);
    a.refresh_rules();
    let id = a.id;
    cx.emit(Decision::ChannelCapChanged {
        agent: id,
        channel,
        max_live,
        live,
    });
    cx.settle_later(agent);
}

/// The agent's caps as `(channel, cap)` pairs, for snapshots and queries.
pub(crate) fn caps(caps: &[u32; 8]) -> Vec<(Channel, u32)> {
    Channel::ALL
        .iter()
        .filter(|c| caps[c.index()] != NO_CAP)
        .map(|&c| (c, caps[c.index()]))
        .collect()
}
