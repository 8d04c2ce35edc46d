// Lint: recommended JS + TypeScript rules; the ones that matter for this product are the
// "no any at boundaries" and the type-aware promise checks (no floating or misused promises).
import { builtinModules } from 'node:module';
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

// Layers (bottom to top): shared/ (pure: no Node, no Electron) ← electron/base/ (leaf helpers) ←
// electron/<service>/ ← the Electron shell (the only files that may import `electron`); the
// renderer sees only shared/ and itself. build/check-cycles.mjs checks that no folders import
// each other in a circle.
const ELECTRON_SHELL = ['electron/main.ts', 'electron/preload.ts', 'electron/window.ts', 'electron/shell/**'];
const NODE_BUILTINS = [...new Set(builtinModules.map((m) => m.replace(/^node:/, '')))];
const noElectron = { name: 'electron', message: 'Only the Electron shell (electron/main.ts, preload.ts, window.ts, shell/**) imports electron; pass what a service needs in from there.' };
const noElectronSub = { regex: '^electron/', message: noElectron.message };
const noNode = (where) => [
  { regex: '^node:', message: `${where} runs without Node: no node:* imports.` },
  { group: NODE_BUILTINS.flatMap((m) => [m, `${m}/*`]), message: `${where} runs without Node: no Node built-in modules.` },
];
/** `import('x')` / `require('x')` for the names no-restricted-imports checks only in static imports. */
const noDynamic = (selectorRegex, message) => [
  { selector: `ImportExpression[source.value=/${selectorRegex}/]`, message },
  { selector: `CallExpression[callee.name='require'][arguments.0.value=/${selectorRegex}/]`, message },
];
const NODE_BUILTIN_RE = `^(node:.*|(${NODE_BUILTINS.map((m) => m.replace(/[/]/g, '\\/')).join('|')})(\\/.*)?)$`;

export default tseslint.config(
  { ignores: ['node_modules/**', 'dist/**', 'test-artifacts/**', '.tmp/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    // Type-aware promise checks for the files tsconfig.json covers: every .ts/.tsx (electron/,
    // renderer/, shared/, test/, build/, vitest.config.ts). The .js/.mjs scripts (build/*.mjs,
    // electron/cli/bin.mjs, test/*.mjs, this file) are outside it and keep the untyped rules.
    // `void p` marks an intended fire-and-forget (no-floating-promises accepts it); say why next to it.
    files: ['**/*.{ts,tsx,mts,cts}'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      // Default options, JSX attributes included: no React handler returns a promise today (the
      // renderer wraps async work as `() => void run()`), so nothing needs `checksVoidReturn` relaxed.
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',
    },
  },
  {
    languageOptions: {
      globals: {
        process: 'readonly',
        console: 'readonly',
        Buffer: 'readonly',
        URL: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        setInterval: 'readonly',
        clearInterval: 'readonly',
        setImmediate: 'readonly',
        fetch: 'readonly',
        AbortController: 'readonly',
        AbortSignal: 'readonly',
        TextEncoder: 'readonly',
        TextDecoder: 'readonly',
        structuredClone: 'readonly',
        queueMicrotask: 'readonly',
        window: 'readonly',
        document: 'readonly',
        navigator: 'readonly',
        performance: 'readonly',
        crypto: 'readonly',
        URLSearchParams: 'readonly',
        Response: 'readonly',
        Request: 'readonly',
        Headers: 'readonly',
      },
    },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'off',
    },
  },
  {
    // Services and helpers: everything in electron/ except the shell.
    files: ['electron/**/*.{ts,tsx,mts,mjs}'],
    ignores: ELECTRON_SHELL,
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: [noElectron],
          patterns: [noElectronSub, { regex: '^(\\.\\./)+renderer(/|$)', message: 'electron/ does not import the renderer; share through shared/.' }],
        },
      ],
      'no-restricted-syntax': ['error', ...noDynamic('^electron(\\/.*)?$', noElectron.message)],
    },
  },
  {
    // The bottom folder of electron/: leaf helpers that import only Node and shared/.
    files: ['electron/base/**/*.{ts,tsx,mts,mjs}'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: [noElectron],
          patterns: [noElectronSub, { regex: '^\\.\\./(?!\\.\\./shared/)', message: 'electron/base/ is the bottom folder: it imports only Node, packages, shared/ and itself.' }],
        },
      ],
    },
  },
  {
    files: ['shared/**/*.{ts,tsx,mts,mjs}'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: [noElectron],
          patterns: [noElectronSub, ...noNode('shared/ (loaded by the renderer too)'), { regex: '^\\.\\./', message: 'shared/ imports only itself (not electron/, renderer/, test/ or build/).' }],
        },
      ],
      'no-restricted-syntax': [
        'error',
        ...noDynamic('^electron(\\/.*)?$', 'shared/ does not import electron.'),
        ...noDynamic(NODE_BUILTIN_RE, 'shared/ runs without Node: no Node built-in modules.'),
        ...noDynamic('^\\.\\.\\/', 'shared/ imports only itself.'),
      ],
    },
  },
  {
    // The renderer (a sandboxed web page): shared/ and itself only. vite.config.ts is its build script, run by Node.
    files: ['renderer/**/*.{ts,tsx,mts,mjs}'],
    ignores: ['renderer/vite.config.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: [noElectron],
          patterns: [
            noElectronSub,
            ...noNode('The renderer'),
            { regex: '^(\\.\\./)+(electron|test|build|dist|node_modules)(/|$)', message: 'The renderer imports only shared/ and renderer/ (IPC through renderer/base/api.ts).' },
          ],
        },
      ],
      'no-restricted-syntax': [
        'error',
        ...noDynamic('^electron(\\/.*)?$', 'The renderer does not import electron (IPC through renderer/base/api.ts).'),
        ...noDynamic(NODE_BUILTIN_RE, 'The renderer runs without Node: no Node built-in modules.'),
        ...noDynamic('^(\\.\\.\\/)+(electron|test|build)(\\/|$)', 'The renderer imports only shared/ and renderer/.'),
      ],
    },
  },
);
