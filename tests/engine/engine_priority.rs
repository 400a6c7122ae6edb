//! Ordering and alerts: priority classes with aging, SLA warnings before
//! breaches, the agent's inbox order, true message status, the bot tier.
use crate::common;
use common::*;
use switchboard::*;

fn open_p(e: &mut Engine, at: Timestamp, id: u64, p: Priority) {
    e.apply(at, open_cmd(id, 100 + id, &[], p)).unwrap();
}

#[test]
fn higher_class_first_then_longest_waiting() {
    let mut e = engine();
    agent(&mut e, 1, &[], 1);
    open_p(&mut e, ms(0), 0, Priority::Normal); // takes the agent
    open_p(&mut e, ms(1), 1, Priority::Normal);
    open_p(&mut e, ms(2), 2, Priority::Urgent);
    open_p(&mut e, ms(3), 3, Priority::Normal);
    let mut order = vec![];
    for (t, c) in [(10, 0), (11, 2), (12, 1)] {
        let d = resolve(&mut e, ms(t), c);
        order.extend(d.iter().filter_map(|d| match d {
            Decision::Assigned { conversation, .. } => Some(conversation.0),
            _ => None,
        }));
    }
    assert_eq!(order, vec![2, 1, 3]);
}

#[test]
fn aging_lets_a_lower_class_overtake_so_nothing_starves() {
    let mut e = engine(); // class head start: 5 minutes
    agent(&mut e, 1, &[], 1);
    open_p(&mut e, ms(0), 0, Priority::Normal);
    open_p(&mut e, ms(1), 1, Priority::Low);
    // A high conversation arriving 11 minutes later (two classes, ten
    // minutes of head start) no longer jumps the low one.
    open_p(&mut e, ms(1 + 11 * 60), 2, Priority::High);
    let d = resolve(&mut e, ms(1 + 11 * 60 + 1), 0);
    assert_eq!(assigned_to(&d, 1), Some(1));
}

#[test]
fn vip_customers_are_boosted_one_class() {
    let mut e = engine();
    agent(&mut e, 1, &[], 1);
    open_p(&mut e, ms(0), 0, Priority::Normal);
    open_p(&mut e, ms(1), 1, Priority::Normal);
    let mut vip = open_cmd(2, 900, &[], Priority::Normal);
    if let Command::OpenConversation(OpenConversation { tier, .. }) = &mut vip {
        *tier = Tier::Vip;
    }
    e.apply(ms(2), vip).unwrap();
    assert_eq!(
        e.conversation(ConversationId(2)).unwrap().priority,
        Priority::High
    );
    let d = resolve(&mut e, ms(3), 0);
    assert_eq!(assigned_to(&d, 2), Some(1));
}

#[test]
fn set_priority_reorders_the_queue() {
    let mut e = engine();
    agent(&mut e, 1, &[], 1);
    open_p(&mut e, ms(0), 0, Priority::Normal);
    open_p(&mut e, ms(1), 1, Priority::Normal);
    open_p(&mut e, ms(2), 2, Priority::Normal);
    e.apply(
        ms(3),
        Command::SetPriority {
            conversation: ConversationId(2),
            priority: Priority::Urgent,
        },
    )
    .unwrap();
    let d = resolve(&mut e, ms(4), 0);
    assert_eq!(assigned_to(&d, 2), Some(1));
    audited(&e);
}

#[test]
fn warning_comes_before_the_breach_and_none_after_a_reply() {
    let mut e = engine();
    open_p(&mut e, ms(0), 1, Priority::Normal); // nobody to take it
    assert_eq!(e.next_deadline(), Some(ms(8 * 60)));
    let d = e.apply(ms(8 * 60), Command::Tick).unwrap();
    assert!(
        matches!(d[..], [Decision::SlaWarning { deadline, agent: None, .. }] if deadline == ms(600))
    );
    let d = e.apply(ms(10 * 60), Command::Tick).unwrap();
    assert!(matches!(d[..], [Decision::SlaBreach { .. }]));
    // A conversation answered in time raises nothing.
    agent(&mut e, 1, &[], 4);
    open_p(&mut e, ms(700), 2, Priority::Normal);
    e.apply(
        ms(701),
        Command::AgentMessage {
            conversation: ConversationId(2),
            agent: AgentId(1),
        },
    )
    .unwrap();
    let d = e.apply(ms(700 + 3600), Command::Tick).unwrap();
    assert!(
        !d.iter()
            .any(|d| matches!(d, Decision::SlaWarning { .. } | Decision::SlaBreach { .. })),
        "{d:?}"
    );
}

#[test]
fn a_late_tick_still_puts_the_warning_first() {
    let mut e = engine();
    open_p(&mut e, ms(0), 1, Priority::Normal);
    let d = e.apply(ms(3600), Command::Tick).unwrap();
    assert!(
        matches!(
            d[..],
            [Decision::SlaWarning { .. }, Decision::SlaBreach { .. }]
        ),
        "{d:?}"
    );
}

