//! Skills on a schedule across snapshots and replays: a restore between
//! window edges decides exactly as the uninterrupted run, a replay is
//! identical, seeded days with random windows pass the audit after every
//! command, and the audit refuses a tampered window state.
use crate::common;
use crate::skill_windows_support;
use common::*;
use skill_windows_support::*;
use switchboard::*;

/// The day both runs share: windows opening and closing around work.
fn script() -> Vec<(Timestamp, Command)> {
    let mut out: Vec<(Timestamp, Command)> = vec![
        (ms(0), windowed(1, SPANISH, 30, 90).into()),
        (ms(0), windowed(2, SPANISH, 60, 150).into()),
        (
            ms(0),
            AgentSpec::new(AgentId(3), Capacity::units(2))
                .skill(SkillId(SPANISH), level(2))
                .into(),
        ),
    ];
    for i in 0..24u64 {
        let at = ms(5 + i * 7);
        out.push((
            at,
            needs(100 + i, if i % 3 == 0 { BILLING } else { SPANISH }),
        ));
        out.push((at + TimeSpan::from_secs(1), Command::Tick));
        if i >= 2 {
            out.push((
                at + TimeSpan::from_secs(2),
                Command::Resolve {
                    conversation: ConversationId(98 + i),
                    reason: ResolveReason::Solved,
                },
            ));
        }
    }
    out
}

fn play(e: &mut Engine, steps: &[(Timestamp, Command)]) -> Vec<Decision> {
    let mut all = Vec::new();
    for (at, c) in steps {
        // Resolving a conversation that still waits is fine; one already
        // resolved is refused the same way in every run.
        if let Ok(d) = e.apply(*at, c.clone()) {
            all.extend(d);
        }
        audited(e);
    }
    all
}

#[test]
fn restore_mid_window_gives_the_decisions_of_the_uninterrupted_run() {
    let steps = script();
    let mut straight = engine();
    let expected = play(&mut straight, &steps);
    assert!(
        window_edges(&expected).len() >= 4,
        "the day crosses the edges"
    );
    // Stop between agent 1's opening (30 s) and agent 2's (60 s).
    let cut = steps.iter().position(|(at, _)| *at > ms(45)).expect("cut");
    let mut first = engine();
    let mut got = play(&mut first, &steps[..cut]);
    let json = first.snapshot().to_json().expect("encodes");
    assert!(
        json.contains("skill_windows") && json.contains("dormant"),
        "{json}"
    );
    let snapshot = Snapshot::from_json(&json).expect("decodes");
    let mut second = Engine::restore(snapshot, boxed("least_loaded")).expect("restores");
    assert_eq!(second.snapshot(), first.snapshot());
    got.extend(play(&mut second, &steps[cut..]));
    assert_eq!(got, expected);
    assert_eq!(second.snapshot(), straight.snapshot());
}

#[test]
fn replaying_the_same_commands_gives_the_same_decisions() {
    let steps = script();
    let (mut a, mut b) = (engine(), engine());
    assert_eq!(play(&mut a, &steps), play(&mut b, &steps));
    assert_eq!(a.snapshot(), b.snapshot());
}

#[test]
fn the_audit_refuses_a_tampered_dormant_list() {
    let mut e = engine();
    run(&mut e, ms(0), windowed(1, SPANISH, 30, 90));
    let value = serde_json::to_value(e.snapshot()).expect("encodes");
    assert_eq!(value["agents"][0]["dormant"], serde_json::json!([SPANISH]));
    // The skill said to count while its opening is still pending.
    let mut counting = value.clone();
    counting["agents"][0]
        .as_object_mut()
        .expect("agent")
        .remove("dormant");
    let restored = Engine::restore(
        Snapshot::from_json(&counting.to_string()).expect("decodes"),
        boxed("least_loaded"),
    );
    assert!(
        matches!(
            restored,
            Err(RestoreError::Inconsistent(
                AuditViolation::SkillWindowState { .. }
            ))
        ),
        "{restored:?}"
    );
    // A window edge moved off its window's time.
    let mut moved = value.clone();
    for t in moved["timers"].as_array_mut().expect("timers") {
        t["at"] = serde_json::json!(45_000);
    }
    let restored = Engine::restore(
        Snapshot::from_json(&moved.to_string()).expect("decodes"),
        boxed("least_loaded"),
    );
    assert!(
        matches!(restored, Err(RestoreError::Inconsistent(_))),
        "{restored:?}"
    );
    // A dormant skill that is no windowed skill of the agent.
    let mut stray = value;
    stray["agents"][0]["dormant"] = serde_json::json!([BILLING]);
    let restored = Engine::restore(
        Snapshot::from_json(&stray.to_string()).expect("decodes"),
        boxed("least_loaded"),
    );
    assert!(
        matches!(restored, Err(RestoreError::Corrupt(_))),
        "{restored:?}"
    );
}

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

