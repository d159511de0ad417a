//! The opened device: one place that requests it, and catches its errors instead of panicking.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::cluster::SlurmEnv;
use crate::error::FlopcostError;
use crate::model::{AdapterDescription, AdapterRequest, BackendChoice};
use crate::power::PowerMeter;

use super::adapters::{describe, describe_all, enumerate};
use super::select::choose_adapter;

/// Optional features flopcost's kernels and timers use, requested whenever the adapter has them.
pub const WANTED_FEATURES: wgpu::Features = wgpu::Features::TIMESTAMP_QUERY
    .union(wgpu::Features::SHADER_F16)
    .union(wgpu::Features::SUBGROUP)
    .union(wgpu::Features::EXPERIMENTAL_COOPERATIVE_MATRIX);

pub struct GpuContext {
    pub adapter: wgpu::Adapter,
    pub device: wgpu::Device,
    pub queue: wgpu::Queue,
    pub description: AdapterDescription,
    /// Why this adapter was chosen, for the report header.
    pub reason: String,
    /// Samples the adapter's power during timed runs, where the platform tells it.
    pub power: PowerMeter,
    /// Errors no error scope caught. wgpu's default handler panics; ours records them.
    uncaptured: Arc<Mutex<Vec<String>>>,
    lost: Arc<Mutex<Option<String>>>,
}

impl GpuContext {
    /// Picks the adapter the user asked for (or the best one) and opens it.
    pub fn open(
        backend: Option<BackendChoice>,
        request: &AdapterRequest,
    ) -> Result<GpuContext, FlopcostError> {
        let (_instance, adapters) = enumerate(backend);
        let descriptions = describe_all(&adapters);
        let choice = choose_adapter(&descriptions, request, &SlurmEnv::from_env())?;
        let adapter = adapters
            .into_iter()
            .nth(choice.index)
            .expect("choice is an index of the list");
        Self::with_adapter(adapter, choice.index, choice.reason)
    }

    /// Opens `adapter` with its own limits: wgpu's defaults cap buffers at 256 MiB, which would
    /// make large problems fail for no reason the hardware has.
    pub fn with_adapter(
        adapter: wgpu::Adapter,
        index: usize,
        reason: String,
    ) -> Result<GpuContext, FlopcostError> {
        let description = describe(index, &adapter);
        let features = adapter.features() & WANTED_FEATURES;
        let experimental = if features.contains(wgpu::Features::EXPERIMENTAL_COOPERATIVE_MATRIX) {
            // SAFETY: wgpu marks cooperative matrices experimental: they may be incomplete on
            // some drivers. flopcost validates every result against its f64 reference before
            // timing it, so a wrong answer is reported as a failure, never as a rate.
            unsafe { wgpu::ExperimentalFeatures::enabled() }
        } else {
            wgpu::ExperimentalFeatures::disabled()
        };
        let descriptor = wgpu::DeviceDescriptor {
            label: Some("flopcost"),
            required_features: features,
            required_limits: adapter.limits(),
            experimental_features: experimental,
            ..Default::default()
        };
        let (device, queue) =
            pollster::block_on(adapter.request_device(&descriptor)).map_err(|e| {
                FlopcostError::Device(format!(
                    "could not open adapter '{}': {e}",
                    description.name
                ))
            })?;
        let uncaptured = Arc::new(Mutex::new(Vec::new()));
        let sink = uncaptured.clone();
        device.on_uncaptured_error(Arc::new(move |error: wgpu::Error| {
            sink.lock().unwrap().push(error.to_string());
        }));
        let lost = Arc::new(Mutex::new(None));
        let lost_sink = lost.clone();
        device.set_device_lost_callback(move |reason, message| {
            *lost_sink.lock().unwrap() = Some(format!("{reason:?}: {message}"));
        });
        Ok(GpuContext {
            adapter,
            device,
            queue,
            power: PowerMeter::open(&description),
            description,
            reason,
            uncaptured,
            lost,
        })
    }

