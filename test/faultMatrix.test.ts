// The fault matrix (test/faults/matrix.ts) run once, then every cell checked against the table below:
// which cells recover and after how many attempts and requests, which end in which exact error, and
// which report the resource gone. Also checks that docs/reliability.md is what this run renders, so
// the committed document cannot drift from the code (regenerate it with `npm run reliability`).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import {
  FAULTS,
  FIX_HINT,
  NO_IO,
  type Cell,
  type MatrixResult,
  type Row,
  clarityProblems,
  comparableReliability,
  renderReliability,
  runMatrix,
} from "./faults/matrix";
import { INJECTED_FAULT_ERRORS, type GraphFaultStatus } from "./fakes/graphFake";

// ---- the exact messages ----------------------------------------------------------------------

const GRAPH_HINT = {
  403:
    "The identity lacks permission: grant Synchronization.ReadWrite.All (or Application.ReadWrite.OwnedBy " +
    "for an owned app) and Application.Read.All.",
  404:
    "Graph does not know this object: if it was created moments ago, Entra may still be replicating it, so " +
    "run pulumi up again in a few minutes; otherwise check that it still exists.",
  409:
    "Another change to this app's provisioning was in progress (in the portal or another deployment); run " +
    "pulumi up again once it has finished.",
  mappings404:
    "Fix: servicePrincipalId must be the app's service principal object id and jobId its synchronization " +
    "job id (from the SynchronizationJob resource); if both were just created, run pulumi up again in a few minutes.",
  lost:
    "The answer was lost, so whether Graph carried the request out is unknown, and it is not repeated " +
    "blindly; run pulumi up again, which reads the current state before writing.",
};
const GOTO_HINT = {
  403:
    "GoTo rejected the access token (expired, revoked or for another environment). Fix: set gotoAccessToken " +
    "(secret), or gotoClientId + gotoClientSecret + gotoPersonalAccessToken, or env GOTO_ACCESS_TOKEN.",
  404:
    "GoTo found nothing there: if the user was removed meanwhile, run pulumi refresh, then pulumi up; if " +
    "every call fails like this, check gotoApiUrl.",
  409:
    "GoTo reports a conflict with another user of the organisation (e.g. the e-mail address is in use): " +
    "resolve it in GoTo's admin center, then run pulumi up again.",
};

const graphFailure = (row: Row, status: GraphFaultStatus, hint: string) => {
  const { code, message } = INJECTED_FAULT_ERRORS[status];
  return `Microsoft Graph ${row.request} failed: HTTP ${status} ${code}: ${message}\n${hint}`;
};
const gotoFailure = (row: Row, status: 403 | 404 | 409) =>
  `GoTo ${row.request} failed: HTTP ${status}: HTTP ${status}\n${GOTO_HINT[status]}`;
const startUrl = (row: Row) =>
  `Microsoft Graph POST http://<fake>/v1.0${row.request.slice("POST ".length)}`;

/** Exact (normalised) message of each kind of clear error, for the row it happened in. */
const MESSAGES: Record<string, (row: Row) => string> = {
  g403: (row) => graphFailure(row, 403, GRAPH_HINT[403]),
  g404: (row) => graphFailure(row, 404, GRAPH_HINT[404]),
  g409: (row) => graphFailure(row, 409, GRAPH_HINT[409]),
  m404: (row) => graphFailure(row, 404, GRAPH_HINT.mappings404),
  lost502: (row) => graphFailure(row, 502, GRAPH_HINT.lost),
  lost504: (row) => graphFailure(row, 504, GRAPH_HINT.lost),
  reset: (row) => `${startUrl(row)}: ECONNRESET\n${GRAPH_HINT.lost}`,
  timeout: (row) => `${startUrl(row)}: no response within 1000 ms\n${GRAPH_HINT.lost}`,
  go403: (row) => gotoFailure(row, 403),
  go404: (row) => gotoFailure(row, 404),
  go409: (row) => gotoFailure(row, 409),
  taken: () =>
    'GoTo already has a user with userName "ada@example.com" (HTTP 409: userName in use). To manage that ' +
    "user with Pulumi, set adoptExisting: true on this GoToMeetingUser; otherwise choose another userName.",
  userGone: () =>
    'GoTo user 7300000001 ("ada@example.com") no longer exists. Fix: pulumi refresh drops it from the ' +
    "state; pulumi up then creates it again.",
};

