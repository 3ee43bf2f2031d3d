// The GoToMeetingUser provider's methods called directly, as the engine would, against the stateful
// GoTo fake (identity API, Admin API, token endpoint). Proves the vendor contract handling (409/adopt,
// 403, verified domains, lost and unreadable answers, ownership after a lost create, redirects,
// throttling, pacing, the operation budget, rename drift, licences, PAT exchange), exact request
// counts per operation, and that no secret in any form leaks into an error.
// Where the fake's behaviour is a guess (test/fakes/gotoFake.ts says `guess:`), the test runs the
// provider under each alternative. Not proven here: that GoTo's real APIs behave as documented.
import * as pulumi from "@pulumi/pulumi";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import {
  GoToMeetingUserInputs,
  GoToMeetingUserOutputs,
  goToMeetingUserProvider,
  validateGoToUser,
} from "../providers/goToMeetingUser";
import {
  GOTO_CREDENTIAL_FIX,
  GoToSettings,
  gotoSettingsFromConfig,
  jsonWithIntegers,
  parseJsonLossless,
  vendorMessage,
} from "../lib/goto";
import { encodedForms } from "../lib/redact";
import {
  type AdminGuesses,
  DEFAULT_ACCOUNT,
  GoToFake,
  type GoToFakeOptions,
  IDENTITY_ERROR_SHAPES,
  startForeignOrigin,
} from "./fakes/gotoFake";

const provider = goToMeetingUserProvider as Required<typeof goToMeetingUserProvider>;
const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
const MARKER = /^pulumi-create-[0-9a-f]{16}$/;

/** Small timeouts and backoff, and a pace far above the fake's (unlimited) rate. */
const FAST = {
  apiTimeoutSeconds: "2",
  apiRetryBudgetSeconds: "5",
  apiRetryBaseSeconds: "0.01",
  gotoRequestsPerSecond: "1000",
};

function fakeConfig(values: Record<string, string | undefined>) {
  return {
    config: {
      get: (key: string) => values[key],
      require: (key: string) => {
        const v = values[key];
        if (v === undefined) throw new Error(`missing required configuration variable '${key}'`);
        return v;
      },
    },
  };
}

async function configure(fake: GoToFake, extra: Record<string, string | undefined> = {}) {
  await provider.configure(
    fakeConfig({
      gotoApiUrl: fake.url,
      gotoAdminApiUrl: fake.adminUrl,
      gotoAccessToken: fake.token,
      ...FAST,
      ...extra,
    }),
  );
}

const ada: GoToMeetingUserInputs = {
  userName: "ada@example.com",
  givenName: "Ada",
  familyName: "Lovelace",
};

/** method + path + status of each request, the shape most assertions compare. */
const calls = (fake: GoToFake) =>
  fake.requests.map((r) => `${r.method} ${r.path}${r.query ? "?" + r.query : ""} ${r.status}`);
const brief = (fake: GoToFake) => fake.requests.map((r) => `${r.method} ${r.status}`);

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;

async function errorOf(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (err) {
    return err as Error;
  }
  throw new Error("expected a failure, got success");
}

describe("gotoSettingsFromConfig", () => {
  const get = (values: Record<string, string>) => (k: string) => values[k];

  it("applies the documented defaults around an access token", () => {
    expect(gotoSettingsFromConfig(get({ gotoAccessToken: "tok-1" }), {})).toEqual({
      baseUrl: "https://api.getgo.com/identity/v1",
      authUrl: "https://authentication.logmeininc.com/oauth/token",
      adminUrl: "https://api.getgo.com/admin/rest/v1",
      accessToken: "tok-1",
      pat: undefined,
      accountKey: undefined,
      requestsPerSecond: 10,
      timeoutMs: 60_000,
      retryBudgetMs: 300_000,
      baseDelayMs: 1_000,
    } satisfies GoToSettings);
  });

  it("reads the PAT exchange keys and the overrides", () => {
    const s = gotoSettingsFromConfig(
      get({
        gotoApiUrl: "http://127.0.0.1:1/identity/v1/",
        gotoAuthUrl: "http://127.0.0.1:1/oauth/token",
        gotoAdminApiUrl: "http://127.0.0.1:1/admin/rest/v1/",
        gotoAccountKey: "200000000000215929",
        gotoClientId: "cid",
        gotoClientSecret: "csecret",
        gotoPersonalAccessToken: "pat-1",
        gotoRequestsPerSecond: "2.5",
        apiTimeoutSeconds: "0.5",
      }),
      { GOTO_ACCESS_TOKEN: "env-token" },
    );
    expect(s).toMatchObject({
      baseUrl: "http://127.0.0.1:1/identity/v1",
      authUrl: "http://127.0.0.1:1/oauth/token",
      adminUrl: "http://127.0.0.1:1/admin/rest/v1",
      accountKey: "200000000000215929",
      accessToken: undefined,
      pat: { clientId: "cid", clientSecret: "csecret", pat: "pat-1" },
      requestsPerSecond: 2.5,
      timeoutMs: 500,
    });
  });

  it("falls back to the package namespace (gotomeeting-provisioning:<key>)", () => {
    const s = gotoSettingsFromConfig(
      get({
        "gotomeeting-provisioning:gotoAccessToken": "ns-token",
        "gotomeeting-provisioning:gotoApiUrl": "http://127.0.0.1:2/identity/v1",
        gotoRequestsPerSecond: "3",
      }),
      {},
    );
    expect(s).toMatchObject({
      accessToken: "ns-token",
      baseUrl: "http://127.0.0.1:2/identity/v1",
      requestsPerSecond: 3,
    });
  });

  it("falls back to env GOTO_ACCESS_TOKEN, after the stack config", () => {
    expect(gotoSettingsFromConfig(get({}), { GOTO_ACCESS_TOKEN: "env-token" }).accessToken).toBe(
      "env-token",
    );
    expect(
      gotoSettingsFromConfig(get({ gotoAccessToken: "cfg-token" }), {
        GOTO_ACCESS_TOKEN: "env-token",
      }).accessToken,
    ).toBe("cfg-token");
  });

  it.each([
    [{}, `No GoTo credential is configured. Fix: ${GOTO_CREDENTIAL_FIX}.`],
    [
      { gotoClientId: "cid" },
      "The GoTo personal-access-token exchange needs gotoClientId, gotoClientSecret and gotoPersonalAccessToken; " +
        "gotoClientSecret and gotoPersonalAccessToken are not set. " +
        `Fix: pulumi config set gotoClientSecret --secret <value>, or ${GOTO_CREDENTIAL_FIX}.`,
    ],
    [
      { gotoClientSecret: "s3cr3t-client", gotoPersonalAccessToken: "s3cr3t-pat" },
      "The GoTo personal-access-token exchange needs gotoClientId, gotoClientSecret and gotoPersonalAccessToken; " +
        "gotoClientId is not set. " +
        `Fix: pulumi config set gotoClientId <value>, or ${GOTO_CREDENTIAL_FIX}.`,
    ],
    [
      { gotoAccessToken: "s3cr3t-token", gotoClientId: "cid", gotoClientSecret: "s3cr3t-client" },
      "GoTo credentials are ambiguous: gotoAccessToken and gotoClientId, gotoClientSecret are all set. " +
        "Fix: keep either gotoAccessToken or the three personal-access-token keys (pulumi config rm <key>).",
    ],
    [
      { gotoAccessToken: "t", gotoRequestsPerSecond: "0" },
      'gotoRequestsPerSecond must be a positive number; got "0". Fix: pulumi config set gotoRequestsPerSecond 10',
    ],
    [
      { gotoAccessToken: "t", apiRetryBudgetSeconds: "soon" },
      'apiRetryBudgetSeconds must be a positive number; got "soon". Fix: pulumi config set apiRetryBudgetSeconds 300',
    ],
    [
      { gotoAccessToken: "t", gotoApiUrl: "api.getgo.com/identity/v1" },
      'gotoApiUrl must be an absolute http(s) URL; got "api.getgo.com/identity/v1". Fix: pulumi config set gotoApiUrl https://api.getgo.com/identity/v1',
    ],
    [
      { gotoAccessToken: "t", gotoAdminApiUrl: "getgo/admin" },
      'gotoAdminApiUrl must be an absolute http(s) URL; got "getgo/admin". Fix: pulumi config set gotoAdminApiUrl https://api.getgo.com/admin/rest/v1',
    ],
    [
      { gotoAccessToken: "t", gotoAccountKey: "2e17" },
      'gotoAccountKey must be the account\'s key, digits only; got "2e17". Fix: pulumi config set gotoAccountKey <key> ' +
        "(GoTo's admin center shows it, or GET https://api.getgo.com/admin/rest/v1/me lists accounts[].key), or remove it to read it from GoTo.",
    ],
  ])("rejects %j with a message naming the key and the fix", (values, message) => {
    let thrown: Error | undefined;
    try {
      gotoSettingsFromConfig(get(values as Record<string, string>), {});
    } catch (err) {
      thrown = err as Error;
    }
    expect(thrown?.message).toBe(message);
    expect(thrown?.message).not.toMatch(/s3cr3t/);
  });
});

