package csvio

import (
	"encoding/binary"
	"math"
	"math/bits"
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
	if n > 0 && n <= 9 && cap(b) >= 9 {
		neg := b[0] == '-'
		d := b
		if neg || b[0] == '+' {
			d = b[1:]
		}
		if u, ok := smallDigits(d); ok {
			if neg {
				return -int64(u), true, false
			}
			return int64(u), true, false
		}
	}
	if n > 0 && n <= 20 {
		// at most 19 digits cannot overflow uint64: skip the checks
		if c := b[0]; c == '-' || c == '+' {
			i = 1
		}
		if i < n && n-i <= 19 {
			j, u := digitRun(b, i, 0)
			if j == n {
				if b[0] == '-' {
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
		}
		i = 0
	}
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

// parseFloat parses a decimal float as pandas' xstrtod accepts it:
// optional surrounding whitespace, [+-] digits [. digits] [(e|E) [+-]
// digits] with at least one mantissa digit. The result is correctly
// rounded; out-of-range values give ±Inf or ±0 as in pandas.
func parseFloat(b []byte) (float64, bool) {
	n := len(b)
	if n == 0 {
		return 0, false
	}
	if n <= 9 && cap(b) >= 9 {
		if f, ok := smallDecimal(b); ok {
			return f, true
		}
	}
	if n <= 17 {
		if f, ok := simpleDecimal(b); ok {
			return f, true
		}
	}
	if isSpace(b[0]) || isSpace(b[n-1]) {
		b = trimSpace(b)
		n = len(b)
		if n == 0 {
			return 0, false
		}
	}
	i := 0
	neg := false
	if c := b[0]; c == '+' || c == '-' {
		neg = c == '-'
		i = 1
	}
	var mant uint64
	nd, digits, exp10 := 0, 0, 0
	exact := true // every significant digit is in mant
	for ; i < n; i++ {
		d := b[i] - '0'
		if d > 9 {
			break
		}
		digits++
		if mant == 0 && d == 0 {
			continue
		}
		if nd < 19 {
			mant = mant*10 + uint64(d)
			nd++
		} else {
			exact = false
			exp10++
		}
	}
	if i < n && b[i] == '.' {
		for i++; i < n; i++ {
			d := b[i] - '0'
			if d > 9 {
				break
			}
			digits++
			if mant == 0 && d == 0 {
				exp10--
				continue
			}
			if nd < 19 {
				mant = mant*10 + uint64(d)
				nd++
				exp10--
			} else {
				exact = false
			}
		}
	}
	if digits == 0 {
		return 0, false
	}
	if i < n && (b[i] == 'e' || b[i] == 'E') {
		i++
		eneg := false
		if i < n && (b[i] == '+' || b[i] == '-') {
			eneg = b[i] == '-'
			i++
		}
		ed, e := 0, 0
		for ; i < n; i++ {
			d := b[i] - '0'
			if d > 9 {
				break
			}
			ed++
			if e < 1_000_000 {
				e = e*10 + int(d)
			}
		}
		if ed == 0 {
			return 0, false
		}
		if eneg {
			e = -e
		}
		exp10 += e
	}
	if i != n {
		return 0, false
	}
	// Clinger's fast path: an exact mantissa and power of ten, one rounding.
	if exact && mant < 1<<53 && exp10 >= -22 && exp10 <= 22 {
		f := float64(mant)
		if exp10 < 0 {
			f /= pow10tab[-exp10]
		} else {
			f *= pow10tab[exp10]
		}
		if neg {
			f = -f
		}
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

// digitRun consumes the decimal digits of b from i, accumulating them into
// u (the caller bounds the count so that u cannot overflow), eight at a
// time where it can. It returns the position after the digits.
func digitRun(b []byte, i int, u uint64) (int, uint64) {
	for i+8 <= len(b) {
		w := binary.LittleEndian.Uint64(b[i:])
		if w&0xF0F0F0F0F0F0F0F0|(w+0x0606060606060606)&0xF0F0F0F0F0F0F0F0>>4 != 0x3333333333333333 {
			break // not eight digits
		}
		u = u*100000000 + eightDigits(w)
		i += 8
	}
	for ; i < len(b); i++ {
		d := b[i] - '0'
		if d > 9 {
			break
		}
		u = u*10 + uint64(d)
	}
	return i, u
}

// eightDigits converts eight ASCII digits (first digit in the low byte)
// to their value (Lemire's SWAR method).
func eightDigits(w uint64) uint64 {
	w -= 0x3030303030303030
	w = w*10 + w>>8
	return ((w&0x000000FF000000FF)*(100+1000000<<32) + (w>>16&0x000000FF000000FF)*(1+10000<<32)) >> 32
}

const asciiZeros = 0x3030303030303030

// smallDigits parses 1 to 8 ASCII digits at once. It reads 8 bytes, so
// cap(d) must be at least 8 (the bytes after the field belong to the file).
func smallDigits(d []byte) (uint64, bool) {
	n := len(d)
	if n == 0 || n > 8 || cap(d) < 8 {
		return 0, false
	}
	return smallDigits8(binary.LittleEndian.Uint64(d[:8]), n)
}

// smallDecimal parses [+-]digits.digits of at most 8 bytes after the sign
// (one dot, at least one digit) at once; cap(b) must be at least 9.
func smallDecimal(b []byte) (float64, bool) {
	neg := b[0] == '-'
	d := b
	if neg || b[0] == '+' {
		d = b[1:]
	}
	n := len(d)
	if n < 2 || n > 8 || cap(d) < 8 {
		return 0, false
	}
	w := binary.LittleEndian.Uint64(d[:8])
	dots := hasZero(w ^ 0x2e2e2e2e2e2e2e2e)
	if n < 8 {
		dots &= 1<<(uint(n)*8&63) - 1
	}
	if dots == 0 {
		return 0, false
	}
	at := uint(bits.TrailingZeros64(dots)>>3) * 8 & 63 // the dot's bit offset
	// drop the dot: bytes above it move down one place
	low := w & (1<<at - 1)
	high := w >> 8 >> at << at
	m, ok := smallDigits8(low|high, n-1)
	if !ok {
		return 0, false
	}
	f := float64(m)
	if frac := n - 1 - int(at/8); frac > 0 {
		f /= pow10tab[frac]
	}
	if neg {
		f = -f
	}
	return f, true
}

// smallDigits8 is smallDigits on a loaded word holding n digits.
func smallDigits8(w uint64, n int) (uint64, bool) {
	// keep the n digits, right-aligned, with '0's in front (shift < 64)
	shift := uint(8-n) * 8 & 63
	w = w<<shift | asciiZeros&(1<<shift-1)
	if w&0xF0F0F0F0F0F0F0F0|(w+0x0606060606060606)&0xF0F0F0F0F0F0F0F0>>4 != 0x3333333333333333 {
		return 0, false
	}
	return eightDigits(w), true
}

// simpleDecimal parses the common short forms [+-]digits[.digits] exactly
// (at most 17 bytes, so at most 17 digits; the mantissa is checked against
// 2^53). ok is false for anything else, which parseFloat then handles.
func simpleDecimal(b []byte) (float64, bool) {
	i, n := 0, len(b)
	neg := false
	if c := b[0]; c == '-' || c == '+' {
		neg = c == '-'
		i = 1
	}
	s := i
	i, m := digitRun(b, i, 0)
	digits := i - s
	frac := 0
	if i < n && b[i] == '.' {
		fs := i + 1
		i, m = digitRun(b, fs, m)
		frac = i - fs
		digits += frac
	}
	if i != n || digits == 0 || m >= 1<<53 {
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

var pow10tab = [...]float64{1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10,
	1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22}

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
	leap := 0
	if year%4 == 0 && (year%100 != 0 || year%400 == 0) {
		leap = 1
	}
	days := int64(yearStart[year]) + int64(monthStart[leap][mo-1]) + int64(d-1)
	pd.sec = days*86400 + int64(hh)*3600 + int64(mi)*60 + int64(ss)
	return pd, dateOK
}

// yearStart[y] is the day number (since 1970-01-01) of January 1st of
// year y; monthStart[leap][m] the days before month m+1.
var (
	yearStart  [10000]int32
	monthStart = [2][12]int32{
		{0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334},
		{0, 31, 60, 91, 121, 152, 182, 213, 244, 274, 305, 335},
	}
)

func init() {
	for y := range yearStart {
		yearStart[y] = int32(daysFromCivil(y, 1, 1))
	}
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
