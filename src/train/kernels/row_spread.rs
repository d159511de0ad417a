//! One invocation per row or one workgroup per row: for short rows a workgroup per row spends more
//! on starting workgroups (and on its barriers, where it reduces) than on the row, on a CPU
//! adapter above all; for wide rows one invocation per row leaves a GPU's lanes idle.

use super::columns::Columns;
use super::TrainKernel;

/// How a kernel that works row by row spreads a row over invocations.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowSpread {
    /// One invocation per row, 64 rows a workgroup.
    Lane,
    /// One workgroup per row, its invocations striding over the row.
    Workgroup,
}

/// The widest row one invocation takes alone: 4 KiB of f32. Past it a workgroup shares the row,
/// so that a GPU's lanes are not left idle over a wide row (GPT-2's vocabulary of 50257).
pub const LANE_MAX_WIDTH: u64 = 1024;

impl RowSpread {
    pub const ALL: [RowSpread; 2] = [RowSpread::Lane, RowSpread::Workgroup];

    /// The layout for rows of `width` values.
    pub fn for_width(width: u64) -> RowSpread {
        if width <= LANE_MAX_WIDTH {
            RowSpread::Lane
        } else {
            RowSpread::Workgroup
        }
    }

    /// Work items (rows) a workgroup takes: the grid's `per_group`, and the `_lane` shaders'
    /// `@workgroup_size(64)`.
    pub fn rows_per_group(self) -> u32 {
        match self {
            RowSpread::Lane => 64,
            RowSpread::Workgroup => 1,
        }
    }
}

/// Every layout of each of `kernels`, in both readings, for the registry.
pub fn every(kernels: &[fn(RowSpread, Columns) -> TrainKernel]) -> Vec<TrainKernel> {
    kernels
        .iter()
        .flat_map(|k| {
            RowSpread::ALL
                .into_iter()
                .flat_map(move |s| Columns::ALL.map(|c| k(s, c)))
        })
        .collect()
}
