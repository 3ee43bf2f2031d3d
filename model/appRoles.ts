// App roles of a gallery app and the tutorial's "Default Access" rule, as Entra documents roles.
// Gallery apps carry a role named msiam_access with a per-app GUID and `value` null (entra-goto-facts
// F11, §1i: AWS Single Sign-on's instantiate response); apps that define no roles use the all-zero
// id as their default. The portal calls either of them "Default Access".

/** An app role of the instantiated service principal, as Entra reports it. */
export interface AppRole {
  id: string;
  /** `null` for msiam_access and for many gallery roles (F11). */
  value: string | null;
  displayName: string;
  enabled: boolean;
  /** "User" (users and groups) and/or "Application". Absent when unknown. */
  allowedMemberTypes?: string[];
}

/** The default role id of apps that define no roles (TF azuread docs, [S45]). */
export const NO_ROLES_DEFAULT_ID = "00000000-0000-0000-0000-000000000000";

const DEFAULT_ACCESS_NAMES = ["msiam_access", "default access"];

/** Whether text written in config names Default Access (by name, or by the all-zero id). */
export function namesDefaultAccess(text: string): boolean {
  const t = text.trim().toLowerCase();
  return DEFAULT_ACCESS_NAMES.includes(t) || t === NO_ROLES_DEFAULT_ID;
}

/** Whether a role of the app is Default Access: msiam_access by value or display name, or the zero id. */
export function isDefaultAccessRole(role: Pick<AppRole, "id" | "value" | "displayName">): boolean {
  return (
    role.id.toLowerCase() === NO_ROLES_DEFAULT_ID ||
    namesDefaultAccess(role.value ?? "") ||
    namesDefaultAccess(role.displayName ?? "")
  );
}

export function defaultAccessMessage(path: string, role: string): string {
  return (
    `${path}: "${role}" is the Default Access role (msiam_access), which the GoToMeeting provisioning tutorial says does not work for provisioning; ` +
    "pick another app role. Microsoft changed this for provisioning configurations created after 2020-04-16 " +
    "(Default Access is then evaluated like any role); if yours is such a configuration, set allowDefaultAccessRole: true"
  );
}

function describeRole(r: AppRole): string {
  return r.value ? `"${r.value}" (${r.displayName}, ${r.id})` : `"${r.displayName}" (${r.id})`;
}

/** Roles a user or group can hold: enabled and open to the "User" member type. */
function assignable(roles: readonly AppRole[]): AppRole[] {
  return roles.filter(
    (r) =>
      r.enabled && (r.allowedMemberTypes === undefined || r.allowedMemberTypes.includes("User")),
  );
}

/**
 * The role id an assignment gets. `wanted` names the role by value, display name or id
 * (case-insensitive); undefined means "the role the app offers": its one assignable role other than
 * Default Access. Errors list what the app really offers, so a wrong name is fixed in one step.
 */
export function resolveAppRole(
  roles: readonly AppRole[],
  wanted: string | undefined,
  path: string,
  allowDefaultAccessRole: boolean,
): string {
  const offered = assignable(roles);
  const list = (rs: AppRole[]) => rs.map(describeRole).join(", ") || "none";
  if (wanted === undefined) {
    const real = offered.filter((r) => !isDefaultAccessRole(r));
    if (real.length === 1) return real[0].id;
    if (real.length > 1) {
      throw new Error(
        `${path}: the app offers several roles (${list(real)}); set role to one of them`,
      );
    }
    const fallback = offered.find(isDefaultAccessRole);
    if (fallback && allowDefaultAccessRole) return fallback.id;
    if (fallback) {
      throw new Error(
        `${path}: the app offers only the Default Access role (${describeRole(fallback)}); ` +
          defaultAccessMessage(path, fallback.displayName).slice(path.length + 2),
      );
    }
    if (roles.length === 0 && allowDefaultAccessRole) return NO_ROLES_DEFAULT_ID;
    throw new Error(
      `${path}: the app offers no role a user or group can hold (roles: ${list([...roles])}); ` +
        "set role, or allowDefaultAccessRole: true to use the default assignment",
    );
  }
  const w = wanted.trim().toLowerCase();
  const role =
    roles.find((r) => (r.value ?? "").toLowerCase() === w) ??
    roles.find((r) => (r.displayName ?? "").toLowerCase() === w) ??
    roles.find((r) => r.id.toLowerCase() === w) ??
    // The portal shows msiam_access as "Default Access": either name means the app's own role.
    (namesDefaultAccess(wanted) ? roles.find(isDefaultAccessRole) : undefined);
  if (role ? isDefaultAccessRole(role) : namesDefaultAccess(wanted)) {
    if (!allowDefaultAccessRole) throw new Error(defaultAccessMessage(path, wanted));
  }
  if (!role) {
    // Apps that define no roles take the all-zero id as their default assignment.
    if (wanted.trim().toLowerCase() === NO_ROLES_DEFAULT_ID && roles.length === 0)
      return NO_ROLES_DEFAULT_ID;
    throw new Error(
      `${path}: the app has no role "${wanted}"; roles it offers: ${list(offered)}. Set role to one of them.`,
    );
  }
  if (!role.enabled) {
    throw new Error(
      `${path}: role "${wanted}" exists but is disabled in the app; enable it or pick another role.`,
    );
  }
  if (role.allowedMemberTypes !== undefined && !role.allowedMemberTypes.includes("User")) {
    throw new Error(
      `${path}: role "${wanted}" is for applications only (allowedMemberTypes ${role.allowedMemberTypes.join(", ")}); ` +
        `users and groups can hold: ${list(offered)}.`,
    );
  }
  return role.id;
}
