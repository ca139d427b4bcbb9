/**
 * A strict parser of the Prometheus text exposition format 0.0.4, for tests. prom-client ships
 * none, and the parsers on npm are lenient and unmaintained; a strict one is what a test of an
 * exporter wants: it throws on anything a Prometheus server would reject or that the format
 * forbids (a sample before its TYPE, a family split in two, a duplicate series, a bad escape).
 */

export interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

export interface Family {
  readonly name: string;
  readonly type: 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped';
  readonly help: string | undefined;
  readonly samples: Sample[];
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*/;
const TYPES = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped']);
const SUFFIXES = ['_bucket', '_count', '_sum'];

export function parseExposition(text: string): Map<string, Family> {
  if (text !== '' && !text.endsWith('\n')) throw new Error('exposition must end with a newline');
  const families = new Map<string, Family>();
  const finished = new Set<string>();
  const series = new Set<string>();
  let current: Family | undefined;
  const lines = text.split('\n').slice(0, -1);
  lines.forEach((line, index) => {
    const fail = (why: string): never => {
      throw new Error(`line ${index + 1}: ${why}: ${JSON.stringify(line)}`);
    };
    if (line.trim() === '') return;
    if (line.startsWith('#')) {
      const match = /^# (HELP|TYPE) ([^ ]+) ?(.*)$/.exec(line);
      if (!match) return; // a plain comment
      const [, keyword, name, rest] = match as unknown as [string, string, string, string];
      if (!NAME.test(name) || NAME.exec(name)![0] !== name) fail('bad metric name');
      if (finished.has(name)) fail('family appears twice');
      if (current && current.name !== name) finished.add(current.name);
      const family = families.get(name) ?? {
        name,
        type: 'untyped' as Family['type'],
        help: undefined,
        samples: [],
      };
      if (keyword === 'HELP') {
        if (family.help !== undefined) fail('second HELP');
        (family as { help: string | undefined }).help = unescapeText(rest, false, fail);
      } else {
        if (!TYPES.has(rest)) fail('unknown TYPE');
        if (family.samples.length > 0) fail('TYPE after samples');
        (family as { type: Family['type'] }).type = rest as Family['type'];
      }
      families.set(name, family);
      current = family;
      return;
    }
    const sample = parseSample(line, fail);
    const familyName = current && belongsTo(sample.name, current) ? current.name : sample.name;
    if (finished.has(familyName)) fail('family appears twice');
    if (current && current.name !== familyName) finished.add(current.name);
    let family = families.get(familyName);
    if (!family) {
      family = { name: familyName, type: 'untyped', help: undefined, samples: [] };
      families.set(familyName, family);
    }
    const key = `${sample.name}${JSON.stringify(Object.entries(sample.labels).sort())}`;
    if (series.has(key)) fail('duplicate series');
    series.add(key);
    family.samples.push(sample);
    current = family;
  });
  return families;
}

function belongsTo(sampleName: string, family: Family): boolean {
  if (sampleName === family.name) return true;
  if (family.type !== 'histogram' && family.type !== 'summary') return false;
  return SUFFIXES.some((suffix) => sampleName === family.name + suffix);
}

function parseSample(line: string, fail: (why: string) => never): Sample {
  const name = NAME.exec(line)?.[0] ?? fail('bad metric name');
  let rest = line.slice(name.length);
  const labels: Record<string, string> = {};
  if (rest.startsWith('{')) {
    rest = rest.slice(1);
    while (!rest.startsWith('}')) {
      const label = LABEL_NAME.exec(rest)?.[0] ?? fail('bad label name');
      rest = rest.slice(label.length);
      if (!rest.startsWith('="')) fail('expected ="');
      rest = rest.slice(2);
      let raw = '';
      for (;;) {
        const c = rest[0] ?? fail('unterminated label value');
        rest = rest.slice(1);
        if (c === '"') break;
        if (c === '\\') {
          raw += c + (rest[0] ?? fail('dangling escape'));
          rest = rest.slice(1);
        } else raw += c;
      }
      if (label in labels) fail('duplicate label');
      labels[label] = unescapeText(raw, true, fail);
      if (rest.startsWith(',')) rest = rest.slice(1);
      else if (!rest.startsWith('}')) fail('expected , or }');
    }
    rest = rest.slice(1);
  }
  const parts = rest.split(' ');
  if (parts[0] !== '' || parts.length < 2 || parts.length > 3)
    fail('expected " value [timestamp]"');
  const value = parseValue(parts[1]!, fail);
  if (parts[2] !== undefined && !/^-?\d+$/.test(parts[2])) fail('bad timestamp');
  return { name, labels, value };
}

function parseValue(text: string, fail: (why: string) => never): number {
  if (text === '+Inf') return Number.POSITIVE_INFINITY;
  if (text === '-Inf') return Number.NEGATIVE_INFINITY;
  if (text === 'NaN') return Number.NaN;
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(text)) fail('bad value');
  return Number(text);
}

/** Label values may escape `\\`, `\"` and `\n`; HELP text only `\\` and `\n`. */
function unescapeText(text: string, quotes: boolean, fail: (why: string) => never): string {
  return text.replace(/\\(.)/g, (_, c: string) => {
    if (c === '\\') return '\\';
    if (c === 'n') return '\n';
    if (c === '"' && quotes) return '"';
    return fail(`bad escape \\${c}`);
  });
}

/** The value of the one sample of `family` whose labels include `labels`; throws unless exactly one. */
export function sampleValue(
  families: Map<string, Family>,
  family: string,
  labels: Record<string, string>,
): number {
  const matches = (families.get(family)?.samples ?? []).filter((s) =>
    Object.entries(labels).every(([k, v]) => s.labels[k] === v),
  );
  if (matches.length !== 1) {
    throw new Error(`${family}${JSON.stringify(labels)}: ${matches.length} samples, expected 1`);
  }
  return matches[0]!.value;
}
