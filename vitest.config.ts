import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: [
      { test: { name: 'unit', include: ['__tests__/unit/**/*.test.ts'] } },
      {
        test: {
          name: 'integration',
          include: ['__tests__/integration/**/*.test.ts'],
          testTimeout: 600_000,
          hookTimeout: 600_000,
          // The engine tests share two daemons and a registry; running files in parallel would only fight for 2 cores.
          fileParallelism: false,
        },
      },
    ],
  },
});
