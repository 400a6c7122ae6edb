//! A waiting conversation's position in its line and its expected wait
//! from the line's recent throughput: no estimate below the minimum of
//! recent data, a range around the estimate, nothing for work not
//! waiting in a line.
use crate::common;
use common::*;
use switchboard::*;

#[test]
fn position_counts_the_work_served_first_and_the_wait_follows_throughput() {
    let mut e = engine();
    agent(&mut e, 1, &[], 1);
    for id in 1..=10 {
        open(&mut e, ms(0), id, id, &[]);
    }
    let high = Command::open(ConversationId(11), CustomerId(11)).priority(Priority::Urgent);
    e.apply(ms(0), high).expect("open");
    audited(&e);
    // Conversation 1 went to the agent; 11 jumped the line by priority.
    let p = e
        .queue_position(ConversationId(10))
        .unwrap()
        .expect("queued");
    assert_eq!((p.position, p.waiting), (10, 10));
    assert_eq!(
        e.queue_position(ConversationId(11))
            .unwrap()
            .unwrap()
            .position,
        1
    );
    // One hand-over so far: no estimate yet.
    assert_eq!(p.expected_wait, None);
    // The agent finishes one a minute: the line serves one a minute.
    for minute in 1..=6u64 {
        let owner = (1..=11).find(|&id| owner(&e, id) == Some(1)).expect("busy");
        resolve(&mut e, ms(minute * 60), owner);
        audited(&e);
    }
    let p = e
        .queue_position(ConversationId(10))
        .unwrap()
        .expect("queued");
    assert_eq!((p.position, p.waiting), (4, 4));
    let w = p.expected_wait.expect("seven hand-overs a minute apart");
    assert_eq!(w.expected, TimeSpan::from_mins(4));
    assert!(w.low < w.expected && w.expected < w.high);
    assert_eq!(w.samples, 7);
    assert_eq!(w.method, WaitMethod::RecentThroughput);
    // Not waiting in a line: no position; unknown: an error.
    assert_eq!(e.queue_position(ConversationId(11)).unwrap(), None);
    assert!(matches!(
        e.queue_position(ConversationId(99)),
        Err(EngineError::UnknownConversation(_))
    ));
}
