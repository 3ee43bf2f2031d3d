import { createRequire } from "node:module";
import { join } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type * as MSGraph from "@microsoft/microsoft-graph-types";
import { GraphError } from "../lib/graph";
import { NOT_IS_SOFT_DELETED_SOURCE } from "./fakes/graphDocs";
import {
  GraphFake,
  connectorTemplate,
  connectorTemplateSchema,
  switchIsSoftDeletedSource,
} from "./fakes/graphFake";
import {
  AttributeMappingSpec,
  AttributeMappings,
  AttributeMappingsInputs,
  AttributeMappingsOutputs,
  applyMappings,
  attributeMappingsProvider,
  desiredProjection,
  graphSource,
  projectMappings,
  restoreMappings,
  sameProjections,
  sourceTree,
  validateMappingSpecs,
} from "../providers/attributeMappings";
import { sameValue } from "../providers/graphResource";

// A schema shaped like Graph's GET …/schema for the GoToMeeting connector, with parts the provider
// must carry through untouched: a second rule whose source is not Entra, a disabled Group mapping,
// metadata, a function source with its parsed parameter tree, and properties the typings lack.
function fixture(): MSGraph.SynchronizationSchema {
  const attr = (name: string) => ({ name, type: "String", anchor: false, multivalued: false });
  const schema = {
    "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#schema",
    id: "GoToMeeting",
    version: "Date:2024-05-01T10:00:00Z~V:1",
    futureProperty: { kept: [1, 2, 3] },
    directories: [
      {
        id: "66e4a8cc-1b7b-435e-95f8-f06cea133828",
        name: "Azure Active Directory",
        objects: [
          {
            name: "User",
            attributes: [
              "userPrincipalName",
              "mail",
              "givenName",
              "surname",
              "mailNickname",
              "IsSoftDeleted",
              "department",
              "displayName",
            ].map(attr),
            metadata: [],
          },
          { name: "Group", attributes: ["displayName", "objectId", "members"].map(attr) },
        ],
      },
      {
        id: "8ffa6169-f354-4751-9b77-9c00765be92d",
        name: "GoToMeeting",
        objects: [
          {
            name: "User",
            attributes: [
              "userName",
              "externalId",
              "active",
              "name.givenName",
              "name.familyName",
              'emails[type eq "work"].value',
              "displayName",
            ].map(attr),
          },
        ],
      },
    ],
    synchronizationRules: [
      {
        id: "reverse-rule",
        name: "USER_FROM_APP",
        editable: false,
        sourceDirectoryName: "GoToMeeting",
        targetDirectoryName: "Azure Active Directory",
        objectMappings: [
          {
            name: "Reverse users",
            sourceObjectName: "User",
            targetObjectName: "User",
            attributeMappings: [
              {
                targetAttributeName: "mail",
                source: {
                  expression: "[userName]",
                  name: "userName",
                  parameters: [],
                  type: "Attribute",
                },
                matchingPriority: 1,
              },
            ],
          },
        ],
      },
      {
        id: "03f7d90d-bf71-41b1-bda6-aaf0ddbee5d8",
        name: "USER_TO_USER",
        editable: true,
        priority: 1,
        sourceDirectoryName: "Azure Active Directory",
        targetDirectoryName: "GoToMeeting",
        metadata: [{ key: "defaultSourceObjectMappings", value: "[]" }],
        objectMappings: [
          {
            enabled: false,
            flowTypes: "Add, Update, Delete",
            name: "Synchronize Azure Active Directory Groups to GoToMeeting",
            sourceObjectName: "Group",
            targetObjectName: "Group",
            scope: null,
            attributeMappings: [],
          },
          {
            enabled: true,
            flowTypes: "Add, Update, Delete",
            metadata: [{ key: "Disposition", value: "Normal" }],
            name: "Synchronize Azure Active Directory Users to GoToMeeting",
            scope: null,
            sourceObjectName: "User",
            targetObjectName: "User",
            attributeMappings: [
              {
                defaultValue: null,
                exportMissingReferences: false,
                flowBehavior: "FlowWhenChanged",
                flowType: "Always",
                matchingPriority: 1,
                source: {
                  expression: "[userPrincipalName]",
                  name: "userPrincipalName",
                  parameters: [],
                  type: "Attribute",
                },
                targetAttributeName: "userName",
              },
              {
                defaultValue: null,
                exportMissingReferences: false,
                flowBehavior: "FlowAlways",
                flowType: "Always",
                matchingPriority: 0,
                source: {
                  expression: "[mailNickname]",
                  name: "mailNickname",
                  parameters: [],
                  type: "Attribute",
                },
                targetAttributeName: "externalId",
              },
              {
                defaultValue: null,
                exportMissingReferences: false,
                flowBehavior: "FlowWhenChanged",
                flowType: "Always",
                matchingPriority: 0,
                // As Graph's function list spells Switch's parameters (test/fakes/graphConnectors.ts).
                source: switchIsSoftDeletedSource(),
                targetAttributeName: "active",
              },
              {
                defaultValue: null,
                exportMissingReferences: false,
                flowBehavior: "FlowWhenChanged",
                flowType: "Always",
                matchingPriority: 0,
                source: {
                  expression: "[givenName]",
                  name: "givenName",
                  parameters: [],
                  type: "Attribute",
                },
                targetAttributeName: "name.givenName",
              },
            ],
          },
        ],
      },
    ],
  };
  // Graph's payload has properties the typings lack (futureProperty, @odata.context) and flowTypes
  // as a comma list where the typings name single flags: exactly what must survive a rewrite.
  return schema as unknown as MSGraph.SynchronizationSchema;
}

const USERS = (s: MSGraph.SynchronizationSchema) => s.synchronizationRules![1].objectMappings![1];
const ENTRA_USER_NAMES =
  "IsSoftDeleted, department, displayName, givenName, mail, mailNickname, surname, userPrincipalName";
const APP_USER_NAMES =
  'active, displayName, emails[type eq "work"].value, externalId, name.familyName, name.givenName, userName';

const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

