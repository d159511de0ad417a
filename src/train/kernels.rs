//! The training step's kernels as data: each one's WGSL, entry point, bindings, override
//! constants and how its workgroup count follows from the work, so the CLI's step and (later) a
//! browser execute the same kernels without either writing one twice. One WGSL file a kernel in
//! `shaders/train/`; [`registry`] is the one list that names them all.
//!
//! The linear layers' three products use one matmul shader, the tiled family's kernel with
//! transposed-operand variants chosen by override constants (`shaders/train/matmul.wgsl`); its
//! tile configuration is a [`TiledConfig`], as `tune` chooses for the tiled family.

use std::borrow::Cow;

use serde::Serialize;

use crate::kernels::{texture, TextureConfig, TiledConfig};
use crate::model::Dtype;
use crate::model::MatmulProblem;

/// Where a kernel's time goes in the step's breakdown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum KernelClass {
    MatmulForward,
    MatmulBackward,
    Attention,
    LayerNorm,
    Gelu,
    Loss,
    Optimizer,
    /// Embeddings, residual adds, bias gradients.
    Other,
}

impl KernelClass {
    pub const ALL: [KernelClass; 8] = [
        KernelClass::MatmulForward,
        KernelClass::MatmulBackward,
        KernelClass::Attention,
        KernelClass::LayerNorm,
        KernelClass::Gelu,
        KernelClass::Loss,
        KernelClass::Optimizer,
        KernelClass::Other,
    ];

    pub fn name(self) -> &'static str {
        match self {
            KernelClass::MatmulForward => "matmul fwd",
            KernelClass::MatmulBackward => "matmul bwd",
            KernelClass::Attention => "attention",
            KernelClass::LayerNorm => "layernorm",
            KernelClass::Gelu => "gelu",
            KernelClass::Loss => "loss",
            KernelClass::Optimizer => "optimizer",
            KernelClass::Other => "other",
        }
    }

    /// Kernels whose time is bounded by memory traffic, not arithmetic: their achieved GB/s is
    /// the figure that says how well they do.
    pub fn memory_bound(self) -> bool {
        !matches!(
            self,
            KernelClass::MatmulForward | KernelClass::MatmulBackward | KernelClass::Attention
        )
    }
}

/// How a binding is declared in the shader.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Access {
    Read,
    ReadWrite,
    Uniform,
    /// A `texture_2d<f32>` read with textureLoad (unfilterable: rgba32float).
    SampledTexture,
    /// A `texture_storage_2d<rgba32float, write>`.
    StorageTexture,
    /// A `texture_storage_2d<rgba16float, write>`: the f16 products' packed operands (a
    /// storage format every WebGPU adapter has; no SHADER_F16 needed to write it).
    StorageTextureF16,
}

#[derive(Debug, Clone, Serialize)]
pub struct Binding {
    pub name: &'static str,
    pub access: Access,
}

/// How many workgroups one dispatch needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Grid {
    /// `per_group` items (elements, rows, channels: the kernel says which) a workgroup; the
    /// groups are folded into x and y when they exceed the per-dimension limit, and the kernel
    /// recovers its index as (y · groups_x + x) · per_group + local index.
    Items { per_group: u32 },
    /// A matmul's output tiles: ⌈n / cols⌉ × ⌈m / rows⌉.
    Tiles { cols: u32, rows: u32 },
}

/// WebGPU's guaranteed workgroups per dimension; every adapter allows at least this many.
pub const MAX_GROUPS_PER_DIMENSION: u32 = 65_535;

impl Grid {
    /// Workgroups (x, y) for `items` work items ([`Grid::Items`]).
    pub fn for_items(self, items: u64) -> (u32, u32) {
        let per_group = match self {
            Grid::Items { per_group } => per_group,
            Grid::Tiles { cols, rows } => cols * rows,
        };
        let groups = items.div_ceil(per_group as u64).max(1);
        let x = groups.min(MAX_GROUPS_PER_DIMENSION as u64);
        (x as u32, groups.div_ceil(x) as u32)
    }

    /// Workgroups (x, y) for an output of `p.m` rows and `p.n` columns ([`Grid::Tiles`]).
    pub fn for_output(self, p: MatmulProblem) -> (u32, u32) {
        match self {
            Grid::Tiles { cols, rows } => (p.n.div_ceil(cols), p.m.div_ceil(rows)),
            Grid::Items { .. } => self.for_items(p.m as u64 * p.n as u64),
        }
    }
}

