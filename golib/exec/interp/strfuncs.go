package interp

// The .str and .dt accessor functions.

import (
	"bytes"
	"encoding/binary"
	"math"
	"regexp"
	"slices"
	"strings"
	"time"
	"unsafe"

	"github.com/flern/flern/golib/col"
	"github.com/flern/flern/golib/ir"
)

func mapStrings(x *col.Column, f func(string) string) *col.Column {
	b := col.NewStringBuilder(x.N)
	for i := 0; i < x.N; i++ {
		if !x.IsValid(i) {
			b.AppendNull()
			continue
		}
		b.Append(f(x.Str(i)))
	}
	return b.Finish()
}

// strPredicate is str.contains/startswith/endswith as pandas 3 runs them on
// Arrow-backed str columns: RE2 regexes (Go's regexp has RE2's syntax and
// semantics), substring search, and case-insensitive matching by RE2's
// Unicode simple case folding (also for regex=False). Missing values give
// na (False by default).
//
// Options set by the Python API where pandas itself would fall back to
// Python's re module for some data: ascii_only (the pattern uses \w, \d or
// \b, which RE2 reads as ASCII-only) and no_newline (the pattern uses $,
// which Python also matches before a final newline). A row that would take
// that fallback is a NotImplemented error rather than a different answer.
func strPredicate(e *ir.Expr, x *col.Column, n int) (*col.Column, error) {
	pat, _ := e.Opts["pat"].(string)
	caseSens := true
	if v, ok := e.Opts["case"].(bool); ok {
		caseSens = v
	}
	naVal := false
	if v, ok := e.Opts["na"].(bool); ok {
		naVal = v
	}
	asciiOnly, _ := e.Opts["ascii_only"].(bool)
	noNewline, _ := e.Opts["no_newline"].(bool)
	var test func(s string) bool
	var chain *literalMatcher // set when the rows can be found by substring search
	switch e.Name {
	case "str_startswith":
		test = func(s string) bool { return strings.HasPrefix(s, pat) }
	case "str_endswith":
		test = func(s string) bool { return strings.HasSuffix(s, pat) }
	default:
		regex := true
		if v, ok := e.Opts["regex"].(bool); ok {
			regex = v
		}
		switch {
		case regex || !caseSens:
			p := pat
			if !regex {
				p = regexp.QuoteMeta(pat)
			}
			if !caseSens {
				p = "(?i)" + p
			}
			re, err := regexp.Compile(p)
			if err != nil {
				return nil, ir.Errorf("NotImplemented", "str.contains: pattern %q is not supported by flern's regex engine (RE2 syntax): %v", pat, err)
			}
			test = re.MatchString
			if parts, ok := literalChain(p); ok {
				if m, ok := newLiteralMatcher(parts, true); ok {
					chain = m
				} else {
					test = func(s string) bool {
						if strings.IndexByte(s, '\n') >= 0 { // '.' does not match a newline
							return re.MatchString(s)
						}
						return containsInOrder(s, parts)
					}
				}
			}
		default:
			test = func(s string) bool { return strings.Contains(s, pat) }
			chain, _ = newLiteralMatcher([]string{pat}, false)
		}
	}
	out := make([]bool, n)
	if chain != nil && !asciiOnly && !noNewline && x.Type == ir.String {
		chain.mask(x, n, out)
		if x.Valid != nil {
			for i := 0; i < n; i++ {
				if !x.IsValid(i) {
					out[i] = naVal
				}
			}
		}
		return col.NewBool(out), nil
	}
	for i := 0; i < n; i++ {
		if !x.IsValid(i) {
			out[i] = naVal
			continue
		}
		s := x.Str(i)
		if asciiOnly && !isASCII(s) {
			return nil, ir.Errorf("NotImplemented", "str.contains(%q) on non-ASCII text: pandas matches \\w, \\d and \\b with Python's re (Unicode-aware) there", pat)
		}
		if noNewline && strings.Contains(s, "\n") {
			return nil, ir.Errorf("NotImplemented", "str.contains(%q) on text with a newline: pandas matches $ with Python's re there", pat)
		}
		out[i] = test(s)
	}
	return col.NewBool(out), nil
}

