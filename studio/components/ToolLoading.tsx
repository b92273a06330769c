// A visible loading state while the desk starts. After a reload on a busy machine the Studio draws
// its navbar seconds before the structure tool's code has run, and the space under the navbar stays
// blank (a thin grey bar at most): an editor cannot tell loading from an empty list. Until the desk
// has resolved its structure, the Studio's own loading block ('লোড হচ্ছে') stands in that space;
// from then on the panes show their own loading states.
import {Box} from '@sanity/ui'
import {useSyncExternalStore} from 'react'
import {LoadingBlock, type LayoutProps} from 'sanity'
import {useRouterState} from 'sanity/router'

/** The structure tool's name (its URL segment). */
export const DESK_TOOL = 'structure'

let deskStarted = false
const listeners = new Set<() => void>()

/** Called by the desk's structure resolver: the structure tool's code is running. */
export function markDeskStarted(): void {
  if (deskStarted) return
  deskStarted = true
  for (const listener of listeners) listener()
}

function subscribe(listener: () => void): () => void {
  listeners.add(listener)
  return () => listeners.delete(listener)
}

const selectTool = (state: Record<string, unknown> | undefined) =>
  typeof state?.tool === 'string' ? state.tool : undefined

/** The Studio's layout, with the loading block over the desk's space until the desk starts. */
export function LayoutWithDeskLoading(props: LayoutProps) {
  const started = useSyncExternalStore(
    subscribe,
    () => deskStarted,
    () => false,
  )
  const tool = useRouterState(selectTool)
  const waiting = !started && (tool === undefined || tool === DESK_TOOL)
  return (
    <>
      {props.renderDefault(props)}
      {waiting && (
        // Below the navbar (about 3 rem), above the blank tool area; never in the way of clicks.
        <Box
          data-testid="desk-loading"
          style={{position: 'fixed', inset: '3.25rem 0 0 0', pointerEvents: 'none', zIndex: 1}}
        >
          <LoadingBlock showText />
        </Box>
      )}
    </>
  )
}
