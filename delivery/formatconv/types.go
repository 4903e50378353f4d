package formatconv

import (
	"fmt"
	"strconv"
	"strings"
)

// Kind is the kind of a Hive type.
type Kind uint8

// The Hive types a Firehose table may use.
const (
	Boolean Kind = iota
	TinyInt
	SmallInt
	Int
	BigInt
	Float
	Double
	Decimal
	String
	Char
	Varchar
	Binary
	Date
	Timestamp
	Array
	Map
	Struct
)

var kindNames = [...]string{
	Boolean: "boolean", TinyInt: "tinyint", SmallInt: "smallint", Int: "int", BigInt: "bigint",
	Float: "float", Double: "double", Decimal: "decimal", String: "string", Char: "char",
	Varchar: "varchar", Binary: "binary", Date: "date", Timestamp: "timestamp",
	Array: "array", Map: "map", Struct: "struct",
}

func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "Kind(" + strconv.Itoa(int(k)) + ")"
}

// Type is a parsed Hive type.
type Type struct {
	Kind Kind
	// Precision and Scale of a decimal.
	Precision, Scale int
	// Length of a char or varchar.
	Length int
	// Elem is the element of an array, or the value of a map.
	Elem *Type
	// Key is the key of a map.
	Key *Type
	// Fields of a struct, in order.
	Fields []Field
}

// Field is a member of a struct type.
type Field struct {
	Name string
	Type Type
}

// String is the type in Hive's canonical spelling.
func (t Type) String() string {
	var b strings.Builder
	t.write(&b)
	return b.String()
}

func (t Type) write(b *strings.Builder) {
	b.WriteString(t.Kind.String())
	switch t.Kind {
	case Decimal:
		fmt.Fprintf(b, "(%d,%d)", t.Precision, t.Scale)
	case Char, Varchar:
		fmt.Fprintf(b, "(%d)", t.Length)
	case Array:
		b.WriteByte('<')
		t.Elem.write(b)
		b.WriteByte('>')
	case Map:
		b.WriteByte('<')
		t.Key.write(b)
		b.WriteByte(',')
		t.Elem.write(b)
		b.WriteByte('>')
	case Struct:
		b.WriteByte('<')
		for i, f := range t.Fields {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(f.Name)
			b.WriteByte(':')
			f.Type.write(b)
		}
		b.WriteByte('>')
	}
}

// Limits Hive puts on type parameters.
const (
	maxDecimalPrecision = 38
	maxCharLength       = 255
	maxVarcharLength    = 65535
)

// ParseType parses a Hive type string as Glue keeps it, such as "int",
// "decimal(10,2)" or "array<struct<a:int,b:string>>". Keywords are matched
// ignoring case and blanks between tokens are allowed. uniontype and types
// Firehose cannot convert are refused.
func ParseType(s string) (Type, error) {
	p := typeParser{s: s}
	t, err := p.parse(0)
	if err != nil {
		return Type{}, fmt.Errorf("type %q: %w", s, err)
	}
	p.blanks()
	if p.i != len(p.s) {
		return Type{}, fmt.Errorf("type %q: unexpected %q at offset %d", s, p.s[p.i:], p.i)
	}
	return t, nil
}

type typeParser struct {
	s string
	i int
}

const maxTypeDepth = 64

func (p *typeParser) blanks() {
	for p.i < len(p.s) && (p.s[p.i] == ' ' || p.s[p.i] == '\t' || p.s[p.i] == '\n' || p.s[p.i] == '\r') {
		p.i++
	}
}

// word reads a run of letters, digits and underscores.
func (p *typeParser) word() string {
	p.blanks()
	j := p.i
	for j < len(p.s) {
		c := p.s[j]
		if c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' {
			j++
			continue
		}
		break
	}
	w := p.s[p.i:j]
	p.i = j
	return w
}

func (p *typeParser) accept(c byte) bool {
	p.blanks()
	if p.i < len(p.s) && p.s[p.i] == c {
		p.i++
		return true
	}
	return false
}

func (p *typeParser) expect(c byte) error {
	if !p.accept(c) {
		if p.i >= len(p.s) {
			return fmt.Errorf("expected %q at end", c)
		}
		return fmt.Errorf("expected %q at offset %d, found %q", c, p.i, p.s[p.i])
	}
	return nil
}

func (p *typeParser) number() (int, error) {
	w := p.word()
	n, err := strconv.Atoi(w)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("expected a number before offset %d, found %q", p.i, w)
	}
	return n, nil
}

