import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { CLI_ROOT, runCli, tempDir } from '@systemprompt/testkit'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'

// The bug: package.json declared the topics docker, infra and build, oclif listed them in --help, and
// nothing was in them. A topic is declared only once a command lives under it.
let dir: ReturnType<typeof tempDir>
beforeEach(() => {
  dir = tempDir()
})
afterEach(() => dir.remove())

const json = (file: string) => JSON.parse(readFileSync(join(CLI_ROOT, file), 'utf8'))

/** The names in the TOPICS section of the top-level help. */
function helpTopics(text: string): string[] {
  const section = text.split(/\n(?=[A-Z]+\n)/).find((part) => part.startsWith('TOPICS\n')) ?? ''
  return section
    .split('\n')
    .slice(1)
    .map((line) => /^ {2}(\S+)/.exec(line)?.[1])
    .filter((name): name is string => name !== undefined)
}

describe('help topics', () => {
  it('every topic in package.json has a command in the manifest', () => {
    const topics = Object.keys(json('package.json').oclif.topics)
    const commands = Object.keys(json('oclif.manifest.json').commands)
    const empty = topics.filter((topic) => !commands.some((id) => id.startsWith(`${topic}:`)))
    expect(empty).toEqual([])
  })

  it('--help lists only topics with commands', () => {
    const env = { XDG_CACHE_HOME: join(dir.path, 'cache'), XDG_DATA_HOME: join(dir.path, 'data') }
    const rendered = runCli(['--help'], { cwd: dir.path, env })
    expect(rendered.status).toBe(0)
    const topics = helpTopics(rendered.stdout)
    expect(topics).toEqual(expect.arrayContaining(['cloud', 'config', 'db', 'docker']))
    expect(topics).toEqual(expect.arrayContaining(['infra', 'build']))
    for (const topic of topics) {
      const sub = runCli([topic, '--help'], { cwd: dir.path, env })
      expect(sub.status, topic).toBe(0)
      expect(sub.stdout, topic).toMatch(/\n(COMMANDS|TOPICS)\n/)
    }
  })
})
