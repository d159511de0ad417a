//! The training step on the GPU: every buffer allocated once from a [`StepPlan`], every bind
//! group built once, and one step (forward, backward, AdamW) recorded into one command buffer,
//! so it runs without a host round-trip inside it. Functions take `&wgpu::Device` and
//! `&wgpu::Queue`, like wgpu's examples; the caller (the session) catches device errors.
//!
//! What the step records is `record.rs`'s, shared with the page's plan.

use std::time::Duration;

use crate::error::FlopcostError;
use crate::gpu::{read_buffer, GpuContext, TimestampTimer};
use crate::model::{Dtype, MatmulProblem};

use super::kernels::{MatmulPath, TextureLayout};

use super::config::GptConfig;
use super::kernels::{self, KernelClass, MatmulVariant, TrainKernel};
use super::launch::{storage, uniform, Pipeline};
use super::params::AdamW;
use super::plan::StepPlan;
pub(crate) use super::record::{
    f, matmul, record_forward_backward, record_update, Buffers, Gemm, Sink,
};

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

impl Buffers {
    fn new(device: &wgpu::Device, plan: &StepPlan) -> Buffers {
        Buffers::build(plan, |label, bytes| storage(device, label, bytes))
    }
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
    /// With several micro-batches: the mean of their losses into the step's loss.
    accum_loss: Option<Op>,
}

