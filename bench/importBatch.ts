/**
 * `npx node bench/importBatch.ts [--files N] [--rounds N] [--against DIR]` (`--help` prints this):
 * `npm run import` over N story files (default 2,000: the seed's files made distinct, a number
 * added to the title and to each related headline; the source is shared) into an empty dataset of
 * one lake of this checkout, as a child process, timed from its start to its exit. Two sides,
 * alternated A B, B A for `--rounds` rounds (default 2) so that they share the machine's load: A is
 * one file a transaction (`--per-transaction 1`), or with `--against DIR` (another checkout of
 * this repository, with its node_modules) that checkout's import with its defaults; B is this
 * checkout's import with its defaults. Prints each run, the medians of files/s per side, B/A and
 * the load average (1 min) before and after every run. Nothing is written to bench/results.
 */
import {spawn} from 'node:child_process'
import {readdirSync, readFileSync} from 'node:fs'
import {mkdir, mkdtemp, rm, writeFile} from 'node:fs/promises'
import {loadavg, tmpdir} from 'node:os'
import {join, resolve} from 'node:path'
import {alternated, startLake} from './lake.ts'
import {benchFlags, usageError} from './flags.ts'
import {median} from './stats.ts'

const ROOT = resolve(import.meta.dirname, '..')
const flags = benchFlags(import.meta.filename, {
  files: {type: 'string', default: '2000'},
  rounds: {type: 'string', default: '2'},
  against: {type: 'string'},
})
const files = Number(flags.files)
const rounds = Number(flags.rounds)
if (!(files >= 1) || !(rounds >= 1))
  usageError(import.meta.filename, '--files and --rounds must be at least 1')

type Side = {name: string; script: string; args: string[]}
/** The import refuses a dataset the lake does not list unless told to make it (87e4e98). */
const creating = (script: string) =>
  readFileSync(script, 'utf8').includes('create-dataset') ? ['--create-dataset'] : []
const againstScript = flags.against && join(resolve(flags.against), 'scripts/import.ts')
const ownScript = join(ROOT, 'scripts/import.ts')
const sides: Side[] = [
  againstScript
    ? {name: 'A', script: againstScript, args: creating(againstScript)}
    : {name: 'A', script: ownScript, args: ['--per-transaction', '1', ...creating(ownScript)]},
  {name: 'B', script: ownScript, args: creating(ownScript)},
]

/** A seed file made distinct: a number after the title and before each related headline. */
function variant(text: string, n: number): string {
  const lines = text.replace(/\r\n/g, '\n').split('\n')
  const title = lines[0]
  const credit = lines.findIndex((line) => /^\s*সূত্র\s*:/.test(line))
  return lines
    .map((line, index) => {
      if (index === 0 || line === title) return `${title} ${n}`
      if (credit !== -1 && index > credit + 1 && line.trim() !== '') return `${n} ${line}`
      return line
    })
    .join('\n')
}

function runImport(side: Side, folder: string, env: Record<string, string>): Promise<number> {
  return new Promise((done, fail) => {
    const child = spawn(
      process.execPath,
      [side.script, folder, '--as-of', '2025-07-20', ...side.args],
      {
        cwd: ROOT,
        env: {...process.env, ...env},
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    )
    let tail = ''
    child.stderr.on('data', (chunk: Buffer) => (tail = (tail + chunk.toString()).slice(-1000)))
    child.on('error', fail)
    child.on('close', (code) =>
      code === 0 ? done(code) : fail(new Error(`import exit ${code}: ${tail}`)),
    )
  })
}

const work = await mkdtemp(join(tmpdir(), 'bench-import-batch-'))
const folder = join(work, 'stories')
const seedDir = join(ROOT, 'data/seed')
const seeds = readdirSync(seedDir).filter((name) => name.endsWith('.txt'))
await mkdir(folder)
for (let i = 0; i < files; i++) {
  const text = readFileSync(join(seedDir, seeds[i % seeds.length]!), 'utf8')
  await writeFile(join(folder, `story-${String(i).padStart(5, '0')}.txt`), variant(text, i + 1))
}
const lake = await startLake(join(work, 'lake'))
const rates = new Map<string, number[]>(sides.map(({name}) => [name, []]))
try {
  let run = 0
  for (const {round, side} of alternated(sides, rounds)) {
    const env = {
      SANITY_STUDIO_API_HOST: lake.url,
      SANITY_STUDIO_DATASET: `import-${run++}`,
      SANITY_API_TOKEN: lake.token,
    }
    const before = loadavg()[0]!
    const started = performance.now()
    await runImport(side, folder, env)
    const seconds = (performance.now() - started) / 1000
    const rate = files / seconds
    rates.get(side.name)!.push(rate)
    process.stdout.write(
      `round ${round + 1} ${side.name}: ${files} files in ${seconds.toFixed(1)} s, ${rate.toFixed(1)} files/s ` +
        `(load ${before.toFixed(1)} → ${loadavg()[0]!.toFixed(1)})\n`,
    )
  }
} finally {
  await lake.stop()
  await rm(work, {recursive: true, force: true})
}
const a = median(rates.get('A')!)
const b = median(rates.get('B')!)
process.stdout.write(
  `median files/s: A ${a.toFixed(1)} (${sides[0]!.args.join(' ') || flags.against}), B ${b.toFixed(1)}; B/A ${(b / a).toFixed(2)}\n`,
)
