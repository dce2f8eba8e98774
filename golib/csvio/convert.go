package csvio

import (
	"fmt"
	"math"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/flern/flern/golib/col"
	"github.com/flern/flern/golib/ir"
)

// Value classes of type inference.
const (
	clNA     = iota // an NA string
	clInt           // integer within int64
	clIntBig        // integer syntax outside int64
	clFloat         // other float syntax, or a spelling of infinity
	clBool          // True/False in any case
	clOther         // anything else: the column is str
	nClasses
)

// colStats summarises one column of a chunk (rows local to the chunk) or,
// merged, of the whole file (global rows). Every "first" field is a row
// number, -1 when there is none.
type colStats struct {
	first [nClasses]int
	// Only for dtype= overrides:
	firstFrac      int // a float the int target cannot hold exactly
	firstIntOut    int // an integer outside the int32 target's range
	firstNot01     int // a number other than 0 and 1 (bool target)
	firstNoPyInt   int // a non-NA value Python's int() rejects
	firstNoPyFloat int // a non-NA value Python's float() rejects
	// The first non-NA value that is not an int64: pandas' int parser stops
	// there, and when it is an overflowing integer pandas goes on with
	// uint64 or Python ints (and may keep NA strings as text).
	firstNonInt    int
	firstNonIntBig bool
	// UTF-8 validity of str values.
	firstBadUTF8 int
	badUTF8Off   int
	// parse_dates columns.
	dClass        dateClass // layout of the first value (dcUnknown: none)
	dInconsistent bool      // some value has another layout
	dNeedNS       bool      // some value has more than 6 fraction digits
	dFirstValue   int       // the first value that is not missing
	dFirstBad     bool      // ... and it is neither a valid ISO value nor an NA spelling
	dFirstWord    int       // a value without digits (never matches a date format)
	dFirstShape   int       // another value that is not a supported ISO layout
	dFirstRange   int       // a supported layout but an invalid date or time
	dFirstNSOut   int       // a value outside datetime64[ns]'s range
	dFirstNaT     int       // a missing value (NA string or NaT spelling)
	dFirstNaTWord int       // a NaT spelling that is not an NA string
}

func newStats() colStats {
	s := colStats{firstFrac: -1, firstIntOut: -1, firstNot01: -1, firstNoPyInt: -1, firstNoPyFloat: -1, firstNonInt: -1, firstBadUTF8: -1,
		dClass: dcUnknown, dFirstValue: -1, dFirstWord: -1, dFirstNaTWord: -1, dFirstShape: -1, dFirstRange: -1, dFirstNSOut: -1, dFirstNaT: -1}
	for i := range s.first {
		s.first[i] = -1
	}
	return s
}

func setFirst(p *int, r int) {
	if *p < 0 {
		*p = r
	}
}

func mergeFirst(g *int, c, offset int) {
	if *g < 0 && c >= 0 {
		*g = c + offset
	}
}

// merge folds a chunk's statistics (chunks in file order) into g.
func (g *colStats) merge(c *colStats, offset int) {
	for i := range g.first {
		mergeFirst(&g.first[i], c.first[i], offset)
	}
	mergeFirst(&g.firstFrac, c.firstFrac, offset)
	mergeFirst(&g.firstIntOut, c.firstIntOut, offset)
	mergeFirst(&g.firstNot01, c.firstNot01, offset)
	mergeFirst(&g.firstNoPyInt, c.firstNoPyInt, offset)
	if g.firstNonInt < 0 && c.firstNonInt >= 0 {
		g.firstNonInt, g.firstNonIntBig = c.firstNonInt+offset, c.firstNonIntBig
	}
	mergeFirst(&g.firstNoPyFloat, c.firstNoPyFloat, offset)
	if g.dFirstValue < 0 && c.dFirstValue >= 0 {
		g.dFirstValue, g.dFirstBad = c.dFirstValue+offset, c.dFirstBad
	}
	mergeFirst(&g.dFirstWord, c.dFirstWord, offset)
	if g.firstBadUTF8 < 0 && c.firstBadUTF8 >= 0 {
		g.firstBadUTF8, g.badUTF8Off = c.firstBadUTF8+offset, c.badUTF8Off
	}
	if c.dClass != dcUnknown {
		if g.dClass == dcUnknown {
			g.dClass = c.dClass
		} else if g.dClass != c.dClass {
			g.dInconsistent = true
		}
	}
	g.dInconsistent = g.dInconsistent || c.dInconsistent
	g.dNeedNS = g.dNeedNS || c.dNeedNS
	mergeFirst(&g.dFirstShape, c.dFirstShape, offset)
	mergeFirst(&g.dFirstRange, c.dFirstRange, offset)
	mergeFirst(&g.dFirstNSOut, c.dFirstNSOut, offset)
	mergeFirst(&g.dFirstNaT, c.dFirstNaT, offset)
	mergeFirst(&g.dFirstNaTWord, c.dFirstNaTWord, offset)
}

