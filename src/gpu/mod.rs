//! Everything that talks to wgpu's setup: adapters, the device, timestamps and readback.

mod adapters;
mod context;
mod description;
mod readback;
mod select;
mod slurm_gpus;
mod timer;

pub use adapters::{describe, describe_all, enumerate};
pub use context::{GpuContext, WANTED_FEATURES};
pub use description::{AdapterDescription, AdapterFeatures, MatmulLimits};
pub use readback::read_buffer;
pub use select::{choose_adapter, AdapterChoice, AdapterRequest, SOFTWARE_WARNING};
pub use timer::TimestampTimer;
