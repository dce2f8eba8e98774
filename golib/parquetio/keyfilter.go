package parquetio

import (
	"math"
	"math/bits"
	"slices"

	"github.com/apache/arrow-go/v18/parquet/file"

	"github.com/flern/flern/golib/col"
	"github.com/flern/flern/golib/frame"
	"github.com/flern/flern/golib/ir"
)

// Key filters (sideways information passing). The joinfilter pass gives a
// scan that feeds the probe side of a join the join's build side as an
// input and a key_filters entry naming the two key columns. At run time
// the build side's keys become a keySet, and the scan keeps only the rows
// whose key is in it (or missing: a null key matches as the join decides).
// The join still runs, so the filter only drops rows the join would drop;
// what it saves is decoding, copying and probing the rows that cannot
// match: the key column is tested once per dictionary entry, row groups
// whose key range holds no key are skipped, and the other columns are
// decoded at the kept rows only (filter.go).
//
// A key set that would keep more than maxKeyFraction of the probe column's
// distinct values (estimated from the file's min/max statistics and row
// count) is dropped before reading: then the filter would cost more than
// it saves.
const maxKeyFraction = 0.5

// keyLoose: in a row group where the key filter keeps more than this
// fraction of the key column's dictionary entries, it is not applied (all
// rows pass; the join drops the few that do not match) and the indices are
// not read for it.
const keyLoose = 0.5

// keySet is the distinct non-null values of a build side's key column:
// a bitmap over [lo, hi] when that range is small enough, else the sorted
// values.
type keySet struct {
	col    column // the scan column tested
	n      int    // distinct keys
	lo, hi int64
	bits   []uint64 // dense form: bit v-lo
	sorted []int64  // sparse form
}

// maxKeyBitmap bounds the dense form's range (8 MiB of bits).
const maxKeyBitmap = 1 << 26

// newKeySet collects the distinct non-null values of c (an int or datetime
// column, values in I64).
func newKeySet(c *col.Column, sc column) *keySet {
	k := &keySet{col: sc, lo: math.MaxInt64, hi: math.MinInt64}
	vals := c.I64[:c.N]
	valid := func(i int) bool { return c.Valid == nil || c.IsValid(i) }
	for i, v := range vals {
		if valid(i) {
			k.lo, k.hi = min(k.lo, v), max(k.hi, v)
		}
	}
	if k.lo > k.hi {
		return k // no keys
	}
	if span := uint64(k.hi) - uint64(k.lo); span < maxKeyBitmap {
		k.bits = make([]uint64, span/64+1)
		for i, v := range vals {
			if valid(i) {
				d := uint64(v - k.lo)
				k.bits[d>>6] |= 1 << (d & 63)
			}
		}
		for _, w := range k.bits {
			k.n += bits.OnesCount64(w)
		}
		return k
	}
	s := make([]int64, 0, len(vals))
	for i, v := range vals {
		if valid(i) {
			s = append(s, v)
		}
	}
	slices.Sort(s)
	k.sorted = slices.Compact(s)
	k.n = len(k.sorted)
	return k
}

// has reports whether v is a key.
func (k *keySet) has(v int64) bool {
	if v < k.lo || v > k.hi {
		return false
	}
	if k.bits != nil {
		d := uint64(v - k.lo)
		return k.bits[d>>6]&(1<<(d&63)) != 0
	}
	_, ok := slices.BinarySearch(k.sorted, v)
	return ok
}

// countIn is the number of keys in [a, b].
func (k *keySet) countIn(a, b int64) int {
	a, b = max(a, k.lo), min(b, k.hi)
	if a > b {
		return 0
	}
	if k.bits == nil {
		i, _ := slices.BinarySearch(k.sorted, a)
		j, found := slices.BinarySearch(k.sorted, b)
		if found {
			j++
		}
		return j - i
	}
	n := 0
	k.words(a, b, func(x uint64) bool { n += bits.OnesCount64(x); return true })
	return n
}

// anyIn reports whether some key lies in [a, b].
func (k *keySet) anyIn(a, b int64) bool {
	a, b = max(a, k.lo), min(b, k.hi)
	if a > b {
		return false
	}
	if k.bits == nil {
		i, _ := slices.BinarySearch(k.sorted, a)
		return i < len(k.sorted) && k.sorted[i] <= b
	}
	found := false
	k.words(a, b, func(x uint64) bool { found = x != 0; return !found })
	return found
}

// words calls f with the bitmap's words over [a, b] (k.lo <= a <= b <=
// k.hi), masked to that range, while f returns true.
func (k *keySet) words(a, b int64, f func(uint64) bool) {
	from, to := uint64(a-k.lo), uint64(b-k.lo)
	for w := from >> 6; w <= to>>6; w++ {
		x := k.bits[w]
		if w == from>>6 {
			x &= ^uint64(0) << (from & 63)
		}
		if w == to>>6 && to&63 != 63 {
			x &= (1 << (to&63 + 1)) - 1
		}
		if !f(x) {
			return
		}
	}
}

// mask is the key test of column c as a bool column: true where the value
// is a key or missing.
func (k *keySet) mask(c *col.Column) *col.Column {
	m := &col.Column{Type: ir.Bool, N: c.N, B: make([]bool, c.N)}
	vals := c.I64[:c.N]
	if k.bits != nil { // (the common case, inlined)
		lo, span, bits := k.lo, uint64(k.hi-k.lo), k.bits
		for i, v := range vals {
			d := uint64(v - lo)
			m.B[i] = d <= span && bits[d>>6]&(1<<(d&63)) != 0
		}
	} else {
		for i, v := range vals {
			m.B[i] = k.has(v)
		}
	}
	if c.Valid != nil {
		for i := range vals {
			if !c.IsValid(i) {
				m.B[i] = true
			}
		}
	}
	return m
}

