//! The linear layers' three products apart: Y = X·W (forward), dX = dY·Wᵀ and dW = Xᵀ·dY
//! (backward). Issue 18 wants each backward product at 80% of the forward one's rate at the same
//! shapes; over a step they are the same shapes (each layer's three products do the same
//! FLOPs), so their summed rates compare directly.

use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Product {
    Forward,
    BackwardInput,
    BackwardWeight,
}

impl Product {
    pub const ALL: [Product; 3] = [
        Product::Forward,
        Product::BackwardInput,
        Product::BackwardWeight,
    ];

    /// As the issue writes them, W stored input-major; the step's weights are output-major
    /// (llm.c's), which swaps which operand the kernels read transposed, not the arithmetic.
    pub fn name(self) -> &'static str {
        match self {
            Product::Forward => "Y=X·W",
            Product::BackwardInput => "dX=dY·Wᵀ",
            Product::BackwardWeight => "dW=Xᵀ·dY",
        }
    }

    /// The product a matmul kernel of the step (either family, any variant) computes.
    pub fn of_kernel(name: &str) -> Option<Product> {
        if !name.starts_with("matmul") {
            None
        } else if name.contains("backward-input") {
            Some(Product::BackwardInput)
        } else if name.contains("backward-weight") {
            Some(Product::BackwardWeight)
        } else if name.contains("forward") {
            Some(Product::Forward)
        } else {
            None
        }
    }
}

/// Each dispatch's product, from the kernels' names in step order: a matmul's own, and a
/// texture pack's that of the product it packs for (the packs come just before it), since a
/// product's time includes the copies it needs.
pub fn attribute(kernels: &[&str]) -> Vec<Option<Product>> {
    let mut out = vec![None; kernels.len()];
    let mut packs = Vec::new();
    for (i, name) in kernels.iter().enumerate() {
        if name.starts_with("pack-texture") {
            packs.push(i);
        } else if let Some(product) = Product::of_kernel(name) {
            out[i] = Some(product);
            for j in packs.drain(..) {
                out[j] = Some(product);
            }
        } else {
            packs.clear();
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packs_belong_to_the_product_they_feed() {
        let got = attribute(&[
            "layernorm-forward",
            "pack-texture",
            "pack-texture-transposed",
            "matmul-texture-forward",
            "matmul-backward-input-accumulate",
            "pack-texture-transposed",
            "pack-texture",
            "matmul-texture-backward-weight",
            "adamw",
        ]);
        use Product::*;
        assert_eq!(
            got,
            [
                None,
                Some(Forward),
                Some(Forward),
                Some(Forward),
                Some(BackwardInput),
                Some(BackwardWeight),
                Some(BackwardWeight),
                Some(BackwardWeight),
                None
            ]
        );
    }
}
