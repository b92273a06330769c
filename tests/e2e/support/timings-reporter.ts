// Lists the durations the specs measured (annotations of type 'timing') after the run, and keeps
// them in test-results/e2e/timings.json. Measurements only: no test asserts on speed.
import {mkdirSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import type {FullResult, Reporter, TestCase, TestResult} from '@playwright/test/reporter'

interface Row {
  test: string
  step: string
}

export default class TimingsReporter implements Reporter {
  private rows: Row[] = []

  onTestEnd(test: TestCase, result: TestResult): void {
    for (const annotation of result.annotations) {
      if (annotation.type === 'timing' && annotation.description) {
        this.rows.push({test: test.titlePath().slice(2).join(' › '), step: annotation.description})
      }
    }
  }

  onEnd(_result: FullResult): void {
    if (this.rows.length === 0) return
    const width = Math.max(...this.rows.map((row) => row.test.length))
    console.log('\nMeasured timings:')
    for (const row of this.rows) console.log(`  ${row.test.padEnd(width)}  ${row.step}`)
    const dir = join('test-results', 'e2e')
    mkdirSync(dir, {recursive: true})
    writeFileSync(join(dir, 'timings.json'), JSON.stringify(this.rows, null, 2) + '\n')
  }

  printsToStdio(): boolean {
    return false
  }
}
