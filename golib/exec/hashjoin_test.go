package exec

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/flern/flern/golib/col"
	"github.com/flern/flern/golib/ir"
)

func strs(v ...string) []any {
	out := make([]any, len(v))
	for i, s := range v {
		out[i] = s
	}
	return out
}

func TestJoinDifferential(t *testing.T) {
	smallMorsels(t)
	leftSpecs := []genSpec{
		{name: "k", typ: ir.Int64, card: 40},
		{name: "kn", typ: ir.Int64, card: 20, nulls: true},
		{name: "ks", typ: ir.String, card: 15, nulls: true},
		{name: "kb", typ: ir.Bool},
		{name: "kf", typ: ir.Float64, card: 10},
		{name: "kw", typ: ir.Int64, card: 30, spread: true, nulls: true},
		{name: "v", typ: ir.Float64, nulls: true},
		{name: "s", typ: ir.String, nulls: true},
	}
	rightSpecs := []genSpec{
		{name: "k", typ: ir.Int64, card: 50},
		{name: "kn", typ: ir.Int64, card: 25, nulls: true},
		{name: "ks", typ: ir.String, card: 12, nulls: true},
		{name: "kb", typ: ir.Bool},
		{name: "kf", typ: ir.Float64, card: 10},
		{name: "kw", typ: ir.Int64, card: 40, spread: true, nulls: true},
		{name: "w", typ: ir.Int64},
		{name: "t", typ: ir.String},
		{name: "b", typ: ir.Bool, nulls: true},
		{name: "v", typ: ir.Float32},
	}
	cases := []struct {
		lon, ron []string
		fallback bool
	}{
		{[]string{"k"}, []string{"k"}, false},
		{[]string{"kn"}, []string{"kn"}, false},
		{[]string{"kw"}, []string{"kw"}, false},
		{[]string{"kw"}, []string{"k"}, false},
		{[]string{"k"}, []string{"kn"}, false},
		{[]string{"ks"}, []string{"ks"}, false},
		{[]string{"ks", "kn"}, []string{"ks", "kn"}, false},
		{[]string{"kb", "k"}, []string{"kb", "k"}, false},
		{[]string{"kf"}, []string{"kf"}, true},
		{[]string{"k"}, []string{"kf"}, true},
	}
	sizes := [][2]int{{0, 0}, {0, 5}, {5, 0}, {1, 1}, {300, 40}, {40, 300}, {1000, 1000}, {3000, 2}, {2, 3000}, {2000, 60}} // (the last three: a build side of at most 1/16 of the probe rows, keys tested as a bitmap first)
	for _, sz := range sizes {
		l := genFrame(uint64(sz[0])+11, sz[0], leftSpecs...)
		r := genFrame(uint64(sz[1])+12, sz[1], rightSpecs...)
		for _, cs := range cases {
			for _, how := range []string{"inner", "left"} {
				label := fmt.Sprintf("%v=%v how=%s sizes=%v", cs.lon, cs.ron, how, sz)
				attrs := ir.Attrs{"how": how, "left_on": strs(cs.lon...), "right_on": strs(cs.ron...)}
				node := newNode(t, "join", attrs, l, r)
				got, want, gerr, werr := runBoth(t, node, !cs.fallback, l, r)
				checkSame(t, label, got, want, gerr, werr, 0)
			}
			if len(cs.lon) == 1 {
				for _, anti := range []bool{false, true} {
					label := fmt.Sprintf("semi %v=%v anti=%v sizes=%v", cs.lon, cs.ron, anti, sz)
					attrs := ir.Attrs{"left_on": cs.lon[0], "right_on": cs.ron[0], "anti": anti}
					node := newNode(t, "semi_join", attrs, l, r)
					got, want, gerr, werr := runBoth(t, node, !cs.fallback, l, r)
					checkSame(t, label, got, want, gerr, werr, 0)
				}
			}
		}
	}
}

// The left join's matched claim is checked as the interpreter does.
func TestJoinMatchedClaim(t *testing.T) {
	l := &col.Frame{N: 3, Names: []string{"k"}, Cols: []*col.Column{col.NewInt64([]int64{1, 2, 3})}}
	r := &col.Frame{N: 2, Names: []string{"k", "w"}, Cols: []*col.Column{col.NewInt64([]int64{1, 2}), col.NewInt64([]int64{10, 20})}}
	for _, claim := range []bool{true, false} {
		attrs := ir.Attrs{"how": "left", "left_on": strs("k"), "right_on": strs("k"), "matched": claim}
		node := newNode(t, "join", attrs, l, r)
		got, want, gerr, werr := runBoth(t, node, true, l, r)
		checkSame(t, fmt.Sprintf("matched=%v", claim), got, want, gerr, werr, 0)
		if claim && gerr == nil {
			t.Fatalf("a wrong matched claim was not reported")
		}
	}
}

