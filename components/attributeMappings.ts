// Attribute mappings of a provisioning job (tutorial steps 9–10), as a dynamic resource over Graph's
// synchronization schema. Graph only offers GET and a full-replace PUT of the whole schema, so the
// provider owns just the declared mappings of one object mapping and carries everything else through
// untouched. The pure functions below hold all schema logic so tests can call them directly; the
// provider around them only does I/O. This module is captured by value into the serialized provider:
// it keeps no settings, clients or npm objects at module level.
import * as pulumi from "@pulumi/pulumi";
import type * as MSGraph from "@microsoft/microsoft-graph-types";
import {
  GraphClient,
  GraphError,
  GraphSettings,
  createGraphClient,
  graphSettingsFromConfig,
} from "../lib/graph";
import { providerShim } from "../lib/providerShim";
import { UNKNOWN, containsUnknown, sameValue } from "./syncResourceSupport";

export type MappingObjectType = "User" | "Group";

export type MappingFlowType = MSGraph.AttributeFlowType;

/** One declared mapping: exactly one of `source`, `expression` or `constant`. */
export interface AttributeMappingSpec {
  /** Attribute name in the app's directory, e.g. "userName" or `emails[type eq "work"].value`. */
  target: string;
  /** Entra attribute copied as is, e.g. "userPrincipalName". */
  source?: string;
  /** An Entra expression, e.g. `Join(" ", [givenName], [surname])`. */
  expression?: string;
  /** A fixed value. */
  constant?: string;
  /** Above 0 makes this the matching attribute; the lowest value is tried first. Default 0 (not used for matching). */
  matchingPriority?: number;
  /** When the value flows to the app. Default "Always". */
  flowType?: MappingFlowType;
  /** Used when the source evaluates to null. Default none. */
  defaultValue?: string;
}

/** The normalised view of one mapping that read and diff compare. */
export interface MappingProjection {
  target: string;
  source?: string;
  expression?: string;
  constant?: string;
  matchingPriority: number;
  flowType: string;
  defaultValue: string | null;
}

export interface AttributeMappingsInputs {
  servicePrincipalId: string;
  jobId: string;
  objectType: MappingObjectType;
  mappings: AttributeMappingSpec[];
}

export interface AttributeMappingsOutputs extends AttributeMappingsInputs {
  /** Live values of the declared targets, in declared order; null where the target has no mapping. */
  live: (MappingProjection | null)[];
  /** The synchronizationRule id (provisionOnDemand's ruleId). */
  ruleId: string;
  objectMappingName: string;
  targetDirectory: string;
}

/** The directory name Graph gives Entra ID in every provisioning schema. */
export const ENTRA_DIRECTORY = "Azure Active Directory";

const FLOW_TYPES: readonly MappingFlowType[] = [
  "Always",
  "ObjectAddOnly",
  "MultiValueAddOnly",
  "ValueAddOnly",
  "AttributeAddOnly",
];
const SPEC_KEYS = [
  "target",
  "source",
  "expression",
  "constant",
  "matchingPriority",
  "flowType",
  "defaultValue",
  "objectType",
];
const MAX_EXPRESSION_LENGTH = 10_000;
const INT32_MAX = 2_147_483_647;
// A job created a moment ago (or its service principal) may not have replicated yet; beyond this a
// 404 means a wrong id. sendWithRetry still stops at apiRetryBudgetSeconds.
const NOT_FOUND_GRACE_MS = 120_000;
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

// ---------------------------------------------------------------------------------------------
// Spec validation (pure)
// ---------------------------------------------------------------------------------------------

/**
 * Shape checks for a list of mapping specs, with messages that name the key path. The config loader
 * calls it on the whole `attributeMappings` list (items may carry objectType); `check` on a
 * resource's own list. Attribute names are checked later, against the live schema.
 */
