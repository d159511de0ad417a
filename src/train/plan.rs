//! What the GPU step will allocate, counted before anything is: the parameter pieces (one buffer
//! each), how the tensors too large for one binding are split, and every buffer's bytes.

use std::ops::Range;

use crate::error::FlopcostError;
use crate::model::{AdapterDescription, Dtype, MatmulProblem, MemoryFigures};

use super::config::GptConfig;
use super::kernels::{AttentionPath, TextureLayout};
use super::params::{ParamLayout, ParamTensor};

/// One contiguous piece of the flat parameter vector, held in its own buffer: a whole tensor, one
/// layer's part of a per-layer tensor, or a chunk of rows of the token table.
#[derive(Debug, Clone, PartialEq)]
pub struct Piece {
    pub tensor: ParamTensor,
    pub name: &'static str,
    pub layer: usize,
    /// Elements of the flat parameter vector (ParamLayout order).
    pub range: Range<usize>,
    /// For the token table's chunks: the first vocabulary row and the row count.
    pub rows: Option<(usize, usize)>,
}

/// The tensors that exist once per model rather than once per layer.
fn is_global(tensor: ParamTensor) -> bool {
    matches!(
        tensor,
        ParamTensor::Wte | ParamTensor::Wpe | ParamTensor::LnfW | ParamTensor::LnfB
    )
}

#[derive(Debug, Clone)]
pub struct StepPlan {
    pub config: GptConfig,
    pub pieces: Vec<Piece>,
    /// Vocabulary rows of the token table per buffer: all of them unless the table exceeds one
    /// binding (GPT-2's 50257×768 f32 is 147 MiB; lavapipe binds at most 128 MiB).
    pub wte_rows_per_chunk: usize,
    /// Positions whose logits (V each) are computed, turned into gradients and consumed at once:
    /// all B·T unless that exceeds one binding.
    pub logit_rows: usize,
    /// Sequences whose attention scores (NH·T·T each) one buffer holds.
    pub att_batches: usize,
    /// How attention is computed: naive (the scores kept, as counted here) unless
    /// `with_attention` (`fused_attention.rs`) says otherwise.
    pub attention: AttentionPath,
    /// Every buffer the step allocates, with its bytes.
    pub buffers: Vec<(String, u64)>,
    /// Steps whose mean loss the loss history keeps.
    history: u32,
    /// Micro-batches of `config.batch` sequences whose gradients one step sums before its one
    /// AdamW update (nanoGPT's gradient_accumulation_steps); 1: none.
    pub accum: u32,
    /// The linear layers' products' operands (f32 unless asked otherwise).
    pub precision: Dtype,
}

const F32: u64 = 4;
/// The attention kernels keep one head's vector per invocation (`MAX_HS` in their WGSL).
pub const MAX_HEAD_SIZE: usize = 128;

