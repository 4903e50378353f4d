// Reads one Parquet file with two readers firehose-local did not write,
// DuckDB and hyparquet, and prints what each saw as one JSON document:
//
//   {"duckdb":    {"schema": [[name, type], ...], "rows": [{...}, ...]},
//    "hyparquet": {"schema": [[name, type], ...], "rows": [{...}, ...]}}
//
// Values are rendered the same way for both, so that they can be compared
// without doubt: 64-bit integers and decimals as strings, dates as
// "YYYY-MM-DD", timestamps as ISO 8601 in UTC with the fraction the reader
// kept (trailing zeros trimmed), binary as base64, maps as [[key, value], ...]
// with the key as a string, NaN and infinities as strings. hyparquet's own
// limits show through: decimals are JavaScript numbers (rendered with
// toFixed(scale), so past 15 digits they are approximate) and maps are
// JavaScript objects (so integer-like keys come first, ascending). DuckDB also
// gives "chunks", the column chunks of parquet_metadata() (row group, rows,
// path, compression, encodings, whether a dictionary page is present), and
// hyparquet "rowGroups", the row count of each row group. A reader's
// failure is reported as {"error": "..."} in its place.
//
// Usage: node parquet.mjs FILE
import { readFileSync } from 'node:fs'
import { DuckDBInstance } from '@duckdb/node-api'
import { parquetMetadata, parquetReadObjects, parquetSchema } from 'hyparquet'
import { compressors } from 'hyparquet-compressors'

const path = process.argv[2]
if (!path) {
  console.error('usage: node parquet.mjs FILE')
  process.exit(2)
}

function isoFromNanos(nanos) {
  const ms = nanos / 1000000n - (nanos % 1000000n < 0n ? 1n : 0n)
  const rest = nanos - ms * 1000000n
  const base = new Date(Number(ms)).toISOString().slice(0, 19)
  let frac = (ms % 1000n < 0n ? ms % 1000n + 1000n : ms % 1000n).toString().padStart(3, '0') +
    rest.toString().padStart(6, '0')
  frac = frac.replace(/0+$/, '')
  return base + (frac ? '.' + frac : '') + 'Z'
}

function isoDate(days) {
  return new Date(days * 86400000).toISOString().slice(0, 10)
}

function number(v) {
  return Number.isFinite(v) ? v : String(v)
}

// ---- DuckDB ----

function duck(v) {
  if (v === null || v === undefined) return null
  if (typeof v === 'bigint') return v.toString()
  if (typeof v === 'number') return number(v)
  if (typeof v === 'boolean' || typeof v === 'string') return v
  const kind = v.constructor?.name
  switch (kind) {
    case 'DuckDBDecimalValue': return v.toString()
    case 'DuckDBDateValue': return isoDate(v.days)
    case 'DuckDBTimestampValue': return isoFromNanos(v.micros * 1000n)
    case 'DuckDBTimestampMillisecondsValue': return isoFromNanos(v.millis * 1000000n)
    case 'DuckDBTimestampSecondsValue': return isoFromNanos(v.seconds * 1000000000n)
    case 'DuckDBTimestampNanosecondsValue': return isoFromNanos(v.nanos)
    case 'DuckDBTimestampTZValue': return isoFromNanos(v.micros * 1000n)
    case 'DuckDBBlobValue': return Buffer.from(v.bytes).toString('base64')
    case 'DuckDBListValue':
    case 'DuckDBArrayValue': return v.items.map(duck)
    case 'DuckDBStructValue': return Object.fromEntries(Object.entries(v.entries).map(([k, x]) => [k, duck(x)]))
    case 'DuckDBMapValue': return v.entries.map(e => [String(duck(e.key)), duck(e.value)])
    default: return { unrendered: kind, text: String(v) }
  }
}

