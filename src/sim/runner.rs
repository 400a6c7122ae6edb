//! The discrete-event loop. It plays the customers and the agents of a
//! [`Workload`] against the real [`Engine`], through its public API only:
//! every routing, capacity, stickiness and alerting decision is the
//! engine's. The simulator only decides what people do (when a customer
//! writes, how long a reply takes, when an agent takes a break) and applies
//! [`Command::Tick`] at [`Engine::next_deadline`] so alerts fire on time.
//!
//! An agent writes one reply at a time and always works the head of their
//! inbox in the engine's order ([`Engine::inbox_head`]).

use super::classical::Classical;
use super::error::SimError;
use super::events::{Event, EventQueue};
use super::faults::{FaultConfig, Faults};
use super::intervals::IntervalTally;
use super::metrics::Collector;
use super::outcome::{Progress, SimOutcome};
use super::queueing::QueueTally;
use super::report::Report;
use super::scenario::Scenario;
use super::trace::{LineContext, TraceHeader, TraceWriter, TRACE_FORMAT};
use super::workload::{CustomerScript, Workload};
use crate::engine::{Command, Decision, Engine, EngineError};
use crate::model::{AgentStatus, Capacity, CustomerId, Timestamp};

pub(super) struct ConvSim {
    pub(super) customer: CustomerId,
    pub(super) topic: u16,
    pub(super) script: CustomerScript,
    pub(super) turns_left: u32,
    pub(super) turn: u32,
    pub(super) owner: Option<u32>,
    pub(super) parked: bool,
    pub(super) resolved: bool,
    pub(super) responded: bool,
    pub(super) contained: bool,
    /// Service time, ms (classical model; 0 otherwise).
    pub(super) service_ms: u64,
    /// Assignments before the first reply (the unanswered behaviour's
    /// draw key).
    pub(super) assignments: u32,
    /// The agent leaving this assignment unanswered, and until when, ms.
    pub(super) ignored: Option<(u32, u64)>,
}

pub(super) struct AgentSim {
    pub(super) status: AgentStatus,
    pub(super) busy: bool,
    pub(super) speed: f64,
    pub(super) load: Capacity,
    pub(super) cap: Capacity,
    /// Pulls work when idle (the scenario's `pull_up_to`).
    pub(super) pulls: bool,
    /// The engine set them away for not answering.
    pub(super) sent_away: bool,
}

pub(super) struct Run<'a> {
    pub(super) s: &'a Scenario,
    pub(super) seed: u64,
    pub(super) engine: Engine,
    pub(super) queue: EventQueue,
    pub(super) collector: Collector,
    pub(super) trace: Option<TraceWriter>,
    pub(super) progress: Option<Box<dyn FnMut(Progress)>>,
    pub(super) audit_every: u64,
    pub(super) tick_ms: u64,
    pub(super) convs: Vec<ConvSim>,
    pub(super) agents: Vec<AgentSim>,
    pub(super) wake: Vec<u32>,
    pub(super) accept: Vec<(u32, u32)>,
    pub(super) events: u64,
    pub(super) now: u64,
    pub(super) contexts: Vec<LineContext>,
    /// The fault layer, when faults are injected.
    pub(super) faults: Option<Faults>,
    /// The classical model, when the scenario has one: agents serve one
    /// turn and resolve, instead of conversing.
    pub(super) classical: Option<&'a Classical>,
    /// Assignments waiting for their agent to start serving (classical).
    pub(super) start: Vec<(u32, u32)>,
    /// The decision buffer every command reuses.
    pub(super) decisions: Vec<Decision>,
    /// When a classical run next purges resolved conversations, ms.
    pub(super) next_purge: u64,
}

/// Options a [`Simulation`](super::Simulation) passes to its run.
pub(super) struct RunOptions {
    pub(super) trace: Option<TraceWriter>,
    pub(super) progress: Option<Box<dyn FnMut(Progress)>>,
    pub(super) audit_every: u64,
    pub(super) tick_ms: u64,
    pub(super) faults: Option<FaultConfig>,
}

impl<'a> Run<'a> {
    pub(super) fn new(
        s: &'a Scenario,
        seed: u64,
        engine: Engine,
        workload: &Workload,
        opts: RunOptions,
    ) -> Self {
        let groups: Vec<u16> = workload.agents.iter().map(|a| a.group).collect();
        let mut collector = Collector::new(s.horizon_ms(), &groups, s.engine.response_target.0);
        collector.reserve(workload.arrivals.len());
        if let Some(st) = &s.staffing {
            collector.intervals = IntervalTally::new(
                st.interval_ms(),
                s.horizon_ms(),
                s.engine.response_target.0,
                |i| st.on_duty(i),
            );
        }
        if let Some(c) = &s.classical {
            collector.queue = QueueTally::new(
                (c.warmup_minutes * 60_000.0) as u64,
                s.engine.response_target.0,
            );
        }
        Run {
            s,
            seed,
            engine,
            queue: EventQueue::default(),
            collector,
            trace: opts.trace,
            progress: opts.progress,
            audit_every: opts.audit_every,
            tick_ms: opts.tick_ms,
            convs: Vec::with_capacity(workload.arrivals.len()),
            agents: workload
                .agents
                .iter()
                .map(|a| AgentSim {
                    status: AgentStatus::Offline,
                    busy: false,
                    speed: a.speed,
                    load: Capacity::ZERO,
                    cap: a.spec.cap,
                    pulls: false,
                    sent_away: false,
                })
                .collect(),
            wake: Vec::new(),
            accept: Vec::new(),
            events: 0,
            now: 0,
            contexts: Vec::new(),
            faults: opts.faults.map(|config| Faults::new(config, seed)),
            classical: s.classical.as_ref(),
            start: Vec::new(),
            decisions: Vec::with_capacity(16),
            next_purge: 3_600_000,
        }
    }
}

