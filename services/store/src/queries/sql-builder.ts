import type { DuckDBType, DuckDBValue } from '@duckdb/node-api';

// Assembles a query from constant SQL fragments; every user-supplied value is a bound parameter.
export class SqlBuilder {
  private readonly conditions: string[] = [];
  readonly params: DuckDBValue[] = [];
  readonly types: DuckDBType[] = [];

  param(value: DuckDBValue, type: DuckDBType): string {
    this.params.push(value);
    this.types.push(type);
    return `$${String(this.params.length)}`;
  }

  /** `fragment` is a constant SQL text with `?` standing for the parameters given, in order. */
  where(fragment: string, ...values: [DuckDBValue, DuckDBType][]): this {
    let i = 0;
    this.conditions.push(
      fragment.replace(/\?/g, () => {
        const v = values[i++];
        if (!v) throw new Error(`missing parameter for ${fragment}`);
        return this.param(v[0], v[1]);
      }),
    );
    return this;
  }

  whereClause(): string {
    return this.conditions.length === 0 ? '' : `WHERE ${this.conditions.join(' AND ')}`;
  }
}

export { sqlTimestamp } from '#shared/storage';

export const isoTime = (column: string) => `strftime(${column}, '%Y-%m-%dT%H:%M:%S.%gZ')`;
