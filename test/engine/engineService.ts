// What the Pulumi engine does around its plugins, reduced to what the engine-boundary tests need:
// the Engine gRPC service (the plugins' Log sink) and the engine's rules for property values on
// the wire — secrets as the signature envelope, unknowns as a sentinel, secrets stripped for a
// provider that does not accept them and re-annotated on what it returns. Shared by the capture
// child (test/engine/capture.ts) and the provider-host driver (test/engine/providerHost.ts).
import * as grpc from "@grpc/grpc-js";
import { Empty } from "google-protobuf/google/protobuf/empty_pb";
import { JavaScriptValue, Struct } from "google-protobuf/google/protobuf/struct_pb";
import * as engineRpc from "@pulumi/pulumi/proto/engine_grpc_pb";
import * as enginePb from "@pulumi/pulumi/proto/engine_pb";

/** Key and value that mark a secret envelope, as the SDKs and the engine serialize it. */
export const SIG_KEY = "4dabf18193072939515e22adb298388d";
export const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";
/** A value that is not known yet (preview). */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

export type Severity = "debug" | "info" | "warning" | "error";

export interface EngineLogEntry {
  severity: Severity;
  message: string;
  urn: string;
  ephemeral: boolean;
}

const SEVERITY: Record<number, Severity> = {
  [enginePb.LogSeverity.DEBUG]: "debug",
  [enginePb.LogSeverity.INFO]: "info",
  [enginePb.LogSeverity.WARNING]: "warning",
  [enginePb.LogSeverity.ERROR]: "error",
};

/** The Engine service a plugin or program reports to; everything it is told is kept in `logs`. */
export interface FakeEngine {
  readonly logs: EngineLogEntry[];
  /** The root (stack) resource the program registered, "" until then. */
  rootResource(): string;
}

/** Adds the Engine service to `server` (the caller binds and starts it). */
export function addEngineService(server: grpc.Server): FakeEngine {
  const logs: EngineLogEntry[] = [];
  let root = "";
  const impl: engineRpc.IEngineServer = {
    log(call, callback) {
      const r = call.request;
      logs.push({
        severity: SEVERITY[r.getSeverity()] ?? "info",
        message: r.getMessage(),
        urn: r.getUrn(),
        ephemeral: r.getEphemeral(),
      });
      callback(null, new Empty());
    },
    getRootResource(_call, callback) {
      callback(null, new enginePb.GetRootResourceResponse().setUrn(root));
    },
    setRootResource(call, callback) {
      root = call.request.getUrn();
      callback(null, new enginePb.SetRootResourceResponse());
    },
    startDebugging(_call, callback) {
      callback(null, new Empty());
    },
    requirePulumiVersion(_call, callback) {
      callback(null, new enginePb.RequirePulumiVersionResponse());
    },
  };
  server.addService(engineRpc.EngineService, impl);
  return { logs, rootResource: () => root };
}

/** Binds an insecure server on a free loopback port; returns "127.0.0.1:<port>". */
export function bindLoopback(server: grpc.Server): Promise<string> {
  return new Promise((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (err, port) =>
      err ? reject(err) : resolve(`127.0.0.1:${port}`),
    ),
  );
}

export function shutdown(server: grpc.Server): Promise<void> {
  return new Promise((resolve) => server.tryShutdown(() => resolve()));
}

// ---------------------------------------------------------------------------------------------
// Property values
// ---------------------------------------------------------------------------------------------

export type PropertyMap = Record<string, unknown>;

export function secret(value: unknown): PropertyMap {
  return { [SIG_KEY]: SECRET_SIG, value };
}

export function isSecret(value: unknown): value is { value: unknown } {
  return (
    typeof value === "object" &&
    value !== null &&
    !Array.isArray(value) &&
    (value as PropertyMap)[SIG_KEY] === SECRET_SIG
  );
}

export function containsSecrets(value: unknown): boolean {
  if (isSecret(value)) return true;
  if (Array.isArray(value)) return value.some(containsSecrets);
  if (value && typeof value === "object") return Object.values(value).some(containsSecrets);
  return false;
}

export function containsUnknowns(value: unknown): boolean {
  if (value === UNKNOWN) return true;
  if (Array.isArray(value)) return value.some(containsUnknowns);
  if (value && typeof value === "object") return Object.values(value).some(containsUnknowns);
  return false;
}

/** The plain value, every secret envelope removed (what a provider without acceptSecrets gets). */
export function stripSecrets(value: unknown): unknown {
  if (isSecret(value)) return stripSecrets(value.value);
  if (Array.isArray(value)) return value.map(stripSecrets);
  if (value && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, stripSecrets(v)]));
  }
  return value;
}

/**
 * The engine's annotateSecrets: a provider that cannot return secrets gets the secretness of its
 * inputs copied onto outputs of the same name (objects recursively, anything else as a whole).
 */
export function annotateSecrets(outs: PropertyMap, ins: PropertyMap): PropertyMap {
  const result: PropertyMap = { ...outs };
  for (const [key, inValue] of Object.entries(ins)) {
    if (!(key in result)) continue;
    const outValue = result[key];
    if (isPlainObject(outValue) && isPlainObject(inValue)) {
      result[key] = annotateSecrets(outValue, inValue);
    } else if (!isSecret(outValue) && containsSecrets(inValue)) {
      result[key] = secret(outValue);
    }
  }
  return result;
}

/** The engine's handling of additionalSecretOutputs: those outputs are stored as secrets. */
export function markSecret(outs: PropertyMap, keys: readonly string[]): PropertyMap {
  const result: PropertyMap = { ...outs };
  for (const key of keys) {
    if (key in result && !isSecret(result[key])) result[key] = secret(result[key]);
  }
  return result;
}

function isPlainObject(v: unknown): v is PropertyMap {
  return typeof v === "object" && v !== null && !Array.isArray(v) && !isSecret(v);
}

/** Properties as a protobuf Struct: undefined members are dropped, as the engine never sends them. */
export function toStruct(props: PropertyMap): Struct {
  return Struct.fromJavaScript(
    JSON.parse(JSON.stringify(props)) as Record<string, JavaScriptValue>,
  );
}

export function fromStruct(struct: Struct | undefined): PropertyMap {
  return (struct?.toJavaScript() ?? {}) as PropertyMap;
}

/**
 * Where a planted secret shows up outside a secret envelope, as "path: secret name" entries.
 * Strings are searched for substrings, so a token embedded in a URL or message counts too.
 */
export function plainOccurrences(
  value: unknown,
  secrets: Readonly<Record<string, string>>,
  path = "",
): string[] {
  if (isSecret(value)) return [];
  if (typeof value === "string") {
    return Object.entries(secrets)
      .filter(([, s]) => value.includes(s))
      .map(([name]) => `${path || "(value)"}: ${name}`);
  }
  if (Array.isArray(value)) {
    return value.flatMap((v, i) => plainOccurrences(v, secrets, `${path}[${i}]`));
  }
  if (value && typeof value === "object") {
    return Object.entries(value).flatMap(([k, v]) =>
      plainOccurrences(v, secrets, path ? `${path}.${k}` : k),
    );
  }
  return [];
}
