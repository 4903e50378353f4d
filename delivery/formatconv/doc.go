// Package formatconv converts Firehose records (JSON) into one Apache
// Parquet file laid out by a Glue (Hive) table schema, as Firehose's
// record format conversion does. It does no I/O: the caller fetches the
// table's columns and stores the file.
//
// A Converter is made for a table and a stream's SerDe options by New, and
// converts a batch at a time with Convert. It keeps buffers between calls,
// so it must be used by one goroutine at a time: give each stream its own.
//
// # Types
//
// Each Hive type is written as Hive's ParquetHiveSerDe writes it, every
// column and nested value optional:
//
//	boolean           BOOLEAN
//	tinyint           INT32 (INT(8, signed))
//	smallint          INT32 (INT(16, signed))
//	int               INT32
//	bigint            INT64
//	float, double     FLOAT, DOUBLE
//	decimal(p,s)      FIXED_LEN_BYTE_ARRAY, the fewest bytes for p digits, DECIMAL(p,s); decimal is decimal(10,0)
//	string, char(n), varchar(n)  BYTE_ARRAY UTF8
//	binary            BYTE_ARRAY
//	date              INT32 DATE
//	timestamp         INT96 (nanoseconds of the day, Julian day), UTC
//	array<T>          three-level LIST (list / element)
//	map<K,V>          MAP (key_value, required key, optional value)
//	struct<...>       group, fields in their declared order
//
// uniontype and unknown types are refused by New.
//
// # Values
//
// Both SerDes: a missing key or JSON null is null; keys not in the table
// are ignored; of duplicate keys the last wins (in maps too); a number or
// boolean for a text column is stored as its JSON text; a fraction for an
// integer column is truncated toward zero and a value out of the column's
// range refuses the record; a decimal is rounded half up to its scale and
// is null when it has more integer digits than the column allows; char(n)
// and varchar(n) keep their first n characters (Hive pads char on read);
// binary takes the bytes of the JSON string as they are (no base64
// decoding); a date is "yyyy-[m]m-[d]d"; map keys, JSON strings, are
// converted to the key type and keep their case. Several JSON objects in
// one record are several rows; a record fails (and none of its rows are
// written) if any of them fails.
//
// OpenX JSON SerDe: keys match ignoring case when CaseInsensitive, with
// dots read as underscores when ConvertDotsInJSONKeysToUnderscores; both
// apply at every level. ColumnToJSONKeyMappings apply to top-level columns.
// Numbers given as strings are accepted for numeric columns. A boolean
// column reads a string as Java's Boolean.parseBoolean does ("true" in any
// case, else false). A nested object or array for a text column is stored
// as compact JSON text. Timestamps are read from
// yyyy-MM-dd'T'HH:mm:ss[.S{1,9}]'Z', yyyy-[M]M-[d]d HH:mm:ss[.S{1,9}],
// integers of absolute value below 10^10 as epoch seconds and larger ones
// as epoch milliseconds, and numbers with a fraction or exponent as epoch
// seconds.
//
// Hive JSON SerDe: keys match ignoring case; column names with dots are
// refused by New. Numeric columns refuse JSON strings, text columns refuse
// objects and arrays. Timestamps are tried against each of TimestampFormats
// (Joda-Time patterns, parsed to the millisecond as Joda does, or "millis"
// for epoch milliseconds), then java.sql.Timestamp.valueOf's
// yyyy-[m]m-[d]d hh:mm:ss[.f{1,9}]. Patterns cannot parse zone names (z),
// as Joda-Time cannot, and read offsets (Z) as Z, UTC or ±hh[[:]mm].
//
// # Failures
//
// A record that cannot be converted is reported with Firehose's code and
// message: DataFormatConversion.MalformedData for an empty record ("The
// record was empty or contained only whitespace."), a JSON value other than
// an object at the top level, or data that does not match the schema
// ("Data does not match the schema. ..."); DataFormatConversion.ParseError
// for JSON that does not parse ("Encountered malformed JSON. ..."). The
// details after the fixed prefixes follow the wording of Jackson and Java
// (the parsers behind both SerDes) where AWS's were probed, and are
// approximations elsewhere.
//
// # Files
//
// A row group is cut when the rows buffered reach about BlockSizeBytes
// (estimated from the values' sizes). Pages are cut at PageSizeBytes.
// With EnableDictionaryCompression every column but booleans is
// dictionary-encoded; otherwise V1 files use PLAIN, as parquet-mr's V1
// writer does, and V2 files parquet-go's defaults for V2 (the delta
// encodings). Compression is UNCOMPRESSED, GZIP, SNAPPY (the default) or
// ZSTD.
package formatconv
