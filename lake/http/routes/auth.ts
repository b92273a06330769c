/**
 * Sign-in as the Studio's own login screen drives it (design §1.5): `auth/providers` offers the
 * local provider; its page is an HTML form that checks e-mail and password and redirects back to
 * the Studio with `#sid=…`; `auth/fetch?sid=` exchanges the sid for a session token;
 * `auth/logout` ends the session; `auth/id` answers the cookie-mode probe.
 */
import {Hono, type Context} from 'hono'
import {toBengaliDigits} from '../../../bangla/index.ts'
import {matchedRoutes} from 'hono/route'
import {
  AuthError,
  BadRequestError,
  CallerBusyError,
  DatabaseBusyError,
  databaseBusy,
  LakeError,
  RetryLaterError,
  UnavailableError,
} from '../../core/errors.ts'
import {clientAddress, lakeOf, param} from '../context.ts'
import {normalizeOrigin} from '../cors.ts'
import {bearerToken, requireSignedIn} from '../principal.ts'
import {apiHostOf, studioOf} from '../studioContext.ts'

/** Path of the provider's login page on the apiHost (outside the versioned API, like Sanity's). */
export const LOGIN_PATH = '/auth/login/local'

/** The versioned auth endpoints, relative to `/v{apiVersion}`. */
export function authRoutes(): Hono {
  const app = new Hono()

  app.get('/auth/providers', (c) => {
    const apiHost = apiHostOf(c, lakeOf(c).config.projectId)
    return c.json({
      thirdPartyLogin: false,
      sso: {saml: false},
      providers: [
        {
          name: 'local',
          title: 'Local account · স্থানীয় অ্যাকাউন্ট',
          url: apiHost + LOGIN_PATH,
          logo: null,
        },
      ],
    })
  })

  app.get('/auth/fetch', async (c) => {
    const sid = param(c, 'sid')
    if (!sid) throw new BadRequestError('Missing "sid" parameter')
    const token = await studioOf(c).auth.exchangeSid(sid)
    if (!token) throw new AuthError('Session id unknown, already used or expired; sign in again')
    return c.json({token})
  })

  // The Studio logs out twice (token client and cookie client) and ignores the answers.
  app.post('/auth/logout', async (c) => {
    const token = bearerToken(c.req.header('authorization'))
    if (token) await studioOf(c).auth.logout(token)
    return c.body(null, 204)
  })

  app.get('/auth/id', (c) => {
    return c.json({id: requireSignedIn(c).id})
  })

  return app
}

/** The provider's login page (GET shows the form, POST checks it), at LOGIN_PATH on the apiHost. */
export function loginPageRoutes(): Hono {
  const app = new Hono()

  app.get(LOGIN_PATH, (c) => {
    const params = loginParams((name) => param(c, name))
    return page(c, 200, params, null)
  })

  app.post(LOGIN_PATH, checkLoginForm)

  return app
}

/**
 * The form's POST. A refusal before it runs is also the page when the router took the request
 * here: loginPageRefusal finds this handler among the routes matched.
 */
async function checkLoginForm(c: Context): Promise<Response> {
  const form = await readForm(c)
  const fields = Object.fromEntries(
    Object.entries(form).map(([key, value]) => [key, typeof value === 'string' ? value : '']),
  )
  const params = loginParams((name) => fields[name])
  // Before the check, so that another site's posts count as no failure.
  if (!postedFromLakeOrStudio(c)) return page(c, 403, params, MESSAGES.foreignPage)
  const target = redirectTarget(c, params.origin)
  if (!target) return page(c, 400, params, MESSAGES.badOrigin)

  const {auth} = studioOf(c)
  const email = fields.email ?? ''
  const result = await auth.login(email, fields.password ?? '', clientAddress(c))
  if (!result.ok && result.reason === 'rateLimited') {
    c.header('Retry-After', String(result.retryAfterSeconds))
    return page(c, 429, params, MESSAGES.rateLimited(result.retryAfterSeconds), email)
  }
  if (!result.ok) return page(c, 401, params, MESSAGES.invalid, email)

  // The Studio takes the sid from the hash whatever its login method (≥ 20 characters).
  target.hash = `sid=${auth.createSid(result.user.id)}`
  return c.redirect(target.toString(), 302)
}

/**
 * The sign-in form's fields. A body its Content-Type does not describe (multipart without a
 * boundary, or not multipart at all) fails undici's parser with a TypeError, which was a 500.
 */
async function readForm(c: Context): Promise<Record<string, unknown>> {
  try {
    return await c.req.parseBody()
  } catch (err) {
    if (!(err instanceof TypeError)) throw err
    throw new BadRequestError(
      `The sign-in form could not be read as its Content-Type says (${err.message}); send it as application/x-www-form-urlencoded, as the sign-in page does`,
    )
  }
}

