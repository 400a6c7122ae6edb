//! SVG charts with confidence intervals (feature `plots`):
//!
//! - `compare_intervals.svg`: policies side by side on six KPIs, each a
//!   mean with its 95% interval as an error bar;
//! - `sweep.svg`: six KPIs against the swept parameter, mean and interval;
//! - `staffing.svg`: agents per interval found by simulation, beside Erlang
//!   C and Erlang A.

use super::replicate::Replicated;
use super::significance::ReplicatedComparison;
use super::staffing::StaffingPlan;
use super::stats::Estimate;
use super::sweep::Sweep;
use plotters::prelude::*;
use std::io;
use std::path::Path;

fn err(e: impl std::fmt::Display) -> io::Error {
    io::Error::other(e.to_string())
}

/// The KPIs the charts show, by [`Report::kpis`](super::Report::kpis) name.
const SHOWN: [(&str, &str); 6] = [
    ("first_response_p90_min", "first response p90 (min)"),
    ("within_target", "answered within target (share)"),
    ("abandonment", "abandonment (share)"),
    ("sticky_hit_rate", "sticky hit rate (share)"),
    ("mean_utilisation", "concurrency used (share of cap)"),
    ("resolutions_per_agent_hour", "resolutions per agent-hour"),
];

fn estimate(r: &Replicated, kpi: &str) -> Estimate {
    r.kpi(kpi).map(|k| k.estimate.clone()).unwrap_or_default()
}

/// Finite ends of an interval (a single seed has an infinite one).
fn ends(e: &Estimate) -> (f64, f64) {
    if e.half_width.is_finite() {
        (e.low(), e.high())
    } else {
        (e.mean, e.mean)
    }
}

/// Policies side by side, a point and its 95% interval per policy.
pub fn write_comparison(c: &ReplicatedComparison, path: &Path) -> io::Result<()> {
    let root = SVGBackend::new(path, (1200, 760)).into_drawing_area();
    root.fill(&WHITE).map_err(err)?;
    let names: Vec<String> = c.policies.iter().map(|r| r.policy.clone()).collect();
    for (panel, (kpi, title)) in root.split_evenly((2, 3)).iter().zip(SHOWN) {
        let es: Vec<Estimate> = c.policies.iter().map(|r| estimate(r, kpi)).collect();
        let top = es.iter().map(|e| ends(e).1).fold(0.0, f64::max).max(1e-9) * 1.15;
        let mut chart = super::plot::policy_panel(panel, title, &names, top)?;
        chart
            .draw_series(es.iter().enumerate().map(|(i, e)| {
                let (lo, hi) = ends(e);
                ErrorBar::new_vertical(
                    SegmentValue::CenterOf(i),
                    lo,
                    e.mean,
                    hi,
                    Palette99::pick(i).to_rgba().filled().stroke_width(2),
                    16,
                )
            }))
            .map_err(err)?;
    }
    root.present().map_err(err)
}

/// Each shown KPI against the swept parameter, with 95% intervals.
pub fn write_sweep(sweep: &Sweep, path: &Path) -> io::Result<()> {
    let root = SVGBackend::new(path, (1200, 760)).into_drawing_area();
    root.fill(&WHITE).map_err(err)?;
    let xs: Vec<f64> = sweep.points.iter().map(|p| p.value).collect();
    let lo_x = xs.iter().copied().fold(f64::INFINITY, f64::min);
    let hi_x = xs.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let pad = ((hi_x - lo_x) * 0.05).max(0.5);
    let (lo_x, hi_x) = if lo_x.is_finite() {
        (lo_x - pad, hi_x + pad)
    } else {
        (0.0, 1.0)
    };
    for (panel, (kpi, title)) in root.split_evenly((2, 3)).iter().zip(SHOWN) {
        let es: Vec<Estimate> = sweep
            .points
            .iter()
            .map(|p| estimate(&p.result, kpi))
            .collect();
        let top = es.iter().map(|e| ends(e).1).fold(0.0, f64::max).max(1e-9) * 1.15;
        let mut chart = ChartBuilder::on(panel)
            .caption(title, ("sans-serif", 15))
            .margin(10)
            .x_label_area_size(30)
            .y_label_area_size(50)
            .build_cartesian_2d(lo_x..hi_x, 0.0..top)
            .map_err(err)?;
        chart
            .configure_mesh()
            .x_desc(sweep.parameter.as_str())
            .draw()
            .map_err(err)?;
        let color = Palette99::pick(0).to_rgba();
        chart
            .draw_series(LineSeries::new(
                xs.iter().zip(&es).map(|(x, e)| (*x, e.mean)),
                color.stroke_width(2),
            ))
            .map_err(err)?;
        chart
            .draw_series(xs.iter().zip(&es).map(|(x, e)| {
                let (lo, hi) = ends(e);
                ErrorBar::new_vertical(*x, lo, e.mean, hi, color.filled(), 10)
            }))
            .map_err(err)?;
    }
    root.present().map_err(err)
}

/// Agents per interval: simulation, Erlang C, Erlang A.
pub fn write_staffing(plan: &StaffingPlan, path: &Path) -> io::Result<()> {
    let root = SVGBackend::new(path, (1000, 480)).into_drawing_area();
    root.fill(&WHITE).map_err(err)?;
    let top = plan
        .intervals
        .iter()
        .flat_map(|i| [Some(i.simulated), i.erlang_c, i.erlang_a])
        .flatten()
        .max()
        .unwrap_or(1)
        .max(1);
    let mut chart = ChartBuilder::on(&root)
        .caption(
            format!(
                "Agents needed per interval ({:.0}% within target)",
                plan.target.service_level * 100.0
            ),
            ("sans-serif", 18),
        )
        .margin(12)
        .x_label_area_size(30)
        .y_label_area_size(50)
        .build_cartesian_2d(0.0..24.0, 0.0..f64::from(top) * 1.15)
        .map_err(err)?;
    chart
        .configure_mesh()
        .x_desc("hour of the day")
        .y_desc("agents")
        .draw()
        .map_err(err)?;
    type Pick = fn(&super::staffing::IntervalStaffing) -> Option<u32>;
    let series: [(&str, Pick); 3] = [
        ("simulation", |i| Some(i.simulated)),
        ("Erlang C", |i| i.erlang_c),
        ("Erlang A", |i| i.erlang_a),
    ];
    for (k, (label, pick)) in series.into_iter().enumerate() {
        let color = Palette99::pick(k).to_rgba();
        let points = plan
            .intervals
            .iter()
            .filter_map(|i| pick(i).map(|n| (i.start_hour, f64::from(n))));
        chart
            .draw_series(LineSeries::new(points, color.stroke_width(2)))
            .map_err(err)?
            .label(label)
            .legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + 20, y)], color.stroke_width(2))
            });
    }
    chart
        .configure_series_labels()
        .border_style(BLACK)
        .background_style(WHITE.mix(0.85))
        .draw()
        .map_err(err)?;
    root.present().map_err(err)
}
