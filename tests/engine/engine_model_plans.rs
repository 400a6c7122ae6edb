//! State-machine test of routing plans: random valid plans (two or three
//! queues with hard and soft skills, some with a cap on live
//! conversations and some sending unanswered work to another queue, up to
//! three conditional routes and a default, ladders of up to three steps
//! that enter a queue, add an overflow queue, drop a soft skill or raise
//! the priority), a no-answer rule or none, and random commands with time
//! jumps (agents arriving, conversations opened with attributes, first
//! replies, resolves, pulls, ticks), applied to the engine and checked
//! against a reference model written from the rules, not from the
//! engine's code:
//!
//! * the route each conversation takes is the model's (the first route
//!   whose condition holds, else the default), named by its `step_entered`;
//! * steps are entered in order, once each, never before they are due,
//!   and a conversation still waiting has entered every step due by now;
//! * an assignment goes to an agent with room who serves one of the
//!   queues the conversation waits in, with its soft skills as relaxed so
//!   far, through a queue under its cap (the engine chooses the agent and
//!   the queue, named by the explanation; the model checks the choice);
//! * each capped queue's live count is the model's, never above its cap;
//! * no conversation waits while an agent with room could serve it
//!   through a queue under its cap;
//! * an unanswered conversation goes back after exactly the rule's time
//!   (never once answered, never late), to the queue its own queue names
//!   if any, then is kept or resolved after the last hop;
//! * a pull with nothing to take says why: refused at the queue level,
//!   counted once per full queue passed over, when work the agent serves
//!   waits only in full queues;
//! * every load is the model's, and the audit holds.
//!
//! Halfway the engine is restored from its snapshot and both copies must
//! give equal decisions to the end. 64 cases (a few seconds in debug);
//! `PROPTEST_CASES` raises it.

use crate::common;
use common::*;
use proptest::prelude::*;
use std::collections::BTreeMap;
use switchboard::plan::{AttrValue, Attributes};
use switchboard::*;

mod spec;
use spec::*;

/// The model's view of one conversation.
#[derive(Debug)]
struct Conv {
    route: usize,
    opened: u64,
    entered: usize,
    queues: Vec<usize>,
    dropped_b: bool,
    agent: Option<u64>,
    /// The queue whose pool its agent took it from (its live count).
    live_queue: Option<usize>,
    /// When its agent got it, for the no-answer timer.
    assigned_at: u64,
    answered: bool,
    hops: u32,
}

/// The model's view of one agent: skill levels (0: none), cap, load.
#[derive(Debug)]
struct Agent {
    a: u8,
    b: u8,
    cap: u32,
    load: u32,
}

/// Whether `agent` has the skills of queue `q` for `conv`, soft skills as
/// relaxed so far.
fn meets(spec: &PlanSpec, agent: &Agent, conv: &Conv, q: usize) -> bool {
    let q = &spec.queues[q];
    q.hard_a.is_none_or(|l| agent.a >= l)
        && (conv.dropped_b || q.soft_b.is_none_or(|l| agent.b >= l))
}

/// The model: the plan, agents, conversations, and each queue's live
/// conversations.
struct Model {
    spec: PlanSpec,
    agents: BTreeMap<u64, Agent>,
    convs: BTreeMap<u64, Conv>,
    live: Vec<u32>,
    now: u64,
}

impl Model {
    fn full(&self, q: usize) -> bool {
        self.spec.queues[q]
            .max_live
            .is_some_and(|cap| self.live[q] >= cap)
    }

    /// Whether `agent` serves `conv` through a queue under its cap.
    fn serves(&self, agent: &Agent, conv: &Conv) -> bool {
        (conv.queues.iter()).any(|&q| !self.full(q) && meets(&self.spec, agent, conv, q))
    }

    /// The live conversations, in id order.
    fn live_ids(&self) -> Vec<u64> {
        (self.convs.iter())
            .filter(|(_, c)| c.agent.is_some())
            .map(|(&id, _)| id)
            .collect()
    }

