// Framework types for the scp-* elements, generated from custom-elements.json: each tag with
// its settable properties (typed by the element class itself), its attributes, and an
// `on<event>` handler per event typed with the event's class. React 19, Preact and Svelte 5 all
// listen for the custom event named after `on` (`onscp-audits-saved`). Vue templates instead
// write `@scp-audits-saved`, which Vue (and vue-tsc) reads as the prop `onScpAuditsSaved`, so the
// Vue types register each tag in `GlobalComponents` with camel-cased handler props. Written to
// dist/jsx/{react,preact,svelte,vue}.d.ts (+ an empty .js each so the import resolves in
// bundlers); `import 'scp-ledger/react'` (or /preact, /svelte, /vue) once in a project enables them.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';

const manifest = JSON.parse(readFileSync('custom-elements.json', 'utf8'));
const elements = manifest.modules.flatMap((m) => (m.declarations ?? []).filter((d) => d.customElement && d.tagName));
const names = new Set();
const vueTags = [];
// scp-audits-saved -> onScpAuditsSaved, Vue's handler prop for `@scp-audits-saved`.
const vueHandler = (event) => `on${event.replace(/(^|-)(\w)/g, (_, _dash, c) => c.toUpperCase())}`;
const tags = elements.map((el) => {
  names.add(el.name);
  const fields = (el.members ?? [])
    .filter((f) => f.kind === 'field' && !f.static && !f.readonly && (f.privacy ?? 'public') === 'public')
    .map((f) => f.name);
  const attrs = (el.attributes ?? [])
    .filter((a) => a.name !== a.fieldName && !fields.includes(a.name))
    .map((a) => a.name);
  const events = (el.events ?? [])
    .filter((e) => e.name)
    .map((e) => {
      const type = e.type?.text && /^[A-Z]\w*$/.test(e.type.text) ? e.type.text : 'Event';
      if (type !== 'Event') names.add(type);
      return { name: e.name, type };
    });
  // Properties and attributes are the same for every framework; only the handler names differ.
  const props = [
    fields.length ? ` & Partial<Pick<${el.name}, ${fields.map((f) => `'${f}'`).join(' | ')}>>` : '',
    attrs.length ? ` & { ${attrs.map((a) => `'${a}'?: string | number | boolean`).join('; ')} }` : '',
  ].join('');
  const handlers = (key) =>
    events.length
      ? ` & {\n${events.map((e) => `    ${key(e.name)}?: (event: ${e.type}) => void;`).join('\n')}\n  }`
      : '';
  vueTags.push(`  '${el.tagName}': ScpVueElement<${el.name}, HTMLAttributes${props}${handlers(vueHandler)}>;`);
  return `  '${el.tagName}': Base<${el.name}>${props}${handlers((name) => `'on${name}'`)};`;
});

const header = `// Generated from custom-elements.json by scripts/build/framework-types.mjs: do not edit.`;
const elementTypes = `import type { ${[...names].sort().join(', ')} } from '../elements/index.js';`;
const intrinsic = `/** The scp-* elements with their properties and events, for JSX. */
export interface ScpIntrinsicElements {
${tags.join('\n')}
}`;

const outputs = {
  react: `${header}
import type { DetailedHTMLProps, HTMLAttributes } from 'react';
${elementTypes}

type Base<E> = DetailedHTMLProps<HTMLAttributes<E>, E> & { class?: string };

${intrinsic}

declare module 'react' {
  namespace JSX {
    interface IntrinsicElements extends ScpIntrinsicElements {}
  }
}
`,
  preact: `${header}
import type { HTMLAttributes } from 'preact';
${elementTypes}

type Base<E extends EventTarget> = HTMLAttributes<E>;

${intrinsic}

declare module 'preact' {
  namespace JSX {
    interface IntrinsicElements extends ScpIntrinsicElements {}
  }
}
`,
  svelte: `${header}
import type { HTMLAttributes } from 'svelte/elements';
${elementTypes}

type Base<E extends EventTarget> = HTMLAttributes<E>;

${intrinsic}

declare module 'svelte/elements' {
  interface SvelteHTMLElements extends ScpIntrinsicElements {}
}
`,
  vue: `${header}
import type { HTMLAttributes } from 'vue';
${elementTypes}

/**
 * A custom element as Vue's template type-checker sees a component: the element instance, with
 * the props a template may set on it. \`$props\` exists for the types only; read properties off the
 * element itself.
 */
type ScpVueElement<E extends HTMLElement, Props> = new () => E & { $props: Props };

/** The scp-* elements with their properties and events, for Vue templates. */
export interface ScpVueElements {
${vueTags.join('\n')}
}

declare module 'vue' {
  interface GlobalComponents extends ScpVueElements {}
}
`,
};
mkdirSync('dist/jsx', { recursive: true });
for (const [name, text] of Object.entries(outputs)) {
  writeFileSync(`dist/jsx/${name}.d.ts`, text);
  writeFileSync(`dist/jsx/${name}.js`, `// Types only: see ${name}.d.ts.\nexport {};\n`);
}
console.log(`framework-types: dist/jsx/{${Object.keys(outputs).join(',')}}.d.ts (${elements.length} elements)`);
