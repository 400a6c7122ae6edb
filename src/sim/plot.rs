//! SVG charts of simulated days (feature `plots`, on by default):
//!
//! - `timeline.svg`: conversations waiting for a human, and the 90th
//!   percentile of first-response time, over the day, one line per policy;
//! - `policies.svg`: the policies side by side on first response, service
//!   level, stickiness and load spread.

use super::report::{Comparison, Report};
use plotters::coord::ranged1d::SegmentedCoord;
use plotters::coord::types::{RangedCoordf64, RangedCoordusize};
use plotters::prelude::*;
use std::io;
use std::path::{Path, PathBuf};

fn err(e: impl std::fmt::Display) -> io::Error {
    io::Error::other(e.to_string())
}

/// Writes `timeline.svg` and `policies.svg` into `dir` (created if missing)
/// and returns their paths.
pub fn write_all(comparison: &Comparison, dir: &Path) -> io::Result<Vec<PathBuf>> {
    std::fs::create_dir_all(dir)?;
    let timeline = dir.join("timeline.svg");
    let policies = dir.join("policies.svg");
    write_timeline(&comparison.reports, &timeline)?;
    write_policies(&comparison.reports, &policies)?;
    Ok(vec![timeline, policies])
}

/// Waiting conversations and first-response p90 over the day, per report.
pub fn write_timeline(reports: &[Report], path: &Path) -> io::Result<()> {
    let root = SVGBackend::new(path, (1000, 720)).into_drawing_area();
    root.fill(&WHITE).map_err(err)?;
    let (top, bottom) = root.split_vertically(360);
    let hours = reports.iter().map(|r| r.hours).fold(1.0, f64::max);
    let max_wait = reports
        .iter()
        .flat_map(|r| r.timeline.iter().map(|b| b.waiting_mean))
        .fold(1.0, f64::max);
    let mut chart = ChartBuilder::on(&top)
        .caption(
            "Conversations waiting for a human (mean per 15 min)",
            ("sans-serif", 18),
        )
        .margin(12)
        .x_label_area_size(30)
        .y_label_area_size(50)
        .build_cartesian_2d(0.0..hours, 0.0..max_wait * 1.1)
        .map_err(err)?;
    chart
        .configure_mesh()
        .x_desc("hour of the simulation")
        .y_desc("waiting")
        .draw()
        .map_err(err)?;
    for (i, r) in reports.iter().enumerate() {
        let color = Palette99::pick(i).to_rgba();
        let points = r.timeline.iter().map(|b| (b.hour, b.waiting_mean));
        chart
            .draw_series(LineSeries::new(points, color.stroke_width(2)))
            .map_err(err)?
            .label(r.policy.clone())
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

    let max_frt = reports
        .iter()
        .flat_map(|r| r.timeline.iter().filter_map(|b| b.first_response_p90))
        .fold(1.0, f64::max)
        / 60.0;
    let mut chart = ChartBuilder::on(&bottom)
        .caption(
            "First-response time, 90th percentile (minutes, per 15 min)",
            ("sans-serif", 18),
        )
        .margin(12)
        .x_label_area_size(30)
        .y_label_area_size(50)
        .build_cartesian_2d(0.0..hours, 0.0..max_frt * 1.1)
        .map_err(err)?;
    chart
        .configure_mesh()
        .x_desc("hour of the simulation")
        .y_desc("minutes")
        .draw()
        .map_err(err)?;
    if let Some(r) = reports.first() {
        let target = r.service_level.target_secs / 60.0;
        chart
            .draw_series(LineSeries::new(
                [(0.0, target), (hours, target)],
                RED.mix(0.5),
            ))
            .map_err(err)?
            .label("target")
            .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], RED.mix(0.5)));
    }
    for (i, r) in reports.iter().enumerate() {
        let color = Palette99::pick(i).to_rgba();
        let points = r
            .timeline
            .iter()
            .filter_map(|b| b.first_response_p90.map(|p| (b.hour, p / 60.0)));
        chart
            .draw_series(LineSeries::new(points, color.stroke_width(2)))
            .map_err(err)?
            .label(r.policy.clone())
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

type Metric = (&'static str, fn(&Report) -> f64);

/// A chart with one segment per policy on the x axis (labelled with
/// `names`) and `0..top` on the y axis, mesh drawn.
pub(super) type PolicyChart<'a, 'b> =
    ChartContext<'a, SVGBackend<'b>, Cartesian2d<SegmentedCoord<RangedCoordusize>, RangedCoordf64>>;

/// The panel of one KPI across policies.
pub(super) fn policy_panel<'a, 'b>(
    panel: &'a DrawingArea<SVGBackend<'b>, plotters::coord::Shift>,
    title: &str,
    names: &[String],
    top: f64,
) -> io::Result<PolicyChart<'a, 'b>> {
    let n = names.len().max(1);
    let mut chart = ChartBuilder::on(panel)
        .caption(title, ("sans-serif", 15))
        .margin(10)
        .x_label_area_size(30)
        .y_label_area_size(50)
        .build_cartesian_2d((0..n - 1).into_segmented(), 0.0..top)
        .map_err(err)?;
    chart
        .configure_mesh()
        .disable_x_mesh()
        .x_label_formatter(&|x| match x {
            SegmentValue::CenterOf(i) => names.get(*i).cloned().unwrap_or_default(),
            _ => String::new(),
        })
        .draw()
        .map_err(err)?;
    Ok(chart)
}

/// Bar charts of a few KPIs, one bar per report.
pub fn write_policies(reports: &[Report], path: &Path) -> io::Result<()> {
    let metrics: [Metric; 4] = [
        ("first response p90 (min)", |r| r.first_response.p90 / 60.0),
        ("answered within target (%)", |r| {
            r.service_level.within_target * 100.0
        }),
        ("sticky hit rate (%)", |r| r.stickiness.hit_rate * 100.0),
        ("load spread, CV of assignments", |r| {
            r.fairness.assignments_cv
        }),
    ];
    let root = SVGBackend::new(path, (1000, 720)).into_drawing_area();
    root.fill(&WHITE).map_err(err)?;
    let panels = root.split_evenly((2, 2));
    for (panel, (title, metric)) in panels.iter().zip(metrics) {
        let top = reports.iter().map(metric).fold(0.0, f64::max).max(1e-9) * 1.15;
        let names: Vec<String> = reports.iter().map(|r| r.policy.clone()).collect();
        let mut chart = policy_panel(panel, title, &names, top)?;
        chart
            .draw_series(reports.iter().enumerate().map(|(i, r)| {
                let color = Palette99::pick(i).to_rgba();
                let mut bar = Rectangle::new(
                    [
                        (SegmentValue::Exact(i), 0.0),
                        (SegmentValue::Exact(i + 1), metric(r)),
                    ],
                    color.filled(),
                );
                bar.set_margin(0, 0, 12, 12);
                bar
            }))
            .map_err(err)?;
    }
    root.present().map_err(err)
}
