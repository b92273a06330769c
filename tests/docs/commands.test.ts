/**
 * Keeps the documentation's commands runnable: every `npm run NAME` in README.md and docs/*.md is a
 * script of package.json, every `npx node FILE` and `npx vitest run FILE` names a file that exists,
 * every other `npx NAME` is a tool the project installs,
 * every subcommand of `npm run lake` and every `--flag` is one the command answers to (its `--help`,
 * or for a bench tool without one, its parseArgs options), and every variable set before a command
 * is one the code reads. Every `curl` example is one curl runs as written against the lake.
 */
import {spawnSync} from 'node:child_process'
import {existsSync, readdirSync, readFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {DOCS, read, ROOT} from './docFiles.ts'
import {markdownCommands, markdownCurls, type DocCommand} from './markdown.ts'

const docs = DOCS

const scripts = JSON.parse(read('package.json')).scripts as Record<string, string>

/** The file an npm script runs with Node (`node [flags] FILE …`), if it is one. */
function scriptFile(script: string): string | undefined {
  return /^node\s+(?:--\S+\s+)*(\S+\.ts)\b/.exec(scripts[script] ?? '')?.[1]
}

const helps = new Map<string, string | null>()
/** What `node FILE ...words --help` prints, or null when it does not answer --help. */
function help(file: string, words: string[] = []): string | null {
  const key = [file, ...words].join(' ')
  if (!helps.has(key)) {
    const {status, stdout} = spawnSync(process.execPath, [file, ...words, '--help'], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 60_000,
    })
    helps.set(key, status === 0 ? stdout : null)
  }
  return helps.get(key)!
}

/** The lake's commands, as its `--help` lists them. */
function lakeCommands(): Set<string> {
  const text = help('lake/cli.ts') ?? ''
  const list = text.slice(text.indexOf('Commands:'))
  return new Set([...list.matchAll(/^\s{2}([a-z]+)\s/gm)].map((m) => m[1]!))
}

/**
 * Where a command's flags are described: its help, or its source when it has none (a bench tool
 * without a usage text is never run: it would start measuring).
 */
function flagsSource(file: string, words: string[]): {text: string; from: string} {
  const source = read(file)
  const text = source.includes('Usage: npm') ? help(file, words) : null
  if (text !== null) return {text, from: `${[file, ...words].join(' ')} --help`}
  return {text: source, from: `${file}'s options`}
}

function knows(source: {text: string; from: string}, flag: string): boolean {
  const names = [flag.slice(2), flag.replace(/^--no-/, '')]
  return names.some((name) =>
    source.from.endsWith('--help')
      ? new RegExp(`(?<![\\w-])--(?:\\[no-\\])?${name}(?![\\w-])`).test(source.text)
      : new RegExp(`(?:'${name}'|\\b${name}):\\s*\\{\\s*type:`).test(source.text),
  )
}

/** Source files the code reads environment variables in. */
const codeText = ['bench', 'lake', 'scripts', 'kit', 'tests', 'studio', 'examples', '.ci']
  .flatMap((dir) =>
    readdirSync(join(ROOT, dir), {recursive: true, encoding: 'utf8'})
      .filter((name) => /\.(ts|tsx|mjs|js)$/.test(name) || dir === '.ci')
      .filter((name) => !name.includes('node_modules') && !name.includes('.next'))
      .map((name) => join(dir, name)),
  )
  .filter((file) => existsSync(join(ROOT, file)) && !file.startsWith('tests/docs'))
  .concat(['playwright.config.ts', 'vitest.config.ts', 'sanity.config.ts', 'package.json'])
  .map((file) => {
    try {
      return readFileSync(join(ROOT, file), 'utf8')
    } catch {
      return ''
    }
  })
  .join('\n')

