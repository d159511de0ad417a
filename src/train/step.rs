//! The training step on the GPU: every buffer allocated once from a [`StepPlan`], every bind
//! group built once, and one step (forward, backward, AdamW) recorded into one command buffer,
//! so it runs without a host round-trip inside it. Functions take `&wgpu::Device` and
//! `&wgpu::Queue`, like wgpu's examples; the caller (the session) catches device errors.
//!
//! The backward pass follows llm.c's `gpt2_backward`, with two economies that change no
//! gradient: the residual stream has one gradient buffer into which every branch adds (the
//! residual add's backward is then nothing to do), and the LM head and loss run on chunks of
//! positions, each chunk's logits turned into their gradient in place and consumed at once.

use std::time::Duration;

use crate::error::FlopcostError;
use crate::gpu::{read_buffer, GpuContext, TimestampTimer};
use crate::kernels::TiledConfig;
use crate::model::MatmulProblem;

use super::kernels::{MatmulPath, TextureLayout};

use super::config::GptConfig;
use super::kernels::{self, KernelClass, MatmulVariant, TrainKernel};
use super::launch::{storage, uniform, Pipeline};
use super::params::{AdamW, ParamTensor};
use super::plan::StepPlan;

/// One dispatch of the step.
pub struct Op {
    pub kernel: &'static str,
    pub class: KernelClass,
    pub(crate) pipeline: usize,
    pub(crate) bind_group: wgpu::BindGroup,
    pub(crate) groups: (u32, u32),
    /// Useful floating-point operations (matmuls and attention), for rates.
    pub flops: f64,
    /// Bytes it must move at least: each input read once, each output written once.
    pub bytes: f64,
}

impl Op {
    /// The same kernel over the same grid with the same work: one isolated timing serves both.
    pub fn same_work(&self, other: &Op) -> bool {
        self.pipeline == other.pipeline
            && self.groups == other.groups
            && self.flops == other.flops
            && self.bytes == other.bytes
    }

    pub fn groups(&self) -> (u32, u32) {
        self.groups
    }
}

struct LayerActs<B> {
    ln1: B,
    ln1_mean: B,
    ln1_rstd: B,
    qkv: B,
    atty: B,
    att: Vec<B>,
    residual2: B,
    ln2: B,
    ln2_mean: B,
    ln2_rstd: B,
    fch: B,
    fch_gelu: B,
    residual3: B,
}

/// Everything the step allocates; `B` is a wgpu buffer, or a name for the page's plan.
pub struct Buffers<B = wgpu::Buffer> {
    pub params: Vec<B>,
    pub grads: Vec<B>,
    m: Vec<B>,
    v: Vec<B>,
    pub(super) tokens: B,
    pub(super) targets: B,
    encoded: B,
    layers: Vec<LayerActs<B>>,
    dpreatt: Vec<B>,
    projection: B,
    lnf: B,
    lnf_mean: B,
    lnf_rstd: B,
    logits: B,
    losses: B,
    pub(super) loss: B,
    history: B,
    dresidual: B,
    dlnf: B,
    dfch_gelu: B,
    dfch: B,
    dln2: B,
    datty: B,
    dqkv: B,
    dln1: B,
    /// Bytes allocated, to hold the plan to its count.
    pub allocated: u64,
}

impl Buffers {
    fn new(device: &wgpu::Device, plan: &StepPlan) -> Buffers {
        Buffers::build(plan, |label, bytes| storage(device, label, bytes))
    }
}

impl<B> Buffers<B> {
    /// Every buffer of `plan`, each made by `alloc(label, bytes)`.
    pub(super) fn build(plan: &StepPlan, mut alloc: impl FnMut(&str, u64) -> B) -> Buffers<B> {
        let mut allocated = 0u64;
        let mut make = |label: &str, elements: u64| {
            allocated += elements * 4;
            alloc(label, elements * 4)
        };
        let cfg = &plan.config;
        let (v, t, c, b, nh) = (
            cfg.vocab as u64,
            cfg.ctx as u64,
            cfg.width as u64,
            cfg.batch as u64,
            cfg.heads as u64,
        );
        let bt = b * t;
        let mut params = Vec::new();
        let mut grads = Vec::new();
        let mut m = Vec::new();
        let mut vv = Vec::new();
        for piece in &plan.pieces {
            let n = piece.range.len() as u64;
            params.push(make(piece.name, n));
            grads.push(make(piece.name, n));
            m.push(make(piece.name, n));
            vv.push(make(piece.name, n));
        }
        let tokens = make("tokens", bt);
        let targets = make("targets", bt);
        let encoded = make("encoded", bt * c);
        let att_chunks = att_chunk_sizes(plan);
        let mut layers = Vec::new();
        for _ in 0..cfg.layers {
            layers.push(LayerActs {
                ln1: make("ln1", bt * c),
                ln1_mean: make("ln1 mean", bt),
                ln1_rstd: make("ln1 rstd", bt),
                qkv: make("qkv", 3 * bt * c),
                atty: make("atty", bt * c),
                residual2: make("residual2", bt * c),
                ln2: make("ln2", bt * c),
                ln2_mean: make("ln2 mean", bt),
                ln2_rstd: make("ln2 rstd", bt),
                fch: make("fch", 4 * bt * c),
                fch_gelu: make("fch gelu", 4 * bt * c),
                residual3: make("residual3", bt * c),
                att: att_chunks
                    .iter()
                    .map(|&(_, seqs)| make("att", seqs as u64 * nh * t * t))
                    .collect(),
            });
        }
        let dpreatt = att_chunks
            .iter()
            .map(|&(_, seqs)| make("dpreatt", seqs as u64 * nh * t * t))
            .collect();
        Buffers {
            params,
            grads,
            m,
            v: vv,
            tokens,
            targets,
            encoded,
            layers,
            dpreatt,
            projection: make("projection", bt * c),
            lnf: make("lnf", bt * c),
            lnf_mean: make("lnf mean", bt),
            lnf_rstd: make("lnf rstd", bt),
            logits: make("logits", plan.logit_rows as u64 * v),
            losses: make("losses", bt),
            loss: make("loss", 1),
            history: make("loss history", plan.history().max(1) as u64),
            dresidual: make("dresidual", bt * c),
            dlnf: make("dlnf", bt * c),
            dfch_gelu: make("dfch gelu", 4 * bt * c),
            dfch: make("dfch", 4 * bt * c),
            dln2: make("dln2", bt * c),
            datty: make("datty", bt * c),
            dqkv: make("dqkv", 3 * bt * c),
            dln1: make("dln1", bt * c),
            allocated,
        }
    }

