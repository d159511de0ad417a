//! GPU timestamp queries around compute passes.

use std::time::Duration;

use crate::error::FlopcostError;

use super::context::GpuContext;
use super::readback::read_buffer;

/// Holds `capacity` begin/end timestamp pairs, one pair per timed compute pass, so a batch of
/// runs can be recorded in one submission and read back together.
pub struct TimestampTimer {
    query_set: wgpu::QuerySet,
    resolve: wgpu::Buffer,
    capacity: u32,
    /// Nanoseconds per timestamp tick, from the queue.
    period_ns: f64,
}

impl TimestampTimer {
    /// `None` when the device was opened without `TIMESTAMP_QUERY`.
    pub fn new(ctx: &GpuContext, capacity: u32) -> Option<TimestampTimer> {
        if !ctx.has_timestamps() || capacity == 0 {
            return None;
        }
        let query_set = ctx.device.create_query_set(&wgpu::QuerySetDescriptor {
            label: Some("timestamps"),
            ty: wgpu::QueryType::Timestamp,
            count: capacity * 2,
        });
        let resolve = ctx.device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("timestamp resolve"),
            size: capacity as u64 * 2 * 8,
            usage: wgpu::BufferUsages::QUERY_RESOLVE | wgpu::BufferUsages::COPY_SRC,
            mapped_at_creation: false,
        });
        Some(TimestampTimer {
            query_set,
            resolve,
            capacity,
            period_ns: ctx.queue.get_timestamp_period() as f64,
        })
    }

    pub fn capacity(&self) -> u32 {
        self.capacity
    }

    /// The timestamp writes for the pass that is run number `slot` of the batch.
    pub fn pass_writes(&self, slot: u32) -> wgpu::ComputePassTimestampWrites<'_> {
        assert!(slot < self.capacity, "timestamp slot out of range");
        wgpu::ComputePassTimestampWrites {
            query_set: &self.query_set,
            beginning_of_pass_write_index: Some(slot * 2),
            end_of_pass_write_index: Some(slot * 2 + 1),
        }
    }

    /// Records the resolve of the first `count` pairs; call after the passes, in the same encoder.
    pub fn resolve(&self, encoder: &mut wgpu::CommandEncoder, count: u32) {
        encoder.resolve_query_set(&self.query_set, 0..count * 2, &self.resolve, 0);
    }

    /// Seconds each of the first `count` passes took on the GPU.
    pub fn read_seconds(
        &self,
        ctx: &GpuContext,
        count: u32,
        timeout: Duration,
    ) -> Result<Vec<f64>, FlopcostError> {
        let bytes = read_buffer(ctx, &self.resolve, count as u64 * 16, timeout)?;
        // The mapped bytes carry no alignment guarantee, so copy rather than cast in place.
        let ticks: Vec<u64> = bytemuck::pod_collect_to_vec(&bytes);
        Ok(ticks
            .chunks_exact(2)
            .map(|pair| pair[1].wrapping_sub(pair[0]) as f64 * self.period_ns * 1e-9)
            .collect())
    }
}
