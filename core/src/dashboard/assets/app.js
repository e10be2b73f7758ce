// patter dashboard: a page over the core's read-only JSON API. Everything it shows is computed
// by the core (list pages, waterfall, timeline, percentiles); this file only draws. No framework,
// no network beyond this origin. Data is untrusted: it only ever becomes text nodes/attributes.
'use strict'

const SVG = 'http://www.w3.org/2000/svg'
const COLORS = ['#4e79a7', '#f28e2b', '#59a14f', '#e15759', '#76b7b2', '#edc948', '#b07aa1', '#9c755f']
const CATEGORIES = ['telephony', 'stt', 'tts', 'llm', 'realtime']
const MAX_PROVIDERS = 6

const state = { offset: 0, limit: 50, total: 0, direction: '', status: '', q: '', selected: null, generation: null, mode: null }

function $(id) { return document.getElementById(id) }

function el(tag, attrs, ...children) {
  const e = document.createElement(tag)
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === 'class') e.className = v
    else e.setAttribute(k, v)
  }
  for (const c of children) e.append(c instanceof Node ? c : document.createTextNode(c == null ? '' : String(c)))
  return e
}

function svg(tag, attrs, text) {
  const e = document.createElementNS(SVG, tag)
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, String(v))
  if (text != null) e.textContent = String(text)
  return e
}

async function api(path) {
  const r = await fetch(path, { credentials: 'same-origin', headers: { Accept: 'application/json' } })
  if (!r.ok) {
    let msg = r.status + ' ' + r.statusText
    try { msg = (await r.json()).error || msg } catch (_) { /* not JSON */ }
    const err = new Error(msg)
    err.status = r.status
    throw err
  }
  return r.json()
}

function showError(e) {
  const p = $('error')
  if (!e) { p.hidden = true; return }
  p.hidden = false
  p.textContent = e.status === 401
    ? 'Not signed in: open the URL that `patter dashboard` (or serve()) printed; it carries the token.'
    : 'Error: ' + (e.message || e)
}

const when = (iso) => (iso ? iso.slice(0, 19).replace('T', ' ') : '-')
const usd = (c) => (c == null ? '-' : c.toFixed(6))
const ms = (v) => (v == null ? '-' : Math.round(v) + ' ms')
function duration(d) {
  if (d == null) return '-'
  if (d < 60000) return (d / 1000).toFixed(1) + ' s'
  return Math.floor(d / 60000) + 'm ' + String(Math.floor((d % 60000) / 1000)).padStart(2, '0') + 's'
}

// ---------------------------------------------------------------- call list

async function loadCalls() {
  const p = new URLSearchParams({ offset: state.offset, limit: state.limit })
  if (state.direction) p.set('direction', state.direction)
  if (state.status) p.set('status', state.status)
  if (state.q) p.set('q', state.q)
  const page = await api('/api/calls?' + p)
  state.total = page.total
  const body = $('calls').tBodies[0]
  const rows = page.calls.map((c) => {
    const tr = el('tr', { 'data-id': c.call_id, tabindex: '0', class: c.call_id === state.selected ? 'selected' : '' },
      el('td', {}, when(c.started_at)),
      el('td', { class: 'num' }, duration(c.duration_ms)),
      el('td', {}, c.direction === 'outbound' ? 'out' : 'in'),
      el('td', { class: 'status-' + c.status }, c.status),
      el('td', { class: 'num' }, c.turns),
      el('td', { class: 'num' }, usd(c.cost && c.cost.total)),
      el('td', { class: 'num' }, c.latency ? Math.round(c.latency.p50_ms) + ' / ' + Math.round(c.latency.p95_ms) : '-'),
      el('td', { class: 'id' }, c.call_id))
    tr.addEventListener('click', () => select(c.call_id))
    tr.addEventListener('keydown', (ev) => { if (ev.key === 'Enter') select(c.call_id) })
    return tr
  })
  if (rows.length === 0) rows.push(el('tr', {}, el('td', { colspan: '8', class: 'dim' }, 'no calls')))
  body.replaceChildren(...rows)
  const first = page.total === 0 ? 0 : page.offset + 1
  $('pager-info').textContent = first + '–' + (page.offset + page.calls.length) + ' of ' + page.total.toLocaleString('en-US')
  $('prev').disabled = state.offset === 0
  $('next').disabled = page.offset + page.calls.length >= page.total
}

function select(id) {
  location.hash = 'call=' + encodeURIComponent(id)
}

// ---------------------------------------------------------------- one call

function meta(dl, pairs) {
  dl.replaceChildren(...pairs.flatMap(([k, v]) => [el('dt', {}, k), el('dd', {}, v == null || v === '' ? '-' : v)]))
}

