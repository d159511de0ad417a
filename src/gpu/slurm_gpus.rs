//! Slurm hands each task its GPUs through variables that only the vendors' own runtimes read
//! (CUDA_VISIBLE_DEVICES and its kin); Vulkan ignores them and every task still sees every GPU
//! of the node. This maps them back to an adapter, so two tasks on one node never measure the
//! same GPU. Pure logic over descriptions, tested with faked adapters.

use crate::cluster::{real_gpus, SlurmEnv};
use crate::error::FlopcostError;

use super::select::AdapterChoice;
use crate::model::AdapterDescription;

/// A GPU vendor by its PCI vendor id, with the variables its runtime reads, preferred first.
struct Vendor {
    id: u32,
    name: &'static str,
    variables: &'static [&'static str],
}

const VENDORS: [Vendor; 3] = [
    Vendor {
        id: 0x10de,
        name: "NVIDIA",
        variables: &["CUDA_VISIBLE_DEVICES"],
    },
    Vendor {
        id: 0x1002,
        name: "AMD",
        variables: &["ROCR_VISIBLE_DEVICES", "HIP_VISIBLE_DEVICES"],
    },
    Vendor {
        id: 0x8086,
        name: "Intel",
        variables: &["ZE_AFFINITY_MASK"],
    },
];

/// Set by Slurm whatever the vendor: OpenCL's ordinal, and Slurm's own list of the step's GPUs.
const ANY_VENDOR: [&str; 2] = ["GPU_DEVICE_ORDINAL", "SLURM_STEP_GPUS"];

/// The adapter Slurm gave this task, or `None` when Slurm says nothing about GPUs (not a Slurm
/// task, or a node with no GPU adapter, where the caller says the tasks share the CPU one).
/// Outside Slurm the variables are left alone: someone's CUDA_VISIBLE_DEVICES set for CUDA
/// programs does not change which adapter flopcost picks.
pub fn slurm_adapter(
    adapters: &[AdapterDescription],
    slurm: &SlurmEnv,
) -> Result<Option<AdapterChoice>, FlopcostError> {
    let gpus = real_gpus(adapters);
    let Some(rank) = slurm.rank else {
        return Ok(None);
    };
    if gpus.is_empty() {
        return Ok(None);
    }
    match binding_variable(&gpus, slurm) {
        Some(binding) => by_variable(&binding, slurm).map(Some),
        None => by_local_rank(&gpus, rank.local, slurm.node_tasks).map(Some),
    }
}

/// What a Slurm task on the CPU adapter must know: that the node's tasks share its cores, and
/// that a GPU Slurm gave it is not visible to wgpu (most often: no Vulkan driver for it).
pub fn cpu_adapter_note(slurm: &SlurmEnv) -> String {
    if slurm.rank.is_none() {
        return String::new();
    }
    let mut note = String::new();
    if let Some(tasks) = slurm.node_tasks.filter(|&t| t > 1) {
        note.push_str(&format!(
            "; the {tasks} Slurm tasks on this node all run on it, so each measures a share of \
             the same CPU cores"
        ));
    }
    if let Some((variable, value)) = slurm.gpu_vars.first() {
        note.push_str(&format!(
            "; Slurm gave this task GPU {value} ({variable}={value}), but wgpu sees no GPU \
             adapter: is the GPU's Vulkan driver installed? (`flopcost devices`)"
        ));
    }
    note
}

/// The variable that binds this task: the GPUs' vendor's own first, then the vendor-neutral ones.
struct Binding<'a> {
    variable: &'static str,
    value: &'a str,
    vendor: &'static str,
    /// The adapters the variable's numbers count.
    candidates: Vec<&'a AdapterDescription>,
}

fn binding_variable<'a>(
    gpus: &[&'a AdapterDescription],
    slurm: &'a SlurmEnv,
) -> Option<Binding<'a>> {
    for vendor in &VENDORS {
        let candidates: Vec<&AdapterDescription> = gpus
            .iter()
            .copied()
            .filter(|a| a.vendor_id == vendor.id)
            .collect();
        if candidates.is_empty() {
            continue;
        }
        for &variable in vendor.variables {
            if let Some(value) = slurm.gpu_var(variable) {
                return Some(Binding {
                    variable,
                    value,
                    vendor: vendor.name,
                    candidates,
                });
            }
        }
    }
    ANY_VENDOR.iter().find_map(|&variable| {
        Some(Binding {
            variable,
            value: slurm.gpu_var(variable)?,
            vendor: "GPU",
            candidates: gpus.to_vec(),
        })
    })
}

