//! Routing plans under random commands: plans loaded, swapped and removed
//! with conversations on every step, attributes changed, offers declined
//! and timed out, agents coming and going, transfers taking conversations
//! off their route. After every command the audit holds; the whole run
//! replays to the same decisions, and a restore from any snapshot taken
//! on the way decides the rest the same.
use crate::common;
use common::*;
use switchboard::plan::{Attributes, Plan};
use switchboard::*;

/// Four plans over the same skills: a ladder with relaxation, overflow
/// and a time to live; one with skip_if and an expiring route; a plain
/// one; one with business hours opening and closing within the first
/// hour and a half of the day (1 January 1970, a Thursday), each queue
/// closing its own way. The first and the last give some agents routing
/// profiles (priorities and delays per queue).
const PLANS: [&str; 4] = [
    r#"{ "skills": { "billing": 1, "tech": 2, "es": 3 },
      "queues": [
        { "name": "billing", "soft": [{ "skill": "billing", "min_level": 6 }] },
        { "name": "tech", "hard": [{ "skill": "tech", "min_level": 1 }],
          "soft": [{ "skill": "tech", "min_level": 5 }], "response_target_ms": 240000 },
        { "name": "es", "hard": [{ "skill": "es", "min_level": 1 }] },
        { "name": "general" } ],
      "routes": [
        { "name": "es", "when": "language == 'es'",
          "steps": [{ "after_ms": 0, "actions": [{ "do": "enter_queue", "queue": "es" }] },
                    { "after_ms": 90000, "actions": [{ "do": "add_queue", "queue": "general" }] }],
          "ttl": { "after_ms": 900000, "action": "to_bot" } },
        { "name": "billing", "when": "topic == 'billing'",
          "steps": [{ "after_ms": 0, "actions": [{ "do": "enter_queue", "queue": "billing" }] },
                    { "after_ms": 30000, "actions": [{ "do": "lower_skill", "skill": "billing", "min_level": 3 },
                                                     { "do": "raise_priority", "to": "high" }] },
                    { "after_ms": 60000, "actions": [{ "do": "add_queue", "queue": "tech" }] },
                    { "after_ms": 120000, "actions": [{ "do": "drop_skill", "skill": "billing" },
                                                      { "do": "add_queue", "queue": "general" }] }],
          "ttl": { "after_ms": 600000, "action": "expire" } },
        { "name": "tech", "when": "topic == 'tech' or has urgent",
          "steps": [{ "after_ms": 0, "actions": [{ "do": "enter_queue", "queue": "tech" }] },
                    { "after_ms": 45000, "actions": [{ "do": "lower_skill", "skill": "tech", "min_level": 2 }] }],
          "ttl": { "after_ms": 300000, "action": "keep_and_warn" } },
        { "name": "default",
          "steps": [{ "after_ms": 0, "actions": [{ "do": "enter_queue", "queue": "general" }] }] } ],
      "profiles": [
        { "name": "billing_desk", "agents": [0, 1],
          "queues": [{ "queue": "billing", "priority": 1 },
                     { "queue": "general", "priority": 2, "delay_ms": 20000 },
                     { "queue": "tech", "priority": 2, "delay_ms": 45000 }] },
        { "name": "spanish_desk", "agents": [2],
          "queues": [{ "queue": "es", "priority": 1 },
                     { "queue": "general", "priority": 3, "delay_ms": 10000 }] } ] }"#,
    r#"{ "skills": { "billing": 1, "tech": 2 },
      "queues": [
        { "name": "billing", "hard": [{ "skill": "billing", "min_level": 2 }] },
        { "name": "tech", "soft": [{ "skill": "tech", "min_level": 4 }] },
        { "name": "general" } ],
      "routes": [
        { "name": "billing", "when": "topic in ['billing', 'refund']",
          "steps": [{ "after_ms": 0, "actions": [{ "do": "enter_queue", "queue": "billing" }] },
                    { "after_ms": 20000, "skip_if": "with_room > 0",
                      "actions": [{ "do": "enter_queue", "queue": "tech" }] },
                    { "after_ms": 50000, "skip_if": "online == 0",
                      "actions": [{ "do": "drop_skill", "skill": "tech" }] }],
          "ttl": { "after_ms": 200000, "action": "expire" } },
        { "name": "default",
          "steps": [{ "after_ms": 0, "actions": [{ "do": "enter_queue", "queue": "general" }] },
                    { "after_ms": 40000, "actions": [{ "do": "raise_priority", "to": "urgent" }] }] } ] }"#,
    r#"{ "queues": [{ "name": "all" }],
      "routes": [{ "name": "all",
        "steps": [{ "after_ms": 0, "actions": [{ "do": "enter_queue", "queue": "all" }] }] }] }"#,
    r#"{ "skills": { "billing": 1, "tech": 2 },
      "calendars": [
        { "name": "shifts", "time_zone": "UTC",
          "weekly": [{ "days": ["thu"], "open": "00:10", "close": "00:30" },
                     { "days": ["thu"], "open": "00:45", "close": "01:20" }] },
        { "name": "late", "time_zone": "Europe/Berlin",
          "weekly": [{ "days": ["thu"], "open": "01:25", "close": "01:50" }] } ],
      "queues": [
        { "name": "billing", "soft": [{ "skill": "billing", "min_level": 3 }], "calendar": "shifts",
          "on_close": { "do": "move_to", "queue": "general" } },
        { "name": "tech", "hard": [{ "skill": "tech", "min_level": 1 }], "calendar": "late",
          "on_close": { "do": "to_bot" } },
        { "name": "vip", "calendar": "shifts", "on_close": { "do": "resolve", "reason": "closed" },
          "members": [1, 3] },
        { "name": "team", "members": [0, 2, 4] },
        { "name": "general", "calendar": "late" },
        { "name": "always" } ],
      "routes": [
        { "name": "billing", "when": "topic == 'billing'",
          "steps": [{ "after_ms": 0, "actions": [{ "do": "enter_queue", "queue": "billing" }] },
                    { "after_ms": 30000, "actions": [{ "do": "add_queue", "queue": "tech" }] }] },
        { "name": "tech", "when": "topic == 'tech'",
          "steps": [{ "after_ms": 0, "actions": [{ "do": "enter_queue", "queue": "tech" }] },
                    { "after_ms": 60000, "actions": [{ "do": "enter_queue", "queue": "general" }] }] },
        { "name": "vip", "when": "has urgent",
          "steps": [{ "after_ms": 0, "actions": [{ "do": "enter_queue", "queue": "vip" }] },
                    { "after_ms": 20000, "actions": [{ "do": "add_queue", "queue": "team" }] }] },
        { "name": "default",
          "steps": [{ "after_ms": 0, "actions": [{ "do": "enter_queue", "queue": "general" }] },
                    { "after_ms": 40000, "actions": [{ "do": "add_queue", "queue": "always" }] }] } ],
      "profiles": [
        { "name": "late_desk", "agents": [1, 4],
          "queues": [{ "queue": "billing", "priority": 1 },
                     { "queue": "vip", "priority": 1, "delay_ms": 5000 },
                     { "queue": "general", "priority": 2, "delay_ms": 15000 },
                     { "queue": "always", "priority": 3, "delay_ms": 30000 }] } ] }"#,
];

