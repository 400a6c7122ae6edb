//! The engine's record of a conversation, with agents by slot. The public
//! [`ConversationInfo`] is derived from it.

use super::index::{AgentIdx, CustomerIdx, GroupIdx};
use super::waiting::LineKey;
use crate::engine::EngineConfig;
use crate::model::{
    Capacity, Channel, ConversationId, MessageStatus, Priority, ResolveReason, StateKind, TimeSpan,
    Timestamp,
};

/// Where a conversation is. Exactly one at every instant; only
/// `lifecycle/` writes it. Snapshots write it as `conv_wire::PlaceWire`
/// (the resolution time apart, as `resolved_at`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Place {
    /// With the bot tier.
    Bot,
    /// In its skill group's waiting line.
    Queued,
    /// In one agent's own queue: `own` for a thread that is already theirs
    /// (a parked thread back, a transfer), otherwise a returning customer
    /// waiting for their known agent up to the sticky wait.
    WaitingFor { agent: AgentIdx, own: bool },
    /// Reserved for an agent until `expires_at`.
    Offered {
        agent: AgentIdx,
        expires_at: Timestamp,
    },
    /// A live thread of an agent.
    Assigned { agent: AgentIdx },
    /// The customer went quiet; kept by its agent (`None` once released).
    Parked { agent: Option<AgentIdx> },
    /// Done, since `at`. The time rides in the place (in the padding
    /// beside `reason`, where an offer keeps its expiry) rather than in
    /// `Conv::times`: set exactly while resolved, 8 bytes a record saved
    /// (issue 22).
    Resolved {
        reason: ResolveReason,
        at: Timestamp,
    },
}

impl Place {
    /// The agent it is with or waits for.
    pub(crate) fn agent(self) -> Option<AgentIdx> {
        match self {
            Place::WaitingFor { agent, .. }
            | Place::Offered { agent, .. }
            | Place::Assigned { agent } => Some(agent),
            Place::Parked { agent } => agent,
            _ => None,
        }
    }

    pub(crate) fn kind(self) -> StateKind {
        match self {
            Place::Bot => StateKind::Bot,
            Place::Queued | Place::WaitingFor { .. } => StateKind::Queued,
            Place::Offered { .. } => StateKind::Offered,
            Place::Assigned { .. } => StateKind::Assigned,
            Place::Parked { .. } => StateKind::Parked,
            Place::Resolved { .. } => StateKind::Resolved,
        }
    }

    /// Offered or assigned: in an agent's inbox at full weight.
    pub(crate) fn live_agent(self) -> Option<AgentIdx> {
        match self {
            Place::Offered { agent, .. } | Place::Assigned { agent } => Some(agent),
            _ => None,
        }
    }
}

/// The optional instants of a conversation (`Conv::at`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum When {
    /// The last agent message.
    LastAgentMessage,
    /// The first human response.
    FirstResponse,
    /// When the first-response clock started (entry into human routing).
    SlaStart,
    /// When the thread parks itself if nobody writes (agent spoke last).
    ParkDue,
}

/// Number of [`When`] variants.
pub(crate) const WHEN_COUNT: usize = 4;

