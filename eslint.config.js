// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import importX from 'eslint-plugin-import-x';
import prettier from 'eslint-config-prettier';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';

/**
 * The layering rules (core → store → engine → runner/client → cli), enforced so that a wrong
 * import fails lint.
 */
const boundaries = {
  'import-x/no-restricted-paths': [
    'error',
    {
      zones: [
        {
          target: './src/core',
          from: './src',
          except: ['./core', './errors.ts'],
          message: 'core/ is pure: it imports only core/ and errors.ts.',
        },
        {
          target: './src/engine',
          from: './src/store',
          except: ['./store.ts'],
          message:
            'engine/ sees only the store contract: import its records and the Store interface from src/store/store.ts.',
        },
        {
          target: './src/store',
          from: './src/engine',
          message: 'store/ does not know the engine.',
        },
        {
          target: './src/cli',
          from: './src',
          except: ['./index.ts', './cli', './server'],
          message: 'cli/ uses the public API only: import from src/index.ts (or src/server/).',
        },
        {
          target: './src/server',
          from: './src',
          except: ['./index.ts', './server'],
          message: 'server/ uses the public API only: import from src/index.ts.',
        },
      ],
    },
  ],
  'no-restricted-imports': [
    'error',
    {
      paths: [
        { name: 'better-sqlite3', message: 'Only src/store/sqlite/ imports better-sqlite3.' },
        { name: 'pg', message: 'Only src/store/postgres/ imports pg.' },
        { name: 'pino', message: 'Only src/observability/ imports pino.' },
        { name: 'prom-client', message: 'Only src/observability/ imports prom-client.' },
      ],
    },
  ],
};

export default tseslint.config(
  // bench/peers: peer engines with their own dependencies (`npm run bench:peers`).
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', '.tmp/**', 'bench/peers/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    plugins: { 'import-x': importX },
    // The TypeScript resolver maps `./x.js` specifiers to `./x.ts`, so path rules see real files.
    settings: {
      'import-x/resolver-next': [createTypeScriptImportResolver()],
      // Without .ts here import-x parses no TypeScript dependency, and no-cycle sees no cycle.
      'import-x/extensions': ['.ts', '.tsx', '.js', '.mjs', '.cjs'],
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      'import-x/no-cycle': 'error',
    },
  },
  { files: ['src/**/*.ts'], rules: boundaries },
  {
    // Shared SQL spells no one dialect's syntax: the adapter supplies it (`Tx.syntax`) or
    // implements the operation itself (its event feed), so `ops/` holds no collation, no `::`
    // cast and no PostgreSQL function.
    files: ['src/store/ops/**/*.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        ...['TemplateElement[value.raw=/COLLATE|::|pg_/]', 'Literal[value=/COLLATE|::|pg_/]'].map(
          (selector) => ({
            selector,
            message:
              'Dialect syntax belongs to the adapters: add it to DialectSyntax (store/db.ts) or implement the operation in store/sqlite/ and store/postgres/.',
          }),
        ),
      ],
    },
  },
  { files: ['src/store/sqlite/**'], rules: { 'no-restricted-imports': 'off' } },
  { files: ['src/store/postgres/**'], rules: { 'no-restricted-imports': 'off' } },
  { files: ['src/observability/**'], rules: { 'no-restricted-imports': 'off' } },
  {
    // Time reaches the engine only through its clock: every timer through `engine/timers.ts`,
    // every "now" through `clock.now()`, so a virtual clock (`cloacina/testing`) drives it all.
    files: ['src/engine/**/*.ts', 'src/runner.ts', 'src/client.ts'],
    ignores: ['src/engine/timers.ts', 'src/engine/clock.ts'],
    rules: {
      'no-restricted-globals': [
        'error',
        ...['setTimeout', 'setInterval', 'clearTimeout', 'clearInterval'].map((name) => ({
          name,
          message:
            'Engine timers go through after/every/sleep of src/engine/timers.ts, with the clock.',
        })),
      ],
      'no-restricted-properties': [
        'error',
        { object: 'Date', property: 'now', message: 'Read the time from the clock: clock.now().' },
      ],
      'no-restricted-syntax': [
        'error',
        {
          selector: "NewExpression[callee.name='Date'][arguments.length=0]",
          message: 'Read the time from the clock: new Date(clock.now()).',
        },
      ],
    },
  },
  {
    files: ['test/**', 'bench/**', 'examples/**'],
    rules: {
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/require-await': 'off',
    },
  },
  {
    // HTTP tests read JSON bodies, which are untyped by nature; the assertions check them.
    files: ['test/server/**', 'test/helpers/server.ts', 'test/browser/**'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
    },
  },
  { files: ['**/*.js'], ...tseslint.configs.disableTypeChecked },
  prettier,
);
