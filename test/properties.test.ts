// Bad input, generated: arbitrary stack config through validateConfig, and arbitrary inputs through
// every dynamic provider's check and diff. Whatever comes in, the answer is a result or a
// ConfigError / a list of check failures, each naming its key or property and what to do about it;
// never another exception, a stack trace or a secret value.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ConfigError, KNOWN_KEYS, SECRET_KEYS, validateConfig } from "../config/schema";
import { synchronizationTemplateProvider } from "../providers/synchronizationTemplate";
import { testConnectionProvider } from "../providers/testConnection";
import { attributeMappingsProvider } from "../providers/attributeMappings";
import { provisioningStatusProvider } from "../providers/provisioningStatus";
import { guardedSynchronizationSecretProvider } from "../providers/synchronizationSettings";
import { goToMeetingUserProvider } from "../providers/goToMeetingUser";

// PROPERTY_RUNS=5000 npx vitest run test/properties.test.ts searches harder (slower).
const RUNS = { numRuns: Number(process.env.PROPERTY_RUNS ?? 200) };
const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
const GUID = "5f1c2d3e-4b5a-4c6d-8e7f-90a1b2c3d4e5";

/**
 * What a rejection must contain besides its key: the expected form or what to do. Holds for every
 * message the validators write (and for zod's "expected string"), fails for a bare "invalid".
 */
const NAMES_A_FIX =
  /\b(must|should|set|use|remove|add|give|keep|omit|pick|choose|declare|move|shorten|pass|fix|required|expected|allowed|e\.g\.|did you mean|is not an?|is neither|is (already|given|listed) twice|has no matching|is never closed|exceed|opt out|at most|at least)\b/i;

const STACK_TRACE = /\n\s+at /;

it("the fix rule rejects bare verdicts", () => {
  for (const bare of ["invalid", "Invalid input", "bad value", "error"]) {
    expect(NAMES_A_FIX.test(bare), bare).toBe(false);
  }
});

// ---- values ------------------------------------------------------------------------------------

const HUGE = "𝒳ÿ\u0000".repeat(40_000);
const scalar = fc.oneof(
  fc.constant(undefined),
  fc.constant(null),
  fc.constant(UNKNOWN),
  fc.constant(HUGE),
  fc.string(),
  fc.string({ unit: "binary", maxLength: 40 }),
  fc.integer(),
  fc.double(),
  fc.boolean(),
);
const anyValue = fc.oneof(scalar, fc.jsonValue({ maxDepth: 3 }));

// ---- (a) stack config ----------------------------------------------------------------------------

const configValue = fc.oneof(
  anyValue,
  fc.constantFrom("true", "false", "500", "-1", "goto", "gotomeeting", "all", "none", "", "a@b.co"),
  fc.array(fc.record({ user: anyValue, group: anyValue, role: anyValue }, { requiredKeys: [] })),
  fc.array(
    fc.record(
      {
        userName: anyValue,
        givenName: anyValue,
        familyName: anyValue,
        locale: anyValue,
        timezone: anyValue,
        adoptExisting: anyValue,
      },
      { requiredKeys: [] },
    ),
  ),
  fc.array(
    fc.record(
      {
        target: anyValue,
        source: anyValue,
        expression: fc.oneof(
          anyValue,
          fc.constantFrom('Join(" ", [a]', "Not([IsSoftDeleted]", '"x'),
        ),
        constant: anyValue,
        matchingPriority: anyValue,
        flowType: anyValue,
        defaultValue: anyValue,
        objectType: anyValue,
      },
      { requiredKeys: [] },
    ),
  ),
  fc.record(
    {
      workspaceId: anyValue,
      resourceGroupName: anyValue,
      location: anyValue,
      retentionInDays: anyValue,
    },
    { requiredKeys: [] },
  ),
);

