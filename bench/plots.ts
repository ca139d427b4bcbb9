/**
 * The plots of `docs/benchmarks.md`: Vega-Lite specs built from the groups' raw results,
 * compiled by `vega-lite` and rendered headless to SVG by Vega's `View.toSVG()`.
 */
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import type { GroupResults } from './results.js';

/** One plot: its file name under `docs/img/`, what it shows (alt text), and the spec. */
export interface Plot {
  file: string;
  alt: string;
  spec: TopLevelSpec;
}

/** Renders a Vega-Lite spec to an SVG string, with no browser and no canvas. */
export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: 'none' });
  try {
    return `${await view.toSVG()}\n`;
  } finally {
    view.finalize();
  }
}

const base = {
  $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
  background: 'white',
  config: { font: 'sans-serif', legend: { orient: 'bottom', columns: 3, labelLimit: 320 } },
} as const;

/** The ratio each case took to the suite's baseline, per repetition: [median, min, max]. */
export function ratioSpread(
  samplesMs: number[],
  baselineMs: number[],
): { median: number; min: number; max: number } {
  const ratios = samplesMs.map((ms, k) => ms / baselineMs[k]!).sort((a, b) => a - b);
  const mid = ratios.length >> 1;
  const median = ratios.length % 2 ? ratios[mid]! : (ratios[mid - 1]! + ratios[mid]!) / 2;
  return { median, min: ratios[0]!, max: ratios.at(-1)! };
}

function heapOverTime(group: GroupResults): Plot | undefined {
  const runs = group.series.heapOverTime as
    | { variant: string; points: [number, number][] }[]
    | undefined;
  if (!runs) return undefined;
  return {
    file: 'heap-over-time.svg',
    alt: 'Retained heap growth over time: unbounded queue vs boundedBuffer(50) vs shed(50), producer 100x faster than consumer',
    spec: {
      ...base,
      title: 'Retained heap under a 100:1 producer/consumer mismatch',
      width: 640,
      height: 280,
      data: {
        values: runs.flatMap((r) =>
          r.points.map(([ms, mb]) => ({ variant: r.variant, s: ms / 1000, mb })),
        ),
      },
      mark: { type: 'line', interpolate: 'step-after' },
      encoding: {
        x: { field: 's', type: 'quantitative', title: 'seconds since start' },
        y: { field: 'mb', type: 'quantitative', title: 'retained heap growth (MB)' },
        color: { field: 'variant', type: 'nominal', title: null },
      },
    },
  };
}

function seedScenario(group: GroupResults): Plot | undefined {
  const runs = group.series.overTime as
    | { variant: string; samples: [number, number, number][] }[]
    | undefined;
  if (!runs) return undefined;
  const values = runs.flatMap((r) =>
    r.samples.map(([ms, depth, waitMs]) => ({
      variant: r.variant,
      s: ms / 1000,
      depth,
      wait: waitMs / 1000,
    })),
  );
  const x = { field: 's', type: 'quantitative', title: 'seconds since start' } as const;
  const color = { field: 'variant', type: 'nominal', title: null } as const;
  return {
    file: 'seed-scenario.svg',
    alt: "Queue depth and producer wait over time in the demo's seed scenario",
    spec: {
      ...base,
      title: "The demo's seed scenario: queue depth and producer wait",
      data: { values },
      vconcat: [
        {
          width: 640,
          height: 200,
          mark: 'line',
          encoding: {
            x,
            y: { field: 'depth', type: 'quantitative', title: 'tasks queued' },
            color,
          },
        },
        {
          width: 640,
          height: 160,
          mark: 'line',
          encoding: {
            x,
            y: { field: 'wait', type: 'quantitative', title: 'producer waited so far (s)' },
            color,
          },
        },
      ],
    },
  };
}

