/**
 * `npm run lake -- datasets visibility NAME [public|private]`: shows or sets who may read a
 * dataset. Public datasets answer anonymous callers with published documents only (never drafts or
 * release versions), as on hosted Sanity. Takes effect on a running lake within a second.
 */
import {invalidDatasetReason} from '../core/ids.ts'
import {openVisibility, VISIBILITIES, type DatasetVisibility} from '../datasets/visibility.ts'
import {defineCommand, EXIT, UsageError} from '../../kit/cli.ts'
import {LOCAL_LAKE} from '../../kit/localLake.ts'

const HELP = `Usage:
  npm run lake -- datasets visibility NAME [public|private] [--data DIR]

Who may read a dataset. private (the default): only signed-in users and tokens. public: anonymous
callers also read its published documents (never drafts or release versions), through query, doc,
listen and export. Without a value, prints the current visibility. A running lake picks up the
change within a second.

Examples:
  npm run lake -- datasets visibility production public
  npm run lake -- datasets visibility production
`

export const command = defineCommand({
  invocation: 'npm run lake -- datasets',
  help: HELP,
  positionals: true,
  options: {data: {type: 'string', default: LOCAL_LAKE.dataDir}},
  async run({values, positionals}, io) {
    const [action, dataset, value, ...extra] = positionals
    if (action !== 'visibility')
      throw new UsageError(`Unknown action "${action ?? ''}" (visibility).`)
    if (!dataset) throw new UsageError('Missing dataset name.')
    const invalid = invalidDatasetReason(dataset)
    if (invalid) throw new UsageError(`Invalid dataset name "${dataset}": ${invalid}.`)
    if (extra.length > 0) throw new UsageError(`Unexpected "${extra.join(' ')}".`)
    const settings = openVisibility(values.data)
    if (value === undefined) {
      io.stdout.write(`${settings.of(dataset)}\n`)
      return EXIT.SUCCESS
    }
    if (!(VISIBILITIES as readonly string[]).includes(value)) {
      throw new UsageError(`Visibility must be one of ${VISIBILITIES.join(', ')}.`)
    }
    settings.set(dataset, value as DatasetVisibility)
    const what = value === 'public' ? ': anonymous callers read its published documents' : ''
    io.stdout.write(`Dataset "${dataset}" is now ${value}${what}.\n`)
    return EXIT.SUCCESS
  },
})
