//! The tokens a step trains on: the shipped public-domain corpus as bytes, or seeded random
//! tokens for tests and fixtures.

use super::config::GptConfig;
use super::params::SplitMix64;

/// The shipped public-domain texts (see `data/train/README.md`), compiled in so `flopcost
/// train` needs no file at run time; the corpus is their concatenation, a blank line between.
const TEXTS: [&str; 2] = [
    include_str!("../../data/train/declaration.txt"),
    include_str!("../../data/train/constitution.txt"),
];

/// The vocabulary the byte-level corpus needs: every byte value is a token.
pub const CORPUS_VOCAB: usize = 256;

/// XORed into the seed of `random_batch` so its stream differs from `init_params`'s stream for
/// the same seed.
pub const BATCH_STREAM: u64 = 0xDA7A_DA7A_DA7A_DA7A;

/// Byte-level tokens of the shipped corpus (data/train/*.txt, embedded with include_str!);
/// a configuration that trains on it needs `vocab >= CORPUS_VOCAB`.
pub fn corpus_tokens() -> Vec<u32> {
    TEXTS.join("\n").bytes().map(u32::from).collect()
}

/// B×T inputs and targets (targets = inputs shifted by one) for `step` from `tokens`.
///
/// Row b of step s starts at token (s·B + b)·T and reads T + 1 consecutive tokens, wrapping
/// around the end of `tokens`, so consecutive steps walk through the text and any batch fits
/// any text of at least one token.
pub fn batch(tokens: &[u32], config: &GptConfig, step: usize) -> (Vec<u32>, Vec<u32>) {
    assert!(!tokens.is_empty(), "a batch needs at least one token");
    let (b, t) = (config.batch, config.ctx);
    let mut inputs = Vec::with_capacity(b * t);
    let mut targets = Vec::with_capacity(b * t);
    let n = tokens.len() as u128;
    for row in 0..b {
        // In u128, where neither s·B + b nor (its residue)·T can overflow for any step.
        let first_row = (step as u128 * b as u128 + row as u128) % n;
        let start = (first_row * t as u128 % n) as usize;
        for i in 0..t {
            inputs.push(tokens[(start + i) % tokens.len()]);
            targets.push(tokens[(start + i + 1) % tokens.len()]);
        }
    }
    (inputs, targets)
}

/// Seeded random tokens (same PRNG as init) for tests and fixtures.
///
/// One splitmix64 stream seeded with `seed ^ BATCH_STREAM` draws B rows of T + 1 tokens,
/// each `next_u64() % vocab`; a row's first T are its inputs, its last T its targets.
pub fn random_batch(config: &GptConfig, seed: u64) -> (Vec<u32>, Vec<u32>) {
    let (b, t) = (config.batch, config.ctx);
    let mut rng = SplitMix64::new(seed ^ BATCH_STREAM);
    let mut inputs = Vec::with_capacity(b * t);
    let mut targets = Vec::with_capacity(b * t);
    for _ in 0..b {
        let row: Vec<u32> = (0..=t)
            .map(|_| (rng.next_u64() % config.vocab as u64) as u32)
            .collect();
        inputs.extend_from_slice(&row[..t]);
        targets.extend_from_slice(&row[1..]);
    }
    (inputs, targets)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn corpus_is_bytes_of_a_few_tens_of_kilobytes() {
        let tokens = corpus_tokens();
        assert!(tokens.len() > 20_000, "{} tokens", tokens.len());
        assert!(tokens.iter().all(|&t| (t as usize) < CORPUS_VOCAB));
    }

    #[test]
    fn targets_are_inputs_shifted_by_one() {
        let config = GptConfig {
            batch: 3,
            ctx: 8,
            ..GptConfig::preset("tiny").unwrap()
        };
        let tokens = corpus_tokens();
        let (inputs, targets) = batch(&tokens, &config, 5);
        assert_eq!(inputs.len(), 24);
        for row in 0..3 {
            let start = (5 * 3 + row) * 8;
            assert_eq!(&inputs[row * 8..row * 8 + 8], &tokens[start..start + 8]);
            assert_eq!(
                &targets[row * 8..row * 8 + 8],
                &tokens[start + 1..start + 9]
            );
        }
        let (random_inputs, random_targets) = random_batch(&config, 9);
        assert_eq!(random_inputs[1..8], random_targets[..7]);
        assert!(random_inputs.iter().all(|&t| (t as usize) < config.vocab));
    }

    #[test]
    fn batches_wrap_around_a_short_text() {
        let config = GptConfig {
            batch: 2,
            ctx: 4,
            ..GptConfig::preset("tiny").unwrap()
        };
        let (inputs, targets) = batch(&[1, 2, 3], &config, usize::MAX);
        assert_eq!(inputs.len(), 8);
        assert_eq!(targets.len(), 8);
        assert!(inputs.iter().chain(&targets).all(|t| (1..=3).contains(t)));
    }
}
