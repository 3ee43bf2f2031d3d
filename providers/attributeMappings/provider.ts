// AttributeMappings' provider: the Graph calls (one GET of the job's schema, and a PUT only when a
// declared mapping differs), under the service principal's write lock. The schema logic is in
// overlay.ts.
import type * as pulumi from "@pulumi/pulumi";
import type * as MSGraph from "@microsoft/microsoft-graph-types";
import {
  GraphClient,
  GraphError,
  GraphSettings,
  createGraphClient,
  graphSettingsFromConfig,
} from "../../lib/graph";
import { redactingProvider } from "../../lib/redact";
import { describe } from "../../model/text";
import { UNKNOWN, containsUnknown } from "../../model/unknown";
import {
  type AttributeMappingsInputs,
  type AttributeMappingsOutputs,
  type ParsedExpressions,
  applyMappings,
  checkAttributeMappingsInputs,
  cleanSpecs,
  desiredProjection,
  locateObjectMapping,
  nameProblems,
  outputsFor,
  projectMappings,
  restoreMappings,
  sameProjections,
  parsedExpressionProblem,
  schemaShapeProblem,
  specFromProjection,
} from "./overlay";
import { REPLICATION_GRACE_MS, jobPath, sameValue, synchronizationPath } from "../graphResource";

// Empty until configure() fills it in the provider process.
const state: { settings?: GraphSettings } = {};

function client(): GraphClient {
  // Without configure (an engine that never calls it) the defaults apply: public Graph through
  // DefaultAzureCredential.
  return createGraphClient(state.settings ?? graphSettingsFromConfig(() => undefined));
}

function schemaPath(inputs: Pick<AttributeMappingsInputs, "servicePrincipalId" | "jobId">): string {
  return `${jobPath(inputs.servicePrincipalId, inputs.jobId)}/schema`;
}

/** Re-throws a Graph 404/400 with the input to fix; other statuses keep lib/graph's hint. */
function withHint(err: unknown, hints: Partial<Record<number, string>>): never {
  if (err instanceof GraphError && hints[err.status]) {
    throw new GraphError(
      err.status,
      err.code,
      err.graphMessage,
      err.method,
      err.path,
      hints[err.status],
    );
  }
  throw err;
}

const NOT_FOUND_HINT =
  "Fix: servicePrincipalId must be the app's service principal object id and jobId its synchronization " +
  "job id (from the SynchronizationJob resource); if both were just created, run pulumi up again in a few minutes.";
const REJECTED_HINT =
  "Fix: Graph's message names the part of the schema it refused; if it is a declared mapping, correct it " +
  "in mappings, otherwise fix that part in the portal (the rest of the schema is sent back as read).";

interface CallBudget {
  deadline: number;
  replicationGraceMs?: number;
  retryConflicts?: boolean;
}

async function getSchema(
  graph: GraphClient,
  inputs: AttributeMappingsInputs,
  options: CallBudget & { accept?: number[] },
): Promise<MSGraph.SynchronizationSchema | undefined> {
  try {
    // The PUT that may follow replaces the whole schema: it is decided only on a complete read.
    const res = await graph.call<MSGraph.SynchronizationSchema>(
      "GET",
      schemaPath(inputs),
      undefined,
      {
        ...options,
        validate: schemaShapeProblem,
      },
    );
    return res.status === 404 ? undefined : res.body;
  } catch (err) {
    return withHint(err, { 404: NOT_FOUND_HINT });
  }
}

async function putSchema(
  graph: GraphClient,
  inputs: AttributeMappingsInputs,
  schema: MSGraph.SynchronizationSchema,
  options: CallBudget & { accept?: number[] },
): Promise<void> {
  // "@odata.*" keys are response annotations of the GET, not part of the schema being replaced.
  const body = Object.fromEntries(Object.entries(schema).filter(([k]) => !k.startsWith("@odata.")));
  try {
    await graph.call("PUT", schemaPath(inputs), body, options);
  } catch (err) {
    withHint(err, { 400: REJECTED_HINT, 404: NOT_FOUND_HINT });
  }
}

type ParseResponse = {
  parsingSucceeded: boolean;
  parsedExpression?: MSGraph.AttributeMappingSource;
  error?: { code?: string; message?: string } | null;
};

/**
 * Graph's parse of each declared expression: the tree a Function source must carry ([S36][S82]).
 * One parseExpression call per expression not parsed before (the previous outputs keep them), and
 * none for an expression the live schema already holds with the very same text.
 */
