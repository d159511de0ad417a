//! Showing results: text tables, the default run's story, exports, plots. Reads the model,
//! never measures and never computes a figure the cost model owns.

pub mod bench_text;
pub mod export;
pub mod plot;
pub mod power_text;
pub mod share;
pub mod story_text;
pub mod table;
pub mod train_text;
