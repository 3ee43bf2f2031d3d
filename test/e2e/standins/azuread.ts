// Stand-in for the azuread resource plugin (Pulumi azuread 6.9.1, a bridge of terraform-provider-azuread
// v3), for the real-engine tests only. It answers exactly what this program uses, with the input and
// output shapes of @pulumi/azuread 6.9.1's typings, by calling Microsoft Graph's REST paths on the
// Graph fake (E2E_GRAPH_URL, E2E_GRAPH_TOKEN), so the objects "azuread" creates live in the same fake
// the dynamic providers talk to. What terraform-provider-azuread does beyond that (consistency
// polling, retries, every other attribute) is not modelled; see tools/pulumi-cli/README.md.
import { main, type Provider } from "@pulumi/pulumi/provider";
import {
  GUID,
  Graph,
  GraphCallError,
  changedInputs,
  containsUnknown,
  log,
  nameOf,
  odataString,
  reveal,
  secret,
  typeOf,
} from "./common";

const PLUGIN = "azuread";
/** The version @pulumi/azuread asks the engine for (its package.json "pulumi.version"). */
const VERSION = process.env.E2E_AZUREAD_VERSION ?? "6.9.1";

const T = {
  app: "azuread:index/applicationFromTemplate:ApplicationFromTemplate",
  assignment: "azuread:index/appRoleAssignment:AppRoleAssignment",
  job: "azuread:index/synchronizationJob:SynchronizationJob",
  secret: "azuread:index/synchronizationSecret:SynchronizationSecret",
  onDemand: "azuread:index/synchronizationJobProvisionOnDemand:SynchronizationJobProvisionOnDemand",
} as const;

const F = {
  template: "azuread:index/getApplicationTemplate:getApplicationTemplate",
  servicePrincipal: "azuread:index/getServicePrincipal:getServicePrincipal",
  user: "azuread:index/getUser:getUser",
  group: "azuread:index/getGroup:getGroup",
} as const;

type Props = Record<string, unknown>;

interface ResourceSpec {
  /** Input properties the diff compares. */
  inputs: readonly string[];
  /** ForceNew in terraform-provider-azuread: a change replaces the resource. */
  replaceOn: readonly string[];
  check(news: Props): { property: string; reason: string }[];
  create(news: Props, urn: string): Promise<{ id: string; outs: Props }>;
  /** undefined: the object is gone (the engine drops it from the state). */
  read(id: string, props: Props): Promise<Props | undefined>;
  update?(id: string, olds: Props, news: Props): Promise<Props>;
  delete(id: string, props: Props): Promise<void>;
}

let graphClient: Graph | undefined;
const graph = () => (graphClient ??= Graph.fromEnv(PLUGIN));

const SP_RESOURCE_ID = /^\/servicePrincipals\/([0-9a-f-]{36})$/i;

/** terraform-provider-azuread's ValidateServicePrincipalID: "/servicePrincipals/{objectId}". */
function spResourceIdProblem(property: string, v: unknown): { property: string; reason: string }[] {
  if (v === undefined || containsUnknown(v)) return [];
  if (typeof v !== "string" || !SP_RESOURCE_ID.test(v)) {
    return [
      {
        property,
        reason: `parsing ${JSON.stringify(v)}: expected a service principal resource ID like "/servicePrincipals/00000000-0000-0000-0000-000000000000"`,
      },
    ];
  }
  return [];
}

function guidProblem(property: string, v: unknown): { property: string; reason: string }[] {
  if (containsUnknown(v)) return [];
  if (typeof v !== "string" || !GUID.test(v)) {
    return [
      { property, reason: `expected ${property} to be a valid UUID, got ${JSON.stringify(v)}` },
    ];
  }
  return [];
}

function required(property: string, v: unknown): { property: string; reason: string }[] {
  return v === undefined || v === null || v === ""
    ? [{ property, reason: `Missing required argument: The argument "${property}" is required.` }]
    : [];
}