function waterfall(w) {
  const box = $('waterfall')
  if (!w.turns.length) { box.replaceChildren(el('p', { class: 'dim' }, 'no turn was measured')); return }
  const W = 640; const label = 120; const valueW = 70; const rowH = 16; const headH = 20
  const height = w.turns.reduce((h, t) => h + headH + t.stages.length * rowH + 6, 0)
  const s = svg('svg', { viewBox: `0 0 ${W} ${height}`, width: '100%', class: 'waterfall', role: 'img', 'aria-label': 'turn waterfall' })
  const barW = W - label - valueW
  let y = 0
  for (const t of w.turns) {
    const g = svg('g', { class: 'turn', 'data-turn': t.turn })
    g.append(svg('text', { x: 0, y: y + 14, class: 'turn-head' },
      `turn ${t.turn}` + (t.ttfb_ms != null ? `: ttfb ${Math.round(t.ttfb_ms)} ms` : '') + (t.interrupted ? '  (barge-in)' : '')))
    y += headH
    for (const st of t.stages) {
      const width = Math.max(1, (st.ms / w.scale_ms) * barW)
      g.append(svg('text', { x: 8, y: y + 12, class: 'stage' }, st.name))
      const r = svg('rect', { x: label, y: y + 2, width: width.toFixed(1), height: rowH - 4, class: 'bar stage-' + st.name.replace(/[^a-z]+/g, '-'), 'data-stage': st.name, 'data-ms': st.ms })
      r.append(svg('title', {}, `${st.name}: ${Math.round(st.ms)} ms`))
      g.append(r)
      g.append(svg('text', { x: label + width + 4, y: y + 12, class: 'value' }, Math.round(st.ms) + ' ms'))
      y += rowH
    }
    y += 6
    s.append(g)
  }
  const axis = svg('text', { x: W - valueW, y: 12, class: 'dim scale', 'text-anchor': 'end' }, `scale ${Math.round(w.scale_ms)} ms`)
  s.append(axis)
  box.replaceChildren(s)
}

async function loadCall(id) {
  const d = await api('/api/call?id=' + encodeURIComponent(id))
  const c = d.call
  $('detail').hidden = false
  $('detail-title').textContent = 'Call ' + c.call_id
  const cost = c.cost
  const a = c.agent || {}
  meta($('detail-meta'), [
    ['started', when(c.started_at) + ' UTC'],
    ['duration', duration(c.duration_ms)],
    ['direction', c.direction + ' · ' + (c.provider_mode || '-')],
    ['outcome', c.status + (c.error ? ' — ' + c.error : '')],
    ['parties', (c.caller || '-') + ' → ' + (c.callee || '-') + ' via ' + (c.telephony_provider || '-')],
    ['agent', ['stt ' + (a.stt_provider || '-'), 'llm ' + (a.llm_provider || '-') + ' ' + (a.model || ''), 'tts ' + (a.tts_provider || '-') + ' ' + (a.voice || '')].join(' · ')],
    ['cost USD', cost ? `${usd(cost.total)} = telephony ${usd(cost.telephony)} + stt ${usd(cost.stt)} + tts ${usd(cost.tts)} + llm ${usd(cost.llm)} + realtime ${usd(cost.realtime)}` : '-'],
    ['ttfb', c.latency ? `p50 ${ms(c.latency.p50_ms)} · p95 ${ms(c.latency.p95_ms)} · p99 ${ms(c.latency.p99_ms)}` : '-'],
    ['trace', c.trace_id],
  ])
  waterfall(d.waterfall)
  const tr = c.transcript.map((t) => el('li', { class: 'role-' + t.role },
    el('span', { class: 'turn-no' }, '[' + t.turn_index + ']'), el('span', { class: 'role' }, t.role), el('span', { class: 'text' }, t.text),
    t.interrupted ? el('span', { class: 'cut' }, 'cut off') : ''))
  $('transcript').replaceChildren(...(tr.length ? tr : [el('li', { class: 'dim' }, 'no transcript')]))
  const ev = c.events.map((e) => el('li', {}, el('span', { class: 'ts' }, e.ts ? e.ts.slice(11, 23) : '-'),
    el('span', { class: 'kind' }, e.type), el('code', {}, JSON.stringify(e.data))))
  $('events').replaceChildren(...(ev.length ? ev : [el('li', { class: 'dim' }, 'no events')]))
  for (const row of $('calls').tBodies[0].rows) row.classList.toggle('selected', row.dataset.id === id)
}

async function route() {
  const m = /^#call=(.*)$/.exec(location.hash)
  state.selected = m ? decodeURIComponent(m[1]) : null
  if (!state.selected) { $('detail').hidden = true; return }
  try { await loadCall(state.selected); showError(null) } catch (e) {
    if (e.status === 404) { $('detail').hidden = true } else showError(e)
  }
}

