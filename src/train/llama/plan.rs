//! What the Llama-style GPU step allocates, counted before anything is: every parameter tensor
//! cut into pieces one binding can hold (a linear weight by its output rows, so Llama 3.1 8B's
//! 14336×4096 FFN weights and 128256×4096 tables fit lavapipe's 128 MiB bindings), the logits
//! in chunks of positions and the attention scores in chunks of sequences, as GPT-2's plan
//! (`train::plan`) does.

use std::ops::Range;

use crate::error::FlopcostError;
use crate::model::{AdapterDescription, MemoryFigures};
use crate::train::plan::MAX_HEAD_SIZE;

use super::config::LlamaConfig;
use super::params::{LlamaLayout, LlamaTensor};

const F32: u64 = 4;

/// One buffer's worth of one parameter tensor: rows [row0, row0 + rows) of layer `layer`'s
/// (out, in) matrix, or the whole of a norm's weight vector (one row of `cols`).
#[derive(Debug, Clone, PartialEq)]
pub struct LlamaPiece {
    pub tensor: LlamaTensor,
    pub layer: usize,
    pub range: Range<usize>,
    pub row0: usize,
    pub rows: usize,
    pub cols: usize,
}

#[derive(Debug, Clone)]
pub struct LlamaStepPlan {
    pub config: LlamaConfig,
    pub pieces: Vec<LlamaPiece>,
    /// Positions whose logits one buffer holds.
    pub logit_rows: usize,
    /// Sequences whose attention scores one buffer holds.
    pub att_batches: usize,
    /// Every buffer the step allocates: (name, bytes).
    pub buffers: Vec<(String, u64)>,
    pub history: u32,
}

impl LlamaStepPlan {
    pub fn new(
        config: &LlamaConfig,
        binding_cap: u64,
        history: u32,
    ) -> Result<LlamaStepPlan, FlopcostError> {
        config.validate()?;
        let cap = binding_cap.min(u32::MAX as u64 * F32);
        let (v, t, c, f, b, nh) = (
            config.vocab as u64,
            config.ctx as u64,
            config.width as u64,
            config.ffn_width as u64,
            config.batch as u64,
            config.heads as u64,
        );
        let kv = config.kv_width() as u64;
        let bt = b * t;
        let refuse = |what: &str, bytes: u64| {
            FlopcostError::bad_input(format!(
                "{what} needs {bytes} bytes in one binding, but this device binds at most {cap} \
                 bytes (max_storage_buffer_binding_size / max_buffer_size); choose a smaller \
                 configuration"
            ))
        };
        if config.head_size() > MAX_HEAD_SIZE {
            return Err(FlopcostError::bad_input(format!(
                "head size {} exceeds the {MAX_HEAD_SIZE} the attention kernels hold per \
                 invocation",
                config.head_size()
            )));
        }
        let layout = LlamaLayout::new(config);
        let mut pieces = Vec::new();
        for slot in &layout.slots {
            let layers = if slot.tensor.is_per_layer() {
                config.layers
            } else {
                1
            };
            let shape = slot.tensor.shape(config);
            // (out, in) of one layer's matrix; a norm's weight is one row.
            let (rows, cols) = match shape.len() - usize::from(slot.tensor.is_per_layer()) {
                2 => (shape[shape.len() - 2], shape[shape.len() - 1]),
                _ => (1, shape[shape.len() - 1]),
            };
            let row_bytes = cols as u64 * F32;
            if row_bytes > cap {
                return Err(refuse(&format!("one row of {}", slot.name), row_bytes));
            }
            let per_piece = ((cap / row_bytes) as usize).min(rows);
            for layer in 0..layers {
                let start = if slot.tensor.is_per_layer() {
                    layout.layer_range(slot.tensor, layer).start
                } else {
                    slot.offset
                };
                let mut row0 = 0;
                while row0 < rows {
                    let n = per_piece.min(rows - row0);
                    let at = start + row0 * cols;
                    pieces.push(LlamaPiece {
                        tensor: slot.tensor,
                        layer,
                        range: at..at + n * cols,
                        row0,
                        rows: n,
                        cols,
                    });
                    row0 += n;
                }
            }
        }
        if v * F32 > cap {
            return Err(refuse("one position's logits", v * F32));
        }
        let logit_rows = ((cap / (v * F32)).min(bt)) as usize;
        let att_seq = nh * t * t * F32;
        if att_seq > cap {
            return Err(refuse(
                "one sequence's attention scores (heads × T × T)",
                att_seq,
            ));
        }
        let att_batches = ((cap / att_seq).min(b)) as usize;
        let att_chunks = b.div_ceil(att_batches as u64);

        let mut buffers: Vec<(String, u64)> = Vec::new();
        for p in &pieces {
            for role in ["param", "grad", "adam-m", "adam-v"] {
                buffers.push((
                    format!("{role} {} {}.{}", p.tensor.name(), p.layer, p.row0),
                    p.range.len() as u64 * F32,
                ));
            }
        }
        let mut add = |name: String, elements: u64| buffers.push((name, elements * F32));
        let qkv = bt * (c + 2 * kv);
        for (name, n) in [("tokens", bt), ("targets", bt), ("encoded", bt * c)] {
            add(name.into(), n);
        }
        for layer in 0..config.layers {
            for (name, n) in [
                ("attn norm", bt * c),
                ("attn rstd", bt),
                ("qkv", qkv),
                ("atty", bt * c),
                ("residual2", bt * c),
                ("ffn norm", bt * c),
                ("ffn rstd", bt),
                ("gate", bt * f),
                ("up", bt * f),
                ("swiglu", bt * f),
                ("residual3", bt * c),
            ] {
                add(format!("{name} {layer}"), n);
            }
            for chunk in 0..att_chunks {
                let seqs = (att_batches as u64).min(b - chunk * att_batches as u64);
                add(format!("att {layer}.{chunk}"), seqs * nh * t * t);
            }
        }
        for chunk in 0..att_chunks {
            let seqs = (att_batches as u64).min(b - chunk * att_batches as u64);
            add(format!("dpreatt {chunk}"), seqs * nh * t * t);
        }
        for (name, n) in [
            ("projection", bt * c),
            ("final norm", bt * c),
            ("final rstd", bt),
            ("logits", logit_rows as u64 * v),
            ("losses", bt),
            ("loss", 1),
            ("loss history", history.max(1) as u64),
            ("dresidual", bt * c),
            ("dfinal", bt * c),
            ("dswiglu", bt * f),
            ("dgate", bt * f),
            ("dup", bt * f),
            ("dffn", bt * c),
            ("datty", bt * c),
            ("dqkv", qkv),
            ("dattn", bt * c),
        ] {
            add(name.into(), n);
        }
        for (name, bytes) in &buffers {
            if *bytes > cap {
                return Err(refuse(name, *bytes));
            }
        }
        Ok(LlamaStepPlan {
            config: *config,
            pieces,
            logit_rows,
            att_batches,
            buffers,
            history,
        })
    }

