/**
 * Keeps the documentation walkable: every relative link and #anchor in README.md and docs/*.md
 * points at a file of the repository (not outside it, not one git ignores) and a heading that
 * exist, and every topic in docs/ is reachable from the README.
 */
import {spawnSync} from 'node:child_process'
import {existsSync} from 'node:fs'
import {dirname, isAbsolute, join, relative, resolve} from 'node:path'
import {describe, expect, it} from 'vitest'
import {DOCS, read, ROOT} from './docFiles.ts'
import {headingSlugs, markdownLinks} from './markdown.ts'

const docs = DOCS

/** Of the given paths (relative to the repository), those git ignores: absent from a clone. */
function ignored(paths: string[]): Set<string> {
  const {stdout} = spawnSync('git', ['check-ignore', '--no-index', '--stdin'], {
    cwd: ROOT,
    input: paths.join('\n'),
    encoding: 'utf8',
  })
  return new Set(stdout.split('\n').filter((line) => line !== ''))
}

describe('documentation links', () => {
  it.each(docs)('%s: every relative link and anchor resolves', (file) => {
    const broken: string[] = []
    const links = markdownLinks(read(file)).map((link) => {
      const [path, anchor] = splitTarget(link.target)
      const target = path === '' ? file : relative(ROOT, resolve(ROOT, dirname(file), path))
      return {link, anchor, target}
    })
    const outside = (target: string) => target.startsWith('..') || isAbsolute(target)
    // git check-ignore stops at the first path outside the repository.
    const notInClone = ignored(links.map(({target}) => target).filter((t) => !outside(t)))
    for (const {link, anchor, target} of links) {
      if (outside(target)) {
        broken.push(`${file}:${link.line}: ${link.target} (outside the repository)`)
        continue
      }
      if (notInClone.has(target)) {
        broken.push(`${file}:${link.line}: ${link.target} (git ignores it: not in a clone)`)
        continue
      }
      if (!existsSync(join(ROOT, target))) {
        broken.push(`${file}:${link.line}: ${link.target} (no such file)`)
        continue
      }
      if (anchor === undefined) continue
      if (!target.endsWith('.md')) {
        broken.push(
          `${file}:${link.line}: ${link.target} (an anchor into a file that is not Markdown)`,
        )
      } else if (!headingSlugs(read(target)).has(anchor)) {
        broken.push(`${file}:${link.line}: ${link.target} (no heading #${anchor} in ${target})`)
      }
    }
    expect(broken).toEqual([])
  })

  it('the README links every topic in docs/', () => {
    const linked = new Set(
      markdownLinks(read('README.md')).map((link) => splitTarget(link.target)[0]),
    )
    const unlinked = docs.filter((file) => file !== 'README.md' && !linked.has(file))
    expect(unlinked).toEqual([])
  })
})

function splitTarget(target: string): [path: string, anchor: string | undefined] {
  const hash = target.indexOf('#')
  const path = decodeURI(hash === -1 ? target : target.slice(0, hash))
  return [path, hash === -1 ? undefined : decodeURIComponent(target.slice(hash + 1))]
}
