//! An agent's own weight per channel (`Command::SetChannelWeight`), in
//! place of the configuration's: what the agent's threads of the channel
//! cost them live, parked and in wrap-up; changing it re-weighs what they
//! hold and moves nothing.

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

fn set_weight(
    e: &mut Engine,
    at: Timestamp,
    agent: u64,
    channel: Channel,
    weight: Option<Capacity>,
) -> Result<Vec<Decision>, EngineError> {
    e.apply(
        at,
        Command::SetChannelWeight {
            agent: AgentId(agent),
            channel,
            weight,
        },
    )
}

fn load(e: &Engine, agent: u64) -> Capacity {
    e.agent_stats(AgentId(agent)).unwrap().load
}

#[test]
fn an_agents_own_weight_replaces_the_channels_for_them_only() {
    let mut e = engine();
    agent(&mut e, 1, &[], 2);
    agent(&mut e, 2, &[], 2);
    // Agent 1's chats cost half a unit: four fit under their cap of two.
    set_weight(&mut e, ms(0), 1, Channel::WhatsApp, Some(Capacity(500))).unwrap();
    for id in 1..=6 {
        open_on(&mut e, ms(id), id, id, Channel::WhatsApp);
    }
    let on = |e: &Engine, a: u64| (1..=6).filter(|&id| owner(e, id) == Some(a)).count();
    assert_eq!(on(&e, 1), 4, "four half-unit chats fill agent 1");
    assert_eq!(on(&e, 2), 2, "agent 2 keeps the channel's weight");
    assert_eq!(load(&e, 1), Capacity::units(2));
    assert_eq!(load(&e, 2), Capacity::units(2));
    // Another channel still costs agent 1 the channel's weight.
    let stats = e.agent_stats(AgentId(1)).unwrap();
    assert_eq!(stats.weights, vec![(Channel::WhatsApp, Capacity(500))]);
    assert!(e.agent_stats(AgentId(2)).unwrap().weights.is_empty());
    audited(&e);
}

#[test]
fn a_weight_raised_under_load_moves_nothing_and_new_work_waits() {
    let mut e = engine();
    agent(&mut e, 1, &[], 3);
    for id in 1..=3 {
        open_on(&mut e, ms(id), id, id, Channel::Sms);
    }
    let d = set_weight(&mut e, ms(10), 1, Channel::Sms, Some(Capacity::units(2))).unwrap();
    assert_eq!(
        d,
        vec![Decision::ChannelWeightChanged {
            agent: AgentId(1),
            channel: Channel::Sms,
            weight: Some(Capacity::units(2)),
            load: Capacity::units(6),
            cap: Capacity::units(3),
        }]
    );
    for id in 1..=3 {
        assert_eq!(owner(&e, id), Some(1), "nothing moves");
    }
    audited(&e);
    open_on(&mut e, ms(11), 4, 4, Channel::Sms);
    resolve(&mut e, ms(12), 1);
    resolve(&mut e, ms(13), 2);
    assert_eq!(state(&e, 4), StateKind::Queued, "2 units held + 2 > 3");
    resolve(&mut e, ms(14), 3);
    assert_eq!(owner(&e, 4), Some(1));
    assert_eq!(load(&e, 1), Capacity::units(2));
    audited(&e);
}

#[test]
fn a_weight_lowered_lets_the_agent_take_waiting_work_at_once() {
    let mut e = engine();
    agent(&mut e, 1, &[], 1);
    open_on(&mut e, ms(1), 1, 1, Channel::WhatsApp);
    open_on(&mut e, ms(2), 2, 2, Channel::WhatsApp);
    assert_eq!(state(&e, 2), StateKind::Queued);
    let d = set_weight(&mut e, ms(3), 1, Channel::WhatsApp, Some(Capacity(500))).unwrap();
    assert_eq!(assigned_to(&d, 2), Some(1));
    assert_eq!(load(&e, 1), Capacity::units(1));
    audited(&e);
    // Back to the channel's weight: the load follows, nothing moves.
    set_weight(&mut e, ms(4), 1, Channel::WhatsApp, None).unwrap();
    assert_eq!(load(&e, 1), Capacity::units(2));
    assert_eq!(owner(&e, 1), Some(1));
    assert_eq!(owner(&e, 2), Some(1));
    audited(&e);
}