describe("validateConfig with arbitrary stack config", () => {
  it("returns or throws ConfigError whose problems each start with a key path and name a fix", () => {
    let rejected = 0;
    fc.assert(
      fc.property(
        fc.dictionary(
          fc.oneof(fc.constantFrom(...KNOWN_KEYS), fc.string({ minLength: 1 })),
          configValue,
          {
            maxKeys: 8,
          },
        ),
        fc.subarray([...SECRET_KEYS]),
        // Distinctive secret values: a password "goto" would be found in any message naming the connector.
        fc.dictionary(
          fc.constantFrom(...SECRET_KEYS),
          fc.string({ minLength: 1, maxLength: 20 }).map((v) => `s3cr3t:${v}`),
          { maxKeys: 3 },
        ),
        (generated, secrets, secretValuesByKey) => {
          const values: Record<string, unknown> = { ...generated, ...secretValuesByKey };
          let error: unknown;
          try {
            validateConfig({ values, secretKeys: new Set(secrets) });
            return;
          } catch (err) {
            error = err;
          }
          expect(error).toBeInstanceOf(ConfigError);
          rejected++;
          const problems = (error as ConfigError).problems;
          expect(problems.length).toBeGreaterThan(0);
          const keys = [...Object.keys(values), ...KNOWN_KEYS];
          const secretValues = Object.values(secretValuesByKey);
          for (const p of problems) {
            expect(
              keys.some((k) => [":", ".", "["].some((sep) => p.startsWith(k + sep))),
              `no key path: ${p.slice(0, 120)}`,
            ).toBe(true);
            expect(NAMES_A_FIX.test(p), `no fix: ${p.slice(0, 200)}`).toBe(true);
            expect(STACK_TRACE.test(p), p.slice(0, 200)).toBe(false);
            for (const s of secretValues)
              expect(p.includes(s), "secret value in a problem").toBe(false);
          }
        },
      ),
      RUNS,
    );
    // The generators must reach the validators, not only produce configs that pass.
    expect(rejected).toBeGreaterThan(RUNS.numRuns / 2);
  });
});

// ---- (b) dynamic providers' check and diff -------------------------------------------------------

interface Subject {
  name: string;
  provider: {
    check?: (olds: never, news: never) => Promise<{ inputs?: unknown; failures?: unknown[] }>;
    diff?: (id: string, olds: never, news: never) => Promise<unknown>;
  };
  /** The inputs check may name. */
  properties: string[];
  /** Values that pass or nearly pass validation, so checks past the first one run too. */
  plausible: Record<string, fc.Arbitrary<unknown>>;
  /** Unknown keys are failures (named by the key) instead of being ignored. */
  strictKeys?: boolean;
  /** Well-typed new inputs and old outputs for diff. */
  news: fc.Arbitrary<Record<string, unknown>>;
  olds: fc.Arbitrary<Record<string, unknown>>;
}

const text = fc.oneof(fc.string(), fc.constant(UNKNOWN), fc.constant(HUGE));
const maybe = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined });
const orUnknown = <T>(arb: fc.Arbitrary<T>) => fc.oneof(arb, fc.constant(UNKNOWN));
const spId = fc.oneof(fc.constant(GUID), text);
const jobId = fc.oneof(fc.constant("GoTo.0a1b2c3d4e5f"), text);
const connector = fc.constantFrom<unknown>("goto", "gotomeeting", UNKNOWN, "GoTo", "");
const pair = (key: fc.Arbitrary<unknown>) =>
  orUnknown(fc.record({ key: orUnknown(key), value: orUnknown(fc.string()) }));
const credentialsArb = orUnknown(fc.array(pair(fc.constantFrom("UserName", "Password", "Token"))));
const settingsArb = orUnknown(
  fc.array(
    pair(fc.constantFrom("SyncNotificationSettings", "SyncAll", "SecretToken")).map((p) =>
      typeof p === "object" && p.key === "SyncNotificationSettings"
        ? { ...p, value: '{"Enabled":true,"Recipients":"a@b.co","DeleteThresholdValue":5}' }
        : p,
    ),
  ),
);
const spec = fc.record(
  {
    target: orUnknown(fc.string()),
    source: orUnknown(fc.string()),
    expression: orUnknown(fc.string()),
    constant: orUnknown(fc.string()),
    matchingPriority: orUnknown(fc.integer()),
    flowType: orUnknown(fc.constantFrom("Always", "ObjectAddOnly", "ValueAddOnly")),
    defaultValue: orUnknown(fc.string()),
  },
  { requiredKeys: ["target"] },
);
const projection = fc.record({
  target: fc.string(),
  source: maybe(fc.string()),
  matchingPriority: fc.integer(),
  flowType: fc.string(),
  defaultValue: fc.option(fc.string(), { nil: null }),
});