// isNaTWord reports the extra missing-value spellings of a date column.
func isNaTWord(b []byte) bool {
	switch len(b) {
	case 0:
		return true
	case 3:
		s := string(b)
		for _, w := range natStrings {
			if s == w {
				return true
			}
		}
	}
	return false
}

// isNAWord reports whether b is one of pandas' default NA spellings
// without digits (kept as text when keep_default_na=False): no date parser
// accepts them.
func isNAWord(b []byte) bool {
	if hasDigit(b) || len(b) == 0 {
		return false
	}
	s := string(b)
	for _, w := range defaultNA {
		if s == w {
			return true
		}
	}
	return false
}

// classify computes the statistics of column j of a chunk.
func classify(data []byte, spans []span, k, j, nrows int, quote byte, c *colSpec, st *colStats, scratch *[]byte) {
	na := c.na
	if c.date {
		for r, at := 0, j; r < nrows; r, at = r+1, at+k {
			var b []byte
			if sp := spans[at]; sp.s >= 0 {
				b = data[sp.s:sp.e]
			} else {
				b = field(data, sp, quote, scratch)
			}
			if na.isNA(b) {
				setFirst(&st.first[clNA], r)
				setFirst(&st.dFirstNaT, r)
				continue
			}
			if isNaTWord(b) {
				setFirst(&st.dFirstNaT, r)
				setFirst(&st.dFirstNaTWord, r)
				continue
			}
			pd, status := parseISODate(b)
			// Whether a value that is no ISO date defeats pandas too: a value
			// without digits never matches the format pandas infers from
			// the first value; as the first value only an NA spelling
			// (kept as text) surely defeats every format.
			word := false
			if status == dateShape {
				s := string(b)
				word = !hasDigit(b) && s != "now" && s != "today"
			}
			if st.dFirstValue < 0 {
				st.dFirstValue, st.dFirstBad = r, status == dateShape && !isNAWord(b)
			}
			switch status {
			case dateShape:
				if word {
					setFirst(&st.dFirstWord, r)
				} else {
					setFirst(&st.dFirstShape, r)
				}
			case dateRange:
				setFirst(&st.dFirstRange, r)
			default:
				if st.dClass == dcUnknown {
					st.dClass = pd.class
				} else if pd.class != st.dClass {
					st.dInconsistent = true
				}
				if pd.fracDigits > 6 {
					st.dNeedNS = true
				}
				if _, ok := pd.nanos(); !ok {
					setFirst(&st.dFirstNSOut, r)
				}
			}
		}
		return
	}
	detailed := c.target != ir.Invalid
	intLo := int64(math.MinInt64)
	if c.target == ir.Int32 {
		intLo = math.MinInt32
	}
	intHi := -(intLo + 1)
	fLo, fHi := float64(intLo), -float64(intLo) // the int target holds [fLo, fHi)
	numericNA := na.numeric
	other := false
	for r, at := 0, j; r < nrows; r, at = r+1, at+k {
		var b []byte
		if sp := spans[at]; sp.s >= 0 {
			b = data[sp.s:sp.e]
		} else {
			b = field(data, sp, quote, scratch)
		}
		if other && !detailed {
			// The column is str: only missing values and UTF-8 matter.
			if na.isNA(b) {
				setFirst(&st.first[clNA], r)
			} else if st.firstBadUTF8 < 0 && !utf8.Valid(b) {
				st.firstBadUTF8, st.badUTF8Off = r, invalidUTF8At(b)
			}
			continue
		}
		cls := clOther
		if numericNA && na.isNA(b) {
			cls = clNA
		} else if v, ok, ovf := parseInt(b); ok {
			cls = clInt
			if detailed {
				if v < intLo || v > intHi {
					setFirst(&st.firstIntOut, r)
				}
				if v != 0 && v != 1 {
					setFirst(&st.firstNot01, r)
				}
			}
		} else if ovf {
			cls = clIntBig
			if detailed {
				setFirst(&st.firstNot01, r)
			}
		} else if f, ok := parseNum(b); ok {
			cls = clFloat
			if detailed {
				if f != math.Trunc(f) || f < fLo || f >= fHi {
					setFirst(&st.firstFrac, r)
				}
				if f != 0 && f != 1 {
					setFirst(&st.firstNot01, r)
				}
			}
		} else if !numericNA && na.isNA(b) {
			cls = clNA
		} else if _, ok := parseBool(b); ok {
			cls = clBool
		}
		setFirst(&st.first[cls], r)
		if st.firstNonInt < 0 && cls != clNA && cls != clInt {
			st.firstNonInt, st.firstNonIntBig = r, cls == clIntBig
		}
		if detailed && cls != clNA {
			if cls != clInt && cls != clIntBig && st.firstNoPyInt < 0 && !pyNumber(b, false) {
				st.firstNoPyInt = r
			}
			if cls != clInt && cls != clIntBig && cls != clFloat && st.firstNoPyFloat < 0 && !pyNumber(b, true) {
				st.firstNoPyFloat = r
			}
		}
		if cls == clOther {
			other = true
			if st.firstBadUTF8 < 0 && !utf8.Valid(b) {
				st.firstBadUTF8, st.badUTF8Off = r, invalidUTF8At(b)
			}
		}
	}
}