/// A small seeded generator (time and randomness are inputs).
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) % n
    }
}

fn attributes(rng: &mut Rng) -> Attributes {
    match rng.below(5) {
        0 => Attributes::new().topic("billing"),
        1 => Attributes::new().topic("tech"),
        2 => Attributes::new().language("es"),
        3 => Attributes::new().with("urgent", plan::AttrValue::Bool(true)),
        _ => Attributes::new(),
    }
}

/// A random day of `steps` commands.
fn day(seed: u64, steps: usize) -> Vec<(Timestamp, Command)> {
    let mut rng = Rng(seed);
    let plans: Vec<Plan> = PLANS
        .iter()
        .map(|p| Plan::from_json(p).expect("test plan"))
        .collect();
    let mut now = 0u64;
    let mut out = Vec::with_capacity(steps);
    let conv = |rng: &mut Rng| ConversationId(rng.below(30));
    let agent = |rng: &mut Rng| AgentId(rng.below(6));
    for _ in 0..steps {
        now += rng.below(20_000);
        let at = Timestamp(now);
        let command: Command = match rng.below(18) {
            0 => Command::set_plan(match rng.below(5) {
                4 => None,
                i => Some(plans[i as usize].clone()),
            }),
            1 | 2 => {
                let id = rng.below(6);
                let mut spec =
                    AgentSpec::new(AgentId(id), Capacity::units(1 + rng.below(2) as u32));
                for skill in 1..=3u32 {
                    if rng.below(2) == 0 {
                        let level = Level::new(1 + rng.below(10) as u8).expect("level");
                        spec = spec.skill(SkillId(skill), level);
                    }
                }
                spec.into()
            }
            3 => Command::SetAgentStatus {
                agent: agent(&mut rng),
                status: match rng.below(3) {
                    0 => AgentStatus::Offline,
                    1 => AgentStatus::Away,
                    _ => AgentStatus::Online,
                },
            },
            4..=6 => {
                let id = rng.below(30);
                let mut open = Command::open(ConversationId(id), CustomerId(id))
                    .attributes(attributes(&mut rng));
                if rng.below(4) == 0 {
                    open = open.in_bot();
                }
                if rng.below(4) == 0 {
                    open = open.skill(SkillId(2), Level::new(2).expect("level"));
                }
                // Preferred agents on a third of conversations, distinct,
                // some waited for.
                if rng.below(3) == 0 {
                    for a in 0..6 {
                        if rng.below(2) == 0 {
                            let wait = TimeSpan(rng.below(3) * 15_000);
                            open = open.preferred_agent(AgentId(a), rng.below(101) as u8, wait);
                        }
                    }
                }
                open.into()
            }
            7 => Command::SetAttributes {
                conversation: conv(&mut rng),
                attributes: attributes(&mut rng),
            },
            8 => Command::Escalate {
                conversation: conv(&mut rng),
                skills: None,
                priority: None,
                attributes: (rng.below(2) == 0).then(|| attributes(&mut rng)),
            },
            9 => Command::DeclineOffer {
                conversation: conv(&mut rng),
                agent: agent(&mut rng),
            },
            10 => Command::AcceptOffer {
                conversation: conv(&mut rng),
                agent: agent(&mut rng),
            },
            11 => Command::Resolve {
                conversation: conv(&mut rng),
                reason: ResolveReason::Solved,
            },
            12 => Command::Transfer {
                conversation: conv(&mut rng),
                to: TransferTarget::Skills(vec![]),
            },
            13 => Command::SetPriority {
                conversation: conv(&mut rng),
                priority: Priority::Low,
            },
            15 if rng.below(2) == 0 => Command::SetOwner {
                customer: CustomerId(rng.below(30)),
                owner: (rng.below(3) != 0).then(|| agent(&mut rng)),
                wait: TimeSpan(rng.below(3) * 10_000),
            },
            14 => {
                let name = [
                    "billing", "tech", "vip", "general", "always", "shifts", "late",
                ][rng.below(7) as usize]
                    .to_owned();
                let target = if rng.below(2) == 0 {
                    HoursTarget::Queue(name)
                } else {
                    HoursTarget::Calendar(name)
                };
                let set = [
                    HoursSetting::Open,
                    HoursSetting::Closed,
                    HoursSetting::Schedule,
                ][rng.below(3) as usize];
                Command::Reconfigure(Reconfigure::Hours(HoursSwitch { target, set }))
            }
            _ => Command::Tick,
        };
        out.push((at, command));
    }
    out
}

