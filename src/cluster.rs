//! Running under Slurm instead of inventing a launcher: each task's local rank picks its GPU and
//! names its result file, and `flopcost merge` sums the files afterwards.

use crate::gpu::AdapterDescription;

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

    pub fn from_env() -> Option<SlurmRank> {
        let procid = std::env::var("SLURM_PROCID").ok();
        let localid = std::env::var("SLURM_LOCALID").ok();
        Self::from_vars(procid.as_deref(), localid.as_deref())
    }
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

/// The adapter for local rank `local`: the node's `local`-th real GPU.
pub fn adapter_for_local_rank(adapters: &[AdapterDescription], local: u32) -> Option<usize> {
    real_gpus(adapters).get(local as usize).map(|a| a.index)
}

/// `--save run-%t.json` → `run-3.json` for task 3, as srun names its own output files; without
/// Slurm, `%t` becomes 0.
pub fn expand_rank(path: &str, rank: Option<SlurmRank>) -> String {
    path.replace("%t", &rank.map_or(0, |r| r.global).to_string())
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
    fn local_rank_picks_the_nth_gpu_of_one_backend() {
        let node = vec![
            adapter(0, "vulkan", "discrete"),
            adapter(1, "vulkan", "discrete"),
            adapter(2, "gl", "discrete"),
            adapter(3, "vulkan", "cpu"),
            adapter(4, "dx12", "discrete"),
        ];
        assert_eq!(real_gpus(&node).len(), 2);
        assert_eq!(adapter_for_local_rank(&node, 0), Some(0));
        assert_eq!(adapter_for_local_rank(&node, 1), Some(1));
        assert_eq!(adapter_for_local_rank(&node, 2), None);
        assert!(real_gpus(&[adapter(0, "vulkan", "cpu")]).is_empty());
    }

    #[test]
    fn save_path_is_named_by_rank() {
        let rank = SlurmRank {
            global: 7,
            local: 3,
        };
        assert_eq!(expand_rank("run-%t.json", Some(rank)), "run-7.json");
        assert_eq!(expand_rank("run-%t.json", None), "run-0.json");
        assert_eq!(expand_rank("plain.json", Some(rank)), "plain.json");
    }
}