// colErr is an inference error at a row; valueMark in msg is replaced by
// the offending value.
type colErr struct {
	row     int
	kind    string
	msg     string
	badUTF8 bool
	bare    bool // insert the value as is rather than as a Python repr
}

const valueMark = "\x00"

func minRow(rows ...int) int {
	m := -1
	for _, r := range rows {
		if r >= 0 && (m < 0 || r < m) {
			m = r
		}
	}
	return m
}

// decide turns a column's statistics into its schema field, or an error.
func decide(c *colSpec, st *colStats, rows int) (ir.Field, *colErr) {
	f := ir.Field{Name: c.name}
	has := func(cl int) bool { return st.first[cl] >= 0 }
	numeric := has(clInt) || has(clIntBig) || has(clFloat)
	mixed := has(clOther) || (has(clBool) && numeric) // pandas' object path
	if rows == 0 {
		f.Type = ir.String // object
		if c.target != ir.Invalid && !c.inherited {
			f.Type = c.target
		}
		return f, nil
	}
	badUTF8 := func() *colErr {
		return &colErr{row: st.firstBadUTF8, kind: "Parse", badUTF8: true}
	}
	if c.date {
		shape := st.dFirstShape
		if st.dFirstBad && (shape < 0 || st.dFirstValue < shape) {
			// pandas infers the format from the first value; csvio cannot
			shape = st.dFirstValue
		}
		onlyNA := st.dFirstValue < 0 && st.dFirstNaTWord < 0
		switch {
		case onlyNA && c.target.IsInt():
			// pandas applies dtype= first; it only succeeds when nothing
			// but NA strings is there
			return f, &colErr{row: st.first[clNA], kind: "Value", msg: fmt.Sprintf("Integer column has NA values in column %d", c.index)}
		case onlyNA && c.target == ir.Bool:
			return f, &colErr{row: st.first[clNA], kind: "Value", msg: fmt.Sprintf("Bool column has NA values in column %d", c.index)}
		case shape >= 0:
			return f, &colErr{row: shape, kind: "Parse", msg: fmt.Sprintf("parse_dates column %q: cannot parse "+valueMark+" as a date: csvio reads only the ISO layouts YYYY-MM-DD[( |T)HH:MM[:SS[.fraction]]] (pandas would try other formats or keep the column as str)", c.name)}
		case st.dInconsistent || st.dFirstRange >= 0 || st.dFirstWord >= 0 || (st.dNeedNS && st.dFirstNSOut >= 0):
			// pandas cannot convert the whole column and keeps the strings
			f.Type, f.Nullable = ir.String, has(clNA)
		case st.dClass == dcUnknown:
			f.Type, f.Nullable = ir.DatetimeUS, true
		case st.dNeedNS:
			f.Type, f.Nullable = ir.DatetimeNS, st.dFirstNaT >= 0
		default:
			f.Type, f.Nullable = ir.DatetimeUS, st.dFirstNaT >= 0
		}
		return f, nil
	}
	idx := c.index
	if c.target.IsFloat() && has(clIntBig) && st.firstNonIntBig {
		// pandas' conversion then depends on uint64 / Python-int retries
		return f, &colErr{row: st.first[clIntBig], kind: "NotImplemented", msg: fmt.Sprintf("column %q holds the integer "+valueMark+", outside int64, before any other non-integer value; dtype=%s conversion of such a column is not supported", c.name, c.dtype), bare: true}
	}
	if c.target.IsInt() && has(clIntBig) && st.firstNonIntBig {
		return f, &colErr{row: st.first[clIntBig], kind: "Value", msg: fmt.Sprintf("Overflow: %s does not fit in %s", valueMark, c.target), bare: true}
	}
	switch c.target {
	case ir.Invalid:
		switch {
		case !numeric && !has(clBool) && !has(clOther):
			f.Type = ir.Float64 // all missing
		case has(clIntBig) && st.firstNonIntBig:
			// pandas retries the column as uint64 or Python ints; only a
			// column with text and no NA ends up plain str for sure
			if has(clNA) || !(has(clOther) || has(clBool)) {
				return f, &colErr{row: st.first[clIntBig], kind: "NotImplemented", msg: fmt.Sprintf("column %q holds the integer "+valueMark+", outside int64 (pandas would read the column as uint64 or Python ints, or keep its NA strings as text)", c.name), bare: true}
			}
			f.Type = ir.String
		case mixed:
			if st.firstBadUTF8 >= 0 {
				return f, badUTF8()
			}
			f.Type, f.Nullable = ir.String, has(clNA)
		case has(clBool):
			f.Type, f.Nullable = ir.Bool, has(clNA)
		case has(clFloat) || has(clIntBig) || has(clNA):
			// (an overflowing integer after a float parses as a float)
			f.Type = ir.Float64
		default:
			f.Type = ir.Int64
		}
		return f, nil
	case ir.Int64, ir.Int32:
		f.Type = c.target
		tn := c.target.String()
		switch {
		case mixed:
			// pandas converts the strings with Python's int()
			bad := []int{st.first[clNA], st.firstNoPyInt, st.first[clIntBig]}
			if c.target == ir.Int32 {
				bad = append(bad, st.firstIntOut)
			}
			row := minRow(bad...)
			switch row {
			case -1:
				return f, &colErr{row: st.first[clOther], kind: "Value", msg: fmt.Sprintf("cannot safely convert passed user dtype of %s for object dtyped data in column %d", tn, idx)}
			case st.first[clNA]:
				return f, &colErr{row: row, kind: "Value", msg: "cannot convert float NaN to integer"}
			case st.firstNoPyInt:
				return f, &colErr{row: row, kind: "Value", msg: "invalid literal for int() with base 10: " + valueMark}
			case st.first[clIntBig]:
				return f, &colErr{row: row, kind: "Value", msg: fmt.Sprintf("Overflow: %s does not fit in %s", valueMark, tn), bare: true}
			default:
				return f, &colErr{row: row, kind: "Value", msg: "Python integer " + valueMark + " out of bounds for int32", bare: true}
			}
		case has(clBool):
			if has(clNA) {
				return f, &colErr{row: st.first[clNA], kind: "Value", msg: fmt.Sprintf("cannot safely convert passed user dtype of %s for <class 'numpy.bool'> dtyped data in column %d due to NA values", tn, idx)}
			}
		case has(clIntBig):
			return f, &colErr{row: st.first[clIntBig], kind: "Value", msg: fmt.Sprintf("Overflow: %s does not fit in %s", valueMark, tn), bare: true}
		case !has(clFloat):
			if has(clNA) {
				return f, &colErr{row: st.first[clNA], kind: "Value", msg: fmt.Sprintf("Integer column has NA values in column %d", idx)}
			}
			if st.firstIntOut >= 0 {
				return f, &colErr{row: st.firstIntOut, kind: "Value", msg: fmt.Sprintf("cannot safely convert passed user dtype of %s for int64 dtyped data in column %d", tn, idx)}
			}
		default:
			if row := minRow(st.first[clNA], st.firstFrac, st.firstIntOut); row >= 0 {
				return f, &colErr{row: row, kind: "Value", msg: fmt.Sprintf("cannot safely convert passed user dtype of %s for float64 dtyped data in column %d", tn, idx)}
			}
		}
		return f, nil
	case ir.Float64, ir.Float32:
		f.Type = c.target
		if mixed {
			// pandas converts the strings with Python's float()
			if st.firstNoPyFloat >= 0 {
				return f, &colErr{row: st.firstNoPyFloat, kind: "Value", msg: "could not convert string to float: " + valueMark}
			}
			return f, &colErr{row: st.first[clOther], kind: "Value", msg: fmt.Sprintf("cannot safely convert passed user dtype of %s for object dtyped data in column %d", c.target, idx)}
		}
		return f, nil
	case ir.Bool:
		f.Type = ir.Bool
		objMsg := fmt.Sprintf("cannot safely convert passed user dtype of bool for object dtyped data in column %d", idx)
		switch {
		case mixed:
			row := st.first[clOther]
			if row < 0 {
				row = max(st.first[clBool], minRow(st.first[clInt], st.first[clIntBig], st.first[clFloat]))
			}
			return f, &colErr{row: row, kind: "Value", msg: objMsg}
		case !numeric:
			if has(clNA) {
				return f, &colErr{row: st.first[clNA], kind: "Value", msg: fmt.Sprintf("Bool column has NA values in column %d", idx)}
			}
		case has(clIntBig):
			return f, &colErr{row: st.first[clIntBig], kind: "Value", msg: objMsg}
		case !has(clFloat):
			if row := minRow(st.first[clNA], st.firstNot01); row >= 0 {
				return f, &colErr{row: row, kind: "Value", msg: fmt.Sprintf("cannot safely convert passed user dtype of bool for int64 dtyped data in column %d", idx)}
			}
		default:
			if row := minRow(st.first[clNA], st.firstNot01); row >= 0 {
				return f, &colErr{row: row, kind: "Value", msg: fmt.Sprintf("cannot safely convert passed user dtype of bool for float64 dtyped data in column %d", idx)}
			}
		}
		return f, nil
	case ir.String:
		if st.firstBadUTF8 >= 0 {
			return f, badUTF8()
		}
		f.Type, f.Nullable = ir.String, has(clNA)
		return f, nil
	}
	return f, &colErr{row: 0, kind: "NotImplemented", msg: fmt.Sprintf("dtype %s is not supported", c.dtype)}
}