// rgRange returns row group rg's min and max of the key column in the
// column's own unit (datetimes: the statistics are nanoseconds; the range
// is widened when converting, never narrowed).
func (k *keySet) rgRange(o *openedFile, rg int) (lo, hi int64, ok bool) {
	a, b, ok := stats(o, k.col, rg)
	if !ok || a.kind != b.kind {
		return 0, 0, false
	}
	switch a.kind {
	case 'i':
		return a.i, b.i, true
	case 't':
		if k.col.typ == ir.DatetimeUS {
			return floorDiv(a.i, 1000), -floorDiv(-b.i, 1000), true
		}
		return a.i, b.i, k.col.typ == ir.DatetimeNS
	}
	return 0, 0, false
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

// keySets builds the key sets of a scan's key_filters from its inputs and
// keeps the ones worth testing (see maxKeyFraction). The file must not
// carry index labels (the kept rows' labels would need their positions).
func keySets(o *openedFile, fi *fileInfo, attrs ir.Attrs, inputs []*col.Frame) ([]*keySet, error) {
	kfs, err := frame.KeyFilters(attrs)
	if err != nil {
		return nil, err
	}
	if len(kfs) != len(inputs) {
		return nil, ir.Errorf("Internal", "scan_parquet: %d key filters, %d inputs", len(kfs), len(inputs))
	}
	if len(kfs) == 0 || fi.rangeIndex != nil || len(fi.index) > 0 {
		return nil, nil
	}
	var out []*keySet
	for i, kf := range kfs {
		ci := fi.lookup(kf.Column)
		if ci < 0 {
			return nil, ir.Errorf("ColumnNotFound", "key filter column %q not in %s", kf.Column, fi.path)
		}
		sc := fi.cols[ci]
		kc := inputs[i].Col(kf.Key)
		if kc == nil {
			return nil, ir.Errorf("ColumnNotFound", "key filter key %q not in the scan's input %d", kf.Key, i)
		}
		if !frame.KeyFilterTypes(sc.typ, kc.Type) || kc.I64 == nil && kc.N > 0 {
			return nil, ir.Errorf("Internal", "key filter of the %s column %q by %s keys", sc.typ, kf.Column, kc.Type)
		}
		ks := newKeySet(kc, sc)
		if ks.worthIt(o, fi) {
			out = append(out, ks)
		}
	}
	return out, nil
}

// worthIt estimates whether the key set keeps at most maxKeyFraction of
// the scan column's distinct values: the keys within the column's min/max
// over the row groups against min(rows, max - min + 1). Without
// statistics the column's range is unknown and only the key count against
// the rows is used.
func (k *keySet) worthIt(o *openedFile, fi *fileInfo) bool {
	if k.n == 0 {
		return true // nothing can match: every row group is skipped
	}
	lo, hi, known := int64(math.MaxInt64), int64(math.MinInt64), true
	for rg := range fi.rgRows {
		a, b, ok := k.rgRange(o, rg)
		if !ok {
			known = false
			break
		}
		lo, hi = min(lo, a), max(hi, b)
	}
	distinct := float64(fi.numRows)
	keys := float64(k.n)
	if known && lo <= hi {
		distinct = math.Min(distinct, float64(uint64(hi)-uint64(lo))+1)
		keys = float64(k.countIn(lo, hi))
	}
	// a clustered column (lineitem's l_orderkey) repeats each value within
	// a row group: its first dictionary's size times the row groups bounds
	// the distinct values better than the rows do
	if d, ok := dictEntries(o, k.col, 0); ok && len(fi.rgRows) > 0 {
		distinct = math.Min(distinct, float64(d)*float64(len(fi.rgRows)))
	}
	return keys <= maxKeyFraction*distinct
}

// dictEntries returns the number of entries of the dictionary page of
// column c in row group rg (ok false: no dictionary page).
func dictEntries(o *openedFile, c column, rg int) (int, bool) {
	if rg >= o.pf.NumRowGroups() {
		return 0, false
	}
	leaf := o.fr.Manifest.Fields[c.pos].ColIndex
	if leaf < 0 {
		return 0, false
	}
	cc, err := o.pf.MetaData().RowGroup(rg).ColumnChunk(leaf)
	if err != nil || !cc.HasDictionaryPage() {
		return 0, false
	}
	pr, err := o.pf.RowGroup(rg).GetColumnPageReader(leaf)
	if err != nil {
		return 0, false
	}
	defer pr.Close()
	if !pr.Next() {
		return 0, false
	}
	dp, ok := pr.Page().(*file.DictionaryPage)
	if !ok {
		return 0, false
	}
	return int(dp.NumValues()), true
}

// keepByKeys drops from rgs the row groups whose key column range holds no
// key of some key set (a column with missing values keeps its row groups).
func keepByKeys(o *openedFile, rgs []int, sets []*keySet) []int {
	out := rgs[:0:0]
	for _, rg := range rgs {
		keep := true
		for _, k := range sets {
			if k.col.nullable {
				continue // (its missing keys are kept)
			}
			if k.n == 0 {
				keep = false
				break
			}
			if lo, hi, ok := k.rgRange(o, rg); ok && !k.anyIn(lo, hi) {
				keep = false
				break
			}
		}
		if keep {
			out = append(out, rg)
		}
	}
	return out
}
