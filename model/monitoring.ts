// What the optional monitoring needs: an existing Log Analytics workspace or a resource group to
// create one in. Shared by the stack config and the ProvisioningMonitoring component.

export interface MonitoringSettings {
  /** Existing Log Analytics workspace resource id, or undefined when one is created. */
  workspaceId?: string;
  /** Resource group (name) in which to create the workspace and the alert. */
  resourceGroupName?: string;
  /** Azure region for created resources. */
  location: string;
  retentionInDays: number;
  /** Resource group that holds the alert rule and action group (defaults to the workspace's). */
  alertResourceGroupName: string;
}
