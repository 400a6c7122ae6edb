//! The subcommands that bring data in and out or search: `import`,
//! `export`, `sweep`, `staffing`.

use super::commands::{
    builtins, factory, plot_comparison, replications, report_path, simulation, write,
};
use super::progress::{day_bar, Counter};
use super::{Common, Failure};
use clap::Args;
use std::path::{Path, PathBuf};
use switchboard::model::TimeSpan;
use switchboard::sim::{
    export_conversations, export_roster, import_day, search_staffing, Parameter, Replicated,
    ReplicatedComparison, Scenario, StaffingTarget, Workload,
};

/// Options of `import`.
#[derive(Args, Debug)]
pub struct ImportArgs {
    /// Conversations CSV: opened_at, customer (required); channel, topic,
    /// skills, tier, priority, bot, first_response_at, resolved_at, messages.
    #[arg(long)]
    conversations: PathBuf,
    /// Roster CSV: agent, start, end (required); cap, skills, channels.
    #[arg(long)]
    roster: PathBuf,
}

fn read(path: &Path) -> Result<String, Failure> {
    std::fs::read_to_string(path).map_err(|e| Failure::Input(format!("{}: {e}", path.display())))
}

/// `import`: your own day under each policy.
pub fn import(c: &Common, base: Scenario, a: &ImportArgs) -> Result<(), Failure> {
    let day = import_day(
        &base,
        &a.conversations.display().to_string(),
        &read(&a.conversations)?,
        &a.roster.display().to_string(),
        &read(&a.roster)?,
    )
    .map_err(|e| Failure::Input(e.to_string()))?;
    println!(
        "imported {} conversations and {} agents over {} day(s)",
        day.workload.arrivals.len(),
        day.workload.agents.len(),
        day.scenario.days
    );
    let seeds: Vec<u64> = (c.seed..c.seed.saturating_add(c.seeds)).collect();
    let mut runs = Vec::new();
    for name in builtins(c) {
        let f = factory(&name)?;
        let mut reports = Vec::new();
        for &seed in &seeds {
            let sim = simulation(c, day.scenario.clone(), seed)
                .with_workload(day.workload.clone())
                .with_progress(day_bar(&name));
            reports.push(sim.run(f.build())?.report);
        }
        runs.push(Replicated::of(reports, seeds.clone()));
    }
    let comparison = ReplicatedComparison::of(runs);
    print!("{comparison}");
    write(&report_path(c, "import.json"), &comparison.to_json())?;
    plot_comparison(c, &comparison)
}

/// `export`: the scenario's day as CSV.
pub fn export(c: &Common, scenario: Scenario) -> Result<(), Failure> {
    let day = Workload::generate(&scenario, c.seed);
    write(
        &c.out_dir.join("conversations.csv"),
        &export_conversations(&scenario, &day),
    )?;
    write(
        &c.out_dir.join("roster.csv"),
        &export_roster(&scenario, &day),
    )
}

/// Options of `sweep`.
#[derive(Args, Debug)]
pub struct SweepArgs {
    /// The parameter: agents, cap, arrival_multiplier, parked_weight,
    /// sticky_wait_minutes, response_target_minutes, or any number of the
    /// scenario by JSON pointer (/conversations/patience_minutes_median).
    #[arg(long)]
    param: String,
    /// The values: a list (10,20,30) or a range FROM:TO:STEP (10:30:5).
    #[arg(long)]
    values: String,
}

fn values(spec: &str) -> Result<Vec<f64>, Failure> {
    let bad = || {
        Failure::Input(format!(
            "--values `{spec}`: expected 10,20,30 or FROM:TO:STEP"
        ))
    };
    let nums = |sep: char| -> Result<Vec<f64>, Failure> {
        spec.split(sep)
            .map(|x| x.trim().parse::<f64>().ok().filter(|v| v.is_finite()))
            .collect::<Option<Vec<_>>>()
            .ok_or_else(bad)
    };
    if spec.contains(':') {
        let v = nums(':')?;
        let [from, to, step] = v[..] else {
            return Err(bad());
        };
        if step <= 0.0 || to < from || (to - from) / step > 1_000.0 {
            return Err(bad());
        }
        let n = ((to - from) / step + 1e-9).floor() as usize;
        return Ok((0..=n).map(|i| from + step * i as f64).collect());
    }
    let v = nums(',')?;
    if v.is_empty() || v.len() > 1_000 {
        return Err(bad());
    }
    Ok(v)
}

