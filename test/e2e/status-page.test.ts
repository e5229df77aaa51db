/**
 * The status page in a real headless Chromium (Debian's `chromium`, driven by playwright-core)
 * against the built CLI's listener and real registries: the page asks for the token once and
 * keeps it in sessionStorage only, shows every task, marks the failing one, and its Pause
 * button pauses (the API confirms). Nothing is loaded from anywhere but dregsy, and the CSP
 * lets the page's own script run. Screenshots (desktop and phone) go to test-results/; with
 * UPDATE_SCREENSHOTS=1 the desktop one also replaces docs/status-page.png (the README's).
 */
import assert from 'node:assert/strict';
import { copyFile, mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { chromium, type Browser } from 'playwright-core';
import { freePort, makeTempDir, pushTags, startRegistry, type TestRegistry } from '../support/index.js';
import { repoRoot, startDregsy, waitForOutput, waitUntil, writeConfig, type RunningDregsy } from './dregsy-cli.js';

const API_TOKEN = 'page-test-token-4242';
const CHROMIUM_FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];
const ARTIFACTS = join(repoRoot, 'test-results');

let source: TestRegistry;
let target: TestRegistry;
let dir: string;
let dregsy: RunningDregsy;
let base: string;
let browser: Browser;

async function apiTask(name: string): Promise<{ paused: boolean; state: string }> {
  const r = await fetch(`${base}/api/v1/tasks/${name}`, { headers: { authorization: `Bearer ${API_TOKEN}` } });
  return (await r.json()) as { paused: boolean; state: string };
}

before(async () => {
  dir = await makeTempDir('dregsy-e2e-status-page-');
  [source, target] = await Promise.all([startRegistry(), startRegistry()]);
  await pushTags(source, 'library/alpine', ['3.20', '3.21']);
  await pushTags(source, 'library/nginx', ['1.27', '1.28', 'stable']);
  const loc = (host: string) => `{ registry: ${host}, skip-tls-verify: true }`;
  const file = await writeConfig(
    dir,
    `listen: 127.0.0.1:0
relay: native
tasks:
  - name: mirror-alpine
    interval: 3600
    source: ${loc(source.host)}
    target: ${loc(target.host)}
    mappings: [{ from: library/alpine, to: mirror/alpine }]
  - name: mirror-nginx
    interval: 1800
    source: ${loc(source.host)}
    target: ${loc(target.host)}
    mappings: [{ from: library/nginx, to: mirror/nginx }]
  - name: upstream-gone
    interval: 600
    source: ${loc(`127.0.0.1:${await freePort()}`)}
    target: ${loc(target.host)}
    mappings: [{ from: team/app }]
  - name: nightly-full
    schedule: "0 3 * * *"
    run-on-start: false
    source: ${loc(source.host)}
    target: ${loc(target.host)}
    mappings: [{ from: library/alpine, to: nightly/alpine }]
`,
  );
  dregsy = startDregsy([`-config=${file}`], { env: { DREGSY_API_TOKEN: API_TOKEN }, timeoutMs: 300_000 });
  await waitForOutput(dregsy.stdout, /listening on (http:\/\/\S+)/, 30_000);
  base = /listening on (http:\/\/\S+)/.exec(dregsy.stdout())![1]!;
  await waitUntil(() => dregsy.count(/task run finished/) >= 3, 60_000, 'the start runs');
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: CHROMIUM_FLAGS });
  await mkdir(ARTIFACTS, { recursive: true });
});

after(async () => {
  await browser?.close();
  await dregsy?.stop();
  await Promise.all([source?.stop(), target?.stop()]);
  if (dir) await rm(dir, { recursive: true, force: true });
});

