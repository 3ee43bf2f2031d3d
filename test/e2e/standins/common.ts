// What both stand-in provider plugins share: the engine's wire forms (secrets, unknowns), a small
// Graph REST client, input diffing and a stderr/file log. Runs inside a plugin process the Pulumi
// engine starts (see ../plugins.ts), never inside vitest.
import * as fs from "node:fs";

/** The engine's secret wrapper as a provider that accepts secrets receives it. */
export const SECRET_SIG = "4dabf18193072939515e22adb298388d";
export const SECRET_VALUE = "1b47061264138c4ac30d75fd1eb44270";
/** The engine's unknown value (preview), as a string. */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

export function isSecret(v: unknown): v is { value: unknown } {
  return (
    !!v && typeof v === "object" && (v as Record<string, unknown>)[SECRET_SIG] === SECRET_VALUE
  );
}

export function secret<T>(value: T): { [SECRET_SIG]: string; value: T } {
  return { [SECRET_SIG]: SECRET_VALUE, value };
}

/** Removes every secret wrapper (for API calls and comparisons). */
export function reveal(v: unknown): unknown {
  if (isSecret(v)) return reveal(v.value);
  if (Array.isArray(v)) return v.map(reveal);
  if (v && typeof v === "object") {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, reveal(x)]));
  }
  return v;
}

export function containsSecret(v: unknown): boolean {
  if (isSecret(v)) return true;
  if (Array.isArray(v)) return v.some(containsSecret);
  if (v && typeof v === "object") return Object.values(v).some(containsSecret);
  return false;
}

export function containsUnknown(v: unknown): boolean {
  if (v === UNKNOWN) return true;
  if (Array.isArray(v)) return v.some(containsUnknown);
  if (v && typeof v === "object") return Object.values(v).some(containsUnknown);
  return false;
}

/** Deep equality of JSON values, object keys in any order, undefined members ignored. */
export function same(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) || Array.isArray(b)) {
    return (
      Array.isArray(a) &&
      Array.isArray(b) &&
      a.length === b.length &&
      a.every((x, i) => same(x, b[i]))
    );
  }
  if (a && b && typeof a === "object" && typeof b === "object") {
    const ka = Object.keys(a).filter((k) => (a as Record<string, unknown>)[k] !== undefined);
    const kb = Object.keys(b).filter((k) => (b as Record<string, unknown>)[k] !== undefined);
    return (
      ka.length === kb.length &&
      ka.every((k) => same((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]))
    );
  }
  return false;
}

/** The declared inputs that differ (an unknown new value counts as a change). */
export function changedInputs(
  olds: Record<string, unknown>,
  news: Record<string, unknown>,
  keys: readonly string[],
): string[] {
  return keys.filter((k) => containsUnknown(news[k]) || !same(reveal(olds[k]), reveal(news[k])));
}

/** The engine's type token from a URN: urn:pulumi:stack::project::[parent$]type::name. */
export function typeOf(urn: string): string {
  const parts = urn.split("::");
  const types = parts[2] ?? "";
  return types.split("$").pop() ?? types;
}

export function nameOf(urn: string): string {
  return urn.split("::").slice(3).join("::");
}

/** Logs to stderr (shown by `pulumi --logtostderr -v=3`) and to E2E_STANDIN_LOG when set. Stdout
 *  is the engine's: the plugin prints its port there and nothing else. */
export function log(plugin: string, message: string): void {
  const line = `[${new Date().toISOString()}] ${plugin}[${process.pid}] ${message}\n`;
  process.stderr.write(line);
  const file = process.env.E2E_STANDIN_LOG;
  if (file) {
    try {
      fs.appendFileSync(file, line);
    } catch {
      // Logging must never break a provider call.
    }
  }
}

export class GraphCallError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = "GraphCallError";
  }
}

/** Microsoft Graph over HTTP, the way the azuread provider talks to it: bearer token, JSON, a short
 *  retry on 429/503 honouring Retry-After. The URL and token come from the plugin's environment. */
export class Graph {
  constructor(
    readonly baseUrl: string,
    private readonly token: string,
  ) {}

  static fromEnv(plugin: string): Graph {
    const url = process.env.E2E_GRAPH_URL;
    const token = process.env.E2E_GRAPH_TOKEN;
    if (!url || !token) {
      throw new Error(
        `${plugin} stand-in: E2E_GRAPH_URL and E2E_GRAPH_TOKEN must be set on the pulumi process ` +
          "(the real-engine test harness sets them; see tools/pulumi-cli/README.md)",
      );
    }
    return new Graph(url.replace(/\/+$/, ""), token);
  }

  async call<T = unknown>(
    method: string,
    path: string,
    body?: unknown,
    accept: number[] = [],
  ): Promise<{ status: number; body: T }> {
    const url = `${this.baseUrl}${path}`;
    for (let attempt = 0; ; attempt++) {
      const res = await fetch(url, {
        method,
        headers: {
          authorization: `Bearer ${this.token}`,
          accept: "application/json",
          ...(body !== undefined ? { "content-type": "application/json" } : {}),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(Number(process.env.E2E_GRAPH_TIMEOUT_MS ?? 10_000)),
      });
      const text = await res.text();
      let parsed: unknown = undefined;
      if (text) {
        try {
          parsed = JSON.parse(text);
        } catch {
          parsed = text;
        }
      }
      if ((res.status === 429 || res.status === 503) && attempt < 5) {
        const after = Number(res.headers.get("retry-after") ?? "0.1");
        await new Promise((r) =>
          setTimeout(r, Math.min(5, Number.isFinite(after) ? after : 0.1) * 1000),
        );
        continue;
      }
      if (res.ok || accept.includes(res.status)) return { status: res.status, body: parsed as T };
      const err = (parsed as { error?: { code?: string; message?: string } } | undefined)?.error;
      throw new GraphCallError(
        res.status,
        err?.code ?? "Unknown",
        `Microsoft Graph ${method} ${path} failed: HTTP ${res.status} ${err?.code ?? ""}: ${err?.message ?? String(parsed ?? "")}`,
      );
    }
  }
}

/** Graph's $filter string literal: single quotes doubled. */
export function odataString(s: string): string {
  return `'${s.replace(/'/g, "''")}'`;
}

export const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