// literalChain splits a regex of the form lit(.*lit)* (no other regex
// syntax in the literals) into its literals: on text without a newline it
// matches exactly when the literals occur in order without overlapping
// (containsInOrder), which is much cheaper than running the regex.
func literalChain(p string) ([]string, bool) {
	parts := strings.Split(p, ".*")
	for _, s := range parts {
		if regexp.QuoteMeta(s) != s {
			return nil, false
		}
	}
	return parts, true
}

// containsInOrder reports whether parts occur in s in order, each after
// the end of the one before (leftmost occurrences leave the most room).
func containsInOrder(s string, parts []string) bool {
	for _, p := range parts {
		i := strings.Index(s, p)
		if i < 0 {
			return false
		}
		s = s[i+len(p):]
	}
	return true
}

// literalMatcher finds the rows of a string column that contain literals
// in order (a regex lit(.*lit)*, or one literal of str.contains(regex=False)):
// the same answers as the regex, without running it per row.
type literalMatcher struct {
	parts []string // the non-empty literals, in order
	lines bool     // all on one line: '.*' between them does not match a newline
}

// newLiteralMatcher is the matcher of parts (empty parts, which '.*' makes
// redundant, are dropped); ok is false when it cannot decide alone: a regex
// literal that holds a newline next to a '.*'.
func newLiteralMatcher(parts []string, regex bool) (*literalMatcher, bool) {
	m := &literalMatcher{}
	for _, p := range parts {
		if p != "" {
			m.parts = append(m.parts, p)
		}
	}
	m.lines = regex && len(m.parts) > 1
	if m.lines {
		for _, p := range m.parts {
			if strings.IndexByte(p, '\n') >= 0 {
				return nil, false
			}
		}
	}
	return m, true
}

// match is the matcher's answer for one value.
func (m *literalMatcher) match(s string) bool {
	if !m.lines || strings.IndexByte(s, '\n') < 0 {
		return containsInOrder(s, m.parts)
	}
	for {
		i := strings.IndexByte(s, '\n')
		if i < 0 {
			return containsInOrder(s, m.parts)
		}
		if containsInOrder(s[:i], m.parts) {
			return true
		}
		s = s[i+1:]
	}
}

// matcherSample is how many leading bytes of a column's text pick the byte
// the scan looks for.
const matcherSample = 4096

// mask sets out[i] for the rows i < n of string column x that match (null
// rows are the caller's). Rather than testing every row, it scans the
// column's text buffer for the byte of one literal that is rarest in the
// first matcherSample bytes (memchr speed), and tests only the rows that
// hold that literal: a row without it cannot match.
func (m *literalMatcher) mask(x *col.Column, n int, out []bool) {
	if n == 0 {
		return
	}
	if len(m.parts) == 0 { // "" or ".*": every row
		for i := range out[:n] {
			out[i] = true
		}
		return
	}
	offs, data := x.Offs[:n+1], x.Data
	lo, hi := int(offs[0]), int(offs[n])
	if hi-lo < matcherSample {
		for i := 0; i < n; i++ {
			out[i] = m.match(unsafeStr(data[offs[i]:offs[i+1]]))
		}
		return
	}
	var freq [256]int
	for _, b := range data[lo : lo+matcherSample] {
		freq[b]++
	}
	lit, at := m.parts[0], 0
	for _, p := range m.parts {
		for k := 0; k < len(p); k++ {
			if freq[p[k]] < freq[lit[at]] {
				lit, at = p, k
			}
		}
	}
	rare := lit[at]
	row := 0
	for i := lo + at; i < hi; {
		j := bytes.IndexByte(data[i:hi], rare)
		if j < 0 {
			break
		}
		j += i
		start, end := j-at, j-at+len(lit)
		for row < n && int(offs[row+1]) <= start {
			row++
		}
		if start < int(offs[row]) || end > int(offs[row+1]) || unsafeStr(data[start:end]) != lit {
			i = j + 1
			continue
		}
		out[row] = m.match(unsafeStr(data[offs[row]:offs[row+1]]))
		i = int(offs[row+1]) + at // the next row's
	}
}

