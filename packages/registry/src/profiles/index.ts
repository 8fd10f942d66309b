export {
  listProfiles,
  type ProfileDetails,
  type ProfileSummary,
  showProfile,
} from './profile-files.js'
export * from './service.js'
