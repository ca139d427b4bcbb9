/**
 * Adaptive-concurrency simulation (virtual time; run with `npx tsx bench/adaptive-sim.ts`).
 *
 * A solver service with C = 50 threads, lognormal service time (median S = 10 s), a provider
 * queue of 100 beyond which calls are rejected at once (and a variant with a huge queue), and
 * capacity halving to 25 at t = 900 s; 30 simulated minutes, 5 seeds. Every controller runs
 * in the same process on the same seeds. Our controller also runs through the real
 * `adaptiveMap` stage under a VirtualClock to show that the stage and the controller agree.
 *
 * Prints markdown tables and writes them, with every controller's limit and in-flight over
 * time (seed 1, first condition), to `bench/results/adaptive-sim.json` for `bench/report.ts`.
 * `--quick`: seed 1 and the first condition only.
 */
import { aimdLimit, fixedLimit, kneeLimit } from '../src/index.js';
import type { LimitAlgorithm } from '../src/limit/limit-algorithm.js';
import { gradient2Limit, seedLimit, vegasLimit } from '../test/helpers/adaptive-sim-anchors.js';
import {
  baseScenario,
  lowestOver30Minutes,
  type Metrics,
  metrics,
  type RunTrace,
  type Scenario,
  simulate,
  zeroLatencyPhase,
} from '../test/helpers/adaptive-sim-model.js';
import { simulateStage } from '../test/helpers/adaptive-sim-stage.js';
import { GroupRecorder, quick, sized } from './results.js';

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

const seeds = sized([1, 2, 3, 4, 5], [1]);
const conditions: { label: string; sigma: number; queueBound: number }[] = [
  { label: 'σ = 0.3, provider queue 100', sigma: 0.3, queueBound: 100 },
  { label: 'σ = 0.6, provider queue 100', sigma: 0.6, queueBound: 100 },
  { label: 'σ = 0.3, huge provider queue (timeouts only)', sigma: 0.3, queueBound: 1e9 },
  { label: 'σ = 0.6, huge provider queue (timeouts only)', sigma: 0.6, queueBound: 1e9 },
].slice(0, sized(4, 1));

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

function row(name: string, ms: Metrics[]): string[] {
  const col = (k: keyof Metrics, d = 2) => fmt(mean(ms.map((m) => m[k])), d);
  return [
    name,
    col('p1Throughput'),
    col('p2Throughput'),
    col('p1P50'),
    col('p2P50'),
    `${fmt(100 * mean(ms.map((m) => m.rejectRate)), 2)} %`,
    `${col('p1LimitMean', 0)} ± ${col('p1LimitCv')}`,
    `${col('p2LimitMean', 0)} ± ${col('p2LimitCv')}`,
    secs(ms.map((m) => m.convergeS)),
    secs(ms.map((m) => m.reactS)),
  ];
}

const columns = [
  'controller',
  'P1 thr/max',
  'P2 thr/max',
  'P1 p50/S',
  'P2 p50/S',
  'provider rejects',
  'P1 L mean ± cv',
  'P2 L mean ± cv',
  's to [0.8C, 1.5C]',
  "s to [0.8C', 1.5C'] after halving",
];

const recorder = new GroupRecorder('adaptive-sim', {
  title: 'adaptiveMap and limits: simulation of a solver whose capacity halves',
  about:
    `Virtual time, deterministic (the same figures on any machine). A solver service with C = ${C} ` +
    `threads, lognormal service time (median S = ${baseScenario.medianMs / 1000} s, shape σ), a ` +
    'provider queue of 100 beyond which calls are rejected at once (and a variant with a huge ' +
    `queue, where only the client timeout bounds a call), capacity halving to ${baseScenario.capacityAfter} ` +
    `at ${baseScenario.dropAtMs / 1000} s; ${baseScenario.durationMs / 60_000} simulated minutes. ` +
    `Seeds ${seeds.join(', ')}; P1 = 300–900 s, P2 = 1200–1800 s; thr/max = goodput / (C / E[S]); ` +
    'cv = sd/mean of the limit; bounds [1, 500] for all. Our controller starts at a limit of 4 ' +
    "(the stage default), the anchors at their libraries' defaults (20). Times to reach the band " +
    'are means over seeds, with the median and the worst seed. The defaults of `kneeLimit` were ' +
    'tuned on seeds 1–5; seeds 6–15 are held out, and seeds 16–45 were used to choose between ' +
    'variants of the in-flight age signal (`ageZ`).',
  command: 'npx tsx bench/adaptive-sim.ts',
});
const traces = new Map<string, RunTrace>();
for (const condition of conditions) {
  const rows: string[][] = [];
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
    rows.push(row(contender.name, ms));
  }
  recorder.table({ title: condition.label, columns, rows });
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
for (const [label, group] of quick
  ? []
  : ([
      ['held-out', heldOut],
      ['validation', validation],
    ] as const)) {
  const rows: string[][] = [];
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
      rows.push(row(`${variant}, ${condition.label} (lowest goodput ${fmt(worstGoodput)})`, ms));
    }
  }
  recorder.table({
    title: `kneeLimit on ${label} seeds ${group[0]}–${group.at(-1)}`,
    columns,
    rows,
  });
}