// sniffData infers the schema of a file's contents.
func sniffData(o *options, data []byte) (*sniffed, error) {
	t, err := prepare(o, data)
	if err != nil {
		return nil, err
	}
	k := len(t.cols)
	slots := t.newSlots()
	for j, c := range t.cols {
		slots[c.index] = int32(j)
	}
	chunks, err := t.scan(slots, k, func(ch *chunk) {
		ch.stats = make([]colStats, k)
		var scratch []byte
		for j := range t.cols {
			ch.stats[j] = newStats()
			classify(t.data, ch.r.spans, k, j, ch.r.nrows, t.o.quote, &t.cols[j], &ch.stats[j], &scratch)
		}
	})
	if err != nil {
		return nil, err
	}
	if err := t.checkNames(chunks); err != nil {
		return nil, err
	}
	rows := 0
	for _, ch := range chunks {
		rows += ch.r.nrows
	}
	s := &ir.Schema{}
	res := &sniffed{schema: s, naFloats: make([]bool, len(t.cols))}
	for j := range t.cols {
		c := &t.cols[j]
		g := newStats()
		for _, ch := range chunks {
			g.merge(&ch.stats[j], ch.rowsBefore)
		}
		f, cerr := decide(c, &g, rows)
		if cerr != nil {
			val, line := t.valueAt(chunks, cerr.row, c.index)
			if cerr.badUTF8 {
				return nil, ir.Errorf("Parse", "%s (column %q, line %d)", utf8Message(val, g.badUTF8Off), c.name, line)
			}
			v := pyRepr(val)
			if cerr.bare {
				v = quoteValue(val)
			}
			msg := strings.Replace(cerr.msg, valueMark, v, 1)
			return nil, ir.Errorf(cerr.kind, "%s (column %q, line %d)", msg, c.name, line)
		}
		s.Fields = append(s.Fields, f)
		res.naFloats[j] = c.target.IsFloat() || (c.target == ir.Invalid && g.first[clFloat] >= 0)
	}
	return res, nil
}

