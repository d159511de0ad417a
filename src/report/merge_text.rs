//! `merge`'s text: each dtype's cluster total and the device each part came from.

use std::path::Path;

use crate::cost::measured::software_warning;
use crate::model::{MergedReport, MERGED_MEANING};

use super::table::render_left;

/// The merged figures; `software` when any device was a CPU software adapter.
pub fn render(merged: &MergedReport, software: bool) -> String {
    let mut out = String::new();
    if software {
        out.push_str(&format!("{}\n", software_warning()));
    }
    out.push_str(&format!(
        "merged: {MERGED_MEANING}; `estimate --from` applies to it the same calibrated \
         efficiency as to one device\n"
    ));
    for d in &merged.dtypes {
        out.push_str(&format!(
            "{}: {:.1} GFLOP/s total over {} devices (sum of each device's best passed result)\n",
            d.dtype.name(),
            d.total_gflops,
            d.devices
        ));
        let rows: Vec<Vec<String>> = d
            .per_device
            .iter()
            .map(|p| {
                vec![
                    format!("  {}", p.file),
                    p.slurm_task
                        .as_ref()
                        .map_or("-".into(), |t| format!("{} on {}", t.rank, t.node)),
                    p.adapter.clone(),
                    p.kernel.clone(),
                    format!("{}x{}x{}", p.m, p.n, p.k),
                    format!("{:.1}", p.gflops),
                ]
            })
            .collect();
        out.push_str(&render_left(
            &[
                "  file",
                "Slurm task",
                "adapter",
                "kernel",
                "shape",
                "GFLOP/s",
            ],
            5,
            &rows,
        ));
    }
    out
}

/// Where the merged document went.
pub fn saved_line(path: &Path) -> String {
    format!("saved {}\n", path.display())
}
