import { MCP_SUPERVISOR_PID_ENV } from '@systemprompt/config/core'

/**
 * Code put at the top of every MCP artifact (plain ES2020, CommonJS):
 *
 * - `import.meta.url` / `dirname` / `filename` of an ESM or TypeScript source work in the CJS bundle (they
 *   name the artifact; esbuild would leave them empty).
 * - Parent watch: when the supervisor set MCP_SUPERVISOR_PID_ENV to its pid, the server checks once a second
 *   that its parent is still that process (Linux: /proc/self/stat, which follows re-parenting; elsewhere:
 *   whether that pid still exists). When the supervisor died without stopping it (SIGKILL), the server sends
 *   itself SIGTERM (its own shutdown runs), and exits 5 s later if it is still there. Run by hand, without
 *   the variable, nothing is watched. The timer is unref'd: it never keeps a server alive.
 *
 * The `process.env` below is not this package reading the environment (the house rule: only config does):
 * it is text of the artifact, a program of its own that runs without our packages, where the environment is
 * the supervisor's only channel that leaves the server's own argv alone. Config owns the variable's name.
 */
export const ARTIFACT_BANNER = `var __systemprompt_import_meta_url = require("node:url").pathToFileURL(__filename).href;
(function () {
  var want = process.env[${JSON.stringify(MCP_SUPERVISOR_PID_ENV)}];
  if (!want || !/^[0-9]+$/.test(want)) return;
  var fs = require("node:fs");
  function parentIsSupervisor() {
    try {
      var stat = fs.readFileSync("/proc/self/stat", "utf8");
      return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1] === want;
    } catch (_) {
      try { process.kill(Number(want), 0); return true; } catch (error) { return error.code === "EPERM"; }
    }
  }
  var timer = setInterval(function () {
    if (parentIsSupervisor()) return;
    clearInterval(timer);
    setTimeout(function () { process.exit(1); }, 5000).unref();
    process.kill(process.pid, "SIGTERM");
  }, 1000);
  timer.unref();
})();`

/** esbuild `define`s that go with the banner. */
export const ARTIFACT_DEFINE: Record<string, string> = {
  'import.meta.url': '__systemprompt_import_meta_url',
  'import.meta.dirname': '__dirname',
  'import.meta.filename': '__filename',
}
