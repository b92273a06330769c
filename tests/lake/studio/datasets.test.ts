/**
 * `client.datasets` (create, edit, list) through the real @sanity/client, as hosted Sanity's
 * Projects API answers them: a dataset's `aclMode` is what it was created or edited with, and
 * decides whether anonymous callers read its published documents. A delete removes a dataset
 * whole, as if it had never been made.
 */
import type {SanityClient} from '@sanity/client'
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  renameSync,
  rmSync,
} from 'node:fs'
import {tmpdir} from 'node:os'
import {createServer, type ServerResponse} from 'node:http'
import type {AddressInfo} from 'node:net'
import {DatabaseSync} from 'node:sqlite'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it, vi} from 'vitest'
import {runCommand} from '../../../kit/cli.ts'
import {lakeCommand} from '../../../lake/cli.ts'
import {openAuthStore} from '../../../lake/cli/accounts.ts'
import {captureIo} from '../../helpers/io.ts'
import {startTestLake, type TestLake} from '../../helpers/lake.ts'
import {rejection} from '../contract/suite/clientCalls.ts'

let lake: TestLake
let admin: SanityClient

/** A client of `lake` with an administrator's token (datasets are the administrator's to manage). */
async function administrator(of: TestLake): Promise<SanityClient> {
  const {token} = await of.server.lake.auth!.store.createToken({
    label: 'admin',
    role: 'administrator',
  })
  return of.client({token})
}

beforeAll(async () => {
  lake = await startTestLake()
  admin = await administrator(lake)
})

afterAll(async () => {
  await lake?.close()
})

const aclModeOf = async (name: string) =>
  (await admin.datasets.list()).find((dataset) => dataset.name === name)?.aclMode

/** What an anonymous caller reads of `dataset`: the published titles. */
const anonymousTitles = (dataset: string) =>
  lake.client({token: undefined, dataset}).fetch<string[]>('*[_type == "article"].title')

describe('client.datasets', () => {
  it('create keeps the aclMode it is given', async () => {
    expect(await admin.datasets.create('open', {aclMode: 'public'})).toEqual({
      datasetName: 'open',
      aclMode: 'public',
    })
    expect(await aclModeOf('open')).toBe('public')
    await admin.withConfig({dataset: 'open'}).create({_type: 'article', title: 'খোলা'})
    expect(await anonymousTitles('open')).toEqual(['খোলা'])

    expect(await admin.datasets.create('closed', {aclMode: 'private'})).toEqual({
      datasetName: 'closed',
      aclMode: 'private',
    })
    expect(await aclModeOf('closed')).toBe('private')
  })

  it('edit changes the aclMode, and who may read', async () => {
    await admin.datasets.create('edited', {aclMode: 'private'})
    await admin.withConfig({dataset: 'edited'}).create({_type: 'article', title: 'সম্পাদিত'})
    expect(await anonymousTitles('edited')).toEqual([])

    expect(await admin.datasets.edit('edited', {aclMode: 'public'})).toEqual({
      datasetName: 'edited',
      aclMode: 'public',
    })
    expect(await aclModeOf('edited')).toBe('public')
    expect(await anonymousTitles('edited')).toEqual(['সম্পাদিত'])

    expect(await admin.datasets.edit('edited', {aclMode: 'private'})).toEqual({
      datasetName: 'edited',
      aclMode: 'private',
    })
    expect(await anonymousTitles('edited')).toEqual([])
  })

  it('an aclMode the lake has no such setting for is a 400, nothing changed', async () => {
    await admin.datasets.create('kept', {aclMode: 'private'})
    for (const call of [
      () => admin.datasets.create('custom', {aclMode: 'custom'}),
      () => admin.datasets.edit('kept', {aclMode: 'custom'}),
      () => admin.datasets.edit('kept', {aclMode: 'everyone'} as never),
    ]) {
      const err = await rejection(call())
      expect(err.statusCode).toBe(400)
      expect(err.message).toContain('aclMode')
    }
    expect(await aclModeOf('kept')).toBe('private')
  })

  it('an aclMode nested 30,000 deep is a 400 naming what it is, nothing made (was a 500)', async () => {
    // Its message wrote the value as JSON, which recursed past the stack.
    const {token} = admin.config()
    const deep = `${'['.repeat(30_000)}1${']'.repeat(30_000)}`
    for (const [method, name] of [
      ['PUT', 'deepacl'],
      ['PATCH', 'kept'],
    ]) {
      const res = await fetch(`${lake.url}/v2025-02-19/datasets/${name}`, {
        method,
        headers: {'content-type': 'application/json', authorization: `Bearer ${token}`},
        body: `{"aclMode":${deep}}`,
      })
      const text = await res.text()
      expect(res.status, `${method}: ${text.slice(0, 300)}`).toBe(400)
      expect(text).toContain('aclMode must be one of \\"public\\", \\"private\\", not an array')
    }
    expect(await aclModeOf('deepacl')).toBeUndefined()
    expect(await aclModeOf('kept')).toBe('private')
  })

  it('only administrators create or edit datasets', async () => {
    await admin.datasets.create('guarded', {aclMode: 'private'})
    const editor = lake.client()
    expect((await rejection(editor.datasets.create('other', {aclMode: 'public'}))).statusCode).toBe(
      403,
    )
    expect((await rejection(editor.datasets.edit('guarded', {aclMode: 'public'}))).statusCode).toBe(
      403,
    )
    expect(await aclModeOf('guarded')).toBe('private')
  })
})

