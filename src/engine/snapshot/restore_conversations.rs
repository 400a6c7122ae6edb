//! Restoring the conversations, and every list derived from their places.

use super::RestoreError;
use crate::engine::state::conv_wire::ConvWire;
use crate::engine::state::conversation::Place;
use crate::engine::state::index::{AgentIdx, ConvIdx};
use crate::engine::state::State;
use crate::engine::EngineConfig;
use crate::model::{Capacity, CustomerId};

/// Conversations, and every list derived from their places: lines, inboxes,
/// parked sets, own queues and the customers' open lists.
pub(super) fn restore_conversations(
    st: &mut State,
    config: &EngineConfig,
    conversations: Vec<ConvWire>,
) -> Result<(), RestoreError> {
    let agents = st.agents.len();
    let mut opens: Vec<(u64, CustomerId, ConvIdx)> = Vec::new();
    for conv in conversations {
        let sticky = conv.sticky_agent;
        let (conv, side) = conv.into_parts().ok_or(RestoreError::Corrupt(
            "a conversation's resolution time does not match its place",
        ))?;
        let (customer, wrap_up) = (side.customer, side.wrap_up);
        let extra = side
            .plan
            .as_deref()
            .and_then(|p| p.route.as_ref())
            .map_or(&[][..], |r| &r.extra[..]);
        let c =
            ConvIdx::new(st.convs.len()).ok_or(RestoreError::Corrupt("too many conversations"))?;
        let agent_ok = |a: Option<AgentIdx>| a.is_none_or(|a| a.get() < agents);
        if st.groups.get(conv.group.get()).is_none_or(|g| g.vacant)
            || !agent_ok(conv.place.agent())
            || !agent_ok(sticky)
            || !agent_ok(wrap_up.map(|w| w.agent))
            || conv.held > Capacity::MAX_CAP
        {
            return Err(RestoreError::Corrupt(
                "a conversation points at no group or agent",
            ));
        }
        if st.conv_ids.insert(conv.id, c).is_some() {
            return Err(RestoreError::Corrupt("a conversation appears twice"));
        }
        let repeated = extra
            .iter()
            .enumerate()
            .any(|(i, g)| *g == conv.group || extra[..i].contains(g));
        if repeated
            || extra
                .iter()
                .any(|g| st.groups.get(g.get()).is_none_or(|g| g.vacant))
        {
            return Err(RestoreError::Corrupt(
                "a conversation's overflow line points at no group",
            ));
        }
        match conv.place {
            Place::Queued => {
                st.line_insert(
                    conv.group,
                    conv.class(),
                    conv.line_key(),
                    c,
                    config.class_head_start,
                );
                for &g in extra {
                    st.line_insert(g, conv.class(), conv.line_key(), c, config.class_head_start);
                }
            }
            Place::WaitingFor { agent, own } => {
                let key = conv.personal_key(own, config);
                st.personal_insert(agent, key, c);
            }
            Place::Parked { agent: Some(agent) } => {
                st.parked_insert(agent, conv.id, c);
            }
            _ => {}
        }
        if let Some(w) = wrap_up {
            st.wrapup_insert(w.agent, conv.id, c);
        }
        if !matches!(conv.place, Place::Resolved { .. }) {
            opens.push((conv.seq, customer, c));
        }
        if st.customers.len() >= u32::MAX as usize - 1 {
            return Err(RestoreError::Corrupt("too many customers"));
        }
        let mut conv = conv;
        conv.who = st.ensure_customer(customer);
        st.customer_holds(conv.who);
        st.hold_group(conv.group);
        let live = conv.place.live_agent();
        st.convs.push(Some(conv));
        if let Some(w) = wrap_up {
            st.wraps.insert(c, w);
        }
        st.conv_plans.set(c, side.plan);
        st.affinities.set(c, side.preferred);
        if let Some(agent) = live {
            crate::engine::state::inbox::add(st, agent, c);
        }
    }
    // Opening order is arrival order.
    opens.sort_unstable();
    for (_, customer, c) in opens {
        let k = st.ensure_customer(customer);
        st.open_push(k, c);
    }
    Ok(())
}
