// The pure half of AttributeMappings: the overlay of declared mappings on a job's synchronization
// schema (locate the object mapping, project, apply, restore, compare) and the input checks. Graph
// only offers GET and a full-replace PUT of the whole schema, so everything but the declared
// mappings must pass through byte for byte; these functions are where that is decided and tested.
import type * as MSGraph from "@microsoft/microsoft-graph-types";
import type { CheckFailure } from "@pulumi/pulumi/dynamic";
import {
  type AttributeMappingSpec,
  type MappingFlowType,
  type MappingObjectType,
  lowestPriorityProblem,
  scanExpression,
  validateMappingSpecs,
} from "../../model/attributeMapping";
import { GUID } from "../../model/connector";
import { describe } from "../../model/text";
import { UNKNOWN, containsUnknown } from "../../model/unknown";
import { checkJobId, sameValue } from "../graphResource";

/**
 * A mapping source as a tree, without its text forms: what two sources mean. Graph re-spaces the
 * `expression` text it returns ([S36]: parseExpression's sample), so trees are compared, not text;
 * `type` defaults to Attribute and a missing `parameters` list is empty ([S40] omits it on some
 * Attribute sources).
 */
export interface SourceTree {
  type: string;
  name: string;
  parameters: { key: string; value: SourceTree }[];
}

/** Declared expression text → the attributeMappingSource tree Graph's parseExpression returned. */
export type ParsedExpressions = Record<string, MSGraph.AttributeMappingSource>;

/** The normalised view of one mapping that read and diff compare. */
export interface MappingProjection {
  target: string;
  source?: string;
  /** The expression as text, for people; comparisons use `tree`. */
  expression?: string;
  /** The parsed expression; absent for a declared expression Graph has not parsed yet. */
  tree?: SourceTree;
  constant?: string;
  matchingPriority: number;
  flowType: string;
  defaultValue: string | null;
}

export function sourceTree(src: MSGraph.AttributeMappingSource): SourceTree {
  return {
    type: src.type ?? "Attribute",
    name: src.name ?? "",
    parameters: (src.parameters ?? []).map((p) => ({
      key: p.key ?? "",
      value: p.value ? sourceTree(p.value) : { type: "Attribute", name: "", parameters: [] },
    })),
  };
}

/** What a schema read must hold before a whole-schema PUT is decided on it. */
export function schemaShapeProblem(body: unknown): string | undefined {
  const schema = body as MSGraph.SynchronizationSchema | null;
  if (!schema || typeof schema !== "object" || Array.isArray(schema))
    return "the body is not a schema";
  if (!Array.isArray(schema.synchronizationRules)) return "synchronizationRules is not a list";
  if (
    schema.directories !== undefined &&
    schema.directories !== null &&
    !Array.isArray(schema.directories)
  ) {
    return "directories is not a list";
  }
  if (
    schema.synchronizationRules.some(
      (r) =>
        !r ||
        typeof r !== "object" ||
        (r.objectMappings !== undefined &&
          r.objectMappings !== null &&
          !Array.isArray(r.objectMappings)),
    )
  ) {
    return "a synchronization rule's objectMappings is not a list";
  }
  return undefined;
}

/** Whether an answer of parseExpression can be stored: undefined when it can. */
export function parsedExpressionProblem(body: unknown): string | undefined {
  const b = body as { parsingSucceeded?: unknown; parsedExpression?: unknown } | null;
  if (!b || typeof b !== "object") return "the body is not a parseExpressionResponse";
  if (typeof b.parsingSucceeded !== "boolean") return "parsingSucceeded is missing";
  if (!b.parsingSucceeded) return undefined; // a verdict, reported by the caller
  const tree = b.parsedExpression as MSGraph.AttributeMappingSource | null | undefined;
  if (
    !tree ||
    typeof tree !== "object" ||
    typeof tree.type !== "string" ||
    typeof tree.name !== "string"
  ) {
    return "parsedExpression is not an attributeMappingSource";
  }
  return undefined;
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
  /** Graph's parse of each declared expression (text → tree), sent as the mapping's source. */
  parsedExpressions?: ParsedExpressions;
  /** The synchronizationRule id (provisionOnDemand's ruleId). */
  ruleId: string;
  objectMappingName: string;
  targetDirectory: string;
}

/** The directory name Graph gives Entra ID in every provisioning schema. */
export const ENTRA_DIRECTORY = "Azure Active Directory";