describe('client.datasets.delete', () => {
  const filesOf = (name: string) => {
    const folder = join(lake.dataDir, 'datasets')
    return readdirSync(folder).filter((file) => file.startsWith(`${name}.`))
  }

  it('deletes the dataset: its documents, files, assets, listing and aclMode; a write makes it afresh', async () => {
    await admin.datasets.create('preview', {aclMode: 'public'})
    const preview = admin.withConfig({dataset: 'preview'})
    await preview.create({_id: 'kept', _type: 'article', title: 'পূর্বরূপ'})
    const asset = await preview.assets.upload('file', Buffer.from('পূর্বরূপের ফাইল'), {
      filename: 'preview.txt',
    })
    expect(filesOf('preview')).not.toEqual([])
    expect(existsSync(join(lake.dataDir, 'assets', 'local', 'preview'))).toBe(true)

    expect(await admin.datasets.delete('preview')).toEqual({deleted: true, name: 'preview'})

    expect((await admin.datasets.list()).map((dataset) => dataset.name)).not.toContain('preview')
    expect(filesOf('preview')).toEqual([])
    expect(existsSync(join(lake.dataDir, 'datasets', '.deleting', 'preview'))).toBe(false)
    expect(existsSync(join(lake.dataDir, 'assets', 'local', 'preview'))).toBe(false)
    expect(await preview.fetch('count(*)')).toBe(0)
    expect(await anonymousTitles('preview')).toEqual([])
    expect((await fetch(asset.url)).status).toBe(404)

    // As a dataset never made: a write makes it, empty but for that write, and private.
    await preview.create({_id: 'fresh', _type: 'article', title: 'নতুন'})
    expect(await preview.fetch('*[]._id')).toEqual(['fresh'])
    expect(await aclModeOf('preview')).toBe('private')
  })

  it('ends the listeners of the dataset, with disconnect', async () => {
    await admin.datasets.create('heard')
    const heard = admin.withConfig({dataset: 'heard'})
    await heard.create({_type: 'article', title: 'শোনা'})
    let welcomed = () => {}
    const listening = new Promise<void>((resolve) => (welcomed = resolve))
    const ended = new Promise<unknown>((resolve) => {
      heard.listen('*', {}, {events: ['welcome']}).subscribe({
        next: () => welcomed(),
        error: resolve,
        complete: () => resolve('completed'),
      })
    })
    await listening
    expect(await admin.datasets.delete('heard')).toEqual({deleted: true, name: 'heard'})
    expect(String(await ended)).toContain('deleted')
  })

  it('DELETE /projects/:projectId/datasets/:name deletes too', async () => {
    await admin.datasets.create('scratch')
    await admin.withConfig({dataset: 'scratch'}).create({_type: 'article', title: 'খসড়া'})
    expect(
      await admin.request({method: 'DELETE', uri: '/projects/local/datasets/scratch'}),
    ).toEqual({deleted: true, name: 'scratch'})
    expect(filesOf('scratch')).toEqual([])
  })

  it('a dataset that does not exist is a 404, a bad name a 400', async () => {
    expect((await rejection(admin.datasets.delete('never-made'))).statusCode).toBe(404)
    const err = await rejection(admin.request({method: 'DELETE', uri: '/datasets/Bad%20Name'}))
    expect(err.statusCode).toBe(400)
  })

  it('a second delete of a name is a 404, one after the other or at once', async () => {
    for (const name of ['twice', 'together']) {
      await admin.datasets.create(name)
      await admin.withConfig({dataset: name}).create({_type: 'article', title: 'দুবার'})
    }
    expect(await admin.datasets.delete('twice')).toEqual({deleted: true, name: 'twice'})
    expect((await rejection(admin.datasets.delete('twice'))).statusCode).toBe(404)
    const both = await Promise.allSettled([
      admin.datasets.delete('together'),
      admin.datasets.delete('together'),
    ])
    expect(both.map((outcome) => outcome.status).sort()).toEqual(['fulfilled', 'rejected'])
    const refused = both.find((outcome) => outcome.status === 'rejected')
    expect((refused as PromiseRejectedResult).reason.statusCode).toBe(404)
  })

  it('a delete asked while another of the name is under way is a 404 once its turn comes', async () => {
    await admin.datasets.create('queued')
    await admin.withConfig({dataset: 'queued'}).create({_type: 'article', title: 'সারি'})
    // The first delete is held before its file moves until the second is asked too: the second
    // meets the name still there, and waits behind the first.
    const {context} = lake.server.lake
    let release = () => {}
    const held = new Promise<void>((resolve) => (release = resolve))
    const remove = context.stores.delete.bind(context.stores)
    const storesDelete = vi
      .spyOn(context.stores, 'delete')
      .mockImplementationOnce(async (...args) => {
        await held
        return remove(...args)
      })
    const deleteDataset = context.deleteDataset
    let asked = 0
    context.deleteDataset = (name) => {
      if (++asked === 2) release()
      return deleteDataset(name)
    }
    try {
      const both = await Promise.allSettled([
        admin.datasets.delete('queued'),
        admin.datasets.delete('queued'),
      ])
      expect(both.map((outcome) => outcome.status).sort()).toEqual(['fulfilled', 'rejected'])
      const refused = both.find((outcome) => outcome.status === 'rejected')
      expect((refused as PromiseRejectedResult).reason.statusCode).toBe(404)
      expect((await admin.datasets.list()).map((dataset) => dataset.name)).not.toContain('queued')
      expect(filesOf('queued')).toEqual([])
    } finally {
      context.deleteDataset = deleteDataset
      storesDelete.mockRestore()
    }
  })

  it('an edit whose body comes after a delete of its dataset is a 404, and lists it not again', async () => {
    await admin.datasets.create('edited-away', {aclMode: 'private'})
    await admin.withConfig({dataset: 'edited-away'}).create({_type: 'article', title: 'মোছা'})
    // The edit's body is held until the delete is done: a stream pulled only when the lake reads.
    let reading = () => {}
    const read = new Promise<void>((resolve) => (reading = resolve))
    let send: ReadableStreamDefaultController<Uint8Array> | undefined
    const body = new ReadableStream<Uint8Array>(
      {start: (controller) => void (send = controller), pull: () => reading()},
      {highWaterMark: 0},
    )
    const edit = lake.server.lake.fetch(
      new Request(`${lake.url}/v2025-02-19/datasets/edited-away`, {
        method: 'PATCH',
        headers: {authorization: `Bearer ${admin.config().token}`},
        body,
        duplex: 'half',
      } as RequestInit),
    )
    await read
    expect(await admin.datasets.delete('edited-away')).toEqual({
      deleted: true,
      name: 'edited-away',
    })
    send!.enqueue(new TextEncoder().encode(JSON.stringify({aclMode: 'public'})))
    send!.close()
    expect((await edit).status).toBe(404)
    expect((await admin.datasets.list()).map((dataset) => dataset.name)).not.toContain(
      'edited-away',
    )
    // Made again by a write, it starts private, as a name never used.
    await admin.withConfig({dataset: 'edited-away'}).create({_type: 'article', title: 'নতুন'})
    expect(await aclModeOf('edited-away')).toBe('private')
  })

  it('only administrators delete datasets', async () => {
    await admin.datasets.create('held')
    await admin.withConfig({dataset: 'held'}).create({_type: 'article', title: 'রাখা'})
    expect((await rejection(lake.client().datasets.delete('held'))).statusCode).toBe(403)
    expect(await admin.withConfig({dataset: 'held'}).fetch('count(*)')).toBe(1)
  })
})

