import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', 'coverage/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-constant-condition': ['error', { checkLoops: false }],
      // Layering: lower layers never import upper ones (ARCHITECTURE.md).
    },
  },
  {
    files: ['src/storage/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: ['**/barrier/**', '**/core/**', '**/engines/**', '**/http/**', '**/cli/**', '**/framework/**'] }] },
  },
  {
    files: ['src/barrier/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: ['**/core/**', '**/engines/**', '**/http/**', '**/cli/**'] }] },
  },
  {
    files: ['src/core/**/*.ts', 'src/framework/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: ['**/engines/**', '**/http/**', '**/cli/**'] }] },
  },
  {
    files: ['src/client/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: ['**/storage/**', '**/barrier/**', '**/core/**', '**/engines/**', '**/http/**', '**/cli/**', '**/framework/**', '**/server/**'] }] },
  },
  {
    files: ['src/ci/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: ['**/storage/**', '**/barrier/**', '**/core/**', '**/engines/**', '**/http/**', '**/framework/**', '**/server/**', '**/cli/**'] }] },
  },
  {
    files: ['src/cli/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: ['**/storage/**', '**/barrier/**', '**/core/**', '**/engines/**', '**/http/**', '**/framework/**'] }] },
  },
);