fn by_variable(binding: &Binding, slurm: &SlurmEnv) -> Result<AdapterChoice, FlopcostError> {
    let Binding {
        variable,
        value,
        vendor,
        ..
    } = binding;
    let ids = parse_ids(variable, value)?;
    if let (Some(tasks), Some(gpus)) = (slurm.node_tasks, slurm.gpus_on_node) {
        if tasks > gpus {
            return Err(FlopcostError::NoAdapter(format!(
                "Slurm runs {tasks} tasks on this node but gives them {gpus} GPUs, so some tasks \
                 would measure the same GPU; start at most {gpus} tasks per node, or ask for \
                 --gpus-per-task=1"
            )));
        }
    }
    // One number: Slurm bound this task to that GPU. Several: the node's tasks share the list,
    // and each takes the entry at its local rank, as CUDA programs under Slurm do.
    let local = slurm.rank.map_or(0, |r| r.local as usize);
    let (position, which) = match ids.len() {
        1 => (0, String::new()),
        n if local < n => (local, format!(", the entry of local rank {local}")),
        n => {
            return Err(FlopcostError::NoAdapter(format!(
                "{variable}={value} lists {n} GPUs but this task is local rank {local}: this \
                 node runs more tasks than the GPUs it lists; start at most {n} tasks per node, \
                 or ask for --gpus-per-task=1"
            )))
        }
    };
    let id = ids[position];
    let (ordered, order) = in_slurm_order(&binding.candidates);
    let (adapter, visible) = if let Some(adapter) = ordered.get(id) {
        (adapter, "")
    } else if ordered.len() == ids.len() {
        // Slurm's device constraint left only this task's GPUs visible, renumbered from 0.
        (
            &ordered[position],
            "; only the task's own GPUs are visible here",
        )
    } else {
        let backend = ordered.first().map_or("", |a| a.backend.as_str());
        return Err(FlopcostError::NoAdapter(format!(
            "{variable}={value} names GPU {id}, but {backend} shows {} {vendor} adapter(s) on this \
             node; check the node's gres.conf, or give --adapter (see `flopcost devices`)",
            ordered.len()
        )));
    };
    let bus = if adapter.pci_bus_id.is_empty() {
        String::new()
    } else {
        format!(" (this one at {})", adapter.pci_bus_id)
    };
    Ok(AdapterChoice {
        index: adapter.index,
        reason: format!(
            "Slurm's {variable}={value} gives this task {vendor} GPU {id}{which}, counted {order}\
             {bus}{visible}"
        ),
    })
}

/// The numbers of a GPU list: `0,2`, or ZE_AFFINITY_MASK's `device.subdevice` (`1.0`).
fn parse_ids(variable: &str, value: &str) -> Result<Vec<usize>, FlopcostError> {
    value
        .split(',')
        .map(|entry| {
            let entry = entry.trim();
            let device = entry.split('.').next().unwrap_or(entry);
            device.parse::<usize>().map_err(|_| {
                let what = if entry.starts_with("GPU-") || entry.starts_with("MIG-") {
                    "names a GPU by UUID, which wgpu does not report".to_string()
                } else {
                    format!("'{entry}' is not a GPU number")
                };
                FlopcostError::NoAdapter(format!(
                    "{variable}={value}: {what}; give --adapter N instead (see `flopcost devices`)"
                ))
            })
        })
        .collect()
}

/// Slurm numbers a node's GPUs by their device files, which follow the PCI bus; where the backend
/// reports no bus id, its own order is the best guess left, and the reason says so.
fn in_slurm_order<'a>(
    candidates: &[&'a AdapterDescription],
) -> (Vec<&'a AdapterDescription>, String) {
    let mut ordered = candidates.to_vec();
    if ordered.iter().all(|a| !a.pci_bus_id.is_empty()) {
        ordered.sort_by(|a, b| a.pci_bus_id.cmp(&b.pci_bus_id));
        return (ordered, "by PCI bus id".to_string());
    }
    let backend = ordered.first().map_or("", |a| a.backend.as_str());
    let order = format!("by index among these adapters ({backend} reports no PCI bus id)");
    (ordered, order)
}

