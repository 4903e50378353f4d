package formatconv

import (
	"reflect"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/compress"
	"github.com/parquet-go/parquet-go/encoding"
)

// group is a Parquet group whose fields keep the order they are given in.
// (parquet.Group sorts its fields by name; a table's columns must keep the
// Glue order.)
type group []groupField

type groupField struct {
	parquet.Node
	name string
}

func (f *groupField) Name() string { return f.name }

func (f *groupField) Value(base reflect.Value) reflect.Value {
	panic("formatconv: group fields hold no Go values")
}

func (g group) ID() int                        { return 0 }
func (g group) String() string                 { return parquet.Group(g.asMap()).String() }
func (g group) Type() parquet.Type             { return parquet.Group(nil).Type() }
func (g group) Optional() bool                 { return false }
func (g group) Repeated() bool                 { return false }
func (g group) Required() bool                 { return true }
func (g group) Leaf() bool                     { return false }
func (g group) Encoding() encoding.Encoding    { return nil }
func (g group) Compression() compress.Codec    { return nil }
func (g group) GoType() reflect.Type           { return parquet.Group(g.asMap()).GoType() }
func (g group) asMap() map[string]parquet.Node { return groupMap(g) }

func (g group) Fields() []parquet.Field {
	fields := make([]parquet.Field, len(g))
	for i := range g {
		fields[i] = &g[i]
	}
	return fields
}

func groupMap(g group) map[string]parquet.Node {
	m := make(map[string]parquet.Node, len(g))
	for _, f := range g {
		m[f.name] = f.Node
	}
	return m
}

// decimalSize is the fewest bytes whose two's complement holds every
// number of p digits, as Hive sizes FIXED_LEN_BYTE_ARRAY decimals.
func decimalSize(p int) int {
	for n := 1; ; n++ {
		// digits that fit in n bytes: floor(log10(2^(8n-1)-1))
		if float64(p) <= float64(8*n-1)*0.30102999566398120 {
			return n
		}
	}
}

// parquetNode builds the Parquet node for Hive type t, optional as every
// column and nested value Hive writes.
func parquetNode(t *Type, enc encodings) parquet.Node {
	return parquet.Optional(requiredNode(t, enc))
}

// encodings says how leaves are encoded: with a dictionary, or (V1 pages)
// PLAIN as parquet-mr's V1 writer does, or parquet-go's defaults (V2 pages:
// the delta encodings, as parquet-mr's V2 writer uses).
type encodings struct{ dict, plain bool }

func leaf(n parquet.Node, enc encodings) parquet.Node {
	switch {
	case enc.dict && n.Type().Kind() != parquet.Boolean:
		return parquet.Encoded(n, &parquet.RLEDictionary)
	case enc.plain:
		return parquet.Encoded(n, &parquet.Plain)
	}
	return n
}

func requiredNode(t *Type, enc encodings) parquet.Node {
	switch t.Kind {
	case Boolean:
		return leaf(parquet.Leaf(parquet.BooleanType), enc)
	case TinyInt:
		return leaf(parquet.Int(8), enc)
	case SmallInt:
		return leaf(parquet.Int(16), enc)
	case Int:
		return leaf(parquet.Leaf(parquet.Int32Type), enc)
	case BigInt:
		return leaf(parquet.Leaf(parquet.Int64Type), enc)
	case Float:
		return leaf(parquet.Leaf(parquet.FloatType), enc)
	case Double:
		return leaf(parquet.Leaf(parquet.DoubleType), enc)
	case Decimal:
		return leaf(parquet.Decimal(t.Scale, t.Precision, parquet.FixedLenByteArrayType(decimalSize(t.Precision))), enc)
	case String, Char, Varchar:
		return leaf(parquet.String(), enc)
	case Binary:
		return leaf(parquet.Leaf(parquet.ByteArrayType), enc)
	case Date:
		return leaf(parquet.Date(), enc)
	case Timestamp:
		return leaf(parquet.Leaf(parquet.Int96Type), enc)
	case Array:
		return parquet.List(parquetNode(t.Elem, enc))
	case Map:
		return parquet.Map(requiredNode(t.Key, enc), parquetNode(t.Elem, enc))
	default: // Struct
		g := make(group, len(t.Fields))
		for i := range t.Fields {
			g[i] = groupField{Node: parquetNode(&t.Fields[i].Type, enc), name: t.Fields[i].Name}
		}
		return g
	}
}
