//! The roofline: GFLOP/s against arithmetic intensity, log-log. A point under the sloped
//! (bandwidth) roof is memory-bound, one under the flat (peak) roof compute-bound.

use plotters::prelude::*;

use super::axes::{log10_axis, pow10_label, Ticked};
use super::frame::{color, draw_legend, titled};
use super::series::series;
use super::{Ceilings, SIZE};
use crate::model::BenchReport;

/// The roofline as an SVG document, with whichever ceilings `ceilings` carries.
pub fn roofline_svg(report: &BenchReport, ceilings: &Ceilings) -> anyhow::Result<String> {
    let all = series(report);
    let points = || all.iter().flat_map(|s| s.points.iter());
    // The ridge point, where the two roofs meet, is kept in view: it says at which intensity
    // this device stops being memory-bound.
    let ridge = match (ceilings.peak_gflops, ceilings.bandwidth_gbs) {
        (Some(p), Some(b)) if p > 0.0 && b > 0.0 => Some(p / b),
        _ => None,
    };
    let (x_range, x_ticks) = log10_axis(points().map(|p| p.intensity).chain(ridge));
    let (y_range, y_ticks) = log10_axis(points().map(|p| p.gflops).chain(ceilings.peak_gflops));

    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, SIZE).into_drawing_area();
        root.fill(&WHITE)?;
        let area = titled(&root, "Roofline: GFLOP/s by arithmetic intensity", report)?;
        let (x0, x1) = (x_range.start, x_range.end);
        let (y0, y1) = (y_range.start, y_range.end);
        let mut chart = ChartBuilder::on(&area)
            .margin(16)
            .x_label_area_size(48)
            .y_label_area_size(72)
            .build_cartesian_2d(
                Ticked::new((x_range, x_ticks)),
                Ticked::new((y_range, y_ticks)),
            )?;
        chart
            .configure_mesh()
            .x_desc("arithmetic intensity, FLOP/byte (A, B, C each moved once), log scale")
            .y_desc("GFLOP/s, log scale")
            .x_label_formatter(&pow10_label)
            .y_label_formatter(&pow10_label)
            .axis_desc_style(("sans-serif", 16))
            .label_style(("sans-serif", 13))
            .draw()?;
        for (i, s) in all.iter().enumerate() {
            let c = color(i);
            let xy: Vec<(f64, f64)> = s
                .points
                .iter()
                .map(|p| (p.intensity.log10(), p.gflops.log10()))
                .collect();
            chart
                .draw_series(LineSeries::new(xy.clone(), c.stroke_width(2)))?
                .label(s.label())
                .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 16, y + 5)], c.filled()));
            chart.draw_series(xy.into_iter().map(|p| Circle::new(p, 4, c.filled())))?;
        }
        let grey = RGBColor(90, 90, 90);
        let peak = ceilings.peak_gflops.filter(|p| *p > 0.0).map(f64::log10);
        if let Some(bw) = ceilings.bandwidth_gbs.filter(|b| *b > 0.0) {
            // GB/s × FLOP/byte = GFLOP/s: in log space, y = log10(bw) + x, up to the peak.
            let b = bw.log10();
            let start = x0.max(y0 - b);
            let end = x1.min(y1 - b).min(peak.map_or(f64::INFINITY, |p| p - b));
            if start < end {
                chart
                    .draw_series(DashedLineSeries::new(
                        [(start, start + b), (end, end + b)],
                        8,
                        5,
                        grey.stroke_width(2),
                    ))?
                    .label(format!("measured bandwidth {bw:.0} GB/s"))
                    .legend(move |(x, y)| {
                        Rectangle::new([(x, y - 1), (x + 16, y + 1)], grey.filled())
                    });
            }
        }
        if let Some(p) = peak {
            // Starts at the ridge point when the bandwidth roof is drawn, so the two meet.
            let start = ceilings
                .bandwidth_gbs
                .filter(|b| *b > 0.0)
                .map_or(x0, |bw| (p - bw.log10()).clamp(x0, x1));
            chart
                .draw_series(DashedLineSeries::new(
                    [(start, p), (x1, p)],
                    8,
                    5,
                    grey.stroke_width(2),
                ))?
                .label(format!("measured peak {:.0} GFLOP/s", 10f64.powf(p)))
                .legend(move |(x, y)| Rectangle::new([(x, y - 1), (x + 16, y + 1)], grey.filled()));
        }
        draw_legend(&mut chart)?;
        root.present()?;
    }
    Ok(svg)
}
