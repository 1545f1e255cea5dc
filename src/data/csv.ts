/**
 * CSV datasets with tfjs's `tf.data.csv` semantics: the header line names the columns,
 * `columnConfigs` marks labels (elements become `{ xs, ys }`), required columns, defaults and
 * dtypes, and rows are parsed by tfjs's own field rules (quotes, delimiter, `delimWhitespace`).
 * Pure code over a stream of bytes: Node (`csv.ts` users in node-data.ts) streams a file, a page
 * can stream a `File`. Lines are parsed as they arrive, so files larger than memory stream through.
 */
import { DataError, ValueError } from '../errors.js';
import { Dataset } from './dataset.js';
import { FunctionIterator, LazyIterator, type StreamResult } from './iterators.js';

/** How one column is read (tfjs `ColumnConfig`). */
export interface ColumnConfig {
  /** A row with this column empty is an error (unless `default` is set). */
  required?: boolean;
  /** 'float32' (default for numbers), 'int32' (floored) or 'bool' (1 for '1'/'true', else 0). */
  dtype?: 'float32' | 'int32' | 'bool';
  /** Value used when the field is empty. */
  default?: number | string | boolean;
  /** The column goes into `ys` instead of `xs`. */
  isLabel?: boolean;
}

/** Options of `ck.data.csv` (tfjs `CSVConfig`). */
export interface CSVConfig {
  /** The first line names the columns (default true). */
  hasHeader?: boolean;
  /** Column names; required without a header, checked against it otherwise. */
  columnNames?: string[];
  /** Per-column settings, by column name. */
  columnConfigs?: Record<string, ColumnConfig>;
  /** Keep only the columns named in `columnConfigs`. */
  configuredColumnsOnly?: boolean;
  /** Field delimiter (default ','). */
  delimiter?: string;
  /** Any run of spaces separates fields (no `delimiter` then). */
  delimWhitespace?: boolean;
}

const KNOWN_KEYS = new Set(['hasHeader', 'columnNames', 'columnConfigs', 'configuredColumnsOnly', 'delimiter', 'delimWhitespace']);
const COLUMN_KEYS = new Set(['required', 'dtype', 'default', 'isLabel']);

/** A parsed value: a number, a string, or undefined for an empty optional field. */
export type CsvValue = number | string | boolean | undefined;
/** One row: an object of column values, or `{ xs, ys }` when some column is a label. */
export type CsvElement = Record<string, CsvValue> | { xs: Record<string, CsvValue>; ys: Record<string, CsvValue> };

/** Opens a new pass over the bytes of the file. */
export type ByteSource = () => AsyncIterable<Uint8Array>;

/** Splits a byte stream into lines as tfjs does ('\n', with a trailing '\r' removed). */
async function* lines(source: AsyncIterable<Uint8Array>): AsyncGenerator<string> {
  const decoder = new TextDecoder('utf-8');
  let carry = '';
  for await (const chunk of source) {
    const parts = (carry + decoder.decode(chunk, { stream: true })).split('\n');
    carry = parts.pop()!;
    for (const p of parts) yield p.endsWith('\r') ? p.slice(0, -1) : p;
  }
  carry += decoder.decode();
  if (carry !== '') yield carry.endsWith('\r') ? carry.slice(0, -1) : carry;
}

const OUT = 0, FIELD = 1, QUOTE = 2, QUOTE_AFTER_QUOTE = 3, QUOTE_IN_QUOTE = 4;

/**
 * Splits one line into fields by tfjs's state machine: a field starting with `"` runs to the next
 * `"` followed by the delimiter; the quotes are dropped, doubled quotes inside are kept as they are.
 */
export function parseCsvRow(line: string, delimiter: string, delimWhitespace: boolean): string[] {
  const result: string[] = [];
  let readOffset = 0;
  let state = OUT;
  for (let i = 0; i < line.length; i++) {
    const c = line.charAt(i);
    switch (state) {
      case OUT:
        if (c === '"') {
          readOffset = i + 1;
          state = QUOTE;
        } else if (c === delimiter) {
          readOffset = i + 1;
          if (delimiter === ' ' && delimWhitespace) break;
          result.push('');
        } else {
          state = FIELD;
          readOffset = i;
        }
        break;
      case FIELD:
        if (c === delimiter) {
          result.push(line.substring(readOffset, i));
          state = OUT;
          readOffset = i + 1;
        }
        break;
      case QUOTE:
        if (c === '"') state = QUOTE_AFTER_QUOTE;
        break;
      case QUOTE_AFTER_QUOTE:
        if (c === delimiter) {
          result.push(line.substring(readOffset, i - 1));
          state = OUT;
          readOffset = i + 1;
        } else if (c === '"') state = QUOTE;
        else state = QUOTE_IN_QUOTE;
        break;
      case QUOTE_IN_QUOTE:
        if (c === '"') state = QUOTE;
        break;
    }
  }
  result.push(state === QUOTE_AFTER_QUOTE ? line.substring(readOffset, line.length - 1) : line.substring(readOffset));
  return result;
}

function bool(value: string): number {
  return value === '1' || value.toLowerCase() === 'true' ? 1 : 0;
}

/**
 * A dataset of CSV rows (tfjs `CSVDataset`). Made by `ck.data.csv(path, config)` in Node.
 */
export class CSVDataset extends Dataset<CsvElement> {
  private fullColumnNames: string[] | null;
  private validated = false;
  private readonly hasHeader: boolean;
  private readonly columnConfigs: Record<string, ColumnConfig> | null;
  private readonly configuredColumnsOnly: boolean;
  private readonly delimiter: string;
  private readonly delimWhitespace: boolean;

