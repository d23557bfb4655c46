import { type Logger, pino } from 'pino'

/** The structured logger type used everywhere: `log.info({ height, txs }, 'block committed')`. */
export type { Logger }

/** Logger options. */
export interface LoggerOptions {
  level?: string
  /** human-readable output; defaults to whether stdout is a terminal */
  pretty?: boolean
  name?: string
}

/** Creates the node's logger: pretty when a person watches a terminal, JSON lines otherwise. */
export function createLogger(opts: LoggerOptions = {}): Logger {
  const pretty = opts.pretty ?? process.stdout.isTTY === true
  return pino({
    name: opts.name ?? 'gather',
    level: opts.level ?? 'info',
    ...(pretty
      ? {
          transport: {
            target: 'pino-pretty',
            options: {
              colorize: true,
              singleLine: true,
              translateTime: 'HH:MM:ss.l',
              ignore: 'pid,hostname',
            },
          },
        }
      : {}),
  })
}

/** A logger that drops everything (tests, benchmarks). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' })
}
