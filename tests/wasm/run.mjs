// Runs a MicroPython script on the WebAssembly port under Node (see host_tools/micropython/wasm.py).
// Usage: node run.mjs MANIFEST.json
// The manifest says what to copy into the port's in-memory filesystem (host paths are
// mirrored at the same absolute paths), which directories to copy back afterwards, the
// heap size, sys.path additions, the script and its argv. Exit status: the script's
// SystemExit code, 1 for an uncaught Python exception, 70 for a failure of this runner.
import fs from "node:fs";
import path from "node:path";
import { loadMicroPython } from "@micropython/micropython-webassembly-pyscript";

const RUNNER_FAILED = 70;

function collector(stream) {
  // The port hands over output byte by byte; write it out line by line.
  let pending = [];
  const flush = () => {
    if (pending.length) {
      stream.write(Buffer.from(pending));
      pending = [];
    }
  };
  const put = (bytes) => {
    for (const b of bytes) {
      pending.push(b);
      if (b === 10) flush();
    }
  };
  return { put, flush };
}

function makeTree(FS, dir) {
  let current = "";
  for (const part of dir.split("/").filter(Boolean)) {
    current += "/" + part;
    if (!FS.analyzePath(current).exists) FS.mkdir(current);
  }
}

function copyIn(FS, hostPath) {
  const stat = fs.statSync(hostPath);
  if (stat.isDirectory()) {
    makeTree(FS, hostPath);
    for (const name of fs.readdirSync(hostPath)) {
      if (name !== "__pycache__") copyIn(FS, path.join(hostPath, name));
    }
  } else {
    makeTree(FS, path.dirname(hostPath));
    FS.writeFile(hostPath, fs.readFileSync(hostPath));
  }
}

function copyOut(FS, dir) {
  if (!FS.analyzePath(dir).exists) return;
  fs.mkdirSync(dir, { recursive: true });
  for (const name of FS.readdir(dir)) {
    if (name === "." || name === "..") continue;
    const full = dir + "/" + name;
    if (FS.isDir(FS.stat(full).mode)) copyOut(FS, full);
    else fs.writeFileSync(full, FS.readFile(full));
  }
}

// Python run inside the port: argv and sys.path as asked, the script executed as
// __main__, and its exit status left in a global for the runner to read.
function bootstrap(manifest) {
  const q = (v) => JSON.stringify(v);
  return [
    "import sys",
    `sys.argv[:] = ${q([manifest.script, ...manifest.argv])}`,
    `sys.path[:0] = ${q(manifest.path)}`,
    "_ulite_exit = 0",
    "try:",
    `    with open(${q(manifest.script)}) as _f:`,
    `        _code = compile(_f.read(), ${q(manifest.script)}, "exec")`,
    '    exec(_code, {"__name__": "__main__"})',
    "except SystemExit as _e:",
    "    _ulite_exit = _e.args[0] if _e.args else 0",
    "    if _ulite_exit is None:",
    "        _ulite_exit = 0",
    "    elif not isinstance(_ulite_exit, int):",
    "        print(_ulite_exit, file=sys.stderr)",
    "        _ulite_exit = 1",
  ].join("\n");
}

async function main() {
  const manifest = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));
  const out = collector(process.stdout);
  const err = collector(process.stderr);
  const mp = await loadMicroPython({
    heapsize: manifest.heap,
    stdout: out.put,
    stderr: err.put,
    linebuffer: false,
  });
  for (const hostPath of manifest.copy_in) copyIn(mp.FS, hostPath);
  for (const dir of manifest.copy_out) makeTree(mp.FS, dir);
  let status = 0;
  try {
    mp.runPython(bootstrap(manifest));
    status = mp.globals.get("_ulite_exit");
  } catch (e) {
    out.flush();
    if (e.name !== "PythonError") throw e;
    err.put(Buffer.from(e.message));
    status = 1;
  }
  out.flush();
  err.flush();
  for (const dir of manifest.copy_out) copyOut(mp.FS, dir);
  return status;
}

main().then(
  (status) => process.exit(status),
  (e) => {
    process.stderr.write(`wasm runner failed: ${e && e.message ? e.message : e}\n`);
    process.exit(RUNNER_FAILED);
  },
);
