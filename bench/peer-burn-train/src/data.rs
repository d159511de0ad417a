//! Training batches: byte-level tokens of a text file read in order, or seeded random tokens.

use crate::model::GptConfig;

/// SplitMix64: a documented, dependency-free generator for the init and the random tokens.
pub struct SplitMix(u64);

impl SplitMix {
    pub fn new(seed: u64) -> SplitMix {
        SplitMix(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in (0, 1]: never 0, so its logarithm is finite.
    fn next_open01(&mut self) -> f64 {
        ((self.next_u64() >> 11) + 1) as f64 / (1u64 << 53) as f64
    }

    /// Standard normal by Box–Muller (one of the pair; simplicity over speed, init only).
    pub fn next_normal(&mut self) -> f64 {
        let (u1, u2) = (self.next_open01(), self.next_open01());
        (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
    }
}

pub enum Source {
    /// Byte-level tokens of a text (vocabulary 256 or more).
    Text { path: String, tokens: Vec<i32> },
    /// Uniform random tokens below the vocabulary, seeded per step.
    Random { seed: u64 },
}

impl Source {
    pub fn text(path: &str, config: &GptConfig) -> Result<Source, String> {
        let bytes = std::fs::read(path).map_err(|e| format!("cannot read --text {path}: {e}"))?;
        if config.vocab < 256 {
            return Err(format!("byte-level text needs --vocab 256 or more, not {}", config.vocab));
        }
        let needed = config.batch * config.ctx + 1;
        if bytes.len() < needed {
            return Err(format!("{path} has {} bytes; one batch needs {needed}", bytes.len()));
        }
        Ok(Source::Text { path: path.to_string(), tokens: bytes.into_iter().map(i32::from).collect() })
    }

    pub fn describe(&self) -> serde_json::Value {
        match self {
            Source::Text { path, tokens } => {
                serde_json::json!({ "kind": "text, byte-level tokens", "path": path, "tokens": tokens.len() })
            }
            Source::Random { seed } => serde_json::json!({ "kind": "random tokens", "seed": seed }),
        }
    }

    /// Inputs and targets (inputs shifted by one), each B·T tokens row-major, for `step`.
    /// Text: consecutive windows of B·T + 1 tokens, wrapping at the end (as llm.c's loader).
    pub fn batch(&self, config: &GptConfig, step: usize) -> (Vec<i32>, Vec<i32>) {
        let n = config.batch * config.ctx;
        let window: Vec<i32> = match self {
            Source::Text { tokens, .. } => {
                let starts = tokens.len() - n; // windows of n + 1 tokens that fit
                let start = (step * n) % starts;
                tokens[start..start + n + 1].to_vec()
            }
            Source::Random { seed } => {
                let mut rng = SplitMix::new(seed ^ (step as u64).wrapping_mul(0xA24B_AED4_963E_E407));
                (0..=n).map(|_| (rng.next_u64() % config.vocab as u64) as i32).collect()
            }
        };
        // Each row is its own sequence of T inputs and the T tokens after them.
        let mut inputs = Vec::with_capacity(n);
        let mut targets = Vec::with_capacity(n);
        for row in 0..config.batch {
            let at = row * config.ctx;
            inputs.extend_from_slice(&window[at..at + config.ctx]);
            targets.extend_from_slice(&window[at + 1..at + config.ctx + 1]);
        }
        (inputs, targets)
    }
}
