'use strict'
// Shared helpers of the Node tests: the OTLP receiver process and OTLP-JSON span flattening.
// The tests `require('patter')`: `make test-node` copies them into a scratch project where the
// packed tarball is installed, so they exercise what a user would install.

const { spawn } = require('node:child_process')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const readline = require('node:readline')

// make test-node runs a copy of these tests beside the installed package and says where the repo is.
const ROOT = process.env.PATTER_REPO_ROOT || path.resolve(__dirname, '..', '..')
const PYTHON = process.env.PATTER_TEST_PYTHON || path.join(ROOT, '.venv', 'bin', 'python')

/** A fresh private temporary directory, removed when the process exits. */
function tmpDir(prefix = 'patter-node-') {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix))
  process.on('exit', () => fs.rmSync(dir, { recursive: true, force: true }))
  return dir
}

/**
 * Starts tests/receiver/otlp_receiver.py on 127.0.0.1 (decodes with the official
 * opentelemetry-proto package). Resolves `{ endpoint, out, requests(), spans(), waitForSpans(),
 * stop() }`.
 */
async function startReceiver(mode = 'ok') {
  const out = path.join(tmpDir('patter-rx-'), 'requests.jsonl')
  const proc = spawn(PYTHON, [path.join(ROOT, 'tests', 'receiver', 'otlp_receiver.py'), '--mode', mode, '--out', out], {
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  const port = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('receiver did not start in 30 s')), 30_000)
    proc.on('error', reject)
    proc.on('exit', (code) => reject(new Error(`receiver exited with ${code}`)))
    const rl = readline.createInterface({ input: proc.stdout })
    rl.on('line', (line) => {
      const m = /^LISTENING (\d+)/.exec(line)
      if (m) {
        clearTimeout(timer)
        resolve(Number(m[1]))
      }
    })
  })
  proc.removeAllListeners('exit')
  process.on('exit', () => proc.kill())
  const all = () =>
    fs.existsSync(out)
      ? fs.readFileSync(out, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l))
      : []
  const signal = (r) => (r.path === '/v1/metrics' ? 'metrics' : r.path === '/v1/logs' ? 'logs' : 'traces')
  const requests = () => all().filter((r) => signal(r) === 'traces')
  const spans = () => requests().flatMap((r) => flattenRequest(r.request, 'base64'))
  return {
    endpoint: `http://127.0.0.1:${port}`,
    out,
    requests,
    /** The /v1/metrics requests (ExportMetricsServiceRequest as JSON). */
    metricRequests: () => all().filter((r) => signal(r) === 'metrics'),
    /** The /v1/logs requests (ExportLogsServiceRequest as JSON). */
    logRequests: () => all().filter((r) => signal(r) === 'logs'),
    spans,
    async waitForSpans(n, timeoutMs = 15_000, where = () => true) {
      const deadline = Date.now() + timeoutMs
      for (;;) {
        const got = spans().filter(where)
        if (got.length >= n || Date.now() > deadline) return got
        await new Promise((r) => setTimeout(r, 25))
      }
    },
    stop() {
      proc.kill()
    },
  }
}

function idHex(v, encoding) {
  if (!v) return ''
  return encoding === 'base64' ? Buffer.from(v, 'base64').toString('hex') : String(v).toLowerCase()
}

function attrValue(v) {
  if (v === undefined || v === null) return null
  if ('stringValue' in v) return v.stringValue
  if ('intValue' in v) return Number(v.intValue)
  if ('doubleValue' in v) return Number(v.doubleValue)
  if ('boolValue' in v) return v.boolValue
  return v
}

function attrType(v) {
  if (!v) return 'none'
  if ('stringValue' in v) return 'string'
  if ('intValue' in v) return 'int'
  if ('doubleValue' in v) return 'double'
  if ('boolValue' in v) return 'bool'
  return 'other'
}

/**
 * Flattens an OTLP ExportTraceServiceRequest in JSON form to a list of spans
 * `{ name, traceId, spanId, parentSpanId, flags, traceState, attributes, types, resource, scope, status,
 * start, end }`.
 * `encoding` says how ids are written: 'base64' (protobuf MessageToDict) or 'hex' (OTLP-JSON).
 */
function flattenRequest(req, encoding) {
  const out = []
  for (const rs of req.resourceSpans || []) {
    const resource = Object.fromEntries((rs.resource?.attributes || []).map((kv) => [kv.key, attrValue(kv.value)]))
    for (const ss of rs.scopeSpans || []) {
      for (const sp of ss.spans || []) {
        const attrs = sp.attributes || []
        out.push({
          name: sp.name,
          traceId: idHex(sp.traceId, encoding),
          spanId: idHex(sp.spanId, encoding),
          parentSpanId: idHex(sp.parentSpanId, encoding),
          flags: sp.flags || 0,
          traceState: sp.traceState || '',
          attributes: Object.fromEntries(attrs.map((kv) => [kv.key, attrValue(kv.value)])),
          types: Object.fromEntries(attrs.map((kv) => [kv.key, attrType(kv.value)])),
          resource,
          scope: ss.scope?.name,
          status: sp.status || {},
          start: BigInt(sp.startTimeUnixNano || 0),
          end: BigInt(sp.endTimeUnixNano || 0),
        })
      }
    }
  }
  return out
}

/** Collects the batches an attached exporter receives; `spans()` flattens them. */
function collector() {
  const batches = []
  const fn = (batch) => {
    if (!Buffer.isBuffer(batch)) throw new TypeError('an exporter receives a Buffer of OTLP protobuf')
    batches.push(require('patter').decodeSpans(batch))
  }
  return { fn, batches, spans: () => batches.flatMap((b) => flattenRequest(b, 'hex')) }
}

/** Runs a simulated pipeline turn on `call` (stt, endpoint, llm, tts). */
function pipelineTurn(call, userText, agentText) {
  const stt = call.stt('deepgram', { model: 'nova-3' })
  stt.transcript(userText, { confidence: 0.93, audioSeconds: 1.5 })
  stt.end()
  const ep = call.endpoint()
  ep.silenceMs(420)
  ep.end()
  const llm = call.llm('openai', { model: 'gpt-4o-mini', historySize: 4 })
  llm.firstToken()
  llm.usage(120, 30, 8)
  llm.end()
  const tts = call.tts('elevenlabs', agentText, { model: 'eleven_flash_v2_5' })
  tts.firstByte()
  tts.end()
}

module.exports = { ROOT, PYTHON, tmpDir, startReceiver, flattenRequest, collector, pipelineTurn, attrValue }