describe("validateMappingSpecs", () => {
  const ok = { target: "userName", source: "userPrincipalName", matchingPriority: 1 };
  const cases: [string, unknown, string[]][] = [
    ["a valid list", [ok, { target: "active", expression: "Not([IsSoftDeleted])" }], []],
    ["an empty list", [], []],
    [
      "not a list",
      { target: "userName" },
      [
        'attributeMappings: must be a list of mappings such as [{target: "userName", source: "userPrincipalName", matchingPriority: 1}]; got an object',
      ],
    ],
    [
      "an item that is not an object",
      ["userName"],
      [
        'attributeMappings[0]: must be a mapping such as {target: "userName", source: "userPrincipalName"}; got "userName"',
      ],
    ],
    [
      "source and constant",
      [
        ok,
        { target: "externalId", source: "mail" },
        { target: "active", source: "mail", constant: "x" },
      ],
      [
        "attributeMappings[2]: set exactly one of source, expression or constant (found source and constant)",
      ],
    ],
    [
      "all three",
      [{ target: "active", source: "a", expression: "Not([a])", constant: "x" }],
      [
        "attributeMappings[0]: set exactly one of source, expression or constant (found source, expression and constant)",
      ],
    ],
    [
      "none of them",
      [{ target: "active" }],
      ["attributeMappings[0]: set exactly one of source, expression or constant (found none)"],
    ],
    [
      "a missing target",
      [{ source: "mail" }],
      [
        'attributeMappings[0].target: required, the app attribute to set (e.g. "userName"); got nothing',
      ],
    ],
    [
      "a blank target",
      [{ target: " ", source: "mail" }],
      [
        'attributeMappings[0].target: required, the app attribute to set (e.g. "userName"); got " "',
      ],
    ],
    [
      "an unknown key",
      [{ ...ok, flow: "Always" }],
      [
        'attributeMappings[0]: unknown key "flow"; allowed keys: target, source, expression, constant, matchingPriority, flowType, defaultValue, objectType',
      ],
    ],
    [
      "a non-string source",
      [{ target: "userName", source: 5 }],
      ["attributeMappings[0].source: must be a string; got 5"],
    ],
    [
      "an empty source",
      [{ target: "userName", source: "" }],
      [
        'attributeMappings[0].source: must name an Entra attribute (e.g. "userPrincipalName"), not be empty',
      ],
    ],
    ...[0, -1, 1.5, 2147483648, "1"].map((p): [string, unknown, string[]] => [
      `matchingPriority ${JSON.stringify(p)}`,
      [{ ...ok, matchingPriority: p }],
      ["attributeMappings[0].matchingPriority: must be a whole number from 1 to 2147483647"],
    ]),
    ["matchingPriority 2147483647", [{ ...ok, matchingPriority: 2147483647 }], []],
    [
      "an unknown flowType",
      [{ ...ok, flowType: "Sometimes" }],
      [
        'attributeMappings[0].flowType: must be one of Always, ObjectAddOnly, MultiValueAddOnly, ValueAddOnly, AttributeAddOnly; got "Sometimes"',
      ],
    ],
    [
      "a non-string defaultValue",
      [{ ...ok, defaultValue: false }],
      ["attributeMappings[0].defaultValue: must be a string; got false"],
    ],
    [
      "an unknown objectType",
      [{ ...ok, objectType: "Device" }],
      ['attributeMappings[0].objectType: must be "User" or "Group"; got "Device"'],
    ],
    [
      "a duplicate target within one object type",
      [
        ok,
        { target: "externalId", source: "mail" },
        { target: "userName", source: "mail", objectType: "User" },
      ],
      [
        'attributeMappings[2].target: "userName" is already mapped for User at attributeMappings[0]; keep one mapping per target attribute',
      ],
    ],
    [
      "the same target for users and groups",
      [
        { target: "displayName", source: "displayName" },
        { target: "displayName", source: "displayName", objectType: "Group" },
      ],
      [],
    ],
    [
      "two problems in one item",
      [{ target: "userName", source: "a", constant: "b", flowType: "Never" }],
      [
        "attributeMappings[0]: set exactly one of source, expression or constant (found source and constant)",
        'attributeMappings[0].flowType: must be one of Always, ObjectAddOnly, MultiValueAddOnly, ValueAddOnly, AttributeAddOnly; got "Never"',
      ],
    ],
  ];
  it.each(cases)("%s", (_name, specs, expected) => {
    expect(validateMappingSpecs(specs, "attributeMappings")).toEqual(expected);
  });

  const expr = (expression: string) =>
    validateMappingSpecs([{ target: "active", expression }], "mappings");
  const expressions: [string, string[]][] = [
    ['Join(" ", [givenName], [surname])', []],
    ['Switch([IsSoftDeleted], , "False", "True", "True", "False")', []],
    ['Replace([mail], , "\\"", , "", , )', []],
    ['Join(" [(", [givenName])', []],
    ["  Not([IsSoftDeleted])  ", []],
    ["", ["mappings[0].expression: must not be empty"]],
    ["   ", ["mappings[0].expression: must not be empty"]],
    [
      'Join(" ", [givenName]',
      ['mappings[0].expression: "(" at character 5 is never closed (a missing ")")'],
    ],
    [
      'Join(" ", [givenName)',
      ['mappings[0].expression: "[" at character 11 is never closed (a missing "]")'],
    ],
    [
      'Join(" ", [given[Name])',
      ['mappings[0].expression: "[" at character 11 is never closed (a missing "]")'],
    ],
    ['Join(" ", givenName])', ['mappings[0].expression: "]" at character 20 has no matching "["']],
    [
      'Join(" ", [givenName]))',
      ['mappings[0].expression: ")" at character 23 has no matching "("'],
    ],
    [
      'Join(" , [givenName])',
      ['mappings[0].expression: the string opened at character 6 is never closed (a missing ")'],
    ],
    ['Join(" ", [])', ['mappings[0].expression: "[]" at character 11 names no attribute']],
    ...["[givenName]", '"fixed"', 'Not([a]) & "b"', "(Not([a]))"].map((e): [string, string[]] => [
      e,
      [
        'mappings[0].expression: must be one function call such as Join(" ", [givenName], [surname]); use source for a plain attribute or constant for a fixed value',
      ],
    ]),
  ];
  it.each(expressions)("expression %j", (expression, expected) => {
    expect(expr(expression)).toEqual(expected);
  });

  it("accepts an expression of exactly 10,000 characters and rejects 10,001", () => {
    const of = (n: number) => `Join("", "${"a".repeat(n - 12)}")`;
    expect(of(10_000)).toHaveLength(10_000);
    expect(expr(of(10_000))).toEqual([]);
    expect(expr(of(10_001))).toEqual([
      "mappings[0].expression: is 10001 characters long; Entra accepts at most 10,000",
    ]);
  });
});

