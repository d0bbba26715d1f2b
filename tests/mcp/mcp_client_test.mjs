// Drives `hurdle mcp` with the official MCP TypeScript SDK client, as an agent's client would:
// the tools listed, the Linux test guest started, `uname -r` through ssh_run, a snapshot taken
// and loaded, the console typed on and read, a screenshot, the example suite run with progress,
// the VM stopped; then what a client must never be able to do to the server (malformed
// JSON-RPC, unknown tools and methods, wrong argument types), over the raw stdio transport.
// Environment: HURDLE_PROGRAM, HURDLE_SOURCE_DIR, HURDLE_TEST_DIR (a folder of its own).
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { ErrorCode, McpError } from "@modelcontextprotocol/sdk/types.js";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import readline from "node:readline";

const hurdle = process.env.HURDLE_PROGRAM;
const source = process.env.HURDLE_SOURCE_DIR;
const testDir = process.env.HURDLE_TEST_DIR;
assert.ok(hurdle && source && testDir, "HURDLE_PROGRAM, HURDLE_SOURCE_DIR, HURDLE_TEST_DIR");
fs.rmSync(testDir, { recursive: true, force: true });
fs.mkdirSync(testDir, { recursive: true });
// Sockets live in the runtime folder: a short path of the test's own.
const runtime = fs.mkdtempSync("/tmp/hurdle-mcp-test-");
const env = {
  ...process.env,
  XDG_RUNTIME_DIR: runtime,
  HURDLE_CACHE_DIR: path.join(testDir, "cache"),
  HURDLE_PROFILE_PATH: path.join(source, "fixtures/machines"),
};

let checks = 0;
function check(condition, what) {
  assert.ok(condition, what);
  checks += 1;
}

