// The pure half of SynchronizationTemplate: which of the app's templates the job is created from,
// and the checks on its inputs.
import type * as MSGraph from "@microsoft/microsoft-graph-types";
import type { CheckFailure } from "@pulumi/pulumi/dynamic";
import type { Connector } from "../../model/connector";
import { describe } from "../../model/text";
import { UNKNOWN } from "../../model/unknown";
import { checkConnector, checkServicePrincipalId } from "../graphResource";

export interface SynchronizationTemplateInputs {
  servicePrincipalId: string;
  connector: Connector;
  galleryApp: string;
  preferredTemplateId?: string;
  /** The secret keys the program will write and test (["UserName", "Password"] for the GoToMeeting
   *  admin credentials, [] when the connector is authorized in the portal). Default []. */
  credentialKeys?: string[];
}

export interface SynchronizationTemplateOutputs extends SynchronizationTemplateInputs {
  /** The template the job is created from (`templateId` of azuread.SynchronizationJob). */
  templateId: string;
  /** The template's factory tag: which engine implementation Entra uses for it. */
  factoryTag: string;
  /** Every template id the app offers, sorted; the choice among several is explained by `default`. */
  candidates: string[];
  /** Id of the template's rule that provisions Entra users (provisionOnDemand's ruleId); "" if none. */
  userRuleId: string;
  /** How the connector is authorized, from the template's metadata: "oauth" (the portal's
   *  Authorize), "credentials" (its configurationFields), or "unknown" (no such metadata). */
  authorization: "oauth" | "credentials" | "unknown";
  /** The secret keys the template's configurationFields name (e.g. ["UserName", "Password"]);
   *  [] when the template lists none or is not listed. */
  acceptedKeys: string[];
}

export interface TemplateChoice {
  templateId: string;
  factoryTag: string;
  candidates: string[];
  userRuleId: string;
  authorization: "oauth" | "credentials" | "unknown";
  acceptedKeys: string[];
}

/** The synchronizationSecret names a configuration field may stand for (§1c's enum, as Graph
 *  spells them; configurationFields are lower-case, F2). */
const SECRET_KEY_NAMES = [
  "UserName",
  "Password",
  "SecretToken",
  "AppKey",
  "BaseAddress",
  "ClientIdentifier",
  "ClientSecret",
  "SingleSignOnType",
  "Sandbox",
  "Url",
  "Domain",
  "ConsumerKey",
  "ConsumerSecret",
  "TokenKey",
  "TokenExpiration",
  "Oauth2AccessToken",
  "Oauth2AccessTokenCreationTime",
  "Oauth2RefreshToken",
  "SyncAll",
  "InstanceName",
  "Oauth2ClientId",
  "Oauth2ClientSecret",
  "CompanyId",
  "UpdateKeyOnSoftDelete",
  "SynchronizationSchedule",
  "SystemOfRecord",
  "SandboxName",
  "EnforceDomain",
  "SyncNotificationSettings",
  "SkipOutOfScopeDeletions",
  "Oauth2AuthorizationCode",
  "Oauth2RedirectUri",
  "ApplicationTemplateIdentifier",
  "Oauth2TokenExchangeUri",
  "Oauth2AuthorizationUri",
  "AuthenticationType",
  "Server",
  "PerformInboundEntitlementGrants",
  "HardDeletesEnabled",
  "SyncAgentCompatibilityKey",
  "SyncAgentADContainer",
  "ValidateDomain",
  "TestReferences",
  "ConnectionString",
];

export interface TemplateMetadata {
  /** `isOAuthEnabled`; undefined when the template does not say. */
  oauth?: boolean;
  /** `configurationFields` as secret key names; undefined when absent or unreadable. */
  fields?: string[];
  galleryApplicationKey?: string;
}

/**
 * Reads a template's metadata as Graph documents it (F2): keys matched case-insensitively (samples
 * are camelCase, the v1.0 enum PascalCase), repeated and unknown keys tolerated (the first value
 * wins), values always strings, booleans compared case-insensitively, configuration field names
 * mapped case-insensitively onto the secret key names.
 */