    /// The two gradient buffers the backward pass adds into besides the parameters' gradients:
    /// the residual stream's and the final LayerNorm output's.
    pub(super) fn backward_sums(&self) -> [&B; 2] {
        [&self.dresidual, &self.dlnf]
    }

    /// Every activation and scratch gradient: what poisoning fills with NaN.
    pub(super) fn scratch(&self) -> Vec<&B> {
        let mut all = vec![
            &self.encoded,
            &self.projection,
            &self.lnf,
            &self.lnf_mean,
            &self.lnf_rstd,
            &self.logits,
            &self.losses,
            &self.loss,
            &self.dresidual,
            &self.dlnf,
            &self.dfch_gelu,
            &self.dfch,
            &self.dln2,
            &self.datty,
            &self.dqkv,
            &self.dln1,
        ];
        all.extend(self.dpreatt.iter());
        for l in &self.layers {
            all.extend([
                &l.ln1,
                &l.ln1_mean,
                &l.ln1_rstd,
                &l.qkv,
                &l.atty,
                &l.residual2,
                &l.ln2,
                &l.ln2_mean,
                &l.ln2_rstd,
                &l.fch,
                &l.fch_gelu,
                &l.residual3,
            ]);
            all.extend(l.att.iter());
        }
        all.extend(self.grads.iter());
        all
    }
}

/// (first sequence, sequences) of each attention-score buffer.
fn att_chunk_sizes(plan: &StepPlan) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut b0 = 0;
    while b0 < plan.config.batch {
        let seqs = plan.att_batches.min(plan.config.batch - b0);
        out.push((b0, seqs));
        b0 += seqs;
    }
    out
}

fn f(x: f32) -> u32 {
    x.to_bits()
}

/// The step: buffers, pipelines, and its dispatches recorded once.
pub struct GpuStep {
    pub plan: StepPlan,
    pub buffers: Buffers,
    pipelines: Vec<Pipeline>,
    /// Forward, backward (with the loss), in order.
    pub forward_backward: Vec<Op>,
    /// AdamW over every parameter piece.
    pub update: Vec<Op>,
    hyper: wgpu::Buffer,
}

/// Records ops: finds or builds each kernel's pipeline and makes each op's uniform. The
/// Llama-style step (`train::llama::step`) records with it too.
pub(crate) struct Recorder<'a> {
    pub(crate) device: &'a wgpu::Device,
    pub(crate) pipelines: Vec<Pipeline>,
    pub(crate) ops: Vec<Op>,
    pub(crate) path: MatmulPath,
    pub(crate) max_texture: u32,
    /// The texture path's textures, by (width, height, slot), allocated from the plan's count.
    pub(crate) textures: Vec<((u32, u32, usize), wgpu::TextureView)>,
}

/// Where the step's dispatches are recorded: on the device ([`Recorder`]), or as the page's plan
/// (`web_plan`), so both take the one recording of the step and neither derives it again.
pub(crate) trait Sink {
    type Buf;

    fn path(&self) -> MatmulPath;

    /// One dispatch of `kernel` over `groups` on `buffers` plus a uniform of `words`.
    #[allow(clippy::too_many_arguments)]
    fn push(
        &mut self,
        kernel: TrainKernel,
        buffers: &[&Self::Buf],
        words: &[u32],
        groups: (u32, u32),
        flops: f64,
        bytes: f64,
    );

    /// The texture family's product, packs included; asked only of a sink whose path is
    /// [`MatmulPath::Texture`] and whose textures fit `layout`.
    fn texture_matmul(
        &mut self,
        variant: MatmulVariant,
        gemm: Gemm,
        layout: TextureLayout,
        buffers: [&Self::Buf; 4],
    ) -> bool;

    fn items(
        &mut self,
        kernel: TrainKernel,
        buffers: &[&Self::Buf],
        words: &[u32],
        items: u64,
        bytes: f64,
    ) {
        let groups = kernel.grid.for_items(items);
        self.push(kernel, buffers, words, groups, 0.0, bytes);
    }
}