// Many rows through the default morsel size, the build on either side.
func TestJoinLarge(t *testing.T) {
	fact := genFrame(5, 300_000, genSpec{name: "k", typ: ir.Int64, card: 60_000}, genSpec{name: "v", typ: ir.Float64})
	dim := genFrame(6, 50_000, genSpec{name: "k", typ: ir.Int64, card: 55_000}, genSpec{name: "c", typ: ir.String, card: 100})
	for _, how := range []string{"inner", "left"} {
		for _, swap := range []bool{false, true} {
			a, b := fact, dim
			if swap {
				a, b = dim, fact
			}
			attrs := ir.Attrs{"how": how, "left_on": strs("k"), "right_on": strs("k")}
			node := newNode(t, "join", attrs, a, b)
			got, want, gerr, werr := runBoth(t, node, true, a, b)
			checkSame(t, fmt.Sprintf("how=%s swap=%v", how, swap), got, want, gerr, werr, 0)
		}
	}
}

// Unique keys on the right (a dimension table): the pairs are written
// without walking lists.
func TestJoinUniqueRight(t *testing.T) {
	smallMorsels(t)
	for _, sz := range [][2]int{{1, 1}, {500, 100}, {100, 500}, {2000, 700}} {
		l := genFrame(uint64(sz[0]), sz[0], genSpec{name: "k", typ: ir.Int64, card: sz[1] + 20, nulls: true}, genSpec{name: "v", typ: ir.Float64})
		perm := rand.New(rand.NewPCG(1, 2)).Perm(sz[1])
		keys := make([]int64, sz[1])
		for i, p := range perm {
			keys[i] = int64(p) - int64(sz[1]/3)
		}
		r := &col.Frame{N: sz[1], Names: []string{"k", "w"}, Cols: []*col.Column{col.NewInt64(keys), genFrame(3, sz[1], genSpec{name: "w", typ: ir.String}).Cols[0]}}
		for _, how := range []string{"inner", "left"} {
			node := newNode(t, "join", ir.Attrs{"how": how, "left_on": strs("k"), "right_on": strs("k")}, l, r)
			got, want, gerr, werr := runBoth(t, node, true, l, r)
			checkSame(t, fmt.Sprintf("how=%s sizes=%v", how, sz), got, want, gerr, werr, 0)
		}
	}
}

// TestJoinLookup: joins where every left row is one output row (unique right
// keys; a left join, or an inner join that matches every row) pass the left
// columns through uncopied and gather only the right side, as the flights
// benchmark's airport-code merges: string keys with unicode and nulls (null
// matches null), right int columns staying int when all match and becoming
// float with a missing row, the build side on either side.
func TestJoinLookup(t *testing.T) {
	smallMorsels(t)
	airports := []string{"SFO", "LAX", "Zürich", "東京", "", "ORD"}
	for _, sz := range []int{0, 1, 7, 300, 5000} {
		for _, missing := range []bool{false, true} {
			l := lookupLeft(airports, sz, missing)
			rk := append([]string{}, airports...)
			rvalid := col.NewBitmap(len(rk)+1, true)
			rk = append(rk, "")
			col.SetBit(rvalid, len(rk)-1, false) // the null key, once
			codes := make([]int64, len(rk))
			for i := range codes {
				codes[i] = int64(len(rk) - i)
			}
			r := &col.Frame{N: len(rk), Names: []string{"origin", "code"}, Cols: []*col.Column{col.NewStrings(rk, rvalid), col.NewInt64(codes)}}
			for _, how := range []string{"inner", "left"} {
				node := newNode(t, "join", ir.Attrs{"how": how, "left_on": strs("origin"), "right_on": strs("origin")}, l, r)
				got, want, gerr, werr := runBoth(t, node, true, l, r)
				label := fmt.Sprintf("how=%s rows=%d missing=%v", how, sz, missing)
				checkSame(t, label, got, want, gerr, werr, 0)
				if sz > 0 && (how == "left" || !missing) && got.Cols[1] != l.Cols[1] {
					t.Fatalf("%s: the left column was copied, not passed through", label)
				}
			}
		}
	}
}

