//! Tests of plan documents: grammar, semantics of conditions, every check.
//! The fixtures live here; `conditions` tests the grammar and evaluation,
//! `checks` every problem a plan can have.

use super::condition::{parse, Env, Value};
use super::limits::{MAX_AGING_PER_MINUTE, MAX_AGING_POINTS};
use super::*;

struct Map(Vec<(&'static str, Value<'static>)>);

impl Env for Map {
    fn get(&self, name: &str) -> Option<Value<'_>> {
        self.0.iter().find(|(n, _)| *n == name).map(|(_, v)| *v)
    }
}

fn holds(text: &str, env: &Map) -> bool {
    parse(text).expect("parses").eval(env)
}

fn queue(name: &str, soft: &[(&str, u8)]) -> QueueDef {
    QueueDef {
        name: name.to_owned(),
        soft: soft
            .iter()
            .map(|&(skill, min_level)| SkillNeed {
                skill: skill.to_owned(),
                min_level,
            })
            .collect(),
        ..QueueDef::default()
    }
}

fn step(after_ms: u64, actions: Vec<StepAction>) -> StepDef {
    StepDef {
        after_ms,
        skip_if: None,
        actions,
    }
}

fn enter(q: &str) -> StepAction {
    StepAction::EnterQueue {
        queue: q.to_owned(),
    }
}

fn route(name: &str, when: Option<&str>, steps: Vec<StepDef>) -> RouteDef {
    RouteDef {
        name: name.to_owned(),
        when: when.map(str::to_owned),
        steps,
        ttl: None,
    }
}

/// A valid plan: billing with a soft skill, general, a VIP route with a
/// ladder, and the default route.
fn good() -> Plan {
    Plan {
        skills: [("billing".to_owned(), 1), ("spanish".to_owned(), 2)].into(),
        queues: vec![queue("billing", &[("billing", 5)]), queue("general", &[])],
        routes: vec![
            RouteDef {
                ttl: Some(Ttl {
                    after_ms: 3_600_000,
                    action: TerminalAction::ToBot,
                }),
                ..route(
                    "vip",
                    Some("tier == \"vip\""),
                    vec![
                        step(0, vec![enter("billing")]),
                        step(
                            60_000,
                            vec![StepAction::LowerSkill {
                                skill: "billing".to_owned(),
                                min_level: 2,
                            }],
                        ),
                        step(
                            120_000,
                            vec![StepAction::AddQueue {
                                queue: "general".to_owned(),
                            }],
                        ),
                    ],
                )
            },
            route("default", None, vec![step(0, vec![enter("general")])]),
        ],
        calendars: Vec::new(),
        preferred_bypass_soft: false,
        profiles: Vec::new(),
    }
}

#[test]
fn a_valid_plan_has_no_problem_and_round_trips_through_json() {
    let plan = good();
    assert_eq!(plan.check(), vec![]);
    assert_eq!(Plan::from_json(&plan.to_json()), Ok(plan));
}

/// The shipped schema is the one the types generate. Run with
/// `SWITCHBOARD_BLESS=1` to rewrite it after changing the types.
#[test]
fn the_shipped_json_schema_equals_the_generated_one() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("schemas/plan.schema.json");
    let generated = Plan::json_schema();
    if std::env::var_os("SWITCHBOARD_BLESS").is_some() {
        std::fs::write(&path, &generated).expect("write the schema");
    }
    let shipped = std::fs::read_to_string(&path).expect("schemas/plan.schema.json is shipped");
    assert_eq!(
        shipped, generated,
        "schemas/plan.schema.json is stale: rerun with SWITCHBOARD_BLESS=1"
    );
}

mod checks;
mod conditions;
