package csvio

import (
	"fmt"
	"math"
	"math/big"
	"sort"
	"strconv"
	"strings"

	"github.com/flern/flern/golib/col"
	"github.com/flern/flern/golib/ir"
)

// defaultNA is pandas' STR_NA_VALUES: the strings read_csv treats as missing
// unless keep_default_na=False.
var defaultNA = []string{"", "#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan",
	"1.#IND", "1.#QNAN", "<NA>", "N/A", "NA", "NULL", "NaN", "None", "n/a", "nan", "null"}

// natStrings are the extra spellings pd.to_datetime reads as NaT in a
// parse_dates column (on top of the column's NA strings).
var natStrings = []string{"", "NaT", "nat", "NAT", "nan", "NaN", "NAN"}

// options are the decoded scan_csv attributes.
type options struct {
	// dropPages: the data is a read-only file mapping whose pages
	// may be released once converted (set by Read, not an attribute).
	dropPages bool
	// keys: the scan's key filters worth testing (set by Read, filter.go).
	keys       []col.KeyFilter
	path       string
	sep, quote byte
	header     bool     // the first record is a header row
	names      []string // explicit column names (nil: from the header)
	hasUsecols bool
	usecols    []string
	naDefault  *naMatcher            // NA strings of columns without their own list
	naPerCol   map[string]*naMatcher // na_values given as {column: [...]}
	dtypeAll   string                // dtype given as one string for every column
	dtypes     map[string]string     // dtype given per column
	parseDates []string
	key        string // canonical encoding of the schema-affecting attrs
	// filter is the predicate pushed into the scan (attribute "filter",
	// set by the optimizer): only the rows where it is true are produced.
	filter *ir.Expr
}

// parseOptions decodes and validates attrs.
func parseOptions(attrs ir.Attrs) (*options, error) {
	o := &options{path: attrs.Str("path"), sep: ',', quote: '"', header: true}
	if o.path == "" {
		return nil, ir.Errorf("Value", "read_csv: no path given")
	}
	if v, ok := attrs["sep"]; ok && v != nil {
		s, _ := v.(string)
		switch {
		case len(s) != 1:
			return nil, ir.Errorf("NotImplemented", "read_csv: sep=%q: only a single one-byte separator is supported (pandas would use its python engine)", s)
		case s == "\n" || s == "\r":
			return nil, ir.Errorf("Value", "read_csv: sep=%q: the separator cannot be a line terminator", s)
		}
		o.sep = s[0]
	}
	if v, ok := attrs["quotechar"]; ok && v != nil {
		s, _ := v.(string)
		if len(s) != 1 || s[0] >= 0x80 {
			return nil, ir.Errorf("NotImplemented", "read_csv: quotechar=%q: only a single ASCII quote character is supported", s)
		}
		o.quote = s[0]
	}
	if o.quote == o.sep || o.quote == '\n' || o.quote == '\r' {
		return nil, ir.Errorf("Value", "read_csv: quotechar %q conflicts with the separator or a line terminator", string(o.quote))
	}
	if v, ok := attrs["names"]; ok && v != nil {
		names, err := stringList(attrs, "names")
		if err != nil {
			return nil, err
		}
		seen := map[string]bool{}
		for _, n := range names {
			if seen[n] {
				return nil, ir.Errorf("Value", "Duplicate names are not allowed.")
			}
			seen[n] = true
		}
		o.names = names
		if o.names == nil {
			o.names = []string{}
		}
	}
	switch h := attrs["header"].(type) {
	case nil:
		// pandas' header="infer": a header row unless names are given.
		o.header = o.names == nil
	case bool:
		o.header = h
	case float64:
		if h != 0 {
			return nil, ir.Errorf("NotImplemented", "read_csv: header=%v: only header=0 or header=None is supported", h)
		}
		o.header = true
	default:
		return nil, ir.Errorf("NotImplemented", "read_csv: unsupported header=%v", h)
	}
	if !o.header && o.names == nil {
		return nil, ir.Errorf("NotImplemented", "read_csv: header=None without names (pandas numbers the columns 0..n-1) is not supported; pass names")
	}
	if v, ok := attrs["usecols"]; ok && v != nil {
		u, err := stringList(attrs, "usecols")
		if err != nil {
			return nil, err
		}
		o.hasUsecols, o.usecols = true, u
	}
	keepDefault := attrs.Bool("keep_default_na", true)
	var naList []string
	switch v := attrs["na_values"].(type) {
	case nil:
	case string:
		naList = []string{v}
	case map[string]any:
		o.naPerCol = map[string]*naMatcher{}
		for col, x := range v {
			list, err := anyStrings(x, "na_values")
			if err != nil {
				return nil, err
			}
			o.naPerCol[col] = newNAMatcher(keepDefault, list)
		}
	default:
		list, err := anyStrings(v, "na_values")
		if err != nil {
			return nil, err
		}
		naList = list
	}
	o.naDefault = newNAMatcher(keepDefault, naList)
	switch v := attrs["dtype"].(type) {
	case nil:
	case string:
		o.dtypeAll = v
		if _, err := dtypeOf(v); err != nil {
			return nil, err
		}
	case map[string]any:
		o.dtypes = map[string]string{}
		for col, x := range v {
			s, ok := x.(string)
			if !ok {
				return nil, ir.Errorf("Value", "read_csv: dtype for column %q must be a string, got %v", col, x)
			}
			if _, err := dtypeOf(s); err != nil {
				return nil, err
			}
			o.dtypes[col] = s
		}
	default:
		return nil, ir.Errorf("Value", "read_csv: dtype must be a string or a mapping, got %T", v)
	}
	if v, ok := attrs["parse_dates"]; ok && v != nil {
		if b, isBool := v.(bool); isBool {
			if b {
				return nil, ir.Errorf("NotImplemented", "read_csv: parse_dates=True (parse the index) is not supported")
			}
		} else {
			pd, err := stringList(attrs, "parse_dates")
			if err != nil {
				return nil, err
			}
			o.parseDates = pd
		}
	}
	o.key = cacheKeyOf(attrs)
	o.filter = attrs.Expr("filter")
	return o, nil
}