test('the page asks for the token once, shows every task, marks the failing one, and Pause pauses', async () => {
  const context = await browser.newContext({ viewport: { width: 1180, height: 560 }, deviceScaleFactor: 1 });
  const page = await context.newPage();
  const elsewhere: string[] = [];
  const problems: string[] = [];
  page.on('request', (r) => {
    if (!r.url().startsWith(base)) elsewhere.push(r.url());
  });
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(m.text());
  });
  page.on('pageerror', (e) => problems.push(e.message));
  try {
    await page.goto(`${base}/`);
    await page.locator('#login').waitFor({ state: 'visible' });
    assert.equal(await page.locator('tbody tr[data-task]').count(), 0, 'no task before the token');
    await page.locator('#token').fill(API_TOKEN);
    await page.locator('#login button[type=submit]').click();
    await page.locator('tr[data-task="nightly-full"]').waitFor();

    const names = await page.locator('tbody tr[data-task]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-task')));
    assert.deepEqual(names, ['mirror-alpine', 'mirror-nginx', 'upstream-gone', 'nightly-full']);
    const failing = page.locator('tr[data-task="upstream-gone"]');
    assert.match((await failing.getAttribute('class')) ?? '', /\bfailing\b/);
    assert.equal(await failing.locator('.badge.bad').innerText(), 'failed');
    assert.match(await failing.locator('.error').innerText(), /cannot reach 127\.0\.0\.1/);
    assert.match(await page.locator('.banner.bad').innerText(), /1 of 4 tasks failing/);
    assert.equal(await page.title(), 'dregsy: 1 failing');
    assert.doesNotMatch((await page.locator('tr[data-task="mirror-alpine"]').getAttribute('class')) ?? '', /failing/);
    assert.match(await page.locator('tr[data-task="mirror-nginx"] td[data-label="Copied / skipped / failed"]').innerText(), /3 \/ 0 \/ 0/);

    await page.locator('tr[data-task="mirror-nginx"] button[data-action="pause"]').click();
    await waitUntil(async () => (await apiTask('mirror-nginx')).paused, 10_000, 'the API to say paused');
    await page.locator('tr[data-task="mirror-nginx"] button[data-action="resume"]').waitFor();
    assert.match(await page.locator('#note').innerText(), /mirror-nginx: pause accepted/);

    // The token lives in this tab's sessionStorage only: a reload does not ask again.
    assert.equal(await page.evaluate("sessionStorage.getItem('dregsy-api-token')"), API_TOKEN);
    assert.equal(await page.evaluate('localStorage.length'), 0);
    await page.reload();
    await page.locator('tr[data-task="mirror-nginx"].paused').waitFor();
    assert.equal(await page.locator('#login').isHidden(), true);

    await page.screenshot({ path: join(ARTIFACTS, 'status-page.png'), fullPage: true });
    if (process.env.UPDATE_SCREENSHOTS === '1') await copyFile(join(ARTIFACTS, 'status-page.png'), join(repoRoot, 'docs', 'status-page.png'));
    assert.deepEqual(elsewhere, [], 'nothing loaded from elsewhere');
    assert.deepEqual(problems, [], 'no script or CSP error');
  } finally {
    await context.close();
  }
});

test('on a phone the table becomes cards, and a new tab asks for the token again', async () => {
  const context = await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true });
  const page = await context.newPage();
  try {
    await page.goto(`${base}/`);
    await page.locator('#login').waitFor({ state: 'visible', timeout: 10_000 }); // a new session asks for the token
    await page.locator('#token').fill('not-the-token');
    await page.locator('#login button[type=submit]').click();
    await waitUntil(async () => /refused/.test(await page.locator('#note').innerText()), 10_000, 'the refusal');
    await page.locator('#token').fill(API_TOKEN);
    await page.locator('#login button[type=submit]').click();
    await page.locator('tr[data-task="upstream-gone"]').waitFor();
    const width = Number(await page.evaluate('document.documentElement.scrollWidth'));
    assert.ok(width <= 390, `no sideways scrolling (${width}px)`);
    assert.equal(await page.locator('thead').isHidden(), true, 'cards, not columns');
    await page.locator('tr[data-task="mirror-nginx"] button[data-action="resume"]').tap();
    await waitUntil(async () => !(await apiTask('mirror-nginx')).paused, 10_000, 'the API to say resumed');
    await page.screenshot({ path: join(ARTIFACTS, 'status-page-phone.png'), fullPage: true });
  } finally {
    await context.close();
  }
});
