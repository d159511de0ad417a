//! A rate as a share of its ceiling, as people read it.

/// Above 100% the ceiling is what is wrong (a matmul cannot outrun the FMA units it runs on),
/// so no such share is ever printed.
pub fn fmt_share_of_probe(share: f64) -> String {
    if share > 1.0 {
        "above its FMA probe (the probe trails)".to_string()
    } else {
        format!("{:.1}%", 100.0 * share)
    }
}