    /// The pieces of one tensor of one layer (layer 0 for the global ones), in row order, with
    /// their indices into `pieces`.
    pub fn pieces_of(&self, tensor: LlamaTensor, layer: usize) -> Vec<(usize, &LlamaPiece)> {
        self.pieces
            .iter()
            .enumerate()
            .filter(|(_, p)| p.tensor == tensor && p.layer == layer)
            .collect()
    }

    /// (first sequence, sequences) of each attention-score buffer.
    pub fn att_chunks(&self) -> Vec<(usize, usize)> {
        let mut out = Vec::new();
        let mut b0 = 0;
        while b0 < self.config.batch {
            let seqs = self.att_batches.min(self.config.batch - b0);
            out.push((b0, seqs));
            b0 += seqs;
        }
        out
    }

    pub fn device_bytes(&self) -> u64 {
        self.buffers.iter().map(|(_, b)| b).sum()
    }

    /// The parameters' initial values, and the flat parameter and gradient vectors a check
    /// reads back, held on the host.
    pub fn host_bytes(&self) -> u64 {
        3 * self
            .pieces
            .iter()
            .map(|p| p.range.len() as u64 * F32)
            .sum::<u64>()
    }

    /// Refuses, with the numbers, a step the host (and, for a software or integrated adapter,
    /// the device sharing it) cannot hold; GPT-2's rule (`StepPlan::check_memory`).
    pub fn check_memory(&self, d: &AdapterDescription) -> Result<MemoryFigures, FlopcostError> {
        let shared = d.is_software() || d.device_type == "integrated";
        let device_bytes = self.device_bytes();
        let needed = self.host_bytes() + if shared { device_bytes } else { 0 };
        let available = crate::system::available_memory();
        let what = if shared {
            "the host's available memory (this adapter's device memory is host memory)"
        } else {
            "the host's available memory, for the host's share; wgpu reports no device memory size"
        };
        if let Some(limit) = available {
            if needed > limit {
                return Err(FlopcostError::bad_input(format!(
                    "this configuration needs {needed} bytes ({device_bytes} of device buffers: \
                     parameters, gradients, AdamW state, activations; {} on the host) but {what} \
                     is {limit} bytes; choose a smaller --layers, --batch or --ctx",
                    self.host_bytes()
                )));
            }
        }
        let limits = &d.limits;
        Ok(MemoryFigures {
            device_bytes,
            host_bytes: self.host_bytes(),
            limit_bytes: available,
            limit_note: what.to_string(),
            binding_limit_bytes: limits
                .max_storage_buffer_binding_size
                .min(limits.max_buffer_size),
            token_table_buffers: self.pieces_of(LlamaTensor::TokEmbeddings, 0).len() as u32,
            logit_rows_per_chunk: self.logit_rows as u64,
            sequences_per_score_buffer: self.att_batches as u64,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn large_tensors_are_cut_by_rows_to_fit_one_binding() {
        let config = LlamaConfig::preset("llama-3.1-8b")
            .unwrap()
            .reduced(1, 1, 64)
            .unwrap()
            .config;
        let cap = 128 << 20;
        let plan = LlamaStepPlan::new(&config, cap, 4).unwrap();
        for p in &plan.pieces {
            assert!(p.range.len() as u64 * 4 <= cap);
            assert_eq!(p.range.len(), p.rows * p.cols);
        }
        let w1 = plan.pieces_of(LlamaTensor::W1, 0);
        assert!(w1.len() > 1);
        assert_eq!(w1.iter().map(|(_, p)| p.rows).sum::<usize>(), 14_336);
        let total: usize = plan.pieces.iter().map(|p| p.range.len()).sum();
        assert_eq!(total, LlamaLayout::new(&config).total);
    }
}
