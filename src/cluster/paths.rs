//! `%t` in every file a command writes, so that the tasks of one Slurm step never write the same
//! file: `--save run-%t.json` becomes `run-3.json` for task 3, as srun names its own output files.

use std::path::{Path, PathBuf};

use crate::error::FlopcostError;

use super::SlurmEnv;

/// `path` with `%t` replaced by the task's rank (0 outside Slurm). Under a Slurm step of more
/// than one task, a path without `%t` is refused: every task would write that one file and all
/// results but the last would be lost without a word. `flag` names the option, for the message.
pub fn rank_path(flag: &str, path: &Path, slurm: &SlurmEnv) -> Result<PathBuf, FlopcostError> {
    let text = path.to_string_lossy();
    if !text.contains("%t") {
        return match slurm.step_tasks {
            Some(tasks) if tasks > 1 => Err(FlopcostError::bad_input(format!(
                "{flag} {}: this Slurm step runs {tasks} tasks and each would write this same \
                 file, losing all results but one; put %t in the name (e.g. run-%t.json), which \
                 becomes each task's rank",
                path.display()
            ))),
            _ => Ok(path.to_path_buf()),
        };
    }
    let rank = slurm.rank.map_or(0, |r| r.global);
    Ok(PathBuf::from(text.replace("%t", &rank.to_string())))
}

/// [`rank_path`] for an optional path, as flags give them.
pub fn rank_optional_path(
    flag: &str,
    path: Option<&Path>,
    slurm: &SlurmEnv,
) -> Result<Option<PathBuf>, FlopcostError> {
    path.map(|p| rank_path(flag, p, slurm)).transpose()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::SlurmRank;

    fn task(global: u32, step_tasks: u32) -> SlurmEnv {
        SlurmEnv {
            rank: Some(SlurmRank { global, local: 0 }),
            step_tasks: Some(step_tasks),
            ..SlurmEnv::default()
        }
    }

    #[test]
    fn percent_t_becomes_the_rank() {
        let path = Path::new("out/run-%t.json");
        assert_eq!(
            rank_path("--save", path, &task(7, 8)).unwrap(),
            Path::new("out/run-7.json")
        );
        assert_eq!(
            rank_path("--save", path, &SlurmEnv::default()).unwrap(),
            Path::new("out/run-0.json")
        );
    }

    #[test]
    fn one_file_for_many_tasks_is_refused() {
        let err = rank_path("--save", Path::new("run.json"), &task(1, 2)).unwrap_err();
        assert!(err.to_string().contains("put %t in the name"), "{err}");
        assert!(err.to_string().contains("2 tasks"), "{err}");
        assert_eq!(err.exit_code(), 2);
        // One task, a batch script's own step, or no Slurm at all: the path is used as given.
        assert!(rank_path("--save", Path::new("run.json"), &task(0, 1)).is_ok());
        let batch_step = SlurmEnv {
            step_tasks: None,
            ..task(0, 2)
        };
        assert!(rank_path("--save", Path::new("run.json"), &batch_step).is_ok());
    }
}