describe("validateGoToUser and check", () => {
  const valid = { userName: "ada@example.com", givenName: "Ada", familyName: "Lovelace" };

  it.each([
    [
      { givenName: "Ada", familyName: "Lovelace" },
      "userName: is required; set the user's e-mail address",
    ],
    [{ ...valid, userName: "" }, "userName: must not be empty; set the user's e-mail address"],
    [{ ...valid, userName: 42 }, "userName: must be a string; got 42"],
    [
      { ...valid, userName: "ada" },
      'userName: "ada" is not an e-mail address; use the user\'s e-mail address, e.g. jane.doe@example.com',
    ],
    [
      { ...valid, userName: "a".repeat(117) + "@example.com" },
      "userName: is 129 characters long, over GoTo's limit of 128; use a shorter e-mail address",
    ],
    [
      { ...valid, givenName: "x".repeat(61) },
      "givenName: is 61 characters long, over GoTo's limit of 60; shorten it",
    ],
    [{ ...valid, givenName: "  " }, "givenName: must not be empty; set the user's given name"],
    [
      { userName: "ada@example.com", givenName: "Ada" },
      "familyName: is required; set the user's family name",
    ],
    [
      { ...valid, familyName: "y".repeat(61) },
      "familyName: is 61 characters long, over GoTo's limit of 60; shorten it",
    ],
    [{ ...valid, displayName: "" }, "displayName: must not be empty; omit it to keep GoTo's value"],
    [
      { ...valid, locale: "english" },
      'locale: "english" is not ISO-639 with an optional ISO-3166 region (e.g. en_US); fix the value',
    ],
    [
      { ...valid, locale: "en-US" },
      'locale: "en-US" is not ISO-639 with an optional ISO-3166 region (e.g. en_US); fix the value',
    ],
    [
      { ...valid, locale: "xx_US" },
      'locale: "xx_US" is not ISO-639 with an optional ISO-3166 region (e.g. en_US); fix the value',
    ],
    [
      { ...valid, timezone: "Mars/Olympus_Mons" },
      'timezone: "Mars/Olympus_Mons" is not an IANA time zone name (e.g. America/New_York); fix the value',
    ],
    [
      { ...valid, timezone: "utc" },
      'timezone: "utc" is not an IANA time zone name (e.g. America/New_York); fix the value',
    ],
    [{ ...valid, adoptExisting: "yes" }, 'adoptExisting: must be true or false; got "yes"'],
    [
      { ...valid, email: "ada@example.com" },
      "email: is not a GoToMeetingUser input; remove it (inputs: userName, givenName, familyName, displayName, locale, timezone, adoptExisting, licenseKeys)",
    ],
    [
      { ...valid, licenseKeys: "7902142105473202120" },
      'licenseKeys: must be a list of licence keys written as strings, e.g. ["7902142105473202120"]; got "7902142105473202120"',
    ],
    [
      // What a stack file's unquoted key becomes: a rounded number.
      { ...valid, licenseKeys: [Number("7902142105473202120")] },
      "licenseKeys[0]: must be a string of digits; got the number 7902142105473202000, and a number loses digits beyond 2^53 " +
        '(it may already name another licence): quote the key in the stack file or program, e.g. "7902142105473202120"',
    ],
    [
      { ...valid, licenseKeys: ["G2M"] },
      'licenseKeys[0]: must be a licence key, digits only (GoTo\'s admin center or GET /accounts/{accountKey}/licenses lists them); got "G2M"',
    ],
    [
      { ...valid, licenseKeys: ["7902142105473202120", "7902142105473202120"] },
      'licenseKeys[1]: "7902142105473202120" is already listed at licenseKeys[0]; remove one',
    ],
  ])("%j → one exact message", (input, message) => {
    expect(validateGoToUser(input, "")).toEqual([message]);
    expect(validateGoToUser(input, "gotoUsers[1]")).toEqual([`gotoUsers[1].${message}`]);
  });

  it("rejects a non-object with the path", () => {
    expect(validateGoToUser("ada@example.com", "gotoUsers[0]")).toEqual([
      'gotoUsers[0]: must be an object with userName, givenName and familyName; got "ada@example.com"',
    ]);
  });

  it.each([
    [{ ...valid }],
    [{ ...valid, displayName: "Countess Lovelace", locale: "en_GB", timezone: "Europe/London" }],
    [{ ...valid, locale: "de", timezone: "UTC", adoptExisting: true }],
    [{ ...valid, locale: "fr_FR", timezone: "Etc/GMT+5", adoptExisting: false }],
    // Renamed after Node 20's ICU list was cut, still resolved by ICU.
    [{ ...valid, timezone: "Europe/Kyiv" }],
    [{ ...valid, timezone: "US/Pacific" }],
    [{ ...valid, licenseKeys: [] }],
    [{ ...valid, licenseKeys: ["7902142105473202120", "78888886011013972886849029"] }],
    [{ ...valid, licenseKeys: [UNKNOWN] }],
    [
      {
        userName: UNKNOWN,
        givenName: UNKNOWN,
        familyName: "Lovelace",
        locale: UNKNOWN,
        adoptExisting: UNKNOWN,
        licenseKeys: UNKNOWN,
      },
    ],
  ])("accepts %j", (input) => {
    expect(validateGoToUser(input, "gotoUsers[0]")).toEqual([]);
  });

  it("check names each failing property, ignores the engine's keys and defaults adoptExisting", async () => {
    const news = {
      __provider: "serialized",
      userName: "ada",
      givenName: "Ada",
      familyName: "z".repeat(61),
      timezone: "Mars/Olympus_Mons",
      licenseKeys: ["12", 12],
      declaredUserName: undefined,
      adminUserKey: undefined,
    } as unknown as GoToMeetingUserInputs;
    const result = await provider.check({} as GoToMeetingUserInputs, news);
    expect(result.failures).toEqual([
      {
        property: "userName",
        reason:
          'userName: "ada" is not an e-mail address; use the user\'s e-mail address, e.g. jane.doe@example.com',
      },
      {
        property: "familyName",
        reason: "familyName: is 61 characters long, over GoTo's limit of 60; shorten it",
      },
      {
        property: "timezone",
        reason:
          'timezone: "Mars/Olympus_Mons" is not an IANA time zone name (e.g. America/New_York); fix the value',
      },
      {
        property: "licenseKeys",
        reason:
          "licenseKeys[1]: must be a string of digits; got the number 12, and a number loses digits beyond 2^53 " +
          '(it may already name another licence): quote the key in the stack file or program, e.g. "7902142105473202120"',
      },
    ]);
    const ok = await provider.check({} as GoToMeetingUserInputs, { ...ada });
    expect(ok).toEqual({ inputs: { ...ada, adoptExisting: false }, failures: [] });
  });
});

describe("vendorMessage: GoTo's error shapes (F13, §3d)", () => {
  it.each([
    [
      "identity API, audit observation (unverified)",
      { error: [{ code: "400", description: "userName is invalid", uri: "https://x" }] },
      {},
      "userName is invalid",
    ],
    [
      "SCIM 1.x (unverified)",
      { Errors: [{ code: "409", description: "Username is already in use" }] },
      {},
      "Username is already in use",
    ],
    [
      "product APIs (secondary)",
      { int_err_code: "InvalidToken", msg: "Invalid token passed" },
      {},
      "Invalid token passed",
    ],
    [
      "OAuth",
      { error: "invalid_grant", error_description: "Invalid personal access token" },
      {},
      "invalid_grant: Invalid personal access token",
    ],
    ["OAuth without a description", { error: "invalid_client" }, {}, "invalid_client"],
    [
      "empty body with WWW-Authenticate (secondary)",
      "",
      { "www-authenticate": 'Bearer realm="goto", error="invalid_token"' },
      "invalid_token",
    ],
    [
      "WWW-Authenticate with a description",
      "",
      { "www-authenticate": 'Bearer error="invalid_token", error_description="The token expired"' },
      "invalid_token: The token expired",
    ],
    ["empty body: the caller shows the status line", "", {}, ""],
    ["an HTML page says nothing", "<html><body>Bad gateway</body></html>", {}, ""],
    ["plain text", "upstream connect error", {}, "upstream connect error"],
  ])("%s", (_case, body, headers, message) => {
    expect(vendorMessage(body, headers as Record<string, string>)).toBe(message);
  });

  it("scrubs before it cuts: a secret straddling the 300-character cut never shows half", () => {
    // registered through configure, as any credential is
    gotoSettingsFromConfig((k) => ({ gotoAccessToken: "straddling-secret-1f2e3d4c5b6a" })[k], {});
    const text = "x".repeat(290) + "straddling-secret-1f2e3d4c5b6a and more";
    const out = vendorMessage({ msg: text });
    expect(out).not.toContain("straddling");
    expect(out).not.toContain("straddl");
    expect(out).toContain("[redacted]");
  });

  it("big integers survive parsing and are written back as JSON numbers", () => {
    expect(parseJsonLossless('{"key":78888886011013972886849029,"n":[1,2.5e3,-3]}')).toEqual({
      key: "78888886011013972886849029",
      n: [1, 2500, -3],
    });
    expect(jsonWithIntegers({ email: "a@b.c", licenseKeys: ["7902142105473202120"] })).toBe(
      '{"email":"a@b.c","licenseKeys":[7902142105473202120]}',
    );
  });
});