/// No GPU variable: the task's local rank picks the node's GPU of that number.
fn by_local_rank(
    gpus: &[&AdapterDescription],
    local: u32,
    node_tasks: Option<u32>,
) -> Result<AdapterChoice, FlopcostError> {
    let count = gpus.len();
    let tasks = node_tasks.unwrap_or(local + 1);
    match gpus.get(local as usize) {
        Some(gpu) if tasks as usize <= count => Ok(AdapterChoice {
            index: gpu.index,
            reason: format!(
                "Slurm local rank {local} takes this node's GPU number {local} (no GPU variable \
                 is set)"
            ),
        }),
        _ => Err(FlopcostError::NoAdapter(format!(
            "Slurm runs {tasks} tasks on this node but it has {count} GPU adapter(s), so some \
             tasks would measure the same GPU; start at most {count} tasks per node, or give \
             --adapter"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::SlurmRank;

    fn gpu(index: usize, vendor_id: u32, bus: &str) -> AdapterDescription {
        let mut a: AdapterDescription =
            serde_json::from_str(include_str!("../../tests/fixtures/adapter.json")).unwrap();
        a.index = index;
        a.vendor_id = vendor_id;
        a.pci_bus_id = bus.to_string();
        a
    }

    fn task(local: u32, node_tasks: u32, vars: &[(&'static str, &str)]) -> SlurmEnv {
        SlurmEnv {
            rank: Some(SlurmRank {
                global: local,
                local,
            }),
            step_tasks: Some(node_tasks),
            node_tasks: Some(node_tasks),
            gpu_vars: vars.iter().map(|&(n, v)| (n, v.to_string())).collect(),
            ..SlurmEnv::default()
        }
    }

    fn chosen(adapters: &[AdapterDescription], slurm: &SlurmEnv) -> (usize, String) {
        let choice = slurm_adapter(adapters, slurm).unwrap().unwrap();
        (choice.index, choice.reason)
    }

    const NVIDIA: u32 = 0x10de;
    const AMD: u32 = 0x1002;
    const INTEL: u32 = 0x8086;

    #[test]
    fn nvidia_variables_pick_by_pci_bus_order() {
        // Vulkan lists the GPUs out of bus order; Slurm's GPU 1 is the second on the bus.
        let node = vec![
            gpu(0, NVIDIA, "0000:c1:00.0"),
            gpu(1, NVIDIA, "0000:41:00.0"),
            gpu(2, NVIDIA, "0000:81:00.0"),
        ];
        let vars = [
            ("CUDA_VISIBLE_DEVICES", "1"),
            ("GPU_DEVICE_ORDINAL", "1"),
            ("SLURM_STEP_GPUS", "1"),
        ];
        let (index, reason) = chosen(&node, &task(1, 3, &vars));
        assert_eq!(index, 2);
        assert!(reason.contains("CUDA_VISIBLE_DEVICES=1"), "{reason}");
        assert!(reason.contains("by PCI bus id"), "{reason}");
        assert!(reason.contains("0000:81:00.0"), "{reason}");
    }

    #[test]
    fn amd_variables_without_bus_ids_count_among_the_vendors_adapters() {
        // An Intel iGPU listed first does not shift the AMD GPUs' numbers.
        let node = vec![gpu(0, INTEL, ""), gpu(1, AMD, ""), gpu(2, AMD, "")];
        let vars = [("ROCR_VISIBLE_DEVICES", "1"), ("GPU_DEVICE_ORDINAL", "1")];
        let (index, reason) = chosen(&node, &task(0, 1, &vars));
        assert_eq!(index, 2);
        assert!(reason.contains("AMD GPU 1"), "{reason}");
        assert!(reason.contains("reports no PCI bus id"), "{reason}");
        // HIP_VISIBLE_DEVICES when ROCR's is not set.
        let hip = [("HIP_VISIBLE_DEVICES", "0")];
        assert_eq!(chosen(&node, &task(0, 1, &hip)).0, 1);
    }

    #[test]
    fn intel_affinity_mask_takes_the_device_of_device_dot_tile() {
        let node = vec![gpu(0, INTEL, "0000:3a:00.0"), gpu(1, INTEL, "0000:9a:00.0")];
        let vars = [("ZE_AFFINITY_MASK", "1.0"), ("GPU_DEVICE_ORDINAL", "1")];
        let (index, reason) = chosen(&node, &task(1, 2, &vars));
        assert_eq!(index, 1);
        assert!(reason.contains("ZE_AFFINITY_MASK=1.0"), "{reason}");
    }

    #[test]
    fn a_shared_list_is_split_by_local_rank() {
        // --gres=gpu:2 with two tasks: both see "0,1"; each takes its own.
        let node = vec![
            gpu(0, NVIDIA, "0000:01:00.0"),
            gpu(1, NVIDIA, "0000:02:00.0"),
        ];
        let vars = [("CUDA_VISIBLE_DEVICES", "0,1")];
        assert_eq!(chosen(&node, &task(0, 2, &vars)).0, 0);
        assert_eq!(chosen(&node, &task(1, 2, &vars)).0, 1);
        let err = slurm_adapter(&node, &task(2, 3, &vars)).unwrap_err();
        assert!(err.to_string().contains("lists 2 GPUs"), "{err}");
        assert!(err.to_string().contains("local rank 2"), "{err}");
    }

    #[test]
    fn constrained_devices_leave_only_the_tasks_own_gpu() {
        // SLURM_STEP_GPUS keeps the node's number (3), but the cgroup shows one GPU.
        let node = vec![gpu(0, NVIDIA, "0000:c1:00.0")];
        let vars = [("SLURM_STEP_GPUS", "3")];
        let (index, reason) = chosen(&node, &task(0, 1, &vars));
        assert_eq!(index, 0);
        assert!(reason.contains("only the task's own GPUs"), "{reason}");
    }

    #[test]
    fn more_tasks_than_gpus_is_an_error_naming_both_numbers() {
        let node = vec![gpu(0, NVIDIA, ""), gpu(1, NVIDIA, "")];
        let err = slurm_adapter(&node, &task(0, 4, &[])).unwrap_err();
        assert!(err.to_string().contains("4 tasks"), "{err}");
        assert!(err.to_string().contains("2 GPU adapter"), "{err}");
        assert_eq!(err.exit_code(), 3);
        // Bound by variables, but the job holds fewer GPUs on the node than it runs tasks.
        let mut shared = task(1, 2, &[("CUDA_VISIBLE_DEVICES", "0")]);
        shared.gpus_on_node = Some(1);
        let err = slurm_adapter(&node, &shared).unwrap_err();
        assert!(err.to_string().contains("2 tasks"), "{err}");
        assert!(err.to_string().contains("1 GPUs"), "{err}");
        // A number beyond the node's adapters.
        let err = slurm_adapter(&node, &task(0, 1, &[("CUDA_VISIBLE_DEVICES", "5")])).unwrap_err();
        assert!(err.to_string().contains("names GPU 5"), "{err}");
    }

    #[test]
    fn uuids_and_words_are_refused_with_the_way_out() {
        let node = vec![gpu(0, NVIDIA, "")];
        let uuid = [(
            "CUDA_VISIBLE_DEVICES",
            "GPU-8932f937-d72c-4106-c12f-20bd9faed9f6",
        )];
        let err = slurm_adapter(&node, &task(0, 1, &uuid)).unwrap_err();
        assert!(err.to_string().contains("UUID"), "{err}");
        assert!(err.to_string().contains("--adapter"), "{err}");
    }

    #[test]
    fn local_rank_without_variables_and_nothing_outside_slurm() {
        let node = vec![gpu(0, NVIDIA, ""), gpu(1, NVIDIA, "")];
        let (index, reason) = chosen(&node, &task(1, 2, &[]));
        assert_eq!(index, 1);
        assert!(reason.contains("local rank 1"), "{reason}");
        assert_eq!(slurm_adapter(&node, &SlurmEnv::default()).unwrap(), None);
        let not_a_task = SlurmEnv {
            rank: None,
            ..task(0, 1, &[("CUDA_VISIBLE_DEVICES", "GPU-8932f937")])
        };
        assert_eq!(slurm_adapter(&node, &not_a_task).unwrap(), None);
        // A node with only a CPU adapter: nothing to bind, whatever Slurm says.
        let mut cpu = gpu(0, 0x10005, "");
        cpu.device_type = "cpu".into();
        let vars = [("CUDA_VISIBLE_DEVICES", "1")];
        assert_eq!(slurm_adapter(&[cpu], &task(1, 2, &vars)).unwrap(), None);
    }
}
