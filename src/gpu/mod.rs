pub mod description;
pub use description::{AdapterDescription, AdapterFeatures, MatmulLimits};
