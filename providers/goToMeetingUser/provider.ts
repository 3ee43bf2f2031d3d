// GoToMeetingUser's provider: the calls to GoTo's identity API (the user) and Admin API (its
// licences). The provider is loaded in Pulumi's provider host through the shim (providers/shim.ts):
// it reads its settings in configure(), builds the client inside each method and captures nothing
// secret. Every error leaving it is scrubbed by lib/redact.ts (redactingProvider below).
import type * as pulumi from "@pulumi/pulumi";
import {
  ATTEMPT_RESERVE_MS,
  GoToClient,
  GoToError,
  GoToResponseError,
  GoToSettings,
  GoToTokenCache,
  createGoToClient,
  gotoSettingsFromConfig,
  jsonWithIntegers,
} from "../../lib/goto";
import { RedirectError, TransportError, makeRealError } from "../../lib/http";
import { redact, redactingProvider } from "../../lib/redact";
import { backoffMs, sleep } from "../../lib/retry";
import { type GoToMeetingUserInputs, INPUT_KEYS, userProblems } from "../../model/goToUser";
import { containsUnknown } from "../../model/unknown";
import {
  type GoToMeetingUserOutputs,
  type GoToUser,
  type AdminUser,
  type OutputContext,
  accountsOf,
  adminUserFrom,
  adminUsersOf,
  ambiguousAccountsMessage,
  conflictMessage,
  createMarker,
  definitionOf,
  keyString,
  licenceListProblem,
  licencesOf,
  licenseChange,
  licenseRemovalRefusal,
  newNonce,
  patchFor,
  sameUserName,
  toOutputs,
  unknownLicencesMessage,
  unknownOutcomeMessage,
  unprovenConflictMessage,
  unionKeys,
  userListProblem,
  userNameChange,
  userPath,
  userProblem,
} from "./user";

/** Settings live only in the provider process; empty when the provider is serialized. */
const state: {
  settings?: GoToSettings;
  configError?: string;
  tokens?: GoToTokenCache;
  /** The Admin-API account, once read from GET /me (per configure()). */
  accountKey?: string;
} = {};

/** One provider operation: its client and the one deadline all its calls and waits share. */
interface Operation {
  client: GoToClient;
  settings: GoToSettings;
  deadline: number;
}

function begin(): Operation {
  if (!state.settings) {
    // A missing credential fails the operations that need GoTo, not configure(): check and diff
    // (a preview) work without GoTo credentials.
    if (state.configError) throw new Error(state.configError);
    // configure() not called (an engine without it): the environment fallback still applies.
    state.settings = gotoSettingsFromConfig(() => undefined);
    state.tokens = {};
  }
  const settings = state.settings;
  return {
    client: createGoToClient(settings, (state.tokens ??= {})),
    settings,
    deadline: Date.now() + settings.retryBudgetMs,
  };
}

const timeLeft = (op: Operation) => op.deadline - Date.now();

/** Created (or updated), but a later step failed: the engine keeps the resource with these outputs
 *  (ErrorResourceInitFailed) and the next `pulumi up` finishes the job through update. */
class GoToPartialError extends Error {
  readonly reasons: string[];
  constructor(
    message: string,
    readonly id: string,
    readonly properties: GoToMeetingUserOutputs,
  ) {
    const clean = redact(message);
    super(clean);
    this.message = clean;
    this.name = "GoToPartialError";
    this.reasons = [clean];
    makeRealError(this);
  }
}

function firstLine(err: unknown): string {
  return redact(String((err as Error)?.message ?? err)).split("\n")[0];
}

// ---- identity API ------------------------------------------------------------------------------

