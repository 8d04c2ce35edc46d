import { defineConfig } from 'vitest/config';

// Five projects so CI and developers can run each layer alone. Integration and e2e tests
// start real servers (simulated Azure, PostgreSQL, Chromium), so they run one file at a time.
// The projects whose keychain tests skip themselves without PGENTRA_KEYRING_READY=1 refuse to
// run under CI without it (test/support/requireKeyringInCi.ts); e2e starts its own keychain.
const REQUIRE_KEYRING_IN_CI = ['test/support/requireKeyringInCi.ts'];

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
          setupFiles: REQUIRE_KEYRING_IN_CI,
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
          setupFiles: REQUIRE_KEYRING_IN_CI,
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
          setupFiles: REQUIRE_KEYRING_IN_CI,
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
