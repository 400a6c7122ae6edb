//! A conversation's snapshot form. The record in memory ([`Conv`]) is
//! laid out for the engine (optional instants packed, fields in any
//! order); snapshots keep the format's field order and types, so this
//! private struct is built from the record on encode and turned back into
//! one on decode, and snapshots stay byte for byte what they were.

use super::conversation::{Conv, Place, When};
use super::index::{AgentIdx, GroupIdx};
use super::workload::WrapHold;
use crate::model::{Capacity, Channel, ConversationId, CustomerId, Priority, Timestamp};
use serde::{Deserialize, Serialize};

/// One conversation in a snapshot, field for field as the format has it.
/// Named `Conv` for serde, as the record was when it was serialised
/// itself.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename = "Conv")]
pub(crate) struct ConvWire {
    pub id: ConversationId,
    customer: CustomerId,
    channel: Channel,
    group: GroupIdx,
    base_priority: Priority,
    priority: Priority,
    place: Place,
    opened_at: Timestamp,
    waiting_since: Timestamp,
    last_customer_message: Timestamp,
    last_agent_message: Option<Timestamp>,
    first_response_at: Option<Timestamp>,
    sla_start: Option<Timestamp>,
    resolved_at: Option<Timestamp>,
    park_due: Option<Timestamp>,
    park_armed: bool,
    seen: bool,
    awaiting_reply: bool,
    stay: u32,
    sla_gen: u32,
    seq: u64,
    held: Capacity,
    /// Read by the restore before the split: `AgentIdx::VACANT` here must
    /// be refused as corrupt, not read back as no agent.
    pub sticky_agent: Option<AgentIdx>,
    #[serde(default)]
    wrap_up: Option<WrapHold>,
    #[serde(default)]
    no_answer_hops: u32,
    #[serde(default)]
    plan: Option<Box<super::plan::ConvPlan>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    preferred: Option<Box<crate::engine::preferred::Affinity>>,
}

/// What a snapshot writes of a conversation beside its record: its
/// customer's id (the record keeps the slot) and what side tables hold
/// for it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct ConvSide {
    pub customer: CustomerId,
    /// Its wrap-up (`State::wraps`).
    pub wrap_up: Option<WrapHold>,
    /// Its routing-plan state (`State::conv_plans`).
    pub plan: Option<Box<super::plan::ConvPlan>>,
    /// Its affinity list (`State::affinities`).
    pub preferred: Option<Box<crate::engine::preferred::Affinity>>,
}

impl ConvSide {
    /// What `State` keeps beside `c`'s record, copied for a snapshot.
    pub(crate) fn of(st: &super::State, c: super::index::ConvIdx) -> Self {
        ConvSide {
            customer: st.customers[st.conv(c).who.get()].id,
            wrap_up: st.wrap_of(c),
            plan: st.conv_plans.get(c).cloned().map(Box::new),
            preferred: st.affinities.get(c).cloned().map(Box::new),
        }
    }
}

impl ConvWire {
    /// The snapshot form of `c`, with what is kept beside its record.
    pub(crate) fn new(c: &Conv, side: ConvSide) -> Self {
        let ConvSide {
            customer,
            wrap_up,
            plan,
            preferred,
        } = side;
        ConvWire {
            id: c.id,
            customer,
            channel: c.channel,
            group: c.group,
            base_priority: c.base_priority,
            priority: c.priority,
            place: c.place,
            opened_at: c.opened_at,
            waiting_since: c.waiting_since,
            last_customer_message: c.last_customer_message,
            last_agent_message: c.at(When::LastAgentMessage),
            first_response_at: c.at(When::FirstResponse),
            sla_start: c.at(When::SlaStart),
            resolved_at: c.at(When::Resolved),
            park_due: c.at(When::ParkDue),
            park_armed: c.park_armed,
            seen: c.seen,
            awaiting_reply: c.awaiting_reply,
            stay: c.stay,
            sla_gen: c.sla_gen,
            seq: c.seq,
            held: c.held,
            sticky_agent: c.sticky_agent(),
            wrap_up,
            no_answer_hops: c.no_answer_hops,
            plan,
            preferred,
        }
    }

