//! The workload rules under random streams: wrap-up on two channels (all
//! three modes), teams whose caps and members change, agents' caps per
//! channel, rate limits (own and the team's), reassignment of unanswered
//! conversations, pulls above the cap, a tenant total that
//! moves, offers, parking and agents coming and going. After every
//! command the audit recounts everything (loads with wrap-up holds, team
//! and tenant live counts, what each level holds back, work conservation
//! under the caps); a snapshot taken midway restores to an engine that
//! decides the rest of the stream identically.

use switchboard::policy;
use switchboard::*;

/// SplitMix64: the stream is an input, replayed exactly from its seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

fn config(offers: bool) -> EngineConfig {
    let mut config = EngineConfig::builder()
        .offer_timeout(offers.then_some(TimeSpan::from_secs(30)))
        .open_conversations(OpenConversations::Unlimited)
        .build()
        .expect("valid");
    let rule = |mode, secs, hold_permille| WrapUpRule {
        mode,
        time: TimeSpan::from_secs(secs),
        hold_permille,
    };
    let w = &mut config.workload;
    w.wrap_up
        .insert(Channel::WhatsApp, rule(WrapUpMode::Optional, 90, 500));
    w.wrap_up.insert(
        Channel::Email,
        rule(
            WrapUpMode::TimeBoxed {
                min: TimeSpan::from_secs(20),
            },
            60,
            1000,
        ),
    );
    w.wrap_up
        .insert(Channel::Sms, rule(WrapUpMode::NoEarlyEnd, 40, 250));
    w.tenant_max_live = Some(6);
    w.no_answer = Some(NoAnswerRule {
        after: TimeSpan::from_secs(90),
        set_away: offers,
        max_hops: 2,
        last: if offers {
            NoAnswerFinal::KeepAndWarn
        } else {
            NoAnswerFinal::Resolve {
                reason: ResolveReason::Expired,
            }
        },
    });
    config
}

fn random_command(rng: &mut Rng) -> Command {
    let agent = AgentId(1 + rng.below(6));
    let conversation = ConversationId(1 + rng.below(30));
    let skill = rng.below(2) as u32;
    match rng.below(31) {
        0 => Command::AddAgent(
            AgentSpec::new(agent, Capacity::units(1 + rng.below(3) as u32))
                .skills([SkillLevel::new(SkillId(skill), 5).expect("in range")]),
        ),
        1 => Command::SetAgentStatus {
            agent,
            status: match rng.below(4) {
                0 | 3 => AgentStatus::Online,
                1 => AgentStatus::Away,
                _ => AgentStatus::Offline,
            },
        },
        2 => Command::SetCapacity {
            agent,
            cap: Capacity::units(1 + rng.below(3) as u32),
        },
        3..=6 => {
            let channels = [
                Channel::WhatsApp,
                Channel::Email,
                Channel::Sms,
                Channel::Web,
            ];
            Command::open(conversation, CustomerId(1 + rng.below(10)))
                .channel(channels[rng.below(4) as usize])
                .skills([SkillRequirement::new(SkillId(skill), 1).expect("in range")])
                .into()
        }
        7..=9 => Command::CustomerMessage { conversation },
        10 | 11 => Command::AgentMessage {
            conversation,
            agent,
        },
        12 => Command::Park { conversation },
        13..=15 => Command::Resolve {
            conversation,
            reason: ResolveReason::Solved,
        },
        16 => Command::AcceptOffer {
            conversation,
            agent,
        },
        17 | 21 | 26 | 27 => Command::EndWrapUp {
            conversation,
            agent,
        },
        18 => {
            let team = 1 + rng.below(2);
            // Agents 1-3 may be in team 1, 4-6 in team 2.
            let base = if team == 1 { 1 } else { 4 };
            let members = (base..base + 3)
                .filter(|_| rng.below(3) != 0)
                .map(AgentId)
                .collect();
            Command::SetTeam {
                team: TeamId(team),
                name: format!("team {team}").into(),
                members,
                max_live: (rng.below(4) != 0).then(|| rng.below(4) as u32),
                rate_limit: (rng.below(2) == 0).then(|| RateLimit {
                    max: 1 + rng.below(4) as u32,
                    window: TimeSpan::from_secs(30 + rng.below(60)),
                }),
            }
        }
        19 => Command::SetTenantCap {
            max_live: (rng.below(3) != 0).then(|| 1 + rng.below(8) as u32),
        },
        22 => Command::SetChannelCap {
            agent,
            channel: [Channel::WhatsApp, Channel::Email][rng.below(2) as usize],
            max_live: (rng.below(3) != 0).then(|| rng.below(3) as u32),
        },
        23 => Command::SetRateLimit {
            agent,
            limit: (rng.below(3) != 0).then(|| RateLimit {
                max: 1 + rng.below(3) as u32,
                window: TimeSpan::from_secs(10 + rng.below(120)),
            }),
        },
        28 | 29 => Command::PullNext { agent },
        30 => Command::SetPullCap {
            agent,
            pull_cap: (rng.below(2) == 0).then(|| Capacity::units(1 + rng.below(5) as u32)),
        },
        20 => Command::Transfer {
            conversation,
            to: TransferTarget::Agent(agent),
        },
        _ => Command::Tick,
    }
}