describe("diff", () => {
  const olds: GoToMeetingUserOutputs = {
    userKey: "7300000001",
    userName: "Ada@Example.com",
    givenName: "Ada",
    familyName: "Lovelace",
    displayName: "Ada Lovelace",
    locale: "en_US",
    timezone: "America/Los_Angeles",
    adoptExisting: false,
    created: "2026-01-01T00:00:00.000Z",
  };
  // After a refresh that saw a rename in GoTo's admin center.
  const renamed: GoToMeetingUserOutputs = {
    ...olds,
    userName: "ada.king@example.com",
    declaredUserName: "Ada@Example.com",
  };

  it.each([
    ["nothing changed", olds, { ...ada }, { changes: false, replaces: [] }],
    [
      "same values declared explicitly",
      olds,
      { ...ada, displayName: "Ada Lovelace", locale: "en_US" },
      { changes: false, replaces: [] },
    ],
    [
      "userName differs only in case",
      olds,
      { ...ada, userName: "ADA@EXAMPLE.COM" },
      { changes: false, replaces: [] },
    ],
    [
      "only adoptExisting changed",
      olds,
      { ...ada, adoptExisting: true },
      { changes: false, replaces: [] },
    ],
    [
      "another userName declared",
      olds,
      { ...ada, userName: "ada.l@example.com" },
      { changes: true, replaces: ["userName"] },
    ],
    [
      "userName unknown in preview",
      olds,
      { ...ada, userName: UNKNOWN },
      { changes: true, replaces: ["userName"] },
    ],
    ["givenName changed", olds, { ...ada, givenName: "Augusta" }, { changes: true, replaces: [] }],
    [
      "timezone changed",
      olds,
      { ...ada, timezone: "Europe/London" },
      { changes: true, replaces: [] },
    ],
    [
      "displayName unknown in preview",
      olds,
      { ...ada, displayName: UNKNOWN },
      { changes: true, replaces: [] },
    ],
    [
      "renamed in GoTo, the program still declares the old name: drift, not a replacement",
      renamed,
      { ...ada },
      { changes: true, replaces: [] },
    ],
    [
      "renamed in GoTo and the program declares a third name: a replacement",
      renamed,
      { ...ada, userName: "someone.else@example.com" },
      { changes: true, replaces: ["userName"] },
    ],
    [
      "renamed in GoTo and the program now declares that name: the record changes, nothing else",
      renamed,
      { ...ada, userName: "ada.king@example.com" },
      { changes: true, replaces: [] },
    ],
    [
      "a create marker still on the user (a create that stopped early): changed",
      { ...olds, displayName: "pulumi-create-0123456789abcdef" },
      { ...ada },
      { changes: true, replaces: [] },
    ],
    [
      "licences declared for the first time",
      olds,
      { ...ada, licenseKeys: ["7902142105473202120"] },
      { changes: true, replaces: [] },
    ],
    [
      "licences as recorded",
      { ...olds, licenseKeys: ["7902142105473202120"] },
      { ...ada, licenseKeys: ["7902142105473202120"] },
      { changes: false, replaces: [] },
    ],
    [
      "licences no longer managed (omitted): the record is dropped, nothing removed",
      { ...olds, licenseKeys: ["7902142105473202120"] },
      { ...ada },
      { changes: true, replaces: [] },
    ],
    [
      "licences unknown in preview",
      olds,
      { ...ada, licenseKeys: [UNKNOWN] },
      { changes: true, replaces: [] },
    ],
  ])("%s", async (_case, before, news, expected) => {
    expect(await provider.diff("7300000001", before, news)).toEqual(expected);
  });

  it("refuses to take a licence away, with what to do in GoTo's admin center", async () => {
    const err = await errorOf(
      provider.diff(
        "7300000001",
        { ...olds, licenseKeys: ["7902142105473202120", "7902142105473202987"] },
        { ...ada, licenseKeys: ["7902142105473202120"] },
      ),
    );
    expect(err.message).toMatch(
      /^licenseKeys: licence 7902142105473202987 would be removed from GoTo user "Ada@Example.com", but GoTo documents no API call that takes a licence away from a user, so this provider never removes one\. Fix: remove it in GoTo's admin center \(Users → Ada@Example\.com → Products \/ licences\)/,
    );
  });
});

