//! The cost model's defaults, each in one place with where it comes from.

/// DeepSeek's own rental assumption for its reported costs (DeepSeek-V3 report, Table 1;
/// DeepSeek-R1, Table 7).
pub const PRICE_PER_HOUR: f64 = 2.0;
pub const PRICE_SOURCE: &str = "default: DeepSeek's own $2/GPU-hour assumption";
/// Used only when no accelerator (and so no TDP) is known.
pub const WATTS: f64 = 300.0;
pub const KWH_PRICE: f64 = 0.15;
pub const PUE: f64 = 1.2;
