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

/** One field that breaks a rule: 'the title' + 'mixes Bengali and ASCII digits in one number'. */
export type RuleProblem = {field: string; problem: string}

function problemsOf(field: string, value: string | undefined, rules: TextErrorRule[]) {
  if (value === undefined) return []
  return rules
    .filter((rule) => rule.check(value) !== true)
    .map((rule) => ({field, problem: rule.describe(value)}))
}

/** What in the article's own fields the Studio would refuse to publish. */
export function articleRuleProblems(parsed: ParsedArticle): RuleProblem[] {
  return [
    ...problemsOf('title', parsed.title, TITLE),
    ...problemsOf('dateline', parsed.dateline?.text, PLAIN),
    ...problemsOf('dateline place', parsed.dateline?.place, PLAIN),
    ...problemsOf('byline', parsed.byline, PLAIN),
    ...parsed.credits.flatMap((credit) => problemsOf(`credit '${credit}'`, credit, PLAIN)),
    ...problemsOf('desk initials', parsed.deskInitials, PLAIN),
  ]
}

/** What in a related headline the Studio would refuse to publish. */
export function headlineRuleProblems(headline: ParsedHeadline): RuleProblem[] {
  return [
    ...problemsOf('related headline', headline.text, HEADLINE_TEXT),
    ...problemsOf('speaker', headline.speaker, PLAIN),
  ]
}
