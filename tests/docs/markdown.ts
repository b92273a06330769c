/** Just enough Markdown for the link check: links outside code, and GitHub's heading anchors. */

export interface MarkdownLink {
  target: string
  /** 1-based line of the link. */
  line: number
}

/** Lines with fenced code blocks blanked (kept as empty lines so numbering stays right). */
function proseLines(markdown: string): string[] {
  let fence: string | null = null
  return markdown.split('\n').map((line) => {
    const opener = /^\s*(`{3,}|~{3,})/.exec(line)
    if (fence === null && opener) {
      fence = opener[1]!
      return ''
    }
    if (fence !== null) {
      if (line.trim().startsWith(fence)) fence = null
      return ''
    }
    return line
  })
}

/** Relative links (`[text](target)`, `[label]: target`): no scheme, no protocol-relative URL. */
export function markdownLinks(markdown: string): MarkdownLink[] {
  const links: MarkdownLink[] = []
  proseLines(markdown).forEach((text, index) => {
    const line = text.replace(/`[^`]*`/g, '').replace(/<!--.*?-->/g, '')
    const targets = [
      ...[...line.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)].map((m) => m[1]!),
      ...[...line.matchAll(/^\s*\[[^\]]+\]:\s*<?(\S+?)>?(?:\s|$)/g)].map((m) => m[1]!),
    ]
    for (const target of targets) {
      if (/^[a-z][a-z0-9+.-]*:/i.test(target) || target.startsWith('//')) continue
      links.push({target, line: index + 1})
    }
  })
  return links
}

/** GitHub's anchor for a heading text: lowercase, punctuation dropped, each space a hyphen. */
export function slugify(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc}\- ]/gu, '')
    .replace(/ /g, '-')
}

/** Every anchor the headings of a document get on GitHub, repeats numbered `-1`, `-2`, … */
export function headingSlugs(markdown: string): Set<string> {
  const slugs = new Set<string>()
  const seen = new Map<string, number>()
  for (const line of proseLines(markdown)) {
    const heading = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line)
    if (!heading) continue
    const base = slugify(heading[1]!)
    const count = seen.get(base) ?? 0
    seen.set(base, count + 1)
    slugs.add(count === 0 ? base : `${base}-${count}`)
  }
  return slugs
}

/** A project command a document tells the reader to run, as `npm run` or `npx` spells it. */
export interface DocCommand {
  /**
   * `npm run NAME`: the script; `npx node FILE` / `npx vitest run FILE`: the file; any other
   * `npx NAME`: the installed tool.
   */
  kind: 'script' | 'node' | 'vitest' | 'bin'
  target: string
  /** The words after `--` (an npm script's) or after the file, up to the first flag. */
  words: string[]
  /** Every `--flag` given to the command. */
  flags: string[]
  /** Environment variables set before the command (`NAME=value npm run …`). */
  env: string[]
  line: number
}

const COMMAND =
  /((?:\b[A-Z][A-Z0-9_]*=\S*\s+)*)(?:npm run(?:\s+-s)?\s+([\w:-]+)|npx node\s+(\S+)|npx vitest run\s+(\S+)|npx\s+([\w@./-]+))/g

/**
 * The commands in a document, in code and prose alike. A command's arguments end at a shell
 * comment (` #`), a pipe, `)`, `;`, `&` or the end of its code span; quoted arguments (GROQ, a
 * name) are skipped, and an npm script's own arguments start after its `--`.
 */
