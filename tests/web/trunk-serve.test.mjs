// The README offers `trunk serve` to Trunk users; this checks that it really serves a working
// page: Trunk builds (debug profile) with the tools Trunk.toml pins, then Chromium loads it.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { after, before, test } from 'node:test';
import { ROOT, canvasPixels, launchBrowser, openPage } from './helpers.mjs';

const BUILD_WAIT_MS = 300000;

function freePort() {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

async function waitForPage(url, child) {
  const deadline = Date.now() + BUILD_WAIT_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`trunk serve exited with ${child.exitCode}`);
    try {
      const response = await fetch(url);
      if (response.ok && (await response.text()).includes('www/main.js')) return;
    } catch {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
  throw new Error(`trunk serve did not serve ${url} within ${BUILD_WAIT_MS / 1000} s`);
}

let browser;
let trunk;
let url;
let log = '';

before(async () => {
  const port = await freePort();
  url = `http://127.0.0.1:${port}/`;
  // The same environment the README asks Trunk users for: .dhara/env.sh and npm's wasm-opt.
  const command = `source .dhara/env.sh && export PATH="$PWD/node_modules/.bin:$PATH" && exec trunk serve --port ${port} --dist dist-trunk-serve`;
  trunk = spawn('bash', ['-c', command], { cwd: ROOT, detached: true, env: { ...process.env, TRUNK_SKIP_VERSION_CHECK: 'true' } });
  trunk.stdout.on('data', (chunk) => { log += chunk; });
  trunk.stderr.on('data', (chunk) => { log += chunk; });
  await waitForPage(url, trunk);
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  if (trunk?.exitCode === null) process.kill(-trunk.pid, 'SIGTERM');
});

test('trunk serve serves the page, which runs and draws', async () => {
  const { page, problems } = await openPage(browser, url);
  const flow = await canvasPixels(page, 'flow');
  assert.ok(flow.colours > 8, 'the flow canvas is drawn');
  const first = await page.evaluate(() => window.dhara.app.lab.snapshot().now_us);
  await page.waitForTimeout(500);
  assert.ok(await page.evaluate(() => window.dhara.app.lab.snapshot().now_us) > first, 'time advances');
  assert.deepEqual(problems, [], `no console errors (trunk log:\n${log.slice(-2000)})`);
  await page.close();
});
