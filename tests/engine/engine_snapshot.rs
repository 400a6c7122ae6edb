//! Snapshots restore to an engine that makes the same decisions.
use crate::common;
use common::*;
use switchboard::*;

fn busy_engine() -> Engine {
    // Three customers share eight conversations on one channel (returning
    // customers, sticky routing): allow several open at once.
    let config = EngineConfig::builder()
        .open_conversations(OpenConversations::Unlimited)
        .build()
        .expect("valid config");
    let mut e = engine_with(config, "least_loaded");
    agent(&mut e, 1, &[(BILLING, 5)], 2);
    agent(&mut e, 2, &[(BILLING, 7), (TECH, 3)], 3);
    for c in 0..8u64 {
        let skills: &[(u32, u8)] = if c.is_multiple_of(2) {
            &[(BILLING, 1)]
        } else {
            &[(TECH, 1)]
        };
        open(&mut e, ms(c), c, 100 + c % 3, skills);
    }
    e.apply(
        ms(20),
        Command::AgentMessage {
            conversation: ConversationId(0),
            agent: AgentId(owner(&e, 0).unwrap()),
        },
    )
    .unwrap();
    e.apply(
        ms(21),
        Command::Park {
            conversation: ConversationId(0),
        },
    )
    .unwrap();
    e
}

fn script(e: &mut Engine) -> Vec<Vec<Decision>> {
    let mut out = vec![resolve(e, ms(30), 2)];
    out.push(
        e.apply(
            ms(31),
            Command::CustomerMessage {
                conversation: ConversationId(0),
            },
        )
        .unwrap(),
    );
    out.push(open(e, ms(32), 50, 101, &[(BILLING, 2)]));
    out.push(
        e.apply(
            ms(33),
            Command::SetAgentStatus {
                agent: AgentId(1),
                status: AgentStatus::Offline,
            },
        )
        .unwrap(),
    );
    out.push(e.apply(ms(900), Command::Tick).unwrap());
    out
}

#[test]
fn restored_engine_makes_the_same_decisions() {
    let mut original = busy_engine();
    let json = original.snapshot().to_json().unwrap();
    let mut restored =
        Engine::restore(Snapshot::from_json(&json).unwrap(), boxed("least_loaded")).unwrap();
    assert_eq!(restored.snapshot(), original.snapshot());
    assert_eq!(script(&mut restored), script(&mut original));
    assert_eq!(restored.snapshot(), original.snapshot());
    audited(&restored);
}

#[test]
fn restore_refuses_another_policy_and_corrupt_data() {
    let e = busy_engine();
    let snap = e.snapshot();
    assert!(matches!(
        Engine::restore(snap.clone(), boxed("round_robin")),
        Err(RestoreError::PolicyMismatch { .. })
    ));
    // Corrupt: point a conversation at an agent that does not exist.
    let json = snap.to_json().unwrap().replacen(
        "{\"Parked\":{\"agent\":0}}",
        "{\"Parked\":{\"agent\":99}}",
        1,
    );
    assert_ne!(json, snap.to_json().unwrap());
    let corrupt = Snapshot::from_json(&json).unwrap();
    assert!(Engine::restore(corrupt, boxed("least_loaded")).is_err());
    // Corrupt: an agent's load no longer matches its threads.
    let json = snap
        .to_json()
        .unwrap()
        .replacen("\"held\":250", "\"held\":0", 1);
    assert_ne!(json, snap.to_json().unwrap());
    let corrupt = Snapshot::from_json(&json).unwrap();
    assert!(Engine::restore(corrupt, boxed("least_loaded")).is_err());
}