describe("applyMappings", () => {
  const untouchedParts = (s: MSGraph.SynchronizationSchema) => {
    const { synchronizationRules, ...rest } = s;
    const rule = synchronizationRules![1];
    const { objectMappings, ...ruleRest } = rule;
    const { attributeMappings: _am, ...usersRest } = objectMappings![1];
    return JSON.stringify([
      rest,
      synchronizationRules![0],
      ruleRest,
      objectMappings![0],
      usersRest,
    ]);
  };

  it("is a no-op, returning the same object, when the declared mappings already match", () => {
    const input = fixture();
    const out = applyMappings(input, "User", [
      { target: "userName", source: "userPrincipalName", matchingPriority: 1 },
      {
        target: "active",
        expression: 'Switch([IsSoftDeleted], , "False", "True", "True", "False")',
      },
    ]);
    expect(out).toEqual({ schema: input, changed: false, errors: [] });
    expect(out.schema).toBe(input);
  });

  it("changes only the declared mappings and keeps the rest byte-for-byte", () => {
    const input = fixture();
    const out = applyMappings(input, "User", [
      { target: "externalId", source: "mail", flowType: "ObjectAddOnly", defaultValue: "none" },
    ]);
    expect(out.errors).toEqual([]);
    expect(out.changed).toBe(true);
    expect(input).toEqual(fixture()); // not mutated
    expect(untouchedParts(out.schema)).toBe(untouchedParts(input));
    const before = USERS(input).attributeMappings!;
    const after = USERS(out.schema).attributeMappings!;
    expect(after).toHaveLength(4);
    expect(JSON.stringify([after[0], after[2], after[3]])).toBe(
      JSON.stringify([before[0], before[2], before[3]]),
    );
    // Fields the spec cannot express (flowBehavior FlowAlways, exportMissingReferences) are kept,
    // in their original key order.
    expect(JSON.stringify(after[1])).toBe(
      JSON.stringify({
        defaultValue: "none",
        exportMissingReferences: false,
        flowBehavior: "FlowAlways",
        flowType: "ObjectAddOnly",
        matchingPriority: 0,
        source: { type: "Attribute", name: "mail", expression: "[mail]", parameters: [] },
        targetAttributeName: "externalId",
      }),
    );
    // Everything else in the schema is deep-equal to before.
    const expected = fixture();
    USERS(expected).attributeMappings![1] = after[1];
    expect(out.schema).toEqual(expected);
  });

  it("appends a new target with the documented defaults (GoToMeeting: mail to the work e-mail)", () => {
    const out = applyMappings(fixture(), "User", [
      { target: "userName", source: "userPrincipalName", matchingPriority: 1 },
      { target: 'emails[type eq "work"].value', source: "mail" },
    ]);
    expect(out.errors).toEqual([]);
    expect(out.changed).toBe(true);
    const list = USERS(out.schema).attributeMappings!;
    expect(list).toHaveLength(5);
    expect(JSON.stringify(list[4])).toBe(
      JSON.stringify({
        targetAttributeName: 'emails[type eq "work"].value',
        source: { type: "Attribute", name: "mail", expression: "[mail]", parameters: [] },
        matchingPriority: 0,
        flowType: "Always",
        flowBehavior: "FlowWhenChanged",
        defaultValue: null,
        exportMissingReferences: false,
      }),
    );
    expect(list.slice(0, 4)).toEqual(USERS(fixture()).attributeMappings);
  });

  it("builds constant sources, and function sources from the tree Graph parsed", () => {
    // A Function source carries its parameters tree in every documented schema (F3, [S35]).
    const parsed = { "Not([IsSoftDeleted])": NOT_IS_SOFT_DELETED_SOURCE };
    const out = applyMappings(
      fixture(),
      "User",
      [
        { target: "displayName", constant: 'Org "A" \\ B' },
        { target: "active", expression: "Not([IsSoftDeleted])", defaultValue: "True" },
      ],
      parsed,
    );
    expect(out.errors).toEqual([]);
    const list = USERS(out.schema).attributeMappings!;
    expect(list[4].source).toEqual({
      type: "Constant",
      name: 'Org "A" \\ B',
      expression: '"Org \\"A\\" \\\\ B"',
      parameters: [],
    });
    expect(list[2]).toEqual({
      defaultValue: "True",
      exportMissingReferences: false,
      flowBehavior: "FlowWhenChanged",
      flowType: "Always",
      matchingPriority: 0,
      source: NOT_IS_SOFT_DELETED_SOURCE,
      targetAttributeName: "active",
    });
    // Without Graph's parse there is nothing to write: never an expression without its tree.
    expect(() =>
      applyMappings(fixture(), "User", [{ target: "active", expression: "Not([IsSoftDeleted])" }]),
    ).toThrow("has not been parsed by Graph yet");
  });

  it("lists the valid names for unknown target and source attributes", () => {
    const out = applyMappings(fixture(), "User", [
      { target: "userName", source: "userPrincipalName", matchingPriority: 1 },
      { target: "email", source: "mail" },
      { target: "externalId", source: "employeeId" },
      { target: "active", expression: 'Join(" ", [givenName], [nickname], [title], [nickname])' },
    ]);
    expect(out).toEqual({
      schema: fixture(),
      changed: false,
      errors: [
        `mappings[1].target: "email" is not an attribute of GoToMeeting User; valid names: ${APP_USER_NAMES}`,
        `mappings[2].source: "employeeId" is not an attribute of Azure Active Directory User; valid names: ${ENTRA_USER_NAMES}`,
        `mappings[3].expression: [nickname], [title] are not attributes of Azure Active Directory User; valid names: ${ENTRA_USER_NAMES}`,
      ],
    });
  });

  it("names a single unknown reference in an expression", () => {
    const out = applyMappings(fixture(), "User", [
      { target: "active", expression: "Not([deleted])" },
    ]);
    expect(out.errors).toEqual([
      `mappings[0].expression: [deleted] is not an attribute of Azure Active Directory User; valid names: ${ENTRA_USER_NAMES}`,
    ]);
  });

  const priorities: [string, AttributeMappingSpec[], string[]][] = [
    [
      "a tie at the lowest priority",
      [{ target: "externalId", source: "mailNickname", matchingPriority: 1 }],
      [
        'mappings: "userName" and "externalId" share the lowest matchingPriority 1; exactly one mapping may have the lowest matchingPriority, give the others higher numbers or none',
      ],
    ],
    [
      "no matching attribute left",
      [{ target: "userName", source: "userPrincipalName" }],
      [
        "mappings: no mapping has a matchingPriority, so the app's existing accounts could not be matched; set matchingPriority: 1 on the attribute that identifies a user in the app (for example userName)",
      ],
    ],
    [
      "a unique lowest with a tie above it",
      [
        { target: "userName", source: "userPrincipalName", matchingPriority: 2 },
        { target: "externalId", source: "mailNickname", matchingPriority: 1 },
        { target: 'emails[type eq "work"].value', source: "mail", matchingPriority: 2 },
      ],
      [],
    ],
  ];
  it.each(priorities)("matchingPriority: %s", (_name, specs, errors) => {
    const out = applyMappings(fixture(), "User", specs);
    expect(out.errors).toEqual(errors);
    expect(out.changed).toBe(errors.length === 0);
  });

  it("refuses an object type that no Entra object mapping flows", () => {
    const schema = fixture();
    schema.synchronizationRules![1].objectMappings!.splice(0, 1);
    expect(
      applyMappings(schema, "Group", [{ target: "displayName", source: "displayName" }]),
    ).toEqual({
      schema,
      changed: false,
      errors: [
        'objectType: no object mapping in this job\'s schema flows Azure Active Directory Group objects to the app (object mappings: "Reverse users" (GoToMeeting User → Azure Active Directory User), "Synchronize Azure Active Directory Users to GoToMeeting" (Azure Active Directory User → GoToMeeting User)); this connector does not provision groups, remove the Group mappings',
      ],
    });
  });

  it("refuses a read-only rule", () => {
    const schema = fixture();
    schema.synchronizationRules![1].editable = false;
    expect(
      applyMappings(schema, "User", [{ target: "externalId", source: "mail" }]).errors,
    ).toEqual([
      'objectType: the synchronization rule "USER_TO_USER" that flows User objects is read-only (editable: false), so Graph would refuse its mappings; remove this resource or use a template whose rule is editable',
    ]);
  });

  it("reports a target object the directories do not define", () => {
    const out = applyMappings(fixture(), "Group", [
      { target: "displayName", source: "displayName" },
    ]);
    expect(out.errors).toEqual([
      "the schema has no directory definition for GoToMeeting Group, so target names cannot be checked",
    ]);
  });

  it("passes shape errors through without looking at the schema", () => {
    const out = applyMappings(fixture(), "User", [
      { target: "userName", source: "a", constant: "b" } as AttributeMappingSpec,
    ]);
    expect(out.errors).toEqual([
      "mappings[0]: set exactly one of source, expression or constant (found source and constant)",
    ]);
  });
});