    /// Compiles `source` and builds the pipeline for its `entry` point, with the bind group
    /// layout derived from the shader. Call inside [`GpuContext::scoped`] to catch a bad shader.
    pub fn compute_pipeline(
        &self,
        label: &str,
        source: &str,
        entry: &str,
        constants: &[(&str, f64)],
    ) -> wgpu::ComputePipeline {
        let module = self
            .device
            .create_shader_module(wgpu::ShaderModuleDescriptor {
                label: Some(label),
                source: wgpu::ShaderSource::Wgsl(source.into()),
            });
        self.device
            .create_compute_pipeline(&wgpu::ComputePipelineDescriptor {
                label: Some(label),
                layout: None,
                module: &module,
                entry_point: Some(entry),
                compilation_options: wgpu::PipelineCompilationOptions {
                    constants,
                    // flopcost's shaders write their workgroup memory before reading it, so
                    // zeroing it first would only cost time.
                    zero_initialize_workgroup_memory: false,
                },
                cache: None,
            })
    }

    /// The bind group for group 0 of `pipeline`, each resource at its binding number: the one
    /// way kernels, packing passes and probes bind their buffers.
    pub fn bind_group(
        &self,
        pipeline: &wgpu::ComputePipeline,
        resources: &[(u32, wgpu::BindingResource)],
    ) -> wgpu::BindGroup {
        let entries: Vec<wgpu::BindGroupEntry> = resources
            .iter()
            .map(|(binding, resource)| wgpu::BindGroupEntry {
                binding: *binding,
                resource: resource.clone(),
            })
            .collect();
        self.device.create_bind_group(&wgpu::BindGroupDescriptor {
            label: None,
            layout: &pipeline.get_bind_group_layout(0),
            entries: &entries,
        })
    }

    pub fn has_timestamps(&self) -> bool {
        self.device
            .features()
            .contains(wgpu::Features::TIMESTAMP_QUERY)
    }

    /// Runs `f` inside a validation + out-of-memory error scope and returns what it caught,
    /// so a bad shader or an over-large buffer becomes an error message rather than a panic.
    pub fn scoped<T>(&self, f: impl FnOnce() -> T) -> Result<T, FlopcostError> {
        let oom = self.device.push_error_scope(wgpu::ErrorFilter::OutOfMemory);
        let validation = self.device.push_error_scope(wgpu::ErrorFilter::Validation);
        let value = f();
        let validation_error = pollster::block_on(validation.pop());
        let oom_error = pollster::block_on(oom.pop());
        if let Some(e) = validation_error {
            return Err(FlopcostError::Device(format!("wgpu validation error: {e}")));
        }
        if let Some(e) = oom_error {
            return Err(FlopcostError::Device(format!("device out of memory: {e}")));
        }
        self.check_health()?;
        Ok(value)
    }

    /// Blocks until `submission` finishes, or fails after `timeout` instead of hanging.
    pub fn wait(
        &self,
        submission: wgpu::SubmissionIndex,
        timeout: Duration,
    ) -> Result<(), FlopcostError> {
        let result = self.device.poll(wgpu::PollType::Wait {
            submission_index: Some(submission),
            timeout: Some(timeout),
        });
        match result {
            Ok(_) => self.check_health(),
            Err(wgpu::PollError::Timeout) => Err(FlopcostError::Device(format!(
                "device did not finish within {:.1} s",
                timeout.as_secs_f64()
            ))),
            Err(e) => {
                self.check_health()?;
                Err(FlopcostError::Device(format!(
                    "waiting for the device failed: {e}"
                )))
            }
        }
    }

    /// Reports a lost device or an error no scope caught since the last check.
    pub fn check_health(&self) -> Result<(), FlopcostError> {
        if let Some(reason) = self.lost.lock().unwrap().clone() {
            return Err(FlopcostError::Device(format!("device lost ({reason})")));
        }
        let mut errors = self.uncaptured.lock().unwrap();
        if !errors.is_empty() {
            let joined = errors.join("; ");
            errors.clear();
            return Err(FlopcostError::Device(format!("wgpu error: {joined}")));
        }
        Ok(())
    }
}
