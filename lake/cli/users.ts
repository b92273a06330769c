/**
 * `npm run lake -- users add|list|remove|password`: the lake's local accounts (in the data
 * folder's auth.sqlite; works while the lake runs).
 */
import {generatePassword} from '../auth/authStore.ts'
import {isRoleName, ROLE_NAMES} from '../core/grants.ts'
import {DEFAULTS, openAuthStore, parseOptions, usageError} from './common.ts'

export const summary = 'Manage sign-in accounts: users add|list|remove|password'

const USAGE = `Usage:
  npm run lake -- users add --email EMAIL [--name NAME] [--role ROLE] [--password PASSWORD] [--data DIR]
  npm run lake -- users list [--data DIR]
  npm run lake -- users remove EMAIL|ID [--data DIR]
  npm run lake -- users password EMAIL|ID [--password PASSWORD] [--data DIR]

Roles: ${ROLE_NAMES.join(', ')} (default editor). Without --password a password is generated and
printed once. Examples:
  npm run lake -- users add --email rina@example.com --name "রিনা দাস" --role contributor
  npm run lake -- users remove rina@example.com
`

export async function run(argv: string[]): Promise<number> {
  const parsed = parseOptions(
    {
      args: argv,
      allowPositionals: true,
      options: {
        email: {type: 'string'},
        name: {type: 'string'},
        role: {type: 'string', default: 'editor'},
        password: {type: 'string'},
        data: {type: 'string', default: DEFAULTS.data},
      },
    },
    USAGE,
  )
  if (!parsed) return 2
  const {values, positionals} = parsed
  const [action, target] = positionals
  if (!action) return usage('Missing action (add, list, remove, password)')
  if (!isRoleName(values.role)) return usage(`Unknown role "${values.role}"`)

  const auth = openAuthStore(values.data)
  try {
    switch (action) {
      case 'add': {
        if (!values.email) return usage('users add needs --email')
        const password = values.password ?? generatePassword()
        const user = await auth.addUser({
          email: values.email,
          name: values.name,
          role: values.role,
          password,
        })
        process.stdout.write(`Added ${user.email} (${user.role}, id ${user.id})\n`)
        if (!values.password) process.stdout.write(`Password (shown once): ${password}\n`)
        return 0
      }
      case 'list': {
        const users = auth.listUsers()
        if (users.length === 0)
          process.stdout.write('No users yet; the first lake start creates one.\n')
        for (const user of users) {
          process.stdout.write(
            `${user.id}  ${user.role.padEnd(13)} ${user.email}  ${user.name}  (since ${user.createdAt})\n`,
          )
        }
        return 0
      }
      case 'remove': {
        if (!target) return usage('users remove needs an e-mail address or id')
        if (!auth.removeUser(target)) {
          process.stderr.write(`No user ${target} (see: npm run lake -- users list)\n`)
          return 1
        }
        process.stdout.write(`Removed ${target}; their sessions ended.\n`)
        return 0
      }
      case 'password': {
        if (!target) return usage('users password needs an e-mail address or id')
        if (!auth.getUser(target)) {
          process.stderr.write(`No user ${target} (see: npm run lake -- users list)\n`)
          return 1
        }
        const password = values.password ?? generatePassword()
        await auth.setPassword(target, password)
        process.stdout.write(`Password of ${target} changed.\n`)
        if (!values.password) process.stdout.write(`New password (shown once): ${password}\n`)
        return 0
      }
      default:
        return usage(`Unknown action "${action}"`)
    }
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n`)
    return 2
  } finally {
    auth.close()
  }
}

function usage(problem: string): number {
  return usageError(problem, USAGE)
}
