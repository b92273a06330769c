/** A promise's state as it settles, read synchronously (the query pool's tests: what still runs). */
export function track<T>(answer: Promise<T>) {
  const state = {settled: false, error: undefined as unknown}
  answer.then(
    () => (state.settled = true),
    (err: unknown) => {
      state.settled = true
      state.error = err
    },
  )
  return state
}
