//! GPT-2's training step on the GPU: its [`StepModel`] (`Gpt2`: the plan, the buffers, and
//! `record.rs`'s recording, shared with the page's plan), the [`Recorder`] every model's step
//! records its dispatches with, and the texture path's products. Running the step (encoding,
//! poisoning, reading back) is `model_step.rs`'s, the same for the Llama-style step.

use std::ops::Range;
use std::time::{Duration, Instant};

use crate::error::FlopcostError;
use crate::gpu::GpuContext;
use crate::model::{Dtype, MatmulProblem};

use super::kernels::{MatmulPath, TextureLayout};

use super::config::GptConfig;
use super::kernels::{self, KernelClass, MatmulVariant, TrainKernel};
use super::launch::{storage, uniform, Pipeline};
pub use super::model_step::{ModelStep, StepModel, StepState};
use super::plan::StepPlan;
pub(crate) use super::record::{f, matmul, record_forward_backward, Buffers, Gemm, Sink};

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

/// Records ops: finds or builds each kernel's pipeline and makes each op's uniform. The
/// Llama-style step (`train::llama::step`) records with it too.
pub struct Recorder<'a> {
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
    /// `ops`, recorded on this recorder, in one submission of their own; its wall-clock seconds
    /// from submission to completion (what the probes compare one path's dispatches by).
    pub(crate) fn time_alone(
        &self,
        ctx: &GpuContext,
        ops: &[Op],
        timeout: Duration,
    ) -> Result<f64, FlopcostError> {
        let mut encoder = ctx.device.create_command_encoder(&Default::default());
        {
            let mut pass = encoder.begin_compute_pass(&wgpu::ComputePassDescriptor::default());
            for op in ops {
                pass.set_pipeline(&self.pipelines[op.pipeline].pipeline);
                pass.set_bind_group(0, &op.bind_group, &[]);
                pass.dispatch_workgroups(op.groups.0, op.groups.1, 1);
            }
        }
        let start = Instant::now();
        let submission = ctx.queue.submit([encoder.finish()]);
        ctx.wait(submission, timeout)?;
        Ok(start.elapsed().as_secs_f64())
    }

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

/// GPT-2's blocks: its plan, its buffers (`record::Buffers`) and its recording
/// (`record::record_forward_backward`, shared with the page's plan).
pub struct Gpt2;

impl StepModel for Gpt2 {
    type Plan = StepPlan;
    type Buffers = Buffers;

    fn piece_ranges(plan: &StepPlan) -> Vec<Range<usize>> {
        plan.pieces.iter().map(|p| p.range.clone()).collect()
    }

    /// accum · B sequences.
    fn token_shape(plan: &StepPlan) -> GptConfig {
        GptConfig {
            batch: plan.config.batch * plan.accum as usize,
            ..plan.config
        }
    }

    fn accum(plan: &StepPlan) -> u32 {
        plan.accum
    }

    fn state(b: &Buffers) -> StepState<'_> {
        StepState {
            params: &b.params,
            grads: &b.grads,
            m: &b.m,
            v: &b.v,
            tokens: &b.tokens,
            targets: &b.targets,
            loss: &b.loss,
            history: &b.history,
            sums: b.backward_sums(),
            micro: b.micro.as_ref(),
        }
    }

    fn scratch(b: &Buffers) -> Vec<&wgpu::Buffer> {
        b.scratch()
    }

    fn record(rec: &mut Recorder, plan: &StepPlan, buffers: &Buffers) {
        record_forward_backward(rec, plan, buffers);
    }
}

/// GPT-2's step.
pub type GpuStep = ModelStep<Gpt2>;

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
                        format: packed_format(plan.precision),
                        usage: wgpu::TextureUsages::TEXTURE_BINDING
                            | wgpu::TextureUsages::STORAGE_BINDING,
                        view_formats: &[],
                    });
                    ((w, h, slot), texture.create_view(&Default::default()))
                })
                .collect(),
            MatmulPath::Tiled(_) | MatmulPath::Coop => Vec::new(),
        };
        let rec = Recorder {
            device,
            pipelines: Vec::new(),
            ops: Vec::new(),
            path,
            precision: plan.precision,
            max_texture,
            textures,
        };
        ModelStep::record(rec, queue, plan, buffers, params)
    }

    pub fn config(&self) -> &GptConfig {
        &self.plan.config
    }

    /// The shape a step's batches are drawn at: accum · B sequences.
    pub fn batch_shape(&self) -> GptConfig {
        self.token_shape()
    }
}

/// The texture path's packed operands: rgba32float, or rgba16float for f16 products.
pub(crate) fn packed_format(precision: Dtype) -> wgpu::TextureFormat {
    match precision {
        Dtype::F32 => wgpu::TextureFormat::Rgba32Float,
        Dtype::F16 => wgpu::TextureFormat::Rgba16Float,
    }
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
    let texel = match rec.precision {
        Dtype::F32 => 16.0,
        Dtype::F16 => 8.0,
    };
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
        let kernel = kernels::pack_texture_in(transposed, class, rec.precision);
        let groups = kernel.grid.for_output(MatmulProblem { m: h, n: w, k: 1 });
        let params = uniform(rec.device, &[rows, cols, off, ld, h, w, 0, 0]);
        let bytes = 4.0 * rows as f64 * cols as f64 + texel * w as f64 * h as f64;
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
    let kernel = kernels::matmul_texture_in(variant, layout.cfg, rec.precision);
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
    let bytes = texel * (aw as f64 * ah as f64 + bw as f64 * bh as f64)
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
