//! The workload: who arrives when, about what, and how customers and agents
//! behave. Everything is drawn from seeded streams (see [`SimRng`]), so one
//! seed gives one day, whatever policy routes it.

use super::rng::{SimRng, Stream};
use super::scenario::Scenario;
use crate::model::{
    AgentId, AgentSpec, AgentStatus, Capacity, Channel, CustomerId, Level, Priority, SkillId,
    SkillLevel, SkillRequirement, Tier, Timestamp,
};

const HOUR_MS: f64 = 3_600_000.0;
const MIN_MS: f64 = 60_000.0;

/// One conversation opening: conversation `i` of the day is `arrivals[i]`.
#[derive(Clone, Debug, PartialEq)]
pub struct Arrival {
    /// When the customer writes the first message.
    pub at: Timestamp,
    /// The customer (returning customers reuse their id).
    pub customer: CustomerId,
    /// The customer's tier.
    pub tier: Tier,
    /// The channel.
    pub channel: Channel,
    /// Index into the scenario's topics.
    pub topic: u16,
    /// Index into the scenario's languages (`None`: not known, as for a
    /// day imported from a file).
    pub language: Option<u16>,
    /// Skills required (topic skill and language skill).
    pub skills: Vec<SkillRequirement>,
    /// Business priority.
    pub priority: Priority,
    /// Whether the conversation starts with the bot.
    pub bot: bool,
    /// Whether this customer has written before (during the simulation).
    pub returning: bool,
}

/// An agent's roster: registration and the status changes of their day.
#[derive(Clone, Debug, PartialEq)]
pub struct AgentPlan {
    /// What the engine is told at registration (status offline).
    pub spec: AgentSpec,
    /// Index of the agent's group in the scenario.
    pub group: u16,
    /// Writing speed factor: reply time is the topic's time divided by it.
    pub speed: f64,
    /// Status changes, in time order.
    pub schedule: Vec<(Timestamp, AgentStatus)>,
}

/// A generated day.
#[derive(Clone, Debug, PartialEq)]
pub struct Workload {
    /// Conversation openings in time order; the index is the conversation id.
    pub arrivals: Vec<Arrival>,
    /// Agents; the index is the agent id.
    pub agents: Vec<AgentPlan>,
    /// Recorded customer behaviour, one per arrival, for a day imported
    /// from a file (see [`import_day`](super::import_day)); empty for a
    /// generated day, whose customers follow the scenario.
    pub recorded: Vec<Recorded>,
}

/// What a file says one customer did.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Recorded {
    /// Customer messages the conversation needs (at least 1).
    pub turns: u32,
    /// How long the customer waited before abandoning, when they did;
    /// `None`: patience drawn from the scenario.
    pub patience_ms: Option<u64>,
    /// The customer's delay before writing again after each agent reply.
    pub think_ms: Vec<u64>,
}

pub(super) fn ms(x: f64) -> u64 {
    if x.is_finite() && x > 0.0 {
        x as u64
    } else {
        0
    }
}

impl Workload {
    /// Generates the day described by `scenario` (which must be valid) for
    /// `seed`.
    pub fn generate(scenario: &Scenario, seed: u64) -> Workload {
        Workload {
            arrivals: super::arrivals::arrivals(scenario, seed),
            agents: match &scenario.staffing {
                Some(st) => super::roster::staffed_agents(scenario, st, seed),
                None => agents(scenario, seed),
            },
            recorded: Vec::new(),
        }
    }
}

/// An agent of group `g`: skills (levels drawn in their ranges), cap and
/// writing speed, in that order from `rng`.
pub(super) fn draw_agent(
    g: &super::scenario::AgentGroup,
    names: &[&str],
    rng: &mut SimRng,
) -> (Vec<SkillLevel>, u32, f64) {
    let mut skills: Vec<SkillLevel> = g
        .skills
        .iter()
        .filter_map(|sk| {
            let skill = names.iter().position(|n| *n == sk.skill)? as u32;
            let level = rng.between(u32::from(sk.level_min), u32::from(sk.level_max));
            Some(SkillLevel {
                skill: SkillId(skill),
                level: Level::new(level as u8).unwrap_or(Level::MIN),
            })
        })
        .collect();
    skills.sort();
    skills.dedup_by_key(|s| s.skill);
    let cap = rng.between(g.cap_min, g.cap_max);
    let speed = rng.uniform(g.speed_min, g.speed_max);
    (skills, cap, speed)
}

fn agents(s: &Scenario, seed: u64) -> Vec<AgentPlan> {
    let mut out = Vec::new();
    let names = s.skill_names();
    for (gi, g) in s.agents.iter().enumerate() {
        for k in 0..g.count {
            let id = out.len() as u64;
            let mut rng = SimRng::stream(seed, Stream::Agents, id, 0);
            let (mut skills, cap, speed) = draw_agent(g, &names, &mut rng);
            let skill_windows = super::skill_hours::split(s, g, &names, &mut skills);
            let offset = if g.count > 1 {
                g.shift_stagger_hours * f64::from(k) / f64::from(g.count - 1)
            } else {
                0.0
            };
            let mut schedule = Vec::new();
            for day in 0..s.days {
                let start = (f64::from(day) * 24.0 + g.shift_start_hour + offset) * HOUR_MS;
                let end = start + g.shift_hours * HOUR_MS;
                shift(&mut schedule, &mut rng, g, start, end);
            }
            schedule.retain(|(t, _)| t.0 < s.horizon_ms());
            out.push(AgentPlan {
                spec: AgentSpec {
                    id: AgentId(id),
                    skills,
                    cap: Capacity::units(cap),
                    channels: g.channels.clone(),
                    status: AgentStatus::Offline,
                    skill_windows,
                },
                group: gi as u16,
                speed,
                schedule,
            });
        }
    }
    out
}

