/**
 * `npm run bench -- --mixed [--size N | --full] [--minutes M] [--out FILE]`: the newsroom's day at
 * once on an archive (bench/mixedLoad.ts): 50 writers, 20 readers, 20 listeners, 2 history
 * readers, an export and anonymous hostile callers together, then the invariants. Prints a report
 * and writes bench/results/mixed.md; exit 1 when an invariant broke. Default: the full archive
 * (100,000 articles, 50,000 headlines, 1,000 sources) for 3 minutes.
 */
import {execFileSync} from 'node:child_process'
import {writeFileSync} from 'node:fs'
import {mkdtemp, rm} from 'node:fs/promises'
import http from 'node:http'
import {cpus, loadavg, tmpdir} from 'node:os'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'
import {EXIT, parseOptions, UsageError} from '../kit/cli.ts'
import {openVisibility} from '../lake/datasets/visibility.ts'
import {ARCHIVE, archiveDocuments, archiveOf} from './data.ts'
import {indexCaughtUp, postMutations, startLake} from './lake.ts'
import {runMixedLoad, type MixedReport} from './mixedLoad.ts'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const DATASET = 'archive'

const HELP = `Usage: npm run bench -- --mixed [--size N | --full] [--minutes M] [--out FILE]

The newsroom's day at once on an archive: 50 single-document writers (mutations and the Studio's
actions), 20 readers, 20 listeners (/listen and the live events API), 2 history readers, 1 export
and anonymous hostile callers together for M minutes, then the invariants (every listener heard
every committed transaction of its filter once and in order; acknowledged writes readable and the
final state equal to a model of them; no 5xx). Writes bench/results/mixed.md; exit 1 on a broken
invariant.

  --size N      articles (default: the full archive, 100,000; at least 100)
  --full        the archive: 100,000 articles, 50,000 headlines, 1,000 sources (the default)
  --minutes M   how long the load runs (default 3)
  --out FILE    write the report there instead
`

export async function mixedMain(argv: string[]): Promise<number> {
  let values
  try {
    ;({values} = parseOptions({
      args: argv,
      options: {
        help: {type: 'boolean', short: 'h'},
        size: {type: 'string'},
        full: {type: 'boolean'},
        minutes: {type: 'string', default: '3'},
        out: {type: 'string'},
      },
    }))
  } catch (error) {
    if (!(error instanceof UsageError)) throw error
    console.error(`${error.message}\nRun \`npm run bench -- --mixed --help\` for the usage.`)
    return EXIT.USAGE_ERROR
  }
  if (values.help) {
    process.stdout.write(HELP)
    return EXIT.SUCCESS
  }
  const articles = values.size && !values.full ? Number(values.size) : ARCHIVE.articles
  const minutes = Number(values.minutes)
  if (!Number.isInteger(articles) || articles < 100 || !(minutes > 0)) {
    console.error('--size must be a whole number of articles, at least 100; --minutes above 0')
    return EXIT.USAGE_ERROR
  }
  const size = archiveOf(articles)
  const dataDir = await mkdtemp(join(tmpdir(), 'lake-mixed-'))
  const agent = new http.Agent({keepAlive: true})
  const loads = [loadavg()[0]]
  try {
    const docs = archiveDocuments(size)
    // The hostile callers are anonymous: a public dataset lets their queries run.
    openVisibility(dataDir).set(DATASET, 'public')
    const lake = await startLake(dataDir)
    try {
      console.error(`loading ${docs.length} documents, load ${loadavg()[0].toFixed(2)}`)
      const t0 = performance.now()
      for (let i = 0; i < docs.length; i += 1000) {
        const batch = docs.slice(i, i + 1000).map((doc) => ({createOrReplace: doc}))
        await postMutations(agent, lake, DATASET, JSON.stringify({mutations: batch}))
      }
      await indexCaughtUp(dataDir, DATASET)
      console.error(`loaded in ${((performance.now() - t0) / 1000).toFixed(0)} s`)
      loads.push(loadavg()[0])
      const report = await runMixedLoad({
        lake,
        dataset: DATASET,
        archive: size,
        durationMs: minutes * 60_000,
        log: (line) => console.error(line),
      })
      loads.push(loadavg()[0])
      const text = render(report, {articles, minutes, docs: docs.length, loads})
      process.stdout.write(text)
      writeFileSync(values.out ?? join(ROOT, 'bench/results/mixed.md'), text)
      return report.violationCount === 0 ? EXIT.SUCCESS : 1
    } finally {
      await lake.stop()
    }
  } finally {
    agent.destroy()
    await rm(dataDir, {recursive: true, force: true})
  }
}

