package parquetio

import (
	"math"

	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/metadata"
	"github.com/apache/arrow-go/v18/parquet/schema"

	"github.com/flern/flern/golib/ir"
)

// Row-group skipping. The optimizer's predicate pass may give a scan a
// "stats_filter": conjuncts of the form column <cmp> literal taken from the
// filter that reads the scan (which still runs, exactly). A row group whose
// min/max statistics prove that some conjunct is False for every row is not
// read. A missing value never satisfies a comparison (pandas: NaN and None
// compare False), so null counts do not matter; a row group without
// statistics, or with a NaN bound, is always read.

// bound is one min or max statistic in a comparable form: numbers as
// float64 (and int64 when exact), strings as bytes, datetimes as int64
// nanoseconds.
type bound struct {
	kind byte // 'i' int64, 'f' float64, 's' string, 't' nanoseconds
	i    int64
	f    float64
	s    string
}

// keepRowGroups lists the row groups that pred does not rule out.
func keepRowGroups(o *openedFile, fi *fileInfo, pred *ir.Expr) []int {
	nrg := len(fi.rgRows)
	keep := make([]int, 0, nrg)
	for rg := range nrg {
		if pred == nil || !ruledOut(o, fi, rg, pred) {
			keep = append(keep, rg)
		}
	}
	return keep
}

// ruledOut reports whether some conjunct of pred is False for every row of
// row group rg.
func ruledOut(o *openedFile, fi *fileInfo, rg int, pred *ir.Expr) bool {
	if pred.Kind != ir.ExprCall {
		return false
	}
	if pred.Name == "and" && len(pred.Args) == 2 {
		return ruledOut(o, fi, rg, pred.Args[0]) || ruledOut(o, fi, rg, pred.Args[1])
	}
	if len(pred.Args) != 2 {
		return false
	}
	op, c, l := pred.Name, pred.Args[0], pred.Args[1]
	if c.Kind == ir.ExprLit {
		c, l = l, c
		op = map[string]string{"lt": "gt", "le": "ge", "gt": "lt", "ge": "le", "eq": "eq"}[op]
	}
	if c.Kind != ir.ExprCol || l.Kind != ir.ExprLit {
		return false
	}
	i := fi.lookup(c.Name)
	if i < 0 {
		return false
	}
	lo, hi, ok := stats(o, fi.cols[i], rg)
	if !ok {
		return false
	}
	lit, ok := literal(l.Lit, lo.kind)
	if !ok {
		return false
	}
	// No row matches when every value v fails "v op lit".
	switch op {
	case "eq":
		return less(lit, lo) || less(hi, lit)
	case "lt":
		return !less(lo, lit) // min >= lit
	case "le":
		return less(lit, lo) // min > lit
	case "gt":
		return !less(lit, hi) // max <= lit
	case "ge":
		return less(hi, lit) // max < lit
	}
	return false
}

// less compares two bounds of compatible kinds.
func less(a, b bound) bool {
	switch {
	case a.kind == 's':
		return a.s < b.s
	case a.kind == 'f' || b.kind == 'f':
		return num(a) < num(b)
	}
	return a.i < b.i
}

func num(b bound) float64 {
	if b.kind == 'f' {
		return b.f
	}
	return float64(b.i)
}

// literal converts a plan literal to a bound comparable with statistics of
// the given kind.
func literal(v ir.Value, kind byte) (bound, bool) {
	switch {
	case kind == 's':
		return bound{kind: 's', s: v.S}, v.Type == ir.String
	case kind == 't':
		switch v.Type {
		case ir.DatetimeNS:
			return bound{kind: 't', i: v.I}, true
		case ir.DatetimeUS:
			if v.I > math.MaxInt64/1000 || v.I < math.MinInt64/1000 {
				return bound{}, false
			}
			return bound{kind: 't', i: v.I * 1000}, true
		}
		return bound{}, false
	case v.Type.IsFloat():
		if math.IsNaN(v.F) {
			return bound{}, false
		}
		return bound{kind: 'f', f: v.F}, true
	case v.Type.IsInt():
		if kind == 'i' || kind == 'f' {
			if v.I > 1<<53 || v.I < -(1<<53) {
				// float64 comparisons with the statistics would round
				return bound{kind: 'i', i: v.I}, kind == 'i'
			}
			return bound{kind: 'i', i: v.I}, true
		}
	}
	return bound{}, false
}

