//! Every problem a plan can have, reported at once, typed and located.

use super::*;

#[test]
fn every_problem_is_reported_at_once() {
    let mut plan = good();
    plan.queues.push(queue("general", &[("cooking", 3)]));
    plan.routes[0].steps[0].actions = vec![enter("nowhere")];
    plan.routes[0].steps[1].after_ms = 0;
    plan.routes.pop();
    let problems = plan.check();
    let has = |f: &dyn Fn(&PlanProblem) -> bool| problems.iter().any(f);
    assert!(has(
        &|p| matches!(p, PlanProblem::DuplicateName { name, .. } if name == "general")
    ));
    assert!(has(
        &|p| matches!(p, PlanProblem::UnknownSkill { skill, .. } if skill == "cooking")
    ));
    assert!(has(
        &|p| matches!(p, PlanProblem::UnknownQueue { queue, field, .. }
        if queue == "nowhere" && field == "routes[0].steps[0].actions[0].queue")
    ));
    assert!(has(&|p| matches!(
        p,
        PlanProblem::UnreachableStep { step: 1, .. }
    )));
    assert!(has(&|p| matches!(p, PlanProblem::NoDefaultRoute)));
    assert!(problems.len() >= 5);
}

#[test]
fn bounds_are_typed_errors_at_load() {
    let mut plan = good();
    let extra = plan.routes[1].clone();
    plan.routes = (0..limits::MAX_ROUTES + 1)
        .map(|i| RouteDef {
            name: format!("r{i}"),
            when: Some(format!("n == {i}")),
            ..extra.clone()
        })
        .collect();
    plan.routes.push(extra);
    assert!(plan.check().iter().any(|p| matches!(p,
        PlanProblem::TooMany { field, count, max, .. }
            if field == "routes" && *count == limits::MAX_ROUTES + 2 && *max == limits::MAX_ROUTES)));

    let mut plan = good();
    plan.routes[0].steps = (0..=limits::MAX_STEPS as u64)
        .map(|i| step(i * 1000, vec![enter("billing")]))
        .collect();
    assert!(plan.check().iter().any(|p| matches!(p,
        PlanProblem::TooMany { field, .. } if field == "routes[0].steps")));

    let mut plan = good();
    plan.routes[0].when = Some("a == 1 or ".repeat(200));
    assert!(plan.check().iter().any(|p| matches!(p,
        PlanProblem::TooMany { what, .. } if what == "bytes")));

    let mut plan = good();
    plan.queues[0].soft[0].min_level = 11;
    plan.routes[0].steps[0].after_ms = limits::MAX_WAIT_MS + 1;
    let problems = plan.check();
    assert!(problems
        .iter()
        .any(|p| matches!(p, PlanProblem::BadLevel { level: 11, .. })));
    assert!(problems
        .iter()
        .any(|p| matches!(p, PlanProblem::TooLong { .. })));
}

#[test]
fn steps_that_can_never_be_reached_are_reported() {
    let mut plan = good();
    plan.routes[0].ttl = Some(Ttl {
        after_ms: 90_000,
        action: TerminalAction::Expire,
    });
    plan.routes[0].steps[1].skip_if = Some("true or online == 0".to_owned());
    let problems = plan.check();
    let unreachable: Vec<usize> = problems
        .iter()
        .filter_map(|p| match p {
            PlanProblem::UnreachableStep { step, .. } => Some(*step),
            _ => None,
        })
        .collect();
    // Step 1 always skipped, step 2 after the time to live.
    assert_eq!(unreachable, vec![1, 2], "{problems:?}");
}