describe("provider against the GoTo fake", () => {
  let fake: GoToFake;

  beforeEach(async () => {
    fake = await GoToFake.start();
    await configure(fake);
  });
  afterEach(async () => {
    await fake.stop();
  });

  it("create: a POST with the declared attributes and a one-time marker, then a PATCH that removes it", async () => {
    const { id, outs } = await provider.create({ ...ada, adoptExisting: false });
    const [user] = fake.users();
    expect(id).toBe(user.id);
    expect(outs).toEqual({
      userKey: user.id,
      userName: "ada@example.com",
      declaredUserName: "ada@example.com",
      givenName: "Ada",
      familyName: "Lovelace",
      displayName: "Ada Lovelace",
      locale: "en_US",
      timezone: "America/Los_Angeles",
      adoptExisting: false,
      created: user.meta.created,
    });
    expect(outs?.created).toMatch(ISO);
    expect(calls(fake)).toEqual(["POST /Users 201", `PATCH /Users/${id} 200`]);
    const sent = fake.requests[0].body as { displayName: string };
    expect(sent).toEqual({
      userName: "ada@example.com",
      name: { givenName: "Ada", familyName: "Lovelace" },
      displayName: sent.displayName,
    });
    expect(sent.displayName).toMatch(MARKER);
    expect(fake.requests[1].body).toEqual({ displayName: "Ada Lovelace" });
    expect(user.displayName).toBe("Ada Lovelace");
    expect(JSON.stringify(outs)).not.toContain(fake.token);
  });

  it("each create carries its own marker", async () => {
    await provider.create(ada);
    await provider.create({ ...ada, userName: "bob@example.com" });
    const markers = fake.requests
      .filter((r) => r.method === "POST")
      .map((r) => (r.body as { displayName: string }).displayName);
    expect(markers).toHaveLength(2);
    expect(markers[0]).not.toBe(markers[1]);
  });

  it("create with a declared displayName: exactly one POST, no marker", async () => {
    const inputs = { ...ada, displayName: "Countess", locale: "en_GB", timezone: "Europe/London" };
    const { outs } = await provider.create(inputs);
    expect(brief(fake)).toEqual(["POST 201"]);
    expect(fake.requests[0].body).toEqual({
      userName: "ada@example.com",
      name: { givenName: "Ada", familyName: "Lovelace" },
      displayName: "Countess",
      locale: "en_GB",
      timezone: "Europe/London",
    });
    expect(outs).toMatchObject({
      displayName: "Countess",
      locale: "en_GB",
      timezone: "Europe/London",
    });
  });

  it("read: one GET returning the live user as props and inputs", async () => {
    const { id, outs } = await provider.create(ada);
    fake.resetRequests();
    const read = await provider.read(id, outs);
    expect(read).toEqual({
      id,
      props: outs,
      inputs: {
        userName: "ada@example.com",
        givenName: "Ada",
        familyName: "Lovelace",
        displayName: "Ada Lovelace",
        locale: "en_US",
        timezone: "America/Los_Angeles",
        adoptExisting: false,
      },
    });
    expect(calls(fake)).toEqual([`GET /Users/${id} 200`]);
  });

  it("drift: an out-of-band change shows on read, diff reports it and update PATCHes it back", async () => {
    const { id, outs } = await provider.create(ada);
    fake.patchUser(id, { name: { givenName: "Augusta" }, timezone: "Europe/London" });
    fake.resetRequests();

    const read = await provider.read(id, outs);
    expect(read.props).toMatchObject({ givenName: "Augusta", timezone: "Europe/London" });
    expect(await provider.diff(id, read.props!, ada)).toEqual({ changes: true, replaces: [] });

    const { outs: updated } = await provider.update(id, read.props!, ada);
    // timezone is not declared, so it is not managed: only the given name goes back.
    expect(fake.requests[1].body).toEqual({ name: { givenName: "Ada" } });
    expect(updated).toMatchObject({ givenName: "Ada", timezone: "Europe/London" });
    expect(calls(fake)).toEqual([`GET /Users/${id} 200`, `PATCH /Users/${id} 200`]);
  });

  it("read of a user deleted outside Pulumi returns no id", async () => {
    const { id, outs } = await provider.create(ada);
    expect(fake.removeUser(id)).toBe(true);
    fake.resetRequests();
    expect(await provider.read(id, outs)).toEqual({});
    expect(calls(fake)).toEqual([`GET /Users/${id} 404`]);
  });

  it("update: one PATCH with only the changed fields", async () => {
    const { id, outs } = await provider.create({ ...ada, locale: "en_US" });
    fake.resetRequests();
    const news = { ...ada, familyName: "King", locale: "en_GB" };
    const { outs: updated } = await provider.update(id, outs!, news);
    expect(calls(fake)).toEqual([`PATCH /Users/${id} 200`]);
    expect(fake.requests[0].body).toEqual({ name: { familyName: "King" }, locale: "en_GB" });
    expect(updated).toEqual({ ...outs, familyName: "King", locale: "en_GB" });
    expect(fake.users()[0]).toMatchObject({
      name: { givenName: "Ada", familyName: "King" },
      locale: "en_GB",
    });
  });

  it("update with no real change makes no call", async () => {
    const { id, outs } = await provider.create(ada);
    fake.resetRequests();
    const { outs: updated } = await provider.update(id, outs!, { ...ada, adoptExisting: true });
    expect(updated).toEqual({ ...outs, adoptExisting: true });
    expect(fake.requests).toEqual([]);
  });

  it("update of a user removed outside Pulumi says to refresh", async () => {
    const { id, outs } = await provider.create(ada);
    fake.removeUser(id);
    await expect(provider.update(id, outs!, { ...ada, givenName: "Augusta" })).rejects.toThrow(
      `GoTo user ${id} ("ada@example.com") no longer exists. Fix: pulumi refresh drops it from the state; pulumi up then creates it again.`,
    );
  });

  it("delete: one DELETE (200, no body); an already-missing user counts as deleted", async () => {
    const { id, outs } = await provider.create(ada);
    fake.resetRequests();
    await provider.delete(id, outs!);
    expect(fake.users()).toEqual([]);
    await provider.delete(id, outs!);
    expect(calls(fake)).toEqual([`DELETE /Users/${id} 200`, `DELETE /Users/${id} 404`]);
  });

  it("adopt: POST 409, GET by userName eq, PATCH to the declared values — exactly 3 calls", async () => {
    const existing = fake.addUser({
      userName: "Ada@Example.com",
      givenName: "A.",
      familyName: "Lovelace",
      locale: "de_DE",
    });
    const { id, outs } = await provider.create({ ...ada, locale: "en_GB", adoptExisting: true });
    expect(id).toBe(existing.id);
    expect(calls(fake)).toEqual([
      "POST /Users 409",
      "GET /Users?filter=userName%20eq%20%22ada%40example.com%22 200",
      `PATCH /Users/${existing.id} 200`,
    ]);
    // Someone else's displayName is not managed: the PATCH leaves it alone.
    expect(fake.requests[2].body).toEqual({ name: { givenName: "Ada" }, locale: "en_GB" });
    expect(outs).toEqual({
      userKey: existing.id,
      userName: "Ada@Example.com",
      declaredUserName: "ada@example.com",
      givenName: "Ada",
      familyName: "Lovelace",
      displayName: "A. Lovelace",
      locale: "en_GB",
      timezone: "America/Los_Angeles",
      adoptExisting: true,
      created: existing.meta.created,
    });
    expect(fake.users()).toHaveLength(1);
  });

  it("adopt of a user that already matches skips the PATCH", async () => {
    const existing = fake.addUser({
      userName: "ada@example.com",
      givenName: "Ada",
      familyName: "Lovelace",
    });
    const { id } = await provider.create({ ...ada, adoptExisting: true });
    expect(id).toBe(existing.id);
    expect(brief(fake)).toEqual(["POST 409", "GET 200"]);
  });

  it("409 without adoptExisting: an error naming the user and the option, after one call", async () => {
    fake.addUser({ userName: "ada@example.com", givenName: "Ada", familyName: "Lovelace" });
    await expect(provider.create(ada)).rejects.toThrow(
      'GoTo already has a user with userName "ada@example.com" (HTTP 409: userName in use). ' +
        "To manage that user with Pulumi, set adoptExisting: true on this GoToMeetingUser; otherwise choose another userName.",
    );
    expect(calls(fake)).toEqual(["POST /Users 409"]);
  });

  it("403: a bad token fails once, with the fix and without the token", async () => {
    await configure(fake, { gotoAccessToken: "wrong-token-0123456789" });
    const thrown = await errorOf(provider.create(ada));
    expect(thrown.message).toBe(
      "GoTo POST /Users failed: HTTP 403: Invalid token passed\n" +
        `GoTo rejected the access token (expired, revoked or for another environment). Fix: ${GOTO_CREDENTIAL_FIX}.`,
    );
    expect(thrown.message).not.toContain("wrong-token");
    expect(calls(fake)).toEqual(["POST /Users 403"]);
  });

  describe("lost responses during create never make a second user", () => {
    it("reset after commit: the lookup finds the user by its marker and takes it (no second POST)", async () => {
      fake.inject({ method: "POST", path: "/Users", kind: "reset-after-commit" });
      const { id, outs } = await provider.create(ada);
      const users = fake.users();
      expect(users).toHaveLength(1);
      expect(id).toBe(users[0].id);
      expect(outs).toMatchObject({ userName: "ada@example.com", displayName: "Ada Lovelace" });
      expect(brief(fake)).toEqual(["POST -1", "GET 200", "PATCH 200"]);
    });

    it("reset after commit, then the declared values are patched onto what landed", async () => {
      fake.inject({ method: "POST", kind: "reset-after-commit" });
      // The lookup is held back (502, retried after 0.3 s) while an admin edits the new user.
      fake.inject({ method: "GET", kind: { status: 502, retryAfter: "0.3" } });
      const created = provider.create(ada);
      await vi.waitFor(() => expect(fake.users()).toHaveLength(1), { interval: 5 });
      fake.patchUser(fake.users()[0].id, { name: { familyName: "Byron" } });
      const { outs } = await created;
      expect(fake.users()).toHaveLength(1);
      expect(outs?.familyName).toBe("Lovelace");
      expect(fake.users()[0].name).toEqual({ givenName: "Ada", familyName: "Lovelace" });
      expect(brief(fake)).toEqual(["POST -1", "GET 502", "GET 200", "PATCH 200"]);
      expect(fake.requests[3].body).toEqual({
        name: { familyName: "Lovelace" },
        displayName: "Ada Lovelace",
      });
    });

    it.each([
      ["502 before commit", { status: 502 as const }, "POST 502"],
      ["503 before commit", { status: 503 as const }, "POST 503"],
      ["504 before commit", { status: 504 as const }, "POST 504"],
      ["reset before commit", "reset" as const, "POST -1"],
    ])("%s: looked up, absent, POSTed again", async (_case, kind, first) => {
      fake.inject({ method: "POST", kind });
      await provider.create(ada);
      expect(fake.users()).toHaveLength(1);
      expect(brief(fake)).toEqual([first, "GET 200", "POST 201", "PATCH 200"]);
      // The same definition, marker included, both times.
      expect(fake.requests[2].body).toEqual(fake.requests[0].body);
    });

    it("timeout: a POST that never answers is followed by a lookup, not a blind retry", async () => {
      await configure(fake, { apiTimeoutSeconds: "0.3" });
      fake.inject({ method: "POST", kind: "hang" });
      await provider.create(ada);
      expect(fake.users()).toHaveLength(1);
      expect(brief(fake)).toEqual(["POST -1", "GET 200", "POST 201", "PATCH 200"]);
    });

    it("a 409 after a lost response is our own user landing late: recognised by its marker", async () => {
      fake.inject({ method: "POST", kind: "reset-after-commit" });
      // The first lookup misses the user, as if GoTo's search lagged behind the write.
      fake.inject({
        method: "GET",
        kind: { status: 200, body: { resources: [], totalResults: 0 } },
      });
      const { id } = await provider.create(ada);
      expect(fake.users().map((u) => u.id)).toEqual([id]);
      expect(brief(fake)).toEqual(["POST -1", "GET 200", "POST 409", "GET 200", "PATCH 200"]);
    });
  });

  describe("ownership: a user found after a lost POST is ours only with proof", () => {
    const someoneElses = (created: string | null) => ({
      userName: "ada@example.com",
      givenName: "Ada",
      familyName: "Lovelace",
      created,
    });
    const refusal =
      'GoTo has a user with userName "ada@example.com", but the answer to this deployment\'s POST /Users was lost';

    it.each([
      ["created by someone else a minute ago", new Date(Date.now() - 60_000).toISOString()],
      ["created by someone else, meta.created missing", null],
      ["created by someone else long ago", "2020-01-01T00:00:00.000Z"],
    ])("%s: refused, and the user is untouched", async (_case, created) => {
      const existing = fake.addUser(someoneElses(created));
      // GoTo answers 409 (nothing to commit), and that answer is lost.
      fake.inject({ method: "POST", kind: "reset-after-commit" });
      const err = await errorOf(provider.create(ada));
      expect(err.message).toContain(refusal);
      expect(err.message).toMatch(
        /does not carry this create's marker \(displayName "pulumi-create-[0-9a-f]{16}"\)/,
      );
      expect(err.message).toContain("set adoptExisting: true on this GoToMeetingUser");
      expect(fake.users()).toEqual([existing]);
      expect(brief(fake)).toEqual(["POST -1", "GET 200"]);
    });

    it("the values matching exactly are no proof either", async () => {
      fake.addUser({ ...someoneElses(new Date().toISOString()), displayName: "Ada Lovelace" });
      fake.inject({ method: "POST", kind: "reset-after-commit" });
      await expect(provider.create(ada)).rejects.toThrow(refusal);
    });

    it("with a declared displayName there is no marker: our own landed POST is refused too, with the way out", async () => {
      fake.inject({ method: "POST", kind: "reset-after-commit" });
      const err = await errorOf(provider.create({ ...ada, displayName: "Ada L." }));
      expect(err.message).toContain(refusal);
      expect(err.message).toContain("with a declared displayName the create carries no marker");
      expect(err.message).toContain("set adoptExisting: true");
      expect(fake.users()).toHaveLength(1);
      expect(brief(fake)).toEqual(["POST -1", "GET 200"]);
    });

    it("with adoptExisting: taken and patched", async () => {
      const existing = fake.addUser({
        ...someoneElses("2020-01-01T00:00:00.000Z"),
        familyName: "L.",
      });
      fake.inject({ method: "POST", kind: "reset-after-commit" });
      const { id, outs } = await provider.create({ ...ada, adoptExisting: true });
      expect(id).toBe(existing.id);
      expect(outs).toMatchObject({ familyName: "Lovelace", created: "2020-01-01T00:00:00.000Z" });
      expect(brief(fake)).toEqual(["POST -1", "GET 200", "PATCH 200"]);
    });
  });

  describe("reading answers: cut-off, non-JSON, wrongly typed or field-less is never an empty answer", () => {
    it.each(["html", "fieldless", "truncate"] as const)(
      "GET of the user answered %s once: asked again",
      async (kind) => {
        const { id, outs } = await provider.create(ada);
        fake.resetRequests();
        fake.inject({ method: "GET", kind });
        const read = await provider.read(id, outs);
        expect(read.props).toEqual(outs);
        // The cut-off answer's status line arrived (200) before its body broke off.
        expect(brief(fake)).toEqual(["GET 200", "GET 200"]);
      },
    );

    it("a GET that keeps answering HTML fails, saying nothing was decided", async () => {
      const { id, outs } = await provider.create(ada);
      fake.inject({ method: "GET", kind: "html", times: 1000 });
      const err = await errorOf(provider.read(id, outs));
      expect(err.message).toMatch(
        new RegExp(
          `^GoTo GET /Users/${id}: the answer could not be used \\(the body is text/html; charset=utf-8, not JSON\\), so nothing was decided on it\\.`,
        ),
      );
    });

    it("a field-less lookup after a lost POST is asked again, not taken for 'absent'", async () => {
      fake.inject({ method: "POST", kind: "reset-after-commit" });
      fake.inject({ method: "GET", kind: { status: 200, body: { totalResults: 0 } } });
      await provider.create(ada);
      expect(fake.users()).toHaveLength(1);
      expect(brief(fake)).toEqual(["POST -1", "GET 200", "GET 200", "PATCH 200"]);
    });

    it("a lookup listing a user without id is asked again", async () => {
      fake.inject({ method: "POST", kind: "reset-after-commit" });
      fake.inject({
        method: "GET",
        kind: {
          status: 200,
          body: { resources: [{ userName: "ada@example.com" }], totalResults: 1 },
        },
      });
      await provider.create(ada);
      expect(brief(fake)).toEqual(["POST -1", "GET 200", "GET 200", "PATCH 200"]);
    });

    it.each(["html", "fieldless", "truncate"] as const)(
      "POST /Users answered 201 but %s: a lost answer, resolved by the lookup, one user",
      async (kind) => {
        fake.inject({ method: "POST", kind });
        const { id, outs } = await provider.create(ada);
        expect(fake.users().map((u) => u.id)).toEqual([id]);
        expect(outs).toMatchObject({ userName: "ada@example.com", displayName: "Ada Lovelace" });
        expect(fake.requests.map((r) => r.method)).toEqual(["POST", "GET", "PATCH"]);
      },
    );

    it.each(["html", "fieldless"] as const)(
      "PATCH answered 200 but %s: asked again (PATCH may be repeated), not taken as done",
      async (kind) => {
        const { id, outs } = await provider.create(ada);
        fake.resetRequests();
        fake.inject({ method: "PATCH", kind });
        const { outs: updated } = await provider.update(id, outs!, { ...ada, familyName: "King" });
        expect(brief(fake)).toEqual(["PATCH 200", "PATCH 200"]);
        expect(updated).toMatchObject({ familyName: "King", userKey: id });
      },
    );

    it("a PATCH that keeps answering without the user fails instead of assuming success", async () => {
      const { id, outs } = await provider.create(ada);
      fake.inject({ method: "PATCH", kind: "fieldless", times: 1000 });
      await expect(provider.update(id, outs!, { ...ada, familyName: "King" })).rejects.toThrow(
        `GoTo PATCH /Users/${id}: the answer could not be used (the user has no id)`,
      );
    });

    it("DELETE's documented empty 200 is enough", async () => {
      const { id, outs } = await provider.create(ada);
      fake.resetRequests();
      await provider.delete(id, outs!);
      expect(brief(fake)).toEqual(["DELETE 200"]);
    });
  });

  describe("redirects are never followed", () => {
    it("POST /Users redirected to another origin: an error naming gotoApiUrl; the target sees nothing", async () => {
      const foreign = await startForeignOrigin();
      try {
        fake.inject({
          method: "POST",
          kind: { redirect: 307, location: `${foreign.url}/identity/v1/Users` },
        });
        const err = await errorOf(provider.create(ada));
        expect(err.name).toBe("RedirectError");
        expect(err.message).toBe(
          `GoTo POST /Users answered HTTP 307 with a redirect to ${foreign.url}; the request was not repeated there, ` +
            "because that would resend the credentials to another address, and nothing was decided on the answer. " +
            "Fix: set gotoApiUrl to GoTo's own address (default https://api.getgo.com/identity/v1), not one that redirects.",
        );
        expect(foreign.requests).toEqual([]);
        expect(fake.users()).toEqual([]);
        expect(brief(fake)).toEqual(["POST 307"]);
      } finally {
        await foreign.stop();
      }
    });

    it("a redirected read fails the same way (never a 'user gone')", async () => {
      const { id, outs } = await provider.create(ada);
      fake.inject({
        method: "GET",
        kind: { redirect: 302, location: "https://login.example.net/" },
      });
      await expect(provider.read(id, outs)).rejects.toThrow(
        "redirect to https://login.example.net; the request was not repeated there",
      );
    });
  });

  it.each([429, 502, 504] as const)(
    "GET answered %i is retried after Retry-After/backoff",
    async (status) => {
      const { id, outs } = await provider.create(ada);
      fake.resetRequests();
      fake.inject({ method: "GET", kind: { status }, times: 2 });
      const read = await provider.read(id, outs);
      expect(read.id).toBe(id);
      expect(fake.requests.map((r) => r.status)).toEqual([status, status, 200]);
    },
  );

  it("Retry-After: 0 while throttled is not a hot loop: the waits grow from apiRetryBaseSeconds", async () => {
    await configure(fake, { apiRetryBaseSeconds: "0.1" });
    const { id, outs } = await provider.create({ ...ada, displayName: "Ada" });
    fake.inject({ method: "GET", kind: { status: 429, retryAfter: "0" }, times: 3 });
    const started = Date.now();
    await provider.read(id, outs);
    // floors of 0.1, 0.2 and 0.3 s
    expect(Date.now() - started).toBeGreaterThanOrEqual(580);
  });

  it("POST answered 429 is retried (GoTo did nothing), making one user", async () => {
    fake.inject({ method: "POST", kind: { status: 429 } });
    await provider.create(ada);
    expect(brief(fake)).toEqual(["POST 429", "POST 201", "PATCH 200"]);
    expect(fake.users()).toHaveLength(1);
  });

  it("throttling that outlasts apiRetryBudgetSeconds ends in an error with the fix", async () => {
    const { id, outs } = await provider.create(ada);
    await configure(fake, { apiRetryBudgetSeconds: "0.2" });
    fake.inject({ method: "GET", kind: { status: 429, retryAfter: "0.15" }, times: 10 });
    await expect(provider.read(id, outs)).rejects.toThrow(
      `GoTo GET /Users/${id} failed: HTTP 429: Too many requests\n` +
        "GoTo kept throttling or failing within apiRetryBudgetSeconds; run again later, lower gotoRequestsPerSecond or raise apiRetryBudgetSeconds.",
    );
  });

  it("without credentials, check and diff still work and API calls fail with the fix", async () => {
    const saved = process.env.GOTO_ACCESS_TOKEN;
    delete process.env.GOTO_ACCESS_TOKEN;
    try {
      await provider.configure(fakeConfig({ gotoApiUrl: fake.url }));
      expect((await provider.check({} as GoToMeetingUserInputs, ada)).failures).toEqual([]);
      await expect(provider.create(ada)).rejects.toThrow(
        `No GoTo credential is configured. Fix: ${GOTO_CREDENTIAL_FIX}.`,
      );
      expect(fake.requests).toEqual([]);
    } finally {
      if (saved !== undefined) process.env.GOTO_ACCESS_TOKEN = saved;
    }
  });

  it("env GOTO_ACCESS_TOKEN is the fallback credential", async () => {
    const saved = process.env.GOTO_ACCESS_TOKEN;
    process.env.GOTO_ACCESS_TOKEN = fake.token;
    try {
      await configure(fake, { gotoAccessToken: undefined });
      const { outs } = await provider.create(ada);
      expect(outs?.userName).toBe("ada@example.com");
      expect(brief(fake)).toEqual(["POST 201", "PATCH 200"]);
    } finally {
      if (saved === undefined) delete process.env.GOTO_ACCESS_TOKEN;
      else process.env.GOTO_ACCESS_TOKEN = saved;
    }
  });
});