impl StepPlan {
    /// The plan for `config` on a device binding at most `binding_cap` bytes at once (the least
    /// of max_storage_buffer_binding_size and max_buffer_size). A tensor that cannot be split and
    /// still exceeds it is refused, naming its bytes and the limit.
    pub fn new(
        config: &GptConfig,
        binding_cap: u64,
        history: u32,
    ) -> Result<StepPlan, FlopcostError> {
        let (v, t, c, l, nh, b) = (
            config.vocab as u64,
            config.ctx as u64,
            config.width as u64,
            config.layers as u64,
            config.heads as u64,
            config.batch as u64,
        );
        let bt = b * t;
        // Shaders index with u32: no buffer may hold more than 2³² - 1 elements.
        let cap = binding_cap.min(u32::MAX as u64 * F32);
        let refuse = |what: &str, bytes: u64, unit: &str| {
            FlopcostError::bad_input(format!(
                "{what} needs {bytes} bytes in one binding, even split by {unit}, but this \
                 device binds at most {cap} bytes (max_storage_buffer_binding_size / \
                 max_buffer_size); choose a smaller configuration"
            ))
        };
        if config.head_size() > MAX_HEAD_SIZE {
            return Err(FlopcostError::bad_input(format!(
                "head size {} (width {} / {} heads) exceeds the {MAX_HEAD_SIZE} the attention \
                 kernels hold per invocation; use more heads",
                config.head_size(),
                config.width,
                config.heads
            )));
        }
        let row_bytes = c * F32;
        if row_bytes > cap {
            return Err(refuse("one row of the token table", row_bytes, "rows"));
        }
        let wte_rows_per_chunk = (cap / row_bytes).min(v) as usize;
        let logit_row_bytes = v * F32;
        if logit_row_bytes > cap {
            return Err(refuse(
                "one position's logits",
                logit_row_bytes,
                "positions",
            ));
        }
        let logit_rows = (cap / logit_row_bytes).min(bt) as usize;
        let att_seq_bytes = nh * t * t * F32;
        if att_seq_bytes > cap {
            return Err(refuse(
                "one sequence's attention scores (heads × T × T)",
                att_seq_bytes,
                "sequences",
            ));
        }
        let att_batches = (cap / att_seq_bytes).min(b) as usize;

        let layout = ParamLayout::new(config);
        let mut pieces = Vec::new();
        for slot in &layout.slots {
            if slot.tensor == ParamTensor::Wte {
                let mut row0 = 0;
                while row0 < config.vocab {
                    let rows = wte_rows_per_chunk.min(config.vocab - row0);
                    let start = slot.offset + row0 * config.width;
                    pieces.push(Piece {
                        tensor: slot.tensor,
                        name: slot.name,
                        layer: 0,
                        range: start..start + rows * config.width,
                        rows: Some((row0, rows)),
                    });
                    row0 += rows;
                }
            } else if is_global(slot.tensor) {
                pieces.push(Piece {
                    tensor: slot.tensor,
                    name: slot.name,
                    layer: 0,
                    range: slot.offset..slot.offset + slot.len,
                    rows: None,
                });
            } else {
                for layer in 0..config.layers {
                    pieces.push(Piece {
                        tensor: slot.tensor,
                        name: slot.name,
                        layer,
                        range: layout.layer_range(slot.tensor, layer),
                        rows: None,
                    });
                }
            }
        }
        let mut buffers: Vec<(String, u64)> = Vec::new();
        for piece in &pieces {
            let bytes = piece.range.len() as u64 * F32;
            if bytes > cap {
                return Err(refuse(
                    &format!("parameter {} (layer {})", piece.name, piece.layer),
                    bytes,
                    "layers",
                ));
            }
            for role in ["param", "grad", "adam-m", "adam-v"] {
                buffers.push((format!("{role} {} {}", piece.name, piece.layer), bytes));
            }
        }
        let mut add = |name: &str, elements: u64| buffers.push((name.to_string(), elements * F32));
        add("tokens", bt);
        add("targets", bt);
        add("encoded", bt * c);
        let att_chunks = b.div_ceil(att_batches as u64);
        for layer in 0..l {
            for (name, elements) in [
                ("ln1", bt * c),
                ("ln1 mean", bt),
                ("ln1 rstd", bt),
                ("qkv", 3 * bt * c),
                ("atty", bt * c),
                ("residual2", bt * c),
                ("ln2", bt * c),
                ("ln2 mean", bt),
                ("ln2 rstd", bt),
                ("fch", 4 * bt * c),
                ("fch gelu", 4 * bt * c),
                ("residual3", bt * c),
            ] {
                add(&format!("{name} {layer}"), elements);
            }
            for chunk in 0..att_chunks {
                let seqs = (att_batches as u64).min(b - chunk * att_batches as u64);
                add(&format!("att {layer}.{chunk}"), seqs * nh * t * t);
            }
        }
        for chunk in 0..att_chunks {
            let seqs = (att_batches as u64).min(b - chunk * att_batches as u64);
            add(&format!("dpreatt {chunk}"), seqs * nh * t * t);
        }
        for (name, elements) in [
            ("projection", bt * c),
            ("lnf", bt * c),
            ("lnf mean", bt),
            ("lnf rstd", bt),
            ("logits", logit_rows as u64 * v),
            ("losses", bt),
            ("loss", 1),
            ("loss history", history.max(1) as u64),
            ("dresidual", bt * c),
            ("dlnf", bt * c),
            ("dfch gelu", 4 * bt * c),
            ("dfch", 4 * bt * c),
            ("dln2", bt * c),
            ("datty", bt * c),
            ("dqkv", 3 * bt * c),
            ("dln1", bt * c),
        ] {
            add(name, elements);
        }
        for (name, bytes) in &buffers {
            if *bytes > cap {
                return Err(refuse(name, *bytes, "nothing"));
            }
        }
        Ok(StepPlan {
            config: *config,
            pieces,
            wte_rows_per_chunk,
            logit_rows,
            att_batches,
            attention: AttentionPath::Naive,
            buffers,
            history,
            accum: 1,
            precision: Dtype::F32,
        })
    }

