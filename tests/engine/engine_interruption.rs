//! The interruption matrix (`WorkloadConfig::interruptions`): a channel
//! marked as interrupting others fits an agent beside the load held on the
//! channels it interrupts, so an agent whose other channels are full can
//! still take it; the interrupted threads keep their place and nothing
//! moves unasked.

use crate::common;
use common::*;
use switchboard::*;

/// Texts interrupt every other channel.
fn texts_interrupt_everything() -> Engine {
    let mut config = EngineConfig::default();
    let others = Channel::ALL.iter().copied().filter(|&c| c != Channel::Sms);
    config
        .workload
        .interruptions
        .insert(Channel::Sms, others.collect());
    engine_with(config, "least_loaded")
}

/// Texts interrupt web work only.
fn texts_interrupt_web() -> Engine {
    let mut config = EngineConfig::default();
    config
        .workload
        .interruptions
        .insert(Channel::Sms, [Channel::Web].into());
    engine_with(config, "least_loaded")
}

fn open_on(e: &mut Engine, at: Timestamp, id: u64, channel: Channel) -> Vec<Decision> {
    e.apply(
        at,
        Command::open(ConversationId(id), CustomerId(id)).channel(channel),
    )
    .expect("open accepted")
}

fn channel_cap(e: &mut Engine, agent: u64, channel: Channel, max: u32) {
    e.apply(
        ms(0),
        Command::SetChannelCap {
            agent: AgentId(agent),
            channel,
            max_live: Some(max),
        },
    )
    .expect("cap accepted");
}

#[test]
fn an_interrupting_channel_reaches_an_agent_whose_every_other_channel_is_full() {
    let mut e = texts_interrupt_everything();
    agent(&mut e, 1, &[], 3);
    // Every channel but texts is full: three at their own cap of one, the
    // other four because the total cap (3) is reached.
    let full = [Channel::WhatsApp, Channel::Web, Channel::Messenger];
    for (i, &channel) in full.iter().enumerate() {
        channel_cap(&mut e, 1, channel, 1);
        open_on(&mut e, ms(1 + i as u64), 1 + i as u64, channel);
    }
    for channel in Channel::ALL {
        if channel != Channel::Sms {
            let group = e.group_stats_for(channel, &[]);
            assert!(group.is_none_or(|g| g.agents_with_room == 0), "{channel:?}");
        }
    }
    let before: Vec<_> = (1..=3)
        .map(|id| e.conversation(ConversationId(id)).unwrap())
        .collect();
    let d = open_on(&mut e, ms(10), 10, Channel::Sms);
    assert_eq!(assigned_to(&d, 10), Some(1), "the text interrupts");
    // Nothing else moved: the only assignment is the text's, and the
    // interrupted threads keep their place.
    assert_eq!(d.iter().filter(|d| d.assignee().is_some()).count(), 1);
    for (id, was) in (1..=3).zip(before) {
        let now = e.conversation(ConversationId(id)).unwrap();
        assert_eq!(now.state, was.state);
    }
    let stats = e.agent_stats(AgentId(1)).unwrap();
    assert_eq!(
        (stats.load, stats.cap),
        (Capacity::units(4), Capacity::units(3))
    );
    assert_eq!(e.stats().interruptions, 1);
    audited(&e);
    // Over the cap, no other work reaches them (email is not interrupting).
    open_on(&mut e, ms(11), 11, Channel::Email);
    assert_eq!(state(&e, 11), StateKind::Queued);
    audited(&e);
    // The restored engine recounts the load per channel.
    let json = e.snapshot().to_json().unwrap();
    let restored =
        Engine::restore(Snapshot::from_json(&json).unwrap(), boxed("least_loaded")).unwrap();
    assert_eq!(restored.snapshot(), e.snapshot());
    audited(&restored);
}