/// One kernel of the step.
#[derive(Debug, Clone, Serialize)]
pub struct TrainKernel {
    pub name: &'static str,
    pub class: KernelClass,
    pub source: Cow<'static, str>,
    pub entry_point: &'static str,
    /// Bindings of group 0, in binding order; the last is the kernel's `Params` uniform
    /// (AdamW has two uniforms: the per-step hyperparameters, then its tensor's length).
    pub bindings: Vec<Binding>,
    /// Values for the shader's `override` constants.
    pub constants: Vec<(String, f64)>,
    pub grid: Grid,
    /// Precision of the values it reads and writes, and of its arithmetic.
    pub precision: Dtype,
}

impl TrainKernel {
    pub fn constants(&self) -> Vec<(&str, f64)> {
        self.constants
            .iter()
            .map(|(n, v)| (n.as_str(), *v))
            .collect()
    }
}

fn bindings(list: &[(&'static str, Access)]) -> Vec<Binding> {
    list.iter()
        .map(|&(name, access)| Binding { name, access })
        .collect()
}

fn simple(
    name: &'static str,
    class: KernelClass,
    source: &'static str,
    list: &[(&'static str, Access)],
    per_group: u32,
) -> TrainKernel {
    TrainKernel {
        name,
        class,
        source: source.into(),
        entry_point: "main",
        bindings: bindings(list),
        constants: Vec::new(),
        grid: Grid::Items { per_group },
        precision: Dtype::F32,
    }
}

use Access::{Read, ReadWrite, Uniform};

/// Elements a workgroup of an element-wise kernel covers: 256 invocations of four values each
/// (vec4; see `launch::storage` for the padding that makes any length safe).
pub const VEC4_GROUP: u32 = 1024;

macro_rules! shader {
    ($file:literal) => {
        include_str!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/shaders/train/",
            $file
        ))
    };
}

pub mod attention;
pub mod attention_products;
pub mod columns;
pub mod coop_matrix;
pub mod crossentropy;
pub mod encoder_forward;
pub mod llama;
pub mod row_spread;

pub use attention::AttentionPath;
pub use columns::{bias_backward, encoder_backward_wpe, encoder_backward_wte, Columns};
pub use crossentropy::crossentropy;
pub use encoder_forward::encoder_forward;
pub use row_spread::RowSpread;

/// Which of the linear layer's products a matmul variant computes; each fixes how A and B are
/// indexed and whether C is replaced or added to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum MatmulVariant {
    /// Y = X·Wᵀ + b.
    Forward,
    /// logits = X·Wᵀ (the LM head: tied to the token table, no bias).
    ForwardNoBias,
    /// dX = dY·W.
    BackwardInput,
    /// dX += dY·W (the LM head's input gradient, summed over vocabulary chunks).
    BackwardInputAccumulate,
    /// dW += dYᵀ·X.
    BackwardWeight,
}

impl MatmulVariant {
    pub const ALL: [MatmulVariant; 5] = [
        MatmulVariant::Forward,
        MatmulVariant::ForwardNoBias,
        MatmulVariant::BackwardInput,
        MatmulVariant::BackwardInputAccumulate,
        MatmulVariant::BackwardWeight,
    ];

    pub fn name(self) -> &'static str {
        match self {
            MatmulVariant::Forward => "matmul-forward",
            MatmulVariant::ForwardNoBias => "matmul-forward-nobias",
            MatmulVariant::BackwardInput => "matmul-backward-input",
            MatmulVariant::BackwardInputAccumulate => "matmul-backward-input-accumulate",
            MatmulVariant::BackwardWeight => "matmul-backward-weight",
        }
    }

    /// The name of the f16-operand variant (`matmul_in` with [`Dtype::F16`]).
    pub fn f16_name(self) -> &'static str {
        match self {
            MatmulVariant::Forward => "matmul-forward-f16",
            MatmulVariant::ForwardNoBias => "matmul-forward-nobias-f16",
            MatmulVariant::BackwardInput => "matmul-backward-input-f16",
            MatmulVariant::BackwardInputAccumulate => "matmul-backward-input-accumulate-f16",
            MatmulVariant::BackwardWeight => "matmul-backward-weight-f16",
        }
    }

    /// The texture family's variant reading rgba16float textures ([`Dtype::F16`]).
    pub fn texture_f16_name(self) -> &'static str {
        match self {
            MatmulVariant::Forward => "matmul-texture-forward-f16",
            MatmulVariant::ForwardNoBias => "matmul-texture-forward-nobias-f16",
            MatmulVariant::BackwardInput => "matmul-texture-backward-input-f16",
            MatmulVariant::BackwardInputAccumulate => {
                "matmul-texture-backward-input-accumulate-f16"
            }
            MatmulVariant::BackwardWeight => "matmul-texture-backward-weight-f16",
        }
    }

    /// The cooperative-matrix variant (`coop_matrix.rs`).
    pub fn coop_name(self) -> &'static str {
        match self {
            MatmulVariant::Forward => "matmul-coop-forward",
            MatmulVariant::ForwardNoBias => "matmul-coop-forward-nobias",
            MatmulVariant::BackwardInput => "matmul-coop-backward-input",
            MatmulVariant::BackwardInputAccumulate => "matmul-coop-backward-input-accumulate",
            MatmulVariant::BackwardWeight => "matmul-coop-backward-weight",
        }
    }

    pub fn texture_name(self) -> &'static str {
        match self {
            MatmulVariant::Forward => "matmul-texture-forward",
            MatmulVariant::ForwardNoBias => "matmul-texture-forward-nobias",
            MatmulVariant::BackwardInput => "matmul-texture-backward-input",
            MatmulVariant::BackwardInputAccumulate => "matmul-texture-backward-input-accumulate",
            MatmulVariant::BackwardWeight => "matmul-texture-backward-weight",
        }
    }

    pub fn class(self) -> KernelClass {
        match self {
            MatmulVariant::Forward | MatmulVariant::ForwardNoBias => KernelClass::MatmulForward,
            _ => KernelClass::MatmulBackward,
        }
    }

    /// Whether A and B are read transposed.
    pub fn transposes(self) -> (bool, bool) {
        let (a, b, _, _) = self.flags();
        (a, b)
    }

    /// (TRANS_A, TRANS_B, ACCUMULATE, BIAS)
    pub(crate) fn flags(self) -> (bool, bool, bool, bool) {
        match self {
            MatmulVariant::Forward => (false, true, false, true),
            MatmulVariant::ForwardNoBias => (false, true, false, false),
            MatmulVariant::BackwardInput => (false, false, false, false),
            MatmulVariant::BackwardInputAccumulate => (false, false, true, false),
            MatmulVariant::BackwardWeight => (true, false, true, false),
        }
    }
}

