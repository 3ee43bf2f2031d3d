// Notification e-mail, deletion threshold and scope for the GoTo connector, written so that they can
// never erase the portal's OAuth authorization. Graph's secrets PUT replaces the whole set and its
// GET masks every sensitive value as "*", so once the portal's Authorize stored its tokens there is
// no way to write the settings and send the tokens back: this resource then refuses and says what
// to click instead (unless the live settings already match).
import type * as pulumi from "@pulumi/pulumi";
import type * as MSGraph from "@microsoft/microsoft-graph-types";
import { GraphSettings, graphSettingsFromConfig } from "../../lib/graph";
import { redactingProvider } from "../../lib/redact";
import {
  REPLICATION_GRACE_MS,
  changedKeys,
  graphClient,
  secretListProblem,
  withReplicationHint,
} from "../graphResource";
import { containsUnknown } from "../../model/unknown";
import {
  type GuardedSynchronizationSecretInputs,
  type GuardedSynchronizationSecretOutputs,
  type SecretSet,
  byHandMessage,
  checkGuardedSecretInputs,
  sameSettings,
  secretsPath,
  splitSecretSet,
} from "./settings";

const state: { settings?: GraphSettings } = {};

async function write(
  inputs: GuardedSynchronizationSecretInputs,
  afterCreate: boolean,
): Promise<GuardedSynchronizationSecretOutputs> {
  const graph = graphClient(state.settings, "GuardedSynchronizationSecret");
  const path = secretsPath(inputs.servicePrincipalId);
  const deadline = Date.now() + graph.retryBudgetMs;
  return graph.exclusive(inputs.servicePrincipalId, async () => {
    // The PUT below replaces the whole set, so it is decided only on a complete, well-formed read:
    // an unreadable or field-less answer is an error (retried), never "nothing stored".
    const { body } = await withReplicationHint(
      graph.call<SecretSet>("GET", path, undefined, {
        replicationGraceMs: afterCreate ? REPLICATION_GRACE_MS : 0,
        validate: secretListProblem,
        deadline,
      }),
    );
    const { managed, otherKeys } = splitSecretSet(body.value);
    const outs = {
      servicePrincipalId: inputs.servicePrincipalId,
      settings: inputs.settings,
      otherKeys,
    };
    if (sameSettings(managed, inputs.settings)) return outs;
    if (otherKeys.length > 0)
      throw new Error(byHandMessage(inputs.servicePrincipalId, otherKeys, inputs.settings));
    // Nothing else is stored, so replacing the set loses nothing. (An Authorize clicked between the
    // GET and this PUT would be lost; the write lock cannot cover the portal, the window is small.)
    const value: MSGraph.SynchronizationSecretKeyStringValuePair[] = inputs.settings.map((s) => ({
      key: s.key,
      value: s.value,
    }));
    await graph.call(
      "PUT",
      path,
      { value },
      {
        replicationGraceMs: afterCreate ? REPLICATION_GRACE_MS : 0,
        retryConflicts: true,
        deadline,
      },
    );
    return outs;
  });
}

export const guardedSynchronizationSecretProvider: pulumi.dynamic.ResourceProvider<
  GuardedSynchronizationSecretInputs,
  GuardedSynchronizationSecretOutputs
> = redactingProvider({
  async configure(req: pulumi.dynamic.ConfigureRequest) {
    state.settings = graphSettingsFromConfig((k) => req.config.get(k));
  },

  async check(_olds: GuardedSynchronizationSecretInputs, news: GuardedSynchronizationSecretInputs) {
    return { inputs: news, failures: checkGuardedSecretInputs(news) };
  },

  async diff(
    _id: string,
    olds: GuardedSynchronizationSecretOutputs,
    news: GuardedSynchronizationSecretInputs,
  ) {
    const replaces = changedKeys(olds, news, ["servicePrincipalId"]);
    const changes =
      replaces.length > 0 ||
      containsUnknown(news.settings) ||
      !sameSettings(olds.settings ?? [], news.settings);
    return { changes, replaces };
  },

  async create(inputs: GuardedSynchronizationSecretInputs) {
    return { id: `${inputs.servicePrincipalId}/settings`, outs: await write(inputs, true) };
  },

  async update(
    _id: string,
    _olds: GuardedSynchronizationSecretOutputs,
    news: GuardedSynchronizationSecretInputs,
  ) {
    return { outs: await write(news, false) };
  },

  async read(id: string, props?: GuardedSynchronizationSecretOutputs) {
    const old = props!;
    const graph = graphClient(state.settings, "GuardedSynchronizationSecret");
    const { status, body } = await graph.call<SecretSet>(
      "GET",
      secretsPath(old.servicePrincipalId),
      undefined,
      { accept: [404], validate: secretListProblem },
    );
    if (status === 404) return { id: "" };
    const { managed, otherKeys } = splitSecretSet(body.value);
    const live = { servicePrincipalId: old.servicePrincipalId, settings: managed };
    // ReadResult types `inputs` as the outputs type; the engine stores it as the resource's inputs.
    return {
      id,
      props: { ...live, otherKeys },
      inputs: live as GuardedSynchronizationSecretOutputs,
    };
  },

  async delete() {
    // Never PUT on delete: even an "empty" PUT replaces the whole set and would erase the portal's
    // authorization. Leaving the settings behind is harmless; the app's deletion removes them.
  },
});
