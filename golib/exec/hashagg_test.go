package exec

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/flern/flern/golib/col"
	"github.com/flern/flern/golib/exec/interp"
	"github.com/flern/flern/golib/ir"
)

var aggSpecs = []genSpec{
	{name: "k", typ: ir.Int64, card: 13},
	{name: "kn", typ: ir.Int64, card: 9, nulls: true},
	{name: "ks", typ: ir.String, card: 5, nulls: true},
	{name: "kb", typ: ir.Bool},
	{name: "kd", typ: ir.DatetimeUS, card: 4},
	{name: "kf", typ: ir.Float64, card: 6},
	{name: "kfn", typ: ir.Float64, card: 5, nulls: true},
	{name: "kw", typ: ir.Int64, card: 11, spread: true},
	{name: "kwn", typ: ir.Int64, card: 11, spread: true, nulls: true},
	{name: "i", typ: ir.Int64},
	{name: "f", typ: ir.Float64, nulls: true},
	{name: "g", typ: ir.Float32},
	{name: "s", typ: ir.String, nulls: true},
	{name: "b", typ: ir.Bool},
}

func aggList() []any {
	var out []any
	add := func(col string, fns ...string) {
		for _, fn := range fns {
			out = append(out, map[string]any{"name": col + "_" + fn, "col": col, "fn": fn})
		}
	}
	num := []string{"sum", "mean", "count", "min", "max", "std", "var", "nunique", "first", "last", "median"}
	add("i", num...)
	add("f", num...)
	add("g", "sum", "mean", "min", "max", "var")
	add("s", "count", "min", "max", "first", "last", "nunique")
	add("b", "sum", "mean", "count", "first")
	out = append(out, map[string]any{"name": "n", "col": "", "fn": "size"})
	return out
}

func TestGroupByAggDifferential(t *testing.T) {
	smallMorsels(t)
	keySets := []struct {
		keys     []string
		fallback bool
	}{
		{[]string{"k"}, false},
		{[]string{"kn"}, false},
		{[]string{"ks"}, false},
		{[]string{"k", "ks"}, false},
		{[]string{"ks", "kb", "kn"}, false},
		{[]string{"kd"}, false},
		{[]string{"kw"}, false},
		{[]string{"kwn"}, false},
		{[]string{"kf"}, false},
		{[]string{"kfn"}, false},
		{[]string{"ks", "kfn", "k"}, false},
		{[]string{"k", "kn"}, false},         // int keys packed into one (packkeys.go)
		{[]string{"kwn", "kd", "kn"}, false}, // packed with nulls, or too wide to pack
		{[]string{"kw", "kwn"}, false},
		{[]string{"f"}, true}, // may hold -0.0: falls back then
	}
	for _, n := range testSizes {
		in := genFrame(uint64(n)+3, n, aggSpecs...)
		for _, ks := range keySets {
			for _, dropna := range []bool{true, false} {
				for _, sort := range []bool{true, false} {
					for _, asIndex := range []bool{true, false} {
						keys := make([]any, len(ks.keys))
						for i, k := range ks.keys {
							keys[i] = k
						}
						attrs := ir.Attrs{"keys": keys, "aggs": aggList(), "dropna": dropna, "sort": sort, "as_index": asIndex}
						label := fmt.Sprintf("keys=%v n=%d dropna=%v sort=%v as_index=%v", ks.keys, n, dropna, sort, asIndex)
						node := newNode(t, "groupby_agg", attrs, in)
						got, want, gerr, werr := runBoth(t, node, !ks.fallback, in)
						checkSame(t, label, got, want, gerr, werr, 0)
					}
				}
			}
		}
	}
}

// A big input through the default morsel size: many groups, several
// workers' tables merged.
func TestGroupByAggManyGroups(t *testing.T) {
	in := genFrame(99, 200_000, genSpec{name: "k", typ: ir.Int64, card: 50_000},
		genSpec{name: "ks", typ: ir.String, card: 3000}, genSpec{name: "f", typ: ir.Float64, nulls: true},
		genSpec{name: "k2", typ: ir.Int64, card: 30, nulls: true})
	for _, keys := range [][]any{{"k"}, {"ks"}, {"ks", "k"}, {"k", "k2"}} {
		for _, sort := range []bool{true, false} {
			attrs := ir.Attrs{"keys": keys, "sort": sort, "aggs": []any{
				map[string]any{"name": "s", "col": "f", "fn": "sum"},
				map[string]any{"name": "m", "col": "f", "fn": "mean"},
				map[string]any{"name": "n", "col": "", "fn": "size"}}}
			node := newNode(t, "groupby_agg", attrs, in)
			got, want, gerr, werr := runBoth(t, node, true, in)
			checkSame(t, fmt.Sprintf("keys=%v sort=%v", keys, sort), got, want, gerr, werr, 0)
		}
	}
}

