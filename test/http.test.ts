// The HTTP seam under hostile answers: what write decisions rest on. Each case once went wrong in
// lib/http.ts or lib/retry.ts (a cut-off body read as empty, redirects followed with the credentials,
// a `Retry-After: 0` hot loop); they run against the Graph fake's fault kinds.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { GraphFake, PAST_HTTP_DATE, connectorTemplate } from "./fakes/graphFake";
import { createGraphClient, type GraphSettings } from "../lib/graph";
import { RedirectError, TransportError, send } from "../lib/http";
import { encodedForms, redact, redactAndTruncate, registerSecrets } from "../lib/redact";
import { waitMs } from "../lib/retry";

let fake: GraphFake;
let sp: string;
const settings = (extra: Partial<GraphSettings> = {}): GraphSettings => ({
  baseUrl: fake.url,
  accessToken: fake.token,
  timeoutMs: 1000,
  retryBudgetMs: 2000,
  baseDelayMs: 10,
  ...extra,
});
const templates = () => `/servicePrincipals/${sp}/synchronization/templates`;

async function failureOf(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (err) {
    return err as Error;
  }
  throw new Error("expected the call to fail");
}

beforeAll(async () => {
  fake = await GraphFake.start();
  sp = fake.addServicePrincipal({ templates: [connectorTemplate("goto")] });
});
afterAll(() => fake.stop());
beforeEach(() => {
  fake.clearFaults();
  fake.resetRequests();
});

describe("reading answers", () => {
  it("a body cut off mid-way is a TransportError, never an empty body", async () => {
    fake.inject({ method: "GET", path: "/templates", kind: "cut-off" });
    const err = await failureOf(
      send({
        method: "GET",
        url: fake.url + templates(),
        headers: { authorization: `Bearer ${fake.token}` },
      }),
    );
    expect(err).toBeInstanceOf(TransportError);
    expect(err.message).toMatch(/body was cut off/);
  });

  it("a body that stalls after the headers times out as a whole", async () => {
    fake.inject({ method: "GET", path: "/templates", kind: "stall-body" });
    const err = await failureOf(
      send({
        method: "GET",
        url: fake.url + templates(),
        timeoutMs: 300,
        headers: { authorization: `Bearer ${fake.token}` },
      }),
    );
    expect(err).toBeInstanceOf(TransportError);
    expect((err as TransportError).timedOut).toBe(true);
  });

  it.each([
    ["truncated-json", /not valid JSON/],
    ["wrong-content-type", /not JSON/],
  ] as const)("%s: the response says what is wrong with its body", async (kind, problem) => {
    fake.inject({ method: "GET", path: "/templates", kind });
    const res = await send({
      method: "GET",
      url: fake.url + templates(),
      headers: { authorization: `Bearer ${fake.token}` },
    });
    expect(res.json).toBe(false);
    expect(res.bodyProblem).toMatch(problem);
  });

  it("the Graph client retries an unusable answer to a read, then names what was wrong", async () => {
    const graph = createGraphClient(settings({ retryBudgetMs: 300 }));
    fake.inject({ method: "GET", path: "/templates", kind: "empty-200", times: 100 });
    const err = await failureOf(graph.call("GET", templates()));
    expect(err.name).toBe("GraphResponseError");
    expect(err.message).toContain(
      "the answer could not be used (the body is empty), so nothing was decided on it",
    );
    expect(fake.requests.length).toBeGreaterThan(1);
  });
});

describe("no redirects", () => {
  it.each([307, 308] as const)(
    "a %s to another origin is an error, and nothing reaches that origin",
    async (status) => {
      fake.inject({ method: "POST", path: "/validateCredentials", kind: { redirect: status } });
      const graph = createGraphClient(settings());
      const jobId = fake.addJob(sp, "GoTo");
      const err = await failureOf(
        graph.call(
          "POST",
          `/servicePrincipals/${sp}/synchronization/jobs/${jobId}/validateCredentials`,
          {
            useSavedCredentials: false,
            credentials: [{ key: "Password", value: "Redirected-Secret-1" }],
          },
        ),
      );
      expect(err).toBeInstanceOf(RedirectError);
      expect(err.message).toContain(
        `answered HTTP ${status} with a redirect to ${fake.redirectTrap.url}`,
      );
      expect(err.message).toContain("requests are never redirected");
      expect(fake.redirectTrap.requests).toEqual([]);
    },
  );
});

