//! Facts about the host a result was measured on, saved with it so that it can be reproduced
//! and compared later. `system.rs` reads them from the host.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SystemInfo {
    pub os: String,
    pub arch: String,
    pub cpu_model: String,
    pub cpu_cores: usize,
    pub wgpu_version: String,
}