    /// The record, with its derived fields (`who`, `inbox_at`) left for
    /// the restore to fill in, and what goes beside it.
    pub(crate) fn into_parts(self) -> (Conv, ConvSide) {
        let w = self;
        let mut c = Conv {
            id: w.id,
            who: Default::default(),
            channel: w.channel,
            group: w.group,
            base_priority: w.base_priority,
            priority: w.priority,
            place: w.place,
            opened_at: w.opened_at,
            waiting_since: w.waiting_since,
            last_customer_message: w.last_customer_message,
            times: Default::default(),
            times_set: 0,
            park_armed: w.park_armed,
            seen: w.seen,
            awaiting_reply: w.awaiting_reply,
            stay: w.stay,
            sla_gen: w.sla_gen,
            seq: w.seq,
            held: w.held,
            sticky: w.sticky_agent.unwrap_or(AgentIdx::VACANT),
            wrapping: w.wrap_up.is_some(),
            no_answer_hops: w.no_answer_hops,
            inbox_at: 0,
        };
        c.set_at(When::LastAgentMessage, w.last_agent_message);
        c.set_at(When::FirstResponse, w.first_response_at);
        c.set_at(When::SlaStart, w.sla_start);
        c.set_at(When::Resolved, w.resolved_at);
        c.set_at(When::ParkDue, w.park_due);
        let side = ConvSide {
            customer: w.customer,
            wrap_up: w.wrap_up,
            plan: w.plan,
            preferred: w.preferred,
        };
        (c, side)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A conversation as a snapshot writes it.
    const SAMPLE: &str = r#"{"id":7,"customer":9,"channel":"in_app","group":0,"base_priority":"normal","priority":"normal","place":"Bot","opened_at":1,"waiting_since":2,"last_customer_message":3,"last_agent_message":null,"first_response_at":null,"sla_start":null,"resolved_at":null,"park_due":null,"park_armed":false,"seen":false,"awaiting_reply":true,"stay":0,"sla_gen":0,"seq":1,"held":0,"sticky_agent":null,"wrap_up":null,"no_answer_hops":0,"plan":null}"#;

    /// Every optional instant survives the record and back, set or not,
    /// `u64::MAX` included (a valid time: the packing needs no bound).
    #[test]
    fn optional_instants_round_trip_through_the_packed_record() {
        let whens = [
            When::LastAgentMessage,
            When::FirstResponse,
            When::SlaStart,
            When::Resolved,
            When::ParkDue,
        ];
        let base: ConvWire = serde_json::from_str(SAMPLE).expect("a conversation");
        for mask in 0u8..32 {
            let mut wire = base.clone();
            let values = [Some(0), Some(u64::MAX), Some(5), Some(1 << 40), Some(11)];
            let fields = [
                &mut wire.last_agent_message,
                &mut wire.first_response_at,
                &mut wire.sla_start,
                &mut wire.resolved_at,
                &mut wire.park_due,
            ];
            for (i, field) in fields.into_iter().enumerate() {
                *field = (mask >> i & 1 == 1).then(|| Timestamp(values[i].unwrap()));
            }
            let (conv, side) = wire.clone().into_parts();
            for (i, &when) in whens.iter().enumerate() {
                let expected = (mask >> i & 1 == 1).then(|| Timestamp(values[i].unwrap()));
                assert_eq!(conv.at(when), expected, "mask {mask:#b}, field {i}");
            }
            let back = ConvWire::new(&conv, side);
            assert_eq!(back, wire);
            assert_eq!(
                serde_json::to_string(&back).unwrap(),
                serde_json::to_string(&wire).unwrap()
            );
        }
        assert_eq!(serde_json::to_string(&base).unwrap(), SAMPLE);
    }

    /// Clearing an instant forgets its value, so equal states compare
    /// equal whatever they held before.
    #[test]
    fn a_cleared_instant_compares_equal_to_one_never_set() {
        let wire: ConvWire = serde_json::from_str(SAMPLE).expect("a conversation");
        let (fresh, _) = wire.into_parts();
        let mut touched = fresh.clone();
        touched.set_at(When::ParkDue, Some(Timestamp(42)));
        assert_ne!(touched, fresh);
        touched.set_at(When::ParkDue, None);
        assert_eq!(touched, fresh);
    }
}
