// Puts a built page's stylesheets inside the page. A `<link rel="stylesheet">` blocks the
// first paint until its file has arrived; a `<style>` element in the HTML does not wait for
// anything, and the page's Content-Security-Policy allows exactly those elements by the
// SHA-256 hashes of their text, so no other inline style can run.
// Usage: node scripts/inline-styles.mjs [DIR] (rewrites DIR/index.html; DIR defaults to
// $TRUNK_STAGING_DIR, as Trunk's post-build hook in Trunk.toml runs it). scripts/build.sh runs
// it on the built copy, so www/*.css stay the files to edit.
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const STYLESHEET = /<link rel="stylesheet" href="(www\/[\w.-]+\.css)">/g;
const STYLE_ELEMENT = /<style>([\s\S]*?)<\/style>/g;
const POLICY_META = /<meta http-equiv="Content-Security-Policy" content="([^"]*)">/g;

function fail(message) {
  throw new Error(`inline-styles: ${message}`);
}

/** Text that is about to sit inside a raw-text element (<script>, <style>) must not end it early. */
export function assertInlineable(text, element, what) {
  if (new RegExp(`</${element}|<!--`, 'i').test(text)) throw new Error(`${what} contains "</${element}" or "<!--" and cannot be inlined`);
}

/** A CSP source expression for `text`: what the browser hashes is the element's exact text. */
export const sha256Source = (text) => `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;

/** The hash sources of the page's `<style>` elements, in document order. */
export const styleHashes = (html) => [...html.matchAll(STYLE_ELEMENT)].map((m) => sha256Source(m[1]));

/** Each `<link rel="stylesheet" href="www/….css">` replaced by a `<style>` holding that file of `dir`. */
export function inlineStylesheets(html, dir) {
  return html.replace(STYLESHEET, (_, href) => {
    const css = readFileSync(join(dir, href), 'utf8');
    assertInlineable(css, 'style', href);
    return `<style>\n${css}</style>`;
  });
}

/**
 * The page's policy with its style-src-elem directive set to the hashes of its `<style>`
 * elements and nothing else: no 'self', as no stylesheet is fetched any more.
 */
export function pinStyles(html) {
  const metas = [...html.matchAll(POLICY_META)];
  if (metas.length !== 1) fail(`the page must have exactly one Content-Security-Policy meta (found ${metas.length})`);
  const hashes = styleHashes(html);
  if (hashes.length === 0) fail('the page has no <style> element to allow');
  const directives = metas[0][1].split(';').map((d) => d.trim()).filter(Boolean);
  const at = directives.findIndex((d) => d.split(/\s+/)[0] === 'style-src-elem');
  if (at < 0) fail(`the policy has no style-src-elem directive to pin (policy: ${metas[0][1]})`);
  directives[at] = `style-src-elem ${hashes.join(' ')}`;
  return html.replace(POLICY_META, () => `<meta http-equiv="Content-Security-Policy" content="${directives.join('; ')}">`);
}

/** Rewrites `dir`/index.html with its stylesheets inline and pinned; returns the hashes. */
export function inlinePageStyles(dir) {
  const file = join(dir, 'index.html');
  const before = readFileSync(file, 'utf8');
  const inlined = inlineStylesheets(before, dir);
  if (inlined === before) fail(`${file} links no www/*.css stylesheet (already inlined?)`);
  if (/<link rel="stylesheet"/.test(inlined)) fail(`${file} still links a stylesheet outside www/ after inlining`);
  writeFileSync(file, pinStyles(inlined));
  return styleHashes(inlined);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const dir = process.argv[2] ?? process.env.TRUNK_STAGING_DIR;
  if (!dir || process.argv.length > 3) {
    console.error('inline-styles: usage: node scripts/inline-styles.mjs DIR (or with TRUNK_STAGING_DIR set, as Trunk\'s hook runs it)');
    process.exit(2);
  }
  try {
    inlinePageStyles(dir);
  } catch (error) {
    console.error(error.message.startsWith('inline-styles:') ? error.message : `inline-styles: ${error.message}`);
    process.exit(1);
  }
}
