// Request-body validation for the Graph fake: every body is checked against the shape Graph's v1.0
// CSDL gives its type (specs/graph-sync-schemas.json), encoded here so the fake has no dependency
// outside the repo. A rejection is a 400 with Graph's error envelope naming the property; neither
// keys nor values are echoed where a client could have put a secret.
import type * as MSGraph from "@microsoft/microsoft-graph-types";
import type { SeedTemplate } from "./graphConnectors";
import { SYNCHRONIZATION_SECRET_KEYS } from "./graphDocs";
import { ExpressionError, hasArguments, parseExpressionText } from "./graphExpressions";

export class Rejection extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

export const badRequest = (message: string) => new Rejection(400, "BadRequest", message);

export const NOT_FOUND_MESSAGE = (id: string) =>
  `Resource '${id}' does not exist or one of its queried reference-property objects are not present.`;
export const notFound = (id: string) =>
  new Rejection(404, "Request_ResourceNotFound", NOT_FOUND_MESSAGE(id));

export function listOrNone(names: string[]): string {
  return names.length ? names.join(", ") : "none";
}

const SECRET_KEYS: readonly string[] = SYNCHRONIZATION_SECRET_KEYS;
const SOURCE_TYPES = ["Attribute", "Constant", "Function"] as const;
const FLOW_TYPES = [
  "Always",
  "ObjectAddOnly",
  "MultiValueAddOnly",
  "ValueAddOnly",
  "AttributeAddOnly",
] as const;
const FLOW_BEHAVIORS = ["FlowWhenChanged", "FlowAlways"] as const;
const OBJECT_FLOW_TYPES = ["None", "Add", "Update", "Delete"] as const;
const OBJECT_MAPPING_METADATA = [
  "EscrowBehavior",
  "DisableMonitoringForChanges",
  "OriginalJoiningProperty",
  "Disposition",
  "IsCustomerDefined",
  "ExcludeFromReporting",
  "Unsynchronized",
] as const;
const OBJECT_DEFINITION_METADATA = [
  "PropertyNameAccountEnabled",
  "PropertyNameSoftDeleted",
  "IsSoftDeletionSupported",
  "IsSynchronizeAllSupported",
  "ConnectorDataStorageRequired",
  "Extensions",
  "BaseObjectName",
] as const;
const ATTRIBUTE_DEFINITION_METADATA = [
  "BaseAttributeName",
  "ComplexObjectDefinition",
  "IsContainer",
  "IsCustomerDefined",
  "IsDomainQualified",
  "LinkPropertyNames",
  "LinkTypeName",
  "MaximumLength",
  "ReferencedProperty",
] as const;
const ATTRIBUTE_TYPES = [
  "String",
  "Integer",
  "Reference",
  "Binary",
  "Boolean",
  "DateTime",
] as const;
const MUTABILITIES = ["ReadWrite", "ReadOnly", "Immutable", "WriteOnly"] as const;
const DISCOVERABILITIES = [
  "None",
  "AttributeNames",
  "AttributeDataTypes",
  "AttributeReadOnly",
  "ReferenceAttributes",
  "UnknownFutureValue",
] as const;
export const RESTART_SCOPES = [
  "None",
  "ConnectorDataStore",
  "Escrows",
  "Watermark",
  "QuarantineState",
  "Full",
  "ForceDeletes",
] as const;
export type RestartScope = (typeof RESTART_SCOPES)[number];
const MAX_EXPRESSION_LENGTH = 10_000;
const INT32_MAX = 2_147_483_647;

const SCHEMA_PROPS = ["id", "version", "synchronizationRules", "directories"];
const DIRECTORY_PROPS = [
  "id",
  "discoverabilities",
  "discoveryDateTime",
  "name",
  "objects",
  "readOnly",
  "version",
];
const OBJECT_PROPS = ["attributes", "metadata", "name", "supportedApis"];
const ATTRIBUTE_PROPS = [
  "anchor",
  "apiExpressions",
  "caseExact",
  "defaultValue",
  "flowNullValues",
  "metadata",
  "multivalued",
  "mutability",
  "name",
  "referencedObjects",
  "required",
  "type",
];
const RULE_PROPS = [
  "containerFilter",
  "editable",
  "groupFilter",
  "id",
  "metadata",
  "name",
  "objectMappings",
  "priority",
  "sourceDirectoryName",
  "targetDirectoryName",
];
const OBJECT_MAPPING_PROPS = [
  "attributeMappings",
  "enabled",
  "flowTypes",
  "metadata",
  "name",
  "scope",
  "sourceObjectName",
  "targetObjectName",
];
const ATTRIBUTE_MAPPING_PROPS = [
  "defaultValue",
  "exportMissingReferences",
  "flowBehavior",
  "flowType",
  "matchingPriority",
  "source",
  "targetAttributeName",
];
const SOURCE_PROPS = ["expression", "name", "parameters", "type"];