// unsafeStr views b as a string (no copy); b must not change while it is used.
func unsafeStr(b []byte) string { return unsafe.String(unsafe.SliceData(b), len(b)) }

// strSlice is pandas' str.slice(start, stop) / str[start:stop]: Python
// slicing of each value's code points (opts start, stop; absent is an open
// end). Missing values stay missing.
func strSlice(e *ir.Expr, x *col.Column) *col.Column {
	start, hasStart := optInt(e.Opts["start"])
	stop, hasStop := optInt(e.Opts["stop"])
	if out := strSliceASCII(x, start, hasStart, stop, hasStop); out != nil {
		return out
	}
	return mapStrings(x, func(s string) string {
		if isASCII(s) {
			lo, hi := pySliceBounds(len(s), start, hasStart, stop, hasStop)
			return s[lo:hi]
		}
		r := []rune(s)
		lo, hi := pySliceBounds(len(r), start, hasStart, stop, hasStop)
		return string(r[lo:hi])
	})
}

// strSliceASCII is strSlice of a string column whose bytes are all ASCII
// (each byte a character): each row's slice of bytes copied into buffers
// sized once (TPC-H q22's country codes of 150K phone numbers); nil when
// some byte is not ASCII.
func strSliceASCII(x *col.Column, start int, hasStart bool, stop int, hasStop bool) *col.Column {
	if x.Type != ir.String || len(x.Offs) < x.N+1 || !asciiBytes(x.Data[x.Offs[0]:x.Offs[x.N]]) {
		return nil
	}
	nulls := x.Valid != nil && x.HasNulls()
	offs := make([]int64, x.N+1)
	total := int64(0)
	for i := 0; i < x.N; i++ {
		if !nulls || x.IsValid(i) {
			lo, hi := pySliceBounds(int(x.Offs[i+1]-x.Offs[i]), start, hasStart, stop, hasStop)
			total += int64(hi - lo)
		}
		offs[i+1] = total
	}
	data := make([]byte, total)
	for i := 0; i < x.N; i++ {
		if offs[i+1] == offs[i] {
			continue
		}
		a := x.Offs[i]
		lo, _ := pySliceBounds(int(x.Offs[i+1]-a), start, hasStart, stop, hasStop)
		copy(data[offs[i]:offs[i+1]], x.Data[a+int64(lo):])
	}
	out := &col.Column{Type: ir.String, N: x.N, Offs: offs, Data: data}
	if nulls {
		out.Valid = slices.Clone(x.Valid)
	}
	return out
}

// asciiBytes reports whether every byte of b is below 0x80, eight at a time.
func asciiBytes(b []byte) bool {
	for len(b) >= 8 {
		if binary.LittleEndian.Uint64(b)&0x8080808080808080 != 0 {
			return false
		}
		b = b[8:]
	}
	for _, c := range b {
		if c >= 0x80 {
			return false
		}
	}
	return true
}

// optInt reads an integer option (JSON numbers decode as float64 or int64).
func optInt(v any) (int, bool) {
	switch x := v.(type) {
	case float64:
		return int(x), true
	case int64:
		return int(x), true
	case int:
		return x, true
	}
	return 0, false
}

// pySliceBounds clamps a Python slice [start:stop] (step 1) of a length-n
// sequence to 0 <= lo <= hi <= n.
func pySliceBounds(n, start int, hasStart bool, stop int, hasStop bool) (int, int) {
	norm := func(i int) int {
		if i < 0 {
			i += n
			if i < 0 {
				i = 0
			}
		}
		if i > n {
			i = n
		}
		return i
	}
	lo, hi := 0, n
	if hasStart {
		lo = norm(start)
	}
	if hasStop {
		hi = norm(stop)
	}
	if hi < lo {
		hi = lo
	}
	return lo, hi
}

