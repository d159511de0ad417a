//! A train kernel on a device: its pipeline built with the layout its registry entry declares
//! (not one derived from the shader, which would drop a binding a variant leaves unused, such as
//! the matmul's bias), its bind groups, and one-off runs for the per-kernel checks.

use wgpu::util::DeviceExt;

use crate::error::FlopcostError;
use crate::gpu::{read_buffer, GpuContext};

use super::kernels::{Access, TrainKernel};

pub struct Pipeline {
    pub kernel: TrainKernel,
    pub pipeline: wgpu::ComputePipeline,
    layout: wgpu::BindGroupLayout,
}

impl Pipeline {
    pub fn new(device: &wgpu::Device, kernel: TrainKernel) -> Pipeline {
        let entries: Vec<wgpu::BindGroupLayoutEntry> = kernel
            .bindings
            .iter()
            .enumerate()
            .map(|(i, b)| wgpu::BindGroupLayoutEntry {
                binding: i as u32,
                visibility: wgpu::ShaderStages::COMPUTE,
                ty: match b.access {
                    Access::SampledTexture => wgpu::BindingType::Texture {
                        sample_type: wgpu::TextureSampleType::Float { filterable: false },
                        view_dimension: wgpu::TextureViewDimension::D2,
                        multisampled: false,
                    },
                    Access::StorageTexture => wgpu::BindingType::StorageTexture {
                        access: wgpu::StorageTextureAccess::WriteOnly,
                        format: wgpu::TextureFormat::Rgba32Float,
                        view_dimension: wgpu::TextureViewDimension::D2,
                    },
                    Access::StorageTextureF16 => wgpu::BindingType::StorageTexture {
                        access: wgpu::StorageTextureAccess::WriteOnly,
                        format: wgpu::TextureFormat::Rgba16Float,
                        view_dimension: wgpu::TextureViewDimension::D2,
                    },
                    Access::Uniform => wgpu::BindingType::Buffer {
                        ty: wgpu::BufferBindingType::Uniform,
                        has_dynamic_offset: false,
                        min_binding_size: None,
                    },
                    access => wgpu::BindingType::Buffer {
                        ty: wgpu::BufferBindingType::Storage {
                            read_only: access == Access::Read,
                        },
                        has_dynamic_offset: false,
                        min_binding_size: None,
                    },
                },
                count: None,
            })
            .collect();
        let layout = device.create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
            label: Some(kernel.name),
            entries: &entries,
        });
        let pipeline_layout = device.create_pipeline_layout(&wgpu::PipelineLayoutDescriptor {
            label: Some(kernel.name),
            bind_group_layouts: &[Some(&layout)],
            immediate_size: 0,
        });
        let module = device.create_shader_module(wgpu::ShaderModuleDescriptor {
            label: Some(kernel.name),
            source: wgpu::ShaderSource::Wgsl(kernel.source.clone()),
        });
        let constants = kernel.constants();
        let pipeline = device.create_compute_pipeline(&wgpu::ComputePipelineDescriptor {
            label: Some(kernel.name),
            layout: Some(&pipeline_layout),
            module: &module,
            entry_point: Some(kernel.entry_point),
            compilation_options: wgpu::PipelineCompilationOptions {
                constants: &constants,
                // Every kernel writes its workgroup memory before reading it.
                zero_initialize_workgroup_memory: false,
            },
            cache: None,
        });
        Pipeline {
            kernel,
            pipeline,
            layout,
        }
    }

    /// Binds `buffers` in binding order (whole buffers).
    pub fn bind(&self, device: &wgpu::Device, buffers: &[&wgpu::Buffer]) -> wgpu::BindGroup {
        let resources: Vec<wgpu::BindingResource> =
            buffers.iter().map(|b| b.as_entire_binding()).collect();
        self.bind_resources(device, resources)
    }

    /// Binds `resources` (buffers, texture views) in binding order.
    pub fn bind_resources(
        &self,
        device: &wgpu::Device,
        resources: Vec<wgpu::BindingResource>,
    ) -> wgpu::BindGroup {
        assert_eq!(
            resources.len(),
            self.kernel.bindings.len(),
            "{}: one resource per binding",
            self.kernel.name
        );
        let entries: Vec<wgpu::BindGroupEntry> = resources
            .into_iter()
            .enumerate()
            .map(|(i, resource)| wgpu::BindGroupEntry {
                binding: i as u32,
                resource,
            })
            .collect();
        device.create_bind_group(&wgpu::BindGroupDescriptor {
            label: Some(self.kernel.name),
            layout: &self.layout,
            entries: &entries,
        })
    }
}