impl Recorder<'_> {
    pub(crate) fn pipeline(&mut self, kernel: TrainKernel) -> usize {
        if let Some(i) = self
            .pipelines
            .iter()
            .position(|p| p.kernel.name == kernel.name && p.kernel.constants == kernel.constants)
        {
            return i;
        }
        self.pipelines.push(Pipeline::new(self.device, kernel));
        self.pipelines.len() - 1
    }

    /// One dispatch on `resources`, uniforms included, as the kernel's bindings list them.
    fn push_resources(
        &mut self,
        kernel: TrainKernel,
        resources: Vec<wgpu::BindingResource>,
        groups: (u32, u32),
        flops: f64,
        bytes: f64,
    ) {
        let (name, class) = (kernel.name, kernel.class);
        let index = self.pipeline(kernel);
        let bind_group = self.pipelines[index].bind_resources(self.device, resources);
        self.ops.push(Op {
            kernel: name,
            class,
            pipeline: index,
            bind_group,
            groups,
            flops,
            bytes,
        });
    }

    fn texture(&self, key: (u32, u32, usize)) -> wgpu::TextureView {
        self.textures
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, view)| view.clone())
            .expect("the plan counted every texture the step packs into")
    }
}

impl Sink for Recorder<'_> {
    type Buf = wgpu::Buffer;

    fn path(&self) -> MatmulPath {
        self.path
    }

    fn push(
        &mut self,
        kernel: TrainKernel,
        buffers: &[&wgpu::Buffer],
        words: &[u32],
        groups: (u32, u32),
        flops: f64,
        bytes: f64,
    ) {
        let (name, class) = (kernel.name, kernel.class);
        let index = self.pipeline(kernel);
        let params = uniform(self.device, words);
        let mut all: Vec<&wgpu::Buffer> = buffers.to_vec();
        all.push(&params);
        let bind_group = self.pipelines[index].bind(self.device, &all);
        self.ops.push(Op {
            kernel: name,
            class,
            pipeline: index,
            bind_group,
            groups,
            flops,
            bytes,
        });
    }

    fn texture_matmul(
        &mut self,
        variant: MatmulVariant,
        gemm: Gemm,
        layout: TextureLayout,
        buffers: [&wgpu::Buffer; 4],
    ) -> bool {
        if !layout.fits(self.max_texture) {
            return false;
        }
        matmul_texture(self, variant, gemm, layout, buffers);
        true
    }
}

/// One matmul: its shape, strides and offsets as the shader's `Params` takes them.
#[derive(Clone, Copy)]
pub(crate) struct Gemm {
    pub(crate) m: u32,
    pub(crate) n: u32,
    pub(crate) k: u32,
    pub(crate) lda: u32,
    pub(crate) ldb: u32,
    pub(crate) ldc: u32,
    pub(crate) a_off: u32,
    pub(crate) b_off: u32,
    pub(crate) c_off: u32,
}

impl Gemm {
    fn words(&self) -> [u32; 16] {
        [
            self.m, self.n, self.k, self.lda, self.ldb, self.ldc, self.a_off, self.b_off,
            self.c_off, 0, 0, 0, 0, 0, 0, 0,
        ]
    }
}

impl GpuStep {
    /// Allocates every buffer of `plan`, uploads `params` (the flat vector, ParamLayout order),
    /// and records the step's dispatches, its products computed as `path` says (textures at most
    /// `max_texture` texels a side).
    pub fn new(
        device: &wgpu::Device,
        queue: &wgpu::Queue,
        plan: StepPlan,
        params: &[f32],
        path: MatmulPath,
        max_texture: u32,
    ) -> GpuStep {
        let buffers = Buffers::new(device, &plan);
        let textures = match path {
            MatmulPath::Texture => plan
                .textures(max_texture)
                .into_iter()
                .map(|(w, h, slot)| {
                    let texture = device.create_texture(&wgpu::TextureDescriptor {
                        label: Some("packed operand"),
                        size: wgpu::Extent3d {
                            width: w,
                            height: h,
                            depth_or_array_layers: 1,
                        },
                        mip_level_count: 1,
                        sample_count: 1,
                        dimension: wgpu::TextureDimension::D2,
                        format: wgpu::TextureFormat::Rgba32Float,
                        usage: wgpu::TextureUsages::TEXTURE_BINDING
                            | wgpu::TextureUsages::STORAGE_BINDING,
                        view_formats: &[],
                    });
                    ((w, h, slot), texture.create_view(&Default::default()))
                })
                .collect(),
            MatmulPath::Tiled(_) => Vec::new(),
        };
        for (piece, buffer) in plan.pieces.iter().zip(&buffers.params) {
            queue.write_buffer(
                buffer,
                0,
                bytemuck::cast_slice(&params[piece.range.clone()]),
            );
        }
        let hyper = uniform(device, &[0; 8]);
        let mut rec = Recorder {
            device,
            pipelines: Vec::new(),
            ops: Vec::new(),
            path,
            max_texture,
            textures,
        };
        record_forward_backward(&mut rec, &plan, &buffers);
        let forward_backward = std::mem::take(&mut rec.ops);
        record_update(&mut rec, &plan, &buffers, &hyper);
        let update = std::mem::take(&mut rec.ops);
        GpuStep {
            plan,
            buffers,
            pipelines: rec.pipelines,
            forward_backward,
            update,
            hyper,
        }
    }

