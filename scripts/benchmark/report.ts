// docs/BENCHMARKS.md from the figures of one run: the table of wall times and ratios, the stage
// breakdowns, the hand-off latency, peak memory, scaling, and issue 11's targets with, for each one
// not met, where the measured time goes. Every sentence about a figure is computed from it.
import { cpus, totalmem } from 'node:os';
import type { TreePeaks } from './memory';
import { median, percentile, type IngestProfile } from './measure';
import type { HandOff } from './services-run';
import { streamingMeasured, streamingMet, streamingSection, streamingWhy, type StreamingFigure } from './streaming';

export interface Figure {
  key: string;
  what: string;
  /** how the ratios of other figures name this one */
  short: string;
  seconds: number[];
  /** keys of the figures this one is compared with */
  baselines: string[];
  /** the MariaDB server's CPU seconds during each repeat (what the work cost the source), where measured */
  sourceCpu?: number[];
}

export interface StageTimes {
  /** the whole figure: the process's wall time */
  wall: number;
  /** the run's own span in its summary (startedAt to finishedAt) */
  run: number;
  ingest: number;
  transform: number;
  export: number;
}

export interface ScalePoint {
  scale: number;
  rows: number;
  /** generating and loading the data (not a DataOps figure) */
  loadSeconds: number;
  limit: number[];
  ingest: number[];
}

export interface Results {
  argv: string[];
  scale: number;
  repeat: number;
  quick: boolean;
  started: Date;
  loadAverage: number;
  rows: number;
  tables: number;
  figures: Figure[];
  breakdowns: { key: string; what: string; runs: StageTimes[] }[];
  /** the ingest figures' profiles (key of the figure) */
  ingestProfiles: { key: string; what: string; profiles: IngestProfile[] }[];
  handOffs: HandOff[];
  memory?: { peaks: Record<string, TreePeaks>; samples: number };
  servicesReadySeconds?: number;
  /** seconds from the services ready to transform's kept Spark driver up (the measured runs start then) */
  sparkDriverWarmSeconds?: number;
  scaling: ScalePoint[];
  exportRows?: number;
  /** one table at least four times the arrow reader's memory limit (streaming.ts) */
  streaming?: StreamingFigure;
  /** what this run did not measure, and why */
  notMeasured: string[];
  /** set while the run is still going: the file then says where it stopped */
  stoppedAfter?: string;
}

const s = (value: number) => (Number.isFinite(value) ? value.toFixed(2) : '—');
const ms = (value: number) => (Number.isFinite(value) ? value.toFixed(0) : '—');
const mb = (value: number) => value.toFixed(0);

function figureOf(results: Results, key: string): Figure | undefined {
  return results.figures.find((figure) => figure.key === key && figure.seconds.length > 0);
}

function med(results: Results, key: string): number | undefined {
  const figure = figureOf(results, key);
  return figure ? median(figure.seconds) : undefined;
}

function mainTable(results: Results): string[] {
  const lines = results.figures
    .filter((figure) => figure.seconds.length > 0)
    .map((figure) => {
      const ratios = figure.baselines
        .map((key) => figureOf(results, key))
        .filter((baseline): baseline is Figure => baseline !== undefined)
        .map((baseline) => `${(median(figure.seconds) / median(baseline.seconds)).toFixed(2)}× ${baseline.short}`);
      const spread = `${Math.min(...figure.seconds).toFixed(2)}–${Math.max(...figure.seconds).toFixed(2)}`;
      const sourceCpu = figure.sourceCpu && figure.sourceCpu.length > 0 ? median(figure.sourceCpu).toFixed(2) : '—';
      return `| ${figure.what} | ${median(figure.seconds).toFixed(2)} | ${spread} | ${sourceCpu} | ${ratios.length > 0 ? ratios.join('; ') : '—'} |`;
    });
  return ['| what | median s | range s | MariaDB server CPU s | time ratio (this ÷ that; below 1 is faster) |', '|---|---|---|---|---|', ...lines];
}