func TestDistinctDifferential(t *testing.T) {
	smallMorsels(t)
	for _, n := range testSizes {
		in := genFrame(uint64(n)+8, n, aggSpecs...)
		for _, name := range []string{"k", "kn", "ks", "kb", "kd", "s", "kf", "kfn", "f", "kw", "kwn"} {
			node := newNode(t, "distinct", ir.Attrs{"column": name}, in)
			got, want, gerr, werr := runBoth(t, node, true, in)
			checkSame(t, fmt.Sprintf("%s n=%d", name, n), got, want, gerr, werr, 0)
		}
	}
}

// nunique over many groups (the bucketed parallel count of nunique.go) at
// the default morsel size, value columns of every handled kind, nulls and
// NaN included.
func TestGroupByNuniqueManyGroups(t *testing.T) {
	in := genFrame(7, 300_000, genSpec{name: "k", typ: ir.Int64, card: 60_000},
		genSpec{name: "ks", typ: ir.String, card: 500, nulls: true},
		genSpec{name: "v", typ: ir.Int64, card: 40, spread: true},
		genSpec{name: "vn", typ: ir.Int64, card: 7, nulls: true},
		genSpec{name: "vs", typ: ir.String, card: 30, nulls: true},
		genSpec{name: "vf", typ: ir.Float64, card: 9, nulls: true},
		genSpec{name: "vd", typ: ir.DatetimeUS, card: 5})
	aggs := []any{}
	for _, c := range []string{"v", "vn", "vs", "vf", "vd", "k"} {
		aggs = append(aggs, map[string]any{"name": c + "_nu", "col": c, "fn": "nunique"})
	}
	for _, keys := range [][]any{{"k"}, {"ks"}, {"ks", "vn"}} {
		for _, dropna := range []bool{true, false} {
			attrs := ir.Attrs{"keys": keys, "dropna": dropna, "aggs": aggs}
			node := newNode(t, "groupby_agg", attrs, in)
			got, want, gerr, werr := runBoth(t, node, true, in)
			checkSame(t, fmt.Sprintf("keys=%v dropna=%v", keys, dropna), got, want, gerr, werr, 0)
		}
	}
}

// groupIDs (fused aggregations' grouping) equals interp.GroupIDs: the same
// group of every row, the same key columns.
func TestGroupIDsDifferential(t *testing.T) {
	smallMorsels(t)
	for _, n := range append(testSizes, 70_000) {
		in := genFrame(uint64(n)+5, n, aggSpecs...)
		for _, keys := range [][]string{{"k"}, {"kn"}, {"ks"}, {"k", "ks"}, {"kw", "kb"}, {"kfn", "kwn"}, {"kd"}, {"k", "kn"}, {"kn", "kd", "k"}, {"kwn", "kw"}, {"i", "k"}} {
			for _, dropna := range []bool{true, false} {
				label := fmt.Sprintf("keys=%v n=%d dropna=%v", keys, n, dropna)
				gid, ng, kc, err := groupIDs(&Ctx{}, nil, in, keys, dropna)
				wgid, wng, wkc, werr := interp.GroupIDs(in, keys, dropna, true)
				if err != nil || werr != nil {
					t.Fatalf("%s: errors %v / %v", label, err, werr)
				}
				if ng != wng || !slices.Equal(gid, wgid) {
					t.Fatalf("%s: groups differ (%d vs %d groups)", label, ng, wng)
				}
				names := make([]string, len(keys))
				copy(names, keys)
				checkSame(t, label, &col.Frame{N: ng, Names: names, Cols: kc}, &col.Frame{N: wng, Names: names, Cols: wkc}, nil, nil, 0)
			}
		}
	}
}

