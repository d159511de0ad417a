//! What the measured run (`train::measure`) needs of a training step, so GPT-2's step and the
//! Llama-style one are warmed up, timed and profiled by the same code.

use std::time::Duration;

use crate::error::FlopcostError;
use crate::gpu::{GpuContext, TimestampTimer};

use super::config::GptConfig;
use super::model_step::{ModelStep, StepModel};
use super::params::AdamW;
use super::step::Op;

pub trait StepRunner {
    /// The shape the batches are drawn at (vocabulary, context, batch).
    fn token_shape(&self) -> GptConfig;
    fn poison(&self, queue: &wgpu::Queue);
    fn set_batch(&self, queue: &wgpu::Queue, inputs: &[u32], targets: &[u32]);
    fn set_hyper(&self, queue: &wgpu::Queue, hyper: &AdamW, t: usize);
    fn encode_zero_grads(&self, encoder: &mut wgpu::CommandEncoder);
    fn encode_ops(
        &self,
        encoder: &mut wgpu::CommandEncoder,
        ops: &[Op],
        timer: Option<(&TimestampTimer, u32)>,
    );
    fn encode_keep_loss(&self, encoder: &mut wgpu::CommandEncoder, slot: u32);
    fn dispatch_one(&self, pass: &mut wgpu::ComputePass, op: &Op);
    fn read_history(
        &self,
        ctx: &GpuContext,
        n: u32,
        timeout: Duration,
    ) -> Result<Vec<f32>, FlopcostError>;
    fn forward_backward(&self) -> &[Op];
    fn update(&self) -> &[Op];

    /// Micro-batches whose gradients one step sums before its AdamW update (nanoGPT's
    /// gradient_accumulation_steps).
    fn accum(&self) -> u32 {
        1
    }
    /// Before micro-batch `j`'s forward and backward (its tokens into place).
    fn encode_micro_start(&self, _encoder: &mut wgpu::CommandEncoder, _j: u32) {}
    /// After micro-batch `j`'s forward and backward (its loss kept).
    fn encode_micro_end(&self, _encoder: &mut wgpu::CommandEncoder, _j: u32) {}

    /// One whole step: zero the gradients, forward and backward on every micro-batch, AdamW,
    /// keep the loss in `slot`.
    fn encode_step(&self, encoder: &mut wgpu::CommandEncoder, slot: u32) {
        self.encode_zero_grads(encoder);
        for j in 0..self.accum() {
            self.encode_micro_start(encoder, j);
            self.encode_ops(encoder, self.forward_backward(), None);
            self.encode_micro_end(encoder, j);
        }
        self.encode_ops(encoder, self.update(), None);
        self.encode_keep_loss(encoder, slot);
    }

    fn dispatch_count(&self) -> usize {
        self.forward_backward().len() * self.accum() as usize + self.update().len()
    }
}

/// Every model's step runs alike (`model_step.rs`).
impl<M: StepModel> StepRunner for ModelStep<M> {
    fn token_shape(&self) -> GptConfig {
        ModelStep::token_shape(self)
    }
    fn poison(&self, queue: &wgpu::Queue) {
        ModelStep::poison(self, queue)
    }
    fn set_batch(&self, queue: &wgpu::Queue, inputs: &[u32], targets: &[u32]) {
        ModelStep::set_batch(self, queue, inputs, targets)
    }
    fn set_hyper(&self, queue: &wgpu::Queue, hyper: &AdamW, t: usize) {
        ModelStep::set_hyper(self, queue, hyper, t)
    }
    fn encode_zero_grads(&self, encoder: &mut wgpu::CommandEncoder) {
        ModelStep::encode_zero_grads(self, encoder)
    }
    fn encode_ops(
        &self,
        encoder: &mut wgpu::CommandEncoder,
        ops: &[Op],
        timer: Option<(&TimestampTimer, u32)>,
    ) {
        ModelStep::encode_ops(self, encoder, ops, timer)
    }
    fn encode_keep_loss(&self, encoder: &mut wgpu::CommandEncoder, slot: u32) {
        ModelStep::encode_keep_loss(self, encoder, slot)
    }
    fn dispatch_one(&self, pass: &mut wgpu::ComputePass, op: &Op) {
        ModelStep::dispatch_one(self, pass, op)
    }
    fn read_history(
        &self,
        ctx: &GpuContext,
        n: u32,
        timeout: Duration,
    ) -> Result<Vec<f32>, FlopcostError> {
        ModelStep::read_history(self, ctx, n, timeout)
    }
    fn forward_backward(&self) -> &[Op] {
        &self.forward_backward
    }
    fn update(&self) -> &[Op] {
        &self.update
    }
    fn accum(&self) -> u32 {
        ModelStep::accum(self)
    }
    fn encode_micro_start(&self, encoder: &mut wgpu::CommandEncoder, j: u32) {
        ModelStep::encode_micro_start(self, encoder, j)
    }
    fn encode_micro_end(&self, encoder: &mut wgpu::CommandEncoder, j: u32) {
        ModelStep::encode_micro_end(self, encoder, j)
    }
    fn dispatch_count(&self) -> usize {
        ModelStep::dispatch_count(self)
    }
}