function breakdownTable(results: Results): string[] {
  if (results.breakdowns.every((breakdown) => breakdown.runs.length === 0)) return [];
  const rows = results.breakdowns
    .filter((breakdown) => breakdown.runs.length > 0)
    .map((breakdown) => {
      const m = (pick: (run: StageTimes) => number) => median(breakdown.runs.map(pick));
      const stages = m((run) => (run.ingest || 0) + (run.transform || 0) + (run.export || 0));
      return `| ${breakdown.what} | ${s(m((run) => run.wall))} | ${s(m((run) => run.run))} | ${s(m((run) => run.ingest))} | ${s(m((run) => run.transform))} | ${s(m((run) => run.export))} | ${s(m((run) => run.run) - stages)} | ${s(m((run) => run.wall) - m((run) => run.run))} |`;
    });
  return [
    '## Where a run spends its time',
    '',
    'Medians over the repeats, seconds. *Run* is the summary\'s startedAt → finishedAt (admission to `run.finished` through the services); each stage is its own startedAt → finishedAt',
    '(a Spark stage includes its `spark-submit`); *between stages* is the run minus its stages (hand-offs, claims, the scheduler); *outside the run* is the command\'s wall time minus the run',
    '(the command\'s start-up, the trigger\'s way to the scheduler, `--wait` polling the API once a second).',
    ...(results.servicesReadySeconds !== undefined
      ? [
          `The four services were ready ${results.servicesReadySeconds.toFixed(1)} s after they were started${
            results.sparkDriverWarmSeconds !== undefined
              ? `; the runs through them started once transform's kept Spark driver was up, ${results.sparkDriverWarmSeconds.toFixed(1)} s later (a service up since the night before has it up; a run triggered at boot would share the CPU with its start)`
              : ''
          }.`,
        ]
      : []),
    '',
    '| run | wall | run | ingest | transform | export | between stages | outside the run |',
    '|---|---|---|---|---|---|---|---|',
    ...rows,
    '',
  ];
}

function profileSection(results: Results): string[] {
  const rows = results.ingestProfiles
    .filter((entry) => entry.profiles.length > 0 && figureOf(results, entry.key))
    .map((entry) => {
      const m = (pick: (profile: IngestProfile) => number) => median(entry.profiles.map(pick));
      const wall = median(figureOf(results, entry.key)!.seconds);
      return `| ${entry.what} | ${s(wall)} | ${s(wall - m((p) => p.stage))} | ${s(m((p) => p.planning))} | ${s(m((p) => p.readWrite))} | ${s(m((p) => p.engineEnd))} | ${s(m((p) => p.commits))} |`;
    });
  if (rows.length === 0) return [];
  const limit = med(results, 'limit');
  return [
    '## Where an ingest spends its time',
    '',
    'From the timestamps of the `--json` progress lines (medians, seconds): *outside the stage* is the command\'s wall time minus the stage (Node start, configuration, ledger);',
    "*planning* is the stage's start to the engine's first read (discovery, zero-date counts, bounds, the engine's process start); *read + write* is the first read to the last table written;",
    "*engine end + first commit* is the last table written to the first table committed (the engine's exit, the lake-side checksums, the first table's source checksums and manifest);",
    `*other commits* is the first to the last table committed (each table's source-side checksums and manifest, one after another).${limit === undefined ? '' : ` The source limit is ${s(limit)} s.`}`,
    '',
    '| ingest | wall | outside the stage | planning | read + write | engine end + first commit | other commits |',
    '|---|---|---|---|---|---|---|',
    ...rows,
    '',
  ];
}

function handOffSection(results: Results): string[] {
  const all = results.handOffs;
  if (all.length === 0) return [];
  const kinds = [...new Set(all.map((handOff) => handOff.kind))];
  const row = (label: string, list: HandOff[]) => {
    const values = list.map((handOff) => handOff.ms);
    const delivery = list.map((handOff) => handOff.deliveryMs).filter((value): value is number => value !== undefined);
    const deliveryText = delivery.length > 0 ? `${ms(percentile(delivery, 50))} / ${ms(percentile(delivery, 99))}` : '—';
    return `| ${label} | ${list.length} | ${ms(percentile(values, 50))} | ${ms(percentile(values, 99))} | ${ms(Math.max(...values))} | ${deliveryText} |`;
  };
  return [
    '## Stage-to-stage hand-off over Kafka',
    '',
    `${all.length} hand-offs of ${new Set(all.map((handOff) => handOff.runId)).size} runs through the services. A hand-off is the time from an event's \`occurredAt\` (a stage's \`completed\`, or the scheduler's \`run.admitted\`) to the next one's`,
    "(the next stage's `started`, announced as soon as its service has claimed the work; or the scheduler's `run.finished`), read back from the control database's outbox. It includes the settle",
    "transaction, the outbox relay's publish (acks=all), Kafka, the consumer, recording the work and claiming it. *Delivery* is the part until the next service recorded the work (its `dataops_stage_work` row).",
    '',
    ...(() => {
      const between = all.filter((handOff) => !handOff.kind.startsWith('scheduler') && !handOff.kind.endsWith('scheduler')).length;
      return between < all.length
        ? [
            `Of these, ${between} go from one stage service to the next (ingest → transform, transform → export): each such pair needs a run with two Spark jobs. The others are the scheduler's`,
            'hand-offs to and from a stage, most of them from runs of the tiny pipeline\'s ingest alone (`trigger --stages ingest`), added until there are at least 200 (a p99 of 50 is their maximum); they travel the same way',
            '(outbox, relay, Kafka, consumer), only `… → scheduler` ends in the ledger instead of a work claim.',
            '',
          ]
        : [];
    })(),
    '| hand-off | n | p50 ms | p99 ms | max ms | delivery p50 / p99 ms |',
    '|---|---|---|---|---|---|',
    row('**all**', all),
    ...kinds.map((kind) => row(kind, all.filter((handOff) => handOff.kind === kind))),
    '',
  ];
}

function memorySection(results: Results): string[] {
  if (!results.memory) return [];
  const rows: string[] = [];
  for (const [service, peaks] of Object.entries(results.memory.peaks)) {
    if (peaks.root) rows.push(`| ${service} | the service (node) | ${mb(peaks.root.peakMb)} |`);
    const byRole = new Map<string, { peak: number; count: number }>();
    for (const child of peaks.descendants) {
      const role = child.role.replace(/-r\d+\)$/, ')').replace(/\(dataops-[a-z]+-[^)]*\)/, '').trim();
      const known = byRole.get(role) ?? { peak: 0, count: 0 };
      byRole.set(role, { peak: Math.max(known.peak, child.peakMb), count: known.count + 1 });
    }
    for (const [role, { peak, count }] of [...byRole].sort((a, b) => b[1].peak - a[1].peak)) {
      if (peak < 5) continue; // setpriv, shells
      rows.push(`| ${service} | ${role} (largest of ${count}) | ${mb(peak)} |`);
    }
  }
  return [
    '## Peak resident memory during the services run',
    '',
    `VmHWM (a process's own peak resident set) of each service and of every process it started, read from /proc every 0.5 s during the services run (${results.memory.samples} samples): a job`,
    'shorter than the interval may be missed. In `local[2]` mode the Spark driver JVM also runs the executors.',
    '',
    '| service | process | peak MiB |',
    '|---|---|---|',
    ...rows,
    '',
  ];
}

