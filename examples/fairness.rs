//! Property-test your policy in ten lines, then see how the built-ins fare.
//!
//! `cargo run --example fairness --features testing`

use switchboard::policy::{
    AgentView, BuiltinPolicy, PolicyFactory, QueueView, Rank, RoutingPolicy,
};
use switchboard::testing::{self, CheckConfig, CheckError};

/// Your policy: the most skilled agent, unless above 75% of their cap.
#[derive(Debug, Clone)]
struct SkilledUnlessBusy;

impl RoutingPolicy for SkilledUnlessBusy {
    fn name(&self) -> &str {
        "skilled_unless_busy"
    }
    fn rank(&self, agent: &AgentView<'_>, queue: &QueueView<'_>) -> Rank {
        let busy = agent.load_permille() > 750;
        Rank::new([
            i64::from(busy),
            -i64::from(queue.skill_score(agent)),
            i64::from(agent.load_permille()),
        ])
    }
}

fn main() -> Result<(), CheckError> {
    // The ten lines: every rule the policy claims, on 64 generated days.
    let config = CheckConfig::default();
    for report in testing::check_claimed(SkilledUnlessBusy, &config)? {
        println!("{report}");
    }

    // Every check on every policy, yours included, as a table.
    println!();
    println!("| policy | work conserving | class order | starvation bound | balanced load | skill match |");
    println!("| --- | --- | --- | --- | --- | --- |");
    let mut names: Vec<&str> = BuiltinPolicy::names().to_vec();
    names.push("skilled_unless_busy");
    let factory = |name: &str| match BuiltinPolicy::from_name(name) {
        Ok(builtin) => PolicyFactory::from(builtin),
        Err(_) => PolicyFactory::from(SkilledUnlessBusy),
    };
    for name in names {
        let policy = factory(name);
        let claims = policy.build().claims_skill_match();
        let verdict = |result: Result<testing::CheckReport, CheckError>, claimed: bool| match result
        {
            Ok(_) => "pass".to_owned(),
            Err(CheckError::Failed(c)) if !claimed => {
                format!(
                    "fails, not claimed ({}-step counterexample)",
                    c.scenario.steps.len()
                )
            }
            Err(CheckError::Failed(c)) => {
                format!("FAIL ({}-step counterexample)", c.scenario.steps.len())
            }
            Err(e) => format!("error: {e}"),
        };
        println!(
            "| {name} | {} | {} | {} | {} | {} |",
            verdict(testing::check_work_conserving(&policy, &config), true),
            verdict(testing::check_class_order(&policy, &config), true),
            verdict(testing::check_starvation_bound(&policy, &config), true),
            verdict(testing::check_balanced_load(&policy, &config), true),
            verdict(testing::check_skill_match(&policy, &config), claims),
        );
    }

    // What each policy did over the same generated days.
    println!();
    println!("| policy | {} |", testing::Measures::HEADER);
    println!("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |");
    for name in BuiltinPolicy::names()
        .into_iter()
        .chain(["skilled_unless_busy"])
    {
        let report = testing::check_work_conserving(factory(name), &config)?;
        println!("| {name} | {} |", report.measures);
    }
    Ok(())
}
