//! What `merge` writes from train reports: the tokens per second of devices that each trained
//! the same model on their own, added up. It is not a data-parallel run: no gradient was
//! exchanged, so what a real run loses to communication is not in the total.

use serde::{Deserialize, Serialize};

use super::slurm_task::SlurmTask;
use super::train::ModelShape;

pub const MERGED_TRAIN_SCHEMA_VERSION: u32 = 1;

/// The `kind` that tells a merged train document from every other flopcost document.
pub const MERGED_TRAIN_KIND: &str = "flopcost-merged-train";

/// What the total is, written into every merged train document and said wherever one is shown.
pub const MERGED_TRAIN_MEANING: &str = "a sum of devices each training the model on its own, \
     not a data-parallel run: no gradient was exchanged and no interconnect was exercised";

/// One device's training run, as `merge` records it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainDevice {
    pub file: String,
    pub adapter: String,
    pub software_adapter: bool,
    /// The device's own figure: tokens of one step over the median timed step.
    pub tokens_per_s: f64,
    pub step_median_s: f64,
    /// The Slurm task that measured it, when one did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub slurm_task: Option<SlurmTask>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MergedTrainReport {
    /// Always [`MERGED_TRAIN_KIND`].
    pub kind: String,
    pub schema_version: u32,
    /// [`MERGED_TRAIN_MEANING`], so the file says what its total is without this program.
    pub meaning: String,
    /// The model every device trained: tokens per second of different models do not add.
    pub model: ModelShape,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preset: Option<String>,
    pub precision: String,
    /// The sum of each device's tokens per second.
    pub total_tokens_per_s: f64,
    pub devices: usize,
    pub per_device: Vec<TrainDevice>,
}