/// Records ops: finds or builds each kernel's pipeline and makes each op's uniform. The
/// Llama-style step (`train::llama::step`) records with it too.
pub(crate) struct Recorder<'a> {
    pub(crate) device: &'a wgpu::Device,
    pub(crate) pipelines: Vec<Pipeline>,
    pub(crate) ops: Vec<Op>,
    pub(crate) path: MatmulPath,
    /// The products' operands.
    pub(crate) precision: Dtype,
    pub(crate) max_texture: u32,
    /// The texture path's textures, by (width, height, slot), allocated from the plan's count.
    pub(crate) textures: Vec<((u32, u32, usize), wgpu::TextureView)>,
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

    fn precision(&self) -> Dtype {
        self.precision
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
            precision: plan.precision,
            max_texture,
            textures,
        };
        record_forward_backward(&mut rec, &plan, &buffers);
        let forward_backward = std::mem::take(&mut rec.ops);
        record_update(&mut rec, &plan, &buffers, &hyper);
        let update = std::mem::take(&mut rec.ops);
        let accum_loss = buffers.micro.as_ref().and_then(|micro| {
            rec.items(
                kernels::loss_mean(),
                &[&micro.losses, &buffers.loss],
                &[plan.accum, 0, 0, 0],
                1,
                4.0 * (plan.accum as f64 + 1.0),
            );
            rec.ops.pop()
        });
        GpuStep {
            plan,
            buffers,
            pipelines: rec.pipelines,
            forward_backward,
            update,
            hyper,
            accum_loss,
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

    /// The next step's inputs and targets: B·T each, or with micro-batches, every micro-batch's
    /// one after the other (accum · B · T each, as one batch of accum · B sequences lays them).
    pub fn set_batch(&self, queue: &wgpu::Queue, inputs: &[u32], targets: &[u32]) {
        let (tokens, targets_buffer) = match &self.buffers.micro {
            Some(micro) => (&micro.tokens, &micro.targets),
            None => (&self.buffers.tokens, &self.buffers.targets),
        };
        queue.write_buffer(tokens, 0, bytemuck::cast_slice(inputs));
        queue.write_buffer(targets_buffer, 0, bytemuck::cast_slice(targets));
    }

    /// Micro-batches one step sums the gradients of (1: no accumulation).
    pub fn accum(&self) -> u32 {
        self.plan.accum
    }

    /// The shape a step's batches are drawn at: accum · B sequences.
    pub fn batch_shape(&self) -> GptConfig {
        GptConfig {
            batch: self.config().batch * self.accum() as usize,
            ..*self.config()
        }
    }

    /// Before micro-batch `j`'s forward and backward: its tokens and targets into place, and
    /// (after the first) the summed activation gradients cleared; the parameters' gradients
    /// keep summing.
    pub fn encode_micro_start(&self, encoder: &mut wgpu::CommandEncoder, j: u32) {
        let Some(micro) = &self.buffers.micro else {
            return;
        };
        // One micro-batch's tokens: not the buffer's size, which is padded (launch::storage).
        let bytes = 4 * (self.plan.config.batch * self.plan.config.ctx) as u64;
        encoder.copy_buffer_to_buffer(
            &micro.tokens,
            j as u64 * bytes,
            &self.buffers.tokens,
            0,
            bytes,
        );
        encoder.copy_buffer_to_buffer(
            &micro.targets,
            j as u64 * bytes,
            &self.buffers.targets,
            0,
            bytes,
        );
        if j > 0 {
            for sum in self.buffers.backward_sums() {
                encoder.clear_buffer(sum, 0, None);
            }
        }
    }

    /// After micro-batch `j`: its mean loss kept for the step's.
    pub fn encode_micro_end(&self, encoder: &mut wgpu::CommandEncoder, j: u32) {
        if let Some(micro) = &self.buffers.micro {
            encoder.copy_buffer_to_buffer(&self.buffers.loss, 0, &micro.losses, j as u64 * 4, 4);
        }
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

    /// Copies this step's mean loss (with micro-batches, the mean of theirs) into slot `slot`
    /// of the loss history.
    pub fn encode_keep_loss(&self, encoder: &mut wgpu::CommandEncoder, slot: u32) {
        if let Some(op) = &self.accum_loss {
            self.encode_ops(encoder, std::slice::from_ref(op), None);
        }
        encoder.copy_buffer_to_buffer(
            &self.buffers.loss,
            0,
            &self.buffers.history,
            slot as u64 * 4,
            4,
        );
    }

    /// One whole step: zero the gradients, forward and backward on every micro-batch, AdamW,
    /// keep the loss in `slot`.
    pub fn encode_step(&self, encoder: &mut wgpu::CommandEncoder, slot: u32) {
        self.encode_zero_grads(encoder);
        for j in 0..self.accum() {
            self.encode_micro_start(encoder, j);
            self.encode_ops(encoder, &self.forward_backward, None);
            self.encode_micro_end(encoder, j);
        }
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
        read_losses(ctx, &self.buffers.history, n, timeout)
    }

    /// The flat vector (ParamLayout order) of `which`: the parameters or their gradients.
    pub fn read_flat(
        &self,
        ctx: &GpuContext,
        gradients: bool,
        timeout: Duration,
    ) -> Result<Vec<f32>, FlopcostError> {
        let source = if gradients {
            &self.buffers.grads
        } else {
            &self.buffers.params
        };
        let ranges = self.plan.pieces.iter().map(|p| p.range.clone());
        read_pieces(ctx, ranges, source, timeout)
    }

    /// Dispatches in one step, forward and backward on every micro-batch, and update.
    pub fn dispatch_count(&self) -> usize {
        self.forward_backward.len() * self.accum() as usize
            + self.update.len()
            + self.accum_loss.iter().count()
    }
}

/// The first `n` losses of a step's loss history (GPT-2's and the Llama-style step's alike).
pub(crate) fn read_losses(
    ctx: &GpuContext,
    history: &wgpu::Buffer,
    n: u32,
    timeout: Duration,
) -> Result<Vec<f32>, FlopcostError> {
    let bytes = read_buffer(ctx, history, n.max(1) as u64 * 4, timeout)?;
    Ok(bytemuck::pod_collect_to_vec(&bytes[..n as usize * 4]))
}

/// One flat vector from parameter pieces, each `range` of it read from its own buffer.
pub(crate) fn read_pieces(
    ctx: &GpuContext,
    ranges: impl Iterator<Item = std::ops::Range<usize>> + Clone,
    buffers: &[wgpu::Buffer],
    timeout: Duration,
) -> Result<Vec<f32>, FlopcostError> {
    let total = ranges.clone().map(|r| r.end).max().unwrap_or(0);
    let mut flat = vec![0f32; total];
    for (range, buffer) in ranges.zip(buffers) {
        let bytes = read_buffer(ctx, buffer, range.len() as u64 * 4, timeout)?;
        flat[range].copy_from_slice(&bytemuck::pod_collect_to_vec::<u8, f32>(&bytes));
    }
    Ok(flat)
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
