//! GFLOP/s against matrix size: how far from the device's peak each kernel gets, and at what
//! size it stops improving.

use plotters::prelude::*;

use super::axes::{log2_axis, plain_label, pow2_label, Ticked};
use super::frame::{color, draw_legend, titled};
use super::series::series;
use super::{Ceilings, SIZE};
use crate::model::BenchReport;

/// The plot as an SVG document. Only `ceilings.peak_gflops` is used here, as a dashed line.
pub fn throughput_svg(report: &BenchReport, ceilings: &Ceilings) -> anyhow::Result<String> {
    let all = series(report);
    let points = || all.iter().flat_map(|s| s.points.iter());
    let (x_range, x_ticks) = log2_axis(points().map(|p| p.size));
    let top = points()
        .map(|p| p.gflops)
        .chain(ceilings.peak_gflops)
        .fold(0.0f64, f64::max);
    let y_max = if top > 0.0 { top * 1.15 } else { 1.0 };

    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, SIZE).into_drawing_area();
        root.fill(&WHITE)?;
        let area = titled(&root, "Matrix multiply: GFLOP/s by size", report)?;
        let (x0, x1) = (x_range.start, x_range.end);
        let mut chart = ChartBuilder::on(&area)
            .margin(16)
            .x_label_area_size(48)
            .y_label_area_size(72)
            .build_cartesian_2d(Ticked::new((x_range, x_ticks)), 0.0..y_max)?;
        chart
            .configure_mesh()
            .x_desc("matrix size N (M = N = K), log2 scale")
            .y_desc("GFLOP/s")
            .x_label_formatter(&pow2_label)
            .y_label_formatter(&plain_label)
            .axis_desc_style(("sans-serif", 16))
            .label_style(("sans-serif", 13))
            .draw()?;
        for (i, s) in all.iter().enumerate() {
            let c = color(i);
            let xy: Vec<(f64, f64)> = s.points.iter().map(|p| (p.size.log2(), p.gflops)).collect();
            chart
                .draw_series(LineSeries::new(xy.clone(), c.stroke_width(2)))?
                .label(s.label())
                .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 16, y + 5)], c.filled()));
            chart.draw_series(xy.into_iter().map(|p| Circle::new(p, 4, c.filled())))?;
        }
        if let Some(peak) = ceilings.peak_gflops {
            let grey = RGBColor(90, 90, 90);
            chart
                .draw_series(DashedLineSeries::new(
                    [(x0, peak), (x1, peak)],
                    8,
                    5,
                    grey.stroke_width(2),
                ))?
                .label(format!("measured peak {peak:.0} GFLOP/s"))
                .legend(move |(x, y)| Rectangle::new([(x, y - 1), (x + 16, y + 1)], grey.filled()));
        }
        draw_legend(&mut chart)?;
        root.present()?;
    }
    Ok(svg)
}
