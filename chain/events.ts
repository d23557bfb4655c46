import type { ChainEvent } from './codec/block.js'

/**
 * Typed events: each module declares its events once (`modules/<m>/events.ts`), every event's
 * type and its attribute names in wire order, and emits through that declaration, so a
 * misspelt type or a missing or unknown attribute fails the type check. On the wire an event
 * stays a `ChainEvent` (a type and string key/value attributes, in the declared order): the
 * declaration changes nothing in the results or their hashes.
 */

declare const declared: unique symbol

/**
 * An event built by a module's declaration: the only kind a context's `emit` takes, so no code
 * can emit a free-string event past the declarations.
 */
export type DeclaredEvent = ChainEvent & { readonly [declared]: true }

/** Where events go: the context of a command, a block hook or genesis. */
export interface EventSink {
  emit(event: DeclaredEvent): void
}

/** An event's attribute names in wire order; a trailing `?` marks one that may be left out. */
export type AttributeNames = readonly string[]

type RequiredNames<L extends AttributeNames> = Exclude<L[number], `${string}?`>
type OptionalNames<L extends AttributeNames> = L[number] extends infer A
  ? A extends `${infer N}?`
    ? N
    : never
  : never

/** The attributes an event of names `L` is emitted with: all strings, the optional ones may be undefined. */
export type EventAttributes<L extends AttributeNames> = {
  [K in RequiredNames<L>]: string
} & { [K in OptionalNames<L>]?: string | undefined }

/** A module's events: type → attribute names. */
export type EventDefinitions = Readonly<Record<string, AttributeNames>>

/** What the state machine and tools know of a module's events (the `Module.events` field). */
export interface EventDeclaration {
  /** the module's name: every type starts with `<module>.` */
  readonly module: string
  /** every declared type, in declaration order */
  readonly types: readonly string[]
  /** the attribute names of each type, in wire order (`?`: optional) */
  readonly definitions: EventDefinitions
}

/** What a module's event declaration gives: its types, and a typed `emit`. */
export interface ModuleEvents<D extends EventDefinitions> extends EventDeclaration {
  readonly types: readonly (keyof D & string)[]
  readonly definitions: D
  /** Records an event of a declared type on `ctx` (a command's, a block hook's or genesis' context). */
  emit<K extends keyof D & string>(ctx: EventSink, type: K, attributes: EventAttributes<D[K]>): void
  /** The event as `emit` records it: attributes in declared order, optional ones left undefined dropped. */
  event<K extends keyof D & string>(type: K, attributes: EventAttributes<D[K]>): DeclaredEvent
}

/**
 * Declares a module's events. Keys are the full types (`staking.locked`), which must start with
 * `<module>.`; values list the attribute names in the order they go on the wire:
 *
 *     export const stakingEvents = defineEvents('staking', {
 *       'staking.locked': ['staker', 'node_id', 'amount'],
 *     })
 *     stakingEvents.emit(ctx, 'staking.locked', { staker, node_id: nodeId, amount: amount.toString() })
 */
export function defineEvents<const M extends string, const D extends EventDefinitions>(
  module: M,
  definitions: D & { readonly [K in keyof D]: K extends `${M}.${string}` ? AttributeNames : never },
): ModuleEvents<D> {
  const parsed = new Map<string, { key: string; optional: boolean }[]>()
  for (const [type, names] of Object.entries(definitions)) {
    if (!type.startsWith(`${module}.`))
      throw new Error(`event ${type} of module ${module} must start with "${module}."`)
    const attrs = names.map((n) =>
      n.endsWith('?') ? { key: n.slice(0, -1), optional: true } : { key: n, optional: false },
    )
    if (new Set(attrs.map((a) => a.key)).size !== attrs.length)
      throw new Error(`event ${type} lists an attribute twice`)
    parsed.set(type, attrs)
  }
  const event = (type: string, given: Readonly<Record<string, string | undefined>>): DeclaredEvent => {
    const names = parsed.get(type)
    if (names === undefined) throw new Error(`event ${type} is not declared by module ${module}`)
    const attributes: ChainEvent['attributes'] = []
    for (const { key, optional } of names) {
      const value = given[key]
      if (value === undefined) {
        if (optional) continue
        throw new Error(`event ${type}: attribute ${key} is missing`)
      }
      attributes.push({ key, value })
    }
    // only a cast can get an undeclared attribute here; dropping it silently would hide the bug
    for (const key in given) {
      if (given[key] !== undefined && !names.some((n) => n.key === key))
        throw new Error(`event ${type}: attribute ${key} is not declared`)
    }
    return { type, attributes } as ChainEvent as DeclaredEvent
  }
  return {
    module,
    types: Object.keys(definitions) as (keyof D & string)[],
    definitions,
    event: (type, attributes) => event(type, attributes as Record<string, string | undefined>),
    emit: (ctx, type, attributes) => ctx.emit(event(type, attributes as Record<string, string | undefined>)),
  }
}
