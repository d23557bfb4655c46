// The import rules of ARCHITECTURE.md, checked on the source tree (part of `npm test`).
//
//   node scripts/checkImports.js               exit 1 with one line per forbidden import
//   node scripts/checkImports.js --graph       print the folder-level import graph
//   node scripts/checkImports.js --root <dir>  check another tree (the tests use a fixture);
//                                              exit 2 when it is not a folder
//
// Plain Node, no dependencies. It reads the `import … from '…'`, `export … from '…'`,
// `import '…'` and `import('…')` statements of every .ts file outside node_modules/ and dist/,
// and resolves relative specifiers to files (`x.js` → `x.ts`, a folder → its `index.ts`).
// Of package imports, only those one file may make are checked (`ONE_IMPORTER`).
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { join, posix, relative, resolve, sep } from 'node:path'

/** Folders never read. */
const SKIPPED = new Set(['node_modules', 'dist', 'coverage', '.git'])

/** The composition root (docs/adr/006): the one folder that wires every layer together. */
const COMPOSITION_ROOT = 'node'

/**
 * The layers, top first. A file imports its own layer and those below it, never one above;
 * `chain` is the floor (see the `chain-floor` rule). Anything outside the layers (test/, bench/,
 * scripts/) is for tests and tools, which the layers never import.
 */
const LAYERS = ['cli', 'rpc', COMPOSITION_ROOT, 'genesis', 'modules', 'consensus', 'chain']

/** The chain/ files the p2p adapter may import besides its own folder. */
const P2P_MAY_IMPORT = ['chain/errors.ts', 'chain/logger.ts', 'chain/polyfills.ts']

/**
 * Known violations, each allowed by name until the change that removes it lands. An entry
 * matches one import exactly (`from -> to`, repository paths); nothing else is ever allowed.
 */
const ALLOWED = []

/** Tests and tools: `*.test.ts`, test/ and bench/ (exempt from the layering rules). */
const isTest = (file) => file.endsWith('.test.ts') || file.startsWith('test/') || file.startsWith('bench/')
const top = (file) => file.split('/')[0]
const layerOf = (file) => LAYERS.indexOf(top(file))
const moduleOf = (file) => (file.startsWith('modules/') ? file.split('/')[1] : undefined)
const isP2p = (file) => file.startsWith('chain/p2p/')

/**
 * The rules: `broken(from, to)` says whether the import of `to` by `from` (repository paths of
 * .ts files) breaks it.
 */
const RULES = [
  {
    id: 'chain-floor',
    text: `chain/ imports only chain/, nothing above it (${LAYERS.slice(0, -1)
      .map((f) => `${f}/`)
      .join(', ')}); tests beside chain code are exempt`,
    broken: (from, to) => top(from) === 'chain' && !isTest(from) && top(to) !== 'chain',
  },
  {
    id: 'layers',
    text: `a layer imports only itself and the layers below it (${LAYERS.join(' → ')}); tests are exempt`,
    broken: (from, to) =>
      top(from) !== 'chain' && layerOf(from) >= 0 && !isTest(from) && !(layerOf(to) >= layerOf(from)),
  },
  {
    id: 'module-to-module',
    text: 'a module imports no other module: it declares the interface it needs in its types.ts',
    broken: (from, to) =>
      moduleOf(from) !== undefined && moduleOf(to) !== undefined && moduleOf(from) !== moduleOf(to),
  },
  {
    id: 'cli-stores',
    text: "cli/ does not import a module's stores/: it uses the module's published surface",
    broken: (from, to) => top(from) === 'cli' && /^modules\/[^/]+\/stores\//.test(to),
  },
  {
    id: 'client-node',
    text: `rpc/client.ts does not import the node (${COMPOSITION_ROOT}/): the CLI's client must not load it`,
    broken: (from, to) => from === 'rpc/client.ts' && top(to) === COMPOSITION_ROOT,
  },
  {
    id: 'p2p-adapter',
    text: `chain/p2p/ is an adapter: it imports only ${P2P_MAY_IMPORT.join(', ')} of the chain, and only ${COMPOSITION_ROOT}/ imports it (cli/ its identity.ts, for peer ids); tests are exempt`,
    broken: (from, to) => {
      if (isTest(from) || isP2p(from) === isP2p(to)) return false
      if (isP2p(from)) return top(to) === 'chain' && !P2P_MAY_IMPORT.includes(to)
      return top(from) !== COMPOSITION_ROOT && !(top(from) === 'cli' && to === 'chain/p2p/identity.ts')
    },
  },
]

/** Package imports only one file may make: the package, and that file. */
const ONE_IMPORTER = [
  // the node and the RPC server take structural metrics interfaces, so tests and benchmarks run without
  { pkg: 'prom-client', file: 'chain/metrics.ts' },
]

/** Every .ts file under `root`, as repository paths with `/`. */
function sources(root) {
  const out = []
  const walk = (dir) => {
    for (const name of readdirSync(dir).sort()) {
      if (SKIPPED.has(name)) continue
      const path = join(dir, name)
      if (statSync(path).isDirectory()) walk(path)
      else if (name.endsWith('.ts') && !name.endsWith('.d.ts'))
        out.push(relative(root, path).split(sep).join('/'))
    }
  }
  walk(root)
  return out
}