const SUBJECTS: Subject[] = [
  {
    name: "SynchronizationTemplate",
    provider: synchronizationTemplateProvider as Subject["provider"],
    properties: ["servicePrincipalId", "connector", "galleryApp", "preferredTemplateId"],
    plausible: { servicePrincipalId: spId, connector, galleryApp: text },
    news: fc.record(
      { servicePrincipalId: text, connector, galleryApp: text, preferredTemplateId: maybe(text) },
      { requiredKeys: ["servicePrincipalId", "connector", "galleryApp"] },
    ),
    olds: fc.record({
      servicePrincipalId: fc.string(),
      connector,
      galleryApp: fc.string(),
      preferredTemplateId: maybe(fc.string()),
      templateId: fc.string(),
      factoryTag: fc.string(),
      candidates: fc.array(fc.string()),
      userRuleId: fc.string(),
    }),
  },
  {
    name: "TestConnection",
    provider: testConnectionProvider as Subject["provider"],
    properties: ["servicePrincipalId", "jobId", "connector", "credentials"],
    plausible: { servicePrincipalId: spId, jobId, connector, credentials: credentialsArb },
    news: fc.record(
      { servicePrincipalId: text, jobId: text, connector, credentials: maybe(credentialsArb) },
      { requiredKeys: ["servicePrincipalId", "jobId", "connector"] },
    ),
    olds: fc.record({
      servicePrincipalId: fc.string(),
      jobId: fc.string(),
      connector,
      passed: fc.boolean(),
      authorizationPending: fc.boolean(),
      message: fc.string(),
      checkedAt: fc.string(),
      credentialsHash: fc.string(),
    }),
  },
  {
    name: "AttributeMappings",
    provider: attributeMappingsProvider as Subject["provider"],
    properties: ["servicePrincipalId", "jobId", "objectType", "mappings"],
    plausible: {
      servicePrincipalId: spId,
      jobId,
      objectType: fc.constantFrom<unknown>("User", "Group", UNKNOWN, "user"),
      mappings: orUnknown(fc.array(spec)),
    },
    news: fc.record({
      servicePrincipalId: text,
      jobId: text,
      objectType: orUnknown(fc.constantFrom("User", "Group")),
      mappings: orUnknown(fc.array(spec)),
    }),
    olds: fc.record(
      {
        servicePrincipalId: fc.string(),
        jobId: fc.string(),
        objectType: fc.constantFrom("User", "Group"),
        mappings: fc.array(spec),
        live: fc.array(fc.option(projection, { nil: null })),
        ruleId: fc.string(),
        objectMappingName: fc.string(),
        targetDirectory: fc.string(),
      },
      { requiredKeys: ["servicePrincipalId", "jobId", "objectType", "mappings"] },
    ),
  },
  {
    name: "ProvisioningStatus",
    provider: provisioningStatusProvider as Subject["provider"],
    properties: ["servicePrincipalId", "jobId", "enabled"],
    plausible: {
      servicePrincipalId: spId,
      jobId,
      enabled: fc.constantFrom<unknown>(true, false, UNKNOWN, "true"),
    },
    news: fc.record({ servicePrincipalId: text, jobId: text, enabled: orUnknown(fc.boolean()) }),
    olds: fc.record({
      servicePrincipalId: fc.string(),
      jobId: fc.string(),
      enabled: fc.boolean(),
      scheduleState: fc.string(),
      statusCode: fc.string(),
      countSuccessiveCompleteFailures: fc.integer(),
      synchronizedEntryCounts: fc.dictionary(fc.string(), fc.integer()),
    }),
  },
  {
    name: "GuardedSynchronizationSecret",
    provider: guardedSynchronizationSecretProvider as Subject["provider"],
    properties: ["servicePrincipalId", "settings"],
    plausible: { servicePrincipalId: spId, settings: settingsArb },
    news: fc.record({ servicePrincipalId: text, settings: settingsArb }),
    olds: fc.record({
      servicePrincipalId: fc.string(),
      settings: fc.array(
        fc.record({
          key: fc.constantFrom("SyncNotificationSettings", "SyncAll"),
          value: fc.oneof(fc.string(), fc.constant('{"Enabled":false}')),
        }),
      ),
      otherKeys: fc.array(fc.string()),
    }),
  },
  {
    name: "GoToMeetingUser",
    provider: goToMeetingUserProvider as Subject["provider"],
    properties: [
      "userName",
      "givenName",
      "familyName",
      "displayName",
      "locale",
      "timezone",
      "adoptExisting",
    ],
    strictKeys: true,
    plausible: {
      userName: fc.oneof(
        fc.constantFrom("ada@example.com", "ada@", "x".repeat(130) + "@a.io"),
        text,
      ),
      givenName: text,
      familyName: text,
      locale: fc.oneof(fc.constantFrom("en_US", "zz_QQ", "de"), text),
      timezone: fc.oneof(fc.constantFrom("Europe/Berlin", "Mars/Olympus", "UTC"), text),
      adoptExisting: fc.constantFrom<unknown>(true, false, "yes"),
    },
    news: fc.record(
      {
        userName: text,
        givenName: text,
        familyName: text,
        displayName: maybe(text),
        locale: maybe(text),
        timezone: maybe(text),
        adoptExisting: maybe(fc.boolean()),
      },
      { requiredKeys: ["userName", "givenName", "familyName"] },
    ),
    olds: fc.record({
      userKey: fc.string(),
      userName: fc.string(),
      givenName: fc.string(),
      familyName: fc.string(),
      displayName: fc.string(),
      locale: fc.string(),
      timezone: fc.string(),
      adoptExisting: fc.boolean(),
      created: fc.string(),
    }),
  },
];

