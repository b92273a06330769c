/**
 * Answers, in the browser, the two calls the Studio makes to Sanity's servers on its own and that
 * no configuration turns off: the Studio version check (sanity-cdn.com/v1/modules/…, every 15
 * minutes) and the feedback probe of the help menu (POST api.sanity.io/vX/intake/feedback). On a
 * local lake there is nothing to update from and nowhere to send feedback, so neither leaves the
 * machine. Every other request goes out unchanged (the e2e journey fails on any that goes elsewhere).
 */

interface HostedAnswer {
  test: (url: URL, method: string) => boolean
  answer: () => Response
}

const HOSTED_ANSWERS: readonly HostedAnswer[] = [
  {
    // "No newer version known": the Studio then shows no update prompt.
    test: (url) =>
      /^sanity-cdn\.(com|work)$/.test(url.hostname) && url.pathname.startsWith('/v1/modules/'),
    answer: () => Response.json({}),
  },
  {
    // Feedback unavailable: the help menu leaves out the feedback form.
    test: (url, method) =>
      /^api\.sanity\.(io|work)$/.test(url.hostname) &&
      method === 'POST' &&
      url.pathname.endsWith('/intake/feedback'),
    answer: () => new Response(null, {status: 503, statusText: 'Feedback is off on a local lake'}),
  },
]

/** The answer for a request, or null when it should go out as usual. */
export function hostedCallAnswer(input: string, method = 'GET'): Response | null {
  let url: URL
  try {
    url = new URL(input)
  } catch {
    return null
  }
  const found = HOSTED_ANSWERS.find((entry) => entry.test(url, method.toUpperCase()))
  return found ? found.answer() : null
}

let installed = false

/** Wraps `fetch` so the calls above are answered locally. Idempotent; a no-op outside a browser. */
export function answerHostedCallsLocally(): void {
  if (installed || typeof window === 'undefined' || typeof window.fetch !== 'function') return
  installed = true
  const original = window.fetch.bind(window)
  window.fetch = (input: RequestInfo | URL, init?: RequestInit) => {
    const url = input instanceof Request ? input.url : String(input)
    const method = init?.method ?? (input instanceof Request ? input.method : 'GET')
    const answer = hostedCallAnswer(url, method)
    return answer ? Promise.resolve(answer) : original(input, init)
  }
}
