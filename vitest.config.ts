import { defineConfig } from 'vitest/config';

// Four projects so CI and developers can run each layer alone. Integration and e2e tests
// start real servers (simulated Azure, PostgreSQL, Chromium), so they run one file at a time.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          environment: 'node',
          testTimeout: 20_000,
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts', 'test/sim/**/*.test.ts'],
          environment: 'node',
          testTimeout: 120_000,
          hookTimeout: 180_000,
          fileParallelism: false,
        },
      },
      {
        // `npm run package -- --linux dir` / `--win dir` against stand-in Electron directories, then
        // the packaged CLI against the simulator (test/packaging/package.test.ts).
        test: {
          name: 'packaging',
          include: ['test/packaging/**/*.test.ts'],
          environment: 'node',
          testTimeout: 120_000,
          hookTimeout: 180_000,
          fileParallelism: false,
        },
      },
      {
        // Runs only inside the namespace of test/sim/namespace.ts, where Azure's real host names
        // point at the simulators (test/run-all.mjs and `npm run test:public-cloud` put it there).
        test: {
          name: 'public-cloud',
          include: ['test/public-cloud/**/*.test.ts'],
          environment: 'node',
          testTimeout: 180_000,
          hookTimeout: 180_000,
          fileParallelism: false,
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          environment: 'node',
          testTimeout: 180_000,
          hookTimeout: 180_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
