// What the three fused attention kernels share, placed before each one's own source
// (src/train/kernels/attention.rs): their parameters, the head-size bound, and which block of
// positions of which (sequence, head) a workgroup owns. Each kernel declares its own bindings,
// `p` among them.

struct Params {
    b: u32,
    t: u32,
    c: u32,
    nh: u32,
    scale: f32,
    _pad0: u32,
    _pad1: u32,
    _pad2: u32,
}

// Head sizes up to this; the host refuses larger ones.
const MAX_HS: u32 = 128u;
// Positions a workgroup owns, one invocation each: queries in the forward pass and the
// queries' half of the backward, keys in the keys' half.
const BQ: u32 = 64u;

// Block `blk` of BQ consecutive positions of head `h` of sequence `bb`.
struct Block {
    blk: u32,
    h: u32,
    bb: u32,
}

// Workgroups with work: one a block of every (sequence, head). Those past it return at once,
// before any barrier, all of a workgroup alike.
fn block_count() -> u32 {
    return p.b * p.nh * ((p.t + BQ - 1u) / BQ);
}

fn block_of(group: u32) -> Block {
    let blocks = (p.t + BQ - 1u) / BQ;
    return Block(group % blocks, (group / blocks) % p.nh, group / (blocks * p.nh));
}

