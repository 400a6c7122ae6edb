//! The trace: JSON Lines, one object per line, written as the simulation
//! runs.
//!
//! The first line is a header:
//!
//! ```json
//! {"type":"header","format":"switchboard-trace/1","scenario":"...","policy":"least_loaded",
//!  "seed":1,"horizon_ms":86400000,"engine":{...EngineConfig...}}
//! ```
//!
//! Then one line per input event (a command the simulator applied) followed
//! by one line per decision the engine answered it with, in order:
//!
//! ```json
//! {"t":25200000,"type":"input","kind":"open_conversation","conversation":0,"customer":0,
//!  "agent":null,"load":null,"cap":null,"command":{"type":"open_conversation",...}}
//! {"t":25200000,"type":"decision","kind":"assigned","conversation":0,"customer":0,
//!  "agent":3,"load":1000,"cap":5000,"decision":{"kind":"assigned",...}}
//! ```
//!
//! - `t`: simulated time in ms since the start of day 1;
//! - `kind`: the command's or decision's name;
//! - `conversation`, `customer`: set whenever the line concerns a
//!   conversation;
//! - `agent`: the agent the line concerns (for an input about a conversation,
//!   the agent holding it after the command), `load` and `cap` that agent's
//!   load and cap right after the line, in milli-units (1000 = one
//!   full conversation);
//! - `command` / `decision`: the full value as the engine's serde form.
//!
//! With the header's channel weights and parked weight, the full commands
//! and decisions are enough to recompute every agent's load at every step,
//! every cap check, every sticky decision and every conversation's life
//! (`tests/sim/sim_trace_replay.rs` does exactly that).

use crate::engine::{Command, Decision, EngineConfig};
use crate::model::{AgentId, Capacity, ConversationId, CustomerId, Timestamp};
use serde::Serialize;
use std::io::Write;

/// The first line of a trace.
#[derive(Debug, Serialize)]
pub struct TraceHeader<'a> {
    /// Always `"header"`.
    #[serde(rename = "type")]
    pub ty: &'static str,
    /// The format's name and version.
    pub format: &'static str,
    /// The scenario's name.
    pub scenario: &'a str,
    /// The policy.
    pub policy: &'a str,
    /// The seed.
    pub seed: u64,
    /// Simulated span in ms.
    pub horizon_ms: u64,
    /// The engine's configuration (channel weights, parked weight, windows).
    pub engine: &'a EngineConfig,
}

/// The trace format's name, in every header.
pub const TRACE_FORMAT: &str = "switchboard-trace/1";

#[derive(Serialize)]
struct Line<'a> {
    t: u64,
    #[serde(rename = "type")]
    ty: &'static str,
    kind: &'static str,
    conversation: Option<ConversationId>,
    customer: Option<CustomerId>,
    agent: Option<AgentId>,
    load: Option<Capacity>,
    cap: Option<Capacity>,
    #[serde(skip_serializing_if = "Option::is_none")]
    command: Option<&'a Command>,
    #[serde(skip_serializing_if = "Option::is_none")]
    decision: Option<&'a Decision>,
}

/// Who a trace line concerns, filled in by the simulator.
#[derive(Clone, Copy, Debug, Default)]
pub struct LineContext {
    /// The conversation, if any.
    pub conversation: Option<ConversationId>,
    /// Its customer.
    pub customer: Option<CustomerId>,
    /// The agent concerned.
    pub agent: Option<AgentId>,
    /// That agent's load and cap after the line.
    pub load_cap: Option<(Capacity, Capacity)>,
}

/// Writes trace lines to any [`Write`]. Buffer the writer for speed.
pub struct TraceWriter {
    out: Box<dyn Write + Send>,
}

impl std::fmt::Debug for TraceWriter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TraceWriter")
    }
}

impl TraceWriter {
    /// A writer over `out`.
    pub fn new(out: Box<dyn Write + Send>) -> Self {
        Self { out }
    }

    /// Writes the header line.
    pub fn header(&mut self, header: &TraceHeader<'_>) -> std::io::Result<()> {
        serde_json::to_writer(&mut self.out, header)?;
        self.out.write_all(b"\n")
    }

