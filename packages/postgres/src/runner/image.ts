import { isSystempromptError, SystempromptError } from '@systemprompt/config/core'
import type { Engine, ProgressEvent } from '@systemprompt/engine'
import type { RunnerProgress } from './progress.js'

/**
 * Makes sure the image is present: use the local one, else try one pull (which fails within a second
 * when there is no registry). A failed pull becomes IMAGE_MISSING naming the image and the setting.
 */
export async function ensureImage(
  engine: Engine,
  image: string,
  onProgress?: RunnerProgress,
): Promise<'present' | 'pulled'> {
  if (await engine.images.exists(image)) return 'present'
  onProgress?.({ step: 'pull', message: `Pulling image ${image}` })
  try {
    await engine.images.pull(image, (event: ProgressEvent) => {
      if (event.status) onProgress?.({ step: 'pull', message: `${image}: ${event.status}` })
    })
  } catch (error) {
    if (isSystempromptError(error) && error.code === 'ENGINE_UNREACHABLE') throw error
    throw imageMissing(image, error)
  }
  // A pull stream can end "successfully" without the image (e.g. a platform mismatch): check.
  if (!(await engine.images.exists(image))) throw imageMissing(image)
  return 'pulled'
}

function imageMissing(image: string, cause?: unknown): SystempromptError {
  const reason = cause instanceof Error ? `: ${cause.message.replace(/^Could not pull image \S+: /, '')}` : ''
  return new SystempromptError({
    code: 'IMAGE_MISSING',
    category: 'user',
    message: `Image ${image} is not present locally and could not be pulled${reason}`,
    fix: `Load or build ${image} (docker pull/load/build), or set SYSTEMPROMPT_POSTGRES_IMAGE (or docker.postgres_image in the profile) to an image you have`,
    details: { image },
    cause,
  })
}
