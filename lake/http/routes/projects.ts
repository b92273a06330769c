/**
 * The one local project: `projects/{id}` with its members, its datasets, the dataset acl (the
 * caller's document grants, which the Studio evaluates per document) and the project grants.
 */
import {Hono, type Context} from 'hono'
import {BadRequestError, NotFoundError, PermissionError} from '../../core/errors.ts'
import {
  can,
  grantsFor,
  projectGrantsFor,
  ROLE_NAMES,
  ROLE_TITLES,
  type RoleName,
} from '../../core/grants.ts'
import {invalidDatasetReason} from '../../core/ids.ts'
import {datasetNames, isListed} from '../../datasets/listing.ts'
import {VISIBILITIES, type DatasetVisibility} from '../../datasets/visibility.ts'
import {flag, lakeOf, param} from '../context.ts'
import {decodeUtf8} from '../nodeRequest.ts'
import {answerAnyOrigin, normalizeOrigin} from '../cors.ts'
import {getPrincipal, requireSignedIn} from '../principal.ts'
import {studioOf} from '../studioContext.ts'

const ROLE_DESCRIPTIONS: Record<RoleName, string> = {
  administrator: 'Read and write all documents, manage users and tokens',
  editor: 'Read and write all documents, publish',
  developer: 'Read and write all documents, publish',
  contributor: 'Read all documents, write drafts; cannot publish',
  viewer: 'Read all documents',
}

function requireProject(c: Context): string {
  const {projectId} = lakeOf(c).config
  if (c.req.param('projectId') !== projectId) {
    throw new NotFoundError(
      `Project "${c.req.param('projectId')}" not found; this lake serves "${projectId}"`,
    )
  }
  requireSignedIn(c)
  return projectId
}

/** The dataset a create or edit names, once its caller may manage datasets. */
function datasetToManage(c: Context, verb: 'create' | 'edit' | 'delete'): string {
  const principal = requireSignedIn(c)
  if (!can(principal, 'manage', '')) {
    throw new PermissionError(`Only administrators may ${verb} datasets`)
  }
  const name = c.req.param('name') ?? ''
  const reason = invalidDatasetReason(name)
  if (reason) throw new BadRequestError(`Invalid dataset name "${name}": ${reason}`)
  return name
}

/**
 * The options of a create or edit (the client sends no body without them). The lake's datasets
 * are public or private; hosted Sanity's `custom` (per-document access rules) it has not.
 */
async function datasetSettings(c: Context): Promise<{aclMode?: DatasetVisibility}> {
  const bytes = Buffer.from(await c.req.arrayBuffer())
  if (bytes.length === 0) return {}
  const body: unknown = JSON.parse(decodeUtf8(bytes))
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new BadRequestError('The body must be a JSON object, as {"aclMode": "public"}')
  }
  const {aclMode} = body as {aclMode?: unknown}
  if (aclMode === undefined) return {}
  if (!(VISIBILITIES as readonly unknown[]).includes(aclMode)) {
    throw new BadRequestError(
      `aclMode must be one of ${VISIBILITIES.map((mode) => `"${mode}"`).join(', ')}, not ` +
        `${described(aclMode)}: this lake has no custom access control`,
    )
  }
  return {aclMode: aclMode as DatasetVisibility}
}

/**
 * A scalar as JSON (cut), else what it is: JSON.stringify recursed past the stack on an array
 * 30,000 deep (a 500), and a 64 KiB body's value is no message.
 */
function described(value: unknown): string {
  if (Array.isArray(value)) return 'an array'
  if (typeof value === 'object' && value !== null) return 'an object'
  return String(JSON.stringify(value)).slice(0, 64)
}