// nunique when the groups are runs of a sorted key (TPC-H Q21's orders):
// int values counted per run (short runs by comparison, long ones by
// sorting), equal to the interpreter; with nulls the coded path.
func TestGroupByNuniqueSortedRuns(t *testing.T) {
	const n = 200_000
	r := rand.New(rand.NewPCG(11, 12))
	k, v, vd, vn := make([]int64, n), make([]int64, n), make([]int64, n), make([]int64, n)
	valid := col.NewBitmap(n, true)
	key := int64(-5)
	for i := range k {
		if i < n/2 && r.IntN(4) == 0 || i >= n/2 && r.IntN(300) == 0 { // short runs, then long ones
			key += 1 + int64(r.IntN(3))
		}
		k[i] = key
		v[i] = int64(r.IntN(7)) - 3
		vd[i] = int64(r.IntN(40)) * 1_000_000
		vn[i] = int64(r.IntN(5))
		if r.IntN(9) == 0 {
			col.SetBit(valid, i, false)
		}
	}
	withNulls := col.NewInt64(vn)
	withNulls.Valid = valid
	in := &col.Frame{N: n, Names: []string{"k", "v", "vd", "vn"},
		Cols: []*col.Column{col.NewInt64(k), col.NewInt64(v), {Type: ir.DatetimeUS, N: n, I64: vd}, withNulls}}
	aggs := []any{}
	for _, c := range []string{"v", "vd", "vn", "k"} {
		aggs = append(aggs, map[string]any{"name": c + "_nu", "col": c, "fn": "nunique"})
	}
	for _, sorted := range []bool{true, false} {
		attrs := ir.Attrs{"keys": []any{"k"}, "sort": sorted, "aggs": aggs}
		node := newNode(t, "groupby_agg", attrs, in)
		got, want, gerr, werr := runBoth(t, node, true, in)
		checkSame(t, fmt.Sprintf("sort=%v", sorted), got, want, gerr, werr, 0)
	}
}

// The sorted-runs nunique path (sortedNuniqueAgg: one sorted int key, only
// nuniques of int columns without nulls) equals the interpreter, and
// frames it does not take go the general way to the same answer.
func TestGroupByNuniqueSortedKeyOnly(t *testing.T) {
	smallMorsels(t) // runs cross morsel boundaries
	const n = 100_000
	r := rand.New(rand.NewPCG(21, 22))
	k, kd, v, vd, ku := make([]int64, n), make([]int64, n), make([]int64, n), make([]int64, n), make([]int64, n)
	key := int64(-3)
	for i := range k {
		if i < n/2 && r.IntN(4) == 0 || i >= n/2 && r.IntN(200) == 0 { // short runs, then long ones
			key += 1 + int64(r.IntN(3))
		}
		k[i], kd[i] = key, key*86_400_000_000
		v[i] = int64(r.IntN(9)) - 4
		vd[i] = int64(r.IntN(30)) * 1_000_000
		ku[i] = int64(r.IntN(1000))
	}
	vn := col.NewInt64(slices.Clone(v))
	vn.Valid = col.NewBitmap(n, true)
	col.SetBit(vn.Valid, n/3, false)
	in := &col.Frame{N: n, Names: []string{"k", "kd", "ku", "v", "vd", "vn"},
		Cols: []*col.Column{col.NewInt64(k), {Type: ir.DatetimeUS, N: n, I64: kd}, col.NewInt64(ku), col.NewInt64(v),
			{Type: ir.DatetimeUS, N: n, I64: vd}, vn}}
	nu := func(cols ...string) []any {
		var aggs []any
		for _, c := range cols {
			aggs = append(aggs, map[string]any{"name": c + "_nu", "col": c, "fn": "nunique"})
		}
		return aggs
	}
	tests := []struct {
		name string
		key  string
		aggs []any
		fast bool // sortedNuniqueAgg takes it
	}{
		{"int key", "k", nu("v", "vd"), true},
		{"datetime key", "kd", nu("v"), true},
		{"the key itself", "k", nu("k", "v"), true},
		{"a value with a null", "k", nu("v", "vn"), false},
		{"another aggregation", "k", append(nu("v"), map[string]any{"name": "s", "col": "v", "fn": "sum"}), false},
		{"unsorted key", "ku", nu("v"), false},
	}
	for _, tc := range tests {
		for _, asIndex := range []bool{true, false} {
			for _, sorted := range []bool{true, false} {
				label := fmt.Sprintf("%s as_index=%v sort=%v", tc.name, asIndex, sorted)
				attrs := ir.Attrs{"keys": []any{tc.key}, "sort": sorted, "as_index": asIndex, "aggs": tc.aggs}
				node := newNode(t, "groupby_agg", attrs, in)
				_, fast, err := sortedNuniqueAgg(&Ctx{}, node, in, []string{tc.key}, []*col.Column{in.Col(tc.key)})
				if err != nil || fast != tc.fast {
					t.Fatalf("%s: sortedNuniqueAgg ok=%v err=%v, want ok=%v", label, fast, err, tc.fast)
				}
				got, want, gerr, werr := runBoth(t, node, true, in)
				checkSame(t, label, got, want, gerr, werr, 0)
			}
		}
	}
}