function adaptiveTimeline(group: GroupResults): Plot | undefined {
  const timeline = group.series.timeline as
    | {
        stepS: number;
        capacity: number;
        capacityAfter: number;
        dropAtS: number;
        condition: string;
        runs: { name: string; limit: number[]; inFlight: number[] }[];
      }
    | undefined;
  if (!timeline) return undefined;
  const values = timeline.runs.flatMap((run) =>
    run.limit.flatMap((limit, k) => {
      const s = k * timeline.stepS;
      return [
        { controller: run.name, s, series: 'limit', value: limit },
        { controller: run.name, s, series: 'in flight', value: run.inFlight[k]! },
        {
          controller: run.name,
          s,
          series: 'capacity C(t)',
          value: s < timeline.dropAtS ? timeline.capacity : timeline.capacityAfter,
        },
      ];
    }),
  );
  return {
    file: 'adaptive-sim.svg',
    alt: `Limit and in-flight over time for every controller in the simulation (${timeline.condition}, seed 1), capacity halving marked`,
    spec: {
      ...base,
      title: `Limit and in flight over time, ${timeline.condition}, seed 1; capacity halves at ${timeline.dropAtS} s`,
      data: { values },
      facet: { field: 'controller', type: 'nominal', title: null, sort: null },
      columns: 3,
      spec: {
        width: 260,
        height: 140,
        layer: [
          {
            mark: { type: 'rule', color: '#999', strokeDash: [4, 3] },
            data: { values: [{ s: timeline.dropAtS }] },
            encoding: { x: { field: 's', type: 'quantitative' } },
          },
          {
            mark: { type: 'line', strokeWidth: 1 },
            encoding: {
              x: { field: 's', type: 'quantitative', title: 'simulated seconds' },
              y: { field: 'value', type: 'quantitative', title: null },
              color: {
                field: 'series',
                type: 'nominal',
                title: null,
                scale: {
                  domain: ['limit', 'in flight', 'capacity C(t)'],
                  range: ['#1f77b4', '#2ca02c', '#000000'],
                },
                legend: { orient: 'top' },
              },
              strokeDash: {
                field: 'series',
                type: 'nominal',
                legend: null,
                scale: {
                  domain: ['limit', 'in flight', 'capacity C(t)'],
                  range: [
                    [1, 0],
                    [3, 2],
                    [6, 3],
                  ],
                },
              },
            },
          },
        ],
      },
    },
  };
}

/** Per-item cost as a ratio to each suite's baseline, for every overhead suite of the run. */
function overheadBars(groups: GroupResults[]): Plot | undefined {
  const wanted = ['pass-through', 'adaptive-overhead', 'resilience', 'solver'];
  const charts = groups
    .filter((g) => wanted.includes(g.group))
    .flatMap((g) =>
      g.suites.flatMap((suite) => {
        const baseline = suite.cases.find((c) => c.name === suite.baseline);
        if (!baseline) return [];
        const values = suite.cases.map((c) => ({
          case: c.name,
          ...ratioSpread(c.samplesMs, baseline.samplesMs),
        }));
        return [
          {
            title: { text: suite.title, anchor: 'start' as const, fontSize: 12 },
            width: 360,
            data: { values },
            encoding: {
              y: {
                field: 'case',
                type: 'nominal' as const,
                title: null,
                sort: null,
                axis: { labelLimit: 440 },
              },
            },
            layer: [
              {
                mark: { type: 'bar' as const, color: '#4c78a8' },
                encoding: {
                  x: {
                    field: 'median',
                    type: 'quantitative' as const,
                    title: `x ${suite.baseline}`,
                  },
                },
              },
              {
                mark: { type: 'rule' as const, color: '#222' },
                encoding: {
                  x: { field: 'min', type: 'quantitative' as const },
                  x2: { field: 'max' },
                },
              },
            ],
          },
        ];
      }),
    );
  if (charts.length === 0) return undefined;
  return {
    file: 'overhead-ratios.svg',
    alt: 'Per-item cost as a ratio to each suite baseline, median over repetitions with min–max',
    spec: {
      ...base,
      title:
        'Per-item cost as a ratio to the baseline of the same run: bar = median, line = min–max over reps',
      vconcat: charts,
    },
  };
}

function costVsN(group: GroupResults): Plot | undefined {
  const points = group.series.costVsN as
    | { stage: string; n: number; nsPerItem: number }[]
    | undefined;
  if (!points) return undefined;
  return {
    file: 'cost-vs-n.svg',
    alt: 'Cost per item against N for each stage (log N axis): flat lines mean the cost does not grow with N',
    spec: {
      ...base,
      title: 'Cost per item against N',
      width: 640,
      height: 300,
      data: { values: points },
      mark: { type: 'line', point: true },
      encoding: {
        x: {
          field: 'n',
          type: 'quantitative',
          scale: { type: 'log' },
          axis: { format: '.0e' },
          title: 'items (N)',
        },
        y: {
          field: 'nsPerItem',
          type: 'quantitative',
          scale: { type: 'log' },
          title: 'ns per item (median, log scale)',
        },
        color: { field: 'stage', type: 'nominal', title: null },
      },
    },
  };
}

/** The plots of each group, by group name; plots over several groups under `overview`. */
export function plotsFor(groups: GroupResults[]): Map<string, Plot[]> {
  const byGroup = new Map<string, Plot[]>();
  const add = (group: string, plot: Plot | undefined) => {
    if (plot) byGroup.set(group, [...(byGroup.get(group) ?? []), plot]);
  };
  for (const group of groups) {
    if (group.group === 'memory') add(group.group, heapOverTime(group));
    if (group.group === 'seed-scenario') add(group.group, seedScenario(group));
    if (group.group === 'adaptive-sim') add(group.group, adaptiveTimeline(group));
    if (group.group === 'cost-vs-n') add(group.group, costVsN(group));
  }
  add('overview', overheadBars(groups));
  return byGroup;
}
