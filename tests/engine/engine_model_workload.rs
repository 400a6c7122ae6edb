//! State-machine test of the workload rules: random valid configurations
//! (wrap-up in each of its modes, a team with a cap and a rate limit
//! (agents' own limits set and removed under load), the
//! tenant's cap (each cap also lowered and raised under load),
//! per-channel caps, parked shares by channel, an interruption matrix,
//! reassignment when the agent does not answer, an affinity window for
//! one channel) and random commands with
//! time jumps, applied to the engine and checked against a reference
//! model of what each rule allows. Where the engine chooses (which agent,
//! which conversation), the model checks that the choice was legal: no new
//! assignment takes a level above its cap (a level already over it after a
//! lowered cap only shrinks), nobody takes more new work than their rate
//! limit in any window, no answered conversation is reassigned, hops stay
//! bounded, a pull fills an agent no further than their pull maximum, a
//! wrap-up lasts its time box (ended early only as its mode allows), and
//! every load is what the model computes from the states. A returning
//! customer past the channel's affinity window is told so, and only then
//! (`affinity.rs`).
//! Halfway, the engine is restored from its snapshot and both copies must
//! give equal decisions to the end (every rule's state is in the snapshot).

use crate::common;
use common::*;
use proptest::prelude::*;
use std::collections::BTreeMap;
use switchboard::*;

mod affinity;
mod seen;
mod spec;
use affinity::Affinity;
use seen::*;
use spec::*;

/// The model's view of the engine: what it saw happen, and the levels.
struct Model {
    rules: Rules,
    team_cap: Option<u32>,
    /// The tenant's cap in force.
    tenant_cap: Option<u32>,
    channel_caps: BTreeMap<(u64, Channel), u32>,
    /// New assignments per agent, by time.
    assigned_at: BTreeMap<u64, Vec<Timestamp>>,
    answered: BTreeMap<u64, bool>,
    hops: BTreeMap<u64, u32>,
    /// Agents' own channel weights, in milli-units.
    weights: BTreeMap<(u64, Channel), u32>,
    /// The command re-weighed an agent's threads: their load may rise
    /// past the cap without new work.
    reweighed: bool,
    /// Wrap-ups in progress: conversation to (started, ends by itself).
    wraps: BTreeMap<u64, (Timestamp, Timestamp)>,
    /// Agents' pull maximums, in units.
    pull_caps: BTreeMap<u64, u32>,
    /// Agents' own rate limits, (max, window in seconds).
    own_rates: BTreeMap<u64, (u32, u64)>,
    /// Since when each agent has had a rate limit without a break: only
    /// assignments since then count against it.
    limited_since: BTreeMap<u64, Timestamp>,
    /// Customers' last agents and the affinity window.
    affinity: Affinity,
}

