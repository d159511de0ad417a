//! Seeded random matrices. A small generator written here keeps results reproducible from the
//! printed seed alone, whatever version of a random-number crate would otherwise be in use.

use std::sync::OnceLock;

use crate::kernels::MatmulProblem;

use super::validate::{CheckPlan, Reference};

/// SplitMix64 (Steele, Lea, Flood 2014): tiny, fast, and good enough for test data.
#[derive(Debug, Clone)]
pub struct SplitMix64(u64);

impl SplitMix64 {
    pub fn new(seed: u64) -> Self {
        SplitMix64(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    pub fn next_f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Uniform in [0, bound).
    pub fn below(&mut self, bound: u32) -> u32 {
        (((self.next_u64() >> 32) * bound as u64) >> 32) as u32
    }

    /// Magnitude in [0.25, 1) with a random sign: never zero, so an element that a kernel skips
    /// cannot match the reference by accident. Rounded to a multiple of 2^-11, which f16 holds
    /// exactly in that range, so f16 kernels read the very numbers the reference uses and every
    /// precision runs on the same data.
    pub fn nonzero(&mut self) -> f32 {
        let magnitude = ((0.25 + 0.75 * self.next_f64()) * 2048.0)
            .round()
            .min(2047.0)
            / 2048.0;
        let signed = if self.next_u64() & 1 == 0 {
            magnitude
        } else {
            -magnitude
        };
        signed as f32
    }
}

/// A seed from the clock, for runs without `--seed`; it is printed so the run can be repeated.
pub fn random_seed() -> u64 {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(0);
    SplitMix64::new(nanos ^ std::process::id() as u64).next_u64()
}

pub struct MatmulInputs {
    pub problem: MatmulProblem,
    pub seed: u64,
    /// M×K, row-major.
    pub a: Vec<f32>,
    /// K×N, row-major.
    pub b: Vec<f32>,
    /// Computed on first use, then shared by every kernel run on these inputs.
    reference: OnceLock<Reference>,
}

impl MatmulInputs {
    pub fn random(problem: MatmulProblem, seed: u64) -> Self {
        let mut rng = SplitMix64::new(seed);
        let a = (0..problem.m as usize * problem.k as usize)
            .map(|_| rng.nonzero())
            .collect();
        let b = (0..problem.k as usize * problem.n as usize)
            .map(|_| rng.nonzero())
            .collect();
        MatmulInputs {
            problem,
            seed,
            a,
            b,
            reference: OnceLock::new(),
        }
    }

    /// The f64 reference for the elements of C that validation checks.
    pub fn reference(&self) -> &Reference {
        self.reference.get_or_init(|| {
            Reference::compute(self, &CheckPlan::for_problem(self.problem, self.seed))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_data_and_never_zero() {
        let p = MatmulProblem { m: 7, n: 5, k: 3 };
        let x = MatmulInputs::random(p, 42);
        let y = MatmulInputs::random(p, 42);
        assert_eq!(x.a, y.a);
        assert_eq!(x.b, y.b);
        assert!(x
            .a
            .iter()
            .chain(&x.b)
            .all(|v| v.abs() >= 0.25 && v.abs() < 1.0));
        let z = MatmulInputs::random(p, 43);
        assert_ne!(x.a, z.a);
    }

    #[test]
    fn below_stays_in_range() {
        let mut rng = SplitMix64::new(1);
        assert!((0..1000).all(|_| rng.below(17) < 17));
    }
}