#[test]
fn interrupting_work_is_bounded_by_the_cap_beside_what_it_does_not_interrupt() {
    let mut e = texts_interrupt_web();
    agent(&mut e, 1, &[], 3);
    open_on(&mut e, ms(1), 1, Channel::Web);
    open_on(&mut e, ms(2), 2, Channel::Web);
    open_on(&mut e, ms(3), 3, Channel::WhatsApp);
    // Web does not count for texts: 1 (WhatsApp) + 1 fits under 3, twice.
    open_on(&mut e, ms(4), 4, Channel::Sms);
    open_on(&mut e, ms(5), 5, Channel::Sms);
    assert_eq!((owner(&e, 4), owner(&e, 5)), (Some(1), Some(1)));
    // A third text would make WhatsApp + texts 4 > 3: it waits.
    open_on(&mut e, ms(6), 6, Channel::Sms);
    assert_eq!(state(&e, 6), StateKind::Queued);
    audited(&e);
    // The load falls back under the cap only as threads end; the waiting
    // text goes first once the non-interrupted load leaves room.
    resolve(&mut e, ms(7), 3);
    assert_eq!(owner(&e, 6), Some(1));
    audited(&e);
}

#[test]
fn without_an_interruption_matrix_a_full_agent_takes_nothing() {
    let mut e = engine();
    agent(&mut e, 1, &[], 1);
    open_on(&mut e, ms(1), 1, Channel::Web);
    open_on(&mut e, ms(2), 2, Channel::Sms);
    assert_eq!(state(&e, 2), StateKind::Queued);
    assert_eq!(e.stats().interruptions, 0);
    audited(&e);
}

#[test]
fn an_interruption_matrix_that_chains_is_refused_by_name() {
    let mut config = EngineConfig::default();
    config
        .workload
        .interruptions
        .insert(Channel::Sms, [Channel::Web].into());
    config
        .workload
        .interruptions
        .insert(Channel::Web, [Channel::Email].into());
    match Engine::new(config, boxed("least_loaded")) {
        Err(err) => assert!(err.to_string().contains("may not interrupt"), "{err}"),
        Ok(_) => panic!("a chained matrix was accepted"),
    }
}

#[test]
fn the_explanation_counts_an_agent_who_fits_interrupting_work_as_having_room() {
    let mut e = texts_interrupt_web();
    agent(&mut e, 1, &[], 1);
    // Agent 1 is full with web work, which texts interrupt.
    open_on(&mut e, ms(1), 1, Channel::Web);
    agent(&mut e, 2, &[], 1);
    let d = open_on(&mut e, ms(2), 2, Channel::Sms);
    assert_eq!(assigned_to(&d, 2), Some(2), "the idle agent ranks first");
    // Routing would have given the text to agent 1 too: the explanation
    // counts them with room and names them as the runner-up.
    let why = e.explain(ConversationId(2)).unwrap().expect("assigned");
    assert_eq!((why.filters.status, why.filters.room), (2, 2));
    assert_eq!(why.runner_up.map(|(id, _)| id), Some(AgentId(1)));
    assert_eq!(why.tie_breaker, TieBreaker::Rank);
    // Without the idle agent, routing does give it to agent 1.
    resolve(&mut e, ms(3), 2);
    e.apply(
        ms(3),
        Command::SetAgentStatus {
            agent: AgentId(2),
            status: AgentStatus::Offline,
        },
    )
    .expect("status");
    let d = open_on(&mut e, ms(4), 3, Channel::Sms);
    assert_eq!(assigned_to(&d, 3), Some(1), "the text interrupts");
    audited(&e);
}

#[test]
fn a_preferred_agent_whose_other_channels_are_full_takes_interrupting_work_at_once() {
    let mut e = texts_interrupt_web();
    agent(&mut e, 1, &[], 1);
    open_on(&mut e, ms(1), 1, Channel::Web); // agent 1 is full
    agent(&mut e, 2, &[], 1); // free: the queue's pick without a preference
    let d = e
        .apply(
            ms(2),
            Command::open(ConversationId(2), CustomerId(2))
                .channel(Channel::Sms)
                .preferred_agent(AgentId(1), 90, TimeSpan::ZERO),
        )
        .expect("open accepted");
    assert!(
        d.iter().any(|d| matches!(
            d,
            Decision::Assigned { conversation, agent, via: AssignVia::Preferred, .. }
                if conversation.0 == 2 && agent.0 == 1
        )),
        "{d:?}"
    );
    audited(&e);
}