/// A uniform of `words` (u32, or f32 bits), padded to the 16 bytes a uniform's size rounds to.
pub fn uniform(device: &wgpu::Device, words: &[u32]) -> wgpu::Buffer {
    let mut padded = words.to_vec();
    padded.resize(words.len().div_ceil(4).max(1) * 4, 0);
    device.create_buffer_init(&wgpu::util::BufferInitDescriptor {
        label: Some("params"),
        contents: bytemuck::cast_slice(&padded),
        usage: wgpu::BufferUsages::UNIFORM | wgpu::BufferUsages::COPY_DST,
    })
}

/// A storage buffer of `bytes`, padded to a whole 16 bytes (as the browser's are): the
/// element-wise kernels read and write four values at once, the last vec4 reaching past a length
/// that is not a multiple of 4 into this padding.
pub fn storage(device: &wgpu::Device, label: &str, bytes: u64) -> wgpu::Buffer {
    device.create_buffer(&wgpu::BufferDescriptor {
        label: Some(label),
        size: bytes.max(4).next_multiple_of(VEC4_BYTES),
        usage: wgpu::BufferUsages::STORAGE
            | wgpu::BufferUsages::COPY_DST
            | wgpu::BufferUsages::COPY_SRC,
        mapped_at_creation: false,
    })
}

/// What every storage buffer's size is a multiple of.
pub const VEC4_BYTES: u64 = 16;

/// One argument of a one-off run.
pub enum Arg {
    F32(Vec<f32>),
    U32(Vec<u32>),
    Uniform(Vec<u32>),
}

/// Runs `kernel` once on `args` (one per binding, in order) over `groups` workgroups and returns
/// the contents of its read-write bindings afterwards, in binding order: the per-kernel checks'
/// way of running one kernel alone.
pub fn run_once(
    ctx: &GpuContext,
    kernel: TrainKernel,
    args: &[Arg],
    groups: (u32, u32),
) -> Result<Vec<Vec<f32>>, FlopcostError> {
    let device = &ctx.device;
    let (pipeline, buffers) = ctx.scoped(|| {
        let pipeline = Pipeline::new(device, kernel);
        let buffers: Vec<wgpu::Buffer> = args
            .iter()
            .map(|arg| match arg {
                Arg::F32(v) => upload(ctx, bytemuck::cast_slice(v)),
                Arg::U32(v) => upload(ctx, bytemuck::cast_slice(v)),
                Arg::Uniform(words) => uniform(device, words),
            })
            .collect();
        (pipeline, buffers)
    })?;
    let refs: Vec<&wgpu::Buffer> = buffers.iter().collect();
    let bind_group = ctx.scoped(|| pipeline.bind(device, &refs))?;
    let mut encoder =
        device.create_command_encoder(&wgpu::CommandEncoderDescriptor { label: None });
    {
        let mut pass = encoder.begin_compute_pass(&wgpu::ComputePassDescriptor::default());
        pass.set_pipeline(&pipeline.pipeline);
        pass.set_bind_group(0, &bind_group, &[]);
        pass.dispatch_workgroups(groups.0, groups.1, 1);
    }
    let submission = ctx.queue.submit([encoder.finish()]);
    ctx.wait(submission, std::time::Duration::from_secs(120))?;
    let mut out = Vec::new();
    for (i, binding) in pipeline.kernel.bindings.iter().enumerate() {
        if binding.access == Access::ReadWrite {
            // The argument's own length, not the buffer's padded size.
            let size = match &args[i] {
                Arg::F32(v) => 4 * v.len().max(1) as u64,
                Arg::U32(v) => 4 * v.len().max(1) as u64,
                Arg::Uniform(_) => buffers[i].size(),
            };
            let bytes = read_buffer(ctx, &buffers[i], size, std::time::Duration::from_secs(60))?;
            out.push(bytemuck::pod_collect_to_vec(&bytes));
        }
    }
    Ok(out)
}

/// A storage buffer holding `contents`, written through the queue.
pub fn upload(ctx: &GpuContext, contents: &[u8]) -> wgpu::Buffer {
    let buffer = storage(&ctx.device, "input", contents.len() as u64);
    if !contents.is_empty() {
        ctx.queue.write_buffer(&buffer, 0, contents);
    }
    buffer
}
