import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['__tests__/unit/**/*.test.ts'],
          // @actions/workflow-parser imports its JSON schemas without import attributes, which Node refuses: let
          // vite transform it instead of loading it natively.
          server: { deps: { inline: ['@actions/workflow-parser'] } },
        },
      },
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
