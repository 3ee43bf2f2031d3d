// Each policy against a compliant fixture, then one changed property per test with the exact
// violation message; unknown values (the SDK's own proxy) never produce a violation; and the real
// program, run under mocks, passes every mandatory policy.
import type {
  PolicyResource,
  ResourceValidationArgs,
  ResourceValidationPolicy,
  StackValidationPolicy,
} from "@pulumi/policy";
import { spawn } from "node:child_process";
import * as path from "node:path";
// Test-only use of packages @pulumi/pulumi itself depends on: the engine's side of the analyzer RPC.
import * as grpc from "@grpc/grpc-js";
import * as apb from "@pulumi/pulumi/proto/analyzer_pb";
import { AnalyzerClient } from "@pulumi/pulumi/proto/analyzer_grpc_pb";
import { Empty } from "google-protobuf/google/protobuf/empty_pb";
import { Struct } from "google-protobuf/google/protobuf/struct_pb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SECRET_SIG, isSecretEnvelope } from "../scripts/mockRuntime";
import { BASE, runStack, USER_ROLE_ID } from "../test/helpers/program";
import {
  DEFAULT_ACCESS_ROLE_ID,
  TYPES,
  allPolicies,
  credentialsOnlyAsSecrets,
  noDefaultAccessRole,
  plain,
  prodPilotStage,
  prodScopeAssigned,
  singleMatchingAttribute,
  stackOfUrn,
  syncNotificationAndDeletionThreshold,
  typeOfUrn,
  UNKNOWN,
} from "./policies";

// The SDK's runtime exports that its typings omit (@internal): the proxy policies really receive.
const sdk = require("@pulumi/policy") as {
  unknownCheckingProxy<T>(props: T): T;
};
const UNKNOWN_STRING = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
const UNKNOWN_ARRAY = "6a19a0b0-7e62-4c92-b797-7f8e31da9cc2";

const PROJECT = "gotomeeting-provisioning";
const PASSWORD = "Corr3ct-Horse-Battery";
const SP = "5a1e7c1d-0000-4000-8000-00000000a5b0";

function urnOf(stack: string, type: string, name: string, parentType?: string): string {
  return `urn:pulumi:${stack}::${PROJECT}::${parentType ? `${parentType}$` : ""}${type}::${name}`;
}

const OPTS = {
  protect: false,
  ignoreChanges: [],
  aliases: [],
  customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
  additionalSecretOutputs: [],
};

interface FixtureOptions {
  name?: string;
  stack?: string;
  parent?: string;
  config?: object;
}

function resourceArgs(
  type: string,
  props: Record<string, unknown>,
  o: FixtureOptions = {},
): ResourceValidationArgs {
  const name = o.name ?? "r";
  return {
    type,
    name,
    urn: urnOf(o.stack ?? "dev", type, name),
    props,
    opts: { ...OPTS, parent: o.parent },
    stackTags: new Map(),
    isType: () => false,
    asType: () => undefined,
    getConfig: <T extends object>() => (o.config ?? {}) as T,
    notApplicable: (reason?: string) => {
      throw new Error(`notApplicable: ${reason}`);
    },
  };
}

async function violations(
  policy: ResourceValidationPolicy,
  args: ResourceValidationArgs,
): Promise<string[]> {
  const found: string[] = [];
  const validations = Array.isArray(policy.validateResource)
    ? policy.validateResource
    : [policy.validateResource!];
  for (const v of validations) await v(args, (message) => found.push(message));
  return found;
}

function policyResource(
  type: string,
  name: string,
  props: Record<string, unknown>,
  stack = "dev",
): PolicyResource {
  return {
    type,
    name,
    urn: urnOf(stack, type, name),
    props,
    opts: OPTS,
    dependencies: [],
    propertyDependencies: {},
    isType: () => false,
    asType: () => undefined,
  };
}

async function stackViolations(
  policy: StackValidationPolicy,
  resources: PolicyResource[],
  config: object = {},
): Promise<{ message: string; urn?: string }[]> {
  const found: { message: string; urn?: string }[] = [];
  await policy.validateStack(
    {
      resources,
      stackTags: new Map(),
      getConfig: <T extends object>() => config as T,
      notApplicable: (reason?: string) => {
        throw new Error(`notApplicable: ${reason}`);
      },
    },
    (message, urn) => found.push(urn === undefined ? { message } : { message, urn }),
  );
  return found;
}

// ---- compliant fixtures (what the program declares for a gotomeeting stack) -----------------

const NOTIFICATION = {
  Enabled: true,
  Recipients: "ops@contoso.com;identity@contoso.com",
  DeleteThresholdEnabled: true,
  DeleteThresholdValue: 500,
};

function credentials(overrides: Record<string, string> = {}) {
  const pairs: Record<string, string> = {
    UserName: "admin@contoso.com",
    Password: PASSWORD,
    SyncNotificationSettings: JSON.stringify(NOTIFICATION),
    SyncAll: "false",
    ...overrides,
  };
  return Object.entries(pairs).map(([key, value]) => ({ key, value }));
}

