/**
 * undici's `Pool`, loaded on its own. `import { Pool } from 'undici'` evaluates undici's whole
 * index (fetch, WebSocket, the cache stores, mock agents, …), which loads about 70 of Node's
 * built-in modules, zlib and worker threads among them, and adds twice the resident memory of
 * the Pool alone. The solver only sends requests through a Pool, so it loads that file, as
 * undici's index itself does. undici 7 has no `exports` map, so the path is public in
 * practice but not in contract: `test/solver/pool.test.ts` checks that it is the same class
 * undici exports, and fails an upgrade that moves it.
 */
import UndiciPool from 'undici/lib/dispatcher/pool.js';

export const Pool = UndiciPool;