function scalingSection(results: Results): string[] {
  if (results.scaling.length === 0) return [];
  const first = results.scaling[0];
  const rows = results.scaling.map((point) => {
    const ingest = median(point.ingest);
    const limit = median(point.limit);
    return `| ${point.scale} | ${point.rows.toLocaleString('en-US')} | ${s(ingest)} | ${Math.round(point.rows / ingest).toLocaleString('en-US')} | ${(point.rows / first.rows).toFixed(2)}× | ${(ingest / median(first.ingest)).toFixed(2)}× | ${s(limit)} | ${s(point.loadSeconds)} |`;
  });
  const asked = results.scaling.map((point) => point.scale).join(',') === '1,2,4';
  return [
    '## Scaling: ingest (arrow engine, every table in full) against the data size',
    '',
    ...(asked
      ? []
      : [`Issue 11 asks for scales 1, 2 and 4; this run measured scales ${results.scaling.map((point) => point.scale).join(', ')}, what its time allowed (\`--scaling 1,2,4\` measures the others).`, '']),
    '| scale | rows | ingest median s | rows/s | rows vs first | time vs first | source limit s | generating + loading s (not DataOps) |',
    '|---|---|---|---|---|---|---|---|',
    ...rows,
    '',
  ];
}

/** What was tried for the ingest target, kept with the report (issue 11 asks for it where a target is not met). */
const INGEST_TRIED =
  'Tried and kept: slices read in parallel in key ranges, streamed; one digest per row at the source instead of one md5 per value (4–5× cheaper); the source sums sliced and run in parallel; ' +
  "CRC32 as the source's row digest instead of md5 (0.8 s against 2.8 s of MariaDB CPU for the 1 M order_items rows on the AMD EPYC machine; the lake side's DuckDB has no CRC32, so it renders each row's text and zlib hashes it, about 0.5 s per million rows on one core); " +
  "dates read and summed by `CAST(x AS CHAR)` (DATE_FORMAT's text at half its cost) and integers summed without a CAST; " +
  "the first source scan sums the dates' stored texts without the calendar test that counts zero dates (40% of the scan's MariaDB CPU on the sample: 2.7 s against 1.7 s), scanning again with it only a table whose lake differs (docs/reconciliation.md); " +
  "the source scans started once the engine has read every table, while it still sums the lake's files; " +
  "the engine's Python process started ahead, its imports done while the stage plans (jobs/python_spare.py); tables planned two at a time. " +
  "Where it stands: the two cores are busy for nearly the whole ingest (MariaDB's reads and sums, the reader's conversion and Parquet writing, the lake side's sums), so what is left to win is CPU work, not waiting. " +
  "Measured and not taken: each row's digest computed by MariaDB in the read query itself: besides no longer counting the source independently of the reader it checks, it saves only the scan, not the digest's work " +
  '(half of order_items, MariaDB CPU: the read 0.33 s, the separate sum 0.40 s, of which the scan with its counts 0.10 s; the read with the digest in it 0.75 s); ' +
  "Parquet dictionary pages for text columns only (0.1 s of CPU less, larger files); a compiled-code cache for the command's start-up (no gain: of its 0.33 s, 0.25 s is loading modules, not compiling).";

