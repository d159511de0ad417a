//! Per-device autotuning: search a family's configurations, remember the winner per tuning key.

mod cache;
mod key;
mod runner;
mod search;
mod tuner;

pub use cache::{default_cache_path, TuneCache, TunedEntry};
pub use key::{bucket, kernel_list_checksum, TuningKey};
pub use runner::{CandidateRunner, DeviceRunner};
pub use search::{fair_share, tune_family, TuneOutcome};
pub use tuner::{FamilyChoice, HowChosen, Tuner};