// ---- the expected matrix -----------------------------------------------------------------------
// One token per fault, in FAULTS order: 429+Retry-After, 429, 502, 503, 504, reset, timeout,
// 404 after create, 409, 403, lost response.
//   R<a>/<n>       recovered; the faulted request took <a> attempts, the operation <n> requests
//   G<a>/<n>       reported gone
//   E<a>/<n>:<m>   clear error with the exact message MESSAGES[m]

const RETRIED = (n: number) => Array(7).fill(`R2/${n}`).join(" ");

const EXPECTED: Record<string, string> = {
  "SynchronizationTemplate create GET templates": `${RETRIED(2)} R3/3 E1/1:g409 E1/1:g403 R2/2`,
  "SynchronizationTemplate read GET templates": `${RETRIED(2)} G1/1 E1/1:g409 E1/1:g403 R2/2`,
  "TestConnection create POST validateCredentials": `${RETRIED(2)} R3/3 E1/1:g409 E1/1:g403 R2/2`,
  "TestConnection update POST validateCredentials": `${RETRIED(2)} R3/3 E1/1:g409 E1/1:g403 R2/2`,
  "AttributeMappings create GET schema": `${RETRIED(3)} R3/4 E1/1:g409 E1/1:g403 R2/3`,
  "AttributeMappings create PUT schema": `${RETRIED(3)} E1/2:m404 E1/2:g409 E1/2:g403 R2/3`,
  "AttributeMappings read GET schema": `${RETRIED(2)} G1/1 E1/1:g409 E1/1:g403 R2/2`,
  "AttributeMappings update GET schema": `${RETRIED(4)} E1/1:m404 E1/1:g409 E1/1:g403 R2/4`,
  // Before the fix, the 404 here was taken as "no template" and the dropped target silently kept.
  "AttributeMappings update GET templates": `${RETRIED(4)} R3/5 E1/2:g409 E1/2:g403 R2/4`,
  "AttributeMappings update PUT schema": `${RETRIED(4)} E1/3:m404 E1/3:g409 E1/3:g403 R2/4`,
  "AttributeMappings delete GET schema": `${RETRIED(4)} G1/1 E1/1:g409 E1/1:g403 R2/4`,
  "AttributeMappings delete GET templates": `${RETRIED(4)} R3/5 E1/2:g409 E1/2:g403 R2/4`,
  "AttributeMappings delete PUT schema": `${RETRIED(4)} G1/3 E1/3:g409 E1/3:g403 R2/4`,
  "ProvisioningStatus create GET job": `${RETRIED(3)} R3/4 E1/1:g409 E1/1:g403 R2/3`,
  // start must not hit a running job: a lost or gateway-failed start is reported, not repeated.
  "ProvisioningStatus create POST start":
    "R2/3 R2/3 E1/2:lost502 R2/3 E1/2:lost504 E1/2:reset E1/2:timeout E1/2:g404 E1/2:g409 E1/2:g403 E1/2:reset",
  "ProvisioningStatus update GET job": `${RETRIED(3)} R3/4 E1/1:g409 E1/1:g403 R2/3`,
  "ProvisioningStatus update POST pause": `${RETRIED(3)} E1/2:g404 E1/2:g409 E1/2:g403 R2/3`,
  "ProvisioningStatus read GET job": `${RETRIED(2)} G1/1 E1/1:g409 E1/1:g403 R2/2`,
  "GuardedSynchronizationSecret create GET secrets": `${RETRIED(3)} R3/4 E1/1:g409 E1/1:g403 R2/3`,
  "GuardedSynchronizationSecret create PUT secrets": `${RETRIED(3)} E1/2:g404 E1/2:g409 E1/2:g403 R2/3`,
  "GuardedSynchronizationSecret update GET secrets": `${RETRIED(3)} R3/4 E1/1:g409 E1/1:g403 R2/3`,
  "GuardedSynchronizationSecret update PUT secrets": `${RETRIED(3)} E1/2:g404 E1/2:g409 E1/2:g403 R2/3`,
  "GuardedSynchronizationSecret read GET secrets": `${RETRIED(2)} G1/1 E1/1:g409 E1/1:g403 R2/2`,
  // A failed POST is followed by a lookup by userName (absent: POST again; present: taken).
  "GoToMeetingUser create POST /Users":
    "R2/2 R2/2 R2/3 R2/3 R2/3 R2/3 R2/3 E1/1:go404 E1/1:taken E1/1:go403 R1/2",
  "GoToMeetingUser create (adopt) POST /Users (409)":
    "R2/4 R2/4 R1/3 R1/3 R1/3 R1/3 R1/3 E1/1:go404 R1/3 E1/1:go403 R1/3",
  "GoToMeetingUser create (adopt) GET /Users?filter": `${RETRIED(4)} E1/2:go404 E1/2:go409 E1/2:go403 R2/4`,
  "GoToMeetingUser create (adopt) PATCH /Users/{key}": `${RETRIED(4)} E1/3:go404 E1/3:go409 E1/3:go403 R2/4`,
  "GoToMeetingUser read GET /Users/{key}": `${RETRIED(2)} G1/1 E1/1:go409 E1/1:go403 R2/2`,
  "GoToMeetingUser update PATCH /Users/{key}": `${RETRIED(2)} E1/1:userGone E1/1:go409 E1/1:go403 R2/2`,
  "GoToMeetingUser delete DELETE /Users/{key}": `${RETRIED(2)} G1/1 E1/1:go409 E1/1:go403 R2/2`,
};