describe('npm run lake -- datasets delete', () => {
  /** The command, in-process, for the test lake's data folder and address. */
  async function cli(...args: string[]) {
    const io = captureIo({env: {SANITY_STUDIO_API_HOST: lake.url}})
    const status = await runCommand(lakeCommand, ['datasets', ...args, '--data', lake.dataDir], io)
    return {status, stdout: io.out(), stderr: io.err()}
  }

  it('deletes through the running lake once --force confirms it, leaving no token behind', async () => {
    await admin.datasets.create('shell')
    await admin.withConfig({dataset: 'shell'}).create({_type: 'article', title: 'শেল'})
    const unconfirmed = await cli('delete', 'shell')
    expect(unconfirmed.status).toBe(2)
    expect(unconfirmed.stderr).toContain('--force')
    expect(await admin.withConfig({dataset: 'shell'}).fetch('count(*)')).toBe(1)

    const {status, stdout} = await cli('delete', 'shell', '--force')
    expect(status).toBe(0)
    expect(stdout).toContain('"shell" deleted')
    expect((await admin.datasets.list()).map((dataset) => dataset.name)).not.toContain('shell')
    const tokens = lake.server.lake.auth!.store.listTokens()
    expect(tokens.filter((token) => token.role === 'administrator').map((t) => t.label)).toEqual([
      'admin',
    ])
  })

  it('makes a token that expires on its own, for a command stopped before it revokes it', async () => {
    // A lake that takes the request and holds it, as one slow to answer: meanwhile a Ctrl-C or a
    // kill stops the command before its revocation runs.
    const held: ServerResponse[] = []
    let arrived = () => {}
    const arrival = new Promise<void>((resolve) => (arrived = resolve))
    const slow = createServer((_request, response) => {
      held.push(response)
      arrived()
    })
    await new Promise<void>((listening) => slow.listen(0, '127.0.0.1', listening))
    const io = captureIo({
      env: {SANITY_STUDIO_API_HOST: `http://127.0.0.1:${(slow.address() as AddressInfo).port}`},
    })
    const running = runCommand(
      lakeCommand,
      ['datasets', 'delete', 'held', '--force', '--data', lake.dataDir],
      io,
    )
    try {
      // Its request arrives once its token is made (a command that ended first made none).
      await Promise.race([arrival, running])
      expect(held).toHaveLength(1)
      const made = lake.server.lake
        .auth!.store.listTokens()
        .find((t) => t.role === 'administrator' && t.label.includes('held'))
      expect(made?.expiresAt).toEqual(expect.any(String))
      expect(Date.parse(made!.expiresAt!) - Date.parse(made!.createdAt)).toBeLessThanOrEqual(
        15 * 60_000,
      )
    } finally {
      for (const response of held) response.writeHead(404).end('{}')
      await running
      slow.close()
    }
  })

  it('says what the lake answered when it refuses', async () => {
    const {status, stderr} = await cli('delete', 'never-made', '--force')
    expect(status).toBe(1)
    expect(stderr).toContain('404')
  })

  // The shell `eval "$(npm run -s lake -- env --export --data D)"` prepares: the lake's address and
  // its data folder. The token was made in ./.lake, which the lake never heard of: a bare 401.
  it('takes the data folder from LAKE_DATA, as the shell env --export prepares', async () => {
    await admin.datasets.create('shelled')
    const io = captureIo({env: {SANITY_STUDIO_API_HOST: lake.url, LAKE_DATA: lake.dataDir}})
    expect(await runCommand(lakeCommand, ['datasets', 'delete', 'shelled', '--force'], io)).toBe(0)
    expect(io.err()).toBe('')
    expect((await admin.datasets.list()).map((dataset) => dataset.name)).not.toContain('shelled')
  })

  it('says plainly when the data folder is not that lake’s, and writes nothing into it', async () => {
    await admin.datasets.create('kept')
    const empty = mkdtempSync(join(tmpdir(), 'no-lake-'))
    const other = mkdtempSync(join(tmpdir(), 'other-lake-'))
    openAuthStore(other).close()
    try {
      for (const dataDir of [empty, other]) {
        const io = captureIo({env: {SANITY_STUDIO_API_HOST: lake.url}})
        const args = ['datasets', 'delete', 'kept', '--force', '--data', dataDir]
        expect(await runCommand(lakeCommand, args, io), dataDir).toBe(1)
        expect(io.err(), dataDir).toContain(`${dataDir} is not the data folder of the lake at`)
        expect(io.err(), dataDir).toContain('--data')
      }
      expect(readdirSync(empty)).toEqual([])
      expect(await aclModeOf('kept')).toBeDefined()
    } finally {
      rmSync(empty, {recursive: true, force: true})
      rmSync(other, {recursive: true, force: true})
    }
  })

  // It took no address: a lake on another port than 3334 was reached only through
  // SANITY_STUDIO_API_HOST, though env, start and dev all take --port.
  it('--port (with --host) names the lake, as env does, without SANITY_STUDIO_API_HOST', async () => {
    await admin.datasets.create('elsewhere')
    const {port, hostname} = new URL(lake.url)
    const io = captureIo({env: {}})
    const args = ['datasets', 'delete', 'elsewhere', '--force', '--data', lake.dataDir]
    const status = await runCommand(lakeCommand, [...args, '--port', port, '--host', hostname], io)
    expect(io.err()).toBe('')
    expect(status).toBe(0)
    expect((await admin.datasets.list()).map((dataset) => dataset.name)).not.toContain('elsewhere')
  })

  it('--port wins over SANITY_STUDIO_API_HOST; a bad one is a usage error', async () => {
    await admin.datasets.create('flagged')
    const io = captureIo({env: {SANITY_STUDIO_API_HOST: 'https://localhost:1'}})
    const args = ['datasets', 'delete', 'flagged', '--force', '--data', lake.dataDir]
    expect(await runCommand(lakeCommand, [...args, '--port', new URL(lake.url).port], io)).toBe(0)
    expect((await admin.datasets.list()).map((dataset) => dataset.name)).not.toContain('flagged')
    const bad = captureIo({env: {}})
    expect(await runCommand(lakeCommand, [...args, '--port', '0'], bad)).toBe(2)
    expect(bad.err()).toContain('--port must be a port number')
    // visibility writes the data folder, never a lake: an address there would be ignored.
    const visibility = captureIo({env: {}})
    const set = ['datasets', 'visibility', 'flagged', 'public', '--data', lake.dataDir]
    expect(await runCommand(lakeCommand, [...set, '--port', '4334'], visibility)).toBe(2)
  })
})

