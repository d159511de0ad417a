//! `train --attention`: which attention the step runs. Given, it is counted and used; `auto`
//! measures both at the step's shape first (`train::attention_probe`), as `--matmul auto` times
//! the matmul families, and keeps the faster, unless the naive one's scores do not fit, or the
//! two disagree (then the naive one, whose kernels the step's checks were first made with).

use crate::error::FlopcostError;
use crate::model::MemoryFigures;
use crate::train::attention_probe::{probe, PROBE_TOLERANCE};
use crate::train::kernels::AttentionPath;
use crate::train::plan::StepPlan;

use super::{AttentionChoice, Session};

/// Timed runs of each path in the probe, alternating.
const PROBE_RUNS: u32 = 3;

impl Session {
    /// The plan with its attention chosen, its memory checked (with `textures` bytes of packed
    /// operands besides), and a sentence saying which attention runs and why.
    pub(super) fn choose_attention(
        &self,
        choice: AttentionChoice,
        plan: StepPlan,
        textures: u64,
        seed: u64,
    ) -> Result<(StepPlan, MemoryFigures, String), FlopcostError> {
        let d = &self.ctx.description;
        let label = |path: AttentionPath| match path {
            AttentionPath::Naive => "naive (scores, softmax, values; T×T probabilities kept)",
            AttentionPath::Fused => {
                "fused (flash-style: online softmax over key tiles, log-sum-exp kept, \
                 probabilities recomputed in the backward)"
            }
        };
        if let AttentionChoice::Given(path) = choice {
            let plan = plan.with_attention(path);
            let memory = plan.check_memory(textures, d)?;
            return Ok((
                plan,
                memory,
                format!("{}, as given by --attention", label(path)),
            ));
        }
        let naive = plan.with_attention(AttentionPath::Naive);
        let memory = match naive.check_memory(textures, d) {
            Ok(memory) => memory,
            Err(too_big) => {
                // Without the T×T scores the step may still fit.
                let fused = naive.with_attention(AttentionPath::Fused);
                let memory = fused.check_memory(textures, d).map_err(|_| too_big)?;
                let why = format!(
                    "{}: the naive attention's T×T scores do not fit this device's memory",
                    label(AttentionPath::Fused)
                );
                return Ok((fused, memory, why));
            }
        };
        self.progress
            .step("timing the naive and the fused attention at the step's shape");
        let found = probe(&self.ctx, &naive, seed, PROBE_RUNS)?;
        let (naive_s, fused_s) = (
            found.median(AttentionPath::Naive),
            found.median(AttentionPath::Fused),
        );
        let ms = |s: f64| s * 1e3;
        if !found.agree() {
            let why = format!(
                "{}: the fused attention differed from it by {:.2e} (relative; the bound is \
                 {PROBE_TOLERANCE:.0e}) at the step's shape",
                label(AttentionPath::Naive),
                found.difference
            );
            return Ok((naive, memory, why));
        }
        let measured = format!(
            "one layer's attention forward and backward, median of {PROBE_RUNS} alternating \
             runs each, wall clock: fused {:.3} ms, naive {:.3} ms, at the step's shape",
            ms(fused_s),
            ms(naive_s)
        );
        if fused_s < naive_s {
            let fused = naive.with_attention(AttentionPath::Fused);
            let memory = fused.check_memory(textures, d)?;
            Ok((
                fused,
                memory,
                format!("{}: measured {measured}", label(AttentionPath::Fused)),
            ))
        } else {
            Ok((
                naive,
                memory,
                format!("{}: measured {measured}", label(AttentionPath::Naive)),
            ))
        }
    }
}
