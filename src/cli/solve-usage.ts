/**
 * The help text of `backpressure-kit solve`.
 */
import { BUFFER_PER_THREAD, DEFAULT_MAX, DEFAULT_TIME_SCALE } from './solve-options.js';

/** Help text of `backpressure-kit solve`. */
export const SOLVE_USAGE = `Usage: backpressure-kit solve [tasks.jsonl | -] --out results.jsonl [options]

Solves a JSON Lines file of tasks (one task object per line, e.g.
{"id":"t1","type":"recaptcha-v2","sitekey":"…","pageurl":"https://…"}) through the pipeline
boundedBuffer (or shed) -> solveStage, appending one record per task to --out the moment it
finishes. Rerun with the same --out to resume: tasks already recorded are skipped.

Account (the key is never a flag: flags show in ps):
  CAPTCHAAI_API_KEY     the key (TWOCAPTCHA_API_KEY with --provider 2captcha)
  --api-key-file FILE   read the key from FILE instead
  --provider NAME       captchaai or 2captcha                         (default captchaai)
  --base-url URL        another endpoint (a mock, a proxy); http: only to loopback
  With no key, an embedded mock solver is started (and the first line says so):
  --time-scale X        mock delays and default durations times X     (default ${DEFAULT_TIME_SCALE} with the mock)
  --mock-threads N      the mock account's threads                    (default 10)
  --mock-latency D      one solve time for every task, before scaling (default: realistic)
  --mock-outage A:B     every submit fails (502) from A after the start, for B (e.g. 8s:4s)

Files:
  --out FILE, -o FILE   results, one JSON record per task (required)
  --rejects FILE        bad input lines with file, line and reason    (default <out>.rejects.jsonl)
  --strict              stop at the first bad line (exit 1)
  --restart             empty --out first instead of resuming

Pipeline:
  --max N               account threads: most tasks in flight          (default ${DEFAULT_MAX})
  --min N               fewest in flight the adaptive limit may fall to (default 1; = --max fixes it)
  --buffer N            boundedBuffer capacity: the reader waits when full (default ${BUFFER_PER_THREAD} x --max)
  --shed N              shed capacity instead: never wait, drop by task.priority when full
  --rate R              submits per time, N/s or N/m, or off          (default 10/s, burst 5)
  --timeout D           deadline per task, submit to answer           (default 180s, 90s images)
  --retries N           retries of a transient submit failure          (default 3)
  --resubmits N         resubmits of an unsolvable task                (default 2)
  --breaker-failures N  failures in a row that open the breaker        (default 5)
  --breaker-reset D     how long it stays open before a trial          (default 30s)
  --poll-interval D     between polls of one task                      (default 5s)
  --first-poll-delay D  from submit to the first poll                  (default by type, 5s to 15s)
  Durations: 500ms, 30s, 2m, or plain ms. With --time-scale, every default duration above
  (and the rate's interval) is scaled too; values you give are used as they are.

Progress:
  --progress MODE       auto, tty (live view), plain (a log line every few seconds),
                        json (NDJSON samples on stderr) or none        (default auto)
  --progress-interval D between plain lines or JSON samples           (default 2s plain, 1s json)
  --metrics-port N      serve Prometheus metrics at http://127.0.0.1:N/metrics while it runs
                        (0 picks a free port)
  --quiet, -q           print nothing but errors
  --help, -h            show this text

Exit codes: 0 finished (failed tasks included), 1 the run failed (e.g. a wrong key),
2 usage error, 130 stopped by Ctrl-C (rerun to finish; Ctrl-C twice aborts tasks in flight).

Examples:
  backpressure-kit solve examples/tasks.jsonl --out results.jsonl
  CAPTCHAAI_API_KEY=… backpressure-kit solve tasks.jsonl -o results.jsonl --max 50 --shed 500`;
