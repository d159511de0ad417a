//! The flat parameter layout both models use (GPT-2's `ParamLayout`, the Llama-style
//! `LlamaLayout`): every tensor in one buffer, in its enum's order, and the gradients and
//! AdamW's m and v in the same layout; and the deterministic init both draw from it.

use std::fmt::Debug;
use std::ops::Range;

use super::params::SplitMix64;

/// A model's parameter tensors, as the layout needs to know them.
pub trait Tensor: Copy + PartialEq + Debug + 'static {
    type Config;
    /// Every tensor, in layout order.
    fn all() -> &'static [Self];
    fn name(self) -> &'static str;
    /// The tensor's shape, all layers included.
    fn shape(self, config: &Self::Config) -> Vec<usize>;
    /// Whether it holds one slice per layer.
    fn is_per_layer(self) -> bool;
    fn layers(config: &Self::Config) -> usize;
}

/// Where one tensor lives in the flat parameter buffer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Slot<T> {
    pub tensor: T,
    pub name: &'static str,
    pub shape: Vec<usize>,
    /// Elements before this tensor in the flat buffer.
    pub offset: usize,
    /// Elements in this tensor (all layers).
    pub len: usize,
}

impl<T> Slot<T> {
    /// The tensor's elements in the flat buffer.
    pub fn range(&self) -> Range<usize> {
        self.offset..self.offset + self.len
    }
}

/// All parameters in one flat buffer, in `T::all()`'s order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Layout<T> {
    pub slots: Vec<Slot<T>>,
    /// Elements in the whole buffer.
    pub total: usize,
    layers: usize,
}

impl<T: Tensor> Layout<T> {
    pub fn new(config: &T::Config) -> Layout<T> {
        let mut offset = 0;
        let slots = T::all()
            .iter()
            .map(|&tensor| {
                let shape = tensor.shape(config);
                let len = shape.iter().product();
                let slot = Slot {
                    tensor,
                    name: tensor.name(),
                    shape,
                    offset,
                    len,
                };
                offset += len;
                slot
            })
            .collect();
        Layout {
            slots,
            total: offset,
            layers: T::layers(config),
        }
    }

    pub fn slot(&self, tensor: T) -> &Slot<T> {
        // all()'s order is the slots' order, so the index is the enum's position.
        let index = T::all()
            .iter()
            .position(|&t| t == tensor)
            .expect("in all()");
        &self.slots[index]
    }

    /// The slice of one layer's part of a per-layer tensor (QkvW for layer l, ...).
    ///
    /// Panics if `tensor` is not per-layer or `layer` is not below L: both are programming
    /// errors, not input.
    pub fn layer_range(&self, tensor: T, layer: usize) -> Range<usize> {
        assert!(
            tensor.is_per_layer(),
            "{} has no per-layer slices",
            tensor.name()
        );
        assert!(layer < self.layers, "layer {layer} of {}", self.layers);
        let slot = self.slot(tensor);
        let per_layer = slot.len / self.layers;
        let start = slot.offset + layer * per_layer;
        start..start + per_layer
    }

    /// The flat vector from one splitmix64 stream seeded with `seed`, walking the tensors in
    /// layout order: every element of a tensor for which `init` gives `Ok(std)` takes the next
    /// draw u in [0, 1) and becomes `f32((2u - 1) · std · sqrt(3))`, uniform with that standard
    /// deviation; a tensor given `Err(constant)` is that constant, with no draws. Uniform
    /// rather than normal so that no transcendental function is involved: `2u - 1` is exact,
    /// the product has one rounding and `sqrt` is correctly rounded, so an independent
    /// implementation reproduces every bit.
    pub(crate) fn init(&self, seed: u64, init: impl Fn(T) -> Result<f64, f32>) -> Vec<f32> {
        let mut rng = SplitMix64::new(seed);
        let mut params = Vec::with_capacity(self.total);
        for slot in &self.slots {
            match init(slot.tensor) {
                Ok(std) => {
                    let bound = std * 3f64.sqrt();
                    let draw = |_| ((2.0 * rng.next_unit() - 1.0) * bound) as f32;
                    params.extend((0..slot.len).map(draw));
                }
                Err(constant) => params.extend(std::iter::repeat_n(constant, slot.len)),
            }
        }
        params
    }
}
