// Template discovery: which synchronization template the provisioning job is created from. Microsoft
// publishes no template id for the GoTo apps, so it is read from the instantiated service principal
// instead of being hard-coded (and the retired GoToMeeting connector shows up as "no template").
import type * as pulumi from "@pulumi/pulumi";
import type * as MSGraph from "@microsoft/microsoft-graph-types";
import { GraphSettings, graphSettingsFromConfig } from "../../lib/graph";
import { redactingProvider } from "../../lib/redact";
import {
  REPLICATION_GRACE_MS,
  changedKeys,
  graphClient,
  sameValue,
  synchronizationPath,
  withReplicationHint,
} from "../graphResource";
import {
  type SynchronizationTemplateInputs,
  type SynchronizationTemplateOutputs,
  checkSynchronizationTemplateInputs,
  credentialProblem,
  inputsOf,
  listingProblem,
  noTemplateMessage,
  pickTemplate,
} from "./templates";

const state: { settings?: GraphSettings } = {};

type Templates = { value: MSGraph.SynchronizationTemplate[] };

export const synchronizationTemplateProvider: pulumi.dynamic.ResourceProvider<
  SynchronizationTemplateInputs,
  SynchronizationTemplateOutputs
> = redactingProvider({
  async configure(req: pulumi.dynamic.ConfigureRequest) {
    state.settings = graphSettingsFromConfig((k) => req.config.get(k));
  },

  async check(_olds: SynchronizationTemplateInputs, news: SynchronizationTemplateInputs) {
    const failures = checkSynchronizationTemplateInputs(news);
    return { inputs: news, failures };
  },

  async diff(
    _id: string,
    olds: SynchronizationTemplateOutputs,
    news: SynchronizationTemplateInputs,
  ) {
    // Discovery has nothing to update in place: any new input means a different app to look at.
    const replaces = changedKeys(olds, news, ["servicePrincipalId", "connector", "galleryApp"]);
    if ((olds.preferredTemplateId || undefined) !== (news.preferredTemplateId || undefined)) {
      replaces.push("preferredTemplateId");
    }
    // New credential keys are checked again against the template (no Graph object changes).
    const keysChanged = !sameValue(olds.credentialKeys ?? [], news.credentialKeys ?? []);
    return { changes: replaces.length > 0 || keysChanged, replaces };
  },

  async create(inputs: SynchronizationTemplateInputs) {
    const outs = await discover(inputs, true);
    return { id: `${inputs.servicePrincipalId}/${outs.templateId}`, outs };
  },

  async update(
    _id: string,
    olds: SynchronizationTemplateOutputs,
    news: SynchronizationTemplateInputs,
  ) {
    // Only credentialKeys changed (anything else replaces): keep the chosen template, check again.
    const problem = credentialProblem(olds, news);
    if (problem) throw new Error(problem);
    return { outs: { ...olds, ...inputsOf(news) } };
  },

  async read(id: string, props?: SynchronizationTemplateOutputs) {
    const graph = graphClient(state.settings, "SynchronizationTemplate");
    const old = props!;
    const { status, body } = await graph.call<Templates>(
      "GET",
      `${synchronizationPath(old.servicePrincipalId)}/templates`,
      undefined,
      { accept: [404], validate: listingProblem },
    );
    if (status === 404) return { id: "" };
    const templates = body.value;
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
});

async function discover(
  inputs: SynchronizationTemplateInputs,
  afterCreate: boolean,
): Promise<SynchronizationTemplateOutputs> {
  const graph = graphClient(state.settings, "SynchronizationTemplate");
  // The service principal was usually instantiated moments ago by azuread.ApplicationFromTemplate;
  // until Entra has replicated it, its synchronization answers 404, 401, 403 or 409 (F5).
  const { body } = await withReplicationHint(
    graph.call<Templates>(
      "GET",
      `${synchronizationPath(inputs.servicePrincipalId)}/templates`,
      undefined,
      {
        replicationGraceMs: afterCreate ? REPLICATION_GRACE_MS : 0,
        validate: listingProblem,
      },
    ),
  );
  const choice = pickTemplate(body.value, inputs.preferredTemplateId || undefined);
  if (!choice) throw new Error(noTemplateMessage(inputs.connector, inputs.galleryApp));
  const problem = credentialProblem(choice, inputs);
  if (problem) throw new Error(problem);
  return { ...inputsOf(inputs), ...choice };
}
