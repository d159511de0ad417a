// The bindings of both cross-entropy kernels (crossentropy.wgsl: a workgroup per row;
// crossentropy_lane.wgsl: an invocation per row), prepended to each by the registry
// (kernels/crossentropy.rs). Rows of the chunk are rows row0.. of the batch, for the targets and
// losses; dloss is the mean loss's weight per position, 1 / (B * T).

struct Params {
    rows: u32,
    v: u32,
    row0: u32,
    dloss: f32,
}

@group(0) @binding(0) var<storage, read_write> logits: array<Column>;
@group(0) @binding(1) var<storage, read> targets: array<u32>;
@group(0) @binding(2) var<storage, read_write> losses: array<f32>;
@group(0) @binding(3) var<uniform> p: Params;
