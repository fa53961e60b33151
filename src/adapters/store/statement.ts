/**
 * Builds one parameterised statement out of pieces written in different modules (a change and
 * its audit row, see audit.ts), each piece asking for the $n of the values it needs. Fewer,
 * larger statements are fewer round trips to the server, which is most of a write's time.
 */
export class Params {
  readonly values: unknown[] = [];

  /** The placeholder for `value`, e.g. `$3`. */
  add(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }
}
