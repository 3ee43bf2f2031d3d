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
import { MESSAGES } from "./faults/messages";

// ---- the expected matrix -----------------------------------------------------------------------
// One token per fault, in FAULTS order: 429+Retry-After, 429, 502, 503, 504, reset, timeout,
// 404 after create, 409, 403, lost response, cut-off body, wrong content type, echo, redirect,
// 429 + Retry-After: 0.
//   R<a>/<n>       recovered; the faulted request took <a> attempts, the operation <n> requests
//   G<a>/<n>       reported gone
//   E<a>/<n>:<m>   clear error with the message MESSAGES[m] (test/faults/messages.ts)
//   E+:<m>         the same after more than one attempt: a persistent 403 right after creation is
//                  retried for Entra's replication until the budget ends, so the count depends on timing
// Before issue 10, the cut-off, wrong-content-type and Retry-After: 0 columns lost data or looped,
// and the echo column put the bearer token and the admin password into the message.

const EXPECTED: Record<string, string> = {
  "SynchronizationTemplate create GET templates":
    "R2/2 R2/2 R2/2 R2/2 R2/2 R2/2 R2/2 R3/3 R2/2 E+:r403 R2/2 R2/2 R2/2 E1/1:~echo E1/1:redirect R2/2",
  "SynchronizationTemplate read GET templates":
    "R2/2 R2/2 R2/2 R2/2 R2/2 R2/2 R2/2 G1/1 E1/1:g409 E1/1:g403 R2/2 R2/2 R2/2 E1/1:~echo E1/1:redirect R2/2",
  "TestConnection create POST validateCredentials":
    "R2/2 R2/2 R2/2 R2/2 R2/2 R2/2 R2/2 R3/3 R2/2 E+:r403 R2/2 R2/2 R1/1 E1/1:~testEcho E1/1:redirect R2/2",
  "TestConnection update POST validateCredentials":
    "R2/2 R2/2 R2/2 R2/2 R2/2 R2/2 R2/2 E1/1:r404 R2/2 E1/1:g403 R2/2 R2/2 R1/1 E1/1:~testEcho E1/1:redirect R2/2",
  "TestConnection create (goto, authorized) GET secrets":
    "R2/3 R2/3 R2/3 R2/3 R2/3 R2/3 R2/3 R3/4 R2/3 E+:r403 R2/3 R2/3 R2/3 E1/1:~echo E1/1:redirect R2/3",
  "TestConnection create (goto, authorized) POST validateCredentials":
    "R2/3 R2/3 R2/3 R2/3 R2/3 R2/3 R2/3 R3/4 R2/3 E+:r403 R2/3 R2/3 R1/2 E1/2:~savedEcho E1/2:redirect R2/3",
  "AttributeMappings create (expression) GET schema":
    "R2/4 R2/4 R2/4 R2/4 R2/4 R2/4 R2/4 R3/5 R2/4 E+:r403 R2/4 R2/4 R2/4 E1/1:~echo E1/1:redirect R2/4",
  "AttributeMappings create (expression) POST parseExpression":
    "R2/4 R2/4 R2/4 R2/4 R2/4 R2/4 R2/4 R3/5 R2/4 E+:r403 R2/4 R2/4 R2/4 E1/2:~parseEcho E1/2:redirect R2/4",
  "AttributeMappings create (expression) PUT schema":
    "R2/4 R2/4 R2/4 R2/4 R2/4 R2/4 R2/4 R3/5 R2/4 E+:r403 R2/4 R2/4 R1/3 E1/3:~echo E1/3:redirect R2/4",
  "AttributeMappings create GET schema":
    "R2/3 R2/3 R2/3 R2/3 R2/3 R2/3 R2/3 R3/4 R2/3 E+:r403 R2/3 R2/3 R2/3 E1/1:~echo E1/1:redirect R2/3",
  "AttributeMappings create PUT schema":
    "R2/3 R2/3 R2/3 R2/3 R2/3 R2/3 R2/3 R3/4 R2/3 E+:r403 R2/3 R2/3 R1/2 E1/2:~echo E1/2:redirect R2/3",
  "AttributeMappings read GET schema":
    "R2/2 R2/2 R2/2 R2/2 R2/2 R2/2 R2/2 G1/1 E1/1:g409 E1/1:g403 R2/2 R2/2 R2/2 E1/1:~echo E1/1:redirect R2/2",
  "AttributeMappings update GET schema":
    "R2/4 R2/4 R2/4 R2/4 R2/4 R2/4 R2/4 E1/1:m404 E1/1:g409 E1/1:g403 R2/4 R2/4 R2/4 E1/1:~echo E1/1:redirect R2/4",
  "AttributeMappings update GET templates":
    "R2/4 R2/4 R2/4 R2/4 R2/4 R2/4 R2/4 R3/5 R2/4 E+:r403 R2/4 R2/4 R2/4 E1/2:~echo E1/2:redirect R2/4",
  "AttributeMappings update PUT schema":
    "R2/4 R2/4 R2/4 R2/4 R2/4 R2/4 R2/4 E1/3:m404 R2/4 E1/3:g403 R2/4 R2/4 R1/3 E1/3:~echo E1/3:redirect R2/4",
  "AttributeMappings delete GET schema":
    "R2/4 R2/4 R2/4 R2/4 R2/4 R2/4 R2/4 G1/1 R2/4 E1/1:g403 R2/4 R2/4 R2/4 E1/1:~echo E1/1:redirect R2/4",
  "AttributeMappings delete GET templates":
    "R2/4 R2/4 R2/4 R2/4 R2/4 R2/4 R2/4 R3/5 R2/4 E+:r403 R2/4 R2/4 R2/4 E1/2:~echo E1/2:redirect R2/4",
  "AttributeMappings delete PUT schema":
    "R2/4 R2/4 R2/4 R2/4 R2/4 R2/4 R2/4 G1/3 R2/4 E1/3:g403 R2/4 R2/4 R1/3 E1/3:~echo E1/3:redirect R2/4",
  "ProvisioningStatus create GET job":
    "R2/3 R2/3 R2/3 R2/3 R2/3 R2/3 R2/3 R3/4 R2/3 E+:r403 R2/3 R2/3 R2/3 E1/1:~echo E1/1:redirect R2/3",
  "ProvisioningStatus create POST start":
    "R2/3 R2/3 E1/2:lost502 R2/3 E1/2:lost504 E1/2:reset E1/2:timeout R3/4 R2/3 E+:r403 E1/2:reset E1/2:cutoff R1/2 E1/2:~echo E1/2:redirect R2/3",
  "ProvisioningStatus update GET job":
    "R2/3 R2/3 R2/3 R2/3 R2/3 R2/3 R2/3 E1/1:r404 E1/1:g409 E1/1:g403 R2/3 R2/3 R2/3 E1/1:~echo E1/1:redirect R2/3",
  "ProvisioningStatus update POST pause":
    "R2/3 R2/3 R2/3 R2/3 R2/3 R2/3 R2/3 E1/2:g404 R2/3 E1/2:g403 R2/3 R2/3 R1/2 E1/2:~echo E1/2:redirect R2/3",
  "ProvisioningStatus read GET job":
    "R2/2 R2/2 R2/2 R2/2 R2/2 R2/2 R2/2 G1/1 E1/1:g409 E1/1:g403 R2/2 R2/2 R2/2 E1/1:~echo E1/1:redirect R2/2",
  "ProvisioningStatus update (release TooManyDeletes) GET job":
    "R2/3 R2/3 R2/3 R2/3 R2/3 R2/3 R2/3 E1/1:r404 E1/1:g409 E1/1:g403 R2/3 R2/3 R2/3 E1/1:~echo E1/1:redirect R2/3",
  "ProvisioningStatus update (release TooManyDeletes) POST restart":
    "R2/3 R2/3 E1/2:lost502 R2/3 E1/2:lost504 E1/2:reset E1/2:timeout E1/2:g404 R2/3 E1/2:g403 E1/2:reset E1/2:cutoff R1/2 E1/2:~echo E1/2:redirect R2/3",
  "GuardedSynchronizationSecret create GET secrets":
    "R2/3 R2/3 R2/3 R2/3 R2/3 R2/3 R2/3 R3/4 R2/3 E+:r403 R2/3 R2/3 R2/3 E1/1:~echo E1/1:redirect R2/3",
  "GuardedSynchronizationSecret create PUT secrets":
    "R2/3 R2/3 R2/3 R2/3 R2/3 R2/3 R2/3 R3/4 R2/3 E+:r403 R2/3 R2/3 R1/2 E1/2:~echo E1/2:redirect R2/3",
  "GuardedSynchronizationSecret update GET secrets":
    "R2/3 R2/3 R2/3 R2/3 R2/3 R2/3 R2/3 E1/1:r404 E1/1:g409 E1/1:g403 R2/3 R2/3 R2/3 E1/1:~echo E1/1:redirect R2/3",
  "GuardedSynchronizationSecret update PUT secrets":
    "R2/3 R2/3 R2/3 R2/3 R2/3 R2/3 R2/3 E1/2:g404 R2/3 E1/2:g403 R2/3 R2/3 R1/2 E1/2:~echo E1/2:redirect R2/3",
  "GuardedSynchronizationSecret read GET secrets":
    "R2/2 R2/2 R2/2 R2/2 R2/2 R2/2 R2/2 G1/1 E1/1:g409 E1/1:g403 R2/2 R2/2 R2/2 E1/1:~echo E1/1:redirect R2/2",
  "ProvisionOnDemand create POST provisionOnDemand":
    "R2/2 R2/2 R2/2 R2/2 R2/2 R2/2 R2/2 E1/1:g404 E1/1:g409 E1/1:g403 R2/2 R2/2 R2/2 E1/1:~echo E1/1:redirect R2/2",
  "GoToMeetingUser create POST /Users":
    "R2/3 R2/3 R2/4 R2/4 R2/4 R2/4 R2/4 E1/1:go404 E1/1:taken E1/1:go403 R1/3 R1/3 R1/3 E1/1:~goEcho E1/1:goRedirect R2/3",
  "GoToMeetingUser create (adopt) POST /Users (409)":
    "R2/4 R2/4 R1/3 R1/3 R1/3 R1/3 R1/3 E1/1:go404 R1/3 E1/1:go403 R1/3 R1/3 R1/3 E1/1:~goEcho E1/1:goRedirect R2/4",
  "GoToMeetingUser create (adopt) GET /Users?filter":
    "R2/4 R2/4 R2/4 R2/4 R2/4 R2/4 R2/4 E1/2:go404 E1/2:go409 E1/2:go403 R2/4 R2/4 R2/4 E1/2:~goEcho E1/2:goRedirect R2/4",
  "GoToMeetingUser create (adopt) PATCH /Users/{key}":
    "R2/4 R2/4 R2/4 R2/4 R2/4 R2/4 R2/4 E1/3:adopt404 E1/3:adopt409 E1/3:adopt403 R2/4 R2/4 R2/4 E1/3:~adoptEcho E1/3:adoptRedirect R2/4",
  "GoToMeetingUser read GET /Users/{key}":
    "R2/2 R2/2 R2/2 R2/2 R2/2 R2/2 R2/2 G1/1 E1/1:go409 E1/1:go403 R2/2 R2/2 R2/2 E1/1:~goEcho E1/1:goRedirect R2/2",
  "GoToMeetingUser update PATCH /Users/{key}":
    "R2/2 R2/2 R2/2 R2/2 R2/2 R2/2 R2/2 E1/1:userGone E1/1:go409 E1/1:go403 R2/2 R2/2 R2/2 E1/1:~goEcho E1/1:goRedirect R2/2",
  "GoToMeetingUser delete DELETE /Users/{key}":
    "R2/2 R2/2 R2/2 R2/2 R2/2 R2/2 R2/2 G1/1 E1/1:go409 E1/1:go403 R2/2 R1/1 R1/1 E1/1:~goEcho E1/1:goRedirect R2/2",
};

