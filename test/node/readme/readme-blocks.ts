// Reads a Markdown file the way the README tests need it: its fenced code blocks, each named by
// the heading it sits under and its language, and the images and relative links it points at.

export interface ReadmeBlock {
  /** The info string's first word (`ts`, `sh`, `html`), or `text` when the fence has none. */
  lang: string;
  /** The nearest heading above the block (any level), `(top)` before the first one. */
  heading: string;
  /** 1-based position among blocks of the same language under the same heading. */
  ordinal: number;
  /** 1-based line of the opening fence. */
  line: number;
  code: string;
  /** `<heading> › <lang>`, plus ` #<ordinal>` from the second block on: what a check is registered under. */
  key: string;
}

const FENCE = /^( {0,3})(`{3,}|~{3,})\s*([^\s`]*)?.*$/;
const HEADING = /^ {0,3}#{1,6}\s+(.*?)\s*#*\s*$/;

/** Every fenced code block, in order. An unclosed fence runs to the end of the file, as in CommonMark. */
export function readmeBlocks(markdown: string): ReadmeBlock[] {
  const lines = markdown.split(/\r?\n/);
  const blocks: ReadmeBlock[] = [];
  const seen = new Map<string, number>();
  let heading = '(top)';
  for (let i = 0; i < lines.length; i++) {
    const open = FENCE.exec(lines[i]!);
    if (!open) {
      const h = HEADING.exec(lines[i]!);
      if (h) heading = h[1]!.replace(/`/g, '');
      continue;
    }
    const [, indent, fence, info] = open;
    const body: string[] = [];
    let j = i + 1;
    for (; j < lines.length; j++) {
      const close = /^( {0,3})(`{3,}|~{3,})\s*$/.exec(lines[j]!);
      if (close && close[2]![0] === fence![0] && close[2]!.length >= fence!.length) break;
      // Content lines lose up to the fence's own indentation.
      body.push(lines[j]!.replace(new RegExp(`^ {0,${indent!.length}}`), ''));
    }
    const lang = (info || 'text').toLowerCase();
    const group = `${heading} › ${lang}`;
    const ordinal = (seen.get(group) ?? 0) + 1;
    seen.set(group, ordinal);
    blocks.push({
      lang,
      heading,
      ordinal,
      line: i + 1,
      code: body.join('\n') + '\n',
      key: ordinal === 1 ? group : `${group} #${ordinal}`,
    });
    i = j;
  }
  return blocks;
}

export interface ReadmeLink {
  image: boolean;
  text: string;
  target: string;
  line: number;
}

/** Inline links and images outside code blocks and code spans: `[text](target)`, `![alt](target)`. */
export function readmeLinks(markdown: string): ReadmeLink[] {
  const out: ReadmeLink[] = [];
  let open: string | undefined;
  markdown.split(/\r?\n/).forEach((raw, i) => {
    if (open) {
      const close = /^ {0,3}(`{3,}|~{3,})\s*$/.exec(raw);
      if (close && close[1]![0] === open[0] && close[1]!.length >= open.length) open = undefined;
      return;
    }
    const fence = FENCE.exec(raw);
    if (fence) {
      open = fence[2];
      return;
    }
    const line = raw.replace(/`[^`]*`/g, '');
    for (const m of line.matchAll(/(!?)\[([^\]]*)\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)) {
      out.push({ image: m[1] === '!', text: m[2]!, target: m[3]!, line: i + 1 });
    }
  });
  return out;
}

export interface ShellCommand {
  command: string;
  comment: string;
  line: number;
}

/** One entry per non-empty line of a shell block: the command and its trailing `# comment`. */
export function shellLines(code: string): ShellCommand[] {
  return code
    .split('\n')
    .map((text, i) => {
      const hash = text.search(/\s#\s/);
      return {
        command: (hash === -1 ? text : text.slice(0, hash)).trim(),
        comment:
          hash === -1
            ? ''
            : text
                .slice(hash)
                .replace(/^\s*#\s*/, '')
                .trim(),
        line: i + 1,
      };
    })
    .filter((c) => c.command);
}