describe("error bodies, under each shape GoTo's identity API is reported to use", () => {
  let fake: GoToFake;
  afterEach(async () => {
    await fake.stop();
  });

  it.each(IDENTITY_ERROR_SHAPES)(
    "%s: the message carries GoTo's text, or the status line",
    async (shape) => {
      fake = await GoToFake.start({ errorShape: shape });
      await configure(fake);
      const domain = await errorOf(provider.create({ ...ada, userName: "ada@unverified.org" }));
      expect(domain.message).toBe(
        (shape === "empty"
          ? "GoTo POST /Users failed: HTTP 400 Bad Request"
          : 'GoTo POST /Users failed: HTTP 400: User email domain "unverified.org" must match an existing organization email domain') +
          "\nCheck GoTo's message above: if it names a value of this stack (a userName, a name, a locale, a " +
          "licence key), fix that value; otherwise run pulumi up again later.",
      );
      await configure(fake, { gotoAccessToken: "not-the-token-4f1c" });
      const token = await errorOf(provider.create(ada));
      expect(token.message.split("\n")[0]).toBe(
        shape === "empty"
          ? "GoTo POST /Users failed: HTTP 403: invalid_token"
          : "GoTo POST /Users failed: HTTP 403: Invalid token passed",
      );
      expect(fake.users()).toEqual([]);
    },
  );

  it.each(IDENTITY_ERROR_SHAPES)(
    "%s: a 409 is a conflict whatever its body says",
    async (shape) => {
      fake = await GoToFake.start({ errorShape: shape });
      await configure(fake);
      fake.addUser({ userName: "ada@example.com", givenName: "Ada", familyName: "Lovelace" });
      await expect(provider.create(ada)).rejects.toThrow(
        'GoTo already has a user with userName "ada@example.com" (HTTP 409: userName in use).',
      );
    },
  );

  it("an empty 401 with a WWW-Authenticate challenge shows the challenge", async () => {
    fake = await GoToFake.start();
    await configure(fake);
    fake.inject({
      method: "POST",
      kind: {
        status: 401,
        raw: "",
        headers: {
          "www-authenticate": 'Bearer error="invalid_token", error_description="expired"',
        },
      },
    });
    const err = await errorOf(provider.create(ada));
    expect(err.message.split("\n")[0]).toBe(
      "GoTo POST /Users failed: HTTP 401: invalid_token: expired",
    );
  });
});