const spObjectId = (resourceId: string) => SP_RESOURCE_ID.exec(resourceId)![1].toLowerCase();

async function gone<T>(p: Promise<T>): Promise<T | undefined> {
  try {
    return await p;
  } catch (err) {
    if (err instanceof GraphCallError && err.status === 404) return undefined;
    throw err;
  }
}

// ---- resources -------------------------------------------------------------------------------------

interface Instantiated {
  application: { id: string; appId: string; displayName: string };
  servicePrincipal: { id: string; appId: string; displayName: string };
}

/** id "/applicationTemplates/{templateId}/instantiate/{applicationObjectId}/{servicePrincipalObjectId}"
 *  (parse.NewFromTemplateID; the import format in the typings). */
const FROM_TEMPLATE_ID =
  /^\/applicationTemplates\/([^/]+)\/instantiate\/([0-9a-f-]{36})\/([0-9a-f-]{36})$/i;

function appOutputs(
  templateId: string,
  appObjectId: string,
  spId: string,
  displayName: string,
): Props {
  return {
    templateId,
    displayName,
    applicationId: `/applications/${appObjectId}`,
    applicationObjectId: appObjectId,
    servicePrincipalId: `/servicePrincipals/${spId}`,
    servicePrincipalObjectId: spId,
  };
}

const applicationFromTemplate: ResourceSpec = {
  inputs: ["displayName", "templateId"],
  replaceOn: ["templateId"],
  check: (n) => [
    ...required("displayName", n.displayName),
    ...required("templateId", n.templateId),
    ...(n.templateId === undefined ? [] : guidProblem("templateId", n.templateId)),
  ],
  async create(n) {
    const templateId = String(n.templateId);
    const { body } = await graph().call<Instantiated>(
      "POST",
      `/applicationTemplates/${encodeURIComponent(templateId)}/instantiate`,
      { displayName: n.displayName },
    );
    const appObjectId = body.application.id;
    const spId = body.servicePrincipal.id;
    return {
      id: `/applicationTemplates/${templateId}/instantiate/${appObjectId}/${spId}`,
      outs: appOutputs(templateId, appObjectId, spId, body.application.displayName),
    };
  },
  async read(id) {
    const m = FROM_TEMPLATE_ID.exec(id);
    if (!m) throw new Error(`parsing ApplicationFromTemplate ID ${JSON.stringify(id)}`);
    const app = await gone(graph().call<{ displayName: string }>("GET", `/applications/${m[2]}`));
    if (!app) return undefined;
    return appOutputs(m[1], m[2], m[3], app.body.displayName);
  },
  async update(id, _olds, news) {
    // The provider PATCHes /applications/{id} with the new displayName. The Graph fake has no PATCH
    // on applications, so the stand-in refuses rather than pretend.
    throw new Error(
      `azuread stand-in: renaming ${id} to ${JSON.stringify(news.displayName)} (PATCH /applications/{id}) is not implemented by the Graph fake`,
    );
  },
  async delete(id) {
    const m = FROM_TEMPLATE_ID.exec(id);
    if (!m) throw new Error(`parsing ApplicationFromTemplate ID ${JSON.stringify(id)}`);
    await graph().call("DELETE", `/applications/${m[2]}`, undefined, [404]);
  },
};

interface GraphAssignment {
  id: string;
  appRoleId: string;
  principalDisplayName: string | null;
  principalId: string;
  principalType: string;
  resourceDisplayName: string | null;
  resourceId: string;
}

const ASSIGNMENT_ID = /^\/servicePrincipals\/([0-9a-f-]{36})\/appRoleAssignedTo\/([^/]+)$/i;

function assignmentOutputs(a: GraphAssignment): Props {
  return {
    appRoleId: a.appRoleId,
    principalObjectId: a.principalId,
    resourceObjectId: a.resourceId,
    principalDisplayName: a.principalDisplayName ?? "",
    principalType: a.principalType,
    resourceDisplayName: a.resourceDisplayName ?? "",
  };
}

