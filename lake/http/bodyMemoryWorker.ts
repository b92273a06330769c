/**
 * The body memory thread (a piscina task module, see bodyMemory.ts): shared memory with every page
 * already written once, so that the event loop's copy of a body into it takes no page fault.
 */

/** The smallest page size Node runs on: one write each touches every page, whatever its size. */
const PAGE = 4096

export default function run(task: {bytes: number}): SharedArrayBuffer {
  const memory = new SharedArrayBuffer(task.bytes)
  const view = new Uint8Array(memory)
  // A write (a read would map the kernel's shared zero page and fault again on the copy).
  for (let at = 0; at < task.bytes; at += PAGE) view[at] = 0
  return memory
}