export function markdownCommands(markdown: string): DocCommand[] {
  const commands: DocCommand[] = []
  markdown.split('\n').forEach((text, index) => {
    for (const match of text.matchAll(COMMAND)) {
      const [whole, envPart = '', script, nodeFile, vitestFile, bin] = match
      const kind = script ? 'script' : nodeFile ? 'node' : vitestFile ? 'vitest' : 'bin'
      const target = (script ?? nodeFile ?? vitestFile ?? bin)!.replace(/[`,.;:)]+$/, '')
      let rest = text
        .slice(match.index + whole.length)
        .replace(/'[^']*'|"[^"]*"/g, ' ')
        .split(/\s#|[`|);&"\\]/)[0]!
      if (kind === 'script') {
        const dashes = rest.match(/^\s+--(?=\s|$)/)
        rest = dashes ? rest.slice(dashes[0].length) : ''
      }
      const tokens = rest.split(/\s+/).filter((token) => token !== '')
      const firstFlag = tokens.findIndex((token) => token.startsWith('-'))
      commands.push({
        kind,
        target,
        words: (firstFlag === -1 ? tokens : tokens.slice(0, firstFlag)).filter((word) =>
          /^[\p{L}\p{N}._@/:-]+$/u.test(word),
        ),
        flags: [...rest.matchAll(/(?<![\w-])--[a-z][\w-]*/g)].map((flag) => flag[0]),
        env: [...envPart.matchAll(/([A-Z][A-Z0-9_]*)=/g)].map((name) => name[1]!),
        line: index + 1,
      })
    }
  })
  return commands
}

/** A `curl` command in a document's code, its `\`-continued lines joined. */
export interface DocCurl {
  text: string
  /** 1-based line where it starts. */
  line: number
}

/** The `curl` commands in a document's fenced code blocks. */
export function markdownCurls(markdown: string): DocCurl[] {
  const curls: DocCurl[] = []
  let fence: string | null = null
  let open: DocCurl | null = null
  markdown.split('\n').forEach((line, index) => {
    const opener = /^\s*(`{3,}|~{3,})/.exec(line)
    if (fence === null) {
      if (opener) fence = opener[1]!
      return
    }
    if (line.trim().startsWith(fence)) {
      fence = null
      return
    }
    if (open === null && /^\s*curl\s/.test(line)) open = {text: '', line: index + 1}
    if (open === null) return
    open.text += line.replace(/\\\s*$/, ' ')
    if (!/\\\s*$/.test(line)) {
      curls.push({...open, text: open.text.trim()})
      open = null
    }
  })
  return curls
}

/** A GROQ example: a ```groq block, or the query of an `npm run query` line in a code block. */
export interface DocQuery {
  query: string
  /** The `npm run query` flags given with it (`--param who=…`, `--perspective drafts`). */
  args: string[]
  line: number
}

/** The GROQ examples in a document's fenced code blocks. */
export function markdownQueries(markdown: string): DocQuery[] {
  const queries: DocQuery[] = []
  let fence: string | null = null
  let groq: DocQuery | null = null
  markdown.split('\n').forEach((line, index) => {
    const opener = /^\s*(`{3,}|~{3,})(\w*)/.exec(line)
    if (fence === null) {
      if (!opener) return
      fence = opener[1]!
      if (opener[2] === 'groq') groq = {query: '', args: [], line: index + 2}
      return
    }
    if (line.trim().startsWith(fence)) {
      if (groq !== null) queries.push({...groq, query: groq.query.trim()})
      fence = null
      groq = null
      return
    }
    if (groq !== null) {
      groq.query += `${line}\n`
      return
    }
    const command = /npm run(?:\s+-s)?\s+query\s+--\s+'([^']+)'(.*)$/.exec(line)
    if (!command) return
    const flags = command[2]!.split(/\s#/)[0]!
    const args = [...flags.matchAll(/(--param|--perspective)\s+(\S+)/g)].flatMap((m) => [
      m[1]!,
      m[2]!,
    ])
    queries.push({query: command[1]!, args, line: index + 1})
  })
  return queries
}

/** A cell of a Markdown table, its text trimmed. */
export interface TableCell {
  text: string
  line: number
}

/** The cells of every table row outside code blocks; `\|` inside a cell does not split it. */
export function tableCells(markdown: string): TableCell[] {
  return proseLines(markdown).flatMap((line, index) => {
    if (!/^\s*\|/.test(line)) return []
    return line
      .trim()
      .replace(/^\||\|$/g, '')
      .split(/(?<!\\)\|/)
      .map((text) => ({text: text.trim(), line: index + 1}))
  })
}
