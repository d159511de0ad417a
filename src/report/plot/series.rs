//! Results grouped into plot series: one per kernel and dtype, points in size order.

use crate::model::{BenchReport, Dtype};

#[derive(Debug, Clone, PartialEq)]
pub struct Point {
    /// The cube root of M·N·K: the side of a square problem of the same work.
    pub size: f64,
    /// FLOPs per byte of the three matrices, each moved once.
    pub intensity: f64,
    pub gflops: f64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    pub kernel: String,
    pub dtype: Dtype,
    pub points: Vec<Point>,
}

impl Series {
    pub fn label(&self) -> String {
        format!("{} {}", self.kernel, self.dtype.name())
    }
}

/// Series of the measured results, in the order kernels first appear. Results without a time
/// (failed, unsupported) are left out: there is nothing to plot for them.
pub fn series(report: &BenchReport) -> Vec<Series> {
    let mut out: Vec<Series> = Vec::new();
    for r in &report.results {
        let Some(m) = &r.measurement else { continue };
        let (m_, n, k) = (r.m as f64, r.n as f64, r.k as f64);
        let bytes = element_bytes(r.dtype) * (m_ * k + k * n + m_ * n);
        let point = Point {
            size: (m_ * n * k).cbrt(),
            intensity: r.flops() / bytes,
            gflops: m.gflops,
        };
        match out
            .iter_mut()
            .find(|s| s.kernel == r.kernel && s.dtype == r.dtype)
        {
            Some(s) => s.points.push(point),
            None => out.push(Series {
                kernel: r.kernel.clone(),
                dtype: r.dtype,
                points: vec![point],
            }),
        }
    }
    for s in &mut out {
        s.points.sort_by(|a, b| a.size.total_cmp(&b.size));
    }
    out
}

fn element_bytes(dtype: Dtype) -> f64 {
    match dtype {
        Dtype::F32 => 4.0,
        Dtype::F16 => 2.0,
    }
}
