//! flopcost: measure the local GPU's matrix-multiply rate and turn it into training-run costs.

pub mod bench;
pub mod cache_dir;
pub mod catalog;
pub mod cli;
pub mod cluster;
pub mod commands;
pub mod cost;
pub mod error;
pub mod gpu;
pub mod interrupt;
pub mod kernels;
pub mod model;
pub mod peak;
pub mod power;
pub mod progress;
pub mod report;
pub mod serve;
pub mod session;
pub mod system;
pub mod train;
pub mod tune;