describe('client.datasets.delete, with requests under way', () => {
  let single: TestLake
  let owner: SanityClient

  beforeAll(async () => {
    // One query thread: the search after the delete runs where the one before it opened the file.
    single = await startTestLake({serverOptions: {queryThreads: 1}})
    owner = await administrator(single)
  })

  afterAll(async () => {
    await single?.close()
  })

  it('a query thread reads the dataset made again, not the deleted file', async () => {
    const again = owner.withConfig({dataset: 'again'})
    await again.create({_id: 'old', _type: 'article', title: 'word old'})
    // A text search runs on a query thread, over the thread's own connection to the file.
    const search = () => again.fetch('*[title match "word"]._id')
    expect(await search()).toEqual(['old'])
    await owner.datasets.delete('again')
    await again.create({_id: 'new', _type: 'article', title: 'word new'})
    expect(await search()).toEqual(['new'])
  })

  it('writes and reads under way finish or are a 404, never a 5xx', async () => {
    const busy = owner.withConfig({dataset: 'busy'})
    await busy.create({_type: 'article', title: 'first'})
    const requests = Array.from({length: 30}, (_, i) =>
      i % 2 === 0
        ? busy.create({_type: 'article', title: `write ${i}`})
        : // On a query thread (match): the writes after the delete make the file again, and a
          // thread may open it before their schema is committed.
          busy.fetch('*[title match "write"]._id'),
    )
    const deleted = owner.datasets.delete('busy')
    const outcomes = await Promise.allSettled([...requests, deleted])
    const failures = outcomes.flatMap((outcome) =>
      outcome.status === 'rejected'
        ? [(outcome.reason as {statusCode?: number}).statusCode ?? String(outcome.reason)]
        : [],
    )
    for (const status of failures) expect(status).toBe(404)
    expect(await deleted).toEqual({deleted: true, name: 'busy'})
    // The lake goes on: the name is a dataset made again by the next write.
    await busy.create({_id: 'after', _type: 'article', title: 'after'})
    expect(await busy.fetch('*[_id == "after"]._id')).toEqual(['after'])
  })
})

