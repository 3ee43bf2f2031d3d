// The public surface of the project's components and dynamic resources.
export { GalleryApp, type GalleryAppArgs, type AppRole } from "./galleryApp";
export {
  AppRoleAssignments,
  type AppRoleAssignmentsArgs,
  type AssignedPrincipal,
  resolveAppRole,
} from "./appRoleAssignments";
export { ProvisioningJob, type ProvisioningJobArgs } from "./provisioningJob";
export {
  GoToMeetingProvisioning,
  type GoToMeetingProvisioningArgs,
} from "./goToMeetingProvisioning";
export { GoToMeetingUsers, type GoToMeetingUsersArgs } from "./goToMeetingUsers";
export {
  ProvisioningMonitoring,
  type ProvisioningMonitoringArgs,
  provisioningAlertQuery,
  validateMonitoringArgs,
} from "./provisioningMonitoring";
export { notificationSettingsJson, settingsPairs } from "./synchronizationSecrets";
export {
  SynchronizationTemplate,
  synchronizationTemplateProvider,
} from "./synchronizationTemplate";
export { TestConnection, testConnectionProvider } from "./testConnection";
export {
  AttributeMappings,
  attributeMappingsProvider,
  type AttributeMappingSpec,
} from "./attributeMappings";
export { ProvisioningStatus, provisioningStatusProvider } from "./provisioningStatus";
export {
  GuardedSynchronizationSecret,
  guardedSynchronizationSecretProvider,
} from "./guardedSynchronizationSecret";
export { GoToMeetingUser, goToMeetingUserProvider } from "./goToMeetingUser";
