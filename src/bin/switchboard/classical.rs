//! `classical`: an M/M/n (or M/G/n+G) queue through the engine, Erlang C
//! and Erlang A beside the simulated figures.

use crate::run::{replicated, run_scenario};
use crate::shared::{builtin, write, Common, Failure};
use clap::Args;
use switchboard::model::TimeSpan;
use switchboard::sim::{erlang::QueueFigures, Distribution, Scenario};

/// Options of `classical`.
#[derive(Args, Debug)]
pub struct ClassicalArgs {
    #[command(flatten)]
    pub common: Common,
    /// Agents, each taking one customer at a time.
    #[arg(long, default_value_t = 10)]
    agents: u32,
    /// Offered load per agent (0.85 = 85%); sets the arrival rate.
    #[arg(long, default_value_t = 0.85)]
    load: f64,
    /// Service time: exp:MEAN, lognormal:MEAN:CV, gamma:MEAN:CV or
    /// empirical:S1,S2,... (seconds).
    #[arg(long, default_value = "exp:300")]
    service: String,
    /// Patience before abandoning, same forms as --service; absent: customers
    /// never leave (Erlang C). Exponential patience is Erlang A's model.
    #[arg(long)]
    patience: Option<String>,
    /// Customers to simulate per seed.
    #[arg(long, default_value_t = 100_000)]
    customers: u64,
    /// Answer target, seconds (the service level is the share within it).
    #[arg(long, default_value_t = 20.0)]
    target_secs: f64,
}

fn distribution(flag: &str, spec: &str) -> Result<Distribution, Failure> {
    let bad = || {
        Failure::Input(format!(
            "--{flag} `{spec}`: expected exp:MEAN, lognormal:MEAN:CV, gamma:MEAN:CV or empirical:S1,S2,... (seconds)"
        ))
    };
    let mut parts = spec.split(':');
    let kind = parts.next().unwrap_or_default();
    let mut num = || -> Result<f64, Failure> {
        parts
            .next()
            .and_then(|p| p.trim().parse().ok())
            .ok_or_else(bad)
    };
    let d = match kind {
        "exp" | "exponential" => Distribution::Exponential { mean_secs: num()? },
        "lognormal" => Distribution::Lognormal {
            mean_secs: num()?,
            cv: num()?,
        },
        "gamma" => Distribution::Gamma {
            mean_secs: num()?,
            cv: num()?,
        },
        "empirical" => {
            let list = spec.split_once(':').map(|x| x.1).unwrap_or_default();
            let secs: Result<Vec<f64>, _> = list.split(',').map(|x| x.trim().parse()).collect();
            Distribution::Empirical {
                secs: secs.map_err(|_| bad())?,
            }
        }
        _ => return Err(bad()),
    };
    Ok(d)
}

/// `classical`: the queue, simulated, with the formulas beside.
pub fn classical(a: &ClassicalArgs) -> Result<(), Failure> {
    let c = &a.common;
    c.check_seeds()?;
    let service = distribution("service", &a.service)?;
    let patience = a
        .patience
        .as_deref()
        .map(|p| distribution("patience", p))
        .transpose()?;
    if !(a.load.is_finite() && a.load > 0.0) || a.agents == 0 || a.customers == 0 {
        return Err(Failure::Input(
            "--load must be > 0, --agents and --customers at least 1".into(),
        ));
    }
    let mean = service.mean_secs();
    let per_hour = a.load * f64::from(a.agents) * 3_600.0 / mean.max(1e-9);
    let days = ((a.customers as f64 / per_hour / 24.0) * 1.2)
        .ceil()
        .clamp(1.0, 366.0) as u32;
    let mut s = Scenario::classical_mmn(a.agents, a.load, mean, None, days);
    s.engine.response_target = TimeSpan::from_millis((a.target_secs * 1_000.0) as u64);
    if let Some(cl) = s.classical.as_mut() {
        cl.service = service;
        cl.patience = patience;
        cl.customers = Some(a.customers);
    }
    if let Some(p) = &c.policy {
        s.policy = builtin(p)?;
    }
    s.validate().map_err(|e| Failure::Input(e.to_string()))?;
    if c.seeds == 1 {
        return run_scenario(c, s, None, false);
    }
    let formulas = s.formulas();
    let name = s.policy.name();
    let r = replicated(c, s, name)?;
    print!("{r}");
    if let Some(f) = formulas {
        let show = |x: Option<QueueFigures>| {
            x.map_or("unstable".into(), |q| {
                format!(
                    "P(wait>0) {:.4}, mean wait {:.2} s, within target {:.4}, abandonment {:.4}",
                    q.p_wait, q.mean_wait_secs, q.service_level, q.abandonment
                )
            })
        };
        println!("  Erlang C: {}", show(f.erlang_c));
        println!("  Erlang A: {}", show(f.erlang_a));
    }
    write(&c.report_path("classical.json")?, &r.to_json())
}
