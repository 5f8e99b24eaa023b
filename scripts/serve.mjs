// A tiny static file server for the built site: no dependencies, loopback only.
// Usage: node scripts/serve.mjs --root dist [--port 8080] [--base /some/sub/path/]
// With --base, the site is served under that prefix only (to prove relative URLs work).
import { createServer } from 'node:http';
import { readFile, stat } from 'node:fs/promises';
import { extname, join, normalize, resolve, sep } from 'node:path';

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.wasm': 'application/wasm',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.md': 'text/markdown; charset=utf-8',
};

export function parseArgs(argv) {
  const options = { root: 'dist', port: 8080, host: '127.0.0.1', base: '/' };
  for (let i = 0; i < argv.length; i += 2) {
    const [flag, value] = [argv[i], argv[i + 1]];
    if (value === undefined) throw new Error(`${flag} needs a value`);
    if (flag === '--root') options.root = value;
    else if (flag === '--port') {
      const port = Number(value);
      if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port must be 0 to 65535 (got "${value}")`);
      options.port = port;
    } else if (flag === '--base') {
      if (!value.startsWith('/') || !value.endsWith('/')) throw new Error(`--base must start and end with "/" (got "${value}")`);
      options.base = value;
    } else throw new Error(`unknown flag ${flag}; flags are --root, --port, --base`);
  }
  return options;
}

/**
 * A page's render-blocking stylesheets and its module script, as a `Link` header of preloads.
 * The browser reads the header with the response, before it has parsed the page, so those
 * requests leave a few tens of ms earlier: first paint waits for the stylesheets, the first
 * frame for the script. (The built page has its styles inside it, scripts/inline-styles.mjs,
 * so for it the header names the script alone.) The URLs stay relative (to the page, as in
 * its own tags), so a --base sub-path needs nothing more. The wasm is left out: fetched that
 * early, its 3 MB competed with first paint and the page got interactive no sooner
 * (BENCHMARKS.md).
 */
export function preloadLinks(html) {
  const links = [];
  for (const [, href] of html.matchAll(/<link rel="stylesheet" href="([^"<>]+)">/g)) links.push(`<${href}>; rel=preload; as=style`);
  for (const [, src] of html.matchAll(/<script type="module" src="([^"<>]+)"><\/script>/g)) links.push(`<${src}>; rel=modulepreload`);
  return links.join(', ');
}

/** Starts serving; resolves to the http.Server once it listens. */
export function serve({ root, port, host = '127.0.0.1', base = '/' }) {
  const rootDir = resolve(root);
  const server = createServer(async (request, response) => {
    const path = decodeURIComponent(new URL(request.url, 'http://x').pathname);
    if (!path.startsWith(base)) {
      response.writeHead(404).end('not found');
      return;
    }
    let file = normalize(join(rootDir, path.slice(base.length)));
    if (file !== rootDir && !file.startsWith(rootDir + sep)) {
      response.writeHead(403).end('forbidden');
      return;
    }
    try {
      if ((await stat(file)).isDirectory()) file = join(file, 'index.html');
      const body = await readFile(file);
      const headers = { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-store' };
      const links = extname(file) === '.html' ? preloadLinks(body.toString('utf8')) : '';
      if (links) headers.link = links;
      response.writeHead(200, headers);
      response.end(body);
    } catch {
      response.writeHead(404).end('not found');
    }
  });
  return new Promise((resolveListen, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolveListen(server));
  });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  let options;
  try {
    options = parseArgs(process.argv.slice(2));
  } catch (error) {
    console.error(`serve: ${error.message}`);
    process.exit(2);
  }
  serve(options).then((server) => {
    const { port } = server.address();
    console.log(`Dhara is running at http://${options.host}:${port}${options.base} (Ctrl+C stops it)`);
  }, (error) => {
    console.error(`serve: cannot listen on ${options.host}:${options.port}: ${error.message}`);
    process.exit(1);
  });
}
