// Package col holds flern's in-memory columnar data: typed columns with
// validity bitmaps, and frames (named columns plus pandas-style index levels).
// Layouts match Apache Arrow's so data imported through the Arrow C Data
// Interface is used in place, without copies.
package col

import (
	"fmt"
	"math"
	"sync"
	"sync/atomic"

	"github.com/flern/flern/golib/ir"
)

// Column is one typed column. Exactly one data slice is used, chosen by Type:
//
//	Int64, Int32, Datetime*: I64     Float64, Float32: F64     Bool: B
//	String: Offs (len N+1) + Data (UTF-8 bytes), as Arrow large_string
//
// Valid is a validity bitmap (LSB first, as Arrow); nil means all valid.
// Float64 columns use NaN for missing values and normally have Valid == nil.
type Column struct {
	Type  ir.DType
	N     int
	I64   []int64
	F64   []float64
	B     []bool
	Offs  []int64
	Data  []byte
	Valid []byte
	// Keep holds objects that own memory this column aliases (e.g. an
	// imported Arrow array) so they stay alive as long as the column does.
	Keep any
	// Lookup, when set, is a column not materialized (I64 and F64 nil): row
	// r is Lookup's value Codes[r]. The runtime's lookup joins and the
	// Parquet scan's dictionary-coded columns (a scan's `lookups`) make such
	// columns, for readers that take them (golib/exec: the split stage's
	// producers, row-local projects, whole-column statistics); every other
	// reader gets Materialize's.
	Lookup *Lookup
}

// Lookup is a lazily gathered int64 (or datetime), float64 or string
// column: row r is I64[Codes[r]] (or F64[Codes[r]], or row Codes[r] of Str,
// a string column without nulls); no value is null (a float's NaN is a
// value). Its materialization is made once and kept (Materialize).
type Lookup struct {
	Codes []int32
	I64   []int64
	F64   []float64
	Str   *Column
	// Numbered: the codes are value numbers in first-occurrence order over
	// exactly these rows, every number held by a row (a scan's string
	// lookup: parquetio.lookupStrings), so the values are the column's
	// distinct values in unique()'s order. A lookup made from another (a
	// gather of some of its rows) is not numbered.
	Numbered bool

	mu  sync.Mutex
	mat atomic.Pointer[Column]
}

// Bytes is the size of l's codes and values, and of its materialization
// when made.
func (l *Lookup) Bytes() int64 {
	b := int64(4*len(l.Codes) + 8*(len(l.I64)+len(l.F64)))
	if l.Str != nil {
		b += int64(8*len(l.Str.Offs) + len(l.Str.Data))
	}
	if m := l.mat.Load(); m != nil {
		b += int64(8*(len(m.I64)+len(m.F64)+len(m.Offs)) + len(m.Data))
	}
	return b
}

// GatherCodes writes dst[i] = vals[codes[i]] for every i < len(dst).
func GatherCodes[T any](dst, vals []T, codes []int32) {
	for i, k := range codes[:len(dst)] {
		dst[i] = vals[k]
	}
}

// Missing is, per value of l, whether it is a missing value (1: a float's
// NaN, a null string) or not (0); nil when none is (an int or datetime
// lookup holds no null). A row is missing where its code's entry is 1.
func (l *Lookup) Missing() []uint8 {
	var na []uint8
	mark := func(k, n int) {
		if na == nil {
			na = make([]uint8, n)
		}
		na[k] = 1
	}
	for k, x := range l.F64 {
		if x != x {
			mark(k, len(l.F64))
		}
	}
	if l.Str != nil && l.Str.Valid != nil {
		for k := 0; k < l.Str.N; k++ {
			if !l.Str.IsValid(k) {
				mark(k, l.Str.N)
			}
		}
	}
	return na
}

// GatherI64 writes rows [lo, lo+len(dst)) of the looked-up int64 column.
func (l *Lookup) GatherI64(dst []int64, lo int) { GatherCodes(dst, l.I64, l.Codes[lo:]) }

// GatherF64 writes rows [lo, lo+len(dst)) of the looked-up float64 column.
func (l *Lookup) GatherF64(dst []float64, lo int) { GatherCodes(dst, l.F64, l.Codes[lo:]) }

