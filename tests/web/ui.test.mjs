// The web interface in a real browser: playwright-core drives Debian's chromium (headless)
// against a running demo (scripts/demo with MNP_DEMO_TEST_CLOCK=1, started by ui.sh). Three
// people, each in a browser context of their own: a subscriber, China Mobile's shop and the
// regulator. Run by ui.sh with MNP_URL, MNP_DEMO_DIR and MNP_SCREENSHOTS_DIR.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

const URL_ = process.env.MNP_URL;
const DIR = process.env.MNP_DEMO_DIR;
const SHOTS = process.env.MNP_SCREENSHOTS_DIR;
const key = (name) => readFileSync(join(DIR, 'keys', `${name}.key`), 'utf8').split('\n')[0].trim();
const ZHANG = { number: '13007300001', name: '张三', identity: '430102199001011238' };
const LI = { number: '13007300002', name: '李四', identity: '430102198503152343' };
const ZHAO = { number: '13307300001', name: '赵六', identity: '430102198808081232' }; // China Telecom's

let browser;
const state = {};

before(async () => {
  mkdirSync(SHOTS, { recursive: true });
  browser = await chromium.launch({
    executablePath: process.env.MNP_CHROMIUM || '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
});

after(async () => { await browser?.close(); });

async function person() {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'zh-CN' });
  const page = await context.newPage();
  page.errors = [];
  page.on('pageerror', (e) => page.errors.push(String(e)));
  // Script errors only: a refused request (a wrong key on purpose) is the page's to explain,
  // and the tests check what it says.
  page.on('console', (m) => {
    if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) page.errors.push(m.text());
  });
  return page;
}