async function sdkSession() {
  const transport = new StdioClientTransport({ command: hurdle, args: ["mcp"], env, stderr: "inherit" });
  const client = new Client({ name: "hurdle-test", version: "1.0.0" });
  await client.connect(transport);
  const version = client.getServerVersion();
  check(version.name === "hurdle", `server name: ${JSON.stringify(version)}`);
  check(client.getServerCapabilities().tools !== undefined, "tools capability");

  const { tools } = await client.listTools();
  const names = tools.map((t) => t.name).sort();
  assert.deepEqual(names, ["console_expect", "console_send", "run_suite", "screenshot",
    "snapshot_delete", "snapshot_list", "snapshot_restore", "snapshot_save", "ssh_run", "vm_list", "vm_start",
    "vm_status", "vm_stop"]);
  for (const t of tools) {
    check(t.inputSchema.type === "object" && t.description.length > 20, `${t.name}: schema`);
    check(t.outputSchema && t.outputSchema.type === "object", `${t.name}: output schema`);
  }

  const call = async (name, args, onprogress) => {
    const result = await client.callTool({ name, arguments: args }, undefined,
      { onprogress, timeout: 600000 });
    if (result.isError) throw new Error(`${name}: ${JSON.stringify(result.content)}`);
    return result;
  };

  // Wrong arguments: a tool error naming the argument; the server goes on.
  let bad = await client.callTool({ name: "ssh_run", arguments: { name: 42, command: "true" } });
  check(bad.isError && bad.content[0].text.includes("argument 'name': expected a string, got 42"),
    `wrong type: ${JSON.stringify(bad)}`);
  bad = await client.callTool({ name: "vm_start", arguments: { name: "x" } });
  check(bad.isError && bad.content[0].text.includes("argument 'profile' is required"),
    `missing argument: ${JSON.stringify(bad)}`);
  bad = await client.callTool({ name: "vm_status", arguments: { name: "mcp", colour: "red" } });
  check(bad.isError && bad.content[0].text.includes("argument 'colour' is not one this tool takes"),
    `unknown argument: ${JSON.stringify(bad)}`);
  bad = await client.callTool({ name: "vm_status", arguments: { name: "nosuch" } });
  check(bad.isError && bad.content[0].text.includes("no VM named nosuch is running"),
    `unknown VM: ${JSON.stringify(bad)}`);
  // An unknown tool is a protocol error (invalid params).
  await assert.rejects(client.callTool({ name: "no_such_tool", arguments: {} }), (e) =>
    e instanceof McpError && e.code === ErrorCode.InvalidParams && /Unknown tool/.test(e.message));
  checks += 1;

  const progress = [];
  const started = await call("vm_start", { name: "mcp", profile: "linux-mini", accel: "tcg" },
    (p) => progress.push(p));
  check(started.structuredContent.state === "running", "vm_start: running");
  check(started.structuredContent.ports.ssh > 0, "vm_start: the SSH port");
  check(progress.length >= 1, `vm_start: progress ${JSON.stringify(progress)}`);
  try {
    const list = await call("vm_list", {});
    check(list.structuredContent.running.some((r) => r.name === "mcp"), "vm_list");
    const status = await call("vm_status", { name: "mcp" });
    check(status.structuredContent.run_state === "running", "vm_status");

    const uname = await call("ssh_run", { name: "mcp", command: "uname -r" });
    check(uname.structuredContent.exit_status === 0, "uname: status");
    check(/^\d+\.\d+\.\d+-.*\n$/.test(uname.structuredContent.stdout),
      `uname -r: ${uname.structuredContent.stdout}`);
    const failing = await call("ssh_run", { name: "mcp", command: "echo no >&2; exit 4" });
    check(failing.structuredContent.exit_status === 4 && failing.structuredContent.stderr === "no\n",
      "a failing command's status and stderr");

    await call("snapshot_save", { name: "mcp", tag: "clean" });
    await call("ssh_run", { name: "mcp", command: "echo changed > /root/mark" });
    const loaded = await call("snapshot_restore", { name: "mcp", tag: "clean" });
    check(loaded.structuredContent.tag === "clean" && loaded.structuredContent.verified_by, "load");
    const gone = await call("ssh_run", { name: "mcp", command: "test -e /root/mark" });
    check(gone.structuredContent.exit_status === 1, "the snapshot's state came back");
    const tags = await call("snapshot_list", { name: "mcp" });
    assert.deepEqual(tags.structuredContent.tags, ["clean"]);
    const deleted = await call("snapshot_delete", { name: "mcp", tag: "clean" });
    check(deleted.structuredContent.deleted === true, "snapshot_delete");
    const none = await call("snapshot_list", { name: "mcp" });
    assert.deepEqual(none.structuredContent.tags, []);

    await call("console_send", { name: "mcp", text: "echo via-mcp-$((20+22))" });
    const seen = await call("console_expect", { name: "mcp", pattern: "via-mcp-(4)2", timeout_seconds: 30 });
    check(seen.structuredContent.text === "via-mcp-42", `console_expect: ${JSON.stringify(seen.structuredContent)}`);
    const missed = await client.callTool({ name: "console_expect",
      arguments: { name: "mcp", pattern: "never-printed", timeout_seconds: 1 } });
    check(missed.isError && missed.content[0].text.startsWith("TimeoutError"),
      `expect time-out: ${JSON.stringify(missed.content)}`);

    const shot = await call("screenshot", { name: "mcp" });
    const image = shot.content.find((c) => c.type === "image");
    check(image && image.mimeType === "image/png", "screenshot: an image");
    check(Buffer.from(image.data, "base64").subarray(0, 8).equals(
      Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])), "screenshot: PNG bytes");

    const runProgress = [];
    const run = await call("run_suite", {
      files: [path.join(source, "scenarios/examples/linux-mini.yaml")], accel: "tcg",
      report_dir: path.join(testDir, "reports"), history: path.join(testDir, "history.sqlite"),
    }, (p) => runProgress.push(p));
    const s = run.structuredContent;
    check(s.exit_status === 0 && s.totals.passed === 6 && s.scenarios.length === 6,
      `run_suite: ${JSON.stringify(s.totals)}`);
    // Recorded in the history it was given: each scenario is new to it.
    check(fs.existsSync(path.join(testDir, "history.sqlite")) &&
      s.scenarios.every((sc) => sc.history && sc.history.verdict === "new test"),
      `run_suite: the history's verdicts ${JSON.stringify(s.scenarios.map((sc) => sc.history))}`);
    check(fs.existsSync(s.junit) && fs.readFileSync(s.junit, "utf8").includes("<testsuite"),
      `run_suite: the JUnit file ${s.junit}`);
    const perScenario = runProgress.filter((p) => /^PASS /.test(p.message ?? ""));
    check(perScenario.length === 6 && runProgress.every((p) => p.total === 6),
      `run_suite: progress ${JSON.stringify(runProgress)}`);
    const badFile = path.join(testDir, "unknown-step.yaml");
    fs.writeFileSync(badFile, "suite: bad\nmachine: linux-mini\nscenarios:\n  - name: a\n" +
      "    steps:\n      - ssh.runn: true\n");
    const badSuite = await client.callTool({ name: "run_suite", arguments: { files: [badFile] } });
    check(badSuite.isError && /unknown-step\.yaml:6:9: unknown step 'ssh.runn'/.test(badSuite.content[0].text),
      `run_suite on a bad suite: ${JSON.stringify(badSuite.content)}`);
  } finally {
    const stopped = await client.callTool({ name: "vm_stop", arguments: { name: "mcp" } });
    check(!stopped.isError && stopped.structuredContent.stopped, `vm_stop: ${JSON.stringify(stopped)}`);
  }
  const after = await call("vm_list", {});
  check(after.structuredContent.running.length === 0, "no VM left");
  await client.close();
}

