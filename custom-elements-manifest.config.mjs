// `npm run manifest` writes custom-elements.json from the element sources' JSDoc.
export default {
  globs: ['src/elements/**/*.ts'],
  exclude: ['src/elements/**/*.styles.ts', 'src/elements/internal/**', 'src/elements/all.ts', 'src/elements/index.ts'],
  outdir: '.',
  litelement: true,
};
