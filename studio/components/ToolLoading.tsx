// A visible loading state while the desk starts. After a reload on a busy machine the Studio draws
// its navbar seconds before the desk's panes, and the space under the navbar stays blank (a thin
// grey bar at most): an editor cannot tell loading from an empty list. Until the desk has drawn
// its pane layout, the Studio's own loading block ('লোড হচ্ছে') stands in that space; from then on
// the panes show their own loading states.
import {Box} from '@sanity/ui'
import {useEffect, useState} from 'react'
import {LoadingBlock, type LayoutProps} from 'sanity'
import {useRouterState} from 'sanity/router'
import {PAGE_LOADING_ID} from '../offline/indexHtml.ts'

/** The structure tool's name (its URL segment). */
export const DESK_TOOL = 'structure'
/** The structure tool's pane layout, drawn once it has resolved its panes. */
const PANE_LAYOUT = '[data-ui="PaneLayout"]'

/** Whether the desk shows its panes: watched until it does, then settled for the page's life. */
function useDeskDrawn(): boolean {
  const [drawn, setDrawn] = useState(false)
  useEffect(() => {
    if (drawn) return
    // On screen, not only in the document: while the tool suspends, React keeps the mounted panes
    // hidden (display: none) behind the fallback.
    const check = () => {
      const layouts = document.querySelectorAll(PANE_LAYOUT)
      if (![...layouts].some((layout) => layout.getClientRects().length > 0)) return false
      setDrawn(true)
      return true
    }
    if (check()) return
    const observer = new MutationObserver(() => {
      if (check()) observer.disconnect()
    })
    observer.observe(document.body, {
      childList: true,
      subtree: true,
      attributes: true,
      attributeFilter: ['style', 'hidden'],
    })
    return () => observer.disconnect()
  }, [drawn])
  return drawn
}

const selectTool = (state: Record<string, unknown> | undefined) =>
  typeof state?.tool === 'string' ? state.tool : undefined

/** The Studio's layout, with the loading block over the desk's space until the desk is drawn. */
export function LayoutWithDeskLoading(props: LayoutProps) {
  // The page's own loading line (index.html) stood in until now; from here this layout shows it.
  useEffect(() => document.getElementById(PAGE_LOADING_ID)?.remove(), [])
  const drawn = useDeskDrawn()
  const tool = useRouterState(selectTool)
  const waiting = !drawn && (tool === undefined || tool === DESK_TOOL)
  return (
    <>
      {props.renderDefault(props)}
      {waiting && (
        // Below the navbar (about 3 rem), over the blank tool area; never in the way of clicks.
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
