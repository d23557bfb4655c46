/**
 * Waiting in tests: on a condition (polled, bounded) or on an event (bounded), never a fixed
 * sleep before an assertion.
 */

/** Resolves once `cond` holds, checking it every 50 ms; fails naming `what` after `timeoutMs`. */
export async function waitFor(
  what: string,
  cond: () => boolean | Promise<boolean>,
  timeoutMs = 30_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 50))
  }
}

/** Resolves after `count` more `type` events of `target`; fails naming `what` after `timeoutMs`. */
export function nextEvents(
  what: string,
  target: Pick<EventTarget, 'addEventListener' | 'removeEventListener'>,
  type: string,
  count = 1,
  timeoutMs = 30_000,
): Promise<void> {
  return new Promise((resolve, reject) => {
    let seen = 0
    const on = (): void => {
      if (++seen < count) return
      clearTimeout(timer)
      target.removeEventListener(type, on)
      resolve()
    }
    const timer = setTimeout(() => {
      target.removeEventListener(type, on)
      reject(
        new Error(`timed out after ${timeoutMs} ms waiting for ${what} (${seen} of ${count} ${type} events)`),
      )
    }, timeoutMs)
    target.addEventListener(type, on)
  })
}