const appRoleAssignment: ResourceSpec = {
  inputs: ["appRoleId", "principalObjectId", "resourceObjectId"],
  replaceOn: ["appRoleId", "principalObjectId", "resourceObjectId"],
  check: (n) => [
    ...guidProblem("appRoleId", n.appRoleId),
    ...guidProblem("principalObjectId", n.principalObjectId),
    ...guidProblem("resourceObjectId", n.resourceObjectId),
  ],
  async create(n) {
    const resource = String(n.resourceObjectId).toLowerCase();
    const { body } = await graph().call<GraphAssignment>(
      "POST",
      `/servicePrincipals/${resource}/appRoleAssignedTo`,
      { principalId: n.principalObjectId, resourceId: resource, appRoleId: n.appRoleId },
    );
    return {
      id: `/servicePrincipals/${resource}/appRoleAssignedTo/${body.id}`,
      outs: assignmentOutputs(body),
    };
  },
  async read(id) {
    const m = ASSIGNMENT_ID.exec(id);
    if (!m) throw new Error(`parsing AppRoleAssignment ID ${JSON.stringify(id)}`);
    const list = await gone(
      graph().call<{ value: GraphAssignment[] }>(
        "GET",
        `/servicePrincipals/${m[1]}/appRoleAssignedTo`,
      ),
    );
    const a = list?.body.value.find((x) => x.id === m[2]);
    return a ? assignmentOutputs(a) : undefined;
  },
  async delete(id) {
    const m = ASSIGNMENT_ID.exec(id);
    if (!m) throw new Error(`parsing AppRoleAssignment ID ${JSON.stringify(id)}`);
    await graph().call(
      "DELETE",
      `/servicePrincipals/${m[1]}/appRoleAssignedTo/${encodeURIComponent(m[2])}`,
      undefined,
      [404],
    );
  },
};

interface GraphJob {
  id: string;
  templateId: string;
  schedule?: { expiration?: string | null; interval?: string; state?: string };
}

const JOB_ID = /^\/servicePrincipals\/([0-9a-f-]{36})\/synchronization\/jobs\/([^/]+)$/i;

function jobOutputs(spId: string, job: GraphJob): Props {
  const s = job.schedule ?? {};
  return {
    servicePrincipalId: `/servicePrincipals/${spId}`,
    templateId: job.templateId,
    // flattenSynchronizationSchedule: one entry; enabled is schedule.state == Active.
    enabled: s.state === "Active",
    schedules: [
      { expiration: s.expiration ?? "", interval: s.interval ?? "", state: s.state ?? "" },
    ],
  };
}

function jobPath(id: string): { spId: string; path: string } {
  const m = JOB_ID.exec(id);
  if (!m) throw new Error(`parsing SynchronizationJob ID ${JSON.stringify(id)}`);
  return {
    spId: m[1].toLowerCase(),
    path: `/servicePrincipals/${m[1]}/synchronization/jobs/${encodeURIComponent(m[2])}`,
  };
}