/// One shift: online at `start`, breaks spread over it, maybe one log-off,
/// draining before `end`, offline at `end`.
fn shift(
    out: &mut Vec<(Timestamp, AgentStatus)>,
    rng: &mut SimRng,
    g: &super::scenario::AgentGroup,
    start: f64,
    end: f64,
) {
    let len = end - start;
    let mut events = vec![(start, AgentStatus::Online)];
    let drain_at = (end - g.drain_minutes * MIN_MS).max(start);
    for b in 0..g.breaks {
        // Breaks near 1/(n+1), 2/(n+1)... of the shift, give or take 10 min.
        let at = start
            + len * f64::from(b + 1) / f64::from(g.breaks + 1)
            + rng.uniform(-10.0, 10.0) * MIN_MS;
        let back = at + g.break_minutes * MIN_MS;
        if g.break_minutes > 0.0 && at > start && back < drain_at {
            events.push((at, AgentStatus::Away));
            events.push((back, AgentStatus::Online));
        }
    }
    if rng.chance(g.logoff_share) && g.logoff_minutes > 0.0 {
        let at = rng.uniform(start + 0.1 * len, start + 0.8 * len);
        let back = at + g.logoff_minutes * MIN_MS;
        let clash = events
            .iter()
            .any(|(t, _)| (*t >= at - MIN_MS) && (*t <= back + MIN_MS));
        if back < drain_at && !clash {
            events.push((at, AgentStatus::Offline));
            events.push((back, AgentStatus::Online));
        }
    }
    if drain_at < end {
        events.push((drain_at, AgentStatus::Draining));
    }
    events.push((end, AgentStatus::Offline));
    events.sort_by(|a, b| a.0.total_cmp(&b.0));
    out.extend(events.into_iter().map(|(t, st)| (Timestamp(ms(t)), st)));
}

/// What the customer of one conversation does next, drawn from the
/// conversation's own stream.
#[derive(Clone, Debug)]
pub struct CustomerScript {
    rng: SimRng,
}

/// The customer's move after an agent reply.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NextMove {
    /// The customer writes again after this many ms.
    WritesAfter(u64),
    /// The customer never writes again.
    Vanishes,
}

impl CustomerScript {
    /// The script of conversation `conversation`.
    pub fn new(seed: u64, conversation: u64) -> Self {
        Self {
            rng: SimRng::stream(seed, Stream::Conversation, conversation, 0),
        }
    }

    /// The conversation's random stream.
    pub(crate) fn rng_mut(&mut self) -> &mut SimRng {
        &mut self.rng
    }

    /// Customer messages the conversation needs from a human (at least 1).
    pub fn turns(&mut self, s: &Scenario) -> u32 {
        let mean = s.conversations.turns_mean;
        // Geometric on 1, 2, ...: P(stop after each turn) = 1 / mean.
        let p = 1.0 / mean;
        let mut n = 1;
        while n < s.conversations.turns_max && !self.rng.chance(p) {
            n += 1;
        }
        n
    }

    /// Time with the bot, in ms, and whether the bot contains the
    /// conversation.
    pub fn bot(&mut self, s: &Scenario) -> (u64, bool) {
        let t = self.rng.lognormal(s.bot.minutes_median * MIN_MS, 0.6);
        (ms(t).max(1), self.rng.chance(s.bot.containment))
    }

    /// How long the customer waits for a first human reply before leaving.
    pub fn patience(&mut self, s: &Scenario) -> u64 {
        let mean = s.conversations.patience_minutes_median / std::f64::consts::LN_2;
        ms(self.rng.exp(mean * MIN_MS)).max(1)
    }

    /// What the customer does after an agent reply.
    pub fn next_move(&mut self, s: &Scenario) -> NextMove {
        let c = &s.conversations;
        if self.rng.chance(c.vanish_share) {
            return NextMove::Vanishes;
        }
        let t = if self.rng.chance(c.quiet_share) {
            self.rng.lognormal(c.quiet_minutes_median * MIN_MS, 1.0)
        } else {
            self.rng.lognormal(c.think_secs_median * 1_000.0, 0.8)
        };
        NextMove::WritesAfter(ms(t).max(1))
    }
}

/// Time an agent of `speed` takes to write reply number `turn` of
/// `conversation` about `topic`, in ms (at least one second).
pub fn reply_ms(
    s: &Scenario,
    seed: u64,
    conversation: u64,
    turn: u32,
    topic: u16,
    speed: f64,
) -> u64 {
    let mut rng = SimRng::stream(seed, Stream::Reply, conversation, u64::from(turn));
    let median = s
        .topics
        .get(usize::from(topic))
        .map_or(60.0, |t| t.reply_secs_median);
    ms(rng.lognormal(median * 1_000.0 / speed, 0.5)).max(1_000)
}
