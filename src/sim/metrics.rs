//! KPI collection. The collector sees what a host sees: the commands it
//! sends and the decisions the engine answers with, each at its simulated
//! time. It never asks the engine how it decided, so the KPIs measure the
//! engine as a customer and an agent would experience it.

use super::intervals::IntervalTally;
use super::queueing::QueueTally;
use super::report::{ServiceLevel, Volumes};
use super::rules_figures::RulesTally;
use crate::engine::Decision;
use crate::model::{AgentStatus, Capacity, ResolveReason, Timestamp};

pub(super) const BUCKET_MS: u64 = 15 * 60_000;

/// What the collector keeps per conversation: 32 bytes, times without
/// `Option`'s tag word (`NEVER` for none), since a run holds one for every
/// conversation of the day (issue 22: 250,000 in the M/M/10 check, whose
/// page faults are a tenth of its CPU time).
#[derive(Clone, Copy, Debug)]
pub(super) struct Conv {
    pub(super) opened_at: u64,
    /// When the conversation entered the human tier (`NEVER`: not yet).
    human_since: u64,
    /// The first SLA warning (`NEVER`: none).
    warned_at: u64,
    pub(super) waiting: bool,
    pub(super) responded: bool,
    /// 0: no sticky decision; 1: last one a hit; 2: last one a miss.
    pub(super) sticky: u8,
    pub(super) resolved: bool,
}

/// No time: the field's event has not happened.
const NEVER: u64 = u64::MAX;

impl Default for Conv {
    fn default() -> Self {
        Conv {
            opened_at: 0,
            human_since: NEVER,
            warned_at: NEVER,
            waiting: false,
            responded: false,
            sticky: 0,
            resolved: false,
        }
    }
}

impl Conv {
    /// When the conversation entered the human tier.
    pub(super) fn human_since(&self) -> Option<u64> {
        (self.human_since != NEVER).then_some(self.human_since)
    }

    /// The first SLA warning's time.
    fn warned_at(&self) -> Option<u64> {
        (self.warned_at != NEVER).then_some(self.warned_at)
    }
}

#[derive(Clone, Copy, Debug)]
pub(super) struct Agent {
    pub(super) group: u16,
    pub(super) logged_in: bool,
    pub(super) since: u64,
    pub(super) load: u32,
    pub(super) cap: u32,
    /// Integral of load (milli-units x ms) over logged-in time.
    pub(super) load_ms: f64,
    /// Integral of load / cap over logged-in time.
    pub(super) util_ms: f64,
    pub(super) online_ms: u64,
    pub(super) peak_load: u32,
    pub(super) peak_util: f64,
    pub(super) solved: u64,
    pub(super) assignments: u64,
}

/// Accumulates KPIs from commands and decisions; [`Collector::finish`] turns
/// them into a [`Report`](super::Report).
#[derive(Debug)]
pub struct Collector {
    pub(super) convs: Vec<Conv>,
    pub(super) agents: Vec<Agent>,
    pub(super) groups: usize,
    pub(super) target_ms: u64,
    pub(super) frt: Vec<u64>,
    pub(super) within: u64,
    pub(super) resolution: Vec<u64>,
    pub(super) volumes: Volumes,
    pub(super) sl: ServiceLevel,
    pub(super) requeues: u64,
    pub(super) longest_wait: u64,
    pub(super) waiting: u64,
    pub(super) waiting_since: u64,
    pub(super) buckets: Vec<(f64, u64, Vec<u64>, u64)>,
    pub(super) commands: u64,
    pub(super) queue: QueueTally,
    pub(super) intervals: IntervalTally,
    /// The workload rules' decisions.
    pub(super) rules: RulesTally,
}

impl Collector {
    /// A collector for `horizon_ms` of simulated time, agents in `groups`
    /// (agent `i` in group `agent_groups[i]`) and a first-response target.
    pub fn new(horizon_ms: u64, agent_groups: &[u16], target_ms: u64) -> Self {
        let n = horizon_ms.div_ceil(BUCKET_MS) as usize;
        Collector {
            convs: Vec::new(),
            agents: agent_groups
                .iter()
                .map(|&group| Agent {
                    group,
                    logged_in: false,
                    since: 0,
                    load: 0,
                    cap: 0,
                    load_ms: 0.0,
                    util_ms: 0.0,
                    online_ms: 0,
                    peak_load: 0,
                    peak_util: 0.0,
                    solved: 0,
                    assignments: 0,
                })
                .collect(),
            groups: agent_groups
                .iter()
                .map(|&g| usize::from(g) + 1)
                .max()
                .unwrap_or(0),
            target_ms,
            frt: Vec::new(),
            within: 0,
            resolution: Vec::new(),
            volumes: Volumes::default(),
            sl: ServiceLevel {
                target_secs: target_ms as f64 / 1_000.0,
                ..ServiceLevel::default()
            },
            requeues: 0,
            longest_wait: 0,
            waiting: 0,
            waiting_since: 0,
            buckets: vec![(0.0, 0, Vec::new(), 0); n.max(1)],
            commands: 0,
            queue: QueueTally::new(0, target_ms),
            intervals: IntervalTally::default(),
            rules: RulesTally::default(),
        }
    }

