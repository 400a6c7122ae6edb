//! What the plan model generates: a plan document (queues, some capped,
//! some sending unanswered work to another queue; routes with ladders),
//! the engine's no-answer rule, and the commands of a day.

use proptest::prelude::*;
use switchboard::plan::Plan;
use switchboard::*;

pub const SKILL_A: u32 = 1;
pub const SKILL_B: u32 = 2;
/// Route conditions the model evaluates itself; no two shadow each other.
pub const CONDITIONS: [&str; 3] = [
    "topic == 'billing'",
    "vip == true",
    "topic == 'tech' and vip == false",
];

#[derive(Clone, Debug)]
pub struct Queue {
    pub hard_a: Option<u8>,
    pub soft_b: Option<u8>,
    /// Its cap on live conversations (`max_live`).
    pub max_live: Option<u32>,
    /// The queue its unanswered work goes to (`no_answer_queue`), another
    /// one.
    pub no_answer: Option<usize>,
}

#[derive(Clone, Debug)]
pub enum Action {
    Add(usize),
    DropB,
    Raise,
}

#[derive(Clone, Debug)]
pub struct Route {
    /// Index into `CONDITIONS`; `None` for the default route.
    pub when: Option<usize>,
    pub enter: usize,
    /// Later steps: (after seconds, action).
    pub later: Vec<(u64, Action)>,
}

/// Reassignment when the agent does not answer: after so many seconds,
/// at most so many hops, then resolve (`true`) or keep and warn.
#[derive(Clone, Copy, Debug)]
pub struct NoAnswer {
    pub after: u64,
    pub max_hops: u32,
    pub resolve: bool,
}

#[derive(Clone, Debug)]
pub struct PlanSpec {
    pub queues: Vec<Queue>,
    pub routes: Vec<Route>,
    pub no_answer: Option<NoAnswer>,
}

#[derive(Clone, Debug)]
pub enum Step {
    Agent {
        a: u8,
        b: u8,
        cap: u32,
    },
    Open {
        billing: bool,
        vip: bool,
    },
    Resolve {
        pick: usize,
    },
    /// The agent of a live conversation sends the first reply.
    Answer {
        pick: usize,
    },
    Pull {
        pick: usize,
    },
    Tick {
        secs: u64,
    },
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

pub fn plan_spec() -> impl Strategy<Value = PlanSpec> {
    let queue = (
        prop::option::of(1u8..=3),
        prop::option::of(3u8..=6),
        prop::option::of(1u32..=2),
        prop::option::of(0usize..3),
    )
        .prop_map(|(hard_a, soft_b, max_live, no_answer)| Queue {
            hard_a,
            soft_b,
            max_live,
            no_answer,
        });
    let no_answer = prop::option::of((10u64..=90, 0u32..=2, any::<bool>())).prop_map(|r| {
        r.map(|(after, max_hops, resolve)| NoAnswer {
            after,
            max_hops,
            resolve,
        })
    });
    (
        prop::collection::vec(queue, 2..=3),
        prop::sample::subsequence(vec![0usize, 1, 2], 0..=3),
        no_answer,
    )
        .prop_flat_map(|(queues, conds, no_answer)| {
            let n = queues.len();
            let mut routes: Vec<_> = conds
                .into_iter()
                .map(|c| route(n, Some(c)).boxed())
                .collect();
            routes.push(route(n, None).boxed());
            (Just(queues), routes, Just(no_answer))
        })
        .prop_map(|(mut queues, mut routes, no_answer)| {
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
            // Unanswered work goes to another queue of the plan.
            let n = queues.len();
            for (i, q) in queues.iter_mut().enumerate() {
                q.no_answer = q.no_answer.filter(|&to| to < n && to != i);
            }
            PlanSpec {
                queues,
                routes,
                no_answer,
            }
        })
}

pub fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        1 => (0u8..=4, 0u8..=7, 1u32..=2).prop_map(|(a, b, cap)| Step::Agent { a, b, cap }),
        4 => (any::<bool>(), any::<bool>()).prop_map(|(billing, vip)| Step::Open { billing, vip }),
        2 => (0usize..64).prop_map(|pick| Step::Resolve { pick }),
        1 => (0usize..64).prop_map(|pick| Step::Answer { pick }),
        1 => (0usize..64).prop_map(|pick| Step::Pull { pick }),
        3 => (5u64..=80).prop_map(|secs| Step::Tick { secs }),
    ]
}

/// The engine's configuration: no cool-down after a reassignment and no
/// automatic parking (the model has neither), the no-answer rule if any.
pub fn config(spec: &PlanSpec) -> EngineConfig {
    let mut config = EngineConfig::default();
    config.decline_cooldown = TimeSpan(0);
    config.auto_park_after = None;
    config.workload.no_answer = spec.no_answer.map(|r| NoAnswerRule {
        after: TimeSpan::from_secs(r.after),
        set_away: false,
        max_hops: r.max_hops,
        last: if r.resolve {
            NoAnswerFinal::Resolve {
                reason: ResolveReason::Abandoned,
            }
        } else {
            NoAnswerFinal::KeepAndWarn
        },
    });
    config
}

pub fn document(spec: &PlanSpec) -> Plan {
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
            let cap = q
                .max_live
                .map_or(String::new(), |c| format!(r#", "max_live": {c}"#));
            let to = q.no_answer.map_or(String::new(), |to| {
                format!(r#", "no_answer_queue": "q{to}""#)
            });
            format!(r#"{{"name": "q{i}"{hard}{soft}{cap}{to}}}"#)
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

pub fn holds(cond: usize, billing: bool, vip: bool) -> bool {
    match cond {
        0 => billing,
        1 => vip,
        _ => !billing && !vip,
    }
}
