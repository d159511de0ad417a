//! Which adapter a command runs on. Pure logic over descriptions, so it is tested without a GPU.

use crate::cluster::SlurmEnv;
use crate::error::FlopcostError;

use super::slurm_gpus::{cpu_adapter_note, slurm_adapter};
use crate::model::{AdapterDescription, AdapterRequest};

#[derive(Debug, Clone, PartialEq)]
pub struct AdapterChoice {
    pub index: usize,
    /// One sentence saying why this adapter, for the report's header.
    pub reason: String,
}

/// The adapter `request` names, else the one Slurm's variables give this task, else the most
/// capable.
pub fn choose_adapter(
    adapters: &[AdapterDescription],
    request: &AdapterRequest,
    slurm: &SlurmEnv,
) -> Result<AdapterChoice, FlopcostError> {
    if adapters.is_empty() {
        return Err(FlopcostError::NoAdapter(
            "no graphics adapter found: install a Vulkan driver for your GPU (on Debian without a \
             GPU, `apt-get install mesa-vulkan-drivers` gives the lavapipe CPU driver), or check \
             --backend / WGPU_BACKEND"
                .to_string(),
        ));
    }
    if let Some(wanted) = &request.adapter {
        return pick_requested(adapters, wanted, request.adapter_origin);
    }
    if let Some(choice) = slurm_adapter(adapters, slurm)? {
        return Ok(choice);
    }
    let best = adapters
        .iter()
        .min_by_key(|a| {
            (
                type_rank(&a.device_type, request.low_power),
                backend_rank(&a.backend),
                a.index,
            )
        })
        .expect("list is not empty");
    let mut reason = match best.device_type.as_str() {
        "cpu" => "no GPU adapter found, so the CPU software adapter is used".to_string(),
        kind => format!("the most capable adapter found ({kind} GPU)"),
    };
    if request.low_power {
        reason.push_str(", WGPU_POWER_PREF=low preferring integrated GPUs");
    }
    if best.device_type == "cpu" {
        reason.push_str(&cpu_adapter_note(slurm));
    }
    Ok(AdapterChoice {
        index: best.index,
        reason,
    })
}

fn pick_requested(
    adapters: &[AdapterDescription],
    wanted: &str,
    origin: &str,
) -> Result<AdapterChoice, FlopcostError> {
    let available = || {
        adapters
            .iter()
            .map(|a| format!("{}: {} ({})", a.index, a.name, a.backend))
            .collect::<Vec<_>>()
            .join("; ")
    };
    if let Ok(index) = wanted.trim().parse::<usize>() {
        return match adapters.iter().find(|a| a.index == index) {
            Some(a) => Ok(AdapterChoice {
                index: a.index,
                reason: format!("chosen by {origin} {index}"),
            }),
            None => Err(FlopcostError::NoAdapter(format!(
                "{origin} {index}: there is no adapter with that index; available: {}",
                available()
            ))),
        };
    }
    let needle = wanted.to_lowercase();
    let matching: Vec<&AdapterDescription> = adapters
        .iter()
        .filter(|a| a.name.to_lowercase().contains(&needle))
        .collect();
    match matching.as_slice() {
        [] => Err(FlopcostError::NoAdapter(format!(
            "{origin} '{wanted}' matches no adapter name; available: {}",
            available()
        ))),
        // Several backends often expose the same GPU: prefer the better-ranked backend.
        many => {
            let best = many
                .iter()
                .min_by_key(|a| (backend_rank(&a.backend), a.index))
                .expect("not empty");
            Ok(AdapterChoice {
                index: best.index,
                reason: format!("chosen by {origin} '{wanted}'"),
            })
        }
    }
}

fn type_rank(device_type: &str, low_power: bool) -> u8 {
    match (device_type, low_power) {
        ("discrete", false) | ("integrated", true) => 0,
        ("integrated", false) | ("discrete", true) => 1,
        ("virtual", _) => 2,
        ("other", _) => 3,
        _ => 4, // cpu: only when nothing else exists
    }
}

