import { execFileSync } from 'node:child_process'
import { join } from 'node:path'
import { expect, test } from '@jest/globals'
import { cleanEnv } from './helpers/cli.js'

// Runs in a child process on the built CLI (dist/cli/program.js), as `gather` loads it.
const PROBE = `
import { createProgram, COMMAND_GROUPS } from ${JSON.stringify(join(process.cwd(), 'dist/cli/program.js'))}
const helps = (cmd, path = []) => [
  [path.join(' '), cmd.helpInformation()],
  ...cmd.commands.flatMap((c) => helps(c, [...path, c.name()])),
]
const full = await createProgram([])
const out = { all: full.commands.map((c) => [c.name(), ...c.aliases()]), groups: [] }
for (const g of COMMAND_GROUPS)
  for (const name of g.names) {
    const p = await createProgram([name, '--help'])
    const cmds = p.commands.map((c) => c.name())
    const same = p.commands.map((c) => {
      const f = full.commands.find((x) => x.name() === c.name())
      return JSON.stringify(helps(c)) === JSON.stringify(helps(f))
    })
    out.groups.push({ name, names: g.names, cmds, same })
  }
console.log(JSON.stringify(out))
`

test('each command alone registers exactly what the full program has for it (names, subcommands, help)', () => {
  const out = JSON.parse(
    execFileSync(process.execPath, ['--input-type=module', '-e', PROBE], {
      env: cleanEnv(),
      encoding: 'utf8',
    }),
  ) as {
    all: string[][]
    groups: { name: string; names: string[]; cmds: string[]; same: boolean[] }[]
  }
  // every top-level command and alias of `gather --help` is a group's name, and the reverse
  const allNames = out.all.flat().sort()
  expect(out.groups.map((g) => g.name).sort()).toEqual(allNames)
  for (const g of out.groups) {
    // the registered commands are the group's names without aliases (query|q registers "query")
    expect({ name: g.name, cmds: g.cmds }).toEqual({
      name: g.name,
      cmds: out.all.filter((n) => g.names.includes(n[0]!)).map((n) => n[0]),
    })
    expect({ name: g.name, same: g.same }).toEqual({ name: g.name, same: g.cmds.map(() => true) })
  }
})
