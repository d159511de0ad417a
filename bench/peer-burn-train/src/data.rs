//! Training batches: byte-level tokens of a text file walked in order, or seeded random tokens.

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
            return Err(format!(
                "byte-level text needs --vocab 256 or more, not {}",
                config.vocab
            ));
        }
        if bytes.is_empty() {
            return Err(format!("{path} is empty"));
        }
        Ok(Source::Text {
            path: path.to_string(),
            tokens: bytes.into_iter().map(i32::from).collect(),
        })
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
    /// Text: row b of step s reads T + 1 tokens from token (s·B + b)·T on, wrapping around the
    /// end, as flopcost's `train::data::batch` does, so both train on the same batches.
    pub fn batch(&self, config: &GptConfig, step: usize) -> (Vec<i32>, Vec<i32>) {
        let (b, t) = (config.batch, config.ctx);
        let mut inputs = Vec::with_capacity(b * t);
        let mut targets = Vec::with_capacity(b * t);
        match self {
            Source::Text { tokens, .. } => {
                let n = tokens.len() as u128;
                for row in 0..b {
                    let first_row = (step as u128 * b as u128 + row as u128) % n;
                    let start = (first_row * t as u128 % n) as usize;
                    for i in 0..t {
                        inputs.push(tokens[(start + i) % tokens.len()]);
                        targets.push(tokens[(start + i + 1) % tokens.len()]);
                    }
                }
            }
            Source::Random { seed } => {
                let mut rng =
                    SplitMix::new(seed ^ (step as u64).wrapping_mul(0xA24B_AED4_963E_E407));
                for _ in 0..b {
                    let row: Vec<i32> = (0..=t)
                        .map(|_| (rng.next_u64() % config.vocab as u64) as i32)
                        .collect();
                    inputs.extend_from_slice(&row[..t]);
                    targets.extend_from_slice(&row[1..]);
                }
            }
        }
        (inputs, targets)
    }
}