// stats returns the min and max of column c in row group rg.
func stats(o *openedFile, c column, rg int) (lo, hi bound, ok bool) {
	if c.unsupported != "" {
		return
	}
	leaf := o.fr.Manifest.Fields[c.pos].ColIndex
	if leaf < 0 {
		return
	}
	cc, err := o.pf.MetaData().RowGroup(rg).ColumnChunk(leaf)
	if err != nil {
		return
	}
	st, err := cc.Statistics()
	if err != nil || st == nil || !st.HasMinMax() {
		return
	}
	descr := o.pf.MetaData().Schema.Column(leaf)
	switch s := st.(type) {
	case *metadata.Int64Statistics:
		if c.typ.IsDatetime() {
			scale, ok := unitScale(descr)
			if !ok || !fits(s.Min(), scale) || !fits(s.Max(), scale) {
				return lo, hi, false
			}
			return bound{kind: 't', i: s.Min() * scale}, bound{kind: 't', i: s.Max() * scale}, true
		}
		if !c.typ.IsInt() && !(c.intNulls && c.typ.IsFloat()) {
			return
		}
		return bound{kind: 'i', i: s.Min()}, bound{kind: 'i', i: s.Max()}, true
	case *metadata.Int32Statistics:
		if !c.typ.IsInt() && !c.intNulls {
			return
		}
		if lt := descr.LogicalType(); lt != nil {
			if it, isInt := lt.(schema.IntLogicalType); isInt && !it.IsSigned() {
				return
			}
		}
		return bound{kind: 'i', i: int64(s.Min())}, bound{kind: 'i', i: int64(s.Max())}, true
	case *metadata.Float64Statistics:
		if math.IsNaN(s.Min()) || math.IsNaN(s.Max()) {
			return
		}
		return bound{kind: 'f', f: s.Min()}, bound{kind: 'f', f: s.Max()}, true
	case *metadata.Float32Statistics:
		if math.IsNaN(float64(s.Min())) || math.IsNaN(float64(s.Max())) {
			return
		}
		return bound{kind: 'f', f: float64(s.Min())}, bound{kind: 'f', f: float64(s.Max())}, true
	case *metadata.ByteArrayStatistics:
		if c.typ != ir.String {
			return
		}
		return bound{kind: 's', s: string(s.Min())}, bound{kind: 's', s: string(s.Max())}, true
	}
	return
}

// unitScale is the factor from a timestamp column's stored unit to
// nanoseconds (from its Parquet logical type, not the Arrow type shown).
func unitScale(descr *schema.Column) (int64, bool) {
	if descr.PhysicalType() != parquet.Types.Int64 {
		return 0, false
	}
	ts, ok := descr.LogicalType().(schema.TimestampLogicalType)
	if !ok {
		return 0, false
	}
	switch ts.TimeUnit() {
	case schema.TimeUnitMillis:
		return 1_000_000, true
	case schema.TimeUnitMicros:
		return 1000, true
	case schema.TimeUnitNanos:
		return 1, true
	}
	return 0, false
}

func fits(v, scale int64) bool { return v <= math.MaxInt64/scale && v >= math.MinInt64/scale }

// sorted remembers SortedColumn's answers per file identity and column.
var sorted = columnMemo[bool]{m: map[string]bool{}}

// SortedColumn reports whether the int or datetime column name of a
// scan_parquet's file is stored in ascending order as far as the row
// groups' statistics tell: every row group has min/max statistics and
// each one's min is at least the previous one's max (TPC-H's lineitem by
// l_orderkey). The optimizer uses it to expect a sorted grouping key.
func SortedColumn(attrs ir.Attrs, name string) bool {
	return sorted.get(attrs.Str("path"), name, sortedColumn)
}

func sortedColumn(path, name string) bool {
	fi, err := info(path)
	if err != nil || len(fi.rgRows) == 0 {
		return false
	}
	i := fi.lookup(name)
	if i < 0 || !(fi.cols[i].typ.IsInt() || fi.cols[i].typ.IsDatetime()) {
		return false
	}
	o, err := openSame(fi)
	if err != nil {
		return false
	}
	defer o.Close()
	prev := int64(math.MinInt64)
	for rg := range fi.rgRows {
		lo, hi, ok := stats(o, fi.cols[i], rg)
		if !ok || lo.i < prev {
			return false
		}
		prev = hi.i
	}
	return true
}