export type Obj = Record<string, unknown>;

const invalid = (where: string, reason: string) =>
  badRequest(`Invalid request body: ${where}: ${reason}`);

export const isObj = (v: unknown): v is Obj =>
  typeof v === "object" && v !== null && !Array.isArray(v);
const at = (base: string, key: string | number) =>
  typeof key === "number" ? `${base}[${key}]` : base ? `${base}.${key}` : key;

/** OData instance annotations ("@odata.context", "x@odata.type") are metadata, not properties. */
const isAnnotation = (key: string) => key.includes("@");

function object(v: unknown, where: string, type: string, allowed: readonly string[]): Obj {
  if (!isObj(v)) throw invalid(where || "(body)", `must be a JSON object (${type})`);
  for (const key of Object.keys(v)) {
    if (!isAnnotation(key) && !allowed.includes(key)) {
      throw invalid(at(where, key), `unknown property; ${type} has ${allowed.join(", ")}`);
    }
  }
  return v;
}

function array(o: Obj, key: string, where: string, required: boolean): unknown[] {
  const v = o[key];
  if (v === undefined && !required) return [];
  if (!Array.isArray(v)) {
    throw invalid(at(where, key), required ? "required; must be an array" : "must be an array");
  }
  return v;
}

function string(o: Obj, key: string, where: string, required: boolean): string | undefined {
  const v = o[key];
  if (v === undefined || v === null) {
    if (required) throw invalid(at(where, key), "required; must be a string");
    return undefined;
  }
  if (typeof v !== "string") throw invalid(at(where, key), "must be a string");
  return v;
}

function boolean(o: Obj, key: string, where: string, nullable = false): void {
  const v = o[key];
  if (v === undefined || (nullable && v === null)) return;
  if (typeof v !== "boolean") throw invalid(at(where, key), "must be a boolean");
}

function int32(o: Obj, key: string, where: string): void {
  const v = o[key];
  if (v === undefined) return;
  if (typeof v !== "number" || !Number.isInteger(v) || v < -INT32_MAX - 1 || v > INT32_MAX) {
    throw invalid(at(where, key), "must be a 32-bit integer");
  }
}

function enumValue(
  o: Obj,
  key: string,
  where: string,
  members: readonly string[],
  nullable: boolean,
): void {
  const v = o[key];
  if (v === undefined || (nullable && v === null)) return;
  if (typeof v !== "string" || !members.includes(v)) {
    throw invalid(at(where, key), `${JSON.stringify(v)} is not one of ${members.join(", ")}`);
  }
}

/** Flags enums travel as comma-separated member names, e.g. "Add, Update, Delete" or [S74]'s
 *  "Add,Update,Delete": split on commas and trim. */
function flagsValue(o: Obj, key: string, where: string, members: readonly string[]): string[] {
  const v = o[key];
  if (v === undefined || v === null) return [];
  const parts = typeof v === "string" ? v.split(",").map((p) => p.trim()) : [];
  if (typeof v !== "string" || parts.some((p) => !members.includes(p))) {
    throw invalid(
      at(where, key),
      `${JSON.stringify(v)} is not a comma-separated list of ${members.join(", ")}`,
    );
  }
  return parts.filter((p) => p !== "");
}

function metadataEntries(o: Obj, where: string, keys: readonly string[] | undefined): void {
  array(o, "metadata", where, false).forEach((entry, i) => {
    const w = at(at(where, "metadata"), i);
    const e = object(entry, w, "metadata entry", ["key", "value"]);
    if (keys) enumValue(e, "key", w, keys, true);
    else string(e, "key", w, false);
    string(e, "value", w, false);
  });
}

export function stripAnnotations<T>(value: T): T {
  if (Array.isArray(value)) return value.map(stripAnnotations) as T;
  if (!isObj(value)) return value;
  const out: Obj = {};
  for (const [k, v] of Object.entries(value)) if (!isAnnotation(k)) out[k] = stripAnnotations(v);
  return out as T;
}