/// Everything the engine keeps about one conversation. Its snapshot form,
/// with the field order of the format, is `conv_wire::ConvWire`.
///
/// Aligned to a cache line: a page of records is a heap block the
/// allocator returns 16 bytes past a line, so a 128-byte record spanned
/// three lines; aligned, it spans two (issue 22: LL misses). `repr(C)`
/// keeps the fields in the order below, so that the fields a command's
/// validation, a firing timer and a message read share the first line.
#[derive(Clone, Debug, PartialEq, Eq)]
#[repr(C, align(64))]
pub(crate) struct Conv {
    // First line (64 bytes): what validation, a firing timer and a
    // message read. Every access reads `Option<Conv>`'s niche, which
    // rustc puts in a `bool` (the largest niche; with a `bool` on the
    // second line, every access read both lines): so all the `bool`s are
    // on this line, and none on the second.
    pub place: Place,
    pub id: ConversationId,
    pub last_customer_message: Timestamp,
    /// Arrival order, for ties between equal aged priorities.
    pub seq: u64,
    /// Generation of the SLA timers.
    pub sla_gen: u32,
    /// Bumped at every change of place; offer and sticky-wait timers of an
    /// older stay are void.
    pub stay: u32,
    /// Its skill group (which fixes its required skills and channel).
    pub group: GroupIdx,
    /// Its position in its agent's inbox while live (offered or assigned),
    /// so that leaving it is a swap-remove (`state::inbox`); meaningless
    /// otherwise. Derived: rebuilt on restore, left out of snapshots.
    pub inbox_at: u32,
    /// Which of `times` are set: bit `1 << When as u8`.
    pub times_set: u8,
    pub channel: Channel,
    /// Priority as requested, before the VIP boost.
    pub base_priority: Priority,
    /// Effective priority.
    pub priority: Priority,
    pub awaiting_reply: bool,
    pub seen: bool,
    /// An auto-park timer is pending (at most one per conversation: it
    /// re-arms itself at `park_due` instead of one timer per reply).
    pub park_armed: bool,
    /// A resolved thread in wrap-up on its agent (`held` is then the part
    /// of the weight kept): its hold is in `State::wraps`, a side table
    /// (`wrap_table.rs`), since the 40 bytes of a `WrapHold` are unused in
    /// nearly every record. Written only through `State::set_wrap` and
    /// `State::take_wrap`.
    pub wrapping: bool,
    // Second line: the instants' values and what is read less often.
    /// The optional instants ([`When`]), by `When as usize`; an unset one
    /// holds 0. Read them with [`Conv::at`], write with [`Conv::set_at`].
    /// Five `Option<Timestamp>` took 16 bytes each (every `u64` is a valid
    /// time, so an `Option` has no niche to use); these take 8 each plus
    /// one byte of flags in the record's padding.
    pub times: [Timestamp; WHEN_COUNT],
    pub opened_at: Timestamp,
    /// The conversation's age: kept across requeues, transfers, escalation.
    pub waiting_since: Timestamp,
    /// The customer's slot: their id is the slot's (`Customer::id`;
    /// the record kept it too, 8 bytes, issue 22). A conversation holds
    /// its customer's slot for its whole life (`State::customer_holds`),
    /// so the slot never changes hands under it.
    pub who: CustomerIdx,
    /// Capacity held on the owning agent (full weight when offered or
    /// assigned, parked weight when parked, zero otherwise).
    pub held: Capacity,
    /// Known agent a returning customer was routed to (for hit or miss),
    /// `AgentIdx::VACANT` for none (4 bytes, not an `Option`'s 8): read
    /// it with [`Conv::sticky_agent`].
    pub sticky: AgentIdx,
    /// Times the no-answer rule fired for it (reassignments, plus one once
    /// its terminal action applied).
    pub no_answer_hops: u32,
}

/// Order of an agent's inbox: threads where the customer spoke last first,
/// then the longest-waiting customer, then arrival.
pub(crate) type InboxKey = (bool, Timestamp, u64);

/// Order of an agent's own queue: own threads before known-agent waits,
/// then aged priority.
pub(crate) type PersonalKey = (bool, (i64, u64));

impl Conv {
    /// The instant `which`, if set.
    #[inline]
    pub(crate) fn at(&self, which: When) -> Option<Timestamp> {
        let i = which as usize;
        (self.times_set >> i & 1 == 1).then_some(self.times[i])
    }

    /// Sets (or with `None` clears) the instant `which`.
    #[inline]
    pub(crate) fn set_at(&mut self, which: When, at: Option<Timestamp>) {
        let i = which as usize;
        if at.is_none() && self.times_set >> i & 1 == 0 {
            // Already clear, so already 0: leave the record's second line
            // untouched (a customer message clears the park time).
            return;
        }
        self.times[i] = at.unwrap_or_default();
        self.times_set = (self.times_set & !(1 << i)) | (u8::from(at.is_some()) << i);
    }

    /// The last agent message, if any.
    pub(crate) fn last_agent_message(&self) -> Option<Timestamp> {
        self.at(When::LastAgentMessage)
    }

    /// The first human response, if any.
    pub(crate) fn first_response_at(&self) -> Option<Timestamp> {
        self.at(When::FirstResponse)
    }