describe("projectMappings and restoreMappings", () => {
  it("projects the declared targets, null where a target has no mapping", () => {
    expect(
      projectMappings(fixture(), "User", ["active", 'emails[type eq "work"].value', "userName"]),
    ).toEqual([
      {
        target: "active",
        expression: 'Switch([IsSoftDeleted], , "False", "True", "True", "False")',
        // The tree without its text forms: what diff compares (Graph re-spaces the text, [S36]).
        tree: {
          type: "Function",
          name: "Switch",
          parameters: [
            { key: "source", value: { type: "Attribute", name: "IsSoftDeleted", parameters: [] } },
            { key: "switchValue", value: { type: "Constant", name: "False", parameters: [] } },
            { key: "switchValue", value: { type: "Constant", name: "True", parameters: [] } },
            { key: "switchValue", value: { type: "Constant", name: "True", parameters: [] } },
            { key: "switchValue", value: { type: "Constant", name: "False", parameters: [] } },
          ],
        },
        matchingPriority: 0,
        flowType: "Always",
        defaultValue: null,
      },
      null,
      {
        target: "userName",
        source: "userPrincipalName",
        matchingPriority: 1,
        flowType: "Always",
        defaultValue: null,
      },
    ]);
  });

  it("projects constants, and a mapping without a source as such", () => {
    const schema = fixture();
    const list = USERS(schema).attributeMappings!;
    list[1] = { targetAttributeName: "externalId", source: null, defaultValue: "x" };
    list[3] = { targetAttributeName: "name.givenName", source: { type: "Constant", name: "Ann" } };
    expect(projectMappings(schema, "User", ["externalId", "name.givenName"])).toEqual([
      { target: "externalId", matchingPriority: 0, flowType: "Always", defaultValue: "x" },
      {
        target: "name.givenName",
        constant: "Ann",
        matchingPriority: 0,
        flowType: "Always",
        defaultValue: null,
      },
    ]);
  });

  it("a spec's desired projection equals the projection of the mapping it builds", () => {
    const specs: AttributeMappingSpec[] = [
      {
        target: "a",
        source: "mail",
        matchingPriority: 3,
        flowType: "ValueAddOnly",
        defaultValue: "d",
      },
      { target: "b", constant: "" },
      { target: "c", expression: "Not([IsSoftDeleted])" },
    ];
    const parsed = { "Not([IsSoftDeleted])": NOT_IS_SOFT_DELETED_SOURCE };
    const schema = fixture();
    USERS(schema).attributeMappings = specs.map((spec) => {
      const want = desiredProjection(spec, parsed);
      return {
        targetAttributeName: spec.target,
        source: graphSource(spec, parsed),
        matchingPriority: want.matchingPriority,
        flowType: spec.flowType,
        defaultValue: want.defaultValue,
      };
    });
    expect(projectMappings(schema, "User", ["a", "b", "c"])).toEqual([
      {
        target: "a",
        source: "mail",
        matchingPriority: 3,
        flowType: "ValueAddOnly",
        defaultValue: "d",
      },
      { target: "b", constant: "", matchingPriority: 0, flowType: "Always", defaultValue: null },
      {
        target: "c",
        expression: "Not([IsSoftDeleted])",
        tree: {
          type: "Function",
          name: "Not",
          parameters: [
            { key: "source", value: { type: "Attribute", name: "IsSoftDeleted", parameters: [] } },
          ],
        },
        matchingPriority: 0,
        flowType: "Always",
        defaultValue: null,
      },
    ]);
    expect(projectMappings(schema, "User", ["a", "b", "c"])).toEqual(
      specs.map((spec) => desiredProjection(spec, parsed)),
    );
  });

  it("restores template definitions, removes what the template lacks, leaves the rest alone", () => {
    const template = fixture();
    const live = applyMappings(fixture(), "User", [
      { target: "externalId", source: "mail" },
      { target: 'emails[type eq "work"].value', source: "mail" },
    ]).schema;
    // A portal edit of a mapping this resource does not declare must survive.
    USERS(live).attributeMappings![3].flowType = "ObjectAddOnly";
    const out = restoreMappings(live, template, "User", [
      "externalId",
      'emails[type eq "work"].value',
    ]);
    expect(out.changed).toBe(true);
    const expected = fixture();
    USERS(expected).attributeMappings![3].flowType = "ObjectAddOnly";
    expect(out.schema).toEqual(expected);
    expect(restoreMappings(expected, template, "User", ["externalId"])).toEqual({
      schema: expected,
      changed: false,
    });
  });

  it("compares values ignoring key order", () => {
    expect(sameValue({ a: 1, b: [{ c: null, d: "x" }] }, { b: [{ d: "x", c: null }], a: 1 })).toBe(
      true,
    );
    expect(sameValue({ a: 1 }, { a: 1, b: undefined })).toBe(true);
    expect(sameValue({ a: [1, 2] }, { a: [2, 1] })).toBe(false);
    expect(sameValue({ a: null }, { a: undefined })).toBe(false);
  });
});

// ---------------------------------------------------------------------------------------------
// The provider against the Graph fake
// ---------------------------------------------------------------------------------------------

const provider = attributeMappingsProvider;
const RULE_ID = "03f7d90d-bf71-41b1-bda6-aaf0ddbee5d8";
const USER_MAPPING_NAME = "Synchronize Azure Active Directory Users to GoToMeeting";
const COST_CENTER = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:costCenter";

async function configureFor(fake: GraphFake): Promise<void> {
  const values: Record<string, string> = {
    graphApiUrl: fake.url,
    graphAccessToken: fake.token,
    apiTimeoutSeconds: "2",
    apiRetryBudgetSeconds: "5",
    apiRetryBaseSeconds: "0.01",
  };
  await provider.configure!({
    config: {
      get: (k) => values[k],
      require(k) {
        if (values[k] === undefined) throw new Error(`missing ${k}`);
        return values[k];
      },
    },
  });
}

async function errorOf(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (err) {
    return err as Error;
  }
  throw new Error("expected a rejection");
}

/** The template's users object mapping, in a schema read from the fake. */
const usersOf = (s: MSGraph.SynchronizationSchema) => s.synchronizationRules![0].objectMappings![0];

/** What the live schema must be: the template with only the given edits, whatever the version. */
function templateWith(edit: (users: MSGraph.AttributeMapping[]) => void) {
  const s = connectorTemplateSchema("gotomeeting");
  edit(usersOf(s).attributeMappings!);
  return s;
}
const withoutVersion = ({ version: _v, ...rest }: MSGraph.SynchronizationSchema) => rest;

// Runs before any test configures the module's provider: what Pulumi stores must hold no settings.
describe("the serialized provider", () => {
  let fake: GraphFake;
  const recorded: pulumi.runtime.MockResourceArgs[] = [];
  beforeAll(async () => {
    fake = await GraphFake.start();
    await pulumi.runtime.setMocks(
      {
        newResource(args) {
          recorded.push(args);
          return { id: `${args.name}-id`, state: args.inputs };
        },
        call(args) {
          throw new Error(`unmocked call ${args.token}`);
        },
      },
      "gotomeeting-provisioning",
      "test",
      false,
    );
  });
  afterAll(async () => {
    await fake.stop();
  });

  it("registers the type token with the inputs, and the provider runs from its serialized text", async () => {
    const sp = fake.addServicePrincipal({ templates: [connectorTemplate("gotomeeting")] });
    const job = fake.addJob(sp, "GoToMeeting");
    const mappings = [{ target: "userName", source: "mail", matchingPriority: 1 }];
    const resource = new AttributeMappings("example-user-mappings", {
      servicePrincipalId: sp,
      jobId: job,
      mappings,
    });
    await new Promise<void>((resolve) => resource.urn.apply(() => resolve()));
    expect(recorded.map((r) => r.type)).toEqual([
      "pulumi-nodejs:dynamic/gotomeeting:AttributeMappings",
    ]);
    const { __provider: text, ...inputs } = recorded[0].inputs as Record<string, unknown>;
    expect(inputs).toEqual({ servicePrincipalId: sp, jobId: job, objectType: "User", mappings });
    expect(typeof text).toBe("string");
    const source = text as string;
    // The state stores the shim (lib/providerShim.ts), which loads this implementation by path.
    expect(source).toContain(
      'moduleId: "providers/attributeMappings/provider", exportName: "attributeMappingsProvider"',
    );
    expect(source.length).toBeLessThan(8 * 1024);
    expect(source).not.toContain(fake.token);
    expect(source).not.toContain(fake.url);

    // Load it the way the engine's provider host does, in a module of its own.
    const module = { exports: {} as { handler?: () => typeof provider } };
    new Function("exports", "require", "module", source)(
      module.exports,
      createRequire(join(process.cwd(), "package.json")),
      module,
    );
    const loaded = module.exports.handler!();
    const values: Record<string, string> = {
      graphApiUrl: fake.url,
      graphAccessToken: fake.token,
      apiRetryBaseSeconds: "0.01",
    };
    await loaded.configure!({
      config: { get: (k) => values[k], require: (k) => values[k] },
    });
    fake.resetRequests();
    const created = await loaded.create({
      servicePrincipalId: sp,
      jobId: job,
      objectType: "User",
      mappings,
    });
    expect(created.outs!.live).toEqual([
      {
        target: "userName",
        source: "mail",
        matchingPriority: 1,
        flowType: "Always",
        defaultValue: null,
      },
    ]);
    expect(fake.requests.map((r) => `${r.method} ${r.status}`)).toEqual(["GET 200", "PUT 204"]);
  });
});

