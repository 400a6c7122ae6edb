//! A seeded generator of realistic contact-centre traffic, shared by the
//! criterion benches and the harness. Everything is derived from a seed, so
//! a run is replayed exactly; ids are dense so the replay side can keep
//! per-conversation tables in plain vectors.
#![allow(dead_code)]

use switchboard::{
    AgentId, AgentSpec, AgentStatus, Capacity, Channel, Command, ConversationId, CustomerId, Level,
    Priority, ResolveReason, SkillId, SkillLevel, Tier, TimeSpan, Timestamp,
};

/// A small, fast, seeded generator (SplitMix64): time and randomness are inputs.
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    /// A generator from `seed`.
    pub fn new(seed: u64) -> Self {
        Self(seed ^ 0x9e37_79b9_7f4a_7c15)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number in `0..n`.
    pub fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next_u64()) * u128::from(n)) >> 64) as u64
    }

    /// True with probability `permille / 1000`.
    pub fn chance(&mut self, permille: u64) -> bool {
        self.below(1000) < permille
    }
}

/// The shape of one tenant (or one independent part of it).
#[derive(Clone, Debug)]
pub struct Shape {
    /// Number of agents.
    pub agents: u32,
    /// First agent id.
    pub agent_base: u64,
    /// First skill id of this part's skills.
    pub skill_base: u32,
    /// Number of skills.
    pub skills: u32,
    /// Open conversations to reach before the timed stream (and keep).
    pub open: usize,
    /// First conversation id.
    pub conv_base: u64,
    /// First customer id.
    pub customer_base: u64,
    /// Share of opens, in permille, from a customer served before.
    pub returning_permille: u64,
    /// The seed.
    pub seed: u64,
}

impl Shape {
    /// A tenant of `agents` agents and `open` open conversations over 20
    /// skills and four channels.
    pub fn new(agents: u32, open: usize, seed: u64) -> Self {
        Self {
            agents,
            agent_base: 1,
            skill_base: 0,
            skills: 20,
            open,
            conv_base: 1,
            customer_base: 1,
            returning_permille: 300,
            seed,
        }
    }

    /// The agents' registrations: one main skill (level 6-10), half of them
    /// a second one (level 3-7), caps 4 to 16 units, online.
    pub fn agent_specs(&self) -> Vec<AgentSpec> {
        let mut rng = Rng::new(self.seed ^ 0xa9e7);
        (0..self.agents)
            .map(|i| {
                let main = self.skill_base + i % self.skills;
                let mut skills =
                    vec![SkillLevel::new(SkillId(main), 6 + rng.below(5) as u8).unwrap()];
                let second = self.skill_base + (i.wrapping_mul(7) + 3) % self.skills;
                if rng.chance(500) && second != main {
                    skills.push(SkillLevel::new(SkillId(second), 3 + rng.below(5) as u8).unwrap());
                }
                let mut spec = AgentSpec::new(
                    AgentId(self.agent_base + u64::from(i)),
                    Capacity::units(4 + rng.below(13) as u32),
                )
                .skills(skills);
                spec.status = AgentStatus::Online;
                spec
            })
            .collect()
    }
}

/// One event of the stream. Replies and reads name the conversation only:
/// the replay side fills in the agent that owns it in the system under test.
#[derive(Clone, Debug)]
pub enum Event {
    /// A command applied as is.
    Command(Command),
    /// The owning agent writes.
    AgentReply(ConversationId),
    /// The owning agent reads the thread.
    AgentSeen(ConversationId),
}

/// A generated stream: setup (agents, then conversations up to the open
/// count) and the timed events, each with its host time.
pub struct Stream {
    /// Registrations and the initial opens, untimed.
    pub setup: Vec<(Timestamp, Command)>,
    /// The mixed events.
    pub events: Vec<(Timestamp, Event)>,
    /// One past the largest conversation id used.
    pub conv_end: u64,
}

/// The generator: keeps the open set, the statuses it set and the recent
/// customers, so that the stream stays realistic without looking at any
/// engine.
pub struct Generator {
    shape: Shape,
    rng: Rng,
    now: u64,
    next_conv: u64,
    next_customer: u64,
    open: Vec<u64>,
    recent_customers: Vec<u64>,
    status: Vec<AgentStatus>,
}

const CHANNELS: [(Channel, u64); 4] = [
    (Channel::WhatsApp, 400),
    (Channel::Sms, 200),
    (Channel::Web, 250),
    (Channel::Email, 150),
];

impl Generator {
    /// A generator for `shape`.
    pub fn new(shape: Shape) -> Self {
        let status = vec![AgentStatus::Online; shape.agents as usize];
        Self {
            rng: Rng::new(shape.seed),
            now: 0,
            next_conv: shape.conv_base,
            next_customer: shape.customer_base,
            open: Vec::with_capacity(shape.open + 1024),
            recent_customers: Vec::new(),
            status,
            shape,
        }
    }

    fn at(&self) -> Timestamp {
        Timestamp(self.now)
    }