// Materialize is c itself, or, for a Lookup column, a new column holding
// its values.
func (c *Column) Materialize() *Column {
	if c.Lookup == nil {
		return c
	}
	l := c.Lookup
	if m := l.mat.Load(); m != nil && m.Type == c.Type && m.N == c.N {
		return m
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if m := l.mat.Load(); m != nil && m.Type == c.Type && m.N == c.N {
		return m
	}
	out := &Column{Type: c.Type, N: c.N, Keep: c.Keep}
	if l.Str != nil {
		out.Offs = Uninit[int64](c.N + 1)
		out.Offs[0] = 0
		so := l.Str.Offs
		var pos int64
		for i, k := range l.Codes[:c.N] {
			pos += so[k+1] - so[k]
			out.Offs[i+1] = pos
		}
		out.Data = Uninit[byte](int(pos))
		for i, k := range l.Codes[:c.N] {
			copy(out.Data[out.Offs[i]:out.Offs[i+1]], l.Str.Data[so[k]:so[k+1]])
		}
	} else if l.F64 != nil {
		out.F64 = Uninit[float64](c.N)
		l.GatherF64(out.F64, 0)
	} else {
		out.I64 = Uninit[int64](c.N)
		l.GatherI64(out.I64, 0)
	}
	l.mat.Store(out)
	return out
}

// HasLookup reports whether some column of f is a Lookup column.
func (f *Frame) HasLookup() bool {
	for _, c := range f.Cols {
		if c.Lookup != nil {
			return true
		}
	}
	return false
}

// Materialized is f, or a copy of it with its Lookup columns materialized.
func (f *Frame) Materialized() *Frame {
	if !f.HasLookup() {
		return f
	}
	g := *f
	g.Cols = make([]*Column, len(f.Cols))
	for i, c := range f.Cols {
		g.Cols[i] = c.Materialize()
	}
	return &g
}

// Len returns the number of rows.
func (c *Column) Len() int { return c.N }

// IsValid reports whether row i is not null (NaN floats count as valid here;
// use IsNA for pandas' notion of missing).
func (c *Column) IsValid(i int) bool {
	return c.Valid == nil || c.Valid[i>>3]&(1<<(uint(i)&7)) != 0
}

// IsNA reports pandas' isna(): null, or NaN in a float column.
func (c *Column) IsNA(i int) bool {
	if !c.IsValid(i) {
		return true
	}
	return c.Type.IsFloat() && math.IsNaN(c.F64[i])
}

// Str returns row i of a String column (no copy).
func (c *Column) Str(i int) string {
	b := c.Data[c.Offs[i]:c.Offs[i+1]]
	return unsafeString(b)
}

// StrBytes returns row i of a String column as bytes (no copy).
func (c *Column) StrBytes(i int) []byte { return c.Data[c.Offs[i]:c.Offs[i+1]] }

// HasNulls reports whether any row is null in the validity bitmap.
func (c *Column) HasNulls() bool {
	if c.Valid == nil {
		return false
	}
	for i := 0; i < c.N; i++ {
		if !c.IsValid(i) {
			return true
		}
	}
	return false
}

// NewBitmap returns a bitmap of n bits, all set to v.
func NewBitmap(n int, v bool) []byte {
	b := make([]byte, (n+7)/8)
	if v {
		for i := range b {
			b[i] = 0xff
		}
	}
	return b
}

// SetBit sets bit i of bitmap b to v.
func SetBit(b []byte, i int, v bool) {
	if v {
		b[i>>3] |= 1 << (uint(i) & 7)
	} else {
		b[i>>3] &^= 1 << (uint(i) & 7)
	}
}

// GetBit reads bit i of bitmap b.
func GetBit(b []byte, i int) bool { return b[i>>3]&(1<<(uint(i)&7)) != 0 }

// NewInt64, NewFloat64, NewBool, NewDatetime wrap slices as columns.
func NewInt64(v []int64) *Column     { return &Column{Type: ir.Int64, N: len(v), I64: v} }
func NewFloat64(v []float64) *Column { return &Column{Type: ir.Float64, N: len(v), F64: v} }
func NewBool(v []bool) *Column       { return &Column{Type: ir.Bool, N: len(v), B: v} }
func NewDatetime(t ir.DType, v []int64, valid []byte) *Column {
	return &Column{Type: t, N: len(v), I64: v, Valid: valid}
}

// NewStrings builds a String column from Go strings; valid may be nil.
func NewStrings(v []string, valid []byte) *Column {
	b := NewStringBuilder(len(v))
	for i, s := range v {
		if valid != nil && !GetBit(valid, i) {
			b.AppendNull()
		} else {
			b.Append(s)
		}
	}
	return b.Finish()
}

// StringBuilder appends strings into Arrow large_string layout.
type StringBuilder struct {
	offs  []int64
	data  []byte
	valid []byte
	nulls bool
	n     int
}

// NewStringBuilder preallocates for n rows.
func NewStringBuilder(n int) *StringBuilder {
	return &StringBuilder{offs: append(make([]int64, 0, n+1), 0)}
}

func (b *StringBuilder) grow() {
	if b.n%8 == 0 {
		b.valid = append(b.valid, 0)
	}
}

// Append adds a non-null string.
func (b *StringBuilder) Append(s string) {
	b.grow()
	SetBit(b.valid, b.n, true)
	b.data = append(b.data, s...)
	b.offs = append(b.offs, int64(len(b.data)))
	b.n++
}

// AppendBytes adds a non-null string given as bytes.
func (b *StringBuilder) AppendBytes(s []byte) {
	b.grow()
	SetBit(b.valid, b.n, true)
	b.data = append(b.data, s...)
	b.offs = append(b.offs, int64(len(b.data)))
	b.n++
}

// AppendNull adds a null.
func (b *StringBuilder) AppendNull() {
	b.grow()
	b.nulls = true
	b.offs = append(b.offs, int64(len(b.data)))
	b.n++
}

// Finish returns the built column.
func (b *StringBuilder) Finish() *Column {
	c := &Column{Type: ir.String, N: b.n, Offs: b.offs, Data: b.data}
	if b.data == nil {
		c.Data = []byte{}
	}
	if b.nulls {
		c.Valid = b.valid
	}
	return c
}

// Take returns the rows of c at the given positions (a gather). A negative
// position yields a null (for float64: NaN; int64 callers must promote first).
func (c *Column) Take(idx []int) *Column {
	if c.Lookup != nil && len(idx) > 0 {
		c = c.Materialize()
	}
	n := len(idx)
	out := &Column{Type: c.Type, N: n}
	var valid []byte
	anyNull := false
	setNull := func(i int) {
		if valid == nil {
			valid = NewBitmap(n, true)
		}
		SetBit(valid, i, false)
		anyNull = true
	}
	switch c.Type {
	case ir.Int64, ir.Int32, ir.DatetimeUS, ir.DatetimeNS:
		out.I64 = make([]int64, n)
		for i, j := range idx {
			if j < 0 || !c.IsValid(j) {
				setNull(i)
				continue
			}
			out.I64[i] = c.I64[j]
		}
	case ir.Float64, ir.Float32:
		out.F64 = make([]float64, n)
		for i, j := range idx {
			if j < 0 {
				out.F64[i] = math.NaN()
				continue
			}
			if !c.IsValid(j) {
				setNull(i)
				continue
			}
			out.F64[i] = c.F64[j]
		}
	case ir.Bool:
		out.B = make([]bool, n)
		for i, j := range idx {
			if j < 0 || !c.IsValid(j) {
				setNull(i)
				continue
			}
			out.B[i] = c.B[j]
		}
	case ir.String:
		// sized first (offsets and lengths), then each string copied once
		out.Offs = make([]int64, n+1)
		total := int64(0)
		for i, j := range idx {
			if j < 0 || !c.IsValid(j) {
				setNull(i)
			} else {
				total += c.Offs[j+1] - c.Offs[j]
			}
			out.Offs[i+1] = total
		}
		out.Data = make([]byte, total)
		for i, j := range idx {
			if a := out.Offs[i]; out.Offs[i+1] > a {
				copy(out.Data[a:out.Offs[i+1]], c.Data[c.Offs[j]:c.Offs[j+1]])
			}
		}
	default:
		panic(fmt.Sprintf("col.Take: unsupported type %v", c.Type))
	}
	if anyNull {
		out.Valid = valid
	}
	return out
}

// Slice returns rows [lo, hi) sharing memory with c where possible.
func (c *Column) Slice(lo, hi int) *Column {
	if lo == 0 && hi == c.N {
		return c
	}
	idx := make([]int, hi-lo)
	for i := range idx {
		idx[i] = lo + i
	}
	return c.Take(idx)
}