fn play(
    e: &mut Engine,
    commands: &[(Timestamp, Command)],
) -> Vec<Result<Vec<Decision>, EngineError>> {
    commands
        .iter()
        .map(|(at, c)| {
            let before = e.snapshot();
            let result = e.apply(*at, c.clone());
            if let Err(error) = e.audit() {
                panic!("audit failed after {c:?} at {at}: {error}");
            }
            if result.is_err() {
                assert_eq!(e.snapshot(), before, "a refused {c:?} changed the engine");
            }
            result
        })
        .collect()
}

fn engine_offering() -> Engine {
    let config = EngineConfig::builder()
        .offer_timeout(TimeSpan::from_secs(45))
        .build()
        .expect("valid config");
    engine_with(config, "least_loaded")
}

#[test]
fn random_days_under_changing_plans_keep_every_invariant_and_replay_exactly() {
    let mut closes = 0;
    let mut preferred = 0;
    for seed in 1..=12u64 {
        let commands = day(seed, 400);
        let mut a = engine_offering();
        let all = play(&mut a, &commands);
        let entered = all
            .iter()
            .flatten()
            .flatten()
            .filter(|d| matches!(d, Decision::StepEntered { step: 1.., .. }))
            .count();
        assert!(entered > 0, "seed {seed}: no ladder step past the first");
        let hours = all.iter().flatten().flatten();
        closes += hours
            .filter(|d| matches!(d, Decision::ClosedQueue { .. }))
            .count();
        preferred += all
            .iter()
            .flatten()
            .flatten()
            .filter(|d| {
                matches!(
                    d,
                    Decision::Assigned {
                        via: AssignVia::Preferred,
                        ..
                    } | Decision::Offered {
                        via: AssignVia::Preferred,
                        ..
                    }
                )
            })
            .count();
        let mut b = engine_offering();
        assert_eq!(play(&mut b, &commands), all, "seed {seed}: replay differs");
        assert_eq!(b.snapshot(), a.snapshot());
        // Restore at a third of the day: the rest decides the same.
        let cut = commands.len() / 3;
        let mut c = engine_offering();
        play(&mut c, &commands[..cut]);
        let json = c.snapshot().to_json().expect("encodes");
        let live = c;
        let mut c = Engine::restore(
            Snapshot::from_json(&json).expect("decodes"),
            boxed("least_loaded"),
        )
        .expect("restores");
        assert_eq!(
            c.group_stats(),
            live.group_stats(),
            "seed {seed}: the restored groups differ"
        );
        assert_eq!(
            play(&mut c, &commands[cut..]),
            all[cut..],
            "seed {seed}: restore differs"
        );
    }
    assert!(closes > 0, "no queue closed on any seed");
    assert!(preferred > 0, "no preferred agent took work on any seed");
}
