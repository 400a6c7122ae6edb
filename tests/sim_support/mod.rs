//! Shared helpers for the simulator tests.
#![allow(dead_code)]

use switchboard::sim::Scenario;

/// A short, small day: the default scenario scaled down so a run takes
/// milliseconds, with enough pressure to queue, warn, breach, park, requeue
/// and route returning customers.
pub fn small_scenario() -> Scenario {
    let mut s = Scenario {
        name: "small test day".into(),
        ..Scenario::default()
    };
    s.arrivals.conversations_per_day = 500.0;
    for g in &mut s.agents {
        g.count = g.count.div_ceil(5);
        g.logoff_share = 0.5;
    }
    s.customers.return_share = 0.5;
    s.customers.return_after_hours_median = 1.0;
    s
}

/// The same day with offers instead of direct assignment.
pub fn small_scenario_with_offers() -> Scenario {
    let mut s = small_scenario();
    s.engine.offer_timeout = Some(switchboard::TimeSpan::from_secs(30));
    s
}

/// A `Write` appending to a shared buffer, so a test can read the trace a
/// simulation wrote.
#[derive(Clone, Default)]
pub struct SharedBuf(pub std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for SharedBuf {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("buffer").extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}
