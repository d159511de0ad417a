//! One training step on the GPU, whichever model's blocks it runs: every buffer allocated once
//! from the model's plan, every dispatch recorded once, and one step (forward, backward on
//! every micro-batch, AdamW) recorded into one command buffer, so it runs without a host
//! round-trip inside it. Functions take `&wgpu::Device` and `&wgpu::Queue`, like wgpu's
//! examples; the caller (the session) catches device errors.
//!
//! What differs per model is a [`StepModel`]: its plan, its buffers, and what its forward and
//! backward record. GPT-2's is `step::Gpt2` (`step::GpuStep`), the Llama-style one's
//! `llama::step::Llama` (`llama::step::LlamaGpuStep`); everything here is run alike for both.

use std::ops::Range;
use std::time::Duration;

use crate::error::FlopcostError;
use crate::gpu::{read_buffer, GpuContext, TimestampTimer};

use super::config::GptConfig;
use super::kernels;
use super::launch::{uniform, Pipeline};
use super::params::AdamW;
use super::record::{f, MicroBatches, Sink};
use super::record_parts;
use super::step::{Op, Recorder};

/// What a model's step has of its own: the rest of [`ModelStep`] is the same for every model.
pub trait StepModel {
    type Plan;
    type Buffers;
    /// Each parameter piece's range of the flat vector, in the order of the buffers.
    fn piece_ranges(plan: &Self::Plan) -> Vec<Range<usize>>;
    /// The shape a step's batches are drawn at (vocabulary, context, every micro-batch's
    /// sequences).
    fn token_shape(plan: &Self::Plan) -> GptConfig;
    /// Micro-batches one step sums the gradients of (1: no accumulation).
    fn accum(_plan: &Self::Plan) -> u32 {
        1
    }
    fn state(buffers: &Self::Buffers) -> StepState<'_>;
    /// Every activation and scratch gradient: what poisoning fills with NaN.
    fn scratch(buffers: &Self::Buffers) -> Vec<&wgpu::Buffer>;
    /// The forward pass, the loss and the backward pass.
    fn record(rec: &mut Recorder, plan: &Self::Plan, buffers: &Self::Buffers);
}

/// The buffers every model's step has, whatever its blocks.
pub struct StepState<'a> {
    pub params: &'a [wgpu::Buffer],
    pub grads: &'a [wgpu::Buffer],
    pub m: &'a [wgpu::Buffer],
    pub v: &'a [wgpu::Buffer],
    pub tokens: &'a wgpu::Buffer,
    pub targets: &'a wgpu::Buffer,
    pub loss: &'a wgpu::Buffer,
    pub history: &'a wgpu::Buffer,
    /// The gradient buffers the backward pass adds into besides the parameters' (the residual
    /// stream's, the final norm output's).
    pub sums: [&'a wgpu::Buffer; 2],
    /// Every micro-batch's tokens, targets and mean loss, when the step accumulates several.
    pub micro: Option<&'a MicroBatches<wgpu::Buffer>>,
}

/// A model's step: buffers, pipelines, and its dispatches recorded once.
pub struct ModelStep<M: StepModel> {
    pub plan: M::Plan,
    pub buffers: M::Buffers,
    pipelines: Vec<Pipeline>,
    /// Forward, backward (with the loss), in order.
    pub forward_backward: Vec<Op>,
    /// AdamW over every parameter piece.
    pub update: Vec<Op>,
    hyper: wgpu::Buffer,
    /// With several micro-batches: the mean of their losses into the step's loss.
    accum_loss: Option<Op>,
}

impl<M: StepModel> ModelStep<M> {
    /// Uploads `params` (the flat vector) into the plan's pieces and records with `rec`: the
    /// model's forward and backward, AdamW over every piece, and with micro-batches, the mean
    /// of their losses.
    pub(crate) fn record(
        mut rec: Recorder,
        queue: &wgpu::Queue,
        plan: M::Plan,
        buffers: M::Buffers,
        params: &[f32],
    ) -> ModelStep<M> {
        let hyper = uniform(rec.device, &[0; 8]);
        let (forward_backward, update, accum_loss) = {
            let state = M::state(&buffers);
            let ranges = M::piece_ranges(&plan);
            for (range, buffer) in ranges.iter().zip(state.params) {
                queue.write_buffer(buffer, 0, bytemuck::cast_slice(&params[range.clone()]));
            }
            M::record(&mut rec, &plan, &buffers);
            let forward_backward = std::mem::take(&mut rec.ops);
            let lens = ranges.iter().map(|r| r.len());
            let pieces = [state.params, state.grads, state.m, state.v];
            record_parts::adamw(&mut rec, lens, pieces, &hyper);
            let update = std::mem::take(&mut rec.ops);
            let accum = M::accum(&plan);
            let accum_loss = state.micro.and_then(|micro| {
                rec.items(
                    kernels::loss_mean(),
                    &[&micro.losses, state.loss],
                    &[accum, 0, 0, 0],
                    1,
                    4.0 * (accum as f64 + 1.0),
                );
                rec.ops.pop()
            });
            (forward_backward, update, accum_loss)
        };
        ModelStep {
            plan,
            buffers,
            pipelines: rec.pipelines,
            forward_backward,
            update,
            hyper,
            accum_loss,
        }
    }