    /// Makes room for `conversations` conversations up front (one
    /// allocation instead of a run of doublings).
    pub fn reserve(&mut self, conversations: usize) {
        self.convs.reserve(conversations);
        self.frt.reserve(conversations);
        self.resolution.reserve(conversations);
    }

    fn conv(&mut self, id: u64) -> &mut Conv {
        let i = id as usize;
        if i >= self.convs.len() {
            self.convs.resize(i + 1, Conv::default());
        }
        &mut self.convs[i]
    }

    /// A conversation opened (`bot`: with the bot tier first).
    pub fn opened(&mut self, at: Timestamp, conversation: u64, returning: bool, bot: bool) {
        self.volumes.opened += 1;
        self.volumes.customer_messages += 1;
        self.volumes.returning += u64::from(returning);
        let c = self.conv(conversation);
        c.opened_at = at.0;
        if !bot {
            c.human_since = at.0;
            self.volumes.to_humans += 1;
        }
    }

    /// A conversation left the bot for the human tier.
    pub fn escalated(&mut self, at: Timestamp, conversation: u64) {
        self.volumes.escalated += 1;
        self.volumes.to_humans += 1;
        self.conv(conversation).human_since = at.0;
    }

    /// One more command applied (customer and agent messages are counted).
    pub fn command(&mut self, customer_message: bool, agent_message: bool) {
        self.commands += 1;
        self.volumes.customer_messages += u64::from(customer_message);
        self.volumes.agent_messages += u64::from(agent_message);
    }

    fn set_waiting(&mut self, at: u64, conversation: u64, waiting: bool) {
        let c = self.conv(conversation);
        if c.waiting == waiting {
            return;
        }
        c.waiting = waiting;
        self.advance_waiting(at);
        if waiting {
            self.waiting += 1;
        } else {
            self.waiting = self.waiting.saturating_sub(1);
        }
        let b = ((at / BUCKET_MS) as usize).min(self.buckets.len() - 1);
        self.buckets[b].1 = self.buckets[b].1.max(self.waiting);
    }

    /// Integrates the waiting count up to `at`, bucket by bucket.
    pub(super) fn advance_waiting(&mut self, at: u64) {
        let mut t = self.waiting_since;
        while t < at {
            let b = ((t / BUCKET_MS) as usize).min(self.buckets.len() - 1);
            let end = ((t / BUCKET_MS + 1) * BUCKET_MS).min(at);
            self.buckets[b].0 += self.waiting as f64 * (end - t) as f64;
            self.buckets[b].1 = self.buckets[b].1.max(self.waiting);
            t = end;
        }
        self.waiting_since = self.waiting_since.max(at);
    }

    pub(super) fn agent_change(
        &mut self,
        at: u64,
        agent: u64,
        load: Option<Capacity>,
        cap: Option<Capacity>,
        status: Option<AgentStatus>,
    ) {
        let Some(a) = self.agents.get_mut(agent as usize) else {
            return;
        };
        if a.logged_in {
            let dt = at.saturating_sub(a.since);
            a.load_ms += f64::from(a.load) * dt as f64;
            if a.cap > 0 {
                let util = f64::from(a.load) / f64::from(a.cap);
                a.util_ms += util * dt as f64;
                self.intervals.utilisation(a.since, at, util);
            }
            a.online_ms += dt;
        }
        a.since = at;
        if let Some(l) = load {
            a.load = l.0;
        }
        if let Some(c) = cap {
            a.cap = c.0;
        }
        if let Some(s) = status {
            a.logged_in = s != AgentStatus::Offline;
        }
        a.peak_load = a.peak_load.max(a.load);
        if a.cap > 0 {
            a.peak_util = a.peak_util.max(f64::from(a.load) / f64::from(a.cap));
        }
    }