const rowKey = (row: Row) => `${row.resource} ${row.operation} ${row.step}`;

function token(c: Cell, expected: string): string {
  const counts = `${c.attempts}/${c.requests}`;
  if (c.outcome === "recovered") return `R${counts}`;
  if (c.outcome === "reported gone") return `G${counts}`;
  if (c.outcome === "clear error") {
    return expected.startsWith("E+") && c.attempts > 1 && c.requests >= c.attempts
      ? "E+"
      : `E${counts}`;
  }
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
      result.rows.map((row) => {
        const tokens = (EXPECTED[rowKey(row)] ?? "").split(" ");
        return [rowKey(row), row.cells.map((c, i) => token(c, tokens[i] ?? "")).join(" ")];
      }),
    );
    const expected = Object.fromEntries(
      Object.entries(EXPECTED).map(([k, v]) => [k, v.replace(/:[~\w]+/g, "")]),
    );
    expect(actual).toEqual(expected);
  });

  it("each clear error has its exact message (normalised ids), with a fix and no secret", () => {
    for (const row of result.rows) {
      const tokens = EXPECTED[rowKey(row)].split(" ");
      row.cells.forEach((c, i) => {
        const kind = /:([~\w]+)$/.exec(tokens[i])?.[1];
        const where = `${rowKey(row)} × ${c.fault}`;
        if (kind === undefined) {
          expect(c.message, where).toBeUndefined();
          return;
        }
        if (kind.startsWith("~")) {
          // An echo of the request: its start is exact, the rest is the vendor's (scrubbed) echo.
          expect(c.message!.startsWith(MESSAGES[kind](row)), `${where}: ${c.message}`).toBe(true);
          expect(c.message, where).toContain("[redacted]");
        } else {
          expect(`${where}: ${c.message}`).toBe(`${where}: ${MESSAGES[kind](row)}`);
        }
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