    fn state(&self) -> StepState<'_> {
        M::state(&self.buffers)
    }

    /// Fills every activation and scratch gradient with NaN: a kernel that fails to write what
    /// it should leaves NaN behind, which reaches the loss.
    pub fn poison(&self, queue: &wgpu::Queue) {
        for buffer in M::scratch(&self.buffers) {
            let nan = vec![f32::NAN; (buffer.size() / 4) as usize];
            queue.write_buffer(buffer, 0, bytemuck::cast_slice(&nan));
        }
    }

    /// The next step's inputs and targets: B·T each, or with micro-batches, every micro-batch's
    /// one after the other (accum · B · T each, as one batch of accum · B sequences lays them).
    pub fn set_batch(&self, queue: &wgpu::Queue, inputs: &[u32], targets: &[u32]) {
        let state = self.state();
        let (tokens, targets_buffer) = match state.micro {
            Some(micro) => (&micro.tokens, &micro.targets),
            None => (state.tokens, state.targets),
        };
        queue.write_buffer(tokens, 0, bytemuck::cast_slice(inputs));
        queue.write_buffer(targets_buffer, 0, bytemuck::cast_slice(targets));
    }

    /// Micro-batches one step sums the gradients of (1: no accumulation).
    pub fn accum(&self) -> u32 {
        M::accum(&self.plan)
    }

    /// The shape a step's batches are drawn at.
    pub fn token_shape(&self) -> GptConfig {
        M::token_shape(&self.plan)
    }

    /// Before micro-batch `j`'s forward and backward: its tokens and targets into place, and
    /// (after the first) the summed activation gradients cleared; the parameters' gradients
    /// keep summing.
    pub fn encode_micro_start(&self, encoder: &mut wgpu::CommandEncoder, j: u32) {
        let state = self.state();
        let Some(micro) = state.micro else {
            return;
        };
        // One micro-batch's B·T tokens: not the buffer's size, which is padded (launch::storage).
        let shape = self.token_shape();
        let bytes = 4 * (shape.batch / self.accum() as usize * shape.ctx) as u64;
        encoder.copy_buffer_to_buffer(&micro.tokens, j as u64 * bytes, state.tokens, 0, bytes);
        encoder.copy_buffer_to_buffer(&micro.targets, j as u64 * bytes, state.targets, 0, bytes);
        if j > 0 {
            for sum in state.sums {
                encoder.clear_buffer(sum, 0, None);
            }
        }
    }

    /// After micro-batch `j`: its mean loss kept for the step's.
    pub fn encode_micro_end(&self, encoder: &mut wgpu::CommandEncoder, j: u32) {
        let state = self.state();
        if let Some(micro) = state.micro {
            encoder.copy_buffer_to_buffer(state.loss, 0, &micro.losses, j as u64 * 4, 4);
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
    /// buffers that are summed into.
    pub fn encode_zero_grads(&self, encoder: &mut wgpu::CommandEncoder) {
        let state = self.state();
        for g in state.grads.iter().chain(state.sums) {
            encoder.clear_buffer(g, 0, None);
        }
    }

    /// Bytes `encode_zero_grads` writes.
    pub fn zeroed_bytes(&self) -> u64 {
        let state = self.state();
        state.grads.iter().chain(state.sums).map(|g| g.size()).sum()
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
                    self.dispatch_one(&mut pass, op);
                }
            }
            Some((timer, first_slot)) => {
                for (i, op) in ops.iter().enumerate() {
                    let mut pass = encoder.begin_compute_pass(&wgpu::ComputePassDescriptor {
                        label: Some(op.kernel),
                        timestamp_writes: Some(timer.pass_writes(first_slot + i as u32)),
                    });
                    self.dispatch_one(&mut pass, op);
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
        pass.set_pipeline(&self.pipelines[op.pipeline].pipeline);
        pass.set_bind_group(0, &op.bind_group, &[]);
        pass.dispatch_workgroups(op.groups.0, op.groups.1, 1);
    }

    /// Copies this step's mean loss (with micro-batches, the mean of theirs) into slot `slot`
    /// of the loss history.
    pub fn encode_keep_loss(&self, encoder: &mut wgpu::CommandEncoder, slot: u32) {
        if let Some(op) = &self.accum_loss {
            self.encode_ops(encoder, std::slice::from_ref(op), None);
        }
        let state = self.state();
        encoder.copy_buffer_to_buffer(state.loss, 0, state.history, slot as u64 * 4, 4);
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
        read_losses(ctx, self.state().history, n, timeout)
    }

    /// The flat vector (the model's layout order) of the parameters or their gradients.
    pub fn read_flat(
        &self,
        ctx: &GpuContext,
        gradients: bool,
        timeout: Duration,
    ) -> Result<Vec<f32>, FlopcostError> {
        let state = self.state();
        let source = if gradients { state.grads } else { state.params };
        let ranges = M::piece_ranges(&self.plan).into_iter();
        read_pieces(ctx, ranges, source, timeout)
    }

    /// Dispatches in one step, forward and backward on every micro-batch, and update.
    pub fn dispatch_count(&self) -> usize {
        self.forward_backward.len() * self.accum() as usize
            + self.update.len()
            + self.accum_loss.iter().count()
    }
}

/// The first `n` losses of a step's loss history.
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
