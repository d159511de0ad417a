//! `train --precision f16 --matmul auto`'s measurement, made before the step is built: the
//! step's own f16 product kernels, on each path the adapter offers (tiled, texture with its
//! packs, cooperative matrices where the adapter reports their shape), at the step's largest
//! product (the MLP's B·T × 4C × C, bias included), on seeded random inputs. Each path's output
//! is checked against the tiled path's first, and only one that agrees may be chosen; then each
//! is timed by the wall clock, submission to completion, in alternation so that a change in the
//! machine's load falls on all of them. The texture path's packs are inside its time, as they
//! are inside the step's.

use std::time::Duration;

use crate::error::FlopcostError;
use crate::gpu::{read_buffer, GpuContext};
use crate::model::{Dtype, MatmulProblem, SplitMix64};

use super::kernels::{MatmulPath, MatmulVariant, TextureLayout};
use super::launch::{storage, upload};
use super::record::{matmul, Gemm};
use super::step::{packed_format, Op, Recorder};

/// One path's figures.
#[derive(Debug, Clone)]
pub struct PathProbe {
    pub path: MatmulPath,
    /// Wall-clock seconds of the product (packs included), each run.
    pub samples_s: Vec<f64>,
    /// Largest difference from the tiled path's output, relative to its largest value.
    pub difference: f64,
}

impl PathProbe {
    /// The median run; infinite for a path never timed (one that disagreed).
    pub fn median_s(&self) -> f64 {
        if self.samples_s.is_empty() {
            return f64::INFINITY;
        }
        let mut s = self.samples_s.clone();
        s.sort_by(f64::total_cmp);
        s[s.len() / 2]
    }

    /// Whether the path computed the tiled path's product: both round the same f32 operands to
    /// f16 and sum in f32, in different orders, which moves the output by a few f32 ulps times
    /// √K (and by an f16 ulp of an operand where a driver rounds it otherwise, partly cancelling
    /// over K terms); a misread element or a wrong transposition differs by order one.
    pub fn agrees(&self) -> bool {
        self.difference < PROBE_TOLERANCE
    }
}

/// The fastest path that agreed with the tiled one (which agrees with itself, so one exists
/// whenever the tiled path is among them): a path that disagreed is never chosen, however fast.
pub fn fastest_agreeing(probes: &[PathProbe]) -> Option<&PathProbe> {
    probes
        .iter()
        .filter(|p| p.agrees())
        .min_by(|a, b| a.median_s().total_cmp(&b.median_s()))
}

/// See [`PathProbe::agrees`].
pub const PROBE_TOLERANCE: f64 = 1e-2;

const TIMEOUT: Duration = Duration::from_secs(120);

/// The product the probe times: Y = X·Wᵀ + b of the MLP's first layer.
pub fn probe_problem(batch: usize, ctx: usize, width: usize) -> MatmulProblem {
    MatmulProblem {
        m: (batch * ctx) as u32,
        n: 4 * width as u32,
        k: width as u32,
    }
}

