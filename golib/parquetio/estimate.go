package parquetio

// Selectivity estimates from statistics, for the optimizer: the fraction of
// a file's rows a range test on one numeric or datetime column keeps,
// assuming its values spread evenly between the column's smallest and
// largest value over the whole file (the row groups' min/max statistics).
// TPC-H q1's l_shipdate <= 1998-09-02 keeps 97% of lineitem, which the
// optimizer's guess for any comparison (a third) took for selective.

import (
	"fmt"
	"math"
	"os"
	"sync"

	"github.com/flern/flern/golib/ir"
)

// span is a column's smallest and largest value over a file (ok false:
// some row group has no usable statistics).
type span struct {
	lo, hi bound
	ok     bool
}

// spans remembers columnSpan's answers per file identity and column.
var spans = columnMemo[span]{m: map[string]span{}}

// RangeFraction estimates the fraction of the rows of a scan_parquet's file
// that pass every conjunct of conjs: comparisons (lt, le, gt, ge; either
// operand order) of one int, float or datetime column with literals. The
// conjuncts bound an interval of the column's file-wide [min, max] (from the
// row groups' statistics), and the estimate is the interval's share of that
// range (values assumed spread evenly). ok is false when a conjunct has
// another form, the conjuncts test different columns, or the statistics do
// not tell the range.
func RangeFraction(attrs ir.Attrs, conjs []*ir.Expr) (frac float64, ok bool) {
	if len(conjs) == 0 {
		return 0, false
	}
	name := ""
	for _, c := range conjs {
		cn, _, _, isRange := rangeTest(c)
		if !isRange || (name != "" && cn != name) {
			return 0, false
		}
		name = cn
	}
	sp := columnSpan(attrs.Str("path"), name)
	if !sp.ok {
		return 0, false
	}
	lo, hi := num(sp.lo), num(sp.hi)
	a, b := lo, hi // the interval the conjuncts leave
	for _, c := range conjs {
		_, op, v, _ := rangeTest(c)
		l, ok := literal(v, sp.lo.kind)
		if !ok || l.kind == 's' {
			return 0, false
		}
		x := num(l)
		switch op {
		case "lt", "le":
			b = math.Min(b, x)
		default: // gt, ge
			a = math.Max(a, x)
		}
	}
	switch {
	case b < a:
		return 0, true
	case hi <= lo: // one value: kept whole or not at all
		return 1, true
	}
	return math.Min(1, (b-a)/(hi-lo)), true
}

// rangeTest takes apart a comparison of a column with a literal, turned so
// that the column is on the left: column name, op (lt, le, gt, ge) and
// the literal.
func rangeTest(c *ir.Expr) (name, op string, lit ir.Value, ok bool) {
	if c == nil || c.Kind != ir.ExprCall || len(c.Args) != 2 {
		return "", "", ir.Value{}, false
	}
	flip := map[string]string{"lt": "gt", "le": "ge", "gt": "lt", "ge": "le"}
	if flip[c.Name] == "" {
		return "", "", ir.Value{}, false
	}
	a, b, op := c.Args[0], c.Args[1], c.Name
	if a.Kind == ir.ExprLit {
		a, b, op = b, a, flip[op]
	}
	if a.Kind != ir.ExprCol || b.Kind != ir.ExprLit {
		return "", "", ir.Value{}, false
	}
	return a.Name, op, b.Lit, true
}

// columnSpan is the (cached) smallest and largest value of the int, float
// or datetime column name of the file at path.
func columnSpan(path, name string) span {
	return spans.get(path, name, readSpan)
}

func readSpan(path, name string) span {
	fi, err := info(path)
	if err != nil || len(fi.rgRows) == 0 {
		return span{}
	}
	i := fi.lookup(name)
	if i < 0 || !(fi.cols[i].typ.IsInt() || fi.cols[i].typ.IsFloat() || fi.cols[i].typ.IsDatetime()) {
		return span{}
	}
	o, err := openSame(fi)
	if err != nil {
		return span{}
	}
	defer o.Close()
	var sp span
	for rg := range fi.rgRows {
		lo, hi, ok := stats(o, fi.cols[i], rg)
		if !ok || lo.kind == 's' {
			return span{}
		}
		if rg == 0 || less(lo, sp.lo) {
			sp.lo = lo
		}
		if rg == 0 || less(sp.hi, hi) {
			sp.hi = hi
		}
	}
	sp.ok = true
	return sp
}

// columnMemo remembers a fact read from a Parquet file's footer about one of
// its columns, keyed by the file's identity (path, size, modification time)
// and the column, so a rewritten file is read again.
type columnMemo[V any] struct {
	mu sync.Mutex
	m  map[string]V
}

// get is read(path, name), remembered; the zero V when the file cannot be
// stat'ed.
func (c *columnMemo[V]) get(path, name string, read func(path, name string) V) V {
	st, err := os.Stat(path)
	if err != nil {
		var zero V
		return zero
	}
	key := fmt.Sprintf("%s|%d|%d|%s", path, st.Size(), st.ModTime().UnixNano(), name)
	c.mu.Lock()
	v, ok := c.m[key]
	c.mu.Unlock()
	if ok {
		return v
	}
	v = read(path, name)
	c.mu.Lock()
	if len(c.m) >= maxCacheEntries {
		clear(c.m)
	}
	c.m[key] = v
	c.mu.Unlock()
	return v
}