async function api(method, path, k, body) {
  const res = await fetch(URL_ + path, {
    method, body: body === undefined ? undefined : JSON.stringify(body),
    headers: { ...(k ? { Authorization: `Bearer ${k}` } : {}), 'Content-Type': 'application/json' },
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

// Waits for a condition the system reaches by itself (a feed acknowledged, a report delivered),
// asking again every 100 ms, for at most `ms`.
async function until(what, fn, ms = 30000) {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const section = (page, heading) => page.locator('section', { has: page.getByRole('heading', { name: heading, exact: true }) });

// WCAG contrast ratio of an element's text against its background (walking up to an opaque one).
async function contrast(locator) {
  return locator.evaluate((el) => {
    const rgb = (s) => (s.match(/[\d.]+/g) || []).map(Number);
    const lum = ([r, g, b]) => {
      const f = (c) => { c /= 255; return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4; };
      return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
    };
    let bgEl = el, bg;
    for (;;) {
      const c = rgb(getComputedStyle(bgEl).backgroundColor);
      if (c.length === 3 || (c.length === 4 && c[3] === 1)) { bg = c.slice(0, 3); break; }
      if (!bgEl.parentElement) { bg = [255, 255, 255]; break; }
      bgEl = bgEl.parentElement;
    }
    const a = lum(rgb(getComputedStyle(el).color).slice(0, 3)), b = lum(bg);
    return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
  });
}

// The subscriber logs in with the SMS code (the demo shows the SMS on the page), keyboard only.
async function subscriberLogin(page, who, operator = '中国联通') {
  await page.goto(`${URL_}/ui/#/subscriber`);
  const number = page.getByLabel('手机号码');
  await assert.doesNotReject(number.waitFor());
  assert.equal(await number.evaluate((el) => el === document.activeElement), true, 'the number field has the focus');
  await page.keyboard.type(who.number);
  await page.keyboard.press('Enter');
  const sms = page.locator('.demo q.sms');
  await sms.waitFor();
  const code = (await sms.textContent()).match(/(\d{6})/)[1];
  assert.match(await page.locator('.sent').textContent(), /验证码已发送至 130\*\*\*\*000\d/);
  await page.getByLabel('短信验证码').fill(code);
  await page.keyboard.press('Enter');
  await page.getByText(new RegExp(`当前号码：130\\*{4}000\\d（${operator}）`)).waitFor();
}

test('mnpd serves the pages itself, with a strict content security policy', async () => {
  const root = await fetch(`${URL_}/`, { redirect: 'manual' });
  assert.equal(root.status, 302);
  assert.equal(root.headers.get('location'), '/ui/');
  const index = await fetch(`${URL_}/ui/`);
  assert.equal(index.status, 200);
  assert.match(index.headers.get('content-type'), /^text\/html; charset=utf-8/);
  assert.match(index.headers.get('content-security-policy'), /script-src 'self';/);
  assert.match(index.headers.get('content-security-policy'), /frame-ancestors 'none'/);
  assert.equal(index.headers.get('x-content-type-options'), 'nosniff');
  const js = await fetch(`${URL_}/ui/app.js`);
  assert.match(js.headers.get('content-type'), /^text\/javascript/);
  const etag = js.headers.get('etag');
  assert.match(etag, /^"[0-9a-f]{16}"$/);
  const again = await fetch(`${URL_}/ui/app.js`, { headers: { 'If-None-Match': etag } });
  assert.equal(again.status, 304);
  assert.deepEqual(await (await fetch(`${URL_}/ui/areas.json`)).json(),
    { areas: ['subscriber', 'operator', 'regulator'] });
  const missing = await fetch(`${URL_}/ui/nothing.js`);
  assert.equal(missing.status, 404);
  assert.equal((await missing.json()).code, 'not_found');
});

// The subscriber asks with name and identity number, by the button named `button`.
async function ask(page, who, button) {
  await page.getByLabel('机主姓名').fill(who.name);
  await page.getByLabel('身份证号码').fill(who.identity);
  await page.getByRole('button', { name: button }).click();
}

test('a subscriber sees every blocker at once, with amounts, dates and remedies', async () => {
  const page = await person();
  await subscriberLogin(page, LI);
  await ask(page, LI, '查询能否携号转网');
  const items = page.locator('ol.conditions > li');
  await items.first().waitFor();
  assert.deepEqual(await items.evaluateAll((els) => els.map((e) => e.dataset.code)), ['E01', 'E03', 'E04']);
  const text = await page.locator('ol.conditions').textContent();
  assert.match(text, /单位名下/);
  assert.match(text, /123\.45 元/);
  assert.match(text, /违约金 300\.00 元/);
  assert.match(text, /到期日 \d{4}-\d{2}-\d{2}/);
  assert.match(text, /办理方法：/);
  // The page shows the SMS answer too: the very words CXXZ by SMS gets.
  const sms = await api('POST', '/v1/sms/inbound', key('CUCC'),
    { from: LI.number, to: '10010', text: `CXXZ#${LI.name}#${LI.identity}` });
  assert.equal(sms.status, 200);
  assert.equal(await page.locator('details .sms').textContent(), sms.body.reply);
  await page.screenshot({ path: join(SHOTS, 'subscriber-eligibility.png'), fullPage: true });
  assert.deepEqual(page.errors, []);
  state.li = page;
});

test('a subscriber gets an authorization code on the web', async () => {
  const page = await person();
  await subscriberLogin(page, ZHANG);
  await ask(page, ZHANG, '获取携号转网授权码');
  const code = page.getByTestId('authcode');
  await code.waitFor();
  state.code = (await code.textContent()).trim();
  assert.match(state.code, /^\d{6}$/);
  assert.match(await page.locator('.result').textContent(), /有效期至 \d{4}\/\d{2}\/\d{2}/);
  await page.screenshot({ path: join(SHOTS, 'subscriber-code.png'), fullPage: true });
  state.subscriber = page; // 张三 comes back to follow the port
});

test('a wrong credential is refused with a clear message, and the console opens with the right one', async () => {
  const page = await person();
  await page.goto(`${URL_}/ui/#/operator`);
  await page.getByLabel('运营商 API 密钥').fill('not-a-key');
  await page.getByRole('button', { name: '登录' }).click();
  await page.getByRole('alert').filter({ hasText: '凭据无效或已失效，请重新输入。' }).waitFor();
  // The regulator's key is not an operator's.
  await page.getByLabel('运营商 API 密钥').fill(key('MIIT'));
  await page.getByRole('button', { name: '登录' }).click();
  await page.getByRole('alert').filter({ hasText: '这是监管部门的凭据' }).waitFor();
  await page.getByLabel('运营商 API 密钥').fill(key('CMCC'));
  await page.keyboard.press('Enter');
  await page.getByText('已登录：CMCC 中国移动').waitFor();
  state.operator = page;
});

test('the operator submits the port-in for a walk-in subscriber', async () => {
  const page = state.operator;
  const form = section(page, '营业厅受理携入');
  await form.getByLabel('号码', { exact: true }).fill(ZHANG.number);
  await form.getByLabel('机主姓名').fill(ZHANG.name);
  await form.getByLabel('身份证号码').fill(ZHANG.identity);
  await form.getByLabel('授权码').fill(state.code);
  await form.getByLabel('受理渠道').selectOption('store');
  await form.getByRole('button', { name: '提交' }).click();
  const done = form.getByRole('status');
  await done.waitFor();
  state.order = Number((await done.textContent()).match(/#(\d+)/)[1]);
  assert.ok(state.order > 0);
  const o = await api('GET', `/v1/orders/${state.order}`, key('CMCC'));
  assert.equal(o.status, 200);
  assert.equal(o.body.recipient, 'CMCC');
  assert.equal(o.body.donor, 'CUCC');
  assert.equal(o.body.channel, 'store');
});

test("the donor's staff object in the console, with the three permitted reasons only", async () => {
  // 赵六 gets a code from China Telecom (whose staff answer as the donor) and China Mobile
  // submits his port.
  const sms = await api('POST', '/v1/sms/inbound', key('CTCC'),
    { from: ZHAO.number, to: '10000', text: `SQXZ#${ZHAO.name}#${ZHAO.identity}` });
  const code = sms.body.reply.match(/(\d{6})/)[1];
  const port = await api('POST', '/v1/port-in', key('CMCC'),
    { number: ZHAO.number, name: ZHAO.name, identity: ZHAO.identity, code, channel: 'online' });
  assert.equal(port.status, 201);
  const page = await person();
  await page.goto(`${URL_}/ui/#/operator`);
  await page.getByLabel('运营商 API 密钥').fill(key('CTCC'));
  await page.keyboard.press('Enter');
  const orders = section(page, '携号转网申请');
  await orders.getByLabel('我方角色').selectOption('donor');
  await orders.getByLabel('状态').selectOption('PENDING_DONOR');
  await orders.getByRole('button', { name: '筛选' }).click();
  await orders.getByRole('link', { name: `#${port.body.order}` }).click();
  const form = page.locator('form', { has: page.getByRole('heading', { name: /提出异议/ }) });
  await form.waitFor();
  const reasons = await form.getByLabel('异议理由').locator('option').evaluateAll((os) => os.map((o) => o.value));
  assert.deepEqual(reasons, ['D01', 'D02', 'D03']);
  await form.getByLabel('异议理由').selectOption('D03');
  await form.getByRole('button', { name: '提交异议' }).click();
  await page.getByRole('alert').filter({ hasText: 'D03 异议必须填写书面说明。' }).waitFor();
  assert.equal((await api('GET', `/v1/orders/${port.body.order}`, key('CTCC'))).body.state, 'PENDING_DONOR');
  await form.getByLabel(/说明/).fill('申请人所持证件与登记照片不符，疑似冒用。');
  await page.screenshot({ path: join(SHOTS, 'operator-objection.png'), fullPage: true });
  await form.getByRole('button', { name: '提交异议' }).click();
  await page.getByRole('status').filter({ hasText: '答复已提交。' }).waitFor();
  await page.getByTestId('order-state').filter({ hasText: '已拒绝' }).waitFor();
  const o = (await api('GET', `/v1/orders/${port.body.order}`, key('CMCC'))).body;
  assert.equal(o.state, 'REJECTED');
  assert.equal(o.reason, 'D03');
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test('an agreement added after the query does not block, and is reported', async () => {
  // China Unicom's billing system adds a term agreement to 李四's number after his query.
  const add = await api('POST', '/v1/agreements', key('CUCC'), { agreements: [{
    number: LI.number, name: '新增合约（查询之后）', start: '2025-01-01', end: '2030-12-31', fee_fen: 50000, has_term: true }] });
  assert.equal(add.status, 201);
  const page = state.li;
  await page.getByRole('button', { name: '查询能否携号转网' }).click();
  await page.locator('ol.conditions').filter({ hasNotText: '新增合约' }).waitFor();
  assert.deepEqual(await page.locator('ol.conditions > li').evaluateAll((els) => els.map((e) => e.dataset.code)),
    ['E01', 'E03', 'E04']);
  assert.doesNotMatch(await page.locator('ol.conditions').textContent(), /新增合约/);
  await until('the late agreement reaches the regulator', async () =>
    (await api('GET', `/v1/stats?to=${Number.MAX_SAFE_INTEGER}`, key('MIIT'))).body.flags
      .some((f) => f.kind === 'late_agreement'));
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test('time is advanced to the cutover and the subscriber sees ACTIVE', async () => {
  await until('the order is scheduled', async () =>
    (await api('GET', `/v1/orders/${state.order}`, key('CMCC'))).body.state === 'SCHEDULED');
  const page = state.subscriber;
  await section(page, '我的携号转网进度').getByRole('button', { name: '刷新' }).click();
  await page.locator('article.order[data-state="SCHEDULED"]').waitFor();
  const r = await api('POST', '/v1/test/clock', null, { advance_ms: 3600000 });
  assert.equal(r.status, 200);
  await until('the order is ACTIVE', async () =>
    (await api('GET', `/v1/orders/${state.order}`, key('CMCC'))).body.state === 'ACTIVE');
  // An hour later the web session has ended: 张三 logs in again, now China Mobile's subscriber.
  await section(page, '我的携号转网进度').getByRole('button', { name: '刷新' }).click();
  await page.getByRole('alert').filter({ hasText: '登录已过期' }).waitFor();
  await subscriberLogin(page, ZHANG, '中国移动');
  const card = page.locator('article.order[data-state="ACTIVE"]');
  await card.waitFor();
  assert.match(await card.locator('[aria-current="step"]').textContent(), /已生效/);
  assert.equal(await card.locator('.stepper li.done').count(), 6);
  await page.screenshot({ path: join(SHOTS, 'subscriber-active.png'), fullPage: true });
  assert.deepEqual(page.errors, []);
});

test("the operator's console shows the number and the order's timeline", async () => {
  const page = state.operator;
  const search = section(page, '号码查询');
  await search.getByLabel('号码', { exact: true }).fill(ZHANG.number);
  await search.getByRole('button', { name: '查询' }).click();
  await page.getByTestId('serving').filter({ hasText: 'CMCC' }).waitFor();
  await page.goto(`${URL_}/ui/#/operator/order/${state.order}`);
  await page.getByTestId('order-state').filter({ hasText: '已生效' }).waitFor();
  const states = await page.locator('table[data-name="timeline"] tbody tr td:nth-child(5)').allTextContents();
  for (const s of ['等待携出方答复', '已同意', '已排定割接', '全网同步中', '已生效'])
    assert.ok(states.includes(s), `the timeline shows ${s}: ${states.join(', ')}`);
  assert.ok(states.indexOf('已排定割接') < states.indexOf('已生效'), 'in order');
  assert.match(await page.locator('table[data-name="timeline"]').textContent(), /割接时间/);
  await page.screenshot({ path: join(SHOTS, 'operator-timeline.png'), fullPage: true });
  assert.deepEqual(page.errors, []);
});

test("the regulator's dashboard counts the port and shows a flagged late agreement", async () => {
  // A period ends before its last instant ([from, to)); the test clock stands still unless told,
  // so it moves on a second for the dashboard's "until now" to hold what just happened.
  assert.equal((await api('POST', '/v1/test/clock', null, { advance_ms: 1000 })).status, 200);
  const page = await person();
  await page.goto(`${URL_}/ui/#/regulator`);
  await page.getByLabel('监管 API 密钥').fill(key('CMCC'));
  await page.keyboard.press('Enter');
  await page.getByRole('alert').filter({ hasText: '这不是监管部门的凭据。' }).waitFor();
  await page.getByLabel('监管 API 密钥').fill(key('MIIT'));
  await page.keyboard.press('Enter');
  const active = page.locator('[data-stat="active_count"] strong');
  await active.waitFor();
  assert.ok(Number(await active.textContent()) >= 1, 'a port reached ACTIVE');
  assert.ok(Number(await page.locator('[data-stat="requests"] strong').textContent()) >= 1);
  const cmcc = page.locator('table[data-name="stats"] tbody tr', { hasText: 'CMCC' });
  assert.ok(await cmcc.count() >= 1, 'a row for China Mobile');
  await page.locator('table[data-name="flags"] tbody tr', { hasText: 'D03 欺诈异议' }).waitFor();
  const flag = page.locator('table[data-name="flags"] tbody tr', { hasText: '查询后新增约定' });
  await flag.first().waitFor();
  assert.match(await flag.first().textContent(), /8613007300002|13007300002/);
  assert.equal(await page.locator('figure svg.chart').count(), 2);
  await page.screenshot({ path: join(SHOTS, 'regulator-dashboard.png'), fullPage: true });
  // Drill down by keyboard: the button takes the focus and Enter opens the audit records.
  await flag.first().getByRole('button', { name: '查看' }).focus();
  await page.keyboard.press('Enter');
  const drill = page.locator('section.drill table[data-name="timeline"] tbody tr');
  await drill.first().waitFor();
  assert.ok(await drill.count() >= 1, 'the audit records of the number');
  // The order's drill-down, with the audit hashes.
  const d = await page.evaluate(() => document.activeElement.textContent);
  assert.match(d, /审计记录/);
  // CSV export of the statistics table.
  const [download] = await Promise.all([page.waitForEvent('download'),
    section(page, '按运营商和本地网统计').getByRole('button', { name: '导出 CSV' }).click()]);
  const csv = readFileSync(await download.path(), 'utf8');
  assert.match(csv, /^\ufeff?operator,local_network,queries,/);
  assert.match(csv, /\r\nCMCC,/);
  state.regulator = page;
  assert.deepEqual(page.errors, []);
});

test('English on request, keyboard first, readable contrast, and no credential in local storage', async () => {
  const page = state.regulator;
  // The first Tab of a page reaches the skip link, and Enter on it moves the focus to the content.
  await page.reload();
  await page.locator('[data-stat="active_count"]').waitFor();
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement.className), 'skip');
  await page.keyboard.press('Enter');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'main');
  await page.getByRole('button', { name: 'Switch to English' }).click();
  await page.getByRole('heading', { name: 'Regulator dashboard', level: 1 }).waitFor();
  await page.locator('[data-stat="active_count"]').waitFor();
  await page.screenshot({ path: join(SHOTS, 'regulator-dashboard-en.png'), fullPage: true });
  for (const sel of ['h1', 'table[data-name="stats"] td', 'button.secondary', 'header.top a.brand', 'caption'])
    assert.ok(await contrast(page.locator(sel).first()) >= 4.5, `contrast of ${sel}`);
  for (const p of [page, state.operator, state.subscriber]) {
    assert.equal(await p.evaluate(() => localStorage.length), 0, 'nothing in local storage');
    assert.equal(await p.evaluate(() => document.cookie), '', 'no cookie');
  }
  assert.equal(await state.operator.evaluate(() => sessionStorage.getItem('mnp.key.operator')), key('CMCC'));
});
