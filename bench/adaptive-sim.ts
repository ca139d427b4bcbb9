/**
 * Adaptive-concurrency simulation (virtual time; run with `npx tsx bench/adaptive-sim.ts`).
 *
 * A solver service with C = 50 threads, lognormal service time (median S = 10 s), a provider
 * queue of 100 beyond which calls are rejected at once (and a variant with a huge queue), and
 * capacity halving to 25 at t = 900 s; 30 simulated minutes, 5 seeds. Every controller runs
 * in the same process on the same seeds. Our controller also runs through the real
 * `adaptiveMap` stage under a VirtualClock to show that the stage and the controller agree.
 *
 * Prints markdown tables; writes `docs/adaptive-sim.svg` (limit and in-flight over time).
 */
import { writeFileSync } from 'node:fs';
import { aimdLimit, fixedLimit, kneeLimit } from '../src/index.js';
import type { LimitAlgorithm } from '../src/limit/limit-algorithm.js';
import { gradient2Limit, seedLimit, vegasLimit } from './adaptive-sim-anchors.js';
import {
  baseScenario,
  lowestOver30Minutes,
  type Metrics,
  metrics,
  type RunTrace,
  type Scenario,
  simulate,
  zeroLatencyPhase,
} from './adaptive-sim-model.js';
import { simulateStage } from './adaptive-sim-stage.js';

interface Contender {
  readonly name: string;
  readonly algorithm: () => LimitAlgorithm;
  readonly initial: number;
}

const C = baseScenario.capacity;
/** The in-flight age signal as tried for issue 8 (off by default; see docs/benchmarks.md). */
const AGE_Z = 3;
const contenders: Contender[] = [
  { name: `fixed C/2 (${C / 2})`, algorithm: () => fixedLimit(C / 2), initial: C / 2 },
  { name: `fixed C (${C})`, algorithm: () => fixedLimit(C), initial: C },
  { name: `fixed 2C (${2 * C})`, algorithm: () => fixedLimit(2 * C), initial: 2 * C },
  { name: 'seed heuristic', algorithm: () => seedLimit(), initial: 20 },
  {
    name: 'AIMD (Netflix defaults, 5 s timeout)',
    algorithm: () => aimdLimit({ timeoutMs: 5_000, oncePerEpoch: false }),
    initial: 20,
  },
  {
    name: 'AIMD (timeout 60 s)',
    algorithm: () => aimdLimit({ timeoutMs: 60_000, oncePerEpoch: false }),
    initial: 20,
  },
  { name: 'Gradient2-like', algorithm: () => gradient2Limit(), initial: 20 },
  { name: 'Vegas-like', algorithm: () => vegasLimit(), initial: 20 },
  { name: '**kneeLimit (ours)**', algorithm: () => kneeLimit(), initial: 4 },
  {
    name: 'kneeLimit({ ageZ: 3 }) (in-flight age signal)',
    algorithm: () => kneeLimit({ ageZ: AGE_Z }),
    initial: 4,
  },
];

const seeds = [1, 2, 3, 4, 5];
const conditions: { label: string; sigma: number; queueBound: number }[] = [
  { label: 'σ = 0.3, provider queue 100', sigma: 0.3, queueBound: 100 },
  { label: 'σ = 0.6, provider queue 100', sigma: 0.6, queueBound: 100 },
  { label: 'σ = 0.3, huge provider queue (timeouts only)', sigma: 0.3, queueBound: 1e9 },
  { label: 'σ = 0.6, huge provider queue (timeouts only)', sigma: 0.6, queueBound: 1e9 },
];

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
/** Median over all runs (a run that never got there counts as Infinity). */
const median = (xs: number[]) => {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};
const fmt = (x: number, d = 2) =>
  Number.isNaN(x) ? 'n/a' : Number.isFinite(x) ? x.toFixed(d) : 'never';
const secs = (xs: number[]) => {
  const finite = xs.filter(Number.isFinite);
  const never = xs.length - finite.length;
  if (finite.length === 0) return 'never';
  const worst = Math.max(...finite);
  return `${mean(finite).toFixed(0)} (median ${median(xs).toFixed(0)}, worst ${worst.toFixed(0)})${never ? `, ${never}/${xs.length} never` : ''}`;
};

function row(name: string, ms: Metrics[]): string {
  const col = (k: keyof Metrics, d = 2) => fmt(mean(ms.map((m) => m[k])), d);
  return `| ${name} | ${col('p1Throughput')} | ${col('p2Throughput')} | ${col('p1P50')} | ${col('p2P50')} | ${fmt(100 * mean(ms.map((m) => m.rejectRate)), 2)} % | ${col('p1LimitMean', 0)} ± ${col('p1LimitCv')} | ${col('p2LimitMean', 0)} ± ${col('p2LimitCv')} | ${secs(ms.map((m) => m.convergeS))} | ${secs(ms.map((m) => m.reactS))} |`;
}