for (const subject of SUBJECTS) {
  describe(`${subject.name} check and diff with arbitrary inputs`, () => {
    const inputs = fc.record(
      Object.fromEntries(
        subject.properties.map((p) => [
          p,
          subject.plausible[p] ? fc.oneof(subject.plausible[p], anyValue) : anyValue,
        ]),
      ),
      { requiredKeys: [] },
    );
    const junk = subject.strictKeys
      ? fc.dictionary(
          fc.string({ minLength: 1 }).filter((k) => !subject.properties.includes(k)),
          anyValue,
          { maxKeys: 2 },
        )
      : fc.constant({});

    it("check never throws; each failure names a known input (or the unknown key) and a fix", async () => {
      const rejectedInputs = new Set<string>();
      await fc.assert(
        fc.asyncProperty(inputs, inputs, junk, async (olds, news, extra) => {
          const all = { ...news, ...extra };
          const result = await subject.provider.check!(olds as never, all as never);
          expect(typeof result.inputs).toBe("object");
          expect(Array.isArray(result.failures)).toBe(true);
          for (const f of result.failures as { property: string; reason: string }[]) {
            rejectedInputs.add(f.property);
            const named = [...subject.properties, ...Object.keys(extra)];
            expect(named, `unknown property ${f.property}`).toContain(f.property);
            expect(f.reason.includes(f.property), `reason without its property: ${f.reason}`).toBe(
              true,
            );
            expect(NAMES_A_FIX.test(f.reason), `no fix: ${f.reason.slice(0, 200)}`).toBe(true);
            expect(STACK_TRACE.test(f.reason)).toBe(false);
          }
        }),
        RUNS,
      );
      // Every input was rejected at least once: the generators reach each validation.
      expect([...rejectedInputs].filter((p) => subject.properties.includes(p)).sort()).toEqual(
        [...subject.properties].sort(),
      );
    });

    it("diff never throws on well-typed olds and news, unknown values included", async () => {
      await fc.assert(
        fc.asyncProperty(subject.olds, subject.news, async (olds, news) => {
          const result = (await subject.provider.diff!("id", olds as never, news as never)) as {
            changes?: unknown;
          };
          expect(typeof result.changes).toBe("boolean");
        }),
        RUNS,
      );
    });
  });
}