#[test]
fn a_relaxation_that_narrows_or_changes_nothing_is_an_error() {
    let lower = |min_level| StepAction::LowerSkill {
        skill: "billing".to_owned(),
        min_level,
    };
    let mut plan = good();
    plan.routes[0].steps[1].actions = vec![lower(7)];
    assert!(matches!(plan.check().as_slice(),
        [PlanProblem::NarrowingRelaxation { step: 1, skill, .. }] if skill == "billing"));

    // Dropping a skill no queue waited in requires.
    let mut plan = good();
    plan.routes[1].steps.push(step(
        1_000,
        vec![StepAction::DropSkill {
            skill: "spanish".to_owned(),
        }],
    ));
    assert!(matches!(plan.check().as_slice(),
        [PlanProblem::NarrowingRelaxation { route, .. }] if route == "default"));

    // A hard skill is never relaxed.
    let mut plan = good();
    plan.queues[0].hard = std::mem::take(&mut plan.queues[0].soft);
    assert!(matches!(plan.check().as_slice(),
        [PlanProblem::NarrowingRelaxation { reason, .. }] if reason.contains("hard")));

    // Lowering, then dropping, widens every time: fine.
    let mut plan = good();
    plan.routes[0].steps[2].actions = vec![StepAction::DropSkill {
        skill: "billing".to_owned(),
    }];
    assert_eq!(plan.check(), vec![]);
}

#[test]
fn a_route_shadowed_by_an_earlier_one_is_reported_where_decidable() {
    let mut plan = good();
    let ladder = plan.routes[1].steps.clone();
    let r = |name: &str, when: &str| route(name, Some(when), ladder.clone());
    plan.routes = vec![
        r("billing", "topic == 'billing'"),
        r("billing-es", "topic == 'billing' and language == 'es'"),
        r("fr", "language in ['fr', 'de']"),
        r("fr-only", "language == 'fr'"),
        r("either", "topic == 'x' or language == 'it'"),
        r("it", "language == 'it' and has topic"),
        r("undecided", "not (topic == 'billing')"),
        route("default", None, ladder.clone()),
        r("after-default", "tier == 'vip'"),
    ];
    let shadowed: Vec<(String, String)> = plan
        .check()
        .into_iter()
        .filter_map(|p| match p {
            PlanProblem::ShadowedRoute { route, by } => Some((route, by)),
            _ => None,
        })
        .collect();
    let pair = |a: &str, b: &str| (a.to_owned(), b.to_owned());
    assert_eq!(
        shadowed,
        vec![
            pair("billing-es", "billing"),
            pair("fr-only", "fr"),
            pair("it", "either"),
            pair("after-default", "default"),
        ]
    );
}

#[test]
fn a_route_must_enter_a_queue_at_once() {
    let mut plan = good();
    plan.routes[1].steps[0].after_ms = 5;
    assert!(matches!(plan.check().as_slice(),
        [PlanProblem::NoFirstQueue { route }] if route == "default"));
}

