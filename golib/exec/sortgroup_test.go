package exec

import (
	"fmt"
	"slices"
	"testing"

	"github.com/flern/flern/golib/col"
	"github.com/flern/flern/golib/exec/interp"
	"github.com/flern/flern/golib/ir"
)

// Groupings of many groups by sorting (sortgroup.go) equal the
// interpreter's: single int, datetime and packed keys, nulls dropped or
// grouped last, negative values, a key of few groups (the sample sends it
// to the hash tables), through groupby_agg and fused aggregations' groupIDs.
func TestSortGroupsDifferential(t *testing.T) {
	smallMorsels(t)
	oldMin, oldSample := sortGroupMinRows, sortGroupSample
	sortGroupMinRows, sortGroupSample = 100, 64
	t.Cleanup(func() { sortGroupMinRows, sortGroupSample = oldMin, oldSample })
	before := sortGrouped.Load()
	for _, n := range []int{99, 1000, 5000} {
		in := genFrame(uint64(n)+11, n,
			genSpec{name: "u", typ: ir.Int64, card: n / 2, spread: true},
			genSpec{name: "un", typ: ir.Int64, card: n / 3, spread: true, nulls: true},
			genSpec{name: "ud", typ: ir.DatetimeUS, card: n / 2},
			genSpec{name: "i", typ: ir.Int64},
			genSpec{name: "k", typ: ir.Int64, card: 5, spread: true},
			genSpec{name: "f", typ: ir.Float64, nulls: true},
			genSpec{name: "s", typ: ir.String, nulls: true})
		for _, keys := range [][]string{{"u"}, {"un"}, {"ud"}, {"i"}, {"k"}, {"u", "un"}, {"i", "k"}, {"un", "ud"}} {
			for _, dropna := range []bool{true, false} {
				anyKeys := make([]any, len(keys))
				for i, k := range keys {
					anyKeys[i] = k
				}
				attrs := ir.Attrs{"keys": anyKeys, "dropna": dropna, "sort": true, "as_index": false, "aggs": []any{
					map[string]any{"name": "s", "col": "f", "fn": "sum"},
					map[string]any{"name": "c", "col": "s", "fn": "count"},
					map[string]any{"name": "fi", "col": "s", "fn": "first"},
					map[string]any{"name": "n", "col": "", "fn": "size"}}}
				label := fmt.Sprintf("keys=%v n=%d dropna=%v", keys, n, dropna)
				node := newNode(t, "groupby_agg", attrs, in)
				got, want, gerr, werr := runBoth(t, node, true, in)
				checkSame(t, label, got, want, gerr, werr, 0)

				gid, ng, kc, err := groupIDs(&Ctx{}, nil, in, keys, dropna)
				wgid, wng, wkc, werr := interp.GroupIDs(in, keys, dropna, true)
				if err != nil || werr != nil {
					t.Fatalf("%s: errors %v / %v", label, err, werr)
				}
				if ng != wng || !slices.Equal(gid, wgid) {
					t.Fatalf("%s: %d groups, want %d; ids differ", label, ng, wng)
				}
				names := append([]string(nil), keys...)
				checkSame(t, label, &col.Frame{N: ng, Names: names, Cols: kc}, &col.Frame{N: wng, Names: names, Cols: wkc}, nil, nil, 0)
			}
		}
	}
	if sortGrouped.Load() == before {
		t.Fatal("no grouping went through sortGroups")
	}
}