  constructor(
    private readonly source: ByteSource,
    /** How the file is named in messages. */
    readonly name: string,
    config: CSVConfig = {},
  ) {
    super();
    for (const k of Object.keys(config)) if (!KNOWN_KEYS.has(k)) throw new ValueError(`data.csv: unknown option '${k}' (known: ${[...KNOWN_KEYS].join(', ')}). Received ${k}=${String((config as Record<string, unknown>)[k])}`);
    for (const [col, c] of Object.entries(config.columnConfigs ?? {})) {
      for (const k of Object.keys(c)) if (!COLUMN_KEYS.has(k)) throw new ValueError(`data.csv: unknown key '${k}' in columnConfigs['${col}'] (known: ${[...COLUMN_KEYS].join(', ')})`);
      if (c.dtype !== undefined && !['float32', 'int32', 'bool'].includes(c.dtype)) throw new ValueError(`data.csv: columnConfigs['${col}'].dtype must be 'float32', 'int32' or 'bool'. Received dtype=${String(c.dtype)}`);
    }
    this.hasHeader = config.hasHeader !== false;
    this.fullColumnNames = config.columnNames ? [...config.columnNames] : null;
    this.columnConfigs = config.columnConfigs ?? null;
    this.configuredColumnsOnly = !!config.configuredColumnsOnly;
    if (config.delimWhitespace) {
      if (config.delimiter != null) throw new ValueError(`data.csv: delimiter must not be given when delimWhitespace is true. Received delimiter='${config.delimiter}'`);
      this.delimWhitespace = true;
      this.delimiter = ' ';
    } else {
      this.delimWhitespace = false;
      this.delimiter = config.delimiter || ',';
    }
    if (this.delimiter.length !== 1) throw new ValueError(`data.csv: delimiter must be one character. Received delimiter='${this.delimiter}'`);
  }

  /** The column names of the elements (only the configured ones with `configuredColumnsOnly`). */
  async columnNames(): Promise<string[]> {
    await this.validate();
    return this.configuredColumnsOnly ? Object.keys(this.columnConfigs ?? {}) : [...this.fullColumnNames!];
  }

  private async validate(): Promise<void> {
    if (this.validated) return;
    let fromFile: string[] | null = null;
    if (this.hasHeader) {
      const it = lines(this.source());
      const first = await it.next();
      await it.return(undefined);
      if (first.done) throw new DataError(`${this.name}: no data was found for CSV parsing (the file is empty)`);
      fromFile = parseCsvRow(first.value, this.delimiter, this.delimWhitespace);
    }
    if (!this.fullColumnNames && !fromFile) throw new ValueError(`data.csv: ${this.name}: columnNames must be given when the file has no header line (hasHeader: false)`);
    if (this.fullColumnNames && fromFile && fromFile.length !== this.fullColumnNames.length)
      throw new DataError(`${this.name}: the ${this.fullColumnNames.length} columnNames given do not match the ${fromFile.length} columns of the header line`);
    this.fullColumnNames ??= fromFile!;
    const seen = new Set<string>();
    const dup = this.fullColumnNames.filter((n) => (seen.has(n) ? true : (seen.add(n), false)));
    if (dup.length) throw new DataError(`${this.name}: duplicate column names found: ${[...new Set(dup)].join(', ')}`);
    for (const key of Object.keys(this.columnConfigs ?? {}))
      if (!this.fullColumnNames.includes(key)) throw new ValueError(`data.csv: ${this.name}: the key '${key}' in columnConfigs does not match any column name (${this.fullColumnNames.join(', ')})`);
    this.validated = true;
  }

  async iterator(): Promise<LazyIterator<CsvElement>> {
    await this.validate();
    const it = lines(this.source())[Symbol.asyncIterator]();
    let lineNo = 0;
    const next = async (): Promise<StreamResult<CsvElement>> => {
      const r = await it.next();
      lineNo++;
      if (r.done) return { value: null, done: true };
      if (lineNo === 1 && this.hasHeader) return next();
      return { value: this.makeElement(r.value, lineNo), done: false };
    };
    return new FunctionIterator<CsvElement>(next, async () => void (await it.return?.(undefined)));
  }

  private makeElement(line: string, lineNo: number): CsvElement {
    const names = this.fullColumnNames!;
    const values = parseCsvRow(line, this.delimiter, this.delimWhitespace);
    if (values.length !== names.length)
      throw new DataError(`${this.name}: line ${lineNo}: invalid row, expected ${names.length} fields but got ${values.length}: ${JSON.stringify(line)}`);
    const features: Record<string, CsvValue> = {};
    const labels: Record<string, CsvValue> = {};
    for (let i = 0; i < names.length; i++) {
      const key = names[i];
      const config = this.columnConfigs?.[key];
      if (this.configuredColumnsOnly && !config) continue;
      const value = values[i];
      let parsed: CsvValue;
      if (value === '') {
        if (config && config.default !== undefined) parsed = config.default;
        else if (config && (config.required || config.isLabel)) throw new DataError(`${this.name}: line ${lineNo}: required column ${key} is empty in this line: ${line}`);
        else parsed = undefined;
      } else {
        const num = Number(value);
        if (Number.isNaN(num)) parsed = config?.dtype === 'bool' ? bool(value) : value;
        else if (!config?.dtype || config.dtype === 'float32') parsed = num;
        else parsed = config.dtype === 'int32' ? Math.floor(num) : bool(value);
      }
      if (config?.isLabel) labels[key] = parsed;
      else features[key] = parsed;
    }
    return Object.keys(labels).length === 0 ? features : { xs: features, ys: labels };
  }
}