    pub fn config(&self) -> &GptConfig {
        &self.plan.config
    }

    /// Fills every activation and scratch gradient with NaN: a kernel that fails to write what
    /// it should leaves NaN behind, which reaches the loss.
    pub fn poison(&self, queue: &wgpu::Queue) {
        for buffer in self.buffers.scratch() {
            let nan = vec![f32::NAN; (buffer.size() / 4) as usize];
            queue.write_buffer(buffer, 0, bytemuck::cast_slice(&nan));
        }
    }

    /// The next batch's inputs and targets (B·T each).
    pub fn set_batch(&self, queue: &wgpu::Queue, inputs: &[u32], targets: &[u32]) {
        queue.write_buffer(&self.buffers.tokens, 0, bytemuck::cast_slice(inputs));
        queue.write_buffer(&self.buffers.targets, 0, bytemuck::cast_slice(targets));
    }

    /// AdamW's values for step `t` (from 1), bias corrections computed here in f64.
    pub fn set_hyper(&self, queue: &wgpu::Queue, hyper: &AdamW, t: usize) {
        let words = [
            f(hyper.lr as f32),
            f(hyper.beta1 as f32),
            f(hyper.beta2 as f32),
            f(hyper.eps as f32),
            f(hyper.weight_decay as f32),
            f((1.0 - hyper.beta1.powi(t as i32)) as f32),
            f((1.0 - hyper.beta2.powi(t as i32)) as f32),
            0,
        ];
        queue.write_buffer(&self.hyper, 0, bytemuck::cast_slice(&words));
    }

    /// Zeroes what the backward pass adds into: the parameter gradients and the two gradient
    /// buffers that are summed into (the residual stream's, the final LayerNorm output's).
    pub fn encode_zero_grads(&self, encoder: &mut wgpu::CommandEncoder) {
        for g in &self.buffers.grads {
            encoder.clear_buffer(g, 0, None);
        }
        for sum in self.buffers.backward_sums() {
            encoder.clear_buffer(sum, 0, None);
        }
    }

    /// Records `ops`: in one compute pass, or with `timer`, one pass each with its own pair of
    /// timestamps, slots `first_slot..`.
    pub fn encode_ops(
        &self,
        encoder: &mut wgpu::CommandEncoder,
        ops: &[Op],
        timer: Option<(&TimestampTimer, u32)>,
    ) {
        match timer {
            None => {
                let mut pass = encoder.begin_compute_pass(&wgpu::ComputePassDescriptor::default());
                for op in ops {
                    self.dispatch(&mut pass, op);
                }
            }
            Some((timer, first_slot)) => {
                for (i, op) in ops.iter().enumerate() {
                    let mut pass = encoder.begin_compute_pass(&wgpu::ComputePassDescriptor {
                        label: Some(op.kernel),
                        timestamp_writes: Some(timer.pass_writes(first_slot + i as u32)),
                    });
                    self.dispatch(&mut pass, op);
                }
            }
        }
    }

    /// `op` repeated `repeats` times in one pass, as the bench times a dispatch (issue 19's
    /// premise check times each product alone this way).
    pub fn bench_dispatch(&self, op: &Op, repeats: u32) -> crate::bench::Dispatch {
        crate::bench::Dispatch {
            pipeline: self.pipelines[op.pipeline].pipeline.clone(),
            parts: (0..repeats)
                .map(|_| (op.bind_group.clone(), (op.groups.0, op.groups.1, 1)))
                .collect(),
        }
    }

    /// Records one op into `pass`.
    pub fn dispatch_one(&self, pass: &mut wgpu::ComputePass, op: &Op) {
        self.dispatch(pass, op);
    }

    fn dispatch(&self, pass: &mut wgpu::ComputePass, op: &Op) {
        pass.set_pipeline(&self.pipelines[op.pipeline].pipeline);
        pass.set_bind_group(0, &op.bind_group, &[]);
        pass.dispatch_workgroups(op.groups.0, op.groups.1, 1);
    }

    /// Bytes `encode_zero_grads` writes.
    pub fn zeroed_bytes(&self) -> u64 {
        self.buffers.grads.iter().map(|g| g.size()).sum::<u64>()
            + self.buffers.dresidual.size()
            + self.buffers.dlnf.size()
    }

    /// Copies this step's mean loss into slot `slot` of the loss history.
    pub fn encode_keep_loss(&self, encoder: &mut wgpu::CommandEncoder, slot: u32) {
        encoder.copy_buffer_to_buffer(
            &self.buffers.loss,
            0,
            &self.buffers.history,
            slot as u64 * 4,
            4,
        );
    }

    /// One whole step: zero the gradients, forward, backward, AdamW, keep the loss in `slot`.
    pub fn encode_step(&self, encoder: &mut wgpu::CommandEncoder, slot: u32) {
        self.encode_zero_grads(encoder);
        self.encode_ops(encoder, &self.forward_backward, None);
        self.encode_ops(encoder, &self.update, None);
        self.encode_keep_loss(encoder, slot);
    }

