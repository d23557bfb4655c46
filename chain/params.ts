import { z } from 'zod'
import { ChainError, ChainErrorCode } from './errors.js'
import type { ValueCodec } from './store/typedStore.js'

/**
 * Module parameters, one pattern for every module: a small typed definition per field, from which
 * come the defaults, `validate`, the JSON form (bigints as decimal strings) that genesis, the
 * state and queries use, the genesis schema, and `change` — what a governance proposal
 * `{ module, key, value }` goes through, so a param change is checked by the target module's own
 * rules.
 */

/** An amount (bigint); its JSON form is a decimal string. */
export interface BigintParam {
  kind: 'bigint'
  min?: bigint
  max?: bigint
  /** what the number counts, for messages (`ugat`) */
  unit?: string
  /** what `max` is, for messages (`the GAT cap`) */
  maxName?: string
}

/** A whole number (a safe integer); its JSON form is a number. */
export interface IntParam {
  kind: 'int'
  min?: number
  max?: number
  /** what the number counts, for messages (`blocks`, `basis points`) */
  unit?: string
}

/** A flag. */
export interface BoolParam {
  kind: 'bool'
}

/** A string. */
export interface StringParam {
  kind: 'string'
  maxLength?: number
  pattern?: RegExp
}

/** The definition a field of type `V` takes: bigint → BigintParam, number → IntParam, … */
export type ParamField<V> = V extends bigint
  ? BigintParam
  : V extends number
    ? IntParam
    : V extends boolean
      ? BoolParam
      : V extends string
        ? StringParam
        : never

/** One definition per field of `P`, in the order the JSON form lists them. */
export type ParamFields<P> = { readonly [K in keyof P]-?: ParamField<P[K]> }

/** A field's JSON form: bigints as decimal strings, the rest as they are. */
export type ParamJson<V> = V extends bigint ? string : V

/** The JSON form of params; a field left out means its default. */
export type ParamsJson<P> = { [K in keyof P]?: ParamJson<P[K]> }

/** A problem with one field. */
export interface ParamProblem<P = Record<string, unknown>> {
  key: keyof P & string
  reason: string
}

/** What a module declares about its params. */
export interface ParamsDefinition<P> {
  /** the module's name: messages say `modules.<module>.params.<key>` */
  module: string
  fields: ParamFields<P>
  defaults: () => P
  /** rules across fields (each field's own range is checked from its definition) */
  check?: (p: P) => ParamProblem<P>[]
}

/** A module's params: made by {@link defineParams}. */
export interface ParamsSpec<P> {
  readonly module: string
  readonly fields: ParamFields<P>
  /** The defaults (a fresh object each call). */
  defaults(): P
  /** Problems with a set of params, each `key: reason`; empty when valid. */
  problems(p: P): string[]
  /** Returns `p` when valid; throws PARAMS_INVALID naming each bad field otherwise. */
  validate(p: P): P
  /** Params to their JSON form (every field, in definition order). */
  toJson(p: P): Required<ParamsJson<P>>
  /** Params from their JSON form over the defaults; throws GENESIS_INVALID naming each bad field. */
  parse(raw: ParamsJson<P> | undefined): P
  /**
   * `current` with one param changed, `value` in its JSON form (a governance change); throws
   * PARAMS_INVALID for an unknown key or a value the module's rules refuse.
   */
  change(current: P, key: string, value: unknown): P
  /** The genesis schema of `modules.<module>.params` (strict: unknown keys are errors). */
  genesisSchema(): z.ZodType<ParamsJson<P>>
  /** The JSON form as a query answers it (every field, typed by its kind): a query's result schema. */
  jsonSchema(): z.ZodType<Required<ParamsJson<P>>>
  /** The stored form: the JSON form as UTF-8 JSON, fields in definition order. */
  readonly codec: ValueCodec<Required<ParamsJson<P>>>
}

/** A whole amount as a JSON decimal string: no sign, no leading zeros, at most 39 digits. */
export const DECIMAL_AMOUNT = /^(0|[1-9][0-9]{0,38})$/

/** The genesis schema of an amount in ugat (a decimal string). */
export const ugatJsonSchema = z
  .string()
  .regex(DECIMAL_AMOUNT, 'must be a whole number of ugat as a decimal string')

