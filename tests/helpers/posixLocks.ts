import {readFileSync, statSync} from 'node:fs'

/** The WAL index's DMS byte (SQLite's unix VFS): every connection holds a read lock on it. */
export const DMS_BYTE = 128

/**
 * This process's POSIX locks (Linux: /proc/locks) on `file`'s inode that cover `byte`. POSIX locks
 * belong to the process, so a descriptor of the file closed outside SQLite releases them all.
 */
export function locksHeld(file: string, byte: number): string[] {
  const inode = String(statSync(file).ino)
  return readFileSync('/proc/locks', 'utf8')
    .split('\n')
    .filter((line) => {
      const [, kind, , , pid, id, start, end] = line.trim().split(/\s+/)
      if (kind !== 'POSIX' || Number(pid) !== process.pid) return false
      if (id?.split(':')[2] !== inode) return false
      return Number(start) <= byte && (end === 'EOF' || byte <= Number(end))
    })
}
