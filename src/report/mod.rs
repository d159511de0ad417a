//! Showing results: text tables, the default run's story, exports, plots. Reads the model,
//! never measures and never computes a figure the cost model owns.

pub mod backtest_text;
pub mod bench_text;
pub mod catalog_text;
pub mod compare_text;
pub mod devices_text;
pub mod estimate_text;
pub mod export;
pub mod merge_text;
pub mod merge_train_text;
pub mod peak_text;
pub mod plot;
pub mod power_text;
pub mod serve_text;
pub mod share;
pub mod stopped_text;
pub mod story_text;
pub mod sweep_text;
pub mod table;
pub mod train_catalog_text;
pub mod train_compare_text;
pub mod train_plots;
pub mod train_predict_text;
pub mod train_text;
pub mod tune_text;