    /// The same step with its products' operands in `precision`.
    pub fn with_precision(mut self, precision: Dtype) -> StepPlan {
        self.precision = precision;
        self
    }

    /// The same step accumulating `n` micro-batches (each of `config.batch` sequences): their
    /// tokens and targets wait on the device for the whole step, and each one's loss is kept
    /// for the step's mean.
    pub fn with_accum(mut self, n: u32) -> StepPlan {
        let n = n.max(1);
        self.buffers
            .retain(|(name, _)| !name.starts_with("micro-batch"));
        if n > 1 {
            let bt = (self.config.batch * self.config.ctx) as u64;
            for name in ["micro-batch tokens", "micro-batch targets"] {
                self.buffers.push((name.to_string(), n as u64 * bt * F32));
            }
            self.buffers
                .push(("micro-batch losses".to_string(), n as u64 * F32));
        }
        self.accum = n;
        self
    }

    pub fn history(&self) -> u32 {
        self.history
    }

    /// Bytes of device memory the step allocates.
    pub fn device_bytes(&self) -> u64 {
        self.buffers.iter().map(|(_, b)| b).sum()
    }

    /// Bytes of host memory the run needs besides the device's: the initial parameters, the
    /// staging of their upload, and the largest readback (parameters or gradients, for checks).
    pub fn host_bytes(&self) -> u64 {
        let params: u64 = self.pieces.iter().map(|p| p.range.len() as u64 * F32).sum();
        3 * params
    }

    /// Every product of one step (m, n, k), in no particular order: the four linear layers'
    /// three products each, and the LM head's on every chunk of positions and of the table.
    pub fn products(&self) -> Vec<MatmulProblem> {
        let cfg = &self.config;
        let (c, bt) = (cfg.width as u32, (cfg.batch * cfg.ctx) as u32);
        let mut out = Vec::new();
        for (ic, oc) in [(c, 3 * c), (c, c), (c, 4 * c), (4 * c, c)] {
            out.push(MatmulProblem {
                m: bt,
                n: oc,
                k: ic,
            });
            out.push(MatmulProblem {
                m: bt,
                n: ic,
                k: oc,
            });
            out.push(MatmulProblem {
                m: oc,
                n: ic,
                k: bt,
            });
        }
        let mut row0 = 0;
        while row0 < bt {
            let rows = (self.logit_rows as u32).min(bt - row0);
            for (_, _, vrows) in self.wte_chunks() {
                let vrows = vrows as u32;
                out.push(MatmulProblem {
                    m: rows,
                    n: vrows,
                    k: c,
                });
                out.push(MatmulProblem {
                    m: rows,
                    n: c,
                    k: vrows,
                });
                out.push(MatmulProblem {
                    m: vrows,
                    n: c,
                    k: rows,
                });
            }
            row0 += rows;
        }
        out
    }

