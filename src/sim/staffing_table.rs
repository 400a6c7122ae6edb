//! The staffing plan as the table the CLI prints: per interval, the agents
//! found, the service level with the interval it was decided on, the seeds
//! that took, and the formulas' answers beside; then the agent-hours.

use super::staffing::StaffingPlan;
use std::fmt;

impl fmt::Display for StaffingPlan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let t = &self.target;
        let decided = if t.confidence > 0.0 {
            format!(
                "met with {:.0}% confidence (the interval's lower end)",
                t.confidence * 100.0
            )
        } else {
            "met on the mean over seeds".to_string()
        };
        writeln!(
            f,
            "{} -- fewest agents for {:.0}% within target and occupancy <= {:.0}%, {decided}, {} to {} seeds, handle time {:.0} s",
            self.scenario,
            t.service_level * 100.0,
            t.max_occupancy * 100.0,
            self.seeds.len(),
            t.seed_bound(self.seeds.len()),
            self.handle_secs
        )?;
        writeln!(
            f,
            "  {:>6} {:>10} {:>9} {:>21} {:>9} {:>5} {:>8} {:>8}",
            "hour",
            "arrivals/h",
            "simulated",
            "SL [interval]",
            "occupancy",
            "seeds",
            "ErlangC",
            "ErlangA"
        )?;
        let opt = |x: Option<u32>| x.map_or("-".to_string(), |n| n.to_string());
        let pct = |x: f64| {
            if x.is_finite() {
                format!("{:.1}", x * 100.0)
            } else {
                "?".to_string()
            }
        };
        for i in self
            .intervals
            .iter()
            .filter(|i| i.arrivals_per_hour > 0.0 || i.simulated > 0)
        {
            let sl = format!(
                "{}% [{}, {}]",
                pct(i.service_level),
                pct(i.service_level_low),
                pct(i.service_level_high)
            );
            writeln!(
                f,
                "  {:>6.1} {:>10.1} {:>8}{} {:>21} {:>8.1}% {:>5} {:>8} {:>8}",
                i.start_hour,
                i.arrivals_per_hour,
                i.simulated,
                if i.met { " " } else { "!" },
                sl,
                i.occupancy * 100.0,
                i.seeds,
                opt(i.erlang_c),
                opt(i.erlang_a)
            )?;
        }
        if self
            .intervals
            .iter()
            .any(|i| !i.met && i.arrivals_per_hour > 0.0)
        {
            writeln!(f, "  ! target not met up to max_agents")?;
        }
        let (sim, c, a) = self.agent_hours();
        writeln!(
            f,
            "  agent-hours: simulated {sim:.1}, Erlang C {c:.1} ({:+.0}%), Erlang A {a:.1} ({:+.0}%); most seeds one candidate needed: {}",
            (c - sim) / sim.max(1e-9) * 100.0,
            (a - sim) / sim.max(1e-9) * 100.0,
            self.intervals.iter().map(|i| i.seeds).max().unwrap_or(0)
        )
    }
}