function assignmentsProps(overrides: Record<string, unknown> = {}) {
  return {
    allowDefaultAccessRole: false,
    assignments: [
      { principal: "alice@contoso.com", principalType: "User", role: "User" },
      { principal: "GoToMeeting Users", principalType: "Group", role: "User" },
    ],
    ...overrides,
  };
}

function mappingsProps(mappings: Record<string, unknown>[], objectType = "User") {
  return { servicePrincipalId: SP, jobId: "GoToMeeting.0f0e", objectType, mappings };
}
const MAPPINGS = [
  { target: "userName", source: "userPrincipalName", matchingPriority: 1 },
  { target: "displayName", expression: 'Join(" ", [givenName], [surname])' },
];

/** The resources of a compliant gotomeeting stack, as a stack policy sees them. */
function compliantStack(stack = "dev", extra: PolicyResource[] = []): PolicyResource[] {
  return [
    policyResource(TYPES.appRoleAssignments, "gotomeeting-assignments", assignmentsProps(), stack),
    policyResource(
      TYPES.synchronizationJob,
      "gotomeeting-provisioning-job",
      { servicePrincipalId: `/servicePrincipals/${SP}`, templateId: "GoToMeeting", enabled: false },
      stack,
    ),
    policyResource(
      TYPES.testConnection,
      "gotomeeting-provisioning-test-connection",
      {
        servicePrincipalId: SP,
        jobId: "GoToMeeting.0f0e",
        connector: "gotomeeting",
        credentials: credentials().slice(0, 2),
      },
      stack,
    ),
    policyResource(
      TYPES.synchronizationSecret,
      "gotomeeting-provisioning-secrets",
      { servicePrincipalId: `/servicePrincipals/${SP}`, credentials: credentials() },
      stack,
    ),
    policyResource(
      TYPES.attributeMappings,
      "gotomeeting-provisioning-user-mappings",
      mappingsProps(MAPPINGS),
      stack,
    ),
    ...extra,
  ];
}

// ---------------------------------------------------------------------------------------------

describe("the pack", () => {
  it("has six kebab-case policies, mandatory ones first, each with a description", () => {
    const policies = allPolicies();
    expect(policies.map((p) => [p.name, p.enforcementLevel])).toEqual([
      ["no-default-access-role", "mandatory"],
      ["sync-notification-and-deletion-threshold", "mandatory"],
      ["credentials-only-as-secrets", "mandatory"],
      ["single-matching-attribute", "mandatory"],
      ["prod-pilot-stage", "advisory"],
      ["prod-scope-assigned", "advisory"],
    ]);
    for (const p of policies) {
      expect(p.name).toMatch(/^[a-z]+(-[a-z]+)*$/);
      expect(p.description.length).toBeGreaterThan(20);
    }
  });

  it("reads the stack and the resource's own type from URNs", () => {
    const urn = urnOf("prod", TYPES.appRoleAssignment, "a", TYPES.appRoleAssignments);
    expect(stackOfUrn(urn)).toBe("prod");
    expect(typeOfUrn(urn)).toBe(TYPES.appRoleAssignment);
    expect(stackOfUrn("not-a-urn")).toBeUndefined();
  });

  it("turns every unknown into UNKNOWN, through the SDK's proxy and as sentinels", () => {
    const props = sdk.unknownCheckingProxy({
      a: UNKNOWN_STRING,
      b: [1, UNKNOWN_ARRAY],
      c: { d: "known" },
    });
    expect(plain(() => props)).toEqual({ a: UNKNOWN, b: [1, UNKNOWN], c: { d: "known" } });
  });
});

describe("no-default-access-role", () => {
  const policy = noDefaultAccessRole();
  const component = (props: Record<string, unknown>) =>
    resourceArgs(TYPES.appRoleAssignments, props, { name: "gotomeeting-assignments" });

  it("passes the compliant assignments", async () => {
    expect(await violations(policy, component(assignmentsProps()))).toEqual([]);
  });

  it.each(["msiam_access", "Default Access", "MSIAM_ACCESS", DEFAULT_ACCESS_ROLE_ID])(
    "reports role %s when the stack does not allow it",
    async (role) => {
      const props = assignmentsProps();
      props.assignments[1] = { ...props.assignments[1], role };
      expect(await violations(policy, component(props))).toEqual([
        `assignments[1] (group "GoToMeeting Users"): role "${role}" is the Default Access role, which does not work for GoToMeeting provisioning. ` +
          "Set the role to a real app role (e.g. User). Only if this provisioning configuration was created after 2020-04-16 " +
          "(Default Access is then evaluated like any role), set allowDefaultAccessRole: true in the stack config instead.",
      ]);
    },
  );

  it("passes Default Access when the stack allows it", async () => {
    const props = assignmentsProps({ allowDefaultAccessRole: true });
    props.assignments[0] = { ...props.assignments[0], role: "msiam_access" };
    expect(await violations(policy, component(props))).toEqual([]);
  });

  it("skips components whose inputs were not sent", async () => {
    expect(await violations(policy, component({}))).toEqual([]);
  });

  const assignment = (appRoleId: string, parent?: string) =>
    resourceArgs(
      TYPES.appRoleAssignment,
      { appRoleId, principalObjectId: "p", resourceObjectId: SP },
      { name: "a", parent },
    );
  const componentUrn = urnOf("dev", TYPES.appRoleAssignments, "gotomeeting-assignments");

  it("passes an assignment of a real role", async () => {
    expect(await violations(policy, assignment(USER_ROLE_ID))).toEqual([]);
  });

  it("leaves an all-zeros assignment inside the component to the component's check", async () => {
    expect(await violations(policy, assignment(DEFAULT_ACCESS_ROLE_ID, componentUrn))).toEqual([]);
  });

  it("reports an all-zeros assignment declared outside the component", async () => {
    expect(await violations(policy, assignment(DEFAULT_ACCESS_ROLE_ID))).toEqual([
      `appRoleId ${DEFAULT_ACCESS_ROLE_ID} is the Default Access role, assigned outside the AppRoleAssignments component, ` +
        "so the stack's allowDefaultAccessRole cannot vouch for it. Declare the assignment in the stack config's assignments " +
        "with a real app role (e.g. User).",
    ]);
  });

  it("skips an appRoleId that is unknown during preview", async () => {
    const args = assignment(UNKNOWN_STRING);
    args.props = sdk.unknownCheckingProxy(args.props);
    expect(await violations(policy, args)).toEqual([]);
  });
});