    /// One engine decision at `at`.
    pub fn decision(&mut self, at: Timestamp, d: &Decision) {
        let t = at.0;
        self.rules.decision(t, d);
        use Decision::*;
        match *d {
            AgentAdded { agent, cap } => self.agent_change(t, agent.0, None, Some(cap), None),
            AgentStatusChanged { agent, status } => {
                self.agent_change(t, agent.0, None, None, Some(status))
            }
            CapacityChanged { agent, load, cap } => {
                self.agent_change(t, agent.0, Some(load), Some(cap), None)
            }
            Queued { conversation } | WaitingForAgent { conversation, .. } => {
                self.set_waiting(t, conversation.0, true)
            }
            Assigned {
                conversation,
                agent,
                load,
                cap,
                ..
            }
            | Offered {
                conversation,
                agent,
                load,
                cap,
                ..
            } => {
                self.set_waiting(t, conversation.0, false);
                if matches!(d, Assigned { .. }) {
                    if let Some(a) = self.agents.get_mut(agent.0 as usize) {
                        a.assignments += 1;
                    }
                }
                self.agent_change(t, agent.0, Some(load), Some(cap), None);
            }
            Requeued {
                conversation,
                from,
                load,
                cap,
                ..
            } => {
                self.requeues += 1;
                self.set_waiting(t, conversation.0, true);
                self.agent_change(t, from.0, Some(load), Some(cap), None);
            }
            StickyHit { conversation, .. } => self.conv(conversation.0).sticky = 1,
            StickyMiss { conversation, .. } => self.conv(conversation.0).sticky = 2,
            FirstResponse {
                conversation,
                waited,
                ..
            } => {
                self.frt.push(waited.0);
                self.within += u64::from(waited.0 <= self.target_ms);
                self.longest_wait = self.longest_wait.max(waited.0);
                let b = ((t / BUCKET_MS) as usize).min(self.buckets.len() - 1);
                self.buckets[b].2.push(waited.0);
                let c = self.conv(conversation.0);
                c.responded = true;
                if let Some(since) = c.human_since() {
                    self.queue.answered(since, waited.0);
                    self.intervals.outcome(since, Some(waited.0));
                }
            }
            Parked {
                agent, load, cap, ..
            }
            | Released {
                agent, load, cap, ..
            } => self.agent_change(t, agent.0, Some(load), Some(cap), None),
            Transferred {
                from, load, cap, ..
            } => {
                if let Some(from) = from {
                    self.agent_change(t, from.0, load, cap, None);
                }
            }
            Resolved {
                conversation,
                agent,
                reason,
                load,
                cap,
            } => {
                self.set_waiting(t, conversation.0, false);
                if let Some(agent) = agent {
                    self.agent_change(t, agent.0, load, cap, None);
                }
                let c = self.conv(conversation.0);
                c.resolved = true;
                let (opened, since, responded) = (c.opened_at, c.human_since(), c.responded);
                match reason {
                    ResolveReason::Solved => {
                        self.volumes.solved += 1;
                        self.resolution.push(t.saturating_sub(opened));
                        if let Some(a) = agent.and_then(|a| self.agents.get_mut(a.0 as usize)) {
                            a.solved += 1;
                        }
                    }
                    ResolveReason::BotContained => self.volumes.bot_contained += 1,
                    ResolveReason::Abandoned => {
                        self.volumes.abandoned += 1;
                        if let (Some(s), false) = (since, responded) {
                            self.longest_wait = self.longest_wait.max(t.saturating_sub(s));
                            self.queue.unanswered(s, t.saturating_sub(s), true);
                            self.intervals.outcome(s, None);
                        }
                    }
                    ResolveReason::Expired => self.volumes.expired += 1,
                }
            }
            WrapUpStarted {
                agent, load, cap, ..
            }
            | WrapUpEnded {
                agent, load, cap, ..
            }
            | ChannelWeightChanged {
                agent, load, cap, ..
            } => self.agent_change(t, agent.0, Some(load), Some(cap), None),
            TeamSet { .. }
            | TenantCapChanged { .. }
            | ChannelCapChanged { .. }
            | RateLimitReached { .. }
            | RateLimitSet { .. }
            | NoAnswer { .. }
            | NothingToPull { .. } => {}
            PullCapChanged {
                agent, load, cap, ..
            } => self.agent_change(t, agent.0, Some(load), Some(cap), None),
            SlaWarning { conversation, .. } => {
                self.sl.warnings += 1;
                let c = self.conv(conversation.0);
                if c.warned_at == NEVER {
                    c.warned_at = t;
                }
            }
            SlaBreach { conversation, .. } => {
                self.sl.breaches += 1;
                match self.conv(conversation.0).warned_at() {
                    Some(w) if w < t => self.sl.breaches_warned_before += 1,
                    _ => self.sl.breaches_without_warning += 1,
                }
            }
            Purged { .. }
            | OfferAccepted { .. }
            | Reprioritised { .. }
            | PriorityChanged { .. }
            | Escalated { .. }
            | StepEntered { .. }
            | StepSkipped { .. }
            | TtlReached { .. }
            | PlanChanged { .. }
            | QueueHours { .. }
            | ClosedQueue { .. }
            | PreferredSkipped { .. }
            | SkillWindowChanged { .. } => {}
        }
    }

    /// Records how many agents are logged in at the start of each bucket;
    /// call with nondecreasing `at`.
    pub fn sample_agents(&mut self, at: Timestamp) {
        let b = ((at.0 / BUCKET_MS) as usize).min(self.buckets.len() - 1);
        let n = self.agents.iter().filter(|a| a.logged_in).count() as u64;
        self.buckets[b].3 = self.buckets[b].3.max(n);
    }
}
