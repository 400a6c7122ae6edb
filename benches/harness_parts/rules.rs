//! The stream with every workload rule (`profile_rules*`, issue 20): the
//! engine and its teams and caps, and the agents' first replies sent as
//! they fall due (`first_replies.rs`).

use super::first_replies::FirstReplies;
use super::workload::Event;
use super::workload::Shape;
use super::{replay, replay_answered, setup, stream, Owners, Router};
use std::sync::atomic::Ordering;
use switchboard::policy::LeastLoaded;
use switchboard::{
    AgentId, Channel, Command, Decision, Engine, EngineConfig, NoAnswerFinal, NoAnswerRule,
    OpenConversations, RateLimit, TeamId, TimeSpan, Timestamp, WorkloadConfig, WrapUpMode,
    WrapUpRule,
};

/// As `setup`, the agents answering their assignments (not measured).
pub(super) fn setup_answered(
    e: &mut Engine,
    owners: &Owners,
    replies: &mut FirstReplies,
    setup: &[(Timestamp, Command)],
) {
    let mut out = Vec::new();
    for (at, c) in setup {
        answer_due(e, owners, replies, *at, &mut out);
        e.apply_reusing(*at, c.clone(), &mut out)
            .expect("setup command applies");
        owners.learn(&out);
        replies.learn(*at, &out);
    }
}

/// Sends the first replies due by `at`; returns how many were refused.
pub(super) fn answer_due(
    e: &mut Engine,
    owners: &Owners,
    replies: &mut FirstReplies,
    at: Timestamp,
    out: &mut Vec<Decision>,
) -> usize {
    let mut refused = 0;
    // ORDERING: the owners table is this thread's alone here; Relaxed.
    let owner = |c: u64| owners.0[c as usize].load(Ordering::Relaxed);
    while let Some((due, reply)) = replies.next_due(at, owner) {
        match e.apply_borrowed(due, &reply, out) {
            Ok(()) => {
                owners.learn(out);
                replies.learn(due, out);
            }
            Err(_) => refused += 1,
        }
    }
    refused
}

/// As `replay_answered`, hashing every decision and refusal in order
/// (their `Debug` form) instead of timing: the same stream before and
/// after a change that must move no decision gives the same digest.
/// Returns how many were hashed and the digest.
pub(super) fn digest_answered(
    e: &mut Engine,
    owners: &Owners,
    replies: &mut FirstReplies,
    events: &[(Timestamp, Event)],
) -> (u64, u64) {
    use std::hash::{DefaultHasher, Hash, Hasher};
    let mut h = DefaultHasher::new();
    let mut n = 0u64;
    let mut out = Vec::new();
    let mut apply = |e: &mut Engine, at: Timestamp, c: Command, out: &mut Vec<Decision>| match e
        .apply_reusing(at, c, out)
    {
        Ok(()) => {
            for d in out.iter() {
                format!("{d:?}").hash(&mut h);
            }
            n += out.len() as u64;
            true
        }
        Err(err) => {
            format!("{err:?}").hash(&mut h);
            n += 1;
            false
        }
    };
    // ORDERING: the owners table is this thread's alone here; Relaxed.
    let owner = |c: u64| owners.0[c as usize].load(Ordering::Relaxed);
    for (at, ev) in events {
        while let Some((due, reply)) = replies.next_due(*at, owner) {
            if apply(e, due, reply, &mut out) {
                owners.learn(&out);
                replies.learn(due, &out);
            }
        }
        if apply(e, *at, owners.command(ev), &mut out) {
            owners.learn(&out);
            replies.learn(*at, &out);
        }
    }
    (n, h.finish())
}

/// The engine with every workload rule on: wrap-up on every channel, the
/// tenant's cap, reassignment of unanswered conversations.
pub(super) fn engine_with_rules(on: &dyn Fn(&str) -> bool) -> Engine {
    let mut workload = WorkloadConfig::default();
    for channel in Channel::ALL.into_iter().filter(|_| on("wrapup")) {
        let rule = WrapUpRule {
            mode: WrapUpMode::Optional,
            time: TimeSpan::from_secs(60),
            hold_permille: 500,
        };
        workload.wrap_up.insert(channel, rule);
    }
    workload.tenant_max_live = on("tenant").then_some(150_000);
    workload.no_answer = on("no_answer").then_some(NoAnswerRule {
        after: TimeSpan::from_mins(10),
        set_away: false,
        max_hops: 2,
        last: NoAnswerFinal::KeepAndWarn,
    });
    let config = EngineConfig::builder()
        .open_conversations(OpenConversations::Unlimited)
        .workload(workload)
        .build()
        .expect("valid config");
    Engine::new(config, LeastLoaded).expect("valid config")
}