export interface SecretPairOptions {
  /** F6 [S86]: a key that matches an enum member only case-insensitively (baseAddress) was answered
   *  500 InternalError by validateCredentials. When set, such keys get that answer; otherwise they
   *  are unknown keys (400, guess). */
  miscasedKeyIsInternalError?: boolean;
}

function checkSecretPairs(
  list: unknown[],
  where: string,
  options: SecretPairOptions = {},
): MSGraph.SynchronizationSecretKeyStringValuePair[] {
  const seen = new Set<string>();
  return list.map((item, i) => {
    const w = at(where, i);
    const pair = object(item, w, "synchronizationSecretKeyStringValuePair", ["key", "value"]);
    // Neither the key nor the value is echoed: a client that swaps them would leak a secret here.
    if (typeof pair.key !== "string" || !SECRET_KEYS.includes(pair.key)) {
      if (
        options.miscasedKeyIsInternalError &&
        typeof pair.key === "string" &&
        SECRET_KEYS.some((k) => k.toLowerCase() === (pair.key as string).toLowerCase())
      ) {
        // [S86]: "requested value … not found"; the fake does not echo the key.
        throw new Rejection(500, "InternalError", "Requested value was not found.");
      }
      throw invalid(
        at(w, "key"),
        "required; must be a synchronizationSecret name such as BaseAddress, SecretToken, " +
          "SyncNotificationSettings or SyncAll",
      );
    }
    if (typeof pair.value !== "string") throw invalid(at(w, "value"), "required; must be a string");
    if (seen.has(pair.key)) throw invalid(at(w, "key"), `${pair.key} appears more than once`);
    seen.add(pair.key);
    return { key: pair.key as MSGraph.SynchronizationSecret, value: pair.value };
  });
}

/** F12: PUT …/secrets `{"value":[{key,value}]}`. */
export function checkSecretsBody(body: unknown): MSGraph.SynchronizationSecretKeyStringValuePair[] {
  const o = object(body, "", "secrets collection ({value:[{key,value}]})", ["value"]);
  return checkSecretPairs(array(o, "value", "", true), "value");
}

export function checkCreateJobBody(body: unknown, templates: SeedTemplate[]): string {
  const o = object(body, "", "synchronizationJob", ["templateId"]);
  const templateId = string(o, "templateId", "", false);
  if (templateId === undefined || !templates.some((t) => t.id === templateId)) {
    throw invalid(
      "templateId",
      `required; must name one of this service principal's synchronization templates ` +
        `(${listOrNone(templates.map((t) => t.id))})`,
    );
  }
  return templateId;
}

export function checkValidateCredentialsBody(body: unknown): Obj {
  const o = object(body ?? {}, "", "validateCredentials parameters", [
    "useSavedCredentials",
    "credentials",
    "applicationIdentifier",
    "templateId",
  ]);
  boolean(o, "useSavedCredentials", "", true);
  string(o, "applicationIdentifier", "", false);
  string(o, "templateId", "", false);
  if (o.credentials !== undefined && o.credentials !== null) {
    checkSecretPairs(array(o, "credentials", "", true), "credentials", {
      miscasedKeyIsInternalError: true,
    });
  }
  return o;
}

/** F8: `{"criteria":{"resetScope":"Watermark, Escrows, QuarantineState"}}`; members validated against
 *  synchronizationJobRestartScope, comma-separated with optional spaces. undefined = no criteria. */
export function checkRestartBody(body: unknown): { scope: RestartScope[]; raw?: string } {
  if (body === undefined) return { scope: [] };
  const o = object(body, "", "restart parameters", ["criteria"]);
  if (o.criteria === undefined || o.criteria === null) return { scope: [] };
  const criteria = object(o.criteria, "criteria", "synchronizationJobRestartCriteria", [
    "resetScope",
  ]);
  const scope = flagsValue(criteria, "resetScope", "criteria", RESTART_SCOPES) as RestartScope[];
  const raw = typeof criteria.resetScope === "string" ? criteria.resetScope : undefined;
  return { scope, raw };
}

interface DirectoryIndex {
  /** directory name → object name → attribute names */
  [directory: string]: Map<string, Set<string>>;
}

export interface SchemaCheckOptions {
  /** guess (F3 UNVERIFIED): reject a Function source whose `parameters` is missing or empty although
   *  its expression has arguments. */
  strictFunctionSources: boolean;
}