    /// The first `n` losses of the history.
    pub fn read_history(
        &self,
        ctx: &GpuContext,
        n: u32,
        timeout: Duration,
    ) -> Result<Vec<f32>, FlopcostError> {
        let bytes = read_buffer(ctx, &self.buffers.history, n.max(1) as u64 * 4, timeout)?;
        Ok(bytemuck::pod_collect_to_vec(&bytes[..n as usize * 4]))
    }

    /// The flat vector (ParamLayout order) of `which`: the parameters or their gradients.
    pub fn read_flat(
        &self,
        ctx: &GpuContext,
        gradients: bool,
        timeout: Duration,
    ) -> Result<Vec<f32>, FlopcostError> {
        let total = self
            .plan
            .pieces
            .iter()
            .map(|p| p.range.end)
            .max()
            .unwrap_or(0);
        let mut flat = vec![0f32; total];
        let source = if gradients {
            &self.buffers.grads
        } else {
            &self.buffers.params
        };
        for (piece, buffer) in self.plan.pieces.iter().zip(source) {
            let bytes = read_buffer(ctx, buffer, piece.range.len() as u64 * 4, timeout)?;
            flat[piece.range.clone()]
                .copy_from_slice(&bytemuck::pod_collect_to_vec::<u8, f32>(&bytes));
        }
        Ok(flat)
    }

    /// Dispatches in one step, forward, backward and update.
    pub fn dispatch_count(&self) -> usize {
        self.forward_backward.len() + self.update.len()
    }
}

/// AdamW over every parameter piece, its per-step values in `hyper`.
pub(super) fn record_update<S: Sink>(
    rec: &mut S,
    plan: &StepPlan,
    bufs: &Buffers<S::Buf>,
    hyper: &S::Buf,
) {
    for (i, piece) in plan.pieces.iter().enumerate() {
        let n = piece.range.len() as u64;
        let kernel = kernels::adamw();
        let groups = kernel.grid.for_items(n);
        rec.push(
            kernel,
            &[
                &bufs.params[i],
                &bufs.grads[i],
                &bufs.m[i],
                &bufs.v[i],
                hyper,
            ],
            &[n as u32],
            groups,
            0.0,
            // Reads θ, g, m, v; writes θ, m, v.
            7.0 * 4.0 * n as f64,
        );
    }
}