// quoteValue renders a field value for a message.
func quoteValue(b []byte) string {
	if utf8.Valid(b) {
		return string(b)
	}
	return fmt.Sprintf("%q", b)
}

// pyRepr quotes a value as Python's repr() of a str does (pandas' messages
// show values that way).
func pyRepr(b []byte) string {
	s := string(b)
	q := byte('\'')
	if strings.IndexByte(s, '\'') >= 0 && strings.IndexByte(s, '"') < 0 {
		q = '"'
	}
	var out strings.Builder
	out.WriteByte(q)
	for _, r := range s {
		switch {
		case r == '\\':
			out.WriteString(`\\`)
		case r == rune(q):
			out.WriteByte('\\')
			out.WriteByte(q)
		case r == '\n':
			out.WriteString(`\n`)
		case r == '\r':
			out.WriteString(`\r`)
		case r == '\t':
			out.WriteString(`\t`)
		case r == utf8.RuneError:
			out.WriteString(`\ufffd`)
		case r < 0x20 || r == 0x7f:
			fmt.Fprintf(&out, `\x%02x`, r)
		default:
			out.WriteRune(r)
		}
	}
	out.WriteByte(q)
	return out.String()
}

// piece is the converted part of one column in one chunk.
type piece struct {
	n     int
	i64   []int64
	f64   []float64
	b     []bool
	offs  []int64 // n+1 offsets into data, from 0
	data  []byte
	valid []byte // nil: no nulls
}