describe("throttling floor", () => {
  it.each([
    ["Retry-After: 0", "0"],
    ["a Retry-After date in the past", PAST_HTTP_DATE],
  ])("%s waits at least the floor, growing with the attempt", (_what, header) => {
    const res = {
      status: 429,
      headers: { "retry-after": header },
      body: "",
      text: "",
      json: false,
    };
    const policy = { baseDelayMs: 1000, maxDelayMs: 60_000 };
    expect([1, 2, 3].map((a) => waitMs(a, res, policy))).toEqual([1000, 2000, 3000]);
    // A positive Retry-After is honoured as Graph asks ([S43]).
    expect(waitMs(1, { ...res, headers: { "retry-after": "7" } }, policy)).toBe(7000);
  });

  it("under a persistent 429 with Retry-After: 0, the requests stay few and the budget holds", async () => {
    const graph = createGraphClient(settings({ baseDelayMs: 100, retryBudgetMs: 1000 }));
    fake.inject({
      method: "GET",
      path: "/templates",
      kind: { status: 429, retryAfter: "0" },
      times: 1000,
    });
    const started = Date.now();
    const err = await failureOf(graph.call("GET", templates()));
    expect(err.message).toContain("HTTP 429");
    // Floors of 100, 200, 300 ms… fit 4 waits into one second; a hot loop sent hundreds.
    expect(fake.requests.length).toBeLessThanOrEqual(5);
    expect(Date.now() - started).toBeLessThan(1000 + 1000);
  });
});

describe("one redaction path", () => {
  const PLANTED = 'Pl4nted "secret"/+=&value';

  it("knows a secret's raw, JSON-escaped, URL-encoded and base64 forms", () => {
    const forms = encodedForms(PLANTED);
    expect(forms).toEqual(
      expect.arrayContaining([
        PLANTED,
        'Pl4nted \\"secret\\"/+=&value',
        "Pl4nted%20%22secret%22%2F%2B%3D%26value",
        "Pl4nted+%22secret%22%2F%2B%3D%26value",
        Buffer.from(PLANTED).toString("base64"),
      ]),
    );
    registerSecrets(PLANTED);
    for (const f of forms) expect(redact(`before ${f} after`)).toBe("before [redacted] after");
  });

  it("scrubs before it truncates, so a secret cut in half cannot slip through", () => {
    registerSecrets(PLANTED);
    const text = "x".repeat(295) + PLANTED;
    expect(redactAndTruncate(text, 300)).toBe("x".repeat(295) + "[reda…");
  });

  it("removes any Authorization header value, even one it never saw", () => {
    expect(redact("authorization: Bearer eyJhbGciOiJIUzI1NiJ9.never-seen")).toBe(
      "authorization: [redacted]",
    );
    expect(redact('{"Authorization":"Basic Y2xpZW50OnNlY3JldA=="}')).toBe(
      '{"Authorization":"[redacted]"}',
    );
  });

  it("a Graph error that echoes the request and its headers carries neither token nor body secrets", async () => {
    const graph = createGraphClient(settings());
    registerSecrets(fake.token);
    fake.inject({ method: "PUT", path: "/secrets", kind: { echo: true, status: 400 } });
    const err = await failureOf(
      graph.call("PUT", `/servicePrincipals/${sp}/synchronization/secrets`, {
        value: [{ key: "SecretToken", value: PLANTED }],
      }),
    );
    for (const form of [...encodedForms(PLANTED), ...encodedForms(fake.token)]) {
      expect(err.message).not.toContain(form);
      expect(err.stack ?? "").not.toContain(form);
    }
  });
});