export function readMetadata(template: MSGraph.SynchronizationTemplate): TemplateMetadata {
  const entries = Array.isArray(template.metadata) ? template.metadata : [];
  const first = (key: string): string | undefined => {
    const e = entries.find(
      (m) => typeof m?.key === "string" && m.key.toLowerCase() === key.toLowerCase(),
    );
    return typeof e?.value === "string" ? e.value : undefined;
  };
  const meta: TemplateMetadata = {};
  const oauth = first("IsOAuthEnabled")?.trim().toLowerCase();
  if (oauth === "true" || oauth === "false") meta.oauth = oauth === "true";
  const key = first("GalleryApplicationKey");
  if (key) meta.galleryApplicationKey = key;
  const raw = first("ConfigurationFields");
  if (raw !== undefined) {
    try {
      const parsed: unknown = JSON.parse(raw);
      if (Array.isArray(parsed)) {
        meta.fields = parsed
          .map((f) => (f && typeof f === "object" ? (f as { name?: unknown }).name : undefined))
          .filter((n): n is string => typeof n === "string")
          .map((n) => SECRET_KEY_NAMES.find((k) => k.toLowerCase() === n.toLowerCase()) ?? n);
      }
    } catch {
      // Unreadable: treated as not listed.
    }
  }
  return meta;
}

function authorizationOf(meta: TemplateMetadata): TemplateChoice["authorization"] {
  if (meta.oauth === true) return "oauth";
  if (meta.fields !== undefined || meta.oauth === false) return "credentials";
  return "unknown";
}

/**
 * Whether the program's credentials fit the connector, from the template's own metadata. Refuses
 * keys the template does not take (a connector authorized with Authorize takes no admin password)
 * and, for a connector the program does not write credentials for, a template that needs them.
 */
export function credentialProblem(
  choice: Pick<TemplateChoice, "templateId" | "authorization" | "acceptedKeys">,
  inputs: Pick<SynchronizationTemplateInputs, "connector" | "galleryApp" | "credentialKeys">,
): string | undefined {
  const sent = inputs.credentialKeys ?? [];
  const where = `The "${inputs.galleryApp}" app's synchronization template ${choice.templateId}`;
  if (sent.length > 0) {
    if (choice.authorization === "oauth" && !sent.every((k) => choice.acceptedKeys.includes(k))) {
      return (
        `${where} is authorized with the portal's Authorize button (its metadata says isOAuthEnabled ` +
        `true${choice.acceptedKeys.length ? ` and its fields are ${choice.acceptedKeys.join(", ")}` : ""}), so it takes no ` +
        `${sent.join(" and ")}; nothing was written. Microsoft retired the GoToMeeting app's provisioning: ` +
        "use its successor, connector: goto (pulumi config set connector goto; pulumi config rm adminUserName; " +
        "pulumi config rm adminPassword), and authorize once in the portal."
      );
    }
    if (choice.authorization === "credentials" && choice.acceptedKeys.length > 0) {
      const refused = sent.filter((k) => !choice.acceptedKeys.includes(k));
      if (refused.length > 0) {
        return (
          `${where} takes ${choice.acceptedKeys.join(", ")} (its configurationFields metadata), not ` +
          `${refused.join(" and ")}; nothing was written. Check that connector and galleryApp name the ` +
          "app you mean, or set synchronizationTemplateId to a template that takes an admin user name and password."
        );
      }
    }
    return undefined;
  }
  if (inputs.connector === "goto" && choice.authorization === "credentials") {
    const secretFields = choice.acceptedKeys.filter(
      (k) => k !== "SyncAll" && k !== "SyncNotificationSettings",
    );
    if (secretFields.length > 0) {
      return (
        `${where} takes ${secretFields.join(", ")} rather than the portal's Authorize, and this program ` +
        "writes no credentials for connector goto; nothing was written. Check galleryApp, or set " +
        "synchronizationTemplateId to the GoTo template that uses Authorize."
      );
    }
  }
  return undefined;
}

/** The preferred template when one is given (listed or not: it is an override), else the one
 *  marked `default: true`, else the first by id; undefined when there is nothing to choose. */
