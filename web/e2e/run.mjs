// End-to-end test of the web admin, run by web/e2e_test.go against serve
// and the emulator on loopback. playwright-core drives Debian's chromium;
// axe-core checks every page. Prints one JSON line of results on stdout;
// any failed expectation throws (exit code 1) with a message.
import { chromium } from 'playwright-core';
import { readFileSync, mkdtempSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const require = createRequire(import.meta.url);
const axeSource = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

const env = (k) => { const v = process.env[k]; if (!v) throw new Error(`${k} is not set`); return v; };
const BASE = env('WEB_BASE_URL');
const EMU = env('WEB_EMU_URL');
const EMU_KEY = env('WEB_EMU_KEY');
const SHOTS = env('WEB_SHOTS_DIR');
const ADMIN = [env('WEB_ADMIN_EMAIL'), env('WEB_ADMIN_PASSWORD')];
const USER = [env('WEB_USER_EMAIL'), env('WEB_USER_PASSWORD')];
mkdirSync(SHOTS, { recursive: true });

const results = { pages: [], axe: {}, screenshots: [] };
function expect(cond, msg) { if (!cond) throw new Error('expectation failed: ' + msg); }

const ctx = await chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), 'bs-chromium-')), {
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
    '--disable-sync', '--no-first-run'],
  viewport: { width: 1280, height: 860 },
});
ctx.setDefaultTimeout(15000);
await ctx.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: BASE });
const page = ctx.pages()[0] || await ctx.newPage();