func (p *piece) setNull(r int) {
	if p.valid == nil {
		p.valid = col.NewBitmap(p.n, true)
	}
	col.SetBit(p.valid, r, false)
}

// convert converts column j of a chunk to typ. Values were validated by
// Sniff; a failure means the file changed in between.
func convert(data []byte, spans []span, k, j, nrows int, quote byte, c *colSpec, typ ir.DType, scratch *[]byte) (piece, *rowErr) {
	p := piece{n: nrows}
	na := c.na
	fail := func(r int, b []byte) *rowErr {
		return &rowErr{row: r, kind: "Internal", msg: fmt.Sprintf("the CSV file changed after its schema was inferred: column %q has %s, which is not %s", c.name, quoteValue(b), typ)}
	}
	switch typ {
	case ir.Int64, ir.Int32:
		out := make([]int64, nrows)
		for r, at := 0, j; r < nrows; r, at = r+1, at+k {
			var b []byte
			if sp := spans[at]; sp.s >= 0 {
				b = data[sp.s:sp.e]
			} else {
				b = field(data, sp, quote, scratch)
			}
			var v int64
			var ok bool
			if u, small := smallDigits(b); small {
				v, ok = int64(u), true // the common case, without a call chain
			} else {
				v, ok, _ = parseInt(b)
			}
			if !ok {
				if f, okf := parseNum(b); okf && f == math.Trunc(f) && f >= -(1<<63) && f < 1<<63 {
					v = int64(f)
				} else if bv, okb := parseBool(b); okb {
					v = 0
					if bv {
						v = 1
					}
				} else {
					return p, fail(r, b)
				}
			}
			out[r] = v
		}
		p.i64 = out
	case ir.Float64, ir.Float32:
		out := make([]float64, nrows)
		numericNA := na.numeric
		naFloats := c.naFloats && len(na.floats) > 0
		nan := math.NaN()
		for r, at := 0, j; r < nrows; r, at = r+1, at+k {
			var b []byte
			if sp := spans[at]; sp.s >= 0 {
				b = data[sp.s:sp.e]
			} else {
				b = field(data, sp, quote, scratch)
			}
			if numericNA && na.isNA(b) {
				out[r] = nan
				continue
			}
			var f float64
			var ok bool
			if len(b) <= 9 && cap(b) >= 9 && len(b) > 0 {
				f, ok = smallDecimal(b)
			}
			if !ok {
				f, ok = parseNum(b)
			}
			if !ok {
				if !numericNA && na.isNA(b) {
					f = nan
				} else if bv, okb := parseBool(b); okb && c.target != ir.Invalid {
					f = 0
					if bv {
						f = 1
					}
				} else {
					return p, fail(r, b)
				}
			} else if naFloats && na.isNAFloat(f) {
				f = nan
			}
			if typ == ir.Float32 {
				f = float64(float32(f))
			}
			out[r] = f
		}
		p.f64 = out
	case ir.Bool:
		out := make([]bool, nrows)
		for r, at := 0, j; r < nrows; r, at = r+1, at+k {
			var b []byte
			if sp := spans[at]; sp.s >= 0 {
				b = data[sp.s:sp.e]
			} else {
				b = field(data, sp, quote, scratch)
			}
			if na.isNA(b) {
				p.setNull(r)
				continue
			}
			v, ok := parseBool(b)
			if !ok {
				f, okf := parseNum(b)
				if !okf || c.target == ir.Invalid {
					return p, fail(r, b)
				}
				v = f != 0
			}
			out[r] = v
		}
		p.b = out
	case ir.String:
		size := 0
		for r := 0; r < nrows; r++ {
			sp := spans[r*k+j]
			if sp.s >= 0 {
				size += sp.e - sp.s
			} else {
				size += sp.e - ^sp.s
			}
		}
		offs := make([]int64, nrows+1)
		buf := make([]byte, 0, size)
		for r, at := 0, j; r < nrows; r, at = r+1, at+k {
			var b []byte
			if sp := spans[at]; sp.s >= 0 {
				b = data[sp.s:sp.e]
			} else {
				b = field(data, sp, quote, scratch)
			}
			if na.isNA(b) {
				p.setNull(r)
			} else {
				buf = append(buf, b...)
			}
			offs[r+1] = int64(len(buf))
		}
		if !utf8.Valid(buf) {
			for r := 0; r < nrows; r++ {
				if v := buf[offs[r]:offs[r+1]]; !utf8.Valid(v) {
					return p, fail(r, v)
				}
			}
		}
		p.offs, p.data = offs, buf
	case ir.DatetimeUS, ir.DatetimeNS:
		out := make([]int64, nrows)
		for r, at := 0, j; r < nrows; r, at = r+1, at+k {
			var b []byte
			if sp := spans[at]; sp.s >= 0 {
				b = data[sp.s:sp.e]
			} else {
				b = field(data, sp, quote, scratch)
			}
			if na.isNA(b) || isNaTWord(b) {
				p.setNull(r)
				continue
			}
			pd, status := parseISODate(b)
			if status != dateOK {
				return p, fail(r, b)
			}
			if typ == ir.DatetimeNS {
				v, ok := pd.nanos()
				if !ok {
					return p, fail(r, b)
				}
				out[r] = v
			} else {
				out[r] = pd.micros()
			}
		}
		p.i64 = out
	default:
		return p, &rowErr{row: 0, kind: "Internal", msg: fmt.Sprintf("csvio cannot produce dtype %s", typ)}
	}
	return p, nil
}

