import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

/**
 * docs/architecture.md draws the layers of src/ as a Mermaid flowchart of subgraphs, top layer
 * first. This test reads that drawing and every import in src/ (as TypeScript parses them:
 * static, dynamic, type-only and re-exports; comments ignored), and fails when the code and
 * the drawing disagree.
 */
const root = join(import.meta.dirname, '..');
const srcDir = join(root, 'src');

/** A part of src/ as the drawing names it: `cli` for src/cli/…, `errors.ts` for src/errors.ts. */
type Unit = string;

interface Import {
  readonly from: string; // src-relative file
  readonly specifier: string;
  readonly target: string | undefined; // src-relative file, for a relative import
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') ? [relative(srcDir, path)] : [];
  });
}

const unitOf = (file: string): Unit => (file.includes('/') ? file.split('/')[0]! : file);

const imports: Import[] = sourceFiles(srcDir).flatMap((from) =>
  ts
    .preProcessFile(readFileSync(join(srcDir, from), 'utf8'), true, true)
    .importedFiles.map(({ fileName: specifier }) => ({
      from,
      specifier,
      target: specifier.startsWith('.')
        ? normalize(join(dirname(from), specifier)).replace(/\.js$/, '.ts')
        : undefined,
    })),
);

/** The drawing's layers, top first, each the set of units in its subgraph. */
function drawnLayers(): Unit[][] {
  const doc = readFileSync(join(root, 'docs', 'architecture.md'), 'utf8');
  const diagram = /```mermaid\n([\s\S]*?)```/.exec(doc)?.[1];
  if (diagram === undefined) throw new Error('docs/architecture.md has no mermaid drawing');
  const layers: Unit[][] = [];
  let current: Unit[] | undefined;
  for (const line of diagram.split('\n')) {
    if (/^\s*subgraph\b/.test(line)) layers.push((current = []));
    else if (/^\s*end\s*$/.test(line)) current = undefined;
    else {
      const node = /^\s*\w+\["src\/([\w.-]+?)\/?"\]\s*$/.exec(line);
      if (node) {
        if (!current) throw new Error(`node outside a layer: ${line.trim()}`);
        current.push(node[1]!);
      }
    }
  }
  return layers;
}

const layers = drawnLayers();
const layerOf = new Map(layers.flatMap((units, i) => units.map((unit) => [unit, i] as const)));
const units = new Set(sourceFiles(srcDir).map(unitOf));

/** The core: what the root entry reaches, file by file. */
function reachedFrom(entry: string): Set<string> {
  const reached = new Set<string>([entry]);
  for (const file of reached) {
    for (const i of imports) if (i.from === file && i.target) reached.add(i.target);
  }
  return reached;
}

/** The core directories, whose every file must stay portable. */
const coreUnits = ['stages', 'limit', 'breaker', 'retry', 'rate', 'internal', 'errors.ts'];
const coreUnitsWithEntry = [...coreUnits, 'stage.ts', 'index.ts'];

describe('docs/architecture.md draws the layers of src/ as they are', () => {
  it('draws at least the core, the entry points and the command, each once', () => {
    expect(layers.length).toBeGreaterThanOrEqual(5);
    const drawn = layers.flat();
    expect(new Set(drawn).size).toBe(drawn.length);
    for (const unit of ['index.ts', 'stages', 'internal', 'solver', 'mock', 'testing', 'cli']) {
      expect(drawn).toContain(unit);
    }
  });

  it('draws every part of src/, and nothing that does not exist', () => {
    const drawn = new Set(layers.flat());
    expect(
      [...units].filter((u) => !drawn.has(u)),
      'parts of src/ missing from the drawing',
    ).toEqual([]);
    expect(
      [...drawn].filter((u) => !units.has(u)),
      'drawn parts that src/ does not have',
    ).toEqual([]);
  });

  it('every import runs downward: never within a layer, never upward', () => {
    const wrong = imports
      .filter((i) => i.target !== undefined && unitOf(i.target) !== unitOf(i.from))
      .filter((i) => {
        const from = layerOf.get(unitOf(i.from));
        const to = layerOf.get(unitOf(i.target!));
        return from === undefined || to === undefined || to <= from;
      })
      .map((i) => `src/${i.from} imports '${i.specifier}' (src/${i.target})`);
    expect(wrong).toEqual([]);
  });

  it('the core imports nothing from solver, mock, bullmq, testing or cli', () => {
    const above = new Set(['solver', 'mock', 'bullmq', 'testing', 'cli']);
    const wrong = imports
      .filter((i) => coreUnitsWithEntry.includes(unitOf(i.from)))
      .filter((i) => i.target !== undefined && above.has(unitOf(i.target)))
      .map((i) => `src/${i.from} imports '${i.specifier}'`);
    expect(wrong).toEqual([]);
  });

  it('the core directories import no node: module and no package', () => {
    const wrong = imports
      .filter((i) => coreUnitsWithEntry.includes(unitOf(i.from)) && i.target === undefined)
      .map((i) => `src/${i.from} imports '${i.specifier}'`);
    expect(wrong).toEqual([]);
  });

  it('every file the root entry reaches imports no node: module and no package', () => {
    const core = reachedFrom('index.ts');
    expect(core.has('metrics/monitor.ts')).toBe(true); // monitor() is in the root entry
    const wrong = imports
      .filter((i) => core.has(i.from) && i.target === undefined)
      .map((i) => `src/${i.from} imports '${i.specifier}'`);
    expect(wrong).toEqual([]);
  });

  it('lists every entry point of package.json and every command of the CLI', () => {
    const doc = readFileSync(join(root, 'docs', 'architecture.md'), 'utf8');
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
      exports: Record<string, unknown>;
    };
    for (const subpath of Object.keys(pkg.exports).filter((k) => k !== './package.json')) {
      const name = subpath === '.' ? 'backpressure-kit' : `backpressure-kit/${subpath.slice(2)}`;
      expect(doc, name).toContain(`\`${name}\``);
    }
    const main = readFileSync(join(srcDir, 'cli', 'main.ts'), 'utf8');
    const commands = [...main.matchAll(/case '(\w+)':/g)].map((m) => m[1]!);
    for (const command of commands.filter((c) => c !== 'help')) {
      expect(doc, command).toContain(`\`${command}\``);
    }
  });
});

describe('the checks above can fail', () => {
  it('finds the imports of a file that breaks the rules', () => {
    const parsed = ts.preProcessFile(
      "// import { x } from 'node:fs';\nimport type { A } from '../solver/index.js';\nexport { b } from 'node:path';\nawait import('../cli/main.js');",
      true,
      true,
    );
    expect(parsed.importedFiles.map((f) => f.fileName)).toEqual([
      '../solver/index.js',
      'node:path',
      '../cli/main.js',
    ]);
  });

  it('places the root entry below the entry points and above the stages', () => {
    expect(layerOf.get('solver')!).toBeLessThan(layerOf.get('index.ts')!);
    expect(layerOf.get('index.ts')!).toBeLessThan(layerOf.get('stages')!);
    expect(layerOf.get('stages')!).toBeLessThan(layerOf.get('internal')!);
  });
});
