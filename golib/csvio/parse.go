package csvio

import (
	"math"
	"strconv"
	"unsafe"
)

// isSpace is pandas' isspace_ascii.
func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'
}

// trimSpace strips isspace_ascii bytes from both ends.
func trimSpace(b []byte) []byte {
	i, n := 0, len(b)
	for i < n && isSpace(b[i]) {
		i++
	}
	for n > i && isSpace(b[n-1]) {
		n--
	}
	return b[i:n]
}

// parseInt parses b as pandas' str_to_int64 does: optional surrounding
// whitespace, an optional sign and at least one decimal digit. overflow is
// true when b is integer syntax but outside int64.
func parseInt(b []byte) (v int64, ok, overflow bool) {
	i, n := 0, len(b)
	if n > 0 && (isSpace(b[0]) || isSpace(b[n-1])) {
		b = trimSpace(b)
		n = len(b)
	}
	if n == 0 {
		return 0, false, false
	}
	neg := false
	if c := b[0]; c == '-' || c == '+' {
		neg = c == '-'
		i = 1
		if n == 1 {
			return 0, false, false
		}
	}
	var u uint64
	big := false
	for ; i < n; i++ {
		d := b[i] - '0'
		if d > 9 {
			return 0, false, false
		}
		if u > (math.MaxUint64-9)/10 {
			big = true
			continue
		}
		u = u*10 + uint64(d)
	}
	if big {
		return 0, false, true
	}
	if neg {
		if u > 1<<63 {
			return 0, false, true
		}
		return -int64(u), true, false
	}
	if u > math.MaxInt64 {
		return 0, false, true
	}
	return int64(u), true, false
}

// floatSyntax reports whether b (already trimmed) is a decimal float as
// pandas' xstrtod accepts it: [+-] digits [. digits] [(e|E) [+-] digits],
// with at least one mantissa digit.
func floatSyntax(b []byte) bool {
	i, n := 0, len(b)
	if n == 0 {
		return false
	}
	if b[0] == '+' || b[0] == '-' {
		i++
	}
	digits := 0
	for i < n && b[i]-'0' <= 9 {
		i++
		digits++
	}
	if i < n && b[i] == '.' {
		i++
		for i < n && b[i]-'0' <= 9 {
			i++
			digits++
		}
	}
	if digits == 0 {
		return false
	}
	if i < n && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < n && (b[i] == '+' || b[i] == '-') {
			i++
		}
		ed := 0
		for i < n && b[i]-'0' <= 9 {
			i++
			ed++
		}
		if ed == 0 {
			return false
		}
	}
	return i == n
}

// parseFloat parses a decimal float (surrounding whitespace allowed),
// correctly rounded. Out-of-range values give ±Inf or ±0 as in pandas.
func parseFloat(b []byte) (float64, bool) {
	if n := len(b); n > 0 && (isSpace(b[0]) || isSpace(b[n-1])) {
		b = trimSpace(b)
	}
	if !floatSyntax(b) {
		return 0, false
	}
	if f, ok := fastFloat(b); ok {
		return f, true
	}
	f, err := strconv.ParseFloat(unsafe.String(unsafe.SliceData(b), len(b)), 64)
	if err != nil {
		if ne, ok := err.(*strconv.NumError); ok && ne.Err == strconv.ErrRange {
			return f, true
		}
		return 0, false
	}
	return f, true
}

var pow10tab = [...]float64{1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10,
	1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22}

// fastFloat handles the common exact case (Clinger's fast path): plain
// [+-]digits[.digits] with at most 15 significant digits and no exponent,
// where mantissa and power of ten are exact doubles and one division or
// multiplication rounds correctly. b is known to be valid float syntax.
func fastFloat(b []byte) (float64, bool) {
	i, n := 0, len(b)
	neg := false
	if b[0] == '+' || b[0] == '-' {
		neg = b[0] == '-'
		i++
	}
	var m uint64
	nd := 0
	frac := 0
	seenDot := false
	for ; i < n; i++ {
		c := b[i]
		if c == '.' {
			seenDot = true
			continue
		}
		d := c - '0'
		if d > 9 {
			return 0, false // exponent: leave it to strconv
		}
		if m == 0 && d == 0 {
			if seenDot {
				frac++
			}
			continue
		}
		nd++
		if nd > 15 {
			return 0, false
		}
		m = m*10 + uint64(d)
		if seenDot {
			frac++
		}
	}
	if frac > 22 {
		return 0, false
	}
	f := float64(m)
	if frac > 0 {
		f /= pow10tab[frac]
	}
	if neg {
		f = -f
	}
	return f, true
}

