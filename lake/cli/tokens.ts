/**
 * `npm run lake -- tokens create|list|revoke`: API tokens for scripts and other programs. Tokens are
 * stored hashed, so `create` is the only time a token is shown. When stdout is not a terminal,
 * `create` prints only the token (`TOKEN=$(npm run -s lake -- tokens create)`).
 */
import {isRoleName, ROLE_NAMES} from '../core/grants.ts'
import {DEFAULTS, openAuthStore, parseOptions, usageError} from './common.ts'

export const summary = 'Manage API tokens: tokens create|list|revoke'

const USAGE = `Usage:
  npm run lake -- tokens create [--role ROLE] [--label LABEL] [--data DIR]
  npm run lake -- tokens list [--all] [--data DIR]
  npm run lake -- tokens revoke ID|TOKEN [--data DIR]

Roles: ${ROLE_NAMES.join(', ')} (default editor). Example:
  export SANITY_API_TOKEN=$(npm run -s lake -- tokens create --role viewer --label "front page")
`

export async function run(argv: string[]): Promise<number> {
  const parsed = parseOptions(
    {
      args: argv,
      allowPositionals: true,
      options: {
        role: {type: 'string', default: 'editor'},
        label: {type: 'string', default: 'API token'},
        all: {type: 'boolean', default: false},
        data: {type: 'string', default: DEFAULTS.data},
      },
    },
    USAGE,
  )
  if (!parsed) return 2
  const {values, positionals} = parsed
  const [action, target] = positionals
  if (!action) return usage('Missing action (create, list, revoke)')
  if (!isRoleName(values.role)) return usage(`Unknown role "${values.role}"`)

  const auth = openAuthStore(values.data)
  try {
    switch (action) {
      case 'create': {
        const {token, info} = await auth.createToken({label: values.label, role: values.role})
        if (process.stdout.isTTY) {
          process.stdout.write(
            `Created token ${info.id} "${info.label}" (${info.role}). Shown once:\n${token}\n`,
          )
        } else {
          process.stdout.write(`${token}\n`)
        }
        return 0
      }
      case 'list': {
        const tokens = auth.listTokens({includeRevoked: values.all})
        if (tokens.length === 0) process.stdout.write('No API tokens.\n')
        for (const t of tokens) {
          const state = t.revokedAt
            ? `revoked ${t.revokedAt}`
            : `last used ${t.lastUsedAt ?? 'never'}`
          process.stdout.write(
            `${t.id}  ${(t.role ?? '').padEnd(13)} ${t.label}  (created ${t.createdAt}, ${state})\n`,
          )
        }
        return 0
      }
      case 'revoke': {
        if (!target) return usage('tokens revoke needs a token id (see tokens list) or the token')
        if (!auth.revokeToken(target)) {
          process.stderr.write(`No live token ${target} (see: npm run lake -- tokens list)\n`)
          return 1
        }
        process.stdout.write(`Revoked ${target}; requests with it now get 401.\n`)
        return 0
      }
      default:
        return usage(`Unknown action "${action}"`)
    }
  } finally {
    auth.close()
  }
}

function usage(problem: string): number {
  return usageError(problem, USAGE)
}
