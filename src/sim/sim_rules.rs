//! The scenario's plan and workload rules at run time: the commands that
//! set them up once the roster is registered, and the agent behaviours
//! they call for (pulling work, leaving an assignment unanswered for a
//! while, coming back after the engine set an agent away for it).
//! None of it runs for a scenario that sets none of them.

use super::error::SimError;
use super::events::Event;
use super::rng::{SimRng, Stream};
use super::runner::Run;
use super::workload::Workload;
use crate::engine::{Command, InboxEntry, TeamId};
use crate::model::{AgentId, AgentStatus, Capacity};

impl Run<'_> {
    /// Sets each group's and team's rules on the registered agents, then
    /// loads the plan (after the roster, so its roster checks see it).
    pub(super) fn set_up_rules(&mut self, w: &Workload) -> Result<(), SimError> {
        let s = self.s;
        for rule in &s.agent_rules.groups {
            let Some(g) = s.agents.iter().position(|g| g.name == rule.group) else {
                continue;
            };
            for (i, plan) in w.agents.iter().enumerate() {
                if usize::from(plan.group) != g {
                    continue;
                }
                let agent = AgentId(i as u64);
                for (&channel, &cap) in &rule.channel_caps {
                    self.apply(Command::SetChannelCap {
                        agent,
                        channel,
                        max_live: Some(cap),
                    })?;
                }
                for (&channel, &weight) in &rule.channel_weights {
                    self.apply(Command::SetChannelWeight {
                        agent,
                        channel,
                        weight: Some(Capacity(weight)),
                    })?;
                }
                if let Some(limit) = rule.rate_limit {
                    self.apply(Command::SetRateLimit {
                        agent,
                        limit: Some(limit),
                    })?;
                }
                if let Some(n) = rule.pull_up_to {
                    self.apply(Command::SetPullCap {
                        agent,
                        pull_cap: Some(Capacity::units(n)),
                    })?;
                    self.agents[i].pulls = true;
                }
            }
        }
        for (t, team) in s.agent_rules.teams.iter().enumerate() {
            let members = w
                .agents
                .iter()
                .enumerate()
                .filter(|(_, a)| {
                    let group = &s.agents[usize::from(a.group)].name;
                    team.groups.contains(group)
                })
                .map(|(i, _)| AgentId(i as u64))
                .collect();
            self.apply(Command::SetTeam {
                team: TeamId(t as u64),
                name: team.name.as_str().into(),
                members,
                max_live: team.max_live,
                rate_limit: team.rate_limit,
            })?;
        }
        if let Some(plan) = s.plan_for_run()? {
            self.apply(Command::set_plan(plan))?;
        }
        Ok(())
    }

    /// An agent with nothing to answer who pulls asks for their next
    /// conversation; nothing to pull is a decision, and they wait to be
    /// woken like anyone else.
    pub(super) fn pull(&mut self, agent: u32) -> Result<(), SimError> {
        if self.agents[agent as usize].pulls {
            self.apply(Command::PullNext {
                agent: AgentId(u64::from(agent)),
            })?;
        }
        Ok(())
    }

    /// After an assignment of a conversation not answered yet, the agent
    /// may leave it unanswered for a while (the scenario's `unanswered`
    /// share) while working their other threads; `Event::Back` wakes them
    /// when the while is over. Drawn from the conversation's own stream
    /// and its assignment count, so the draw does not depend on the
    /// policy's other choices.
    pub(super) fn maybe_unanswered(&mut self, agent: u32, c: u32) {
        let Some(u) = self.s.unanswered else { return };
        let Some(conv) = self.convs.get_mut(c as usize) else {
            return;
        };
        conv.ignored = None;
        if conv.responded {
            return;
        }
        conv.assignments += 1;
        let mut rng = SimRng::stream(
            self.seed,
            Stream::Unanswered,
            u64::from(c),
            u64::from(conv.assignments),
        );
        if !rng.chance(u.share) {
            return;
        }
        let ms = rng.lognormal(u.minutes_median * 60_000.0, 0.5).max(1.0) as u64;
        conv.ignored = Some((agent, self.now + ms));
        self.queue.push(self.now + ms, Event::Back(agent));
    }

    /// The first thread of the agent's inbox, in the engine's order, that
    /// they are not leaving unanswered now (the unanswered behaviour reads
    /// the whole inbox, at most the agent's cap of threads).
    pub(super) fn head_not_ignored(&self, agent: u32) -> Result<Option<InboxEntry>, SimError> {
        let inbox = self
            .engine
            .inbox(AgentId(u64::from(agent)))
            .map_err(|e| self.refused("inbox", e))?;
        Ok(inbox.into_iter().find(|e| {
            let ignored = self
                .convs
                .get(e.conversation.0 as usize)
                .and_then(|c| c.ignored)
                .is_some_and(|(by, until)| by == agent && self.now < until);
            !ignored
        }))
    }

    /// The engine set an agent away for not answering: they notice and
    /// come back online at once (they were working other threads).
    pub(super) fn sent_away(&mut self, agent: u32) {
        self.agents[agent as usize].sent_away = true;
        self.queue.push(self.now + 1, Event::Back(agent));
    }

    /// The end of a while: back online if the engine had set them away
    /// (a break or log-off from the roster is left alone), and back to
    /// work.
    pub(super) fn back(&mut self, agent: u32) -> Result<(), SimError> {
        let a = &mut self.agents[agent as usize];
        if std::mem::take(&mut a.sent_away) && a.status == AgentStatus::Away {
            self.apply(Command::SetAgentStatus {
                agent: AgentId(u64::from(agent)),
                status: AgentStatus::Online,
            })?;
        }
        self.wake.push(agent);
        Ok(())
    }
}