// concat joins a column's pieces (in file order) into one column.
func concat(typ ir.DType, pieces []*piece, total int) *col.Column {
	c := &col.Column{Type: typ, N: total}
	anyNull := false
	for _, p := range pieces {
		if p.valid != nil {
			anyNull = true
		}
	}
	if anyNull {
		c.Valid = col.NewBitmap(total, true)
		off := 0
		for _, p := range pieces {
			if p.valid != nil {
				for i := 0; i < p.n; i++ {
					if p.valid[i>>3] != 0xff && !col.GetBit(p.valid, i) {
						col.SetBit(c.Valid, off+i, false)
					}
				}
			}
			off += p.n
		}
	}
	switch typ {
	case ir.Int64, ir.Int32, ir.DatetimeUS, ir.DatetimeNS:
		c.I64 = joinSlices(pieces, total, func(p *piece) []int64 { return p.i64 })
	case ir.Float64, ir.Float32:
		c.F64 = joinSlices(pieces, total, func(p *piece) []float64 { return p.f64 })
	case ir.Bool:
		c.B = joinSlices(pieces, total, func(p *piece) []bool { return p.b })
	case ir.String:
		if len(pieces) == 1 {
			c.Offs, c.Data = pieces[0].offs, pieces[0].data
			break
		}
		size := 0
		for _, p := range pieces {
			size += len(p.data)
		}
		c.Offs = make([]int64, 1, total+1)
		c.Data = make([]byte, 0, size)
		for _, p := range pieces {
			base := int64(len(c.Data))
			for _, o := range p.offs[1:] {
				c.Offs = append(c.Offs, base+o)
			}
			c.Data = append(c.Data, p.data...)
		}
	}
	if typ == ir.String {
		if c.Offs == nil {
			c.Offs = []int64{0}
		}
		if c.Data == nil {
			c.Data = []byte{}
		}
	}
	return c
}

