/**
 * `npm run lake -- users add|list|remove|password`: the lake's local accounts (in the data
 * folder's auth.sqlite; works while the lake runs).
 */
import {generatePassword} from '../auth/authStore.ts'
import {isRoleName, ROLE_NAMES} from '../core/grants.ts'
import {defineCommand, EXIT, UsageError, writeLine} from '../../kit/cli.ts'
import {LOCAL_LAKE} from '../../kit/localLake.ts'
import {openLakeAccounts} from './accounts.ts'

const HELP = `Usage:
  npm run lake -- users add --email EMAIL [--name NAME] [--role ROLE] [--password PASSWORD] [--data DIR]
  npm run lake -- users list [--data DIR]
  npm run lake -- users remove EMAIL|ID [--data DIR]
  npm run lake -- users password EMAIL|ID [--password PASSWORD] [--data DIR]

Sign-in accounts of the lake's Studio, in the data folder's auth.sqlite (works while the lake
runs).

  --email EMAIL        the address the user signs in with (add)
  --name NAME          the name the Studio shows (add; default the e-mail's first part)
  --role ROLE          ${ROLE_NAMES.join(', ')}
                       (add; default editor)
  --password PASSWORD  the password (add, password); without it one is generated and printed once
  --data DIR           the lake's data folder (default $LAKE_DATA, else ${LOCAL_LAKE.dataDir}); it
                       must hold the lake's accounts (auth.sqlite)

Examples:
  npm run lake -- users add --email rina@example.com --name "রিনা দাস" --role contributor
  npm run lake -- users list
  npm run lake -- users password admin@localhost
  npm run lake -- users remove rina@example.com

Exit codes: 0 done · 1 no such user · 2 bad arguments, or refused (an e-mail taken or malformed, a password under 8 characters, a data folder without accounts)
`

export const command = defineCommand({
  invocation: 'npm run lake -- users',
  help: HELP,
  positionals: true,
  options: {
    email: {type: 'string'},
    name: {type: 'string'},
    role: {type: 'string', default: 'editor'},
    password: {type: 'string'},
    data: {type: 'string'},
  },
  async run({values, positionals}, io) {
    const [action, target] = positionals
    if (!action) throw new UsageError('Missing action (add, list, remove, password).')
    if (!isRoleName(values.role)) throw new UsageError(`Unknown role "${values.role}".`)

    const auth = openLakeAccounts(values.data, io.env)
    try {
      switch (action) {
        case 'add': {
          if (!values.email) throw new UsageError('users add needs --email.')
          const password = values.password ?? generatePassword()
          const user = await auth.addUser({
            email: values.email,
            name: values.name,
            role: values.role,
            password,
          })
          io.stdout.write(`Added ${user.email} (${user.role}, id ${user.id})\n`)
          if (!values.password) io.stdout.write(`Password (shown once): ${password}\n`)
          return EXIT.SUCCESS
        }
        case 'list': {
          const users = auth.listUsers()
          if (users.length === 0)
            io.stdout.write('No users yet; the first lake start creates one.\n')
          for (const user of users) {
            io.stdout.write(
              `${user.id}  ${user.role.padEnd(13)} ${user.email}  ${user.name}  (since ${user.createdAt})\n`,
            )
          }
          return EXIT.SUCCESS
        }
        case 'remove': {
          if (!target) throw new UsageError('users remove needs an e-mail address or id.')
          if (!auth.removeUser(target)) {
            io.stderr.write(`No user ${target} (see: npm run lake -- users list)\n`)
            return EXIT.RUNTIME_ERROR
          }
          io.stdout.write(`Removed ${target}; their sessions ended.\n`)
          return EXIT.SUCCESS
        }
        case 'password': {
          if (!target) throw new UsageError('users password needs an e-mail address or id.')
          if (!auth.getUser(target)) {
            io.stderr.write(`No user ${target} (see: npm run lake -- users list)\n`)
            return EXIT.RUNTIME_ERROR
          }
          const password = values.password ?? generatePassword()
          await auth.setPassword(target, password)
          io.stdout.write(`Password of ${target} changed.\n`)
          if (!values.password) io.stdout.write(`New password (shown once): ${password}\n`)
          return EXIT.SUCCESS
        }
        default:
          throw new UsageError(`Unknown action "${action}" (add, list, remove, password).`)
      }
    } catch (err) {
      if (err instanceof UsageError) throw err
      // The auth store's refusals (a taken e-mail, a weak password) are the caller's to fix.
      writeLine(io.stderr, (err as Error).message)
      return EXIT.USAGE_ERROR
    } finally {
      auth.close()
    }
  },
})