async function readDuckDB() {
  const instance = await DuckDBInstance.create(':memory:')
  const conn = await instance.connect()
  const quoted = "'" + path.replaceAll("'", "''") + "'"
  const desc = await conn.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet(${quoted}, hive_partitioning = false)`)
  const schema = desc.getRowObjects().map(r => [r.column_name, r.column_type])
  const res = await conn.runAndReadAll(`SELECT * FROM read_parquet(${quoted}, hive_partitioning = false)`)
  const rows = res.getRowObjects().map(r => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, duck(v)])))
  const meta = await conn.runAndReadAll(
    `SELECT row_group_id, row_group_num_rows, path_in_schema, compression, encodings, dictionary_page_offset
     FROM parquet_metadata(${quoted}) ORDER BY row_group_id, column_id`)
  const chunks = meta.getRowObjects().map(r => ({
    rowGroup: Number(r.row_group_id),
    rows: Number(r.row_group_num_rows),
    path: r.path_in_schema,
    compression: r.compression,
    encodings: r.encodings,
    dictionary: r.dictionary_page_offset !== null,
  }))
  conn.closeSync()
  instance.closeSync()
  return { schema, rows, chunks }
}

// ---- hyparquet ----

// The parsers tag dates and timestamps so that rendering keeps full precision.
const parsers = {
  timestampFromMilliseconds: ms => ({ ts: BigInt(ms) * 1000000n }),
  timestampFromMicroseconds: us => ({ ts: BigInt(us) * 1000n }),
  timestampFromNanoseconds: ns => ({ ts: BigInt(ns) }),
  dateFromDays: days => ({ date: days }),
}

function typeName(node) {
  const e = node.element
  if (e.converted_type === 'LIST' || e.logical_type?.type === 'LIST') return 'LIST<' + typeName(node.children[0].children[0]) + '>'
  if (e.converted_type === 'MAP' || e.logical_type?.type === 'MAP') {
    const kv = node.children[0]
    return 'MAP<' + typeName(kv.children[0]) + ',' + typeName(kv.children[1]) + '>'
  }
  if (node.children.length) return 'STRUCT<' + node.children.map(c => c.element.name + ':' + typeName(c)).join(',') + '>'
  let t = e.type
  if (e.type === 'FIXED_LEN_BYTE_ARRAY') t += '(' + e.type_length + ')'
  const lt = e.logical_type
  if (lt?.type === 'INTEGER') t += '/INT(' + lt.bitWidth + ',' + lt.isSigned + ')'
  else if (lt?.type === 'DECIMAL') t += '/DECIMAL(' + lt.precision + ',' + lt.scale + ')'
  else if (lt?.type) t += '/' + lt.type
  else if (e.converted_type === 'DECIMAL') t += '/DECIMAL(' + e.precision + ',' + e.scale + ')'
  else if (e.converted_type) t += '/' + e.converted_type
  return t
}

function hy(v, node) {
  if (v === null || v === undefined) return null
  const e = node.element
  if (e.converted_type === 'LIST' || e.logical_type?.type === 'LIST') {
    const elem = node.children[0].children[0]
    return v.map(x => hy(x, elem))
  }
  if (e.converted_type === 'MAP' || e.logical_type?.type === 'MAP') {
    const val = node.children[0].children[1]
    return Object.entries(v).map(([k, x]) => [String(k), hy(x, val)])
  }
  if (node.children.length) {
    return Object.fromEntries(node.children.map(c => [c.element.name, hy(v[c.element.name], c)]))
  }
  if (e.converted_type === 'DECIMAL' || e.logical_type?.type === 'DECIMAL') return Number(v).toFixed(e.scale || 0)
  if (typeof v === 'bigint') return v.toString()
  if (typeof v === 'number') return number(v)
  if (v instanceof Uint8Array) return Buffer.from(v).toString('base64')
  if (typeof v === 'object' && 'ts' in v) return isoFromNanos(v.ts)
  if (typeof v === 'object' && 'date' in v) return isoDate(v.date)
  return v
}

async function readHyparquet() {
  const buf = readFileSync(path)
  const file = buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength)
  const metadata = parquetMetadata(file, { parsers })
  const tree = parquetSchema(metadata)
  // utf8: false keeps BYTE_ARRAY without a UTF8 annotation as bytes.
  const objects = await parquetReadObjects({ file, metadata, compressors, parsers, utf8: false })
  const schema = tree.children.map(c => [c.element.name, typeName(c)])
  const rows = objects.map(o => Object.fromEntries(tree.children.map(c => [c.element.name, hy(o[c.element.name], c)])))
  return { schema, rows, rowGroups: metadata.row_groups.map(g => Number(g.num_rows)) }
}

async function attempt(f) {
  try {
    return await f()
  } catch (err) {
    return { error: String(err?.stack || err) }
  }
}

const out = { duckdb: await attempt(readDuckDB), hyparquet: await attempt(readHyparquet) }
process.stdout.write(JSON.stringify(out) + '\n')
