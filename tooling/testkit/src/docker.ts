// The Debian docker client (TESTBED.md), for what a test checks or cleans up from the outside, as a user would.
import { execFileSync } from 'node:child_process'
import { RUN_LABEL } from './labels.js'

export const DOCKER = '/usr/bin/docker'

/** Runs the docker client and returns its trimmed stdout; throws on a non-zero exit. */
export function docker(args: string[]): string {
  return execFileSync(DOCKER, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim()
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
  const containers = idsOf(['ps', '-aq', '--filter', filter])
  if (containers.length > 0) docker(['rm', '-f', '-v', ...containers])
  const volumes = idsOf(['volume', 'ls', '-q', '--filter', filter])
  if (volumes.length > 0) docker(['volume', 'rm', '-f', ...volumes])
  const secrets = swarm ? idsOf(['secret', 'ls', '-q', '--filter', filter]) : []
  if (secrets.length > 0) docker(['secret', 'rm', ...secrets])
  const networks = idsOf(['network', 'ls', '-q', '--filter', filter])
  if (networks.length > 0) docker(['network', 'rm', ...networks])
  const images = [...new Set(idsOf(['images', '-q', '--filter', filter]))]
  if (images.length > 0) docker(['rmi', '-f', ...images])
}