    /// `id` leaves its agent (requeued or resolved).
    fn release(&mut self, id: u64) {
        let c = self.convs.get_mut(&id).expect("a known conversation");
        let agent = c.agent.take().expect("live");
        self.agents.get_mut(&agent).expect("known").load -= 1;
        if let Some(q) = c.live_queue.take() {
            self.live[q] -= 1;
        }
    }

    /// The full queues whose work `agent` could otherwise pull now.
    fn full_queues_for(&self, agent: u64) -> Vec<usize> {
        let a = &self.agents[&agent];
        let mut full: Vec<usize> = (self.convs.values())
            .filter(|c| c.agent.is_none() && c.entered != usize::MAX && a.load < a.cap)
            .flat_map(|c| {
                (c.queues.iter().copied()).filter(|&q| self.full(q) && meets(&self.spec, a, c, q))
            })
            .collect();
        full.sort_unstable();
        full.dedup();
        full
    }

    fn step_entered(&mut self, id: u64, route: &str, step: u16) -> Result<(), TestCaseError> {
        let now = self.now;
        let c = self.convs.get_mut(&id).expect("a known conversation");
        let r = &self.spec.routes[c.route];
        prop_assert_eq!(route, &format!("r{}", c.route), "the model's route");
        prop_assert_eq!(usize::from(step), c.entered, "steps in order, once each");
        let due = if step == 0 {
            0
        } else {
            r.later[usize::from(step) - 1].0 * 1000
        };
        prop_assert!(
            now - c.opened >= due,
            "step {} entered before it was due",
            step
        );
        if step > 0 {
            match r.later[usize::from(step) - 1].1 {
                Action::Add(q) => c.queues.push(q),
                Action::DropB => c.dropped_b = true,
                Action::Raise => {}
            }
        }
        c.entered += 1;
        Ok(())
    }

    fn assigned(
        &mut self,
        e: &Engine,
        id: u64,
        agent: u64,
        load: Capacity,
    ) -> Result<(), TestCaseError> {
        // The queue the engine took it through, as the explanation names
        // it (`None`: a queue counting nothing, never a capped one).
        let why = e.explain(ConversationId(id)).expect("known");
        let named = why.and_then(|w| w.queue_cap).map(|q| q.queue);
        let (a, c) = (&self.agents[&agent], &self.convs[&id]);
        prop_assert!(c.agent.is_none() && a.load < a.cap, "room for {}", id);
        let through = match named {
            Some(name) => {
                let q = (0..self.spec.queues.len())
                    .find(|&q| format!("q{q}") == name)
                    .expect("a queue of the plan");
                prop_assert!(c.queues.contains(&q), "{} does not wait in {}", id, name);
                prop_assert!(!self.full(q), "{} taken through full queue {}", id, name);
                prop_assert!(
                    meets(&self.spec, a, c, q),
                    "{} cannot serve {}",
                    agent,
                    name
                );
                Some(q)
            }
            None => {
                let uncapped = (c.queues.iter())
                    .any(|&q| self.spec.queues[q].max_live.is_none() && meets(&self.spec, a, c, q));
                prop_assert!(uncapped, "{} took {} through no queue: {:?}", agent, id, c);
                None
            }
        };
        let a = self.agents.get_mut(&agent).expect("known");
        a.load += 1;
        prop_assert_eq!(load.0, Capacity::units(a.load).0, "the load");
        let c = self.convs.get_mut(&id).expect("known");
        c.agent = Some(agent);
        c.live_queue = through;
        c.assigned_at = self.now;
        if let Some(q) = through {
            self.live[q] += 1;
        }
        Ok(())
    }

