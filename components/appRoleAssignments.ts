// "Assigning users": only users and groups assigned to the app are provisioned. One
// AppRoleAssignment per principal, the role resolved by value or display name from the app itself.
import * as azuread from "@pulumi/azuread";
import * as pulumi from "@pulumi/pulumi";
import {
  Assignment,
  DEFAULT_ACCESS_ROLE_ID,
  defaultAccessMessage,
  isDefaultAccessRole,
} from "../config/schema";
import type { AppRole } from "./galleryApp";

export interface AppRoleAssignmentsArgs {
  /** Object id of the app's service principal (the resource the roles belong to). */
  servicePrincipalObjectId: pulumi.Input<string>;
  /** The app's roles, from the service principal. */
  appRoles: pulumi.Input<AppRole[]>;
  /** Validated assignments (only the pilot while a pilot stage is configured). */
  assignments: Assignment[];
  /** Let "Default Access" through (configurations created after 2020-04-16). Default false. */
  allowDefaultAccessRole?: boolean;
}

export interface AssignedPrincipal {
  principalType: "User" | "Group";
  /** As written in stack config. */
  principal: string;
  principalObjectId: string;
  role: string;
  appRoleId: string;
}

/**
 * Finds the role a config entry names: by value first (what admins script with), then by display
 * name, case-insensitively. The error lists what the app really offers.
 */
export function resolveAppRole(
  roles: AppRole[],
  wanted: string,
  path: string,
  allowDefaultAccessRole: boolean,
): string {
  const w = wanted.trim().toLowerCase();
  const role =
    roles.find((r) => r.value?.toLowerCase() === w) ??
    roles.find((r) => r.displayName?.toLowerCase() === w) ??
    roles.find((r) => r.id.toLowerCase() === w);
  const isDefault =
    (role && (role.id === DEFAULT_ACCESS_ROLE_ID || isDefaultAccessRole(role.value ?? ""))) ||
    (!role && isDefaultAccessRole(wanted));
  if (isDefault && !allowDefaultAccessRole) throw new Error(defaultAccessMessage(path, wanted));
  if (!role) {
    // Gallery apps do not list the implicit Default Access role; its id is all zeros.
    if (isDefault) return DEFAULT_ACCESS_ROLE_ID;
    const offered = roles
      .filter((r) => r.enabled)
      .map((r) => `"${r.value}" (${r.displayName})`)
      .join(", ");
    throw new Error(
      `${path}: the app has no role "${wanted}"; roles it offers: ${offered || "none besides Default Access"}. Set role to one of them.`,
    );
  }
  if (!role.enabled) {
    throw new Error(
      `${path}: role "${wanted}" exists but is disabled in the app; enable it or pick another role.`,
    );
  }
  return role.id;
}

/** Resource-name fragment from what the admin wrote, so reordering the list never replaces anything. */
export function principalSlug(a: Pick<Assignment, "principalType" | "principalText">): string {
  const slug = a.principalText
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "");
  return `${a.principalType.toLowerCase()}-${slug}`;
}

export class AppRoleAssignments extends pulumi.ComponentResource {
  /** What was assigned, for the stack outputs. */
  public readonly principals: pulumi.Output<AssignedPrincipal[]>;
  /** Object ids by config text (the pilot's id feeds provisioning on demand). */
  public readonly objectIds: Record<string, pulumi.Input<string>>;

  constructor(name: string, args: AppRoleAssignmentsArgs, opts?: pulumi.ComponentResourceOptions) {
    const allow = args.allowDefaultAccessRole ?? false;
    // Registered as the component's inputs so the policy pack can judge Default Access by role name
    // before Entra resolves the role ids (unknown during a first preview) and against the stack's
    // own allowance (policy/policies.ts, no-default-access-role).
    super(
      "gotomeeting-provisioning:index:AppRoleAssignments",
      name,
      {
        allowDefaultAccessRole: allow,
        assignments: args.assignments.map((a) => ({
          principal: a.principalText,
          principalType: a.principalType,
          role: a.role,
        })),
      },
      opts,
    );

    const bySlug = new Map<string, string>();
    const objectIds: Record<string, pulumi.Input<string>> = {};
    // One resolution per distinct role name rather than per assignment: 5,000 assignments of
    // "User" cost one apply, and an error names every entry that uses the missing role.
    const roles = pulumi.output(args.appRoles);
    const roleIds = new Map<string, pulumi.Output<string>>();
    const pathsByRole = new Map<string, string[]>();
    for (const a of args.assignments) {
      const key = a.role.trim().toLowerCase();
      pathsByRole.set(key, [...(pathsByRole.get(key) ?? []), `${a.path}.role`]);
    }
    const roleIdOf = (role: string): pulumi.Output<string> => {
      const key = role.trim().toLowerCase();
      let id = roleIds.get(key);
      if (!id) {
        const paths = pathsByRole.get(key)!.join(", ");
        id = roles.apply((r) => resolveAppRole(r, role, paths, allow));
        roleIds.set(key, id);
      }
      return id;
    };

    const entries: {
      a: Assignment;
      objectId: pulumi.Input<string>;
      roleId: pulumi.Output<string>;
    }[] = [];
    for (const a of args.assignments) {
      const slug = principalSlug(a);
      const clash = bySlug.get(slug);
      if (clash) {
        throw new Error(
          `${a.path}: "${a.principalText}" and ${clash} differ only in punctuation, which this program uses for stable resource names; refer to one of them by object id`,
        );
      }
      bySlug.set(slug, `${a.path} ("${a.principalText}")`);

      const principalObjectId = this.lookup(a);
      const appRoleId = roleIdOf(a.role);
      new azuread.AppRoleAssignment(
        `${name}-${slug}`,
        { appRoleId, principalObjectId, resourceObjectId: args.servicePrincipalObjectId },
        { parent: this },
      );
      objectIds[a.principalText.toLowerCase()] = principalObjectId;
      entries.push({ a, objectId: principalObjectId, roleId: appRoleId });
    }

    this.objectIds = objectIds;
    this.principals = pulumi
      .all([pulumi.all(entries.map((e) => e.objectId)), pulumi.all(entries.map((e) => e.roleId))])
      .apply(([ids, roleIdList]) =>
        entries.map(({ a }, i) => ({
          principalType: a.principalType,
          principal: a.principalText,
          principalObjectId: ids[i],
          role: a.role,
          appRoleId: roleIdList[i],
        })),
      );
    this.registerOutputs({ principals: this.principals });
  }

  private lookup(a: Assignment): pulumi.Input<string> {
    if (a.principal.kind === "objectId") return a.principal.objectId;
    const opts = { parent: this };
    return a.principalType === "User"
      ? azuread.getUserOutput({ userPrincipalName: a.principal.name }, opts).objectId
      : azuread.getGroupOutput({ displayName: a.principal.name }, opts).objectId;
  }
}