export function validateMappingSpecs(specs: unknown, path: string): string[] {
  if (!Array.isArray(specs)) {
    return [
      `${path}: must be a list of mappings such as [{target: "userName", source: "userPrincipalName", ` +
        `matchingPriority: 1}]; got ${describe(specs)}`,
    ];
  }
  const errors: string[] = [];
  const seen = new Map<string, number>();
  specs.forEach((item: unknown, i) => {
    const at = `${path}[${i}]`;
    if (item === null || typeof item !== "object" || Array.isArray(item)) {
      errors.push(
        `${at}: must be a mapping such as {target: "userName", source: "userPrincipalName"}; got ${describe(item)}`,
      );
      return;
    }
    const spec = item as Record<string, unknown>;
    for (const key of Object.keys(spec)) {
      if (!SPEC_KEYS.includes(key)) {
        errors.push(`${at}: unknown key "${key}"; allowed keys: ${SPEC_KEYS.join(", ")}`);
      }
    }
    if (typeof spec.target !== "string" || spec.target.trim() === "") {
      errors.push(
        `${at}.target: required, the app attribute to set (e.g. "userName"); got ${describe(spec.target)}`,
      );
    }
    const kinds = (["source", "expression", "constant"] as const).filter(
      (k) => spec[k] !== undefined,
    );
    if (kinds.length !== 1) {
      const found = kinds.length === 0 ? "none" : joinAnd(kinds);
      errors.push(`${at}: set exactly one of source, expression or constant (found ${found})`);
    }
    for (const k of kinds) {
      if (typeof spec[k] !== "string")
        errors.push(`${at}.${k}: must be a string; got ${describe(spec[k])}`);
    }
    if (typeof spec.source === "string" && spec.source.trim() === "") {
      errors.push(
        `${at}.source: must name an Entra attribute (e.g. "userPrincipalName"), not be empty`,
      );
    }
    if (typeof spec.expression === "string") {
      const problem = scanExpression(spec.expression).problem;
      if (problem) errors.push(`${at}.expression: ${problem}`);
    }
    if (spec.matchingPriority !== undefined) {
      const p = spec.matchingPriority;
      if (typeof p !== "number" || !Number.isInteger(p) || p < 1 || p > INT32_MAX) {
        errors.push(`${at}.matchingPriority: must be a whole number from 1 to 2147483647`);
      }
    }
    if (spec.flowType !== undefined && !FLOW_TYPES.includes(spec.flowType as MappingFlowType)) {
      errors.push(
        `${at}.flowType: must be one of ${FLOW_TYPES.join(", ")}; got ${describe(spec.flowType)}`,
      );
    }
    if (spec.defaultValue !== undefined && typeof spec.defaultValue !== "string") {
      errors.push(`${at}.defaultValue: must be a string; got ${describe(spec.defaultValue)}`);
    }
    let objectType: string = "User";
    if (spec.objectType !== undefined) {
      if (spec.objectType === "User" || spec.objectType === "Group") {
        objectType = spec.objectType;
      } else {
        errors.push(
          `${at}.objectType: must be "User" or "Group"; got ${describe(spec.objectType)}`,
        );
      }
    }
    if (typeof spec.target === "string" && spec.target.trim() !== "") {
      const key = `${objectType}\u0000${spec.target}`;
      const first = seen.get(key);
      if (first === undefined) {
        seen.set(key, i);
      } else {
        errors.push(
          `${at}.target: "${spec.target}" is already mapped for ${objectType} at ${path}[${first}]; ` +
            "keep one mapping per target attribute",
        );
      }
    }
  });
  return errors;
}

interface ExpressionScan {
  problem?: string;
  /** Attribute names referenced as [name], outside string literals. */
  refs: string[];
  /** The outermost function, e.g. "Join". */
  functionName?: string;
}

/**
 * A structural check of an Entra expression: string literals (backslash escapes), [attribute]
 * references and parentheses. It does not know the function catalogue; Graph does that on PUT.
 */
