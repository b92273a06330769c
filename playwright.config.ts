// End-to-end tests: the real Studio (production build) in Debian's Chromium against a real lake.
// tests/e2e/global-setup.ts builds the Studio and a template data folder once; every test then
// starts its own lake on a fresh copy of that folder (tests/e2e/support/fixtures.ts).
import {defineConfig} from '@playwright/test'
import {STUDIO_URL} from './tests/e2e/support/config.ts'

const CI = Boolean(process.env.CI)

export default defineConfig({
  testDir: 'tests/e2e',
  testMatch: '*.spec.ts',
  outputDir: 'test-results/e2e',
  globalSetup: './tests/e2e/global-setup.ts',
  // One browser at a time: the machine has two cores and every test owns the lake's port.
  workers: 1,
  fullyParallel: false,
  forbidOnly: CI,
  retries: 0,
  // The Studio is a large single-page app; a cold load on two busy cores takes tens of seconds.
  timeout: 180_000,
  expect: {timeout: 30_000},
  globalTimeout: 40 * 60_000,
  reporter: [
    [CI ? 'list' : 'line'],
    ['html', {open: 'never', outputFolder: 'playwright-report'}],
    ['./tests/e2e/support/timings-reporter.ts'],
  ],
  use: {
    baseURL: STUDIO_URL,
    browserName: 'chromium',
    headless: true,
    locale: 'en-US',
    timezoneId: 'Asia/Dhaka',
    viewport: {width: 1440, height: 900},
    actionTimeout: 30_000,
    navigationTimeout: 90_000,
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
    video: 'off',
    launchOptions: {
      // Playwright's own browser download is not used: Debian's Chromium (or CHROMIUM_PATH).
      executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
      // The lake's certificate is trusted by its key hash in tests/e2e/support/fixtures.ts.
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
        '--disable-quic',
      ],
    },
  },
})
