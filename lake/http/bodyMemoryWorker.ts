/**
 * The body memory thread (a piscina task module, see bodyMemory.ts): shared memory with every page
 * already written once, so that the event loop's copy of a body into it takes no page fault.
 */
import {exposedGc} from '../threads/exposedGc.ts'

/** The smallest page size Node runs on: one write each touches every page, whatever its size. */
const PAGE = 4096

let gc: ReturnType<typeof exposedGc> | undefined

export default function run(task: {bytes: number} | {trim: true}): SharedArrayBuffer | null {
  // The memory handed out before is the event loop's now, yet this heap's handle on it kept it in
  // memory until this heap's next collection, which a thread that allocates nothing else hardly
  // ever runs: shared memory is not counted in any heap's size, so nothing here asks for one.
  // 240 bodies of 12 MB whose clients went away held 5.7 GB. The handles are this heap's
  // youngest objects: a scavenge (well under a millisecond on this small heap) frees them.
  gc ??= exposedGc()
  gc?.({type: 'minor'})
  if ('trim' in task) return null
  const memory = new SharedArrayBuffer(task.bytes)
  const view = new Uint8Array(memory)
  // A write (a read would map the kernel's shared zero page and fault again on the copy).
  for (let at = 0; at < task.bytes; at += PAGE) view[at] = 0
  return memory
}
