/**
 * `npm run lake -- datasets visibility NAME [public|private]`: shows or sets who may read a
 * dataset. Public datasets answer anonymous callers with published documents only (never drafts or
 * release versions), as on hosted Sanity. Takes effect on a running lake within a second.
 */
import {invalidDatasetReason} from '../core/ids.ts'
import {openVisibility, VISIBILITIES, type DatasetVisibility} from '../datasets/visibility.ts'
import {DEFAULTS, parseOptions, usageError} from './common.ts'

export const summary = 'Dataset settings: datasets visibility NAME [public|private]'

const USAGE = `Usage:
  npm run lake -- datasets visibility NAME [public|private] [--data DIR]

Without a value, prints the current visibility. Example:
  npm run lake -- datasets visibility production public
`

export async function run(argv: string[]): Promise<number> {
  const parsed = parseOptions(
    {
      args: argv,
      allowPositionals: true,
      options: {data: {type: 'string', default: DEFAULTS.data}},
    },
    USAGE,
  )
  if (!parsed) return 2
  const [action, dataset, value, ...extra] = parsed.positionals
  if (action !== 'visibility') return usageError(`Unknown action "${action ?? ''}"`, USAGE)
  if (!dataset) return usageError('Missing dataset name', USAGE)
  const invalid = invalidDatasetReason(dataset)
  if (invalid) return usageError(`Invalid dataset name "${dataset}": ${invalid}`, USAGE)
  if (extra.length > 0) return usageError(`Unexpected "${extra.join(' ')}"`, USAGE)
  const settings = openVisibility(parsed.values.data)
  if (value === undefined) {
    process.stdout.write(`${settings.of(dataset)}\n`)
    return 0
  }
  if (!(VISIBILITIES as readonly string[]).includes(value)) {
    return usageError(`Visibility must be one of ${VISIBILITIES.join(', ')}`, USAGE)
  }
  settings.set(dataset, value as DatasetVisibility)
  process.stdout.write(
    `Dataset "${dataset}" is now ${value}${value === 'public' ? ': anonymous callers read its published documents' : ''}.\n`,
  )
  return 0
}
