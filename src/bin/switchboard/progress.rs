//! Progress bars on stderr, only on a terminal and only for work that
//! lasts more than a second.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;
use std::sync::Mutex;
use std::time::{Duration, Instant};
use switchboard::sim::Progress;

/// A bar counting `total` steps (replications, intervals, values).
pub struct Counter {
    bar: ProgressBar,
    started: Instant,
    shown: Mutex<bool>,
}

impl Counter {
    /// A hidden bar labelled `label` that appears after a second.
    pub fn new(label: &str, total: u64, unit: &str) -> Self {
        let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::hidden());
        let template = format!("{{prefix:>14}} [{{bar:40}}] {{pos}}/{{len}} {unit} {{msg}}");
        bar.set_style(
            ProgressStyle::with_template(&template)
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .progress_chars("=> "),
        );
        bar.set_prefix(label.to_string());
        Counter {
            bar,
            started: Instant::now(),
            shown: Mutex::new(false),
        }
    }

    /// `done` of the total finished.
    pub fn set(&self, done: usize) {
        if let Ok(mut shown) = self.shown.lock() {
            if !*shown
                && std::io::stderr().is_terminal()
                && self.started.elapsed() > Duration::from_secs(1)
            {
                self.bar.set_draw_target(ProgressDrawTarget::stderr());
                *shown = true;
            }
        }
        self.bar.set_position(done as u64);
    }

    /// Removes the bar.
    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

/// A bar over one simulated day.
pub fn day_bar(label: &str) -> impl FnMut(Progress) + 'static {
    let counter = Counter::new(label, 100, "% of the horizon");
    move |p: Progress| {
        counter.set((p.at_ms * 100 / p.horizon_ms.max(1)) as usize);
        counter.bar.set_message(format!("{} events", p.events));
        if p.at_ms >= p.horizon_ms {
            counter.finish();
        }
    }
}