/** The module specifiers a source imports or re-exports, with their line numbers. */
export function specifiersOf(text) {
  const found = []
  const patterns = [
    // import x from '…', import type { x } from '…', export { x } from '…', export * from '…'
    // (the clause may span lines; a statement starts a line, which keeps out code in strings)
    /^[ \t]*(?:import|export)\b[^'"`;]*?\bfrom[ \t]*['"]([^'"\n]+)['"]/gm,
    // import '…' (side effects only)
    /^[ \t]*import[ \t]*['"]([^'"\n]+)['"]/gm,
    // await import('…')
    /\bimport\([ \t]*['"]([^'"\n]+)['"][ \t]*\)/g,
  ]
  for (const re of patterns) {
    for (const m of text.matchAll(re)) {
      const at = m.index + m[0].lastIndexOf(m[1])
      found.push({ specifier: m[1], line: text.slice(0, at).split('\n').length })
    }
  }
  return found.sort((a, b) => a.line - b.line)
}

/** The repository path a relative specifier of `from` names (undefined: a package, or nothing there). */
function resolveSpecifier(root, from, specifier) {
  if (!specifier.startsWith('.')) return undefined
  const target = posix.normalize(posix.join(posix.dirname(from), specifier))
  const candidates = [
    target.replace(/\.js$/, '.ts'),
    target,
    `${target}.ts`,
    `${target.replace(/\/$/, '')}/index.ts`,
  ]
  for (const c of candidates) {
    const path = join(root, c)
    if (existsSync(path) && statSync(path).isFile()) return c
  }
  return target
}

/** The imports of the tree between its own files. */
export function importsOf(root) {
  const edges = []
  for (const from of sources(root)) {
    const text = readFileSync(join(root, from), 'utf8')
    for (const { specifier, line } of specifiersOf(text)) {
      const to = resolveSpecifier(root, from, specifier)
      // a .ts file of the tree (JSON and other assets are not code)
      if (to?.endsWith('.ts') && !to.startsWith('..')) edges.push({ from, to, specifier, line })
    }
  }
  return edges
}

/** The package imports of `ONE_IMPORTER` packages made by any other file (tests exempt). */
function packageViolations(root) {
  const out = []
  for (const from of sources(root)) {
    if (isTest(from)) continue
    for (const { specifier, line } of specifiersOf(readFileSync(join(root, from), 'utf8'))) {
      const one = ONE_IMPORTER.find((o) => specifier === o.pkg || specifier.startsWith(`${o.pkg}/`))
      if (one === undefined || one.file === from) continue
      const rule = { id: 'one-importer', text: `only ${one.file} imports ${one.pkg}; tests are exempt` }
      out.push({ from, to: one.pkg, specifier, line, rule })
    }
  }
  return out
}

/** The forbidden imports of the tree, and those the allow-list lets through. */
export function check(root) {
  const violations = packageViolations(root)
  const allowed = []
  for (const e of importsOf(root)) {
    for (const rule of RULES) {
      if (!rule.broken(e.from, e.to)) continue
      const v = { ...e, rule }
      if (ALLOWED.includes(`${e.from} -> ${e.to}`)) allowed.push(v)
      else violations.push(v)
    }
  }
  const order = (a, b) => (a.from < b.from ? -1 : a.from > b.from ? 1 : a.line - b.line)
  return { violations: violations.sort(order), allowed: allowed.sort(order) }
}

/** The folder a file counts in for the graph: its top folder; chain/p2p and each module apart. */
function unitOf(file) {
  const parts = file.split('/')
  if (parts.length === 1) return '.'
  if (parts[0] === 'modules' && parts.length > 2) return `modules/${parts[1]}`
  if (parts[0] === 'chain' && parts[1] === 'p2p') return 'chain/p2p'
  return parts[0]
}

/** The folder-level graph of the code that ships (tests, test/ and bench/ left out): `a -> b, c`. */
export function graph(root) {
  const out = new Map()
  for (const file of sources(root)) if (!isTest(file)) out.set(unitOf(file), new Set())
  for (const e of importsOf(root)) {
    if (isTest(e.from)) continue
    const a = unitOf(e.from)
    const b = unitOf(e.to)
    if (a !== b) out.get(a).add(b)
  }
  return [...out.keys()].sort().map((a) => `${a} -> ${[...out.get(a)].sort().join(', ') || '(nothing)'}`)
}

function main(argv) {
  const at = argv.indexOf('--root')
  const root = resolve(at >= 0 ? (argv[at + 1] ?? '') : '.')
  if (!existsSync(root) || !statSync(root).isDirectory()) {
    console.error(`checkImports: ${root} is not a folder`)
    return 2
  }
  if (argv.includes('--graph')) {
    for (const line of graph(root)) console.log(line)
    return 0
  }
  const { violations, allowed } = check(root)
  for (const v of allowed) {
    console.log(
      `allowed (known, on the allow-list): ${v.from}:${v.line} imports '${v.specifier}' (${v.rule.id})`,
    )
  }
  for (const v of violations) {
    console.error(
      `${v.from}:${v.line}: import '${v.specifier}' (${v.to}) breaks ${v.rule.id}: ${v.rule.text}`,
    )
  }
  if (violations.length > 0) {
    console.error(`${violations.length} forbidden import(s); the rules are in ARCHITECTURE.md`)
    return 1
  }
  console.log(`imports ok: ${importsOf(root).length} imports checked against ${RULES.length + 1} rules`)
  return 0
}

process.exitCode = main(process.argv.slice(2))
