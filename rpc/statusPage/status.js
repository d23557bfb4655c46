// The node's status page: JSON-RPC over the node's own WebSocket (/ws), nothing else fetched
// but /health. Every value from the chain is written with textContent, never as HTML.

const UGAT = 1_000_000n
const REFRESH_MS = 1000
const RECENT_BLOCKS = 12
const $ = (id) => document.getElementById(id)

/** ugat (decimal string) as GAT with up to 6 decimals. */
function gat(ugat) {
  const v = BigInt(ugat)
  const whole = v / UGAT
  const frac = (v % UGAT).toString().padStart(6, '0').replace(/0+$/, '')
  return `${whole.toLocaleString('en-US')}${frac === '' ? '' : `.${frac}`}`
}

const short = (s, n = 10) => (s.length > 2 * n ? `${s.slice(0, n)}…${s.slice(-4)}` : s)

function el(tag, text, cls) {
  const e = document.createElement(tag)
  if (text !== undefined) e.textContent = String(text)
  if (cls !== undefined) e.className = cls
  return e
}

function row(cells, onClick) {
  const tr = el('tr')
  for (const c of cells)
    tr.append(
      c instanceof Node
        ? (() => {
            const td = el('td')
            td.append(c)
            return td
          })()
        : el('td', c),
    )
  if (onClick !== undefined) {
    tr.className = 'click'
    tr.addEventListener('click', onClick)
  }
  return tr
}

function fill(tableId, rows) {
  const body = $(tableId).tBodies[0]
  body.replaceChildren(...rows)
}

/** A JSON-RPC client over one WebSocket, reconnecting with backoff. */
class Rpc {
  constructor(url, onOpen, onNotice) {
    this.url = url
    this.onOpen = onOpen
    this.onNotice = onNotice
    this.nextId = 1
    this.pending = new Map()
    this.backoff = 500
    this.connect()
  }

  connect() {
    const ws = new WebSocket(this.url)
    this.ws = ws
    ws.addEventListener('open', () => {
      this.backoff = 500
      setConn(true)
      this.onOpen()
    })
    ws.addEventListener('message', (ev) => {
      const msg = JSON.parse(ev.data)
      if (msg.method === 'chain_subscription') return this.onNotice(msg.params)
      const p = this.pending.get(msg.id)
      if (p === undefined) return
      this.pending.delete(msg.id)
      if (msg.error !== undefined) p.reject(new Error(msg.error.message))
      else p.resolve(msg.result)
    })
    ws.addEventListener('close', () => {
      setConn(false)
      for (const p of this.pending.values()) p.reject(new Error('connection closed'))
      this.pending.clear()
      setTimeout(() => this.connect(), this.backoff)
      this.backoff = Math.min(this.backoff * 2, 10_000)
    })
  }

  call(method, params = {}) {
    return new Promise((resolve, reject) => {
      if (this.ws.readyState !== WebSocket.OPEN) return reject(new Error('not connected'))
      const id = this.nextId++
      this.pending.set(id, { resolve, reject })
      this.ws.send(JSON.stringify({ jsonrpc: '2.0', id, method, params }))
    })
  }
}

function setConn(live) {
  const c = $('conn')
  c.textContent = live ? 'live' : 'disconnected: retrying'
  c.className = `pill ${live ? 'live' : 'down'}`
}

const state = { blocks: new Map(), selected: undefined, superNodes: new Map() }

async function refreshStatus(rpc) {
  const s = await rpc.call('chain_getStatus')
  $('chain-id').textContent = s.chainId
  $('height').textContent = s.height.toLocaleString('en-US')
  $('head-time').textContent = new Date(s.headTime).toLocaleTimeString()
  $('final-height').textContent = s.finalHeight.toLocaleString('en-US')
  $('final-lag').textContent = `${s.finalityLag} block${s.finalityLag === 1 ? '' : 's'} behind the head`
  $('mempool').textContent = s.mempool.txs
  $('mempool-bytes').textContent = `${s.mempool.bytes} bytes`
  $('peer-count').textContent = s.peers
  $('node-id').textContent = s.nodeId === null ? 'no node key' : `node ${short(s.nodeId, 8)}`
  return s
}

