//! Softmax, cross-entropy and the logits' gradient in one kernel, in two layouts: a workgroup
//! per row for wide rows, one invocation per row for short ones.

use super::columns::Columns;
use super::row_spread::RowSpread;
use super::Access::{Read, ReadWrite, Uniform};
use super::{KernelClass, TrainKernel};

/// The kernel for `spread`, read `columns`' way.
pub fn crossentropy(spread: RowSpread, columns: Columns) -> TrainKernel {
    let (names, source) = match spread {
        RowSpread::Lane => (
            [
                "softmax-crossentropy-lane",
                "softmax-crossentropy-lane-vec4",
            ],
            concat!(
                shader!("crossentropy_bindings.wgsl"),
                shader!("crossentropy_lane.wgsl")
            ),
        ),
        RowSpread::Workgroup => (
            ["softmax-crossentropy", "softmax-crossentropy-vec4"],
            concat!(
                shader!("crossentropy_bindings.wgsl"),
                shader!("crossentropy.wgsl")
            ),
        ),
    };
    columns.kernel(
        names,
        KernelClass::Loss,
        source,
        &[
            ("logits", ReadWrite),
            ("targets", Read),
            ("losses", ReadWrite),
            ("params", Uniform),
        ],
        spread.rows_per_group(),
    )
}
