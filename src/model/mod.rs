//! The data flopcost measures, saves and reads back: results, probes, the default run's story,
//! the adapter and host they came from; and the value types every layer passes down (the
//! problem, the run plan, the tuning policy, the adapter request, the check plan). These structs *are* the JSON schema. `load` is the one way a
//! saved document comes back in (its schema version checked), `write` the one way any file
//! goes out.

mod adapter;
mod adapter_request;
mod check;
mod kinds;
mod load;
mod median;
mod merged;
mod merged_train;
mod peak;
mod power;
mod problem;
mod random;
mod run_plan;
mod schema;
mod slurm_task;
mod story;
mod system;
mod train;
mod train_prediction;
mod tune;
mod write;

pub use adapter::{AdapterDescription, AdapterFeatures, MatmulLimits, SOFTWARE_WARNING};
pub use adapter_request::{AdapterRequest, BackendChoice};
pub use check::{tolerance, CheckPlan};
pub use kinds::{Dtype, FailureKind, ResultStatus, TimingSource};
pub use load::{
    load_cache, load_merge_input, load_merged_train, load_report, load_results, load_train_report,
    parse_merged_train, parse_results, parse_train_report, read_text, CacheMiss, MergeInput,
    ResultsFile,
};
pub use median::median;
pub use merged::{
    DeviceBest, MergedDtype, MergedReport, MERGED_KIND, MERGED_MEANING, MERGED_SCHEMA_VERSION,
};
pub use merged_train::{
    MergedTrainReport, TrainDevice, MERGED_TRAIN_KIND, MERGED_TRAIN_MEANING,
    MERGED_TRAIN_SCHEMA_VERSION,
};
pub use peak::{
    fma_name, FmaConfig, FmaLayouts, PeakReport, PeakSummary, ProbeResult, PEAK_SCHEMA_VERSION,
};
pub use power::PowerFigure;
pub use problem::MatmulProblem;
pub use random::SplitMix64;
pub use run_plan::RunPlan;
pub use schema::*;
pub use slurm_task::SlurmTask;
pub use story::{
    MeasuredPricing, PathEstimate, PrecisionStory, RunComparison, RunStory, TrainingStory, TwoPaths,
};
pub use system::SystemInfo;
pub use train::{
    Accumulation, Breakdown, ClassTime, FullModel, MemoryFigures, MfuFigure, ModelShape,
    OptimizerSettings, ProductTime, StepRecord, StepTimes, TrainReport, TRAIN_KIND,
    TRAIN_SCHEMA_VERSION,
};
pub use train_prediction::{ClassPrediction, IsolatedProduct, StepPrediction, WallClockCheck};
pub use tune::{FamilyTuning, TuneReport, TuningPolicy};
pub use write::{save_json, write_new, write_output, OutputError};
