//! A conversation's snapshot form. The record in memory ([`Conv`]) is
//! laid out for the engine (optional instants packed, fields in any
//! order); snapshots keep the format's field order and types, so this
//! private struct is built from the record on encode and turned back into
//! one on decode, and snapshots stay byte for byte what they were.

use super::conversation::{Conv, Place, When};
use super::index::{AgentIdx, GroupIdx};
use super::workload::WrapHold;
use crate::model::{
    Capacity, Channel, ConversationId, CustomerId, Priority, ResolveReason, Timestamp,
};
use serde::{Deserialize, Serialize};

/// A conversation's place as the format has it: the record's [`Place`]
/// but for the resolution time, which the format keeps in `resolved_at`.
/// Named `Place` for serde, as the record's was when it was serialised
/// itself.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename = "Place")]
enum PlaceWire {
    Bot,
    Queued,
    WaitingFor {
        agent: AgentIdx,
        own: bool,
    },
    Offered {
        agent: AgentIdx,
        expires_at: Timestamp,
    },
    Assigned {
        agent: AgentIdx,
    },
    Parked {
        agent: Option<AgentIdx>,
    },
    Resolved {
        reason: ResolveReason,
    },
}

impl From<Place> for PlaceWire {
    fn from(p: Place) -> Self {
        match p {
            Place::Bot => PlaceWire::Bot,
            Place::Queued => PlaceWire::Queued,
            Place::WaitingFor { agent, own } => PlaceWire::WaitingFor { agent, own },
            Place::Offered { agent, expires_at } => PlaceWire::Offered { agent, expires_at },
            Place::Assigned { agent } => PlaceWire::Assigned { agent },
            Place::Parked { agent } => PlaceWire::Parked { agent },
            Place::Resolved { reason, .. } => PlaceWire::Resolved { reason },
        }
    }
}

impl PlaceWire {
    /// The record's place, with `resolved_at` for a resolved one: `None`
    /// when the two disagree (a resolved place without its time, or a
    /// time without a resolved place), which the engine never writes and
    /// the record cannot hold.
    fn with_time(self, resolved_at: Option<Timestamp>) -> Option<Place> {
        Some(match (self, resolved_at) {
            (PlaceWire::Resolved { reason }, Some(at)) => Place::Resolved { reason, at },
            (PlaceWire::Resolved { .. }, None) | (_, Some(_)) => return None,
            (PlaceWire::Bot, None) => Place::Bot,
            (PlaceWire::Queued, None) => Place::Queued,
            (PlaceWire::WaitingFor { agent, own }, None) => Place::WaitingFor { agent, own },
            (PlaceWire::Offered { agent, expires_at }, None) => {
                Place::Offered { agent, expires_at }
            }
            (PlaceWire::Assigned { agent }, None) => Place::Assigned { agent },
            (PlaceWire::Parked { agent }, None) => Place::Parked { agent },
        })
    }
}

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
    place: PlaceWire,
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
            place: c.place.into(),
            opened_at: c.opened_at,
            waiting_since: c.waiting_since,
            last_customer_message: c.last_customer_message,
            last_agent_message: c.at(When::LastAgentMessage),
            first_response_at: c.at(When::FirstResponse),
            sla_start: c.at(When::SlaStart),
            resolved_at: c.resolved_at(),
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
    /// the restore to fill in, and what goes beside it. `None` when its
    /// place and `resolved_at` disagree (resolved without a time, or a
    /// time while not resolved): the engine never writes that, and the
    /// record keeps the time in its resolved place.
    pub(crate) fn into_parts(self) -> Option<(Conv, ConvSide)> {
        let w = self;
        let place = w.place.with_time(w.resolved_at)?;
        let mut c = Conv {
            id: w.id,
            who: Default::default(),
            channel: w.channel,
            group: w.group,
            base_priority: w.base_priority,
            priority: w.priority,
            place,
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
        c.set_at(When::ParkDue, w.park_due);
        let side = ConvSide {
            customer: w.customer,
            wrap_up: w.wrap_up,
            plan: w.plan,
            preferred: w.preferred,
        };
        Some((c, side))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A conversation as a snapshot writes it.
    const SAMPLE: &str = r#"{"id":7,"customer":9,"channel":"in_app","group":0,"base_priority":"normal","priority":"normal","place":"Bot","opened_at":1,"waiting_since":2,"last_customer_message":3,"last_agent_message":null,"first_response_at":null,"sla_start":null,"resolved_at":null,"park_due":null,"park_armed":false,"seen":false,"awaiting_reply":true,"stay":0,"sla_gen":0,"seq":1,"held":0,"sticky_agent":null,"wrap_up":null,"no_answer_hops":0,"plan":null}"#;

    /// Every optional instant survives the record and back, set or not,
    /// `u64::MAX` included (a valid time: the packing needs no bound);
    /// the resolution time with a resolved place, where the record keeps
    /// it.
    #[test]
    fn optional_instants_round_trip_through_the_packed_record() {
        let whens = [
            Some(When::LastAgentMessage),
            Some(When::FirstResponse),
            Some(When::SlaStart),
            None,
            Some(When::ParkDue),
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
            if wire.resolved_at.is_some() {
                wire.place = PlaceWire::Resolved {
                    reason: ResolveReason::Solved,
                };
            }
            let (conv, side) = wire.clone().into_parts().expect("consistent");
            for (i, &when) in whens.iter().enumerate() {
                let expected = (mask >> i & 1 == 1).then(|| Timestamp(values[i].unwrap()));
                let got = when.map_or(conv.resolved_at(), |w| conv.at(w));
                assert_eq!(got, expected, "mask {mask:#b}, field {i}");
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
        let (fresh, _) = wire.into_parts().expect("consistent");
        let mut touched = fresh.clone();
        touched.set_at(When::ParkDue, Some(Timestamp(42)));
        assert_ne!(touched, fresh);
        touched.set_at(When::ParkDue, None);
        assert_eq!(touched, fresh);
    }

    /// A resolved place without its time, or a time without a resolved
    /// place, does not make a record (the restore refuses the snapshot).
    #[test]
    fn a_resolution_time_and_a_resolved_place_go_together() {
        let mut wire: ConvWire = serde_json::from_str(SAMPLE).expect("a conversation");
        wire.resolved_at = Some(Timestamp(9));
        assert!(wire.clone().into_parts().is_none());
        wire.place = PlaceWire::Resolved {
            reason: ResolveReason::Solved,
        };
        let (conv, _) = wire.clone().into_parts().expect("consistent");
        assert_eq!(conv.resolved_at(), Some(Timestamp(9)));
        wire.resolved_at = None;
        assert!(wire.into_parts().is_none());
    }
}
