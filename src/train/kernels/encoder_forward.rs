//! The token and position embeddings' sum, in two layouts ([`RowSpread`]), each reading one
//! value or four (as one vec4) at a time ([`Columns`]).

use super::columns::Columns;
use super::row_spread::RowSpread;
use super::Access::{Read, ReadWrite, Uniform};
use super::{KernelClass, TrainKernel};

/// out[n] = wte[tokens[n]] + wpe[n % T], over one chunk of the token table.
pub fn encoder_forward(spread: RowSpread, columns: Columns) -> TrainKernel {
    let (names, source) = match spread {
        RowSpread::Lane => (
            ["encoder-forward-lane", "encoder-forward-lane-vec4"],
            concat!(
                shader!("encoder_forward_bindings.wgsl"),
                shader!("encoder_forward_lane.wgsl")
            ),
        ),
        RowSpread::Workgroup => (
            ["encoder-forward", "encoder-forward-vec4"],
            concat!(
                shader!("encoder_forward_bindings.wgsl"),
                shader!("encoder_forward.wgsl")
            ),
        ),
    };
    columns.kernel(
        names,
        KernelClass::Other,
        source,
        &[
            ("tokens", Read),
            ("wte", Read),
            ("wpe", Read),
            ("out", ReadWrite),
            ("params", Uniform),
        ],
        spread.rows_per_group(),
    )
}