describe("sync-notification-and-deletion-threshold", () => {
  const policy = syncNotificationAndDeletionThreshold();
  const secret = (creds: unknown) =>
    resourceArgs(TYPES.synchronizationSecret, { servicePrincipalId: SP, credentials: creds });
  const guarded = (settings: unknown) =>
    resourceArgs(TYPES.guardedSecret, { servicePrincipalId: SP, settings });
  const withNotification = (n: Record<string, unknown>) =>
    credentials({ SyncNotificationSettings: JSON.stringify({ ...NOTIFICATION, ...n }) });

  it("passes both connectors' compliant secrets", async () => {
    expect(await violations(policy, secret(credentials()))).toEqual([]);
    expect(await violations(policy, guarded(credentials().slice(2)))).toEqual([]);
  });

  it("ignores other resource types", async () => {
    expect(await violations(policy, resourceArgs(TYPES.testConnection, {}))).toEqual([]);
  });

  it("reports a missing SyncNotificationSettings entry", async () => {
    const creds = credentials().filter((c) => c.key !== "SyncNotificationSettings");
    expect(await violations(policy, secret(creds))).toEqual([
      "credentials has no SyncNotificationSettings entry, so nobody is e-mailed when the job is quarantined. " +
        "Add it with notificationEmail and deleteThreshold in the stack config (this program writes it from them).",
    ]);
  });

  it("reports no recipients (and names settings for the goto connector)", async () => {
    const settings = withNotification({ Recipients: " ; " }).slice(2);
    expect(await violations(policy, guarded(settings))).toEqual([
      "settings: SyncNotificationSettings has no recipient. Set notificationEmail in the stack config " +
        "(pulumi config set notificationEmail ops@yourcompany.com; a list is allowed) so Entra e-mails quarantine and accidental-deletion events.",
    ]);
  });

  it("reports e-mail notification off", async () => {
    expect(await violations(policy, secret(withNotification({ Enabled: false })))).toEqual([
      'credentials: SyncNotificationSettings has e-mail notification off (Enabled false). Set notificationEmail to the recipients instead of "none".',
    ]);
  });

  it("reports the deletion threshold switched off", async () => {
    expect(
      await violations(policy, secret(withNotification({ DeleteThresholdEnabled: false }))),
    ).toEqual([
      "credentials: SyncNotificationSettings has accidental-deletion prevention off (DeleteThresholdEnabled false, DeleteThresholdValue 500). " +
        "Set deleteThreshold in the stack config to a number above 0 (default 500).",
    ]);
  });

  it("reports a deletion threshold of 0", async () => {
    expect(await violations(policy, secret(withNotification({ DeleteThresholdValue: 0 })))).toEqual(
      [
        "credentials: SyncNotificationSettings has accidental-deletion prevention off (DeleteThresholdEnabled true, DeleteThresholdValue 0). " +
          "Set deleteThreshold in the stack config to a number above 0 (default 500).",
      ],
    );
  });

  it("reports settings that are not JSON", async () => {
    expect(
      await violations(policy, secret(credentials({ SyncNotificationSettings: "{oops" }))),
    ).toEqual([
      "credentials: SyncNotificationSettings is not a JSON object. " +
        'Write it as {"Enabled":true,"Recipients":"a@x.com;b@x.com","DeleteThresholdEnabled":true,"DeleteThresholdValue":500}, ' +
        "which this program derives from notificationEmail and deleteThreshold.",
    ]);
  });

  it("skips credentials that are unknown during preview, whole or in part", async () => {
    const whole = secret(UNKNOWN_ARRAY);
    whole.props = sdk.unknownCheckingProxy(whole.props);
    expect(await violations(policy, whole)).toEqual([]);
    const part = secret(credentials({ SyncNotificationSettings: UNKNOWN_STRING }));
    part.props = sdk.unknownCheckingProxy(part.props);
    expect(await violations(policy, part)).toEqual([]);
  });
});

