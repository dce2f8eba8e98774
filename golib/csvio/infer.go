package csvio

// Type inference: per-chunk value statistics of each column, merged across
// chunks, and the decision of each column's dtype as pandas' C parser makes it.

import (
	"fmt"
	"math"
	"strings"
	"unicode/utf8"

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
	chunks, rows, err := t.scan(slots, k, func(ch *chunk) {
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
	s := &ir.Schema{}
	res := &sniffed{schema: s, naFloats: make([]bool, len(t.cols)), rows: rows}
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
