// `npm run reliability`: runs the fault matrix (test/faults/matrix.ts) against the local fakes and
// writes docs/reliability.md. test/faultMatrix.test.ts checks that the committed file still matches
// what the code does, so run this after changing a provider, a client or a fake, and commit the result.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { renderReliability, runMatrix } from "../test/faults/matrix";

async function main(): Promise<number> {
  const result = await runMatrix();
  const doc = renderReliability(result, {
    generatedAt: new Date().toISOString(),
    node: process.version,
  });
  const target = join(__dirname, "..", "docs", "reliability.md");
  writeFileSync(target, doc);

  const cells = result.rows.flatMap((r) => r.cells);
  const tally = (outcome: string) => cells.filter((c) => c.outcome === outcome).length;
  console.log(
    `${cells.length} cells: ${tally("recovered")} recovered, ${tally("clear error")} clear error, ` +
      `${tally("reported gone")} reported gone, ${tally("failed")} failed. Wrote ${target}`,
  );
  const silent = result.noIo.filter((n) => n.requests > 0);
  for (const row of result.rows) {
    for (const c of row.cells.filter((x) => x.outcome === "failed")) {
      console.error(
        `FAILED ${row.resource} ${row.operation} (${row.step}) × ${c.fault}: ${c.problem}`,
      );
    }
  }
  for (const n of silent) {
    console.error(`FAILED ${n.resource} ${n.operations.join("/")}: made ${n.requests} requests`);
  }
  return tally("failed") > 0 || silent.length > 0 ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err);
    process.exit(2);
  },
);