describe("attributeMappingsProvider against the Graph fake", () => {
  let fake: GraphFake;
  beforeAll(async () => {
    fake = await GraphFake.start();
    await configureFor(fake);
  });
  afterAll(async () => {
    await fake.stop();
  });

  function seed(mappings: AttributeMappingSpec[], on: GraphFake = fake): AttributeMappingsInputs {
    const sp = on.addServicePrincipal({ templates: [connectorTemplate("gotomeeting")] });
    const job = on.addJob(sp, "GoToMeeting");
    on.resetRequests();
    return { servicePrincipalId: sp, jobId: job, objectType: "User", mappings };
  }
  const schemaPath = (i: AttributeMappingsInputs) =>
    `/servicePrincipals/${i.servicePrincipalId}/synchronization/jobs/${i.jobId}/schema`;
  const templatesPath = (i: AttributeMappingsInputs) =>
    `/servicePrincipals/${i.servicePrincipalId}/synchronization/templates`;
  const calls = (on: GraphFake = fake) =>
    on.requests.map((r) => `${r.method} ${r.path} ${r.status}`);

  // The GoToMeeting example: users match on userName = userPrincipalName.
  const example: AttributeMappingSpec[] = [
    { target: "userName", source: "userPrincipalName", matchingPriority: 1 },
    { target: "externalId", source: "objectId" },
    { target: COST_CENTER, source: "employeeOrgData.costCenter" },
  ];
  const exampleLive = [
    {
      target: "userName",
      source: "userPrincipalName",
      matchingPriority: 1,
      flowType: "Always",
      defaultValue: null,
    },
    {
      target: "externalId",
      source: "objectId",
      matchingPriority: 0,
      flowType: "Always",
      defaultValue: null,
    },
    {
      target: COST_CENTER,
      source: "employeeOrgData.costCenter",
      matchingPriority: 0,
      flowType: "Always",
      defaultValue: null,
    },
  ];
  const exampleSchema = () =>
    templateWith((list) => {
      list[6].source = {
        type: "Attribute",
        name: "objectId",
        expression: "[objectId]",
        parameters: [],
      };
      list.push({
        targetAttributeName: COST_CENTER,
        source: {
          type: "Attribute",
          name: "employeeOrgData.costCenter",
          expression: "[employeeOrgData.costCenter]",
          parameters: [],
        },
        matchingPriority: 0,
        flowType: "Always",
        flowBehavior: "FlowWhenChanged",
        defaultValue: null,
        exportMissingReferences: false,
      });
    });

  it("create writes a mapping change with exactly one GET and one PUT of the schema", async () => {
    const inputs = seed(example);
    const result = await provider.create(inputs);
    expect(result).toEqual({
      id: `${inputs.servicePrincipalId}/${inputs.jobId}/User`,
      outs: {
        ...inputs,
        live: exampleLive,
        parsedExpressions: {},
        ruleId: RULE_ID,
        objectMappingName: USER_MAPPING_NAME,
        targetDirectory: "GoToMeeting",
      },
    });
    expect(calls()).toEqual([`GET ${schemaPath(inputs)} 200`, `PUT ${schemaPath(inputs)} 204`]);
    // The PUT carries the schema without the GET's "@odata.context" annotation.
    expect(Object.keys(fake.requests[1].body as object)).toEqual([
      "id",
      "version",
      "synchronizationRules",
      "directories",
    ]);
    const live = fake.schema(inputs.servicePrincipalId, inputs.jobId);
    expect(withoutVersion(live)).toEqual(withoutVersion(exampleSchema()));
    expect(live.version).not.toBe(connectorTemplateSchema("gotomeeting").version);
  });

  it("create adopts mappings that already match with one GET and no PUT", async () => {
    const inputs = seed([
      { target: "userName", source: "userPrincipalName", matchingPriority: 1 },
      { target: 'emails[type eq "work"].value', source: "mail" },
    ]);
    const result = await provider.create(inputs);
    expect(result.outs!.live).toEqual([
      exampleLive[0],
      {
        target: 'emails[type eq "work"].value',
        source: "mail",
        matchingPriority: 0,
        flowType: "Always",
        defaultValue: null,
      },
    ]);
    expect(calls()).toEqual([`GET ${schemaPath(inputs)} 200`]);
    expect(fake.schema(inputs.servicePrincipalId, inputs.jobId)).toEqual(
      connectorTemplateSchema("gotomeeting"),
    );
  });

  it("costs one GET, one parse per new expression, and one PUT whatever the number of changed mappings", async () => {
    const inputs = seed([
      {
        target: "userName",
        source: "userPrincipalName",
        matchingPriority: 1,
        flowType: "ObjectAddOnly",
      },
      { target: "active", expression: "Not([IsSoftDeleted])" },
      { target: "displayName", expression: 'Join(" ", [givenName], [surname])' },
      { target: 'emails[type eq "work"].value', source: "userPrincipalName" },
      { target: "name.givenName", constant: "Ann" },
      { target: "name.familyName", source: "givenName" },
      { target: "externalId", source: "objectId" },
      { target: "title", source: "department", defaultValue: "Staff" },
      { target: "preferredLanguage", source: "preferredLanguage" },
      { target: "locale", constant: "en-US" },
      { target: "timezone", constant: "UTC" },
      { target: COST_CENTER, source: "employeeOrgData.costCenter" },
    ]);
    const result = await provider.create(inputs);
    expect(calls()).toEqual([
      `GET ${schemaPath(inputs)} 200`,
      `POST ${schemaPath(inputs)}/parseExpression 200`,
      `POST ${schemaPath(inputs)}/parseExpression 200`,
      `PUT ${schemaPath(inputs)} 204`,
    ]);
    const parsed = result.outs!.parsedExpressions!;
    expect(Object.keys(parsed)).toEqual([
      "Not([IsSoftDeleted])",
      'Join(" ", [givenName], [surname])',
    ]);
    // What Graph parsed is what is written: the documented Not tree (F3).
    expect(sourceTree(parsed["Not([IsSoftDeleted])"])).toEqual(
      sourceTree(NOT_IS_SOFT_DELETED_SOURCE),
    );
    const desired = inputs.mappings.map((m) => desiredProjection(m, parsed));
    expect(sameProjections(desired, result.outs!.live)).toBe(true);
    const written = projectMappings(
      fake.schema(inputs.servicePrincipalId, inputs.jobId),
      "User",
      inputs.mappings.map((m) => m.target),
    );
    expect(sameProjections(desired, written)).toBe(true);
  });

  it("stores expressions as Graph's parse and compares trees, not text", async () => {
    const join = 'Join(" ", [givenName], [surname])';
    // The fake's schemas have one rule whose first object mapping flows users.
    const FAKE_USERS = (x: MSGraph.SynchronizationSchema) =>
      x.synchronizationRules![0].objectMappings![0];
    const inputs = seed([
      { target: "userName", source: "userPrincipalName", matchingPriority: 1 },
      { target: "displayName", expression: join },
    ]);
    const created = await provider.create(inputs);
    const parse = `POST ${schemaPath(inputs)}/parseExpression 200`;
    expect(calls().filter((c) => c === parse)).toHaveLength(1);
    // The PUT carried the tree parseExpression answered, parameters and all; the fake (like every
    // documented schema) refuses a Function source without it, but the verdict here is the body.
    const put = fake.requests.find((r) => r.method === "PUT")!
      .body as MSGraph.SynchronizationSchema;
    const sent = FAKE_USERS(put).attributeMappings!.find(
      (m) => m.targetAttributeName === "displayName",
    )!;
    expect(sent.source).toEqual(created.outs!.parsedExpressions![join]);
    expect(sent.source!.parameters!.length).toBe(3);

    // The same declaration again: no change, no call (the parse is in the outputs).
    fake.resetRequests();
    expect(await provider.diff!("id", created.outs!, inputs)).toEqual({
      changes: false,
      replaces: [],
    });
    // Graph re-spaces the text it stores ([S36]); the tree is the same, so refresh sees no drift.
    const respaced = fake.schema(inputs.servicePrincipalId, inputs.jobId);
    const mapping = FAKE_USERS(respaced).attributeMappings!.find(
      (m) => m.targetAttributeName === "displayName",
    )!;
    mapping.source!.expression = 'Join(" ",[givenName],[surname])';
    fake.setSchema(inputs.servicePrincipalId, inputs.jobId, respaced);
    const read = await provider.read!("id", created.outs);
    expect(await provider.diff!("id", read.props!, inputs)).toEqual({
      changes: false,
      replaces: [],
    });
    // An update that keeps the expression costs no parse call.
    fake.resetRequests();
    await provider.update!("id", read.props!, {
      ...inputs,
      mappings: [...inputs.mappings, { target: "title", source: "department" }],
    });
    expect(calls().filter((c) => c.includes("parseExpression"))).toEqual([]);
    // An expression edited in the portal is drift, found by comparing trees.
    const edited = fake.schema(inputs.servicePrincipalId, inputs.jobId);
    FAKE_USERS(edited).attributeMappings!.find(
      (m) => m.targetAttributeName === "displayName",
    )!.source = created.outs!.parsedExpressions![join].parameters![1]
      .value as MSGraph.AttributeMappingSource;
    fake.setSchema(inputs.servicePrincipalId, inputs.jobId, edited);
    const drifted = await provider.read!("id", created.outs);
    expect((await provider.diff!("id", drifted.props!, inputs)).changes).toBe(true);
  });

  it("an expression Graph cannot parse fails naming the mapping, and writes nothing", async () => {
    const inputs = seed([
      { target: "userName", source: "userPrincipalName", matchingPriority: 1 },
      { target: "displayName", expression: "NoSuchFunction([givenName])" },
    ]);
    const err = await errorOf(provider.create(inputs));
    expect(err.message).toMatch(
      /^mappings\[1\]\.expression: Graph (could not|refused to) parse "NoSuchFunction\(\[givenName\]\)"/,
    );
    expect(calls().filter((c) => c.startsWith("PUT"))).toEqual([]);
  });

  it("create names unknown attributes with the valid names and writes nothing", async () => {
    const inputs = seed([
      { target: "userName", source: "userPrincipalName", matchingPriority: 1 },
      { target: "nickName", source: "mailNickname" },
    ]);
    const err = await errorOf(provider.create(inputs));
    const names = connectorTemplateSchema("gotomeeting")
      .directories![1].objects![0].attributes!.map((a) => a.name!)
      .sort();
    expect(err.message).toBe(
      `mappings[1].target: "nickName" is not an attribute of GoToMeeting User; valid names: ${names.join(", ")}`,
    );
    expect(calls()).toEqual([`GET ${schemaPath(inputs)} 200`]);
  });

  it("read shows a portal edit as drift, diff reports it and update puts it back", async () => {
    const inputs = seed(example);
    const { id, outs } = await provider.create(inputs);
    // Someone points externalId at mail in the portal.
    const edited = fake.schema(inputs.servicePrincipalId, inputs.jobId);
    usersOf(edited).attributeMappings![6].source = {
      type: "Attribute",
      name: "mail",
      expression: "[mail]",
      parameters: [],
    };
    fake.setSchema(inputs.servicePrincipalId, inputs.jobId, edited);
    fake.resetRequests();

    const read = await provider.read!(id, outs);
    const drifted = [exampleLive[0], { ...exampleLive[1], source: "mail" }, exampleLive[2]];
    expect(read).toEqual({
      id,
      props: {
        ...outs,
        mappings: [example[0], { target: "externalId", source: "mail" }, example[2]],
        live: drifted,
      },
      inputs: {
        ...inputs,
        mappings: [example[0], { target: "externalId", source: "mail" }, example[2]],
      },
    });
    expect(calls()).toEqual([`GET ${schemaPath(inputs)} 200`]);

    expect(await provider.diff!(id, read.props!, inputs)).toEqual({ changes: true, replaces: [] });

    fake.resetRequests();
    const updated = await provider.update!(id, read.props!, inputs);
    expect(updated.outs).toEqual(outs);
    expect(calls()).toEqual([`GET ${schemaPath(inputs)} 200`, `PUT ${schemaPath(inputs)} 204`]);
    expect(withoutVersion(fake.schema(inputs.servicePrincipalId, inputs.jobId))).toEqual(
      withoutVersion(exampleSchema()),
    );

    fake.resetRequests();
    const again = await provider.read!(id, updated.outs);
    expect(again.props!.live).toEqual(exampleLive);
    expect(await provider.diff!(id, again.props!, inputs)).toEqual({
      changes: false,
      replaces: [],
    });
    expect(calls()).toEqual([`GET ${schemaPath(inputs)} 200`]);
  });

  it("read reports a job that no longer exists as gone", async () => {
    const inputs = seed(example);
    const { id, outs } = await provider.create(inputs);
    const gone = { ...outs!, jobId: "GoToMeeting.00000000000000000000000000000000" };
    fake.resetRequests();
    expect(await provider.read!(id, gone)).toEqual({});
    expect(calls()).toEqual([`GET ${schemaPath(gone)} 404`]);
  });

  it("update with an unchanged mapping set costs one GET and no PUT", async () => {
    const inputs = seed(example);
    const { id, outs } = await provider.create(inputs);
    fake.resetRequests();
    const reordered = { ...inputs, mappings: [example[2], example[0], example[1]] };
    expect(await provider.diff!(id, outs!, reordered)).toEqual({ changes: false, replaces: [] });
    expect(calls()).toEqual([]);
    await provider.update!(id, outs!, reordered);
    expect(calls()).toEqual([`GET ${schemaPath(inputs)} 200`]);
  });

  it("update that drops a declared target puts the template's definition back in the same PUT", async () => {
    const inputs = seed(example);
    const { id, outs } = await provider.create(inputs);
    fake.resetRequests();
    const news = { ...inputs, mappings: [example[0], { target: "title", source: "department" }] };
    const updated = await provider.update!(id, outs!, news);
    expect(updated.outs!.live).toEqual([
      exampleLive[0],
      {
        target: "title",
        source: "department",
        matchingPriority: 0,
        flowType: "Always",
        defaultValue: null,
      },
    ]);
    expect(calls()).toEqual([
      `GET ${schemaPath(inputs)} 200`,
      `GET ${templatesPath(inputs)} 200`,
      `PUT ${schemaPath(inputs)} 204`,
    ]);
    expect(withoutVersion(fake.schema(inputs.servicePrincipalId, inputs.jobId))).toEqual(
      withoutVersion(
        templateWith((list) => {
          list[7].source = {
            type: "Attribute",
            name: "department",
            expression: "[department]",
            parameters: [],
          };
        }),
      ),
    );
  });

  it("delete restores the template's definitions and leaves other mappings alone", async () => {
    const inputs = seed([
      {
        target: "userName",
        source: "userPrincipalName",
        matchingPriority: 1,
        flowType: "ObjectAddOnly",
      },
      ...example.slice(1),
    ]);
    const { id, outs } = await provider.create(inputs);
    // A portal edit of a mapping this resource does not declare.
    const edited = fake.schema(inputs.servicePrincipalId, inputs.jobId);
    usersOf(edited).attributeMappings![7].flowType = "ObjectAddOnly";
    fake.setSchema(inputs.servicePrincipalId, inputs.jobId, edited);
    fake.resetRequests();

    await provider.delete!(id, outs!);
    expect(calls()).toEqual([
      `GET ${schemaPath(inputs)} 200`,
      `GET ${templatesPath(inputs)} 200`,
      `PUT ${schemaPath(inputs)} 204`,
    ]);
    expect(withoutVersion(fake.schema(inputs.servicePrincipalId, inputs.jobId))).toEqual(
      withoutVersion(templateWith((list) => (list[7].flowType = "ObjectAddOnly"))),
    );
  });

  it("delete of a job that is gone succeeds without writing", async () => {
    const inputs = seed(example);
    const { id, outs } = await provider.create(inputs);
    const gone = { ...outs!, jobId: "GoToMeeting.0123456789abcdef0123456789abcdef" };
    fake.resetRequests();
    await provider.delete!(id, gone);
    expect(calls()).toEqual([`GET ${schemaPath(gone)} 404`]);
  });

  it("create retries the 404s of replication lag right after the job was created", async () => {
    const lagging = await GraphFake.start({ notFoundReadsAfterCreate: 2 });
    try {
      await configureFor(lagging);
      const inputs = seed(example, lagging);
      const result = await provider.create(inputs);
      expect(result.outs!.live).toEqual(exampleLive);
      expect(calls(lagging)).toEqual([
        `GET ${schemaPath(inputs)} 404`,
        `GET ${schemaPath(inputs)} 404`,
        `GET ${schemaPath(inputs)} 200`,
        `PUT ${schemaPath(inputs)} 204`,
      ]);
    } finally {
      await configureFor(fake);
      await lagging.stop();
    }
  });

  it("honours 429 with Retry-After on the GET and the PUT", async () => {
    const inputs = seed(example);
    fake.inject({ method: "GET", path: "/schema", kind: { status: 429 } });
    fake.inject({
      method: "PUT",
      path: "/schema",
      kind: { status: 429, retryAfter: "0.05" },
      times: 2,
    });
    const result = await provider.create(inputs);
    expect(result.outs!.live).toEqual(exampleLive);
    expect(calls()).toEqual([
      `GET ${schemaPath(inputs)} 429`,
      `GET ${schemaPath(inputs)} 200`,
      `PUT ${schemaPath(inputs)} 429`,
      `PUT ${schemaPath(inputs)} 429`,
      `PUT ${schemaPath(inputs)} 204`,
    ]);
  });

  it("repeats the idempotent schema PUT after a lost response", async () => {
    const inputs = seed(example);
    fake.inject({ method: "PUT", path: "/schema", kind: "reset-after-commit" });
    const result = await provider.create(inputs);
    expect(result.outs!.live).toEqual(exampleLive);
    expect(calls()).toEqual([
      `GET ${schemaPath(inputs)} 200`,
      `PUT ${schemaPath(inputs)} -1`,
      `PUT ${schemaPath(inputs)} 204`,
    ]);
    expect(withoutVersion(fake.schema(inputs.servicePrincipalId, inputs.jobId))).toEqual(
      withoutVersion(exampleSchema()),
    );
  });

  it("records the Graph calls of every operation", async () => {
    const perOperation: Record<string, string[]> = {};
    const record = async (name: string, op: () => Promise<unknown>) => {
      fake.resetRequests();
      await op();
      perOperation[name] = fake.requests.map(
        (r) => `${r.method} ${r.path.split("/synchronization/")[1]}`,
      );
    };
    const inputs = seed(example);
    const adopted = seed([example[0]]);
    let outs: AttributeMappingsOutputs | undefined;
    await record(
      "create, mappings differ",
      async () => (outs = (await provider.create(inputs)).outs),
    );
    await record("create, mappings already match", () => provider.create(adopted));
    await record("diff", () => provider.diff!("id", outs!, inputs));
    await record("read", () => provider.read!("id", outs!));
    await record("update, nothing differs", () => provider.update!("id", outs!, inputs));
    const changed = {
      ...inputs,
      mappings: [example[0], example[1], { ...example[2], flowType: "ObjectAddOnly" as const }],
    };
    await record(
      "update, one mapping differs",
      async () => (outs = (await provider.update!("id", outs!, changed)).outs),
    );
    await record("update, a mapping dropped", async () => {
      const dropped = { ...inputs, mappings: [example[0], changed.mappings[2]] };
      outs = (await provider.update!("id", outs!, dropped)).outs;
    });
    await record("delete", () => provider.delete!("id", outs!));
    await record("delete, nothing left to restore", () => provider.delete!("id", outs!));
    const job = inputs.jobId;
    expect(perOperation).toEqual({
      "create, mappings differ": [`GET jobs/${job}/schema`, `PUT jobs/${job}/schema`],
      "create, mappings already match": [`GET jobs/${adopted.jobId}/schema`],
      diff: [],
      read: [`GET jobs/${job}/schema`],
      "update, nothing differs": [`GET jobs/${job}/schema`],
      "update, one mapping differs": [`GET jobs/${job}/schema`, `PUT jobs/${job}/schema`],
      "update, a mapping dropped": [
        `GET jobs/${job}/schema`,
        "GET templates",
        `PUT jobs/${job}/schema`,
      ],
      delete: [`GET jobs/${job}/schema`, "GET templates", `PUT jobs/${job}/schema`],
      "delete, nothing left to restore": [`GET jobs/${job}/schema`, "GET templates"],
    });
    expect(fake.schema(inputs.servicePrincipalId, inputs.jobId).synchronizationRules).toEqual(
      connectorTemplateSchema("gotomeeting").synchronizationRules,
    );
  });

  it("surfaces a Graph 400 with Graph's code and message, without the token", async () => {
    const inputs = seed(example);
    // A portal state Graph's validation rejects on the next full PUT.
    const broken = fake.schema(inputs.servicePrincipalId, inputs.jobId);
    (usersOf(broken).attributeMappings![9] as { flowBehavior: string }).flowBehavior = "Sometimes";
    fake.setSchema(inputs.servicePrincipalId, inputs.jobId, broken);
    fake.resetRequests();
    const err = await errorOf(provider.create(inputs));
    expect(err).toBeInstanceOf(GraphError);
    expect(err).toMatchObject({ status: 400, code: "BadRequest" });
    expect(err.message).toBe(
      `Microsoft Graph PUT ${schemaPath(inputs)} failed: HTTP 400 BadRequest: Invalid request body: ` +
        "synchronizationRules[0].objectMappings[0].attributeMappings[9].flowBehavior: " +
        '"Sometimes" is not one of FlowWhenChanged, FlowAlways\n' +
        "Fix: Graph's message names the part of the schema it refused; if it is a declared mapping, correct it " +
        "in mappings, otherwise fix that part in the portal (the rest of the schema is sent back as read).",
    );
    expect(err.message).not.toContain(fake.token);
    expect(calls()).toEqual([`GET ${schemaPath(inputs)} 200`, `PUT ${schemaPath(inputs)} 400`]);
  });

  it("names the inputs to fix when the job is not found", async () => {
    const inputs = seed(example);
    const wrong = { ...inputs, jobId: "GoToMeeting.ffffffffffffffffffffffffffffffff" };
    const err = await errorOf(
      provider.update!(
        "x",
        { ...wrong, live: [], ruleId: "", objectMappingName: "", targetDirectory: "" },
        wrong,
      ),
    );
    expect(err).toMatchObject({ status: 404, code: "Request_ResourceNotFound" });
    expect(err.message).toBe(
      `Microsoft Graph GET ${schemaPath(wrong)} failed: HTTP 404 Request_ResourceNotFound: ` +
        `Resource '${wrong.jobId}' does not exist or one of its queried reference-property objects are not present.\n` +
        "Fix: servicePrincipalId must be the app's service principal object id and jobId its synchronization " +
        "job id (from the SynchronizationJob resource); if both were just created, run pulumi up again in a few minutes.",
    );
  });

  it("retries a 403 right after creation (replication, F5); later a 403 fails with the permission hint", async () => {
    const inputs = seed(example);
    fake.inject({ method: "GET", path: "/schema", kind: { status: 403 } });
    const created = await provider.create(inputs);
    expect(calls().slice(0, 2)).toEqual([
      `GET ${schemaPath(inputs)} 403`,
      `GET ${schemaPath(inputs)} 200`,
    ]);
    fake.resetRequests();
    fake.inject({ method: "GET", path: "/schema", kind: { status: 403 } });
    const err = await errorOf(
      provider.update!("id", created.outs!, {
        ...inputs,
        mappings: [...example, { target: "title", source: "department" }],
      }),
    );
    expect(err).toMatchObject({ status: 403, code: "Authorization_RequestDenied" });
    expect(err.message).toContain("grant Synchronization.ReadWrite.All");
    expect(calls()).toEqual([`GET ${schemaPath(inputs)} 403`]);
  });

  it("serialises concurrent writers of one service principal (users and groups on GoTo)", async () => {
    const sp = fake.addServicePrincipal({ templates: [connectorTemplate("goto")] });
    const job = fake.addJob(sp, "GoTo");
    fake.resetRequests();
    const users: AttributeMappingsInputs = {
      servicePrincipalId: sp,
      jobId: job,
      objectType: "User",
      mappings: [{ target: "userName", source: "mail", matchingPriority: 1 }],
    };
    const groups: AttributeMappingsInputs = {
      servicePrincipalId: sp,
      jobId: job,
      objectType: "Group",
      mappings: [{ target: "externalId", source: "mailNickname" }],
    };
    const [u, g] = await Promise.all([provider.create(users), provider.create(groups)]);
    expect(u.outs!.objectMappingName).toBe("Synchronize Azure Active Directory Users to GoTo");
    expect(g.outs!.objectMappingName).toBe("Synchronize Azure Active Directory Groups to GoTo");
    expect(g.outs!.ruleId).toBe(RULE_ID);
    const path = `/servicePrincipals/${sp}/synchronization/jobs/${job}/schema`;
    expect(calls()).toEqual([
      `GET ${path} 200`,
      `PUT ${path} 204`,
      `GET ${path} 200`,
      `PUT ${path} 204`,
    ]);
    const live = fake.schema(sp, job);
    expect(projectMappings(live, "User", ["userName"])).toEqual([
      desiredProjection(users.mappings[0]),
    ]);
    expect(projectMappings(live, "Group", ["externalId"])).toEqual([
      desiredProjection(groups.mappings[0]),
    ]);
  });
});

