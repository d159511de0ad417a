// The shape every matmul kernel reads from its uniform, prepended to each kernel's source.
struct Dims {
    m: u32,
    n: u32,
    k: u32,
    // K padded as the kernel's input layout needs it (K itself for row-major inputs).
    kp: u32,
    // The first workgroup row of this dispatch: large problems are split into several
    // dispatches so none runs long enough to trip an OS GPU watchdog.
    wg_row0: u32,
    _pad0: u32,
    _pad1: u32,
    _pad2: u32,
}
