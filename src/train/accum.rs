//! Gradient accumulation's arithmetic apart from the device: what a step is asked for beyond its
//! configuration, and how many micro-batches a batch that does not fit is split into.
//!
//! The convention is nanoGPT's `gradient_accumulation_steps`: `--accum N` runs N micro-batches
//! of `--batch` sequences each, sums their gradients on the device (each micro-batch's loss
//! scaled by 1/N) and takes one AdamW step, so a step trains on N·B sequences. Without `--accum`,
//! a batch B that does not fit is run as the fewest micro-batches dividing B that do.

use crate::error::FlopcostError;
use crate::model::Dtype;

use super::config::GptConfig;

/// What a step is asked to be beyond its configuration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StepOptions {
    /// `--accum N`; None: 1, or as many as it takes to fit.
    pub accum: Option<u32>,
    /// The linear layers' products' operands (`--precision`): f32, or f16 with f32
    /// accumulation. Master weights, activations and gradients stay f32 either way.
    pub precision: Dtype,
}

impl Default for StepOptions {
    fn default() -> Self {
        StepOptions {
            accum: None,
            precision: Dtype::F32,
        }
    }
}

/// The step that fits: what `fits` built for it, its micro-batch configuration, its
/// micro-batches, and, when they were chosen here rather than asked for, why.
pub struct Fitted<T> {
    pub built: T,
    pub micro: GptConfig,
    pub accum: u32,
    pub chosen: Option<String>,
}

/// The micro-batching of `config` that `fits` (a plan and its memory check) accepts: `requested`
/// micro-batches of `config.batch` sequences when given, refused with a split that would fit;
/// else the whole batch, or the fewest micro-batches dividing it that fit.
pub fn fit<T>(
    config: &GptConfig,
    requested: Option<u32>,
    mut fits: impl FnMut(&GptConfig, u32) -> Result<T, FlopcostError>,
) -> Result<Fitted<T>, FlopcostError> {
    let with_batch = |batch: usize| GptConfig { batch, ..*config };
    let n = requested.unwrap_or(1).max(1);
    let refusal = match fits(config, n) {
        Ok(built) => {
            return Ok(Fitted {
                built,
                micro: *config,
                accum: n,
                chosen: None,
            })
        }
        Err(e) => e,
    };
    let sequences = config.batch * n as usize;
    if requested.is_none() {
        for n in 2..=config.batch as u32 {
            if !config.batch.is_multiple_of(n as usize) {
                continue;
            }
            let micro = with_batch(config.batch / n as usize);
            if let Ok(built) = fits(&micro, n) {
                return Ok(Fitted {
                    built,
                    micro,
                    accum: n,
                    chosen: Some(format!(
                        "--batch {} does not fit this device, so each step accumulates {n} \
                         micro-batches of {} sequences (nanoGPT's gradient_accumulation_steps): \
                         the same {} sequences, one AdamW update",
                        config.batch, micro.batch, config.batch
                    )),
                });
            }
        }
        return Err(refusal);
    }
    // Asked for: say the largest micro-batch that fits, with the same sequences a step.
    let suggestion = (1..config.batch)
        .rev()
        .filter(|&b| sequences.is_multiple_of(b))
        .find(|&b| fits(&with_batch(b), (sequences / b) as u32).is_ok());
    Err(match (refusal, suggestion) {
        (FlopcostError::BadInput(message), Some(b)) => FlopcostError::bad_input(format!(
            "{message}; --batch {b} --accum {} (the same {sequences} sequences a step) would fit",
            sequences / b
        )),
        (refusal, _) => refusal,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tiny(batch: usize) -> GptConfig {
        GptConfig {
            batch,
            ..GptConfig::preset("tiny").unwrap()
        }
    }

    /// A device that holds at most `max` sequences a micro-batch.
    fn holds(max: usize) -> impl FnMut(&GptConfig, u32) -> Result<(), FlopcostError> {
        move |c, _| {
            if c.batch <= max {
                Ok(())
            } else {
                Err(FlopcostError::bad_input("needs 9 bytes, limit 8"))
            }
        }
    }

    #[test]
    fn a_batch_that_fits_runs_whole() {
        let f = fit(&tiny(8), None, holds(8)).unwrap();
        assert_eq!((f.accum, f.micro.batch), (1, 8));
        assert!(f.chosen.is_none());
    }

    #[test]
    fn a_batch_that_does_not_fit_is_split_into_the_fewest_micro_batches_that_do() {
        let f = fit(&tiny(12), None, holds(5)).unwrap();
        assert_eq!((f.accum, f.micro.batch), (3, 4));
        assert!(f.chosen.unwrap().contains("3 micro-batches of 4"));
        assert!(fit(&tiny(12), None, holds(0)).is_err());
    }

    #[test]
    fn a_requested_accumulation_is_kept_and_refused_with_a_split_that_fits() {
        let f = fit(&tiny(4), Some(3), holds(4)).unwrap();
        assert_eq!((f.accum, f.micro.batch), (3, 4));
        let Err(FlopcostError::BadInput(message)) = fit(&tiny(4), Some(3), holds(2)) else {
            panic!("refused as bad input");
        };
        assert!(
            message.contains("--batch 2 --accum 6 (the same 12 sequences a step)"),
            "{message}"
        );
    }
}
