package parquetio

import (
	"math"

	"github.com/apache/arrow-go/v18/parquet/file"

	"github.com/flern/flern/golib/col"
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

// keyFirst: a key filter estimated to keep at most this fraction of its
// column's distinct values is tested before the pushed filter's conjuncts.
const keyFirst = 0.05

// keySet is a build side's keys (col.KeySet) and the scan column they test.
type keySet struct {
	*col.KeySet
	col  column
	frac float64 // the estimated fraction of the column's distinct values it keeps (worthIt)
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

// keySets pairs a scan's key filters with the file's columns and keeps the
// ones worth testing (see maxKeyFraction). The file must not carry index
// labels (the kept rows' labels would need their positions).
func keySets(o *openedFile, fi *fileInfo, keys []col.KeyFilter) ([]*keySet, error) {
	if len(keys) == 0 || fi.rangeIndex != nil || len(fi.index) > 0 {
		return nil, nil
	}
	var out []*keySet
	for _, kf := range keys {
		ci := fi.lookup(kf.Column)
		if ci < 0 {
			return nil, ir.Errorf("ColumnNotFound", "key filter column %q not in %s", kf.Column, fi.path)
		}
		if t := fi.cols[ci].typ; !(t.IsInt() || t.IsDatetime()) {
			return nil, ir.Errorf("Internal", "key filter of the %s column %q", fi.cols[ci].typ, kf.Column)
		}
		ks := &keySet{KeySet: kf.Keys, col: fi.cols[ci]}
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
	if k.N == 0 {
		return true // nothing can match: every row group is skipped (frac 0)
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
	keys := float64(k.N)
	if known && lo <= hi {
		distinct = math.Min(distinct, float64(uint64(hi)-uint64(lo))+1)
		keys = float64(k.CountIn(lo, hi))
	}
	// a clustered column (lineitem's l_orderkey) repeats each value within
	// a row group: its first dictionary's size times the row groups bounds
	// the distinct values better than the rows do
	if d, ok := dictEntries(o, k.col, 0); ok && len(fi.rgRows) > 0 {
		distinct = math.Min(distinct, float64(d)*float64(len(fi.rgRows)))
	}
	k.frac = keys / distinct
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
	pr, err := o.pageReader(rg, leaf)
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
			if k.N == 0 {
				keep = false
				break
			}
			if lo, hi, ok := k.rgRange(o, rg); ok && !k.AnyIn(lo, hi) {
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
