import {existsSync, readFileSync} from 'node:fs'
import {delimiter, join} from 'node:path'

/**
 * A command prefix that runs a program as a developer's `npm run dev` runs the lake: without
 * CAP_SYS_NICE (nor may any child take it back) and with RLIMIT_NICE 0, so that a thread may lower
 * its priority but never raise it again. The tests run as root here and in CI; on a machine whose
 * RLIMIT_NICE lets threads raise their priority they would otherwise test nothing.
 */
export function withoutSysNice(): string[] {
  const onPath = (name: string) =>
    (process.env.PATH ?? '').split(delimiter).some((dir) => existsSync(join(dir, name)))
  // prlimit (util-linux) only lowers the limit here: allowed to anyone.
  const noRaise = onPath('prlimit') ? ['prlimit', '--nice=0:0', '--'] : []
  if (onPath('setpriv'))
    return [...noRaise, 'setpriv', '--inh-caps=-sys_nice', '--bounding-set=-sys_nice', '--']
  if (onPath('capsh'))
    return [...noRaise, 'capsh', '--drop=cap_sys_nice', '--', '-c', 'exec "$0" "$@"']
  throw new Error('this test needs setpriv (util-linux) or capsh (libcap) to drop CAP_SYS_NICE')
}

/** Whether process `pid` may raise a lowered thread back: CAP_SYS_NICE, or RLIMIT_NICE above 0. */
export function mayRaiseNice(pid: number): boolean {
  const read = (file: string) => readFileSync(`/proc/${pid}/${file}`, 'utf8')
  const capEff = /^CapEff:\s*([0-9a-f]+)$/m.exec(read('status'))![1]
  if ((BigInt(`0x${capEff}`) >> 23n) & 1n) return true // CAP_SYS_NICE is bit 23
  const limit = /^Max nice priority\s+(\S+)/m.exec(read('limits'))![1]
  return limit === 'unlimited' || Number(limit) > 0
}
