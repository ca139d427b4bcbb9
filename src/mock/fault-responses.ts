import type { ServerResponse } from 'node:http';
import type { ResolvedFaultParameters } from './resolve-options.js';

// What Cloudflare in front of the services sends when the origin is down.
function htmlPage(status: number): string {
  const title =
    status === 502
      ? 'Bad gateway'
      : status === 503
        ? 'Service unavailable'
        : 'Web server is returning an unknown error';
  return `<!DOCTYPE html>
<html lang="en-US">
<head><title>${status}: ${title}</title><meta charset="UTF-8" /></head>
<body>
<div id="cf-error-details"><h1>${title}</h1><span>Error code ${status}</span>
<p>The web server reported a ${title.toLowerCase()} error.</p>
<p>Cloudflare Ray ID: 7f3a9c1e2b4d5e6f</p></div>
</body>
</html>
`;
}

function write(
  res: ServerResponse,
  status: number,
  type: string,
  body: string,
  extra?: Record<string, string>,
): void {
  res.writeHead(status, {
    'content-type': type,
    'content-length': Buffer.byteLength(body),
    ...extra,
  });
  res.end(body);
}

/**
 * Sends the response of a fault that replaces the answer entirely (`html-5xx`, `http-429`,
 * `malformed-json`, `empty-body`). The other kinds need the request's processing or the
 * socket, and are carried out by the server.
 */
export function writeFaultResponse(res: ServerResponse, fault: ResolvedFaultParameters): void {
  switch (fault.kind) {
    case 'html-5xx':
      write(res, fault.status, 'text/html; charset=UTF-8', htmlPage(fault.status));
      return;
    case 'http-429':
      write(
        res,
        429,
        'text/html; charset=UTF-8',
        '<html><head><title>429 Too Many Requests</title></head><body><h1>429 Too Many Requests</h1></body></html>\n',
        { 'retry-after': String(fault.retryAfter) },
      );
      return;
    case 'malformed-json':
      write(res, 200, 'application/json; charset=utf-8', '{"status":1,"requ');
      return;
    case 'empty-body':
      write(res, 200, 'text/html; charset=UTF-8', '');
      return;
    default:
      throw new Error(`writeFaultResponse cannot carry out ${fault.kind}`);
  }
}
