// Reads the stack's config from the Pulumi runtime and hands it to the pure validator. The only
// place that knows how Pulumi stores values: scalars as strings, structured values as JSON text.
import * as pulumi from "@pulumi/pulumi";
import {
  ConfigError,
  KNOWN_KEYS,
  PROJECT,
  ProvisioningConfig,
  RawConfig,
  SECRET_KEYS,
  validateConfig,
} from "./schema";

/** Keys whose value may be a list or object (JSON in the runtime's config map). */
const STRUCTURED = new Set([
  "assignments",
  "notificationEmail",
  "attributeMappings",
  "gotoUsers",
  "monitoring",
]);

export function readRawConfig(): RawConfig {
  return rawConfigFromMap(pulumi.runtime.allConfig(), isConfigSecret);
}

/**
 * The same from a runtime config map ("project:key" → text), for tools that hold a stack's config
 * without a running engine (`npm run plan` validates with it before it evaluates the program).
 */
export function rawConfigFromMap(
  all: Record<string, string>,
  isSecret: (fullKey: string) => boolean,
): RawConfig {
  const prefix = `${PROJECT}:`;
  const values: Record<string, unknown> = {};
  const secretKeys = new Set<string>();
  for (const [fullKey, text] of Object.entries(all)) {
    if (!fullKey.startsWith(prefix)) continue;
    const key = fullKey.slice(prefix.length);
    values[key] = STRUCTURED.has(key) ? parseStructured(text) : text;
    if (isSecret(fullKey)) secretKeys.add(key);
  }
  return { values, secretKeys };
}

/**
 * Whether the engine passed this key as a secret. The SDK exports the function from its runtime but
 * marks it internal in the typings; without it, a plaintext password could not be told apart.
 */
function isConfigSecret(fullKey: string): boolean {
  const runtime = pulumi.runtime as unknown as { isConfigSecret?: (k: string) => boolean };
  if (typeof runtime.isConfigSecret !== "function") {
    throw new Error(
      "@pulumi/pulumi no longer exposes runtime.isConfigSecret; pin the tested SDK version",
    );
  }
  return runtime.isConfigSecret(fullKey);
}

function parseStructured(text: string): unknown {
  // A plain string (notificationEmail: ops@x.com) is stored as-is, a list as JSON.
  const t = text.trim();
  if (!t.startsWith("[") && !t.startsWith("{")) return text;
  try {
    return JSON.parse(t);
  } catch {
    return text;
  }
}

export interface LoadedConfig {
  settings: ProvisioningConfig;
  /** The admin password as a Pulumi secret; undefined when not configured. */
  adminPassword?: pulumi.Output<string>;
}

export function loadConfig(): LoadedConfig {
  let settings: ProvisioningConfig;
  try {
    settings = validateConfig(readRawConfig());
  } catch (err) {
    // RunError: the engine prints its message alone, without a Node stack trace and the problem
    // list a second time (seen with the real engine, test/realEngine.test.ts).
    if (err instanceof ConfigError) throw new pulumi.RunError(err.message);
    throw err;
  }
  const cfg = new pulumi.Config(PROJECT);
  return {
    settings,
    adminPassword: settings.hasAdminPassword ? cfg.requireSecret("adminPassword") : undefined,
  };
}

export { KNOWN_KEYS, SECRET_KEYS };
