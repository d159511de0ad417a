//! Seeded random matrices. A small generator written here keeps results reproducible from the
//! printed seed alone, whatever version of a random-number crate would otherwise be in use.

use std::sync::OnceLock;

use crate::model::{CheckPlan, MatmulProblem, SplitMix64};

use super::validate::Reference;

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
}
