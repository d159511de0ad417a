//! `merge`'s text for train reports: the summed tokens per second, what the sum is and is not,
//! and the device each part came from.

use crate::cost::measured::software_warning;
use crate::model::{MergedTrainReport, MERGED_TRAIN_MEANING};

use super::table::render_left;

/// The merged figure; a software adapter's warning first where any device was one.
pub fn render(merged: &MergedTrainReport) -> String {
    let mut out = String::new();
    if merged.per_device.iter().any(|d| d.software_adapter) {
        out.push_str(&format!("{}\n", software_warning()));
    }
    let m = &merged.model;
    let preset = merged
        .preset
        .as_deref()
        .map_or(String::new(), |p| format!("{p}: "));
    out.push_str(&format!(
        "merged train: {MERGED_TRAIN_MEANING}\n\
         {:.1} tokens/s total over {} devices (sum of each device's own median step), \
         {preset}V{} T{} C{} L{} H{} B{}, {}\n",
        merged.total_tokens_per_s,
        merged.devices,
        m.vocab,
        m.ctx,
        m.width,
        m.layers,
        m.heads,
        m.batch,
        merged.precision
    ));
    let rows: Vec<Vec<String>> = merged
        .per_device
        .iter()
        .map(|d| {
            vec![
                format!("  {}", d.file),
                d.slurm_task
                    .as_ref()
                    .map_or("-".into(), |t| format!("{} on {}", t.rank, t.node)),
                d.adapter.clone(),
                format!("{:.2}", d.step_median_s * 1e3),
                format!("{:.1}", d.tokens_per_s),
            ]
        })
        .collect();
    out.push_str(&render_left(
        &["  file", "Slurm task", "adapter", "step ms", "tokens/s"],
        3,
        &rows,
    ));
    out
}