/** A finality stall (or a stale head) shown plainly, from the node's own health check. */
async function refreshHealth() {
  const banner = $('stall')
  try {
    const r = await fetch('/health', { cache: 'no-store' })
    const h = await r.json()
    const stalled = typeof h.finalityLag === 'number' && h.finalityLag > h.maxFinalityLag
    if (h.status === 'ok') {
      banner.hidden = true
      return
    }
    banner.hidden = false
    banner.className = stalled || h.status === 'stale' ? 'banner' : 'banner warn'
    const head = stalled
      ? `FINALITY STALLED: the final block (${h.finalHeight}) is ${h.finalityLag} blocks behind the head (${h.height}). `
      : `Node ${h.status}: `
    banner.textContent = head + (h.reasons ?? []).join('; ')
  } catch {
    banner.hidden = false
    banner.className = 'banner'
    banner.textContent = 'The node does not answer /health.'
  }
}

async function refreshSuperNodes(rpc) {
  const [sn, round] = await Promise.all([rpc.call('staking_getSuperNodes'), rpc.call('consensus_getRound')])
  const produced = new Map()
  const missed = new Map()
  for (const s of round.slots) {
    if (s.status === 'produced') produced.set(s.proposer, (produced.get(s.proposer) ?? 0) + 1)
    if (s.status === 'missed') missed.set(s.proposer, (missed.get(s.proposer) ?? 0) + 1)
  }
  $('round').textContent = `round ${round.round}, slot ${round.slot}; produced and missed in this round`
  state.superNodes = new Map(sn.current.map((n) => [n.nodeId, n]))
  fill(
    'super-nodes',
    sn.current.map((n, i) => {
      const m = missed.get(n.nodeId) ?? 0
      return row([
        i + 1,
        n.moniker || '–',
        short(n.nodeId),
        gat(n.power),
        produced.get(n.nodeId) ?? 0,
        el('span', m, m > 0 ? 'bad' : ''),
      ])
    }),
  )
}

async function loadBlock(rpc, height) {
  if (state.blocks.has(height)) return state.blocks.get(height)
  const b = await rpc.call('chain_getBlock', { height })
  state.blocks.set(height, b)
  return b
}

async function refreshBlocks(rpc, head) {
  const heights = []
  for (let h = head; h >= 1 && heights.length < RECENT_BLOCKS; h--) heights.push(h)
  const blocks = await Promise.all(heights.map((h) => loadBlock(rpc, h)))
  for (const h of state.blocks.keys()) if (h < head - 4 * RECENT_BLOCKS) state.blocks.delete(h)
  fill(
    'blocks',
    blocks.map((b) => {
      const proposer = state.superNodes.get(b.header.proposer)?.moniker || short(b.header.proposer, 6)
      const tr = row(
        [b.header.height, new Date(b.header.time).toLocaleTimeString(), proposer, b.txs.length],
        () => showBlock(rpc, b),
      )
      if (state.selected === b.header.height) tr.classList.add('selected')
      return tr
    }),
  )
}

function showBlock(rpc, b) {
  state.selected = b.header.height
  $('detail-title').textContent = `Block ${b.header.height}`
  const d = $('detail')
  d.className = 'detail'
  d.replaceChildren(
    el('div', `hash ${b.hash}`),
    el('div', `proposer ${b.header.proposer}`),
    el('div', `state root ${b.header.stateRoot}`),
    el('div', b.results.length === 0 ? 'no transactions' : `${b.results.length} transaction(s):`),
  )
  for (const r of b.results) {
    const a = el('a', short(r.hash, 12))
    a.addEventListener('click', () => showTx(rpc, r.hash))
    const line = el('div')
    line.append(a, el('span', r.code === 0 ? ' ok' : ` failed: ${r.codespace}`, r.code === 0 ? 'ok' : 'bad'))
    d.append(line)
  }
  for (const tr of $('blocks').tBodies[0].rows)
    tr.classList.toggle('selected', tr.cells[0].textContent === String(b.header.height))
}

async function showTx(rpc, hash) {
  const t = await rpc.call('chain_getTx', { hash })
  $('detail-title').textContent = `Transaction ${short(hash, 8)}`
  const back = el('a', `← block ${t.height}`)
  back.addEventListener('click', async () => showBlock(rpc, await loadBlock(rpc, t.height)))
  const d = $('detail')
  d.replaceChildren(
    back,
    el('div', `hash ${t.hash}`),
    el(
      'div',
      `height ${t.height}, index ${t.index}, ${t.code === 0 ? 'ok' : `failed: ${t.codespace}: ${t.log}`}`,
    ),
    el('pre', JSON.stringify(t.events, null, 1)),
  )
}

