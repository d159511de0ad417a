//! Whether a problem fits in the host's free memory, checked before anything is allocated, so
//! a size too large for this machine is refused with figures instead of ending in the
//! out-of-memory killer or an allocation abort.

use crate::error::FlopcostError;
use crate::model::MatmulProblem;

/// Elements of C the reference keeps at most (see `validate::MAX_CHECKED_ELEMENTS`).
const MAX_REFERENCE_ELEMENTS: u128 = 4_000_000;
/// The reference keeps (index, exact value, scale) per checked element: 8 + 8 + 8 bytes.
const REFERENCE_BYTES_PER_ELEMENT: u128 = 24;
/// Padded layouts round rows and columns up to whole tiles; no tile is wider than this.
const LARGEST_TILE: u128 = 256;

/// The bytes one run of `problem` needs at its peak, counted as if every buffer lived in host
/// memory. That is exact for software adapters (lavapipe) and integrated GPUs, whose device
/// memory is host memory; for a discrete GPU it is an upper bound, though not a loose one: wgpu
/// stages every upload and readback through host-visible memory of the same size.
pub fn bytes_needed(p: &MatmulProblem) -> u64 {
    // u128: a hostile size (u32::MAX squared, four bytes each) must not wrap.
    let (m, n, k) = (p.m as u128, p.n as u128, p.k as u128);
    let (a, b, c) = (4 * m * k, 4 * k * n, 4 * m * n);
    let tiles = |x: u128| x.div_ceil(LARGEST_TILE) * LARGEST_TILE;
    let padded_copies = 4 * (tiles(m) * tiles(k) + tiles(k) * tiles(n));
    let reference = REFERENCE_BYTES_PER_ELEMENT * (m * n).min(MAX_REFERENCE_ELEMENTS);
    let device = a + b + c + padded_copies;
    let host_inputs = a + b;
    // Poisoning C writes a host vector through a staging buffer; reading C back maps a staging
    // buffer, copies its bytes and converts them to f32: five copies of C at once at worst.
    let host_c = 5 * c;
    u64::try_from(device + host_inputs + reference + host_c).unwrap_or(u64::MAX)
}

/// The largest `n` whose square problem needs at most `available` bytes (0 if none does).
pub fn largest_square_fitting(available: u64) -> u32 {
    // `bytes_needed` grows with n, so bisect; 2^20 is far beyond any real memory.
    let (mut lo, mut hi) = (0u32, 1u32 << 20);
    while lo < hi {
        let mid = lo + (hi - lo).div_ceil(2);
        if bytes_needed(&MatmulProblem::square(mid)) <= available {
            lo = mid;
        } else {
            hi = mid - 1;
        }
    }
    lo
}

/// Refuses `problem` when it needs more than `available` bytes, naming both figures and the
/// largest square size that would fit. `available: None` (unknown) passes.
pub fn check_fits(problem: &MatmulProblem, available: Option<u64>) -> Result<(), FlopcostError> {
    let Some(available) = available else {
        return Ok(());
    };
    let needed = bytes_needed(problem);
    if needed <= available {
        return Ok(());
    }
    Err(FlopcostError::bad_input(format!(
        "{}×{}×{} needs about {} of memory (inputs, output, padded copies, staging and the \
         reference) but the host has {} available; the largest square size that fits is {}",
        problem.m,
        problem.n,
        problem.k,
        format_bytes(needed),
        format_bytes(available),
        largest_square_fitting(available)
    )))
}

/// Checks `problem` against this host's available memory.
pub fn check_host_memory(problem: &MatmulProblem) -> Result<(), FlopcostError> {
    check_fits(problem, crate::system::available_memory())
}

fn format_bytes(bytes: u64) -> String {
    const GIB: f64 = (1u64 << 30) as f64;
    const MIB: f64 = (1u64 << 20) as f64;
    let b = bytes as f64;
    if b >= GIB {
        format!("{bytes} bytes ({:.1} GiB)", b / GIB)
    } else {
        format!("{bytes} bytes ({:.1} MiB)", b / MIB)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_small_problem_is_dominated_by_its_copies_of_c() {
        let p = MatmulProblem::square(1000);
        let matrix = 4_000_000u64;
        let needed = bytes_needed(&p);
        // At least A, B, C on the device, A and B on the host, the reference and C's copies.
        assert!(needed >= matrix * (3 + 2 + 5) + 24 * 1_000_000);
        // At most that plus padded copies of A and B, with tile rounding.
        let padded = 4 * 1024 * 1024;
        assert!(needed <= matrix * (3 + 2 + 5) + 2 * padded + 24 * 1_000_000);
    }

    #[test]
    fn the_reference_is_capped() {
        let big = bytes_needed(&MatmulProblem {
            m: 10_000,
            n: 10_000,
            k: 1,
        });
        let bigger = bytes_needed(&MatmulProblem {
            m: 20_000,
            n: 10_000,
            k: 1,
        });
        // Doubling M doubles every copy of C but not the reference.
        let c = 4 * 10_000u64 * 10_000;
        assert!(bigger - big < 8 * c);
    }

    #[test]
    fn needs_grow_with_size_and_never_overflow() {
        let mut last = 0;
        for n in [1, 2, 17, 256, 257, 4096, 65_535, 1 << 20, u32::MAX] {
            let b = bytes_needed(&MatmulProblem::square(n));
            assert!(b >= last);
            last = b;
        }
    }

    #[test]
    fn the_largest_square_is_the_boundary() {
        let available = 2u64 << 30;
        let n = largest_square_fitting(available);
        assert!(bytes_needed(&MatmulProblem::square(n)) <= available);
        assert!(bytes_needed(&MatmulProblem::square(n + 1)) > available);
        assert_eq!(largest_square_fitting(0), 0);
        assert_eq!(largest_square_fitting(u64::MAX), 1 << 20);
    }

    #[test]
    fn too_big_names_needed_available_and_what_fits() {
        let err = check_fits(&MatmulProblem::square(50_000), Some(1 << 30)).unwrap_err();
        assert!(matches!(err, FlopcostError::BadInput(_)));
        let msg = err.to_string();
        let fits = largest_square_fitting(1 << 30);
        assert!(
            msg.contains("1073741824 bytes") && msg.contains(&fits.to_string()),
            "{msg}"
        );
        assert!(check_fits(&MatmulProblem::square(64), Some(1 << 30)).is_ok());
        assert!(check_fits(&MatmulProblem::square(50_000), None).is_ok());
    }
}
