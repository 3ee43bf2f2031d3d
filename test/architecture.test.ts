// The layout as a contract: imports point down only (config → model; components → providers →
// lib; nothing below imports what stands above it), the pure halves of the dynamic resources do no
// I/O, and every file the README's ARCHITECTURE section names exists. A refactoring that breaks one
// of these fails here, not in a reviewer's head.
import { readFileSync, readdirSync, statSync, existsSync } from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = path.resolve(__dirname, "..");

function sources(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(path.join(ROOT, dir))) {
    const rel = path.join(dir, entry);
    if (statSync(path.join(ROOT, rel)).isDirectory()) out.push(...sources(rel));
    else if (rel.endsWith(".ts") && !rel.endsWith(".d.ts")) out.push(rel);
  }
  return out.sort();
}

/** Project-relative targets of a file's relative imports and requires. */
function importsOf(file: string): string[] {
  const text = readFileSync(path.join(ROOT, file), "utf8");
  const specs = [
    ...text.matchAll(/(?:import|export)\s[^;]*?from\s+"(\.[^"]+)"/g),
    ...text.matchAll(/require\("(\.[^"]+)"\)/g),
  ].map((m) => m[1]);
  return specs.map((s) => path.normalize(path.join(path.dirname(file), s)));
}

/** The layer a project path belongs to. */
function layer(p: string): string {
  return p.split(path.sep)[0].replace(/\.ts$/, "");
}

// What each layer may import (besides itself). The stack program sits on top; model and lib at the
// bottom, and lib does not know the model.
const ALLOWED: Record<string, string[]> = {
  index: ["config", "components", "model"],
  config: ["model"],
  components: ["providers", "model", "lib"],
  providers: ["model", "lib"],
  model: [],
  lib: [],
};

describe("imports point down only", () => {
  const files = [
    "index.ts",
    ...Object.keys(ALLOWED)
      .filter((l) => l !== "index")
      .flatMap(sources),
  ];

  it.each(files)("%s", (file) => {
    const from = layer(file);
    const upward = importsOf(file).filter((target) => {
      const to = layer(target);
      return to !== from && !(ALLOWED[from] ?? []).includes(to);
    });
    expect(upward).toEqual([]);
  });

  it("has no import from config/ into components/ or providers/ (the arrow the old layout had)", () => {
    const offending = sources("config").flatMap((f) =>
      importsOf(f).filter((t) => ["components", "providers"].includes(layer(t))),
    );
    expect(offending).toEqual([]);
  });
});

describe("each dynamic resource keeps its pure logic apart from its I/O", () => {
  const folders = readdirSync(path.join(ROOT, "providers")).filter((d) =>
    statSync(path.join(ROOT, "providers", d)).isDirectory(),
  );

  it("has a provider, a resource class and a pure module in every folder", () => {
    for (const d of folders) {
      const files = readdirSync(path.join(ROOT, "providers", d)).sort();
      expect(files, d).toEqual(expect.arrayContaining(["index.ts", "provider.ts", "resource.ts"]));
      expect(
        files.filter((f) => !["index.ts", "provider.ts", "resource.ts"].includes(f)).length,
        d,
      ).toBe(1);
    }
  });

  it.each(folders)("providers/%s: the pure module and the model do no I/O", (d) => {
    const pure = readdirSync(path.join(ROOT, "providers", d))
      .filter((f) => !["index.ts", "provider.ts", "resource.ts"].includes(f))
      .map((f) => path.join("providers", d, f));
    for (const file of [...pure, ...sources("model")]) {
      const io = importsOf(file).filter((t) => /^lib[/\\](graph|goto|http|retry)$/.test(t));
      const text = readFileSync(path.join(ROOT, file), "utf8");
      expect(io, file).toEqual([]);
      expect(/\bfetch\(|node:http|\.call\(\s*"(GET|POST|PUT|PATCH|DELETE)"/.test(text), file).toBe(
        false,
      );
    }
  });
});

describe("no provider mixes its I/O with more than a screenful of pure logic", () => {
  const SCREENFUL = 50;
  const providerFiles = readdirSync(path.join(ROOT, "providers"))
    .filter((d) => statSync(path.join(ROOT, "providers", d)).isDirectory())
    .map((d) => path.join("providers", d, "provider.ts"));

  /** Lines of the file's top-level synchronous functions (declarations and arrow constants). */
  function syncFunctionLines(file: string): Record<string, number> {
    const lines = readFileSync(path.join(ROOT, file), "utf8").split("\n");
    const found: Record<string, number> = {};
    for (let i = 0; i < lines.length; i++) {
      const m =
        /^(?:export )?(?:function (\w+)|const (\w+) = (?:\([^)]*\)|\w+)(?::[^=]+)? =>)/.exec(
          lines[i],
        );
      if (!m) continue;
      // A declaration ends at its closing brace in column 0; an arrow constant at its first blank line.
      const end = m[1] ? "}" : "";
      let j = i + 1;
      while (j < lines.length && lines[j] !== end) j++;
      found[m[1] ?? m[2]] = j - i + 1;
      i = j;
    }
    return found;
  }

  it("counts what it should (a known file's helpers)", () => {
    expect(Object.keys(syncFunctionLines("providers/testConnection/provider.ts"))).toEqual([
      "isGraphLevelRefusal",
    ]);
  });

  it.each(providerFiles)("%s", (file) => {
    const found = syncFunctionLines(file);
    const total = Object.values(found).reduce((a, b) => a + b, 0);
    expect({ file, total, found }).toEqual({ file, total: Math.min(total, SCREENFUL), found });
  });
});

describe("the README's ARCHITECTURE section", () => {
  const readme = readFileSync(path.join(ROOT, "README.md"), "utf8");
  const start = readme.indexOf("## Architecture");
  const section = start < 0 ? "" : readme.slice(start, readme.indexOf("\n## ", start + 5));

  it("exists, with a Mermaid diagram of the layers", () => {
    expect(start).toBeGreaterThan(0);
    expect(section).toContain("```mermaid");
  });

  it("names only files and folders that exist", () => {
    const named = [
      ...section.matchAll(
        /`((?:index|config|components|providers|model|lib|scripts|policy|test|examples|bench|docs)(?:\/[\w./-]*)?(?:\.ts)?)`/g,
      ),
    ].map((m) => m[1]);
    expect(named.length).toBeGreaterThan(15);
    expect(named.filter((p) => !existsSync(path.join(ROOT, p.replace(/\/$/, ""))))).toEqual([]);
  });
});
