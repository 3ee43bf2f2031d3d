// Bytes of each serialized dynamic provider (the `__provider` text Pulumi stores with every resource),
// captured from index.ts run the way the language host runs it (test/engine/captureClient.ts), and
// the state size of 1,000 GoToMeetingUser resources built the way the engine stores them.
import * as fs from "node:fs";
import * as path from "node:path";
import { gzipSync } from "node:zlib";
import {
  goToMeetingUserProvider,
  type GoToMeetingUserInputs,
  type GoToMeetingUserOutputs,
} from "../providers/goToMeetingUser";
import {
  DYNAMIC_PREFIX,
  PROJECT,
  captureRegistrations,
  dynamicResources,
  type CaptureConfig,
  type Registration,
} from "../test/engine/captureClient";
import { GoToFake } from "../test/fakes/gotoFake";

const ROOT = path.resolve(__dirname, "..");
export const PROVIDER_LIMIT_BYTES = 8 * 1024;

export interface ProviderSize {
  type: string;
  /** The component file that declares the provider. */
  ownFile: string;
  bytes: number;
  /** True when the SDK marked `__provider` secret (the closure captured a secret). */
  secret: boolean;
  /** Bytes of the text by the source file its functions and values come from, largest first. */
  byFile: { file: string; bytes: number }[];
}

export interface StateSize {
  users: number;
  providerBytes: number;
  /** Copies of `__provider` per resource in the state (inputs and outputs). */
  providerCopiesPerResource: number;
  compactBytes: number;
  indentedBytes: number;
  gzipBytes: number;
  /** Bytes of the compact state that are `__provider` text. */
  providerShare: number;
  /** The same state with `__provider` left out: what the resources' own data weigh. */
  withoutProviderBytes: number;
}

export interface SizesResult {
  providers: ProviderSize[];
  state: StateSize;
}

const gotomeetingStack: CaptureConfig = {
  stack: "bench",
  config: {
    [`${PROJECT}:connector`]: "gotomeeting",
    [`${PROJECT}:adminUserName`]: "gotomeeting-admin@contoso.com",
    [`${PROJECT}:adminPassword`]: "bench-only-password",
    [`${PROJECT}:notificationEmail`]: "provisioning-alerts@contoso.com",
    [`${PROJECT}:assignments`]: JSON.stringify([{ group: "00000000-0000-4000-8000-000000000001" }]),
    [`${PROJECT}:attributeMappings`]: JSON.stringify([
      { target: "userName", source: "userPrincipalName", matchingPriority: 1 },
    ]),
    [`${PROJECT}:gotoUsers`]: JSON.stringify([
      { userName: "breakglass-admin@contoso.com", givenName: "Break", familyName: "Glass" },
    ]),
  },
  secretKeys: [`${PROJECT}:adminPassword`],
};

// GuardedSynchronizationSecret is declared only for connector goto.
const gotoStack: CaptureConfig = {
  stack: "bench",
  config: {
    [`${PROJECT}:connector`]: "goto",
    [`${PROJECT}:notificationEmail`]: "provisioning-alerts@contoso.com",
    [`${PROJECT}:assignments`]: JSON.stringify([{ group: "00000000-0000-4000-8000-000000000001" }]),
  },
  secretKeys: [],
};

interface DeclaredNames {
  /** Module-level declarations: name → files. */
  topLevel: Map<string, string[]>;
  /** Source text per file, for names declared inside functions (locals, parameters). */
  sources: Map<string, string>;
}

/** What each local source file declares, for attributing serialized functions. */
function declaredNames(): DeclaredNames {
  const topLevel = new Map<string, string[]>();
  const sources = new Map<string, string>();
  for (const dir of ["lib", "components"]) {
    for (const f of fs.readdirSync(path.join(ROOT, dir))) {
      if (!f.endsWith(".ts")) continue;
      const file = `${dir}/${f}`;
      const text = fs.readFileSync(path.join(ROOT, dir, f), "utf8");
      sources.set(file, text);
      const re = /^(?:export )?(?:async )?(?:function\*?|class|const|let|var) (\w+)/gm;
      for (const m of text.matchAll(re)) topLevel.set(m[1], [...(topLevel.get(m[1]) ?? []), file]);
    }
  }
  return { topLevel, sources };
}

/** Whether `text` declares `name` anywhere: a const/let/var/function/class, or a parameter. */
function declaresLocally(text: string, name: string): boolean {
  const n = name.replace(/[$]/g, "\\$");
  return new RegExp(
    `\\b(?:const|let|var|function\\*?|class) ${n}\\b|(?:^|[(,])\\s*${n}\\??\\s*[:,)=]`,
    "m",
  ).test(text);
}

/** The local files `file` imports values from, transitively, itself included (type imports excluded). */
function localImports(file: string, seen = new Set<string>()): Set<string> {
  if (seen.has(file)) return seen;
  seen.add(file);
  const text = fs.readFileSync(path.join(ROOT, file), "utf8");
  for (const m of text.matchAll(/^import (?!type )[^;]*? from "(\.{1,2}\/[^"]+)";/gms)) {
    const target = path.relative(ROOT, path.resolve(path.dirname(path.join(ROOT, file)), m[1]));
    const ts = fs.existsSync(path.join(ROOT, `${target}.ts`))
      ? `${target}.ts`
      : path.join(target, "index.ts");
    localImports(ts, seen);
  }
  return seen;
}