// dtypeOf maps a dtype= spelling to the DType read_csv produces for it.
func dtypeOf(s string) (ir.DType, error) {
	switch s {
	case "int64", "int":
		return ir.Int64, nil
	case "int32":
		return ir.Int32, nil
	case "float64", "float", "double":
		return ir.Float64, nil
	case "float32":
		return ir.Float32, nil
	case "bool":
		return ir.Bool, nil
	case "str", "string", "object", "O":
		return ir.String, nil
	}
	if strings.HasPrefix(s, "datetime64") {
		return ir.Invalid, ir.Errorf("Type", "the dtype %s is not supported for parsing, pass this column using parse_dates instead", s)
	}
	return ir.Invalid, ir.Errorf("NotImplemented", "read_csv: dtype %q is not supported", s)
}

// stringList reads attribute k as a list of strings, rejecting other items.
func stringList(attrs ir.Attrs, k string) ([]string, error) {
	return anyStrings(attrs[k], k)
}

func anyStrings(v any, what string) ([]string, error) {
	switch x := v.(type) {
	case []string:
		return x, nil
	case string:
		return []string{x}, nil
	case []any:
		out := make([]string, 0, len(x))
		for _, e := range x {
			switch s := e.(type) {
			case string:
				out = append(out, s)
			case float64:
				if what != "na_values" {
					return nil, ir.Errorf("NotImplemented", "read_csv: %s must list column names, got %v", what, e)
				}
				out = append(out, pyFloatStr(s))
			default:
				return nil, ir.Errorf("NotImplemented", "read_csv: %s must list strings, got %v", what, e)
			}
		}
		return out, nil
	}
	return nil, ir.Errorf("Value", "read_csv: %s must be a list, got %T", what, v)
}

// pyFloatStr spells a JSON number the way Python's str() spells the value
// the front end most likely passed (an int when integral).
func pyFloatStr(f float64) string {
	if f == math.Trunc(f) && math.Abs(f) < 1e18 {
		return strconv.FormatInt(int64(f), 10)
	}
	return strconv.FormatFloat(f, 'g', -1, 64)
}

// cacheKeyOf encodes the attributes that affect the schema, canonically.
func cacheKeyOf(attrs ir.Attrs) string {
	var b strings.Builder
	for _, k := range []string{"path", "sep", "quotechar", "header", "names", "usecols", "na_values", "keep_default_na", "dtype", "parse_dates"} {
		b.WriteString(k)
		b.WriteByte('=')
		writeCanon(&b, attrs[k])
		b.WriteByte(';')
	}
	return b.String()
}

func writeCanon(b *strings.Builder, v any) {
	switch x := v.(type) {
	case nil:
		b.WriteString("null")
	case string:
		b.WriteString(strconv.Quote(x))
	case bool:
		b.WriteString(strconv.FormatBool(x))
	case float64:
		b.WriteString(strconv.FormatFloat(x, 'g', -1, 64))
	case []string:
		b.WriteByte('[')
		for _, e := range x {
			b.WriteString(strconv.Quote(e))
			b.WriteByte(',')
		}
		b.WriteByte(']')
	case []any:
		b.WriteByte('[')
		for _, e := range x {
			writeCanon(b, e)
			b.WriteByte(',')
		}
		b.WriteByte(']')
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		b.WriteByte('{')
		for _, k := range keys {
			b.WriteString(strconv.Quote(k))
			b.WriteByte(':')
			writeCanon(b, x[k])
			b.WriteByte(',')
		}
		b.WriteByte('}')
	default:
		fmt.Fprintf(b, "%T:%v", v, v)
	}
}