/// The forward pass, the loss, and the backward pass, as llm.c's gpt2_forward and
/// gpt2_backward order them.
pub(super) fn record_forward_backward<S: Sink>(
    rec: &mut S,
    plan: &StepPlan,
    bufs: &Buffers<S::Buf>,
) {
    let cfg = &plan.config;
    let (v, t, c, l, nh, b) = (
        cfg.vocab as u32,
        cfg.ctx as u32,
        cfg.width as u32,
        cfg.layers,
        cfg.heads as u32,
        cfg.batch as u32,
    );
    let bt = b * t;
    let btf = bt as f64;
    let (cf, vf) = (c as f64, v as f64);
    let p = |tensor: ParamTensor, layer: usize| &bufs.params[plan.piece(tensor, layer)];
    let g = |tensor: ParamTensor, layer: usize| &bufs.grads[plan.piece(tensor, layer)];
    let scale = f(1.0 / (cfg.head_size() as f32).sqrt());
    let att_chunks = att_chunk_sizes(plan);

    // Y = X·Wᵀ + b for a linear layer of `ic` inputs and `oc` outputs.
    let linear =
        |rec: &mut S, x: &S::Buf, w: &S::Buf, bias: &S::Buf, y: &S::Buf, ic: u32, oc: u32| {
            let gemm = Gemm {
                m: bt,
                n: oc,
                k: ic,
                lda: ic,
                ldb: ic,
                ldc: oc,
                a_off: 0,
                b_off: 0,
                c_off: 0,
            };
            matmul(rec, MatmulVariant::Forward, gemm, [x, w, bias, y]);
        };
    // dX = dY·W, dW += dYᵀ·X, db += Σ dY.
    let linear_backward = |rec: &mut S,
                           dy: &S::Buf,
                           x: &S::Buf,
                           w: &S::Buf,
                           dx: &S::Buf,
                           dw: &S::Buf,
                           db: &S::Buf,
                           ic: u32,
                           oc: u32| {
        let dx_gemm = Gemm {
            m: bt,
            n: ic,
            k: oc,
            lda: oc,
            ldb: ic,
            ldc: ic,
            a_off: 0,
            b_off: 0,
            c_off: 0,
        };
        matmul(rec, MatmulVariant::BackwardInput, dx_gemm, [dy, w, dy, dx]);
        let dw_gemm = Gemm {
            m: oc,
            n: ic,
            k: bt,
            lda: oc,
            ldb: ic,
            ldc: ic,
            a_off: 0,
            b_off: 0,
            c_off: 0,
        };
        matmul(rec, MatmulVariant::BackwardWeight, dw_gemm, [dy, x, dy, dw]);
        rec.items(
            kernels::bias_backward(),
            &[dy, db],
            &[bt, oc, 0, 0],
            oc as u64,
            4.0 * (btf + 2.0) * oc as f64,
        );
    };
    let layernorm = |rec: &mut S,
                     inp: &S::Buf,
                     w: &S::Buf,
                     bias: &S::Buf,
                     out: &S::Buf,
                     mean: &S::Buf,
                     rstd: &S::Buf| {
        rec.items(
            kernels::layernorm_forward(),
            &[inp, w, bias, out, mean, rstd],
            &[bt, c, 0, 0],
            bt as u64,
            4.0 * (2.0 * btf * cf + 2.0 * cf + 2.0 * btf),
        );
    };
    let layernorm_backward = |rec: &mut S,
                              dout: &S::Buf,
                              inp: &S::Buf,
                              w: &S::Buf,
                              mean: &S::Buf,
                              rstd: &S::Buf,
                              dinp: &S::Buf,
                              dw: &S::Buf,
                              db: &S::Buf| {
        rec.items(
            kernels::layernorm_backward_input(),
            &[dout, inp, w, mean, rstd, dinp],
            &[bt, c, 0, 0],
            bt as u64,
            4.0 * (4.0 * btf * cf + cf + 2.0 * btf),
        );
        rec.items(
            kernels::layernorm_backward_params(),
            &[dout, inp, mean, rstd, dw, db],
            &[bt, c, 0, 0],
            c as u64,
            4.0 * (2.0 * btf * cf + 4.0 * cf + 2.0 * btf),
        );
    };
    let attention_words = |b0: usize, seqs: usize| [seqs as u32, t, c, nh, scale, b0 as u32, 0, 0];
    let hs = cfg.head_size() as f64;
    // Causal: T(T+1)/2 scores per head and sequence, each a hs-long dot product, and as many
    // multiply-adds again for the weighted values.
    let att_flops = |seqs: usize| {
        2.0 * 2.0 * hs * (seqs * cfg.heads) as f64 * (t as f64) * (t as f64 + 1.0) / 2.0
    };

    // Forward.
    for (piece, row0, rows) in plan.wte_chunks() {
        rec.items(
            kernels::encoder_forward(),
            &[
                &bufs.tokens,
                &bufs.params[piece],
                p(ParamTensor::Wpe, 0),
                &bufs.encoded,
            ],
            &[bt, t, c, row0 as u32, rows as u32, 0, 0, 0],
            bt as u64 * c as u64,
            4.0 * (btf + 3.0 * btf * cf),
        );
    }
    for layer in 0..l {
        let acts = &bufs.layers[layer];
        let residual = if layer == 0 {
            &bufs.encoded
        } else {
            &bufs.layers[layer - 1].residual3
        };
        layernorm(
            rec,
            residual,
            p(ParamTensor::Ln1W, layer),
            p(ParamTensor::Ln1B, layer),
            &acts.ln1,
            &acts.ln1_mean,
            &acts.ln1_rstd,
        );
        linear(
            rec,
            &acts.ln1,
            p(ParamTensor::QkvW, layer),
            p(ParamTensor::QkvB, layer),
            &acts.qkv,
            c,
            3 * c,
        );
        for (chunk, &(b0, seqs)) in att_chunks.iter().enumerate() {
            let kernel = kernels::attention_forward();
            let groups = kernel.grid.for_items((seqs * cfg.heads) as u64 * t as u64);
            rec.push(
                kernel,
                &[&acts.qkv, &acts.att[chunk], &acts.atty],
                &attention_words(b0, seqs),
                groups,
                att_flops(seqs),
                0.0,
            );
        }
        linear(
            rec,
            &acts.atty,
            p(ParamTensor::AttProjW, layer),
            p(ParamTensor::AttProjB, layer),
            &bufs.projection,
            c,
            c,
        );
        residual_add(rec, residual, &bufs.projection, &acts.residual2, bt * c);
        layernorm(
            rec,
            &acts.residual2,
            p(ParamTensor::Ln2W, layer),
            p(ParamTensor::Ln2B, layer),
            &acts.ln2,
            &acts.ln2_mean,
            &acts.ln2_rstd,
        );
        linear(
            rec,
            &acts.ln2,
            p(ParamTensor::FcW, layer),
            p(ParamTensor::FcB, layer),
            &acts.fch,
            c,
            4 * c,
        );
        rec.items(
            kernels::gelu_forward(),
            &[&acts.fch, &acts.fch_gelu],
            &[4 * bt * c, 0, 0, 0],
            4 * bt as u64 * c as u64,
            2.0 * 4.0 * 4.0 * btf * cf,
        );
        linear(
            rec,
            &acts.fch_gelu,
            p(ParamTensor::FcProjW, layer),
            p(ParamTensor::FcProjB, layer),
            &bufs.projection,
            4 * c,
            c,
        );
        residual_add(
            rec,
            &acts.residual2,
            &bufs.projection,
            &acts.residual3,
            bt * c,
        );
    }
    let last = &bufs.layers[l - 1].residual3;
    layernorm(
        rec,
        last,
        p(ParamTensor::LnfW, 0),
        p(ParamTensor::LnfB, 0),
        &bufs.lnf,
        &bufs.lnf_mean,
        &bufs.lnf_rstd,
    );

    // The LM head and the loss, a chunk of positions at a time: logits, loss and their
    // gradient, then the head's two backward products, before the next chunk's logits.
    let rows_per_chunk = plan.logit_rows as u32;
    let mut row0 = 0u32;
    while row0 < bt {
        let rows = rows_per_chunk.min(bt - row0);
        for (piece, v0, vrows) in plan.wte_chunks() {
            let gemm = Gemm {
                m: rows,
                n: vrows as u32,
                k: c,
                lda: c,
                ldb: c,
                ldc: v,
                a_off: row0 * c,
                b_off: 0,
                c_off: v0 as u32,
            };
            matmul(
                rec,
                MatmulVariant::ForwardNoBias,
                gemm,
                [&bufs.lnf, &bufs.params[piece], &bufs.lnf, &bufs.logits],
            );
        }
        let kernel = kernels::crossentropy();
        let groups = kernel.grid.for_items(rows as u64);
        let dloss = f(1.0 / bt as f32);
        rec.push(
            kernel,
            &[&bufs.logits, &bufs.targets, &bufs.losses],
            &[rows, v, row0, dloss],
            groups,
            0.0,
            4.0 * (3.0 * rows as f64 * vf + 2.0 * rows as f64),
        );
        for (piece, v0, vrows) in plan.wte_chunks() {
            let vrows = vrows as u32;
            let dx = Gemm {
                m: rows,
                n: c,
                k: vrows,
                lda: v,
                ldb: c,
                ldc: c,
                a_off: v0 as u32,
                b_off: 0,
                c_off: row0 * c,
            };
            matmul(
                rec,
                MatmulVariant::BackwardInputAccumulate,
                dx,
                [&bufs.logits, &bufs.params[piece], &bufs.logits, &bufs.dlnf],
            );
            let dw = Gemm {
                m: vrows,
                n: c,
                k: rows,
                lda: v,
                ldb: c,
                ldc: c,
                a_off: v0 as u32,
                b_off: row0 * c,
                c_off: 0,
            };
            matmul(
                rec,
                MatmulVariant::BackwardWeight,
                dw,
                [&bufs.logits, &bufs.lnf, &bufs.logits, &bufs.grads[piece]],
            );
        }
        row0 += rows;
    }
    rec.items(
        kernels::loss_mean(),
        &[&bufs.losses, &bufs.loss],
        &[bt, 0, 0, 0],
        1,
        4.0 * (btf + 1.0),
    );

    // Backward.
    layernorm_backward(
        rec,
        &bufs.dlnf,
        last,
        p(ParamTensor::LnfW, 0),
        &bufs.lnf_mean,
        &bufs.lnf_rstd,
        &bufs.dresidual,
        g(ParamTensor::LnfW, 0),
        g(ParamTensor::LnfB, 0),
    );
    for layer in (0..l).rev() {
        let acts = &bufs.layers[layer];
        let residual = if layer == 0 {
            &bufs.encoded
        } else {
            &bufs.layers[layer - 1].residual3
        };
        let dres = &bufs.dresidual;
        linear_backward(
            rec,
            dres,
            &acts.fch_gelu,
            p(ParamTensor::FcProjW, layer),
            &bufs.dfch_gelu,
            g(ParamTensor::FcProjW, layer),
            g(ParamTensor::FcProjB, layer),
            4 * c,
            c,
        );
        rec.items(
            kernels::gelu_backward(),
            &[&acts.fch, &bufs.dfch_gelu, &bufs.dfch],
            &[4 * bt * c, 0, 0, 0],
            4 * bt as u64 * c as u64,
            3.0 * 4.0 * 4.0 * btf * cf,
        );
        linear_backward(
            rec,
            &bufs.dfch,
            &acts.ln2,
            p(ParamTensor::FcW, layer),
            &bufs.dln2,
            g(ParamTensor::FcW, layer),
            g(ParamTensor::FcB, layer),
            c,
            4 * c,
        );
        layernorm_backward(
            rec,
            &bufs.dln2,
            &acts.residual2,
            p(ParamTensor::Ln2W, layer),
            &acts.ln2_mean,
            &acts.ln2_rstd,
            dres,
            g(ParamTensor::Ln2W, layer),
            g(ParamTensor::Ln2B, layer),
        );
        linear_backward(
            rec,
            dres,
            &acts.atty,
            p(ParamTensor::AttProjW, layer),
            &bufs.datty,
            g(ParamTensor::AttProjW, layer),
            g(ParamTensor::AttProjB, layer),
            c,
            c,
        );
        for (chunk, &(b0, seqs)) in att_chunks.iter().enumerate() {
            let words = attention_words(b0, seqs);
            let items = (seqs * cfg.heads) as u64 * t as u64;
            let kernel = kernels::attention_backward_scores();
            let groups = kernel.grid.for_items(items);
            rec.push(
                kernel,
                &[
                    &acts.qkv,
                    &acts.att[chunk],
                    &bufs.datty,
                    &bufs.dpreatt[chunk],
                ],
                &words,
                groups,
                att_flops(seqs) / 2.0,
                0.0,
            );
            let kernel = kernels::attention_backward_qkv();
            let groups = kernel.grid.for_items(items);
            rec.push(
                kernel,
                &[
                    &acts.qkv,
                    &acts.att[chunk],
                    &bufs.datty,
                    &bufs.dpreatt[chunk],
                    &bufs.dqkv,
                ],
                &words,
                groups,
                3.0 * att_flops(seqs) / 2.0,
                0.0,
            );
        }
        linear_backward(
            rec,
            &bufs.dqkv,
            &acts.ln1,
            p(ParamTensor::QkvW, layer),
            &bufs.dln1,
            g(ParamTensor::QkvW, layer),
            g(ParamTensor::QkvB, layer),
            c,
            3 * c,
        );
        layernorm_backward(
            rec,
            &bufs.dln1,
            residual,
            p(ParamTensor::Ln1W, layer),
            &acts.ln1_mean,
            &acts.ln1_rstd,
            dres,
            g(ParamTensor::Ln1W, layer),
            g(ParamTensor::Ln1B, layer),
        );
    }
    for (piece, row0, rows) in plan.wte_chunks() {
        rec.items(
            kernels::encoder_backward_wte(),
            &[&bufs.tokens, &bufs.dresidual, &bufs.grads[piece]],
            &[bt, c, row0 as u32, rows as u32],
            c as u64,
            4.0 * (btf + btf * cf + 2.0 * btf * cf),
        );
    }
    rec.items(
        kernels::encoder_backward_wpe(),
        &[&bufs.dresidual, g(ParamTensor::Wpe, 0)],
        &[b, t, c, 0],
        t as u64 * c as u64,
        4.0 * (btf * cf + 2.0 * t as f64 * cf),
    );
}

