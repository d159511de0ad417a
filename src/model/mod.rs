//! The data flopcost measures, saves and reads back: results, probes, the default run's story,
//! the adapter they came from. These structs *are* the JSON schema. `load` is the one way a
//! saved document comes back in (its schema version checked), `write` the one way any file
//! goes out.

mod adapter;
mod kinds;
mod load;
mod merged;
mod peak;
mod power;
mod schema;
mod slurm_task;
mod story;
mod train;
mod tune;
mod write;

pub use adapter::{AdapterDescription, AdapterFeatures, MatmulLimits, SOFTWARE_WARNING};
pub use kinds::{Dtype, FailureKind, ResultStatus, TimingSource};
pub use load::{
    load_report, load_results, load_train_report, parse_results, parse_train_report, read_text,
    ResultsFile,
};
pub use merged::{
    DeviceBest, MergedDtype, MergedReport, MERGED_KIND, MERGED_MEANING, MERGED_SCHEMA_VERSION,
};
pub use peak::{fma_name, FmaConfig, PeakReport, PeakSummary, ProbeResult, PEAK_SCHEMA_VERSION};
pub use power::PowerFigure;
pub use schema::*;
pub use slurm_task::SlurmTask;
pub use story::{PathEstimate, PrecisionStory, RunComparison, RunStory, TwoPaths};
pub use train::{
    Breakdown, ClassTime, MemoryFigures, MfuFigure, ModelShape, OptimizerSettings, StepRecord,
    StepTimes, TrainReport, TRAIN_KIND, TRAIN_SCHEMA_VERSION,
};
pub use tune::{FamilyTuning, TuneReport};
pub use write::{save_json, write_new, write_output, OutputError};
