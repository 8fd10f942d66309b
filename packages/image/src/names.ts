// Names of what `docker build` and `docker run` make for a project's profile.

/** The image repository of a project: `systemprompt-<project id>` (tags: the profile, `sha-<12 hex>`). */
export function imageRepository(projectId: string): string {
  return `systemprompt-${projectId}`
}

/** The content tag: `sha-` and the first 12 hex of the context digest. */
export function contentTag(digest: string): string {
  return `sha-${digest.slice(0, 12)}`
}

/** The container `docker run <profile>` starts. */
export function appContainerName(projectId: string, profile: string): string {
  return `systemprompt-${projectId}-${profile}`
}

/** The user-defined network where the project's app containers reach the local PostgreSQL servers by name. */
export function appNetworkName(projectId: string): string {
  return `systemprompt-${projectId}-app`
}

/** Labels on what these commands make. */
export const IMAGE_LABELS = {
  profile: 'systemprompt.profile',
  contextDigest: 'systemprompt.context-digest',
} as const