fn residual_add<S: Sink>(rec: &mut S, a: &S::Buf, b: &S::Buf, out: &S::Buf, n: u32) {
    rec.items(
        kernels::residual_forward(),
        &[a, b, out],
        &[n, 0, 0, 0],
        n as u64,
        3.0 * 4.0 * n as f64,
    );
}

pub(crate) fn matmul<S: Sink>(
    rec: &mut S,
    variant: MatmulVariant,
    gemm: Gemm,
    buffers: [&S::Buf; 4],
) {
    let problem = MatmulProblem {
        m: gemm.m,
        n: gemm.n,
        k: gemm.k,
    };
    let bytes = 4.0
        * (gemm.m as f64 * gemm.k as f64
            + gemm.k as f64 * gemm.n as f64
            + gemm.m as f64 * gemm.n as f64);
    let tiles = match rec.path() {
        MatmulPath::Tiled(tiles) => tiles,
        MatmulPath::Texture => {
            let layout = TextureLayout::for_problem(problem);
            if rec.texture_matmul(variant, gemm, layout, buffers) {
                return;
            }
            // Too large for the device's textures: read in place instead.
            TiledConfig::default()
        }
    };
    let kernel = kernels::matmul(variant, tiles);
    let groups = kernel.grid.for_output(problem);
    rec.push(
        kernel,
        &buffers,
        &gemm.words(),
        groups,
        problem.flops(),
        bytes,
    );
}