#[test]
fn a_document_that_is_not_a_plan_names_the_path() {
    let err = Plan::from_json(r#"{"queues": [], "routes": [{"name": "x", "steps": [{"after_ms": "soon", "actions": []}]}]}"#)
        .unwrap_err();
    match err {
        PlanError::Json { path, line, .. } => {
            assert_eq!(path, "routes[0].steps[0].after_ms");
            assert_eq!(line, 1);
        }
        other => panic!("{other:?}"),
    }
    assert!(Plan::from_json(r#"{"queues": [], "routes": [], "extra": 1}"#).is_err());
}

#[test]
fn attributes_are_bounded() {
    let ok = Attributes::new()
        .topic("billing")
        .with("tags", AttrValue::List(vec!["a".into()]));
    assert_eq!(ok.check(), Ok(()));
    let long = Attributes::new().topic("x".repeat(limits::MAX_ATTRIBUTE_TEXT + 1));
    assert!(matches!(long.check(), Err(AttributeError::TooLong { .. })));
    let many = (0..=limits::MAX_ATTRIBUTES).fold(Attributes::new(), |a, i| {
        a.with(format!("k{i}"), AttrValue::Number(1))
    });
    assert!(matches!(many.check(), Err(AttributeError::TooMany { .. })));
    let json = r#"{"b":true,"l":["a"],"n":3,"s":"x","topic":"billing"}"#;
    let parsed: Attributes = serde_json::from_str(json).expect("attributes");
    assert_eq!(parsed.get("n"), Some(&AttrValue::Number(3)));
    assert_eq!(
        parsed.get("topic"),
        Some(&AttrValue::Text("billing".into()))
    );
    assert_eq!(serde_json::to_string(&parsed).expect("json"), json);
}

#[test]
fn members_and_aging_are_routed_so_they_raise_no_warning() {
    let mut plan = good();
    plan.queues[0].members = Some(vec![1, 2]);
    plan.queues[1].aging = PriorityAging {
        base: 10,
        per_minute: 2,
        cap: 50,
    };
    // Members (tests/engine/engine_members.rs) and aging
    // (tests/engine/engine_queue_aging.rs) are both routed by.
    assert_eq!(plan.check(), Vec::new());
}

#[test]
fn aging_past_its_bounds_or_capped_below_its_base_is_refused() {
    let mut plan = good();
    plan.queues[0].aging = PriorityAging {
        base: MAX_AGING_POINTS + 1,
        per_minute: MAX_AGING_PER_MINUTE + 1,
        cap: u32::MAX,
    };
    plan.queues[1].aging = PriorityAging {
        base: 50,
        per_minute: 1,
        cap: 49,
    };
    let problems = plan.check();
    assert!(problems.iter().all(|p| p.severity() == Severity::Error));
    assert_eq!(
        problems,
        vec![
            PlanProblem::AgingTooLarge {
                field: "queues[0].aging.base".into(),
                value: MAX_AGING_POINTS + 1,
                max: MAX_AGING_POINTS,
            },
            PlanProblem::AgingTooLarge {
                field: "queues[0].aging.per_minute".into(),
                value: MAX_AGING_PER_MINUTE + 1,
                max: MAX_AGING_PER_MINUTE,
            },
            PlanProblem::AgingTooLarge {
                field: "queues[0].aging.cap".into(),
                value: u32::MAX,
                max: MAX_AGING_POINTS,
            },
            PlanProblem::AgingCapBelowBase {
                field: "queues[1].aging.cap".into(),
                base: 50,
                cap: 49,
            },
        ]
    );
    // At the bounds, and a cap of 0 (no cap): accepted.
    plan.queues[0].aging = PriorityAging {
        base: MAX_AGING_POINTS,
        per_minute: MAX_AGING_PER_MINUTE,
        cap: 0,
    };
    plan.queues[1].aging.cap = 50;
    assert_eq!(plan.check(), Vec::new());
}

#[test]
fn moving_closed_work_to_a_queue_on_the_same_calendar_is_a_warning() {
    let mut plan = good();
    plan.calendars = vec![crate::plan::CalendarDef {
        name: "office".to_owned(),
        time_zone: "Europe/Paris".to_owned(),
        ..Default::default()
    }];
    for q in &mut plan.queues {
        q.calendar = Some("office".to_owned());
    }
    plan.queues[0].on_close = crate::plan::OnClose::MoveTo {
        queue: "general".to_owned(),
    };
    let problems = plan.check();
    assert_eq!(
        problems,
        vec![PlanProblem::MovesToClosedQueue {
            queue: "billing".to_owned(),
            target: "general".to_owned(),
        }]
    );
    // An unknown calendar or time zone is an error naming the field.
    plan.queues[1].calendar = Some("nowhere".to_owned());
    plan.calendars[0].time_zone = "Nowhere/City".to_owned();
    let errors: Vec<PlanProblem> = plan
        .check()
        .into_iter()
        .filter(|p| p.severity() == Severity::Error)
        .collect();
    assert!(
        matches!(&errors[0], PlanProblem::Hours { field, .. } if field == "calendars[0].time_zone")
    );
    assert!(
        matches!(&errors[1], PlanProblem::UnknownCalendar { field, .. } if field == "queues[1].calendar")
    );
}
