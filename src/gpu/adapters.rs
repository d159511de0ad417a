//! Finding adapters and describing them.

use crate::model::{AdapterDescription, AdapterFeatures, BackendChoice, MatmulLimits};

/// Every adapter wgpu can see, in wgpu's order: the index is what `--adapter N` selects.
///
/// `WGPU_BACKEND` narrows the backends unless `--backend` is given, which wins.
pub fn enumerate(backend: Option<BackendChoice>) -> (wgpu::Instance, Vec<wgpu::Adapter>) {
    let mut desc = wgpu::InstanceDescriptor::new_without_display_handle_from_env();
    if let Some(choice) = backend {
        desc.backends = backends_of(choice);
    }
    let backends = desc.backends;
    let instance = wgpu::Instance::new(desc);
    let adapters = pollster::block_on(instance.enumerate_adapters(backends));
    (instance, adapters)
}

fn backends_of(choice: BackendChoice) -> wgpu::Backends {
    match choice {
        BackendChoice::Vulkan => wgpu::Backends::VULKAN,
        BackendChoice::Metal => wgpu::Backends::METAL,
        BackendChoice::Dx12 => wgpu::Backends::DX12,
        BackendChoice::Gl => wgpu::Backends::GL,
    }
}

/// Every adapter's description, indexed as `enumerate` listed them.
pub fn describe_all(adapters: &[wgpu::Adapter]) -> Vec<AdapterDescription> {
    adapters
        .iter()
        .enumerate()
        .map(|(i, a)| describe(i, a))
        .collect()
}

pub fn describe(index: usize, adapter: &wgpu::Adapter) -> AdapterDescription {
    let info = adapter.get_info();
    let features = adapter.features();
    let limits = adapter.limits();
    let coop = features.contains(wgpu::Features::EXPERIMENTAL_COOPERATIVE_MATRIX);
    let coop_shapes = if coop {
        adapter
            .cooperative_matrix_properties()
            .iter()
            .map(|p| {
                format!(
                    "{}x{}x{} {:?}->{:?}",
                    p.m_size, p.n_size, p.k_size, p.ab_type, p.cr_type
                )
                .to_lowercase()
            })
            .collect()
    } else {
        Vec::new()
    };
    AdapterDescription {
        index,
        name: info.name,
        backend: info.backend.to_str().to_string(),
        device_type: device_type_name(info.device_type).to_string(),
        driver: info.driver,
        driver_info: info.driver_info,
        vendor_id: info.vendor,
        device_id: info.device,
        pci_bus_id: info.device_pci_bus_id,
        features: AdapterFeatures {
            timestamp_query: features.contains(wgpu::Features::TIMESTAMP_QUERY),
            timestamp_query_inside_passes: features
                .contains(wgpu::Features::TIMESTAMP_QUERY_INSIDE_PASSES),
            shader_f16: features.contains(wgpu::Features::SHADER_F16),
            subgroup: features.contains(wgpu::Features::SUBGROUP),
            subgroup_min_size: info.subgroup_min_size,
            subgroup_max_size: info.subgroup_max_size,
            cooperative_matrix: coop,
            cooperative_matrix_shapes: coop_shapes,
        },
        limits: MatmulLimits {
            max_buffer_size: limits.max_buffer_size,
            max_storage_buffer_binding_size: limits.max_storage_buffer_binding_size,
            max_compute_workgroup_storage_size: limits.max_compute_workgroup_storage_size,
            max_compute_invocations_per_workgroup: limits.max_compute_invocations_per_workgroup,
            max_compute_workgroup_size_x: limits.max_compute_workgroup_size_x,
            max_compute_workgroup_size_y: limits.max_compute_workgroup_size_y,
            max_compute_workgroups_per_dimension: limits.max_compute_workgroups_per_dimension,
            max_texture_dimension_2d: limits.max_texture_dimension_2d,
        },
    }
}

fn device_type_name(t: wgpu::DeviceType) -> &'static str {
    match t {
        wgpu::DeviceType::DiscreteGpu => "discrete",
        wgpu::DeviceType::IntegratedGpu => "integrated",
        wgpu::DeviceType::VirtualGpu => "virtual",
        wgpu::DeviceType::Cpu => "cpu",
        wgpu::DeviceType::Other => "other",
    }
}