#[test]
fn a_parked_thread_holds_the_parked_share_of_the_agents_weight() {
    let mut e = engine();
    agent(&mut e, 1, &[], 4);
    set_weight(&mut e, ms(0), 1, Channel::Web, Some(Capacity::units(2))).unwrap();
    open_on(&mut e, ms(1), 1, 1, Channel::Web);
    assert_eq!(load(&e, 1), Capacity::units(2));
    e.apply(
        ms(2),
        Command::Park {
            conversation: ConversationId(1),
        },
    )
    .unwrap();
    // The default parked share is 250 permille.
    assert_eq!(load(&e, 1), Capacity(500));
    audited(&e);
    set_weight(&mut e, ms(3), 1, Channel::Web, Some(Capacity::units(4))).unwrap();
    assert_eq!(load(&e, 1), Capacity::units(1), "re-weighed while parked");
    audited(&e);
    e.apply(
        ms(4),
        Command::CustomerMessage {
            conversation: ConversationId(1),
        },
    )
    .unwrap();
    assert_eq!(owner(&e, 1), Some(1));
    assert_eq!(load(&e, 1), Capacity::units(4));
    audited(&e);
}

#[test]
fn a_wrap_up_holds_its_share_of_the_agents_weight() {
    let mut config = EngineConfig::default();
    config.workload.wrap_up.insert(
        Channel::Sms,
        WrapUpRule {
            mode: WrapUpMode::Optional,
            time: TimeSpan::from_secs(60),
            hold_permille: 500,
        },
    );
    let mut e = engine_with(config, "least_loaded");
    agent(&mut e, 1, &[], 4);
    set_weight(&mut e, ms(0), 1, Channel::Sms, Some(Capacity::units(2))).unwrap();
    open_on(&mut e, ms(1), 1, 1, Channel::Sms);
    resolve(&mut e, ms(2), 1);
    assert_eq!(load(&e, 1), Capacity::units(1), "half of two units");
    audited(&e);
    set_weight(&mut e, ms(3), 1, Channel::Sms, None).unwrap();
    assert_eq!(load(&e, 1), Capacity(500), "half of the channel's unit");
    audited(&e);
}

#[test]
fn a_thread_that_never_fits_the_agents_weight_is_not_transferred_to_them() {
    let mut e = engine();
    agent(&mut e, 1, &[], 1);
    agent(&mut e, 2, &[], 3);
    set_weight(&mut e, ms(0), 1, Channel::Sms, Some(Capacity::units(2))).unwrap();
    open_on(&mut e, ms(1), 1, 1, Channel::Sms);
    assert_eq!(owner(&e, 1), Some(2), "agent 1 can never hold it");
    let transfer = Command::Transfer {
        conversation: ConversationId(1),
        to: TransferTarget::Agent(AgentId(1)),
    };
    assert!(matches!(
        e.apply(ms(2), transfer),
        Err(EngineError::NeverFits { .. })
    ));
    audited(&e);
}

#[test]
fn channel_weights_out_of_range_are_refused_and_change_nothing() {
    let mut e = engine();
    agent(&mut e, 1, &[], 4);
    open_on(&mut e, ms(1), 1, 1, Channel::Sms);
    let before = e.snapshot();
    for bad in [Capacity::ZERO, Capacity(Capacity::MAX_CAP.0 + 1)] {
        assert_eq!(
            set_weight(&mut e, ms(2), 1, Channel::Sms, Some(bad)),
            Err(EngineError::InvalidChannelWeight {
                agent: AgentId(1),
                channel: Channel::Sms,
                weight: bad,
                max: Capacity::MAX_CAP,
            })
        );
    }
    assert_eq!(
        set_weight(&mut e, ms(2), 9, Channel::Sms, Some(Capacity(500))),
        Err(EngineError::UnknownAgent(AgentId(9)))
    );
    assert_eq!(e.snapshot(), before);
}

#[test]
fn channel_weights_survive_a_snapshot_and_old_snapshots_have_none() {
    let mut e = engine();
    agent(&mut e, 1, &[], 2);
    let plain = e.snapshot().to_json().unwrap();
    assert!(!plain.contains("\"weights\""), "left out while unset");
    set_weight(&mut e, ms(0), 1, Channel::WhatsApp, Some(Capacity(500))).unwrap();
    for id in 1..=5 {
        open_on(&mut e, ms(id), id, id, Channel::WhatsApp);
    }
    let json = e.snapshot().to_json().unwrap();
    let mut restored =
        Engine::restore(Snapshot::from_json(&json).unwrap(), boxed("least_loaded")).unwrap();
    assert_eq!(restored.snapshot(), e.snapshot());
    audited(&restored);
    assert_eq!(resolve(&mut restored, ms(9), 1), resolve(&mut e, ms(9), 1));
    assert_eq!(owner(&restored, 5), Some(1));
    // A weight out of range in a snapshot is refused on restore.
    let bad = json.replace("[\"whats_app\",500]", "[\"whats_app\",0]");
    assert_ne!(bad, json);
    assert!(Engine::restore(Snapshot::from_json(&bad).unwrap(), boxed("least_loaded")).is_err());
}
