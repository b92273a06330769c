/**
 * The Studio's error-level text rules (schemas/validation.ts textErrorRules) applied to what the
 * import writes, so that it publishes nothing an editor could not publish: the fields below carry
 * the same options as in the schema (tests/scripts/studioRules.test.ts checks the import's
 * documents with Sanity's own validation).
 */
import {ARTICLE_TITLE_LIMIT, HEADLINE_TEXT_LIMIT} from '../../schemas/names.ts'
import {type TextErrorRule, textErrorRules} from '../../schemas/validation.ts'
import type {ParsedArticle, ParsedHeadline} from './parseArticle.ts'

const PLAIN = textErrorRules()
const TITLE = textErrorRules({limit: ARTICLE_TITLE_LIMIT})
const HEADLINE_TEXT = textErrorRules({limit: HEADLINE_TEXT_LIMIT})

/**
 * One field that breaks a rule: 'the title' + 'mixes Bengali and ASCII digits in one number', and
 * the 1-based line of the file it came from.
 */
export type RuleProblem = {field: string; problem: string; line: number}

function problemsOf(
  field: string,
  value: string | undefined,
  rules: TextErrorRule[],
  line: number,
): RuleProblem[] {
  if (value === undefined) return []
  return rules
    .filter((rule) => rule.check(value) !== true)
    .map((rule) => ({field, problem: rule.describe(value), line}))
}

/** What in the article's own fields the Studio would refuse to publish, each at its line. */
export function articleRuleProblems(parsed: ParsedArticle): RuleProblem[] {
  const lines = parsed.lines
  const title = lines?.title ?? 1
  return [
    ...problemsOf('title', parsed.title, TITLE, title),
    ...problemsOf('dateline', parsed.dateline?.text, PLAIN, lines?.dateline ?? title),
    ...problemsOf('dateline place', parsed.dateline?.place, PLAIN, lines?.dateline ?? title),
    ...problemsOf('byline', parsed.byline, PLAIN, lines?.byline ?? title),
    ...parsed.credits.flatMap((credit, index) =>
      problemsOf(`credit '${credit}'`, credit, PLAIN, lines?.credits[index] ?? title),
    ),
    ...problemsOf('desk initials', parsed.deskInitials, PLAIN, lines?.deskInitials ?? title),
  ]
}

/** What in a source's name the Studio would refuse to publish (line: the credit line). */
export function sourceRuleProblems(name: string, line: number): RuleProblem[] {
  return problemsOf(`source name '${name}'`, name, PLAIN, line)
}

/** What in a related headline the Studio would refuse to publish. */
export function headlineRuleProblems(headline: ParsedHeadline): RuleProblem[] {
  return [
    ...problemsOf('related headline', headline.text, HEADLINE_TEXT, headline.line),
    ...problemsOf('speaker', headline.speaker, PLAIN, headline.line),
  ]
}
