//! Everything that talks to wgpu's setup: adapters, the device, timestamps and readback.

mod adapters;
mod context;
mod quiet;
mod readback;
mod select;
mod slurm_gpus;
mod timer;

pub use crate::model::SOFTWARE_WARNING;
pub use crate::model::{AdapterDescription, AdapterFeatures, MatmulLimits};
pub use adapters::{describe, describe_all, enumerate, BackendChoice};
pub use context::{GpuContext, WANTED_FEATURES};
pub use quiet::skip_display_device_selection;
pub use readback::read_buffer;
pub use select::{choose_adapter, AdapterChoice, AdapterRequest};
pub use timer::TimestampTimer;