func dtField(fn string, x *col.Column, t ir.DType, n int) (*col.Column, error) {
	if f := dtClockField(fn, x.Type); f != nil {
		return dtFieldWith(f, x, t, n, fn)
	}
	get := func(i int) int64 {
		v := x.I64[i]
		var tm time.Time
		if x.Type == ir.DatetimeNS {
			tm = time.Unix(0, v).UTC()
		} else {
			tm = time.UnixMicro(v).UTC()
		}
		switch fn {
		case "dt_year":
			return int64(tm.Year())
		case "dt_month":
			return int64(tm.Month())
		case "dt_hour":
			return int64(tm.Hour())
		case "dt_minute":
			return int64(tm.Minute())
		case "dt_second":
			return int64(tm.Second())
		case "dt_dayofweek": // Monday = 0, as pandas
			return int64((tm.Weekday() + 6) % 7)
		case "dt_dayofyear":
			return int64(tm.YearDay())
		case "dt_quarter":
			return int64((tm.Month()-1)/3 + 1)
		}
		return int64(tm.Day())
	}
	if t.IsFloat() {
		if !x.HasNulls() {
			return nil, errNoMissing("."+strings.Replace(fn, "_", ".", 1), "int32")
		}
		out := make([]float64, n)
		for i := 0; i < n; i++ {
			if !x.IsValid(i) {
				out[i] = math.NaN()
			} else {
				out[i] = float64(get(i))
			}
		}
		return col.NewFloat64(out), nil
	}
	out := make([]int64, n)
	for i := 0; i < n; i++ {
		out[i] = get(i)
	}
	return &col.Column{Type: t, N: n, I64: out}, nil
}

// dtClockField returns, for the fields that depend only on the time of day
// and the day count (hour, minute, second, dayofweek), their value computed
// arithmetically from the epoch count (UTC: floor division by the day, the
// remainder for the clock; 1970-01-01 was a Thursday, 3 with Monday = 0),
// equal to the time package's for every int64; nil for the others.
func dtClockField(fn string, t ir.DType) func(v int64) int64 {
	// The units are constants in each function, so the divisions compile
	// to multiplications (a division by a variable costs ~40 cycles).
	if t == ir.DatetimeNS {
		switch fn {
		case "dt_hour":
			return func(v int64) int64 { _, r := daySplitNS(v); return r / (3600 * 1e9) }
		case "dt_minute":
			return func(v int64) int64 { _, r := daySplitNS(v); return r / (60 * 1e9) % 60 }
		case "dt_second":
			return func(v int64) int64 { _, r := daySplitNS(v); return r / 1e9 % 60 }
		case "dt_dayofweek":
			return func(v int64) int64 { d, _ := daySplitNS(v); return weekdayOf(d) }
		}
		return nil
	}
	switch fn {
	case "dt_hour":
		return func(v int64) int64 { _, r := daySplitUS(v); return r / (3600 * 1e6) }
	case "dt_minute":
		return func(v int64) int64 { _, r := daySplitUS(v); return r / (60 * 1e6) % 60 }
	case "dt_second":
		return func(v int64) int64 { _, r := daySplitUS(v); return r / 1e6 % 60 }
	case "dt_dayofweek":
		return func(v int64) int64 { d, _ := daySplitUS(v); return weekdayOf(d) }
	}
	return nil
}

// DtClockField is dtClockField for the runtime's fast paths.
func DtClockField(fn string, t ir.DType) func(v int64) int64 { return dtClockField(fn, t) }

// daySplitUS splits a microsecond epoch count into days (floor) and the
// remainder within the day; daySplitNS is the same for nanoseconds.
func daySplitUS(v int64) (d, r int64) {
	const day = 86400 * 1e6
	d, r = v/day, v%day
	if r < 0 {
		d, r = d-1, r+day
	}
	return d, r
}

func daySplitNS(v int64) (d, r int64) {
	const day = 86400 * 1e9
	d, r = v/day, v%day
	if r < 0 {
		d, r = d-1, r+day
	}
	return d, r
}

// weekdayOf is the weekday (Monday = 0) of day d since 1970-01-01, a Thursday.
func weekdayOf(d int64) int64 {
	w := (d + 3) % 7 // d + 3 cannot overflow: d is at most MaxInt64 / 86400e6
	if w < 0 {
		w += 7
	}
	return w
}

