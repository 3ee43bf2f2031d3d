// The pure half of TestConnection: input checks, the credentials hash and the messages.
import type { CheckFailure } from "@pulumi/pulumi/dynamic";
import type { Connector } from "../../model/connector";
import { UNKNOWN, containsUnknown } from "../../model/unknown";
import { redact } from "../../lib/redact";
import { checkConnector, checkJobId, checkServicePrincipalId } from "../graphResource";

export interface CredentialPair {
  key: string;
  value: string;
}

export interface TestConnectionInputs {
  servicePrincipalId: string;
  jobId: string;
  connector: Connector;
  credentials?: CredentialPair[];
}

export interface TestConnectionOutputs extends Omit<TestConnectionInputs, "credentials"> {
  /** Graph accepted the credentials or the saved authorization. */
  passed: boolean;
  /** GoTo only: nobody has clicked Authorize in the portal yet (or the authorization expired). */
  authorizationPending: boolean;
  /** What happened and, when pending, the one manual step; never contains a credential. */
  message: string;
  /** When the test ran (ISO 8601). */
  checkedAt: string;
  /** HMAC-SHA256 of the credential set keyed by the service principal id: tells diff that the
   *  credentials changed without storing them (and without being comparable across tenants). */
  credentialsHash: string;
}

const MANAGED_KEYS = ["UserName", "Password"] as const;

export function checkTestConnectionInputs(news: Partial<TestConnectionInputs>): CheckFailure[] {
  const failures: CheckFailure[] = [];
  checkServicePrincipalId(news.servicePrincipalId, failures);
  checkJobId(news.jobId, failures);
  checkConnector(news.connector, failures);
  const creds: unknown = news.credentials;
  if (creds === UNKNOWN || (news.connector as unknown) === UNKNOWN) return failures;
  const fail = (reason: string) => failures.push({ property: "credentials", reason });
  if (news.connector === "goto") {
    if (creds !== undefined && !(Array.isArray(creds) && creds.length === 0)) {
      fail(
        "credentials must not be set for connector goto: the GoTo connector is authorized with the " +
          "portal's Authorize button, and Test Connection checks that saved authorization.",
      );
    }
    return failures;
  }
  if (news.connector !== "gotomeeting") return failures;
  const howToSet =
    "Fix: pulumi config set adminUserName <admin e-mail> and pulumi config set --secret adminPassword <password>.";
  if (!Array.isArray(creds)) {
    fail(
      `credentials must hold UserName and Password of the GoToMeeting admin account. ${howToSet}`,
    );
    return failures;
  }
  const seen = new Set<string>();
  creds.forEach((item: unknown, i) => {
    if (item === UNKNOWN) return;
    const pair = item as Partial<CredentialPair> | null;
    const key: unknown = pair?.key;
    // Only indexes and the two known key names are printed: a misplaced value could be a password.
    if (key === UNKNOWN) return;
    if (typeof key !== "string" || !(MANAGED_KEYS as readonly string[]).includes(key)) {
      fail(
        `credentials[${i}].key must be UserName or Password (connector gotomeeting uses no other key).`,
      );
      return;
    }
    if (seen.has(key)) fail(`credentials[${i}]: ${key} is given twice; give it once.`);
    seen.add(key);
    const value: unknown = pair?.value;
    if (value !== UNKNOWN && (typeof value !== "string" || value === "")) {
      fail(`credentials[${i}] (${key}) is empty. ${howToSet}`);
    }
  });
  for (const key of MANAGED_KEYS) {
    if (!seen.has(key) && !containsUnknown(creds)) fail(`credentials lack ${key}. ${howToSet}`);
  }
  return failures;
}

/** Salted so the same password gives different hashes in different tenants. */
export function credentialsHash(
  servicePrincipalId: string,
  credentials: readonly CredentialPair[],
): string {
  const { createHmac } = require("node:crypto") as typeof import("node:crypto");
  const canonical = credentials
    .map((c) => [c.key, c.value])
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
  return createHmac("sha256", servicePrincipalId).update(JSON.stringify(canonical)).digest("hex");
}

/** Text with every credential value cut out, in any encoding (lib/redact.ts), for messages. */
export function scrubCredentials(text: string, credentials: readonly CredentialPair[]): string {
  return redact(
    text,
    credentials.map((c) => c.value),
  );
}

/** The secret keys a portal Authorize leaves behind: anything but the settings this program writes. */
export function savedAuthorizationKeys(secrets: readonly { key?: string | null }[]): string[] {
  return secrets
    .map((s) => s.key ?? "")
    .filter((k) => k !== "" && k !== "SyncNotificationSettings" && k !== "SyncAll")
    .sort();
}

export function authorizePendingMessage(servicePrincipalId: string): string {
  return (
    `Authorize pending: open Entra admin center → Enterprise apps → ${servicePrincipalId} → Provisioning → ` +
    "Admin Credentials → Authorize, sign in as a GoTo organization admin, then run pulumi up again."
  );
}

/**
 * Graph documents only Test Connection's success (204, [S22]); what a failure's status and code mean
 * is not documented. The message therefore quotes Graph, and gives the tutorial's advice as advice,
 * marked unverified, instead of deriving a cause from the status code.
 */
export function testFailedMessage(
  connector: Connector,
  status: number,
  code: string,
  graphMessage: string,
): string {
  const said = `Microsoft Graph answered HTTP ${status} ${code}${graphMessage ? `: ${graphMessage.replace(/[.\s]+$/, "")}` : ""}`;
  if (connector === "goto") {
    return (
      `Test Connection failed for the GoTo authorization saved in Entra (${said}). What this answer means ` +
      "is unverified (Graph documents no failure response); the usual cause is an authorization that expired " +
      "or was revoked, or a GoTo admin who left: Entra admin center → Enterprise apps → your app → Provisioning " +
      "→ Admin Credentials → Authorize again, then run pulumi up."
    );
  }
  return (
    `Test Connection failed for the GoToMeeting admin account (the configured adminUserName): ${said}. ` +
    "What this answer means is unverified (Graph documents no failure response). The tutorial's advice: make " +
    "sure the GoToMeeting account has Team Admin permissions, then set adminUserName and adminPassword again " +
    "(pulumi config set adminUserName <admin e-mail>; pulumi config set --secret adminPassword <password>)."
  );
}