const rowKey = (row: Row) => `${row.resource} ${row.operation} ${row.step}`;

function token(c: Cell): string {
  const counts = `${c.attempts}/${c.requests}`;
  if (c.outcome === "recovered") return `R${counts}`;
  if (c.outcome === "reported gone") return `G${counts}`;
  if (c.outcome === "clear error") return `E${counts}`;
  return `FAILED(${c.problem})`;
}

let result: MatrixResult;
beforeAll(async () => {
  result = await runMatrix();
}, 120_000);

describe("fault matrix", () => {
  it("covers every I/O operation and every fault, and no cell fails", () => {
    expect(result.rows.map(rowKey)).toEqual(Object.keys(EXPECTED));
    for (const row of result.rows) {
      expect(row.cells.map((c) => c.fault)).toEqual(FAULTS.map((f) => f.id));
    }
    const failed = result.rows.flatMap((r) =>
      r.cells.filter((c) => c.outcome === "failed").map((c) => `${rowKey(r)} × ${c.fault}`),
    );
    expect(failed).toEqual([]);
  });

  it("each cell has its expected outcome, attempts and request count", () => {
    const actual = Object.fromEntries(
      result.rows.map((row) => [rowKey(row), row.cells.map(token).join(" ")]),
    );
    const expected = Object.fromEntries(
      Object.entries(EXPECTED).map(([k, v]) => [k, v.replace(/:\w+/g, "")]),
    );
    expect(actual).toEqual(expected);
  });

  it("each clear error has its exact message (normalised ids), with a fix and no secret", () => {
    for (const row of result.rows) {
      const tokens = EXPECTED[rowKey(row)].split(" ");
      row.cells.forEach((c, i) => {
        const kind = /:(\w+)$/.exec(tokens[i])?.[1];
        const where = `${rowKey(row)} × ${c.fault}`;
        if (kind === undefined) {
          expect(c.message, where).toBeUndefined();
          return;
        }
        expect(`${where}: ${c.message}`).toBe(`${where}: ${MESSAGES[kind](row)}`);
        expect(FIX_HINT.test(c.message!), where).toBe(true);
      });
    }
  });

  it("check, diff and the methods without I/O send no request to the fake", () => {
    expect(result.noIo).toEqual(NO_IO.map((n) => ({ ...n, requests: 0 })));
  });

  it("docs/reliability.md is what this run renders (timings and the generation line aside)", () => {
    const committed = readFileSync(join(__dirname, "..", "docs", "reliability.md"), "utf8");
    const rendered = renderReliability(result, {
      generatedAt: "(this run)",
      node: process.version,
    });
    expect(comparableReliability(committed)).toBe(comparableReliability(rendered));
  });
});

describe("the judge of error messages", () => {
  it("accepts a passed-through Graph failure only with its status, code and a fix", () => {
    const line = "Microsoft Graph GET /servicePrincipals/x/synchronization/templates failed: ";
    expect(
      clarityProblems(
        `${line}HTTP 409 ConcurrencyViolation: busy.\nrun pulumi up again.`,
        "Microsoft Graph",
        409,
      ),
    ).toEqual([]);
    expect(clarityProblems(`${line}HTTP 409: busy.`, "Microsoft Graph", 409)).toEqual([
      "does not give Graph's error code",
      "gives no fix",
    ]);
    expect(clarityProblems("invalid", "Microsoft Graph", undefined)).toEqual([
      "does not say that Microsoft Graph failed",
      "gives no fix",
    ]);
  });

  it("rejects a secret and a stack trace", () => {
    const message =
      "GoTo GET /Users/1 failed: HTTP 403: bad token goto-bearer-K3pZ8sYt1M\nFix: x\n    at f (a.ts:1:1)";
    expect(clarityProblems(message, "GoTo", 403)).toEqual([
      "contains a secret",
      "contains a stack trace",
    ]);
  });
});
