// Reads the stack's config from the Pulumi runtime and hands it to the pure validator. The only
// place that knows how Pulumi stores values: scalars as strings, structured values as JSON text.
import * as pulumi from "@pulumi/pulumi";
import {
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
  const prefix = `${PROJECT}:`;
  const all = pulumi.runtime.allConfig();
  const values: Record<string, unknown> = {};
  const secretKeys = new Set<string>();
  for (const [fullKey, text] of Object.entries(all)) {
    if (!fullKey.startsWith(prefix)) continue;
    const key = fullKey.slice(prefix.length);
    values[key] = STRUCTURED.has(key) ? parseStructured(text) : text;
    if (isConfigSecret(fullKey)) secretKeys.add(key);
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
  const settings = validateConfig(readRawConfig());
  const cfg = new pulumi.Config(PROJECT);
  return {
    settings,
    adminPassword: settings.hasAdminPassword ? cfg.requireSecret("adminPassword") : undefined,
  };
}

export { KNOWN_KEYS, SECRET_KEYS };