async function findByUserName(op: Operation, userName: string): Promise<GoToUser | undefined> {
  const quoted = userName.replace(/\\/g, "\\\\").replace(/"/g, '\\"');
  const { body } = await op.client.call<{ resources: GoToUser[] }>(
    "GET",
    `/Users?filter=${encodeURIComponent(`userName eq "${quoted}"`)}`,
    undefined,
    { validate: userListProblem, deadline: op.deadline },
  );
  return body.resources.find((u) => sameUserName(u.userName, userName));
}

async function patchUser(
  op: Operation,
  userKey: string,
  patch: object,
  ctx: OutputContext,
  accept404 = false,
): Promise<GoToMeetingUserOutputs | undefined> {
  const { status, body } = await op.client.call("PATCH", userPath(userKey), patch, {
    accept: accept404 ? [404] : [],
    validate: userProblem,
    deadline: op.deadline,
  });
  return status === 404 ? undefined : toOutputs(body, ctx);
}

/** A POST whose outcome is unknown: GoTo may or may not have created the user. */
function isLostResponse(err: unknown): boolean {
  return (
    err instanceof TransportError ||
    (err instanceof GoToResponseError && err.outcomeUnknown) ||
    (err instanceof GoToError && (err.status === 502 || err.status === 503 || err.status === 504))
  );
}

// ---- Admin API (licences) ----------------------------------------------------------------------
//
// Built only on what is documented or observed (entra-goto-facts §3c): GET /me → accounts[].key
// (documented, S54); GET /accounts/{a}/licenses → results[] of {key, products[]} (secondary);
// GET /accounts/{a}/users?filter=email eq "…" → {results[], total} (secondary); POST
// /accounts/{a}/users {users:[{email,firstName,lastName}], suppressEmail} answering {key,email}
// for new and existing users (documented, S55) with licenseKeys (secondary); PUT
// /accounts/{a}/users/{userKey} with licenseKeys (secondary). No call removes a licence.

interface AccountLicences {
  accountKey: string;
  /** licence key → products */
  licences: Map<string, string[]>;
}

async function accountKey(op: Operation): Promise<string> {
  if (op.settings.accountKey) return op.settings.accountKey;
  if (state.accountKey) return state.accountKey;
  const { body } = await op.client.call("GET", "/me", undefined, {
    api: "admin",
    validate: (b) => (accountsOf(b).length > 0 ? undefined : "no accounts[].key"),
    deadline: op.deadline,
  });
  const accounts = accountsOf(body);
  if (accounts.length > 1) {
    throw new Error(ambiguousAccountsMessage(accounts));
  }
  state.accountKey = accounts[0].key;
  return state.accountKey;
}

/** Every declared key must be a licence of the account, checked before anything is written. */
async function accountLicences(
  op: Operation,
  wanted: readonly string[],
  userName: string,
): Promise<AccountLicences> {
  const acct = await accountKey(op);
  const { body } = await op.client.call("GET", `/accounts/${acct}/licenses`, undefined, {
    api: "admin",
    validate: licenceListProblem,
    deadline: op.deadline,
  });
  const licences = licencesOf(body)!;
  const unknown = wanted.filter((k) => !licences.has(k));
  if (unknown.length > 0)
    throw new Error(unknownLicencesMessage(unknown, acct, userName, licences));
  return { accountKey: acct, licences };
}

async function findAdminUser(
  op: Operation,
  acct: string,
  email: string,
): Promise<AdminUser | undefined> {
  const quoted = email.replace(/\\/g, "\\\\").replace(/"/g, '\\"');
  // %20, not +: the Admin API wants spaces encoded so (secondary, facts §3c).
  const { body } = await op.client.call(
    "GET",
    `/accounts/${acct}/users?filter=${encodeURIComponent(`email eq "${quoted}"`)}`,
    undefined,
    {
      api: "admin",
      validate: (b) => {
        const list = adminUsersOf(b);
        if (!list || Array.isArray(b)) return "no results list";
        return list.every((u) => keyString((u as { key?: unknown })?.key))
          ? undefined
          : "a user without key";
      },
      deadline: op.deadline,
    },
  );
  return adminUserFrom(adminUsersOf(body), email);
}

/**
 * Gives the user the licences `toAdd`, never taking one away: a PUT only when GoTo listed the user's
 * licences (it then carries them all, so it removes nothing whether GoTo's PUT replaces the list or
 * adds to it); otherwise the create-users POST, which can only add. Returns the Admin-API user key.
 */
async function assignLicences(
  op: Operation,
  account: AccountLicences,
  user: { userName: string; givenName: string; familyName: string },
  toAdd: readonly string[],
): Promise<string> {
  const acct = account.accountKey;
  const found = await findAdminUser(op, acct, user.userName);
  if (found?.licenseKeys) {
    const missing = toAdd.filter((k) => !found.licenseKeys!.includes(k));
    if (missing.length > 0) {
      await op.client.call(
        "PUT",
        `/accounts/${acct}/users/${found.key}`,
        jsonWithIntegers({
          email: user.userName,
          licenseKeys: unionKeys(found.licenseKeys, toAdd),
        }),
        { api: "admin", deadline: op.deadline },
      );
    }
    return found.key;
  }
  const { body } = await op.client.call(
    "POST",
    `/accounts/${acct}/users`,
    jsonWithIntegers({
      users: [{ email: user.userName, firstName: user.givenName, lastName: user.familyName }],
      licenseKeys: [...toAdd],
      suppressEmail: true,
    }),
    {
      api: "admin",
      // GoTo answers existing users with their key (S55): repeating it after a lost answer is harmless.
      idempotent: true,
      validate: (b) =>
        adminUserFrom(adminUsersOf(b), user.userName)
          ? undefined
          : `no {key, email} for ${user.userName}`,
      deadline: op.deadline,
    },
  );
  return adminUserFrom(adminUsersOf(body), user.userName)!.key;
}

// ---- create --------------------------------------------------------------------------------------

/**
 * Brings a user that is ours (created, or adopted) to the declared values: at most one PATCH (which
 * also replaces the create marker), then the licences. A failure after the user exists keeps it in
 * the state (GoToPartialError), so the next `pulumi up` finishes instead of meeting a 409.
 */
async function finish(
  op: Operation,
  user: GoToUser,
  inputs: GoToMeetingUserInputs,
  account: AccountLicences | undefined,
  how: "created" | "taken over",
): Promise<pulumi.dynamic.CreateResult<GoToMeetingUserOutputs>> {
  const ctx: OutputContext = {
    adoptExisting: inputs.adoptExisting ?? false,
    declaredUserName: inputs.userName,
    licenseKeys: inputs.licenseKeys !== undefined ? [] : undefined,
  };
  let outs = toOutputs(user, ctx);
  const partial = (step: string, err: unknown) =>
    new GoToPartialError(
      `GoTo user "${inputs.userName}" (userKey ${outs.userKey}) was ${how}, but ${step} failed: ${firstLine(err)}\n` +
        "The user is kept in the state; run pulumi up again to finish.",
      outs.userKey,
      outs,
    );
  const patch = patchFor(outs, inputs);
  if (patch) {
    try {
      outs = (await patchUser(op, outs.userKey, patch, ctx))!;
    } catch (err) {
      throw partial("bringing it to the declared values (PATCH)", err);
    }
  }
  const wanted = inputs.licenseKeys ?? [];
  if (wanted.length > 0 && account) {
    try {
      outs.adminUserKey = await assignLicences(op, account, inputs, wanted);
      outs.licenseKeys = unionKeys(wanted);
    } catch (err) {
      throw partial(`assigning licences ${wanted.join(", ")}`, err);
    }
  }
  return { id: outs.userKey, outs };
}

async function create(
  inputs: GoToMeetingUserInputs,
): Promise<pulumi.dynamic.CreateResult<GoToMeetingUserOutputs>> {
  const op = begin();
  const adopt = inputs.adoptExisting ?? false;
  // Licence keys are checked against the account before anything is written.
  const wanted = inputs.licenseKeys ?? [];
  const account =
    wanted.length > 0 ? await accountLicences(op, wanted, inputs.userName) : undefined;
  // The proof of ownership after a lost answer (see user.ts): only when no displayName is declared.
  const marker = inputs.displayName === undefined ? createMarker(newNonce()) : undefined;
  const definition = definitionOf(inputs, marker);
  let lost: unknown;

  const take = (found: GoToUser) => {
    if (adopt) return finish(op, found, inputs, account, "taken over");
    if (marker !== undefined && found.displayName === marker) {
      return finish(op, found, inputs, account, "created");
    }
    throw new Error(unprovenConflictMessage(inputs.userName, marker));
  };
  const lookUp = async () => {
    try {
      return await findByUserName(op, inputs.userName);
    } catch (err) {
      if (lost === undefined) throw err;
      throw new Error(unknownOutcomeMessage(inputs.userName, marker, firstLine(err)));
    }
  };

  // A POST whose response is lost (reset, timeout, 502/503/504, an unusable answer) may have created
  // the user. Repeating it blindly would either create a duplicate on a lenient API or turn our own
  // user into a 409 that looks like someone else's, so the user is looked up by userName first:
  // present and carrying this create's marker means our POST landed; absent means POST again.
  for (let attempt = 1; ; attempt++) {
    let response: { status: number; body: unknown };
    try {
      response = await op.client.call("POST", "/Users", definition, {
        idempotent: false,
        accept: [409],
        validate: userProblem,
        deadline: op.deadline,
      });
    } catch (err) {
      if (err instanceof RedirectError || !isLostResponse(err)) {
        if (lost === undefined) throw err;
        throw new Error(unknownOutcomeMessage(inputs.userName, marker, firstLine(err)));
      }
      lost = err;
      if (timeLeft(op) < ATTEMPT_RESERVE_MS)
        throw new Error(unknownOutcomeMessage(inputs.userName, marker, firstLine(err)));
      const found = await lookUp();
      if (found) return take(found);
      const wait = backoffMs(attempt, { baseDelayMs: op.settings.baseDelayMs, maxDelayMs: 60_000 });
      // Another POST only if it can still be answered within the budget.
      if (timeLeft(op) - wait < ATTEMPT_RESERVE_MS)
        throw new Error(unknownOutcomeMessage(inputs.userName, marker, firstLine(err)));
      await sleep(wait);
      continue;
    }
    if (response.status !== 409)
      return finish(op, response.body as GoToUser, inputs, account, "created");
    // After a lost response, a 409 may be our own earlier POST landing late: look before failing.
    if (!adopt && lost === undefined) throw new Error(conflictMessage(inputs.userName));
    const found = await lookUp();
    if (!found) {
      throw new Error(
        `GoTo says userName "${inputs.userName}" is in use (HTTP 409), but no user of this ` +
          "organisation has it, so it cannot be adopted: it belongs to another GoTo account. " +
          "Choose another userName, or remove the user from the other account first.",
      );
    }
    return take(found);
  }
}

// ---- the provider ------------------------------------------------------------------------------

/** Keys the resource class seeds as outputs; not inputs a program declares. */
const OUTPUT_ONLY = ["__provider", "userKey", "created", "declaredUserName", "adminUserKey"];

const implementation: pulumi.dynamic.ResourceProvider<
  GoToMeetingUserInputs,
  GoToMeetingUserOutputs
> = {
  async configure(req) {
    state.tokens = {};
    state.accountKey = undefined;
    try {
      state.settings = gotoSettingsFromConfig((key) => req.config.get(key));
      state.configError = undefined;
    } catch (err) {
      state.settings = undefined;
      state.configError = redact((err as Error).message);
    }
  },

  async check(_olds, news) {
    const candidate: Record<string, unknown> = { ...news };
    for (const key of OUTPUT_ONLY) delete candidate[key];
    const failures = userProblems(candidate, "").map((p) => ({
      property: p.property,
      reason: p.message,
    }));
    return { inputs: { ...news, adoptExisting: news.adoptExisting ?? false }, failures };
  },

  async diff(_id, olds, news) {
    const declared = Array.isArray(news.licenseKeys) ? news.licenseKeys : undefined;
    const licences = licenseChange(olds.licenseKeys, declared);
    if (licences && licences.removed.length > 0) {
      throw new Error(licenseRemovalRefusal(String(olds.userName), licences.removed));
    }
    const name = userNameChange(olds, news);
    const replaces = name === "replace" ? ["userName"] : [];
    const unknown = INPUT_KEYS.some((k) => k !== "userName" && containsUnknown(news[k]));
    // Omitting licenseKeys stops managing licences: the record is dropped (no call, nothing removed).
    const unmanaged = olds.licenseKeys !== undefined && news.licenseKeys === undefined;
    const changed =
      unknown ||
      unmanaged ||
      name === "drift" ||
      name === "record" ||
      (name !== "replace" && patchFor(olds, news) !== undefined) ||
      (licences?.added.length ?? 0) > 0;
    return { changes: replaces.length > 0 || changed, replaces };
  },

  create,

  async read(id, props) {
    const op = begin();
    const { status, body } = await op.client.call("GET", userPath(id), undefined, {
      accept: [404],
      validate: userProblem,
      deadline: op.deadline,
    });
    // Deleted outside Pulumi: no id, so refresh drops it from the state.
    if (status === 404) return {};
    const user = body as GoToUser;
    let licenseKeys = props?.licenseKeys;
    if (licenseKeys && licenseKeys.length > 0) {
      // A licence removed in GoTo's admin center is forgotten, where GoTo lists the user's licences.
      const acct = await accountKey(op);
      const live = (await findAdminUser(op, acct, user.userName))?.licenseKeys;
      if (live) licenseKeys = licenseKeys.filter((k) => live.includes(k));
    }
    const outs = toOutputs(user, {
      adoptExisting: props?.adoptExisting ?? false,
      // The declaration survives a refresh: it is what tells drift from a declared rename.
      declaredUserName: props?.declaredUserName ?? props?.userName ?? user.userName,
      licenseKeys,
      adminUserKey: props?.adminUserKey,
    });
    // The live values, so that refresh shows drift and the next diff (olds = these outputs) sees it.
    const inputs: GoToMeetingUserInputs = {
      userName: outs.userName,
      givenName: outs.givenName,
      familyName: outs.familyName,
      displayName: outs.displayName,
      locale: outs.locale,
      timezone: outs.timezone,
      adoptExisting: outs.adoptExisting,
      ...(licenseKeys !== undefined ? { licenseKeys } : {}),
    };
    // The SDK types read's inputs as Outputs; the engine stores them as the resource's inputs.
    return { id: outs.userKey, props: outs, inputs: inputs as GoToMeetingUserOutputs };
  },

  async update(id, olds, news) {
    const adoptExisting = news.adoptExisting ?? false;
    const licences = licenseChange(olds.licenseKeys, news.licenseKeys);
    if (licences && licences.removed.length > 0) {
      throw new Error(licenseRemovalRefusal(olds.userName, licences.removed));
    }
    if (userNameChange(olds, news) === "replace") {
      // diff replaces the user then; never PATCH one person into another.
      throw new Error(
        `GoToMeetingUser ${id}: userName "${olds.userName}" → "${news.userName}" is another person and needs a replacement, not an update; run pulumi up again.`,
      );
    }
    const added = licences?.added ?? [];
    const managed = news.licenseKeys !== undefined;
    const ctx: OutputContext = {
      adoptExisting,
      declaredUserName: news.userName,
      licenseKeys: managed ? (olds.licenseKeys ?? []) : undefined,
      adminUserKey: managed ? olds.adminUserKey : undefined,
    };
    const patch = patchFor(olds, news);
    let outs: GoToMeetingUserOutputs = { ...olds, adoptExisting, declaredUserName: news.userName };
    if (!managed) {
      delete outs.licenseKeys;
      delete outs.adminUserKey;
    }
    if (!patch && added.length === 0) return { outs };
    const op = begin();
    // Licence keys are checked against the account before anything is written.
    const account =
      added.length > 0 ? await accountLicences(op, news.licenseKeys!, news.userName) : undefined;
    if (patch) {
      const patched = await patchUser(op, id, patch, ctx, true);
      if (!patched) {
        throw new Error(
          `GoTo user ${id} ("${olds.userName}") no longer exists. Fix: pulumi refresh drops it from ` +
            "the state; pulumi up then creates it again.",
        );
      }
      outs = patched;
    }
    if (account) {
      try {
        outs.adminUserKey = await assignLicences(
          op,
          account,
          { ...news, userName: outs.userName },
          added,
        );
        outs.licenseKeys = unionKeys(olds.licenseKeys, added);
      } catch (err) {
        if (!patch) throw err;
        throw new GoToPartialError(
          `GoTo user "${news.userName}" (userKey ${id}) was updated, but assigning licences ${added.join(", ")} ` +
            `failed: ${firstLine(err)}\nRun pulumi up again to finish.`,
          id,
          outs,
        );
      }
    }
    return { outs };
  },

  async delete(id) {
    const op = begin();
    // 404: already gone (removed in the admin center, or a lost DELETE response retried).
    await op.client.call("DELETE", userPath(id), undefined, {
      accept: [404],
      deadline: op.deadline,
    });
  },
};

/** Every error it throws is scrubbed of every registered secret first (lib/redact.ts). */
export const goToMeetingUserProvider: pulumi.dynamic.ResourceProvider<
  GoToMeetingUserInputs,
  GoToMeetingUserOutputs
> = redactingProvider(implementation);