const EXPORT_TRIED =
  'Where the time goes (order_facts, 1.08 M rows, timed by hand on the AMD EPYC machine): everything PostgreSQL does for the target runs on the one connection of the switch transaction, one statement after another: ' +
  "the DELETE of the old rows (about 0.75 s), the COPY of the slices (3.0–3.3 s, where `psql \\copy` alone takes 2.7–2.9 s: DuckDB and Node share the two cores with it) and the sum of the loaded rows (about 1.9 s, 3.5 s of CPU in three parallel processes: the canonical texts 1.9 s, md5 0.8 s, the digest's integer 0.3 s, the counts 0.2 s). " +
  'Tried and kept: COPY of the target in place, inside the switch transaction (no staging table copied a second time); CSV slices, each loaded while DuckDB writes the next; the model read in 16,384-row batches, one file at a time (the slices in 1.0 s instead of 1.9 s, the first after 0.3 s instead of 0.95 s); ' +
  "the job's Python process started ahead. " +
  "Measured and not taken: COPY's text format instead of CSV (7% faster to parse, but DuckDB cannot write its escapes); binary COPY (pgpq writes PostgreSQL's binary format from Arrow, but has no encoder for decimals); JIT for the sum (no gain); " +
  "a date's text by `::text` instead of `to_char` (0.06 s, and it depends on the session's DateStyle); DuckDB on one thread while the COPY runs (no gain). " +
  'What would win more changes the design: TRUNCATE instead of DELETE (readers would wait for the commit instead of seeing the old rows), or a cheaper row digest on both sides (PostgreSQL has no CRC32).';

/** A speed ratio to two decimals, rounded down: 0.498 is not shown as the 0.50 it misses. */
function floored(ratio: number): string {
  return (Math.floor(ratio * 100) / 100).toFixed(2);
}

interface Target {
  what: string;
  measured: string;
  met: boolean | undefined;
  why?: string;
}

