/**
 * Per-object leak checks for tests with real servers: a server that counts its open TCP
 * connections (`startMockSolver`'s `connections`, the solver tests' fake server) shows
 * whether the clients that talked to it closed theirs. Never process-wide handle counts,
 * which other tests running beside this one change at any moment.
 */

/** Something to close after a test; a server also says how many connections are open to it. */
export interface Closable {
  close(): Promise<void>;
  /** Open TCP connections to this server right now (servers only). */
  readonly connections?: number;
}

/** Lets I/O callbacks (socket `close` events) run. */
const tick = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 1));

/**
 * Closes `items` in order (clients first, then the servers they talked to). Before closing a
 * server it waits until no connection to it is open, and throws when one stays open: a
 * client closed before it left a connection behind. The wait is capped (`maxTicks` timer
 * ticks; a socket's `close` event comes within a few), so a leak fails instead of hanging.
 */
export async function closeCheckingConnections(
  items: readonly (Closable | undefined)[],
  maxTicks = 2_000,
): Promise<void> {
  const leaks: string[] = [];
  for (const item of items) {
    if (item === undefined) continue;
    if (item.connections !== undefined) {
      for (let i = 0; i < maxTicks && item.connections > 0; i++) await tick();
      if (item.connections > 0) {
        leaks.push(
          `${item.connections} connection(s) still open to a server after its clients closed`,
        );
      }
    }
    await item.close();
  }
  if (leaks.length > 0) throw new Error(`leaked: ${leaks.join('; ')}`);
}