export interface Located {
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
export function desiredProjection(
  spec: AttributeMappingSpec,
  parsed: ParsedExpressions = {},
): MappingProjection {
  const tree = spec.expression !== undefined ? parsed[spec.expression] : undefined;
  return {
    target: spec.target,
    ...(spec.source !== undefined
      ? { source: spec.source }
      : spec.expression !== undefined
        ? { expression: spec.expression, ...(tree ? { tree: sourceTree(tree) } : {}) }
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
    ...(type === "Function" ? { expression: src?.expression ?? "", tree: sourceTree(src!) } : {}),
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

/** Whether a live mapping reads as declared. Expressions compare as trees; a declared expression
 *  not parsed yet matches only the very same text. */
export function sameMapping(desired: MappingProjection, live: MappingProjection | null): boolean {
  if (!live) return false;
  const { expression: de, tree: dt, ...dRest } = desired;
  const { expression: le, tree: lt, ...lRest } = live;
  if (!sameValue(dRest, lRest)) return false;
  if (de === undefined || le === undefined) return de === le;
  return dt && lt ? sameValue(dt, lt) : de === le;
}

/** The Graph mapping source for a spec: an expression is sent as the tree Graph parsed it into. */
export function graphSource(
  spec: AttributeMappingSpec,
  parsed: ParsedExpressions = {},
): MSGraph.AttributeMappingSource {
  if (spec.source !== undefined) {
    return { type: "Attribute", name: spec.source, expression: `[${spec.source}]`, parameters: [] };
  }
  if (spec.constant !== undefined) {
    const quoted = '"' + spec.constant.replace(/\\/g, "\\\\").replace(/"/g, '\\"') + '"';
    return { type: "Constant", name: spec.constant, expression: quoted, parameters: [] };
  }
  // Every documented Function source carries its parameters tree ([S35][S36][S40]); whether Graph
  // accepts one without is unverified, so only the tree parseExpression returned is ever sent.
  const tree = parsed[spec.expression ?? ""];
  if (!tree) {
    throw new Error(
      `mappings: the expression ${describe(spec.expression)} of target "${spec.target}" has not been parsed by ` +
        "Graph yet, so it cannot be written (this is a bug in the provider, not in your settings)",
    );
  }
  return structuredClone(tree);
}

/**
 * What the live schema says about the declared names (targets, sources, expression references),
 * checked before anything is parsed or written; [] when every name is valid.
 */
export function nameProblems(
  schema: MSGraph.SynchronizationSchema,
  objectType: MappingObjectType,
  specs: AttributeMappingSpec[],
): string[] {
  const shape = validateMappingSpecs(specs, "mappings");
  if (shape.length) return shape;
  const loc = locateObjectMapping(schema, objectType);
  if ("error" in loc) return [loc.error];
  if (loc.rule.editable === false) {
    return [
      `objectType: the synchronization rule "${loc.rule.name}" that flows ${objectType} objects is read-only ` +
        "(editable: false), so Graph would refuse its mappings; remove this resource or use a template whose rule is editable",
    ];
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
  if (errors.length) return errors;
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
  return errors;
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
  parsed: ParsedExpressions = {},
): { schema: MSGraph.SynchronizationSchema; changed: boolean; errors: string[] } {
  const unchanged = (errors: string[]) => ({ schema, changed: false, errors });
  const problems = nameProblems(schema, objectType, specs);
  if (problems.length) return unchanged(problems);
  const loc = locateObjectMapping(schema, objectType) as Located;
  const next = [...(loc.objectMapping.attributeMappings ?? [])];
  let touched = false;
  for (const spec of specs) {
    const want = desiredProjection(spec, parsed);
    const idx = next.findIndex((m) => m.targetAttributeName === spec.target);
    // A mapping that already reads as declared is kept as is, parameter tree and key order included.
    if (idx >= 0 && sameMapping(want, liveProjection(next[idx]))) continue;
    touched = true;
    const declared = {
      source: graphSource(spec, parsed),
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
  return lowestPriorityProblem(
    mappings.map((m) => ({
      target: m.targetAttributeName ?? "",
      matchingPriority: m.matchingPriority,
    })),
    objectType,
    true,
  );
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
export function sameProjections(
  a: (MappingProjection | null)[],
  b: (MappingProjection | null)[],
): boolean {
  if (a.length !== b.length) return false;
  const byTarget = new Map(b.filter((p) => p !== null).map((p) => [p!.target, p!]));
  const nulls = (xs: (MappingProjection | null)[]) => xs.filter((p) => p === null).length;
  return (
    nulls(a) === nulls(b) &&
    a.every((p) => p === null || sameMapping(p, byTarget.get(p.target) ?? null))
  );
}

/** The declared spec that reads back as a live projection (for read's inputs). */
export function specFromProjection(p: MappingProjection): AttributeMappingSpec {
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
export function cleanSpecs(specs: AttributeMappingSpec[]): AttributeMappingSpec[] {
  return specs.map(
    (s) =>
      Object.fromEntries(
        Object.entries(s).filter(([, v]) => v !== undefined),
      ) as unknown as AttributeMappingSpec,
  );
}

/** check's rules, which need no tenant: ids, object type, mapping shapes. */
export function checkAttributeMappingsInputs(news: Partial<AttributeMappingsInputs>): {
  inputs: Partial<AttributeMappingsInputs>;
  failures: CheckFailure[];
} {
  const failures: CheckFailure[] = [];
  const sp: unknown = news.servicePrincipalId;
  if (sp !== UNKNOWN && (typeof sp !== "string" || !GUID.test(sp))) {
    failures.push({
      property: "servicePrincipalId",
      reason:
        `servicePrincipalId: must be the service principal's object id (a GUID); got ${describe(sp)}. ` +
        "Fix: pass servicePrincipalObjectId of the azuread.ApplicationFromTemplate.",
    });
  }
  checkJobId(news.jobId, failures);
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
}

/** What the resource records after a converge: the declaration, the live projection and the trees. */
export function outputsFor(
  inputs: AttributeMappingsInputs,
  schema: MSGraph.SynchronizationSchema,
  parsed: ParsedExpressions,
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
    parsedExpressions: parsed,
    ruleId: loc.rule.id ?? "",
    objectMappingName: loc.objectMapping.name ?? "",
    targetDirectory: loc.targetDirectory,
  } satisfies AttributeMappingsOutputs;
}
