'use strict'
// The dashboard in a real browser: headless Chromium (Debian's package) driven by playwright-core.
// Trees of calls are written by the library itself (the `dashboard_fixture` example: Call API +
// CallLogger), served by `patter dashboard --dir D --port 0`, and the page is used as a person
// would: open the printed URL, read the list, filter, page, open a call, read its waterfall,
// transcript and events. Screenshots go to $PATTER_SHOTS (target/dashboard/).
//
// Environment (set by `make test-browser`): PATTER_BIN (the patter binary), PATTER_FIXTURE (the
// fixture example), PATTER_SHOTS (screenshot directory), PATTER_CHROMIUM (default /usr/bin/chromium).

const { test, before, after } = require('node:test')
const assert = require('node:assert/strict')
const { spawn, execFileSync } = require('node:child_process')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const readline = require('node:readline')
const { chromium } = require('playwright-core')

const BIN = process.env.PATTER_BIN
const FIXTURE = process.env.PATTER_FIXTURE
const SHOTS = process.env.PATTER_SHOTS || path.join(os.tmpdir(), 'patter-dashboard-shots')
const CHROMIUM = process.env.PATTER_CHROMIUM || '/usr/bin/chromium'
const TREES = process.env.PATTER_TREES // where the 20,000-call tree is kept between runs
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage']

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'patter-dash-'))
const servers = []
let browser

/**
 * Writes a tree of `count` calls over `days` days with the fixture. With `cache` (a directory),
 * a tree written earlier by the same fixture binary is reused (the 20,000-call tree takes the
 * single call-log writer thread tens of seconds on a busy 2-core machine).
 */
function fixture (name, count, days, cache) {
  const root = path.join(cache || work, name)
  const st = fs.statSync(FIXTURE)
  const key = `${count} ${days} ${st.size} ${st.mtimeMs}`
  const stamp = path.join(root, '.fixture')
  if (cache && fs.existsSync(stamp)) {
    const [k, newest] = fs.readFileSync(stamp, 'utf8').split('\n')
    if (k === key) return { root, newest, ms: 0, cached: true }
  }
  fs.rmSync(root, { recursive: true, force: true })
  const t = Date.now()
  const newest = execFileSync(FIXTURE, [root, String(count), String(days)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim()
  if (cache) fs.writeFileSync(stamp, key + '\n' + newest)
  return { root, newest, ms: Date.now() - t, cached: false }
}

/** Starts `patter dashboard --dir root --port 0`; resolves the URL it prints. */
function serve (root) {
  const child = spawn(BIN, ['dashboard', '--dir', root, '--port', '0'], { stdio: ['ignore', 'pipe', 'inherit'] })
  servers.push(child)
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('patter dashboard printed no URL')), 60000)
    readline.createInterface({ input: child.stdout }).once('line', (line) => {
      clearTimeout(timer)
      resolve(line.trim())
    })
    child.once('exit', (code) => reject(new Error('patter dashboard exited with ' + code)))
  })
}

async function openPage (url) {
  const context = await browser.newContext({ viewport: { width: 1500, height: 1100 } })
  const page = await context.newPage()
  const problems = []
  page.on('console', (m) => { if (m.type() === 'error') problems.push(m.text()) })
  page.on('pageerror', (e) => problems.push(String(e)))
  page.on('request', (r) => {
    if (!r.url().startsWith(new URL(url).origin)) problems.push('request outside the origin: ' + r.url())
  })
  await page.goto(url)
  await page.waitForSelector('body[data-ready="1"]', { timeout: 30000 })
  return { context, page, problems }
}

const rows = (page) => page.locator('#calls tbody tr[data-id]')

before(async () => {
  assert.ok(BIN && FIXTURE, 'run through `make test-browser` (PATTER_BIN, PATTER_FIXTURE)')
  assert.ok(fs.existsSync(CHROMIUM), `${CHROMIUM} is missing: install the Debian package chromium (bash .ci/run does)`)
  fs.mkdirSync(SHOTS, { recursive: true })
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS, headless: true })
})

after(async () => {
  if (browser) await browser.close()
  for (const s of servers) s.kill('SIGINT')
  fs.rmSync(work, { recursive: true, force: true })
})

