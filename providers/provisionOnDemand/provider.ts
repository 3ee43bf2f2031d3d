// ProvisionOnDemand's provider: one provisionOnDemand call for the pilot user, once the job may
// provision (Test Connection passed, provisioning on), its answer read rather than trusted.
import type * as pulumi from "@pulumi/pulumi";
import { GraphSettings, graphSettingsFromConfig } from "../../lib/graph";
import { redactingProvider } from "../../lib/redact";
import { changedKeys, graphClient, jobPath } from "../graphResource";
import {
  type ProvisionOnDemandInputs,
  type ProvisionOnDemandOutputs,
  answerShapeProblem,
  checkProvisionOnDemandInputs,
  inputsOf,
  parseAnswer,
  succeeded,
  verdict,
} from "./result";

const state: { settings?: GraphSettings } = {};

async function run(inputs: ProvisionOnDemandInputs): Promise<ProvisionOnDemandOutputs> {
  if (!inputs.ready) {
    return {
      ...inputsOf(inputs),
      result: "Waiting",
      errorCode: "",
      errorMessage: "",
      action: "",
      steps: [],
      ranAt: "",
    };
  }
  const graph = graphClient(state.settings, "ProvisionOnDemand");
  // Graph limits provisionOnDemand to 5 requests per 10 s ([S42]); its 429s are retried with
  // Retry-After. Provisioning one user twice is harmless, so a lost answer may be asked again.
  const { body } = await graph.call(
    "POST",
    `${jobPath(inputs.servicePrincipalId, inputs.jobId)}/provisionOnDemand`,
    {
      parameters: [
        {
          ruleId: inputs.ruleId,
          subjects: [{ objectId: inputs.objectId, objectTypeName: "User" }],
        },
      ],
    },
    { expectJson: true, validate: answerShapeProblem },
  );
  const outcome = parseAnswer(body);
  const problem = verdict(outcome, inputs.objectId);
  if (problem) throw new Error(problem);
  return { ...inputsOf(inputs), ...outcome, ranAt: new Date().toISOString() };
}

export const provisionOnDemandProvider: pulumi.dynamic.ResourceProvider<
  ProvisionOnDemandInputs,
  ProvisionOnDemandOutputs
> = redactingProvider({
  async configure(req: pulumi.dynamic.ConfigureRequest) {
    state.settings = graphSettingsFromConfig((k) => req.config.get(k));
  },

  async check(_olds: ProvisionOnDemandInputs, news: ProvisionOnDemandInputs) {
    return { inputs: news, failures: checkProvisionOnDemandInputs(news) };
  },

  async diff(_id: string, olds: ProvisionOnDemandOutputs, news: ProvisionOnDemandInputs) {
    // Another app or job is another pilot run; another user or rule runs again in place.
    const replaces = changedKeys(olds, news, ["servicePrincipalId", "jobId"]);
    const rerun = changedKeys(olds, news, ["ruleId", "objectId", "ready"]).length > 0;
    // Until the pilot worked (or while it waits for Test Connection) every up tries again.
    return { changes: replaces.length > 0 || rerun || !succeeded(olds), replaces };
  },

  async create(inputs: ProvisionOnDemandInputs) {
    return {
      id: `${inputs.servicePrincipalId}/${inputs.jobId}/${inputs.objectId}`,
      outs: await run(inputs),
    };
  },

  async update(_id: string, _olds: ProvisionOnDemandOutputs, news: ProvisionOnDemandInputs) {
    return { outs: await run(news) };
  },

  async read(id: string, props?: ProvisionOnDemandOutputs) {
    // An action, not state: what it did stands (the user's account itself is GoTo's business).
    return { id, props: props!, inputs: inputsOf(props!) as ProvisionOnDemandOutputs };
  },

  async delete() {
    // Provisioning on demand created nothing to remove; the account follows the assignment.
  },
});
