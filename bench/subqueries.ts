/**
 * `node bench/subqueries.ts [--against DIR] [--rounds N] [--size N] [--samples N] [--only TEXT]`:
 * a subquery per outer document over HTTP (issue 9: `*[_type == "article"]{"x": *[_type ==
 * "article" && references(^._id)]._id}` never answered), a source with its latest articles (by
 * references() and by `source._ref == ^._id`), related articles by `section == ^.section`, and
 * articles sharing a slug, an article's headlines by `article._ref == ^._id` and a headline's
 * articles by `^._id in relatedHeadlines[]._ref` (the references table; the archive's articles have
 * no relatedHeadlines, so every answer is empty: what is measured is finding that out), a source's
 * latest by `^._id in [source._ref, originalSource._ref]` (the references table), an article's
 * headlines by `article->slug.current == ^.slug.current` (the side table, then the references table)
 * a headline's article by `_id == ^.article._ref` (a join by id), an article's related headlines by
 * `_id in ^.relatedHeadlines[]._ref` (by id, each string of the array; none in the archive) and a
 * source's articles by `source->name == ^.name` (a field the side table does not keep), and the
 * bench's headlines with their article and source (`order(position asc, _id asc) [0...10]`, in
 * the published and drafts perspectives) (`--only`: the queries whose name holds TEXT, or one of a comma-separated list). The
 * archive is loaded once (`--size` articles, default 20,000, with their sources and headlines) by
 * the first side and copied for the other (a side may migrate its copy on its first start, which
 * the older side could then not open); then each round starts each side's lake on its data folder
 * in turn (with `--against DIR`,
 * another checkout of this repository with its node_modules, as A; this one as B; the order
 * alternates), and sends each query once to warm up, then `--samples` times (default 5), one after
 * another. Printed: each side's p50 and the answers' statuses (a query stopped at the lake's
 * deadline is a 504 after 10 s). Nothing is written to bench/results.
 */
import http from 'node:http'
import {cp, mkdtemp, rm} from 'node:fs/promises'
import {loadavg, tmpdir} from 'node:os'
import {join} from 'node:path'
import type {LakeProcess} from '../kit/lakeProcess.ts'
import {archiveOf, archiveDocuments} from './data.ts'
import {abSides, alternated, loadArchiveFolder, postJson, startLake} from './lake.ts'
import {benchFlags} from './flags.ts'

const flags = benchFlags(import.meta.filename, {
  against: {type: 'string'},
  rounds: {type: 'string', default: '2'},
  size: {type: 'string', default: '20000'},
  samples: {type: 'string', default: '5'},
  only: {type: 'string'},
})
const rounds = Number(flags.rounds)
const samples = Number(flags.samples)
const SIZE = archiveOf(Number(flags.size))
const QUERIES = [
  {
    name: 'source with its latest 5',
    query:
      '*[_type == "source"]{name, "articles": *[_type == "article" && references(^._id)] | order(publishedAt desc) [0...5]{title}}',
  },
  {
    name: "issue 9's articles' referrers",
    query: '*[_type == "article"]{"x": *[_type == "article" && references(^._id)]._id}',
  },
  // Keyed by an indexed field equal to the outer scope (the side table), as front ends write them.
  {
    name: 'source with its latest 3 by _ref',
    query:
      '*[_type == "source"]{name, "latest": *[_type == "article" && source._ref == ^._id] | order(publishedAt desc) [0...3]{title}}',
  },
  {
    name: 'front page, 3 related by section',
    query:
      '*[_type == "article"] | order(publishedAt desc) [0...20]{title, "related": *[_type == "article" && section == ^.section && _id != ^._id] | order(publishedAt desc) [0...3]{title}}',
  },
  {
    name: 'articles sharing a slug',
    query:
      'count(*[_type == "article" && count(*[_type == "article" && slug.current == ^.slug.current]) > 1])',
  },
  // Keyed by the references table (any `_ref` of the inner document compared with the outer value).
  {
    name: "an article's headlines by _ref",
    query:
      '*[_type == "article"] | order(publishedAt desc) [0...20]{title, "headlines": *[_type == "headline" && article._ref == ^._id]{text}}',
  },
  {
    name: 'headlines in related lists',
    query:
      '*[_type == "headline"] | order(_id) [0...20]{text, "in": *[_type == "article" && ^._id in relatedHeadlines[]._ref]{title}}',
  },
  {
    name: "sources' latest 3 by either _ref",
    query:
      '*[_type == "source"] | order(_id) [0...20]{name, "latest": *[_type == "article" && ^._id in [source._ref, originalSource._ref]] | order(publishedAt desc) [0...3]{title}}',
  },
  // Through `->`: the slugs, then the references to them.
  {
    name: "an article's headlines by ->slug",
    query:
      '*[_type == "article"] | order(publishedAt desc) [0...20]{title, "headlines": *[_type == "headline" && article->slug.current == ^.slug.current]{text}}',
  },
  // Keyed by id: a join written out instead of `->`.
  {
    name: "headlines' articles by _id",
    query:
      '*[_type == "headline"] | order(_id) [0...20]{text, "article": *[_type == "article" && _id == ^.article._ref][0]{title}}',
  },
  // Keyed by id for each string of an outer array (the archive's articles have no
  // relatedHeadlines, so what is measured is finding that out), and through `->` on a field the
  // side table does not keep (the view read once, grouped by what `source->name` gives).
  {
    name: "articles' related headlines by _id in",
    query:
      '*[_type == "article"] | order(publishedAt desc) [0...20]{title, "related": *[_type == "headline" && _id in ^.relatedHeadlines[]._ref]{text}}',
  },
  {
    name: "sources' articles by ->name",
    query:
      '*[_type == "source"] | order(_id) [0...20]{name, "n": count(*[_type == "article" && source->name == ^.name])}',
  },
  // Not a subquery: the front page's headlines (the bench's row), sorted by `position`, which the
  // side table does not keep; in a stack too (`_id` then orders by document group).
  ...['published', 'drafts'].map((perspective) => ({
    name: `headlines with article and source, ${perspective}`,
    query:
      '*[_type == "headline"] | order(position asc, _id asc) [0...10] {text, "article": article->{title, "source": source->name}}',
    perspective,
  })),
].filter(({name}) => !flags.only || flags.only.split(',').some((text) => name.includes(text)))

