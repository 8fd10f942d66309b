// The Debian docker client (TESTBED.md), for what a test checks or cleans up from the outside, as a user would.
import { execFileSync } from 'node:child_process'
import { RUN_LABEL } from './labels.js'

export const DOCKER = '/usr/bin/docker'

/** Runs the docker client and returns its trimmed stdout; throws on a non-zero exit. */
export function docker(args: string[]): string {
  return execFileSync(DOCKER, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim()
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms)
}

function idsOf(args: string[]): string[] {
  return docker(args).split('\n').filter(Boolean)
}

/**
 * Removes the containers (with their anonymous volumes), then the volumes, the networks and the images
 * labelled with this run: containers first, because they hold the volumes and networks.
 */
export function removeRun(run: string): void {
  const filter = `label=${RUN_LABEL}=${run}`
  // Swarm services first (their tasks' containers carry the run's labels too), then their secrets below.
  const swarm = docker(['info', '--format', '{{.Swarm.LocalNodeState}}']).trim() === 'active'
  const services = swarm ? idsOf(['service', 'ls', '-q', '--filter', filter]) : []
  if (services.length > 0) docker(['service', 'rm', ...services])
  // Task containers may be on their way out already (Swarm removes them too): retry, tolerate "No such".
  for (let attempt = 0; attempt < 10; attempt++) {
    const containers = idsOf(['ps', '-aq', '--filter', filter])
    if (containers.length === 0) break
    try {
      docker(['rm', '-f', '-v', ...containers])
      break
    } catch {
      sleepSync(500)
    }
  }
  for (let attempt = 0; attempt < 20; attempt++) {
    const volumes = idsOf(['volume', 'ls', '-q', '--filter', filter])
    if (volumes.length === 0) break
    try {
      docker(['volume', 'rm', '-f', ...volumes])
      break
    } catch (error) {
      // A task container of a removed service may still hold its storage volume for a moment.
      if (attempt === 19) throw error
      sleepSync(500)
    }
  }
  for (let attempt = 0; swarm && attempt < 20; attempt++) {
    const secrets = idsOf(['secret', 'ls', '-q', '--filter', filter])
    if (secrets.length === 0) break
    try {
      docker(['secret', 'rm', ...secrets])
      break
    } catch {
      // Still referenced by tasks shutting down.
      sleepSync(500)
    }
  }
  // An overlay network keeps a removed service's endpoints for a moment.
  for (let attempt = 0; attempt < 20; attempt++) {
    const networks = idsOf(['network', 'ls', '-q', '--filter', filter])
    if (networks.length === 0) break
    try {
      docker(['network', 'rm', ...networks])
      break
    } catch (error) {
      if (attempt === 19) throw error
      sleepSync(500)
    }
  }
  const images = [...new Set(idsOf(['images', '-q', '--filter', filter]))]
  if (images.length > 0) docker(['rmi', '-f', ...images])
}