    /// When the first-response clock started, if it did.
    pub(crate) fn sla_start(&self) -> Option<Timestamp> {
        self.at(When::SlaStart)
    }

    /// When it was resolved, if it is.
    #[inline]
    pub(crate) fn resolved_at(&self) -> Option<Timestamp> {
        match self.place {
            Place::Resolved { at, .. } => Some(at),
            _ => None,
        }
    }

    /// When the thread parks itself if nobody writes, if set.
    pub(crate) fn park_due(&self) -> Option<Timestamp> {
        self.at(When::ParkDue)
    }

    /// Known agent a returning customer was routed to, if any.
    #[inline]
    pub(crate) fn sticky_agent(&self) -> Option<AgentIdx> {
        (self.sticky != AgentIdx::VACANT).then_some(self.sticky)
    }

    /// Sets (or clears) [`Conv::sticky_agent`].
    #[inline]
    pub(crate) fn set_sticky_agent(&mut self, agent: Option<AgentIdx>) {
        self.sticky = agent.unwrap_or(AgentIdx::VACANT);
    }

    /// Clears [`Conv::sticky_agent`], returning it.
    #[inline]
    pub(crate) fn take_sticky_agent(&mut self) -> Option<AgentIdx> {
        let agent = self.sticky_agent();
        self.sticky = AgentIdx::VACANT;
        agent
    }

    /// Priority class, `0..4`.
    pub(crate) fn class(&self) -> u8 {
        self.priority.rank()
    }

    /// Place in a waiting line.
    pub(crate) fn line_key(&self) -> LineKey {
        LineKey {
            since: self.waiting_since,
            seq: self.seq,
        }
    }

    pub(crate) fn inbox_key(&self) -> InboxKey {
        (!self.awaiting_reply, self.last_customer_message, self.seq)
    }

    pub(crate) fn personal_key(&self, own: bool, config: &EngineConfig) -> PersonalKey {
        (
            !own,
            self.line_key().aged(self.class(), config.class_head_start),
        )
    }

    pub(crate) fn message_status(&self) -> MessageStatus {
        match self.place {
            Place::Bot => MessageStatus::WithBot,
            Place::Queued | Place::WaitingFor { .. } => MessageStatus::Queued,
            Place::Offered { .. } | Place::Assigned { .. } => {
                if self.seen {
                    MessageStatus::Seen
                } else {
                    MessageStatus::Delivered
                }
            }
            Place::Parked { .. } | Place::Resolved { .. } => MessageStatus::Idle,
        }
    }

    /// The first-response deadline while no human has answered and the
    /// conversation is with humans, its target being `target()`
    /// (`State::response_deadline`: the target may be its plan's).
    pub(crate) fn deadline_after(&self, target: impl FnOnce() -> TimeSpan) -> Option<Timestamp> {
        match (self.first_response_at(), self.sla_start(), self.place) {
            (
                None,
                Some(start),
                Place::Queued
                | Place::WaitingFor { .. }
                | Place::Offered { .. }
                | Place::Assigned { .. },
            ) => Some(start + target()),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Conv;
    use std::mem::{align_of, offset_of, size_of};

    /// The record's lines (issue 22: LL misses): two whole lines, the
    /// `bool`s (so `Option<Conv>`'s niche, read by every access) and what
    /// validation and a firing timer read on the first.
    #[test]
    fn the_first_line_holds_the_niche_and_what_validation_and_timers_read() {
        assert_eq!(size_of::<Conv>(), 128);
        assert_eq!(align_of::<Conv>(), 64);
        assert_eq!(size_of::<Option<Conv>>(), 128);
        for first in [
            offset_of!(Conv, place),
            offset_of!(Conv, id),
            offset_of!(Conv, seq),
            offset_of!(Conv, sla_gen),
            offset_of!(Conv, stay),
            offset_of!(Conv, times_set),
            offset_of!(Conv, awaiting_reply),
            offset_of!(Conv, seen),
            offset_of!(Conv, park_armed),
            offset_of!(Conv, wrapping),
        ] {
            assert!(first < 64, "offset {first}");
        }
        assert!(offset_of!(Conv, times) >= 64);
    }
}