#[test]
fn inbox_puts_the_customer_who_spoke_last_and_waited_longest_first() {
    let mut e = engine();
    agent(&mut e, 1, &[], 5);
    for c in 1..=3 {
        open_p(&mut e, ms(c), c, Priority::Normal);
    }
    for c in 1..=3 {
        e.apply(
            ms(10),
            Command::AgentMessage {
                conversation: ConversationId(c),
                agent: AgentId(1),
            },
        )
        .unwrap();
    }
    e.apply(
        ms(20),
        Command::CustomerMessage {
            conversation: ConversationId(3),
        },
    )
    .unwrap();
    let d = e
        .apply(
            ms(21),
            Command::CustomerMessage {
                conversation: ConversationId(2),
            },
        )
        .unwrap();
    assert!(matches!(d[0], Decision::Reprioritised { .. }));
    let inbox: Vec<_> = e
        .inbox(AgentId(1))
        .unwrap()
        .iter()
        .map(|i| (i.conversation.0, i.awaiting_reply))
        .collect();
    assert_eq!(inbox, vec![(3, true), (2, true), (1, false)]);
    assert_eq!(
        e.inbox_head(AgentId(1)).unwrap().unwrap().conversation,
        ConversationId(3)
    );
}

#[test]
fn message_status_is_the_truth() {
    let mut e = engine();
    let status = |e: &Engine, c| e.conversation(ConversationId(c)).unwrap().message_status;
    open_p(&mut e, ms(0), 1, Priority::Normal);
    assert_eq!(status(&e, 1), MessageStatus::Queued);
    agent(&mut e, 1, &[], 4);
    assert_eq!(status(&e, 1), MessageStatus::Delivered);
    e.apply(
        ms(1),
        Command::MarkSeen {
            conversation: ConversationId(1),
            agent: AgentId(1),
        },
    )
    .unwrap();
    assert_eq!(status(&e, 1), MessageStatus::Seen);
    e.apply(
        ms(2),
        Command::CustomerMessage {
            conversation: ConversationId(1),
        },
    )
    .unwrap();
    assert_eq!(status(&e, 1), MessageStatus::Delivered);
}

#[test]
fn bot_tier_uses_no_capacity_and_escalates_with_age_and_priority() {
    let mut e = engine();
    agent(&mut e, 1, &[(BILLING, 5)], 1);
    let mut cmd = open_cmd(1, 1, &[], Priority::High);
    if let Command::OpenConversation(OpenConversation { start_in_bot, .. }) = &mut cmd {
        *start_in_bot = true;
    }
    e.apply(ms(0), cmd).unwrap();
    assert_eq!(
        e.conversation(ConversationId(1)).unwrap().message_status,
        MessageStatus::WithBot
    );
    assert_eq!(e.agent(AgentId(1)).unwrap().load, Capacity::ZERO);
    open_p(&mut e, ms(5), 2, Priority::Normal); // takes the agent
    open_p(&mut e, ms(6), 3, Priority::High); // waits
    let d = e
        .apply(
            ms(60),
            Command::Escalate {
                conversation: ConversationId(1),
                skills: Some(vec![SkillRequirement::at(
                    SkillId(BILLING),
                    Level::of::<2>(),
                )]),
                priority: None,
                attributes: None,
            },
        )
        .unwrap();
    assert!(matches!(d[0], Decision::Escalated { .. }));
    let info = e.conversation(ConversationId(1)).unwrap();
    assert_eq!((info.waiting_since, info.priority), (ms(0), Priority::High));
    assert_eq!(info.response_deadline, Some(ms(60 + 600)));
    // Older than conversation 3 of the same class: it goes first.
    let d = resolve(&mut e, ms(61), 2);
    assert_eq!(assigned_to(&d, 1), Some(1));
    audited(&e);
}

#[test]
fn offers_accept_decline_and_time_out() {
    let config = EngineConfig::builder()
        .offer_timeout(Some(TimeSpan::from_secs(30)))
        .build()
        .expect("valid config");
    let mut e = engine_with(config, "round_robin");
    agent(&mut e, 1, &[], 2);
    agent(&mut e, 2, &[], 2);
    let d = open(&mut e, ms(0), 1, 1, &[]);
    assert!(matches!(d[0], Decision::Offered { agent, .. } if agent.0 == 1));
    assert_eq!(state(&e, 1), StateKind::Offered);
    // Declined: offered to the other agent, not back to the decliner.
    let d = e
        .apply(
            ms(1),
            Command::DeclineOffer {
                conversation: ConversationId(1),
                agent: AgentId(1),
            },
        )
        .unwrap();
    assert!(
        d.iter()
            .any(|d| matches!(d, Decision::Offered { agent, .. } if agent.0 == 2)),
        "{d:?}"
    );
    e.apply(
        ms(2),
        Command::AcceptOffer {
            conversation: ConversationId(1),
            agent: AgentId(2),
        },
    )
    .unwrap();
    assert_eq!(state(&e, 1), StateKind::Assigned);
    // Timed out: requeued, and the agent who missed it is set away.
    open(&mut e, ms(3), 2, 2, &[]);
    let holder = owner(&e, 2).unwrap();
    let err = e
        .apply(
            ms(40),
            Command::AcceptOffer {
                conversation: ConversationId(2),
                agent: AgentId(holder),
            },
        )
        .unwrap_err();
    assert!(matches!(err, EngineError::OfferExpired { .. }));
    let d = e.apply(ms(40), Command::Tick).unwrap();
    assert!(d.iter().any(|d| matches!(
        d,
        Decision::Requeued {
            reason: RequeueReason::OfferTimedOut,
            ..
        }
    )));
    assert_eq!(e.agent(AgentId(holder)).unwrap().status, AgentStatus::Away);
    audited(&e);
}