interface LoginParams {
  origin: string
  projectId: string
  withSid: string
  type: string
}

function loginParams(source: (name: string) => string | undefined): LoginParams {
  return {
    origin: source('origin') ?? '',
    projectId: source('projectId') ?? '',
    withSid: source('withSid') ?? '',
    type: source('type') ?? '',
  }
}

/**
 * Whether the form's POST comes from the lake's own sign-in page (where the Studio sends the
 * browser) or a Studio origin the lake serves, by its Origin, else its Referer. The form is a
 * simple cross-site request: without this any web page could post wrong passwords in its
 * visitors' names and lock their accounts. A browser sends Origin on every form POST (`null`
 * when it hides it, refused); a post with neither header is a program's, which could as well send
 * any it liked.
 */
function postedFromLakeOrStudio(c: Context): boolean {
  const origin = c.req.header('origin')
  const referer = c.req.header('referer')
  const claimed = origin ?? referer
  if (claimed === undefined) return true
  const from = normalizeOrigin(claimed)
  if (!from) return false
  const studio = studioOf(c)
  const own = [apiHostOf(c, lakeOf(c).config.projectId), new URL(c.req.url).origin]
  return own.some((url) => normalizeOrigin(url) === from) || studio.corsOrigins.includes(from)
}

/** The Studio URL to return to, only when its origin is one the lake serves (no open redirect). */
function redirectTarget(c: Context, origin: string): URL | null {
  const allowed = normalizeOrigin(origin)
  if (!allowed || !studioOf(c).corsOrigins.includes(allowed)) return null
  return new URL(origin)
}

const MESSAGES = {
  invalid: {
    bn: 'ইমেইল বা পাসওয়ার্ড মেলেনি। আবার চেষ্টা করুন।',
    en: 'Wrong e-mail or password. Please try again.',
  },
  rateLimited: (seconds: number) => {
    const minutes = Math.max(1, Math.ceil(seconds / 60))
    return {
      bn: `অনেকবার ভুল চেষ্টা হয়েছে। ${toBengaliDigits(minutes)} মিনিট পরে আবার চেষ্টা করুন।`,
      en: `Too many failed sign-in attempts. Try again in ${minutes} minute${minutes === 1 ? '' : 's'}.`,
    }
  },
  foreignPage: {
    bn: 'অন্য একটি ওয়েবসাইট থেকে এই সাইন ইন পাঠানো হয়েছিল। স্টুডিও থেকে সাইন ইন করুন।',
    en: 'This sign-in was sent from another website. Sign in from the Studio.',
  },
  badOrigin: {
    bn: 'এই ঠিকানায় ফেরত পাঠানো যায় না। স্টুডিও থেকে আবার সাইন ইন শুরু করুন।',
    en: 'Cannot return to this address. Start signing in again from the Studio.',
  },
  addressBusy: {
    bn: 'এই ঠিকানা (এই কম্পিউটার বা এর নেটওয়ার্ক) থেকে অনেক অনুরোধ চলছে।',
    en: 'Too many requests from this address are under way (this computer, or its network).',
  },
  lakeBusy: {
    bn: 'লেকে সবার মিলিয়ে অনেক অনুরোধ চলছে।',
    en: 'The lake has too many requests under way from all its callers.',
  },
  databaseBusy: {
    bn: 'লেকের অ্যাকাউন্টের ডেটাবেস ব্যস্ত ছিল (অন্য কোনো প্রোগ্রাম তাতে লিখছিল); কিছুই বদলায়নি।',
    en: "The lake's accounts database was busy (another program was writing to it); nothing was changed.",
  },
  unavailable: {
    bn: 'লেকটি এখন বন্ধ হচ্ছে বা অনুরোধ নিতে পারছে না।',
    en: 'The lake is shutting down or cannot take requests now.',
  },
  tryAgainIn: (seconds: number) => ({
    bn: `${toBengaliDigits(seconds)} সেকেন্ড পরে আবার চেষ্টা করুন।`,
    en: `Try again in ${seconds} second${seconds === 1 ? '' : 's'}.`,
  }),
}

/**
 * The sign-in form's refusal (429, 503: requests or bodies under way past a bound, refused before
 * its body was read; a busy or closing database) as the login page, its form as it was, or null
 * for any other answer. A browser shows what the form's POST is answered: the error's JSON left an
 * editor no way on. The form is whatever the router took to its handler (`//auth/login/local`,
 * `/auth/login/%6Cocal`), not one spelling of its path. Where to return comes from the form's URL
 * (its action carries it), the body being unread.
 */