describe("credentials-only-as-secrets", () => {
  const policy = credentialsOnlyAsSecrets();
  const urn = (type: string, name: string) => urnOf("dev", type, name);

  it("passes the compliant stack", async () => {
    expect(await stackViolations(policy, compliantStack())).toEqual([]);
  });

  it("reports the password copied into another resource's input once, without showing it", async () => {
    const leaked = policyResource(
      TYPES.attributeMappings,
      "gotomeeting-provisioning-user-mappings",
      {
        ...mappingsProps([...MAPPINGS, { target: "title", constant: `pw=${PASSWORD}` }]),
      },
    );
    const found = await stackViolations(policy, [...compliantStack().slice(0, 4), leaked]);
    expect(found).toEqual([
      {
        message:
          'AttributeMappings "gotomeeting-provisioning-user-mappings": mappings[2].constant contains the Password of SynchronizationSecret "gotomeeting-provisioning-secrets" in plaintext. ' +
          "Remove it from there; keep the credential in its secret config key only (pulumi config set --secret adminPassword <password>).",
        urn: urn(TYPES.attributeMappings, "gotomeeting-provisioning-user-mappings"),
      },
    ]);
    expect(JSON.stringify(found)).not.toContain(PASSWORD);
  });

  it("accepts the stack config the engine hands the dynamic resources' default provider, secrets included", async () => {
    // What `pulumi preview --policy-pack` shows for `pulumi:providers:pulumi-nodejs::default`
    // (seen with the real engine, test/realEngine.test.ts): the whole stack config, unwrapped.
    const provider = policyResource(TYPES.dynamicProvider, "default", {
      [`${PROJECT}:adminPassword`]: PASSWORD,
      [`${PROJECT}:graphApiUrl`]: "https://graph.microsoft.com/v1.0",
    });
    expect(await stackViolations(policy, [...compliantStack(), provider])).toEqual([]);
    // Anywhere else in the provider's inputs the password is still a leak.
    const copied = policyResource(TYPES.dynamicProvider, "default", {
      [`${PROJECT}:appDisplayName`]: `GoToMeeting ${PASSWORD}`,
    });
    expect(
      (await stackViolations(policy, [...compliantStack(), copied])).map((v) => v.message),
    ).toEqual([
      `pulumi-nodejs "default": ${PROJECT}:appDisplayName contains the Password of SynchronizationSecret "gotomeeting-provisioning-secrets" in plaintext. ` +
        "Remove it from there; keep the credential in its secret config key only (pulumi config set --secret adminPassword <password>).",
    ]);
  });

  it("reports the password in a resource name", async () => {
    const named = policyResource(TYPES.synchronizationJob, `job-${PASSWORD}`, {});
    const found = await stackViolations(policy, [
      ...compliantStack().filter((r) => r.type !== TYPES.testConnection),
      named,
    ]);
    expect(found).toEqual([
      {
        message:
          `SynchronizationJob "job-${PASSWORD}": its name contains the Password of SynchronizationSecret "gotomeeting-provisioning-secrets" in plaintext. ` +
          "Remove it from there; keep the credential in its secret config key only (pulumi config set --secret adminPassword <password>).",
        urn: urn(TYPES.synchronizationJob, `job-${PASSWORD}`),
      },
    ]);
  });

  it("reports the password in a stack output", async () => {
    const stackResource = policyResource("pulumi:pulumi:Stack", `${PROJECT}-dev`, {
      debug: PASSWORD,
    });
    const found = await stackViolations(policy, [
      ...compliantStack().filter((r) => r.type !== TYPES.testConnection),
      stackResource,
    ]);
    expect(found.map((f) => f.message)).toEqual([
      `Stack "${PROJECT}-dev": debug contains the Password of SynchronizationSecret "gotomeeting-provisioning-secrets" in plaintext. ` +
        "Remove it from there; keep the credential in its secret config key only (pulumi config set --secret adminPassword <password>).",
    ]);
  });

  it("reports a credential key in the GoTo connector's plaintext settings", async () => {
    const settings = policyResource(TYPES.guardedSecret, "gotomeeting-provisioning-settings", {
      servicePrincipalId: SP,
      settings: [...credentials().slice(2), { key: "SecretToken", value: "abc" }],
    });
    expect(await stackViolations(policy, [settings])).toEqual([
      {
        message:
          'GuardedSynchronizationSecret "gotomeeting-provisioning-settings": settings hold the credential key "SecretToken", which this resource stores in plaintext. ' +
          "Remove it: the GoTo connector is authorized once with the portal's Authorize button, and credentials for " +
          "connector gotomeeting go through the adminPassword secret to the SynchronizationSecret only.",
        urn: urn(TYPES.guardedSecret, "gotomeeting-provisioning-settings"),
      },
    ]);
  });

  it("reports Test Connection credentials for connector goto", async () => {
    const tc = policyResource(TYPES.testConnection, "gotomeeting-provisioning-test-connection", {
      servicePrincipalId: SP,
      jobId: "GoTo.1",
      connector: "goto",
      credentials: [{ key: "UserName", value: "admin@contoso.com" }],
    });
    expect(await stackViolations(policy, [tc])).toEqual([
      {
        message:
          'TestConnection "gotomeeting-provisioning-test-connection": credentials are set for connector goto, which Entra authorizes with the portal\'s Authorize button. ' +
          "Remove them (adminUserName and adminPassword apply to connector gotomeeting only).",
        urn: urn(TYPES.testConnection, "gotomeeting-provisioning-test-connection"),
      },
    ]);
  });

  it("reports a credential-like input on this project's own resources", async () => {
    const user = policyResource("pulumi-nodejs:dynamic/gotomeeting:GoToMeetingUser", "u", {
      userName: "room@contoso.com",
      options: { apiToken: "t0ken-value" },
    });
    expect(await stackViolations(policy, [user])).toEqual([
      {
        message:
          'GoToMeetingUser "u": input options.apiToken looks like a credential ("apiToken"). Pass credentials only through ' +
          "the secret config keys (pulumi config set --secret …), which reach only the SynchronizationSecret and TestConnection.",
        urn: urn("pulumi-nodejs:dynamic/gotomeeting:GoToMeetingUser", "u"),
      },
    ]);
  });

  it("does not search for credentials too short to tell from ordinary text", async () => {
    const stack = compliantStack().map((r) =>
      r.type === TYPES.synchronizationSecret
        ? { ...r, props: { ...r.props, credentials: credentials({ Password: "Job" }) } }
        : r.type === TYPES.testConnection
          ? { ...r, props: { ...r.props, credentials: [] } }
          : r,
    );
    expect(await stackViolations(policy, stack)).toEqual([]);
  });

  it("skips values that are unknown during preview", async () => {
    const stack = compliantStack().map((r) =>
      r.type === TYPES.synchronizationSecret
        ? { ...r, props: sdk.unknownCheckingProxy({ ...r.props, credentials: UNKNOWN_ARRAY }) }
        : r,
    );
    expect(await stackViolations(policy, stack)).toEqual([]);
  });
});

