/**
 * The commit bus (lake/events/bus.ts): a subscriber never misses a committed transaction without
 * being told. One that fails on a commit, and every subscriber of a dataset whose commit could not
 * be made into events (bus.unannounced), hear that they missed one (docs/listeners.md); so does
 * a subscriber of every dataset, told which.
 */
import {afterEach, expect, test, vi} from 'vitest'
import type {CommittedTransaction} from '../../../lake/core/types.ts'
import {createEventBus} from '../../../lake/events/bus.ts'

const commit = (dataset: string, id: string): CommittedTransaction => ({
  id,
  dataset,
  timestamp: '2026-12-04T00:00:00.000Z',
  identity: 'p-editor',
  changes: [],
})

afterEach(() => void vi.restoreAllMocks())

test('a subscriber that fails on a commit is told it missed it, and the others hear it', () => {
  const logged = vi.spyOn(console, 'error').mockImplementation(() => {})
  const bus = createEventBus()
  const heard: string[] = []
  const missed: string[] = []
  bus.subscribe(
    'desk',
    (tx) => {
      if (tx.id === 'bad') throw new Error('broken')
      heard.push(`first ${tx.id}`)
    },
    (reason) => missed.push(reason),
  )
  bus.subscribe('desk', (tx) => heard.push(`second ${tx.id}`))
  bus.publish(commit('desk', 'bad'))
  bus.publish(commit('desk', 'good'))
  expect(heard).toEqual(['second bad', 'first good', 'second good'])
  expect(missed).toHaveLength(1)
  expect(missed[0]).toMatch(/"bad".*broken/)
  expect(logged).toHaveBeenCalled()
})

test('a commit that cannot be announced tells every subscriber of its dataset, and no other', () => {
  const logged = vi.spyOn(console, 'error').mockImplementation(() => {})
  const bus = createEventBus()
  const missed: string[] = []
  const heard: string[] = []
  bus.subscribe(
    'desk',
    () => heard.push('desk'),
    (reason) => missed.push(`desk: ${reason}`),
  )
  bus.subscribe(
    'desk',
    () => heard.push('desk'),
    (reason) => missed.push(`desk again: ${reason}`),
  )
  bus.subscribe(
    'other',
    () => heard.push('other'),
    (reason) => missed.push(`other: ${reason}`),
  )
  bus.unannounced('desk', 'big', 'the log could not be read back')
  expect(heard).toEqual([])
  expect(missed).toEqual([
    expect.stringMatching(/^desk: .*"big".*could not be read back/),
    expect.stringMatching(/^desk again: .*"big".*could not be read back/),
  ])
  // Said once in the log, with why and how many were told.
  expect(logged).toHaveBeenCalledTimes(1)
  expect(String(logged.mock.calls[0]![0])).toMatch(
    /lake: transaction "big" of "desk".*could not be read back.*2 listeners/,
  )
})

test('a subscriber that unsubscribed is not told, and one whose missed handler fails does not stop the rest', () => {
  vi.spyOn(console, 'error').mockImplementation(() => {})
  const bus = createEventBus()
  const missed: string[] = []
  const off = bus.subscribe(
    'desk',
    () => {},
    () => missed.push('gone'),
  )
  bus.subscribe(
    'desk',
    () => {},
    () => {
      throw new Error('broken too')
    },
  )
  bus.subscribe(
    'desk',
    () => {},
    () => missed.push('told'),
  )
  off()
  bus.unannounced('desk', 'big', 'why')
  expect(missed).toEqual(['told'])
})

test("a subscriber of every dataset (the asset clean-up) is told which dataset's commit it missed, and whether that commit is on disk", () => {
  vi.spyOn(console, 'error').mockImplementation(() => {})
  const bus = createEventBus()
  const missed: string[] = []
  bus.subscribeAll(
    (tx) => {
      if (tx.id === 'bad') throw new Error('broken')
    },
    (dataset, durable) => missed.push(`${dataset} ${durable}`),
  )
  bus.publish(commit('desk', 'bad'))
  bus.unannounced('other', 'big', 'the log could not be read back')
  bus.unannounced('desk', 'unsynced', 'its sync failed', false)
  expect(missed).toEqual(['desk true', 'other true', 'desk false'])
})