/// Plays steps `from..to` of the stream of `seed`, auditing after each;
/// returns each outcome as text.
fn play(engine: &mut Engine, seed: u64, from: usize, to: usize) -> Vec<String> {
    let mut rng = Rng(seed);
    let mut out = Vec::new();
    let mut now = 0;
    for i in 0..to {
        now += rng.below(15_000);
        let mut command = random_command(&mut rng);
        if i < from {
            continue;
        }
        // Ends of wrap-up name the agent in wrap-up (mostly), so that the
        // modes' early-end rules are reached, not only unknown owners.
        if let Command::EndWrapUp {
            conversation,
            agent,
        } = &mut command
        {
            if let (Ok(Some(w)), true) = (engine.wrap_up(*conversation), now % 5 != 0) {
                *agent = w.agent;
            }
        }
        let outcome = match engine.apply(Timestamp(now), command) {
            Ok(decisions) => serde_json::to_string(&decisions).unwrap(),
            Err(e) => format!("error: {e}"),
        };
        engine
            .audit()
            .unwrap_or_else(|v| panic!("seed {seed} step {i}: {v}"));
        out.push(outcome);
    }
    out
}

fn new_engine(offers: bool) -> Engine {
    Engine::new(
        config(offers),
        policy::BuiltinPolicy::from_name("least_loaded")
            .expect("built in")
            .build(),
    )
    .expect("valid")
}

#[test]
fn workload_rules_keep_every_invariant_under_random_streams() {
    for seed in 0..24 {
        let mut e = new_engine(seed % 2 == 0);
        play(&mut e, seed, 0, 600);
        let stats = e.stats();
        assert!(stats.assignments > 0, "seed {seed} assigned nothing");
    }
}

#[test]
fn workload_rules_exercise_every_level_and_mode() {
    let mut wrap_ups = 0;
    let (mut reopened, mut ended_early) = (0, 0);
    let (mut team, mut tenant, mut rate, mut silent) = (0, 0, 0, 0);
    for seed in 0..24 {
        let mut e = new_engine(seed % 2 == 0);
        play(&mut e, seed, 0, 600);
        let s = e.stats();
        wrap_ups += s.wrap_ups;
        reopened += s.wrap_ups_reopened;
        ended_early += s.wrap_ups_ended_early;
        team += s.refusals.team;
        tenant += s.refusals.tenant;
        rate += s.refusals.rate_limit;
        silent += s.no_answer_requeues + s.no_answer_kept + s.no_answer_resolved;
    }
    // The streams reach each rule (or the test above would prove little).
    assert!(wrap_ups > 50, "wrap-ups {wrap_ups}");
    assert!(reopened > 2, "reopened {reopened}");
    assert!(ended_early > 3, "ended early {ended_early}");
    assert!(team > 50, "team refusals {team}");
    assert!(tenant > 50, "tenant refusals {tenant}");
    assert!(rate > 20, "agents at their rate limit {rate}");
    assert!(silent > 20, "no-answer expiries {silent}");
}

#[test]
fn a_snapshot_midway_decides_the_rest_of_the_stream_identically() {
    for seed in 100..120 {
        let mut original = new_engine(seed % 2 == 0);
        play(&mut original, seed, 0, 300);
        let json = original.snapshot().to_json().unwrap();
        let mut restored = Engine::restore(
            Snapshot::from_json(&json).unwrap(),
            policy::BuiltinPolicy::from_name("least_loaded")
                .unwrap()
                .build(),
        )
        .unwrap_or_else(|e| panic!("seed {seed}: {e}"));
        assert_eq!(restored.snapshot(), original.snapshot());
        let a = play(&mut original, seed, 300, 600);
        let b = play(&mut restored, seed, 300, 600);
        assert_eq!(a, b, "seed {seed}");
        assert_eq!(restored.snapshot(), original.snapshot());
    }
}
