// ESLint (flat config): the recommended rules, plus typescript-eslint's type-aware ones
// (no-floating-promises, no-misused-promises…) over every TypeScript file of the workspace.
import js from '@eslint/js'
import reactHooks from 'eslint-plugin-react-hooks'
import globals from 'globals'
import tseslint from 'typescript-eslint'

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', 'data/**', 'docs/**', 'bench/.build/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      globals: { ...globals.node },
      parserOptions: { projectService: { allowDefaultProject: ['*.js'] }, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': [
        'error',
        {
          // node:test's describe/test return promises that the runner itself awaits.
          allowForKnownSafeCalls: [
            { from: 'package', package: 'node:test', name: ['describe', 'suite', 'test', 'it'] },
          ],
        },
      ],
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', ignoreRestSiblings: true },
      ],
      // Fastify handlers and hooks are async by contract (the returned value is the reply), with or without an await.
      '@typescript-eslint/require-await': 'off',
    },
  },
  { files: ['**/*.js', '**/*.mjs'], ...tseslint.configs.disableTypeChecked },
  {
    files: ['packages/dashboard/src/**', 'packages/client/src/**'],
    languageOptions: { globals: { ...globals.browser } },
  },
  {
    files: ['packages/dashboard/src/**'],
    plugins: { 'react-hooks': reactHooks },
    rules: {
      'react-hooks/rules-of-hooks': 'error',
      'react-hooks/exhaustive-deps': 'error',
      // React ignores an event handler's return value; the async handlers show their own errors.
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { attributes: false } }],
      // Hooks hand out plain closures (useSession().signOut, useSearchParams' setter): no `this` to lose.
      '@typescript-eslint/unbound-method': 'off',
    },
  },
  {
    // Kysely's documented pattern: a migration sees the database as `Kysely<any>`, never the
    // current schema's types (which change after it is written).
    files: [
      'packages/keyward/src/store/migrations/**',
      'packages/keyward/src/store/migrations.ts',
      'packages/keyward/src/store/online-indexes.ts',
    ],
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
    },
  },
  {
    // Tests (and the bench's HTTP drivers) read JSON response bodies as `any` on purpose:
    // their assertions check the shape.
    files: ['**/test/**', 'bench/src/**'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
    },
  },
)