impl Model {
    /// Checks one command's decisions and the state after it against the
    /// state before.
    fn check(
        &mut self,
        e: &Engine,
        at: Timestamp,
        before: &Seen,
        d: &[Decision],
    ) -> Result<(), TestCaseError> {
        let mut after = seen(e, &self.rules, &self.weights);
        // An agent's own threads coming back (a parked thread the customer
        // writes to, a wrap-up reopened) are theirs already: only the
        // agent's total cap applies to them. Take them out of the counts.
        for decision in d {
            if let Decision::Assigned {
                conversation,
                agent,
                via: AssignVia::Resumed | AssignVia::Reopened,
                ..
            } = *decision
            {
                let channel = e.conversation(conversation).expect("known").channel;
                after.tenant -= 1;
                if agent.0 <= 3 {
                    after.team -= 1;
                }
                if let Some(live) = after.live.get_mut(&(agent.0, channel)) {
                    *live -= 1;
                }
            }
        }
        // No level grows past its cap by new work (one over it after a
        // lowered cap only shrinks).
        let grew_past = |b: u32, a: u32, cap: Option<u32>| cap.is_some_and(|c| a > c && a > b);
        prop_assert!(!grew_past(before.team, after.team, self.team_cap), "team");
        prop_assert!(
            !grew_past(before.tenant, after.tenant, self.tenant_cap),
            "tenant"
        );
        for (&(agent, channel), &cap) in &self.channel_caps {
            let (b, a) = (
                before.live.get(&(agent, channel)).copied().unwrap_or(0),
                after.live.get(&(agent, channel)).copied().unwrap_or(0),
            );
            prop_assert!(
                !grew_past(b, a, Some(cap)),
                "channel cap of {agent} on {channel:?}"
            );
        }
        for agent in 1..=AGENTS {
            let cap = Capacity::units(self.rules.caps[agent as usize - 1]);
            let (b, a) = (before.load[&agent], after.load[&agent]);
            // An interrupting text may go beside the interrupted load
            // (at most what the agent held before): never past twice the
            // cap, unless an own weight raised that load past the cap.
            let ceiling = if self.rules.interrupt {
                Capacity(cap.0 + cap.0.max(b.0))
            } else {
                cap
            };
            // A pull may fill the agent up to their pull maximum.
            let pulled = d.iter().any(|d| {
                matches!(d, Decision::Assigned { agent: a, via: AssignVia::PullNext, .. } if a.0 == agent)
            });
            let ceiling = match self.pull_caps.get(&agent) {
                Some(&p) if pulled => ceiling.max(Capacity::units(p)),
                _ => ceiling,
            };
            prop_assert!(
                a <= ceiling || a <= b || self.reweighed,
                "load of {agent}: {b:?} -> {a:?}"
            );
            let expected = after.expected.get(&agent).copied().unwrap_or(0);
            prop_assert_eq!(a, Capacity(expected), "load of {} recounted", agent);
        }
        for decision in d {
            match *decision {
                Decision::Assigned { agent, via, .. } | Decision::Offered { agent, via, .. }
                    if !matches!(via, AssignVia::Resumed | AssignVia::Reopened) =>
                {
                    let limit = self.rate_of(agent.0);
                    let since = self.limited_since.get(&agent.0).copied();
                    let times = self.assigned_at.entry(agent.0).or_default();
                    times.push(at);
                    if let (Some((max, secs)), Some(since)) = (limit, since) {
                        let window = TimeSpan::from_secs(secs);
                        let recent = (times.iter())
                            .filter(|&&t| t >= since && t + window > at)
                            .count();
                        prop_assert!(recent <= max as usize, "rate of {}", agent.0);
                    }
                }
                Decision::NoAnswer {
                    conversation, hop, ..
                } => {
                    prop_assert!(!self.answered.get(&conversation.0).copied().unwrap_or(false));
                    let max = self.rules.no_answer.map_or(0, |(_, h)| h);
                    prop_assert!(hop <= max + 1, "hops bounded");
                    self.hops.insert(conversation.0, hop);
                }
                Decision::WrapUpStarted {
                    conversation,
                    until,
                    ..
                } => {
                    prop_assert!(self.rules.wrap_hold.is_some(), "a wrap-up without a rule");
                    prop_assert_eq!(until, at + WRAP_TIME, "the time box");
                    self.wraps.insert(conversation.0, (at, until));
                }
                Decision::WrapUpEnded {
                    conversation,
                    reason,
                    ..
                } => {
                    let wrap = self.wraps.remove(&conversation.0);
                    prop_assert!(wrap.is_some(), "{:?} was not in wrap-up", conversation);
                    if let (Some((_, until)), WrapUpEndReason::TimedOut) = (wrap, reason) {
                        prop_assert!(at >= until, "wrap-up timed out early");
                    }
                }
                _ => {}
            }
        }
        for id in 1..=CONVERSATIONS {
            let engine = e.wrap_up(ConversationId(id)).ok().flatten().is_some();
            prop_assert_eq!(engine, self.wraps.contains_key(&id), "wrap-up of {}", id);
        }
        let audit = e.audit();
        prop_assert!(audit.is_ok(), "{audit:?}");
        Ok(())
    }

    /// `agent`'s rate limit in force: their own, else their team's.
    fn rate_of(&self, agent: u64) -> Option<(u32, u64)> {
        let team = (agent <= 3).then_some(self.rules.rate).flatten();
        self.own_rates.get(&agent).copied().or(team)
    }

    /// Whether the agent may end `id`'s wrap-up at `at` by the rule's mode,
    /// while its time box lasts (`None`: not in wrap-up, or past it).
    fn may_end(&self, id: u64, at: Timestamp) -> Option<bool> {
        let &(started, until) = self.wraps.get(&id)?;
        (at < until).then(|| match self.rules.wrap_mode() {
            WrapUpMode::Optional => true,
            WrapUpMode::TimeBoxed { min } => at >= started + min,
            _ => false,
        })
    }
}

