// Shared helpers for the end-to-end tests: paths, a static server, and headless Chromium.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before } from 'node:test';
import { chromium } from 'playwright-core';
import { serve } from '../../scripts/serve.mjs';
import { SPEEDS } from '../../www/url-state.js';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const DIST = join(ROOT, 'dist');
export const DIST_TRUNK = join(ROOT, 'dist-trunk');
export const NATIVE_CLI = join(ROOT, 'target', 'debug', 'dhara');
export const CHROMIUM = process.env.DHARA_CHROMIUM || '/usr/bin/chromium';

export function requireFile(path, hint) {
  if (!existsSync(path)) throw new Error(`${path} is missing: ${hint}`);
}

/** Serves `root` under `base` on a free loopback port. */
export async function serveSite(root, base = '/') {
  requireFile(join(root, 'index.html'), 'build the site first (npm test does)');
  const server = await serve({ root, port: 0, base });
  const { port } = server.address();
  return { url: `http://127.0.0.1:${port}${base}`, origin: `http://127.0.0.1:${port}`, close: () => server.close() };
}

export async function launchBrowser() {
  requireFile(CHROMIUM, 'install chromium (scripts/setup.sh test does)');
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/**
 * Opens `url` in a fresh page and records console errors, page errors and every request,
 * so tests can assert that nothing went wrong and nothing left the site.
 */
export async function openPage(browser, url, viewport = { width: 1280, height: 720 }) {
  const page = await browser.newPage({ viewport });
  const problems = [];
  const requests = [];
  page.on('console', (message) => {
    if (message.type() === 'error' || message.type() === 'warning') problems.push(`console.${message.type()}: ${message.text()}`);
  });
  page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));
  page.on('request', (request) => requests.push(request.url()));
  await page.goto(url);
  await page.waitForFunction(() => window.dhara?.app?.frames > 5, null, { timeout: 20000 });
  return { page, problems, requests };
}

/** A fingerprint of a canvas's pixels and how many distinct colours it holds. */
export function canvasPixels(page, id) {
  return page.evaluate((canvasId) => {
    const canvas = document.getElementById(canvasId);
    // Read a copy, so the page's own canvas is never read back (Chrome warns about that).
    const copy = document.createElement('canvas');
    copy.width = canvas.width;
    copy.height = canvas.height;
    const context = copy.getContext('2d', { willReadFrequently: true });
    context.drawImage(canvas, 0, 0);
    const { data } = context.getImageData(0, 0, copy.width, copy.height);
    let hash = 2166136261;
    const colours = new Set();
    for (let i = 0; i < data.length; i += 4) {
      const rgb = (data[i] << 16) | (data[i + 1] << 8) | data[i + 2];
      hash = Math.imul(hash ^ rgb, 16777619);
      if (colours.size < 1000) colours.add(rgb);
    }
    return { hash, colours: colours.size, width: canvas.width, height: canvas.height };
  }, id);
}

/** Sets the page's speed slider (a log scale over url-state.js's SPEEDS) to `speed`. */
export async function setSpeed(page, speed) {
  await page.$eval('#speed', (slider, { speeds, value }) => {
    slider.value = String(speeds.indexOf(value));
    slider.dispatchEvent(new Event('input', { bubbles: true }));
    slider.dispatchEvent(new Event('change', { bubbles: true }));
  }, { speeds: SPEEDS, value: speed });
}

/**
 * One Chromium and a server for `root` (dist/ by default), started before a test file's
 * tests and stopped after them: `ctx.browser` and `ctx.site` inside the tests.
 */
export function useBrowserAndSite(root = DIST) {
  const ctx = { browser: null, site: null };
  before(async () => {
    ctx.browser = await launchBrowser();
    ctx.site = await serveSite(root);
  });
  after(async () => {
    ctx.site?.close();
    await ctx.browser?.close();
  });
  return ctx;
}
