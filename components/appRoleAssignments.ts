// "Assigning users": only users and groups assigned to the app are provisioned. One
// AppRoleAssignment per principal, the role resolved from the app's own roles.
import * as azuread from "@pulumi/azuread";
import * as pulumi from "@pulumi/pulumi";
import { type AppRole, resolveAppRole } from "../model/appRoles";
import { ambiguousLegacyFragments, legacyFragment, nameFragment } from "../model/names";
import type { Assignment } from "../model/provisioning";
import { childOptions } from "./options";

export interface AppRoleAssignmentsArgs {
  /** Object id of the app's service principal (the resource the roles belong to). */
  servicePrincipalObjectId: pulumi.Input<string>;
  /** The app's roles, from the service principal. */
  appRoles: pulumi.Input<AppRole[]>;
  /**
   * What to assign, as `normalizeProvisioning` (model/provisioning.ts) returns it. Plain values,
   * not Inputs: each entry becomes a resource whose name is derived from the principal as written.
   */
  assignments: Assignment[];
  /** Let "Default Access" through (configurations created after 2020-04-16). Default false. */
  allowDefaultAccessRole?: boolean;
}

export interface AssignedPrincipal {
  principalType: "User" | "Group";
  /** As written in stack config. */
  principal: string;
  principalObjectId: string;
  /** As written, or the value (else display name) of the role the app offers when none was written. */
  role: string;
  appRoleId: string;
}

/** Resource-name fragment from what the admin wrote, so reordering the list never replaces anything. */
export function principalSlug(a: Pick<Assignment, "principalType" | "principalText">): string {
  return `${a.principalType.toLowerCase()}-${nameFragment(a.principalText)}`;
}

export class AppRoleAssignments extends pulumi.ComponentResource {
  /** What was assigned, for the stack outputs. */
  public readonly principals: pulumi.Output<AssignedPrincipal[]>;
  /** Object ids by config text, lower-cased (the pilot's id feeds provisioning on demand). */
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
          role: a.role ?? "",
        })),
      },
      opts,
    );

    const objectIds: Record<string, pulumi.Input<string>> = {};
    // One resolution per distinct role name rather than per assignment: 5,000 assignments of
    // "User" cost one apply, and an error names every entry that uses the missing role.
    const roles = pulumi.output(args.appRoles);
    const roleIds = new Map<string, pulumi.Output<{ id: string; name: string }>>();
    const pathsByRole = new Map<string, string[]>();
    const roleKey = (a: Assignment) => a.role?.trim().toLowerCase() ?? "";
    for (const a of args.assignments) {
      pathsByRole.set(roleKey(a), [
        ...(pathsByRole.get(roleKey(a)) ?? []),
        a.role === undefined ? a.path : `${a.path}.role`,
      ]);
    }
    const roleOf = (a: Assignment): pulumi.Output<{ id: string; name: string }> => {
      let role = roleIds.get(roleKey(a));
      if (!role) {
        const paths = pathsByRole.get(roleKey(a))!.join(", ");
        role = roles.apply((r) => {
          const id = resolveAppRole(r, a.role, paths, allow);
          const found = r.find((x) => x.id === id);
          return { id, name: a.role ?? (found?.value || found?.displayName || "") };
        });
        roleIds.set(roleKey(a), role);
      }
      return role;
    };

    const ambiguous = ambiguousLegacyFragments(
      args.assignments.map((a) => `${a.principalType}:${a.principalText}`),
    );
    const entries: {
      a: Assignment;
      objectId: pulumi.Input<string>;
      role: pulumi.Output<{ id: string; name: string }>;
    }[] = [];
    for (const a of args.assignments) {
      const childName = `${name}-${principalSlug(a)}`;
      // Version 0.1 named assignments by an ASCII-only slug; alias to it so upgrading keeps them.
      const legacy = `${name}-${a.principalType.toLowerCase()}-${legacyFragment(a.principalText)}`;
      const aliases =
        legacy !== childName &&
        !ambiguous.has(legacyFragment(`${a.principalType}:${a.principalText}`))
          ? [{ name: legacy }]
          : [];
      const principalObjectId = this.lookup(a);
      const role = roleOf(a);
      new azuread.AppRoleAssignment(
        childName,
        {
          appRoleId: role.apply((x) => x.id),
          principalObjectId,
          resourceObjectId: args.servicePrincipalObjectId,
        },
        childOptions(this, opts, aliases.length ? { aliases } : {}),
      );
      objectIds[a.principalText.toLowerCase()] = principalObjectId;
      entries.push({ a, objectId: principalObjectId, role });
    }

    this.objectIds = objectIds;
    this.principals = pulumi
      .all([pulumi.all(entries.map((e) => e.objectId)), pulumi.all(entries.map((e) => e.role))])
      .apply(([ids, roleList]) =>
        entries.map(({ a }, i) => ({
          principalType: a.principalType,
          principal: a.principalText,
          principalObjectId: ids[i],
          role: roleList[i].name,
          appRoleId: roleList[i].id,
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
