import { basename, dirname } from 'node:path';
import { runDataPath } from '@dataops/lake';
import { readQuery } from './ingest-job';
import type { TablePlan } from './planner';
import { quoteIdentifier } from './type-mapping';

/**
 * The Sqoop engine's plan (docs/sqoop.md): `sqoop-script.sh`, one `sqoop import` per table, which
 * jobs/sqoop_ingest.py runs against real Sqoop 1.4.7 and converts into the lake's files.
 *
 * Each import reads exactly what the spark and arrow engines read:
 * - `--query` with the planner's lossless read expressions and the run's incremental bounds
 *   (`plan.where`), not `--incremental`: Sqoop's own bounds differ (its MAX taken separately; an
 *   inclusive lower bound for lastmodified) and its `--merge-key` fails on Parquet. DECIMAL columns
 *   travel as exact text, as in the arrow engine (Sqoop's Long overflows on BIGINT UNSIGNED);
 *   columns are aliased c0, c1, … because Kite/Avro accept only [A-Za-z0-9_] names.
 * - the plan's slices, one mapper each: Sqoop splits by MIN/MAX strides and drops rows whose split
 *   key is NULL, so every slice is one UNION ALL branch joined to a one-row table holding its
 *   number, and Sqoop splits on that number (`--boundary-query 'SELECT 0, n-1'`). In mapper i every
 *   other branch is `i >= j` false on a constant and is skipped by MySQL without reading; the
 *   slice predicates still reach the table's index through the derived table, as for Spark.
 * - zero dates: the spec's URL sets zeroDateTimeBehavior=CONVERT_TO_NULL (Sqoop keeps it).
 */
export interface SqoopImport {
  table: string;
  /** the argument of `sqoop-script.sh N` that imports this table */
  number: number;
  /** where Sqoop writes: a hidden sibling of the run folder whose last two folders Kite accepts */
  targetDir: string;
}

export interface SqoopJobPlan {
  script: string;
  tables: SqoopImport[];
}

/** the split column of the slice numbers; qualified, so a source column of that name cannot clash */
const SLICE_COLUMN = 'dataops_slices.dataops_slice';
/** Sqoop writes a BLOB larger than this to a side file and puts the file's name in the data: keep all inline */
const INLINE_LOB_LIMIT = '2147483647';

export function sqoopQuery(plan: TablePlan): string {
  const select = plan.columns
    .map((column, index) => `${/^DECIMAL/i.test(column.sparkType) ? `CAST(${quoteIdentifier(column.name)} AS CHAR)` : quoteIdentifier(column.name)} AS c${index}`)
    .join(', ');
  const from = readQuery(plan);
  if (plan.slices.length <= 1) return `SELECT ${select} FROM ${from} WHERE ${plan.slices[0] ?? '1=1'} AND $CONDITIONS`;
  return plan.slices
    .map((slice, index) => `SELECT ${select} FROM (SELECT ${index} AS dataops_slice) AS dataops_slices, ${from} WHERE ${slice} AND $CONDITIONS`)
    .join('\nUNION ALL\n');
}

/** Sqoop's output folder for a run folder: `.<run folder>.arrow-sqoop/sqoop/data` beside it (a crashed run's is removed by the next write). */
export function sqoopTargetDir(dataPath: string): string {
  const local = dataPath.replace(/^file:(\/\/(?=\/))?/, '');
  return `file://${dirname(local)}/.${basename(local)}.arrow-sqoop/sqoop/data`;
}

export function sqoopImportArguments(plan: TablePlan, targetDir: string, number: number, maxConnections: number): string[] {
  const mappers = Math.max(1, plan.slices.length);
  const split = mappers > 1 ? ['--split-by', SLICE_COLUMN, '--boundary-query', `SELECT 0, ${mappers - 1}`] : [];
  return [
    'import',
    // the local job runner's parallel map tasks: the slices, within the source's connection budget
    '-D',
    `mapreduce.local.map.tasks.maximum=${Math.min(mappers, maxConnections)}`,
    '--options-file',
    '$SQOOP_CREDENTIALS',
    '--query',
    sqoopQuery(plan),
    '--num-mappers',
    String(mappers),
    ...split,
    '--as-parquetfile',
    '--delete-target-dir',
    '--target-dir',
    targetDir,
    '--inline-lob-limit',
    INLINE_LOB_LIMIT,
    '--outdir',
    `$SQOOP_WORK/${number}`,
    '--bindir',
    `$SQOOP_WORK/${number}`,
  ];
}

