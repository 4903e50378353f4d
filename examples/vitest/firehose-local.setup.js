// Vitest global setup: runs firehose-local for the test run.
//
// It starts the binary on a free port (--listen 127.0.0.1:0), reads the port
// from the first line it prints ("firehose-local listening on
// http://127.0.0.1:PORT"), gives the endpoint to the tests
// (inject("firehoseLocalEndpoint")), and stops the server when the run ends.
// The binary is $FIREHOSE_LOCAL_BIN, or firehose-local on PATH.
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";

export default async function setup({ provide }) {
  const binary = process.env.FIREHOSE_LOCAL_BIN || "firehose-local";
  const proc = spawn(binary, ["--listen", "127.0.0.1:0"], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  const endpoint = await new Promise((resolve, reject) => {
    proc.once("error", reject); // ENOENT: not found
    proc.once("exit", (code) => reject(new Error(`firehose-local exited (${code}) before listening`)));
    const lines = createInterface({ input: proc.stdout });
    lines.once("line", (line) => {
      const m = /listening on (http:\/\/\S+)/.exec(line);
      if (m) resolve(m[1]);
      else reject(new Error(`firehose-local did not start: first line ${JSON.stringify(line)}`));
    });
    // The rest of stdout is read (and dropped), so that a full pipe never blocks the server.
    lines.on("line", () => {});
  });
  provide("firehoseLocalEndpoint", endpoint);

  return async function teardown() {
    if (proc.exitCode !== null) return;
    const exited = new Promise((resolve) => proc.once("exit", resolve));
    proc.kill("SIGTERM");
    const timer = setTimeout(() => proc.kill("SIGKILL"), 10_000);
    await exited;
    clearTimeout(timer);
  };
}