    fn no_answer(
        &mut self,
        id: u64,
        hop: u32,
        action: NoAnswerAction,
        queue: Option<&str>,
    ) -> Result<(), TestCaseError> {
        let rule = self.spec.no_answer.expect("a no-answer rule");
        let c = &self.convs[&id];
        prop_assert!(
            c.agent.is_some() && !c.answered,
            "{} answered or not live",
            id
        );
        prop_assert!(
            self.now >= c.assigned_at + rule.after * 1000,
            "{} no-answered early",
            id
        );
        prop_assert_eq!(hop, c.hops + 1, "hops counted");
        let expected = match (hop <= rule.max_hops, rule.resolve) {
            (true, _) => NoAnswerAction::Requeued,
            (false, true) => NoAnswerAction::Resolved,
            (false, false) => NoAnswerAction::KeptAndWarned,
        };
        prop_assert_eq!(action, expected);
        // Its own queue (the first it waits in) may name another.
        let own = c.queues[0];
        let to = (action == NoAnswerAction::Requeued)
            .then(|| self.spec.queues[own].no_answer)
            .flatten();
        let named = to.map(|q| format!("q{q}"));
        prop_assert_eq!(queue, named.as_deref(), "the named queue");
        self.convs.get_mut(&id).expect("known").hops = hop;
        match action {
            NoAnswerAction::Requeued => {
                self.release(id);
                if let Some(to) = to {
                    self.convs.get_mut(&id).expect("known").queues = vec![to];
                }
            }
            NoAnswerAction::Resolved => {
                self.release(id);
                self.convs.get_mut(&id).expect("known").entered = usize::MAX;
            }
            _ => {}
        }
        Ok(())
    }

    /// The state after a command: each capped queue's live count, waiting
    /// work, no idle agent, no overdue no-answer timer.
    fn check_state(&self, e: &Engine) -> Result<(), TestCaseError> {
        for (q, cap) in e.queue_caps().iter().enumerate() {
            if self.spec.queues[q].max_live.is_some() {
                prop_assert_eq!(cap.live, self.live[q], "live count of q{}", q);
            }
            prop_assert_eq!(cap.max_live, self.spec.queues[q].max_live);
        }
        for (&id, c) in &self.convs {
            if c.entered == usize::MAX {
                continue;
            }
            if c.agent.is_some() {
                let overdue = self.spec.no_answer.is_some_and(|r| {
                    !c.answered
                        && c.hops <= r.max_hops
                        && self.now >= c.assigned_at + r.after * 1000
                });
                prop_assert!(!overdue, "conversation {} missed its no-answer timer", id);
                continue;
            }
            prop_assert!(
                matches!(state(e, id), StateKind::Queued),
                "conversation {} waits in the model",
                id
            );
            let r = &self.spec.routes[c.route];
            let due = 1
                + (r.later.iter())
                    .filter(|(after, _)| after * 1000 <= self.now - c.opened)
                    .count();
            prop_assert_eq!(
                c.entered,
                due,
                "conversation {} has entered every step due",
                id
            );
            for (aid, a) in &self.agents {
                prop_assert!(
                    a.load >= a.cap || !self.serves(a, c),
                    "conversation {} waits while agent {} could serve it",
                    id,
                    aid
                );
            }
        }
        // The engine's own recount last, so that the model speaks first.
        audited(e);
        Ok(())
    }
}