export function sqoopJobPlan(located: { plan: TablePlan; dataPath: string }[], context: { pipeline: string; source: string; maxConnections: number }): SqoopJobPlan {
  const tables = located.map(({ plan, dataPath }, index) => ({ table: plan.table, number: index + 1, targetDir: sqoopTargetDir(dataPath) }));
  const functions = located.map(({ plan }, index) => {
    const { number, targetDir } = tables[index];
    const args = sqoopImportArguments(plan, targetDir, number, context.maxConnections).map(shellWord);
    const lines = [`  $EXEC "$SQOOP" ${args.slice(0, 3).join(' ')}`];
    for (let at = 3; at < args.length; at += 2) lines.push(`    ${args[at]} ${args[at + 1] ?? ''}`.trimEnd());
    return [`# ${number}: ${oneLine(plan.table)}: ${describe(plan)}`, `table_${number}() {`, lines.join(' \\\n'), '}'].join('\n');
  });
  const script = [
    '#!/usr/bin/env bash',
    `# sqoop-script.sh: the Sqoop imports of pipeline ${oneLine(context.pipeline)} (source ${oneLine(context.source)}), written by DataOps; docs/sqoop.md`,
    '#   bash sqoop-script.sh      every table, one after another',
    '#   bash sqoop-script.sh N    table N only (the ingest engine runs tables side by side, within maxConnections)',
    '# SQOOP: the sqoop command; SQOOP_CREDENTIALS: the options file (--connect, --username, --password-file);',
    '# SQOOP_WORK: a folder for the generated record classes. Read expressions, bounds and slices are the',
    "# plan's: the same rows and values as the spark and arrow engines, converted into the lake's Parquet after.",
    'set -euo pipefail',
    ': "${SQOOP:?the sqoop command}" "${SQOOP_CREDENTIALS:?the sqoop-credentials options file}" "${SQOOP_WORK:?a work folder}"',
    'EXEC=',
    '',
    ...functions.flatMap((text) => [text, '']),
    'case "${1:-all}" in',
    `  all) ${tables.map(({ number }) => `table_${number}`).join('; ') || ':'} ;;`,
    // one table: exec, so the Sqoop JVM is the process the engine started (and dies with it)
    ...tables.map(({ number }) => `  ${number}) EXEC=exec; table_${number} ;;`),
    `  *) echo "sqoop-script.sh: no table $1 (1..${tables.length})" >&2; exit 2 ;;`,
    'esac',
    '',
  ].join('\n');
  return { script, tables };
}

/** The script `dataops plan` shows: the run folders with a placeholder, as the run id is made when a run starts. */
export function sqoopScriptPreview(plans: TablePlan[], context: { lake: string; pipeline: string; source: string; maxConnections: number; logicalDate: string }): string {
  const located = plans.map((plan) => ({ plan, dataPath: runDataPath({ lake: context.lake, source: context.source, table: plan.table }, context.logicalDate, 'RUN_ID') }));
  return sqoopJobPlan(located, context).script;
}

function describe(plan: TablePlan): string {
  const mode = plan.mode === 'full' ? 'full' : `${plan.mode}${plan.fullSnapshot ? ' (full snapshot)' : ` since ${plan.previousWatermark?.value ?? ''}`}`;
  return `${mode}, ${plan.slices.length} slice(s)${plan.splitColumn ? ` on ${plan.splitColumn}` : ''}, ~${plan.estimatedRows} rows`;
}

/** A table name in a comment: no line break may end the comment early. */
function oneLine(text: string): string {
  return text.replace(/[\r\n]+/g, ' ');
}

/** Single-quoted for bash, except the script's own variables, which are expanded (and double-quoted). */
function shellWord(word: string): string {
  if (/^\$SQOOP_[A-Z]+(\/\d+)?$/.test(word)) return `"${word}"`;
  if (/^[A-Za-z0-9_.,=:/@%+-]+$/.test(word)) return word;
  return `'${word.replaceAll("'", `'\\''`)}'`;
}
