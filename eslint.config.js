import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/**', '.tools/**', '.data/**', 'dist/**', 'test/histories/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: {
        console: 'readonly',
        process: 'readonly',
        Buffer: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        setInterval: 'readonly',
        clearInterval: 'readonly',
        URL: 'readonly',
        fetch: 'readonly',
      },
    },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  {
    // Workflow code is replayed in a sandbox: no zod, no Node built-ins, no I/O.
    files: ['workflows/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: ['fs', 'path', 'crypto', 'http', 'https', 'os', 'child_process', 'net', 'url', 'util', 'zod'].map(
            (name) => ({
              name,
              message: 'workflows/ must stay deterministic: no Node modules and no zod (validate at the edges).',
            }),
          ),
          patterns: [
            { group: ['zod', 'zod/*'], message: 'workflows/ must not import zod: validate at the edges.' },
            { group: ['node:*'], message: 'workflows/ must stay deterministic: no Node modules.' },
            {
              group: ['../client/*', '../activities/*/client*', '../sandbox/*'],
              message: 'workflows/ imports activities as types only and nothing from client/ or sandbox/.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['sandbox/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: [
                '../../workflows/*',
                '../../activities/*',
                '../../client/*',
                '../../common/*',
                '../workflows/*',
                '../activities/*',
                '../client/*',
                '../common/*',
              ],
              message: "sandbox/ stands in for someone else's server: it imports nothing from the engine.",
            },
          ],
        },
      ],
    },
  },
);
