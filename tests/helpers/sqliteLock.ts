import {spawn} from 'node:child_process'
import {once} from 'node:events'

/**
 * Another process holding the SQLite `file` under an exclusive lock for a second, as a stopping
 * lake's last connection does while it folds the WAL in (its write to `table` takes the lock).
 * Resolves once the lock is held; `exited` once the process has let it go and ended.
 */
export async function holdExclusively(
  file: string,
  table: string,
): Promise<{exited: Promise<unknown>}> {
  const holder = spawn(
    process.execPath,
    [
      '-e',
      `const {DatabaseSync} = require('node:sqlite')
       const db = new DatabaseSync(${JSON.stringify(file)})
       db.exec('PRAGMA locking_mode = EXCLUSIVE; BEGIN IMMEDIATE; DELETE FROM ${table}; COMMIT')
       process.stdout.write('held\\n')
       setTimeout(() => db.close(), 1000)`,
    ],
    {stdio: ['ignore', 'pipe', 'inherit']},
  )
  const exited = once(holder, 'exit')
  await once(holder.stdout!, 'data')
  return {exited}
}