const sides = await abSides(flags.against)
const agent = new http.Agent({keepAlive: true, maxFreeSockets: 1})

/** The time of one query and its status (200, or the error's status). */
async function timed(
  lake: LakeProcess,
  query: string,
  perspective = 'published',
): Promise<{ms: number; status: string}> {
  const t0 = performance.now()
  let status = '200'
  try {
    await postJson(
      agent,
      lake,
      `/v2025-02-19/data/query/archive?returnQuery=false&perspective=${perspective}`,
      JSON.stringify({query}),
    )
  } catch (err) {
    status = /\s(\d{3}):/.exec((err as Error).message)?.[1] ?? 'error'
  }
  return {ms: performance.now() - t0, status}
}

const dataDir = await mkdtemp(join(tmpdir(), 'lake-bench-subqueries-'))
try {
  await loadArchiveFolder(
    agent,
    join(dataDir, sides[0].name),
    archiveDocuments(SIZE),
    sides[0].start,
  )
  for (const side of sides.slice(1)) {
    await cp(join(dataDir, sides[0].name), join(dataDir, side.name), {recursive: true})
  }
  const p50s = new Map<string, string[]>()
  for (const {side} of alternated(sides, rounds)) {
    const lake = await startLake(join(dataDir, side.name), [], side.start)
    try {
      for (const {name, query, perspective} of QUERIES as {
        name: string
        query: string
        perspective?: string
      }[]) {
        await timed(lake, query, perspective)
        const runs: {ms: number; status: string}[] = []
        for (let i = 0; i < samples; i++) runs.push(await timed(lake, query, perspective))
        const times = runs.map((run) => run.ms).sort((a, b) => a - b)
        const p50 = times[Math.floor(times.length / 2)]
        const statuses = [...new Set(runs.map((run) => run.status))].join(',')
        const key = `${side.name} ${name}`
        p50s.set(key, [...(p50s.get(key) ?? []), p50.toFixed(0)])
        console.log(
          `${key.padEnd(34)} p50 ${p50.toFixed(0)} ms  status ${statuses}  load ${loadavg()[0].toFixed(2)}`,
        )
      }
    } finally {
      await lake.stop()
    }
  }
  for (const [key, values] of p50s) console.log(`${key.padEnd(34)} p50s ${values.join(' / ')} ms`)
} finally {
  agent.destroy()
  await rm(dataDir, {recursive: true, force: true})
}
