import { join } from 'node:path'
import { makeCosmoshubPath } from '@cosmjs/amino'
import { DirectSecp256k1HdWallet, Registry } from '@cosmjs/proto-signing'
import {
  accountFromAny,
  defaultRegistryTypes,
  GasPrice,
  SigningStargateClient,
  StargateClient,
} from '@cosmjs/stargate'
import { Comet38Client, WebsocketClient } from '@cosmjs/tendermint-rpc'
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals'
import { TxRaw } from 'cosmjs-types/cosmos/tx/v1beta1/tx'
import { messageTypes } from '../chain/codec/index.js'
import { deriveAccountKey, TEST_MNEMONIC } from '../chain/crypto/hd.js'
import { accountAny } from '../rpc/comet.js'
import { type DevnetProcess, runCli, startDevnet } from './helpers/cli.js'
import { tempDir } from './helpers/devnet.js'
import { waitFor } from './helpers/wait.js'

// The Cosmos toolbox, unmodified, against a real `gather devnet` process: @cosmjs/stargate's
// clients over the CometBFT JSON-RPC subset, and the REST routes Keplr reads.

const FAUCET = 'gat1erxf3sa9q2j4vgseu7jq4a258ckmk7cy2ry267'

/**
 * Disconnects a cosmjs WebsocketClient for good. Its ReconnectingSocket schedules a reconnect
 * on every "disconnected" status, including the one its own disconnect() reports, so without
 * clearing that timer it reconnects after disconnect and keeps jest from exiting (cosmjs 0.39).
 */
function closeCosmjsWebsocket(ws: WebsocketClient): void {
  ws.disconnect()
  const inner = (ws as unknown as { socket: { reconnectTimeout: ReturnType<typeof setTimeout> | null } })
    .socket
  if (inner.reconnectTimeout !== null) clearTimeout(inner.reconnectTimeout)
}

