//! Which Slurm task measured a result.

use serde::{Deserialize, Serialize};

/// The Slurm task that measured a result, recorded in it so that a merged figure names each
/// task and how its GPU was chosen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SlurmTask {
    pub job_id: String,
    /// SLURM_PROCID.
    pub rank: u32,
    /// SLURM_LOCALID.
    pub local_rank: u32,
    pub node: String,
    /// The sentence saying why this adapter: Slurm's GPU variable, the local rank, or a CPU
    /// adapter the node's tasks share.
    pub adapter_choice: String,
}
