//! Loading a routing plan: parsing the JSON document, checking it (every
//! bound, name, condition, ladder, and the shadowed-route pairs) and
//! installing it with `Command::set_plan`, for a plan of 1,000 routes with
//! 3-step ladders over 20 queues. The issue's target is under 50 ms.
//!
//! `cargo bench --bench plan_load` prints the median of 20 loads of each
//! phase (no criterion: one figure per phase is the point).

use std::time::Instant;
use switchboard::plan::Plan;
use switchboard::policy::LeastLoaded;
use switchboard::{Command, Engine, EngineConfig, Timestamp};

/// A plan of `routes` routes (the last the default) over `queues` queues.
fn plan_json(routes: usize, queues: usize) -> String {
    let skills: Vec<String> = (0..queues).map(|q| format!("\"s{q}\": {q}")).collect();
    let queue_defs: Vec<String> = (0..queues)
        .map(|q| {
            format!(
                r#"{{ "name": "q{q}", "hard": [{{ "skill": "s{q}", "min_level": 1 }}],
                     "soft": [{{ "skill": "s{}", "min_level": 6 }}] }}"#,
                (q + 1) % queues
            )
        })
        .collect();
    let route_defs: Vec<String> = (0..routes)
        .map(|r| {
            let q = r % queues;
            let when = if r + 1 == routes {
                String::new()
            } else {
                format!(
                    r#""when": "topic == 't{r}' and (language in ['en', 'es'] or vip == true) and n >= {r}","#
                )
            };
            format!(
                r#"{{ "name": "r{r}", {when}
                  "steps": [
                    {{ "after_ms": 0, "actions": [{{ "do": "enter_queue", "queue": "q{q}" }}] }},
                    {{ "after_ms": 60000, "actions": [{{ "do": "lower_skill", "skill": "s{s}", "min_level": 3 }}] }},
                    {{ "after_ms": 120000, "skip_if": "online == 0", "actions": [{{ "do": "add_queue", "queue": "q{o}" }}] }}
                  ],
                  "ttl": {{ "after_ms": 3600000, "action": "to_bot" }} }}"#,
                s = (q + 1) % queues,
                o = (q + 2) % queues,
            )
        })
        .collect();
    format!(
        r#"{{ "skills": {{ {} }}, "queues": [{}], "routes": [{}] }}"#,
        skills.join(", "),
        queue_defs.join(", "),
        route_defs.join(", ")
    )
}

fn median_ms(mut f: impl FnMut()) -> f64 {
    let mut times: Vec<f64> = (0..20)
        .map(|_| {
            let start = Instant::now();
            f();
            start.elapsed().as_secs_f64() * 1e3
        })
        .collect();
    times.sort_by(f64::total_cmp);
    times[times.len() / 2]
}

fn main() {
    let json = plan_json(1_000, 20);
    let plan = Plan::from_json(&json).expect("the bench plan parses");
    assert!(plan.check().is_empty(), "{:?}", plan.check().first());
    let parse = median_ms(|| {
        std::hint::black_box(Plan::from_json(&json).expect("parses"));
    });
    let check = median_ms(|| {
        std::hint::black_box(plan.check());
    });
    let install = median_ms(|| {
        let mut engine = Engine::new(EngineConfig::default(), LeastLoaded).expect("engine");
        engine
            .apply(Timestamp(0), Command::set_plan(plan.clone()))
            .expect("loads");
        std::hint::black_box(engine);
    });
    println!(
        "plan of 1000 routes, {} bytes: parse {parse:.2} ms, check {check:.2} ms, \
         set_plan (check + compile + install) {install:.2} ms; \
         parse + set_plan {:.2} ms (target: under 50 ms)",
        json.len(),
        parse + install
    );
}