async function parseExpressions(
  graph: GraphClient,
  inputs: AttributeMappingsInputs,
  schema: MSGraph.SynchronizationSchema,
  known: ParsedExpressions,
  budget: CallBudget,
): Promise<ParsedExpressions> {
  const parsed: ParsedExpressions = {};
  const loc = locateObjectMapping(schema, inputs.objectType);
  const live = "error" in loc ? [] : (loc.objectMapping.attributeMappings ?? []);
  for (const [i, spec] of inputs.mappings.entries()) {
    const text = spec.expression;
    if (text === undefined || parsed[text]) continue;
    if (known[text]) {
      parsed[text] = known[text];
      continue;
    }
    const same = live.find(
      (m) =>
        m.source?.type === "Function" &&
        m.source.expression === text &&
        (m.source.parameters ?? []).length > 0,
    );
    if (same?.source) {
      parsed[text] = structuredClone(same.source);
      continue;
    }
    let answer: ParseResponse;
    try {
      ({ body: answer } = await graph.call<ParseResponse>(
        "POST",
        `${schemaPath(inputs)}/parseExpression`,
        { expression: text, testInputObject: null, targetAttributeDefinition: null },
        { ...budget, expectJson: true, validate: parsedExpressionProblem },
      ));
    } catch (err) {
      const e = err as GraphError;
      if (e instanceof Error && e.name === "GraphError" && e.status === 400) {
        throw new Error(
          `mappings[${i}].expression: Graph refused to parse ${describe(text)}: ${e.message}`,
        );
      }
      throw err;
    }
    if (!answer.parsingSucceeded || !answer.parsedExpression) {
      const why = answer.error?.message ?? answer.error?.code ?? "no reason given";
      throw new Error(
        `mappings[${i}].expression: Graph could not parse ${describe(text)} (${why}); fix the expression ` +
          '(Entra\'s expression syntax: Function([attribute], "text", …))',
      );
    }
    parsed[text] = answer.parsedExpression;
  }
  return parsed;
}

/** The template schema the job was created from: its id is the job id's first part (F1). Callers
 *  have just read the job's schema, so a 404 on the listing is replication lag, not a deleted app:
 *  it is retried for the grace before it counts. */
async function templateSchema(
  graph: GraphClient,
  inputs: AttributeMappingsInputs,
  budget: CallBudget,
): Promise<MSGraph.SynchronizationSchema | undefined> {
  const sp = synchronizationPath(inputs.servicePrincipalId);
  const list = await graph.call<{ value?: MSGraph.SynchronizationTemplate[] }>(
    "GET",
    `${sp}/templates`,
    undefined,
    // The job's schema was just read, so a 404 on its app's listing is replication, not deletion.
    { accept: [404], replicationGraceMs: REPLICATION_GRACE_MS, deadline: budget.deadline },
  );
  if (list.status === 404) return undefined;
  const templates = Array.isArray(list.body.value) ? list.body.value : [];
  let template: MSGraph.SynchronizationTemplate | undefined = templates
    .filter((t) => t.id && inputs.jobId.startsWith(`${t.id}.`))
    .sort((a, b) => (b.id ?? "").length - (a.id ?? "").length)[0];
  if (!template) {
    // Job ids need not start with the template id (a cloud-sync sample does not, [S12]): ask the job.
    const job = await graph.call<MSGraph.SynchronizationJob>(
      "GET",
      jobPath(inputs.servicePrincipalId, inputs.jobId),
      undefined,
      { accept: [404], deadline: budget.deadline },
    );
    if (job.status === 404) return undefined;
    template = templates.find((t) => t.id === job.body.templateId);
  }
  if (!template?.id) {
    throw new Error(
      `jobId: no synchronization template of service principal ${inputs.servicePrincipalId} matches job ` +
        `"${inputs.jobId}" (templates: ${templates.map((t) => t.id).join(", ") || "none"}), so its mappings ` +
        "cannot be put back. Fix: check jobId, or drop the resource from the state with pulumi state delete.",
    );
  }
  if (template.schema) return template.schema;
  // schema is a relationship of the template: should a listing leave it out (UNVERIFIED whether real
  // tenants do), read it on its own.
  const res = await graph.call<MSGraph.SynchronizationSchema>(
    "GET",
    `${sp}/templates/${encodeURIComponent(template.id)}/schema`,
    undefined,
    { deadline: budget.deadline, validate: schemaShapeProblem },
  );
  return res.body;
}

/** One GET, a parse per new expression and, only when something differs, one PUT, under the
 *  service principal's write lock, within one retry budget. */
async function converge(
  inputs: AttributeMappingsInputs,
  removedTargets: string[],
  afterCreate: boolean,
  known: ParsedExpressions,
): Promise<AttributeMappingsOutputs> {
  const graph = client();
  const budget: CallBudget = {
    deadline: Date.now() + graph.retryBudgetMs,
    replicationGraceMs: afterCreate ? REPLICATION_GRACE_MS : 0,
    retryConflicts: true,
  };
  return graph.exclusive(inputs.servicePrincipalId, async () => {
    const fetched = (await getSchema(graph, inputs, {
      deadline: budget.deadline,
      replicationGraceMs: afterCreate ? REPLICATION_GRACE_MS : 0,
    }))!;
    let base = fetched;
    if (removedTargets.length) {
      const template = await templateSchema(graph, inputs, budget);
      // Writing without it would leave the dropped targets as they were while reporting success.
      if (!template) {
        throw new Error(
          `AttributeMappings: the templates of service principal ${inputs.servicePrincipalId} cannot be read, so ` +
            `the template's definitions of ${removedTargets.join(", ")} cannot be put back; nothing was written. ` +
            NOT_FOUND_HINT,
        );
      }
      base = restoreMappings(fetched, template, inputs.objectType, removedTargets).schema;
    }
    // Names first (no call): an unknown attribute is refused before anything is parsed.
    const names = nameProblems(base, inputs.objectType, inputs.mappings);
    if (names.length) throw new Error(names.join("\n"));
    const parsed = await parseExpressions(graph, inputs, base, known, budget);
    const applied = applyMappings(base, inputs.objectType, inputs.mappings, parsed);
    if (applied.errors.length) throw new Error(applied.errors.join("\n"));
    if (!sameValue(applied.schema, fetched)) await putSchema(graph, inputs, applied.schema, budget);
    return outputsFor(inputs, applied.schema, parsed);
  });
}