export function checkSchemaBody(
  body: unknown,
  template: SeedTemplate,
  options: SchemaCheckOptions,
): MSGraph.SynchronizationSchema {
  const schema = object(body, "", "synchronizationSchema", SCHEMA_PROPS);
  string(schema, "id", "", false);
  string(schema, "version", "", false);

  const directories: DirectoryIndex = {};
  array(schema, "directories", "", true).forEach((d, i) => {
    const w = at("directories", i);
    const dir = object(d, w, "directoryDefinition", DIRECTORY_PROPS);
    const name = string(dir, "name", w, true)!;
    if (directories[name])
      throw invalid(at(w, "name"), `directory "${name}" appears more than once`);
    string(dir, "id", w, false);
    string(dir, "discoveryDateTime", w, false);
    string(dir, "version", w, false);
    boolean(dir, "readOnly", w);
    flagsValue(dir, "discoverabilities", w, DISCOVERABILITIES);
    const objects = new Map<string, Set<string>>();
    array(dir, "objects", w, false).forEach((ob, j) => {
      const wo = at(at(w, "objects"), j);
      const def = object(ob, wo, "objectDefinition", OBJECT_PROPS);
      const objectName = string(def, "name", wo, true)!;
      metadataEntries(def, wo, OBJECT_DEFINITION_METADATA);
      array(def, "supportedApis", wo, false);
      const names = new Set<string>();
      array(def, "attributes", wo, false).forEach((a, k) => {
        const wa = at(at(wo, "attributes"), k);
        const attr = object(a, wa, "attributeDefinition", ATTRIBUTE_PROPS);
        names.add(string(attr, "name", wa, true)!);
        for (const flag of ["anchor", "caseExact", "flowNullValues", "multivalued", "required"]) {
          boolean(attr, flag, wa);
        }
        string(attr, "defaultValue", wa, false);
        enumValue(attr, "type", wa, ATTRIBUTE_TYPES, false);
        enumValue(attr, "mutability", wa, MUTABILITIES, false);
        metadataEntries(attr, wa, ATTRIBUTE_DEFINITION_METADATA);
        array(attr, "apiExpressions", wa, false);
        array(attr, "referencedObjects", wa, false);
      });
      objects.set(objectName, names);
    });
    directories[name] = objects;
  });
  const directoryNames = Object.keys(directories);

  const templateRuleIds = (template.schema.synchronizationRules ?? [])
    .map((r) => r.id)
    .filter((id): id is string => typeof id === "string");

  array(schema, "synchronizationRules", "", true).forEach((r, i) => {
    const w = at("synchronizationRules", i);
    const rule = object(r, w, "synchronizationRule", RULE_PROPS);
    const id = string(rule, "id", w, false);
    if (id !== undefined && !templateRuleIds.includes(id)) {
      throw invalid(
        at(w, "id"),
        `"${id}" is not a rule of template "${template.id}" (${listOrNone(templateRuleIds)})`,
      );
    }
    string(rule, "name", w, true);
    boolean(rule, "editable", w);
    int32(rule, "priority", w);
    metadataEntries(rule, w, undefined);
    const directory = (key: "sourceDirectoryName" | "targetDirectoryName") => {
      const name = string(rule, key, w, true)!;
      if (!directories[name]) {
        throw invalid(
          at(w, key),
          `"${name}" is not one of the schema's directories (${listOrNone(directoryNames)})`,
        );
      }
      return { name, objects: directories[name] };
    };
    const source = directory("sourceDirectoryName");
    const target = directory("targetDirectoryName");

    array(rule, "objectMappings", w, true).forEach((m, j) => {
      const wm = at(at(w, "objectMappings"), j);
      const mapping = object(m, wm, "objectMapping", OBJECT_MAPPING_PROPS);
      string(mapping, "name", wm, false);
      boolean(mapping, "enabled", wm);
      flagsValue(mapping, "flowTypes", wm, OBJECT_FLOW_TYPES);
      metadataEntries(mapping, wm, OBJECT_MAPPING_METADATA);
      if (mapping.scope !== undefined && mapping.scope !== null) {
        const scope = object(mapping.scope, at(wm, "scope"), "filter", [
          "categoryFilterGroups",
          "groups",
          "inputFilterGroups",
        ]);
        for (const key of ["categoryFilterGroups", "groups", "inputFilterGroups"]) {
          array(scope, key, at(wm, "scope"), false);
        }
      }
      const objectOf = (key: "sourceObjectName" | "targetObjectName", dir: typeof source) => {
        const name = string(mapping, key, wm, true)!;
        const attributes = dir.objects.get(name);
        if (!attributes) {
          throw invalid(
            at(wm, key),
            `"${name}" is not an object of directory "${dir.name}" (${listOrNone([...dir.objects.keys()])})`,
          );
        }
        return { name, attributes };
      };
      const sourceObject = objectOf("sourceObjectName", source);
      const targetObject = objectOf("targetObjectName", target);

      const targets = new Set<string>();
      array(mapping, "attributeMappings", wm, true).forEach((a, k) => {
        const wa = at(at(wm, "attributeMappings"), k);
        const am = object(a, wa, "attributeMapping", ATTRIBUTE_MAPPING_PROPS);
        const targetName = string(am, "targetAttributeName", wa, true)!;
        if (!targetObject.attributes.has(targetName)) {
          throw invalid(
            at(wa, "targetAttributeName"),
            `"${targetName}" is not an attribute of object "${targetObject.name}" in directory "${target.name}"`,
          );
        }
        if (targets.has(targetName)) {
          throw invalid(
            at(wa, "targetAttributeName"),
            `"${targetName}" is mapped more than once in this object mapping`,
          );
        }
        targets.add(targetName);
        string(am, "defaultValue", wa, false);
        boolean(am, "exportMissingReferences", wa);
        enumValue(am, "flowBehavior", wa, FLOW_BEHAVIORS, false);
        enumValue(am, "flowType", wa, FLOW_TYPES, false);
        int32(am, "matchingPriority", wa);
        if (am.source !== undefined && am.source !== null) {
          checkSource(
            am.source,
            at(wa, "source"),
            {
              object: sourceObject.name,
              directory: source.name,
              attributes: sourceObject.attributes,
            },
            options,
          );
        }
      });
    });
  });
  return stripAnnotations(schema) as MSGraph.SynchronizationSchema;
}

