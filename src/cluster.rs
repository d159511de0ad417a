//! Running under Slurm instead of inventing a launcher: each task's local rank or Slurm's GPU
//! variables pick its GPU, `%t` names its result file, and `flopcost merge` sums the files
//! afterwards.

mod paths;

pub use paths::{rank_optional_path, rank_path};

use crate::model::AdapterDescription;
pub use crate::model::SlurmTask;

/// Slurm's task ids, when flopcost runs as a Slurm task.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SlurmRank {
    /// SLURM_PROCID: the task's rank across the whole job.
    pub global: u32,
    /// SLURM_LOCALID: the task's rank on this node, which picks its GPU.
    pub local: u32,
}

impl SlurmRank {
    /// From SLURM_PROCID and SLURM_LOCALID; `None` outside Slurm or when either is not a number.
    pub fn from_vars(procid: Option<&str>, localid: Option<&str>) -> Option<SlurmRank> {
        Some(SlurmRank {
            global: procid?.trim().parse().ok()?,
            local: localid?.trim().parse().ok()?,
        })
    }
}

/// The Slurm variables flopcost reads, captured once so that the logic using them is tested with
/// faked values instead of the process environment.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SlurmEnv {
    pub rank: Option<SlurmRank>,
    /// SLURM_STEP_NUM_TASKS: the tasks `srun` started in this step. A batch script's own step
    /// (where `flopcost merge` runs) has none, so only real parallel tasks count.
    pub step_tasks: Option<u32>,
    /// This node's share of SLURM_STEP_TASKS_PER_NODE (e.g. `2(x3),1`), picked by SLURM_NODEID.
    pub node_tasks: Option<u32>,
    /// SLURM_GPUS_ON_NODE: the GPUs the job holds on this node.
    pub gpus_on_node: Option<u32>,
    /// The GPU-binding variables Slurm sets, as (name, value), for those that are set.
    pub gpu_vars: Vec<(&'static str, String)>,
    /// SLURM_JOB_ID and SLURMD_NODENAME, recorded with a result.
    pub job_id: Option<String>,
    pub node: Option<String>,
}

/// Every variable Slurm uses to hand a task its GPUs (see `gpu::slurm_gpus` for their meaning).
pub const GPU_VARIABLES: [&str; 6] = [
    "CUDA_VISIBLE_DEVICES",
    "ROCR_VISIBLE_DEVICES",
    "HIP_VISIBLE_DEVICES",
    "ZE_AFFINITY_MASK",
    "GPU_DEVICE_ORDINAL",
    "SLURM_STEP_GPUS",
];