fn run(rules: Rules, steps: Vec<Step>) -> Result<(), TestCaseError> {
    let mut e = engine_with(config(&rules), "least_loaded");
    for (i, &cap) in rules.caps.iter().enumerate() {
        agent(&mut e, i as u64 + 1, &[], cap);
    }
    e.apply(Timestamp(0), team(rules.team_cap, rules.rate))
        .expect("team accepted");
    let window = rules.affinity.map(TimeSpan::from_secs);
    let mut model = Model {
        team_cap: rules.team_cap,
        tenant_cap: rules.tenant,
        rules,
        channel_caps: BTreeMap::new(),
        assigned_at: BTreeMap::new(),
        answered: BTreeMap::new(),
        hops: BTreeMap::new(),
        weights: BTreeMap::new(),
        reweighed: false,
        wraps: BTreeMap::new(),
        pull_caps: BTreeMap::new(),
        own_rates: BTreeMap::new(),
        limited_since: BTreeMap::new(),
        affinity: Affinity {
            window,
            last: BTreeMap::new(),
        },
    };
    for agent in 1..=AGENTS {
        if model.rate_of(agent).is_some() {
            model.limited_since.insert(agent, Timestamp(0));
        }
    }
    let mut at = Timestamp(0);
    let mut twin: Option<Engine> = None;
    let half = steps.len() / 2;
    for (n, step) in steps.iter().enumerate() {
        if n == half {
            let json = e.snapshot().to_json().expect("snapshot");
            let snapshot = Snapshot::from_json(&json).expect("decodes");
            twin = Some(Engine::restore(snapshot, boxed("least_loaded")).expect("restores"));
        }
        at = match step {
            Step::Tick { secs } => at + TimeSpan::from_secs(*secs),
            _ => at + TimeSpan(1),
        };
        let command = match step {
            Step::TeamCap { max } => {
                let rate = model.rules.rate;
                Some(team(*max, rate))
            }
            _ => command(&e, step),
        };
        let Some(command) = command else {
            continue;
        };
        let before = seen(&e, &model.rules, &model.weights);
        let may_end = match *step {
            Step::EndWrapUp { id } => model.may_end(id, at),
            _ => None,
        };
        let result = e.apply(at, command.clone());
        if let Some(twin) = twin.as_mut() {
            prop_assert_eq!(
                &twin.apply(at, command.clone()),
                &result,
                "restored copy differs"
            );
        }
        if let Some(allowed) = may_end {
            prop_assert_eq!(
                result.is_ok(),
                allowed,
                "{:?} at {:?}: {:?}",
                step,
                at,
                result
            );
        }
        let Ok(decisions) = result else {
            continue;
        };
        match *step {
            Step::TeamCap { max } => model.team_cap = max,
            Step::TenantCap { max } => model.tenant_cap = max,
            Step::ChannelCap {
                agent,
                channel,
                max,
            } => {
                let key = (agent, CHANNELS[channel]);
                match max {
                    Some(max) => model.channel_caps.insert(key, max),
                    None => model.channel_caps.remove(&key),
                };
            }
            Step::Answer { id } => {
                model.answered.insert(id, true);
            }
            Step::ChannelWeight {
                agent,
                channel,
                weight,
            } => {
                let key = (agent, CHANNELS[channel]);
                match weight {
                    Some(w) => model.weights.insert(key, w),
                    None => model.weights.remove(&key),
                };
            }
            Step::AgentRate { agent, limit } => {
                // A change forgets what the old window had forgotten by
                // now: a longer window does not bring those back.
                if let Some((_, secs)) = model.rate_of(agent) {
                    let window = TimeSpan::from_secs(secs);
                    if let Some(times) = model.assigned_at.get_mut(&agent) {
                        times.retain(|&t| t + window > at);
                    }
                }
                match limit {
                    Some(limit) => model.own_rates.insert(agent, limit),
                    None => model.own_rates.remove(&agent),
                };
                match model.rate_of(agent) {
                    None => {
                        model.limited_since.remove(&agent);
                    }
                    Some(_) => {
                        model.limited_since.entry(agent).or_insert(at);
                    }
                }
            }
            Step::PullCap { agent, cap } => {
                match cap {
                    Some(cap) => model.pull_caps.insert(agent, cap),
                    None => model.pull_caps.remove(&agent),
                };
            }
            _ => {}
        }
        model.reweighed = matches!(step, Step::ChannelWeight { .. });
        model.check(&e, at, &before, &decisions)?;
        let opened = match *step {
            Step::Open { id, .. } => Some(id),
            _ => None,
        };
        (model.affinity).check(&e, at, &command, opened, &decisions)?;
        if matches!(step, Step::Tick { .. }) {
            // Every timer due by now fired: no wrap-up outlives its box.
            for (id, &(_, until)) in &model.wraps {
                prop_assert!(until > at, "wrap-up of {} outlived its time box", id);
            }
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn every_workload_rule_holds_against_the_reference_model(
        rules in rules(),
        steps in proptest::collection::vec(step(), 1..80),
    ) {
        run(rules, steps)?;
    }
}
