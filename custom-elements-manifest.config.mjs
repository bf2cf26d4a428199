// `npm run manifest` writes custom-elements.json from the element sources' JSDoc.
export default {
  // internal/scp-element.ts is read for what every element inherits from it: `theme` and the shared theme tokens.
  globs: ['src/elements/**/*.ts'],
  exclude: [
    'src/elements/**/*.styles.ts',
    // Parts are internal elements an element loads on first use (internal/scp-part.ts).
    'src/elements/**/*.part.ts',
    'src/elements/internal/!(scp-element).ts',
    'src/elements/all.ts',
    'src/elements/index.ts',
  ],
  outdir: '.',
  // package.json names custom-elements.json itself; the staleness check's --outdir must not rewrite it.
  packagejson: false,
  litelement: true,
  plugins: [
    {
      // Events dispatched through a shared helper are also picked up without a name: keep the
      // named ones (each element's JSDoc @event lists them all).
      name: 'scp-drop-unnamed-events',
      packageLinkPhase({ customElementsManifest }) {
        for (const mod of customElementsManifest.modules ?? []) {
          for (const d of mod.declarations ?? []) if (d.events) d.events = d.events.filter((e) => e.name);
        }
      },
    },
    {
      // The analyzer lists modules in the order its file reads finish, which varies between runs:
      // sorted by path, the file is the same every time and the staleness check is stable.
      name: 'scp-sort-modules',
      packageLinkPhase({ customElementsManifest }) {
        customElementsManifest.modules?.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
      },
    },
  ],
};
