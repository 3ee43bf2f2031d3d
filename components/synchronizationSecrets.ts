// Tutorial steps 5 and 7 plus scope and the deletion threshold, as the key/value pairs Graph keeps in
// a service principal's synchronization secrets. Pure, so the exact payload is table-tested.
import type { SynchronizationSecretKeyStringValuePair } from "@microsoft/microsoft-graph-types";
import type { NotificationSettings } from "../model/provisioning";

/** The JSON document Graph expects, as a string, under the SyncNotificationSettings key. */
export function notificationSettingsJson(
  notification: NotificationSettings,
  deleteThreshold: number,
): string {
  return JSON.stringify({
    Enabled: notification.enabled,
    Recipients: notification.recipients.join(";"),
    DeleteThresholdEnabled: deleteThreshold > 0,
    DeleteThresholdValue: deleteThreshold,
  });
}

export interface SettingsInput {
  notification: NotificationSettings;
  deleteThreshold: number;
  scope: "assigned" | "all";
}

/** A settings pair; narrower than Graph's type so it fits both secret resources' inputs. */
export type SettingsPair = {
  key: "SyncNotificationSettings" | "SyncAll";
  value: string;
} & SynchronizationSecretKeyStringValuePair;

/** Keys every connector gets: notification e-mail, deletion threshold and scope. */
export function settingsPairs(s: SettingsInput): SettingsPair[] {
  return [
    {
      key: "SyncNotificationSettings",
      value: notificationSettingsJson(s.notification, s.deleteThreshold),
    },
    { key: "SyncAll", value: s.scope === "all" ? "true" : "false" },
  ];
}