export function loginPageRefusal(c: Context, thrown: unknown, res: Response): Response | null {
  if (res.status !== 429 && res.status !== 503) return null
  if (!matchedRoutes(c).some((route) => route.handler === checkLoginForm)) return null
  const retryAfter = Number(res.headers.get('retry-after')) || 1
  c.header('Retry-After', String(retryAfter))
  const params = loginParams((name) => c.req.query(name))
  return page(c, res.status, params, refusalMessage(thrown, retryAfter))
}

/** What the page says of a refusal: its own cause, each in its words. */
function refusalMessage(thrown: unknown, seconds: number): {bn: string; en: string} {
  const err = databaseBusy(thrown) ?? thrown
  const cause =
    err instanceof CallerBusyError
      ? MESSAGES.addressBusy
      : err instanceof DatabaseBusyError
        ? MESSAGES.databaseBusy
        : err instanceof UnavailableError
          ? MESSAGES.unavailable
          : err instanceof RetryLaterError && err.type === 'lakeBusyError'
            ? MESSAGES.lakeBusy
            : {
                bn: 'এই মুহূর্তে সাইন ইন করা গেল না।',
                en: err instanceof LakeError ? err.description : 'Signing in failed for now.',
              }
  const later = MESSAGES.tryAgainIn(seconds)
  return {bn: `${cause.bn} ${later.bn}`, en: `${cause.en} ${later.en}`}
}

function page(
  c: Context,
  status: 200 | 400 | 401 | 403 | 429 | 503,
  params: LoginParams,
  message: {bn: string; en: string} | null,
  email = '',
): Response {
  c.header('Cache-Control', 'no-store')
  c.header('X-Frame-Options', 'DENY')
  c.header('Content-Security-Policy', "default-src 'none'; style-src 'unsafe-inline'")
  const hidden = (Object.keys(params) as (keyof LoginParams)[])
    .filter((key) => params[key] !== '')
    .map((key) => `<input type="hidden" name="${key}" value="${escapeHtml(params[key])}">`)
    .join('\n      ')
  // Also in the form's URL: a refusal before its body is read (loginPageRefusal) still has them.
  const query = new URLSearchParams(
    Object.entries(params).filter(([, value]) => value !== ''),
  ).toString()
  const action = query === '' ? LOGIN_PATH : `${LOGIN_PATH}?${query}`
  const alert = message
    ? `<p class="message" role="alert" lang="bn">${escapeHtml(message.bn)}<br><span lang="en">${escapeHtml(message.en)}</span></p>`
    : ''
  return c.html(
    `<!doctype html>
<html lang="bn">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>সাইন ইন · Sign in — Local Content Lake</title>
  <style>
    body {font-family: 'Noto Sans Bengali', system-ui, sans-serif; background: #f3f3f6; margin: 0;
      display: grid; min-height: 100vh; place-items: center; color: #1b1d27}
    main {background: #fff; padding: 2rem; border-radius: 8px; width: min(22rem, 90vw);
      box-shadow: 0 1px 4px rgb(0 0 0 / 12%)}
    h1 {font-size: 1.25rem; margin: 0 0 1.25rem}
    label {display: block; margin: 0.75rem 0 0.25rem; font-weight: 600}
    .en {font-weight: 400; color: #555}
    input[type=email], input[type=password] {width: 100%; box-sizing: border-box; padding: 0.5rem;
      font: inherit; border: 1px solid #bbb; border-radius: 4px}
    button {margin-top: 1.25rem; width: 100%; padding: 0.6rem; font: inherit; font-weight: 600;
      border: 0; border-radius: 4px; background: #2276fc; color: #fff; cursor: pointer}
    .message {background: #fdecec; color: #8a1c1c; padding: 0.6rem; border-radius: 4px}
  </style>
</head>
<body>
  <main>
    <h1>সাইন ইন <span class="en" lang="en">· Sign in</span></h1>
    ${alert}
    <form method="post" action="${escapeHtml(action)}">
      ${hidden}
      <label for="email">ইমেইল <span class="en" lang="en">· E-mail</span></label>
      <input id="email" name="email" type="email" autocomplete="username" required autofocus value="${escapeHtml(email)}">
      <label for="password">পাসওয়ার্ড <span class="en" lang="en">· Password</span></label>
      <input id="password" name="password" type="password" autocomplete="current-password" required>
      <button type="submit">প্রবেশ করুন <span lang="en">· Sign in</span></button>
    </form>
  </main>
</body>
</html>
`,
    status,
  )
}

function escapeHtml(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (char) => ({'&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;'})[char]!,
  )
}
