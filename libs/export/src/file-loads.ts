/**
 * The load files of one target, loaded one after another in the order the job announces them,
 * while the job writes the next: the arrow engine writes a model's CSV in slices, so COPY of the
 * first runs while DuckDB formats the second (issue 11). A file is loaded once; after a failed
 * load no later file is loaded, and the failure is what `total` gives.
 */
export class FileLoads {
  private readonly queued = new Set<string>();
  private loaded: Promise<number> = Promise.resolve(0);
  /** when the first load began and the last one ended (ms since the epoch), for the stage's log */
  startedAt?: number;
  finishedAt?: number;

  constructor(private readonly load: (files: string[]) => Promise<number>) {}

  /** Files the job has written: loaded after those announced before them. */
  add(files: string[]): void {
    const fresh = files.filter((file) => !this.queued.has(file));
    if (fresh.length === 0) return;
    fresh.forEach((file) => this.queued.add(file));
    this.startedAt ??= Date.now();
    this.loaded = this.loaded.then(async (rows) => {
      const took = await this.load(fresh);
      this.finishedAt = Date.now();
      return rows + took;
    });
    // awaited by total() or settled(); a failure meanwhile is no unhandled rejection
    this.loaded.catch(() => undefined);
  }

  /** Every file the job wrote loaded (those it did not announce, now): the rows they took. */
  total(files: string[]): Promise<number> {
    this.add(files);
    return this.loaded;
  }

  /** The milliseconds from the first load's start to the last one's end. */
  get ms(): number {
    return this.startedAt === undefined || this.finishedAt === undefined ? 0 : this.finishedAt - this.startedAt;
  }

  /** Resolves once no load runs any more, whatever its outcome. */
  settled(): Promise<void> {
    return this.loaded.then(
      () => undefined,
      () => undefined,
    );
  }
}
