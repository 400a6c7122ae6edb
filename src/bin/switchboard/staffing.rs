//! `staffing`: the fewest agents per interval, by simulation, met with a
//! stated confidence, beside Erlang C and Erlang A.

use crate::progress::Counter;
use crate::shared::{write, Common, Failure};
use clap::Args;
use switchboard::model::TimeSpan;
use switchboard::policy::PolicyFactory;
use switchboard::sim::{search_staffing, Scenario, StaffingTarget};

/// Options of `staffing`.
#[derive(Args, Debug)]
pub struct StaffingArgs {
    #[command(flatten)]
    pub common: Common,
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
    /// Confidence with which each interval must meet the target: the lower
    /// end of this two-sided interval over seeds must reach the service
    /// level (and its upper end stay within the occupancy). 0 decides on
    /// the mean, which noise biases towards too few agents.
    #[arg(long, default_value_t = 0.95)]
    confidence: f64,
    /// Most seeds a candidate staffing runs: it starts with --seeds and
    /// doubles while its interval straddles the target (to at least 20
    /// with a confidence: fewer never count as meeting it); still undecided
    /// here, it counts as not meeting it. With --confidence 0, set it to
    /// --seeds for a fixed number of seeds.
    #[arg(long, default_value_t = 40)]
    max_seeds: u64,
}

/// `staffing`: the fewest agents per interval.
pub fn staffing(c: &Common, mut scenario: Scenario, a: &StaffingArgs) -> Result<(), Failure> {
    let target = StaffingTarget {
        service_level: a.service_level,
        max_occupancy: a.max_occupancy,
        interval_minutes: a.interval_minutes,
        max_agents: a.max_agents,
        confidence: a.confidence,
        max_seeds: a.max_seeds,
    };
    target
        .validate()
        .map_err(|e| Failure::Input(e.to_string()))?;
    if let Some(m) = a.within_minutes {
        if !(m.is_finite() && m > 0.0) {
            return Err(Failure::Input("--within-minutes must be > 0".into()));
        }
        scenario.engine.response_target = TimeSpan::from_millis((m * 60_000.0) as u64);
    }
    let f = PolicyFactory::from(scenario.policy);
    let intervals = (1_440.0 / a.interval_minutes).ceil() as u64;
    let bar = Counter::new("staffing", intervals, "intervals");
    let plan = search_staffing(
        &scenario,
        target,
        &c.replications(scenario.clone()),
        &f,
        &|i, _| bar.set(i),
    )?;
    bar.finish();
    print!("{plan}");
    write(&c.report_path("staffing.json")?, &plan.to_json())?;
    // The plot goes to --out-dir even when --report sends the JSON
    // elsewhere: out_file creates the directory either way.
    let path = c.out_file("staffing.svg")?;
    switchboard::sim::plot_intervals::write_staffing(&plan, &path)?;
    println!("plot: {}", path.display());
    Ok(())
}