interface SourceScope {
  object: string;
  directory: string;
  attributes: Set<string>;
}

function checkSource(
  value: unknown,
  where: string,
  scope: SourceScope,
  options: SchemaCheckOptions,
): void {
  const source = object(value, where, "attributeMappingSource", SOURCE_PROPS);
  // The CSDL makes type non-nullable with Attribute as its default.
  if (source.type === null)
    throw invalid(at(where, "type"), `must be one of ${SOURCE_TYPES.join(", ")}`);
  enumValue(source, "type", where, SOURCE_TYPES, false);
  const type = (source.type as string | undefined) ?? "Attribute";
  const name = string(source, "name", where, type === "Attribute");
  const expression = string(source, "expression", where, type === "Function");
  if (type === "Function" && expression === "") {
    throw invalid(at(where, "expression"), "must not be empty for a Function source");
  }
  if (expression !== undefined && expression.length > MAX_EXPRESSION_LENGTH) {
    throw invalid(at(where, "expression"), `longer than ${MAX_EXPRESSION_LENGTH} characters`);
  }
  if (type === "Attribute" && !scope.attributes.has(name!)) {
    throw invalid(
      at(where, "name"),
      `"${name}" is not an attribute of object "${scope.object}" in directory "${scope.directory}"`,
    );
  }
  const parameters = array(source, "parameters", where, false);
  if (type === "Function" && options.strictFunctionSources && parameters.length === 0) {
    // guess (F3: "Whether Graph accepts a Function source without its tree on PUT: UNVERIFIED"):
    // the fake refuses a Function whose expression has arguments but whose tree is missing, so a
    // client must send what parseExpression returns. Off with strictFunctionSources: false.
    let needsTree = true;
    try {
      needsTree = hasArguments(parseExpressionText(expression!));
    } catch (err) {
      if (!(err instanceof ExpressionError)) throw err;
    }
    if (needsTree) {
      throw invalid(
        at(where, "parameters"),
        "a Function source must carry its parsed parameter tree (POST …/schema/parseExpression " +
          "returns it as parsedExpression)",
      );
    }
  }
  parameters.forEach((p, i) => {
    const wp = at(at(where, "parameters"), i);
    const param = object(p, wp, "stringKeyAttributeMappingSourceValuePair", ["key", "value"]);
    string(param, "key", wp, false);
    if (param.value !== undefined && param.value !== null) {
      checkSource(param.value, at(wp, "value"), scope, options);
    }
  });
}

// ---- parseExpression, provisionOnDemand, directory writes -----------------------------------------

export interface ParseExpressionRequest {
  expression: string;
  input?: { key: string; value: unknown }[];
  definition?: Obj | null;
}

