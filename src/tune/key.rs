//! What a tuned configuration is valid for: this adapter and driver, this precision, shapes of
//! about this size, and exactly this list of kernels in this version of flopcost.

use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

use crate::kernels::families;
use crate::model::AdapterDescription;
use crate::model::MatmulProblem;

#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct TuningKey {
    pub adapter: String,
    pub driver: String,
    pub backend: String,
    pub family: String,
    pub dtype: String,
    /// Each of M, N, K rounded up to a power of two.
    pub shape_bucket: (u32, u32, u32),
    pub kernels_checksum: String,
    pub flopcost_version: String,
}

impl TuningKey {
    pub fn new(adapter: &AdapterDescription, family: &str, dtype: &str, p: &MatmulProblem) -> Self {
        TuningKey {
            adapter: adapter.name.clone(),
            driver: format!("{} {}", adapter.driver, adapter.driver_info)
                .trim()
                .to_string(),
            backend: adapter.backend.clone(),
            family: family.to_string(),
            dtype: dtype.to_string(),
            shape_bucket: (bucket(p.m), bucket(p.n), bucket(p.k)),
            kernels_checksum: kernel_list_checksum().to_string(),
            flopcost_version: env!("CARGO_PKG_VERSION").to_string(),
        }
    }

    /// Whether this key could have been made by this build: winners of another kernel list or
    /// version are never trusted.
    pub fn is_current(&self) -> bool {
        self.kernels_checksum == kernel_list_checksum()
            && self.flopcost_version == env!("CARGO_PKG_VERSION")
    }
}

/// The next power of two at or above `dim` (at least 16): shapes in one bucket share a winner.
pub fn bucket(dim: u32) -> u32 {
    dim.max(16).checked_next_power_of_two().unwrap_or(1 << 31)
}

/// FNV-1a over every family's candidates (shader text, constants, layout): a cache written for
/// another kernel list never matches. Generating every candidate's shader takes a while, and
/// the list cannot change while the program runs, so it is computed once.
pub fn kernel_list_checksum() -> &'static str {
    static CHECKSUM: OnceLock<String> = OnceLock::new();
    CHECKSUM.get_or_init(|| {
        let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
        let mut feed = |bytes: &[u8]| {
            for b in bytes {
                hash ^= *b as u64;
                hash = hash.wrapping_mul(0x0100_0000_01b3);
            }
        };
        for family in families() {
            feed(family.name.as_bytes());
            for kernel in (family.candidates)() {
                feed(kernel.source.as_bytes());
                feed(format!("{:?}{:?}", kernel.constants, kernel.input).as_bytes());
            }
        }
        format!("{hash:016x}")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_are_powers_of_two() {
        assert_eq!(bucket(1), 16);
        assert_eq!(bucket(1000), 1024);
        assert_eq!(bucket(1024), 1024);
        assert_eq!(bucket(1025), 2048);
    }

    #[test]
    fn checksum_is_stable() {
        assert_eq!(kernel_list_checksum(), kernel_list_checksum());
        assert_eq!(kernel_list_checksum().len(), 16);
    }
}
