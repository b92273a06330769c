/** A query pool's thread module (threadStart.test.ts) that cannot start, as one short of file handles or memory. */
throw new Error('this thread could not start (a test)')