export function projectRoutes(): Hono {
  const app = new Hono()

  // client.projects.list(): the one project this lake serves.
  app.get('/projects', (c) => {
    requireSignedIn(c)
    return c.json([projectBody(c, lakeOf(c).config.projectId)])
  })

  app.get('/projects/:projectId', (c) => {
    const projectId = requireProject(c)
    return c.json(projectBody(c, projectId))
  })

  // client.datasets.create(name, {aclMode}): the lake makes the dataset's file on its first write,
  // so creating one checks the name and the caller and records its aclMode, which lists it.
  app.put('/datasets/:name', async (c) => {
    const name = datasetToManage(c, 'create')
    const {aclMode} = await datasetSettings(c)
    const lake = lakeOf(c)
    lake.dataset(name)
    // Past the lake's most datasets its first write would be refused: said now.
    lake.stores.get(name).admitFirstWrite?.()
    lake.visibility.set(name, aclMode ?? lake.visibility.of(name))
    return c.json({datasetName: name, aclMode: lake.visibility.of(name)})
  })

  // client.datasets.edit(name, {aclMode}): who may read it, as `npm run lake -- datasets
  // visibility` sets it.
  app.patch('/datasets/:name', async (c) => {
    const name = datasetToManage(c, 'edit')
    if (!isListed(lakeOf(c), name)) throw new NotFoundError(`Dataset "${name}" not found`)
    const {aclMode} = await datasetSettings(c)
    const {visibility} = lakeOf(c)
    if (aclMode) visibility.set(name, aclMode)
    return c.json({datasetName: name, aclMode: visibility.of(name)})
  })

  // client.datasets.delete(name) and `sanity dataset delete` (on the project host), and the
  // Projects API's form: the dataset goes, files and all (lake/datasets/deletion.ts).
  const deleteDataset = async (c: Context) => {
    const name = datasetToManage(c, 'delete')
    // Decided in the delete's turn, behind one of the name under way, not before it queues.
    if (!(await lakeOf(c).deleteDataset(name))) {
      throw new NotFoundError(`Dataset "${name}" not found`)
    }
    return c.json({deleted: true, name})
  }
  app.delete('/datasets/:name', deleteDataset)
  app.delete('/projects/:projectId/datasets/:name', (c) => {
    requireProject(c)
    return deleteDataset(c)
  })

  // The Studio's CORS probe (sanity's checkCors): is the calling origin allowed, with credentials?
  // A caller that sends no Origin is not a browser, and no CORS applies to it: @sanity/client
  // probes on every live events `reconnect` and ends the stream for good on `allowed: false`.
  app.get('/check/cors', (c) => {
    const header = c.req.header('origin')
    const origin = normalizeOrigin(header ?? '')
    const allowed =
      header === undefined || (origin !== null && studioOf(c).corsOrigins.includes(origin))
    answerAnyOrigin(c)
    return c.json({result: {allowed, withCredentials: allowed}})
  })

  function projectBody(c: Context, projectId: string) {
    const principal = getPrincipal(c)
    const {auth} = studioOf(c)
    const members =
      param(c, 'includeMembers') === 'false'
        ? []
        : [
            ...auth.listUsers().map((user) => ({
              id: user.id,
              createdAt: user.createdAt,
              role: user.role,
              roles: [{name: user.role, title: ROLE_TITLES[user.role]}],
              isCurrentUser: user.id === principal.id,
              isRobot: false,
            })),
            ...auth.listTokens().map((token) => ({
              id: `r${token.id}`,
              createdAt: token.createdAt,
              role: token.role,
              roles: token.role ? [{name: token.role, title: ROLE_TITLES[token.role]}] : [],
              isCurrentUser: `r${token.id}` === principal.id,
              isRobot: true,
            })),
          ]
    return {
      id: projectId,
      displayName: 'Local Content Lake',
      studioHost: null,
      isBlocked: false,
      isDisabled: false,
      isDisabledByUser: false,
      metadata: {},
      organizationId: null,
      // includeOrganization=true: there is no organization for a local project.
      ...(flag(c, 'includeOrganization') ? {organization: null} : {}),
      members,
      features: [],
      pendingInvites: 0,
    }
  }

  const listDatasets = (c: Context) => {
    // The comments add-on probe: the lake has no add-on datasets.
    if (param(c, 'datasetProfile') === 'comments' || param(c, 'addonFor')) return c.json([])
    return c.json(
      datasetNames(lakeOf(c)).map((name) => ({
        name,
        aclMode: lakeOf(c).visibility.of(name),
        datasetProfile: 'content',
        addonFor: null,
        tags: [],
      })),
    )
  }
  app.get('/projects/:projectId/datasets', (c) => {
    requireProject(c)
    return listDatasets(c)
  })
  // client.datasets.list() on the project host (Vision's dataset picker).
  app.get('/datasets', (c) => {
    requireSignedIn(c)
    return listDatasets(c)
  })

  // The roles a member can have (the Studio's "Ask to edit" dialog reads them).
  app.get('/projects/:projectId/roles', (c) => {
    requireProject(c)
    return c.json(
      ROLE_NAMES.map((name) => ({
        name,
        title: ROLE_TITLES[name],
        description: ROLE_DESCRIPTIONS[name],
        isCustom: false,
        projectId: lakeOf(c).config.projectId,
        appliesToUsers: true,
        appliesToRobots: true,
      })),
    )
  })

  app.get('/projects/:projectId/datasets/:dataset/acl', (c) => {
    requireProject(c)
    const dataset = c.req.param('dataset')
    if (invalidDatasetReason(dataset)) throw new NotFoundError(`Dataset "${dataset}" not found`)
    return c.json(grantsFor(getPrincipal(c).role))
  })

  app.get('/projects/:projectId/grants', (c) => {
    requireProject(c)
    return c.json(projectGrantsFor(getPrincipal(c).role))
  })

  return app
}
