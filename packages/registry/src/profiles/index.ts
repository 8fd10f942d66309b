// Reading profiles (listProfiles, showProfile) has its own entry, @systemprompt/registry/profile-files: it needs
// neither pg nor the Dockerfile generator, and `cloud profile list` starts faster without them.
export * from './service.js'
