/**
 * `npm run lake -- tokens create|list|revoke`: API tokens for scripts and other programs. Tokens are
 * stored hashed, so `create` is the only time a token is shown. When stdout is not a terminal,
 * `create` prints only the token (`TOKEN=$(npm run -s lake -- tokens create)`).
 */
import {isRoleName, ROLE_NAMES} from '../core/grants.ts'
import {defineCommand, EXIT, UsageError} from '../../kit/cli.ts'
import {LOCAL_LAKE} from '../../kit/localLake.ts'
import {openLakeAccounts} from './accounts.ts'

const HELP = `Usage:
  npm run lake -- tokens create [--role ROLE] [--label LABEL] [--data DIR]
  npm run lake -- tokens list [--all] [--data DIR]
  npm run lake -- tokens revoke ID|TOKEN [--data DIR]

API tokens for scripts and other programs. Tokens are stored hashed, so create is the only time a
token is shown; when stdout is not a terminal, create prints only the token.

  --role ROLE    ${ROLE_NAMES.join(', ')} (create; default editor)
  --label LABEL  what the token is for, shown by list (create; default "API token")
  --all          list revoked tokens too (list)
  --data DIR     the lake's data folder (default $LAKE_DATA, else ${LOCAL_LAKE.dataDir}); it must
                 hold the lake's accounts (auth.sqlite)

Examples:
  export SANITY_API_TOKEN=$(npm run -s lake -- tokens create --role viewer --label "front page")
  npm run lake -- tokens list --all
  npm run lake -- tokens revoke 3f9a1c2b7d4e      # the id from tokens list; requests with it get 401

Exit codes: 0 done · 1 no such live token (revoke) · 2 bad arguments, or a data folder without accounts
`

export const command = defineCommand({
  invocation: 'npm run lake -- tokens',
  help: HELP,
  positionals: true,
  options: {
    role: {type: 'string', default: 'editor'},
    label: {type: 'string', default: 'API token'},
    all: {type: 'boolean', default: false},
    data: {type: 'string'},
  },
  async run({values, positionals}, io) {
    const [action, target] = positionals
    if (!action) throw new UsageError('Missing action (create, list, revoke).')
    if (!isRoleName(values.role)) throw new UsageError(`Unknown role "${values.role}".`)

    const auth = openLakeAccounts(values.data, io.env)
    try {
      switch (action) {
        case 'create': {
          const {token, info} = await auth.createToken({label: values.label, role: values.role})
          if (io.stdout.isTTY) {
            io.stdout.write(
              `Created token ${info.id} "${info.label}" (${info.role}). Shown once:\n${token}\n`,
            )
          } else {
            io.stdout.write(`${token}\n`)
          }
          return EXIT.SUCCESS
        }
        case 'list': {
          const tokens = auth.listTokens({includeRevoked: values.all})
          if (tokens.length === 0) io.stdout.write('No API tokens.\n')
          for (const t of tokens) {
            const state = t.revokedAt
              ? `revoked ${t.revokedAt}`
              : `last used ${t.lastUsedAt ?? 'never'}`
            io.stdout.write(
              `${t.id}  ${(t.role ?? '').padEnd(13)} ${t.label}  (created ${t.createdAt}, ${state})\n`,
            )
          }
          return EXIT.SUCCESS
        }
        case 'revoke': {
          if (!target)
            throw new UsageError('tokens revoke needs a token id (see tokens list) or the token.')
          if (!auth.revokeToken(target)) {
            io.stderr.write(`No live token ${target} (see: npm run lake -- tokens list)\n`)
            return EXIT.RUNTIME_ERROR
          }
          io.stdout.write(`Revoked ${target}; requests with it now get 401.\n`)
          return EXIT.SUCCESS
        }
        default:
          throw new UsageError(`Unknown action "${action}" (create, list, revoke).`)
      }
    } finally {
      auth.close()
    }
  },
})