/**
 * Splits a serialized provider into its top-level statements and attributes each to a source file:
 * a function by its original name (`return function /*name*\/`, or the key it is stored under in
 * a captured module object, `var __http_1 = {send: __send, …}`), a provider method to the
 * provider's own file. What cannot be attributed is "(serializer glue)".
 */
export function attribute(
  text: string,
  ownFile: string,
  names = declaredNames(),
): { file: string; bytes: number }[] {
  const reachable = localImports(ownFile);
  const keyOf = new Map<string, string>();
  const moduleOf = new Map<string, string>();
  for (const m of text.matchAll(/^var (__\w+) = \{(.*)\};$/gm)) {
    const moduleVar = m[1].replace(/^__/, "");
    for (const pair of m[2].matchAll(/(\w+): (__\w+)/g)) {
      keyOf.set(pair[2], pair[1]);
      moduleOf.set(pair[2], moduleVar);
    }
  }
  const handler = /^exports\.handler = (__\w+);$/m.exec(text)?.[1];
  const fileFor = (fn: string, body: string): string => {
    // pulumi.dynamic.Resource's own `() => provider` wrapper.
    if (fn === handler) return "(SDK wrapper)";
    const key = keyOf.get(fn);
    // A method written in the provider object literal keeps its name as a comment.
    if (moduleOf.get(fn) === "provider" && key && body.includes(`/*${key}*/`)) return ownFile;
    const original =
      (moduleOf.get(fn) === "provider" ? undefined : key) ??
      /return (?:async )?function\*? \/\*(\w+)\*\//.exec(body)?.[1];
    const files = (names.topLevel.get(original ?? "") ?? []).filter((f) => reachable.has(f));
    if (files.includes(ownFile)) return ownFile;
    if (files.length > 0) return files[0];
    // An anonymous function: the file declaring most of the variables it captures, if only one does.
    const captured = [...(/with\(\{ (.*) \}\)/.exec(body)?.[1] ?? "").matchAll(/(\w+): /g)]
      .map((m) => m[1])
      .filter((n) => n !== "this" && n !== "arguments");
    const scores = [...reachable]
      .map((f) => ({
        f,
        n: captured.filter((c) => declaresLocally(names.sources.get(f) ?? "", c)).length,
      }))
      .filter((x) => x.n > 0)
      .sort((a, b) => b.n - a.n);
    if (scores.length > 0 && (scores.length === 1 || scores[0].n > scores[1].n)) return scores[0].f;
    return "(unattributed)";
  };
  const sizes = new Map<string, number>();
  const add = (file: string, s: string) =>
    sizes.set(file, (sizes.get(file) ?? 0) + Buffer.byteLength(s, "utf8"));
  const starts = [...text.matchAll(/^function (__\w+)\(/gm)];
  add("(header: captured values)", text.slice(0, starts[0]?.index ?? text.length));
  starts.forEach((m, i) => {
    const body = text.slice(m.index, starts[i + 1]?.index ?? text.length);
    add(fileFor(m[1], body), body);
  });
  return [...sizes].map(([file, bytes]) => ({ file, bytes })).sort((a, b) => b.bytes - a.bytes);
}

const OWN_FILE: Record<string, string> = {
  SynchronizationTemplate: "components/synchronizationTemplate.ts",
  TestConnection: "components/testConnection.ts",
  AttributeMappings: "components/attributeMappings.ts",
  ProvisioningStatus: "components/provisioningStatus.ts",
  GuardedSynchronizationSecret: "components/guardedSynchronizationSecret.ts",
  GoToMeetingUser: "components/goToMeetingUser.ts",
};

export async function benchProviderSizes(): Promise<{
  sizes: ProviderSize[];
  goToUser: Registration;
}> {
  const [a, b] = await Promise.all([
    captureRegistrations(gotomeetingStack),
    captureRegistrations(gotoStack),
  ]);
  const byType = new Map<string, Registration>();
  for (const regs of [a, b]) {
    for (const [type, list] of dynamicResources(regs))
      if (!byType.has(type)) byType.set(type, list[0]);
  }
  const missing = Object.keys(OWN_FILE).filter((t) => !byType.has(t));
  if (missing.length > 0) throw new Error(`bench: index.ts registered no ${missing.join(", ")}`);
  const names = declaredNames();
  const sizes = Object.keys(OWN_FILE).map((type) => {
    const r = byType.get(type)!;
    if (typeof r.provider !== "string") throw new Error(`bench: ${type} has no __provider text`);
    return {
      type,
      ownFile: OWN_FILE[type],
      bytes: Buffer.byteLength(r.provider, "utf8"),
      secret: r.providerSecret ?? false,
      byFile: attribute(r.provider, OWN_FILE[type], names),
    };
  });
  return { sizes, goToUser: byType.get("GoToMeetingUser")! };
}

/**
 * The checkpoint of a stack holding 1,000 GoToMeetingUser resources, as the engine writes it: per
 * resource its inputs (check's result, which keeps `__provider`) and its outputs (create's outs plus
 * `__provider`, which the dynamic provider host adds to every result), with the other fields of a
 * state resource. The outputs are real: each user is created by the provider against the GoTo fake.
 */
export async function benchStateSize(goToUser: Registration, users = 1000): Promise<StateSize> {
  const providerText = goToUser.provider!;
  const fake = await GoToFake.start();
  const outputs: GoToMeetingUserOutputs[] = [];
  const inputs: GoToMeetingUserInputs[] = [];
  try {
    const config: Record<string, string> = {
      gotoApiUrl: fake.url,
      gotoAccessToken: fake.token,
      // The fake is unlimited here; only the answers matter, not the pace.
      gotoRequestsPerSecond: "100000",
    };
    const provider = goToMeetingUserProvider as Required<typeof goToMeetingUserProvider>;
    await provider.configure({
      config: { get: (k) => config[k], require: (k) => config[k] },
    });
    for (let i = 0; i < users; i++) {
      const declared: GoToMeetingUserInputs = {
        userName: `user${String(i).padStart(4, "0")}@example.com`,
        givenName: "Bench",
        familyName: `User ${i}`,
      };
      const checked = await provider.check({} as GoToMeetingUserInputs, declared);
      if (!checked.inputs || checked.failures?.length) {
        throw new Error(`bench: check rejected ${declared.userName}`);
      }
      inputs.push(checked.inputs);
    }
    const created = await Promise.all(inputs.map((i) => provider.create(i)));
    for (const c of created) {
      if (!c.outs) throw new Error("bench: create returned no outputs");
      outputs.push(c.outs);
    }
  } finally {
    await fake.stop();
  }

  const stackUrn = `urn:pulumi:bench::${PROJECT}::pulumi:pulumi:Stack::${PROJECT}-bench`;
  const componentType = `${PROJECT}:index:GoToMeetingUsers`;
  const componentUrn = `urn:pulumi:bench::${PROJECT}::${componentType}::goto-users`;
  const providerRef = `urn:pulumi:bench::${PROJECT}::pulumi:providers:pulumi-nodejs::default::0d6bd0b6-8c8e-4b1a-9f3e-6c2f4a1b7e55`;
  const type = `${DYNAMIC_PREFIX}GoToMeetingUser`;
  const at = "2026-11-26T10:00:00.000000000Z";
  const build = (withProvider: boolean) => {
    const extra = withProvider ? { __provider: providerText } : {};
    const resources: unknown[] = [
      { urn: stackUrn, custom: false, type: "pulumi:pulumi:Stack", created: at, modified: at },
      {
        urn: providerRef.split("::").slice(0, -1).join("::"),
        custom: true,
        id: "0d6bd0b6-8c8e-4b1a-9f3e-6c2f4a1b7e55",
        type: "pulumi:providers:pulumi-nodejs",
        created: at,
        modified: at,
      },
      {
        urn: componentUrn,
        custom: false,
        type: componentType,
        parent: stackUrn,
        created: at,
        modified: at,
      },
      ...outputs.map((outs, i) => ({
        urn: `urn:pulumi:bench::${PROJECT}::${componentType}$${type}::goto-users-${inputs[i].userName.replace(/[^a-z0-9]+/g, "-")}`,
        custom: true,
        id: outs.userKey,
        type,
        inputs: { ...inputs[i], ...extra },
        outputs: { ...outs, ...extra },
        parent: componentUrn,
        provider: providerRef,
        propertyDependencies: Object.fromEntries(Object.keys(inputs[i]).map((k) => [k, null])),
        created: at,
        modified: at,
      })),
    ];
    return {
      version: 3,
      deployment: { manifest: { time: at, magic: "", version: "v3.x" }, resources },
    };
  };
  const state = build(true);
  const compact = JSON.stringify(state);
  const compactBytes = Buffer.byteLength(compact, "utf8");
  const providerBytes = Buffer.byteLength(providerText, "utf8");
  const copies = 2;
  return {
    users,
    providerBytes,
    providerCopiesPerResource: copies,
    compactBytes,
    indentedBytes: Buffer.byteLength(JSON.stringify(state, null, 4), "utf8"),
    gzipBytes: gzipSync(compact).length,
    providerShare:
      (users * copies * Buffer.byteLength(JSON.stringify(providerText))) / compactBytes,
    withoutProviderBytes: Buffer.byteLength(JSON.stringify(build(false)), "utf8"),
  };
}

export async function benchSizes(): Promise<SizesResult> {
  const { sizes, goToUser } = await benchProviderSizes();
  return { providers: sizes, state: await benchStateSize(goToUser) };
}

if (require.main === module) {
  benchSizes().then(
    (r) => console.log(JSON.stringify(r, null, 2)),
    (err: unknown) => {
      console.error(err);
      process.exitCode = 1;
    },
  );
}