describe("queries racing a dataset's first write", () => {
  let racing: TestLake
  let owner: SanityClient

  beforeAll(async () => {
    racing = await startTestLake()
    owner = await administrator(racing)
  })

  afterAll(async () => {
    await racing?.close()
  })

  it('answer the empty dataset or the written documents, never a 5xx', async () => {
    // Each on a query thread (match, ^), which opens the file the first write is making.
    const forms = [
      '*[title match "word"]._id',
      'count(*[title match "word"])',
      '*[_id == "a" && title match "word"][0]._id',
      '*[_type == "article" && _id == *[_id == ^._id][0]._id]._id',
    ]
    const empty = [[], 0, null, []]
    for (let round = 0; round < 10; round++) {
      const fresh = owner.withConfig({dataset: `fresh${round}`})
      const queries = Array.from({length: 24}, (_, i) =>
        fresh.fetch(forms[i % forms.length]).then((answer) => ({form: i % forms.length, answer})),
      )
      const writes = [
        fresh.create({_id: 'a', _type: 'article', title: 'a word'}),
        fresh.create({_id: 'b', _type: 'article', title: 'b word'}),
      ]
      const outcomes = await Promise.allSettled([...queries, ...writes])
      const failures = outcomes.flatMap((outcome) =>
        outcome.status === 'rejected' ? [String(outcome.reason)] : [],
      )
      expect(failures).toEqual([])
      for (const outcome of outcomes.slice(0, queries.length)) {
        const {form, answer} = (outcome as PromiseFulfilledResult<{form: number; answer: unknown}>)
          .value
        const written = [['a', 'b'], 2, 'a', ['a', 'b']][form]
        // Empty, or what was written by then (one write, or both).
        if (JSON.stringify(answer) === JSON.stringify(empty[form])) continue
        if (Array.isArray(answer)) expect(written).toEqual(expect.arrayContaining(answer))
        else if (typeof answer === 'number') expect(answer).toBeLessThanOrEqual(2)
        else expect(answer).toBe('a')
      }
    }
  })
})

