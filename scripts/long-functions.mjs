// Size check of the source: files over 400 lines and functions over 80 lines. A function may be
// longer when a comment starting `// long:` right above it (or above the statement that holds it)
// says why. `node scripts/long-functions.mjs [dir or file ...]` (default src); `--all` also lists
// the long functions that carry a `// long:` comment. Exits 1 when anything is over.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

// The project's TypeScript 7 has no JS API; the manifest analyzer's own TypeScript 5 (a pinned
// devDependency's dependency) parses the source.
const fromAnalyzer = createRequire(
  createRequire(import.meta.url).resolve('@custom-elements-manifest/analyzer/package.json'),
);
const ts = fromAnalyzer('typescript');

const MAX_FILE = 400;
const MAX_FUNCTION = 80;

const args = process.argv.slice(2);
const showAll = args.includes('--all');
const roots = args.filter((a) => !a.startsWith('--'));
if (!roots.length) roots.push('src');

function walk(path) {
  if (!statSync(path).isDirectory()) return [path];
  return readdirSync(path)
    .sort()
    .flatMap((name) => walk(join(path, name)));
}

function functionName(node) {
  if (node.name) return node.name.getText();
  if (ts.isConstructorDeclaration(node)) return 'constructor';
  // An unnamed function takes the name of what it is assigned to or passed as.
  const parent = node.parent;
  if (ts.isVariableDeclaration(parent) || ts.isPropertyAssignment(parent) || ts.isPropertyDeclaration(parent)) {
    return parent.name.getText();
  }
  if (ts.isCallExpression(parent)) return `${parent.expression.getText().slice(0, 40)}(…)`;
  return '(anonymous)';
}

// A `// long:` comment right above the function, or above the statement or property it belongs to.
function hasLongComment(node, text) {
  for (let at = node; at && !ts.isSourceFile(at); at = at.parent) {
    const comments = ts.getLeadingCommentRanges(text, at.getFullStart()) ?? [];
    if (comments.some((c) => /^\/\/\s*long:/.test(text.slice(c.pos, c.end)))) return true;
    if (ts.isStatement(at) || ts.isClassElement(at) || ts.isPropertyAssignment(at)) break;
  }
  return false;
}

const problems = [];
const allowed = [];
for (const file of roots.flatMap(walk).filter((f) => /\.(ts|mts|mjs|js)$/.test(f) && !f.endsWith('.d.ts'))) {
  const text = readFileSync(file, 'utf8');
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const lineOf = (pos) => source.getLineAndCharacterOfPosition(pos).line + 1;
  const fileLines = text.split('\n').length - (text.endsWith('\n') ? 1 : 0);
  if (fileLines > MAX_FILE) problems.push(`${file}: ${fileLines} lines (max ${MAX_FILE})`);
  const visit = (node) => {
    if (ts.isFunctionLike(node) && 'body' in node && node.body) {
      const start = lineOf(node.getStart(source));
      const lines = lineOf(node.getEnd()) - start + 1;
      if (lines > MAX_FUNCTION) {
        const line = `${file}:${start} ${functionName(node)}: ${lines} lines (max ${MAX_FUNCTION})`;
        (hasLongComment(node, text) ? allowed : problems).push(line);
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
}

if (showAll && allowed.length) console.log(`With a // long: comment:\n  ${allowed.join('\n  ')}`);
if (problems.length) {
  console.log(`Over the size limits:\n  ${problems.join('\n  ')}`);
  process.exit(1);
}
console.log('long-functions: every file ≤ 400 lines, every function ≤ 80 lines or commented');
