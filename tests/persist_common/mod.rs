//! Shared by the persist tests: a seeded stream of commands that is a pure
//! function of `(seed, index)`, so a test (or a child process restarted after
//! a kill) can regenerate any part of it exactly.
#![allow(dead_code)]

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use switchboard::{
    AgentId, AgentSpec, AgentStatus, Capacity, Channel, Command, ConversationId, CustomerId,
    Priority, ResolveReason, SkillId, SkillLevel, SkillRequirement, Tier, Timestamp,
    TransferTarget,
};

/// Agents registered by the first commands of every stream.
pub const AGENTS: u64 = 6;

/// Host time of command `index`: strictly increasing, 250 ms apart, so a
/// record's timestamp names its index in the stream.
pub fn time_of(index: u64) -> Timestamp {
    Timestamp::from_millis(1_000 + index * 250)
}

/// The stream index of a command applied at `at` (inverse of [`time_of`]).
pub fn index_of(at: Timestamp) -> u64 {
    (at.as_millis() - 1_000) / 250
}

fn priority(rng: &mut StdRng) -> Priority {
    match rng.gen_range(0..10) {
        0 => Priority::Low,
        1..=6 => Priority::Normal,
        7 | 8 => Priority::High,
        _ => Priority::Urgent,
    }
}

fn skills(rng: &mut StdRng) -> Vec<SkillRequirement> {
    (0..rng.gen_range(0..2))
        .map(|_| SkillRequirement::new(SkillId(rng.gen_range(1..4)), rng.gen_range(1..5)).unwrap())
        .collect()
}

/// A conversation opened recently (or a never-opened id: some commands are
/// meant to be rejected).
fn recent(rng: &mut StdRng, index: u64) -> ConversationId {
    ConversationId(index.saturating_sub(rng.gen_range(1..40)))
}

fn agent(rng: &mut StdRng) -> AgentId {
    AgentId(rng.gen_range(1..=AGENTS + 1))
}

/// Command `index` of stream `seed`, with its host time.
pub fn command(seed: u64, index: u64) -> (Timestamp, Command) {
    let mut rng = StdRng::seed_from_u64(seed ^ index.wrapping_mul(0x9E37_79B9_7F4A_7C15));
    let at = time_of(index);
    if index < AGENTS {
        let mut skills = Vec::new();
        for skill in 1..4 {
            if rng.gen_bool(0.7) {
                skills.push(SkillLevel::new(SkillId(skill), rng.gen_range(1..=10)).unwrap());
            }
        }
        let spec =
            AgentSpec::new(AgentId(index + 1), Capacity::units(rng.gen_range(2..6))).skills(skills);
        return (at, Command::AddAgent(spec));
    }
    let command = match rng.gen_range(0..100) {
        0..=29 => Command::open(ConversationId(index), CustomerId(rng.gen_range(1..40)))
            .channel(Channel::ALL[rng.gen_range(0..Channel::ALL.len())])
            .tier(if rng.gen_bool(0.1) {
                Tier::Vip
            } else {
                Tier::Standard
            })
            .skills(skills(&mut rng))
            .priority(priority(&mut rng))
            .start_in_bot(rng.gen_bool(0.1))
            .into(),
        30..=41 => Command::CustomerMessage {
            conversation: recent(&mut rng, index),
        },
        42..=53 => Command::AgentMessage {
            conversation: recent(&mut rng, index),
            agent: agent(&mut rng),
        },
        54..=59 => Command::MarkSeen {
            conversation: recent(&mut rng, index),
            agent: agent(&mut rng),
        },
        60..=65 => Command::Park {
            conversation: recent(&mut rng, index),
        },
        66..=75 => Command::Resolve {
            conversation: recent(&mut rng, index),
            reason: ResolveReason::Solved,
        },
        76..=78 => Command::Escalate {
            conversation: recent(&mut rng, index),
            skills: None,
            priority: Some(priority(&mut rng)),
            attributes: None,
        },
        79..=80 => Command::Transfer {
            conversation: recent(&mut rng, index),
            to: if rng.gen_bool(0.5) {
                TransferTarget::Agent(agent(&mut rng))
            } else {
                TransferTarget::Skills(skills(&mut rng))
            },
        },
        81..=83 => Command::SetPriority {
            conversation: recent(&mut rng, index),
            priority: priority(&mut rng),
        },
        84..=86 => Command::SetAgentStatus {
            agent: agent(&mut rng),
            status: match rng.gen_range(0..6) {
                0 => AgentStatus::Away,
                1 => AgentStatus::Offline,
                2 => AgentStatus::Draining,
                _ => AgentStatus::Online,
            },
        },
        87..=88 => Command::SetCapacity {
            agent: agent(&mut rng),
            cap: Capacity::units(rng.gen_range(1..8)),
        },
        _ => Command::Tick,
    };
    (at, command)
}

/// The routing policy every persist test uses, as `Durable::open` and
/// `recover` take it.
pub const POLICY: switchboard::policy::BuiltinPolicy =
    switchboard::policy::BuiltinPolicy::LeastLoaded;

/// The routing policy every persist test uses, built.
pub fn policy() -> Box<dyn switchboard::policy::RoutingPolicy> {
    POLICY.build()
}

/// A plain in-memory engine fed the same stream: the reference a recovered
/// engine must equal.
pub struct Reference {
    /// The engine, fed every command of the stream so far (accepted or not).
    pub engine: switchboard::Engine,
    /// Stream index of the next command to feed.
    pub next_index: u64,
    /// `index_of_seq[s - 1]`: stream index of the `s`-th accepted command.
    pub index_of_seq: Vec<u64>,
    seed: u64,
}

impl Reference {
    /// An empty engine at the start of stream `seed`.
    pub fn new(seed: u64) -> Self {
        Self {
            engine: switchboard::Engine::new(switchboard::EngineConfig::default(), policy())
                .expect("default config"),
            next_index: 0,
            index_of_seq: Vec::new(),
            seed,
        }
    }

    /// Commands accepted so far.
    pub fn accepted(&self) -> u64 {
        self.index_of_seq.len() as u64
    }

    /// Feeds the next command; returns its decisions if accepted.
    pub fn step(&mut self) -> Option<Vec<switchboard::Decision>> {
        let index = self.next_index;
        let (at, command) = command(self.seed, index);
        self.next_index += 1;
        let decisions = self.engine.apply(at, command).ok()?;
        self.index_of_seq.push(index);
        Some(decisions)
    }

    /// Feeds commands until `accepted` of them were accepted (bounded: the
    /// stream accepts far more than one command in a hundred).
    pub fn advance_to(&mut self, accepted: u64) {
        let limit = self.next_index + 100 * (accepted.saturating_sub(self.accepted()) + 1);
        while self.accepted() < accepted {
            assert!(self.next_index < limit, "stream stopped accepting commands");
            self.step();
        }
    }
}
