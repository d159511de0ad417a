//! What "measure this machine" means, offered to every command: a session holds the opened
//! device, the progress display and the tuning cache's place, and runs benchmarks, tuning and
//! peak probes on them. Commands build a request, call the session, and render what it returns.

mod bench;
mod request;
mod train;
mod tune;

pub use request::{BenchRequest, MatmulChoice, TrainRequest, TuneRequest};

use std::path::PathBuf;

use crate::error::FlopcostError;
use crate::gpu::{AdapterRequest, BackendChoice, GpuContext};
use crate::kernels::MatmulProblem;
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
    pub ctx: GpuContext,
    pub progress: Progress,
    tune_cache: PathBuf,
}

/// Square sizes a command measures when given none: small enough on a CPU software adapter
/// (where 1024³ takes minutes) to finish in seconds.
#[derive(Debug, Clone, Copy)]
pub struct DefaultSize {
    pub gpu: u32,
    pub software: u32,
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

    /// A session on a device opened elsewhere (one thread per GPU, tests).
    pub fn with_context(ctx: GpuContext, progress: Progress, tune_cache: Option<PathBuf>) -> Self {
        Session {
            ctx,
            progress,
            tune_cache: tune_cache.unwrap_or_else(default_cache_path),
        }
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

    /// Every probe of the device's ceilings; the FMA probe's layouts screened again or reused
    /// from the cache.
    pub fn peaks(
        &self,
        plan: &crate::bench::RunPlan,
        layouts: crate::peak::FmaLayouts,
    ) -> crate::model::PeakReport {
        crate::peak::measure_peaks(&self.ctx, plan, &self.progress, layouts)
    }
}