impl SlurmEnv {
    pub fn from_env() -> SlurmEnv {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// From any source of variables: `get(name)` is the variable's value, if set.
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> SlurmEnv {
        let number = |name: &str| get(name).and_then(|v| v.trim().parse::<u32>().ok());
        let node_tasks = get("SLURM_STEP_TASKS_PER_NODE")
            .and_then(|list| tasks_on_node(&list, number("SLURM_NODEID").unwrap_or(0)));
        SlurmEnv {
            rank: SlurmRank::from_vars(
                get("SLURM_PROCID").as_deref(),
                get("SLURM_LOCALID").as_deref(),
            ),
            step_tasks: number("SLURM_STEP_NUM_TASKS"),
            node_tasks,
            gpus_on_node: number("SLURM_GPUS_ON_NODE"),
            job_id: get("SLURM_JOB_ID"),
            node: get("SLURMD_NODENAME"),
            // Slurm writes "NoDevFiles" where its GPUs have no device files: nothing to map.
            gpu_vars: GPU_VARIABLES
                .iter()
                .filter_map(|&name| {
                    let value = get(name).filter(|v| !matches!(v.trim(), "" | "NoDevFiles"))?;
                    Some((name, value))
                })
                .collect(),
        }
    }

    /// This task, when under Slurm, with the reason its adapter was chosen.
    pub fn task(&self, adapter_choice: &str) -> Option<SlurmTask> {
        let rank = self.rank?;
        Some(SlurmTask {
            job_id: self.job_id.clone().unwrap_or_default(),
            rank: rank.global,
            local_rank: rank.local,
            node: self.node.clone().unwrap_or_default(),
            adapter_choice: adapter_choice.to_string(),
        })
    }

    /// The value of one of [`GPU_VARIABLES`], if set.
    pub fn gpu_var(&self, name: &str) -> Option<&str> {
        self.gpu_vars
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Slurm's compressed tasks-per-node list (`2(x3),1`: three nodes of two, then one of one),
/// read at node `node`.
fn tasks_on_node(list: &str, node: u32) -> Option<u32> {
    let mut first = 0;
    for part in list.split(',') {
        let (tasks, repeat) = match part.split_once("(x") {
            Some((tasks, rest)) => (tasks, rest.strip_suffix(')')?.parse::<u32>().ok()?),
            None => (part, 1),
        };
        if node < first + repeat {
            return tasks.trim().parse().ok();
        }
        first += repeat;
    }
    None
}

/// The node's real GPUs, each once: several backends often show the same GPU (Vulkan and GL,
/// Vulkan and DX12), and identical GPUs cannot be told apart by name, so one native backend is
/// taken, the one that sees the most GPUs.
pub fn real_gpus(adapters: &[AdapterDescription]) -> Vec<&AdapterDescription> {
    let native = |a: &&AdapterDescription| a.device_type != "cpu" && a.backend != "gl";
    let count = |backend: &str| {
        adapters
            .iter()
            .filter(native)
            .filter(|a| a.backend == backend)
            .count()
    };
    let Some(best) = adapters
        .iter()
        .filter(native)
        .map(|a| a.backend.as_str())
        .max_by_key(|b| count(b))
    else {
        return Vec::new();
    };
    adapters
        .iter()
        .filter(native)
        .filter(|a| a.backend == best)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranks_parse_from_slurm_variables() {
        assert_eq!(
            SlurmRank::from_vars(Some("5"), Some("1")),
            Some(SlurmRank {
                global: 5,
                local: 1
            })
        );
        assert_eq!(SlurmRank::from_vars(None, Some("1")), None);
        assert_eq!(SlurmRank::from_vars(Some("x"), Some("1")), None);
    }

    fn adapter(index: usize, backend: &str, device_type: &str) -> AdapterDescription {
        let mut a: AdapterDescription =
            serde_json::from_str(include_str!("../tests/fixtures/adapter.json")).unwrap();
        a.index = index;
        a.backend = backend.into();
        a.device_type = device_type.into();
        a
    }

    #[test]
    fn real_gpus_are_one_native_backends_gpus() {
        let node = vec![
            adapter(0, "vulkan", "discrete"),
            adapter(1, "vulkan", "discrete"),
            adapter(2, "gl", "discrete"),
            adapter(3, "vulkan", "cpu"),
            adapter(4, "dx12", "discrete"),
        ];
        assert_eq!(real_gpus(&node).len(), 2);
        assert_eq!(real_gpus(&node)[1].index, 1);
        assert!(real_gpus(&[adapter(0, "vulkan", "cpu")]).is_empty());
    }

    #[test]
    fn slurm_variables_are_read_from_any_source() {
        let vars = [
            ("SLURM_PROCID", "3"),
            ("SLURM_LOCALID", "1"),
            ("SLURM_STEP_NUM_TASKS", "5"),
            ("SLURM_STEP_TASKS_PER_NODE", "2(x2),1"),
            ("SLURM_NODEID", "1"),
            ("SLURM_JOB_ID", "42"),
            ("SLURMD_NODENAME", "gpu-07"),
            ("CUDA_VISIBLE_DEVICES", "1"),
            ("ROCR_VISIBLE_DEVICES", ""),
            ("GPU_DEVICE_ORDINAL", "NoDevFiles"),
        ];
        let env = SlurmEnv::from_lookup(|name| {
            vars.iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| v.to_string())
        });
        assert_eq!(env.rank.map(|r| (r.global, r.local)), Some((3, 1)));
        assert_eq!(env.step_tasks, Some(5));
        assert_eq!(env.node_tasks, Some(2));
        assert_eq!(env.gpu_var("CUDA_VISIBLE_DEVICES"), Some("1"));
        // Set but empty, or Slurm's word for no device files, is not set.
        assert_eq!(env.gpu_var("ROCR_VISIBLE_DEVICES"), None);
        assert_eq!(env.gpu_var("GPU_DEVICE_ORDINAL"), None);
        let task = env.task("why").unwrap();
        assert_eq!((task.job_id.as_str(), task.node.as_str()), ("42", "gpu-07"));
        assert_eq!((task.rank, task.local_rank), (3, 1));
        assert_eq!(SlurmEnv::default().task("why"), None);
    }

    #[test]
    fn tasks_per_node_list_is_expanded() {
        assert_eq!(tasks_on_node("4", 0), Some(4));
        assert_eq!(tasks_on_node("2(x3),1", 2), Some(2));
        assert_eq!(tasks_on_node("2(x3),1", 3), Some(1));
        assert_eq!(tasks_on_node("2(x3),1", 4), None);
        assert_eq!(tasks_on_node("x", 0), None);
    }
}