type AnyField = BigintParam | IntParam | BoolParam | StringParam

function range<N extends number | bigint>(min: N | undefined, max: N | undefined, maxName?: string): string {
  const top = max === undefined ? '' : `${max}${maxName === undefined ? '' : ` (${maxName})`}`
  if (min !== undefined && max !== undefined) return ` from ${min} to ${top}`
  if (min !== undefined) return `, at least ${min}`
  if (max !== undefined) return `, at most ${top}`
  return ''
}

/** What a field must be, for messages: "a whole number of blocks, at least 1". */
function describe(f: AnyField): string {
  switch (f.kind) {
    case 'bigint':
      return `a whole number${f.unit === undefined ? '' : ` of ${f.unit}`}${range(f.min, f.max, f.maxName)}`
    case 'int':
      return `a whole number${f.unit === undefined ? '' : ` of ${f.unit}`}${range(f.min, f.max)}`
    case 'bool':
      return 'true or false'
    case 'string':
      return `a string${f.maxLength === undefined ? '' : ` of at most ${f.maxLength} characters`}${f.pattern === undefined ? '' : ` matching ${f.pattern}`}`
  }
}

function shown(v: unknown): string {
  const s = typeof v === 'bigint' ? v.toString() : typeof v === 'number' ? String(v) : JSON.stringify(v)
  if (s === undefined) return String(v)
  return s.length > 40 ? `${s.slice(0, 40)}…` : s
}

/** A field's definition flattened to one shape (the checks run on every read of the params). */
interface Compiled {
  key: string
  field: AnyField
  kind: AnyField['kind']
  min: number | bigint | undefined
  max: number | bigint | undefined
  maxLength: number | undefined
  pattern: RegExp | undefined
}

function compile(key: string, f: AnyField): Compiled {
  return {
    key,
    field: f,
    kind: f.kind,
    min: f.kind === 'bigint' || f.kind === 'int' ? f.min : undefined,
    max: f.kind === 'bigint' || f.kind === 'int' ? f.max : undefined,
    maxLength: f.kind === 'string' ? f.maxLength : undefined,
    pattern: f.kind === 'string' ? f.pattern : undefined,
  }
}

/** Whether a typed value fits its field's definition. */
function fits(c: Compiled, v: unknown): boolean {
  switch (c.kind) {
    case 'bigint':
      return (
        typeof v === 'bigint' && (c.min === undefined || v >= c.min) && (c.max === undefined || v <= c.max)
      )
    case 'int':
      return (
        typeof v === 'number' &&
        Number.isSafeInteger(v) &&
        (c.min === undefined || v >= c.min) &&
        (c.max === undefined || v <= c.max)
      )
    case 'bool':
      return typeof v === 'boolean'
    case 'string':
      return (
        typeof v === 'string' &&
        (c.maxLength === undefined || v.length <= c.maxLength) &&
        (c.pattern === undefined || c.pattern.test(v))
      )
  }
}