async function refreshSupply(rpc) {
  const [s, e] = await Promise.all([rpc.call('token_getSupply'), rpc.call('token_getEmission')])
  const rows = [
    ['Total', s.total],
    ['Circulating', s.circulating],
    ['Staked', s.staked],
    ['Minted', s.minted],
    ['Burned', s.burned],
    ['Reward pool', s.rewardPool],
    ['Cap', s.cap],
  ]
  fill(
    'supply',
    rows.map(([k, v]) => row([k, `${gat(v)} GAT`])),
  )
  $('emission-today').textContent = `day ${e.today}: ${gat(e.todayAmount)} GAT`
  if (state.curveDrawn !== e.today) {
    state.curveDrawn = e.today
    drawCurve(rpc, e)
  }
}

/** The daily emission by day, a step per halving, today marked. */
async function drawCurve(rpc, e) {
  const days = [0, 1459, 1460, 2919, 2920, 4379, 4380, e.lastDay]
  const amounts = await Promise.all(days.map((day) => rpc.call('token_getEmission', { day })))
  const svg = $('curve')
  const ns = 'http://www.w3.org/2000/svg'
  const W = 400
  const H = 160
  const pad = 24
  const maxAmount = Number(BigInt(amounts[0].amount) / UGAT)
  const x = (d) => pad + ((W - 2 * pad) * d) / e.lastDay
  const y = (a) => H - pad - ((H - 2 * pad) * a) / maxAmount
  const points = days.map(
    (d, i) => `${x(d).toFixed(1)},${y(Number(BigInt(amounts[i].amount) / UGAT)).toFixed(1)}`,
  )
  const mk = (tag, attrs, text) => {
    const n = document.createElementNS(ns, tag)
    for (const [k, v] of Object.entries(attrs)) n.setAttribute(k, String(v))
    if (text !== undefined) n.textContent = text
    return n
  }
  const todayAmount = Number(BigInt(e.todayAmount) / UGAT)
  svg.replaceChildren(
    mk('line', { x1: pad, y1: H - pad, x2: W - pad, y2: H - pad, class: 'axis' }),
    mk('line', { x1: pad, y1: pad, x2: pad, y2: H - pad, class: 'axis' }),
    mk('polyline', { points: points.join(' '), class: 'curve' }),
    mk('circle', { cx: x(Math.min(e.today, e.lastDay)), cy: y(todayAmount), r: 4, class: 'today' }),
    mk('text', { x: pad, y: pad - 8 }, `${maxAmount.toLocaleString('en-US')} GAT/day`),
    mk('text', { x: W - pad - 60, y: H - 8 }, `day ${e.lastDay}`),
    mk('text', { x: pad, y: H - 8 }, 'day 0'),
  )
}

async function refreshGroups(rpc) {
  const g = await rpc.call('group_list', { limit: 10 })
  $('group-total').textContent = `${g.total} registered`
  fill(
    'groups',
    g.groups.map((x) => row([x.id, x.name, short(x.owner, 8), x.policy.maxMembers])),
  )
}

async function refreshPeers(rpc) {
  const p = await rpc.call('net_getPeers')
  fill(
    'peers',
    p.peers.length === 0
      ? [row(['no peers', '', '', ''])]
      : p.peers.map((x) =>
          row([short(x.id, 8), x.address ?? '–', x.status?.headHeight ?? '–', x.score.toFixed(1)]),
        ),
  )
}

let refreshing = false
let again = false

async function refresh(rpc) {
  if (refreshing) {
    again = true
    return
  }
  refreshing = true
  try {
    const s = await refreshStatus(rpc)
    await Promise.all([
      refreshSuperNodes(rpc).then(() => refreshBlocks(rpc, s.height)),
      refreshSupply(rpc),
      refreshGroups(rpc),
      refreshPeers(rpc),
      refreshHealth(),
    ])
  } catch (err) {
    // a dropped connection shows in the pill; the next head refreshes everything
    if (!String(err.message).includes('not connected') && !String(err.message).includes('connection closed'))
      console.warn('refresh failed:', err.message)
  } finally {
    refreshing = false
    if (again) {
      again = false
      setTimeout(() => refresh(rpc), REFRESH_MS)
    }
  }
}

function start() {
  const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`
  const rpc = new Rpc(
    url,
    async () => {
      state.headsId = await rpc.call('chain_subscribe', { event: 'newHeads' })
      state.finalId = await rpc.call('chain_subscribe', { event: 'finalHeads' })
      refresh(rpc)
    },
    (notice) => {
      const h = notice.result?.height
      if (typeof h !== 'number') return
      // the heights now, the rest at most once a second
      if (notice.subscription === state.headsId) $('height').textContent = h.toLocaleString('en-US')
      if (notice.subscription === state.finalId) $('final-height').textContent = h.toLocaleString('en-US')
      refresh(rpc)
    },
  )
  // the health check and the round also move without a new block (a stall)
  setInterval(() => refresh(rpc), 5000)
}

start()