// The raw transport: every malformed line gets its JSON-RPC error, and the server answers on.
async function rawSession() {
  const server = spawn(hurdle, ["mcp"], { env, stdio: ["pipe", "pipe", "inherit"] });
  const lines = readline.createInterface({ input: server.stdout });
  const replies = [];
  let wake = null;
  lines.on("line", (line) => { replies.push(JSON.parse(line)); if (wake) wake(); });
  const next = async () => {
    while (replies.length === 0) await new Promise((r) => { wake = r; });
    return replies.shift();
  };
  const send = (text) => server.stdin.write(text + "\n");
  send("{not json");
  let r = await next();
  check(r.error?.code === -32700 && r.id === null, `parse error: ${JSON.stringify(r)}`);
  send(JSON.stringify({ jsonrpc: "2.0", id: 1 }));
  r = await next();
  check(r.error?.code === -32600 && r.id === 1, `no method: ${JSON.stringify(r)}`);
  send(JSON.stringify([{ jsonrpc: "2.0", id: 2, method: "ping" }]));
  r = await next();
  check(r.error?.code === -32600, `batch: ${JSON.stringify(r)}`);
  send(JSON.stringify({ jsonrpc: "1.0", id: 3, method: "ping" }));
  r = await next();
  check(r.error?.code === -32600 && r.id === 3, `wrong version: ${JSON.stringify(r)}`);
  send(JSON.stringify({ jsonrpc: "2.0", id: 4, method: "tools/call", params: "vm_list" }));
  r = await next();
  check(r.error?.code === -32602 && r.id === 4, `params not an object: ${JSON.stringify(r)}`);
  send(JSON.stringify({ jsonrpc: "2.0", id: 5, method: "resources/list" }));
  r = await next();
  check(r.error?.code === -32601 && r.id === 5, `unknown method: ${JSON.stringify(r)}`);
  send(JSON.stringify({ jsonrpc: "2.0", id: 6, method: "initialize",
    params: { protocolVersion: "1999-01-01", capabilities: {}, clientInfo: { name: "old", version: "0" } } }));
  r = await next();
  check(r.result?.protocolVersion === "2025-11-25", `version negotiation: ${JSON.stringify(r)}`);
  send("\u0000\u001b[31m" + "x".repeat(100000));
  r = await next();
  check(r.error?.code === -32700, "control bytes and a long line");
  send(JSON.stringify({ jsonrpc: "2.0", id: "last", method: "ping" }));
  r = await next();
  check(r.id === "last" && r.result !== undefined, `still answering: ${JSON.stringify(r)}`);
  server.stdin.end();
  const code = await new Promise((resolve) => server.on("exit", resolve));
  check(code === 0, `the server ends with its input: ${code}`);
}

let failed = false;
try {
  await sdkSession();
  await rawSession();
  console.log(`mcp_client_test: ${checks} checks passed`);
} catch (e) {
  console.error("mcp_client_test FAILED:", e);
  failed = true;
  await new Promise((resolve) =>
    spawn(hurdle, ["vm", "kill", "mcp"], { env, stdio: "inherit" }).on("exit", resolve));
} finally {
  fs.rmSync(runtime, { recursive: true, force: true });
}
// A failed session leaves the SDK's server running (its stdin open), which would hold the
// event loop, and the test, until CTest's time-out: end now, failed.
if (failed) process.exit(1);