// A probe side of many rows against a small hashed build side: probe rows
// whose key hash misses the build side's Bloom filter (keyFilter) get no
// match without walking the table; null keys (which match each other) and
// every key kind still equal the interpreter, the build on either side.
func TestJoinKeyFilter(t *testing.T) {
	probe := genFrame(11, 120_000, genSpec{name: "kw", typ: ir.Int64, card: 5000, spread: true, nulls: true},
		genSpec{name: "ks", typ: ir.String, card: 3000, nulls: true}, genSpec{name: "v", typ: ir.Float64})
	build := genFrame(12, 900, genSpec{name: "kw", typ: ir.Int64, card: 400, spread: true, nulls: true},
		genSpec{name: "ks", typ: ir.String, card: 300, nulls: true}, genSpec{name: "w", typ: ir.Int64})
	for _, on := range [][]string{{"kw"}, {"ks"}, {"kw", "ks"}} {
		for _, how := range []string{"inner", "left"} {
			for _, swap := range []bool{false, true} {
				a, b := probe, build
				if swap {
					a, b = build, probe
				}
				node := newNode(t, "join", ir.Attrs{"how": how, "left_on": strs(on...), "right_on": strs(on...)}, a, b)
				got, want, gerr, werr := runBoth(t, node, true, a, b)
				checkSame(t, fmt.Sprintf("on=%v how=%s swap=%v", on, how, swap), got, want, gerr, werr, 0)
			}
		}
		if len(on) == 1 {
			for _, anti := range []bool{false, true} {
				node := newNode(t, "semi_join", ir.Attrs{"left_on": on[0], "right_on": on[0], "anti": anti}, probe, build)
				got, want, gerr, werr := runBoth(t, node, true, probe, build)
				checkSame(t, fmt.Sprintf("semi on=%v anti=%v", on, anti), got, want, gerr, werr, 0)
			}
		}
	}
}

// lookupLeft is a lookup join's left frame of sz rows: an airport key
// (every 11th row null, with missing every 13th a key no table holds) and
// a float column.
func lookupLeft(airports []string, sz int, missing bool) *col.Frame {
	keys := make([]string, sz)
	valid := col.NewBitmap(sz, true)
	for i := range keys {
		keys[i] = airports[(i*7+i/3)%len(airports)]
		if i%11 == 5 {
			col.SetBit(valid, i, false) // a null key
		}
		if missing && i%13 == 4 {
			keys[i] = "XXX"
		}
	}
	vals := make([]float64, sz)
	for i := range vals {
		vals[i] = float64(i) * 0.5
	}
	return &col.Frame{N: sz, Names: []string{"origin", "v"}, Cols: []*col.Column{col.NewStrings(keys, valid), col.NewFloat64(vals)}}
}

// TestJoinKeySetProbe: a small build side's keys as a bitmap (buildKeySet)
// against a probe side that mostly misses them (only the rows found are
// looked up) and one that mostly finds them (keyedProbe gives up at a
// quarter of a morsel and every row is hashed), with and without null keys.
func TestJoinKeySetProbe(t *testing.T) {
	const n = 100_000
	for _, c := range []struct {
		name        string
		build       int // build keys 0..build-1; probe keys i % 500
		probeNulls  bool
		buildWithNA bool
	}{
		{"few found", 20, false, false},
		{"most found", 450, false, false},
		{"most found, null keys", 450, true, true},
		{"few found, null keys", 20, true, true},
	} {
		pk := make([]int64, n)
		var pvalid []byte
		if c.probeNulls {
			pvalid = col.NewBitmap(n, true)
		}
		for i := range pk {
			pk[i] = int64(i % 500)
			if pvalid != nil && i%97 == 0 {
				col.SetBit(pvalid, i, false)
			}
		}
		bk := make([]int64, c.build)
		var bvalid []byte
		if c.buildWithNA {
			bvalid = col.NewBitmap(c.build, true)
			col.SetBit(bvalid, 3, false)
		}
		w := make([]int64, c.build)
		for i := range bk {
			bk[i], w[i] = int64(i), int64(10*i)
		}
		pc, bc := col.NewInt64(pk), col.NewInt64(bk)
		pc.Valid, bc.Valid = pvalid, bvalid
		probe := &col.Frame{N: n, Names: []string{"k"}, Cols: []*col.Column{pc}}
		build := &col.Frame{N: c.build, Names: []string{"k", "w"}, Cols: []*col.Column{bc, col.NewInt64(w)}}
		for _, how := range []string{"inner", "left"} {
			node := newNode(t, "join", ir.Attrs{"how": how, "left_on": strs("k"), "right_on": strs("k")}, probe, build)
			got, want, gerr, werr := runBoth(t, node, true, probe, build)
			checkSame(t, fmt.Sprintf("%s how=%s", c.name, how), got, want, gerr, werr, 0)
		}
	}
}
