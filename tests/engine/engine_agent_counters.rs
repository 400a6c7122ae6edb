//! Per-agent workload counters (`AgentStats::counters`): what the rules did
//! to each agent (channel-cap refusals, rate limits reached, conversations
//! taken back unanswered, pulls), each the agent's share of the
//! engine-wide counter, kept by snapshots.

use crate::common;
use common::*;
use switchboard::*;

fn counters(e: &Engine, agent: u64) -> AgentCounters {
    e.agent_stats(AgentId(agent)).expect("registered").counters
}

#[test]
fn each_agent_counts_their_own_refusals_reassignments_and_pulls() {
    let mut config = EngineConfig::default();
    config.workload.no_answer = Some(NoAnswerRule {
        after: TimeSpan::from_secs(60),
        set_away: false,
        max_hops: 3,
        last: NoAnswerFinal::KeepAndWarn,
    });
    let mut e = engine_with(config, "least_loaded");
    agent(&mut e, 2, &[], 5);

    // Agent 3 served customers 10 (billing) and 11 on WhatsApp and is full
    // (two texts) when both come back: they wait for agent 3.
    set_status(&mut e, ms(0), 2, AgentStatus::Offline);
    agent(&mut e, 3, &[(1, 5)], 2);
    let whatsapp = |id: u64, customer: u64, billing: bool| {
        let open =
            Command::open(ConversationId(id), CustomerId(customer)).channel(Channel::WhatsApp);
        if billing {
            open.skill(SkillId(1), Level::of::<1>())
        } else {
            open
        }
    };
    e.apply(ms(1), whatsapp(10, 10, true)).unwrap();
    e.apply(ms(1), whatsapp(11, 11, false)).unwrap();
    resolve(&mut e, ms(2), 10);
    resolve(&mut e, ms(2), 11);
    open(&mut e, ms(3), 12, 12, &[]);
    open(&mut e, ms(3), 13, 13, &[]);
    for id in [12, 13] {
        e.apply(
            ms(3),
            Command::AgentMessage {
                conversation: ConversationId(id),
                agent: AgentId(3),
            },
        )
        .unwrap();
    }
    // Agent 1 (billing 5, WhatsApp capped at one live thread) comes online.
    agent(&mut e, 1, &[(1, 5)], 5);
    e.apply(
        ms(4),
        Command::SetChannelCap {
            agent: AgentId(1),
            channel: Channel::WhatsApp,
            max_live: Some(1),
        },
    )
    .unwrap();
    e.apply(ms(5), whatsapp(1, 10, true)).unwrap();
    e.apply(ms(5), whatsapp(2, 11, false)).unwrap();
    assert_eq!((owner(&e, 1), owner(&e, 2)), (None, None));
    // Both waits end at the same tick: agent 1 takes the first and, still
    // listed in the other line, is passed over there at their channel cap.
    e.apply(ms(5 + 120), Command::Tick).unwrap();
    assert_eq!(owner(&e, 1), Some(1));
    assert_eq!(owner(&e, 2), None);
    assert!(counters(&e, 2).is_zero());
    // Nobody answers conversation 1 within a minute: taken back from
    // agent 1 (counted for them whatever the action).
    e.apply(ms(5 + 120 + 60), Command::Tick).unwrap();
    assert_eq!(counters(&e, 1).no_answers, 1);
    assert_eq!(e.stats().no_answer_requeues, 1);

    // Agent 4: a rate limit of one new assignment a minute, reached at
    // once; agent 5: a pull maximum of 2 above a cap of 1.
    agent(&mut e, 4, &[], 5);
    e.apply(
        ms(190),
        Command::SetRateLimit {
            agent: AgentId(4),
            limit: Some(RateLimit {
                max: 1,
                window: TimeSpan::from_secs(60),
            }),
        },
    )
    .unwrap();
    open(&mut e, ms(191), 40, 40, &[]);
    assert_eq!(owner(&e, 40), Some(4));
    assert_eq!(counters(&e, 4).rate_limit, 1);
    set_status(&mut e, ms(192), 4, AgentStatus::Offline);
    set_status(&mut e, ms(192), 1, AgentStatus::Offline);
    agent(&mut e, 5, &[], 1);
    e.apply(
        ms(193),
        Command::SetPullCap {
            agent: AgentId(5),
            pull_cap: Some(Capacity::units(2)),
        },
    )
    .unwrap();
    open(&mut e, ms(194), 50, 50, &[]);
    open(&mut e, ms(194), 51, 51, &[]);
    let d = e
        .apply(ms(195), Command::PullNext { agent: AgentId(5) })
        .unwrap();
    assert!(
        d.iter().any(|d| matches!(d, Decision::Assigned { agent, via: AssignVia::PullNext, .. } if agent.0 == 5)),
        "{d:?}"
    );
    assert_eq!(counters(&e, 5).pulls, 1);
    let sum = |f: fn(AgentCounters) -> u64| (1..=5).map(|a| f(counters(&e, a))).sum::<u64>();
    assert_eq!(sum(|c| c.pulls), e.stats().pulls);
    assert_eq!(sum(|c| c.rate_limit), e.stats().refusals.rate_limit);
    assert_eq!(sum(|c| c.channel_cap), e.stats().refusals.agent_channel);
    audited(&e);

    // Kept by a snapshot, and in the agent's statistics as JSON.
    let restored = Engine::restore(e.snapshot(), policy::LeastLoaded).expect("restores");
    for a in 1..=5 {
        assert_eq!(counters(&restored, a), counters(&e, a));
    }
    let json = serde_json::to_value(e.agent_stats(AgentId(4)).unwrap()).unwrap();
    assert_eq!(json["counters"]["rate_limit"], 1);
}

#[test]
fn an_agent_without_counts_encodes_as_before() {
    let mut e = engine();
    agent(&mut e, 1, &[], 2);
    let json = serde_json::to_value(e.agent_stats(AgentId(1)).unwrap()).unwrap();
    assert!(json.get("counters").is_none(), "{json}");
    let snapshot = e.snapshot().to_json().unwrap();
    assert!(!snapshot.contains("counters"), "{snapshot}");
}