describe("single-matching-attribute", () => {
  const policy = singleMatchingAttribute();
  const mappings = (m: Record<string, unknown>[], objectType = "User") =>
    resourceArgs(TYPES.attributeMappings, mappingsProps(m, objectType));

  it("passes exactly one matching attribute", async () => {
    expect(await violations(policy, mappings(MAPPINGS))).toEqual([]);
  });

  it("reports no matching attribute", async () => {
    expect(
      await violations(policy, mappings([{ ...MAPPINGS[0], matchingPriority: 0 }, MAPPINGS[1]])),
    ).toEqual([
      "mappings declare no matching attribute. Set matchingPriority: 1 on the one attribute that identifies a user in " +
        "GoToMeeting, in attributeMappings (e.g. {target: userName, source: userPrincipalName, matchingPriority: 1}).",
    ]);
  });

  it("reports two matching attributes", async () => {
    expect(
      await violations(policy, mappings([MAPPINGS[0], { ...MAPPINGS[1], matchingPriority: 2 }])),
    ).toEqual([
      'mappings declare 2 matching attributes ("userName", "displayName"). Keep matchingPriority on exactly one ' +
        "of them (e.g. userName) and remove it from the others in attributeMappings.",
    ]);
  });

  it("applies to User mappings only", async () => {
    expect(await violations(policy, mappings([MAPPINGS[1]], "Group"))).toEqual([]);
  });

  it("skips mappings that are unknown during preview", async () => {
    const args = mappings([{ ...MAPPINGS[0], matchingPriority: UNKNOWN_STRING }]);
    args.props = sdk.unknownCheckingProxy(args.props);
    expect(await violations(policy, args)).toEqual([]);
  });
});

describe("prod-pilot-stage (advisory)", () => {
  const policy = prodPilotStage();
  const pilot = (stack: string) =>
    policyResource(TYPES.provisionOnDemand, "gotomeeting-provisioning-pilot", {}, stack);

  it("passes a prod stack with a pilot and any non-prod stack", async () => {
    expect(await stackViolations(policy, compliantStack("prod", [pilot("prod")]))).toEqual([]);
    expect(await stackViolations(policy, compliantStack("dev"))).toEqual([]);
  });

  it("reports a prod stack without a pilot stage", async () => {
    expect(await stackViolations(policy, compliantStack("prod"))).toEqual([
      {
        message:
          'stack "prod" provisions without a pilot stage (no ProvisionOnDemand of a pilot user). Run the pilot in this stack first: ' +
          "pulumi config set pilotUser <upn> --stack prod, pulumi up, check that user in GoToMeeting, then " +
          "pulumi config rm pilotUser --stack prod to assign everyone. Once the pilot has passed here, set this policy to " +
          '"disabled" for the stack in the policy pack config.',
      },
    ]);
  });

  it("takes production stack names from the policy config", async () => {
    const config = { productionStacks: ["production"] };
    expect(await stackViolations(policy, compliantStack("prod"), config)).toEqual([]);
    expect(
      (await stackViolations(policy, compliantStack("production"), config)).map((v) => v.message),
    ).toHaveLength(1);
  });

  it("ignores a stack without a provisioning job", async () => {
    const stack = compliantStack("prod").filter((r) => r.type !== TYPES.synchronizationJob);
    expect(await stackViolations(policy, stack)).toEqual([]);
  });
});