export function pickTemplate(
  templates: readonly MSGraph.SynchronizationTemplate[],
  preferredTemplateId?: string,
): TemplateChoice | undefined {
  const sorted = templates
    .filter((t) => typeof t.id === "string" && t.id !== "")
    .sort((a, b) => (a.id! < b.id! ? -1 : a.id! > b.id! ? 1 : 0));
  const candidates = sorted.map((t) => t.id!);
  if (preferredTemplateId) {
    const listed = sorted.find((t) => t.id === preferredTemplateId);
    const meta = listed ? readMetadata(listed) : {};
    return {
      templateId: preferredTemplateId,
      factoryTag: listed?.factoryTag ?? "",
      candidates,
      userRuleId: listed ? userRuleIdOf(listed) : "",
      authorization: authorizationOf(meta),
      acceptedKeys: meta.fields ?? [],
    };
  }
  if (sorted.length === 0) return undefined;
  const chosen = sorted.find((t) => t.default === true) ?? sorted[0];
  const meta = readMetadata(chosen);
  return {
    templateId: chosen.id!,
    factoryTag: chosen.factoryTag ?? "",
    candidates,
    userRuleId: userRuleIdOf(chosen),
    authorization: authorizationOf(meta),
    acceptedKeys: meta.fields ?? [],
  };
}

/** What the listing must hold before a template is chosen from it. */
export function listingProblem(body: unknown): string | undefined {
  const value = (body as { value?: unknown } | null)?.value;
  if (!Array.isArray(value)) return "the body has no value list";
  if (
    value.some((t) => !t || typeof t !== "object" || typeof (t as { id?: unknown }).id !== "string")
  ) {
    return "a listed template has no id";
  }
  return undefined;
}

/** The rule whose object mappings flow Entra users: its id is what provisionOnDemand asks for. */
export function userRuleIdOf(template: MSGraph.SynchronizationTemplate): string {
  const rules = template.schema?.synchronizationRules ?? [];
  const rule = rules.find(
    (r) =>
      r.sourceDirectoryName === "Azure Active Directory" &&
      (r.objectMappings ?? []).some((m) => m.sourceObjectName === "User"),
  );
  return rule?.id ?? "";
}

export function noTemplateMessage(connector: Connector, galleryApp: string): string {
  if (connector === "gotomeeting") {
    return (
      `The "${galleryApp}" gallery app offers no provisioning template (Microsoft retired GoToMeeting's ` +
      'provisioning connector). Set connector: goto (pulumi config set connector goto) to use the "GoTo" ' +
      "gallery app, or set synchronizationTemplateId if Microsoft support gave you one."
    );
  }
  return (
    `The "${galleryApp}" gallery app offers no provisioning template. Check that galleryApp names the ` +
    'gallery app "GoTo" (the one with automatic provisioning), or set synchronizationTemplateId if ' +
    "Microsoft support gave you one."
  );
}

export function checkSynchronizationTemplateInputs(news: Partial<SynchronizationTemplateInputs>) {
  const failures: CheckFailure[] = [];
  checkServicePrincipalId(news.servicePrincipalId, failures);
  checkConnector(news.connector, failures);
  const app: unknown = news.galleryApp;
  if (app !== UNKNOWN && (typeof app !== "string" || app.trim() === "")) {
    failures.push({
      property: "galleryApp",
      reason: `galleryApp must be the gallery app's display name, e.g. "GoTo"; got ${describe(app)}.`,
    });
  }
  const preferred: unknown = news.preferredTemplateId;
  if (
    preferred !== UNKNOWN &&
    preferred !== undefined &&
    preferred !== null &&
    (typeof preferred !== "string" || (preferred !== "" && !/^[A-Za-z0-9_.-]+$/.test(preferred)))
  ) {
    failures.push({
      property: "preferredTemplateId",
      reason:
        `preferredTemplateId must be a synchronization template id such as "GoTo" (letters, digits, . _ -); ` +
        `got ${describe(preferred)}. Fix: pulumi config set synchronizationTemplateId <id>, or remove it.`,
    });
  }
  const keys: unknown = news.credentialKeys;
  if (
    keys !== undefined &&
    keys !== UNKNOWN &&
    (!Array.isArray(keys) || keys.some((k) => k !== UNKNOWN && !SECRET_KEY_NAMES.includes(k)))
  ) {
    failures.push({
      property: "credentialKeys",
      reason: `credentialKeys must list synchronization secret names such as UserName and Password; got ${describe(keys)}.`,
    });
  }
  return failures;
}

export function inputsOf(v: SynchronizationTemplateInputs): SynchronizationTemplateInputs {
  // The override is kept in the outputs: diff compares against old outputs, and read needs it.
  return {
    servicePrincipalId: v.servicePrincipalId,
    connector: v.connector,
    galleryApp: v.galleryApp,
    ...(v.preferredTemplateId ? { preferredTemplateId: v.preferredTemplateId } : {}),
    credentialKeys: v.credentialKeys ?? [],
  };
}
