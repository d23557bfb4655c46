import type { Logger } from '../chain/logger.js'

/**
 * Warn lines about clients that misbehave (malformed HTTP, timeouts, refused upgrades), at most
 * `perWindow` of them per window so that a flood of bad requests cannot flood the log too; the
 * rest go to debug and are counted in one warn line when the next window starts.
 */
export class BadClientLog {
  private windowStartMs = Number.NEGATIVE_INFINITY
  private logged = 0
  private suppressed = 0

  constructor(
    private readonly log: Logger,
    private readonly perWindow = 20,
    private readonly windowMs = 10_000,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** One warn line (no stack: these are the client's errors, not ours). */
  warn(fields: Record<string, unknown>, message: string): void {
    const now = this.now()
    if (now - this.windowStartMs >= this.windowMs) {
      if (this.suppressed > 0)
        this.log.warn(
          { suppressed: this.suppressed, windowMs: this.windowMs },
          'rpc: more bad-client lines were logged at debug level only',
        )
      this.windowStartMs = now
      this.logged = 0
      this.suppressed = 0
    }
    if (this.logged >= this.perWindow) {
      this.suppressed++
      this.log.debug(fields, message)
      return
    }
    this.logged++
    this.log.warn(fields, message)
  }
}
