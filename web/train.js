// flopcost's training tab: runs the GPT training step that `flopcost serve` / `flopcost web`
// exported into train-data.js (src/train/web_plan.rs): every buffer, kernel, binding, uniform
// and workgroup count comes from there, so the page runs the CLI's step without knowing a
// kernel. It checks the first step against the CLI's f64 reference, trains, draws the loss and
// tokens per second, and posts a train report in the CLI's schema back to the server.
'use strict';

(() => {
  const TRAIN = window.FLOPCOST_TRAIN;
  const DATA = window.FLOPCOST_DATA;
  const $ = (id) => document.getElementById(id);
  const params = new URLSearchParams(location.search);
  // Each stage the tab reaches, with the milliseconds since the page loaded: where a slow or
  // stuck run spent its time (window.flopcostTrain.stages).
  const stages = [];
  const stage = (what) => {
    stages.push({ what, at_ms: Math.round(performance.now()) });
    window.flopcostTrain = { ...(window.flopcostTrain || {}), stages };
  };
  const setTrain = (s) => { document.body.dataset.train = s; stage(s); };

  function decodeBase64(text) {
    const binary = atob(text);
    const bytes = new Uint8Array(binary.length);
    for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
    return bytes;
  }

  // The batch of `step` (from 0), exactly as src/train/data.rs cuts it: row b of step s starts
  // at token ((s·B + b) mod n)·T mod n and reads T + 1 tokens, wrapping around the text.
  function batch(corpus, cfg, step) {
    const n = corpus.length;
    const inputs = new Uint32Array(cfg.batch * cfg.ctx);
    const targets = new Uint32Array(cfg.batch * cfg.ctx);
    for (let row = 0; row < cfg.batch; row++) {
      const firstRow = Number((BigInt(step) * BigInt(cfg.batch) + BigInt(row)) % BigInt(n));
      const start = (firstRow * cfg.ctx) % n;
      for (let i = 0; i < cfg.ctx; i++) {
        inputs[row * cfg.ctx + i] = corpus[(start + i) % n];
        targets[row * cfg.ctx + i] = corpus[(start + i + 1) % n];
      }
    }
    return [inputs, targets];
  }

  // How long one GPU wait (building the pipelines, a step, a read-back) may take before the page
  // says the device is hung instead of waiting for ever: far above a step of the page's
  // configurations on a software adapter (seconds), far below a test's patience.
  const GPU_ANSWER_MS = 120000;

  // `promise`, or an error naming what the GPU did not answer within GPU_ANSWER_MS.
  function answered(promise, what) {
    let timer;
    const late = new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`the GPU did not answer within ${GPU_ANSWER_MS / 1000} s while ${what}: the device may be hung or lost; reload the page to try again`)), GPU_ANSWER_MS);
    });
    return Promise.race([promise, late]).finally(() => clearTimeout(timer));
  }

  const BUFFER_TYPE = { read: 'read-only-storage', 'read-write': 'storage', uniform: 'uniform' };

  // The step on `device`: buffers, pipelines and bind groups made once from the plan.
  async function buildStep(device, plan) {
    device.pushErrorScope('validation');
    const buffers = plan.buffers.map((b) => device.createBuffer({
      label: b.name,
      size: Math.max(16, Math.ceil(b.bytes / 16) * 16),
      usage: b.usage === 'uniform'
        ? GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST
        : GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST | GPUBufferUsage.COPY_SRC,
    }));
    const pipelines = [];
    for (const k of plan.kernels) {
      const layout = device.createBindGroupLayout({
        label: k.name,
        entries: k.bindings.map((b, i) => {
          const type = BUFFER_TYPE[b.access];
          if (!type) throw new Error(`${k.name}: binding '${b.name}' is a ${b.access}, which the page does not bind`);
          return { binding: i, visibility: GPUShaderStage.COMPUTE, buffer: { type } };
        }),
      });
      // The synchronous form: its errors reach the error scope below, and it leaves no promise
      // for the browser to forget to settle.
      const pipeline = device.createComputePipeline({
        label: k.name,
        layout: device.createPipelineLayout({ bindGroupLayouts: [layout] }),
        compute: {
          module: device.createShaderModule({ label: k.name, code: k.source }),
          entryPoint: k.entry_point,
          constants: Object.fromEntries(k.constants),
        },
      });
      pipelines.push({ layout, pipeline });
    }
    const ops = (list) => list.map((d) => {
      const { layout, pipeline } = pipelines[d.kernel];
      const words = new Uint32Array(Math.max(4, Math.ceil(d.uniform.length / 4) * 4));
      words.set(d.uniform);
      const uniform = device.createBuffer({
        size: words.byteLength,
        usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST,
      });
      device.queue.writeBuffer(uniform, 0, words);
      const entries = [...d.buffers.map((i) => buffers[i]), uniform]
        .map((buffer, binding) => ({ binding, resource: { buffer } }));
      return { pipeline, group: device.createBindGroup({ layout, entries }), groups: d.groups };
    });
    const step = {
      plan,
      buffers,
      ops: [...ops(plan.forward_backward), ...ops(plan.update)],
      lossRead: device.createBuffer({ size: 4, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST }),
    };
    const error = await answered(device.popErrorScope(), 'building the step');
    if (error) throw new Error(`building the step: ${error.message}`);
    return step;
  }

  function upload(device, step) {
    const { plan, buffers } = step;
    const init = new Float32Array(decodeBase64(plan.init_f32_base64).buffer);
    for (const p of plan.pieces) device.queue.writeBuffer(buffers[p.params], 0, init, p.offset, p.len);
    // Activations and scratch gradients start as NaN: a dispatch that fails to write what it
    // should leaves NaN behind, which reaches the loss (as `flopcost train` poisons them).
    for (const i of plan.poison) {
      device.queue.writeBuffer(buffers[i], 0, new Float32Array(buffers[i].size / 4).fill(NaN));
    }
  }

  // One step (t from 1): batch and AdamW's values written, then one submission of the whole
  // step; returns its loss and the wall-clock seconds from submit to the loss in hand.
  async function runStep(device, step, corpus, t) {
    const { plan, buffers } = step;
    const [inputs, targets] = batch(corpus, plan.config, t - 1);
    device.queue.writeBuffer(buffers[plan.tokens], 0, inputs);
    device.queue.writeBuffer(buffers[plan.targets], 0, targets);
    const h = plan.optimizer;
    const hyper = new Float32Array([h.lr, h.beta1, h.beta2, h.eps, h.weight_decay,
      1 - h.beta1 ** t, 1 - h.beta2 ** t, 0]);
    device.queue.writeBuffer(buffers[plan.hyper], 0, hyper);
    const encoder = device.createCommandEncoder();
    for (const i of plan.zero) encoder.clearBuffer(buffers[i]);
    const pass = encoder.beginComputePass();
    for (const op of step.ops) {
      pass.setPipeline(op.pipeline);
      pass.setBindGroup(0, op.group);
      pass.dispatchWorkgroups(op.groups[0], op.groups[1]);
    }
    pass.end();
    encoder.copyBufferToBuffer(buffers[plan.loss], 0, step.lossRead, 0, 4);
    const t0 = performance.now();
    device.queue.submit([encoder.finish()]);
    await answered(step.lossRead.mapAsync(GPUMapMode.READ), `running step ${t}`);
    const seconds = (performance.now() - t0) / 1000;
    const loss = new Float32Array(step.lossRead.getMappedRange().slice(0))[0];
    step.lossRead.unmap();
    return { loss, seconds };
  }

  // Each tensor's gradient L2 norm (its layers' pieces together), summed in f64.
  async function gradNorms(device, step) {
    const { plan, buffers } = step;
    const sums = new Map();
    for (const p of plan.pieces) {
      const read = device.createBuffer({ size: p.len * 4, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
      const encoder = device.createCommandEncoder();
      encoder.copyBufferToBuffer(buffers[p.grads], 0, read, 0, p.len * 4);
      device.queue.submit([encoder.finish()]);
      await answered(read.mapAsync(GPUMapMode.READ), `reading the gradients of ${p.tensor}`);
      const g = new Float32Array(read.getMappedRange());
      let sum = 0;
      for (let i = 0; i < g.length; i++) sum += g[i] * g[i];
      read.unmap();
      read.destroy();
      sums.set(p.tensor, (sums.get(p.tensor) || 0) + sum);
    }
    return new Map([...sums].map(([name, s]) => [name, Math.sqrt(s)]));
  }

  const relative = (a, b) => Math.abs(a - b) / Math.max(Math.abs(b), Number.MIN_VALUE);

  // The first step against the f64 reference: the loss and every tensor's gradient norm.
  function checkFirstStep(plan, loss, norms) {
    const ref = plan.reference;
    const rows = [{ what: 'loss', got: loss, want: ref.loss, tolerance: ref.loss_tolerance }];
    for (const [name, want] of ref.grad_norms) {
      rows.push({ what: `‖∇${name}‖`, got: norms.get(name), want, tolerance: ref.norm_tolerance });
    }
    for (const r of rows) {
      r.error = Number.isFinite(r.got) ? relative(r.got, r.want) : Infinity;
      r.passed = r.error <= r.tolerance;
    }
    const body = $('train-check-rows');
    body.textContent = '';
    for (const r of rows) {
      const tr = body.insertRow();
      if (!r.passed) tr.className = 'failed';
      for (const text of [r.what, String(r.got), r.want.toPrecision(8), r.error.toExponential(2), r.tolerance.toExponential(0)]) {
        tr.insertCell().textContent = text;
      }
    }
    $('train-check').hidden = false;
    return { passed: rows.every((r) => r.passed), rows };
  }

  // The loss (left axis) and tokens per second (right axis) against the step.
  function draw(records, total, tokensPerStep) {
    const canvas = $('train-chart');
    const g = canvas.getContext('2d');
    const W = canvas.width;
    const H = canvas.height;
    const pad = { l: 50, r: 70, t: 16, b: 30 };
    g.clearRect(0, 0, W, H);
    g.font = '12px system-ui, sans-serif';
    if (records.length === 0) return;
    const losses = records.map((r) => r.loss);
    const rates = records.filter((r) => r.phase === 'timed').map((r) => tokensPerStep / r.seconds);
    const lo = Math.min(...losses);
    const hi = Math.max(...losses);
    const rateHi = Math.max(1, ...rates) * 1.1;
    const x = (step) => pad.l + (W - pad.l - pad.r) * (total > 1 ? (step - 1) / (total - 1) : 0);
    const yLoss = (v) => pad.t + (H - pad.t - pad.b) * (hi > lo ? (hi - v) / (hi - lo) : 0.5);
    const yRate = (v) => pad.t + (H - pad.t - pad.b) * (1 - v / rateHi);
    g.strokeStyle = '#999';
    g.strokeRect(pad.l, pad.t, W - pad.l - pad.r, H - pad.t - pad.b);
    const line = (points, colour) => {
      g.strokeStyle = colour;
      g.beginPath();
      points.forEach(([px, py], i) => (i ? g.lineTo(px, py) : g.moveTo(px, py)));
      g.stroke();
    };
    line(records.map((r) => [x(r.step), yLoss(r.loss)]), '#3d6fb6');
    line(records.filter((r) => r.phase === 'timed').map((r) => [x(r.step), yRate(tokensPerStep / r.seconds)]), '#c07a1c');
    g.fillStyle = '#3d6fb6';
    g.fillText(`loss ${hi.toFixed(3)}`, 2, pad.t + 10);
    g.fillText(lo.toFixed(3), 2, H - pad.b);
    g.fillStyle = '#c07a1c';
    g.fillText(`${Math.round(rateHi)} tok/s`, W - pad.r + 4, pad.t + 10);
    g.fillText('0', W - pad.r + 4, H - pad.b);
    g.fillStyle = '#1d2329';
    g.fillText(`step 1 … ${total}`, pad.l, H - 8);
  }

  async function post(report) {
    if (!DATA.server) {
      return { saved: 'download-only', text: 'Static page: no server to save to; the report is in window.flopcostTrain.report.' };
    }
    const response = await fetch('api/results', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(report),
    });
    const text = (await response.text()).trim();
    if (!response.ok) throw new Error(`the server refused the report (${response.status}): ${text}`);
    return { saved: text, text: `Saved by flopcost serve as ${text}; \`flopcost compare\` reads it.` };
  }

  function report(gpu, plan, records, steps) {
    const page = window.flopcostPage;
    const timed = records.filter((r) => r.phase === 'timed').map((r) => r.seconds);
    const times = { timing: 'wall-clock', samples_s: timed, ...page.summarise(timed) };
    const tokensPerS = plan.tokens_per_step / times.median_s;
    const achieved = plan.flops_per_token * tokensPerS / 1e9;
    return {
      kind: TRAIN.kind,
      schema_version: TRAIN.schema_version,
      flopcost_version: DATA.flopcost_version,
      command_line: ['flopcost page', location.protocol === 'file:' ? 'file' : location.origin,
        `train=${plan.name}`, `steps=${steps}`],
      adapter: page.describeAdapter(gpu),
      software_adapter: gpu.software,
      system: {
        os: navigator.userAgent,
        arch: 'unknown (browser)',
        cpu_model: 'unknown (browser)',
        cpu_cores: navigator.hardwareConcurrency || 1,
        wgpu_version: 'browser WebGPU',
      },
      preset: plan.name === 'tiny' ? 'tiny' : undefined,
      model: plan.config,
      seed: plan.seed,
      data: TRAIN.data,
      optimizer: plan.optimizer,
      precision: 'f32 (master weights, activations, gradients, products and accumulators)',
      params: plan.params,
      flops_per_token: plan.flops_per_token,
      flops_convention: plan.flops_convention,
      tokens_per_step: plan.tokens_per_step,
      memory: plan.memory,
      matmul_path: plan.matmul_path,
      dispatches_per_step: plan.forward_backward.length + plan.update.length,
      warmup_steps: 1,
      steps: records,
      step_time: times,
      tokens_per_s: tokensPerS,
      achieved_gflops: achieved,
      mfu: [
        { against: 'measured FMA peak (f32)', note: 'no peak is measured in the browser: run `flopcost peak` natively' },
        { against: 'best measured matmul (f32)', note: 'the matmul tab measures it separately; not joined to this run' },
      ],
      breakdown: {
        timing: 'wall-clock',
        method: 'not profiled in the browser: each step is one submission, timed whole from submit to its loss read back',
        classes: [],
      },
    };
  }

  async function train(gpu, plan, steps) {
    const progress = $('train-progress');
    const corpus = decodeBase64(TRAIN.corpus_base64);
    progress.textContent = `Building the step: ${plan.buffers.length} buffers, ${plan.kernels.length} kernels, ${plan.forward_backward.length + plan.update.length} dispatches…`;
    const step = await buildStep(gpu.device, plan);
    stage('built');
    upload(gpu.device, step);
    const records = [];
    const first = await runStep(gpu.device, step, corpus, 1);
    records.push({ step: 1, phase: 'warm-up', loss: first.loss, seconds: first.seconds });
    stage('first step');
    const check = checkFirstStep(plan, first.loss, await gradNorms(gpu.device, step));
    window.flopcostTrain = { ...window.flopcostTrain, check, records };
    if (!check.passed) {
      throw new Error('the first step disagrees with the f64 reference (see the table); nothing is timed');
    }
    $('train-live').hidden = false;
    draw(records, steps, plan.tokens_per_step);
    for (let t = 2; t <= steps; t++) {
      const r = await runStep(gpu.device, step, corpus, t);
      if (!Number.isFinite(r.loss)) throw new Error(`step ${t}: the loss is ${r.loss}`);
      records.push({ step: t, phase: 'timed', loss: r.loss, seconds: r.seconds });
      progress.textContent = `Step ${t} of ${steps}: loss ${r.loss.toFixed(4)}, ${Math.round(plan.tokens_per_step / r.seconds)} tokens/s`;
      draw(records, steps, plan.tokens_per_step);
    }
    const result = report(gpu, plan, records, steps);
    window.flopcostTrain.report = result;
    $('train-summary').textContent = `Loss ${records[0].loss.toFixed(4)} → ${records[records.length - 1].loss.toFixed(4)} over ${steps} steps; median ${result.tokens_per_s.toFixed(0)} tokens/s (${result.achieved_gflops.toFixed(2)} GFLOP/s, wall clock)${gpu.software ? ' on a software adapter: this CPU, not a GPU' : ''}.`;
    stage('trained');
    const saved = await post(result);
    window.flopcostTrain.saved = saved.saved;
    $('train-save').textContent = saved.text;
  }

  async function start() {
    const onTab = params.get('tab') === 'train';
    $('tab-train').hidden = !onTab;
    $('tab-bench').hidden = onTab;
    if (!onTab) return;
    setTrain('starting');
    const select = $('train-config');
    const usable = TRAIN.configs.filter((c) => !c.error);
    for (const c of usable) {
      const option = document.createElement('option');
      option.value = c.name;
      const m = c.config;
      option.textContent = `${c.name}: V=${m.vocab} T=${m.ctx} C=${m.width} L=${m.layers} H=${m.heads} B=${m.batch}`;
      select.appendChild(option);
    }
    if (params.has('config')) select.value = params.get('config');
    if (params.has('steps')) $('train-steps').value = params.get('steps');
    const gpu = await answered(window.flopcostPage.openDevice(), 'opening the adapter')
      .catch((e) => ({ missing: `WebGPU failed to start: ${e.message}` }));
    stage('adapter');
    if (gpu.missing) {
      $('train-progress').textContent = `${gpu.missing} Nothing can be trained here.`;
      setTrain('no-adapter');
      return;
    }
    gpu.device.lost.then((lost) => {
      $('train-progress').textContent = `The device was lost: ${lost.message}`;
      window.flopcostTrain = { ...(window.flopcostTrain || {}), error: `device lost: ${lost.message}` };
      setTrain('error');
    });
    const go = () => {
      const plan = usable.find((c) => c.name === select.value);
      const steps = Math.round(Number($('train-steps').value));
      if (!plan || !(steps >= 2 && steps <= 10000)) {
        $('train-progress').textContent = 'Choose a configuration and 2 to 10000 steps.';
        return;
      }
      $('train-run').disabled = true;
      setTrain('running');
      train(gpu, plan, steps).then(() => setTrain('done')).catch((e) => {
        $('train-progress').textContent = `Error: ${e.message}`;
        window.flopcostTrain = { ...(window.flopcostTrain || {}), error: e.message };
        setTrain('error');
      }).finally(() => { $('train-run').disabled = false; });
    };
    $('train-run').addEventListener('click', go);
    setTrain('ready');
    if (params.get('autotrain') === '1') go();
  }

  start();
})();
