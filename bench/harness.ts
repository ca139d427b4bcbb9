/**
 * A small benchmark harness: cases run interleaved in one process (the starting case rotates
 * each repetition), with a warm-up, `gc()` and an event-loop turn before every timed run;
 * results are medians with p25-p75, and ratios to a baseline measured in the same run.
 * Run benchmarks with `node --expose-gc` (npm run bench does).
 */
import { arch, cpus, release } from 'node:os';

export interface BenchCase {
  name: string;
  /** Runs the whole workload once; returns a checksum that proves the work was done. */
  run(): Promise<number> | number;
}

export interface CaseResult {
  name: string;
  /** Samples sorted ascending. */
  samplesMs: number[];
  /** Samples in repetition order: `runsMs[k]` ran in repetition k, beside the other cases' k-th. */
  runsMs: number[];
  medianMs: number;
  p25Ms: number;
  p75Ms: number;
}

const gc = (globalThis as { gc?: () => void }).gc;

function quantile(sorted: number[], q: number): number {
  const position = (sorted.length - 1) * q;
  const low = Math.floor(position);
  const high = Math.ceil(position);
  return sorted[low]! + (sorted[high]! - sorted[low]!) * (position - low);
}

async function settle(): Promise<void> {
  gc?.();
  await new Promise<void>((resolve) => setImmediate(resolve));
}

/** Runs every case `reps` times interleaved, after one warm-up each; checks checksums agree with `expected`. */
export async function runSuite(
  cases: BenchCase[],
  options: { reps: number; expected?: number; log?: (line: string) => void },
): Promise<CaseResult[]> {
  const log = options.log ?? (() => {});
  const samples = new Map<string, number[]>(cases.map((c) => [c.name, []]));
  for (const benchCase of cases) {
    await settle();
    const sum = await benchCase.run();
    if (options.expected !== undefined && sum !== options.expected) {
      throw new Error(`${benchCase.name}: checksum ${sum}, expected ${options.expected}`);
    }
  }
  for (let rep = 0; rep < options.reps; rep++) {
    for (let k = 0; k < cases.length; k++) {
      const benchCase = cases[(k + rep) % cases.length]!;
      await settle();
      const started = performance.now();
      const sum = await benchCase.run();
      const elapsed = performance.now() - started;
      if (options.expected !== undefined && sum !== options.expected) {
        throw new Error(`${benchCase.name}: checksum ${sum}, expected ${options.expected}`);
      }
      samples.get(benchCase.name)!.push(elapsed);
    }
    log(`  rep ${rep + 1}/${options.reps} done`);
  }
  return cases.map(({ name }) => caseResult(name, samples.get(name)!));
}

/** A case's result from its samples in repetition order (for cases timed outside `runSuite`). */
export function caseResult(name: string, runsMs: number[]): CaseResult {
  const sorted = [...runsMs].sort((a, b) => a - b);
  return {
    name,
    samplesMs: sorted,
    runsMs,
    medianMs: quantile(sorted, 0.5),
    p25Ms: quantile(sorted, 0.25),
    p75Ms: quantile(sorted, 0.75),
  };
}

/** A markdown table of per-item cost and ratios to the named baseline. */
export function ratioTable(
  results: CaseResult[],
  options: { items: number; baseline: string; targets?: Record<string, number> },
): string {
  const base = results.find((r) => r.name === options.baseline);
  if (!base) throw new Error(`no baseline ${options.baseline}`);
  const perItem = (ms: number): number => (ms * 1e6) / options.items;
  const lines = [
    `| case | ns/item (median) | p25-p75 ns/item | x ${options.baseline} | target |`,
    '|---|---:|---:|---:|---|',
  ];
  for (const r of results) {
    const ratio = r.medianMs / base.medianMs;
    const target = options.targets?.[r.name];
    const verdict =
      target === undefined ? '' : `<= ${target.toFixed(2)}x ${ratio <= target ? 'met' : 'MISSED'}`;
    lines.push(
      `| ${r.name} | ${perItem(r.medianMs).toFixed(1)} | ${perItem(r.p25Ms).toFixed(1)}-${perItem(r.p75Ms).toFixed(1)} | ${ratio.toFixed(2)}x | ${verdict} |`,
    );
  }
  return lines.join('\n');
}

/** One line naming the machine and runtime, for the record. */
export function machineLine(): string {
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  return `${new Date().toISOString().slice(0, 10)}, Node ${process.version}, ${cpus().length} x ${cpu}, ${arch()} Linux ${release()}${gc ? '' : ' (run without --expose-gc)'}`;
}

/**
 * Compiles a fresh `for await` consumer loop for one case, so V8's type feedback for one case
 * does not turn a shared loop megamorphic and slow every other case.
 */
export function freshConsumer(): (source: AsyncIterable<{ i: number }>) => Promise<number> {
  const AsyncFunction = Object.getPrototypeOf(async () => {}).constructor as new (
    ...args: string[]
  ) => (source: AsyncIterable<{ i: number }>) => Promise<number>;
  return new AsyncFunction(
    'source',
    'let sum = 0; for await (const x of source) sum += x.i; return sum;',
  );
}

/** A sync generator of `n` small objects. */
export function* syncItems(n: number): Generator<{ i: number }> {
  for (let i = 0; i < n; i++) yield { i };
}

/** An async generator of `n` small objects. */
export async function* asyncItems(n: number): AsyncGenerator<{ i: number }> {
  for (let i = 0; i < n; i++) yield { i };
}

/** The checksum `freshConsumer()` returns over `syncItems(n)` or `asyncItems(n)`: 0 + 1 + … + (n − 1). */
export function itemsSum(n: number): number {
  return (n * (n - 1)) / 2;
}

/** The name of {@link rawSyncCase}, the baseline of the pass-through ratio tables. */
export const RAW_SYNC = 'A1 raw for await (sync generator)';

/** A1: a raw `for await` over a sync generator of `n` items, the floor every stage is measured against. */
export function rawSyncCase(n: number): BenchCase {
  return { name: RAW_SYNC, run: () => freshConsumer()(syncItems(n) as never) };
}

/** A pass-through written as an async generator: what a user would write by hand. */
export async function* asyncGenPassThrough<T>(source: AsyncIterable<T>): AsyncGenerator<T> {
  for await (const x of source) yield x;
}

/** The median of `values` (the mean of the middle two for an even count). */
export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Parses `--name=value` numeric flags with defaults. */
export function numberFlag(name: string, fallback: number): number {
  const flag = process.argv.find((a) => a.startsWith(`--${name}=`));
  return flag ? Number(flag.slice(name.length + 3)) : fallback;
}