/// A random day: agents with windows of two languages, work needing them
/// (alone, together or not at all), status changes, parks and ticks.
fn random_day(seed: u64, steps: u64) -> Vec<(Timestamp, Command)> {
    let mut rng = Rng(seed);
    let mut out: Vec<(Timestamp, Command)> = Vec::new();
    for id in 1..=6u64 {
        let mut spec = AgentSpec::new(AgentId(id), Capacity::units(1 + rng.below(3) as u32))
            .skill(SkillId(BILLING), level(5));
        for skill in [SPANISH, FRENCH] {
            let mut from = rng.below(200);
            for _ in 0..rng.below(3) {
                let until = from + 20 + rng.below(150);
                spec = spec.skill_window(SkillId(skill), level(4), ms(from), ms(until));
                from = until + 1 + rng.below(100);
            }
        }
        out.push((ms(0), spec.into()));
    }
    let mut now = 0;
    for i in 0..steps {
        now += rng.below(3_000);
        let at = Timestamp(now);
        let id = 1 + rng.below(i + 1);
        let command: Command = match rng.below(9) {
            0..=2 => {
                let skills: &[(u32, u8)] = match rng.below(4) {
                    0 => &[(BILLING, 1)],
                    1 => &[(SPANISH, 1)],
                    2 => &[(FRENCH, 1)],
                    _ => &[(SPANISH, 1), (FRENCH, 1)],
                };
                open_cmd(100 + i, rng.below(40), skills, Priority::Normal)
            }
            3 | 4 => Command::Resolve {
                conversation: ConversationId(100 + id),
                reason: ResolveReason::Solved,
            },
            5 => Command::SetAgentStatus {
                agent: AgentId(1 + rng.below(6)),
                status: [AgentStatus::Online, AgentStatus::Away, AgentStatus::Offline]
                    [rng.below(3) as usize],
            },
            6 => Command::Park {
                conversation: ConversationId(100 + id),
            },
            7 => Command::CustomerMessage {
                conversation: ConversationId(100 + id),
            },
            _ => Command::Tick,
        };
        out.push((at, command));
    }
    out
}

#[test]
fn seeded_days_with_windows_hold_the_audit_replay_and_restore() {
    let mut edges = 0;
    for seed in 1..=8u64 {
        let steps = random_day(seed, 300);
        let mut a = engine();
        let all = play(&mut a, &steps);
        edges += window_edges(&all).len();
        let mut b = engine();
        assert_eq!(play(&mut b, &steps), all, "seed {seed}: replay differs");
        let cut = steps.len() / 2;
        let mut first = engine();
        let mut got = play(&mut first, &steps[..cut]);
        let json = first.snapshot().to_json().expect("encodes");
        let snapshot = Snapshot::from_json(&json).expect("decodes");
        let mut second = Engine::restore(snapshot, boxed("least_loaded")).expect("restores");
        got.extend(play(&mut second, &steps[cut..]));
        assert_eq!(got, all, "seed {seed}: restore differs");
        assert_eq!(second.snapshot(), a.snapshot(), "seed {seed}");
    }
    assert!(edges > 40, "only {edges} window edges over the seeds");
}