export const attributeMappingsProvider: pulumi.dynamic.ResourceProvider<
  AttributeMappingsInputs,
  AttributeMappingsOutputs
> = redactingProvider({
  async configure(req: pulumi.dynamic.ConfigureRequest) {
    state.settings = graphSettingsFromConfig((key) => req.config.get(key));
  },

  async check(_olds: AttributeMappingsInputs, news: AttributeMappingsInputs) {
    return checkAttributeMappingsInputs(news) as {
      inputs: AttributeMappingsInputs;
      failures: pulumi.dynamic.CheckFailure[];
    };
  },

  async diff(_id: string, olds: AttributeMappingsOutputs, news: AttributeMappingsInputs) {
    const replaces: string[] = [];
    for (const key of ["servicePrincipalId", "jobId", "objectType"] as const) {
      const now = key === "objectType" ? (news.objectType ?? "User") : news[key];
      if (now === UNKNOWN || now !== olds[key]) replaces.push(key);
    }
    let changes = replaces.length > 0;
    if (containsUnknown(news.mappings)) {
      changes = true;
    } else {
      const parsed = olds.parsedExpressions ?? {};
      const desired = news.mappings.map((m) => desiredProjection(m, parsed));
      const live = olds.live ?? olds.mappings.map((m) => desiredProjection(m, parsed));
      if (!sameProjections(desired, live)) changes = true;
    }
    return { changes, replaces };
  },

  async create(inputs: AttributeMappingsInputs) {
    const clean = { ...inputs, mappings: cleanSpecs(inputs.mappings) };
    const outs = await converge(clean, [], true, {});
    return { id: `${inputs.servicePrincipalId}/${inputs.jobId}/${inputs.objectType}`, outs };
  },

  async read(id: string, props?: AttributeMappingsOutputs) {
    if (!props) {
      throw new Error(
        `AttributeMappings ${id}: import is not supported; declare the resource and run pulumi up, ` +
          "which adopts mappings that already match without writing.",
      );
    }
    const graph = client();
    const schema = await getSchema(graph, props, {
      accept: [404],
      deadline: Date.now() + graph.retryBudgetMs,
    });
    // The job or its app is gone: no id reports the resource as deleted.
    if (!schema) return {};
    const live = projectMappings(
      schema,
      props.objectType,
      props.mappings.map((m) => m.target),
    );
    const mappings = live.flatMap((p) => (p ? [specFromProjection(p)] : []));
    const inputs: AttributeMappingsInputs = {
      servicePrincipalId: props.servicePrincipalId,
      jobId: props.jobId,
      objectType: props.objectType,
      mappings,
    };
    const loc = locateObjectMapping(schema, props.objectType);
    const outs: AttributeMappingsOutputs = {
      ...inputs,
      live,
      parsedExpressions: props.parsedExpressions ?? {},
      ruleId: "error" in loc ? props.ruleId : (loc.rule.id ?? ""),
      objectMappingName: "error" in loc ? props.objectMappingName : (loc.objectMapping.name ?? ""),
      targetDirectory: "error" in loc ? props.targetDirectory : loc.targetDirectory,
    };
    // The SDK types read's inputs as Outputs; the engine stores them as the resource's inputs.
    return { id, props: outs, inputs: inputs as AttributeMappingsOutputs };
  },

  async update(_id: string, olds: AttributeMappingsOutputs, news: AttributeMappingsInputs) {
    const clean = { ...news, mappings: cleanSpecs(news.mappings) };
    const keep = new Set(clean.mappings.map((m) => m.target));
    const removed = olds.mappings.map((m) => m.target).filter((t) => !keep.has(t));
    const outs = await converge(clean, removed, false, olds.parsedExpressions ?? {});
    return { outs };
  },

  async delete(_id: string, props: AttributeMappingsOutputs) {
    const graph = client();
    const budget: CallBudget = { deadline: Date.now() + graph.retryBudgetMs, retryConflicts: true };
    await graph.exclusive(props.servicePrincipalId, async () => {
      const schema = await getSchema(graph, props, { ...budget, accept: [404] });
      if (!schema) return;
      const template = await templateSchema(graph, props, budget);
      if (!template) return;
      const restored = restoreMappings(
        schema,
        template,
        props.objectType,
        props.mappings.map((m) => m.target),
      );
      // A job deleted in the meantime has nothing left to restore.
      if (restored.changed)
        await putSchema(graph, props, restored.schema, { ...budget, accept: [404] });
    });
  },
});
