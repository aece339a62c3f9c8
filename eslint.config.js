import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/** Import patterns that reach a top-level folder from one, two or three levels down. */
function layers(folders) {
  return folders.flatMap((folder) => [`../${folder}/*`, `../../${folder}/*`, `../../../${folder}/*`]);
}

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
    // contract/ and workflows/ are replayed in a sandbox: no zod, no Node built-ins, no I/O. Arrows point down:
    // workflows/ sees contract/ and its own shared/; contract/ sees only itself.
    files: ['workflows/**/*.ts', 'contract/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: ['fs', 'path', 'crypto', 'http', 'https', 'os', 'child_process', 'net', 'url', 'util', 'zod'].map(
            (name) => ({
              name,
              message:
                'workflows/ and contract/ stay deterministic: no Node modules and no zod (validate at the edges).',
            }),
          ),
          patterns: [
            {
              group: ['zod', 'zod/*'],
              message: 'workflows/ and contract/ must not import zod: validate at the edges.',
            },
            { group: ['node:*'], message: 'workflows/ and contract/ stay deterministic: no Node modules.' },
            {
              group: layers(['activities', 'client', 'common', 'sandbox', 'workers', 'bench', 'scripts', 'test']),
              message: 'workflows/ imports contract/ and its own shared/ only; contract/ imports nothing of ours.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['contract/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['zod', 'zod/*', 'node:*'], message: 'contract/ stays deterministic: no zod, no Node modules.' },
            { group: layers(['workflows']), message: 'contract/ is the ground floor: it imports nothing of ours.' },
            {
              group: layers(['activities', 'client', 'common', 'sandbox', 'workers', 'bench', 'scripts', 'test']),
              message: 'contract/ is the ground floor: it imports nothing of ours.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['client/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: layers(['activities', 'workflows', 'workers', 'sandbox']),
              message: 'client/ imports contract/ and common/ only: never activities/ or workflow internals.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['activities/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: layers(['client', 'workflows', 'workers', 'sandbox']),
              message: 'activities/ imports contract/ and common/ only.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['common/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: layers(['client', 'activities', 'workflows', 'workers', 'sandbox']),
              message: 'common/ sits below every layer but contract/: it imports contract/ only.',
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