/// The texture path: both operands packed (transposed where the variant reads them so), then
/// the texture family's kernel with the step's epilogue.
fn matmul_texture(
    rec: &mut Recorder,
    variant: MatmulVariant,
    gemm: Gemm,
    layout: TextureLayout,
    [a, b, bias, c]: [&wgpu::Buffer; 4],
) {
    let (trans_a, trans_b) = variant.transposes();
    let class = variant.class();
    let [(aw, ah), (bw, bh)] = layout.extents();
    let view_a = rec.texture((aw, ah, 0));
    let view_b = rec.texture((bw, bh, 1));
    for (src, view, transposed, rows, cols, off, ld, (w, h)) in [
        (
            a,
            &view_a,
            trans_a,
            gemm.m,
            gemm.k,
            gemm.a_off,
            gemm.lda,
            (aw, ah),
        ),
        (
            b,
            &view_b,
            trans_b,
            gemm.k,
            gemm.n,
            gemm.b_off,
            gemm.ldb,
            (bw, bh),
        ),
    ] {
        let kernel = kernels::pack_texture(transposed, class);
        let groups = kernel.grid.for_output(MatmulProblem { m: h, n: w, k: 1 });
        let params = uniform(rec.device, &[rows, cols, off, ld, h, w, 0, 0]);
        let bytes = 4.0 * rows as f64 * cols as f64 + 16.0 * w as f64 * h as f64;
        rec.push_resources(
            kernel,
            vec![
                src.as_entire_binding(),
                wgpu::BindingResource::TextureView(view),
                params.as_entire_binding(),
            ],
            groups,
            0.0,
            bytes,
        );
    }
    let kernel = kernels::matmul_texture(variant, layout.cfg);
    let problem = MatmulProblem {
        m: gemm.m,
        n: gemm.n,
        k: gemm.k,
    };
    let groups = kernel.grid.for_output(MatmulProblem {
        m: layout.mp,
        n: layout.np,
        k: 1,
    });
    let dims = uniform(rec.device, &[gemm.m, gemm.n, gemm.k, layout.kp, 0, 0, 0, 0]);
    let epilogue = uniform(rec.device, &[gemm.ldc, gemm.c_off, 0, 0]);
    let bytes = 16.0 * (aw as f64 * ah as f64 + bw as f64 * bh as f64)
        + 4.0 * gemm.m as f64 * gemm.n as f64;
    rec.push_resources(
        kernel,
        vec![
            wgpu::BindingResource::TextureView(&view_a),
            wgpu::BindingResource::TextureView(&view_b),
            c.as_entire_binding(),
            dims.as_entire_binding(),
            epilogue.as_entire_binding(),
            bias.as_entire_binding(),
        ],
        groups,
        problem.flops(),
        bytes,
    );
}