describe('Cosmos tooling against a `gather devnet` process', () => {
  let tmp: { dir: string; cleanup: () => Promise<void> }
  let devnet: DevnetProcess
  let rpc: string
  let recipient: string
  let signing: SigningStargateClient | undefined

  beforeAll(async () => {
    tmp = await tempDir('gather-cosmos-')
    recipient = (await deriveAccountKey(TEST_MNEMONIC, 9)).address
    devnet = await startDevnet(join(tmp.dir, 'devnet'), 200, ['--cors-origin', 'https://wallet.example'])
    rpc = devnet.rpc.replace(/\/$/, '')
  })

  afterAll(async () => {
    signing?.disconnect()
    await devnet?.stop()
    await tmp?.cleanup()
  })

  // biome-ignore lint/suspicious/noExplicitAny: REST bodies are read field by field and checked by the assertions
  type Json = any
  const rest = async (path: string, init?: RequestInit): Promise<{ status: number; body: Json }> => {
    const r = await fetch(`${rpc}${path}`, init)
    return { status: r.status, body: await r.json() }
  }

  test('StargateClient reads the chain id, a balance and an account, and getHeight follows the chain', async () => {
    const client = await StargateClient.connect(rpc)
    try {
      const { chainId } = await devnet.client.getStatus()
      expect(await client.getChainId()).toBe(chainId)
      const balance = await client.getBalance(FAUCET, 'ugat')
      expect(balance.denom).toBe('ugat')
      expect(BigInt(balance.amount)).toBeGreaterThan(0n)
      const all = await client.getAllBalances(FAUCET)
      expect(all.find((c) => c.denom === 'ugat')?.amount).toBe(balance.amount)
      const account = await client.getAccount(FAUCET)
      expect(account).toMatchObject({ address: FAUCET })
      expect(await client.getAccount(recipient)).toBeNull() // unknown: NotFound, as cosmjs expects
      const h0 = await client.getHeight()
      expect(h0).toBeGreaterThanOrEqual(1)
      await waitFor(
        'getHeight to move past the first reading',
        async () => (await client.getHeight()) > h0 + 2,
      )
      const block = await client.getBlock(h0)
      expect(block.header.height).toBe(h0)
      expect(block.header.chainId).toBe(chainId)
    } finally {
      client.disconnect()
    }
  })

  test('SigningStargateClient sends with sendTokens and with signAndBroadcast of MsgTransfer; getTx finds both; getAccount has the sequence', async () => {
    const wallet = await DirectSecp256k1HdWallet.fromMnemonic(TEST_MNEMONIC, {
      prefix: 'gat',
      hdPaths: [makeCosmoshubPath(1)],
    })
    const registry = new Registry([...defaultRegistryTypes, ...messageTypes()] as never)
    signing = await SigningStargateClient.connectWithSigner(rpc, wallet, {
      registry,
      gasPrice: GasPrice.fromString('0.025ugat'),
      broadcastPollIntervalMs: 200,
    })
    const before = await signing.getAccount(FAUCET)
    expect(before).not.toBeNull()

    // "auto": simulate (cosmos.tx.v1beta1.Service/Simulate) sizes the fee
    const sent = await signing.sendTokens(
      FAUCET,
      recipient,
      [{ denom: 'ugat', amount: '1500000' }],
      'auto',
      'bank send',
    )
    expect(sent.code).toBe(0)
    expect(sent.height).toBeGreaterThanOrEqual(1)
    expect((await signing.getBalance(recipient, 'ugat')).amount).toBe('1500000')

    const transfer = await signing.signAndBroadcast(
      FAUCET,
      [
        {
          typeUrl: '/gather.token.v1.MsgTransfer',
          value: { fromAddress: FAUCET, toAddress: recipient, amount: '250000' },
        },
      ],
      { amount: [{ denom: 'ugat', amount: '5000' }], gas: '200000' },
      'our own message',
    )
    expect(transfer.code).toBe(0)
    expect((await signing.getBalance(recipient, 'ugat')).amount).toBe('1750000')

    for (const [what, r] of [
      ['sendTokens', sent],
      ['signAndBroadcast', transfer],
    ] as const) {
      const found = await signing.getTx(r.transactionHash)
      expect({ what, hash: found?.hash, height: found?.height, code: found?.code }).toEqual({
        what,
        hash: r.transactionHash,
        height: r.height,
        code: 0,
      })
      expect(found!.events.some((e) => e.type === 'token.transfer')).toBe(true)
    }
    const after = await signing.getAccount(FAUCET)
    expect(after!.sequence).toBe(before!.sequence + 2)
    expect(after!.accountNumber).toBe(before!.accountNumber)
    expect((await signing.getAccount(recipient))!.sequence).toBe(0)
  })

  test('a refused transaction is a BroadcastTxError with the reason, and the WebSocket Tx subscription sees a committed one', async () => {
    const wallet = await DirectSecp256k1HdWallet.fromMnemonic(TEST_MNEMONIC, {
      prefix: 'gat',
      hdPaths: [makeCosmoshubPath(1)],
    })
    const client = await SigningStargateClient.connectWithSigner(rpc, wallet, {
      broadcastPollIntervalMs: 200,
    })
    // Requests go out on the socket only if one was queued before it opened: cosmjs 0.39's
    // QueueingStreamingSocket leaves its queue stuck when it connects with an empty one (so
    // connectComet('ws://…') followed later by a subscribe never sends it). Subscribe at once.
    const socket = new WebsocketClient(rpc.replace(/^http/, 'ws'))
    const comet = Comet38Client.create(socket)
    const seen: string[] = []
    const sub = comet
      .subscribeTx(`message.sender='${FAUCET}'`)
      .subscribe({ next: (e) => seen.push(Buffer.from(e.hash).toString('hex').toUpperCase()) })
    try {
      // a call after the subscribe on the same socket answers after the subscribe was registered
      expect((await comet.status()).nodeInfo.version).toMatch(/^0\.38\./)
      // refusals through broadcastTxSync (sendTokens would leave cosmjs's 60 s poll timer
      // running after a refusal, which keeps jest from exiting)
      const fee = { amount: [{ denom: 'ugat', amount: '5000' }], gas: '200000' }
      const refused = async (amount: { denom: string; amount: string }): Promise<unknown> => {
        const msg = {
          typeUrl: '/cosmos.bank.v1beta1.MsgSend',
          value: { fromAddress: FAUCET, toAddress: recipient, amount: [amount] },
        }
        const signed = await client.sign(FAUCET, [msg], fee, '')
        return client.broadcastTxSync(TxRaw.encode(signed).finish())
      }
      // more than the faucet has
      await expect(refused({ denom: 'ugat', amount: `1${'0'.repeat(30)}` })).rejects.toThrow(
        /code 5 \(codespace: TOKEN_INSUFFICIENT_BALANCE\)/,
      )
      // a denom MsgSend cannot move
      await expect(refused({ denom: 'uatom', amount: '1' })).rejects.toThrow(/can only move ugat/)
      const r = await client.sendTokens(FAUCET, recipient, [{ denom: 'ugat', amount: '7' }], {
        amount: [{ denom: 'ugat', amount: '5000' }],
        gas: '200000',
      })
      await waitFor('the Tx event of the send', () => seen.includes(r.transactionHash))
      sub.unsubscribe()
    } finally {
      closeCosmjsWebsocket(socket)
      client.disconnect()
    }
  })

  test('the REST routes answer the shapes Keplr reads', async () => {
    const { chainId } = await devnet.client.getStatus()
    const info = await rest('/cosmos/base/tendermint/v1beta1/node_info')
    expect(info.status).toBe(200)
    expect(info.body.default_node_info.network).toBe(chainId)

    const acct = await rest(`/cosmos/auth/v1beta1/accounts/${FAUCET}`)
    expect(acct.status).toBe(200)
    expect(acct.body.account).toMatchObject({ '@type': '/cosmos.auth.v1beta1.BaseAccount', address: FAUCET })
    expect(acct.body.account.account_number).toMatch(/^\d+$/)
    expect(acct.body.account.sequence).toMatch(/^\d+$/)

    const unknown = await rest(
      `/cosmos/auth/v1beta1/accounts/${(await deriveAccountKey(TEST_MNEMONIC, 33)).address}`,
    )
    expect(unknown.status).toBe(404)
    expect(unknown.body.message).toMatch(/^rpc error: code = NotFound/)

    const balances = await rest(`/cosmos/bank/v1beta1/balances/${FAUCET}`)
    expect(balances.status).toBe(200)
    expect(balances.body.balances[0]).toMatchObject({ denom: 'ugat' })
    expect(balances.body.pagination.total).toBe(String(balances.body.balances.length))
    const spendable = await rest(`/cosmos/bank/v1beta1/spendable_balances/${FAUCET}`)
    expect(spendable.status).toBe(200)
    expect(spendable.body.balances[0]).toMatchObject({ denom: 'ugat' })

    // sign with cosmjs offline, post the bytes as Keplr does
    const wallet = await DirectSecp256k1HdWallet.fromMnemonic(TEST_MNEMONIC, {
      prefix: 'gat',
      hdPaths: [makeCosmoshubPath(1)],
    })
    const offline = await SigningStargateClient.offline(wallet)
    const fresh = await rest(`/cosmos/auth/v1beta1/accounts/${FAUCET}`)
    const signed = await offline.sign(
      FAUCET,
      [
        {
          typeUrl: '/cosmos.bank.v1beta1.MsgSend',
          value: { fromAddress: FAUCET, toAddress: recipient, amount: [{ denom: 'ugat', amount: '11' }] },
        },
      ],
      { amount: [{ denom: 'ugat', amount: '5000' }], gas: '200000' },
      'rest',
      {
        accountNumber: BigInt(fresh.body.account.account_number),
        sequence: Number(fresh.body.account.sequence),
        chainId,
      },
    )
    const bytes = Buffer.from(TxRaw.encode(signed).finish()).toString('base64')
    const sim = await rest('/cosmos/tx/v1beta1/simulate', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ tx_bytes: bytes }),
    })
    expect(sim.status).toBe(200)
    expect(Number(sim.body.gas_info.gas_used)).toBeGreaterThan(0)
    const posted = await rest('/cosmos/tx/v1beta1/txs', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ tx_bytes: bytes, mode: 'BROADCAST_MODE_SYNC' }),
    })
    expect(posted.status).toBe(200)
    expect(posted.body.tx_response).toMatchObject({ code: 0 })
    expect(posted.body.tx_response.txhash).toMatch(/^[0-9A-F]{64}$/)
    await waitFor('the posted transaction to commit', async () => {
      const t = await rest(`/cosmos/tx/v1beta1/txs/${posted.body.tx_response.txhash}`)
      return t.status === 200 && Number(t.body.tx_response.height) > 0
    })
    // posted again: refused with the reason, still a tx_response
    const again = await rest('/cosmos/tx/v1beta1/txs', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ tx_bytes: bytes, mode: 'BROADCAST_MODE_SYNC' }),
    })
    expect(again.status).toBe(200)
    expect(again.body.tx_response.code).not.toBe(0)
    expect(again.body.tx_response.raw_log).not.toBe('')
  })

  test('`gather chain-info --keplr` prints the suggest-chain JSON', async () => {
    const r = await runCli(['chain-info', '--keplr', '--rpc', devnet.rpc])
    expect(r.stderr).toBe('')
    expect(r.code).toBe(0)
    const info = JSON.parse(r.stdout)
    const { chainId } = await devnet.client.getStatus()
    const gat = { coinDenom: 'GAT', coinMinimalDenom: 'ugat', coinDecimals: 6 }
    expect(info).toMatchObject({
      chainId,
      rpc: rpc,
      rest: rpc,
      bip44: { coinType: 118 },
      bech32Config: {
        bech32PrefixAccAddr: 'gat',
        bech32PrefixAccPub: 'gatpub',
        bech32PrefixValAddr: 'gatvaloper',
        bech32PrefixValPub: 'gatvaloperpub',
        bech32PrefixConsAddr: 'gatvalcons',
        bech32PrefixConsPub: 'gatvalconspub',
      },
      currencies: [gat],
      stakeCurrency: gat,
      feeCurrencies: [gat],
    })
    // the low gas price times the simulated gas pays the minimum fee (1000 ugat on a devnet)
    expect(info.feeCurrencies[0].gasPriceStep.low * 100_000).toBeGreaterThanOrEqual(1000)
  })

  test("a vesting account is one cosmjs's accountFromAny reads", () => {
    const any = accountAny({
      address: FAUCET,
      accountNumber: 7n,
      sequence: 3n,
      vesting: { original: 10n, delegatedFree: 0n, delegatedVesting: 2n, startTime: 1000n, endTime: 2000n },
    })
    expect(any.typeUrl).toBe('/cosmos.vesting.v1beta1.ContinuousVestingAccount')
    expect(accountFromAny(any)).toMatchObject({ address: FAUCET, accountNumber: 7n, sequence: 3 })
  })

  test('CORS headers only for the --cors-origin origin', async () => {
    const allowed = await fetch(`${rpc}/cosmos/bank/v1beta1/balances/${FAUCET}`, {
      headers: { origin: 'https://wallet.example' },
    })
    expect(allowed.headers.get('access-control-allow-origin')).toBe('https://wallet.example')
    const other = await fetch(`${rpc}/cosmos/bank/v1beta1/balances/${FAUCET}`, {
      headers: { origin: 'https://other.example' },
    })
    expect(other.status).toBe(200)
    expect(other.headers.get('access-control-allow-origin')).toBeNull()
    const preflight = await fetch(`${rpc}/cosmos/tx/v1beta1/txs`, {
      method: 'OPTIONS',
      headers: { origin: 'https://wallet.example', 'access-control-request-method': 'POST' },
    })
    expect(preflight.status).toBe(204)
    expect(preflight.headers.get('access-control-allow-methods')).toContain('POST')
    const refused = await fetch(`${rpc}/cosmos/tx/v1beta1/txs`, {
      method: 'OPTIONS',
      headers: { origin: 'https://other.example' },
    })
    expect(refused.status).toBe(403)
  })

  test('bad input to every new method and route gets a clear error, and the node keeps running', async () => {
    const call = async (method: string, params: unknown) => {
      const r = await fetch(`${rpc}/`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
      })
      return (await r.json()) as { result?: Json; error?: { code: number; message: string } }
    }
    const hex = (b: Uint8Array) => Buffer.from(b).toString('hex')
    const { QueryAccountRequest } = await import('cosmjs-types/cosmos/auth/v1beta1/query')
    const rpcCases: [string, unknown, number, RegExp][] = [
      [
        'abci_query',
        { path: '/cosmos.auth.v1beta1.Query/Account', data: 'zz' },
        -32602,
        /params\.data: must be hex/,
      ],
      ['abci_query', { path: 5 }, -32602, /params\.path/],
      ['abci_query', { path: '/x', height: 'abc' }, -32602, /params\.height/],
      ['broadcast_tx_sync', { tx: '!!!' }, -32602, /base64/],
      ['broadcast_tx_sync', {}, -32602, /params\.tx/],
      ['broadcast_tx_commit', { tx: 42 }, -32602, /params\.tx/],
      ['tx', { hash: 'nothex' }, -32602, /32-byte hash/],
      ['tx', { hash: 'A'.repeat(64) }, -32001, /not found/],
      ['tx_search', { query: 'garbage' }, -32602, /cannot read/],
      ['tx_search', { query: `message.sender='${FAUCET}'` }, -32602, /tx\.hash/],
      ['tx_search', { query: "tx.hash='xyz'" }, -32602, /64 hex/],
      ['block', { height: '99999999' }, -32602, /current blockchain height/],
      ['block', { height: -1 }, -32602, /params\.height/],
      ['status', [1, 2], -32602, /named parameters/],
      ['subscribe', { query: "tm.event='Tx'" }, -32007, /WebSocket/],
    ]
    for (const [method, params, code, message] of rpcCases) {
      const r = await call(method, params)
      expect({ method, params, code: r.error?.code }).toEqual({ method, params, code })
      expect({ method, params, message: message.test(r.error?.message ?? '') }).toEqual({
        method,
        params,
        message: true,
      })
    }
    // abci_query answers a failed query in its response, as CometBFT does
    const abci = async (path: string, data: string) =>
      (await call('abci_query', { path, data })).result.response as {
        code: number
        log: string
        height: string
      }
    const notAddress = await abci(
      '/cosmos.auth.v1beta1.Query/Account',
      hex(QueryAccountRequest.encode({ address: 'nope' }).finish()),
    )
    expect(notAddress.code).toBe(18)
    expect(notAddress.log).toMatch(/InvalidArgument.*invalid address/)
    expect((await abci('/cosmos.auth.v1beta1.Query/Account', 'ffffffff')).log).toMatch(/does not decode/)
    expect((await abci('/cosmos.nope.Query/X', '')).log).toMatch(/unknown query path/)
    expect(Number((await abci('/cosmos.nope.Query/X', '')).height)).toBeGreaterThan(0)
    // garbage bytes in valid base64: a CheckTx-style refusal, not an error
    const garbage = await call('broadcast_tx_sync', {
      tx: Buffer.from('not a transaction').toString('base64'),
    })
    expect(garbage.result).toMatchObject({ code: 2, codespace: 'TX_MALFORMED' })

    const post = (path: string, body: string) =>
      fetch(`${rpc}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body })
    const restCases: [string, Promise<Response>, number, RegExp][] = [
      ['unknown route', fetch(`${rpc}/cosmos/nope`), 404, /no such route.*node_info/],
      ['bad address', fetch(`${rpc}/cosmos/auth/v1beta1/accounts/nope`), 400, /invalid address/],
      ['bad balance address', fetch(`${rpc}/cosmos/bank/v1beta1/balances/gat1xyz`), 400, /invalid address/],
      ['extra segment', fetch(`${rpc}/cosmos/bank/v1beta1/balances/${FAUCET}/x`), 404, /no such route/],
      ['GET on txs', fetch(`${rpc}/cosmos/tx/v1beta1/txs`), 405, /takes POST/],
      ['not JSON', post('/cosmos/tx/v1beta1/txs', '{nope'), 400, /not JSON/],
      ['wrong type', post('/cosmos/tx/v1beta1/txs', '{"tx_bytes":5}'), 400, /tx_bytes/],
      ['not base64', post('/cosmos/tx/v1beta1/txs', '{"tx_bytes":"@@@"}'), 400, /base64/],
      ['unknown field', post('/cosmos/tx/v1beta1/txs', '{"tx_bytes":"AAAA","x":1}'), 400, /invalid body/],
      [
        'block mode',
        post('/cosmos/tx/v1beta1/txs', '{"tx_bytes":"AAAA","mode":"BROADCAST_MODE_BLOCK"}'),
        400,
        /BLOCK is not supported/,
      ],
      ['deep', post('/cosmos/tx/v1beta1/simulate', `${'['.repeat(100)}${']'.repeat(100)}`), 400, /deeper/],
      ['garbage simulate', post('/cosmos/tx/v1beta1/simulate', '{"tx_bytes":"AAAA"}'), 400, /malformed/],
      ['bad hash', fetch(`${rpc}/cosmos/tx/v1beta1/txs/xyz`), 400, /64 hex/],
      ['unknown hash', fetch(`${rpc}/cosmos/tx/v1beta1/txs/${'B'.repeat(64)}`), 404, /NotFound/],
      [
        'huge body',
        post('/cosmos/tx/v1beta1/txs', `{"tx_bytes":"${'A'.repeat(2 * 1024 * 1024)}"}`),
        413,
        /exceeds the limit/,
      ],
    ]
    for (const [what, pending, status, message] of restCases) {
      const r = await pending
      const text = await r.text()
      expect({ what, status: r.status }).toEqual({ what, status })
      expect({ what, message: message.test(text) }).toEqual({ what, message: true })
    }
    // the WebSocket: a query we cannot read, a kind we do not serve
    const { WebSocket } = await import('ws')
    const ws = new WebSocket(`${rpc.replace(/^http/, 'ws')}/websocket`)
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve())
      ws.once('error', reject)
    })
    const replies: Json[] = []
    ws.on('message', (d) => replies.push(JSON.parse(d.toString())))
    ws.send(
      JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'subscribe',
        params: { query: "tm.event='NewBlock'" },
      }),
    )
    ws.send(JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'subscribe', params: { query: 'tm.event > 3' } }))
    ws.send(
      JSON.stringify({ jsonrpc: '2.0', id: 3, method: 'unsubscribe', params: { query: "tm.event='Tx'" } }),
    )
    await waitFor('three WebSocket answers', () => replies.length >= 3, 5000)
    ws.close()
    expect(replies.map((r) => [r.id, r.error?.code])).toEqual([
      [1, -32602],
      [2, -32602],
      [3, -32001],
    ])
    expect(replies[0].error.message).toMatch(/tm\.event='Tx'/)
    // still running, still answering
    expect(devnet.child.exitCode).toBeNull()
    const client = await StargateClient.connect(rpc)
    expect(await client.getHeight()).toBeGreaterThan(0)
    client.disconnect()
  })
})