/// The matmul of `variant` in the tiled family's configuration `tiles`, f32.
pub fn matmul(variant: MatmulVariant, tiles: TiledConfig) -> TrainKernel {
    matmul_in(variant, tiles, Dtype::F32)
}

/// The same with its operands in `precision` (f16: rounded as they enter shared memory, the
/// products summed in f32; the adapter needs SHADER_F16). Inputs and output stay f32 buffers.
pub fn matmul_in(variant: MatmulVariant, tiles: TiledConfig, precision: Dtype) -> TrainKernel {
    let prelude = match precision {
        Dtype::F32 => "alias T = f32;\n",
        // `enable f16;` must precede every declaration, so the prelude goes first.
        Dtype::F16 => "enable f16;\nalias T = f16;\n",
    };
    let (trans_a, trans_b, accumulate, bias) = variant.flags();
    let flag = |b: bool| if b { 1.0 } else { 0.0 };
    let mut constants: Vec<(String, f64)> = [
        ("BM", tiles.bm),
        ("BN", tiles.bn),
        ("BK", tiles.bk),
        ("TM", tiles.tm),
        ("TN", tiles.tn),
    ]
    .iter()
    .map(|(n, v)| (n.to_string(), *v as f64))
    .collect();
    constants.extend([
        ("TRANS_A".to_string(), flag(trans_a)),
        ("TRANS_B".to_string(), flag(trans_b)),
        ("ACCUMULATE".to_string(), flag(accumulate)),
        ("BIAS".to_string(), flag(bias)),
    ]);
    let class = variant.class();
    TrainKernel {
        name: match precision {
            Dtype::F32 => variant.name(),
            Dtype::F16 => variant.f16_name(),
        },
        class,
        source: format!(
            "{prelude}{}{}",
            shader!("matmul_operands.wgsl"),
            shader!("matmul.wgsl")
        )
        .into(),
        entry_point: "main",
        bindings: bindings(&[
            ("a", Read),
            ("b", Read),
            ("bias", Read),
            ("c", ReadWrite),
            ("params", Uniform),
        ]),
        constants,
        grid: Grid::Tiles {
            cols: tiles.bn,
            rows: tiles.bm,
        },
        precision,
    }
}

