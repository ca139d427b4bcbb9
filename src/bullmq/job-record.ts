/**
 * A record as plain JSON for Redis: every own field is kept, and an error in `reason` becomes
 * `{ name, code, kind, message }` (an `Error` serializes to `{}` otherwise). This is what a
 * settled job carries as its return value (solved) or, as a JSON string, its failed reason.
 */
export function jobRecord(record: object): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(record)) {
    out[key] = value instanceof Error ? errorJson(value) : value;
  }
  return out;
}

function errorJson(error: Error): Record<string, unknown> {
  const fields = error as Error & { code?: unknown; kind?: unknown };
  return {
    name: error.name,
    ...(fields.code === undefined ? {} : { code: fields.code }),
    ...(fields.kind === undefined ? {} : { kind: fields.kind }),
    message: error.message,
  };
}
