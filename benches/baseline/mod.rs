//! The naive baseline: what popular contact-centre routers do. One global
//! mutex over the whole state, and for every assignment a scan over all
//! agents for the least-loaded eligible one (same rank as switchboard's
//! `LeastLoaded`: load relative to cap, then longest idle, then
//! registration order).
//!
//! Everything else is as efficient as switchboard's: hash maps by id, one
//! ordered waiting line per skill group, an ordered inbox per agent, a timer
//! heap, and a freed agent pulls the best waiting work of its groups without
//! scanning. It speaks switchboard's `Command` and `Decision` types so the
//! harness replays the very same stream through both.
//!
//! Simplifications (each makes the baseline do less work, never more): a
//! returning customer whose agent is full is routed to anyone at once (no
//! personal waiting line), a parked thread whose agent is full goes back to
//! its group, offers, transfers, escalations and bots are not modelled.
#![allow(dead_code)]

mod conversation;
mod routing;

use std::cmp::Reverse;
use std::collections::{BTreeMap, BTreeSet, BinaryHeap, HashMap, HashSet};
use std::sync::Mutex;
use switchboard::{
    AgentId, AgentSpec, AgentStatus, AssignVia, Capacity, Channel, Command, CommandKind,
    ConversationId, CustomerId, Decision, EngineConfig, EngineError, OpenConversation, Priority,
    SkillLevel, SkillRequirement, StateKind, StickyMissReason, Tier, Timestamp,
};

type Key = (Channel, Vec<SkillRequirement>);

struct Agent {
    id: AgentId,
    skills: Vec<SkillLevel>,
    channels: Option<Vec<Channel>>,
    cap: u32,
    load: u32,
    status: AgentStatus,
    last_activity: u64,
    queues: Vec<usize>,
    inbox: BTreeSet<((u8, u64, u64), ConversationId)>,
    parked: HashSet<ConversationId>,
}

impl Agent {
    fn level(&self, skill: switchboard::SkillId) -> u8 {
        self.skills
            .binary_search_by_key(&skill, |s| s.skill)
            .map_or(0, |i| self.skills[i].level.get())
    }

