/**
 * The load files of one target, loaded while the job writes the next: the arrow engine writes a
 * model's CSV in slices, so COPY of the first runs while DuckDB formats the second (issue 11).
 * Up to `lanes` files load at once, each on its own connection, taking the files in the order the
 * job announces them: one COPY is one PostgreSQL backend, one core, and it was the slowest part of
 * the load (1.03 M order_facts rows: 5.7 s of COPY one after another, while DuckDB had written the
 * files long before). A load into the target itself, in its switch transaction, has one lane.
 * A file is loaded once; after a failed load no other file starts, and the failure is what
 * `total` gives.
 */
export class FileLoads {
  private readonly queued = new Set<string>();
  private readonly waiting: string[] = [];
  private running = 0;
  private rows = 0;
  private failure?: { error: unknown };
  private readonly idle: Array<() => void> = [];
  /** when the first load began and the last one ended (ms since the epoch), for the stage's log */
  startedAt?: number;
  finishedAt?: number;

  constructor(
    private readonly load: (files: string[]) => Promise<number>,
    private readonly lanes = 1,
  ) {}

  /** Files the job has written: loaded after those announced before them. */
  add(files: string[]): void {
    for (const file of files) {
      if (this.queued.has(file)) continue;
      this.queued.add(file);
      this.waiting.push(file);
    }
    this.startNext();
  }

  /** Every file the job wrote loaded (those it did not announce, now): the rows they took. */
  async total(files: string[]): Promise<number> {
    this.add(files);
    await this.settled();
    if (this.failure) throw this.failure.error;
    return this.rows;
  }

  /** The milliseconds from the first load's start to the last one's end. */
  get ms(): number {
    return this.startedAt === undefined || this.finishedAt === undefined ? 0 : this.finishedAt - this.startedAt;
  }

  /** Resolves once no load runs any more and none will start, whatever their outcome. */
  settled(): Promise<void> {
    if (this.done()) return Promise.resolve();
    return new Promise((resolve) => this.idle.push(resolve));
  }

  private done(): boolean {
    return this.running === 0 && (this.waiting.length === 0 || this.failure !== undefined);
  }

  private startNext(): void {
    while (this.running < this.lanes && this.waiting.length > 0 && !this.failure) {
      const file = this.waiting.shift()!;
      this.running += 1;
      this.startedAt ??= Date.now();
      this.load([file]).then(
        (rows) => {
          this.rows += rows;
          this.finishedAt = Date.now();
        },
        (error: unknown) => {
          this.failure ??= { error };
        },
      ).finally(() => {
        this.running -= 1;
        this.startNext();
        if (this.done()) this.idle.splice(0).forEach((resolve) => resolve());
      });
    }
  }
}
