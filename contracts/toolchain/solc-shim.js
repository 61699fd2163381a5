#!/usr/bin/env node
// A `solc`-compatible command line over the npm `solc` (wasm) compiler.
//
// py-solc-x, forge and slither drive a native `solc`; none is published in the
// package registries this project installs from, so this script answers the
// subset of the native interface those tools use: --version, --help and
// --standard-json (input on stdin, imports resolved against --base-path and
// --include-path). Output is written with process.exitCode rather than
// process.exit(), which would cut stdout at 128 KB.
'use strict';

const fs = require('fs');
const path = require('path');

function findSolc() {
  const starts = [];
  if (process.env.NASHNET_NODE_MODULES) starts.push(path.dirname(process.env.NASHNET_NODE_MODULES));
  starts.push(__dirname, process.cwd());
  for (const start of starts) {
    let dir = path.resolve(start);
    for (;;) {
      const candidate = path.join(dir, 'node_modules', 'solc');
      if (fs.existsSync(path.join(candidate, 'package.json'))) return candidate;
      const parent = path.dirname(dir);
      if (parent === dir) break;
      dir = parent;
    }
  }
  process.stderr.write('solc shim: the npm package "solc" is not installed; run `npm ci` in the project root\n');
  process.exitCode = 2;
  return null;
}

function parseArgs(argv) {
  const opts = { basePath: null, includePaths: [], allowPaths: [], flags: new Set(), files: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const takeValue = () => {
      const eq = a.indexOf('=');
      if (eq >= 0) return a.slice(eq + 1);
      i += 1;
      return argv[i];
    };
    if (a.startsWith('--base-path')) opts.basePath = takeValue();
    else if (a.startsWith('--include-path')) opts.includePaths.push(takeValue());
    else if (a.startsWith('--allow-paths')) opts.allowPaths.push(...takeValue().split(','));
    else if (a.startsWith('--')) opts.flags.add(a.split('=')[0]);
    else opts.files.push(a);
  }
  return opts;
}

function readStdin() {
  const chunks = [];
  const buf = Buffer.alloc(1 << 16);
  for (;;) {
    let n = 0;
    try {
      n = fs.readSync(0, buf, 0, buf.length, null);
    } catch (err) {
      if (err.code === 'EAGAIN') continue;
      if (err.code === 'EOF') break;
      throw err;
    }
    if (n === 0) break;
    chunks.push(Buffer.from(buf.subarray(0, n)));
  }
  return Buffer.concat(chunks).toString('utf8');
}

function importResolver(opts) {
  const roots = [];
  if (opts.basePath) roots.push(path.resolve(opts.basePath));
  for (const p of opts.includePaths) roots.push(path.resolve(p));
  if (roots.length === 0) roots.push(process.cwd());
  return (importPath) => {
    const candidates = path.isAbsolute(importPath)
      ? [importPath]
      : roots.map((root) => path.join(root, importPath));
    for (const candidate of candidates) {
      if (fs.existsSync(candidate) && fs.statSync(candidate).isFile()) {
        return { contents: fs.readFileSync(candidate, 'utf8') };
      }
    }
    return { error: `File not found: ${importPath} (searched ${roots.join(', ')})` };
  };
}

function main() {
  const opts = parseArgs(process.argv.slice(2));
  const solcDir = findSolc();
  if (!solcDir) return;
  const solc = require(solcDir);
  const version = solc.version();

  if (opts.flags.has('--version')) {
    process.stdout.write(`solc, the solidity compiler commandline interface\nVersion: ${version}\n`);
    return;
  }
  if (opts.flags.has('--help')) {
    process.stdout.write(
      'solc, the solidity compiler commandline interface (npm wasm build behind a shim)\n' +
        `Version: ${version}\n\n` +
        'Usage: solc --standard-json [--base-path P] [--include-path P] < input.json\n\n' +
        '  --standard-json      Switch to Standard JSON input / output mode.\n' +
        '  --combined-json abi,bin,bin-runtime,metadata  (not supported: use --standard-json)\n' +
        '  --version            Print version and exit.\n'
    );
    return;
  }
  if (!opts.flags.has('--standard-json')) {
    process.stderr.write('solc shim: only --standard-json, --version and --help are supported\n');
    process.exitCode = 1;
    return;
  }
  const input = readStdin();
  const output = solc.compile(input, { import: importResolver(opts) });
  process.stdout.write(output);
}

main();