fn run(spec: PlanSpec, steps: Vec<Step>) -> Result<(), TestCaseError> {
    let mut e = engine_with(config(&spec), "least_loaded");
    let plan = document(&spec);
    let problems = e.check_plan(&plan);
    prop_assume!(problems
        .iter()
        .all(|p| p.severity() != switchboard::plan::Severity::Error));
    e.apply(Timestamp(0), Command::set_plan(plan))
        .expect("a valid plan loads");
    let live = vec![0; spec.queues.len()];
    let mut m = Model {
        spec,
        agents: BTreeMap::new(),
        convs: BTreeMap::new(),
        live,
        now: 0,
    };
    let mut twin: Option<Engine> = None;
    for (i, s) in steps.iter().enumerate() {
        if i == steps.len() / 2 {
            let json = e.snapshot().to_json().expect("snapshot");
            let snapshot = Snapshot::from_json(&json).expect("decodes");
            twin = Some(Engine::restore(snapshot, boxed("least_loaded")).expect("restores"));
        }
        // A pull's agent, and the full queues it should pass over.
        let mut pulled = None;
        let command: Command = match *s {
            Step::Agent { a, b, cap } => {
                let id = m.agents.len() as u64 + 1;
                m.agents.insert(id, Agent { a, b, cap, load: 0 });
                let skills = [(SKILL_A, a), (SKILL_B, b)]
                    .into_iter()
                    .filter(|&(_, l)| l > 0)
                    .map(|(s, l)| SkillLevel::new(SkillId(s), l).unwrap());
                Command::AddAgent(AgentSpec::new(AgentId(id), Capacity::units(cap)).skills(skills))
            }
            Step::Open { billing, vip } => {
                let id = m.convs.len() as u64 + 1;
                let route = (m.spec.routes.iter())
                    .position(|r| r.when.is_none_or(|c| holds(c, billing, vip)))
                    .expect("a default route");
                let c = Conv {
                    route,
                    opened: m.now,
                    entered: 0,
                    queues: vec![m.spec.routes[route].enter],
                    dropped_b: false,
                    agent: None,
                    live_queue: None,
                    assigned_at: 0,
                    answered: false,
                    hops: 0,
                };
                m.convs.insert(id, c);
                let attrs = Attributes::new()
                    .topic(if billing { "billing" } else { "tech" })
                    .with("vip", AttrValue::Bool(vip));
                Command::open(ConversationId(id), CustomerId(id))
                    .attributes(attrs)
                    .into()
            }
            Step::Resolve { pick } => {
                let live = m.live_ids();
                let Some(&id) = live.get(pick % live.len().max(1)) else {
                    continue;
                };
                m.release(id);
                m.convs.get_mut(&id).unwrap().entered = usize::MAX; // no more steps
                Command::Resolve {
                    conversation: ConversationId(id),
                    reason: ResolveReason::Solved,
                }
            }
            Step::Answer { pick } => {
                let live = m.live_ids();
                let Some(&id) = live.get(pick % live.len().max(1)) else {
                    continue;
                };
                let c = m.convs.get_mut(&id).unwrap();
                c.answered = true;
                Command::AgentMessage {
                    conversation: ConversationId(id),
                    agent: AgentId(c.agent.unwrap()),
                }
            }
            Step::Pull { pick } => {
                if m.agents.is_empty() {
                    continue;
                }
                let agent = pick as u64 % m.agents.len() as u64 + 1;
                let refusals: u64 = e.queue_caps().iter().map(|q| q.refusals).sum();
                pulled = Some((agent, m.full_queues_for(agent), refusals));
                Command::PullNext {
                    agent: AgentId(agent),
                }
            }
            Step::Tick { secs } => {
                m.now += secs * 1000;
                Command::Tick
            }
        };
        let at = Timestamp(m.now);
        let result = e.apply(at, command.clone());
        if let Some(twin) = twin.as_mut() {
            prop_assert_eq!(&twin.apply(at, command), &result, "restored copy differs");
        }
        let decisions = result.expect("every generated command is valid");
        for d in &decisions {
            match d {
                Decision::StepEntered {
                    conversation,
                    route,
                    step,
                } => m.step_entered(conversation.0, route, *step)?,
                Decision::Assigned {
                    conversation,
                    agent,
                    load,
                    ..
                } => m.assigned(&e, conversation.0, agent.0, *load)?,
                Decision::NoAnswer {
                    conversation,
                    hop,
                    action,
                    queue,
                    ..
                } => m.no_answer(conversation.0, *hop, *action, queue.as_deref())?,
                _ => {}
            }
        }
        if let Some((agent, full, refusals)) = pulled {
            // Nothing waits that the agent could take (the model's no-idle
            // check held before): the pull is refused at every full queue
            // holding work they serve, or finds nothing eligible.
            let reason = decisions.iter().find_map(|d| match d {
                Decision::NothingToPull { reason, .. } => Some(*reason),
                _ => None,
            });
            let expected = if full.is_empty() {
                PullMiss::NothingEligible
            } else {
                PullMiss::Refused(CapLevel::Queue)
            };
            prop_assert_eq!(reason, Some(expected), "pull of agent {}", agent);
            let after: u64 = e.queue_caps().iter().map(|q| q.refusals).sum();
            prop_assert_eq!(
                after - refusals,
                full.len() as u64,
                "one refusal per full queue"
            );
        }
        m.check_state(&e)?;
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(64),
        ..ProptestConfig::default()
    })]

    #[test]
    fn random_plans_route_climb_cap_and_assign_as_the_model_says(
        spec in plan_spec(),
        steps in prop::collection::vec(step(), 1..60),
    ) {
        run(spec, steps)?;
    }
}