describe("one redaction path: no secret in any form in any error", () => {
  // Characters that make every encoding differ from the raw value.
  const pat = {
    clientId: "client-1",
    clientSecret: "cs/S3cr3t+Zz=&x",
    pat: 'pat S3cr3t"q&y=1',
    accessToken: "minted.S3cr3t/Tok+en==",
  };
  const configured = 'cfg.S3cr3t/+=&"tok';
  let fake: GoToFake;
  beforeEach(async () => {
    fake = await GoToFake.start({ pat, token: configured });
  });
  afterEach(async () => {
    await fake.stop();
  });

  const patConfig = () =>
    provider.configure(
      fakeConfig({
        ...FAST,
        apiRetryBudgetSeconds: "3",
        gotoApiUrl: fake.url,
        gotoAdminApiUrl: fake.adminUrl,
        gotoAuthUrl: fake.tokenUrl,
        gotoClientId: pat.clientId,
        gotoClientSecret: pat.clientSecret,
        gotoPersonalAccessToken: pat.pat,
      }),
    );

  function expectClean(err: Error) {
    const secrets = [
      pat.clientSecret,
      pat.pat,
      pat.accessToken,
      configured,
      `${pat.clientId}:${pat.clientSecret}`,
    ];
    const forms = secrets.flatMap((s) => [
      ...encodedForms(s),
      Buffer.from(s).toString("base64"),
      JSON.stringify(s).slice(1, -1),
      encodeURIComponent(s),
      new URLSearchParams({ v: s }).toString().slice(2),
    ]);
    for (const text of [err.message, String(err.stack)]) {
      for (const f of forms) expect(text, `leaks ${f}`).not.toContain(f);
      expect(text).not.toMatch(/S3cr3t/);
    }
  }

  it("the token exchange echoing its form body and Basic header", async () => {
    await patConfig();
    fake.inject({ path: "/oauth/token", kind: { echo: 400 } });
    const err = await errorOf(provider.create(ada));
    expectClean(err);
    expect(err.message).toMatch(
      /^GoTo personal-access-token exchange at .* failed: HTTP 400: invalid_request: Rejected POST \/oauth\/token/,
    );
    expect(err.message).toContain("[redacted]");
  });

  it.each([
    ["POST /Users", "POST", "/Users", () => provider.create(ada)],
    ["the lookup after a lost POST", "GET", "/Users", () => provider.create(ada)],
  ])("%s echoing the minted token and the headers", async (_case, method, path, run) => {
    await patConfig();
    if (method === "GET")
      fake.inject({ method: "POST", path: "/Users", kind: "reset-after-commit" });
    fake.inject({ method, path, kind: { echo: 400 } });
    const err = await errorOf(run());
    expectClean(err);
    expect(err.message).toContain("Rejected");
    expect(err.message).toContain("[redacted]");
  });

  it("the Admin API echoing the request (licences)", async () => {
    await patConfig();
    fake.inject({ path: "/admin/rest/v1/me", kind: { echo: 403 } });
    const err = await errorOf(provider.create({ ...ada, licenseKeys: ["7902142105473202120"] }));
    expect(err.message).toMatch(/^GoTo Admin API GET \/me failed: HTTP 403: Rejected GET/);
    expectClean(err);
  });

  it("a configured access token echoed back, and a transport failure", async () => {
    await provider.configure(
      fakeConfig({
        ...FAST,
        apiRetryBudgetSeconds: "2",
        gotoApiUrl: fake.url,
        gotoAccessToken: configured,
      }),
    );
    fake.inject({ method: "POST", kind: { echo: 500 } });
    expectClean(await errorOf(provider.create(ada)));
    const { id, outs } = await provider.create({ ...ada, userName: "b@example.com" });
    fake.inject({ method: "GET", kind: "truncate", times: 1000 });
    const cut = await errorOf(provider.read(id, outs));
    expect(cut.name).toBe("TransportError");
    expectClean(cut);
  });
});

describe("the operation budget: one deadline for the whole create", () => {
  let fake: GoToFake;
  afterEach(async () => {
    await fake.stop();
  });

  it("lost POSTs and throttled lookups stay within apiRetryBudgetSeconds (measured)", async () => {
    fake = await GoToFake.start();
    await configure(fake, { apiRetryBudgetSeconds: "2", apiTimeoutSeconds: "1" });
    fake.inject({ method: "POST", kind: "hang", times: 1000 });
    fake.inject({ method: "GET", kind: { status: 503, retryAfter: "0.3" }, times: 1000 });
    const started = Date.now();
    const err = await errorOf(provider.create(ada));
    const elapsed = Date.now() - started;
    expect(elapsed).toBeLessThanOrEqual(2000 + 250);
    expect(err.message).toMatch(
      /^GoTo may or may not have created user "ada@example\.com": the answer to POST \/Users was lost, and within apiRetryBudgetSeconds it could not be settled/,
    );
    expect(err.message).toMatch(/displayName "pulumi-create-[0-9a-f]{16}"/);
    expect(err.message).toContain("set adoptExisting: true");
  });

  it("POSTs that keep getting lost stop before the budget is spent", async () => {
    fake = await GoToFake.start();
    await configure(fake, { apiRetryBudgetSeconds: "3", apiTimeoutSeconds: "1" });
    fake.inject({ method: "POST", kind: "hang", times: 1000 });
    const started = Date.now();
    await errorOf(provider.create(ada));
    expect(Date.now() - started).toBeLessThanOrEqual(3000 + 250);
    expect(fake.users()).toEqual([]);
  });
});

describe("rename drift: a user renamed in GoTo's admin center", () => {
  let fake: GoToFake;
  beforeEach(async () => {
    fake = await GoToFake.start();
    await configure(fake);
  });
  afterEach(async () => {
    await fake.stop();
  });

  it("refresh reports it, up PATCHes the declared userName back instead of replacing the user", async () => {
    const { id, outs } = await provider.create(ada);
    fake.patchUser(id, { userName: "ada.king@example.com" });
    fake.resetRequests();

    // pulumi refresh
    const read = await provider.read(id, outs);
    expect(read.props).toMatchObject({
      userName: "ada.king@example.com",
      declaredUserName: "ada@example.com",
    });
    expect(read.inputs).toMatchObject({ userName: "ada.king@example.com" });

    // pulumi up: the engine diffs the refreshed outputs against the program
    expect(await provider.diff(id, read.props!, ada)).toEqual({ changes: true, replaces: [] });
    const { outs: updated } = await provider.update(id, read.props!, ada);
    expect(calls(fake)).toEqual([`GET /Users/${id} 200`, `PATCH /Users/${id} 200`]);
    expect(fake.requests[1].body).toEqual({ userName: "ada@example.com" });
    expect(updated).toMatchObject({
      userKey: id,
      userName: "ada@example.com",
      declaredUserName: "ada@example.com",
    });
    expect(fake.users().map((u) => [u.id, u.userName])).toEqual([[id, "ada@example.com"]]);
    expect(await provider.diff(id, updated!, ada)).toEqual({ changes: false, replaces: [] });
  });

  it("a state written before declaredUserName existed: the last known userName stands in", async () => {
    const { id, outs } = await provider.create(ada);
    const old = { ...outs! };
    delete old.declaredUserName;
    fake.patchUser(id, { userName: "ada.king@example.com" });
    const read = await provider.read(id, old);
    expect(read.props?.declaredUserName).toBe("ada@example.com");
    expect(await provider.diff(id, read.props!, ada)).toEqual({ changes: true, replaces: [] });
  });

  it("a rename the program declares still replaces", async () => {
    const { id, outs } = await provider.create(ada);
    expect(await provider.diff(id, outs!, { ...ada, userName: "ada.l@example.com" })).toEqual({
      changes: true,
      replaces: ["userName"],
    });
  });

  it("the program adopting GoTo's new name: the record follows, no call", async () => {
    const { id, outs } = await provider.create(ada);
    fake.patchUser(id, { userName: "ada.king@example.com" });
    const read = await provider.read(id, outs);
    fake.resetRequests();
    const news = { ...ada, userName: "ada.king@example.com" };
    expect(await provider.diff(id, read.props!, news)).toEqual({ changes: true, replaces: [] });
    const { outs: updated } = await provider.update(id, read.props!, news);
    expect(fake.requests).toEqual([]);
    expect(updated?.declaredUserName).toBe("ada.king@example.com");
    expect(await provider.diff(id, updated!, news)).toEqual({ changes: false, replaces: [] });
  });
});

