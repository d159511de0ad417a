//! `train --precision f16`'s product path: the one given, or the fastest of the step's own f16
//! product kernels that computed the tiled path's product (`train::product_probe`): tiled,
//! texture (rgba16float packs inside its time), and cooperative matrices only where the
//! adapter reports their shape; otherwise the report says why they were skipped.

use crate::error::FlopcostError;
use crate::kernels::TiledConfig;
use crate::train::kernels::coop_matrix;
use crate::train::kernels::MatmulPath;
use crate::train::product_probe::{fastest_agreeing, probe, probe_problem, PathProbe};
use crate::train::GptConfig;

use super::{MatmulChoice, Session};

/// Runs of each path the probe times.
const RUNS: u32 = 3;

impl Session {
    pub(super) fn choose_f16_path(
        &self,
        choice: MatmulChoice,
        measure: bool,
        config: &GptConfig,
        seed: u64,
    ) -> Result<(MatmulPath, String), FlopcostError> {
        let coop = coop_matrix::unavailable(&self.ctx.description);
        let coop_note = coop.clone().unwrap_or_else(|| {
            "cooperative matrices: offered by this adapter, a candidate".to_string()
        });
        if let MatmulChoice::Given(path) = choice {
            return Ok((path, format!("as given by --matmul; {coop_note}")));
        }
        if !measure {
            return Ok((
                MatmulPath::Tiled(TiledConfig::default()),
                format!(
                    "not measured (--no-matmul-reference); reads operands in place; {coop_note}"
                ),
            ));
        }
        let problem = probe_problem(config.batch, config.ctx, config.width);
        let shape = format!("{}×{}×{}", problem.m, problem.n, problem.k);
        self.progress.step(&format!(
            "timing the step's f16 products on each path at {shape}"
        ));
        let mut paths = vec![
            MatmulPath::Tiled(TiledConfig::default()),
            MatmulPath::Texture,
        ];
        if coop.is_none() {
            paths.push(MatmulPath::Coop);
        }
        let (probes, coop_note) = match probe(&self.ctx, problem, &paths, seed, RUNS) {
            Ok(probes) => (probes, coop_note),
            // A driver that reports the shape and still fails the kernel: the others stand.
            Err(e) if coop.is_none() => {
                paths.pop();
                (
                    probe(&self.ctx, problem, &paths, seed, RUNS)?,
                    format!("cooperative matrices: failed on this adapter ({e}), skipped"),
                )
            }
            Err(e) => return Err(e),
        };
        let best = fastest_agreeing(&probes).expect("the tiled path is its own reference");
        let figures: Vec<String> = probes
            .iter()
            .map(|p| describe(p, problem.flops()))
            .collect();
        Ok((
            best.path,
            format!(
                "the step's f16 products measured at {shape} (Y=X·Wᵀ+b, f16 operands, f32 \
                 sums, packs included, wall clock, median of {RUNS}): {}; {coop_note}",
                figures.join(", ")
            ),
        ))
    }
}

fn describe(p: &PathProbe, flops: f64) -> String {
    if p.agrees() {
        format!(
            "{} {:.2} GFLOP/s",
            p.path.family(),
            flops / p.median_s() / 1e9
        )
    } else {
        format!(
            "{} differed from the tiled path by {:.1e} (relative), never chosen",
            p.path.family(),
            p.difference
        )
    }
}
