/**
 * The controller's worker bound: N tokens, one per reconcile doing work in this process. A reconcile that waits on
 * a long outside call gives its token back for the wait (Controller `awaitExternal`) and takes one again after,
 * ahead of keys that have not started: finishing what is under way comes first.
 */
export class WorkTokens {
  #free: number;
  /** Who waits for a token, in the order they get one. */
  readonly #waiting: Array<() => void> = [];

  constructor(count: number) {
    this.#free = count;
  }

  /** Resolves once a token is taken; `first` goes ahead of everyone already waiting. */
  acquire(options: { first?: boolean } = {}): Promise<void> {
    if (this.#free > 0) {
      this.#free--;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      if (options.first) this.#waiting.unshift(resolve);
      else this.#waiting.push(resolve);
    });
  }

  /** Gives a token back: to the next waiter, if any. */
  release(): void {
    const next = this.#waiting.shift();
    if (next) next();
    else this.#free++;
  }
}
