//! The plan model's state: what it saw of each conversation and agent,
//! each queue's live conversations, and the rules it checks them by.

use crate::common::*;
use proptest::prelude::*;
use std::collections::BTreeMap;
use switchboard::*;

use super::spec::{Action, PlanSpec};

/// The model's view of one conversation.
#[derive(Debug)]
pub struct Conv {
    pub route: usize,
    pub opened: u64,
    pub entered: usize,
    pub queues: Vec<usize>,
    pub dropped_b: bool,
    pub agent: Option<u64>,
    /// The queue whose pool its agent took it from (its live count).
    pub live_queue: Option<usize>,
    /// When its agent got it, for the no-answer timer.
    pub assigned_at: u64,
    pub answered: bool,
    pub hops: u32,
}

/// The model's view of one agent: skill levels (0: none), cap, load.
#[derive(Debug)]
pub struct Agent {
    pub a: u8,
    pub b: u8,
    pub cap: u32,
    pub load: u32,
}

/// Whether `agent` has the skills of queue `q` for `conv`, soft skills as
/// relaxed so far.
pub fn meets(spec: &PlanSpec, agent: &Agent, conv: &Conv, q: usize) -> bool {
    let q = &spec.queues[q];
    q.hard_a.is_none_or(|l| agent.a >= l)
        && (conv.dropped_b || q.soft_b.is_none_or(|l| agent.b >= l))
}

/// The model: the plan, agents, conversations, and each queue's live
/// conversations.
pub struct Model {
    pub spec: PlanSpec,
    pub agents: BTreeMap<u64, Agent>,
    pub convs: BTreeMap<u64, Conv>,
    pub live: Vec<u32>,
    pub now: u64,
}

impl Model {
    pub fn full(&self, q: usize) -> bool {
        self.spec.queues[q]
            .max_live
            .is_some_and(|cap| self.live[q] >= cap)
    }

    /// Whether `agent` serves `conv` through a queue under its cap.
    pub fn serves(&self, agent: &Agent, conv: &Conv) -> bool {
        (conv.queues.iter()).any(|&q| !self.full(q) && meets(&self.spec, agent, conv, q))
    }

    /// The live conversations, in id order.
    pub fn live_ids(&self) -> Vec<u64> {
        (self.convs.iter())
            .filter(|(_, c)| c.agent.is_some())
            .map(|(&id, _)| id)
            .collect()
    }

    /// `id` leaves its agent (requeued or resolved).
    pub fn release(&mut self, id: u64) {
        let c = self.convs.get_mut(&id).expect("a known conversation");
        let agent = c.agent.take().expect("live");
        self.agents.get_mut(&agent).expect("known").load -= 1;
        if let Some(q) = c.live_queue.take() {
            self.live[q] -= 1;
        }
    }

    /// The full queues whose work `agent` could otherwise pull now.
    pub fn full_queues_for(&self, agent: u64) -> Vec<usize> {
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

    pub fn step_entered(&mut self, id: u64, route: &str, step: u16) -> Result<(), TestCaseError> {
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

    pub fn assigned(
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

    pub fn no_answer(
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
    pub fn check_state(&self, e: &Engine) -> Result<(), TestCaseError> {
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
