// The GoToMeetingUser provider's methods called directly, as the engine would, against the stateful
// GoTo fake. Proves the vendor contract handling (409/adopt, 403, verified domains, lost responses,
// throttling, pacing, PAT exchange), exact request counts per operation, and that no secret leaks.
// Not proven here: that GoTo's real API still behaves as its 2018 contract says.
import * as pulumi from "@pulumi/pulumi";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import {
  GoToMeetingUserInputs,
  GoToMeetingUserOutputs,
  goToMeetingUserProvider,
  validateGoToUser,
} from "../components/goToMeetingUser";
import { GOTO_CREDENTIAL_FIX, GoToSettings, gotoSettingsFromConfig } from "../lib/goto";
import { GoToFake } from "./fakes/gotoFake";

const provider = goToMeetingUserProvider as Required<typeof goToMeetingUserProvider>;
const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

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
    fakeConfig({ gotoApiUrl: fake.url, gotoAccessToken: fake.token, ...FAST, ...extra }),
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

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;

describe("gotoSettingsFromConfig", () => {
  const get = (values: Record<string, string>) => (k: string) => values[k];

  it("applies the documented defaults around an access token", () => {
    expect(gotoSettingsFromConfig(get({ gotoAccessToken: "tok-1" }), {})).toEqual({
      baseUrl: "https://api.getgo.com/identity/v1",
      authUrl: "https://authentication.logmeininc.com/oauth/token",
      accessToken: "tok-1",
      pat: undefined,
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
      accessToken: undefined,
      pat: { clientId: "cid", clientSecret: "csecret", pat: "pat-1" },
      requestsPerSecond: 2.5,
      timeoutMs: 500,
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
      "email: is not a GoToMeetingUser input; remove it (inputs: userName, givenName, familyName, displayName, locale, timezone, adoptExisting)",
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
    [
      {
        userName: UNKNOWN,
        givenName: UNKNOWN,
        familyName: "Lovelace",
        locale: UNKNOWN,
        adoptExisting: UNKNOWN,
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
    ]);
    const ok = await provider.check({} as GoToMeetingUserInputs, { ...ada });
    expect(ok).toEqual({ inputs: { ...ada, adoptExisting: false }, failures: [] });
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

  it.each([
    ["nothing changed", { ...ada }, { changes: false, replaces: [] }],
    [
      "same values declared explicitly",
      { ...ada, displayName: "Ada Lovelace", locale: "en_US" },
      { changes: false, replaces: [] },
    ],
    [
      "userName differs only in case",
      { ...ada, userName: "ADA@EXAMPLE.COM" },
      { changes: false, replaces: [] },
    ],
    [
      "only adoptExisting changed",
      { ...ada, adoptExisting: true },
      { changes: false, replaces: [] },
    ],
    [
      "another userName",
      { ...ada, userName: "ada.l@example.com" },
      { changes: true, replaces: ["userName"] },
    ],
    [
      "userName unknown in preview",
      { ...ada, userName: UNKNOWN },
      { changes: true, replaces: ["userName"] },
    ],
    ["givenName changed", { ...ada, givenName: "Augusta" }, { changes: true, replaces: [] }],
    ["timezone changed", { ...ada, timezone: "Europe/London" }, { changes: true, replaces: [] }],
    [
      "displayName unknown in preview",
      { ...ada, displayName: UNKNOWN },
      { changes: true, replaces: [] },
    ],
  ])("%s", async (_case, news, expected) => {
    expect(await provider.diff("7300000001", olds, news)).toEqual(expected);
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

  it("create: one POST with only the declared attributes; outputs are the user as GoTo holds it", async () => {
    const { id, outs } = await provider.create({ ...ada, adoptExisting: false });
    const [user] = fake.users();
    expect(id).toBe(user.id);
    expect(outs).toEqual({
      userKey: user.id,
      userName: "ada@example.com",
      givenName: "Ada",
      familyName: "Lovelace",
      displayName: "Ada Lovelace",
      locale: "en_US",
      timezone: "America/Los_Angeles",
      adoptExisting: false,
      created: user.meta.created,
    });
    expect(outs?.created).toMatch(ISO);
    expect(calls(fake)).toEqual(["POST /Users 201"]);
    expect(fake.requests[0].body).toEqual({
      userName: "ada@example.com",
      name: { givenName: "Ada", familyName: "Lovelace" },
    });
    expect(JSON.stringify(outs)).not.toContain(fake.token);
  });

  it("create sends displayName, locale and timezone when declared", async () => {
    const inputs = { ...ada, displayName: "Countess", locale: "en_GB", timezone: "Europe/London" };
    const { outs } = await provider.create(inputs);
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

  it("delete: one DELETE (200); an already-missing user counts as deleted", async () => {
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
    expect(fake.requests[2].body).toEqual({ name: { givenName: "Ada" }, locale: "en_GB" });
    expect(outs).toEqual({
      userKey: existing.id,
      userName: "Ada@Example.com",
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
    expect(fake.requests.map((r) => `${r.method} ${r.status}`)).toEqual(["POST 409", "GET 200"]);
  });

  it("409 without adoptExisting: an error naming the user and the option, after one call", async () => {
    fake.addUser({ userName: "ada@example.com", givenName: "Ada", familyName: "Lovelace" });
    await expect(provider.create(ada)).rejects.toThrow(
      'GoTo already has a user with userName "ada@example.com" (HTTP 409: userName in use). ' +
        "To manage that user with Pulumi, set adoptExisting: true on this GoToMeetingUser; otherwise choose another userName.",
    );
    expect(calls(fake)).toEqual(["POST /Users 409"]);
  });

  it("a new user outside the verified domains fails with GoTo's message", async () => {
    await expect(provider.create({ ...ada, userName: "ada@unverified.org" })).rejects.toThrow(
      'GoTo POST /Users failed: HTTP 400: The email domain "unverified.org" does not match a verified domain of the organization',
    );
    expect(fake.users()).toEqual([]);
  });

  it("403: a bad token fails once, with the fix and without the token", async () => {
    await configure(fake, { gotoAccessToken: "wrong-token-0123456789" });
    let thrown: Error | undefined;
    try {
      await provider.create(ada);
    } catch (err) {
      thrown = err as Error;
    }
    expect(thrown?.message).toBe(
      "GoTo POST /Users failed: HTTP 403: Invalid token passed\n" +
        `GoTo rejected the access token (expired, revoked or for another environment). Fix: ${GOTO_CREDENTIAL_FIX}.`,
    );
    expect(thrown?.message).not.toContain("wrong-token");
    expect(calls(fake)).toEqual(["POST /Users 403"]);
  });

  describe("lost responses during create never make a second user", () => {
    it("reset after commit: the lookup finds the user and takes it (no second POST)", async () => {
      fake.inject({ method: "POST", path: "/Users", kind: "reset-after-commit" });
      const { id, outs } = await provider.create(ada);
      const users = fake.users();
      expect(users).toHaveLength(1);
      expect(id).toBe(users[0].id);
      expect(outs?.userName).toBe("ada@example.com");
      expect(fake.requests.map((r) => `${r.method} ${r.status}`)).toEqual(["POST -1", "GET 200"]);
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
      expect(fake.requests.map((r) => `${r.method} ${r.status}`)).toEqual([
        "POST -1",
        "GET 502",
        "GET 200",
        "PATCH 200",
      ]);
      expect(fake.requests[3].body).toEqual({ name: { familyName: "Lovelace" } });
    });

    it.each([
      ["502 before commit", { status: 502 as const }, "POST 502"],
      ["504 before commit", { status: 504 as const }, "POST 504"],
      ["reset before commit", "reset" as const, "POST -1"],
    ])("%s: looked up, absent, POSTed again", async (_case, kind, first) => {
      fake.inject({ method: "POST", kind });
      await provider.create(ada);
      expect(fake.users()).toHaveLength(1);
      expect(fake.requests.map((r) => `${r.method} ${r.status}`)).toEqual([
        first,
        "GET 200",
        "POST 201",
      ]);
    });

    it("timeout: a POST that never answers is followed by a lookup, not a blind retry", async () => {
      await configure(fake, { apiTimeoutSeconds: "0.3" });
      fake.inject({ method: "POST", kind: "hang" });
      await provider.create(ada);
      expect(fake.users()).toHaveLength(1);
      expect(fake.requests.map((r) => `${r.method} ${r.status}`)).toEqual([
        "POST -1",
        "GET 200",
        "POST 201",
      ]);
    });

    it("a 409 after a lost response is our own user landing late: it is taken, not an error", async () => {
      fake.inject({ method: "POST", kind: "reset-after-commit" });
      // The first lookup misses the user, as if GoTo's search lagged behind the write.
      fake.inject({
        method: "GET",
        kind: { status: 200, body: { resources: [], totalResults: 0 } },
      });
      const { id } = await provider.create(ada);
      expect(fake.users().map((u) => u.id)).toEqual([id]);
      expect(fake.requests.map((r) => `${r.method} ${r.status}`)).toEqual([
        "POST -1",
        "GET 200",
        "POST 409",
        "GET 200",
      ]);
    });
  });

  describe("a lost 409 is not mistaken for our own new user", () => {
    const old = {
      userName: "ada@example.com",
      givenName: "Ada",
      familyName: "L.",
      created: "2020-01-01T00:00:00.000Z",
    };

    it("without adoptExisting: the 409 error, and the old user is untouched", async () => {
      const existing = fake.addUser(old);
      // GoTo answers 409 (nothing to commit), and that answer is lost.
      fake.inject({ method: "POST", kind: "reset-after-commit" });
      await expect(provider.create(ada)).rejects.toThrow(
        'GoTo already has a user with userName "ada@example.com" (HTTP 409: userName in use).',
      );
      expect(fake.users()).toEqual([existing]);
      expect(fake.requests.map((r) => `${r.method} ${r.status}`)).toEqual(["POST -1", "GET 200"]);
    });

    it("with adoptExisting: taken and patched", async () => {
      const existing = fake.addUser(old);
      fake.inject({ method: "POST", kind: "reset-after-commit" });
      const { id, outs } = await provider.create({ ...ada, adoptExisting: true });
      expect(id).toBe(existing.id);
      expect(outs).toMatchObject({ familyName: "Lovelace", created: "2020-01-01T00:00:00.000Z" });
      expect(fake.requests.map((r) => `${r.method} ${r.status}`)).toEqual([
        "POST -1",
        "GET 200",
        "PATCH 200",
      ]);
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

  it("POST answered 429 is retried (GoTo did nothing), making one user", async () => {
    fake.inject({ method: "POST", kind: { status: 429 } });
    await provider.create(ada);
    expect(fake.requests.map((r) => `${r.method} ${r.status}`)).toEqual(["POST 429", "POST 201"]);
    expect(fake.users()).toHaveLength(1);
  });

  it("throttling that outlasts apiRetryBudgetSeconds ends in an error with the fix", async () => {
    await configure(fake, { apiRetryBudgetSeconds: "0.2" });
    const { id, outs } = await provider.create(ada);
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
      expect(calls(fake)).toEqual(["POST /Users 201"]);
    } finally {
      if (saved === undefined) delete process.env.GOTO_ACCESS_TOKEN;
      else process.env.GOTO_ACCESS_TOKEN = saved;
    }
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
    expect(fake.requests).toHaveLength(30);
    expect(fake.users()).toHaveLength(30);
  });

  it("control: the same load unpaced is throttled (and still completes through retries)", async () => {
    fake = await GoToFake.start({ requestsPerSecond: 20 });
    await configure(fake, { gotoRequestsPerSecond: "1000" });
    await Promise.all(users(30).map((u) => provider.create(u)));
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

  it("exchanges once for many concurrent requests; nothing secret in the outputs", async () => {
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
    expect(fake.requests).toHaveLength(11);
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
    let thrown: Error | undefined;
    try {
      await provider.create(ada);
    } catch (err) {
      thrown = err as Error;
    }
    expect(thrown?.message).toBe(
      `GoTo personal-access-token exchange at ${fake.tokenUrl} failed: ${status}. Fix: check gotoClientId and ` +
        "gotoClientSecret, that the OAuth client has the Personal Access Token grant enabled, and that " +
        "gotoPersonalAccessToken is current and has the client's scopes.",
    );
    expect(thrown?.message).not.toMatch(/s3cr3t/);
    expect(fake.requests.map((r) => r.path)).toEqual(["/oauth/token"]);
  });
});

describe("serialized provider", () => {
  it("captures no settings or env secret, and the serialized code works against the fake", async () => {
    // A fresh module instance: what the program process has, where configure() never runs.
    vi.resetModules();
    const fresh = await import("../components/goToMeetingUser");
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
      await loaded.configure(fakeConfig({ gotoApiUrl: fake.url, gotoAccessToken: "bad", ...FAST }));
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
