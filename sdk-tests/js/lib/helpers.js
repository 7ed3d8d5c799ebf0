// Shared helpers for the awsemu AWS SDK for JavaScript v3 tests (test/*.test.js).
//
// This file lives outside test/ on purpose: `node --test` runs every .js file
// under a test/ directory as a test file.
//
// Importing this module first makes the SDK configuration hermetic (see
// below); the test files then load the SDK clients with a dynamic `import()`
// so that the SDK sees that environment.
//
// Every test file starts its own awsemu server(s) (`awsemu serve --host
// 127.0.0.1 --port 0 [extra args]`); the first stdout line announces the URL.
//
// Environment:
//   AWSEMU_BIN  path of the awsemu binary (default: <repo>/target/debug/awsemu).
//               The tests never build it.

import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { randomInt } from "node:crypto";
import { accessSync, constants as fsConstants, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

// ---------------------------------------------------------------------------
// Hermetic SDK configuration: no AWS_* variables, profiles or shared config
// from the developer's machine may change what the clients do.
// ---------------------------------------------------------------------------
for (const key of Object.keys(process.env)) {
  if (key.startsWith("AWS_")) delete process.env[key];
}
{
  const dir = mkdtempSync(path.join(tmpdir(), "awsemu-js-"));
  const config = path.join(dir, "config");
  const credentials = path.join(dir, "credentials");
  writeFileSync(config, "");
  writeFileSync(credentials, "");
  process.env.AWS_CONFIG_FILE = config;
  process.env.AWS_SHARED_CREDENTIALS_FILE = credentials;
  process.env.AWS_EC2_METADATA_DISABLED = "true";
  // The pinned SDK runs fine on Node 20; only its notice about future releases is silenced.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = "true";
}

// ---------------------------------------------------------------------------
// Constants
// ---------------------------------------------------------------------------
const HERE = path.dirname(fileURLToPath(import.meta.url));
export const REPO_ROOT = path.resolve(HERE, "..", "..", "..");
const DEFAULT_BIN = path.join(REPO_ROOT, "target", "debug", "awsemu");
const LISTEN_RE = /^awsemu listening on (http:\/\/127\.0\.0\.1:(\d+))$/;
const STARTUP_TIMEOUT_MS = 15_000;
const STOP_TIMEOUT_MS = 5_000;
export const TEST_TIMEOUT_MS = 30_000;

export const ID17 = "[0-9a-f]{17}";
export const US_EAST_1 = "us-east-1";

/** `^<prefix>-<17 hex>$` */
export function idRe(prefix) {
  return new RegExp(`^${prefix.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}-${ID17}$`);
}

// ---------------------------------------------------------------------------
// Server process
// ---------------------------------------------------------------------------
function binaryPath() {
  const bin = process.env.AWSEMU_BIN ? path.resolve(process.env.AWSEMU_BIN) : DEFAULT_BIN;
  try {
    accessSync(bin, fsConstants.X_OK);
  } catch (err) {
    throw new Error(
      `awsemu binary not found or not executable at ${bin} (${err.code}). ` +
        "Build it first with `cargo build -p awsemu` in the repository root, " +
        "or point AWSEMU_BIN at an existing binary.",
    );
  }
  return bin;
}

/**
 * Starts `awsemu serve --host 127.0.0.1 --port 0 ...extraArgs` and resolves with
 * `{ child, endpoint, stderr }` once it listens (`stderr()` is the tail of its log).
 */
export function startServer(extraArgs = []) {
  const bin = binaryPath();
  const child = spawn(bin, ["serve", "--host", "127.0.0.1", "--port", "0", ...extraArgs], {
    stdio: ["ignore", "pipe", "pipe"],
    env: process.env,
  });
  // Keep the last part of stderr (logs) for error messages; always drain the pipe.
  let stderrTail = "";
  child.stderr.setEncoding("utf8");
  child.stderr.on("data", (chunk) => {
    stderrTail = (stderrTail + chunk).slice(-8_000);
  });
  const stderr = () => stderrTail;

  return new Promise((resolve, reject) => {
    let settled = false;
    const fail = (message) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      child.kill("SIGKILL");
      reject(new Error(`${message}\n--- awsemu stderr (tail) ---\n${stderr()}`));
    };
    const timer = setTimeout(
      () => fail(`awsemu did not announce its address within ${STARTUP_TIMEOUT_MS} ms`),
      STARTUP_TIMEOUT_MS,
    );
    child.once("error", (err) => fail(`could not start ${bin}: ${err.message}`));
    child.once("exit", (code, signal) =>
      fail(`awsemu exited before listening (code ${code}, signal ${signal})`),
    );

    const lines = createInterface({ input: child.stdout });
    let first = true;
    lines.on("line", (line) => {
      if (!first) return; // later stdout lines are drained and ignored
      first = false;
      const m = LISTEN_RE.exec(line);
      if (!m) {
        fail(`unexpected first stdout line from awsemu: ${JSON.stringify(line)}`);
        return;
      }
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve({ child, endpoint: m[1], stderr });
    });
  });
}

