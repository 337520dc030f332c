// Function sizes over the packages' sources (the house standard: median 3–6 lines, ~1 % over 50).
// `node scripts/function-sizes.mjs [--over N]` prints the median, the share over N lines (default 50)
// and each function over it, longest first. Counts body lines, braces included; nested functions
// count on their own and inside their parent, as a reader meets them.
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import ts from 'typescript'

const over = Number(process.argv[process.argv.indexOf('--over') + 1]) || 50
const files = execFileSync('git', ['ls-files', 'packages/*/src/**.ts', 'packages/*/src/**.tsx'], { encoding: 'utf8' })
  .trim()
  .split('\n')
const isFunction = (n) =>
  (ts.isFunctionDeclaration(n) ||
    ts.isMethodDeclaration(n) ||
    ts.isArrowFunction(n) ||
    ts.isFunctionExpression(n) ||
    ts.isConstructorDeclaration(n)) &&
  n.body !== undefined

const found = []
for (const file of files) {
  const kind = file.endsWith('x') ? ts.ScriptKind.TSX : ts.ScriptKind.TS
  const sf = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true, kind)
  const line = (pos) => sf.getLineAndCharacterOfPosition(pos).line
  const visit = (n) => {
    if (isFunction(n)) {
      const name = n.name?.getText() ?? (ts.isVariableDeclaration(n.parent) ? n.parent.name.getText() : '(anonymous)')
      found.push({
        where: `${file}:${line(n.body.getStart()) + 1}`,
        name,
        lines: line(n.body.getEnd()) - line(n.body.getStart()) + 1,
      })
    }
    ts.forEachChild(n, visit)
  }
  visit(sf)
}
const sizes = found.map((f) => f.lines).sort((a, b) => a - b)
const long = found.filter((f) => f.lines > over).sort((a, b) => b.lines - a.lines)
console.log(
  `${found.length} functions, median ${sizes[sizes.length >> 1]} lines, ${long.length} over ${over} (${((100 * long.length) / found.length).toFixed(2)} %)`,
)
for (const f of long) console.log(`${String(f.lines).padStart(4)}  ${f.where}  ${f.name}`)
