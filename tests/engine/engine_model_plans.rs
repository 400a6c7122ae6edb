//! State-machine test of routing plans: random valid plans (two or three
//! queues with hard and soft skills, up to three conditional routes and a
//! default, ladders of up to three steps that enter a queue, add an
//! overflow queue, drop a soft skill or raise the priority) and random
//! commands with time jumps (agents arriving, conversations opened with
//! attributes, resolves, ticks), applied to the engine and checked against
//! a reference model written from the rules, not from the engine's code:
//!
//! * the route each conversation takes is the model's (the first route
//!   whose condition holds, else the default), named by its `step_entered`;
//! * steps are entered in order, once each, never before they are due,
//!   and a conversation still waiting has entered every step due by now;
//! * an assignment goes to an agent with room who serves one of the
//!   queues the conversation waits in, with its soft skills as relaxed so
//!   far (the engine chooses which agent; the model checks the choice);
//! * no conversation waits while an agent with room could serve it;
//! * every load is the model's, and the audit holds.
//!
//! Halfway the engine is restored from its snapshot and both copies must
//! give equal decisions to the end. 64 cases (a few seconds in debug);
//! `PROPTEST_CASES` raises it.

use crate::common;
use common::*;
use proptest::prelude::*;
use std::collections::BTreeMap;
use switchboard::plan::{AttrValue, Attributes, Plan};
use switchboard::*;

const SKILL_A: u32 = 1;
const SKILL_B: u32 = 2;
/// Route conditions the model evaluates itself; no two shadow each other.
const CONDITIONS: [&str; 3] = [
    "topic == 'billing'",
    "vip == true",
    "topic == 'tech' and vip == false",
];

#[derive(Clone, Debug)]
struct Queue {
    hard_a: Option<u8>,
    soft_b: Option<u8>,
}

#[derive(Clone, Debug)]
enum Action {
    Add(usize),
    DropB,
    Raise,
}

#[derive(Clone, Debug)]
struct Route {
    /// Index into `CONDITIONS`; `None` for the default route.
    when: Option<usize>,
    enter: usize,
    /// Later steps: (after seconds, action).
    later: Vec<(u64, Action)>,
}

#[derive(Clone, Debug)]
struct PlanSpec {
    queues: Vec<Queue>,
    routes: Vec<Route>,
}

#[derive(Clone, Debug)]
enum Step {
    Agent { a: u8, b: u8, cap: u32 },
    Open { billing: bool, vip: bool },
    Resolve { pick: usize },
    Tick { secs: u64 },
}

fn route(queues: usize, when: Option<usize>) -> impl Strategy<Value = Route> {
    let action = prop_oneof![
        (0..queues).prop_map(Action::Add),
        Just(Action::DropB),
        Just(Action::Raise),
    ];
    (0..queues, prop::collection::vec((1u64..=3, action), 0..=2)).prop_map(move |(enter, later)| {
        let mut after = 0;
        let later = later
            .into_iter()
            .map(|(gap, act)| {
                after += gap * 30;
                (after, act)
            })
            .collect();
        Route { when, enter, later }
    })
}

fn plan_spec() -> impl Strategy<Value = PlanSpec> {
    let queue = (prop::option::of(1u8..=3), prop::option::of(3u8..=6))
        .prop_map(|(hard_a, soft_b)| Queue { hard_a, soft_b });
    (
        prop::collection::vec(queue, 2..=3),
        prop::sample::subsequence(vec![0usize, 1, 2], 0..=3),
    )
        .prop_flat_map(|(queues, conds)| {
            let n = queues.len();
            let mut routes: Vec<_> = conds
                .into_iter()
                .map(|c| route(n, Some(c)).boxed())
                .collect();
            routes.push(route(n, None).boxed());
            (Just(queues), routes)
        })
        .prop_map(|(queues, mut routes)| {
            // A drop is only written where the entered queue has the soft
            // skill (a drop of nothing is refused), an overflow only to
            // another queue.
            for r in &mut routes {
                let (enter, has_b) = (r.enter, queues[r.enter].soft_b.is_some());
                r.later.retain(|(_, a)| match a {
                    Action::Add(q) => *q != enter,
                    Action::DropB => has_b,
                    Action::Raise => true,
                });
            }
            PlanSpec { queues, routes }
        })
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        1 => (0u8..=4, 0u8..=7, 1u32..=2).prop_map(|(a, b, cap)| Step::Agent { a, b, cap }),
        4 => (any::<bool>(), any::<bool>()).prop_map(|(billing, vip)| Step::Open { billing, vip }),
        2 => (0usize..64).prop_map(|pick| Step::Resolve { pick }),
        3 => (5u64..=80).prop_map(|secs| Step::Tick { secs }),
    ]
}