// isInfWord reports whether b is one of the spellings of infinity pandas
// accepts after its number parser fails (case-insensitive, no whitespace).
func isInfWord(b []byte) bool {
	_, ok := infWord(b)
	return ok
}

func infWord(b []byte) (float64, bool) {
	s := b
	sign := 1.0
	if len(s) > 0 && (s[0] == '+' || s[0] == '-') {
		if s[0] == '-' {
			sign = -1
		}
		s = s[1:]
	}
	if equalFold(s, "inf") || equalFold(s, "infinity") {
		return math.Inf(int(sign)), true
	}
	return 0, false
}

// parseNum is pandas' float conversion of one field: a decimal float or a
// spelling of infinity.
func parseNum(b []byte) (float64, bool) {
	if f, ok := parseFloat(b); ok {
		return f, true
	}
	return infWord(b)
}

// equalFold compares ASCII case-insensitively; t must be lower case.
func equalFold(b []byte, t string) bool {
	if len(b) != len(t) {
		return false
	}
	for i := 0; i < len(b); i++ {
		c := b[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != t[i] {
			return false
		}
	}
	return true
}

// parseBool recognises pandas' boolean words: True/False in any letter case.
func parseBool(b []byte) (v, ok bool) {
	switch len(b) {
	case 4:
		if equalFold(b, "true") {
			return true, true
		}
	case 5:
		if equalFold(b, "false") {
			return false, true
		}
	}
	return false, false
}

// Date parsing: the ISO forms read for parse_dates columns.

// dateClass identifies the layout of an ISO date-time string; pandas infers
// one format from the first value and needs every value to follow it.
type dateClass uint8

const (
	dcDate    dateClass = iota // YYYY-MM-DD
	dcMinute                   // YYYY-MM-DD HH:MM
	dcSecond                   // YYYY-MM-DD HH:MM:SS
	dcFrac                     // YYYY-MM-DD HH:MM:SS.f (1-9 digits)
	dcTFlag   dateClass = 4    // added when the separator is 'T' rather than ' '
	dcUnknown dateClass = 255
)

// dateStatus is the outcome of parsing one value.
type dateStatus uint8

const (
	dateOK    dateStatus = iota
	dateShape            // not one of the supported ISO layouts
	dateRange            // supported layout but not a valid date/time
)

// parsedDate is one parsed value: seconds since the epoch plus nanoseconds.
type parsedDate struct {
	sec, nsec  int64
	fracDigits int
	class      dateClass
}

func digits2(b []byte, i int) (int, bool) {
	d0, d1 := b[i]-'0', b[i+1]-'0'
	if d0 > 9 || d1 > 9 {
		return 0, false
	}
	return int(d0)*10 + int(d1), true
}

// parseISODate parses YYYY-MM-DD[( |T)HH:MM[:SS[.fffffffff]]].
func parseISODate(b []byte) (parsedDate, dateStatus) {
	var pd parsedDate
	n := len(b)
	if n < 10 || b[4] != '-' || b[7] != '-' {
		return pd, dateShape
	}
	y1, ok1 := digits2(b, 0)
	y2, ok2 := digits2(b, 2)
	mo, ok3 := digits2(b, 5)
	d, ok4 := digits2(b, 8)
	if !ok1 || !ok2 || !ok3 || !ok4 {
		return pd, dateShape
	}
	year := y1*100 + y2
	if year == 0 {
		return pd, dateShape
	}
	var hh, mi, ss int
	pd.class = dcDate
	if n > 10 {
		switch b[10] {
		case ' ':
		case 'T':
			pd.class |= dcTFlag
		default:
			return pd, dateShape
		}
		if n < 16 || b[13] != ':' {
			return pd, dateShape
		}
		var okh, okm bool
		hh, okh = digits2(b, 11)
		mi, okm = digits2(b, 14)
		if !okh || !okm {
			return pd, dateShape
		}
		pd.class |= dcMinute
		if n > 16 {
			if n < 19 || b[16] != ':' {
				return pd, dateShape
			}
			var oks bool
			ss, oks = digits2(b, 17)
			if !oks {
				return pd, dateShape
			}
			pd.class = pd.class&dcTFlag | dcSecond
			if n > 19 {
				if b[19] != '.' || n == 20 || n > 29 {
					return pd, dateShape
				}
				pd.class = pd.class&dcTFlag | dcFrac
				var ns int64
				for i := 20; i < n; i++ {
					dd := b[i] - '0'
					if dd > 9 {
						return pd, dateShape
					}
					ns = ns*10 + int64(dd)
				}
				pd.fracDigits = n - 20
				for i := pd.fracDigits; i < 9; i++ {
					ns *= 10
				}
				pd.nsec = ns
			}
		}
	}
	if mo < 1 || mo > 12 || d < 1 || d > daysIn(year, mo) || hh > 23 || mi > 59 || ss > 59 {
		return pd, dateRange
	}
	pd.sec = daysFromCivil(year, mo, d)*86400 + int64(hh)*3600 + int64(mi)*60 + int64(ss)
	return pd, dateOK
}

func daysIn(y, m int) int {
	switch m {
	case 2:
		if y%4 == 0 && (y%100 != 0 || y%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// daysFromCivil returns days since 1970-01-01 of a proleptic Gregorian date
// (H. Hinnant's algorithm).
func daysFromCivil(y, m, d int) int64 {
	if m <= 2 {
		y--
	}
	era := y / 400
	if y < 0 && y%400 != 0 {
		era--
	}
	yoe := y - era*400
	mp := (m + 9) % 12
	doy := (153*mp+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return int64(era)*146097 + int64(doe) - 719468
}

// micros returns the value in microseconds since the epoch (the fraction
// must have at most 6 digits to be exact).
func (pd parsedDate) micros() int64 { return pd.sec*1_000_000 + pd.nsec/1000 }

// nanos returns the value in nanoseconds since the epoch, and false when it
// is outside datetime64[ns]'s range.
func (pd parsedDate) nanos() (int64, bool) {
	const lim = math.MaxInt64 / 1_000_000_000
	if pd.sec > lim || pd.sec < -lim-1 {
		return 0, false
	}
	v := pd.sec * 1_000_000_000
	if pd.nsec > 0 && v > math.MaxInt64-pd.nsec {
		return 0, false
	}
	v += pd.nsec
	if v == math.MinInt64 { // NaT's sentinel is not a valid time
		return 0, false
	}
	return v, true
}

// pyNumber reports whether Python's float() (isFloat) or int() accepts s:
// surrounding whitespace, a sign, and digits that may be grouped by single
// underscores; float() also takes a fraction, an exponent, inf, infinity
// and nan in any case.
func pyNumber(b []byte, isFloat bool) bool {
	b = trimSpace(b)
	if len(b) > 0 && (b[0] == '+' || b[0] == '-') {
		b = b[1:]
	}
	if isFloat && (equalFold(b, "inf") || equalFold(b, "infinity") || equalFold(b, "nan")) {
		return true
	}
	// digits with single underscores between them
	digits := func(i int) (int, int) {
		n := 0
		for i < len(b) {
			if b[i]-'0' <= 9 {
				n++
				i++
			} else if b[i] == '_' && n > 0 && i+1 < len(b) && b[i+1]-'0' <= 9 {
				i++
			} else {
				break
			}
		}
		return i, n
	}
	i, n := digits(0)
	if !isFloat {
		return n > 0 && i == len(b)
	}
	if i < len(b) && b[i] == '.' {
		var m int
		i, m = digits(i + 1)
		n += m
	}
	if n == 0 {
		return false
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		var e int
		i, e = digits(i)
		if e == 0 {
			return false
		}
	}
	return i == len(b)
}

// hasDigit reports whether b holds an ASCII digit.
func hasDigit(b []byte) bool {
	for _, c := range b {
		if c-'0' <= 9 {
			return true
		}
	}
	return false
}
