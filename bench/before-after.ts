/**
 * The stages' benchmark targets before and after a change, in the same run: exports `src/` of
 * an older revision (`git archive`) into a temporary directory that shares this checkout's
 * `node_modules`, loads it beside the current `src/` (both as TypeScript through tsx, so
 * neither side gets a different build), and runs the same cases against both, interleaved in
 * one process with one raw `for await` baseline. Writes `bench/results/before-after.json`.
 *
 *   node --expose-gc --import tsx bench/before-after.ts [--before=9fec1c4] [--n=1000000] [--reps=5] [--quick]
 *
 * Each side is built only from its own library's public exports (`StageLib` below): when a
 * change renames what the cases use, this script fails loudly rather than compare different
 * things.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as current from '../src/index.js';
import {
  asyncItems,
  type BenchCase,
  type CaseResult,
  freshConsumer,
  itemsSum,
  numberFlag,
  RAW_SYNC,
  rawSyncCase,
  runSuite,
  syncItems,
} from './harness.js';
import { ratioSpread } from './plots.js';
import { GroupRecorder, sized } from './results.js';

type Item = { i: number };
type StageLib = Pick<
  typeof current,
  | 'boundedBuffer'
  | 'shed'
  | 'adaptiveMap'
  | 'fixedLimit'
  | 'breakerGate'
  | 'circuitBreaker'
  | 'rateLimit'
>;

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');
/** The revision to compare with: 9fec1c4 is main before the issue 9 redesign; `--quick` uses HEAD. */
const BEFORE =
  process.argv.find((a) => a.startsWith('--before='))?.slice(9) ?? sized('9fec1c4', 'HEAD');
const N = numberFlag('n', sized(1_000_000, 2_000));
const M = numberFlag('m', sized(200_000, 1_000));
const REPS = numberFlag('reps', sized(5, 2));

/** The stage cases and their targets (x A1, a raw `for await` over a sync generator). */
const stageCases: {
  name: string;
  target?: number;
  make: (lib: StageLib) => (source: AsyncIterable<Item> | Iterable<Item>) => AsyncIterable<Item>;
  sync?: boolean;
}[] = [
  {
    name: 'boundedBuffer(50), async source',
    target: 1.8,
    make: (lib) => lib.boundedBuffer<Item>(50),
  },
  {
    name: 'boundedBuffer(50), sync source',
    target: 1.0,
    sync: true,
    make: (lib) => lib.boundedBuffer<Item>(50),
  },
  { name: 'shed(50), async source', target: 2.0, make: (lib) => lib.shed<Item>(50) },
  {
    name: 'adaptiveMap fixedLimit(8), unordered',
    target: 3.0,
    make: (lib) => lib.adaptiveMap(async (x: Item) => x, { limit: lib.fixedLimit(8) }),
  },
  {
    name: 'adaptiveMap fixedLimit(8), ordered',
    target: 3.0,
    make: (lib) =>
      lib.adaptiveMap(async (x: Item) => x, { limit: lib.fixedLimit(8), ordered: true }),
  },
  {
    name: 'breakerGate (closed), sync source',
    target: 2.0,
    sync: true,
    make: (lib) => lib.breakerGate<Item>(lib.circuitBreaker()),
  },
  {
    name: 'rateLimit (never waits), sync source',
    target: 2.0,
    sync: true,
    make: (lib) => lib.rateLimit<Item>({ rate: 1e9, interval: 1, burst: 1_000 }),
  },
];

/** Exports `src/` of `rev` into a temporary directory with this checkout's node_modules. */
function exportRevision(rev: string): { dir: string; commit: string } {
  const commit = execFileSync('git', ['rev-parse', '--short', rev], { cwd: root })
    .toString()
    .trim();
  const dir = mkdtempSync(join(tmpdir(), `bpk-before-${commit}-`));
  execFileSync('sh', ['-c', `git archive ${commit} src package.json | tar -x -C '${dir}'`], {
    cwd: root,
  });
  symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'), 'dir');
  return { dir, commit };
}

