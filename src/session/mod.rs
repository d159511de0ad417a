//! What "measure this machine" means, offered to every command: a session holds the opened
//! device, the progress display and the tuning cache's place, and runs benchmarks, tuning,
//! peak probes, sweeps and the default run on them. It is the only door to a device: commands
//! build a request, call the session, and render what it returns.

mod bench;
mod default_run;
mod peak;
mod request;
mod sweep;
mod train;
mod train_attention;
mod train_f16_path;
mod train_llama;
mod tune;

pub use default_run::DefaultRunMeasurement;
pub use request::{
    AttentionChoice, BenchRequest, MatmulChoice, SweepRequest, TrainRequest, TuneRequest,
};
pub use train_llama::LlamaTrainRequest;

use std::path::PathBuf;

use crate::cluster::real_gpus;
use crate::error::FlopcostError;
use crate::gpu::{describe_all, enumerate, GpuContext};
use crate::model::{AdapterDescription, AdapterRequest, BackendChoice, MatmulProblem};
use crate::progress::Progress;
use crate::tune::default_cache_path;

/// Which device a session opens and how it talks.
#[derive(Debug, Clone, Default)]
pub struct SessionOptions {
    pub backend: Option<BackendChoice>,
    pub adapter: AdapterRequest,
    /// No progress or notices on stderr.
    pub quiet: bool,
    /// The tuning cache file; default: `tune.json` in flopcost's cache folder.
    pub tune_cache: Option<PathBuf>,
}

pub struct Session {
    ctx: GpuContext,
    progress: Progress,
    tune_cache: PathBuf,
}

/// Square sizes a command measures when given none: small enough on a CPU software adapter
/// (where 1024³ takes minutes) to finish in seconds.
#[derive(Debug, Clone, Copy)]
pub struct DefaultSize {
    pub gpu: u32,
    pub software: u32,
}

/// Call first in `main`, before any thread starts: keeps Mesa's device-select layer from
/// printing display-server errors when adapters are listed (see `gpu::quiet`).
pub fn prepare_process() {
    crate::gpu::skip_display_device_selection();
}

/// Every adapter wgpu can see, described; none is opened.
pub fn list_adapters(backend: Option<BackendChoice>) -> Vec<AdapterDescription> {
    let (_instance, adapters) = enumerate(backend);
    describe_all(&adapters)
}

/// A real GPU found but not yet opened, so that each can be opened on its own thread.
pub struct GpuSlot {
    adapter: wgpu::Adapter,
    index: usize,
}

impl GpuSlot {
    /// The adapter's index in `flopcost devices`.
    pub fn index(&self) -> usize {
        self.index
    }

    /// Opens the device; `reason` says why it was chosen, for the report.
    pub fn open(self, progress: Progress, reason: &str) -> Result<Session, FlopcostError> {
        let ctx = GpuContext::with_adapter(self.adapter, self.index, reason.to_string())?;
        Ok(Session::with_context(ctx, progress, None))
    }
}

/// Every real GPU (no CPU software adapter), for measuring them all at once.
pub fn real_gpu_slots(backend: Option<BackendChoice>) -> Vec<GpuSlot> {
    let (_instance, adapters) = enumerate(backend);
    let descriptions = describe_all(&adapters);
    let gpus: Vec<usize> = real_gpus(&descriptions).iter().map(|d| d.index).collect();
    adapters
        .into_iter()
        .enumerate()
        .filter(|(index, _)| gpus.contains(index))
        .map(|(index, adapter)| GpuSlot { adapter, index })
        .collect()
}

impl Session {
    pub fn open(options: &SessionOptions) -> Result<Session, FlopcostError> {
        let ctx = GpuContext::open(options.backend, &options.adapter)?;
        Ok(Session::with_context(
            ctx,
            Progress::new(options.quiet),
            options.tune_cache.clone(),
        ))
    }

    fn with_context(ctx: GpuContext, progress: Progress, tune_cache: Option<PathBuf>) -> Self {
        Session {
            ctx,
            progress,
            tune_cache: tune_cache.unwrap_or_else(default_cache_path),
        }
    }

    /// The opened adapter.
    pub fn adapter(&self) -> &AdapterDescription {
        &self.ctx.description
    }

    /// Why this adapter was chosen, for the report's header.
    pub fn reason(&self) -> &str {
        &self.ctx.reason
    }

    /// The progress display the session's work reports on.
    pub fn progress(&self) -> &Progress {
        &self.progress
    }

    pub fn is_software(&self) -> bool {
        self.ctx.description.is_software()
    }

    /// `size` if given, else the default for this kind of adapter (said when shrunk).
    pub fn square_or_default(
        &self,
        size: Option<MatmulProblem>,
        default: DefaultSize,
    ) -> MatmulProblem {
        size.unwrap_or_else(|| {
            if self.is_software() {
                self.progress.notice(&format!(
                    "software adapter: default size shrunk to {} to keep the run short",
                    default.software
                ));
                MatmulProblem::square(default.software)
            } else {
                MatmulProblem::square(default.gpu)
            }
        })
    }
}
