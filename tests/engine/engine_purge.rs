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