    /// A new conversation: 30% from a customer who was served recently (a
    /// sticky return), 5% VIP, four channels, one skill.
    pub fn open_command(&mut self) -> Command {
        let conversation = ConversationId(self.next_conv);
        self.next_conv += 1;
        self.open.push(conversation.0);
        let customer = if !self.recent_customers.is_empty()
            && self.rng.chance(self.shape.returning_permille)
        {
            let i = self.rng.below(self.recent_customers.len() as u64) as usize;
            self.recent_customers.swap_remove(i)
        } else {
            self.next_customer += 1;
            self.next_customer - 1
        };
        let mut pick = self.rng.below(1000);
        let mut channel = Channel::WhatsApp;
        for (c, w) in CHANNELS {
            if pick < w {
                channel = c;
                break;
            }
            pick -= w;
        }
        let skill = self.shape.skill_base + self.rng.below(u64::from(self.shape.skills)) as u32;
        let priority = match self.rng.below(100) {
            0..=4 => Priority::Urgent,
            5..=14 => Priority::High,
            15..=24 => Priority::Low,
            _ => Priority::Normal,
        };
        Command::open(conversation, CustomerId(customer))
            .channel(channel)
            .tier(if self.rng.chance(50) {
                Tier::Vip
            } else {
                Tier::Standard
            })
            .skill(SkillId(skill), Level::of::<3>())
            .priority(priority)
            .into()
    }

    fn any_open(&mut self) -> Option<ConversationId> {
        if self.open.is_empty() {
            return None;
        }
        let i = self.rng.below(self.open.len() as u64) as usize;
        Some(ConversationId(self.open[i]))
    }

    /// Resolves a random open conversation; its customer may come back.
    pub fn resolve_command(&mut self) -> Option<Command> {
        if self.open.is_empty() {
            return None;
        }
        let i = self.rng.below(self.open.len() as u64) as usize;
        let conversation = ConversationId(self.open.swap_remove(i));
        if self.recent_customers.len() < 8192 {
            // The customer of a resolved conversation: derived, not tracked.
            let seen = (self.next_customer - self.shape.customer_base).max(1);
            self.recent_customers
                .push(self.shape.customer_base + self.rng.below(seen));
        }
        Some(Command::Resolve {
            conversation,
            reason: ResolveReason::Solved,
        })
    }

    /// The registrations and the opens up to the open count.
    pub fn setup(&mut self) -> Vec<(Timestamp, Command)> {
        let mut out: Vec<(Timestamp, Command)> = self
            .shape
            .agent_specs()
            .into_iter()
            .map(|s| (Timestamp(0), Command::AddAgent(s)))
            .collect();
        while self.open.len() < self.shape.open {
            self.now += 1;
            let c = self.open_command();
            out.push((self.at(), c));
        }
        out
    }

    /// One mixed event. Simulated time moves 3.6 ms per event (a million
    /// events is an hour), so SLA warnings, breaches and auto-parks fire.
    ///
    /// Mix: 10% opens, 10% resolves, 33% customer messages, 28% agent
    /// replies, 8% reads, 6% parks, 1.5% status changes (away/online, and a
    /// tenth of them offline/online), ticks every 256 events.
    pub fn event(&mut self, n: u64) -> (Timestamp, Event) {
        self.now += if n.is_multiple_of(5) { 6 } else { 3 };
        let at = self.at();
        if n % 256 == 255 {
            return (at, Event::Command(Command::Tick));
        }
        let roll = self.rng.below(1000);
        let ev = match roll {
            0..=99 => Event::Command(self.open_command()),
            100..=199 => match self.resolve_command() {
                Some(c) => Event::Command(c),
                None => Event::Command(self.open_command()),
            },
            200..=529 => match self.any_open() {
                Some(conversation) => Event::Command(Command::CustomerMessage { conversation }),
                None => Event::Command(self.open_command()),
            },
            530..=809 => match self.any_open() {
                Some(c) => Event::AgentReply(c),
                None => Event::Command(self.open_command()),
            },
            810..=889 => match self.any_open() {
                Some(c) => Event::AgentSeen(c),
                None => Event::Command(self.open_command()),
            },
            890..=949 => match self.any_open() {
                Some(conversation) => Event::Command(Command::Park { conversation }),
                None => Event::Command(self.open_command()),
            },
            _ => {
                let i = self.rng.below(u64::from(self.shape.agents)) as usize;
                let now = self.status[i];
                let next = match now {
                    AgentStatus::Online if self.rng.chance(100) => AgentStatus::Offline,
                    AgentStatus::Online => AgentStatus::Away,
                    _ => AgentStatus::Online,
                };
                self.status[i] = next;
                Event::Command(Command::SetAgentStatus {
                    agent: AgentId(self.shape.agent_base + i as u64),
                    status: next,
                })
            }
        };
        (at, ev)
    }

    /// The whole stream: setup, then `events` mixed events.
    pub fn stream(mut self, events: usize) -> Stream {
        let setup = self.setup();
        let events = (0..events as u64).map(|n| self.event(n)).collect();
        Stream {
            setup,
            events,
            conv_end: self.next_conv,
        }
    }
}

/// A default capacity sanity check: the average cap is 10 units.
pub const AVERAGE_CAP: Capacity = Capacity(10_000);

/// An hour, for callers that move time by hand.
pub const HOUR: TimeSpan = TimeSpan(3_600_000);
