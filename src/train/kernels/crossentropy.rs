//! Softmax, cross-entropy and the logits' gradient in one kernel, in two layouts: a workgroup
//! per row for wide rows, one invocation per row for short ones.

use super::columns::Columns;
use super::row_spread::RowSpread;
use super::Access::{Read, ReadWrite, Uniform};
use super::{KernelClass, TrainKernel};

/// The kernel for `spread`, read `columns`' way.
pub fn crossentropy(spread: RowSpread, columns: Columns) -> TrainKernel {
    let (names, source, per_group) = match spread {
        RowSpread::Lane => (
            [
                "softmax-crossentropy-lane",
                "softmax-crossentropy-lane-vec4",
            ],
            concat!(
                shader!("crossentropy_bindings.wgsl"),
                shader!("crossentropy_lane.wgsl")
            ),
            64,
        ),
        RowSpread::Workgroup => (
            ["softmax-crossentropy", "softmax-crossentropy-vec4"],
            concat!(
                shader!("crossentropy_bindings.wgsl"),
                shader!("crossentropy.wgsl")
            ),
            1,
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
        per_group,
    )
}

/// Every layout in both readings, for the registry.
pub fn all() -> Vec<TrainKernel> {
    RowSpread::ALL
        .into_iter()
        .flat_map(|spread| Columns::ALL.map(|columns| crossentropy(spread, columns)))
        .collect()
}