// ---------------------------------------------------------------- charts

function legend(box, items) {
  box.replaceChildren(...items.map(([name, color]) => el('span', { class: 'key' }, el('i', { class: 'swatch', 'data-color': color }), name)))
  // Colours through the CSSOM (allowed by the page's CSP, unlike style attributes).
  for (const i of box.querySelectorAll('i.swatch')) i.style.background = i.dataset.color
}

function axes(s, W, H, pad, max, points, fmt) {
  s.append(svg('line', { x1: pad.l, y1: H - pad.b, x2: W - pad.r, y2: H - pad.b, class: 'axis' }))
  s.append(svg('text', { x: pad.l - 4, y: pad.t + 8, class: 'tick', 'text-anchor': 'end' }, fmt(max)))
  s.append(svg('text', { x: pad.l - 4, y: H - pad.b, class: 'tick', 'text-anchor': 'end' }, '0'))
  if (points.length) {
    s.append(svg('text', { x: pad.l, y: H - 4, class: 'tick' }, points[0].start))
    if (points.length > 1) s.append(svg('text', { x: W - pad.r, y: H - 4, class: 'tick', 'text-anchor': 'end' }, points[points.length - 1].start))
  }
}

function stackedBars(box, points, series, fmt) {
  const W = 420; const H = 170; const pad = { l: 62, r: 6, t: 8, b: 22 }
  const totals = points.map((p) => series.reduce((s, x) => s + (x.get(p) || 0), 0))
  const max = Math.max(1e-9, ...totals)
  const s = svg('svg', { viewBox: `0 0 ${W} ${H}`, width: '100%', role: 'img' })
  const slot = (W - pad.l - pad.r) / Math.max(1, points.length)
  const bw = Math.max(1, slot * 0.8)
  points.forEach((p, i) => {
    let y = H - pad.b
    for (const x of series) {
      const v = x.get(p) || 0
      if (v <= 0) continue
      const h = (v / max) * (H - pad.t - pad.b)
      y -= h
      const r = svg('rect', { x: (pad.l + i * slot + (slot - bw) / 2).toFixed(2), y: y.toFixed(2), width: bw.toFixed(2), height: Math.max(0.5, h).toFixed(2), fill: x.color, class: 'bar' })
      r.append(svg('title', {}, `${p.start} ${x.name}: ${fmt(v)}`))
      s.append(r)
    }
  })
  axes(s, W, H, pad, max, points, fmt)
  box.replaceChildren(s)
}

function lines(box, points, series, fmt) {
  const W = 420; const H = 170; const pad = { l: 62, r: 6, t: 8, b: 22 }
  const vals = points.flatMap((p) => series.map((x) => x.get(p)).filter((v) => v != null))
  const max = Math.max(1, ...vals)
  const s = svg('svg', { viewBox: `0 0 ${W} ${H}`, width: '100%', role: 'img' })
  const xs = (i) => pad.l + (points.length <= 1 ? (W - pad.l - pad.r) / 2 : (i * (W - pad.l - pad.r)) / (points.length - 1))
  const ys = (v) => H - pad.b - (v / max) * (H - pad.t - pad.b)
  for (const x of series) {
    let seg = []
    const flush = () => {
      if (seg.length > 1) s.append(svg('polyline', { points: seg.join(' '), fill: 'none', stroke: x.color, 'stroke-width': 1.5, class: 'line' }))
      seg = []
    }
    points.forEach((p, i) => {
      const v = x.get(p)
      if (v == null) { flush(); return }
      seg.push(xs(i).toFixed(1) + ',' + ys(v).toFixed(1))
      const c = svg('circle', { cx: xs(i).toFixed(1), cy: ys(v).toFixed(1), r: 1.8, fill: x.color, class: 'point' })
      c.append(svg('title', {}, `${p.start} ${x.name}: ${fmt(v)}`))
      s.append(c)
    })
    flush()
  }
  axes(s, W, H, pad, max, points, fmt)
  box.replaceChildren(s)
}