    fn eligible(&self, key: &Key) -> bool {
        self.channels.as_ref().is_none_or(|c| c.contains(&key.0))
            && key
                .1
                .iter()
                .all(|r| self.level(r.skill) >= r.min_level.get())
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum St {
    Queued,
    Assigned(u32),
    Parked(Option<u32>),
    Resolved,
}

struct Conv {
    customer: CustomerId,
    channel: Channel,
    queue: usize,
    priority: Priority,
    state: St,
    waiting_since: u64,
    last_customer_message: u64,
    seq: u64,
    awaiting_reply: bool,
    seen: bool,
    first_response: bool,
    held: u32,
    sla_gen: u32,
    park_gen: u32,
}

impl Conv {
    fn inbox_key(&self) -> (u8, u64, u64) {
        (
            u8::from(!self.awaiting_reply),
            self.last_customer_message,
            self.seq,
        )
    }

    fn kind(&self) -> StateKind {
        match self.state {
            St::Queued => StateKind::Queued,
            St::Assigned(_) => StateKind::Assigned,
            St::Parked(_) => StateKind::Parked,
            St::Resolved => StateKind::Resolved,
        }
    }
}

struct Queue {
    key: Key,
    weight: u32,
    waiting: BTreeMap<(i64, u64), ConversationId>,
}

const SLA_WARN: u8 = 0;
const SLA_BREACH: u8 = 1;
const AUTO_PARK: u8 = 2;

#[derive(Default)]
struct State {
    agents: Vec<Agent>,
    by_id: HashMap<AgentId, u32>,
    convs: HashMap<ConversationId, Conv>,
    customers: HashMap<CustomerId, (Tier, Option<(u32, u64)>)>,
    queues: Vec<Queue>,
    queue_by_key: HashMap<Key, usize>,
    timers: BinaryHeap<Reverse<(u64, u8, ConversationId, u32)>>,
    seq: u64,
}

/// The baseline router.
pub struct Baseline {
    config: EngineConfig,
    state: Mutex<State>,
}

impl Baseline {
    /// An empty router with `config`.
    pub fn new(config: EngineConfig) -> Self {
        Self {
            config,
            state: Mutex::new(State::default()),
        }
    }

    /// Applies a command under the global lock.
    pub fn apply(&self, at: Timestamp, command: Command) -> Result<Vec<Decision>, EngineError> {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let mut run = Run {
            c: &self.config,
            s: &mut state,
            at: at.0,
            out: Vec::new(),
        };
        run.command(command)?;
        Ok(run.out)
    }
}

struct Run<'a> {
    c: &'a EngineConfig,
    s: &'a mut State,
    at: u64,
    out: Vec<Decision>,
}

impl Run<'_> {
    fn command(&mut self, command: Command) -> Result<(), EngineError> {
        match command {
            Command::AddAgent(spec) => self.add_agent(spec),
            Command::SetAgentStatus { agent, status } => self.set_status(agent, status),
            Command::OpenConversation(OpenConversation {
                conversation,
                customer,
                tier,
                channel,
                skills,
                priority,
                ..
            }) => self.open(conversation, customer, tier, channel, skills, priority),
            Command::CustomerMessage { conversation } => self.customer_message(conversation),
            Command::AgentMessage {
                conversation,
                agent,
            } => self.agent_message(conversation, agent, false),
            Command::MarkSeen {
                conversation,
                agent,
            } => self.agent_message(conversation, agent, true),
            Command::Park { conversation } => {
                let conv = self.conv(conversation)?;
                let St::Assigned(agent) = conv.state else {
                    return Err(invalid(conversation, conv, CommandKind::Park));
                };
                self.park(conversation, agent, false);
                Ok(())
            }
            Command::Resolve { conversation, .. } => self.resolve(conversation),
            Command::Tick => {
                self.tick();
                Ok(())
            }
            other => Err(EngineError::InvalidTransition {
                conversation: ConversationId(0),
                state: StateKind::Bot,
                command: other.kind(),
            }),
        }
    }

    fn conv(&self, id: ConversationId) -> Result<&Conv, EngineError> {
        self.s
            .convs
            .get(&id)
            .ok_or(EngineError::UnknownConversation(id))
    }

    fn add_agent(&mut self, spec: AgentSpec) -> Result<(), EngineError> {
        if self.s.by_id.contains_key(&spec.id) {
            return Err(EngineError::DuplicateAgent(spec.id));
        }
        let mut skills = spec.skills.clone();
        skills.sort_unstable_by_key(|s| s.skill);
        let idx = self.s.agents.len() as u32;
        let mut agent = Agent {
            id: spec.id,
            skills,
            channels: spec.channels.clone(),
            cap: spec.cap.0,
            load: 0,
            status: spec.status,
            last_activity: self.at,
            queues: Vec::new(),
            inbox: BTreeSet::new(),
            parked: HashSet::new(),
        };
        agent.queues = (0..self.s.queues.len())
            .filter(|&q| agent.eligible(&self.s.queues[q].key))
            .collect();
        self.s.agents.push(agent);
        self.s.by_id.insert(spec.id, idx);
        self.out.push(Decision::AgentAdded {
            agent: spec.id,
            cap: spec.cap,
        });
        self.pull(idx);
        Ok(())
    }

    fn agent_idx(&self, id: AgentId) -> Result<u32, EngineError> {
        self.s
            .by_id
            .get(&id)
            .copied()
            .ok_or(EngineError::UnknownAgent(id))
    }