describe("prod-scope-assigned (advisory)", () => {
  const policy = prodScopeAssigned();
  const secret = (syncAll: string, stack = "prod", config: object = {}) =>
    resourceArgs(
      TYPES.synchronizationSecret,
      { servicePrincipalId: SP, credentials: credentials({ SyncAll: syncAll }) },
      { stack, config },
    );

  it("passes scope assigned in prod", async () => {
    expect(await violations(policy, secret("false"))).toEqual([]);
  });

  it("reports SyncAll true in prod", async () => {
    expect(await violations(policy, secret("true"))).toEqual([
      'credentials: SyncAll is "true", so stack "prod" provisions every user and group in the tenant to GoToMeeting, ' +
        "not only the assigned ones. Set scope to assigned (pulumi config set scope assigned --stack prod) unless " +
        "the whole tenant really needs GoToMeeting accounts.",
    ]);
  });

  it("reports SyncAll true in the GoTo connector's settings", async () => {
    const args = resourceArgs(
      TYPES.guardedSecret,
      { servicePrincipalId: SP, settings: credentials({ SyncAll: "true" }).slice(2) },
      { stack: "prod" },
    );
    expect(await violations(policy, args)).toEqual([
      'settings: SyncAll is "true", so stack "prod" provisions every user and group in the tenant to GoToMeeting, ' +
        "not only the assigned ones. Set scope to assigned (pulumi config set scope assigned --stack prod) unless " +
        "the whole tenant really needs GoToMeeting accounts.",
    ]);
  });

  it("allows scope all outside production", async () => {
    expect(await violations(policy, secret("true", "dev"))).toEqual([]);
    expect(
      await violations(policy, secret("true", "prod", { productionStacks: ["live"] })),
    ).toEqual([]);
  });
});

// ---- the real program, under mocks -----------------------------------------------------------

type Run = Awaited<ReturnType<typeof runStack>>;

/** Secret envelopes unwrapped, `__provider` dropped: what the engine hands a policy. */
function policyProps(inputs: Record<string, unknown>): Record<string, unknown> {
  const reveal = (v: unknown): unknown => {
    if (isSecretEnvelope(v)) return reveal(v.value);
    if (Array.isArray(v)) return v.map(reveal);
    if (v && typeof v === "object")
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, reveal(x)]));
    return v;
  };
  return Object.fromEntries(
    Object.entries(inputs)
      .filter(([k]) => !k.startsWith("__"))
      .map(([k, v]) => [k, reveal(v)]),
  );
}

/** Every violation the pack reports for a program run, as "policy: message". */
async function evaluate(run: Run, config: object = {}): Promise<string[]> {
  const urnByName = new Map(run.resources.map((r) => [r.name, r.urn]));
  const found: string[] = [];
  for (const policy of allPolicies()) {
    if ("validateStack" in policy) {
      const resources = run.resources.map((r) => ({
        ...policyResource(r.type, r.name, policyProps(r.inputs)),
        urn: r.urn,
      }));
      for (const v of await stackViolations(policy, resources, config))
        found.push(`${policy.name}: ${v.message}`);
    } else {
      for (const r of run.resources) {
        const args = resourceArgs(r.type, policyProps(r.inputs), {
          name: r.name,
          parent: r.parent ? urnByName.get(r.parent) : undefined,
          config,
        });
        args.urn = r.urn;
        for (const m of await violations(policy, args)) found.push(`${policy.name}: ${m}`);
      }
    }
  }
  return found;
}

