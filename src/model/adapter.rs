//! A plain, serialisable picture of an adapter: what `devices` prints and every report embeds.

use serde::{Deserialize, Serialize};

/// Printed beside every figure measured on a CPU rasteriser.
pub const SOFTWARE_WARNING: &str = "software adapter on the CPU: not a GPU figure";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AdapterDescription {
    /// Position in `flopcost devices`' list; what `--adapter N` selects.
    pub index: usize,
    pub name: String,
    pub backend: String,
    /// "discrete", "integrated", "virtual", "cpu" or "other".
    pub device_type: String,
    pub driver: String,
    pub driver_info: String,
    pub vendor_id: u32,
    pub device_id: u32,
    /// `domain:bus:device.function` where the backend reports it (Vulkan with
    /// VK_EXT_pci_bus_info), else empty: the order Slurm numbers a node's GPUs in.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub pci_bus_id: String,
    pub features: AdapterFeatures,
    pub limits: MatmulLimits,
}

impl AdapterDescription {
    /// A CPU rasteriser's figures describe the host CPU, never a GPU.
    pub fn is_software(&self) -> bool {
        self.device_type == "cpu"
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AdapterFeatures {
    pub timestamp_query: bool,
    pub timestamp_query_inside_passes: bool,
    pub shader_f16: bool,
    pub subgroup: bool,
    pub subgroup_min_size: u32,
    pub subgroup_max_size: u32,
    pub cooperative_matrix: bool,
    /// Shapes the adapter reports for cooperative matrices, e.g. "16x16x16 f16->f32".
    pub cooperative_matrix_shapes: Vec<String>,
}

/// The limits that bound how large a matrix multiply can be and how its kernels can be shaped.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MatmulLimits {
    pub max_buffer_size: u64,
    pub max_storage_buffer_binding_size: u64,
    pub max_compute_workgroup_storage_size: u32,
    pub max_compute_invocations_per_workgroup: u32,
    pub max_compute_workgroup_size_x: u32,
    pub max_compute_workgroup_size_y: u32,
    pub max_compute_workgroups_per_dimension: u32,
    /// Bounds the texture-input kernels: a padded matrix is one texel per four values.
    #[serde(default)]
    pub max_texture_dimension_2d: u32,
}