const header = `| controller | P1 thr/max | P2 thr/max | P1 p50/S | P2 p50/S | provider rejects | P1 L mean ± cv | P2 L mean ± cv | s to [0.8C, 1.5C] | s to [0.8C', 1.5C'] after halving |
|---|---|---|---|---|---|---|---|---|---|`;

const started = performance.now();
console.log(
  `# Adaptive simulation (${new Date().toISOString().slice(0, 10)}, node ${process.version})\n`,
);
console.log(
  `C = ${C} → ${baseScenario.capacityAfter} at ${baseScenario.dropAtMs / 1000} s, S = ${baseScenario.medianMs / 1000} s median, ${baseScenario.durationMs / 60_000} min, seeds ${seeds.join(', ')}; P1 = 300–900 s, P2 = 1200–1800 s; thr/max = goodput / (C / E[S]); cv = sd/mean of the limit; bounds [1, 500] for all.\n`,
);
const traces = new Map<string, RunTrace>();
for (const condition of conditions) {
  console.log(`## ${condition.label}\n\n${header}`);
  for (const contender of contenders) {
    const ms: Metrics[] = [];
    for (const seed of seeds) {
      const s: Scenario = {
        ...baseScenario,
        seed,
        sigma: condition.sigma,
        queueBound: condition.queueBound,
      };
      const controller = contender
        .algorithm()
        .create({ min: 1, max: 500, initial: contender.initial });
      const trace = simulate(s, controller);
      if (seed === 1 && condition === conditions[0]) traces.set(contender.name, trace);
      ms.push(metrics(s, trace));
    }
    console.log(row(contender.name, ms));
  }
  console.log('');
}

// Held-out seeds: the defaults were tuned on seeds 1-5; these were not looked at while tuning
// (one of them exposed a slow-start flaw that was then fixed; see docs/benchmarks.md).
const heldOut = [6, 7, 8, 9, 10, 11, 12, 13, 14, 15];
// Seeds 16-45 were used to choose between variants of the in-flight age signal, so that the
// held-out seeds stay held out for it too.
const validation = Array.from({ length: 30 }, (_, i) => 16 + i);
const variants: [string, () => LimitAlgorithm][] = [
  ['kneeLimit()', () => kneeLimit()],
  [`kneeLimit({ ageZ: ${AGE_Z} })`, () => kneeLimit({ ageZ: AGE_Z })],
];
for (const [label, group] of [
  ['held-out', heldOut],
  ['validation', validation],
] as const) {
  console.log(`## kneeLimit on ${label} seeds ${group[0]}–${group.at(-1)}\n\n${header}`);
  for (const [variant, make] of variants) {
    for (const condition of conditions) {
      const ms = group.map((seed) => {
        const s: Scenario = {
          ...baseScenario,
          seed,
          sigma: condition.sigma,
          queueBound: condition.queueBound,
        };
        return metrics(s, simulate(s, make().create({ min: 1, max: 500, initial: 4 })));
      });
      const worstGoodput = Math.min(...ms.flatMap((m) => [m.p1Throughput, m.p2Throughput]));
      console.log(row(`${variant}, ${condition.label} (lowest goodput ${fmt(worstGoodput)})`, ms));
    }
  }
  console.log('');
}