describe("licences through GoTo's Admin API", () => {
  const G2M = "7902142105473202120";
  const G2W = "7902142105473202987";
  const OTHER = "7902142105473209999";
  const ACCOUNT = {
    ...DEFAULT_ACCOUNT,
    licenses: [...DEFAULT_ACCOUNT.licenses, { key: OTHER, products: ["OpenVoice"] }],
  };
  let fake: GoToFake;
  afterEach(async () => {
    await fake.stop();
  });
  const start = async (admin: AdminGuesses = {}, more: Partial<GoToFakeOptions> = {}) => {
    fake = await GoToFake.start({ accounts: [ACCOUNT], admin, ...more });
    await configure(fake);
  };
  const licensed = { ...ada, licenseKeys: [G2M] };
  const adminPaths = () =>
    fake.requests
      .filter((r) => r.api === "admin")
      .map(
        (r) =>
          `${r.method} ${r.path.replace(`/accounts/${ACCOUNT.key}`, "/accounts/{a}")} ${r.status}`,
      );

  it.each(["number", "string"] as const)(
    "create: checked against the account first, then the user, then the licence (keys as JSON %ss)",
    async (integers) => {
      await start({ integers });
      const { id, outs } = await provider.create(licensed);
      expect(
        calls(fake).map((c) => c.replace(`/accounts/${ACCOUNT.key}`, "/accounts/{a}")),
      ).toEqual([
        "GET /admin/rest/v1/me 200",
        "GET /admin/rest/v1/accounts/{a}/licenses 200",
        "POST /Users 201",
        `PATCH /Users/${id} 200`,
        "GET /admin/rest/v1/accounts/{a}/users?filter=email%20eq%20%22ada%40example.com%22 200",
        "POST /admin/rest/v1/accounts/{a}/users 200",
      ]);
      const post = fake.requests[5];
      // Sent as a JSON number with every digit (never through a JavaScript number).
      expect(post.raw).toBe(
        `{"users":[{"email":"ada@example.com","firstName":"Ada","lastName":"Lovelace"}],"licenseKeys":[${G2M}],"suppressEmail":true}`,
      );
      expect(fake.accountUsers(ACCOUNT.key)).toEqual([
        {
          key: "78888886011013972886849029",
          email: "ada@example.com",
          firstName: "Ada",
          lastName: "Lovelace",
          licenseKeys: [G2M],
        },
      ]);
      expect(outs).toMatchObject({
        licenseKeys: [G2M],
        adminUserKey: "78888886011013972886849029",
      });
    },
  );

  it("gotoAccountKey set: no GET /me", async () => {
    await start();
    await configure(fake, { gotoAccountKey: ACCOUNT.key });
    await provider.create(licensed);
    expect(adminPaths()[0]).toBe("GET /admin/rest/v1/accounts/{a}/licenses 200");
  });

  it("a key that is not a licence of the account fails before anything is written", async () => {
    await start();
    const err = await errorOf(provider.create({ ...ada, licenseKeys: ["123456789012345678901"] }));
    expect(err.message).toBe(
      `licenseKeys: 123456789012345678901 is not a licence of GoTo account ${ACCOUNT.key}, so nothing was written for "ada@example.com". ` +
        `The account's licences: ${G2M} (G2M); ${G2W} (G2M, G2W); ${OTHER} (OpenVoice). ` +
        "Fix: use one of those keys (as a string), or set gotoAccountKey to the account that holds the licence.",
    );
    expect(fake.requests.map((r) => r.method)).toEqual(["GET", "GET"]);
    expect(fake.users()).toEqual([]);
  });

  it("a token with several accounts and no gotoAccountKey: the keys to choose from", async () => {
    fake = await GoToFake.start({
      accounts: [ACCOUNT, { key: "200000000000999999", name: "Fabrikam", licenses: [] }],
    });
    await configure(fake);
    await expect(provider.create(licensed)).rejects.toThrow(
      `GoTo's Admin API lists 2 accounts for this token (${ACCOUNT.key} "Contoso", 200000000000999999 "Fabrikam"), so it is not clear whose licences to assign. Fix: pulumi config set gotoAccountKey <key> (one of them).`,
    );
    expect(fake.users()).toEqual([]);
  });

  it.each(["array", "object"] as const)(
    "the create-users answer as %s",
    async (createUsersAnswer) => {
      await start({ createUsersAnswer });
      const { outs } = await provider.create(licensed);
      expect(outs?.adminUserKey).toBe("78888886011013972886849029");
    },
  );

  it("licenseKeys [] manages licences without any Admin-API call", async () => {
    await start();
    const { outs } = await provider.create({ ...ada, licenseKeys: [] });
    expect(fake.requests.every((r) => r.api === "identity")).toBe(true);
    expect(outs?.licenseKeys).toEqual([]);
  });

  describe.each([
    [
      "GoTo lists the user's licences, PUT replaces",
      { listsUserLicenses: true, putLicenseKeys: "replace" },
      "PUT",
    ],
    [
      "GoTo lists the user's licences, PUT adds",
      { listsUserLicenses: true, putLicenseKeys: "add" },
      "PUT",
    ],
    [
      "GoTo does not list them, POST applies to members",
      { listsUserLicenses: false, postLicensesForExisting: "apply" },
      "POST",
    ],
    [
      "GoTo does not list them, POST ignores members",
      { listsUserLicenses: false, postLicensesForExisting: "ignore" },
      "POST",
    ],
  ] as [string, AdminGuesses, string][])("adding a licence later (%s)", (_case, guesses, write) => {
    it("never takes away a licence given in the admin center", async () => {
      await start(guesses);
      const { id, outs } = await provider.create(licensed);
      // An admin gives the user another licence in GoTo's admin center.
      fake.setAccountUser({ email: "ada@example.com", licenseKeys: [G2M, OTHER] }, ACCOUNT.key);
      fake.resetRequests();
      const news = { ...ada, licenseKeys: [G2M, G2W] };
      expect(await provider.diff(id, outs!, news)).toEqual({ changes: true, replaces: [] });
      const { outs: updated } = await provider.update(id, outs!, news);
      expect(adminPaths()).toEqual([
        "GET /admin/rest/v1/accounts/{a}/licenses 200",
        "GET /admin/rest/v1/accounts/{a}/users 200",
        `${write} /admin/rest/v1/accounts/{a}/users${write === "PUT" ? "/78888886011013972886849029" : ""} 200`,
      ]);
      const live = fake.accountUsers(ACCOUNT.key)[0].licenseKeys;
      expect(live).toContain(OTHER);
      expect(live).toContain(G2M);
      if (guesses.postLicensesForExisting !== "ignore") expect(live).toContain(G2W);
      expect(updated).toMatchObject({
        licenseKeys: [G2M, G2W],
        adminUserKey: "78888886011013972886849029",
      });
    });
  });

  it.each([true, false])(
    "an identity user that GoTo already made an account member (joins account: %s)",
    async (identityUsersJoinAccount) => {
      await start({ identityUsersJoinAccount });
      await provider.create(licensed);
      const members = fake.accountUsers(ACCOUNT.key);
      expect(members).toHaveLength(1);
      expect(members[0].licenseKeys).toEqual([G2M]);
      expect(adminPaths().at(-1)).toBe(
        identityUsersJoinAccount
          ? `PUT /admin/rest/v1/accounts/{a}/users/${members[0].key} 200`
          : "POST /admin/rest/v1/accounts/{a}/users 200",
      );
    },
  );

  it("removing a licence is refused in diff and update, with no call", async () => {
    await start();
    const { id, outs } = await provider.create({ ...ada, licenseKeys: [G2M, G2W] });
    fake.resetRequests();
    const news = { ...ada, licenseKeys: [G2W] };
    const fromDiff = await errorOf(provider.diff(id, outs!, news));
    const fromUpdate = await errorOf(provider.update(id, outs!, news));
    for (const err of [fromDiff, fromUpdate]) {
      expect(err.message).toContain(
        `licenseKeys: licence ${G2M} would be removed from GoTo user "ada@example.com"`,
      );
      expect(err.message).toContain("remove it in GoTo's admin center");
    }
    expect(fake.requests).toEqual([]);
    expect(fake.accountUsers(ACCOUNT.key)[0].licenseKeys.sort()).toEqual([G2M, G2W]);
  });

  it("omitting licenseKeys stops managing them without a call; a smaller list may then be declared", async () => {
    await start();
    const { id, outs } = await provider.create({ ...ada, licenseKeys: [G2M, G2W] });
    fake.resetRequests();
    const { outs: unmanaged } = await provider.update(id, outs!, { ...ada });
    expect(fake.requests).toEqual([]);
    expect(unmanaged).not.toHaveProperty("licenseKeys");
    expect(unmanaged).not.toHaveProperty("adminUserKey");
    const again = { ...ada, licenseKeys: [G2W] };
    expect(await provider.diff(id, unmanaged!, again)).toEqual({ changes: true, replaces: [] });
    // Declared afresh: GoTo lists the user already holding it, so nothing is written.
    const { outs: managed } = await provider.update(id, unmanaged!, again);
    expect(fake.requests.map((r) => r.method)).toEqual(["GET", "GET"]);
    expect(managed).toMatchObject({ licenseKeys: [G2W] });
    // nothing was taken away in GoTo
    expect(fake.accountUsers(ACCOUNT.key)[0].licenseKeys.sort()).toEqual([G2M, G2W]);
  });

  it.each([true, false])(
    "refresh after a licence was removed in the admin center (GoTo lists user licences: %s)",
    async (listsUserLicenses) => {
      await start({ listsUserLicenses });
      const { id, outs } = await provider.create({ ...ada, licenseKeys: [G2M, G2W] });
      fake.setAccountUser({ email: "ada@example.com", licenseKeys: [G2W] }, ACCOUNT.key);
      const read = await provider.read(id, outs);
      // Forgotten only where GoTo shows it gone; otherwise the record stands.
      const expected = listsUserLicenses ? [G2W] : [G2M, G2W];
      expect(read.props?.licenseKeys).toEqual(expected);
      expect(read.inputs?.licenseKeys).toEqual(expected);
      const news = { ...ada, licenseKeys: [G2W] };
      if (listsUserLicenses) {
        expect(await provider.diff(id, read.props!, news)).toEqual({
          changes: false,
          replaces: [],
        });
      } else {
        await expect(provider.diff(id, read.props!, news)).rejects.toThrow("would be removed");
      }
    },
  );

  it("a licence step that fails after the user exists keeps the user in the state; the next up finishes", async () => {
    await start();
    fake.inject({
      method: "POST",
      path: "/admin/rest/v1/accounts",
      kind: { status: 403 },
      times: 1000,
    });
    const err = (await errorOf(provider.create(licensed))) as Error & {
      id?: string;
      properties?: GoToMeetingUserOutputs;
      reasons?: string[];
    };
    const [user] = fake.users();
    expect(err.message).toMatch(
      new RegExp(
        `^GoTo user "ada@example.com" \\(userKey ${user.id}\\) was created, but assigning licences ${G2M} failed: GoTo Admin API POST /accounts/${ACCOUNT.key}/users failed: HTTP 403`,
      ),
    );
    // What the engine records (ErrorResourceInitFailed): the user without the licence.
    expect(err.id).toBe(user.id);
    expect(err.properties).toMatchObject({
      userKey: user.id,
      displayName: "Ada Lovelace",
      licenseKeys: [],
    });
    expect(err.reasons).toEqual([err.message]);

    // The Admin API recovers; the engine runs update on a resource with init errors.
    fake.clearFaults();
    fake.resetRequests();
    expect(await provider.diff(user.id, err.properties!, licensed)).toEqual({
      changes: true,
      replaces: [],
    });
    const { outs } = await provider.update(user.id, err.properties!, licensed);
    expect(outs).toMatchObject({ licenseKeys: [G2M] });
    expect(fake.accountUsers(ACCOUNT.key)[0].licenseKeys).toEqual([G2M]);
  });

  it("redirected Admin API: the message names gotoAdminApiUrl", async () => {
    await start();
    fake.inject({
      path: "/admin/rest/v1/me",
      kind: { redirect: 302, location: "https://sso.example.org/x" },
    });
    await expect(provider.create(licensed)).rejects.toThrow(
      "Fix: set gotoAdminApiUrl to GoTo's own address (default https://api.getgo.com/admin/rest/v1), not one that redirects.",
    );
  });
});

