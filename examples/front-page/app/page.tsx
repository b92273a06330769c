import {LATEST_ARTICLES_QUERY} from '../../../queries/index.ts'
import {sanityFetch} from '../sanity/live.ts'
import {LeadImage} from './LeadImage.tsx'
import {TodaysDate} from './TodaysDate.tsx'

export default async function FrontPage() {
  const {data: articles} = await sanityFetch({query: LATEST_ARTICLES_QUERY, params: {limit: 12}})
  return (
    <>
      <TodaysDate />
      <ul className="stories">
        {articles.map((article, i) => (
          <li key={article._id} className="story" data-testid="story">
            <a href={`/articles/${encodeURIComponent(article.slug ?? '')}`}>
              <LeadImage
                image={article.leadImage}
                sizes="(min-width: 60rem) 20rem, 100vw"
                priority={i < 3}
              />
              <h2>
                {article.kicker ? <span className="kicker">{article.kicker}</span> : null}
                {article.title}
              </h2>
            </a>
            {article.summary ? <p>{article.summary}</p> : null}
            {article.source?.name ? <p className="source">{article.source.name}</p> : null}
          </li>
        ))}
      </ul>
    </>
  )
}
