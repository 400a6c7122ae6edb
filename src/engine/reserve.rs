//! [`Engine::reserve`]: room for the scale a host knows it will reach,
//! allocated up front, as [`Vec::reserve`] does for a vector.
//!
//! The engine grows its tables as work arrives: a page of records per
//! thousand conversations or customers, a page of an id index per
//! thousand ids, pools of list and tree nodes doubling past their
//! high-water mark. Each growth is an allocation inside the command that
//! crossed it. A host that knows its scale (agents on the roster, the
//! conversations a day brings) reserves it once, and commands within it
//! then allocate none of that room.
//!
//! A reservation is not a command: it changes no decision, no query's
//! answer and no snapshot, so a journal replays the same without it, and
//! a snapshot neither records nor needs it. An engine built by
//! [`Engine::restore`] starts without room reserved: call `reserve` on it
//! again. Growth past a reservation works as without one.

use super::limits::Limits;
use super::Engine;
use serde::{Deserialize, Serialize};
use std::collections::TryReserveError;
use thiserror::Error;

/// The scale to reserve room for ([`Engine::reserve`]). Each figure is a
/// count held at once; 0 (the default) reserves nothing for it. In JSON
/// (the service's `reserve` field when a tenant is created) each figure is
/// optional and unknown fields are refused.
///
/// ```
/// use switchboard::{policy::LeastLoaded, Engine, EngineConfig, Reservation};
///
/// let mut engine = Engine::new(EngineConfig::default(), LeastLoaded).unwrap();
/// engine
///     .reserve(
///         Reservation::new()
///             .agents(500)
///             .conversations(40_000)
///             .open_conversations(2_000)
///             .customers(30_000),
///     )
///     .unwrap();
/// assert!(engine.reserved().conversations >= 40_000);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
#[non_exhaustive]
pub struct Reservation {
    /// Agents registered (their records and id index). The skill groups
    /// registered agents created by the time of the call also get room
    /// for their members' bookkeeping, so reserving after loading the
    /// roster reserves more than before it.
    pub agents: u32,
    /// Conversations held, open or resolved and not yet purged (the
    /// records, the id index, the queue of resolutions a purge reads). At
    /// least `open_conversations` is reserved.
    pub conversations: u32,
    /// Conversations open at once (waiting, assigned, parked or in
    /// wrap-up): the nodes of the waiting lines, of agents' parked, own
    /// and wrap-up sets and of customers' open lists, and the timers
    /// (about two per open conversation and one per agent).
    pub open_conversations: u32,
    /// Customers known.
    pub customers: u32,
    /// Also write to every page of the room once, so that the operating
    /// system maps it now (`false` by default). Untouched, a reserved
    /// page costs no memory until a command first writes to it, and that
    /// command then takes a page fault (a microsecond or more on a virtual
    /// machine; milliseconds when the kernel compacts memory for a huge
    /// page). Touched, the room counts in the process's resident memory
    /// from the start and commands within it take no fault: for hosts that
    /// want no latency spike once serving (BENCHMARKS.md, "Touching the
    /// reserved room"). [`Engine::reserved`] reports `false`: pages are
    /// not tracked.
    pub touch_pages: bool,
}

impl Reservation {
    /// Nothing reserved; set the figures with the builder methods.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets [`Reservation::agents`].
    pub fn agents(mut self, n: u32) -> Self {
        self.agents = n;
        self
    }

    /// Sets [`Reservation::conversations`].
    pub fn conversations(mut self, n: u32) -> Self {
        self.conversations = n;
        self
    }

    /// Sets [`Reservation::open_conversations`].
    pub fn open_conversations(mut self, n: u32) -> Self {
        self.open_conversations = n;
        self
    }

    /// Sets [`Reservation::customers`].
    pub fn customers(mut self, n: u32) -> Self {
        self.customers = n;
        self
    }

    /// Sets [`Reservation::touch_pages`].
    pub fn touch_pages(mut self, on: bool) -> Self {
        self.touch_pages = on;
        self
    }

    /// Checks each figure against `limits` (an engine's
    /// [`EngineConfig::limits`](crate::EngineConfig::limits)), as
    /// [`Engine::reserve`] does before allocating: a host can refuse a
    /// reservation before it builds the engine.
    pub fn check(&self, limits: &Limits) -> Result<(), ReserveError> {
        match self.over(limits) {
            Some((what, asked, limit)) => Err(ReserveError::OverLimit { what, asked, limit }),
            None => Ok(()),
        }
    }

    /// The first figure past its limit: its name, the figure, the limit.
    fn over(&self, limits: &Limits) -> Option<(&'static str, u32, u32)> {
        [
            ("agents", self.agents, limits.agents),
            ("conversations", self.conversations, limits.conversations),
            (
                "conversations",
                self.open_conversations,
                limits.conversations,
            ),
            ("customers", self.customers, limits.customers),
        ]
        .into_iter()
        .find(|&(_, asked, limit)| asked > limit)
    }
}

