/**
 * The raw results of one benchmark group, written to `bench/results/<group>.json` (or the
 * `--out=<dir>` a run names) for `bench/report.ts` to turn into `docs/benchmarks.md` and the
 * plots under `docs/img/`. A group records the machine, Node version and date it ran on, its
 * tables (cells already formatted, as the script prints them), its timed suites with every
 * sample in repetition order (so the report can give min–max ratios over repetitions), and
 * the series its plots draw.
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type CaseResult, ratioTable } from './harness.js';

/** The machine a group ran on. */
export interface Machine {
  cpu: string;
  cores: number;
  memoryGb: number;
  platform: string;
  node: string;
  /** 1-minute load average when the group started and when it finished. */
  loadStart: number;
  loadEnd: number;
}

/** A table as printed: a header row and rows of formatted cells. */
export interface Table {
  title: string;
  /** What the table shows and how it was measured; markdown, no run-specific figures. */
  text?: string;
  columns: string[];
  rows: string[][];
}

/** Timed cases run interleaved by `runSuite`, with a baseline measured in the same run. */
export interface Suite {
  title: string;
  text?: string;
  /** Work items per run: samples divided by this give the cost per item. */
  items: number;
  baseline: string;
  /** Each case's samples in repetition order (`samplesMs[k]` ran in repetition k). */
  cases: { name: string; samplesMs: number[]; target?: number }[];
}

export interface GroupResults {
  group: string;
  title: string;
  /** What the group measures; markdown. */
  about: string;
  command: string;
  date: string;
  durationMs: number;
  quick: boolean;
  machine: Machine;
  tables: Table[];
  suites: Suite[];
  /** Data the group's plots draw, by name. */
  series: Record<string, unknown>;
}

const here = dirname(fileURLToPath(import.meta.url));

/** `--quick`: a smoke run with small sizes, so benchmarks and plots never rot. */
export const quick = process.argv.includes('--quick');

/** The full-run value, or the smoke-run one under `--quick`. */
export function sized<T>(full: T, smoke: T): T {
  return quick ? smoke : full;
}

/** Where results go: `--out=<dir>`, else `bench/results`. */
export function resultsDir(): string {
  const flag = process.argv.find((a) => a.startsWith('--out='));
  return flag ? flag.slice('--out='.length) : join(here, 'results');
}

/** A markdown table of formatted cells. */
export function markdownTable(columns: string[], rows: string[][]): string {
  return [
    `| ${columns.join(' | ')} |`,
    `|${columns.map(() => '---').join('|')}|`,
    ...rows.map((r) => `| ${r.join(' | ')} |`),
  ].join('\n');
}

/**
 * Collects one group's results as its script runs, prints each table as it is added, and
 * writes the JSON on `save()`.
 */
export class GroupRecorder {
  readonly #results: GroupResults;
  readonly #started = performance.now();

  constructor(group: string, options: { title: string; about: string; command: string }) {
    this.#results = {
      group,
      ...options,
      date: new Date().toISOString(),
      durationMs: 0,
      quick,
      machine: {
        cpu: cpus()[0]?.model.trim() ?? 'unknown CPU',
        cores: cpus().length,
        memoryGb: Math.round(totalmem() / 2 ** 30),
        platform: `${process.arch} ${process.platform}`,
        node: process.version,
        loadStart: loadavg()[0]!,
        loadEnd: 0,
      },
      tables: [],
      suites: [],
      series: {},
    };
  }

  /** Adds and prints a table. */
  table(table: Table): void {
    this.#results.tables.push(table);
    console.log(`\n## ${table.title}\n\n${markdownTable(table.columns, table.rows)}\n`);
  }

  /** Adds and prints a suite's samples, in repetition order, with its per-case targets. */
  suite(
    title: string,
    results: CaseResult[],
    options: { items: number; baseline: string; targets?: Record<string, number>; text?: string },
  ): void {
    console.log(`\n## ${title}\n\n${ratioTable(results, options)}\n`);
    this.#results.suites.push({
      title,
      ...(options.text === undefined ? {} : { text: options.text }),
      items: options.items,
      baseline: options.baseline,
      cases: results.map((r) => {
        const target = options.targets?.[r.name];
        return {
          name: r.name,
          samplesMs: r.runsMs,
          ...(target === undefined ? {} : { target }),
        };
      }),
    });
  }

  /** Stores data for the group's plots. */
  series(name: string, data: unknown): void {
    this.#results.series[name] = data;
  }

  /** Writes `<results dir>/<group>.json`; returns its path. */
  save(): string {
    this.#results.durationMs = performance.now() - this.#started;
    this.#results.machine.loadEnd = loadavg()[0]!;
    const dir = resultsDir();
    mkdirSync(dir, { recursive: true });
    const path = join(dir, `${this.#results.group}.json`);
    writeFileSync(path, `${JSON.stringify(this.#results, null, 1)}\n`);
    console.log(`wrote ${path}`);
    return path;
  }
}

/** Every group's results in `dir`. */
export function readAllResults(dir: string): GroupResults[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as GroupResults);
}
