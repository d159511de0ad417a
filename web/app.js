// flopcost in the browser: runs the kernel plans that `flopcost serve` / `flopcost web` wrote
// into data.js, with the CLI's rules: f16-exact random inputs, a NaN-poisoned output checked
// against an f64 reference before and after timing, warm-up, several timed runs, median.
// The page knows no kernel: every shader, binding and dispatch comes from the plans.
'use strict';

(() => {
  const DATA = window.FLOPCOST_DATA;
  const $ = (id) => document.getElementById(id);
  const params = new URLSearchParams(location.search);
  const setState = (s) => { document.body.dataset.state = s; };

  // --- Random inputs: SplitMix64 exactly as src/bench/inputs.rs, so a seed means the same
  // matrices here and in the CLI.
  const MASK64 = (1n << 64n) - 1n;
  class SplitMix64 {
    constructor(seed) { this.s = BigInt.asUintN(64, BigInt(seed)); }
    nextU64() {
      this.s = (this.s + 0x9E3779B97F4A7C15n) & MASK64;
      let z = this.s;
      z = ((z ^ (z >> 30n)) * 0xBF58476D1CE4E5B9n) & MASK64;
      z = ((z ^ (z >> 27n)) * 0x94D049BB133111EBn) & MASK64;
      return z ^ (z >> 31n);
    }
    nextF64() { return Number(this.nextU64() >> 11n) / 2 ** 53; }
    below(bound) { return Number(((this.nextU64() >> 32n) * BigInt(bound)) >> 32n); }
    // Magnitude in [0.25, 1), a multiple of 2^-11 (f16 holds it exactly), random sign.
    nonzero() {
      const magnitude = Math.min(Math.round((0.25 + 0.75 * this.nextF64()) * 2048), 2047) / 2048;
      return (this.nextU64() & 1n) === 0n ? magnitude : -magnitude;
    }
  }

  function randomSeed() {
    // Below 2^53 so the seed survives JSON as a number.
    const words = crypto.getRandomValues(new Uint32Array(2));
    return (words[0] & 0x1fffff) * 2 ** 32 + words[1];
  }

  function makeInputs(size, seed) {
    const rng = new SplitMix64(seed);
    const a = new Float32Array(size * size);
    const b = new Float32Array(size * size);
    for (let i = 0; i < a.length; i++) a[i] = rng.nonzero();
    for (let i = 0; i < b.length; i++) b[i] = rng.nonzero();
    return { size, seed, a, b };
  }

  // --- The f64 reference for the elements of C that are checked: all of them, or (for large
  // sizes, as the plans say) random rows and columns plus the last of each.
  function makeReference(inputs, check) {
    const n = inputs.size;
    const { a, b } = inputs;
    const cells = [];
    let checked = 'full';
    if (check.kind === 'full') {
      for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) cells.push([i, j]);
    } else {
      const rng = new SplitMix64(BigInt(inputs.seed) ^ 0x5eedc4ecn);
      const rows = new Set([n - 1]);
      const cols = new Set([n - 1]);
      for (let r = 0; r < check.rows; r++) rows.add(rng.below(n));
      for (let c = 0; c < check.cols; c++) cols.add(rng.below(n));
      for (const i of rows) for (let j = 0; j < n; j++) cells.push([i, j]);
      for (const j of cols) for (let i = 0; i < n; i++) cells.push([i, j]);
      checked = `sampled: ${rows.size} random rows and ${cols.size} random columns of C`;
    }
    const index = new Uint32Array(cells.length);
    const exact = new Float64Array(cells.length);
    const scale = new Float64Array(cells.length);
    cells.forEach(([i, j], e) => {
      let sum = 0;
      let abs = 0;
      for (let t = 0; t < n; t++) {
        const term = a[i * n + t] * b[t * n + j];
        sum += term;
        abs += Math.abs(term);
      }
      index[e] = i * n + j;
      exact[e] = sum;
      scale[e] = abs;
    });
    return { index, exact, scale, checked };
  }

  function checkResult(ref, c, tolerance) {
    let worst = 0;
    for (let e = 0; e < ref.index.length; e++) {
      const got = c[ref.index[e]];
      const err = Number.isFinite(got)
        ? Math.abs(got - ref.exact[e]) / Math.max(ref.scale[e], Number.MIN_VALUE)
        : Infinity;
      if (err > worst) worst = err;
    }
    return {
      passed: worst <= tolerance,
      // JSON has no infinity: an unwritten (NaN) element reports the largest finite error.
      max_rel_error: Number.isFinite(worst) ? worst : Number.MAX_VALUE,
      tolerance,
      checked: ref.checked,
    };
  }

  // --- Statistics, as src/bench/stats.rs and outliers.rs compute them.
  function median(values) {
    const s = [...values].sort((x, y) => x - y);
    const n = s.length;
    return n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
  }

  function summarise(samples) {
    const n = samples.length;
    const med = median(samples);
    const mean = samples.reduce((x, y) => x + y, 0) / n;
    const stddev = n > 1
      ? Math.sqrt(samples.reduce((s, x) => s + (x - mean) ** 2, 0) / (n - 1)) : 0;
    const mad = median(samples.map((x) => Math.abs(x - med)));
    const spread = mad / med;
    return {
      median_s: med,
      min_s: Math.min(...samples),
      max_s: Math.max(...samples),
      mean_s: mean,
      stddev_s: stddev,
      mad_s: mad,
      relative_spread: spread,
      spread_warning: spread > 0.10
        ? `samples spread ${(spread * 100).toFixed(1)}% (MAD/median): the median is uncertain`
        : undefined,
    };
  }

  // --- The adapter and device.
  const WANTED_FEATURES = ['timestamp-query', 'shader-f16', 'subgroups'];
  const WANTED_LIMITS = [
    'maxComputeInvocationsPerWorkgroup', 'maxComputeWorkgroupSizeX', 'maxComputeWorkgroupSizeY',
    'maxComputeWorkgroupStorageSize', 'maxComputeWorkgroupsPerDimension',
    'maxStorageBufferBindingSize', 'maxBufferSize', 'maxTextureDimension2D',
  ];
  const SOFTWARE_NAMES = /swiftshader|llvmpipe|lavapipe|softpipe|warp|basic render|software|cpu/i;

  async function openDevice() {
    if (!navigator.gpu) {
      return { missing: 'This browser has no WebGPU (navigator.gpu is missing).' };
    }
    const adapter = await navigator.gpu.requestAdapter({ powerPreference: 'high-performance' });
    if (!adapter) {
      return { missing: 'This browser has WebGPU but offers no adapter: it may be switched off, or no GPU driver is allowed.' };
    }
    const info = adapter.info || {};
    const features = WANTED_FEATURES.filter((f) => adapter.features.has(f));
    const requiredLimits = {};
    for (const name of WANTED_LIMITS) requiredLimits[name] = adapter.limits[name];
    const device = await adapter.requestDevice({ requiredFeatures: features, requiredLimits });
    const label = [info.vendor, info.architecture, info.device, info.description]
      .filter((s) => s).join(' ');
    const software = Boolean(info.isFallbackAdapter || adapter.isFallbackAdapter)
      || SOFTWARE_NAMES.test(label);
    return { adapter, info, device, label: label || 'unnamed adapter', software };
  }

  // The adapter as a result document describes it (src/gpu/description.rs), marked as measured
  // in a browser, with the user agent.
  function describeAdapter(gpu) {
    const { device, info } = gpu;
    const l = device.limits;
    return {
      index: 0,
      name: gpu.label,
      backend: DATA.backend,
      device_type: gpu.software ? 'cpu' : 'other',
      driver: 'WebGPU in a browser',
      driver_info: `measured in a browser; user agent: ${navigator.userAgent}`,
      vendor_id: 0,
      device_id: 0,
      features: {
        timestamp_query: device.features.has('timestamp-query'),
        timestamp_query_inside_passes: false,
        shader_f16: device.features.has('shader-f16'),
        subgroup: device.features.has('subgroups'),
        subgroup_min_size: info.subgroupMinSize || 0,
        subgroup_max_size: info.subgroupMaxSize || 0,
        cooperative_matrix: false,
        cooperative_matrix_shapes: [],
      },
      limits: {
        max_buffer_size: l.maxBufferSize,
        max_storage_buffer_binding_size: l.maxStorageBufferBindingSize,
        max_compute_workgroup_storage_size: l.maxComputeWorkgroupStorageSize,
        max_compute_invocations_per_workgroup: l.maxComputeInvocationsPerWorkgroup,
        max_compute_workgroup_size_x: l.maxComputeWorkgroupSizeX,
        max_compute_workgroup_size_y: l.maxComputeWorkgroupSizeY,
        max_compute_workgroups_per_dimension: l.maxComputeWorkgroupsPerDimension,
        max_texture_dimension_2d: l.maxTextureDimension2D,
      },
    };
  }

  // Why this plan cannot run on this device, or null: its needs against what the device has.
  function whyNot(plan, gpu) {
    const { needs } = plan;
    if (needs.unavailable) return needs.unavailable;
    for (const f of needs.features) {
      if (!gpu.device.features.has(f)) return `adapter lacks ${f}`;
    }
    if (needs.subgroup_min_lanes != null) {
      const min = gpu.info.subgroupMinSize;
      const max = gpu.info.subgroupMaxSize;
      if (!min || !max) return 'the browser does not report subgroup sizes';
      if (min < needs.subgroup_min_lanes) {
        return `needs subgroups of at least ${needs.subgroup_min_lanes} lanes; the adapter's can be ${min}`;
      }
      if (needs.subgroup_lanes_across % max !== 0) {
        return `${needs.subgroup_lanes_across} invocations per row group do not split into subgroups of ${max}`;
      }
    }
    for (const [name, value] of Object.entries(needs.limits)) {
      const have = gpu.device.limits[name];
      if (have === undefined || have < value) return `needs ${name} of ${value}; the device has ${have}`;
    }
    return null;
  }

  // --- Running one plan.
  // Looked up, not named: a browser without WebGPU has no GPUBufferUsage, and must still load
  // this script to say so.
  const U = globalThis.GPUBufferUsage;

  function storageBuffer(device, data) {
    const buffer = own(device.createBuffer({ size: Math.max(data.byteLength, 4), usage: U.STORAGE | U.COPY_DST }));
    device.queue.writeBuffer(buffer, 0, data);
    return buffer;
  }

  function uniform(device, words) {
    const buffer = own(device.createBuffer({ size: words.length * 4, usage: U.UNIFORM | U.COPY_DST }));
    device.queue.writeBuffer(buffer, 0, new Uint32Array(words));
    return buffer;
  }

  async function guarded(device, work) {
    device.pushErrorScope('validation');
    device.pushErrorScope('out-of-memory');
    let value;
    let thrown;
    try { value = await work(); } catch (e) { thrown = e; }
    const oom = await device.popErrorScope();
    const invalid = await device.popErrorScope();
    if (thrown) throw thrown;
    if (oom) throw new Error(`out of device memory: ${oom.message}`);
    if (invalid) throw new Error(`the device refused: ${invalid.message}`);
    return value;
  }

  async function pipelineFor(device, source, entryPoint, constants) {
    const module = device.createShaderModule({ code: source });
    try {
      return await device.createComputePipelineAsync({
        layout: 'auto',
        compute: { module, entryPoint, constants },
      });
    } catch (e) {
      const info = await module.getCompilationInfo();
      const first = info.messages.find((m) => m.type === 'error');
      throw new Error(first ? `shader: ${first.message} (line ${first.lineNum})` : e.message);
    }
  }

  function binding(resource) {
    return resource instanceof GPUBuffer ? { buffer: resource } : resource.createView();
  }

  // Copies A and B into the kernel's layout with the plan's pack shader; timed on its own.
  async function pack(device, pk, srcA, srcB) {
    const pipeline = await pipelineFor(device, DATA.shaders[pk.shader], pk.entry_point, {});
    const made = [];
    const encoder = device.createCommandEncoder();
    const pass = encoder.beginComputePass();
    pass.setPipeline(pipeline);
    for (const [src, job] of [[srcA, pk.a], [srcB, pk.b]]) {
      const [, , dstRows, cols4] = job.words;
      const dst = own(pk.dst === 'buffer'
        ? device.createBuffer({ size: dstRows * cols4 * 4 * pk.bytes_per_value, usage: U.STORAGE })
        : device.createTexture({
          size: [cols4, dstRows],
          format: pk.dst,
          usage: GPUTextureUsage.STORAGE_BINDING | GPUTextureUsage.TEXTURE_BINDING,
        }));
      pass.setBindGroup(0, device.createBindGroup({
        layout: pipeline.getBindGroupLayout(0),
        entries: [
          { binding: 0, resource: { buffer: src } },
          { binding: 1, resource: { buffer: uniform(device, job.words) } },
          { binding: pk.dst_binding, resource: binding(dst) },
        ],
      }));
      pass.dispatchWorkgroups(job.workgroups[0], job.workgroups[1]);
      made.push(dst);
    }
    pass.end();
    const start = performance.now();
    device.queue.submit([encoder.finish()]);
    await device.queue.onSubmittedWorkDone();
    return { a: made[0], b: made[1], seconds: (performance.now() - start) / 1000 };
  }

  async function readBack(device, c, bytes) {
    const staging = device.createBuffer({ size: bytes, usage: U.MAP_READ | U.COPY_DST });
    const encoder = device.createCommandEncoder();
    encoder.copyBufferToBuffer(c, 0, staging, 0, bytes);
    device.queue.submit([encoder.finish()]);
    await staging.mapAsync(GPUMapMode.READ);
    const values = new Float32Array(staging.getMappedRange().slice(0));
    staging.unmap();
    staging.destroy();
    return values;
  }

  // One run of the kernel: returns wall seconds from submit to completion, and the GPU's own
  // seconds where timestamps were granted.
  async function runOnce(device, kernel, timer) {
    const encoder = device.createCommandEncoder();
    const pass = encoder.beginComputePass(timer ? {
      timestampWrites: { querySet: timer.set, beginningOfPassWriteIndex: 0, endOfPassWriteIndex: 1 },
    } : {});
    pass.setPipeline(kernel.pipeline);
    pass.setBindGroup(0, kernel.bindGroup);
    pass.dispatchWorkgroups(kernel.workgroups[0], kernel.workgroups[1]);
    pass.end();
    if (timer) {
      encoder.resolveQuerySet(timer.set, 0, 2, timer.resolve, 0);
      encoder.copyBufferToBuffer(timer.resolve, 0, timer.read, 0, 16);
    }
    const start = performance.now();
    device.queue.submit([encoder.finish()]);
    await device.queue.onSubmittedWorkDone();
    const wall = (performance.now() - start) / 1000;
    let gpu = null;
    if (timer) {
      await timer.read.mapAsync(GPUMapMode.READ);
      const [begin, end] = new BigUint64Array(timer.read.getMappedRange());
      gpu = Number(end - begin) / 1e9;
      timer.read.unmap();
    }
    return { wall, gpu };
  }

  function poison(device, c, elements) {
    device.queue.writeBuffer(c, 0, new Float32Array(elements).fill(NaN));
  }

  // Every buffer, texture and query set one kernel run makes, destroyed when it is done, so a
  // run of every family at a large size does not hold all their memory at once.
  let owned = [];
  function own(resource) {
    owned.push(resource);
    return resource;
  }
  function releaseOwned() {
    for (const resource of owned) resource.destroy();
    owned = [];
  }

  async function measure(gpu, plan, inputs, ref, runPlan, result) {
    const { device } = gpu;
    const [m, n] = plan.dims;
    const elements = m * n;
    const kernel = await guarded(device, async () => {
      let a = storageBuffer(device, inputs.a);
      let b = storageBuffer(device, inputs.b);
      if (plan.pack) {
        const packed = await pack(device, plan.pack, a, b);
        ({ a, b } = packed);
        result.layout_copy_s = packed.seconds;
      }
      const pipeline = await pipelineFor(device, DATA.shaders[plan.shader], plan.entry_point, plan.constants);
      const c = own(device.createBuffer({ size: elements * 4, usage: U.STORAGE | U.COPY_SRC | U.COPY_DST }));
      const bind = plan.bindings;
      const bindGroup = device.createBindGroup({
        layout: pipeline.getBindGroupLayout(0),
        entries: [
          { binding: bind.a, resource: binding(a) },
          { binding: bind.b, resource: binding(b) },
          { binding: bind.c, resource: { buffer: c } },
          { binding: bind.dims, resource: { buffer: uniform(device, plan.dims) } },
        ],
      });
      return { pipeline, bindGroup, c, workgroups: plan.workgroups };
    });
    const timer = device.features.has('timestamp-query') ? {
      set: own(device.createQuerySet({ type: 'timestamp', count: 2 })),
      resolve: own(device.createBuffer({ size: 16, usage: U.QUERY_RESOLVE | U.COPY_SRC })),
      read: own(device.createBuffer({ size: 16, usage: U.MAP_READ | U.COPY_DST })),
    } : null;

    // Validate before any time counts: an element the kernel never writes stays NaN.
    poison(device, kernel.c, elements);
    await guarded(device, () => runOnce(device, kernel, null));
    const first = checkResult(ref, await readBack(device, kernel.c, elements * 4), plan.tolerance);
    result.validation = first;
    if (!first.passed) {
      throw new Error(`wrong result: max relative error ${first.max_rel_error.toExponential(3)} exceeds tolerance ${first.tolerance.toExponential(3)}`);
    }
    for (let i = 0; i < runPlan.warmup; i++) await runOnce(device, kernel, timer);
    // Poison again: the timed runs must leave the right answer too.
    poison(device, kernel.c, elements);
    const wall = [];
    const stamps = [];
    const start = performance.now();
    while (wall.length < runPlan.maxRuns
      && (wall.length < runPlan.minRuns || performance.now() - start < runPlan.minTime * 1000)) {
      const t = await runOnce(device, kernel, timer);
      wall.push(t.wall);
      if (t.gpu !== null) stamps.push(t.gpu);
    }
    const after = checkResult(ref, await readBack(device, kernel.c, elements * 4), plan.tolerance);
    if (!after.passed) {
      throw new Error(`the timed runs left a wrong result (max relative error ${after.max_rel_error.toExponential(3)}); their times are not reported`);
    }
    return timing(wall, stamps, runPlan, inputs.size);
  }

  // Timestamps where granted and sensible, else the wall clock; the result says which and why.
  function timing(wall, stamps, runPlan, size) {
    let samples = wall;
    let source = 'wall-clock';
    let note = 'the browser granted no timestamp-query: wall clock from submit to onSubmittedWorkDone';
    if (stamps.length === wall.length && stamps.length > 0) {
      const wallMedian = median(wall);
      const stampMedian = median(stamps);
      if (stamps.some((s) => !(s > 0))) {
        note = 'timestamp-query gave zero or negative intervals (browsers quantise them): wall clock from submit to onSubmittedWorkDone';
      } else if (stampMedian > wallMedian * 1.1) {
        note = 'timestamp-query intervals exceeded the wall clock: wall clock from submit to onSubmittedWorkDone';
      } else if (wallMedian > 0.02 && stampMedian < 0.5 * wallMedian) {
        // Runs this long dwarf the cost of a submit, so timestamps far below the wall clock
        // under-count (as the CLI found on lavapipe) and are not used.
        note = `timestamp-query gave ${(100 * stampMedian / wallMedian).toFixed(1)}% of the wall time of the same runs: wall clock from submit to onSubmittedWorkDone`;
      } else {
        samples = stamps;
        source = 'gpu-timestamp';
        note = 'timestamp-query in the browser, which may quantise timestamps';
      }
    }
    const stats = summarise(samples);
    return {
      timing: source,
      timing_note: note,
      dispatches_per_run: 1,
      warmup_runs: runPlan.warmup,
      samples_s: samples,
      ...stats,
      gflops: (2 * size ** 3) / stats.median_s / 1e9,
    };
  }

  async function runPlanOn(gpu, plan, inputs, ref, runPlan) {
    const [m, n, k] = plan.dims;
    const result = {
      op: 'matmul',
      dtype: plan.dtype,
      m, n, k,
      kernel: plan.family,
      accumulator: plan.accumulator,
      input_path: plan.input_path,
      tuning: 'default (the browser does not tune)',
      config: plan.config,
      status: 'unsupported',
      validation: null,
    };
    const why = whyNot(plan, gpu);
    if (why) {
      result.error = why;
      return result;
    }
    result.status = 'failed';
    try {
      Object.assign(result, await measure(gpu, plan, inputs, ref, runPlan, result));
      result.status = 'passed';
    } catch (e) {
      result.error = String((e && e.message) || e);
    } finally {
      releaseOwned();
    }
    return result;
  }

  // --- The page.
  function precisionLabel(r) {
    return r.accumulator === r.dtype ? r.dtype : `${r.dtype} (${r.accumulator} accumulate)`;
  }

  function fmtRate(gflops) {
    return gflops >= 1000 ? `${(gflops / 1000).toFixed(2)} TFLOP/s` : `${gflops.toFixed(2)} GFLOP/s`;
  }

  function fmtHours(h) {
    if (h >= 24 * 365) return `${fmtCount(h / 24 / 365)} years`;
    if (h >= 48) return `${(h / 24).toFixed(1)} days`;
    return `${h.toFixed(1)} hours`;
  }

  function fmtCount(x) {
    if (x >= 1e15) return x.toExponential(2);
    for (const [unit, size] of [['T', 1e12], ['B', 1e9], ['M', 1e6], ['K', 1e3]]) {
      if (x >= size) return `${(x / size).toFixed(x >= 100 * size ? 0 : 1)}${unit}`;
    }
    return x.toFixed(1);
  }

  function cell(row, text, tag = 'td') {
    const el = document.createElement(tag);
    el.textContent = text;
    row.appendChild(el);
    return el;
  }

  function showResults(report) {
    const body = $('kernel-rows');
    body.textContent = '';
    for (const r of report.results) {
      const row = document.createElement('tr');
      row.className = r.status;
      cell(row, r.kernel);
      cell(row, precisionLabel(r));
      cell(row, r.status === 'passed' ? 'validated' : r.status);
      cell(row, r.status === 'passed' ? fmtRate(r.gflops) : '');
      const spread = r.spread_warning ? ' — spread too wide to trust the median' : '';
      cell(row, r.status === 'passed'
        ? `${(r.median_s * 1e3).toFixed(3)} ms ± ${(r.relative_spread * 100).toFixed(1)}% (${r.samples_s.length} runs, ${r.timing})${spread}`
        : (r.error || ''));
      body.appendChild(row);
    }
    drawChart(report.results.filter((r) => r.status === 'passed'));
    $('results').hidden = false;
  }

  // A horizontal bar per validated kernel, drawn as SVG.
  function drawChart(passed) {
    const svgNS = 'http://www.w3.org/2000/svg';
    const chart = $('chart');
    chart.textContent = '';
    if (!passed.length) return;
    const top = Math.max(...passed.map((r) => r.gflops));
    const barH = 22;
    const width = 640;
    const labelW = 190;
    const svg = document.createElementNS(svgNS, 'svg');
    svg.setAttribute('viewBox', `0 0 ${width} ${passed.length * barH + 8}`);
    svg.setAttribute('role', 'img');
    svg.setAttribute('aria-label', 'validated GFLOP/s per kernel');
    passed.forEach((r, i) => {
      const y = 4 + i * barH;
      const label = document.createElementNS(svgNS, 'text');
      label.setAttribute('x', 0);
      label.setAttribute('y', y + 15);
      label.textContent = r.kernel;
      const bar = document.createElementNS(svgNS, 'rect');
      bar.setAttribute('x', labelW);
      bar.setAttribute('y', y + 2);
      bar.setAttribute('height', barH - 6);
      bar.setAttribute('width', Math.max(1, ((width - labelW - 120) * r.gflops) / top));
      bar.setAttribute('class', r.dtype);
      const value = document.createElementNS(svgNS, 'text');
      value.setAttribute('x', labelW + ((width - labelW - 120) * r.gflops) / top + 6);
      value.setAttribute('y', y + 15);
      value.textContent = fmtRate(r.gflops);
      svg.append(label, bar, value);
    });
    chart.appendChild(svg);
  }

  // The fastest validated rate per precision, beside DeepSeek's runs. The rows were priced by
  // flopcost at story.reference_gflops; hours, cost and devices scale as 1/rate.
  function showStory(report, gpu) {
    const story = DATA.story;
    const best = new Map();
    for (const r of report.results) {
      if (r.status !== 'passed') continue;
      const key = precisionLabel(r);
      if (!best.has(key) || best.get(key).gflops < r.gflops) best.set(key, r);
    }
    const list = $('best-rates');
    list.textContent = '';
    for (const [label, r] of best) {
      const li = document.createElement('li');
      li.textContent = `${label}: ${fmtRate(r.gflops)} (${r.kernel})`;
      list.appendChild(li);
    }
    $('software-note').hidden = !gpu.software;
    const top = [...best.values()].sort((x, y) => y.gflops - x.gflops)[0];
    const body = $('story-rows');
    body.textContent = '';
    if (!top) return;
    $('story-rate').textContent = `${fmtRate(top.gflops)} (${precisionLabel(top)}, ${top.kernel})`;
    const scale = story.reference_gflops / top.gflops;
    for (const run of story.runs) {
      const row = document.createElement('tr');
      cell(row, run.run);
      cell(row, run.gpu_hours != null ? `${fmtCount(run.gpu_hours)} ${run.accelerator}-hours` : '');
      cell(row, run.mfu != null ? `${(run.mfu * 100).toFixed(1)}% (${run.mfu_kind})` : '');
      cell(row, run.hours_on_one_device != null ? fmtHours(run.hours_on_one_device * scale) : '');
      cell(row, run.user_devices_to_match != null ? fmtCount(run.user_devices_to_match * scale) : '');
      // A CPU software adapter has no rental price: hours only, as the CLI prints it.
      cell(row, gpu.software ? 'no rental price (CPU adapter)' : run.cost_usd != null ? `$${fmtCount(run.cost_usd * scale)}` : '');
      body.appendChild(row);
    }
    $('story-assumption').textContent = `Assumption: ${story.assumption}. Price: $${story.price_per_hour}/device-hour (${story.price_source}). Calibration: ${story.calibration_method}; ${(story.interval_coverage * 100).toFixed(0)}% interval ×${story.interval_low_ratio.toFixed(2)} to ×${story.interval_high_ratio.toFixed(2)} the device-hours.`;
    $('story').hidden = false;
  }

  function offerDownload(report) {
    const blob = new Blob([JSON.stringify(report, null, 2)], { type: 'application/json' });
    const link = $('download');
    link.href = URL.createObjectURL(blob);
    link.download = `flopcost-browser-${report.results[0].m}.json`;
    $('save').hidden = false;
  }

  async function postResult(report) {
    const status = $('save-status');
    if (!DATA.server) {
      status.textContent = 'Static page: no server to save to; download the JSON and give it to `flopcost compare`.';
      document.body.dataset.saved = 'download-only';
      return;
    }
    try {
      const response = await fetch('api/results', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(report),
      });
      const text = (await response.text()).trim();
      if (!response.ok) throw new Error(`${response.status}: ${text}`);
      status.textContent = `Saved by flopcost serve as ${text}.`;
      document.body.dataset.saved = text;
    } catch (e) {
      status.textContent = `The server did not save the result (${e.message}); download it instead.`;
      document.body.dataset.saved = 'failed';
    }
  }

  // A number from the address (`?runs=10`), or `fallback`; anything else is an error that says
  // what is allowed.
  function numberParam(name, fallback, min, max) {
    if (!params.has(name)) return fallback;
    const value = Number(params.get(name));
    if (!Number.isFinite(value) || value < min || value > max) {
      throw new Error(`?${name}=${params.get(name)}: give a number from ${min} to ${max}`);
    }
    return value;
  }

  async function runAll(gpu) {
    const size = Number($('size').value);
    const sized = DATA.sizes.find((s) => s.size === size);
    if (!sized) throw new Error(`no kernel plans for size ${$('size').value}`);
    const runPlan = {
      warmup: Math.round(numberParam('warmup', 2, 0, 100)),
      minRuns: Math.round(numberParam('runs', 5, 1, 1000)),
      minTime: numberParam('min_time', 1, 0, 60),
      maxRuns: 1000,
    };
    const seed = numberParam('seed', null, 0, Number.MAX_SAFE_INTEGER) ?? randomSeed();
    $('run').disabled = true;
    setState('running');
    const progress = $('progress');
    progress.textContent = `Generating ${size}×${size} inputs (seed ${seed}) and the f64 reference…`;
    await new Promise((r) => setTimeout(r, 0));
    const inputs = makeInputs(size, seed);
    const ref = makeReference(inputs, sized.check);
    const results = [];
    for (const plan of sized.plans) {
      progress.textContent = `Running ${plan.family} (${results.length + 1} of ${sized.plans.length})…`;
      results.push(await runPlanOn(gpu, plan, inputs, ref, runPlan));
    }
    const report = {
      schema_version: DATA.schema_version,
      flopcost_version: DATA.flopcost_version,
      // Where the page came from, but never a local file's path.
      command_line: ['flopcost page', location.protocol === 'file:' ? 'file' : location.origin,
        `size=${size}`],
      seed,
      adapter: describeAdapter(gpu),
      software_adapter: gpu.software,
      system: {
        os: navigator.userAgent,
        arch: 'unknown (browser)',
        cpu_model: 'unknown (browser)',
        cpu_cores: navigator.hardwareConcurrency || 1,
        wgpu_version: 'browser WebGPU',
      },
      results,
    };
    window.flopcostResult = report;
    progress.textContent = `Done: ${results.filter((r) => r.status === 'passed').length} kernels validated and timed.`;
    showResults(report);
    showStory(report, gpu);
    offerDownload(report);
    await postResult(report);
    $('run').disabled = false;
    setState('done');
  }

  async function start() {
    // The training tab opens its own device (train.js); a second device on the same adapter
    // would only compete with it, so this page stays idle there.
    if (params.get('tab') === 'train') return;
    setState('starting');
    const select = $('size');
    for (const s of DATA.sizes) {
      const option = document.createElement('option');
      option.value = s.size;
      option.textContent = `${s.size}×${s.size}×${s.size}`;
      select.appendChild(option);
    }
    const wanted = params.get('size') || '256';
    if (!DATA.sizes.some((s) => String(s.size) === wanted)) {
      $('progress').textContent = `?size=${wanted} is not offered; choose one of ${DATA.sizes.map((s) => s.size).join(', ')}.`;
      params.delete('autorun');
    } else {
      select.value = wanted;
    }
    let gpu;
    try {
      gpu = await openDevice();
    } catch (e) {
      gpu = { missing: `WebGPU failed to start: ${e.message}` };
    }
    if (gpu.missing) {
      $('adapter-text').textContent = `${gpu.missing} Nothing can be measured here; try a browser with WebGPU (Chrome, Edge, Safari 26, Firefox 141 or later), or the flopcost command line.`;
      $('adapter').classList.add('missing');
      setState('no-adapter');
      return;
    }
    $('adapter-text').textContent = `${gpu.label}${gpu.software ? ' — software adapter: its figures describe this CPU, not a GPU' : ''}. Timestamps: ${gpu.device.features.has('timestamp-query') ? 'granted' : 'not granted (wall clock will be used)'}.`;
    if (gpu.software) $('adapter').classList.add('software');
    gpu.device.lost.then((lost) => {
      $('progress').textContent = `The device was lost: ${lost.message}`;
      setState('error');
    });
    $('controls').hidden = false;
    $('run').addEventListener('click', () => runAll(gpu).catch((e) => {
      $('progress').textContent = `Error: ${e.message}`;
      $('run').disabled = false;
      setState('error');
    }));
    setState('ready');
    if (params.get('autorun') === '1') $('run').click();
  }

  // What the training tab (train.js) shares with this page: the device, and the adapter and
  // statistics as result documents describe them.
  window.flopcostPage = { openDevice, describeAdapter, summarise };

  start();
})();