// The real stage under a VirtualClock, same scenario and seeds, our controller.
console.log(
  `## The real adaptiveMap stage under a VirtualClock vs the pure controller (${conditions[0]!.label})\n\n${header}`,
);
const pure: Metrics[] = [];
const staged: Metrics[] = [];
let stageTrace: RunTrace | undefined;
for (const seed of seeds) {
  const s: Scenario = { ...baseScenario, seed };
  pure.push(metrics(s, simulate(s, kneeLimit().create({ min: 1, max: 500, initial: 4 }))));
  const trace = await simulateStage(s, kneeLimit());
  if (seed === 1) stageTrace = trace;
  staged.push(metrics(s, trace));
}
console.log(row('kneeLimit, pure engine', pure));
console.log(row('kneeLimit, adaptiveMap stage', staged));
console.log(
  `\n(the stage reports the admitted limit, floor(L), so its limit means are up to 1 lower)\n`,
);
// A zero-latency service (10 µs of client jitter), then the simulated solver: the drift of
// issue 8 and what the noise floor and the re-learning rule do about it.
console.log(
  '## A zero-latency service (10 µs lognormal client jitter, σ = 0.5), then the real one\n',
);
console.log('| controller | lowest limit in 30 min from 32 (seeds 1, 2, 3) | decreases |');
console.log('|---|---|---|');
for (const [label, options] of [
  ['kneeLimit()', {}],
  ['kneeLimit({ minRiseMs: 0 }) (no noise floor)', { minRiseMs: 0 }],
] as const) {
  const lows: string[] = [];
  let decreases = 0;
  for (const seed of [1, 2, 3]) {
    const controller = kneeLimit({
      ...options,
      onDecision: (d) => {
        if (d.action === 'decrease') decreases++;
      },
    }).create({ min: 1, max: 32, initial: 32 });
    lows.push(fmt(lowestOver30Minutes(controller, seed), 1));
  }
  console.log(`| ${label} | ${lows.join(', ')} | ${decreases} |`);
}
console.log(
  '\n10 minutes of that service (limit 4 → max 64), then the 50-thread solver with a huge queue:\n',
);
console.log(
  '| seed | limit after the fast phase | rebased | P1 thr/max | P2 thr/max | P1 p50/S | P2 p50/S |',
);
console.log('|---|---|---|---|---|---|---|');
for (const seed of [1, 2, 3]) {
  let rebased = 0;
  const controller = kneeLimit({
    onDecision: (d) => {
      if (d.rebased) rebased++;
    },
  }).create({ min: 1, max: 64, initial: 4 });
  zeroLatencyPhase(controller, seed, -600_000, 0);
  const limitAfter = controller.limit;
  const s: Scenario = { ...baseScenario, seed, queueBound: 1e9 };
  const m = metrics(s, simulate(s, controller));
  console.log(
    `| ${seed} | ${fmt(limitAfter, 0)} | ${rebased} | ${fmt(m.p1Throughput)} | ${fmt(m.p2Throughput)} | ${fmt(m.p1P50)} | ${fmt(m.p2P50)} |`,
  );
}
console.log('');
console.log(`total ${((performance.now() - started) / 1000) | 0} s`);

// --- SVG: limit and in-flight over time, seed 1, σ = 0.3, queue 100 -------------------------
const width = 900;
const height = 380;
const pad = { l: 50, r: 170, t: 20, b: 40 };
const maxY = 160;
const x = (t: number) => pad.l + (t / 1800) * (width - pad.l - pad.r);
const y = (v: number) => pad.t + (1 - Math.min(v, maxY) / maxY) * (height - pad.t - pad.b);
const line = (values: number[], color: string, dash = '') =>
  `<polyline fill="none" stroke="${color}" stroke-width="1.5"${dash ? ` stroke-dasharray="${dash}"` : ''} points="${values.map((v, t) => `${x(t).toFixed(1)},${y(v).toFixed(1)}`).join(' ')}"/>`;
const series: [string, number[], string, string][] = [
  ['capacity C(t)', Array.from({ length: 1800 }, (_, t) => (t < 900 ? C : C / 2)), '#000', '6 4'],
  ['seed heuristic: limit', traces.get('seed heuristic')!.limit, '#d62728', ''],
  ['Gradient2-like: limit', traces.get('Gradient2-like')!.limit, '#ff7f0e', ''],
  ['ours: limit (stage)', stageTrace!.limit, '#1f77b4', ''],
  ['ours: in flight (stage)', stageTrace!.inFlight, '#2ca02c', '2 2'],
];
const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="12">
<title>adaptiveMap (kneeLimit) limit and in-flight over time against the anchors, capacity halving mid-run</title>
<rect width="100%" height="100%" fill="#fff"/>
<text x="${pad.l}" y="14">adaptiveMap (kneeLimit) vs anchors — C = 50 → 25 at 900 s, S = 10 s, σ = 0.3, seed 1</text>
${[0, 25, 50, 75, 100, 125, 150].map((v) => `<line x1="${pad.l}" x2="${width - pad.r}" y1="${y(v)}" y2="${y(v)}" stroke="#eee"/><text x="${pad.l - 8}" y="${y(v) + 4}" text-anchor="end">${v}</text>`).join('\n')}
${[0, 300, 600, 900, 1200, 1500, 1800].map((t) => `<text x="${x(t)}" y="${height - pad.b + 16}" text-anchor="middle">${t}</text>`).join('\n')}
<text x="${(pad.l + width - pad.r) / 2}" y="${height - 6}" text-anchor="middle">simulated seconds</text>
${series.map(([, v, c, d]) => line(v, c, d)).join('\n')}
${series.map(([name, , c, d], i) => `<line x1="${width - pad.r + 10}" x2="${width - pad.r + 30}" y1="${pad.t + 20 + i * 18}" y2="${pad.t + 20 + i * 18}" stroke="${c}" stroke-width="2"${d ? ` stroke-dasharray="${d}"` : ''}/><text x="${width - pad.r + 35}" y="${pad.t + 24 + i * 18}">${name}</text>`).join('\n')}
</svg>
`;
writeFileSync(new URL('../docs/adaptive-sim.svg', import.meta.url), svg);
console.log('wrote docs/adaptive-sim.svg');
