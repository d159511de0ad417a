//! Cost model: FLOP counts, efficiency calibration, the estimate, and comparisons of measured
//! rates with reported runs. Pure functions of numbers: saved files come in through `model`.

pub mod backtest;
pub mod calibration;
pub mod catalog_comparison;
pub mod compare;
pub mod defaults;
pub mod efficiency;
pub mod estimate;
pub mod fit;
pub mod flops;
pub mod interval;
pub mod measured;
pub mod merge;
pub mod merge_train;
pub mod run_story;
pub mod run_work;
pub mod side_by_side;
pub mod split;
pub mod train_comparison;
pub mod train_mfu;
pub mod trained;
pub mod two_paths;
pub mod units;
pub mod work;