/// Times each of `paths` (the tiled one first: the reference) `runs` times at `problem`, f16
/// operands, after one untimed run of each, which is the check.
pub fn probe(
    ctx: &GpuContext,
    problem: MatmulProblem,
    paths: &[MatmulPath],
    seed: u64,
    runs: u32,
) -> Result<Vec<PathProbe>, FlopcostError> {
    assert!(matches!(paths.first(), Some(MatmulPath::Tiled(_))));
    let device = &ctx.device;
    let (m, n, k) = (problem.m as u64, problem.n as u64, problem.k as u64);
    let mut rng = SplitMix64::new(seed);
    let mut random = |len: u64| -> Vec<f32> { (0..len).map(|_| rng.nonzero()).collect() };
    let (x, w, b) = (random(m * k), random(n * k), random(n));
    let max_texture = ctx.description.limits.max_texture_dimension_2d;
    let layout = TextureLayout::for_problem(problem);
    let (rec, recorded) = ctx.scoped(|| {
        let x = upload(ctx, bytemuck::cast_slice(&x));
        let w = upload(ctx, bytemuck::cast_slice(&w));
        let b = upload(ctx, bytemuck::cast_slice(&b));
        let y = storage(device, "probe output", 4 * m * n);
        let textures = if paths.contains(&MatmulPath::Texture) && layout.fits(max_texture) {
            layout
                .extents()
                .into_iter()
                .enumerate()
                .map(|(slot, (width, height))| {
                    let texture = device.create_texture(&wgpu::TextureDescriptor {
                        label: Some("probe packed operand"),
                        size: wgpu::Extent3d {
                            width,
                            height,
                            depth_or_array_layers: 1,
                        },
                        mip_level_count: 1,
                        sample_count: 1,
                        dimension: wgpu::TextureDimension::D2,
                        format: packed_format(Dtype::F16),
                        usage: wgpu::TextureUsages::TEXTURE_BINDING
                            | wgpu::TextureUsages::STORAGE_BINDING,
                        view_formats: &[],
                    });
                    (
                        (width, height, slot),
                        texture.create_view(&Default::default()),
                    )
                })
                .collect()
        } else {
            Vec::new()
        };
        let mut rec = Recorder {
            device,
            pipelines: Vec::new(),
            ops: Vec::new(),
            path: paths[0],
            precision: Dtype::F16,
            max_texture,
            textures,
        };
        let gemm = Gemm {
            m: problem.m,
            n: problem.n,
            k: problem.k,
            lda: problem.k,
            ldb: problem.k,
            ldc: problem.n,
            a_off: 0,
            b_off: 0,
            c_off: 0,
        };
        let mut recorded: Vec<Vec<Op>> = Vec::new();
        for &path in paths {
            rec.path = path;
            matmul(&mut rec, MatmulVariant::Forward, gemm, [&x, &w, &b, &y]);
            recorded.push(std::mem::take(&mut rec.ops));
        }
        (rec, (recorded, y))
    })?;
    let (recorded, y) = recorded;
    let run = |ops: &[Op]| rec.time_alone(ctx, ops, TIMEOUT);
    let read = || -> Result<Vec<f32>, FlopcostError> {
        let bytes = read_buffer(ctx, &y, 4 * m * n, TIMEOUT)?;
        Ok(bytemuck::pod_collect_to_vec(&bytes))
    };
    let mut out: Vec<PathProbe> = Vec::new();
    let mut reference: Vec<f32> = Vec::new();
    for (i, ops) in recorded.iter().enumerate() {
        run(ops)?;
        let got = read()?;
        if i == 0 {
            reference = got.clone();
        }
        let largest = reference
            .iter()
            .fold(0f64, |acc, &v| acc.max((v as f64).abs()));
        let difference = got
            .iter()
            .zip(&reference)
            .map(|(&g, &e)| (g as f64 - e as f64).abs())
            .fold(0f64, |acc, d| {
                if d.is_nan() {
                    f64::INFINITY
                } else {
                    acc.max(d)
                }
            })
            / largest.max(f64::MIN_POSITIVE);
        out.push(PathProbe {
            path: paths[i],
            samples_s: Vec::new(),
            difference,
        });
    }
    for _ in 0..runs.max(1) {
        for (i, ops) in recorded.iter().enumerate() {
            // One that disagrees is never chosen: no time spent on it.
            if out[i].agrees() {
                let s = run(ops)?;
                out[i].samples_s.push(s);
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn probe(path: MatmulPath, seconds: f64, difference: f64) -> PathProbe {
        PathProbe {
            path,
            samples_s: if difference < PROBE_TOLERANCE {
                vec![seconds; 3]
            } else {
                Vec::new()
            },
            difference,
        }
    }

    #[test]
    fn a_path_that_disagreed_is_never_chosen() {
        let tiled = MatmulPath::Tiled(Default::default());
        let probes = [
            probe(tiled, 1.0, 0.0),
            probe(MatmulPath::Texture, 0.5, 2e-4),
            probe(MatmulPath::Coop, 0.01, 0.5),
        ];
        assert_eq!(fastest_agreeing(&probes).unwrap().path, MatmulPath::Texture);
        let nan = [
            probe(tiled, 1.0, 0.0),
            probe(MatmulPath::Coop, 0.01, f64::INFINITY),
        ];
        assert_eq!(fastest_agreeing(&nan).unwrap().path, tiled);
    }
}
