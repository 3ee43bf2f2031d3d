// The exact (normalised) message of each kind of clear error the fault matrix may meet, written
// from what the clients and providers are meant to say, not copied from a run. test/faultMatrix.test.ts
// names one kind per cell; a kind whose name starts with "~" is a prefix (the rest of the message
// is the vendor's echo of the request, scrubbed, whose length varies).
import { INJECTED_FAULT_ERRORS, type GraphFaultStatus } from "../fakes/graphFake";
import { REPLICATION_HINT } from "../../providers/graphResource";
import type { Row } from "./matrix";

const REPLICATION_PREFIX =
  "Entra may still be replicating the app or job created moments ago (Graph answers 404, 401, 403 or 409 " +
  "for a few minutes after an app is instantiated); run pulumi up again in a few minutes. If it persists: ";
const PERMISSION =
  "the identity lacks permission: grant Synchronization.ReadWrite.All (or Application.ReadWrite.OwnedBy for " +
  "an owned app) and Application.Read.All.";
const GRAPH_HINT = {
  403: PERMISSION[0].toUpperCase() + PERMISSION.slice(1),
  r403: REPLICATION_PREFIX + PERMISSION,
  404: "Graph does not know this object; check that it still exists (pulumi refresh).",
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
const STATUS_LINE = { 403: "Forbidden", 404: "Not Found", 409: "Conflict" } as const;

const method = (row: Row) => row.request.split(" ")[0];
const path = (row: Row) => row.request.slice(row.request.indexOf(" ") + 1);
const graphFailure = (row: Row, status: GraphFaultStatus, hint: string) => {
  const { code, message } = INJECTED_FAULT_ERRORS[status];
  return `Microsoft Graph ${row.request} failed: HTTP ${status} ${code}: ${message}\n${hint}`;
};
const graphUrl = (row: Row) => `Microsoft Graph ${method(row)} http://<fake>/v1.0${path(row)}`;
const gotoFailure = (row: Row, status: 403 | 404 | 409) =>
  `GoTo ${row.request} failed: HTTP ${status}: ${STATUS_LINE[status]}\n${GOTO_HINT[status]}`;
const adoptPatch = (inner: string) =>
  `GoTo user "ada@example.com" (userKey 7300000001) was taken over, but bringing it to the declared ` +
  `values (PATCH) failed: ${inner}\nThe user is kept in the state; run pulumi up again to finish.`;
const gotoRedirect = (row: Row) =>
  `GoTo ${row.request} answered HTTP 307 with a redirect to http://<fake>; the request was not repeated there, ` +
  "because that would resend the credentials to another address, and nothing was decided on the answer. " +
  "Fix: set gotoApiUrl to GoTo's own address (default https://api.getgo.com/identity/v1), not one that redirects.";

export const MESSAGES: Record<string, (row: Row) => string> = {
  g403: (row) => graphFailure(row, 403, GRAPH_HINT[403]),
  r403: (row) => graphFailure(row, 403, GRAPH_HINT.r403),
  g404: (row) => graphFailure(row, 404, GRAPH_HINT[404]),
  r404: (row) => graphFailure(row, 404, REPLICATION_HINT),
  m404: (row) => graphFailure(row, 404, GRAPH_HINT.mappings404),
  g409: (row) => graphFailure(row, 409, GRAPH_HINT[409]),
  lost502: (row) => graphFailure(row, 502, GRAPH_HINT.lost),
  lost504: (row) => graphFailure(row, 504, GRAPH_HINT.lost),
  reset: (row) => `${graphUrl(row)}: ECONNRESET\n${GRAPH_HINT.lost}`,
  timeout: (row) => `${graphUrl(row)}: no complete response within 1000 ms\n${GRAPH_HINT.lost}`,
  cutoff: (row) =>
    `${graphUrl(row)}: HTTP 200 but the body was cut off (UND_ERR_SOCKET)\n${GRAPH_HINT.lost}`,
  redirect: (row) =>
    `${graphUrl(row)} answered HTTP 307 with a redirect to http://<fake>; requests are never redirected, ` +
    "because that would resend credentials to another address. Fix: point the API URL setting (graphApiUrl, " +
    "gotoApiUrl or gotoAuthUrl) at the service itself.",
  "~echo": (row) =>
    `Microsoft Graph ${row.request} failed: HTTP 400 UnknownError: The request could not be processed: ` +
    `${method(row)} /v1.0${path(row)} HTTP/1.1\r\nhost: <fake>\r\n`,
  "~testEcho": (row) =>
    "Test Connection failed for the GoToMeeting admin account (the configured adminUserName): Microsoft Graph " +
    `answered HTTP 400 UnknownError: The request could not be processed: ${method(row)} /v1.0${path(row)} HTTP/1.1\r\n`,
  "~savedEcho": (row) =>
    "Test Connection failed for the GoTo authorization saved in Entra (Microsoft Graph answered HTTP 400 " +
    `UnknownError: The request could not be processed: ${method(row)} /v1.0${path(row)} HTTP/1.1\r\n`,
  "~parseEcho": (row) =>
    'mappings[0].expression: Graph refused to parse "Join(\\" \\", [givenName], [surname])": Microsoft Graph ' +
    `${row.request} failed: HTTP 400 UnknownError: The request could not be processed: `,
  go403: (row) => gotoFailure(row, 403),
  go404: (row) => gotoFailure(row, 404),
  go409: (row) => gotoFailure(row, 409),
  goRedirect: gotoRedirect,
  "~goEcho": (row) => `GoTo ${row.request} failed: HTTP 400: Rejected `,
  taken: () =>
    'GoTo already has a user with userName "ada@example.com" (HTTP 409: userName in use). To manage that ' +
    "user with Pulumi, set adoptExisting: true on this GoToMeetingUser; otherwise choose another userName.",
  userGone: () =>
    'GoTo user 7300000001 ("ada@example.com") no longer exists. Fix: pulumi refresh drops it from the ' +
    "state; pulumi up then creates it again.",
  adopt403: (row) => adoptPatch(`GoTo ${row.request} failed: HTTP 403: Forbidden`),
  adopt404: (row) => adoptPatch(`GoTo ${row.request} failed: HTTP 404: Not Found`),
  adopt409: (row) => adoptPatch(`GoTo ${row.request} failed: HTTP 409: Conflict`),
  adoptRedirect: (row) => adoptPatch(gotoRedirect(row)),
  "~adoptEcho": (row) =>
    adoptPatch(`GoTo ${row.request} failed: HTTP 400: Rejected `).split("Rejected ")[0] +
    "Rejected ",
};

/** Whether `message` is of `kind` for `row`. */
export function isMessage(kind: string, row: Row, message: string): boolean {
  const expected = MESSAGES[kind](row);
  return kind.startsWith("~") ? message.startsWith(expected) : message === expected;
}