/**
 * A log of `file`'s every page, as a lake killed before its checkpoint leaves one: VACUUM in WAL
 * mode writes the whole database through the log. Written beside `target` (a dataset file's name).
 */
function staleLogOf(file: string, target: string) {
  const copy = `${file}.copy`
  copyFileSync(file, copy)
  const db = new DatabaseSync(copy)
  db.exec('PRAGMA journal_mode = WAL')
  db.exec('PRAGMA wal_autocheckpoint = 0')
  db.exec('VACUUM')
  copyFileSync(`${copy}-wal`, `${target}-wal`)
  db.close()
  rmSync(copy)
}

describe('client.datasets.delete, killed in the middle', () => {
  it('the next start finishes it: nothing of the dataset is left, and its name is new again', async () => {
    const first = await startTestLake()
    const before = await administrator(first)
    await before.datasets.create('half', {aclMode: 'public'})
    await before.withConfig({dataset: 'half'}).create({_id: 'old', _type: 'article', title: 'old'})
    await before.withConfig({dataset: 'half'}).assets.upload('file', Buffer.from('half'))
    await first.close({keepData: true})
    const folder = join(first.dataDir, 'datasets')
    // Killed after the delete moved the file aside, before its log: what the first rename leaves.
    const file = join(folder, 'half.sqlite')
    staleLogOf(file, file)
    mkdirSync(join(folder, '.deleting', 'half'), {recursive: true})
    renameSync(file, join(folder, '.deleting', 'half', 'half.sqlite'))

    const again = await startTestLake({dataDir: first.dataDir})
    try {
      const after = await administrator(again)
      const names = (await after.datasets.list()).map((dataset) => dataset.name)
      expect(names).not.toContain('half')
      expect(existsSync(join(folder, '.deleting', 'half'))).toBe(false)
      expect(existsSync(join(again.dataDir, 'assets', 'local', 'half'))).toBe(false)
      expect(readdirSync(folder).filter((name) => name.startsWith('half.'))).toEqual([])
      const half = after.withConfig({dataset: 'half'})
      await half.create({_id: 'fresh', _type: 'article', title: 'fresh'})
      expect(await half.fetch('*[]._id')).toEqual(['fresh'])
      expect((await after.datasets.list()).find((d) => d.name === 'half')?.aclMode).toBe('private')
    } finally {
      await again.close()
    }
  })

  it('killed before its file moved, the dataset stays whole: its assets and visibility kept', async () => {
    const first = await startTestLake()
    const before = await administrator(first)
    await before.datasets.create('whole', {aclMode: 'public'})
    const asset = await before
      .withConfig({dataset: 'whole'})
      .assets.upload('file', Buffer.from('whole'))
    await first.close({keepData: true})
    const folder = join(first.dataDir, 'datasets')
    // The delete made its folder and was killed before the first rename: nothing was deleted yet.
    mkdirSync(join(folder, '.deleting', 'whole'), {recursive: true})

    const again = await startTestLake({dataDir: first.dataDir})
    try {
      const after = await administrator(again)
      const listed = (await after.datasets.list()).find((d) => d.name === 'whole')
      expect(listed?.aclMode).toBe('public')
      expect(existsSync(join(folder, '.deleting', 'whole'))).toBe(false)
      const files = readdirSync(join(again.dataDir, 'assets', 'local', 'whole'), {recursive: true})
      expect(files.length).toBeGreaterThan(0)
      const stored = await after.withConfig({dataset: 'whole'}).getDocument(asset._id)
      expect(stored?._id).toBe(asset._id)
    } finally {
      await again.close()
    }
  })
})
