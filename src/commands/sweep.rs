//! `flopcost sweep`: the benchmark over a series of square sizes, within a time budget, as one
//! combined report with a size × kernel table and optional plots.

use std::path::PathBuf;

use anyhow::Result;

use crate::cluster::{rank_optional_path, rank_path, SlurmEnv};
use crate::commands::bench::finish;
use crate::kernels::KernelChoice;
use crate::model::{write_output, RunPlan};
use crate::report::export::{self, Destination, ExportOptions, Exporter, JsonExporter, JSON_FLAG};
use crate::report::plot::{roofline_svg, throughput_svg, Ceilings};
use crate::report::sweep_text;
use crate::session::SweepRequest;

use super::Globals;

#[derive(Debug, Clone)]
pub struct SweepCommand {
    /// Square sizes to run; default: 128, 256, 512... while the device and budget allow.
    pub sizes: Option<Vec<u32>>,
    pub budget_s: f64,
    pub kernels: Option<String>,
    pub seed: Option<u64>,
    pub plan: RunPlan,
    pub export: ExportOptions,
    pub plot: Option<PathBuf>,
    pub roofline: Option<PathBuf>,
}

pub fn run(args: &SweepCommand, globals: &Globals) -> Result<()> {
    args.export.check_stdout(None)?;
    let request = SweepRequest {
        sizes: args.sizes.clone(),
        budget_s: args.budget_s,
        kernels: KernelChoice::parse(args.kernels.as_deref())?,
        seed: args.seed,
        plan: args.plan.clone(),
    };
    let slurm = SlurmEnv::from_env();
    let exports = args
        .export
        .rename_files(|flag, path| rank_path(flag, path, &slurm))?;
    let plot = rank_optional_path("--plot", args.plot.as_deref(), &slurm)?;
    let roofline_path = rank_optional_path("--roofline", args.roofline.as_deref(), &slurm)?;
    let session = globals.open_session()?;
    let report = session.sweep(&request, |so_far| {
        // Written after every size, so an interrupted sweep keeps what it measured.
        match exports.destination(JSON_FLAG) {
            Some(Destination::File(path)) => {
                write_output(path, &JsonExporter.serialize(so_far)?, JSON_FLAG)
            }
            _ => Ok(()),
        }
    })?;
    let reason = session.reason().to_string();
    drop(session);

    let text = sweep_text::render(&report, &reason);
    if args.export.uses_stdout() {
        eprint!("{text}");
    } else {
        print!("{text}");
    }

    let ceilings = Ceilings::of(&report);
    let throughput = throughput_svg(&report, &ceilings)?;
    let roofline = roofline_svg(&report, &ceilings)?;
    if let Some(path) = &plot {
        write_output(path, throughput.as_bytes(), "--plot")?;
    }
    if let Some(path) = &roofline_path {
        write_output(path, roofline.as_bytes(), "--roofline")?;
    }
    export::write_all(&exports, &report, &[throughput, roofline])?;
    let mut written: Vec<PathBuf> = exports.files();
    written.extend(plot.into_iter().chain(roofline_path));
    finish(&report, &written)
}