func (p *typeParser) parse(depth int) (Type, error) {
	if depth > maxTypeDepth {
		return Type{}, fmt.Errorf("nested deeper than %d levels", maxTypeDepth)
	}
	w := p.word()
	switch strings.ToLower(w) {
	case "boolean":
		return Type{Kind: Boolean}, nil
	case "tinyint":
		return Type{Kind: TinyInt}, nil
	case "smallint":
		return Type{Kind: SmallInt}, nil
	case "int", "integer":
		return Type{Kind: Int}, nil
	case "bigint":
		return Type{Kind: BigInt}, nil
	case "float":
		return Type{Kind: Float}, nil
	case "double":
		if p.i < len(p.s) {
			// Hive also spells double as "double precision".
			save := p.i
			if strings.EqualFold(p.word(), "precision") {
				return Type{Kind: Double}, nil
			}
			p.i = save
		}
		return Type{Kind: Double}, nil
	case "string":
		return Type{Kind: String}, nil
	case "binary":
		return Type{Kind: Binary}, nil
	case "date":
		return Type{Kind: Date}, nil
	case "timestamp":
		return Type{Kind: Timestamp}, nil
	case "decimal", "dec", "numeric":
		t := Type{Kind: Decimal, Precision: 10}
		if p.accept('(') {
			var err error
			if t.Precision, err = p.number(); err != nil {
				return Type{}, err
			}
			if p.accept(',') {
				if t.Scale, err = p.number(); err != nil {
					return Type{}, err
				}
			}
			if err := p.expect(')'); err != nil {
				return Type{}, err
			}
		}
		if t.Precision < 1 || t.Precision > maxDecimalPrecision {
			return Type{}, fmt.Errorf("decimal precision %d is outside 1 to %d", t.Precision, maxDecimalPrecision)
		}
		if t.Scale > t.Precision {
			return Type{}, fmt.Errorf("decimal scale %d is greater than its precision %d", t.Scale, t.Precision)
		}
		return t, nil
	case "char", "varchar":
		t := Type{Kind: Char, Length: maxCharLength}
		limit := maxCharLength
		if strings.EqualFold(w, "varchar") {
			t.Kind, limit = Varchar, maxVarcharLength
		}
		if err := p.expect('('); err != nil {
			return Type{}, fmt.Errorf("%s needs a length: %w", t.Kind, err)
		}
		var err error
		if t.Length, err = p.number(); err != nil {
			return Type{}, err
		}
		if err := p.expect(')'); err != nil {
			return Type{}, err
		}
		if t.Length < 1 || t.Length > limit {
			return Type{}, fmt.Errorf("%s length %d is outside 1 to %d", t.Kind, t.Length, limit)
		}
		return t, nil
	case "array":
		if err := p.expect('<'); err != nil {
			return Type{}, err
		}
		elem, err := p.parse(depth + 1)
		if err != nil {
			return Type{}, err
		}
		if err := p.expect('>'); err != nil {
			return Type{}, err
		}
		return Type{Kind: Array, Elem: &elem}, nil
	case "map":
		if err := p.expect('<'); err != nil {
			return Type{}, err
		}
		key, err := p.parse(depth + 1)
		if err != nil {
			return Type{}, err
		}
		switch key.Kind {
		case Array, Map, Struct:
			return Type{}, fmt.Errorf("map key must be a primitive type, not %s", key.Kind)
		}
		if err := p.expect(','); err != nil {
			return Type{}, err
		}
		val, err := p.parse(depth + 1)
		if err != nil {
			return Type{}, err
		}
		if err := p.expect('>'); err != nil {
			return Type{}, err
		}
		return Type{Kind: Map, Key: &key, Elem: &val}, nil
	case "struct":
		if err := p.expect('<'); err != nil {
			return Type{}, err
		}
		t := Type{Kind: Struct}
		seen := map[string]bool{}
		for {
			name := p.word()
			if name == "" {
				return Type{}, fmt.Errorf("expected a field name at offset %d", p.i)
			}
			if seen[strings.ToLower(name)] {
				return Type{}, fmt.Errorf("struct field %q appears twice", name)
			}
			seen[strings.ToLower(name)] = true
			if err := p.expect(':'); err != nil {
				return Type{}, err
			}
			ft, err := p.parse(depth + 1)
			if err != nil {
				return Type{}, err
			}
			t.Fields = append(t.Fields, Field{Name: name, Type: ft})
			if p.accept('>') {
				return t, nil
			}
			if err := p.expect(','); err != nil {
				return Type{}, err
			}
		}
	case "uniontype":
		return Type{}, fmt.Errorf("uniontype is not supported by Firehose record format conversion")
	case "":
		if p.i >= len(p.s) {
			return Type{}, fmt.Errorf("missing type")
		}
		return Type{}, fmt.Errorf("unexpected %q at offset %d", p.s[p.i], p.i)
	default:
		return Type{}, fmt.Errorf("unknown type %q", w)
	}
}