/// `sweep`: one parameter over a range.
pub fn sweep(c: &Common, scenario: Scenario, a: &SweepArgs) -> Result<(), Failure> {
    let parameter = Parameter::parse(&a.param).ok_or_else(|| {
        Failure::Input(format!(
            "--param `{}`: expected agents, cap, arrival_multiplier, parked_weight, sticky_wait_minutes, response_target_minutes or a JSON pointer such as /agents/0/count",
            a.param
        ))
    })?;
    let values = values(&a.values)?;
    for &v in &values {
        parameter
            .apply(&scenario, v)
            .map_err(|e| Failure::Input(e.to_string()))?;
    }
    let f = factory(&scenario.policy)?;
    let bar = Counter::new(&a.param, values.len() as u64, "values");
    let result = switchboard::sim::sweep(
        &replications(c, scenario),
        &parameter,
        &values,
        &f,
        &|i, _| bar.set(i),
    )?;
    bar.finish();
    print!("{result}");
    write(&report_path(c, "sweep.json"), &result.to_json())?;
    #[cfg(feature = "plots")]
    {
        let path = c.out_dir.join("sweep.svg");
        switchboard::sim::plot_intervals::write_sweep(&result, &path)?;
        println!("plot: {}", path.display());
    }
    Ok(())
}

/// Options of `staffing`.
#[derive(Args, Debug)]
pub struct StaffingArgs {
    /// Share of conversations that must get a first reply within the target.
    #[arg(long, default_value_t = 0.8)]
    service_level: f64,
    /// The response target, minutes (default: the scenario's engine target).
    #[arg(long)]
    within_minutes: Option<f64>,
    /// Highest occupancy allowed (load / cap of the agents on duty).
    #[arg(long, default_value_t = 0.9)]
    max_occupancy: f64,
    /// Interval length, minutes.
    #[arg(long, default_value_t = 30.0)]
    interval_minutes: f64,
    /// Most agents tried per interval.
    #[arg(long, default_value_t = 500)]
    max_agents: u32,
}

/// `staffing`: the fewest agents per interval.
pub fn staffing(c: &Common, mut scenario: Scenario, a: &StaffingArgs) -> Result<(), Failure> {
    let ok = |x: f64| x.is_finite() && x > 0.0 && x <= 1.0;
    if !ok(a.service_level) || !ok(a.max_occupancy) {
        return Err(Failure::Input(
            "--service-level and --max-occupancy must be in (0, 1]".into(),
        ));
    }
    if !(a.interval_minutes >= 5.0 && a.interval_minutes <= 1_440.0) || a.max_agents == 0 {
        return Err(Failure::Input(
            "--interval-minutes must be in 5..=1440, --max-agents >= 1".into(),
        ));
    }
    if let Some(m) = a.within_minutes {
        if !(m.is_finite() && m > 0.0) {
            return Err(Failure::Input("--within-minutes must be > 0".into()));
        }
        scenario.engine.response_target = TimeSpan::from_millis((m * 60_000.0) as u64);
    }
    let target = StaffingTarget {
        service_level: a.service_level,
        max_occupancy: a.max_occupancy,
        interval_minutes: a.interval_minutes,
        max_agents: a.max_agents,
    };
    let f = factory(&scenario.policy)?;
    let intervals = (1_440.0 / a.interval_minutes).ceil() as u64;
    let bar = Counter::new("staffing", intervals, "intervals");
    let plan = search_staffing(
        &scenario,
        target,
        &replications(c, scenario.clone()),
        &f,
        &|i, _| bar.set(i),
    )?;
    bar.finish();
    print!("{plan}");
    write(&report_path(c, "staffing.json"), &plan.to_json())?;
    #[cfg(feature = "plots")]
    {
        let path = c.out_dir.join("staffing.svg");
        switchboard::sim::plot_intervals::write_staffing(&plan, &path)?;
        println!("plot: {}", path.display());
    }
    Ok(())
}