    /// The textures the texture path packs operands into, one pair per distinct extent (products
    /// run one after another, so they share them): (width, height, slot) with slot 0 for A, 1 for
    /// B. Products whose textures exceed `max_dim` use the tiled path instead and need none.
    pub fn textures(&self, max_dim: u32) -> Vec<(u32, u32, usize)> {
        let mut keys: Vec<(u32, u32, usize)> = Vec::new();
        for p in self.products() {
            let layout = TextureLayout::for_problem(p);
            if !layout.fits(max_dim) {
                continue;
            }
            for (slot, (w, h)) in layout.extents().into_iter().enumerate() {
                if !keys.contains(&(w, h, slot)) {
                    keys.push((w, h, slot));
                }
            }
        }
        keys
    }

    /// Bytes of those textures (rgba32float: 16 a texel; rgba16float, for f16 products: 8).
    pub fn texture_bytes(&self, max_dim: u32) -> u64 {
        let texel = match self.precision {
            Dtype::F32 => 16,
            Dtype::F16 => 8,
        };
        self.textures(max_dim)
            .iter()
            .map(|&(w, h, _)| w as u64 * h as u64 * texel)
            .sum()
    }

    /// The step's memory against what there is: for a software or integrated adapter, whose
    /// device memory is host memory, everything against the host's available memory; for a
    /// discrete GPU, the host's share only, since wgpu reports no device memory size (an
    /// allocation the device refuses is caught and reported as a device error).
    pub fn check_memory(
        &self,
        textures: u64,
        d: &AdapterDescription,
    ) -> Result<MemoryFigures, FlopcostError> {
        let plan = self;
        let shared = d.is_software() || d.device_type == "integrated";
        let device_bytes = plan.device_bytes() + textures;
        let needed = plan.host_bytes() + if shared { device_bytes } else { 0 };
        let available = crate::system::available_memory();
        let what = if shared {
            "the host's available memory (this adapter's device memory is host memory)"
        } else {
            "the host's available memory, for the host's share; wgpu reports no device memory \
             size"
        };
        if let Some(limit) = available {
            if needed > limit {
                return Err(FlopcostError::bad_input(format!(
                    "this configuration needs {needed} bytes ({device_bytes} of device buffers: \
                     parameters, gradients, AdamW state, activations, packed operands; {} on the \
                     host) but {what} is {limit} bytes; choose a smaller --batch, --ctx, --width \
                     or --layers",
                    plan.host_bytes()
                )));
            }
        }
        let limits = &d.limits;
        Ok(MemoryFigures {
            device_bytes,
            host_bytes: plan.host_bytes(),
            limit_bytes: available,
            limit_note: what.to_string(),
            binding_limit_bytes: limits
                .max_storage_buffer_binding_size
                .min(limits.max_buffer_size),
            token_table_buffers: plan.wte_chunks().len() as u32,
            logit_rows_per_chunk: plan.logit_rows as u64,
            sequences_per_score_buffer: plan.att_batches as u64,
        })
    }

    /// Index of the piece of `tensor` for `layer` (0 for a model-wide tensor); the token table's
    /// first chunk for `Wte`.
    pub fn piece(&self, tensor: ParamTensor, layer: usize) -> usize {
        self.pieces
            .iter()
            .position(|p| p.tensor == tensor && p.layer == layer)
            .expect("every tensor has a piece for every layer")
    }

    /// The token table's chunks: (piece index, first row, rows).
    pub fn wte_chunks(&self) -> Vec<(usize, usize, usize)> {
        self.pieces
            .iter()
            .enumerate()
            .filter_map(|(i, p)| p.rows.map(|(row0, rows)| (i, row0, rows)))
            .collect()
    }
}
