//! The shape of one matrix multiply, as every command, request and result names it.

/// The shape of one `C = A·B`: A is M×K, B is K×N, C is M×N, all row-major.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MatmulProblem {
    pub m: u32,
    pub n: u32,
    pub k: u32,
}

impl MatmulProblem {
    pub fn square(size: u32) -> Self {
        MatmulProblem {
            m: size,
            n: size,
            k: size,
        }
    }

    pub fn flops(&self) -> f64 {
        2.0 * self.m as f64 * self.n as f64 * self.k as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flops_count_a_multiply_and_an_add() {
        assert_eq!(MatmulProblem::square(1024).flops(), 2.0 * 1024f64.powi(3));
    }
}
