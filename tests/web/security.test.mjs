// The page's Content-Security-Policy is in force, in the built site and in the Trunk build:
// an injected inline script and an inline event handler are refused (and reported as
// violations), the policy allows no eval, and the page itself runs with no console error.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { DIST, DIST_TRUNK, launchBrowser, openPage, serveSite } from './helpers.mjs';

let browser;
before(async () => { browser = await launchBrowser(); });
after(async () => { await browser?.close(); });

for (const [name, root] of [['dist/', DIST], ['the Trunk build, dist-trunk/', DIST_TRUNK]]) {
  describe(`the Content-Security-Policy (${name})`, () => {
    let site;
    before(async () => { site = await serveSite(root); });
    after(() => site?.close());

    test('inline script and inline handlers are refused, eval is not allowed; the page runs clean', async () => {
      const opened = await openPage(browser, site.url);
      const { page, problems } = opened;
      assert.deepEqual(problems, [], 'the page itself breaks no rule');
      const result = await page.evaluate(async () => {
        const violations = [];
        document.addEventListener('securitypolicyviolation', (e) => violations.push(e.violatedDirective));
        const script = document.createElement('script');
        script.textContent = 'window.inlineRan = true;';
        document.body.append(script);
        const img = document.createElement('img');
        img.setAttribute('onerror', 'window.handlerRan = true');
        img.src = 'data:,not-an-image';
        document.body.append(img);
        await new Promise((resolve) => setTimeout(resolve, 300));
        return { inlineRan: window.inlineRan ?? false, handlerRan: window.handlerRan ?? false, violations };
      });
      assert.equal(result.inlineRan, false, 'an injected inline script does not run');
      assert.equal(result.handlerRan, false, 'an inline event handler does not run');
      assert.ok(result.violations.some((d) => d.startsWith('script-src')), `violations reported: ${result.violations}`);
      const policy = await page.getAttribute('meta[http-equiv="Content-Security-Policy"]', 'content');
      assert.match(policy, /script-src 'self' 'wasm-unsafe-eval';/);
      // eval cannot be tried from here (DevTools' evaluation is exempt); the policy lacks 'unsafe-eval'.
      assert.doesNotMatch(policy, /script-src[^;]*'unsafe-(inline|eval)'/);
      assert.ok(await page.evaluate(() => window.dhara.app.lab.now_ms() > 0), 'the wasm runs under it');
      await page.close();
    });
  });
}