function side(label: string, lib: StageLib): BenchCase[] {
  return stageCases.map((c) => {
    const consume = freshConsumer();
    return {
      name: `${label}: ${c.name}`,
      run: () =>
        consume(
          c.make(lib)((c.sync ? syncItems(N) : asyncItems(N)) as AsyncIterable<Item>) as never,
        ),
    };
  });
}

function wrapCases(label: string, lib: StageLib): BenchCase {
  const wrapped = lib.circuitBreaker().wrap(async (i: number) => i);
  return {
    name: `${label}: circuitBreaker().wrap(fn), per call`,
    run: async () => {
      let sum = 0;
      for (let i = 0; i < M; i++) sum += await wrapped(i);
      return sum;
    },
  };
}

const { dir, commit } = exportRevision(BEFORE);
try {
  const before = (await import(pathToFileURL(join(dir, 'src', 'index.ts')).href)) as StageLib;
  const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root })
    .toString()
    .trim();
  const dirty =
    execFileSync('git', ['status', '--porcelain', 'src'], { cwd: root }).toString().trim() !== '';
  const afterLabel = `after (${head}${dirty ? ' + uncommitted changes' : ''})`;
  const beforeLabel = `before (${commit})`;
  const recorder = new GroupRecorder('before-after', {
    title: 'Before and after: the stages against their targets, same run',
    about:
      `The stage cases with targets, run against \`src/\` of ${commit} (exported with ` +
      '`git archive` into a temporary directory that shares `node_modules`) and against the ' +
      'current `src/`, interleaved in one process with one baseline: A1, a raw `for await` over ' +
      'a sync generator. Both sides load as TypeScript through tsx. Targets are per-item cost ' +
      'as a multiple of A1; a verdict uses the median over repetitions of the ratio taken within ' +
      'each repetition.',
    command: `node --expose-gc --import tsx bench/before-after.ts --before=${BEFORE} --n=${N} --reps=${REPS}`,
  });
  const results = await runSuite(
    [rawSyncCase(N), ...side(beforeLabel, before), ...side(afterLabel, current)],
    { reps: REPS, expected: itemsSum(N), log: console.log },
  );
  recorder.suite(`Stages, N = ${N.toLocaleString('en')}, ${REPS} reps`, results, {
    items: N,
    baseline: RAW_SYNC,
  });
  const find = (name: string): CaseResult => results.find((r) => r.name === name)!;
  const a1 = find(RAW_SYNC).runsMs;
  const fmt = (s: { median: number; min: number; max: number }) =>
    `${s.median.toFixed(2)}x (${s.min.toFixed(2)}–${s.max.toFixed(2)})`;
  recorder.table({
    title: 'Targets before and after',
    text: 'x A1: median over repetitions (min–max). after / before: the after case against the before case of the same repetition.',
    columns: [
      'case',
      'target',
      `${beforeLabel}: x A1`,
      `${afterLabel}: x A1`,
      'after / before',
      'after meets target',
    ],
    rows: stageCases.map((c) => {
      const b = find(`${beforeLabel}: ${c.name}`).runsMs;
      const a = find(`${afterLabel}: ${c.name}`).runsMs;
      const after = ratioSpread(a, a1);
      return [
        c.name,
        c.target === undefined ? '' : `<= ${c.target.toFixed(2)}x`,
        fmt(ratioSpread(b, a1)),
        fmt(after),
        fmt(ratioSpread(a, b)),
        c.target === undefined ? '' : after.median <= c.target ? 'met' : 'MISSED',
      ];
    }),
  });
  const perCall = await runSuite([wrapCases(beforeLabel, before), wrapCases(afterLabel, current)], {
    reps: REPS,
    expected: itemsSum(M),
    log: console.log,
  });
  recorder.suite(
    `circuitBreaker().wrap, M = ${M.toLocaleString('en')} sequential calls, ${REPS} reps`,
    perCall,
    { items: M, baseline: `${beforeLabel}: circuitBreaker().wrap(fn), per call` },
  );
  recorder.save();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
