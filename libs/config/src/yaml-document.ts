import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node } from 'yaml';
import { ConfigError, formatPath, type ConfigProblem } from './errors';

/** A parsed config file that still knows where each field was written. */
export interface YamlConfigDocument {
  value: unknown;
  /** the 1-based line of the field at `path`, or of its closest parent that exists */
  lineOf(path: readonly PropertyKey[]): number | undefined;
}

/**
 * Parses the YAML text. Syntax errors and duplicated keys come out as problems with line and
 * column; `uniqueKeys` makes a pipeline defined twice an error instead of the second one
 * silently replacing the first (the YAML 1.2 spec requires unique keys; the parser only
 * enforces it when asked).
 */
export function parseConfigYaml(text: string, file: string): YamlConfigDocument {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { uniqueKeys: true, prettyErrors: false, lineCounter });
  if (document.errors.length > 0) {
    throw new ConfigError(document.errors.map((error) => syntaxProblem(error.code, error.message, error.pos[0], document, lineCounter, file)));
  }
  const lineAt = (offset: number) => lineCounter.linePos(offset).line;
  return { value: document.toJS(), lineOf: (path) => lineOfPath(document.contents, path, lineAt) };
}

function syntaxProblem(code: string, message: string, offset: number, document: Document, lineCounter: LineCounter, file: string): ConfigProblem {
  const at = lineCounter.linePos(offset);
  const path = `line ${at.line}, column ${at.col}`;
  if (code !== 'DUPLICATE_KEY') return { file, path, message: message.split('\n')[0] };
  const duplicate = findKeyAt(document.contents, offset, []);
  const where = duplicate && duplicate.parent.length > 0 ? ` in ${formatPath(duplicate.parent)}` : '';
  const name = duplicate ? `"${duplicate.key}"` : '';
  return { file, path, message: `duplicate key ${name}${where}: each name may appear once (the second would silently replace the first)` };
}

function findKeyAt(node: unknown, offset: number, parent: PropertyKey[]): { key: string; parent: PropertyKey[] } | undefined {
  if (isMap(node)) {
    for (const pair of node.items) {
      if (!isScalar(pair.key)) continue;
      const range = pair.key.range;
      if (range && range[0] <= offset && offset <= range[1]) return { key: String(pair.key.value), parent };
      const inner = findKeyAt(pair.value, offset, [...parent, String(pair.key.value)]);
      if (inner) return inner;
    }
  } else if (isSeq(node)) {
    for (const [index, item] of node.items.entries()) {
      const inner = findKeyAt(item, offset, [...parent, index]);
      if (inner) return inner;
    }
  }
  return undefined;
}

function lineOfPath(root: Node | null, path: readonly PropertyKey[], lineAt: (offset: number) => number): number | undefined {
  let node: unknown = root;
  let offset = root?.range?.[0];
  for (const part of path) {
    const next = childOf(node, part);
    if (!next) break;
    offset = next.offset ?? offset;
    node = next.node;
  }
  return offset === undefined ? undefined : lineAt(offset);
}

/** A map entry's position is its key's (the line the user wrote `name:` on), a list item's its own. */
function childOf(node: unknown, part: PropertyKey): { node: unknown; offset?: number } | undefined {
  if (isMap(node)) {
    const pair = node.items.find((item) => isPair(item) && isScalar(item.key) && String(item.key.value) === String(part));
    if (!pair) return undefined;
    const key = pair.key as Node;
    return { node: pair.value, offset: key.range?.[0] };
  }
  if (isSeq(node) && typeof part === 'number') {
    const item = node.items[part] as Node | undefined;
    return item ? { node: item, offset: item.range?.[0] } : undefined;
  }
  return undefined;
}