/// How the step computes its products: the tiled family's kernel reading the operands where
/// they lie (transposed variants by constants), or the texture family's kernel on copies of the
/// operands packed into textures (transposed while packing), the faster on drivers whose
/// storage-buffer loads are slow (lavapipe). The session picks the one that measured faster.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MatmulPath {
    Tiled(TiledConfig),
    Texture,
    /// Cooperative matrices (f16 only), where the adapter reports their shape
    /// (`coop_matrix.rs`).
    Coop,
}

impl MatmulPath {
    pub fn family(self) -> &'static str {
        match self {
            MatmulPath::Tiled(_) => "tiled",
            MatmulPath::Texture => "texture",
            MatmulPath::Coop => "coop-matrix",
        }
    }
}

/// A product's textures on the texture path: the family's configuration chosen for its shape,
/// and the padded extents it reads (rows to whole tiles, columns and K to whole tiles / texels).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TextureLayout {
    pub cfg: TextureConfig,
    pub mp: u32,
    pub np: u32,
    pub kp: u32,
}

impl TextureLayout {
    /// The configuration (of a few, all with the family's default 8×2 register block) that pads
    /// `p` least: a narrow output in a 512-column tile would waste most of its work.
    pub fn for_problem(p: MatmulProblem) -> TextureLayout {
        [(128, 64), (64, 16), (64, 8)]
            .iter()
            .map(|&(wg, wg_cols)| {
                let cfg = TextureConfig {
                    tm: 8,
                    tn4: 2,
                    wg,
                    wg_cols,
                };
                let rows = (wg / wg_cols) * cfg.tm;
                let cols = wg_cols * cfg.tn4 * 4;
                TextureLayout {
                    cfg,
                    mp: p.m.div_ceil(rows) * rows,
                    np: p.n.div_ceil(cols) * cols,
                    kp: p.k.div_ceil(4) * 4,
                }
            })
            .min_by_key(|l| l.mp as u64 * l.np as u64)
            .expect("three configurations")
    }

    /// (width in texels, height) of A's and of B's texture.
    pub fn extents(&self) -> [(u32, u32); 2] {
        [(self.kp / 4, self.mp), (self.np / 4, self.kp)]
    }

    /// Whether both textures fit a device allowing `max_dim` texels a side.
    pub fn fits(&self, max_dim: u32) -> bool {
        self.extents()
            .iter()
            .all(|&(w, h)| w <= max_dim && h <= max_dim)
    }
}

/// Copies an operand into the texture family's layout, straight or transposed.
pub fn pack_texture(transposed: bool, class: KernelClass) -> TrainKernel {
    pack_texture_in(transposed, class, Dtype::F32)
}

/// The same into textures of `precision`: rgba16float for f16, each value rounded to f16 by
/// the store, half the bytes of rgba32float.
pub fn pack_texture_in(transposed: bool, class: KernelClass, precision: Dtype) -> TrainKernel {
    let (source, dst): (Cow<'static, str>, Access) = match precision {
        Dtype::F32 => (shader!("pack_texture.wgsl").into(), Access::StorageTexture),
        Dtype::F16 => (
            shader!("pack_texture.wgsl")
                .replace(
                    "texture_storage_2d<rgba32float, write>",
                    "texture_storage_2d<rgba16float, write>",
                )
                .into(),
            Access::StorageTextureF16,
        ),
    };
    let mut k = simple(
        match (transposed, precision) {
            (false, Dtype::F32) => "pack-texture",
            (true, Dtype::F32) => "pack-texture-transposed",
            (false, Dtype::F16) => "pack-texture-f16",
            (true, Dtype::F16) => "pack-texture-transposed-f16",
        },
        class,
        "",
        &[("src", Read), ("dst", dst), ("params", Uniform)],
        16,
    );
    k.source = source;
    k.precision = precision;
    k.constants = vec![("TRANS".into(), if transposed { 1.0 } else { 0.0 })];
    if precision == Dtype::F16 {
        k.constants.push(("HALF".into(), 1.0));
    }
    // 16×16 invocations over (texel columns, rows) of the packed copy.
    k.grid = Grid::Tiles { cols: 16, rows: 16 };
    k
}