const synchronizationJob: ResourceSpec = {
  inputs: ["servicePrincipalId", "templateId", "enabled"],
  replaceOn: ["servicePrincipalId", "templateId"],
  check: (n) => [
    ...required("servicePrincipalId", n.servicePrincipalId),
    ...spResourceIdProblem("servicePrincipalId", n.servicePrincipalId),
    ...required("templateId", n.templateId),
  ],
  async create(n) {
    const spId = spObjectId(String(n.servicePrincipalId));
    await graph().call("GET", `/servicePrincipals/${spId}`);
    const { body } = await graph().call<GraphJob>(
      "POST",
      `/servicePrincipals/${spId}/synchronization/jobs`,
      {
        templateId: n.templateId,
      },
    );
    const id = `/servicePrincipals/${spId}/synchronization/jobs/${body.id}`;
    // enabled defaults to true in the provider's schema.
    if (n.enabled !== false) await graph().call("POST", `${jobPath(id).path}/start`);
    const job = await graph().call<GraphJob>("GET", jobPath(id).path);
    return { id, outs: jobOutputs(spId, job.body) };
  },
  async read(id) {
    const { spId, path } = jobPath(id);
    const job = await gone(graph().call<GraphJob>("GET", path));
    return job ? jobOutputs(spId, job.body) : undefined;
  },
  async update(id, olds, news) {
    const { spId, path } = jobPath(id);
    const want = news.enabled !== false;
    if (want !== (olds.enabled !== false)) {
      await graph().call("POST", `${path}/${want ? "start" : "pause"}`);
    }
    return jobOutputs(spId, (await graph().call<GraphJob>("GET", path)).body);
  },
  async delete(id) {
    await graph().call("DELETE", jobPath(id).path, undefined, [404]);
  },
};

type Pair = { key: string; value: string };

/** Outputs as the bridge marks them: credentials[].value is Sensitive, so each value is a secret. */
function secretOutputs(spResourceId: string, credentials: Pair[]): Props {
  return {
    servicePrincipalId: spResourceId,
    credentials: credentials.map((c) => ({ key: c.key, value: secret(c.value) })),
  };
}

function pairs(v: unknown): Pair[] {
  return ((reveal(v) as Pair[] | undefined) ?? []).map((c) => ({
    key: String(c.key),
    value: String(c.value ?? ""),
  }));
}

const synchronizationSecret: ResourceSpec = {
  inputs: ["servicePrincipalId", "credentials"],
  replaceOn: ["servicePrincipalId"],
  check: (n) => [
    ...required("servicePrincipalId", n.servicePrincipalId),
    ...spResourceIdProblem("servicePrincipalId", n.servicePrincipalId),
  ],
  async create(n) {
    const spResourceId = `/servicePrincipals/${spObjectId(String(n.servicePrincipalId))}`;
    const credentials = pairs(n.credentials);
    // SetSynchronizationSecret: PUT {value: [...]} with the declared pairs. Graph's PUT replaces
    // the whole set, so these are all the keys the service principal holds afterwards.
    await graph().call("PUT", `${spResourceId}/synchronization/secrets`, { value: credentials });
    return { id: spResourceId, outs: secretOutputs(spResourceId, credentials) };
  },
  async read(id, props) {
    const list = await gone(
      graph().call<{ value: Pair[] }>("GET", `${id}/synchronization/secrets`),
    );
    if (!list) return undefined;
    // flattenSynchronizationSecretKeyStringValuePair: every key Graph lists; a masked "*" takes the
    // value from the state.
    const current = pairs(props.credentials);
    const live = list.body.value.map((p) => {
      const value = String(p.value ?? "");
      const kept = current.find((c) => c.key === p.key);
      return { key: p.key, value: value === "*" && kept ? kept.value : value };
    });
    return secretOutputs(id, live);
  },
  async update(id, _olds, news) {
    const credentials = pairs(news.credentials);
    await graph().call("PUT", `${id}/synchronization/secrets`, { value: credentials });
    return secretOutputs(id, credentials);
  },
  async delete(id, props) {
    // "We delete secrets by setting values to empty strings": PUT the same keys with "".
    const emptied = pairs(props.credentials).map((c) => ({ key: c.key, value: "" }));
    await graph().call("PUT", `${id}/synchronization/secrets`, { value: emptied }, [404]);
  },
};