describe("attributeMappingsProvider.check and diff", () => {
  const SP = "0f8fad5b-d9cb-469f-a165-70867728950e";
  const good = {
    servicePrincipalId: SP,
    jobId: "GoToMeeting.e4bbf44533ea4eabb17027f3a92e92aa",
    mappings: [{ target: "userName", source: "userPrincipalName", matchingPriority: 1 }],
  } as AttributeMappingsInputs;

  it("defaults objectType to User and accepts unknown values during preview", async () => {
    expect(await provider.check!({} as AttributeMappingsInputs, good)).toEqual({
      inputs: { ...good, objectType: "User" },
      failures: [],
    });
    const preview = {
      servicePrincipalId: UNKNOWN,
      jobId: UNKNOWN,
      objectType: "Group",
      mappings: [{ target: "displayName", source: UNKNOWN }],
    } as AttributeMappingsInputs;
    expect(await provider.check!({} as AttributeMappingsInputs, preview)).toEqual({
      inputs: preview,
      failures: [],
    });
  });

  const bad: [string, Record<string, unknown>, { property: string; reason: string }[]][] = [
    [
      "a resource id instead of an object id",
      { servicePrincipalId: `/servicePrincipals/${SP}` },
      [
        {
          property: "servicePrincipalId",
          reason: `servicePrincipalId: must be the service principal's object id (a GUID); got "/servicePrincipals/${SP}". Fix: pass servicePrincipalObjectId of the azuread.ApplicationFromTemplate.`,
        },
      ],
    ],
    [
      "a job id with a slash",
      { jobId: "GoToMeeting/abc" },
      [
        {
          property: "jobId",
          reason: `jobId contains "/", which would change the request path; it must be the synchronization job's id, e.g. "gotomeeting.f5532fc709734b1a90e8a1fa9fd03a82.8442fd39-2183-419c-8732-74b6ce866bd5". Pass the id output of azuread.SynchronizationJob (its last path segment).`,
        },
      ],
    ],
    [
      "the job id '..', which would leave the job's path",
      { jobId: ".." },
      [
        {
          property: "jobId",
          reason: `jobId is "..", which names no object but a path step; it must be the synchronization job's id, e.g. "gotomeeting.f5532fc709734b1a90e8a1fa9fd03a82.8442fd39-2183-419c-8732-74b6ce866bd5". Pass the id output of azuread.SynchronizationJob (its last path segment).`,
        },
      ],
    ],
    [
      "the job id '.'",
      { jobId: "." },
      [
        {
          property: "jobId",
          reason: `jobId is ".", which names no object but a path step; it must be the synchronization job's id, e.g. "gotomeeting.f5532fc709734b1a90e8a1fa9fd03a82.8442fd39-2183-419c-8732-74b6ce866bd5". Pass the id output of azuread.SynchronizationJob (its last path segment).`,
        },
      ],
    ],
    [
      "a job id with a percent sign or a control character",
      { jobId: "a%2Fb\u0007" },
      [
        {
          property: "jobId",
          reason: `jobId contains "%", which would change the request path; it must be the synchronization job's id, e.g. "gotomeeting.f5532fc709734b1a90e8a1fa9fd03a82.8442fd39-2183-419c-8732-74b6ce866bd5". Pass the id output of azuread.SynchronizationJob (its last path segment).`,
        },
      ],
    ],
    [
      "an unknown objectType",
      { objectType: "Device" },
      [{ property: "objectType", reason: 'objectType: must be "User" or "Group"; got "Device"' }],
    ],
    [
      "no mappings",
      { mappings: [] },
      [
        {
          property: "mappings",
          reason:
            'mappings: declare at least one mapping, e.g. {target: "userName", source: "userPrincipalName", matchingPriority: 1}; to keep the template\'s mappings, do not declare this resource',
        },
      ],
    ],
    [
      "a mapping of another object type",
      { mappings: [{ target: "displayName", source: "displayName", objectType: "Group" }] },
      [
        {
          property: "mappings",
          reason:
            'mappings[0].objectType: is "Group" but this resource manages User mappings; move it to the resource for that object type',
        },
      ],
    ],
    [
      "a bad mapping shape",
      { mappings: [{ target: "userName", source: "a", expression: "Not([b])" }] },
      [
        {
          property: "mappings",
          reason:
            "mappings[0]: set exactly one of source, expression or constant (found source and expression)",
        },
      ],
    ],
  ];
  it.each(bad)("fails on %s", async (_name, change, failures) => {
    const news = { ...good, ...change } as AttributeMappingsInputs;
    expect((await provider.check!({} as AttributeMappingsInputs, news)).failures).toEqual(failures);
  });

  const olds: AttributeMappingsOutputs = {
    ...good,
    objectType: "User",
    mappings: [
      { target: "userName", source: "userPrincipalName", matchingPriority: 1 },
      { target: "externalId", source: "objectId" },
    ],
    live: [
      {
        target: "userName",
        source: "userPrincipalName",
        matchingPriority: 1,
        flowType: "Always",
        defaultValue: null,
      },
      {
        target: "externalId",
        source: "objectId",
        matchingPriority: 0,
        flowType: "Always",
        defaultValue: null,
      },
    ],
    ruleId: RULE_ID,
    objectMappingName: USER_MAPPING_NAME,
    targetDirectory: "GoToMeeting",
  };
  const news = (change: Partial<AttributeMappingsInputs>) =>
    ({
      ...good,
      objectType: "User",
      mappings: olds.mappings,
      ...change,
    }) as AttributeMappingsInputs;
  const diffs: [string, AttributeMappingsInputs, { changes: boolean; replaces: string[] }][] = [
    ["nothing changed", news({}), { changes: false, replaces: [] }],
    [
      "the same mappings in another order, with explicit defaults",
      news({
        mappings: [
          { target: "externalId", source: "objectId", flowType: "Always" },
          { target: "userName", source: "userPrincipalName", matchingPriority: 1 },
        ],
      }),
      { changes: false, replaces: [] },
    ],
    [
      "a changed source",
      news({ mappings: [olds.mappings[0], { target: "externalId", source: "mail" }] }),
      { changes: true, replaces: [] },
    ],
    [
      "a changed flowType",
      news({
        mappings: [
          olds.mappings[0],
          { target: "externalId", source: "objectId", flowType: "ObjectAddOnly" },
        ],
      }),
      { changes: true, replaces: [] },
    ],
    ["a dropped mapping", news({ mappings: [olds.mappings[0]] }), { changes: true, replaces: [] }],
    [
      "mappings unknown during preview",
      news({ mappings: UNKNOWN as unknown as AttributeMappingSpec[] }),
      { changes: true, replaces: [] },
    ],
    [
      "one source unknown during preview",
      news({ mappings: [olds.mappings[0], { target: "externalId", source: UNKNOWN }] }),
      { changes: true, replaces: [] },
    ],
    [
      "servicePrincipalId unknown during preview",
      news({ servicePrincipalId: UNKNOWN }),
      { changes: true, replaces: ["servicePrincipalId"] },
    ],
    [
      "another job",
      news({ jobId: "GoToMeeting.ffffffffffffffffffffffffffffffff" }),
      { changes: true, replaces: ["jobId"] },
    ],
    [
      "another object type",
      news({ objectType: "Group" }),
      { changes: true, replaces: ["objectType"] },
    ],
  ];
  it.each(diffs)("diff: %s", async (_name, n, expected) => {
    expect(await provider.diff!("id", olds, n)).toEqual(expected);
  });
});
