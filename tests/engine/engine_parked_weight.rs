//! Capacity by conversation status: what a thread waiting on the customer
//! (parked) costs its agent, per channel (`WorkloadConfig::parked_permille`),
//! in place of the one `parked_weight_permille` for every channel.

use crate::common;
use common::*;
use switchboard::*;

fn open_on(e: &mut Engine, at: Timestamp, id: u64, channel: Channel) {
    e.apply(
        at,
        Command::open(ConversationId(id), CustomerId(id)).channel(channel),
    )
    .expect("open accepted");
}

fn park(e: &mut Engine, at: Timestamp, id: u64) {
    e.apply(
        at,
        Command::Park {
            conversation: ConversationId(id),
        },
    )
    .expect("park accepted");
}

#[test]
fn a_parked_thread_costs_its_channels_share_and_the_others_keep_the_default() {
    let mut config = EngineConfig::default();
    config.workload.parked_permille.insert(Channel::Sms, 0);
    config.workload.parked_permille.insert(Channel::Web, 1000);
    let mut e = engine_with(config, "least_loaded");
    agent(&mut e, 1, &[], 3);
    open_on(&mut e, ms(1), 1, Channel::Sms);
    open_on(&mut e, ms(2), 2, Channel::Web);
    open_on(&mut e, ms(3), 3, Channel::WhatsApp);
    for id in 1..=3 {
        park(&mut e, ms(10), id);
    }
    // Texts waiting on the customer cost nothing, web chats all of their
    // weight, WhatsApp the default quarter.
    let load = e.agent_stats(AgentId(1)).unwrap().load;
    assert_eq!(load, Capacity(1000 + 250));
    audited(&e);
    // A text coming back takes its whole weight again.
    e.apply(
        ms(11),
        Command::CustomerMessage {
            conversation: ConversationId(1),
        },
    )
    .unwrap();
    let load = e.agent_stats(AgentId(1)).unwrap().load;
    assert_eq!(load, Capacity(1000 + 1000 + 250));
    audited(&e);
    let json = e.snapshot().to_json().unwrap();
    let restored =
        Engine::restore(Snapshot::from_json(&json).unwrap(), boxed("least_loaded")).unwrap();
    assert_eq!(restored.snapshot(), e.snapshot());
    audited(&restored);
}

#[test]
fn a_parked_share_above_the_whole_weight_is_refused_and_nothing_is_built() {
    let mut config = EngineConfig::default();
    config.workload.parked_permille.insert(Channel::Sms, 1001);
    match Engine::new(config, boxed("least_loaded")) {
        Err(err) => assert!(err.to_string().contains("parked_permille"), "{err}"),
        Ok(_) => panic!("a parked share above 1000 was accepted"),
    }
}
