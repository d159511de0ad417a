//! Softmax, cross-entropy and the logits' gradient in one kernel, in two layouts: a workgroup
//! per row for wide rows, one invocation per row for short ones.

use super::columns::Columns;
use super::Access::{Read, ReadWrite, Uniform};
use super::{KernelClass, TrainKernel};

/// How a row of logits is spread over invocations.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowSpread {
    /// One invocation per row, 64 rows a workgroup.
    Lane,
    /// One workgroup of 8 invocations per row, reducing through workgroup memory.
    Workgroup,
}

/// The widest row one invocation takes alone: 4 KiB of f32. Past it a workgroup shares the row,
/// so that a GPU's lanes are not left idle over a wide vocabulary.
pub const LANE_MAX_WIDTH: u64 = 1024;

impl RowSpread {
    pub const ALL: [RowSpread; 2] = [RowSpread::Lane, RowSpread::Workgroup];

    /// The layout for rows of `width` logits.
    pub fn for_width(width: u64) -> RowSpread {
        if width <= LANE_MAX_WIDTH {
            RowSpread::Lane
        } else {
            RowSpread::Workgroup
        }
    }
}

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