// naMatcher recognises a column's NA strings. Strings of up to 8 bytes are
// compared as packed integers in per-length buckets; longer ones go through
// a map.
type naMatcher struct {
	first   [256]bool // some NA string starts with this byte
	empty   bool      // "" is NA
	short   [9][]uint64
	long    map[string]struct{}
	lenMask uint64 // bit n: some NA string has length n (bit 63: length >= 63)
	// numeric is true when some NA string parses as a number, so numeric
	// converters must test for NA before parsing.
	numeric bool
	// floats are pandas' na_fvalues: numbers that are NA in float columns.
	floats []float64
}

func newNAMatcher(keepDefault bool, user []string) *naMatcher {
	m := &naMatcher{}
	var all []string
	if keepDefault {
		all = append(all, defaultNA...)
	}
	for _, s := range user {
		all = append(all, stringifyNA(s)...)
		if f, ok := pyFloat(s); ok && !math.IsNaN(f) {
			m.floats = append(m.floats, f)
		}
	}
	for _, s := range all {
		m.add(s)
	}
	return m
}

// stringifyNA mirrors pandas' _stringify_na_values: "999" also matches
// "999.0", and "1e3" also matches "1000" and "1000.0".
func stringifyNA(s string) []string {
	out := []string{s}
	if f, ok := pyFloat(s); ok && !math.IsInf(f, 0) && !math.IsNaN(f) && f == math.Trunc(f) {
		i := new(big.Float).SetFloat64(f).Text('f', 0)
		if i == "-0" {
			i = "0"
		}
		out = append(out, i+".0", i)
	}
	return out
}

// pyFloat approximates Python's float(s) for NA bookkeeping.
func pyFloat(s string) (float64, bool) {
	t := strings.TrimSpace(s)
	switch strings.ToLower(strings.TrimLeft(t, "+-")) {
	case "inf", "infinity":
		if strings.HasPrefix(t, "-") {
			return math.Inf(-1), true
		}
		return math.Inf(1), true
	case "nan":
		return math.NaN(), true
	}
	return parseFloat([]byte(t))
}

func (m *naMatcher) add(s string) {
	n := len(s)
	if n == 0 {
		m.empty = true
	} else {
		m.first[s[0]] = true
	}
	if n >= 63 {
		m.lenMask |= 1 << 63
	} else {
		m.lenMask |= 1 << uint(n)
	}
	if n <= 8 {
		m.short[n] = append(m.short[n], pack([]byte(s)))
	} else {
		if m.long == nil {
			m.long = map[string]struct{}{}
		}
		m.long[s] = struct{}{}
	}
	b := []byte(s)
	if _, ok, ovf := parseInt(b); ok || ovf {
		m.numeric = true
	}
	if _, ok := parseFloat(b); ok {
		m.numeric = true
	}
	if isInfWord(b) {
		m.numeric = true
	}
}

// pack loads up to 8 bytes little-endian into an integer.
func pack(b []byte) uint64 {
	var v uint64
	for i := len(b) - 1; i >= 0; i-- {
		v = v<<8 | uint64(b[i])
	}
	return v
}

// isNA reports whether b is one of the NA strings.
func (m *naMatcher) isNA(b []byte) bool {
	if len(b) == 0 {
		return m.empty
	}
	if !m.first[b[0]] {
		return false
	}
	return m.isNASlow(b)
}

func (m *naMatcher) isNASlow(b []byte) bool {
	n := len(b)
	bit := uint(n)
	if n >= 63 {
		bit = 63
	}
	if m.lenMask&(1<<bit) == 0 {
		return false
	}
	if n <= 8 {
		v := pack(b)
		for _, w := range m.short[n] {
			if w == v {
				return true
			}
		}
		return false
	}
	_, ok := m.long[string(b)]
	return ok
}

// isNAFloat reports whether a parsed float is one of na_fvalues.
func (m *naMatcher) isNAFloat(f float64) bool {
	for _, g := range m.floats {
		if f == g {
			return true
		}
	}
	return false
}

// naFor returns the NA matcher of a column.
func (o *options) naFor(col string) *naMatcher {
	if m, ok := o.naPerCol[col]; ok {
		return m
	}
	return o.naDefault
}

// dtypeFor returns the dtype= spelling that applies to a column ("" if none).
func (o *options) dtypeFor(col string) string {
	if d, ok := o.dtypes[col]; ok {
		return d
	}
	return o.dtypeAll
}