/** F4: `{expression, testInputObject?, targetAttributeDefinition?}` (CSDL parseExpression). */
export function checkParseExpressionBody(body: unknown): ParseExpressionRequest {
  const o = object(body, "", "parseExpression parameters", [
    "expression",
    "testInputObject",
    "targetAttributeDefinition",
  ]);
  const expression = string(o, "expression", "", true)!;
  if (o.targetAttributeDefinition !== undefined && o.targetAttributeDefinition !== null) {
    object(
      o.targetAttributeDefinition,
      "targetAttributeDefinition",
      "attributeDefinition",
      ATTRIBUTE_PROPS,
    );
  }
  if (o.testInputObject === undefined || o.testInputObject === null) return { expression };
  const input = object(o.testInputObject, "testInputObject", "expressionInputObject", [
    "definition",
    "properties",
  ]);
  let definition: Obj | null = null;
  if (input.definition !== undefined && input.definition !== null) {
    definition = object(
      input.definition,
      "testInputObject.definition",
      "objectDefinition",
      OBJECT_PROPS,
    );
  }
  const properties = array(input, "properties", "testInputObject", false).map((p, i) => {
    const w = at("testInputObject.properties", i);
    const pair = object(p, w, "stringKeyObjectValuePair", ["key", "value"]);
    return { key: string(pair, "key", w, true)!, value: pair.value };
  });
  return { expression, input: properties, definition };
}

export interface OnDemandSubject {
  objectId: string;
  objectTypeName: string;
}

/** F9: `{"parameters":[{"subjects":[{objectId, objectTypeName, links?}], "ruleId"}]}`. */
export function checkProvisionOnDemandBody(
  body: unknown,
): { ruleId: string; subjects: OnDemandSubject[] }[] {
  const o = object(body, "", "provisionOnDemand parameters", ["parameters"]);
  const parameters = array(o, "parameters", "", true);
  if (parameters.length === 0) throw invalid("parameters", "must not be empty");
  return parameters.map((entry, i) => {
    const w = at("parameters", i);
    const p = object(entry, w, "synchronizationJobApplicationParameters", ["ruleId", "subjects"]);
    const ruleId = string(p, "ruleId", w, true)!;
    const subjects = array(p, "subjects", w, true);
    if (subjects.length === 0) throw invalid(at(w, "subjects"), "must not be empty");
    return {
      ruleId,
      subjects: subjects.map((s, j) => checkSubject(s, at(at(w, "subjects"), j))),
    };
  });
}

function checkSubject(value: unknown, where: string): OnDemandSubject {
  const s = object(value, where, "synchronizationJobSubject", [
    "links",
    "objectId",
    "objectTypeName",
  ]);
  const objectId = string(s, "objectId", where, true)!;
  const objectTypeName = string(s, "objectTypeName", where, true)!;
  if (s.links !== undefined && s.links !== null) {
    const wl = at(where, "links");
    const links = object(s.links, wl, "synchronizationLinkedObjects", [
      "manager",
      "members",
      "owners",
    ]);
    if (links.manager !== undefined && links.manager !== null)
      checkSubject(links.manager, at(wl, "manager"));
    for (const key of ["members", "owners"]) {
      array(links, key, wl, false).forEach((m, i) => checkSubject(m, at(at(wl, key), i)));
    }
  }
  return { objectId, objectTypeName };
}

/** §1a: instantiate `{displayName, serviceManagementReference?}` (CSDL). guess: displayName required. */
export function checkInstantiateBody(body: unknown): string {
  const o = object(body, "", "instantiate parameters", [
    "displayName",
    "serviceManagementReference",
  ]);
  string(o, "serviceManagementReference", "", false);
  const displayName = string(o, "displayName", "", true)!;
  if (displayName.trim() === "") throw invalid("displayName", "must not be empty");
  return displayName;
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** POST …/appRoleAssignedTo: an appRoleAssignment with principalId, resourceId, appRoleId (GUIDs). */
export function checkAppRoleAssignmentBody(body: unknown): {
  principalId: string;
  resourceId: string;
  appRoleId: string;
} {
  const o = object(body, "", "appRoleAssignment", [
    "id",
    "deletedDateTime",
    "appRoleId",
    "createdDateTime",
    "principalDisplayName",
    "principalId",
    "principalType",
    "resourceDisplayName",
    "resourceId",
  ]);
  const guid = (key: string) => {
    const v = string(o, key, "", true)!;
    if (!GUID.test(v)) throw invalid(key, "must be a GUID");
    return v.toLowerCase();
  };
  return {
    principalId: guid("principalId"),
    resourceId: guid("resourceId"),
    appRoleId: guid("appRoleId"),
  };
}
