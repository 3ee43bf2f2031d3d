// Runs index.ts under Pulumi's mocks with concrete, tenant-like answers, so the tests can assert
// exact resource inputs (the plan script uses the same runtime with unknowns instead).
import { createHash } from "node:crypto";
import * as path from "node:path";
import { vi } from "vitest";
import { RecordedResource, RunResult, runProgram } from "../../scripts/mockRuntime";
import { DYNAMIC_OUTPUTS } from "./tenant";

export { DYNAMIC_OUTPUTS, TEMPLATE_ID, USER_RULE_ID } from "./tenant";

export const PROJECT = "gotomeeting-provisioning";
export const SP_OBJECT_ID = "5a1e7c1d-0000-4000-8000-00000000a5b0";
/** The application (client) id of the instantiated app. */
export const APP_ID = "11111111-2222-4333-8444-555555555555";
/** The application registration's object id. */
export const APP_OBJECT_ID = "22222222-2222-4222-8222-222222222222";
export const USER_ROLE_ID = "a1b2c3d4-1111-4222-8333-444455556666";
export const MSIAM_ROLE_ID = "7dfd756e-8c27-4472-b2b7-38c17fc5de5e";
export const JOB_ID = "GoToMeeting.0f0e0d0c0b0a09080706050403020100";
export const SUBSCRIPTION_ID = "3c5e9a10-7b2d-4e8f-9a61-2d4c6e8f0a1b";

/** Azure resource id the way ARM returns it, so tests can predict ids of created resources. */
export function azureResourceId(resourceGroup: string, provider: string, name: string): string {
  return `/subscriptions/${SUBSCRIPTION_ID}/resourceGroups/${resourceGroup}/providers/${provider}/${name}`;
}

/** Deterministic object id for a UPN or group name, so tests can predict it. */
export function objectIdFor(name: string): string {
  const h = createHash("sha256").update(name.toLowerCase()).digest("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

export const APP_ROLES = [
  {
    id: USER_ROLE_ID,
    value: "User",
    displayName: "User",
    enabled: true,
    allowedMemberTypes: ["User"],
    description: "User",
  },
  // Gallery apps' Default Access role: per-app GUID, value null (F11, [S74]); the azuread data
  // source reports a null value as "".
  {
    id: MSIAM_ROLE_ID,
    value: "",
    displayName: "msiam_access",
    enabled: true,
    allowedMemberTypes: ["User"],
    description: "msiam_access",
  },
  {
    id: "9c0a1b2c-3d4e-4f50-8a61-7b8c9d0e1f20",
    value: "Retired",
    displayName: "Retired role",
    enabled: false,
    allowedMemberTypes: ["User"],
    description: "",
  },
];

let userKey = 1000;

export interface StackRun extends RunResult {
  byName(name: string): RecordedResource;
  ofType(type: string): RecordedResource[];
}

/** Evaluates index.ts with the given stack config values (unqualified keys). */
export async function runStack(
  values: Record<string, unknown>,
  options: {
    secretKeys?: string[];
    overrides?: Partial<Record<string, Record<string, unknown>>>;
  } = {},
): Promise<StackRun> {
  const config: Record<string, string> = {};
  for (const [k, v] of Object.entries(values)) {
    config[`${PROJECT}:${k}`] = typeof v === "string" ? v : JSON.stringify(v);
  }
  const secretKeys = (
    options.secretKeys ?? Object.keys(values).filter((k) => k === "adminPassword")
  ).map((k) => `${PROJECT}:${k}`);
  const result = await runProgram({
    project: PROJECT,
    stack: "test",
    config,
    secretKeys,
    preview: false,
    mocks: {
      newResource(args) {
        const extra = options.overrides?.[args.type] ?? DYNAMIC_OUTPUTS[args.type] ?? {};
        switch (args.type) {
          case "azuread:index/applicationFromTemplate:ApplicationFromTemplate":
            return {
              id: `/applications/${APP_ID}`,
              // @pulumi/azuread 6.9.1 documents applicationId as the resource id "/applications/{objectId}"
              // (entra-goto-facts F10); the client id comes from the service principal.
              state: {
                applicationId: `/applications/${APP_OBJECT_ID}`,
                applicationObjectId: APP_OBJECT_ID,
                servicePrincipalId: `/servicePrincipals/${SP_OBJECT_ID}`,
                servicePrincipalObjectId: SP_OBJECT_ID,
              },
            };
          case "azuread:index/synchronizationJob:SynchronizationJob":
            return { id: `/servicePrincipals/${SP_OBJECT_ID}/synchronization/jobs/${JOB_ID}` };
          case "azure-native:operationalinsights:Workspace":
            return {
              id: azureResourceId(
                String(args.inputs.resourceGroupName),
                "Microsoft.OperationalInsights/workspaces",
                args.name,
              ),
            };
          case "azure-native:monitor:ActionGroup":
            return {
              id: azureResourceId(
                String(args.inputs.resourceGroupName),
                "microsoft.insights/actionGroups",
                args.name,
              ),
            };
          case "pulumi-nodejs:dynamic/gotomeeting:GoToMeetingUser":
            return {
              id: String(++userKey),
              state: { userKey: String(userKey), created: "2026-11-26T10:00:00Z" },
            };
          default:
            return { state: extra };
        }
      },
      call(args) {
        switch (args.token) {
          case "azuread:index/getApplicationTemplate:getApplicationTemplate":
            return {
              ...args.inputs,
              id: "tmpl",
              templateId: `template-of-${String(args.inputs.displayName)}`,
              // Provisioning-capable gallery apps list "sync" (entra-goto-facts §1a).
              supportedProvisioningTypes: options.overrides?.applicationTemplate
                ?.supportedProvisioningTypes ?? ["sync"],
            };
          case "azuread:index/getServicePrincipal:getServicePrincipal":
            return {
              ...args.inputs,
              id: SP_OBJECT_ID,
              clientId: APP_ID,
              appRoles: options.overrides?.appRoles?.roles ?? APP_ROLES,
            };
          case "azuread:index/getUser:getUser":
            return {
              ...args.inputs,
              id: "u",
              objectId: objectIdFor(String(args.inputs.userPrincipalName)),
            };
          case "azuread:index/getGroup:getGroup":
            return {
              ...args.inputs,
              id: "g",
              objectId: objectIdFor(String(args.inputs.displayName)),
            };
          default:
            throw new Error(`unmocked call ${args.token}`);
        }
      },
    },
    load: async () => {
      vi.resetModules();
      return (await import(path.resolve(__dirname, "../../index.ts"))) as Record<string, unknown>;
    },
  });
  return {
    ...result,
    byName(name) {
      const r = result.resources.find((x) => x.name === name);
      if (!r)
        throw new Error(
          `no resource named ${name}; have ${result.resources.map((x) => x.name).join(", ")}`,
        );
      return r;
    },
    ofType(type) {
      return result.resources.filter((x) => x.type === type);
    },
  };
}

/** A minimal valid gotomeeting stack; tests change one thing at a time. */
export const BASE: Record<string, unknown> = {
  connector: "gotomeeting",
  adminUserName: "admin@contoso.com",
  adminPassword: "S3cret-Pa55word!",
  notificationEmail: "ops@contoso.com",
  assignments: [{ user: "alice@contoso.com" }, { group: "GoToMeeting Users", role: "User" }],
};
