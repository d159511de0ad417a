//! What a command allows tuning to spend, and what `flopcost tune --json` prints: what each
//! family's search did on this device.

use serde::{Deserialize, Serialize};

/// How much tuning a command allows.
#[derive(Debug, Clone, PartialEq)]
pub struct TuningPolicy {
    /// Seconds the whole search may take, shared by the families that need one; 0: none.
    pub budget_s: f64,
    /// Search again even where the cache has a winner.
    pub force: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TuneReport {
    /// Name, backend and device type.
    pub adapter: String,
    pub software_adapter: bool,
    pub m: u32,
    pub n: u32,
    pub k: u32,
    pub seed: u64,
    pub cache: String,
    pub families: Vec<FamilyTuning>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FamilyTuning {
    pub family: String,
    pub dtype: String,
    /// "cache hit", "tuned", "unsupported: ..." or "failed: ...".
    pub outcome: String,
    pub config: Option<serde_json::Map<String, serde_json::Value>>,
    pub gflops: Option<f64>,
    pub tried: usize,
    pub pruned: usize,
    pub failed: usize,
    pub unsupported: usize,
    pub seconds: f64,
}
