// The attribute-mapping spec (stack config `attributeMappings`, AttributeMappings' `mappings` input)
// and the rules that need no tenant: shape, expression structure, one lowest matching priority.
// Both the config validation and the provider's check apply them, so they live below both.
import type * as MSGraph from "@microsoft/microsoft-graph-types";
import { describe, joinAnd } from "./text";

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

export const FLOW_TYPES: readonly MappingFlowType[] = [
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

export interface ExpressionScan {
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

/**
 * Graph tries matching attributes from the lowest matchingPriority up, so exactly one mapping may
 * hold the lowest one. Applied to the declared specs offline and to the merged live list before a
 * schema PUT. `undefined` when the rule holds.
 */
export function lowestPriorityProblem(
  mappings: readonly { target: string; matchingPriority?: number | null }[],
  objectType: MappingObjectType,
  requireOne: boolean,
): string | undefined {
  const matching = mappings.filter((m) => (m.matchingPriority ?? 0) > 0);
  if (matching.length === 0) {
    if (!requireOne) return undefined;
    return (
      "mappings: no mapping has a matchingPriority, so the app's existing accounts could not be matched; " +
      `set matchingPriority: 1 on the attribute that identifies a ${objectType.toLowerCase()} in the app ` +
      `(for example ${objectType === "User" ? "userName" : "displayName"})`
    );
  }
  const lowest = Math.min(...matching.map((m) => m.matchingPriority ?? 0));
  const tied = matching.filter((m) => m.matchingPriority === lowest).map((m) => m.target);
  if (tied.length > 1) {
    return (
      `mappings: ${joinAnd(tied.map((t) => `"${t}"`))} share the lowest matchingPriority ${lowest}; ` +
      "exactly one mapping may have the lowest matchingPriority, give the others higher numbers or none"
    );
  }
  return undefined;
}
