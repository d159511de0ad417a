//! What `merge` writes: for each dtype, the sum of each device's best passed result.

use serde::{Deserialize, Serialize};

use super::kinds::Dtype;
use super::slurm_task::SlurmTask;

pub const MERGED_SCHEMA_VERSION: u32 = 1;

pub const MERGED_KIND: &str = "flopcost-merged";

/// What a merged figure is, written into every merged document and said wherever one is used.
pub const MERGED_MEANING: &str = "a sum of devices each measured on its own, not a measured \
     cluster: no interconnect was exercised";

/// One device's best passed result for one dtype, as `merge` records it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeviceBest {
    pub file: String,
    pub adapter: String,
    pub software_adapter: bool,
    pub kernel: String,
    pub m: u32,
    pub n: u32,
    pub k: u32,
    pub gflops: f64,
    /// The Slurm task that measured it, when one did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub slurm_task: Option<SlurmTask>,
}

/// The cluster figure for one dtype: the sum of each device's best.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MergedDtype {
    pub dtype: Dtype,
    pub total_gflops: f64,
    pub devices: usize,
    pub per_device: Vec<DeviceBest>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MergedReport {
    /// Always "flopcost-merged": how readers tell this from a `BenchReport`.
    pub kind: String,
    pub schema_version: u32,
    /// [`MERGED_MEANING`], so the file says what its total is without this program.
    #[serde(default)]
    pub meaning: String,
    pub dtypes: Vec<MergedDtype>,
}
