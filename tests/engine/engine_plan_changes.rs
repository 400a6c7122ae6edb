//! Plan changes as commands (ages kept, re-evaluated at once), the check
//! of a plan against the agents registered, and replay and restore of a
//! day under a plan.
use super::engine_plan_ladder::OVERFLOW;
use super::engine_plans::*;
use crate::common;
use common::*;
use switchboard::plan::{Attributes, PlanProblem};
use switchboard::*;
#[test]
fn a_plan_change_keeps_ages_and_re_evaluates_at_once() {
    let mut e = engine();
    set_plan(
        &mut e,
        ms(0),
        OVERFLOW.replace("online == 0", "false").as_str(),
    );
    run(&mut e, ms(0), open_cmd(1, 1, &[], Priority::Normal));
    attrs(&mut e, ms(0), 1, billing());
    run(
        &mut e,
        ms(10),
        open_cmd(2, 2, &[(TECH, 1)], Priority::Normal),
    );
    // The same plan with a slower ladder, swapped in after five minutes:
    // the conversation's age (300 s) is past both steps, which it enters
    // at once.
    let d = set_plan(
        &mut e,
        ms(300),
        OVERFLOW
            .replace("online == 0", "false")
            .replace("60000", "240000")
            .as_str(),
    );
    assert!(matches!(d[0], Decision::PlanChanged { .. }));
    let mine = entered(&d);
    assert!(mine.contains(&step(1, "billing", 0)) && mine.contains(&step(1, "billing", 1)));
    // The tech conversation had named skills: the plan's default route
    // adds them as hard requirements to its queue.
    assert!(mine.contains(&step(2, "default", 0)));
    assert_eq!(waiting_in(&e, &[(TECH, 1)]), 1);
    // An agent comes: the oldest waiting work it can take is conversation 1.
    agent(&mut e, 7, &[], 1);
    audited(&e);
    assert_eq!(owner(&e, 1), Some(7));
    // Removing the plan routes by named skills again.
    let d = run(&mut e, ms(400), Command::set_plan(None));
    assert!(matches!(
        d[0],
        Decision::PlanChanged {
            routes: 0,
            queues: 0
        }
    ));
    assert!(e.plan().is_none());
    assert_eq!(waiting_in(&e, &[(TECH, 1)]), 1);
}

#[test]
fn check_plan_warns_of_queues_nobody_registered_can_serve() {
    let mut e = engine();
    agent(&mut e, 1, &[(BILLING, 3)], 2);
    let problems = e.check_plan(&plan(PLAN));
    let unservable: Vec<&str> = problems
        .iter()
        .filter_map(|p| match p {
            PlanProblem::UnservableQueue { queue } => Some(queue.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(unservable, vec!["billing", "spanish"]);
    assert!(problems
        .iter()
        .all(|p| p.severity() == switchboard::plan::Severity::Warning));
    // Warnings do not refuse the plan.
    set_plan(&mut e, ms(0), PLAN);
    assert!(e.plan().is_some());
}

/// Commands of a day under a plan, with its changes.
fn day() -> Vec<(Timestamp, Command)> {
    let mut out = vec![(ms(0), Command::set_plan(plan(PLAN)))];
    for id in 0..12u64 {
        let at = ms(id * 20);
        out.push((at, open_cmd(id, id, &[], Priority::Normal)));
        let a = match id % 3 {
            0 => billing(),
            1 => Attributes::new().language("es"),
            _ => Attributes::new(),
        };
        out.push((
            at,
            Command::SetAttributes {
                conversation: ConversationId(id),
                attributes: a,
            },
        ));
    }
    let level = |l| Level::new(l).expect("level");
    out.push((
        ms(150),
        AgentSpec::new(AgentId(1), Capacity::units(2))
            .skill(SkillId(BILLING), level(2))
            .into(),
    ));
    out.push((
        ms(200),
        AgentSpec::new(AgentId(2), Capacity::units(1))
            .skill(SkillId(SPANISH), level(1))
            .into(),
    ));
    for t in (0..40).map(|i| ms(250 + i * 60)) {
        out.push((t, Command::Tick));
    }
    out.push((ms(1000), Command::set_plan(plan(OVERFLOW))));
    out.sort_by_key(|(at, _)| *at);
    out
}

#[test]
fn replay_and_restore_reproduce_every_decision() {
    let commands = day();
    // Each command survives the journal's encoding unchanged.
    for (_, c) in &commands {
        let json = serde_json::to_string(c).expect("encodes");
        assert_eq!(&serde_json::from_str::<Command>(&json).expect("decodes"), c);
    }
    let play = |e: &mut Engine, cs: &[(Timestamp, Command)]| -> Vec<Decision> {
        cs.iter()
            .flat_map(|(at, c)| {
                let d = e.apply(*at, c.clone()).expect("accepted");
                audited(e);
                d
            })
            .collect()
    };
    let mut a = engine();
    let all = play(&mut a, &commands);
    assert!(all
        .iter()
        .any(|d| matches!(d, Decision::StepEntered { step: 2, .. })));
    assert!(all.iter().any(|d| matches!(d, Decision::TtlReached { .. })));
    // The same commands again: the same decisions and state.
    let mut b = engine();
    assert_eq!(play(&mut b, &commands), all);
    assert_eq!(b.snapshot(), a.snapshot());
    // Restored from a snapshot taken mid-ladder (through JSON), the rest
    // of the day decides the same.
    let half = commands.len() / 2;
    let mut c = engine();
    let first = play(&mut c, &commands[..half]);
    let json = c.snapshot().to_json().expect("snapshot encodes");
    let mut c = Engine::restore(
        Snapshot::from_json(&json).expect("decodes"),
        boxed("least_loaded"),
    )
    .expect("restores");
    assert!(c.plan().is_some());
    let rest = play(&mut c, &commands[half..]);
    assert_eq!([first, rest].concat(), all);
    assert_eq!(c.snapshot(), a.snapshot());
}
