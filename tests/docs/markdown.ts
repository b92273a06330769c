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