export function scanExpression(expression: string): ExpressionScan {
  const refs: string[] = [];
  if (expression.trim() === "") return { refs, problem: "must not be empty" };
  if (expression.length > MAX_EXPRESSION_LENGTH) {
    return {
      refs,
      problem: `is ${expression.length} characters long; Entra accepts at most 10,000`,
    };
  }
  const open: number[] = [];
  let outerClose = -1;
  for (let i = 0; i < expression.length; i++) {
    const c = expression[i];
    if (c === '"') {
      const start = i;
      for (i++; i < expression.length && expression[i] !== '"'; i++) {
        if (expression[i] === "\\") i++;
      }
      if (i >= expression.length) {
        return {
          refs,
          problem: `the string opened at character ${start + 1} is never closed (a missing ")`,
        };
      }
    } else if (c === "[") {
      const end = expression.indexOf("]", i + 1);
      const nested = expression.indexOf("[", i + 1);
      if (end < 0 || (nested >= 0 && nested < end)) {
        return { refs, problem: `"[" at character ${i + 1} is never closed (a missing "]")` };
      }
      const name = expression.slice(i + 1, end);
      if (name.trim() === "")
        return { refs, problem: `"[]" at character ${i + 1} names no attribute` };
      refs.push(name);
      i = end;
    } else if (c === "]") {
      return { refs, problem: `"]" at character ${i + 1} has no matching "["` };
    } else if (c === "(") {
      open.push(i);
    } else if (c === ")") {
      if (open.pop() === undefined) {
        return { refs, problem: `")" at character ${i + 1} has no matching "("` };
      }
      if (open.length === 0 && outerClose < 0) outerClose = i;
    }
  }
  if (open.length > 0) {
    return {
      refs,
      problem: `"(" at character ${open[open.length - 1] + 1} is never closed (a missing ")")`,
    };
  }
  const call = /^\s*([A-Za-z][A-Za-z0-9]*)\s*\(/.exec(expression);
  if (!call || outerClose !== expression.trimEnd().length - 1) {
    return {
      refs,
      problem:
        `must be one function call such as Join(" ", [givenName], [surname]); ` +
        "use source for a plain attribute or constant for a fixed value",
    };
  }
  return { refs, functionName: call[1] };
}

// ---------------------------------------------------------------------------------------------
// Schema logic (pure)
// ---------------------------------------------------------------------------------------------

interface Located {
  ruleIndex: number;
  mappingIndex: number;
  rule: MSGraph.SynchronizationRule;
  objectMapping: MSGraph.ObjectMapping;
  sourceDirectory: string;
  targetDirectory: string;
  sourceAttributes?: string[];
  targetAttributes?: string[];
}

/** The rule and object mapping that flow Entra users (or groups) to the app. */
export function locateObjectMapping(
  schema: MSGraph.SynchronizationSchema,
  objectType: MappingObjectType,
): Located | { error: string } {
  const rules = schema.synchronizationRules ?? [];
  for (let r = 0; r < rules.length; r++) {
    const rule = rules[r];
    if (rule.sourceDirectoryName !== ENTRA_DIRECTORY) continue;
    const maps = rule.objectMappings ?? [];
    const m = maps.findIndex((om) => om.sourceObjectName === objectType);
    if (m < 0) continue;
    const om = maps[m];
    const attributes = (dir?: string | null, obj?: string | null) => {
      const o = (schema.directories ?? [])
        .find((d) => d.name === dir)
        ?.objects?.find((x) => x.name === obj);
      return o ? (o.attributes ?? []).map((a) => a.name ?? "").filter((n) => n !== "") : undefined;
    };
    return {
      ruleIndex: r,
      mappingIndex: m,
      rule,
      objectMapping: om,
      sourceDirectory: rule.sourceDirectoryName ?? "",
      targetDirectory: rule.targetDirectoryName ?? "",
      sourceAttributes: attributes(rule.sourceDirectoryName, om.sourceObjectName),
      targetAttributes: attributes(rule.targetDirectoryName, om.targetObjectName),
    };
  }
  const present = rules.flatMap((rule) =>
    (rule.objectMappings ?? []).map(
      (om) =>
        `"${om.name}" (${rule.sourceDirectoryName} ${om.sourceObjectName} → ` +
        `${rule.targetDirectoryName} ${om.targetObjectName})`,
    ),
  );
  return {
    error:
      `objectType: no object mapping in this job's schema flows ${ENTRA_DIRECTORY} ${objectType} objects ` +
      `to the app (object mappings: ${present.length ? present.join(", ") : "none"}); ` +
      (objectType === "Group"
        ? "this connector does not provision groups, remove the Group mappings"
        : "check that jobId is the provisioning job of this app"),
  };
}

/** The projection a spec asks for: the declared fields with their defaults filled in. */
export function desiredProjection(spec: AttributeMappingSpec): MappingProjection {
  return {
    target: spec.target,
    ...(spec.source !== undefined
      ? { source: spec.source }
      : spec.expression !== undefined
        ? { expression: spec.expression }
        : { constant: spec.constant ?? "" }),
    matchingPriority: spec.matchingPriority ?? 0,
    flowType: spec.flowType ?? "Always",
    defaultValue: spec.defaultValue ?? null,
  };
}

/** The projection of a live Graph mapping. A mapping without a source projects without one. */
export function liveProjection(m: MSGraph.AttributeMapping): MappingProjection {
  const src = m.source;
  // Graph documents Attribute as the default source type.
  const type = src ? (src.type ?? "Attribute") : undefined;
  return {
    target: m.targetAttributeName ?? "",
    ...(type === "Attribute" ? { source: src?.name ?? "" } : {}),
    ...(type === "Constant" ? { constant: src?.name ?? "" } : {}),
    ...(type === "Function" ? { expression: src?.expression ?? "" } : {}),
    matchingPriority: m.matchingPriority ?? 0,
    flowType: m.flowType ?? "Always",
    defaultValue: m.defaultValue ?? null,
  };
}

/** The normalised live projection of the declared targets (null: the target has no mapping). */
export function projectMappings(
  schema: MSGraph.SynchronizationSchema,
  objectType: MappingObjectType,
  targets: string[],
): (MappingProjection | null)[] {
  const loc = locateObjectMapping(schema, objectType);
  const current = "error" in loc ? [] : (loc.objectMapping.attributeMappings ?? []);
  return targets.map((t) => {
    const m = current.find((x) => x.targetAttributeName === t);
    return m ? liveProjection(m) : null;
  });
}

/** The Graph mapping source for a spec. */
export function graphSource(spec: AttributeMappingSpec): MSGraph.AttributeMappingSource {
  if (spec.source !== undefined) {
    return { type: "Attribute", name: spec.source, expression: `[${spec.source}]`, parameters: [] };
  }
  if (spec.constant !== undefined) {
    const quoted = '"' + spec.constant.replace(/\\/g, "\\\\").replace(/"/g, '\\"') + '"';
    return { type: "Constant", name: spec.constant, expression: quoted, parameters: [] };
  }
  // The portal stores a function source as its parsed tree (parameters filled in); we send only
  // the expression text with an empty parameter list. UNVERIFIED that a real tenant accepts this:
  // if it does not, POST …/schema/parseExpression returns the tree to send instead. The local
  // Graph fake accepts this form.
  const expression = spec.expression ?? "";
  return {
    type: "Function",
    expression,
    name: scanExpression(expression).functionName ?? "",
    parameters: [],
  };
}

/**
 * Sets the declared mappings on the object mapping that flows Entra `objectType` objects to the app,
 * leaving every other part of the schema as it was (same objects, same key order). Declared fields
 * that a spec omits take their defaults; the fields a spec cannot express (flowBehavior,
 * exportMissingReferences…) keep their live values.
 */
export function applyMappings(
  schema: MSGraph.SynchronizationSchema,
  objectType: MappingObjectType,
  specs: AttributeMappingSpec[],
): { schema: MSGraph.SynchronizationSchema; changed: boolean; errors: string[] } {
  const unchanged = (errors: string[]) => ({ schema, changed: false, errors });
  const shape = validateMappingSpecs(specs, "mappings");
  if (shape.length) return unchanged(shape);
  const loc = locateObjectMapping(schema, objectType);
  if ("error" in loc) return unchanged([loc.error]);

  if (loc.rule.editable === false) {
    return unchanged([
      `objectType: the synchronization rule "${loc.rule.name}" that flows ${objectType} objects is read-only ` +
        "(editable: false), so Graph would refuse its mappings; remove this resource or use a template whose rule is editable",
    ]);
  }
  const errors: string[] = [];
  const { sourceAttributes, targetAttributes } = loc;
  const sourceObject = `${loc.sourceDirectory} ${loc.objectMapping.sourceObjectName}`;
  const targetObject = `${loc.targetDirectory} ${loc.objectMapping.targetObjectName}`;
  if (!targetAttributes) {
    errors.push(
      `the schema has no directory definition for ${targetObject}, so target names cannot be checked`,
    );
  }
  if (!sourceAttributes) {
    errors.push(
      `the schema has no directory definition for ${sourceObject}, so source names cannot be checked`,
    );
  }
  if (errors.length) return unchanged(errors);
  const validNames = (names: string[]) => [...names].sort().join(", ");
  specs.forEach((spec, i) => {
    if (!targetAttributes!.includes(spec.target)) {
      errors.push(
        `mappings[${i}].target: "${spec.target}" is not an attribute of ${targetObject}; ` +
          `valid names: ${validNames(targetAttributes!)}`,
      );
    }
    if (spec.source !== undefined && !sourceAttributes!.includes(spec.source)) {
      errors.push(
        `mappings[${i}].source: "${spec.source}" is not an attribute of ${sourceObject}; ` +
          `valid names: ${validNames(sourceAttributes!)}`,
      );
    }
    if (spec.expression !== undefined) {
      const unknown = [...new Set(scanExpression(spec.expression).refs)].filter(
        (r) => !sourceAttributes!.includes(r),
      );
      if (unknown.length) {
        errors.push(
          `mappings[${i}].expression: ${unknown.map((u) => `[${u}]`).join(", ")} ` +
            `${unknown.length === 1 ? "is not an attribute" : "are not attributes"} of ${sourceObject}; ` +
            `valid names: ${validNames(sourceAttributes!)}`,
        );
      }
    }
  });
  if (errors.length) return unchanged(errors);

  const next = [...(loc.objectMapping.attributeMappings ?? [])];
  let touched = false;
  for (const spec of specs) {
    const want = desiredProjection(spec);
    const idx = next.findIndex((m) => m.targetAttributeName === spec.target);
    // A mapping that already reads as declared is kept as is, parameter tree and key order included.
    if (idx >= 0 && sameValue(liveProjection(next[idx]), want)) continue;
    touched = true;
    const declared = {
      source: graphSource(spec),
      matchingPriority: want.matchingPriority,
      flowType: want.flowType as MappingFlowType,
      defaultValue: want.defaultValue,
    };
    if (idx >= 0) {
      next[idx] = { ...next[idx], ...declared };
    } else {
      next.push({
        targetAttributeName: spec.target,
        source: declared.source,
        matchingPriority: declared.matchingPriority,
        flowType: declared.flowType,
        flowBehavior: "FlowWhenChanged",
        defaultValue: declared.defaultValue,
        exportMissingReferences: false,
      });
    }
  }

  const problem = matchingPriorityProblem(next, objectType);
  if (problem) return unchanged([problem]);
  if (!touched) return unchanged([]);
  const result = replaceAttributeMappings(schema, loc, next);
  return { schema: result, changed: !sameValue(result, schema), errors: [] };
}

/**
 * Puts the template's definition back for each target (removing mappings the template lacks), for
 * delete and for targets dropped from the declaration. No matching-priority check: giving back the
 * template's own mappings must not be blocked by edits made elsewhere.
 */
export function restoreMappings(
  schema: MSGraph.SynchronizationSchema,
  templateSchema: MSGraph.SynchronizationSchema,
  objectType: MappingObjectType,
  targets: string[],
): { schema: MSGraph.SynchronizationSchema; changed: boolean } {
  const loc = locateObjectMapping(schema, objectType);
  if ("error" in loc) return { schema, changed: false };
  const tloc = locateObjectMapping(templateSchema, objectType);
  const template = "error" in tloc ? [] : (tloc.objectMapping.attributeMappings ?? []);
  const next = [...(loc.objectMapping.attributeMappings ?? [])];
  let touched = false;
  for (const target of targets) {
    const original = template.find((m) => m.targetAttributeName === target);
    const idx = next.findIndex((m) => m.targetAttributeName === target);
    if (original) {
      if (idx < 0) {
        next.push(original);
        touched = true;
      } else if (!sameValue(next[idx], original)) {
        next[idx] = original;
        touched = true;
      }
    } else if (idx >= 0) {
      next.splice(idx, 1);
      touched = true;
    }
  }
  if (!touched) return { schema, changed: false };
  return { schema: replaceAttributeMappings(schema, loc, next), changed: true };
}

function matchingPriorityProblem(
  mappings: MSGraph.AttributeMapping[],
  objectType: MappingObjectType,
): string | undefined {
  const matching = mappings.filter((m) => (m.matchingPriority ?? 0) > 0);
  if (matching.length === 0) {
    return (
      "mappings: no mapping has a matchingPriority, so the app's existing accounts could not be matched; " +
      `set matchingPriority: 1 on the attribute that identifies a ${objectType.toLowerCase()} in the app ` +
      `(for example ${objectType === "User" ? "userName" : "displayName"})`
    );
  }
  const lowest = Math.min(...matching.map((m) => m.matchingPriority ?? 0));
  const tied = matching
    .filter((m) => m.matchingPriority === lowest)
    .map((m) => m.targetAttributeName);
  if (tied.length > 1) {
    return (
      `mappings: ${joinAnd(tied.map((t) => `"${t}"`))} share the lowest matchingPriority ${lowest}; ` +
      "exactly one mapping may have the lowest matchingPriority, give the others higher numbers or none"
    );
  }
  return undefined;
}

/** A copy of the schema with one object mapping's list replaced; every other object is shared. */
function replaceAttributeMappings(
  schema: MSGraph.SynchronizationSchema,
  loc: Located,
  attributeMappings: MSGraph.AttributeMapping[],
): MSGraph.SynchronizationSchema {
  const rules = schema.synchronizationRules ?? [];
  return {
    ...schema,
    synchronizationRules: rules.map((rule, r) =>
      r !== loc.ruleIndex
        ? rule
        : {
            ...rule,
            objectMappings: (rule.objectMappings ?? []).map((om, m) =>
              m !== loc.mappingIndex ? om : { ...om, attributeMappings },
            ),
          },
    ),
  };
}

/** Projections compared as a set keyed by target: reordering the declaration is no change. */
function sameProjections(
  a: (MappingProjection | null)[],
  b: (MappingProjection | null)[],
): boolean {
  const key = (p: MappingProjection | null) => (p ? p.target : "");
  const sort = (xs: (MappingProjection | null)[]) =>
    [...xs].sort((x, y) => (key(x) < key(y) ? -1 : key(x) > key(y) ? 1 : 0));
  return sameValue(sort(a), sort(b));
}

function joinAnd(items: string[]): string {
  return items.length <= 1
    ? items.join("")
    : `${items.slice(0, -1).join(", ")} and ${items[items.length - 1]}`;
}

function describe(v: unknown): string {
  if (v === undefined) return "nothing";
  if (v === null) return "null";
  if (Array.isArray(v)) return "a list";
  if (typeof v === "object") return "an object";
  return JSON.stringify(v);
}

// ---------------------------------------------------------------------------------------------
// Provider
// ---------------------------------------------------------------------------------------------

// Empty when the provider is serialized; configure() fills it in the provider process.
const state: { settings?: GraphSettings } = {};

function client(): GraphClient {
  // Without configure (an engine that never calls it) the defaults apply: public Graph through
  // DefaultAzureCredential.
  return createGraphClient(state.settings ?? graphSettingsFromConfig(() => undefined));
}

function schemaPath(inputs: Pick<AttributeMappingsInputs, "servicePrincipalId" | "jobId">): string {
  return (
    `/servicePrincipals/${encodeURIComponent(inputs.servicePrincipalId)}` +
    `/synchronization/jobs/${encodeURIComponent(inputs.jobId)}/schema`
  );
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

async function getSchema(
  graph: GraphClient,
  inputs: AttributeMappingsInputs,
  options: { notFoundGraceMs?: number; accept?: number[] },
): Promise<MSGraph.SynchronizationSchema | undefined> {
  try {
    const res = await graph.call<MSGraph.SynchronizationSchema>(
      "GET",
      schemaPath(inputs),
      undefined,
      options,
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
  accept: number[] = [],
): Promise<void> {
  // "@odata.*" keys are response annotations of the GET, not part of the schema being replaced.
  const body = Object.fromEntries(Object.entries(schema).filter(([k]) => !k.startsWith("@odata.")));
  try {
    await graph.call("PUT", schemaPath(inputs), body, { accept });
  } catch (err) {
    withHint(err, { 400: REJECTED_HINT, 404: NOT_FOUND_HINT });
  }
}

/** The template schema the job was created from: its id is the job id's prefix ("<templateId>.<hex>").
 *  Callers have just read the job's schema, so a 404 on the listing is replication lag, not a deleted app:
 *  it is retried for the grace before it counts. */
async function templateSchema(
  graph: GraphClient,
  inputs: AttributeMappingsInputs,
): Promise<MSGraph.SynchronizationSchema | undefined> {
  const sp = `/servicePrincipals/${encodeURIComponent(inputs.servicePrincipalId)}/synchronization`;
  const list = await graph.call<{ value?: MSGraph.SynchronizationTemplate[] }>(
    "GET",
    `${sp}/templates`,
    undefined,
    { accept: [404], notFoundGraceMs: NOT_FOUND_GRACE_MS },
  );
  if (list.status === 404) return undefined;
  const templates = list.body.value ?? [];
  let template: MSGraph.SynchronizationTemplate | undefined = templates
    .filter((t) => t.id && inputs.jobId.startsWith(`${t.id}.`))
    .sort((a, b) => (b.id ?? "").length - (a.id ?? "").length)[0];
  if (!template) {
    const job = await graph.call<MSGraph.SynchronizationJob>(
      "GET",
      `${sp}/jobs/${encodeURIComponent(inputs.jobId)}`,
      undefined,
      { accept: [404] },
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
  );
  return res.body;
}

function outputs(
  inputs: AttributeMappingsInputs,
  schema: MSGraph.SynchronizationSchema,
): AttributeMappingsOutputs {
  const loc = locateObjectMapping(schema, inputs.objectType);
  if ("error" in loc) throw new Error(loc.error);
  return {
    servicePrincipalId: inputs.servicePrincipalId,
    jobId: inputs.jobId,
    objectType: inputs.objectType,
    mappings: inputs.mappings,
    live: projectMappings(
      schema,
      inputs.objectType,
      inputs.mappings.map((m) => m.target),
    ),
    ruleId: loc.rule.id ?? "",
    objectMappingName: loc.objectMapping.name ?? "",
    targetDirectory: loc.targetDirectory,
  } satisfies AttributeMappingsOutputs;
}

/** One GET and, only when something differs, one PUT, under the service principal's write lock. */
async function converge(
  inputs: AttributeMappingsInputs,
  removedTargets: string[],
  notFoundGraceMs: number,
): Promise<AttributeMappingsOutputs> {
  const graph = client();
  return graph.exclusive(inputs.servicePrincipalId, async () => {
    const fetched = (await getSchema(graph, inputs, { notFoundGraceMs }))!;
    let base = fetched;
    if (removedTargets.length) {
      const template = await templateSchema(graph, inputs);
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
    const applied = applyMappings(base, inputs.objectType, inputs.mappings);
    if (applied.errors.length) throw new Error(applied.errors.join("\n"));
    if (!sameValue(applied.schema, fetched)) await putSchema(graph, inputs, applied.schema);
    return outputs(inputs, applied.schema);
  });
}

/** The declared spec that reads back as a live projection (for read's inputs). */
function specFromProjection(p: MappingProjection): AttributeMappingSpec {
  const spec: AttributeMappingSpec = { target: p.target };
  if (p.source !== undefined) spec.source = p.source;
  if (p.expression !== undefined) spec.expression = p.expression;
  if (p.constant !== undefined) spec.constant = p.constant;
  if (p.matchingPriority > 0) spec.matchingPriority = p.matchingPriority;
  if (p.flowType !== "Always") spec.flowType = p.flowType as MappingFlowType;
  if (p.defaultValue !== null) spec.defaultValue = p.defaultValue;
  return spec;
}

/** Spec objects as the engine may hand them over: drops keys that are undefined. */
function cleanSpecs(specs: AttributeMappingSpec[]): AttributeMappingSpec[] {
  return specs.map(
    (s) =>
      Object.fromEntries(
        Object.entries(s).filter(([, v]) => v !== undefined),
      ) as unknown as AttributeMappingSpec,
  );
}

export const attributeMappingsProvider: pulumi.dynamic.ResourceProvider<
  AttributeMappingsInputs,
  AttributeMappingsOutputs
> = {
  async configure(req) {
    state.settings = graphSettingsFromConfig((key) => req.config.get(key));
  },

  async check(_olds, news) {
    const failures: pulumi.dynamic.CheckFailure[] = [];
    const sp: unknown = news.servicePrincipalId;
    if (sp !== UNKNOWN && (typeof sp !== "string" || !GUID.test(sp))) {
      failures.push({
        property: "servicePrincipalId",
        reason:
          `servicePrincipalId: must be the service principal's object id (a GUID); got ${describe(sp)}. ` +
          "Fix: pass servicePrincipalObjectId of the azuread.ApplicationFromTemplate.",
      });
    }
    const jobId: unknown = news.jobId;
    if (jobId !== UNKNOWN && (typeof jobId !== "string" || !/^[^\s/?#]+$/.test(jobId))) {
      failures.push({
        property: "jobId",
        reason:
          `jobId: must be a synchronization job id such as "GoTo.0a1b…" (no blanks or slashes); ` +
          `got ${describe(jobId)}. Fix: pass the id of the SynchronizationJob resource.`,
      });
    }
    const objectType: unknown = news.objectType ?? "User";
    if (objectType !== UNKNOWN && objectType !== "User" && objectType !== "Group") {
      failures.push({
        property: "objectType",
        reason: `objectType: must be "User" or "Group"; got ${describe(objectType)}`,
      });
    }
    const mappings: unknown = news.mappings;
    if (!containsUnknown(mappings)) {
      const problems = validateMappingSpecs(mappings, "mappings");
      if (Array.isArray(mappings)) {
        if (mappings.length === 0) {
          problems.push(
            'mappings: declare at least one mapping, e.g. {target: "userName", source: "userPrincipalName", ' +
              "matchingPriority: 1}; to keep the template's mappings, do not declare this resource",
          );
        }
        mappings.forEach((m: unknown, i) => {
          const own = (m as { objectType?: unknown } | null)?.objectType;
          if (own !== undefined && own !== objectType && (own === "User" || own === "Group")) {
            problems.push(
              `mappings[${i}].objectType: is "${own}" but this resource manages ${String(objectType)} ` +
                "mappings; move it to the resource for that object type",
            );
          }
        });
      }
      for (const reason of problems) failures.push({ property: "mappings", reason });
    }
    return { inputs: { ...news, objectType: objectType as MappingObjectType }, failures };
  },

  async diff(_id, olds, news) {
    const replaces: string[] = [];
    for (const key of ["servicePrincipalId", "jobId", "objectType"] as const) {
      const now = key === "objectType" ? (news.objectType ?? "User") : news[key];
      if (now === UNKNOWN || now !== olds[key]) replaces.push(key);
    }
    let changes = replaces.length > 0;
    if (containsUnknown(news.mappings)) {
      changes = true;
    } else {
      const desired = news.mappings.map(desiredProjection);
      const live = olds.live ?? olds.mappings.map(desiredProjection);
      if (!sameProjections(desired, live)) changes = true;
    }
    return { changes, replaces };
  },

  async create(inputs) {
    const clean = { ...inputs, mappings: cleanSpecs(inputs.mappings) };
    const outs = await converge(clean, [], NOT_FOUND_GRACE_MS);
    return { id: `${inputs.servicePrincipalId}/${inputs.jobId}/${inputs.objectType}`, outs };
  },

  async read(id, props) {
    if (!props) {
      throw new Error(
        `AttributeMappings ${id}: import is not supported; declare the resource and run pulumi up, ` +
          "which adopts mappings that already match without writing.",
      );
    }
    const graph = client();
    const schema = await getSchema(graph, props, { accept: [404] });
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
      ruleId: "error" in loc ? props.ruleId : (loc.rule.id ?? ""),
      objectMappingName: "error" in loc ? props.objectMappingName : (loc.objectMapping.name ?? ""),
      targetDirectory: "error" in loc ? props.targetDirectory : loc.targetDirectory,
    };
    // The SDK types read's inputs as Outputs; the engine stores them as the resource's inputs.
    return { id, props: outs, inputs: inputs as AttributeMappingsOutputs };
  },

  async update(_id, olds, news) {
    const clean = { ...news, mappings: cleanSpecs(news.mappings) };
    const keep = new Set(clean.mappings.map((m) => m.target));
    const removed = olds.mappings.map((m) => m.target).filter((t) => !keep.has(t));
    const outs = await converge(clean, removed, 0);
    return { outs };
  },

  async delete(_id, props) {
    const graph = client();
    await graph.exclusive(props.servicePrincipalId, async () => {
      const schema = await getSchema(graph, props, { accept: [404] });
      if (!schema) return;
      const template = await templateSchema(graph, props);
      if (!template) return;
      const restored = restoreMappings(
        schema,
        template,
        props.objectType,
        props.mappings.map((m) => m.target),
      );
      // A job deleted in the meantime has nothing left to restore.
      if (restored.changed) await putSchema(graph, props, restored.schema, [404]);
    });
  },
};

export interface AttributeMappingsArgs {
  /** Object id of the app's service principal (ApplicationFromTemplate.servicePrincipalObjectId). */
  servicePrincipalId: pulumi.Input<string>;
  /** The provisioning job's id ("<templateId>.<hex>"). */
  jobId: pulumi.Input<string>;
  /** Which object mapping to change. Default "User". */
  objectType?: pulumi.Input<MappingObjectType>;
  /** The mappings to declare; any target not listed keeps its template definition. */
  mappings: pulumi.Input<pulumi.Input<AttributeMappingSpec>[]>;
}

// Serialized into the state instead of attributeMappingsProvider itself (see lib/providerShim.ts).
const attributeMappingsShim = providerShim(
  attributeMappingsProvider,
  __filename,
  "attributeMappingsProvider",
);

/**
 * The declared attribute mappings of one object mapping of a provisioning job. Undeclared mappings,
 * scoping filters and everything else in the schema stay as they are; delete puts the template's
 * definitions of the declared targets back.
 */
export class AttributeMappings extends pulumi.dynamic.Resource {
  declare readonly servicePrincipalId: pulumi.Output<string>;
  declare readonly jobId: pulumi.Output<string>;
  declare readonly objectType: pulumi.Output<MappingObjectType>;
  declare readonly mappings: pulumi.Output<AttributeMappingSpec[]>;
  /** Live values of the declared targets as last read; null where a target has no mapping. */
  declare readonly live: pulumi.Output<(MappingProjection | null)[]>;
  /** The synchronizationRule id, for provisionOnDemand. */
  declare readonly ruleId: pulumi.Output<string>;
  declare readonly objectMappingName: pulumi.Output<string>;
  declare readonly targetDirectory: pulumi.Output<string>;

  constructor(name: string, args: AttributeMappingsArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      attributeMappingsShim,
      name,
      {
        servicePrincipalId: args.servicePrincipalId,
        jobId: args.jobId,
        objectType: args.objectType ?? "User",
        mappings: args.mappings,
        live: undefined,
        ruleId: undefined,
        objectMappingName: undefined,
        targetDirectory: undefined,
      },
      opts,
      "gotomeeting",
      "AttributeMappings",
    );
  }
}