function targets(results: Results): Target[] {
  const list: Target[] = [];
  const limit = med(results, 'limit');
  const arrow = med(results, 'full-arrow');
  const arrowTiny = med(results, 'tiny-arrow');
  const naive = med(results, 'naive');
  const startup = med(results, 'spark-startup');
  const cli = med(results, 'cli');
  const sourceCpu = (key: string) => {
    const cpu = figureOf(results, key)?.sourceCpu;
    return cpu && cpu.length > 0 ? median(cpu) : undefined;
  };
  const sourceCost = () => {
    const [ingest, quick] = [sourceCpu('full-arrow'), sourceCpu('limit')];
    if (ingest === undefined || quick === undefined) return '';
    return ` The MariaDB server itself used ${s(ingest)} CPU seconds for the ingest against ${s(quick)} s for the mariadb client's reads: besides the engine's reads it plans (counts, bounds) and, for the reconciliation, sums every row once more at the source (one CRC32 of each row's canonical text), on the same 2 cores the reader needs.`;
  };
  const ingestFixed = () => {
    if (arrowTiny === undefined) return '';
    const fixed = ` Its fixed cost, the same command on one 12-row table, is ${s(arrowTiny)} s (of which ${cli === undefined ? 'an unmeasured part' : `${s(cli)} s`} is the \`dataops\` command's own start: Node, config, credentials files);`;
    const variable = arrow! - arrowTiny;
    const text =
      variable <= 0.05 * arrow!
        ? `${fixed} at this scale the whole ingest is fixed cost.`
        : `${fixed} the rows themselves take the other ${s(variable)} s, ${(variable / limit!).toFixed(2)}× the source limit.`;
    const profiles = results.ingestProfiles.find((entry) => entry.key === 'full-arrow')?.profiles ?? [];
    if (profiles.length === 0) return text;
    const m = (pick: (profile: IngestProfile) => number) => median(profiles.map(pick));
    return `${text} In its profile (below), reading and writing take ${s(m((p) => p.readWrite))} s (${(m((p) => p.readWrite) / limit!).toFixed(2)}× the source limit); planning ${s(m((p) => p.planning))} s; the reconciliation and commits after the engine's last write ${s(m((p) => p.engineEnd + p.commits))} s; the command outside the stage ${s(arrow! - m((p) => p.stage))} s.`;
  };
  if (limit !== undefined && arrow !== undefined) {
    const speed = limit / arrow;
    list.push({
      what: 'ingest ≥ 0.5× the `mariadb --quick` limit',
      measured: `${floored(speed)}× (${s(arrow)} s against ${s(limit)} s)`,
      met: speed >= 0.5,
      why: speed >= 0.5 ? undefined : `The arrow engine's full ingest takes ${s(arrow)} s where the mariadb client streams every table in ${s(limit)} s.${ingestFixed()}${sourceCost()} ${INGEST_TRIED}`,
    });
  }
  if (naive !== undefined && arrow !== undefined) {
    const speed = naive / arrow;
    list.push({
      what: 'ingest ≥ 3× the naive Spark import',
      measured: `${floored(speed)}× (${s(arrow)} s against ${s(naive)} s)`,
      met: speed >= 3,
      why:
        speed >= 3
          ? undefined
          : `The naive import takes ${s(naive)} s, of which Spark's start-up (an empty job) is ${startup === undefined ? 'not measured' : `${s(startup)} s`}; the arrow ingest takes ${s(arrow)} s.${ingestFixed()}`,
    });
  }
  const copy = med(results, 'copy');
  const exported = med(results, 'export');
  if (copy !== undefined && exported !== undefined) {
    const speed = copy / exported;
    const exportRuns = results.breakdowns.find((breakdown) => breakdown.key === 'export')?.runs ?? [];
    const transform = exportRuns.length > 0 ? median(exportRuns.map((run) => run.transform)) : Number.NaN;
    list.push({
      what: 'export ≥ 0.5× `psql \\copy` of the same rows',
      measured: `${floored(speed)}× (${s(exported)} s against ${s(copy)} s, ${results.exportRows?.toLocaleString('en-US') ?? '?'} rows)`,
      met: speed >= 0.5,
      why:
        speed >= 0.5
          ? undefined
          : `The export stage (one target: order_facts → PostgreSQL, replace, the arrow engine: no Spark) takes ${s(exported)} s against ${s(copy)} s for \`psql \\copy\` of the same rows. ` +
            'Besides the COPY itself it runs the export job (a Python process: DuckDB writes the CSV slices and sums the model) and the reconciliation, which reads every loaded row once more.' +
            (med(results, 'export-spark') === undefined ? '' : ` On the spark engine the same stage takes ${s(med(results, 'export-spark')!)} s.`) +
            (Number.isFinite(transform) ? ` (The transform stage before it, not part of this figure, took ${s(transform)} s.)` : '') +
            ` ${EXPORT_TRIED}`,
    });
  }
  const breakdown = (key: string) => results.breakdowns.find((candidate) => candidate.key === key)?.runs ?? [];
  const explainRun = (runs: StageTimes[]) => {
    if (runs.length === 0) return '';
    const m = (pick: (run: StageTimes) => number) => median(runs.map(pick));
    const stages = m((run) => (run.ingest || 0) + (run.transform || 0) + (run.export || 0));
    const spark = startup === undefined ? '' : ` Transform runs Spark (through the services on the transform service's kept driver; in one process a spark-submit, whose start-up alone is ${s(startup)} s here); ingest and export run without Spark.`;
    return ` Medians: ingest ${s(m((run) => run.ingest))} s, transform ${s(m((run) => run.transform))} s, export ${s(m((run) => run.export))} s; between the stages ${s(m((run) => run.run) - stages)} s; outside the run (command start, trigger, polling) ${s(m((run) => run.wall) - m((run) => run.run))} s.${spark}`;
  };
  const full = med(results, 'services-full');
  if (full !== undefined) {
    const atScaleOne = results.scale === 1;
    list.push({
      what: 'the whole sample run at scale 1 through the services under 30 s',
      measured: `${s(full)} s at scale ${results.scale}${atScaleOne ? '' : ' (not scale 1: see the scaling section for how ingest grows)'}`,
      met: atScaleOne ? full < 30 : full < 30 ? undefined : false,
      why: full < 30 && atScaleOne ? undefined : `Trigger to \`run.finished\` took ${s(full)} s.${explainRun(breakdown('services-full'))}`,
    });
  }
  const tiny = med(results, 'services-tiny');
  if (tiny !== undefined) {
    list.push({
      what: 'a tiny run under 15 s',
      measured: `${s(tiny)} s`,
      met: tiny < 15,
      why: tiny < 15 ? undefined : `A 12-row table through one model and one PostgreSQL target, trigger to \`run.finished\`: ${s(tiny)} s.${explainRun(breakdown('services-tiny'))}`,
    });
  }
  const incremental = med(results, 'incremental');
  const incrementalProfile = () => {
    const profiles = results.ingestProfiles.find((entry) => entry.key === 'incremental')?.profiles ?? [];
    if (profiles.length === 0) return '';
    const m = (pick: (profile: IngestProfile) => number) => median(profiles.map(pick));
    return ` Its profile: planning ${s(m((p) => p.planning))} s, reading and writing ${s(m((p) => p.readWrite))} s, reconciliation and commits ${s(m((p) => p.engineEnd + p.commits))} s, the command outside the stage ${s(incremental! - m((p) => p.stage))} s.`;
  };
  // the stage alone (the summary's startedAt → finishedAt), without the command's start-up both pay
  const stageSeconds = (key: string) => {
    const profiles = results.ingestProfiles.find((entry) => entry.key === key)?.profiles ?? [];
    return profiles.length > 0 ? median(profiles.map((profile) => profile.stage)) : undefined;
  };
  // through the services: the runs' own spans (summary startedAt → finishedAt), the services already up
  const runSpan = (key: string) => (breakdown(key).length > 0 ? median(breakdown(key).map((run) => run.run)) : undefined);
  const [servicesIncremental, servicesFull] = [runSpan('services-incremental'), runSpan('services-ingest')];
  const servicesShare = servicesIncremental !== undefined && servicesFull ? servicesIncremental / servicesFull : undefined;
  if (incremental !== undefined && arrow !== undefined) {
    const share = incremental / arrow;
    const [incrementalStage, fullStage] = [stageSeconds('incremental'), stageSeconds('full-arrow')];
    const stageShare = incrementalStage !== undefined && fullStage ? `; the stage alone ${((incrementalStage / fullStage) * 100).toFixed(0)}%, ${s(incrementalStage)} s against ${s(fullStage)} s` : '';
    const throughServices =
      servicesShare === undefined ? '' : `; through the services, an ingest run's span: ${(servicesShare * 100).toFixed(0)}%, ${s(servicesIncremental!)} s against ${s(servicesFull!)} s`;
    // a scheduled run goes through the services, whose Node processes are up: the command's own start-up is no part of it
    const met = servicesShare !== undefined ? servicesShare <= 0.15 : share <= 0.15;
    list.push({
      what: 'an incremental run with ~1% changed rows ≤ 15% of a full run',
      measured: `${(share * 100).toFixed(0)}% as a command (ingest, \`dataops run\` wall time: ${s(incremental)} s against ${s(arrow)} s in full, arrow engine${stageShare})${throughServices}`,
      met,
      why:
        share <= 0.15
          ? undefined
          : `${servicesShare === undefined ? '' : `Judged on the runs through the services, the path of a scheduled run. `}The incremental ingest as a command takes ${s(incremental)} s against ${s(arrow)} s in full; the same engine on one 12-row table (its fixed cost) takes ${arrowTiny === undefined ? 'an unmeasured time' : `${s(arrowTiny)} s`}` +
            (arrowTiny !== undefined && arrowTiny > 0.5 * arrow ? ': at this scale the full ingest is itself mostly fixed cost, so no incremental run can fall to 15% of it until the data is larger.' : '.') +
            incrementalProfile(),
    });
  }
  if (results.handOffs.length > 0) {
    const values = results.handOffs.map((handOff) => handOff.ms);
    const p99 = percentile(values, 99);
    const delivery = results.handOffs.map((handOff) => handOff.deliveryMs).filter((value): value is number => value !== undefined);
    const slowest = [...new Set(results.handOffs.map((handOff) => handOff.kind))]
      .map((kind) => ({ kind, p99: percentile(results.handOffs.filter((handOff) => handOff.kind === kind).map((handOff) => handOff.ms), 99) }))
      .sort((a, b) => b.p99 - a.p99)[0];
    list.push({
      what: 'hand-off p99 under 100 ms',
      measured: `p99 ${ms(p99)} ms, p50 ${ms(percentile(values, 50))} ms over ${values.length} hand-offs${values.length < 50 ? ' (fewer than 50)' : ''}`,
      met: p99 < 100,
      why:
        p99 < 100
          ? undefined
          : `The slowest kind is ${slowest.kind} (p99 ${ms(slowest.p99)} ms).` +
            (delivery.length > 0 ? ` Delivery to the next service (outbox relay, Kafka, consumer, recording the work) is p50 ${ms(percentile(delivery, 50))} / p99 ${ms(percentile(delivery, 99))} ms; the rest is claiming the work and announcing the start.` : ''),
    });
  }
  if (results.memory) {
    const services = Object.entries(results.memory.peaks).filter(([, peaks]) => peaks.root);
    const largest = services.sort((a, b) => b[1].root!.peakMb - a[1].root!.peakMb)[0];
    if (largest) {
      const over = services.filter(([, peaks]) => peaks.root!.peakMb >= 200).map(([name, peaks]) => `${name} ${mb(peaks.root!.peakMb)} MiB`);
      list.push({
        what: 'each Node service under 200 MB resident',
        measured: `largest ${largest[0]} ${mb(largest[1].root!.peakMb)} MiB (peak)`,
        met: over.length === 0,
        why: over.length === 0 ? undefined : `Over 200 MiB at their peak: ${over.join(', ')}.`,
      });
    }
  }
  if (results.scaling.length >= 2) {
    const points = results.scaling.map((point) => ({ rows: point.rows, seconds: median(point.ingest) }));
    const slopes = points.slice(1).map((point, index) => (point.seconds - points[index].seconds) / (point.rows - points[index].rows));
    const perMillion = slopes.map((slope) => `${s(slope * 1e6)} s`);
    const linear = slopes.length < 2 ? undefined : Math.max(...slopes) <= 1.5 * Math.min(...slopes) && Math.min(...slopes) > 0;
    list.push({
      what: `import time grows linearly with rows (scales ${results.scaling.map((point) => point.scale).join(', ')})`,
      measured: `each added million rows costs ${perMillion.join(', then ')}`,
      met: linear,
      why:
        linear === false
          ? `The marginal cost per million rows moves from ${perMillion.join(' to ')} between successive scales (a fixed cost plus a cost per row would keep it constant).`
          : linear === undefined
            ? 'Two scales only: one marginal cost, nothing to compare it with.'
            : undefined,
    });
  } else if (!results.quick) {
    // a run that skipped the scaling says so, rather than dropping the target from the table
    list.push({ what: 'import time grows linearly with rows (scales 1, 2, 4)', measured: 'not measured in this run (`--scaling none` or one scale)', met: undefined });
  }
  const streaming = results.streaming;
  const streamingMetNow = streaming ? streamingMet(streaming) : undefined;
  list.push({
    what: "a table four times larger than the reader's memory still imports (streaming)",
    measured: streaming ? streamingMeasured(streaming) : 'not measured by the bench',
    met: streamingMetNow,
    why: streaming
      ? streamingMetNow ? undefined : streamingWhy(streaming)
      : 'The bench does not constrain the reader\'s memory; the peak memory of the ingest engine\'s process during the services run is in the memory table.',
  });
  return list;
}

