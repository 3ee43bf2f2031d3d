// Template discovery: which synchronization template the provisioning job is created from. Microsoft
// publishes no template id for the GoTo apps, so it is read from the instantiated service principal
// instead of being hard-coded (and the retired GoToMeeting connector shows up as "no template").
import * as pulumi from "@pulumi/pulumi";
import type * as MSGraph from "@microsoft/microsoft-graph-types";
import { GraphSettings, graphSettingsFromConfig } from "../lib/graph";
import {
  Connector,
  REPLICATION_GRACE_MS,
  UNKNOWN,
  changedKeys,
  checkConnector,
  checkServicePrincipalId,
  graphClient,
  quoteValue,
  withReplicationHint,
} from "./syncResourceSupport";
import { providerShim } from "../lib/providerShim";

export interface SynchronizationTemplateArgs {
  /** Object id (GUID) of the gallery app's service principal. */
  servicePrincipalId: pulumi.Input<string>;
  /** "gotomeeting" (legacy gallery app) or "goto" (its successor); only shapes the error messages. */
  connector: pulumi.Input<Connector>;
  /** Display name of the gallery app, for messages (e.g. "GoToMeeting"). */
  galleryApp: pulumi.Input<string>;
  /** Stack config `synchronizationTemplateId`: used as given instead of the discovered template (an
   *  escape hatch, e.g. for a template Microsoft support enabled). Default: discover. */
  preferredTemplateId?: pulumi.Input<string | undefined>;
}

export interface SynchronizationTemplateInputs {
  servicePrincipalId: string;
  connector: Connector;
  galleryApp: string;
  preferredTemplateId?: string;
}

export interface SynchronizationTemplateOutputs extends SynchronizationTemplateInputs {
  /** The template the job is created from (`templateId` of azuread.SynchronizationJob). */
  templateId: string;
  /** The template's factory tag: which engine implementation Entra uses for it. */
  factoryTag: string;
  /** Every template id the app offers, sorted; the choice among several is explained by `default`. */
  candidates: string[];
  /** Id of the template's rule that provisions Entra users (provisionOnDemand's ruleId); "" if none. */
  userRuleId: string;
}

export interface TemplateChoice {
  templateId: string;
  factoryTag: string;
  candidates: string[];
  userRuleId: string;
}

/** The preferred template when one is given (listed or not: it is an override), else the one
 *  marked `default: true`, else the first by id; undefined when there is nothing to choose. */
export function pickTemplate(
  templates: readonly MSGraph.SynchronizationTemplate[],
  preferredTemplateId?: string,
): TemplateChoice | undefined {
  const sorted = templates
    .filter((t) => typeof t.id === "string" && t.id !== "")
    .sort((a, b) => (a.id! < b.id! ? -1 : a.id! > b.id! ? 1 : 0));
  const candidates = sorted.map((t) => t.id!);
  if (preferredTemplateId) {
    const listed = sorted.find((t) => t.id === preferredTemplateId);
    return {
      templateId: preferredTemplateId,
      factoryTag: listed?.factoryTag ?? "",
      candidates,
      userRuleId: listed ? userRuleIdOf(listed) : "",
    };
  }
  if (sorted.length === 0) return undefined;
  const chosen = sorted.find((t) => t.default === true) ?? sorted[0];
  return {
    templateId: chosen.id!,
    factoryTag: chosen.factoryTag ?? "",
    candidates,
    userRuleId: userRuleIdOf(chosen),
  };
}

/** The rule whose object mappings flow Entra users: its id is what provisionOnDemand asks for. */
export function userRuleIdOf(template: MSGraph.SynchronizationTemplate): string {
  const rules = template.schema?.synchronizationRules ?? [];
  const rule = rules.find(
    (r) =>
      r.sourceDirectoryName === "Azure Active Directory" &&
      (r.objectMappings ?? []).some((m) => m.sourceObjectName === "User"),
  );
  return rule?.id ?? "";
}

export function noTemplateMessage(connector: Connector, galleryApp: string): string {
  if (connector === "gotomeeting") {
    return (
      `The "${galleryApp}" gallery app offers no provisioning template (Microsoft retired GoToMeeting's ` +
      'provisioning connector). Set connector: goto (pulumi config set connector goto) to use the "GoTo" ' +
      "gallery app, or set synchronizationTemplateId if Microsoft support gave you one."
    );
  }
  return (
    `The "${galleryApp}" gallery app offers no provisioning template. Check that galleryApp names the ` +
    'gallery app "GoTo" (the one with automatic provisioning), or set synchronizationTemplateId if ' +
    "Microsoft support gave you one."
  );
}

export function checkSynchronizationTemplateInputs(news: Partial<SynchronizationTemplateInputs>) {
  const failures: pulumi.dynamic.CheckFailure[] = [];
  checkServicePrincipalId(news.servicePrincipalId, failures);
  checkConnector(news.connector, failures);
  const app: unknown = news.galleryApp;
  if (app !== UNKNOWN && (typeof app !== "string" || app.trim() === "")) {
    failures.push({
      property: "galleryApp",
      reason: `galleryApp must be the gallery app's display name, e.g. "GoTo"; got ${quoteValue(app)}.`,
    });
  }
  const preferred: unknown = news.preferredTemplateId;
  if (
    preferred !== UNKNOWN &&
    preferred !== undefined &&
    preferred !== null &&
    (typeof preferred !== "string" || (preferred !== "" && !/^[A-Za-z0-9_.-]+$/.test(preferred)))
  ) {
    failures.push({
      property: "preferredTemplateId",
      reason:
        `preferredTemplateId must be a synchronization template id such as "GoTo" (letters, digits, . _ -); ` +
        `got ${quoteValue(preferred)}. Fix: pulumi config set synchronizationTemplateId <id>, or remove it.`,
    });
  }
  return failures;
}

