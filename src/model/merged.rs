//! What `merge` writes: for each dtype, the sum of each device's best passed result.

use serde::{Deserialize, Serialize};

use super::kinds::Dtype;

pub const MERGED_SCHEMA_VERSION: u32 = 1;

pub const MERGED_KIND: &str = "flopcost-merged";

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
    pub dtypes: Vec<MergedDtype>,
}