// The real stage under a VirtualClock, same scenario and seeds, our controller.
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
recorder.table({
  title: `The real adaptiveMap stage under a VirtualClock vs the pure controller (${conditions[0]!.label})`,
  text:
    'The stage reports the admitted limit, floor(L), so its limit means are up to 1 lower; second ' +
    'by second the two runs admit the same limit and finish the same calls at the same instants, ' +
    'which `test/stages/adaptive-map-sim.test.ts` checks.',
  columns,
  rows: [row('kneeLimit, pure engine', pure), row('kneeLimit, adaptiveMap stage', staged)],
});
// A zero-latency service (10 µs of client jitter), then the simulated solver: the drift of
// issue 8 and what the noise floor and the re-learning rule do about it.
const driftSeeds = sized([1, 2, 3], [1]);
const driftRows: string[][] = [];
for (const [label, options] of [
  ['kneeLimit()', {}],
  ['kneeLimit({ minRiseMs: 0 }) (no noise floor)', { minRiseMs: 0 }],
] as const) {
  const lows: string[] = [];
  let decreases = 0;
  for (const seed of driftSeeds) {
    const controller = kneeLimit({
      ...options,
      onDecision: (d) => {
        if (d.action === 'decrease') decreases++;
      },
    }).create({ min: 1, max: 32, initial: 32 });
    lows.push(fmt(lowestOver30Minutes(controller, seed), 1));
  }
  driftRows.push([label, lows.join(', '), String(decreases)]);
}
recorder.table({
  title: 'A zero-latency service (10 µs lognormal client jitter, σ = 0.5)',
  text:
    'The latency a client measures against a zero-latency service is its own jitter, which does ' +
    'not depend on the limit: a controller that reads it as congestion drifts down. Then 10 ' +
    'minutes of that service (limit 4 → max 64) followed by the 50-thread solver with a huge queue.',
  columns: [
    'controller',
    `lowest limit in 30 min from 32 (seeds ${driftSeeds.join(', ')})`,
    'decreases',
  ],
  rows: driftRows,
});
const afterRows: string[][] = [];
for (const seed of driftSeeds) {
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
  afterRows.push([
    String(seed),
    fmt(limitAfter, 0),
    String(rebased),
    fmt(m.p1Throughput),
    fmt(m.p2Throughput),
    fmt(m.p1P50),
    fmt(m.p2P50),
  ]);
}
recorder.table({
  title: '10 minutes of the zero-latency service, then the 50-thread solver with a huge queue',
  columns: [
    'seed',
    'limit after the fast phase',
    'rebased',
    'P1 thr/max',
    'P2 thr/max',
    'P1 p50/S',
    'P2 p50/S',
  ],
  rows: afterRows,
});
// Limit and in-flight over time, seed 1, first condition: every controller through the pure
// engine, ours also through the stage. One point every 5 simulated seconds keeps the file small.
const every = 5;
const thin = (xs: number[]) => xs.filter((_, t) => t % every === 0);
recorder.series('timeline', {
  stepS: every,
  capacity: C,
  capacityAfter: baseScenario.capacityAfter,
  dropAtS: baseScenario.dropAtMs / 1000,
  condition: conditions[0]!.label,
  runs: [
    ...[...traces].map(([name, trace]) => ({
      name: name.replaceAll('*', ''),
      limit: thin(trace.limit),
      inFlight: thin(trace.inFlight),
    })),
    {
      name: 'kneeLimit, adaptiveMap stage',
      limit: thin(stageTrace!.limit),
      inFlight: thin(stageTrace!.inFlight),
    },
  ],
});
recorder.save();
