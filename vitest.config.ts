import { defineConfig } from 'vitest/config';

// The resilience suite takes about ten minutes of load and outages: `npm run test:resilience` runs it
// (and CI, after `npm test`); a plain `vitest run` leaves it out.
const resilience = process.env.VITEST_RESILIENCE === '1';

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts', 'test/infra/**/*.test.ts'],
          testTimeout: 120_000,
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts', 'test/browser/**/*.test.ts'],
          globalSetup: ['test/integration/local-cloud.setup.ts'],
          // Ceilings for a hung test, not measures of speed: CI shares two cores with whatever else runs.
          testTimeout: 300_000,
          hookTimeout: 300_000,
          fileParallelism: false,
        },
      },
      ...(resilience ? [{
        test: {
          name: 'resilience',
          include: ['test/resilience/**/*.test.ts'],
          globalSetup: ['test/resilience/resilience.setup.ts'],
          testTimeout: 300_000,
          hookTimeout: 180_000,
          fileParallelism: false,
        },
      }] : []),
    ],
  },
});