describe("the program's own stacks", () => {
  const MAPPED = {
    ...BASE,
    attributeMappings: [
      { target: "userName", source: "userPrincipalName", matchingPriority: 1 },
      { target: "displayName", expression: 'Join(" ", [givenName], [surname])' },
    ],
  };

  it("registers the assignments' roles and allowance as component inputs", async () => {
    const run = await runStack(BASE);
    expect(run.byName("gotomeeting-assignments").inputs).toEqual({
      allowDefaultAccessRole: false,
      assignments: [
        // No role written: "" lets the app's one offered role be taken at deploy time.
        { principal: "alice@contoso.com", principalType: "User", role: "" },
        { principal: "GoToMeeting Users", principalType: "Group", role: "User" },
      ],
    });
  });

  it("a gotomeeting stack with mappings passes every policy outside production", async () => {
    expect(await evaluate(await runStack(MAPPED))).toEqual([]);
  });

  it("a goto stack passes every policy outside production", async () => {
    const run = await runStack({
      connector: "goto",
      notificationEmail: "ops@contoso.com",
      assignments: [{ group: "GoTo Users" }],
    });
    expect(await evaluate(run)).toEqual([]);
  });

  it("as production, only the advisories speak: no pilot stage, then scope all", async () => {
    const prod = { productionStacks: ["test"] };
    expect(await evaluate(await runStack(MAPPED), prod)).toEqual([
      'prod-pilot-stage: stack "test" provisions without a pilot stage (no ProvisionOnDemand of a pilot user). Run the pilot in this stack first: ' +
        "pulumi config set pilotUser <upn> --stack test, pulumi up, check that user in GoToMeeting, then " +
        "pulumi config rm pilotUser --stack test to assign everyone. Once the pilot has passed here, set this policy to " +
        '"disabled" for the stack in the policy pack config.',
    ]);
    const piloted = await runStack({ ...MAPPED, pilotUser: "alice@contoso.com", scope: "all" });
    expect(await evaluate(piloted, prod)).toEqual([
      'prod-scope-assigned: credentials: SyncAll is "true", so stack "test" provisions every user and group in the tenant to GoToMeeting, ' +
        "not only the assigned ones. Set scope to assigned (pulumi config set scope assigned --stack test) unless " +
        "the whole tenant really needs GoToMeeting accounts.",
    ]);
  });

  it("an allowed Default Access assignment passes; the same stack without the allowance is refused before policies run", async () => {
    const allowed = await runStack({
      ...MAPPED,
      allowDefaultAccessRole: true,
      assignments: [{ user: "alice@contoso.com", role: "msiam_access" }],
    });
    expect(await evaluate(allowed)).toEqual([]);
    await expect(
      runStack({ ...MAPPED, assignments: [{ user: "alice@contoso.com", role: "msiam_access" }] }),
    ).rejects.toThrow('assignments[0].role: "msiam_access" is the Default Access role');
  });

  it("finds the admin password copied into plaintext config, naming each place but not the value", async () => {
    const password = BASE.adminPassword as string;
    // Only the app's display name carries appDisplayName (template discovery takes the gallery name).
    const run = await runStack({ ...MAPPED, appDisplayName: `GoToMeeting ${password}` });
    const found = await evaluate(run);
    const fix =
      " in plaintext. Remove it from there; keep the credential in its secret config key only (pulumi config set --secret adminPassword <password>).";
    expect(found).toEqual([
      'credentials-only-as-secrets: ApplicationFromTemplate "gotomeeting-gallery-app": displayName contains the Password of SynchronizationSecret "gotomeeting-provisioning-secrets"' +
        fix,
    ]);
    expect(found.join("\n")).not.toContain(password);
  });

  it("deleteThreshold 0 and notificationEmail none are refused by the mandatory policy", async () => {
    const run = await runStack({ ...MAPPED, deleteThreshold: 0, notificationEmail: "none" });
    expect(await evaluate(run)).toEqual([
      "sync-notification-and-deletion-threshold: credentials: SyncNotificationSettings has no recipient. Set notificationEmail in the stack config " +
        "(pulumi config set notificationEmail ops@yourcompany.com; a list is allowed) so Entra e-mails quarantine and accidental-deletion events.",
      'sync-notification-and-deletion-threshold: credentials: SyncNotificationSettings has e-mail notification off (Enabled false). Set notificationEmail to the recipients instead of "none".',
      "sync-notification-and-deletion-threshold: credentials: SyncNotificationSettings has accidental-deletion prevention off (DeleteThresholdEnabled false, DeleteThresholdValue 0). " +
        "Set deleteThreshold in the stack config to a number above 0 (default 500).",
    ]);
  });
});

// ---- the pack served as the CLI runs it --------------------------------------------------------