export function stopServer(child) {
  if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill("SIGKILL"), STOP_TIMEOUT_MS);
    child.once("exit", () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill("SIGTERM");
  });
}

// ---------------------------------------------------------------------------
// Control API (JSON under /_awsemu/)
// ---------------------------------------------------------------------------
/** GET /_awsemu/health; asserts it is running and returns the body. */
export async function health(endpoint) {
  const resp = await fetch(`${endpoint}/_awsemu/health`);
  assert.equal(resp.status, 200, "GET /_awsemu/health status");
  const body = await resp.json();
  assert.equal(body.status, "running", "health status field");
  return body;
}

/** POST /_awsemu/reset: back to an empty world. */
export async function resetWorld(endpoint) {
  const resp = await fetch(`${endpoint}/_awsemu/reset`, { method: "POST" });
  assert.equal(resp.status, 200, "POST /_awsemu/reset status");
  await resp.arrayBuffer();
}

/** POST /_awsemu/clock {"seconds": N}: advances the world clock and runs what fell due. */
export async function advanceClock(endpoint, seconds) {
  const resp = await fetch(`${endpoint}/_awsemu/clock`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ seconds }),
  });
  const text = await resp.text();
  assert.equal(resp.status, 200, `POST /_awsemu/clock: ${text}`);
}

// ---------------------------------------------------------------------------
// Accounts, clients, assertions
// ---------------------------------------------------------------------------
/** A random 12-digit account id (never 000000000000), distinct within this process. */
const usedAccounts = new Set();
export function newAccount() {
  for (;;) {
    const id = String(randomInt(100_000_000_000, 1_000_000_000_000));
    if (!usedAccounts.has(id)) {
      usedAccounts.add(id);
      return id;
    }
  }
}

/** SDK client configuration for `account` (the access key id selects it) against `endpoint`. */
export function clientConfig(endpoint, account, region = US_EAST_1) {
  return {
    endpoint,
    region,
    credentials: { accessKeyId: account, secretAccessKey: "x" },
    maxAttempts: 1,
  };
}

/** Keeps the clients a test file creates so that `destroyAll()` can close them. */
export class ClientPool {
  #clients = [];

  make(ClientClass, endpoint, account, region = US_EAST_1) {
    const c = new ClientClass(clientConfig(endpoint, account, region));
    this.#clients.push(c);
    return c;
  }

  destroyAll() {
    for (const c of this.#clients.splice(0)) c.destroy();
  }
}

/** Asserts that `promise` rejects with an SDK error named `name` and the given HTTP status. */
export async function expectError(promise, name, status = 400) {
  let caught;
  await assert.rejects(promise, (err) => {
    assert.equal(err.name, name, `error name (message: ${err.message})`);
    assert.equal(err.$metadata?.httpStatusCode, status, `HTTP status of ${name}`);
    caught = err;
    return true;
  });
  return caught;
}

export function tagValue(tags, key) {
  return (tags ?? []).find((t) => t.Key === key)?.Value;
}

/** Asserts `date` is a Date within `slackMs` of now. */
export function assertRecent(date, what = "timestamp", slackMs = 300_000) {
  assert.ok(date instanceof Date, `${what} is a Date (got ${date})`);
  assert.ok(!Number.isNaN(date.getTime()), `${what} is a valid Date`);
  assert.ok(Math.abs(Date.now() - date.getTime()) < slackMs, `${what} is recent: ${date.toISOString()}`);
}

/** IPv4 address as an unsigned 32-bit number. */
export function ipv4ToInt(ip) {
  const parts = ip.split(".").map(Number);
  assert.equal(parts.length, 4, `IPv4 address ${ip}`);
  for (const p of parts) assert.ok(Number.isInteger(p) && p >= 0 && p <= 255, `IPv4 address ${ip}`);
  return ((parts[0] << 24) | (parts[1] << 16) | (parts[2] << 8) | parts[3]) >>> 0;
}

/** Asserts `ip` is a host address of `cidr` (not one of the 4 first, nor the last, which AWS reserves). */
export function assertUsableIpInSubnet(ip, cidr) {
  const [base, bits] = cidr.split("/");
  const size = 2 ** (32 - Number(bits));
  const offset = ipv4ToInt(ip) - ipv4ToInt(base);
  assert.ok(offset >= 4 && offset < size - 1, `${ip} is a usable address of ${cidr}`);
}

/** Sleeps `ms` milliseconds. */
export function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
