/**
 * Request parameters as the services read them: the query string merged with a urlencoded,
 * multipart or JSON body (body fields win). Parameter objects have no prototype, so a field
 * called `__proto__` or `constructor` is just a field.
 */

/** Parsed parameters of one request. */
export interface RequestParams {
  readonly fields: Record<string, string>;
  /** Content of a multipart part with a filename (the image of `method=post`). */
  readonly file: Buffer | undefined;
}

/** Adds the fields of a query string (without `?`) or urlencoded body. */
export function addUrlEncoded(fields: Record<string, string>, text: string): void {
  if (text.length === 0) return;
  for (const [name, value] of new URLSearchParams(text)) fields[name] = value;
}

// One compiled pattern per header parameter the parser reads (built once, not per part).
const PARAMETER_PATTERNS: Readonly<Record<'boundary' | 'name' | 'filename', RegExp>> = {
  boundary: /(?:^|;)\s*boundary=(?:"([^"]*)"|([^;]*))/i,
  name: /(?:^|;)\s*name=(?:"([^"]*)"|([^;]*))/i,
  filename: /(?:^|;)\s*filename=(?:"([^"]*)"|([^;]*))/i,
};

function headerParameter(
  header: string,
  name: keyof typeof PARAMETER_PATTERNS,
): string | undefined {
  const match = PARAMETER_PATTERNS[name].exec(header);
  if (!match) return undefined;
  return (match[1] ?? match[2] ?? '').trim();
}

// RFC 2046 caps a boundary at 70 characters; a longer one could make each search cost more.
const MAX_BOUNDARY = 70;
// A part's headers end within this many bytes (Node caps a request's headers at 16 KiB too).
const MAX_PART_HEADERS = 16 * 1024;
const CRLF = Buffer.from('\r\n');
const HEADER_END = Buffer.from('\r\n\r\n');

/**
 * Adds the fields of a multipart body; returns the first file part's content.
 *
 * Linear in the body size: the body is walked once, from delimiter to delimiter, and each
 * search is confined to the part it belongs to (a part's header search never runs past its
 * next delimiter nor past {@link MAX_PART_HEADERS}), so no byte is scanned more than a constant
 * number of times whatever the parts hold.
 */
export function addMultipart(
  fields: Record<string, string>,
  body: Buffer,
  contentType: string,
): Buffer | undefined {
  const boundary = headerParameter(contentType, 'boundary');
  if (!boundary || boundary.length > MAX_BOUNDARY) return undefined;
  const delimiter = Buffer.from(`--${boundary}`);
  let file: Buffer | undefined;
  let at = body.indexOf(delimiter);
  while (at !== -1) {
    let start = at + delimiter.length;
    // `--` after a delimiter ends the body.
    if (body[start] === 0x2d && body[start + 1] === 0x2d) break;
    if (body[start] === 0x0d && body[start + 1] === 0x0a) start += CRLF.length;
    const next = body.indexOf(delimiter, start);
    if (next === -1) break;
    // The part's content ends before the CRLF that precedes the next delimiter.
    const end = body[next - 2] === 0x0d && body[next - 1] === 0x0a ? next - 2 : next;
    const part = body.subarray(start, Math.max(start, end));
    const headerEnd = part.subarray(0, MAX_PART_HEADERS + HEADER_END.length).indexOf(HEADER_END);
    if (headerEnd !== -1) {
      const headers = part.subarray(0, headerEnd).toString('latin1');
      const disposition = /content-disposition:([^\r\n]*)/i.exec(headers)?.[1] ?? '';
      const name = headerParameter(disposition, 'name');
      const filename = headerParameter(disposition, 'filename');
      const content = part.subarray(headerEnd + HEADER_END.length);
      if (filename !== undefined) {
        file ??= Buffer.from(content);
        if (name !== undefined && fields[name] === undefined) fields[name] = filename;
      } else if (name !== undefined) {
        fields[name] = content.toString('utf8');
      }
    }
    at = next;
  }
  return file;
}

/** The body as a JSON object, or `undefined` when it is not one. */
export function jsonObject(body: Buffer): Record<string, unknown> | undefined {
  let value: unknown;
  try {
    value = JSON.parse(body.toString('utf8'));
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  return value as Record<string, unknown>;
}

/** Whether the first byte that is not JSON whitespace is `{`. */
function looksLikeJsonObject(body: Buffer): boolean {
  for (const byte of body) {
    if (byte === 0x20 || byte === 0x09 || byte === 0x0a || byte === 0x0d) continue;
    return byte === 0x7b;
  }
  return false;
}

/** Adds the fields of a JSON object (non-strings are stringified). */
export function addJson(fields: Record<string, string>, value: Record<string, unknown>): void {
  for (const [name, v] of Object.entries(value)) {
    if (v === undefined || v === null) continue;
    fields[name] =
      typeof v === 'string' ? v : typeof v === 'object' ? JSON.stringify(v) : String(v);
  }
}

/**
 * Parses the query string and the body. A multipart body is recognised by its declared type
 * (it needs the boundary); any other body is decided by its content, as the services do: a
 * JSON object is read as JSON whatever the declared type (clients send JSON as `text/plain`,
 * or with no type at all), anything else as a form (curl -d, or a form declared as JSON).
 */
export function parseParams(query: string, contentType: string, body: Buffer): RequestParams {
  const fields = Object.create(null) as Record<string, string>;
  addUrlEncoded(fields, query);
  let file: Buffer | undefined;
  if (body.length > 0) {
    const object =
      contentType.toLowerCase().startsWith('multipart/form-data') || !looksLikeJsonObject(body)
        ? undefined
        : jsonObject(body);
    if (object) addJson(fields, object);
    else if (contentType.toLowerCase().startsWith('multipart/form-data')) {
      file = addMultipart(fields, body, contentType);
    } else addUrlEncoded(fields, body.toString('utf8'));
  }
  return { fields, file };
}
