/** Deeper than this is not a shape any request here has; refusing it keeps walks (and JSON.stringify) off the stack limit. */
export const MAX_INPUT_DEPTH = 32

// PostgreSQL refuses U+0000 in text and jsonb, and jsonb refuses a lone UTF-16 surrogate
// (22P05): such input is refused here, with its path, instead of failing an insert later.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/

function textProblem(text: string): string | undefined {
  if (text.includes('\u0000')) return 'contains a NUL character (\\u0000)'
  if (LONE_SURROGATE.test(text)) return 'contains a lone UTF-16 surrogate (not valid Unicode)'
  return undefined
}

const describe = (path: string) => (path.length > 200 ? `${path.slice(0, 200)}…` : path) || 'body'

/**
 * Walks parsed JSON (iteratively: a hostile body cannot overflow the stack) and names the
 * first string or key PostgreSQL would refuse, or the first place nested too deep.
 */
export function unstorableInputProblem(value: unknown, maxDepth = MAX_INPUT_DEPTH): string | undefined {
  const stack: [unknown, string, number][] = [[value, '', 0]]
  while (stack.length > 0) {
    const [item, path, depth] = stack.pop()!
    if (typeof item === 'string') {
      const problem = textProblem(item)
      if (problem) return `${describe(path)}: ${problem}`
      continue
    }
    if (typeof item !== 'object' || item === null) continue
    if (depth >= maxDepth) return `${describe(path)}: nested deeper than ${maxDepth} levels`
    if (Array.isArray(item)) {
      for (let i = item.length - 1; i >= 0; i--) stack.push([item[i], `${path}[${i}]`, depth + 1])
      continue
    }
    for (const key of Object.keys(item).reverse()) {
      const keyProblem = textProblem(key)
      const child = path ? `${path}.${key}` : key
      if (keyProblem) return `${describe(path)}: a field name ${keyProblem}`
      stack.push([(item as Record<string, unknown>)[key], child, depth + 1])
    }
  }
  return undefined
}
