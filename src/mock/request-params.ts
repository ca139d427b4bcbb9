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

function headerParameter(header: string, name: string): string | undefined {
  const match = new RegExp(`(?:^|;)\\s*${name}=(?:"([^"]*)"|([^;]*))`, 'i').exec(header);
  if (!match) return undefined;
  return (match[1] ?? match[2] ?? '').trim();
}

/** Adds the fields of a multipart body; returns the first file part's content. */
export function addMultipart(
  fields: Record<string, string>,
  body: Buffer,
  contentType: string,
): Buffer | undefined {
  const boundary = headerParameter(contentType, 'boundary');
  if (!boundary) return undefined;
  const delimiter = Buffer.from(`--${boundary}`);
  let file: Buffer | undefined;
  let at = body.indexOf(delimiter);
  while (at !== -1) {
    let start = at + delimiter.length;
    // `--` after a delimiter ends the body.
    if (body[start] === 0x2d && body[start + 1] === 0x2d) break;
    if (body[start] === 0x0d && body[start + 1] === 0x0a) start += 2;
    const next = body.indexOf(delimiter, start);
    if (next === -1) break;
    // The part's content ends before the CRLF that precedes the next delimiter.
    const end = body[next - 2] === 0x0d && body[next - 1] === 0x0a ? next - 2 : next;
    const headerEnd = body.indexOf('\r\n\r\n', start);
    if (headerEnd !== -1 && headerEnd < end) {
      const headers = body.subarray(start, headerEnd).toString('latin1');
      const disposition = /content-disposition:([^\r\n]*)/i.exec(headers)?.[1] ?? '';
      const name = headerParameter(disposition, 'name');
      const filename = headerParameter(disposition, 'filename');
      const content = body.subarray(headerEnd + 4, end);
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

/** Adds the fields of a JSON object body (non-strings are stringified); ignores other JSON. */
export function addJson(fields: Record<string, string>, body: Buffer): void {
  let value: unknown;
  try {
    value = JSON.parse(body.toString('utf8'));
  } catch {
    return;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return;
  for (const [name, v] of Object.entries(value)) {
    if (v === undefined || v === null) continue;
    fields[name] =
      typeof v === 'string' ? v : typeof v === 'object' ? JSON.stringify(v) : String(v);
  }
}

/** Parses the query string and the body according to its content type. */
export function parseParams(query: string, contentType: string, body: Buffer): RequestParams {
  const fields = Object.create(null) as Record<string, string>;
  addUrlEncoded(fields, query);
  let file: Buffer | undefined;
  if (body.length > 0) {
    const type = contentType.toLowerCase();
    if (type.startsWith('multipart/form-data')) file = addMultipart(fields, body, contentType);
    else if (type.startsWith('application/json')) addJson(fields, body);
    // Like the services, anything else is read as a form (curl -d sends no content type).
    else addUrlEncoded(fields, body.toString('utf8'));
  }
  return { fields, file };
}
