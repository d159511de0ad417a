//! Per-device autotuning: search a family's configurations, remember the winner per tuning key.

mod cache;
mod choose;
mod key;
mod search;

pub use cache::{default_cache_path, TuneCache, TunedEntry};
pub use choose::{choose_kernels, entry, lookup};
pub use key::{bucket, kernel_list_checksum, TuningKey};
pub use search::{fair_share, tune_family, TuneOutcome};