async function loadStats() {
  const st = await api('/api/stats')
  const a = st.aggregates
  const lat = a.latency ? ` · TTFB p50 ${ms(a.latency.p50_ms)}, p95 ${ms(a.latency.p95_ms)}` : ''
  $('totals').textContent = `${a.total_calls.toLocaleString('en-US')} calls (${a.completed} completed, ${a.failed} failed, ${a.abandoned} abandoned) · ` +
    `${a.active_calls} in progress · $${a.total_cost.toFixed(4)} total, $${a.avg_cost.toFixed(4)} per call${lat}`
  const t = st.timeline
  for (const i of [1, 2, 3]) $('bucket-' + i).textContent = 'per ' + t.bucket
  const cat = CATEGORIES.map((k, i) => ({ name: k, color: COLORS[i], get: (p) => p.cost[k] }))
  stackedBars($('chart-category'), t.points, cat, (v) => '$' + v.toFixed(4))
  legend($('legend-category'), cat.map((x) => [x.name, x.color]))
  const top = t.providers.slice(0, MAX_PROVIDERS)
  const prov = top.map((k, i) => ({ name: k, color: COLORS[i], get: (p) => p.by_provider[k] }))
  if (t.providers.length > MAX_PROVIDERS) {
    const rest = new Set(t.providers.slice(MAX_PROVIDERS))
    prov.push({ name: 'other', color: COLORS[7], get: (p) => Object.entries(p.by_provider).reduce((s, [k, v]) => s + (rest.has(k) ? v : 0), 0) })
  }
  stackedBars($('chart-provider'), t.points, prov, (v) => '$' + v.toFixed(4))
  legend($('legend-provider'), prov.map((x) => [x.name, x.color]))
  const tt = [['p50', COLORS[0]], ['p95', COLORS[1]], ['p99', COLORS[3]]].map(([k, color]) => ({ name: k, color, get: (p) => (p.ttfb ? p.ttfb[k + '_ms'] : null) }))
  lines($('chart-ttfb'), t.points, tt, (v) => Math.round(v) + ' ms')
  legend($('legend-ttfb'), tt.map((x) => [x.name, x.color]))
}

// ---------------------------------------------------------------- live

function renderActive(calls) {
  $('live-section').hidden = false
  $('live-count').textContent = '(' + calls.length + ')'
  const rows = calls.map((c) => {
    const last = c.last_lines.length ? c.last_lines[c.last_lines.length - 1] : null
    const tr = el('tr', { 'data-id': c.call_id },
      el('td', {}, when(c.started_at)), el('td', { class: 'id' }, c.call_id), el('td', {}, c.direction === 'outbound' ? 'out' : 'in'),
      el('td', { class: 'num' }, c.turns), el('td', { class: 'text' }, last ? last.role + ': ' + last.text : ''))
    tr.addEventListener('click', () => select(c.call_id))
    return tr
  })
  if (!rows.length) rows.push(el('tr', {}, el('td', { colspan: '5', class: 'dim' }, 'no call in progress')))
  $('active').tBodies[0].replaceChildren(...rows)
}

let refreshTimer = null
function refreshSoon() {
  if (refreshTimer) return
  refreshTimer = setTimeout(async () => {
    refreshTimer = null
    try {
      await Promise.all([loadStats(), loadCalls()])
      if (state.selected) await loadCall(state.selected)
    } catch (e) { showError(e) }
  }, 300)
}

function connectLive() {
  if (!window.EventSource) return
  const es = new EventSource('/api/live')
  // Calls in progress exist only in a live store (a snapshot shows another process's running
  // calls as they are on disk).
  es.addEventListener('active', (ev) => { if (state.mode === 'live') renderActive(JSON.parse(ev.data)) })
  es.addEventListener('changed', (ev) => {
    const g = Number(ev.data)
    if (state.generation !== null && g !== state.generation) refreshSoon()
    state.generation = g
  })
}

// ---------------------------------------------------------------- start

function wire() {
  $('filters').addEventListener('submit', (ev) => ev.preventDefault())
  const refilter = () => {
    state.offset = 0
    state.direction = $('f-direction').value
    state.status = $('f-status').value
    state.q = $('f-q').value.trim()
    loadCalls().then(() => showError(null), showError)
  }
  $('f-direction').addEventListener('change', refilter)
  $('f-status').addEventListener('change', refilter)
  let typing = null
  $('f-q').addEventListener('input', () => { clearTimeout(typing); typing = setTimeout(refilter, 200) })
  $('prev').addEventListener('click', () => { state.offset = Math.max(0, state.offset - state.limit); loadCalls().catch(showError) })
  $('next').addEventListener('click', () => { state.offset += state.limit; loadCalls().catch(showError) })
  window.addEventListener('hashchange', route)
}

async function main() {
  wire()
  try {
    const info = await api('/api/info')
    state.limit = info.page_size
    state.generation = info.generation
    state.mode = info.mode
    $('mode').textContent = info.mode === 'live' ? 'live' : 'from ' + (info.root || 'disk')
    if (info.mode === 'live') renderActive(await api('/api/active'))
    await Promise.all([loadStats(), loadCalls(), route()])
    document.body.dataset.ready = '1'
    connectLive()
  } catch (e) { showError(e) }
}

document.addEventListener('DOMContentLoaded', main)