function problems(file: string, command: DocCommand): string[] {
  const where = `${file}:${command.line}`
  const found: string[] = []
  for (const name of command.env) {
    if (!codeText.includes(name)) found.push(`${where}: ${name} is read nowhere in the code`)
  }
  let runs: string | undefined
  let words: string[] = []
  if (command.kind === 'script') {
    if (!(command.target in scripts)) {
      return [...found, `${where}: npm run ${command.target} (no such script in package.json)`]
    }
    runs = scriptFile(command.target)
    if (runs === 'lake/cli.ts') {
      const sub = command.words[0] ?? 'start'
      if (!lakeCommands().has(sub)) {
        return [...found, `${where}: npm run lake -- ${sub} (no such command)`]
      }
      words = [sub]
      const action = command.words[1]
      if (action !== undefined && /^[a-z]+$/.test(action)) {
        const usage = help('lake/cli.ts', words) ?? ''
        if (!new RegExp(`lake -- ${sub} ${action}(?![\\w-])`).test(usage)) {
          found.push(`${where}: npm run lake -- ${sub} ${action} (not in its --help)`)
        }
      }
    }
  } else if (command.kind === 'bin') {
    if (!existsSync(join(ROOT, 'node_modules/.bin', command.target))) {
      found.push(`${where}: npx ${command.target} (no such tool in node_modules/.bin)`)
    }
  } else if (!existsSync(join(ROOT, command.target))) {
    return [...found, `${where}: npx ${command.kind} ${command.target} (no such file)`]
  } else if (command.kind === 'node') {
    runs = command.target
  }
  if (runs === undefined) return found
  const source = flagsSource(runs, words)
  for (const flag of command.flags) {
    if (flag === '--help') continue
    if (!knows(source, flag)) found.push(`${where}: ${flag} (not in ${source.from})`)
  }
  return found
}

describe('documentation commands', () => {
  // Each command's --help is a Node process importing the command: README.md's took 14 s at a
  // load of 20 on two cores and passed the default 30 s beside other test files at 24.
  it.each(docs)(
    '%s: every npm run and npx command exists with its flags',
    {timeout: 180_000},
    (file) => {
      const found = markdownCommands(read(file)).flatMap((command) => problems(file, command))
      expect(found).toEqual([])
    },
  )
})

/** What `npm run lake -- env` sets in a shell, so a curl example may use it after that eval. */
const LAKE_ENV = ['SANITY_STUDIO_API_HOST', 'SANITY_API_TOKEN', 'NODE_EXTRA_CA_CERTS']

function curlProblems(file: string, text: string, line: number): string[] {
  const where = `${file}:${line}`
  const found: string[] = []
  const url = /'(https?:\/\/[^']*)'|"(https?:\/\/[^"]*)"|(https?:\/\/\S+)/.exec(text)
  const address = url?.[1] ?? url?.[2] ?? url?.[3] ?? ''
  // curl reads [] and {} in a URL as its own ranges and lists: exit 3, "bad range".
  if (/[[\]{}]/.test(address) && !/\s(?:-g|--globoff)\b/.test(text)) {
    found.push(`${where}: curl needs -g (--globoff) for a URL with [ ] { }`)
  }
  // The lake's own certificate authority: curl knows it only when told (or after `trust`).
  if (address.startsWith('https://localhost') && !/--cacert\s/.test(text)) {
    found.push(`${where}: curl needs --cacert "$NODE_EXTRA_CA_CERTS" for the lake's HTTPS`)
  }
  for (const [, name] of text.matchAll(/\$\{?([A-Z][A-Z0-9_]*)/g)) {
    if (!LAKE_ENV.includes(name!)) {
      found.push(
        `${where}: $${name} is not one \`npm run lake -- env\` sets (${LAKE_ENV.join(', ')})`,
      )
    }
  }
  return found
}

describe('documentation curl examples', () => {
  it.each(docs)('%s: every curl runs as written', (file) => {
    const found = markdownCurls(read(file)).flatMap(({text, line}) =>
      curlProblems(file, text, line),
    )
    expect(found).toEqual([])
  })
})