fn document(spec: &PlanSpec) -> Plan {
    let queues: Vec<String> = spec
        .queues
        .iter()
        .enumerate()
        .map(|(i, q)| {
            let hard = q.hard_a.map_or(String::new(), |l| {
                format!(r#", "hard": [{{"skill": "a", "min_level": {l}}}]"#)
            });
            let soft = q.soft_b.map_or(String::new(), |l| {
                format!(r#", "soft": [{{"skill": "b", "min_level": {l}}}]"#)
            });
            format!(r#"{{"name": "q{i}"{hard}{soft}}}"#)
        })
        .collect();
    let routes: Vec<String> = spec
        .routes
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let when = r.when.map_or(String::new(), |c| {
                format!(r#""when": "{}", "#, CONDITIONS[c])
            });
            let mut steps = vec![format!(
                r#"{{"after_ms": 0, "actions": [{{"do": "enter_queue", "queue": "q{}"}}]}}"#,
                r.enter
            )];
            for (after, action) in &r.later {
                let act = match action {
                    Action::Add(q) => format!(r#"{{"do": "add_queue", "queue": "q{q}"}}"#),
                    Action::DropB => r#"{"do": "drop_skill", "skill": "b"}"#.to_owned(),
                    Action::Raise => r#"{"do": "raise_priority", "to": "high"}"#.to_owned(),
                };
                steps.push(format!(
                    r#"{{"after_ms": {}, "actions": [{act}]}}"#,
                    after * 1000
                ));
            }
            format!(
                r#"{{"name": "r{i}", {when}"steps": [{}]}}"#,
                steps.join(", ")
            )
        })
        .collect();
    let json = format!(
        r#"{{"skills": {{"a": {SKILL_A}, "b": {SKILL_B}}}, "queues": [{}], "routes": [{}]}}"#,
        queues.join(", "),
        routes.join(", ")
    );
    Plan::from_json(&json).expect("a plan document")
}

/// The model's view of one conversation.
#[derive(Debug)]
struct Conv {
    route: usize,
    opened: u64,
    entered: usize,
    queues: Vec<usize>,
    dropped_b: bool,
    agent: Option<u64>,
}

/// The model's view of one agent: skill levels (0: none), cap, load.
#[derive(Debug)]
struct Agent {
    a: u8,
    b: u8,
    cap: u32,
    load: u32,
}

fn holds(cond: usize, billing: bool, vip: bool) -> bool {
    match cond {
        0 => billing,
        1 => vip,
        _ => !billing && !vip,
    }
}

/// Whether `agent` serves one of the queues `conv` waits in, soft skills
/// as relaxed so far.
fn serves(spec: &PlanSpec, agent: &Agent, conv: &Conv) -> bool {
    conv.queues.iter().any(|&q| {
        let q = &spec.queues[q];
        q.hard_a.is_none_or(|l| agent.a >= l)
            && (conv.dropped_b || q.soft_b.is_none_or(|l| agent.b >= l))
    })
}

fn run(spec: PlanSpec, steps: Vec<Step>) -> Result<(), TestCaseError> {
    let mut e = engine();
    let plan = document(&spec);
    let problems = e.check_plan(&plan);
    prop_assume!(problems
        .iter()
        .all(|p| p.severity() != switchboard::plan::Severity::Error));
    e.apply(Timestamp(0), Command::set_plan(plan))
        .expect("a valid plan loads");
    let (mut agents, mut convs) = (BTreeMap::<u64, Agent>::new(), BTreeMap::<u64, Conv>::new());
    let (mut now, mut twin): (u64, Option<Engine>) = (0, None);
    for (i, s) in steps.iter().enumerate() {
        if i == steps.len() / 2 {
            let json = e.snapshot().to_json().expect("snapshot");
            let snapshot = Snapshot::from_json(&json).expect("decodes");
            twin = Some(Engine::restore(snapshot, boxed("least_loaded")).expect("restores"));
        }
        let command: Command = match *s {
            Step::Agent { a, b, cap } => {
                let id = agents.len() as u64 + 1;
                agents.insert(id, Agent { a, b, cap, load: 0 });
                let skills = [(SKILL_A, a), (SKILL_B, b)]
                    .into_iter()
                    .filter(|&(_, l)| l > 0)
                    .map(|(s, l)| SkillLevel::new(SkillId(s), l).unwrap());
                Command::AddAgent(AgentSpec::new(AgentId(id), Capacity::units(cap)).skills(skills))
            }
            Step::Open { billing, vip } => {
                let id = convs.len() as u64 + 1;
                let route = spec
                    .routes
                    .iter()
                    .position(|r| r.when.is_none_or(|c| holds(c, billing, vip)))
                    .expect("a default route");
                let enter = spec.routes[route].enter;
                let c = Conv {
                    route,
                    opened: now,
                    entered: 0,
                    queues: vec![enter],
                    dropped_b: false,
                    agent: None,
                };
                convs.insert(id, c);
                let attrs = Attributes::new()
                    .topic(if billing { "billing" } else { "tech" })
                    .with("vip", AttrValue::Bool(vip));
                Command::open(ConversationId(id), CustomerId(id))
                    .attributes(attrs)
                    .into()
            }
            Step::Resolve { pick } => {
                let live: Vec<u64> = convs
                    .iter()
                    .filter(|(_, c)| c.agent.is_some())
                    .map(|(&id, _)| id)
                    .collect();
                let Some(&id) = live.get(pick % live.len().max(1)) else {
                    continue;
                };
                let c = convs.get_mut(&id).unwrap();
                agents.get_mut(&c.agent.take().unwrap()).unwrap().load -= 1;
                c.agent = None;
                c.entered = usize::MAX; // resolved: no more steps
                Command::Resolve {
                    conversation: ConversationId(id),
                    reason: ResolveReason::Solved,
                }
            }
            Step::Tick { secs } => {
                now += secs * 1000;
                Command::Tick
            }
        };
        let at = Timestamp(now);
        let result = e.apply(at, command.clone());
        if let Some(twin) = twin.as_mut() {
            prop_assert_eq!(&twin.apply(at, command), &result, "restored copy differs");
        }
        let decisions = result.expect("every generated command is valid");
        for d in &decisions {
            match d {
                Decision::StepEntered {
                    conversation,
                    route,
                    step,
                } => {
                    let c = convs
                        .get_mut(&conversation.0)
                        .expect("a known conversation");
                    let r = &spec.routes[c.route];
                    prop_assert_eq!(route, &format!("r{}", c.route), "the model's route");
                    prop_assert_eq!(usize::from(*step), c.entered, "steps in order, once each");
                    let due = if *step == 0 {
                        0
                    } else {
                        r.later[usize::from(*step) - 1].0 * 1000
                    };
                    prop_assert!(
                        now - c.opened >= due,
                        "step {} entered before it was due",
                        step
                    );
                    if *step > 0 {
                        match r.later[usize::from(*step) - 1].1 {
                            Action::Add(q) => c.queues.push(q),
                            Action::DropB => c.dropped_b = true,
                            Action::Raise => {}
                        }
                    }
                    c.entered += 1;
                }
                Decision::Assigned {
                    conversation,
                    agent,
                    load,
                    ..
                } => {
                    let c = convs
                        .get_mut(&conversation.0)
                        .expect("a known conversation");
                    let a = agents.get_mut(&agent.0).expect("a known agent");
                    prop_assert!(
                        c.agent.is_none() && a.load < a.cap,
                        "room for {:?}",
                        conversation
                    );
                    prop_assert!(
                        serves(&spec, a, c),
                        "{:?} cannot serve {:?}: {:?}",
                        agent,
                        conversation,
                        c
                    );
                    a.load += 1;
                    prop_assert_eq!(load.0, Capacity::units(a.load).0, "the load");
                    c.agent = Some(agent.0);
                }
                _ => {}
            }
        }
        audited(&e);
        for (&id, c) in &convs {
            if c.agent.is_some() || c.entered == usize::MAX {
                continue;
            }
            prop_assert!(
                matches!(state(&e, id), StateKind::Queued),
                "conversation {} waits in the model",
                id
            );
            let r = &spec.routes[c.route];
            let due = 1 + r
                .later
                .iter()
                .filter(|(after, _)| after * 1000 <= now - c.opened)
                .count();
            prop_assert_eq!(
                c.entered,
                due,
                "conversation {} has entered every step due",
                id
            );
            for (aid, a) in &agents {
                prop_assert!(
                    a.load >= a.cap || !serves(&spec, a, c),
                    "conversation {} waits while agent {} could serve it",
                    id,
                    aid
                );
            }
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(64),
        ..ProptestConfig::default()
    })]

    #[test]
    fn random_plans_route_climb_and_assign_as_the_model_says(
        spec in plan_spec(),
        steps in prop::collection::vec(step(), 1..60),
    ) {
        run(spec, steps)?;
    }
}