const provisionOnDemand: ResourceSpec = {
  inputs: ["servicePrincipalId", "synchronizationJobId", "parameters", "triggers"],
  replaceOn: ["servicePrincipalId", "synchronizationJobId", "parameters", "triggers"],
  check: (n) => [
    ...spResourceIdProblem("servicePrincipalId", n.servicePrincipalId),
    ...required("synchronizationJobId", n.synchronizationJobId),
  ],
  async create(n) {
    const spId = spObjectId(String(n.servicePrincipalId));
    const parameters =
      (reveal(n.parameters) as {
        ruleId: string;
        subjects: { objectId: string; objectTypeName: string }[];
      }[]) ?? [];
    await graph().call(
      "POST",
      `/servicePrincipals/${spId}/synchronization/jobs/${encodeURIComponent(String(n.synchronizationJobId))}/provisionOnDemand`,
      { parameters: parameters.map((p) => ({ ruleId: p.ruleId, subjects: p.subjects })) },
    );
    return { id: new Date().toISOString(), outs: { ...(reveal(n) as Props) } };
  },
  async read(_id, props) {
    return props;
  },
  async delete() {
    // An action: nothing to remove.
  },
};

const RESOURCES: Record<string, ResourceSpec> = {
  [T.app]: applicationFromTemplate,
  [T.assignment]: appRoleAssignment,
  [T.job]: synchronizationJob,
  [T.secret]: synchronizationSecret,
  [T.onDemand]: provisionOnDemand,
};

function spec(urn: string): ResourceSpec {
  const s = RESOURCES[typeOf(urn)];
  if (!s) {
    throw new Error(
      `azuread stand-in: resource type ${typeOf(urn)} is not implemented (it answers ${Object.keys(RESOURCES).join(", ")})`,
    );
  }
  return s;
}

/** The inputs to store after a read: the declared inputs taken from the refreshed outputs. */
function inputsOf(s: ResourceSpec, outs: Props): Props {
  return Object.fromEntries(s.inputs.filter((k) => outs[k] !== undefined).map((k) => [k, outs[k]]));
}

// ---- data sources -------------------------------------------------------------------------------------

interface GraphRole {
  allowedMemberTypes?: string[];
  description?: string | null;
  displayName?: string | null;
  id: string;
  isEnabled?: boolean;
  value?: string | null;
}