test('a small tree: list, filters, one call with waterfall, transcript and events', async () => {
  const t = Date.now()
  const tree = fixture('small', 40, 14)
  const url = await serve(tree.root)
  assert.match(url, /^http:\/\/127\.0\.0\.1:\d+\/\?token=[0-9a-f]{64}$/)
  const { context, page, problems } = await openPage(url)
  console.log(`# 40 calls written and served, page ready, in ${Date.now() - t} ms`)

  // The token went into an HttpOnly cookie and out of the address bar.
  assert.equal(new URL(page.url()).search, '', 'the token is stripped from the URL')
  assert.equal(await page.evaluate(() => document.cookie), '', 'the cookie is HttpOnly')
  const cookies = await context.cookies()
  assert.equal(cookies.length, 1)
  assert.equal(cookies[0].httpOnly, true)
  assert.equal(cookies[0].sameSite, 'Strict')

  // The call list: newest first, all 40 on the first page.
  assert.equal(await rows(page).count(), 40)
  assert.equal(await page.textContent('#pager-info'), '1–40 of 40')
  assert.equal(await rows(page).first().getAttribute('data-id'), tree.newest)
  assert.match(await page.textContent('#totals'), /^40 calls \(/)
  // Charts: bars for cost by category and provider, lines for TTFB.
  assert.ok(await page.locator('#chart-category rect.bar').count() > 5)
  assert.ok(await page.locator('#chart-provider rect.bar').count() > 5)
  assert.ok(await page.locator('#chart-ttfb polyline').count() >= 1)
  assert.match(await page.textContent('#legend-provider'), /openai \(llm\)/)

  // Filters: direction, outcome, id search.
  await page.selectOption('#f-direction', 'outbound')
  await page.waitForFunction(() => document.querySelector('#pager-info').textContent.endsWith('of 14'))
  for (const dir of await page.locator('#calls tbody tr td:nth-child(3)').allTextContents()) assert.equal(dir, 'out')
  await page.selectOption('#f-direction', '')
  await page.selectOption('#f-status', 'failed')
  await page.waitForFunction(() => !document.querySelector('#pager-info').textContent.endsWith('of 40'))
  for (const st of await page.locator('#calls tbody tr td:nth-child(4)').allTextContents()) assert.equal(st, 'failed')
  await page.selectOption('#f-status', '')
  await page.fill('#f-q', tree.newest.slice(0, 8).toLowerCase())
  await page.waitForFunction(() => document.querySelector('#pager-info').textContent === '1–1 of 1')
  await page.fill('#f-q', '')
  await page.waitForFunction(() => document.querySelector('#pager-info').textContent === '1–40 of 40')

  // Open one call: header, turn waterfall to scale, transcript, events.
  await rows(page).nth(2).click()
  await page.waitForSelector('#detail:not([hidden]) #waterfall svg')
  const id = await rows(page).nth(2).getAttribute('data-id')
  assert.equal(await page.textContent('#detail-title'), 'Call ' + id)
  assert.ok(page.url().endsWith('#call=' + encodeURIComponent(id)))
  const bars = page.locator('#waterfall rect.bar')
  assert.ok(await bars.count() >= 4, 'stages drawn')
  const stages = await bars.evaluateAll((rs) => rs.map((r) => [r.dataset.stage, Number(r.dataset.ms), r.getBBox().width]))
  for (const s of ['ttfb (heard)', 'endpoint', 'stt', 'llm ttft', 'tts first byte']) {
    assert.ok(stages.some(([n]) => n === s), `stage ${s} in ${JSON.stringify(stages)}`)
  }
  // To scale: width / ms is the same for every bar (bars narrower than a pixel are drawn 1 px).
  const ratios = stages.filter(([, ms, w]) => w > 2).map(([, ms, w]) => w / ms)
  for (const r of ratios) assert.ok(Math.abs(r - ratios[0]) / ratios[0] < 0.02, JSON.stringify(stages))
  assert.match(await page.textContent('#waterfall'), /turn 1: ttfb \d+ ms/)
  const transcript = await page.locator('#transcript li').allTextContents()
  assert.ok(transcript.length >= 2)
  assert.match(transcript[0], /user/)
  assert.match(transcript.join('\n'), /assistant/)
  assert.match(await page.textContent('#detail-meta'), /\*\*\*\d{4} → \*\*\*0100/, 'numbers as stored (masked)')
  assert.match(await page.textContent('#events'), /tool_call.*lookup_account/)

  await page.screenshot({ path: path.join(SHOTS, 'dashboard.png'), fullPage: true })
  assert.deepEqual(problems, [], 'no script error, CSP violation or foreign request')
  await context.close()
})

test('a 20,000-call tree stays responsive: server-side pages, search, one call', async () => {
  const tree = fixture('big-20000', 20000, 30, TREES)
  console.log(tree.cached ? `# 20,000-call tree reused from ${tree.root}` : `# 20,000 calls written through the Call API in ${tree.ms} ms`)
  const t0 = Date.now()
  const url = await serve(tree.root)
  const t1 = Date.now()
  const { context, page, problems } = await openPage(url)
  const t2 = Date.now()
  console.log(`# served after ${t1 - t0} ms (reading 20,000 metadata files); page ready in ${t2 - t1} ms`)
  assert.ok(t2 - t1 < 15000, `the page took ${t2 - t1} ms`)
  assert.equal(await rows(page).count(), 50, 'one page, not 20,000 rows')
  assert.equal(await page.textContent('#pager-info'), '1–50 of 20,000')
  assert.match(await page.textContent('#totals'), /^20,000 calls/)

  let t = Date.now()
  await page.click('#next')
  await page.waitForFunction(() => document.querySelector('#pager-info').textContent === '51–100 of 20,000')
  const pageMs = Date.now() - t
  console.log(`# next page in ${pageMs} ms`)
  assert.ok(pageMs < 3000, `a page took ${pageMs} ms`)

  t = Date.now()
  await page.fill('#f-q', 'CA019999')
  await page.waitForFunction(() => document.querySelector('#pager-info').textContent === '1–1 of 1')
  console.log(`# id search over 20,000 calls in ${Date.now() - t} ms`)
  await rows(page).first().click()
  await page.waitForSelector('#detail:not([hidden]) #waterfall rect.bar')
  assert.equal(await page.textContent('#detail-title'), 'Call ' + tree.newest)
  assert.ok(await page.locator('#transcript li').count() >= 2)
  await page.screenshot({ path: path.join(SHOTS, 'dashboard-20000.png'), fullPage: false })
  assert.deepEqual(problems, [])
  await context.close()
})

test('the page refuses a visit without the token', async () => {
  const tree = fixture('tiny', 3, 1)
  const url = await serve(tree.root)
  const context = await browser.newContext()
  const page = await context.newPage()
  const bare = url.replace(/\?token=.*$/, '')
  const r = await page.goto(bare)
  assert.equal(r.status(), 401)
  assert.doesNotMatch(await page.content(), /CA0000/)
  const wrong = await page.goto(bare + '?token=' + '0'.repeat(64))
  assert.equal(wrong.status(), 401)
  // Through "localhost" with the right token it works (the Host check allows both names).
  const local = await page.goto(url.replace('127.0.0.1', 'localhost'))
  assert.equal(local.status(), 200)
  await context.close()
})
