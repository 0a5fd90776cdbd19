/**
 * A model is one query: the transform stage writes its rows, as a new version under the warehouse.
 * Spark runs a statement that is not a query (INSERT OVERWRITE DIRECTORY '/tmp/x' …, CREATE TABLE …
 * LOCATION '…', DROP, SET, ADD JAR…) the moment `spark.sql` reads it, before the stage could look at
 * what it wrote; and a query can still run a script (SELECT TRANSFORM (…) USING 'sh …') or call any
 * static Java method (reflect, java_method). So the model's text is checked before Spark starts.
 *
 * This is a lexical check, not a parser: comments are dropped, string literals and `quoted`
 * identifiers are blanked (a column named `location` or a string 'INSERT INTO' is fine), then the
 * statement must start like a query and hold none of the forms above.
 */
export function modelStatementProblem(sql: string): string | undefined {
  const tokens = tokenize(sql);
  const statements = splitStatements(tokens);
  if (statements.length === 0) return 'is empty: a model is one query (SELECT … or WITH … SELECT …)';
  if (statements.length > 1) return `holds ${statements.length} statements: a model is one query (SELECT … or WITH … SELECT …)`;
  const [statement] = statements;
  const first = statement[0];
  if (!(first.kind === 'word' && QUERY_STARTS.has(first.text.toUpperCase())) && first.text !== '(') {
    return `starts with ${describe(first)}: a model is one query (SELECT … or WITH … SELECT …); the stage itself writes its rows to the warehouse`;
  }
  for (let index = 0; index < statement.length; index += 1) {
    const token = statement[index];
    const next = statement[index + 1];
    if (token.kind !== 'word') continue;
    const word = token.text.toUpperCase();
    if (word === 'INSERT' && next?.kind === 'word' && ['INTO', 'OVERWRITE'].includes(next.text.toUpperCase())) {
      return `writes with INSERT ${next.text.toUpperCase()}: a model is one query; the stage itself writes its rows to the warehouse`;
    }
    if (word === 'USING' && next?.kind === 'string') {
      return 'runs a script (TRANSFORM … USING \'…\'): a model may not start processes';
    }
    if (JAVA_CALLS.has(word) && next?.text === '(') {
      return `calls ${token.text}(…), which runs any Java method: a model may not`;
    }
  }
  return undefined;
}

const QUERY_STARTS = new Set(['SELECT', 'WITH', 'FROM', 'VALUES', 'TABLE']);
const JAVA_CALLS = new Set(['REFLECT', 'JAVA_METHOD', 'TRY_REFLECT']);

interface Token {
  kind: 'word' | 'string' | 'identifier' | 'symbol';
  text: string;
}

function describe(token: Token): string {
  if (token.kind === 'word') return token.text.toUpperCase();
  if (token.kind === 'string') return 'a string';
  if (token.kind === 'identifier') return `\`${token.text}\``;
  return JSON.stringify(token.text);
}

function splitStatements(tokens: Token[]): Token[][] {
  const statements: Token[][] = [[]];
  for (const token of tokens) {
    if (token.kind === 'symbol' && token.text === ';') statements.push([]);
    else statements.at(-1)!.push(token);
  }
  return statements.filter((statement) => statement.length > 0);
}

/** Spark SQL's lexical shape: -- and nested /* *\/ comments, '…' and "…" strings with \ escapes, `…` identifiers. */
function tokenize(sql: string): Token[] {
  const tokens: Token[] = [];
  let at = 0;
  while (at < sql.length) {
    const char = sql[at];
    if (/\s/.test(char)) {
      at += 1;
    } else if (sql.startsWith('--', at)) {
      const end = sql.indexOf('\n', at);
      at = end < 0 ? sql.length : end + 1;
    } else if (sql.startsWith('/*', at)) {
      let depth = 0;
      while (at < sql.length) {
        if (sql.startsWith('/*', at)) {
          depth += 1;
          at += 2;
        } else if (sql.startsWith('*/', at)) {
          depth -= 1;
          at += 2;
          if (depth === 0) break;
        } else at += 1;
      }
    } else if (char === "'" || char === '"') {
      let end = at + 1;
      while (end < sql.length && sql[end] !== char) end += sql[end] === '\\' ? 2 : 1;
      tokens.push({ kind: 'string', text: sql.slice(at + 1, end) });
      at = end + 1;
    } else if (char === '`') {
      let end = at + 1;
      while (end < sql.length && !(sql[end] === '`' && sql[end + 1] !== '`')) end += sql[end] === '`' ? 2 : 1;
      tokens.push({ kind: 'identifier', text: sql.slice(at + 1, end) });
      at = end + 1;
    } else if (/[\p{L}\p{N}_$]/u.test(char)) {
      let end = at + 1;
      while (end < sql.length && /[\p{L}\p{N}_$]/u.test(sql[end])) end += 1;
      tokens.push({ kind: 'word', text: sql.slice(at, end) });
      at = end;
    } else {
      tokens.push({ kind: 'symbol', text: char });
      at += 1;
    }
  }
  return tokens;
}
