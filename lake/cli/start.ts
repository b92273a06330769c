/** `npm run lake -- start [--port 3334] [--host 127.0.0.1] [--data .lake]`: the lake in the foreground. */
import {resolve} from 'node:path'
import {parseArgs} from 'node:util'
import {startLakeServer} from '../server.ts'

export const summary = 'Start the lake in the foreground (Ctrl-C stops it cleanly)'

export const DEFAULTS = {port: 3334, host: '127.0.0.1', data: '.lake'}

export async function run(argv: string[]): Promise<number> {
  let values
  try {
    ;({values} = parseArgs({
      args: argv,
      options: {
        port: {type: 'string', default: String(DEFAULTS.port)},
        host: {type: 'string', default: DEFAULTS.host},
        data: {type: 'string', default: DEFAULTS.data},
      },
      strict: true,
    }))
  } catch (err) {
    process.stderr.write(
      `${(err as Error).message}\nUsage: npm run lake -- start [--port 3334] [--host 127.0.0.1] [--data .lake]\n`,
    )
    return 2
  }
  const port = Number(values.port)
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    process.stderr.write(`--port must be a port number, got "${values.port}"\n`)
    return 2
  }
  const dataDir = resolve(values.data)
  const server = await startLakeServer({port, host: values.host, dataDir, tls: false})
  const admin = server.lake.auth?.createdAdmin
  if (admin) {
    process.stdout.write(
      `Created administrator ${admin.email}${admin.generated ? ` with password ${admin.password}` : ''}\n`,
    )
  }
  process.stdout.write(`Lake listening on ${server.url} (data: ${values.data})\n`)

  await new Promise<void>((done) => {
    const stop = () => {
      process.off('SIGINT', stop)
      process.off('SIGTERM', stop)
      process.stdout.write('Stopping the lake…\n')
      server.close().then(done, (err: unknown) => {
        process.stderr.write(`lake: error while stopping: ${String(err)}\n`)
        done()
      })
    }
    process.on('SIGINT', stop)
    process.on('SIGTERM', stop)
  })
  return 0
}
