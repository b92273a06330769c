import {PortableText} from 'next-sanity'
import {notFound} from 'next/navigation'
import {ARTICLE_BY_SLUG_QUERY} from '../../../../../queries/index.ts'
import {sanityFetch} from '../../../sanity/live.ts'
import {LeadImage} from '../../LeadImage.tsx'

export default async function ArticlePage({params}: {params: Promise<{slug: string}>}) {
  const {slug} = await params
  const {data: article} = await sanityFetch({
    query: ARTICLE_BY_SLUG_QUERY,
    // NFC, as stored slugs are: a URL typed with a precomposed য় (U+09DF) would find nothing.
    params: {slug: decodeURIComponent(slug).normalize('NFC')},
  })
  if (!article) return notFound()
  return (
    <article>
      {article.kicker ? <p className="kicker">{article.kicker}</p> : null}
      <h1>{article.title}</h1>
      {article.subheadline ? <p>{article.subheadline}</p> : null}
      <p className="source">{[article.byline, article.source?.name].filter(Boolean).join(' · ')}</p>
      <LeadImage image={article.leadImage} sizes="(min-width: 60rem) 58rem, 100vw" priority />
      {article.body ? <PortableText value={article.body} /> : null}
      {article.relatedHeadlines?.length ? (
        <section className="related">
          <h2>আরও খবর</h2>
          <ul>
            {article.relatedHeadlines.map((headline) => (
              <li key={headline._id}>
                {headline.articleSlug ? (
                  <a href={`/articles/${encodeURIComponent(headline.articleSlug)}`}>
                    {headline.text}
                  </a>
                ) : (
                  headline.text
                )}
              </li>
            ))}
          </ul>
        </section>
      ) : null}
    </article>
  )
}
