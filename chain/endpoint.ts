import type { z } from 'zod'
import type { ReadContext } from './stateMachine.js'

/**
 * One read-only query of a module, declared once: what it takes (`params`, a zod schema that
 * parses what a caller sends), what it answers (`result`, a zod schema of the JSON it returns)
 * and a line for the docs. The RPC server validates params with it, the module's handler is
 * type-checked against `result`, and the TypeScript client's result type is `result`'s — so the
 * three cannot drift. `notFound` names what is missing when the handler answers `undefined`.
 */
export interface QuerySpec<P extends z.ZodType = z.ZodType, R extends z.ZodType = z.ZodType> {
  readonly summary: string
  readonly params: P
  readonly result: R
  /** typed by `lookup`; `never` here so that every declaration fits `QuerySpecs` */
  readonly notFound?: (params: never) => string
}

/** A module's queries by name. */
export type QuerySpecs = Readonly<Record<string, QuerySpec>>

/** What a handler of `S` returns: its result, or `undefined` when `S` declares `notFound`. */
export type QueryAnswer<S extends QuerySpec> = S extends { notFound: (params: never) => string }
  ? z.input<S['result']> | undefined
  : z.input<S['result']>

/** The handler of one query: parsed params in, the result out; it never writes. */
export type QueryHandler<S extends QuerySpec> = (
  ctx: ReadContext,
  params: z.output<S['params']>,
) => QueryAnswer<S>

/** A module's endpoint: its query declarations and one handler for each. */
export interface Endpoint<S extends QuerySpecs = QuerySpecs> {
  readonly queries: S
  readonly handlers: { readonly [K in keyof S]: QueryHandler<S[K]> }
}

/** Declares a module's queries (keeps their literal types for the handlers and the client). */
export function defineQueries<const S extends QuerySpecs>(queries: S): S {
  return queries
}

/** Declares a query that always answers. */
export function query<P extends z.ZodType, R extends z.ZodType>(spec: {
  summary: string
  params: P
  result: R
}): QuerySpec<P, R> & { notFound?: never } {
  return spec
}

/** Declares a query that may find nothing: its handler answers `undefined`, callers get `notFound`'s message. */
export function lookup<P extends z.ZodType, R extends z.ZodType>(spec: {
  summary: string
  params: P
  result: R
  notFound: (params: z.output<P>) => string
}): QuerySpec<P, R> & { notFound: (params: z.output<P>) => string } {
  return spec
}

/** Pairs a module's query declarations with their handlers. */
export function defineEndpoint<S extends QuerySpecs>(
  queries: S,
  handlers: { readonly [K in keyof S]: QueryHandler<S[K]> },
): Endpoint<S> {
  return { queries, handlers }
}

/** An endpoint's handlers bound to a read context: parsed params in, the answer out. */
export type BoundEndpoint<S extends QuerySpecs> = {
  readonly [K in keyof S]: (params: z.output<S[K]['params']>) => QueryAnswer<S[K]>
}

/** Binds an endpoint's handlers to `context()`, read at each call (the head moves). */
export function bindEndpoint<S extends QuerySpecs>(
  endpoint: Endpoint<S>,
  context: () => ReadContext,
): BoundEndpoint<S> {
  const bound: Record<string, (params: unknown) => unknown> = {}
  for (const name of Object.keys(endpoint.queries)) {
    const handler = endpoint.handlers[name] as (ctx: ReadContext, params: unknown) => unknown
    bound[name] = (params) => handler(context(), params)
  }
  return bound as BoundEndpoint<S>
}
