// `init --force` next to a justfile that already defines some of our names (issue 8): the user's definitions
// stay, ours of those names are left out, the note says how to resolve it, and the real `just` parses it.
import { spawnSync } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { childEnv, tempDir } from '@systemprompt/testkit'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { justfileNames } from './justfile.js'
import { scaffoldProject } from './scaffold.js'
import { JUST_RECIPES } from './templates.js'

const just = join(dirname(fileURLToPath(import.meta.url)), '..', 'node_modules', '.bin', 'just')

let dir: ReturnType<typeof tempDir>
beforeEach(() => {
  dir = tempDir()
})
afterEach(() => {
  dir.remove()
})

function run(...args: string[]) {
  return spawnSync(just, args, {
    cwd: dir.path,
    encoding: 'utf8',
    env: childEnv({ SYSTEMPROMPT_BIN: 'echo' }),
  })
}

/** `just --summary`: it must parse; the recipe names it lists. */
function summary(): string[] {
  const r = run('--summary')
  expect(r.stderr).toBe('')
  expect(r.status).toBe(0)
  return r.stdout.trim().split(/\s+/)
}

describe('justfileNames', () => {
  it('finds recipes, aliases, variables and modules at the top level, not in bodies or our block', async () => {
    const text = [
      'set shell := ["bash", "-c"]',
      'export TOKEN := "x"',
      'sp:="mine"',
      'alias d := deploy',
      '[private]',
      '@quiet ARG="a:b":',
      '    echo {{ARG}}',
      'deploy: quiet',
      '    not-a-recipe: echo',
      'mod? tools',
      '# comment: nothing',
      JUST_RECIPES,
    ].join('\n')
    expect([...(await justfileNames(text, join(dir.path, 'justfile')))].sort()).toEqual(
      ['TOKEN', 'd', 'deploy', 'quiet', 'sp', 'tools'].sort(),
    )
  })

  it('follows imports (once), relative to the importing file', async () => {
    writeFileSync(join(dir.path, 'tasks.just'), "import 'justfile'\nbuild-mcp:\n    echo theirs\n")
    const text = "import 'tasks.just'\nimport? 'missing.just'\nmine:\n    echo\n"
    expect([...(await justfileNames(text, join(dir.path, 'justfile')))].sort()).toEqual(['build-mcp', 'mine'])
  })
})

describe('init --force beside a justfile that defines our names', () => {
  it.each([
    ['recipes', 'deploy:\n    echo my-deploy\n\ndb-up:\n    echo my-db-up\n', ['db-up', 'deploy']],
    ['an alias', 'mine:\n    echo my-deploy\n\nalias deploy := mine\n', ['deploy']],
    ['a variable', 'sp := "echo"\n\nmine:\n    echo mine\n', ['sp']],
  ])(
    "%s: keeps the user's, leaves ours out, says how to resolve, and just parses it",
    async (_kind, user, clashes) => {
      const justfile = join(dir.path, 'justfile')
      writeFileSync(justfile, user)
      // Without the clash check this is exactly the justfile `just` refused ("recipe `deploy` ... redefined").
      const result = await scaffoldProject(dir.path, { force: true })
      const text = readFileSync(justfile, 'utf8')
      expect(text.startsWith(user)).toBe(true)
      const names = summary()
      for (const ours of ['db-down', 'db-list', 'docker-build', 'build-mcp']) expect(names).toContain(ours)
      const note = result.notes.find((n) => n.includes('already defines'))
      expect(note).toBeDefined()
      for (const name of clashes) expect(note).toContain(name)
      expect(note).toContain('rename yours or delete them, then run `systemprompt init --force`')
      expect(text).toContain(`Left out, because your justfile defines them too: ${clashes.join(', ')}`)
      // The user's own recipe still runs as theirs.
      if (clashes.includes('deploy')) expect(run('deploy').stdout.trim()).toBe('my-deploy')
      // And ours still run (with the user's `sp := "echo"` too: it is what they asked for).
      expect(run('db-down').stdout.trim()).toBe('db down')
    },
  )

  it('a later --force after the user renamed theirs brings ours back', async () => {
    const justfile = join(dir.path, 'justfile')
    writeFileSync(justfile, 'deploy:\n    echo my-deploy\n')
    await scaffoldProject(dir.path, { force: true })
    writeFileSync(
      justfile,
      readFileSync(justfile, 'utf8').replace('deploy:\n    echo my-deploy', 'ship:\n    echo my-deploy'),
    )
    const again = await scaffoldProject(dir.path, { force: true })
    expect(again.notes).toEqual([])
    expect(summary()).toEqual(expect.arrayContaining(['deploy', 'ship']))
    expect(run('deploy').stdout.trim()).toBe('cloud deploy')
  })

  it('a name the user added next to our block: the block is rewritten without it', async () => {
    await scaffoldProject(dir.path)
    const justfile = join(dir.path, 'justfile')
    writeFileSync(justfile, `${readFileSync(justfile, 'utf8')}\ndb-logs:\n    echo my-logs\n`)
    expect(run('--summary').status).not.toBe(0)
    const result = await scaffoldProject(dir.path, { force: true })
    expect(result.changed).toEqual(['justfile'])
    expect(summary()).toContain('db-logs')
    expect(run('db-logs').stdout.trim()).toBe('my-logs')
  })

  it('the include file beside a justfile that imports it leaves out what the justfile defines', async () => {
    const justfile = join(dir.path, 'justfile')
    writeFileSync(justfile, "import '.systemprompt/systemprompt.just'\n\ndb-list:\n    echo my-list\n")
    const result = await scaffoldProject(dir.path)
    expect(result.notes.join('\n')).toContain('db-list')
    expect(summary()).toEqual(expect.arrayContaining(['db-list', 'db-up']))
    expect(run('db-list').stdout.trim()).toBe('my-list')
  })
})
