//! `compare train.json`'s text: the user's training step beside the catalog's sourced
//! single-device training figures.

use crate::cost::train_comparison::TrainComparison;

use super::table::render_left;

fn opt(x: Option<f64>, f: impl Fn(f64) -> String) -> String {
    x.map_or("-".to_string(), f)
}

pub fn render(c: &TrainComparison) -> String {
    let mut s = String::new();
    if c.step.software_adapter {
        s.push_str("WARNING: a CPU software adapter: this step describes the CPU, not a GPU.\n");
    }
    s.push_str(&format!(
        "Your step on {}: {}\n",
        c.step.adapter,
        c.step.sentence()
    ));
    s.push_str(&format!("  = {}\n\n", c.step.factor.how));
    s.push_str(
        "Sourced single-device training (per device; a node's figure divided by its devices):\n",
    );
    let rows: Vec<Vec<String>> = c
        .rows
        .iter()
        .map(|r| {
            vec![
                r.id.clone(),
                r.model.clone(),
                r.accelerator.clone(),
                opt(r.tokens_per_second, |t| format!("{t:.0}")),
                opt(r.mfu, |m| format!("{:.1}%", m * 100.0)),
                opt(r.of_matmul, |m| format!("{:.1}%", m * 100.0)),
                opt(r.speed_ratio, |x| format!("{x:.2e}×")),
            ]
        })
        .collect();
    s.push_str(&render_left(
        &[
            "entry",
            "model",
            "accelerator",
            "tokens/s",
            "MFU",
            "6·N of matmul",
            "yours ÷ theirs",
        ],
        3,
        &rows,
    ));
    s.push_str(&format!(
        "yours: {:.0} tokens/s, {:.1}% of your measured matmul rate (6·N per token)\n",
        c.step.tokens_per_s,
        c.step.factor.value * 100.0
    ));
    s.push_str(
        "\"yours ÷ theirs\" only where the model has your step's shape; \"6·N of matmul\" is the \
         calibration's single-device factor (6·N FLOP per token over the device's achievable \
         matmul), comparable across shapes and devices.\n",
    );
    s.push_str("\nSources:\n");
    for r in &c.rows {
        s.push_str(&format!("  {}: {} ({})\n", r.id, r.source, r.software));
    }
    s
}