    fn set_status(&mut self, id: AgentId, status: AgentStatus) -> Result<(), EngineError> {
        let idx = self.agent_idx(id)?;
        let agent = &mut self.s.agents[idx as usize];
        if agent.status == status {
            return Ok(());
        }
        agent.status = status;
        self.out
            .push(Decision::AgentStatusChanged { agent: id, status });
        if status == AgentStatus::Online {
            agent.last_activity = self.at;
            self.pull(idx);
        } else if status == AgentStatus::Offline {
            let live: Vec<ConversationId> = agent.inbox.iter().map(|(_, c)| *c).collect();
            let parked: Vec<ConversationId> = agent.parked.drain().collect();
            for c in live {
                self.detach(c);
                self.route(c);
            }
            for c in parked {
                let conv = self.s.convs.get_mut(&c).expect("parked conversation");
                let held = std::mem::take(&mut conv.held);
                conv.state = St::Parked(None);
                let a = &mut self.s.agents[idx as usize];
                a.load -= held;
                self.out.push(Decision::Released {
                    conversation: c,
                    agent: id,
                    load: Capacity(a.load),
                    cap: Capacity(a.cap),
                });
            }
        }
        Ok(())
    }

    fn queue_for(&mut self, channel: Channel, mut skills: Vec<SkillRequirement>) -> usize {
        skills.sort_unstable_by_key(|r| r.skill);
        let key = (channel, skills);
        if let Some(&q) = self.s.queue_by_key.get(&key) {
            return q;
        }
        let q = self.s.queues.len();
        for a in &mut self.s.agents {
            if a.eligible(&key) {
                a.queues.push(q);
            }
        }
        self.s.queue_by_key.insert(key.clone(), q);
        self.s.queues.push(Queue {
            key,
            weight: self.c.weight(channel).0,
            waiting: BTreeMap::new(),
        });
        q
    }

    #[allow(clippy::too_many_arguments)]
    fn open(
        &mut self,
        id: ConversationId,
        customer: CustomerId,
        tier: Tier,
        channel: Channel,
        skills: Vec<SkillRequirement>,
        priority: Priority,
    ) -> Result<(), EngineError> {
        if self.s.convs.contains_key(&id) {
            return Err(EngineError::DuplicateConversation(id));
        }
        let queue = self.queue_for(channel, skills);
        let priority = if self.c.vip_boost && tier == Tier::Vip {
            priority.boosted()
        } else {
            priority
        };
        self.s.seq += 1;
        self.s.convs.insert(
            id,
            Conv {
                customer,
                channel,
                queue,
                priority,
                state: St::Queued,
                waiting_since: self.at,
                last_customer_message: self.at,
                seq: self.s.seq,
                awaiting_reply: true,
                seen: false,
                first_response: false,
                held: 0,
                sla_gen: 1,
                park_gen: 0,
            },
        );
        let last = self
            .s
            .customers
            .entry(customer)
            .and_modify(|c| c.0 = tier)
            .or_insert((tier, None))
            .1;
        let warn = self.at + self.c.warn_after().0;
        let breach = self.at + self.c.response_target.0;
        self.s.timers.push(Reverse((warn, SLA_WARN, id, 1)));
        self.s.timers.push(Reverse((breach, SLA_BREACH, id, 1)));
        if let Some((agent, when)) = last.filter(|(_, w)| self.at - w <= self.c.affinity_window.0) {
            let _ = when;
            let a = &self.s.agents[agent as usize];
            let weight = self.s.queues[queue].weight;
            if a.status == AgentStatus::Online
                && a.cap - a.load >= weight
                && a.eligible(&self.s.queues[queue].key)
            {
                self.out.push(Decision::StickyHit {
                    conversation: id,
                    customer,
                    agent: a.id,
                });
                self.assign(id, agent, AssignVia::Sticky);
                return Ok(());
            }
            self.out.push(Decision::StickyMiss {
                conversation: id,
                customer,
                agent: a.id,
                reason: StickyMissReason::AgentOffline,
            });
        }
        self.route(id);
        Ok(())
    }
}

fn invalid(id: ConversationId, conv: &Conv, command: CommandKind) -> EngineError {
    EngineError::InvalidTransition {
        conversation: id,
        state: conv.kind(),
        command,
    }
}
