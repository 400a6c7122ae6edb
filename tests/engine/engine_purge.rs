//! Purge: resolved conversations are forgotten after the retention window,
//! live ones never; stickiness survives.
use crate::common;
use common::*;
use switchboard::*;

#[test]
fn purge_forgets_only_conversations_resolved_before_the_cut() {
    let mut e = engine();
    agent(&mut e, 1, &[], 4);
    open(&mut e, ms(1), 1, 77, &[]);
    open(&mut e, ms(2), 2, 78, &[]);
    open(&mut e, ms(3), 3, 79, &[]);
    e.apply(
        ms(4),
        Command::AgentMessage {
            conversation: ConversationId(1),
            agent: AgentId(1),
        },
    )
    .unwrap();
    resolve(&mut e, ms(10), 1);
    resolve(&mut e, ms(20), 2);
    let d = e
        .apply(
            ms(30),
            Command::Purge {
                resolved_before: ms(15),
            },
        )
        .unwrap();
    assert_eq!(d, vec![Decision::Purged { conversations: 1 }]);
    assert_eq!(
        e.conversation(ConversationId(1)),
        Err(EngineError::UnknownConversation(ConversationId(1)))
    );
    assert_eq!(state(&e, 2), StateKind::Resolved);
    assert_eq!(state(&e, 3), StateKind::Assigned);
    audited(&e);
    // The customer keeps their last agent: the next conversation is sticky.
    let d = open(&mut e, ms(40), 4, 77, &[]);
    assert!(d.iter().any(|d| matches!(d, Decision::StickyHit { .. })));
    // A purged id is unknown afterwards.
    assert!(matches!(
        e.apply(
            ms(41),
            Command::CustomerMessage {
                conversation: ConversationId(1)
            }
        ),
        Err(EngineError::UnknownConversation(_))
    ));
    // Snapshots restore after a purge and agree.
    let restored = Engine::restore(e.snapshot(), boxed("least_loaded")).unwrap();
    assert_eq!(restored.snapshot(), e.snapshot());
    assert_eq!(e.conversation_count(), 3);
}

/// A purge pops only the resolutions older than its cut (no visit of
/// every slot), so check it against the rule itself: after each purge the
/// engine knows exactly the conversations not resolved before the cut,
/// through resolutions out of time order, reused slots, and a restore
/// (whose first purge rebuilds the queue from the table).
#[test]
fn purge_forgets_exactly_the_conversations_resolved_before_each_cut() {
    let mut seed = 7u64;
    let mut next = move |n: u64| {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (seed >> 33) % n
    };
    let mut e = engine();
    agent(&mut e, 1, &[], 100);
    // id -> resolution time (None while open); forgotten ids leave it.
    let mut known: std::collections::BTreeMap<u64, Option<u64>> = Default::default();
    let mut next_id = 1u64;
    let mut now = 10u64;
    for round in 0..40u64 {
        for _ in 0..next(12) {
            open(&mut e, ms(now), next_id, 1000 + next_id, &[]);
            known.insert(next_id, None);
            next_id += 1;
        }
        let open_ids: Vec<u64> = known
            .iter()
            .filter(|(_, r)| r.is_none())
            .map(|(&id, _)| id)
            .collect();
        for id in open_ids {
            if next(3) == 0 {
                // Commands may carry times earlier than the engine's clock.
                let at = now - next(8);
                resolve(&mut e, ms(at), id);
                known.insert(id, Some(at));
            }
        }
        if round % 4 == 3 {
            let cut = now - next(10);
            let d = e
                .apply(
                    ms(now),
                    Command::Purge {
                        resolved_before: ms(cut),
                    },
                )
                .unwrap();
            let before = known.len();
            known.retain(|_, r| r.is_none_or(|at| at >= cut));
            let forgotten = (before - known.len()) as u64;
            assert_eq!(
                d,
                vec![Decision::Purged {
                    conversations: forgotten
                }]
            );
            for id in 1..next_id {
                let expected = known.contains_key(&id);
                assert_eq!(e.conversation(ConversationId(id)).is_ok(), expected);
            }
            audited(&e);
        }
        if round == 21 {
            e = Engine::restore(e.snapshot(), boxed("least_loaded")).unwrap();
        }
        now += 5 + next(5);
    }
    assert!(next_id > 100, "the stream opened enough conversations");
}