async function invoke(token: string, args: Props): Promise<Props> {
  switch (token) {
    case F.template: {
      let t: Props;
      if (typeof args.templateId === "string" && args.templateId !== "") {
        t = (
          await graph().call<Props>(
            "GET",
            `/applicationTemplates/${encodeURIComponent(args.templateId)}`,
          )
        ).body;
      } else {
        const displayName = String(args.displayName ?? "");
        const filter = `displayName eq ${odataString(displayName)}`;
        const { body } = await graph().call<{ value: Props[] }>(
          "GET",
          `/applicationTemplates?$filter=${encodeURIComponent(filter)}`,
        );
        if (body.value.length === 0) {
          throw new Error(
            `Application template not found: no application templates found matching filter: "${filter}"`,
          );
        }
        if (body.value.length > 1) {
          throw new Error(
            `Multiple application templates found: found multiple application templates matching filter: "${filter}"`,
          );
        }
        t = body.value[0];
      }
      return {
        id: t.id,
        templateId: t.id,
        displayName: t.displayName ?? "",
        categories: t.categories ?? [],
        homepageUrl: t.homePageUrl ?? "",
        logoUrl: t.logoUrl ?? "",
        publisher: t.publisher ?? "",
        supportedProvisioningTypes: t.supportedProvisioningTypes ?? [],
        supportedSingleSignOnModes: t.supportedSingleSignOnModes ?? [],
      };
    }
    case F.servicePrincipal: {
      let sp: Props;
      if (typeof args.objectId === "string" && args.objectId !== "") {
        sp = (
          await graph().call<Props>(
            "GET",
            `/servicePrincipals/${encodeURIComponent(args.objectId)}`,
          )
        ).body;
      } else {
        const [field, value] =
          typeof args.clientId === "string" && args.clientId !== ""
            ? ["appId", args.clientId]
            : ["displayName", String(args.displayName ?? "")];
        const filter = `${field} eq ${odataString(value)}`;
        const { body } = await graph().call<{ value: Props[] }>(
          "GET",
          `/servicePrincipals?$filter=${encodeURIComponent(filter)}`,
        );
        if (body.value.length !== 1) {
          throw new Error(
            `Found ${body.value.length} service principals matching filter: "${filter}"; expected exactly one`,
          );
        }
        sp = body.value[0];
      }
      const roles = ((sp.appRoles as GraphRole[] | undefined) ?? []).map((r) => ({
        allowedMemberTypes: r.allowedMemberTypes ?? [],
        description: r.description ?? "",
        displayName: r.displayName ?? "",
        enabled: r.isEnabled ?? false,
        id: r.id,
        value: r.value ?? "",
      }));
      return {
        id: sp.id,
        objectId: sp.id,
        clientId: sp.appId,
        displayName: sp.displayName ?? "",
        accountEnabled: sp.accountEnabled ?? true,
        alternativeNames: sp.alternativeNames ?? [],
        appRoleAssignmentRequired: sp.appRoleAssignmentRequired ?? false,
        appRoles: roles,
        appRoleIds: Object.fromEntries(
          roles.filter((r) => r.value !== "").map((r) => [r.value, r.id]),
        ),
        applicationTenantId: sp.appOwnerOrganizationId ?? "",
        description: "",
        featureTags: [],
        features: [],
        homepageUrl: sp.homepage ?? "",
        loginUrl: sp.loginUrl ?? "",
        logoutUrl: sp.logoutUrl ?? "",
        notes: "",
        notificationEmailAddresses: sp.notificationEmailAddresses ?? [],
        oauth2PermissionScopeIds: {},
        oauth2PermissionScopes: [],
        preferredSingleSignOnMode: sp.preferredSingleSignOnMode ?? "",
        redirectUris: sp.replyUrls ?? [],
        samlMetadataUrl: "",
        samlSingleSignOns: [],
        servicePrincipalNames: sp.servicePrincipalNames ?? [],
        signInAudience: "",
        tags: sp.tags ?? [],
        type: sp.servicePrincipalType ?? "",
      };
    }
    case F.user: {
      const [field, value] = (
        [
          ["userPrincipalName", args.userPrincipalName],
          ["mail", args.mail],
          ["mailNickname", args.mailNickname],
          ["employeeId", args.employeeId],
        ] as const
      ).find(([, v]) => typeof v === "string" && v !== "") ?? ["", ""];
      let u: Props | undefined;
      if (typeof args.objectId === "string" && args.objectId !== "") {
        u = (await gone(graph().call<Props>("GET", `/users/${encodeURIComponent(args.objectId)}`)))
          ?.body;
      } else if (field) {
        const filter = `${field} eq ${odataString(String(value))}`;
        const { body } = await graph().call<{ value: Props[] }>(
          "GET",
          `/users?$filter=${encodeURIComponent(filter)}`,
        );
        if (body.value.length > 1)
          throw new Error(`User not found: more than one user matched filter: "${filter}"`);
        u = body.value[0];
      }
      if (!u) {
        throw new Error(
          `User not found with ${field || "object ID"}: ${JSON.stringify(value || args.objectId)}`,
        );
      }
      return {
        id: u.id,
        objectId: u.id,
        userPrincipalName: u.userPrincipalName ?? "",
        displayName: u.displayName ?? "",
        givenName: u.givenName ?? "",
        surname: u.surname ?? "",
        mail: u.mail ?? "",
        mailNickname: u.mailNickname ?? "",
        accountEnabled: u.accountEnabled ?? true,
        userType: u.userType ?? "Member",
        businessPhones: u.businessPhones ?? [],
        otherMails: [],
        proxyAddresses: [],
        imAddresses: [],
      };
    }
    case F.group: {
      let g: Props | undefined;
      if (typeof args.objectId === "string" && args.objectId !== "") {
        g = (await gone(graph().call<Props>("GET", `/groups/${encodeURIComponent(args.objectId)}`)))
          ?.body;
      } else {
        const filter = `displayName eq ${odataString(String(args.displayName ?? ""))}`;
        const { body } = await graph().call<{ value: Props[] }>(
          "GET",
          `/groups?$filter=${encodeURIComponent(filter)}`,
        );
        if (body.value.length > 1) {
          throw new Error(
            `More than one group found with display name: ${JSON.stringify(args.displayName)}`,
          );
        }
        g = body.value[0];
      }
      if (!g) {
        throw new Error(
          `No group found with display name: ${JSON.stringify(args.displayName ?? args.objectId)}`,
        );
      }
      return {
        id: g.id,
        objectId: g.id,
        displayName: g.displayName ?? "",
        description: g.description ?? "",
        mailNickname: g.mailNickname ?? "",
        mail: g.mail ?? "",
        mailEnabled: g.mailEnabled ?? false,
        securityEnabled: g.securityEnabled ?? true,
        types: g.groupTypes ?? [],
        members: [],
        owners: [],
        behaviors: [],
        provisioningOptions: [],
        proxyAddresses: [],
        visibility: g.visibility ?? "",
      };
    }
    default:
      throw new Error(
        `azuread stand-in: unsupported invoke ${token} (it answers ${Object.values(F).join(", ")})`,
      );
  }
}