const BUCKET_MS: u64 = 15 * 60_000;

impl Run<'_> {
    pub(super) fn start(&mut self, w: &Workload) -> Result<(), SimError> {
        if let Some(t) = &mut self.trace {
            t.header(&TraceHeader {
                ty: "header",
                format: TRACE_FORMAT,
                scenario: &self.s.name,
                policy: self.engine.policy_name(),
                seed: self.seed,
                horizon_ms: self.s.horizon_ms(),
                engine: self.engine.config(),
            })?;
        }
        for (i, plan) in w.agents.iter().enumerate() {
            self.apply(Command::AddAgent(plan.spec.clone()))?;
            for &(at, status) in &plan.schedule {
                self.queue.push(
                    at.0,
                    Event::Roster {
                        agent: i as u32,
                        status,
                    },
                );
            }
        }
        self.set_up_rules(w)
    }

    pub(super) fn main_loop(&mut self, w: &Workload) -> Result<(), SimError> {
        let horizon = self.s.horizon_ms();
        let mut next_arrival = 0usize;
        let mut next_sample = 0u64;
        loop {
            let arrival_at = w.arrivals.get(next_arrival).map(|a| a.at.0);
            let event_at = self.queue.peek_time();
            let next = match (arrival_at, event_at) {
                (Some(a), Some(e)) => Some(a.min(e)),
                (a, e) => a.or(e),
            }
            .filter(|&t| t < horizon);
            self.fire_deadlines(next.unwrap_or(horizon))?;
            while next_sample <= next.unwrap_or(horizon).min(horizon.saturating_sub(1)) {
                self.collector.sample_agents(Timestamp(next_sample));
                next_sample += BUCKET_MS;
            }
            let Some(t) = next else { break };
            self.now = self.now.max(t);
            // Arrivals go first at equal times: the customer wrote before
            // anything scheduled for that millisecond reacts.
            if arrival_at == Some(t) {
                self.arrive(w, next_arrival)?;
                next_arrival += 1;
            } else if let Some((_, event)) = self.queue.pop() {
                self.handle(w, event)?;
            }
            self.drain_wakes()?;
            self.events += 1;
            if self.audit_every > 0 && self.events.is_multiple_of(self.audit_every) {
                self.audit()?;
            }
            if self.events.is_multiple_of(65_536) {
                if let Some(p) = &mut self.progress {
                    p(Progress {
                        at_ms: self.now,
                        horizon_ms: horizon,
                        events: self.events,
                    });
                }
            }
        }
        self.now = self.now.max(horizon);
        if let Some(p) = &mut self.progress {
            p(Progress {
                at_ms: horizon,
                horizon_ms: horizon,
                events: self.events,
            });
        }
        Ok(())
    }

    /// Applies Tick at every engine deadline up to and including `until`.
    fn fire_deadlines(&mut self, until: u64) -> Result<(), SimError> {
        let mut last_tick: Option<u64> = None;
        while let Some(d) = self.engine.next_deadline() {
            // A tick at `at` fires every timer due at or before it; one still
            // due afterwards would loop forever.
            if let Some(at) = last_tick.filter(|&at| d.0 <= at) {
                return Err(SimError::StuckDeadline {
                    deadline: d,
                    at: Timestamp(at),
                    seed: self.seed,
                });
            }
            let due = if self.tick_ms > 0 {
                d.0.div_ceil(self.tick_ms).saturating_mul(self.tick_ms)
            } else {
                d.0
            };
            if due > until {
                break;
            }
            let at = due.max(self.now);
            self.now = at;
            self.apply(Command::Tick)?;
            self.drain_wakes()?;
            if self.audit_every > 0 {
                self.audit()?;
            }
            last_tick = Some(at);
        }
        Ok(())
    }

    fn audit(&self) -> Result<(), SimError> {
        self.engine
            .audit()
            .map(|_| ())
            .map_err(|v| SimError::Audit {
                at: Timestamp(self.now),
                seed: self.seed,
                violation: v.to_string(),
            })
    }

    pub(super) fn refused(&self, command: &'static str, source: EngineError) -> SimError {
        SimError::Engine {
            command,
            at: Timestamp(self.now),
            seed: self.seed,
            source,
        }
    }

    pub(super) fn finish(mut self) -> Result<SimOutcome, SimError> {
        if let Some(t) = &mut self.trace {
            t.flush()?;
        }
        let report = Report {
            scenario: self.s.name.clone(),
            policy: self.engine.policy_name().to_string(),
            seed: self.seed,
            ..Report::default()
        };
        let mut report = self.collector.finish(Timestamp(self.now), report);
        let engine_stats = self.engine.stats();
        report.rules = super::rules_figures::with_refusals(report.rules, &engine_stats.refusals);
        Ok(SimOutcome {
            report,
            engine_stats,
            events: self.events,
            faults: self.faults.map(|f| f.report),
        })
    }
}
