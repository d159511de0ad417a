//! Everything that talks to wgpu's setup: adapters, the device, timestamps and readback.

mod adapters;
mod context;
mod quiet;
mod readback;
mod select;
mod slurm_gpus;
mod timer;

pub use adapters::{describe, describe_all, enumerate};
pub use context::{GpuContext, WANTED_FEATURES};
pub use quiet::skip_display_device_selection;
pub use readback::read_buffer;
pub use select::{choose_adapter, AdapterChoice};
pub use timer::TimestampTimer;