/// The texture family's kernel in configuration `cfg`, with the step's epilogue (block of a
/// larger C, bias, accumulation) in place of its plain store.
pub fn matmul_texture(variant: MatmulVariant, cfg: TextureConfig) -> TrainKernel {
    matmul_texture_in(variant, cfg, Dtype::F32)
}

/// The same reading textures of `precision` (f16: rgba16float, read as f32, summed in f32; the
/// texture-f16 bench family's kernel).
pub fn matmul_texture_in(
    variant: MatmulVariant,
    cfg: TextureConfig,
    precision: Dtype,
) -> TrainKernel {
    let (_, _, accumulate, bias) = variant.flags();
    let family = texture(cfg, false, precision);
    let plain_store = include_str!("../../shaders/matmul_store4.wgsl");
    assert!(
        family.source.contains(plain_store),
        "the texture family appends its store"
    );
    let source = family
        .source
        .replace(plain_store, shader!("matmul_texture_store.wgsl"));
    let mut constants = family.constants.clone();
    let flag = |b: bool| if b { 1.0 } else { 0.0 };
    constants.push(("ACCUMULATE".into(), flag(accumulate)));
    constants.push(("BIAS".into(), flag(bias)));
    TrainKernel {
        name: match precision {
            Dtype::F32 => variant.texture_name(),
            Dtype::F16 => variant.texture_f16_name(),
        },
        class: variant.class(),
        source: source.into(),
        entry_point: "main",
        bindings: bindings(&[
            ("tex_a", Access::SampledTexture),
            ("tex_b", Access::SampledTexture),
            ("c", ReadWrite),
            ("dims", Uniform),
            ("epilogue", Uniform),
            ("bias", Read),
        ]),
        constants,
        grid: Grid::Tiles {
            cols: family.tile.0,
            rows: family.tile.1,
        },
        precision,
    }
}

/// One invocation per row, reading it one value or four (as one vec4) at a time.
pub fn layernorm_forward(columns: Columns) -> TrainKernel {
    columns.kernel(
        ["layernorm-forward", "layernorm-forward-vec4"],
        KernelClass::LayerNorm,
        shader!("layernorm_forward.wgsl"),
        &[
            ("inp", Read),
            ("weight", Read),
            ("bias", Read),
            ("out", ReadWrite),
            ("mean", ReadWrite),
            ("rstd", ReadWrite),
            ("params", Uniform),
        ],
        64,
    )
}

/// One invocation per row, reading it one value or four (as one vec4) at a time.
pub fn layernorm_backward_input(columns: Columns) -> TrainKernel {
    columns.kernel(
        ["layernorm-backward-input", "layernorm-backward-input-vec4"],
        KernelClass::LayerNorm,
        shader!("layernorm_backward_input.wgsl"),
        &[
            ("dout", Read),
            ("inp", Read),
            ("weight", Read),
            ("mean", Read),
            ("rstd", Read),
            ("dinp", ReadWrite),
            ("params", Uniform),
        ],
        64,
    )
}

pub fn layernorm_backward_params(columns: Columns) -> TrainKernel {
    columns.kernel(
        [
            "layernorm-backward-params",
            "layernorm-backward-params-vec4",
        ],
        KernelClass::LayerNorm,
        shader!("layernorm_backward_params.wgsl"),
        &[
            ("dout", Read),
            ("inp", Read),
            ("mean", Read),
            ("rstd", Read),
            ("dweight", ReadWrite),
            ("dbias", ReadWrite),
            ("params", Uniform),
        ],
        64,
    )
}

pub fn gelu_forward() -> TrainKernel {
    simple(
        "gelu-forward",
        KernelClass::Gelu,
        shader!("gelu_forward.wgsl"),
        &[("inp", Read), ("out", ReadWrite), ("params", Uniform)],
        VEC4_GROUP,
    )
}

pub fn gelu_backward() -> TrainKernel {
    simple(
        "gelu-backward",
        KernelClass::Gelu,
        shader!("gelu_backward.wgsl"),
        &[
            ("inp", Read),
            ("dout", Read),
            ("dinp", ReadWrite),
            ("params", Uniform),
        ],
        VEC4_GROUP,
    )
}