    /// Writes one input line.
    pub fn input(
        &mut self,
        at: Timestamp,
        command: &Command,
        cx: LineContext,
    ) -> std::io::Result<()> {
        self.line(Line {
            t: at.0,
            ty: "input",
            kind: command.name(),
            conversation: cx.conversation,
            customer: cx.customer,
            agent: cx.agent,
            load: cx.load_cap.map(|l| l.0),
            cap: cx.load_cap.map(|l| l.1),
            command: Some(command),
            decision: None,
        })
    }

    /// Writes one decision line.
    pub fn decision(
        &mut self,
        at: Timestamp,
        decision: &Decision,
        cx: LineContext,
    ) -> std::io::Result<()> {
        self.line(Line {
            t: at.0,
            ty: "decision",
            kind: decision.name(),
            conversation: cx.conversation,
            customer: cx.customer,
            agent: cx.agent,
            load: cx.load_cap.map(|l| l.0),
            cap: cx.load_cap.map(|l| l.1),
            command: None,
            decision: Some(decision),
        })
    }

    fn line(&mut self, line: Line<'_>) -> std::io::Result<()> {
        serde_json::to_writer(&mut self.out, &line)?;
        self.out.write_all(b"\n")
    }

    /// Flushes the underlying writer.
    pub fn flush(&mut self) -> std::io::Result<()> {
        self.out.flush()
    }
}

/// The agent a decision concerns, if any.
pub fn decision_agent(d: &Decision) -> Option<AgentId> {
    use Decision::*;
    match *d {
        AgentAdded { agent, .. }
        | AgentStatusChanged { agent, .. }
        | CapacityChanged { agent, .. }
        | WaitingForAgent { agent, .. }
        | Assigned { agent, .. }
        | Offered { agent, .. }
        | OfferAccepted { agent, .. }
        | StickyHit { agent, .. }
        | StickyMiss { agent, .. }
        | Reprioritised { agent, .. }
        | FirstResponse { agent, .. }
        | Parked { agent, .. }
        | Released { agent, .. }
        | WrapUpStarted { agent, .. }
        | WrapUpEnded { agent, .. } => Some(agent),
        Requeued { from, .. } => Some(from),
        Resolved { agent, .. } | SlaWarning { agent, .. } | SlaBreach { agent, .. } => agent,
        Transferred { from, .. } => from,
        Queued { .. }
        | PriorityChanged { .. }
        | Escalated { .. }
        | Purged { .. }
        | TeamSet { .. }
        | TenantCapChanged { .. }
        | StepEntered { .. }
        | StepSkipped { .. }
        | TtlReached { .. }
        | PlanChanged { .. }
        | QueueHours { .. }
        | ClosedQueue { .. }
        | PreferredSkipped { .. } => None,
        ChannelCapChanged { agent, .. }
        | RateLimitReached { agent, .. }
        | RateLimitSet { agent, .. }
        | NoAnswer { agent, .. }
        | NothingToPull { agent, .. }
        | PullCapChanged { agent, .. }
        | SkillWindowChanged { agent, .. }
        | ChannelWeightChanged { agent, .. } => Some(agent),
    }
}

/// The load and cap a decision carries, if it changes a load.
pub fn decision_load(d: &Decision) -> Option<(AgentId, Capacity, Capacity)> {
    use Decision::*;
    match *d {
        AgentAdded { agent, cap } => Some((agent, Capacity::ZERO, cap)),
        CapacityChanged { agent, load, cap }
        | Assigned {
            agent, load, cap, ..
        }
        | Offered {
            agent, load, cap, ..
        }
        | Parked {
            agent, load, cap, ..
        }
        | Released {
            agent, load, cap, ..
        }
        | WrapUpStarted {
            agent, load, cap, ..
        }
        | WrapUpEnded {
            agent, load, cap, ..
        } => Some((agent, load, cap)),
        Requeued {
            from, load, cap, ..
        } => Some((from, load, cap)),
        Resolved {
            agent: Some(agent),
            load: Some(load),
            cap: Some(cap),
            ..
        } => Some((agent, load, cap)),
        Transferred {
            from: Some(from),
            load: Some(load),
            cap: Some(cap),
            ..
        } => Some((from, load, cap)),
        _ => None,
    }
}
