// The model of a profile's files from the project: the profile's own settings (profile.yaml, read through
// config) and the MCP servers under services/mcp/.
import { readdir } from 'node:fs/promises'
import { join } from 'node:path'
import { type ProfileImageSettings, readProfileImageSettings } from '@systemprompt/config'
import {
  assertProfileName,
  ErrorCode,
  errnoOf,
  type ProjectLayout,
  pathExists,
  SystempromptError,
} from '@systemprompt/config/core'
import { type DockerfileModel, dockerfileModel } from './model.js'

/**
 * The model of `profile`'s three files. PROFILE_NOT_FOUND when it has no profile.yaml; a profile.yaml that
 * does not validate throws its own error (file, key path, line). `options.settings`: use these instead of
 * reading profile.yaml (`{}` for a profile about to be created, so a bad input refuses before it exists).
 */
export async function profileDockerModel(
  layout: ProjectLayout,
  profile: string,
  options: { settings?: ProfileImageSettings } = {},
): Promise<DockerfileModel> {
  assertProfileName(profile)
  const settings = options.settings ?? (await readProfileImageSettings(layout.profileYaml(profile)))
  if (!settings) {
    throw new SystempromptError({
      code: ErrorCode.PROFILE_NOT_FOUND,
      category: 'user',
      file: layout.profileYaml(profile),
      message: `Profile ${JSON.stringify(profile)} does not exist (no ${layout.profileYaml(profile)})`,
      fix: 'List profiles with `systemprompt cloud profile list`, or create one with `systemprompt cloud profile create`',
    })
  }
  return dockerfileModel({ profile, ...settings, mcpServers: await mcpServerNames(layout) })
}

/** The MCP servers of the project: directories under services/mcp/ that hold a package.json, sorted. */
async function mcpServerNames(layout: ProjectLayout): Promise<string[]> {
  let entries: import('node:fs').Dirent[]
  try {
    entries = await readdir(layout.mcpSourcesDir, { withFileTypes: true })
  } catch (error) {
    if (errnoOf(error) === 'ENOENT' || errnoOf(error) === 'ENOTDIR') return []
    throw error
  }
  const names: string[] = []
  for (const entry of entries) {
    if (entry.isDirectory() && (await pathExists(join(layout.mcpSourcesDir, entry.name, 'package.json'))))
      names.push(entry.name)
  }
  return names.sort()
}