/// Why [`Engine::reserve`] reserved less than asked. The engine's state is
/// as before: no decision or answer differs.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum ReserveError {
    /// A figure is above the engine's limit for it
    /// ([`EngineConfig::limits`](crate::EngineConfig::limits)): the engine
    /// would refuse that much work anyway. Nothing was reserved.
    #[error("cannot reserve {asked} {what}: the engine's limits.{what} is {limit}")]
    OverLimit {
        /// The limit's name in [`Limits`].
        what: &'static str,
        /// The figure asked for.
        asked: u32,
        /// The limit.
        limit: u32,
    },
    /// The allocator refused the room (or its size overflowed). Room for
    /// the structures before `what` may have been reserved.
    #[error("the allocator refused room for {what}")]
    OutOfMemory {
        /// The structure being reserved.
        what: &'static str,
    },
}

/// Timers reserved per open conversation and per agent: a waiting
/// conversation arms its SLA warning and breach, an agent its cool-downs
/// and windows; superseded timers still held until they fire are the
/// slack.
const TIMERS_PER_CONVERSATION: usize = 2;
const TIMERS_PER_AGENT: usize = 1;

impl Engine {
    /// Allocates room for `scale` (see [`Reservation`]), so that commands
    /// within it grow no table. Not a command: no decision, answer or
    /// snapshot changes, and a journal replays the same without it.
    /// Repeating it, or asking for less than reserved, allocates nothing;
    /// room is never given back (but an engine built by
    /// [`Engine::restore`] starts without it).
    ///
    /// A figure above the engine's [`Limits`] is refused with
    /// [`ReserveError::OverLimit`] before anything is allocated; an
    /// allocation the allocator refuses gives
    /// [`ReserveError::OutOfMemory`] instead of aborting.
    pub fn reserve(&mut self, scale: Reservation) -> Result<(), ReserveError> {
        scale.check(&self.config.limits)?;
        let agents = scale.agents as usize;
        let open = scale.open_conversations as usize;
        let convs = (scale.conversations as usize).max(open);
        let customers = scale.customers as usize;
        let timers = open
            .saturating_mul(TIMERS_PER_CONVERSATION)
            .saturating_add(agents.saturating_mul(TIMERS_PER_AGENT));
        let st = &mut self.state;
        let oom = |what: &'static str| move |_: TryReserveError| ReserveError::OutOfMemory { what };
        st.agents
            .try_reserve_exact(agents.saturating_sub(st.agents.len()))
            .map_err(oom("agents"))?;
        st.agent_ids.reserve(agents).map_err(oom("agent ids"))?;
        st.convs.reserve(convs).map_err(oom("conversations"))?;
        st.conv_ids
            .reserve(convs)
            .map_err(oom("conversation ids"))?;
        st.reserve_resolved(convs).map_err(oom("resolutions"))?;
        st.customers.reserve(customers).map_err(oom("customers"))?;
        st.customer_ids
            .reserve(customers)
            .map_err(oom("customer ids"))?;
        st.line_pool.reserve(open).map_err(oom("waiting lines"))?;
        st.open_pool.reserve(open).map_err(oom("open lists"))?;
        st.parked_pool.reserve(open).map_err(oom("parked sets"))?;
        st.personal_pool.reserve(open).map_err(oom("own queues"))?;
        st.wrapup_pool.reserve(open).map_err(oom("wrap-up sets"))?;
        st.timers.reserve(timers).map_err(oom("timers"))?;
        reserve_marks(&mut st.groups).map_err(oom("skill groups"))?;
        if scale.touch_pages {
            st.touch_room();
        }
        Ok(())
    }

    /// The room held now without allocating, as a [`Reservation`]: each
    /// figure the least any of its structures takes (at least what
    /// [`Engine::reserve`] was given; a table's own growth may add more).
    pub fn reserved(&self) -> Reservation {
        let st = &self.state;
        let fit = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
        let open = [
            st.line_pool.capacity(),
            st.open_pool.capacity(),
            st.parked_pool.capacity(),
            st.personal_pool.capacity(),
            st.wrapup_pool.capacity(),
        ]
        .into_iter()
        .min()
        .unwrap_or(0);
        let agents = st.agents.capacity().min(st.agent_ids.capacity());
        let convs = st
            .convs
            .capacity()
            .min(st.conv_ids.capacity())
            .min(st.resolved_capacity());
        let customers = st.customers.capacity().min(st.customer_ids.capacity());
        Reservation {
            agents: fit(agents),
            conversations: fit(convs),
            open_conversations: fit(open),
            customers: fit(customers),
            touch_pages: false,
        }
    }
}

/// Room in each group's list of members to re-rank for every member (each
/// is listed at most once; the list otherwise grows at the group's first
/// searches). Only the groups existing now: agents bring them.
fn reserve_marks(groups: &mut [super::state::group::Group]) -> Result<(), TryReserveError> {
    for group in groups {
        let room = group.members.len().saturating_sub(group.pending.len());
        group.pending.try_reserve_exact(room)?;
    }
    Ok(())
}
