//! The seeded generator behind a result's inputs and the elements its check samples. Written
//! here, not taken from a crate, so that a printed seed reproduces a run whatever version of a
//! random-number crate would otherwise be in use.

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn below_stays_in_range() {
        let mut rng = SplitMix64::new(1);
        assert!((0..1000).all(|_| rng.below(17) < 17));
    }
}
