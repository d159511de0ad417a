//! Copying a GPU buffer back to the host.

use std::time::Duration;

use crate::error::FlopcostError;

use super::context::GpuContext;

/// Copies `size` bytes of `source` (which needs `COPY_SRC`) into host memory.
///
/// Storage buffers cannot be mapped directly, so the bytes go through a `MAP_READ` staging
/// buffer; the map completes only once the device has processed the copy, hence the wait.
pub fn read_buffer(
    ctx: &GpuContext,
    source: &wgpu::Buffer,
    size: u64,
    timeout: Duration,
) -> Result<Vec<u8>, FlopcostError> {
    let staging = ctx.device.create_buffer(&wgpu::BufferDescriptor {
        label: Some("readback"),
        size,
        usage: wgpu::BufferUsages::MAP_READ | wgpu::BufferUsages::COPY_DST,
        mapped_at_creation: false,
    });
    let mut encoder = ctx
        .device
        .create_command_encoder(&wgpu::CommandEncoderDescriptor { label: None });
    encoder.copy_buffer_to_buffer(source, 0, &staging, 0, size);
    ctx.queue.submit([encoder.finish()]);

    let slice = staging.slice(..);
    let (sender, receiver) = std::sync::mpsc::channel();
    slice.map_async(wgpu::MapMode::Read, move |result| {
        let _ = sender.send(result);
    });
    // map_async's callback fires from inside poll; waiting for "everything submitted" covers it.
    let result = ctx.device.poll(wgpu::PollType::Wait {
        submission_index: None,
        timeout: Some(timeout),
    });
    if let Err(e) = result {
        ctx.check_health()?;
        return Err(FlopcostError::Device(format!(
            "reading results back failed: {e} (waited {:.1} s)",
            timeout.as_secs_f64()
        )));
    }
    match receiver.try_recv() {
        Ok(Ok(())) => {}
        Ok(Err(e)) => {
            return Err(FlopcostError::Device(format!(
                "could not map the result buffer: {e}"
            )))
        }
        Err(_) => {
            ctx.check_health()?;
            return Err(FlopcostError::Device(
                "the result buffer was never mapped".to_string(),
            ));
        }
    }
    let bytes = slice
        .get_mapped_range()
        .map_err(|e| FlopcostError::Device(format!("could not read the result buffer: {e}")))?
        .to_vec();
    staging.unmap();
    Ok(bytes)
}
