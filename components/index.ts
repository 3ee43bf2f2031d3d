// The package's public surface (`import … from "gotomeeting-provisioning"`): the components that
// mirror the tutorial, the dynamic resources and their provider objects, and the typed rules.

// Components (the tutorial's steps).
export {
  GoToMeetingProvisioning,
  type GoToMeetingProvisioningArgs,
} from "./goToMeetingProvisioning";
export { GalleryApp, type GalleryAppArgs, type AppRole } from "./galleryApp";
export {
  AppRoleAssignments,
  type AppRoleAssignmentsArgs,
  type AssignedPrincipal,
  principalSlug,
} from "./appRoleAssignments";
export {
  ProvisioningJob,
  type ProvisioningJobArgs,
  type ProvisioningStatusSummary,
} from "./provisioningJob";
export { notificationSettingsJson, settingsPairs } from "./synchronizationSecrets";
export {
  GoToMeetingUsers,
  type GoToMeetingUsersArgs,
  type GoToMeetingUserEntry,
} from "./goToMeetingUsers";
export {
  ProvisioningMonitoring,
  type ProvisioningMonitoringArgs,
  provisioningAlertQuery,
  validateMonitoringArgs,
} from "./provisioningMonitoring";

// Dynamic resources and the provider objects their state refers to.
export {
  SynchronizationTemplate,
  type SynchronizationTemplateArgs,
  synchronizationTemplateProvider,
} from "../providers/synchronizationTemplate";
export {
  TestConnection,
  type TestConnectionArgs,
  testConnectionProvider,
} from "../providers/testConnection";
export {
  AttributeMappings,
  type AttributeMappingsArgs,
  attributeMappingsProvider,
} from "../providers/attributeMappings";
export {
  ProvisioningStatus,
  type ProvisioningStatusArgs,
  provisioningStatusProvider,
} from "../providers/provisioningStatus";
export {
  GuardedSynchronizationSecret,
  type GuardedSynchronizationSecretArgs,
  guardedSynchronizationSecretProvider,
} from "../providers/synchronizationSettings";
export {
  ProvisionOnDemand,
  type ProvisionOnDemandArgs,
  provisionOnDemandProvider,
} from "../providers/provisionOnDemand";
export {
  GoToMeetingUser,
  type GoToMeetingUserArgs,
  goToMeetingUserProvider,
} from "../providers/goToMeetingUser";

// Rules and types shared with the stack config.
export { resolveAppRole, isDefaultAccessRole } from "../model/appRoles";
export type { AttributeMappingSpec, MappingObjectType } from "../model/attributeMapping";
export type { Connector } from "../model/connector";
export type { GoToMeetingUserInputs } from "../model/goToUser";
export type { MonitoringSettings } from "../model/monitoring";
export {
  normalizeProvisioning,
  type AssignmentArgs,
  type DeclaredMapping,
  type NotificationSettings,
} from "../model/provisioning";
