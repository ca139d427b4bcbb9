/**
 * Bans a client IP after repeated bad-key requests (both providers answer `IP_BANNED` for
 * a while after about 5 of them). Counts bad requests per IP in a sliding window.
 */
export class IpGuard {
  private readonly strikes = new Map<string, number[]>();
  private readonly bannedUntil = new Map<string, number>();

  /** Whether `ip` is banned at `now`. */
  isBanned(ip: string, now: number): boolean {
    const until = this.bannedUntil.get(ip);
    if (until === undefined) return false;
    if (until > now) return true;
    this.bannedUntil.delete(ip);
    return false;
  }

  /**
   * Records a bad-key request. Returns `true` when it completes `attempts` within `window` ms,
   * in which case `ip` is banned until `now + duration`.
   */
  strike(ip: string, now: number, attempts: number, window: number, duration: number): boolean {
    let times = this.strikes.get(ip);
    if (!times) this.strikes.set(ip, (times = []));
    times.push(now);
    while (times.length > 0 && now - times[0]! >= window) times.shift();
    if (times.length < attempts) return false;
    this.strikes.delete(ip);
    this.bannedUntil.set(ip, now + duration);
    return true;
  }

  /** Forgets every strike and ban. */
  clear(): void {
    this.strikes.clear();
    this.bannedUntil.clear();
  }
}