const state: { settings?: GraphSettings } = {};

type Templates = { value?: MSGraph.SynchronizationTemplate[] };

export const synchronizationTemplateProvider: pulumi.dynamic.ResourceProvider<
  SynchronizationTemplateInputs,
  SynchronizationTemplateOutputs
> = {
  async configure(req) {
    state.settings = graphSettingsFromConfig((k) => req.config.get(k));
  },

  async check(_olds, news) {
    const failures = checkSynchronizationTemplateInputs(news);
    return { inputs: news, failures };
  },

  async diff(_id, olds, news) {
    // Discovery has nothing to update in place: any new input means a different app to look at.
    const replaces = changedKeys(olds, news, ["servicePrincipalId", "connector", "galleryApp"]);
    if ((olds.preferredTemplateId || undefined) !== (news.preferredTemplateId || undefined)) {
      replaces.push("preferredTemplateId");
    }
    return { changes: replaces.length > 0, replaces };
  },

  async create(inputs) {
    const graph = graphClient(state.settings, "SynchronizationTemplate");
    // The service principal was usually instantiated moments ago by azuread.ApplicationFromTemplate;
    // until Entra has replicated it, its synchronization answers 404 (a few minutes at most).
    const { body } = await withReplicationHint(
      graph.call<Templates>(
        "GET",
        `/servicePrincipals/${inputs.servicePrincipalId}/synchronization/templates`,
        undefined,
        { notFoundGraceMs: REPLICATION_GRACE_MS },
      ),
    );
    const choice = pickTemplate(body.value ?? [], inputs.preferredTemplateId || undefined);
    if (!choice) throw new Error(noTemplateMessage(inputs.connector, inputs.galleryApp));
    return {
      id: `${inputs.servicePrincipalId}/${choice.templateId}`,
      outs: { ...inputsOf(inputs), ...choice },
    };
  },

  async read(id, props) {
    const graph = graphClient(state.settings, "SynchronizationTemplate");
    const old = props!;
    const { status, body } = await graph.call<Templates>(
      "GET",
      `/servicePrincipals/${old.servicePrincipalId}/synchronization/templates`,
      undefined,
      { accept: [404] },
    );
    if (status === 404) return { id: "" };
    const templates = body.value ?? [];
    const current = templates.find((t) => t.id === old.templateId);
    // The chosen template is kept even if another became the default: switching would replace the
    // job (templateId forces a new one). A discovered template that is gone, however, is reported as
    // a missing resource, so the next up rediscovers and fails with the "no template" explanation.
    // An override is the user's word and is kept whether listed or not.
    const overridden = !!old.preferredTemplateId && old.preferredTemplateId === old.templateId;
    if (!current && !overridden) return { id: "" };
    const outs: SynchronizationTemplateOutputs = {
      ...inputsOf(old),
      ...pickTemplate(templates, old.templateId)!,
    };
    return { id, props: outs, inputs: inputsOf(old) as SynchronizationTemplateOutputs };
  },

  async delete() {
    // Discovery created nothing in Entra, so there is nothing to remove.
  },
};

function inputsOf(v: SynchronizationTemplateInputs): SynchronizationTemplateInputs {
  // The override is kept in the outputs: diff compares against old outputs, and read needs it.
  return {
    servicePrincipalId: v.servicePrincipalId,
    connector: v.connector,
    galleryApp: v.galleryApp,
    ...(v.preferredTemplateId ? { preferredTemplateId: v.preferredTemplateId } : {}),
  };
}

// Serialized into the state instead of synchronizationTemplateProvider itself (see lib/providerShim.ts).
const synchronizationTemplateShim = providerShim(
  synchronizationTemplateProvider,
  __filename,
  "synchronizationTemplateProvider",
);

/** The provisioning template of a gallery app's service principal, discovered at deploy time. */
export class SynchronizationTemplate extends pulumi.dynamic.Resource {
  declare readonly servicePrincipalId: pulumi.Output<string>;
  declare readonly connector: pulumi.Output<Connector>;
  declare readonly galleryApp: pulumi.Output<string>;
  declare readonly templateId: pulumi.Output<string>;
  declare readonly factoryTag: pulumi.Output<string>;
  declare readonly candidates: pulumi.Output<string[]>;
  declare readonly userRuleId: pulumi.Output<string>;

  constructor(
    name: string,
    args: SynchronizationTemplateArgs,
    opts?: pulumi.CustomResourceOptions,
  ) {
    super(
      synchronizationTemplateShim,
      name,
      {
        ...args,
        templateId: undefined,
        factoryTag: undefined,
        candidates: undefined,
        userRuleId: undefined,
      },
      opts,
      "gotomeeting",
      "SynchronizationTemplate",
    );
  }
}
