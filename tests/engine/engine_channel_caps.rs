//! An agent's cap per channel beside their total cap: at most N live
//! threads of one channel, checked before the total cap; a lowered cap
//! moves nothing and new work on the channel waits until under it.

use crate::common;
use common::*;
use switchboard::*;

fn open_on(e: &mut Engine, at: Timestamp, id: u64, customer: u64, channel: Channel) {
    e.apply(
        at,
        Command::open(ConversationId(id), CustomerId(customer)).channel(channel),
    )
    .expect("open accepted");
}

fn channel_cap(e: &mut Engine, at: Timestamp, agent: u64, channel: Channel, max: Option<u32>) {
    e.apply(
        at,
        Command::SetChannelCap {
            agent: AgentId(agent),
            channel,
            max_live: max,
        },
    )
    .expect("cap accepted");
}

#[test]
fn a_channel_cap_keeps_the_agent_off_that_channel_only() {
    let mut e = engine();
    agent(&mut e, 1, &[], 4);
    channel_cap(&mut e, ms(0), 1, Channel::WhatsApp, Some(1));
    open_on(&mut e, ms(1), 1, 1, Channel::WhatsApp);
    open_on(&mut e, ms(2), 2, 2, Channel::WhatsApp);
    open_on(&mut e, ms(3), 3, 3, Channel::Sms);
    assert_eq!(owner(&e, 1), Some(1));
    assert_eq!(state(&e, 2), StateKind::Queued);
    assert_eq!(owner(&e, 3), Some(1), "another channel still fits");
    let stats = e.agent_stats(AgentId(1)).unwrap();
    assert_eq!(stats.channels, vec![(Channel::WhatsApp, 1, 1)]);
    let group = e.group_stats_for(Channel::WhatsApp, &[]).unwrap();
    assert_eq!(group.agents_with_room, 0);
    audited(&e);
    resolve(&mut e, ms(4), 1);
    assert_eq!(owner(&e, 2), Some(1));
    audited(&e);
}

#[test]
fn a_channel_cap_lowered_under_load_moves_nothing_and_new_work_waits() {
    let mut e = engine();
    agent(&mut e, 1, &[], 5);
    for id in 1..=3 {
        open_on(&mut e, ms(id), id, id, Channel::WhatsApp);
    }
    let d = e
        .apply(
            ms(10),
            Command::SetChannelCap {
                agent: AgentId(1),
                channel: Channel::WhatsApp,
                max_live: Some(1),
            },
        )
        .unwrap();
    assert_eq!(
        d,
        vec![Decision::ChannelCapChanged {
            agent: AgentId(1),
            channel: Channel::WhatsApp,
            max_live: Some(1),
            live: 3,
        }]
    );
    for id in 1..=3 {
        assert_eq!(owner(&e, id), Some(1));
    }
    open_on(&mut e, ms(11), 4, 4, Channel::WhatsApp);
    resolve(&mut e, ms(12), 1);
    resolve(&mut e, ms(13), 2);
    assert_eq!(state(&e, 4), StateKind::Queued, "at the cap of one");
    audited(&e);
    resolve(&mut e, ms(14), 3);
    assert_eq!(owner(&e, 4), Some(1));
    // Removing the cap lets the channel fill up to the total cap.
    channel_cap(&mut e, ms(15), 1, Channel::WhatsApp, None);
    open_on(&mut e, ms(16), 5, 5, Channel::WhatsApp);
    assert_eq!(owner(&e, 5), Some(1));
    assert!(e.agent_stats(AgentId(1)).unwrap().channels.is_empty());
    audited(&e);
}

#[test]
fn a_returning_customer_waits_for_their_agent_at_the_channel_cap() {
    let mut e = engine();
    agent(&mut e, 1, &[], 4);
    open_on(&mut e, ms(1), 1, 1, Channel::WhatsApp);
    assert_eq!(owner(&e, 1), Some(1));
    e.apply(
        ms(2),
        Command::AgentMessage {
            conversation: ConversationId(1),
            agent: AgentId(1),
        },
    )
    .unwrap();
    resolve(&mut e, ms(3), 1);
    open_on(&mut e, ms(4), 2, 2, Channel::WhatsApp);
    assert_eq!(owner(&e, 2), Some(1));
    channel_cap(&mut e, ms(5), 1, Channel::WhatsApp, Some(1));
    open_on(&mut e, ms(6), 3, 1, Channel::WhatsApp);
    assert_eq!(
        e.conversation(ConversationId(3)).unwrap().state,
        ConversationState::Queued {
            for_agent: Some(AgentId(1))
        }
    );
    resolve(&mut e, ms(7), 2);
    assert_eq!(owner(&e, 3), Some(1));
    audited(&e);
}

#[test]
fn channel_caps_out_of_range_are_refused() {
    let mut e = engine();
    agent(&mut e, 1, &[], 4);
    let before = e.snapshot();
    let too_many = Command::SetChannelCap {
        agent: AgentId(1),
        channel: Channel::Sms,
        max_live: Some(MAX_LIVE_CAP + 1),
    };
    assert_eq!(
        e.apply(ms(1), too_many),
        Err(EngineError::LiveCapOutOfRange {
            value: MAX_LIVE_CAP + 1,
            max: MAX_LIVE_CAP
        })
    );
    let unknown = Command::SetChannelCap {
        agent: AgentId(9),
        channel: Channel::Sms,
        max_live: Some(1),
    };
    assert_eq!(
        e.apply(ms(1), unknown),
        Err(EngineError::UnknownAgent(AgentId(9)))
    );
    assert_eq!(e.snapshot(), before);
}

#[test]
fn channel_caps_survive_a_snapshot() {
    let mut e = engine();
    agent(&mut e, 1, &[], 4);
    channel_cap(&mut e, ms(0), 1, Channel::WhatsApp, Some(1));
    open_on(&mut e, ms(1), 1, 1, Channel::WhatsApp);
    open_on(&mut e, ms(2), 2, 2, Channel::WhatsApp);
    let json = e.snapshot().to_json().unwrap();
    let mut restored =
        Engine::restore(Snapshot::from_json(&json).unwrap(), boxed("least_loaded")).unwrap();
    assert_eq!(restored.snapshot(), e.snapshot());
    assert_eq!(resolve(&mut restored, ms(3), 1), resolve(&mut e, ms(3), 1));
    assert_eq!(owner(&restored, 2), Some(1));
    audited(&restored);
}