func joinSlices[T any](pieces []*piece, total int, get func(*piece) []T) []T {
	if len(pieces) == 1 {
		if s := get(pieces[0]); s != nil {
			return s
		}
	}
	out := make([]T, 0, total)
	for _, p := range pieces {
		out = append(out, get(p)...)
	}
	return out
}

// readData materializes the columns of want from a file's contents; full
// is the file's schema (from Sniff).
func readData(o *options, data []byte, sn *sniffed, want *ir.Schema) (*col.Frame, error) {
	t, err := prepare(o, data)
	if err != nil {
		return nil, err
	}
	full := sn.schema
	if len(full.Fields) != len(t.cols) {
		return nil, ir.Errorf("Internal", "the CSV file %s changed after its schema was inferred", o.path)
	}
	for j := range t.cols {
		t.cols[j].naFloats = sn.naFloats[j]
	}
	byName := map[string]int{}
	for j, c := range t.cols {
		byName[c.name] = j
	}
	slots := t.newSlots()
	var need []int // table column of each slot
	slotOf := make([]int, len(want.Fields))
	for i, f := range want.Fields {
		j, ok := byName[f.Name]
		if !ok {
			return nil, ir.Errorf("ColumnNotFound", "column %q not in %s", f.Name, o.path)
		}
		if ft := full.Fields[j].Type; ft != f.Type {
			return nil, ir.Errorf("Internal", "column %q of %s is %s, but %s was asked for", f.Name, o.path, ft, f.Type)
		}
		idx := t.cols[j].index
		if slots[idx] < 0 {
			slots[idx] = int32(len(need))
			need = append(need, j)
		}
		slotOf[i] = int(slots[idx])
	}
	k := len(need)
	chunks, err := t.scan(slots, k, func(ch *chunk) {
		ch.pieces = make([]piece, k)
		var scratch []byte
		for s, j := range need {
			p, e := convert(t.data, ch.r.spans, k, s, ch.r.nrows, t.o.quote, &t.cols[j], full.Fields[j].Type, &scratch)
			if e != nil {
				ch.err = e
				return
			}
			ch.pieces[s] = p
		}
	})
	if err != nil {
		return nil, err
	}
	if err := t.checkNames(chunks); err != nil {
		return nil, err
	}
	total := 0
	for _, ch := range chunks {
		total += ch.r.nrows
	}
	cols := make([]*col.Column, k)
	join := func(s int) {
		ps := make([]*piece, 0, len(chunks))
		for _, ch := range chunks {
			ps = append(ps, &ch.pieces[s])
		}
		if len(ps) == 0 {
			ps = append(ps, &piece{})
		}
		cols[s] = concat(full.Fields[need[s]].Type, ps, total)
	}
	if len(chunks) > 1 && k > 1 {
		// columns are joined independently: in parallel
		var wg sync.WaitGroup
		for s := range need {
			wg.Add(1)
			go func() {
				defer wg.Done()
				join(s)
			}()
		}
		wg.Wait()
	} else {
		for s := range need {
			join(s)
		}
	}
	fr := &col.Frame{N: total}
	for i, f := range want.Fields {
		fr.Names = append(fr.Names, f.Name)
		fr.Cols = append(fr.Cols, cols[slotOf[i]])
	}
	return fr, nil
}