/** Makes a module's {@link ParamsSpec} from its field definitions. */
export function defineParams<P extends object>(def: ParamsDefinition<P>): ParamsSpec<P> {
  const keys = Object.keys(def.fields) as (keyof P & string)[]
  const fields = keys.map((key) => compile(key, def.fields[key] as AnyField)) as (Compiled & {
    key: keyof P & string
  })[]
  const prefix = `modules.${def.module}.params.`

  const problemsOf = (p: P): ParamProblem<P>[] => {
    const out: ParamProblem<P>[] = []
    for (const c of fields)
      if (!fits(c, p[c.key]))
        out.push({ key: c.key, reason: `must be ${describe(c.field)}, got ${shown(p[c.key])}` })
    // rules across fields only once each field is right on its own
    return out.length > 0 || def.check === undefined ? out : def.check(p)
  }

  /** The JSON params over `base`, with the problems of the fields that do not decode or fit. */
  const decode = (raw: ParamsJson<P> | undefined, base: P): { p: P; problems: ParamProblem<P>[] } => {
    const p = { ...base }
    const problems: ParamProblem<P>[] = []
    const json = raw as Record<string, unknown> | undefined
    for (const { key, field } of fields) {
      const v = json?.[key]
      if (v === undefined) continue
      if (field.kind !== 'bigint') p[key] = v as P[typeof key]
      else if (typeof v === 'string' && DECIMAL_AMOUNT.test(v)) p[key] = BigInt(v) as P[typeof key]
      else problems.push({ key, reason: `must be ${describe(field)} as a decimal string, got ${shown(v)}` })
    }
    return { p, problems: problems.length > 0 ? problems : problemsOf(p) }
  }

  const fail = (code: string, lead: string, problems: ParamProblem<P>[]): never => {
    const lines = problems.map((x) => `${prefix}${x.key}: ${x.reason}`)
    throw new ChainError(code, `${lead}: ${lines.join('; ')}`, { problems: lines })
  }

  const toJson = (p: P): Required<ParamsJson<P>> => {
    const out: Record<string, unknown> = {}
    for (const key of keys) {
      const v = p[key]
      out[key] = typeof v === 'bigint' ? v.toString() : v
    }
    return out as Required<ParamsJson<P>>
  }

  const utf8 = new TextEncoder()
  const fromUtf8 = new TextDecoder()

  return {
    module: def.module,
    fields: def.fields,
    defaults: def.defaults,
    problems: (p) => problemsOf(p).map((x) => `${x.key}: ${x.reason}`),
    validate(p) {
      const problems = problemsOf(p)
      if (problems.length > 0) fail(ChainErrorCode.PARAMS_INVALID, 'invalid params', problems)
      return p
    },
    toJson,
    parse(raw) {
      // the stored params are read on every getParams: a valid set takes this short path
      const p = def.defaults()
      const json = raw as Record<string, unknown> | undefined
      let valid = true
      for (let i = 0; i < fields.length && valid; i++) {
        const c = fields[i]!
        const v = json === undefined ? undefined : json[c.key]
        if (v !== undefined) {
          if (c.kind !== 'bigint') p[c.key] = v as P[keyof P & string]
          else if (typeof v === 'string' && DECIMAL_AMOUNT.test(v))
            p[c.key] = BigInt(v) as P[keyof P & string]
          else valid = false
        }
        if (valid && !fits(c, p[c.key])) valid = false
      }
      if (valid && (def.check === undefined || def.check(p).length === 0)) return p
      return fail(ChainErrorCode.GENESIS_INVALID, 'invalid genesis', decode(raw, def.defaults()).problems)
    },
    change(current, key, value) {
      if (!(keys as string[]).includes(key)) {
        throw new ChainError(
          ChainErrorCode.PARAMS_INVALID,
          `${def.module} has no param "${key}" (its params: ${keys.join(', ')})`,
        )
      }
      if (value === undefined) {
        const field = def.fields[key as keyof P] as AnyField
        fail(ChainErrorCode.PARAMS_INVALID, 'invalid params', [
          { key: key as keyof P & string, reason: `must be ${describe(field)}, got no value` },
        ])
      }
      const { p, problems } = decode({ [key]: value } as ParamsJson<P>, current)
      if (problems.length > 0) fail(ChainErrorCode.PARAMS_INVALID, 'invalid params', problems)
      return p
    },
    genesisSchema() {
      const shape = Object.fromEntries(keys.map((k) => [k, z.unknown().optional()]))
      return z
        .object(shape)
        .strict()
        .superRefine((raw, ctx) => {
          for (const x of decode(raw as ParamsJson<P>, def.defaults()).problems)
            ctx.addIssue({ code: 'custom', path: [x.key], message: x.reason })
        }) as unknown as z.ZodType<ParamsJson<P>>
    },
    jsonSchema() {
      const kinds = {
        bigint: () => ugatJsonSchema,
        int: () => z.number().int(),
        bool: () => z.boolean(),
        string: () => z.string(),
      }
      const shape = Object.fromEntries(fields.map((c) => [c.key, kinds[c.kind]()]))
      return z.object(shape).strict() as unknown as z.ZodType<Required<ParamsJson<P>>>
    },
    codec: {
      encode: (v) => {
        const ordered: Record<string, unknown> = {}
        for (const key of keys) ordered[key] = v[key]
        return utf8.encode(JSON.stringify(ordered))
      },
      decode: (b) => JSON.parse(fromUtf8.decode(b)) as Required<ParamsJson<P>>,
    },
  }
}
