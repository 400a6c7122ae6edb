//! `sweep`: one parameter over a range, every KPI against it.

use crate::progress::Counter;
use crate::shared::{write, Common, Failure};
use clap::Args;
use switchboard::policy::PolicyFactory;
use switchboard::sim::{Parameter, Scenario};

/// Options of `sweep`.
#[derive(Args, Debug)]
pub struct SweepArgs {
    #[command(flatten)]
    pub common: Common,
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
    let f = PolicyFactory::from(scenario.policy);
    let bar = Counter::new(&a.param, values.len() as u64, "values");
    let result = switchboard::sim::sweep(
        &c.replications(scenario),
        &parameter,
        &values,
        &f,
        &|i, _| bar.set(i),
    )?;
    bar.finish();
    print!("{result}");
    write(&c.report_path("sweep.json")?, &result.to_json())?;
    let path = c.out_file("sweep.svg")?;
    switchboard::sim::plot_intervals::write_sweep(&result, &path)?;
    println!("plot: {}", path.display());
    Ok(())
}