pub fn residual_forward() -> TrainKernel {
    simple(
        "residual-forward",
        KernelClass::Other,
        shader!("residual_forward.wgsl"),
        &[
            ("a", Read),
            ("b", Read),
            ("out", ReadWrite),
            ("params", Uniform),
        ],
        VEC4_GROUP,
    )
}

pub fn residual_backward() -> TrainKernel {
    simple(
        "residual-backward",
        KernelClass::Other,
        shader!("residual_backward.wgsl"),
        &[
            ("dout", Read),
            ("da", ReadWrite),
            ("db", ReadWrite),
            ("params", Uniform),
        ],
        256,
    )
}

pub fn loss_mean() -> TrainKernel {
    let mut k = simple(
        "loss-mean",
        KernelClass::Loss,
        shader!("loss_mean.wgsl"),
        &[("losses", Read), ("out", ReadWrite), ("params", Uniform)],
        1,
    );
    // One workgroup reduces every position.
    k.grid = Grid::Items {
        per_group: u32::MAX,
    };
    k
}

pub fn adamw() -> TrainKernel {
    simple(
        "adamw",
        KernelClass::Optimizer,
        shader!("adamw.wgsl"),
        &[
            ("param", ReadWrite),
            ("grad", Read),
            ("m", ReadWrite),
            ("v", ReadWrite),
            ("hyper", Uniform),
            ("params", Uniform),
        ],
        VEC4_GROUP,
    )
}

/// Every kernel of the step, matmul variants in the configuration `tiles`.
pub fn registry(tiles: TiledConfig) -> Vec<TrainKernel> {
    let mut all: Vec<TrainKernel> = MatmulVariant::ALL
        .iter()
        .flat_map(|&v| [Dtype::F32, Dtype::F16].map(|d| matmul_in(v, tiles, d)))
        .collect();
    all.extend(MatmulVariant::ALL.iter().flat_map(|&v| {
        [Dtype::F32, Dtype::F16].map(|d| matmul_texture_in(v, TextureConfig::default(), d))
    }));
    all.extend(
        MatmulVariant::ALL
            .iter()
            .map(|&v| coop_matrix::matmul_coop(v)),
    );
    all.extend([
        pack_texture(false, KernelClass::MatmulForward),
        pack_texture(true, KernelClass::MatmulForward),
        pack_texture_in(false, KernelClass::MatmulForward, Dtype::F16),
        pack_texture_in(true, KernelClass::MatmulForward, Dtype::F16),
        gelu_forward(),
        gelu_backward(),
        residual_forward(),
        residual_backward(),
        loss_mean(),
        adamw(),
    ]);
    all.extend(row_spread::every(&[crossentropy, encoder_forward]));
    all.extend(columns::both(&[
        layernorm_forward,
        layernorm_backward_input,
        layernorm_backward_params,
    ]));
    all.extend(columns::all());
    all.extend(llama::all());
    all.extend(attention::all());
    all.extend(attention_products::all());
    all
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_every_shader_declares_its_bindings() {
        let all = registry(TiledConfig::default());
        let mut names: Vec<&str> = all.iter().map(|k| k.name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), all.len());
        for k in &all {
            assert!(k.source.contains("fn main"), "{}", k.name);
            for (i, _) in k.bindings.iter().enumerate() {
                assert!(
                    k.source.contains(&format!("@binding({i})")),
                    "{} lacks binding {i}",
                    k.name
                );
            }
            assert!(!k
                .source
                .contains(&format!("@binding({})", k.bindings.len())));
        }
    }

    #[test]
    fn grids_fold_large_counts_into_two_dimensions() {
        let g = Grid::Items { per_group: 256 };
        assert_eq!(g.for_items(1), (1, 1));
        assert_eq!(g.for_items(257), (2, 1));
        let (x, y) = g.for_items(50257 * 768);
        assert!(x <= MAX_GROUPS_PER_DIMENSION && x as u64 * y as u64 * 256 >= 50257 * 768);
        let t = Grid::Tiles { cols: 64, rows: 32 };
        let p = MatmulProblem {
            m: 65,
            n: 130,
            k: 7,
        };
        assert_eq!(t.for_output(p), (3, 3));
    }
}