describe("pacing across concurrent operations", () => {
  let fake: GoToFake;
  afterEach(async () => {
    await fake.stop();
  });

  const users = (n: number): GoToMeetingUserInputs[] =>
    Array.from({ length: n }, (_, i) => ({
      userName: `user${i}@example.com`,
      givenName: "U",
      familyName: `N${i}`,
    }));

  it("30 parallel creates at gotoRequestsPerSecond 20 against a 20 rps limit: zero 429", async () => {
    fake = await GoToFake.start({ requestsPerSecond: 20 });
    await configure(fake, { gotoRequestsPerSecond: "20" });
    await Promise.all(users(30).map((u) => provider.create(u)));
    expect(fake.count429).toBe(0);
    // POST and the marker's PATCH per user
    expect(fake.requests).toHaveLength(60);
    expect(fake.users()).toHaveLength(30);
  });

  it("control: the same load unpaced is throttled (and still completes through retries)", async () => {
    fake = await GoToFake.start({ requestsPerSecond: 20 });
    await configure(fake, { gotoRequestsPerSecond: "1000" });
    await Promise.all(users(30).map((u) => provider.create({ ...u, displayName: u.familyName })));
    // 30 requests at once against a bucket of 20: the exact count depends on arrival timing.
    expect(fake.count429).toBeGreaterThan(0);
    expect(fake.users()).toHaveLength(30);
  });
});

describe("personal-access-token exchange", () => {
  const pat = {
    clientId: "client-1",
    clientSecret: "client-secret-s3cr3t",
    pat: "pat-s3cr3t-value",
    accessToken: "pat-access-token-s3cr3t",
  };
  let fake: GoToFake;
  const patConfig = (f: GoToFake, over: Record<string, string> = {}) =>
    provider.configure(
      fakeConfig({
        ...FAST,
        gotoApiUrl: f.url,
        gotoAuthUrl: f.tokenUrl,
        gotoClientId: pat.clientId,
        gotoClientSecret: pat.clientSecret,
        gotoPersonalAccessToken: pat.pat,
        ...over,
      }),
    );

  beforeEach(async () => {
    fake = await GoToFake.start({ pat });
  });
  afterEach(async () => {
    await fake.stop();
  });

  it("exchanges once for many concurrent requests: form-encoded, Basic client auth; nothing secret in the outputs", async () => {
    await patConfig(fake);
    const created = await Promise.all(
      ["a", "b", "c", "d", "e"].map((n) =>
        provider.create({ userName: `${n}@example.com`, givenName: n, familyName: "Test" }),
      ),
    );
    await Promise.all(created.map(({ id, outs }) => provider.read(id, outs)));
    const tokenCalls = fake.requests.filter((r) => r.path === "/oauth/token");
    expect(tokenCalls.map((r) => `${r.method} ${r.status}`)).toEqual(["POST 200"]);
    expect(tokenCalls[0].body).toBe("grant_type=personal_access_token&pat=pat-s3cr3t-value");
    expect(tokenCalls[0].headers["content-type"]).toBe("application/x-www-form-urlencoded");
    expect(tokenCalls[0].headers.authorization).toBe(
      "Basic " + Buffer.from("client-1:client-secret-s3cr3t").toString("base64"),
    );
    // 1 exchange + 5 × (POST + PATCH) + 5 reads
    expect(fake.requests).toHaveLength(16);
    expect(JSON.stringify(created)).not.toMatch(/s3cr3t/);
  });

  it("a revoked cached token is exchanged again once", async () => {
    await patConfig(fake);
    const { id, outs } = await provider.create(ada);
    fake.setPatAccessToken("rotated-access-token");
    await provider.read(id, outs);
    expect(calls(fake)).toEqual([
      "POST /oauth/token 200",
      "POST /Users 201",
      `PATCH /Users/${id} 200`,
      `GET /Users/${id} 403`,
      "POST /oauth/token 200",
      `GET /Users/${id} 200`,
    ]);
  });

  it.each([
    [
      "a wrong client secret",
      { gotoClientSecret: "wrong-s3cr3t" },
      "HTTP 401: invalid_client: Bad client credentials",
    ],
    [
      "a wrong personal access token",
      { gotoPersonalAccessToken: "stale-pat-s3cr3t" },
      "HTTP 400: invalid_grant: Invalid personal access token",
    ],
  ])("%s: a clear error without secrets", async (_case, over, status) => {
    await patConfig(fake, over);
    const thrown = await errorOf(provider.create(ada));
    expect(thrown.message).toBe(
      `GoTo personal-access-token exchange at ${fake.tokenUrl} failed: ${status}. Fix: check gotoClientId and ` +
        "gotoClientSecret, that the OAuth client has the Personal Access Token grant enabled, and that " +
        "gotoPersonalAccessToken is current and has the client's scopes.",
    );
    expect(thrown.message).not.toMatch(/s3cr3t/);
    expect(fake.requests.map((r) => r.path)).toEqual(["/oauth/token"]);
  });

  it("a 200 without access_token is asked again, then an error, never a token of ''", async () => {
    await patConfig(fake, { apiRetryBudgetSeconds: "2" });
    fake.inject({ path: "/oauth/token", kind: "fieldless", times: 1000 });
    const err = await errorOf(provider.create(ada));
    expect(err.message).toMatch(
      /^GoTo personal-access-token exchange at .* failed: HTTP 200: the answer could not be used \(no access_token\)/,
    );
    expect(fake.requests.filter((r) => r.api === "identity")).toEqual([]);
  });

  it("the token endpoint redirected: the message names gotoAuthUrl", async () => {
    await patConfig(fake);
    fake.inject({
      path: "/oauth/token",
      kind: { redirect: 307, location: "https://evil.example.com/token" },
    });
    await expect(provider.create(ada)).rejects.toThrow(
      "Fix: set gotoAuthUrl to GoTo's own address (default https://authentication.logmeininc.com/oauth/token), not one that redirects.",
    );
  });
});

describe("serialized provider", () => {
  it("captures no settings or env secret, and the serialized code works against the fake", async () => {
    // A fresh module instance: what the program process has, where configure() never runs.
    vi.resetModules();
    const fresh = await import("../providers/goToMeetingUser");
    const saved = process.env.GOTO_ACCESS_TOKEN;
    process.env.GOTO_ACCESS_TOKEN = "env-token-s3cr3t";
    const fake = await GoToFake.start();
    try {
      const sf = await pulumi.runtime.serializeFunction(() => fresh.goToMeetingUserProvider, {
        allowSecrets: true,
      });
      expect(sf.containsSecrets).toBe(false);
      expect(sf.text).toContain("var __state = {};");
      expect(sf.text).not.toMatch(/s3cr3t/);

      // Load it the way the engine's dynamic-provider host does, then use it.
      const mod: { exports: { handler?: () => typeof goToMeetingUserProvider } } = { exports: {} };
      new Function("module", "exports", "require", sf.text)(mod, mod.exports, require);
      const loaded = mod.exports.handler!() as Required<typeof goToMeetingUserProvider>;
      await loaded.configure(
        fakeConfig({ gotoApiUrl: fake.url, gotoAccessToken: fake.token, ...FAST }),
      );
      fake.inject({ method: "POST", kind: "reset" });
      const { id } = await loaded.create(ada);
      expect(fake.users().map((u) => u.id)).toEqual([id]);
      // Error subclasses lose their message when serialized unless they set it themselves.
      await loaded.configure(
        fakeConfig({ gotoApiUrl: fake.url, gotoAccessToken: "bad-token-9c1", ...FAST }),
      );
      await expect(loaded.read(id)).rejects.toMatchObject({
        message:
          `GoTo GET /Users/${id} failed: HTTP 403: Invalid token passed\n` +
          `GoTo rejected the access token (expired, revoked or for another environment). Fix: ${GOTO_CREDENTIAL_FIX}.`,
      });
    } finally {
      if (saved === undefined) delete process.env.GOTO_ACCESS_TOKEN;
      else process.env.GOTO_ACCESS_TOKEN = saved;
      await fake.stop();
    }
  });
});