/// GL lacks timestamp queries and compute features that the native APIs have.
fn backend_rank(backend: &str) -> u8 {
    match backend {
        "vulkan" | "metal" | "dx12" => 0,
        _ => 1,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{AdapterFeatures, MatmulLimits};

    fn adapter(index: usize, name: &str, device_type: &str, backend: &str) -> AdapterDescription {
        AdapterDescription {
            index,
            name: name.to_string(),
            backend: backend.to_string(),
            device_type: device_type.to_string(),
            driver: String::new(),
            driver_info: String::new(),
            vendor_id: 0,
            device_id: 0,
            pci_bus_id: String::new(),
            features: AdapterFeatures {
                timestamp_query: true,
                timestamp_query_inside_passes: false,
                shader_f16: false,
                subgroup: false,
                subgroup_min_size: 0,
                subgroup_max_size: 0,
                cooperative_matrix: false,
                cooperative_matrix_shapes: vec![],
            },
            limits: MatmulLimits {
                max_buffer_size: 1 << 30,
                max_storage_buffer_binding_size: 1 << 30,
                max_compute_workgroup_storage_size: 32768,
                max_compute_invocations_per_workgroup: 1024,
                max_compute_workgroup_size_x: 1024,
                max_compute_workgroup_size_y: 1024,
                max_compute_workgroups_per_dimension: 65535,
                max_texture_dimension_2d: 8192,
            },
        }
    }

    fn machine() -> Vec<AdapterDescription> {
        vec![
            adapter(0, "llvmpipe (LLVM 15)", "cpu", "vulkan"),
            adapter(1, "Intel Iris Xe", "integrated", "vulkan"),
            adapter(2, "NVIDIA H200", "discrete", "gl"),
            adapter(3, "NVIDIA H200", "discrete", "vulkan"),
        ]
    }

    #[test]
    fn prefers_discrete_on_a_native_backend() {
        let choice =
            choose_adapter(&machine(), &AdapterRequest::default(), &SlurmEnv::default()).unwrap();
        assert_eq!(choice.index, 3);
    }

    #[test]
    fn low_power_prefers_integrated() {
        let request = AdapterRequest {
            low_power: true,
            ..Default::default()
        };
        assert_eq!(
            choose_adapter(&machine(), &request, &SlurmEnv::default())
                .unwrap()
                .index,
            1
        );
    }

    #[test]
    fn cpu_adapter_only_when_nothing_else() {
        let only_cpu = vec![adapter(0, "llvmpipe", "cpu", "vulkan")];
        let choice =
            choose_adapter(&only_cpu, &AdapterRequest::default(), &SlurmEnv::default()).unwrap();
        assert_eq!(choice.index, 0);
        assert!(choice.reason.contains("CPU software adapter"));
    }

    #[test]
    fn by_index_and_by_name() {
        let by_index = AdapterRequest {
            adapter: Some("1".into()),
            adapter_origin: "--adapter",
            ..Default::default()
        };
        assert_eq!(
            choose_adapter(&machine(), &by_index, &SlurmEnv::default())
                .unwrap()
                .index,
            1
        );
        let by_name = AdapterRequest {
            adapter: Some("h200".into()),
            ..by_index.clone()
        };
        assert_eq!(
            choose_adapter(&machine(), &by_name, &SlurmEnv::default())
                .unwrap()
                .index,
            3
        );
    }

    #[test]
    fn unknown_requests_name_the_choices() {
        let request = AdapterRequest {
            adapter: Some("radeon".into()),
            adapter_origin: "--adapter",
            ..Default::default()
        };
        let err = choose_adapter(&machine(), &request, &SlurmEnv::default()).unwrap_err();
        assert!(err.to_string().contains("matches no adapter"));
        assert!(err.to_string().contains("NVIDIA H200"));
        assert_eq!(err.exit_code(), 3);
        let request = AdapterRequest {
            adapter: Some("9".into()),
            ..request
        };
        assert!(choose_adapter(&machine(), &request, &SlurmEnv::default())
            .unwrap_err()
            .to_string()
            .contains("no adapter with that index"));
    }

    fn rank(local: u32) -> SlurmEnv {
        SlurmEnv {
            rank: Some(crate::cluster::SlurmRank {
                global: local,
                local,
            }),
            ..SlurmEnv::default()
        }
    }

    #[test]
    fn slurm_tasks_sharing_the_cpu_adapter_are_told_so() {
        let only_cpu = vec![adapter(0, "llvmpipe", "cpu", "vulkan")];
        let request = AdapterRequest::default();
        let sharing = SlurmEnv {
            node_tasks: Some(2),
            ..rank(1)
        };
        let choice = choose_adapter(&only_cpu, &request, &sharing).unwrap();
        assert_eq!(choice.index, 0);
        assert!(choice.reason.contains("2 Slurm tasks"), "{}", choice.reason);
        // Slurm handed it a GPU that wgpu cannot see: said, not hidden.
        let mut bound = sharing.clone();
        bound.gpu_vars = vec![("CUDA_VISIBLE_DEVICES", "1".into())];
        let choice = choose_adapter(&only_cpu, &request, &bound).unwrap();
        assert!(
            choice.reason.contains("CUDA_VISIBLE_DEVICES=1"),
            "{}",
            choice.reason
        );
        assert!(choice.reason.contains("Vulkan driver"), "{}", choice.reason);
    }

    #[test]
    fn slurm_local_rank_picks_the_gpu_and_says_so() {
        let mut node = machine();
        node.push(adapter(4, "NVIDIA H200", "discrete", "vulkan"));
        // Vulkan sees three GPUs (1, 3, 4); rank 2 takes the third.
        let request = AdapterRequest::default();
        let choice = choose_adapter(&node, &request, &rank(2)).unwrap();
        assert_eq!(choice.index, 4);
        assert!(choice.reason.contains("Slurm local rank 2"));
        assert_eq!(
            choose_adapter(&node, &request, &rank(5))
                .unwrap_err()
                .exit_code(),
            3
        );
        // --adapter still wins over the rank.
        let explicit = AdapterRequest {
            adapter: Some("1".into()),
            adapter_origin: "--adapter",
            ..Default::default()
        };
        assert_eq!(choose_adapter(&node, &explicit, &rank(1)).unwrap().index, 1);
    }

    #[test]
    fn no_adapter_names_the_fix() {
        let err =
            choose_adapter(&[], &AdapterRequest::default(), &SlurmEnv::default()).unwrap_err();
        assert!(err.to_string().contains("mesa-vulkan-drivers"));
        assert_eq!(err.exit_code(), 3);
    }
}