function render(
  r: MixedReport,
  run: {articles: number; minutes: number; docs: number; loads: number[]},
): string {
  const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], {cwd: ROOT})
    .toString()
    .trim()
  const flags = run.articles === ARCHIVE.articles ? '' : ` --size ${run.articles}`
  const statuses = Object.entries(r.statuses)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([key, n]) => `| ${key} | ${n} |`)
  return [
    '# Mixed load',
    '',
    `Measured ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC at commit ${commit} with ` +
      `\`npm run bench -- --mixed${flags} --minutes ${run.minutes}\` on ${cpus().length} cores, load ` +
      `${run.loads.map((l) => l.toFixed(1)).join(' → ')} (before loading, after, after the run). ` +
      `${run.docs.toLocaleString('en')} documents loaded, then ${r.seconds.toFixed(0)} s of 50 writers, 20 readers, ` +
      `14 /listen listeners + 6 live event streams, 2 history readers, 1 export and 2 anonymous hostile callers at once.`,
    '',
    `**Invariants: ${r.violationCount === 0 ? 'all held' : `${r.violationCount} broken`}.**`,
    ...r.violations.map((v) => `- ${v}`),
    '',
    '| figure | value |',
    '| --- | --- |',
    `| writes acknowledged | ${r.writesAcknowledged} (${r.writesPerSecond.toFixed(0)}/s) |`,
    `| reads | ${r.reads} |`,
    `| listener events (14 /listen) | ${r.listenerEvents}; streams told to start over: ${r.listenerRestarts} |`,
    `| live event messages (6 streams) | ${r.liveMessages} |`,
    `| history reads | ${r.historyReads} |`,
    `| exports | ${r.exports} |`,
    `| hostile requests | ${r.hostileRequests} |`,
    `| by-id p50 idle | ${r.byIdIdleP50.toFixed(1)} ms |`,
    `| by-id p50 / p90 under load | ${r.byIdLoadedP50.toFixed(1)} / ${r.byIdLoadedP90.toFixed(1)} ms (${(r.byIdLoadedP50 / r.byIdIdleP50).toFixed(1)}× idle) |`,
    `| lake RSS at the start / peak during the load | ${r.rssStartMb.toFixed(0)} / ${r.rssPeakMb.toFixed(0)} MB |`,
    `| CPU during the load's ${r.seconds.toFixed(0)} s: the lake (its event loop; its query threads, replaced ones included) / the callers | ${r.cpuSeconds.all.toFixed(0)} s (${r.cpuSeconds.eventLoop.toFixed(0)}; ${r.cpuSeconds.queryThreads.toFixed(0)}) / ${r.cpuSeconds.client.toFixed(0)} s |`,
    '',
    "| reader's query | answered | p50 / p90 answered | 504 at the deadline | failed otherwise |",
    '| --- | --- | --- | --- | --- |',
    ...r.readerShapes.map(
      (s) =>
        `| ${s.shape} | ${s.answers} | ${s.answers ? `${s.p50Ms.toFixed(0)} / ${s.p90Ms.toFixed(0)} ms` : '–'} | ${s.timeouts} | ${s.failures} |`,
    ),
    '',
    '| caller and status | answers |',
    '| --- | --- |',
    ...statuses,
    '',
  ].join('\n')
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  process.exit(await mixedMain(process.argv.slice(2)))
}