/// Teams of 50 agents with a cap on live conversations and a rate limit,
/// and a cap on WhatsApp threads per agent.
pub(super) fn workload_rules(e: &mut Engine, base: u64, agents: u64, on: &dyn Fn(&str) -> bool) {
    let at = Timestamp(0);
    let teams = if on("team_cap") || on("team_rate") {
        agents / 50
    } else {
        0
    };
    for team in 0..teams {
        let members = (0..50).map(|i| AgentId(base + team * 50 + i)).collect();
        let command = Command::SetTeam {
            team: TeamId(team),
            name: format!("team {team}").into(),
            members,
            max_live: on("team_cap").then_some(400),
            rate_limit: on("team_rate").then_some(RateLimit {
                max: 30,
                window: TimeSpan::from_hours(1),
            }),
        };
        e.apply(at, command).expect("team accepted");
    }
    for i in (0..agents).filter(|_| on("channel_cap")) {
        let command = Command::SetChannelCap {
            agent: AgentId(base + i),
            channel: Channel::WhatsApp,
            max_live: Some(6),
        };
        e.apply(at, command).expect("cap accepted");
    }
}

/// The `profile` stream with every workload rule on, for callgrind
/// against the same stream with none (BENCHMARKS.md, "Workload rules
/// (issue 20)"). `SWITCHBOARD_RULES=wrapup,tenant,no_answer,team_cap,
/// team_rate,channel_cap` turns on only those rules (all when unset;
/// `none` turns every rule off), to measure them one at a time. With
/// `answered` (`profile_rules_answered`), the agents answer their
/// assignments as DOMAIN.md's figures say (`first_replies.rs`), so that
/// the no-answer rule measures its bookkeeping, not a reassignment of
/// nearly every assignment.
pub(super) fn profile_rules(seed: u64, answered: bool) {
    let shape = Shape::new(10_000, 100_000, seed);
    let agents = shape.agents as usize;
    let base = shape.agent_base;
    let s = stream(shape, 300_000);
    let owners = Owners::new(s.conv_end + 1);
    let rules = std::env::var("SWITCHBOARD_RULES").unwrap_or_default();
    let on = |rule: &str| rules.is_empty() || rules.split(',').any(|r| r == rule);
    let mut e = engine_with_rules(&on);
    if !answered {
        setup(&mut e, &owners, &s.setup[..agents]);
        workload_rules(&mut e, base, agents as u64, &on);
        setup(&mut e, &owners, &s.setup[agents..]);
        let r = replay(&mut e, &owners, &s.events, None);
        let stats = e.stats();
        println!(
            "profile_rules: {:.0} events/s, {} refused, wrap-ups {}, no-answer {}, refusals {:?}",
            r.rate(),
            r.errors,
            stats.wrap_ups,
            stats.no_answer_requeues + stats.no_answer_kept,
            stats.refusals
        );
        return;
    }
    let mut replies = FirstReplies::new(seed);
    setup_answered(&mut e, &owners, &mut replies, &s.setup[..agents]);
    workload_rules(&mut e, base, agents as u64, &on);
    setup_answered(&mut e, &owners, &mut replies, &s.setup[agents..]);
    if std::env::var_os("SWITCHBOARD_DIGEST").is_some() {
        // Not measured: the decisions themselves, to check that a speed
        // change moves none (BENCHMARKS.md, issue 20).
        let (decisions, digest) = digest_answered(&mut e, &owners, &mut replies, &s.events);
        println!(
            "profile_rules_answered: {decisions} decisions and refusals, digest {digest:016x}"
        );
        return;
    }
    let r = replay_answered(&mut e, &owners, &mut replies, &s.events);
    let stats = e.stats();
    println!(
        "profile_rules_answered: {:.0} events/s, {} events and {} first replies, {} refused, \
         assignments {} ({} left unanswered, {} replies dropped as moved), engine assignments {}, \
         wrap-ups {}, no-answer {}, refusals {:?}",
        r.rate(),
        r.events,
        replies.sent,
        r.errors,
        replies.assignments,
        replies.unanswered,
        replies.moved,
        stats.assignments,
        stats.wrap_ups,
        stats.no_answer_requeues + stats.no_answer_kept,
        stats.refusals
    );
}