describe("the pack served over the analyzer protocol", () => {
  // What `pulumi preview --policy-pack ./policy` starts: the SDK's run-policy-pack, in the pack's
  // directory, TypeScript compiled by ts-node with that runner's own options. This side plays the
  // engine: secrets arrive wrapped and unknowns as sentinels, exactly as on the wire.
  const root = path.resolve(__dirname, "..");
  let pack: ReturnType<typeof spawn> | undefined;
  let client: AnalyzerClient;
  const secret = (value: unknown) => ({ [SECRET_SIG]: "1b47061264138c4ac30d75fd1eb44270", value });

  beforeAll(async () => {
    const child = spawn(
      process.execPath,
      [path.join(root, "node_modules/@pulumi/pulumi/cmd/run-policy-pack"), "127.0.0.1:1", "."],
      { cwd: path.join(root, "policy"), stdio: ["ignore", "pipe", "pipe"] },
    );
    pack = child;
    let stderr = "";
    child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
    const port = await new Promise<number>((resolve, reject) => {
      let stdout = "";
      child.stdout!.on("data", (d: Buffer) => {
        stdout += d.toString();
        const n = Number.parseInt(stdout.trim(), 10);
        if (n > 0) resolve(n);
      });
      child.on("exit", (code) => reject(new Error(`policy pack exited (${code}): ${stderr}`)));
    });
    client = new AnalyzerClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
  });

  afterAll(() => {
    client?.close();
    pack?.kill();
  });

  function call<Req, Res>(
    method: (req: Req, cb: (e: grpc.ServiceError | null, r: Res) => void) => unknown,
    req: Req,
  ): Promise<Res> {
    return new Promise((resolve, reject) =>
      method.call(client, req, (e, r) => (e ? reject(e) : resolve(r))),
    );
  }

  function diagnostics(res: apb.AnalyzeResponse): string[] {
    return res
      .getDiagnosticsList()
      .map(
        (d) =>
          `${d.getPolicyname()} [${d.getEnforcementlevel() === apb.EnforcementLevel.MANDATORY ? "mandatory" : "advisory"}]: ${d.getMessage().split("\n").pop()}`,
      );
  }

  async function analyze(type: string, props: Record<string, unknown>, stack = "prod") {
    const req = new apb.AnalyzeRequest();
    req.setType(type);
    req.setName("r");
    req.setUrn(urnOf(stack, type, "r"));
    req.setProperties(Struct.fromJavaScript(props as Record<string, never>));
    req.setOptions(new apb.AnalyzerResourceOptions());
    return diagnostics(await call(client.analyze, req));
  }

  it("serves the six policies with their enforcement levels", async () => {
    const info = await call<Empty, apb.AnalyzerInfo>(client.getAnalyzerInfo, new Empty());
    expect(info.getName()).toBe("gotomeeting-provisioning");
    expect(info.getPoliciesList().map((p) => [p.getName(), p.getEnforcementlevel()])).toEqual([
      ["no-default-access-role", apb.EnforcementLevel.MANDATORY],
      ["sync-notification-and-deletion-threshold", apb.EnforcementLevel.MANDATORY],
      ["credentials-only-as-secrets", apb.EnforcementLevel.MANDATORY],
      ["single-matching-attribute", apb.EnforcementLevel.MANDATORY],
      ["prod-pilot-stage", apb.EnforcementLevel.ADVISORY],
      ["prod-scope-assigned", apb.EnforcementLevel.ADVISORY],
    ]);
  });

  it("sees component inputs and judges Default Access by role name", async () => {
    expect(
      await analyze(TYPES.appRoleAssignments, {
        allowDefaultAccessRole: false,
        assignments: [{ principal: "x@contoso.com", principalType: "User", role: "msiam_access" }],
      }),
    ).toEqual([
      'no-default-access-role [mandatory]: assignments[0] (user "x@contoso.com"): role "msiam_access" is the Default Access role, which does not work for GoToMeeting provisioning. ' +
        "Set the role to a real app role (e.g. User). Only if this provisioning configuration was created after 2020-04-16 " +
        "(Default Access is then evaluated like any role), set allowDefaultAccessRole: true in the stack config instead.",
    ]);
  });

  it("reads secret credentials as plain values (their secretness is invisible to policies)", async () => {
    const notification = JSON.stringify({ ...NOTIFICATION, DeleteThresholdValue: 0 });
    expect(
      await analyze(TYPES.synchronizationSecret, {
        servicePrincipalId: SP,
        credentials: secret(
          credentials({ SyncNotificationSettings: notification, SyncAll: "true" }),
        ),
      }),
    ).toEqual([
      "sync-notification-and-deletion-threshold [mandatory]: credentials: SyncNotificationSettings has accidental-deletion prevention off (DeleteThresholdEnabled true, DeleteThresholdValue 0). " +
        "Set deleteThreshold in the stack config to a number above 0 (default 500).",
      'prod-scope-assigned [advisory]: credentials: SyncAll is "true", so stack "prod" provisions every user and group in the tenant to GoToMeeting, ' +
        "not only the assigned ones. Set scope to assigned (pulumi config set scope assigned --stack prod) unless " +
        "the whole tenant really needs GoToMeeting accounts.",
    ]);
  });

  it("reports nothing, not even a note, for values unknown during preview", async () => {
    expect(
      await analyze(TYPES.synchronizationSecret, {
        servicePrincipalId: SP,
        credentials: UNKNOWN_ARRAY,
      }),
    ).toEqual([]);
    expect(await analyze(TYPES.appRoleAssignment, { appRoleId: UNKNOWN_STRING })).toEqual([]);
    expect(
      await analyze(
        TYPES.attributeMappings,
        mappingsProps([{ target: "userName", matchingPriority: UNKNOWN_STRING }]),
      ),
    ).toEqual([]);
  });

  it("runs the stack policies with the stack taken from the URNs", async () => {
    const req = new apb.AnalyzeStackRequest();
    req.setResourcesList(
      compliantStack("prod").map((r) => {
        const res = new apb.AnalyzerResource();
        res.setType(r.type);
        res.setName(r.name);
        res.setUrn(r.urn);
        const props =
          r.type === TYPES.synchronizationSecret
            ? { ...r.props, credentials: secret(r.props.credentials) }
            : r.type === TYPES.attributeMappings
              ? { ...r.props, mappings: [...MAPPINGS, { target: "title", constant: PASSWORD }] }
              : r.props;
        res.setProperties(Struct.fromJavaScript(props as Record<string, never>));
        res.setOptions(new apb.AnalyzerResourceOptions());
        return res;
      }),
    );
    expect(diagnostics(await call(client.analyzeStack, req))).toEqual([
      'credentials-only-as-secrets [mandatory]: AttributeMappings "gotomeeting-provisioning-user-mappings": mappings[2].constant contains the Password of SynchronizationSecret "gotomeeting-provisioning-secrets" in plaintext. ' +
        "Remove it from there; keep the credential in its secret config key only (pulumi config set --secret adminPassword <password>).",
      'prod-pilot-stage [advisory]: stack "prod" provisions without a pilot stage (no ProvisionOnDemand of a pilot user). Run the pilot in this stack first: ' +
        "pulumi config set pilotUser <upn> --stack prod, pulumi up, check that user in GoToMeeting, then " +
        "pulumi config rm pilotUser --stack prod to assign everyone. Once the pilot has passed here, set this policy to " +
        '"disabled" for the stack in the policy pack config.',
    ]);
  });
});
