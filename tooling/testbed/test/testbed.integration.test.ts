// The rest of the test bed: the registry on 127.0.0.1:5000, Swarm, the stand-in base image, and
// down.sh removing labelled objects only.
import { execFile } from 'node:child_process'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { docker, hex, testLabels } from './support.js'

const run = promisify(execFile)
const downScript = join(dirname(fileURLToPath(import.meta.url)), '..', 'down.sh')

describe('test bed services', () => {
  it('serves a registry API on 127.0.0.1:5000', async () => {
    const res = await fetch('http://127.0.0.1:5000/v2/')
    expect(res.status).toBe(200)
    expect(res.headers.get('docker-distribution-api-version')).toBe('registry/2.0')
  })

  it('has Swarm active with this node as a manager', async () => {
    const info = (await docker.info()) as { Swarm: { LocalNodeState: string; ControlAvailable: boolean } }
    expect(info.Swarm.LocalNodeState).toBe('active')
    expect(info.Swarm.ControlAvailable).toBe(true)
  })

  it('has a debian:bookworm-slim stand-in built here that runs bash', async () => {
    const image = await docker.getImage('debian:bookworm-slim').inspect()
    expect(image.Config.Labels?.['systemprompt.testbed']).toBe('1')
    expect(image.Config.Cmd).toEqual(['bash'])
  })
})

describe('down.sh', () => {
  let tag: string
  let other: string

  beforeEach(() => {
    tag = hex()
    other = hex()
  })

  afterEach(async () => {
    // Whatever down.sh left (on failure, or the object it had to keep) goes here.
    for (const value of [tag, other]) {
      const filters = { label: [`systemprompt.testbed.test-run=${value}`] }
      for (const c of await docker.listContainers({ all: true, filters })) {
        await docker.getContainer(c.Id).remove({ force: true, v: true })
      }
      for (const n of await docker.listNetworks({ filters })) await docker.getNetwork(n.Id).remove()
      const { Volumes } = await docker.listVolumes({ filters })
      for (const v of Volumes ?? []) await docker.getVolume(v.Name).remove({ force: true })
    }
  })

  it('removes containers, volumes and networks with the label and leaves the rest', async () => {
    // Objects of this test carry a label of their own, and down.sh is pointed at that label, so the
    // test never removes what other test runs own at the same moment.
    const label = `systemprompt.testbed.test-run=${tag}`
    const mine = testLabels(tag)
    const theirs = testLabels(other)
    const container = await docker.createContainer({
      Image: 'debian:bookworm-slim',
      Cmd: ['true'],
      Labels: mine,
    })
    const volume = `sp-testbed-down-${tag}`
    const kept = `sp-testbed-keep-${other}`
    await docker.createVolume({ Name: volume, Labels: mine })
    const network = await docker.createNetwork({ Name: `sp-testbed-down-${tag}`, Labels: mine })
    await docker.createVolume({ Name: kept, Labels: theirs })

    const { stdout } = await run('bash', [downScript, '--label', label])
    expect(stdout).toContain(`removed 1 container(s) labelled ${label}`)

    await expect(container.inspect()).rejects.toMatchObject({ statusCode: 404 })
    await expect(docker.getVolume(volume).inspect()).rejects.toMatchObject({ statusCode: 404 })
    await expect(docker.getNetwork(network.id).inspect()).rejects.toMatchObject({ statusCode: 404 })
    expect((await docker.getVolume(kept).inspect()).Name).toBe(kept)
    // The test bed itself stays.
    expect((await docker.getImage('systemprompt-testbed/postgres:15').inspect()).Id).toMatch(/^sha256:/)
  })
})