// check screenshots the page (wide and narrow) and runs axe on it: no
// serious or critical violation, and no horizontal scrolling of the page
// at 375 px (wide tables scroll inside their own box).
async function check(name) {
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
  await page.evaluate(axeSource);
  const r = await page.evaluate(async () => await window.axe.run(document, { resultTypes: ['violations'] }));
  const bad = r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  results.axe[name] = r.violations.map((v) => `${v.impact} ${v.id}`);
  expect(bad.length === 0, `axe on ${name}: ${bad.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join('; ')})`).join(' | ')}`);
  await page.setViewportSize({ width: 375, height: 800 });
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  await page.screenshot({ path: join(SHOTS, `${name}-narrow.png`), fullPage: true });
  await page.setViewportSize({ width: 1280, height: 860 });
  expect(overflow <= 1, `${name} scrolls sideways at 375 px by ${overflow} px`);
  results.screenshots.push(`${name}.png`, `${name}-narrow.png`);
  results.pages.push(name);
}

// copyAndHear clicks a copy button and waits until its accessible name has
// said 'Copied'. The button says so for 2 s only (static/app.js), which a
// renderer starved by a loaded machine can let pass before a poll looks:
// a MutationObserver installed before the click records every name the
// button takes, so the test hears it however late it asks.
async function copyAndHear(button) {
  const b = await button.elementHandle();
  await b.evaluate((el) => {
    el.said = [];
    const name = () => el.getAttribute('aria-label') ?? el.textContent.trim();
    new MutationObserver(() => el.said.push(name())).observe(el,
      { attributes: true, attributeFilter: ['aria-label'], childList: true, characterData: true, subtree: true });
  });
  await button.click();
  await page.waitForFunction((el) => el.said.includes('Copied'), b);
}

async function signIn([email, pw], keyboard) {
  await page.goto(BASE + '/');
  expect(page.url().includes('/signin'), 'signed out, / should lead to the sign-in page, got ' + page.url());
  if (keyboard) {
    // Keyboard only: the e-mail field has focus; Tab to the password; Enter submits.
    // Chromium applies autofocus at a rendering update that can come after
    // the load event goto waits for, so wait until the field has it (and
    // fail if it never does) before typing.
    await page.waitForFunction(() => document.activeElement && document.activeElement.id === 'email');
    await page.keyboard.type(email);
    await page.keyboard.press('Tab');
    await page.keyboard.type(pw);
    await page.keyboard.press('Enter');
  } else {
    await page.getByLabel('E-mail').fill(email);
    await page.getByLabel('Password').fill(pw);
    await page.getByRole('button', { name: 'Sign in' }).click();
  }
  await page.getByRole('heading', { name: 'Overview' }).waitFor();
}

try {
// --- Sign-in: a wrong password first.
await page.goto(BASE + '/signin');
await check('signin');
await page.getByLabel('E-mail').fill(ADMIN[0]);
await page.getByLabel('Password').fill('not-the-password');
await page.getByRole('button', { name: 'Sign in' }).click();
await page.getByRole('alert').filter({ hasText: 'Wrong e-mail or password' }).waitFor();
await signIn(ADMIN, false);
await check('overview-admin');

// --- Connections: Create & Test with a wrong key, then the right one.
await page.getByRole('link', { name: 'Connections' }).click();
await page.getByRole('heading', { name: 'Connections', level: 1 }).waitFor();
await check('connections');
async function fillConnection(key) {
  await page.getByLabel('Connection name').fill('demo');
  await page.getByLabel('Space URL').fill(EMU);
  await page.getByLabel('API key', { exact: true }).check();
  await page.getByLabel('API key or access token').fill(key);
  await page.getByRole('button', { name: 'Create & Test' }).click();
}
await fillConnection('wrong-key-0000');
const err = page.getByRole('alert').filter({ hasText: 'Wrong API key' });
await err.waitFor();
expect((await err.textContent()).includes('nothing saved'), 'the wrong-key error says nothing was saved');
expect(await page.getByText('No connections yet.').isVisible(), 'no connection listed after a failed test');
expect(!(await page.content()).includes('wrong-key-0000'), 'the typed key is not rendered back');
await check('connections-wrong-key');
await fillConnection(EMU_KEY);
const ok = page.getByRole('status').filter({ hasText: 'Test passed, saved' });
await ok.waitFor();
const okText = await ok.textContent();
expect(okText.includes('Administrator') && okText.includes('read '), 'the test shows the role and the rate-limit budget: ' + okText);
expect(await page.getByRole('cell', { name: 'demo', exact: true }).isVisible(), 'the saved connection is listed');
expect(!(await page.content()).includes(EMU_KEY), 'the key is never shown back');
results.connectionTest = okText.replace(/\s+/g, ' ').trim();
await check('connections-saved');
await page.getByRole('link', { name: 'Edit connection demo' }).click();
await page.getByRole('button', { name: 'Save & Test' }).waitFor();
expect(!(await page.content()).includes(EMU_KEY), 'the edit page does not show the key');
await check('connection-edit');
// Advanced: rate limit, for an account shared with people: a labelled
// group; a bad share is refused with the field marked, a good one saved.
const rl = page.getByRole('group', { name: 'Advanced: rate limit' });
expect(await rl.getByLabel('Requests in flight at once').inputValue() === '', 'the default concurrency is blank');
await rl.getByLabel('Share of each rate-limit window').fill('half');
await page.getByRole('button', { name: 'Save & Test' }).click();
await page.getByRole('alert').filter({ hasText: 'is not a number' }).waitFor();
expect(await page.getByLabel('Share of each rate-limit window').getAttribute('aria-invalid') === 'true', 'the bad share is marked invalid');
await check('connection-rate-limit-error');
await page.getByLabel('Share of each rate-limit window').fill('90%');
await page.getByLabel('Pacing').selectOption('');
await page.getByRole('button', { name: 'Save & Test' }).click();
await page.getByRole('status').filter({ hasText: 'Connection demo tested and saved' }).waitFor();
expect(await page.getByRole('cell', { name: '90%, 4 at once, window' }).isVisible(), 'the list shows the rate limit');

// --- Workspaces: pick a replicated table, create, copy the URL, grant.
await page.getByRole('link', { name: 'Workspaces' }).click();
await page.getByLabel('Destination').selectOption('main');
await page.getByRole('button', { name: 'Show tables' }).click();
await page.getByLabel('Workspace name').fill('sales');
await page.getByLabel('Projects', { exact: true }).check();
await page.getByRole('button', { name: 'Create workspace' }).click();
await page.getByRole('status').filter({ hasText: 'Workspace sales created' }).waitFor();
const odataURL = (await page.locator('#url-sales').textContent()).trim();
expect(odataURL === BASE + '/odata/sales/', 'OData URL shown: ' + odataURL);
await page.getByLabel('Grant sales to').selectOption(USER[0]);
await page.getByRole('button', { name: 'Grant' }).click();
await page.getByRole('status').filter({ hasText: 'may now read workspace sales' }).waitFor();
await copyAndHear(page.getByRole('button', { name: 'Copy the OData URL of sales' }));
const clip = await page.evaluate(() => navigator.clipboard.readText());
expect(clip === odataURL, 'the clipboard holds the OData URL: ' + clip);
await check('workspaces');

// --- Runs, filtered; jobs' statement checker; users.
await page.getByRole('link', { name: 'Runs' }).click();
await page.getByLabel('Job').selectOption('nightly');
await page.getByLabel('Status').selectOption('ok');
await page.getByRole('button', { name: 'Filter' }).click();
expect(await page.getByText(/Projects: \+\d+/).first().isVisible(), 'runs show rows per table');
await check('runs');
await page.getByRole('link', { name: /^Run \d+ of nightly$/ }).first().click();
await page.getByRole('heading', { name: 'Tables' }).waitFor();
expect(await page.getByRole('cell', { name: 'Projects', exact: true }).isVisible(), 'the run page shows its tables');
expect(await page.getByRole('heading', { name: 'Log' }).isVisible(), 'the run page has a log section');
await check('run');

// --- Jobs: the config's job is read-only; a stored job on the demo
// connection: a statement error at its line and column (nothing saved),
// Check, Create, Run now with live progress, the finished run's page,
// edit, delete.
await page.getByRole('link', { name: 'Jobs' }).click();
await page.getByRole('heading', { name: 'Jobs', level: 1 }).waitFor();
expect(await page.getByText('config file (read-only)').isVisible(), 'the config job is marked read-only');
expect(await page.getByRole('button', { name: 'Run now: job nightly' }).isVisible(), 'the config job has Run now');
await check('jobs');
await page.getByLabel('Job name').fill('acme');
await page.getByLabel('Destination').selectOption('main');
await page.getByRole('group', { name: 'Connections' }).getByLabel('demo').check();
await page.getByLabel('Statements').fill('REPLICATE Projects;\nREPLICATE Issues WHERE;\n');
await page.getByLabel('Notify (e-mail addresses, one per line)').fill('ops@example.com');
await page.getByRole('button', { name: 'Create job' }).click();
const stmtErr = page.getByRole('alert').filter({ hasText: 'line 2, column 18' });
await stmtErr.waitFor();
expect((await stmtErr.textContent()).includes('Not saved'), 'the statement error says nothing was saved');
expect(await page.getByRole('link', { name: 'acme', exact: true }).count() === 0, 'no job acme listed after the error');
expect(await page.getByLabel('Statements').getAttribute('aria-invalid') === 'true', 'the statements are marked invalid');
await check('jobs-statement-error');
await page.getByLabel('Statements').fill('REPLICATE Projects;\nREPLICATE Users;\nREPLICATE Issues;\n');
await page.getByRole('button', { name: 'Check statements' }).click();
await page.getByRole('status').filter({ hasText: 'OK: 3 statement(s)' }).waitFor();
await page.getByRole('button', { name: 'Create job' }).click();
await page.getByRole('status').filter({ hasText: 'Created job acme' }).waitFor();
expect(await page.getByRole('link', { name: 'acme', exact: true }).isVisible(), 'job acme is listed');
await page.getByRole('button', { name: 'Run now: job acme' }).click();
await page.getByRole('heading', { name: 'Job acme', level: 1 }).waitFor();
// Live: the script redraws the row while the run is going.
await page.waitForFunction(() => {
  const box = document.getElementById('progress');
  const cells = document.querySelectorAll('#progress-rows tr:first-child td');
  return box && box.dataset.state === 'running' && cells.length === 8 && Number(cells[4].textContent) > 0;
}, null, { timeout: 30000 });
const live = await page.locator('#progress-rows tr').first().locator('td').allTextContents();
results.jobProgress = `${await page.locator('#progress-summary').textContent()} | ${live.join(' | ')}`;
expect(live[0] === 'demo' && /^\d+ of 3$/.test(live[1]), 'the progress row names the connection and the tables: ' + live);
await check('job-running');
const runLink = page.getByRole('link', { name: /^Run \d+ of acme$/ }).first();
await runLink.waitFor({ timeout: 60000 });
expect((await page.locator('#progress-summary').textContent()).includes('succeeded'), 'the run succeeded');
const done = await page.locator('#progress-rows tr').first().locator('td').allTextContents();
expect(done[1] === '3 of 3' && Number(done[3]) > 0 && Number(done[4]) > 0, 'the finished row has rows and requests: ' + done);
results.jobProgress += ' → ' + done.join(' | ');
await check('job-done');
await runLink.click();
await page.getByRole('heading', { name: 'Tables' }).waitFor();
const issuesRow = await page.getByRole('row').filter({ has: page.getByRole('cell', { name: 'Issues', exact: true }) }).locator('td').allTextContents();
results.jobRunIssues = Number(issuesRow[1]);
expect(results.jobRunIssues > 0, 'the run inserted issues: ' + issuesRow);
await check('job-run');
await page.getByRole('link', { name: 'Jobs' }).click();
await page.getByRole('link', { name: 'Edit job acme' }).click();
await page.getByRole('heading', { name: 'Edit job acme', level: 1 }).waitFor();
await page.getByLabel('Repeat').selectOption('hourly');
await page.getByLabel('Start (HH:MM)').fill('00:15');
await check('job-edit');
await page.getByRole('button', { name: 'Save job' }).click();
await page.getByRole('status').filter({ hasText: 'Saved job acme (hourly at minute 15)' }).waitFor();
await page.getByRole('button', { name: 'Delete job acme' }).click();
await page.getByRole('status').filter({ hasText: 'Deleted job acme' }).waitFor();
expect(await page.getByRole('link', { name: 'acme', exact: true }).count() === 0, 'job acme is gone');
await page.getByRole('link', { name: 'Users' }).click();
await page.getByLabel('E-mail').fill('bo@example.com');
await page.getByRole('button', { name: 'Add user' }).click();
await page.getByRole('status').filter({ hasText: 'Added bo@example.com' }).waitFor();
await check('users');
await page.getByRole('button', { name: 'Sign out' }).click();
await page.getByRole('button', { name: 'Sign in' }).waitFor();

// --- A user (keyboard only): their workspace, a token, OData with it, revoke.
await signIn(USER, true);
expect(await page.getByText(BASE + '/odata/sales/').isVisible(), "the user's overview lists the granted workspace");
await check('overview-user');
for (const p of ['/admin/users', '/admin/connections', '/admin/workspaces', '/admin/runs', '/admin/jobs']) {
  const resp = await page.goto(BASE + p);
  expect(resp.status() === 403, `${p} as a non-admin: ${resp.status()}, want 403`);
}
await check('forbidden');
await page.goto(BASE + '/tokens');
await page.getByLabel('Token name').fill('excel');
await page.getByRole('button', { name: 'Create token' }).click();
const token = await page.getByRole('textbox', { name: 'New token' }).inputValue();
expect(/^bsp_/.test(token), 'a token is shown: ' + token.slice(0, 4));
await copyAndHear(page.getByRole('button', { name: 'Copy token' }));
expect(await page.evaluate(() => navigator.clipboard.readText()) === token, 'the clipboard holds the token');
await check('tokens-new');
const auth = 'Basic ' + Buffer.from(`${USER[0]}:${token}`).toString('base64');
let r = await fetch(odataURL + 'Projects', { headers: { Authorization: auth } });
expect(r.status === 200, 'OData with the new token: ' + r.status);
results.rows = (await r.json()).value.length;
expect(results.rows > 0, 'OData returned rows');
await page.goto(BASE + '/tokens');
expect(!(await page.content()).includes(token), 'the token is shown only once');
await page.getByRole('button', { name: 'Revoke token excel' }).click();
await page.getByRole('status').filter({ hasText: 'revoked' }).waitFor();
await check('tokens-revoked');
r = await fetch(odataURL + 'Projects', { headers: { Authorization: auth } });
expect(r.status === 401, 'OData with the revoked token: ' + r.status);
results.afterRevoke = r.status;
results.token = token; // for the Go test's own check
} catch (e) {
  try { await page.screenshot({ path: join(SHOTS, 'FAILURE.png'), fullPage: true }); } catch {}
  console.error('at ' + page.url() + '\n' + (await page.locator('main').innerText().catch(() => '')));
  await ctx.close();
  throw e;
}
await ctx.close();
console.log(JSON.stringify(results));