// ---- the plugin -----------------------------------------------------------------------------------------

const provider: Provider = {
  version: VERSION,

  async check(urn, _olds, news) {
    const s = spec(urn);
    const failures = s.check(news as Props);
    log(
      PLUGIN,
      `check ${nameOf(urn)}${failures.length ? ` failures=${JSON.stringify(failures)}` : ""}`,
    );
    return { inputs: news, failures };
  },

  async diff(_id, urn, olds, news) {
    const s = spec(urn);
    const changed = changedInputs(olds as Props, news as Props, s.inputs);
    const replaces = changed.filter((k) => s.replaceOn.includes(k));
    log(
      PLUGIN,
      `diff ${nameOf(urn)} changed=[${changed.join(",")}] replaces=[${replaces.join(",")}]`,
    );
    return { changes: changed.length > 0, replaces };
  },

  async create(urn, inputs) {
    const s = spec(urn);
    const r = await s.create(inputs as Props, urn);
    log(PLUGIN, `create ${nameOf(urn)} -> ${r.id}`);
    return r;
  },

  async read(id, urn, props) {
    const s = spec(urn);
    const outs = await s.read(id, (props ?? {}) as Props);
    log(PLUGIN, `read ${nameOf(urn)} ${id}${outs ? "" : " (gone)"}`);
    if (!outs) return { id: "", props: {} };
    return { id, props: outs, inputs: inputsOf(s, outs) };
  },

  async update(id, urn, olds, news) {
    const s = spec(urn);
    if (!s.update)
      throw new Error(`azuread stand-in: ${typeOf(urn)} has no update (every input replaces)`);
    const outs = await s.update(id, olds as Props, news as Props);
    log(PLUGIN, `update ${nameOf(urn)} ${id}`);
    return { outs };
  },

  async delete(id, urn, props) {
    await spec(urn).delete(id, (props ?? {}) as Props);
    log(PLUGIN, `delete ${nameOf(urn)} ${id}`);
  },

  async invoke(token, inputs) {
    const args = reveal(inputs ?? {}) as Props;
    if (containsUnknown(args)) return { outputs: {} };
    const outputs = await invoke(token, args);
    log(PLUGIN, `invoke ${token} ${JSON.stringify(args)}`);
    return { outputs };
  },
};

main(provider, process.argv.slice(2)).catch((err: unknown) => {
  log(PLUGIN, `fatal: ${(err as Error).stack ?? String(err)}`);
  process.exit(1);
});
