'use strict'
// Turns the type definitions napi-derive records while compiling the addon (one JSON object per
// line in $NAPI_TYPE_DEF_TMP_FOLDER/<crate>) into TypeScript declarations. Output is stable:
// classes first, then everything else, each group sorted by name.

const fs = require('node:fs')

/** Re-indents a declaration: 2 spaces per open brace, ` *` lines of a comment one more. */
function indent(src) {
  let depth = 0
  return src
    .split('\n')
    .map((raw) => {
      const line = raw.trim()
      if (line === '') return ''
      const inComment = line.startsWith('*')
      if (!inComment && line.endsWith('}') && depth > 0 && !line.endsWith('{')) depth -= 1
      const pad = '  '.repeat(depth) + (inComment ? ' ' : '')
      if (!inComment && line.endsWith('{')) depth += 1
      return pad + line
    })
    .join('\n')
}

function render(def) {
  const doc = def.js_doc || ''
  switch (def.kind) {
    case 'struct':
      return `${doc}export declare class ${def.name} {\n${def.def}\n}`
    case 'interface':
      return `${doc}export interface ${def.name} {\n${def.def}\n}`
    case 'fn':
      return `${doc}export declare ${def.def}`
    case 'const':
      return `${doc}${def.def}`
    case 'enum':
    case 'string_enum':
      return `${doc}export declare enum ${def.name} {\n${def.def}\n}`
    case 'type':
      return `${doc}export type ${def.name} = ${def.def}`
    default:
      throw new Error(`typegen: unsupported type definition kind ${JSON.stringify(def.kind)} (${def.name})`)
  }
}

/**
 * Reads the intermediate type-definition file and returns the declarations as one string.
 * @param {string} file
 * @returns {string}
 */
function generate(file) {
  const defs = fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l))
  const classes = new Map()
  const others = []
  for (const d of defs) {
    if (d.kind === 'struct') classes.set(d.name, { ...d })
  }
  for (const d of defs) {
    if (d.kind === 'impl') {
      const c = classes.get(d.name)
      if (!c && !d.def) continue // `#[napi] impl Task for …`: nothing to declare
      if (!c) throw new Error(`typegen: impl without class: ${d.name}`)
      c.def = c.def ? `${c.def}\n${d.def}` : d.def
    } else if (d.kind !== 'struct') {
      if (d.js_mod) throw new Error(`typegen: namespaces are not supported (${d.name})`)
      others.push(d)
    }
  }
  const byName = (a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)
  const ordered = [...[...classes.values()].sort(byName), ...others.sort(byName)]
  return ordered.map((d) => indent(render(d))).join('\n\n') + '\n'
}

module.exports = { generate }