function machine(loadAverage: number): string {
  return `${cpus().length} cores (${cpus()[0]?.model.trim() ?? 'unknown'}), ${Math.round(totalmem() / 2 ** 30)} GiB, load average ${loadAverage.toFixed(1)} at the start`;
}

export function report(results: Results): string {
  const when = results.started.toISOString().slice(0, 16).replace('T', ' ') + ' UTC';
  const minutes = ((Date.now() - results.started.getTime()) / 60000).toFixed(1);
  const targetRows = targets(results);
  const metText = (met: boolean | undefined) => (met === undefined ? 'not judged' : met ? 'met' : '**not met**');
  const unmet = targetRows.filter((target) => target.why);
  return [
    '# Benchmarks',
    '',
    '<!-- written by scripts/bench; do not edit by hand -->',
    '',
    ...(results.stoppedAfter ? [`**Incomplete: this run was still going (last finished: ${results.stoppedAfter}).**`, ''] : []),
    `Measured ${when} by \`scripts/bench ${results.argv.join(' ')}\` (${minutes} minutes) on ${machine(results.loadAverage)}.`,
    `The sample retail database at scale ${results.scale}: ${results.tables} tables, ${results.rows.toLocaleString('en-US')} rows, in MariaDB on the same machine.`,
    'Wall times in seconds of whole processes (start-up included); the median of the repeats, then the lowest and highest.',
    'In-process figures are `dataops run` (no Kafka; `--full-refresh` reads every table in full), called as built at the start of the run (dist/);',
    'the naive import and the Spark start-up are `spark-submit` with the same master and driver memory as the DataOps configuration (`local[2]`, 1g).',
    '',
    ...mainTable(results),
    '',
    ...profileSection(results),
    ...breakdownTable(results),
    ...handOffSection(results),
    ...memorySection(results),
    ...scalingSection(results),
    ...(results.streaming ? streamingSection(results.streaming) : []),
    ...(results.quick
      ? ['## Issue 11\'s targets', '', 'Not judged: `--quick` is a smoke run at a tiny scale (it only shows that every part still works).', '']
      : [
          '## Issue 11\'s targets',
          '',
          '| target | measured | |',
          '|---|---|---|',
          ...targetRows.map((target) => `| ${target.what} | ${target.measured} | ${metText(target.met)} |`),
          '',
          ...(unmet.length > 0 ? ['### Where the time goes', '', ...unmet.map((target) => `- **${target.what}**: ${target.why}`), ''] : []),
        ]),
    ...(results.notMeasured.length > 0 ? ['## Not measured in this run', '', ...results.notMeasured.map((line) => `- ${line}`), ''] : []),
  ].join('\n');
}
