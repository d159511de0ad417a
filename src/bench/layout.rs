//! Putting A and B on the device in the layout a kernel reads: as generated, or copied by a
//! pack pass into zero-padded vec4 buffers or textures, with that copy timed on its own.

use std::time::{Duration, Instant};

use crate::error::FlopcostError;
use crate::gpu::GpuContext;
use crate::kernels::{pack_pass, InputLayout, MatmulKernel, PACK_WORKGROUP};
use crate::model::Dtype;

use super::inputs::MatmulInputs;

/// A or B as a kernel binds it.
pub enum DeviceMatrix {
    Buffer(wgpu::Buffer),
    Texture(wgpu::TextureView),
}

impl DeviceMatrix {
    pub fn binding(&self) -> wgpu::BindingResource<'_> {
        match self {
            DeviceMatrix::Buffer(b) => b.as_entire_binding(),
            DeviceMatrix::Texture(v) => wgpu::BindingResource::TextureView(v),
        }
    }
}

pub struct DeviceInputs {
    pub a: DeviceMatrix,
    pub b: DeviceMatrix,
    /// Wall seconds of the pack pass, submit to completion, for layouts that need one.
    pub layout_copy_s: Option<f64>,
}

fn storage_buffer(ctx: &GpuContext, label: &str, data: &[f32]) -> wgpu::Buffer {
    let buffer = ctx.device.create_buffer(&wgpu::BufferDescriptor {
        label: Some(label),
        size: (data.len() as u64 * 4).max(4),
        usage: wgpu::BufferUsages::STORAGE | wgpu::BufferUsages::COPY_DST,
        mapped_at_creation: false,
    });
    ctx.queue
        .write_buffer(&buffer, 0, bytemuck::cast_slice(data));
    buffer
}

/// Uploads `inputs` for `kernel`. Call inside an error scope: allocation can fail.
pub fn upload(
    ctx: &GpuContext,
    kernel: &MatmulKernel,
    inputs: &MatmulInputs,
    timeout: Duration,
) -> Result<DeviceInputs, FlopcostError> {
    let a = storage_buffer(ctx, "A", &inputs.a);
    let b = storage_buffer(ctx, "B", &inputs.b);
    let Some(pass) = pack_pass(kernel) else {
        return Ok(DeviceInputs {
            a: DeviceMatrix::Buffer(a),
            b: DeviceMatrix::Buffer(b),
            layout_copy_s: None,
        });
    };
    let p = inputs.problem;
    let (shape_a, shape_b) = kernel.padded_shapes(&p);
    let jobs = [(&a, p.m, p.k, shape_a), (&b, p.k, p.n, shape_b)];
    let pipeline = ctx.compute_pipeline("pack", pass.source, pass.entry_point, &[]);

    let mut outputs = Vec::new();
    let mut bind_groups = Vec::new();
    for (src, rows, cols, (dst_rows, dst_cols)) in jobs {
        let dims = ctx.device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("pack dims"),
            size: 16,
            usage: wgpu::BufferUsages::UNIFORM | wgpu::BufferUsages::COPY_DST,
            mapped_at_creation: false,
        });
        let cols4 = (dst_cols / 4) as u32;
        ctx.queue.write_buffer(
            &dims,
            0,
            bytemuck::cast_slice(&[rows, cols, dst_rows as u32, cols4]),
        );
        let dst = if kernel.input == InputLayout::Texture {
            let texture = ctx.device.create_texture(&wgpu::TextureDescriptor {
                label: Some("packed"),
                size: wgpu::Extent3d {
                    width: cols4,
                    height: dst_rows as u32,
                    depth_or_array_layers: 1,
                },
                mip_level_count: 1,
                sample_count: 1,
                dimension: wgpu::TextureDimension::D2,
                format: match kernel.dtype {
                    Dtype::F32 => wgpu::TextureFormat::Rgba32Float,
                    Dtype::F16 => wgpu::TextureFormat::Rgba16Float,
                },
                usage: wgpu::TextureUsages::STORAGE_BINDING | wgpu::TextureUsages::TEXTURE_BINDING,
                view_formats: &[],
            });
            DeviceMatrix::Texture(texture.create_view(&Default::default()))
        } else {
            let bytes_per_value = if kernel.dtype == Dtype::F16 { 2 } else { 4 };
            DeviceMatrix::Buffer(ctx.device.create_buffer(&wgpu::BufferDescriptor {
                label: Some("packed"),
                size: dst_rows * dst_cols * bytes_per_value,
                usage: wgpu::BufferUsages::STORAGE,
                mapped_at_creation: false,
            }))
        };
        bind_groups.push((
            ctx.bind_group(
                &pipeline,
                &[
                    (0, src.as_entire_binding()),
                    (1, dims.as_entire_binding()),
                    (pass.dst_binding, dst.binding()),
                ],
            ),
            (
                cols4.div_ceil(PACK_WORKGROUP),
                (dst_rows as u32).div_ceil(PACK_WORKGROUP),
            ),
        ));
        outputs.push(dst);
    }

    // Timed by the wall clock from submit to completion: one pass cannot be cross-checked the
    // way the timed runs are, and lavapipe's timestamps were seen to under-count such passes.
    let mut encoder = ctx
        .device
        .create_command_encoder(&wgpu::CommandEncoderDescriptor { label: None });
    {
        let mut pass = encoder.begin_compute_pass(&wgpu::ComputePassDescriptor {
            label: Some("pack"),
            timestamp_writes: None,
        });
        pass.set_pipeline(&pipeline);
        for (group, (x, y)) in &bind_groups {
            pass.set_bind_group(0, group, &[]);
            pass.dispatch_workgroups(*x, *y, 1);
        }
    }
    let start = Instant::now();
    let submission = ctx.queue.submit([encoder.finish()]);
    ctx.wait(submission, timeout)?;
    let copy_s = start.elapsed().as_secs_f64();
    let mut outputs = outputs.into_iter();
    Ok(DeviceInputs {
        a: outputs.next().expect("two outputs"),
        b: outputs.next().expect("two outputs"),
        layout_copy_s: Some(copy_s),
    })
}