// dtFieldWith is dtField with the field function f.
func dtFieldWith(f func(int64) int64, x *col.Column, t ir.DType, n int, fn string) (*col.Column, error) {
	if t.IsFloat() {
		if !x.HasNulls() {
			return nil, errNoMissing("."+strings.Replace(fn, "_", ".", 1), "int32")
		}
		out := make([]float64, n)
		for i := 0; i < n; i++ {
			if !x.IsValid(i) {
				out[i] = math.NaN()
			} else {
				out[i] = float64(f(x.I64[i]))
			}
		}
		return col.NewFloat64(out), nil
	}
	out := make([]int64, n)
	for i, v := range x.I64[:n] {
		out[i] = f(v)
	}
	return &col.Column{Type: t, N: n, I64: out}, nil
}

// errNoMissing is the error for a result typed float64 because its input
// may hold missing values, when this data holds none: pandas decides by the
// data and would return what.
func errNoMissing(what, pandasType string) error {
	return ir.Errorf("NotImplemented", "%s of a column that may hold missing values but holds none here (pandas returns %s then, flern's plan float64)", what, pandasType)
}

// DtClockFieldFloats writes clock field fn of each value of vs (a datetime
// column of type t without nulls) into out as float64, as DtClockField
// computes it; false when fn is not a clock field. hour and dayofweek,
// the fields features use, run in loops of their own (no call per value).
func DtClockFieldFloats(fn string, t ir.DType, vs []int64, out []float64) bool {
	return DtClockFieldFloatsThen(fn, t, vs, out, nil)
}

// DtClockFieldFloatsThen is DtClockFieldFloats with then (when not nil)
// applied to each value written: then(float64(field)). For sorted or
// clustered times hour and dayofweek compute it once per hour or day, not
// per row (dt.hour / 23.0: no division a row).
func DtClockFieldFloatsThen(fn string, t ir.DType, vs []int64, out []float64, then func(float64) float64) bool {
	if then == nil {
		then = func(v float64) float64 { return v }
	}
	switch {
	case t == ir.DatetimeUS && fn == "dt_hour":
		// times after 1970 (the usual case) in unsigned arithmetic: the
		// divisions by constants become plain multiplications, without the
		// signed fix-ups; earlier ones the floored way. A time in the same
		// hour as the last one computed (sorted or clustered times: flights'
		// rows are in time order) reuses its value without dividing.
		const hour = 3600 * 1e6
		lo, hi, hv := int64(1), int64(0), 0.0 // the last hour computed: [lo, hi) -> hv
		for i, v := range vs {
			if v >= lo && v < hi {
				out[i] = hv
				continue
			}
			if v >= 0 {
				h := uint64(v) / hour
				lo, hi, hv = int64(h*hour), int64(h*hour)+hour, then(float64(h%24))
				out[i] = hv
				continue
			}
			_, r := daySplitUS(v)
			out[i] = then(float64(r / hour))
		}
	case t == ir.DatetimeUS && fn == "dt_dayofweek":
		const day = 86400 * 1e6
		lo, hi, dv := int64(1), int64(0), 0.0 // the last day computed (as dt_hour's hour)
		for i, v := range vs {
			if v >= lo && v < hi {
				out[i] = dv
				continue
			}
			if v >= 0 {
				d := uint64(v) / day
				lo, hi, dv = int64(d*day), int64(d*day)+day, then(float64((d+3)%7))
				out[i] = dv
				continue
			}
			d, _ := daySplitUS(v)
			out[i] = then(float64(weekdayOf(d)))
		}
	case t == ir.DatetimeNS && fn == "dt_hour":
		for i, v := range vs {
			_, r := daySplitNS(v)
			out[i] = then(float64(r / (3600 * 1e9)))
		}
	case t == ir.DatetimeNS && fn == "dt_dayofweek":
		for i, v := range vs {
			d, _ := daySplitNS(v)
			out[i] = then(float64(weekdayOf(d)))
		}
	default:
		f := dtClockField(fn, t)
		if f == nil {
			return false
		}
		for i, v := range vs {
			out[i] = then(float64(f(v)))
		}
	}
	return true
}
