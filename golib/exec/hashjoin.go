package exec

// Parallel hash join (merge how="inner"|"left") and semi/anti join.
//
// The hash table is built on the smaller side (in parallel: worker-local
// tables merged, as in hashagg.go) and the other side probes it morsel by
// morsel; both sides end up with a key id per row (-1: no such key on the
// build side). The output is then laid out exactly as the interpreter's:
// left rows in order, each left row's matches in right row order, a left
// row without match once (how="left") with the right side missing. Each
// left morsel counts its output rows, a prefix sum gives every morsel its
// place, and the morsels write their (left row, right row) pairs and the
// columns are gathered in parallel.
//
// Keys compare as pandas' merge (null matches null). A float key (pandas
// compares int against float as float64, and -0.0 == 0.0) falls back, as
// do keys of different kinds on the two sides.

import (
	"github.com/flern/flern/golib/col"
	"github.com/flern/flern/golib/exec/interp"
	"github.com/flern/flern/golib/frame"
	"github.com/flern/flern/golib/ir"
)

func init() {
	Register("join", runJoin)
	Register("semi_join", runSemiJoin)
}

// joinKeyKind groups key types that compare with each other: integers and
// datetimes by int64 value, strings, bools. 0: not handled here.
func joinKeyKind(t ir.DType) int {
	switch {
	case t.IsInt() || t.IsDatetime():
		return 1
	case t == ir.String:
		return 2
	case t == ir.Bool:
		return 3
	}
	return 0
}

// joinKeys returns the key columns of both sides, or ok=false when a pair
// is not handled here.
func joinKeys(l, r *col.Frame, lon, ron []string) (lk, rk []*col.Column, ok bool) {
	if len(lon) == 0 || len(lon) != len(ron) {
		return nil, nil, false
	}
	lk, rk = make([]*col.Column, len(lon)), make([]*col.Column, len(ron))
	for i := range lon {
		lk[i], rk[i] = l.Col(lon[i]), r.Col(ron[i])
		if lk[i] == nil || rk[i] == nil {
			return nil, nil, false
		}
		if k := joinKeyKind(lk[i].Type); k == 0 || k != joinKeyKind(rk[i].Type) {
			return nil, nil, false
		}
	}
	return lk, rk, true
}

// keyIDs gives every row of both sides the id of its key, numbering the
// build side's distinct keys; a probe row whose key the build side lacks
// gets -1. The table is built on the side with fewer rows.
func keyIDs(c *Ctx, n *ir.Node, lk, rk []*col.Column, nl, nr int) (lg, rg []int32, ng int, err error) {
	if len(lk) == 1 { // one short string key, a small build side: shortkeys.go
		bc, pc, nb, np := rk[0], lk[0], nr, nl
		if nl < nr {
			bc, pc, nb, np = lk[0], rk[0], nl, nr
		}
		bg, pg, ng, ok, err := shortKeyIDs(c, n, bc, pc, nb, np)
		if err != nil {
			return nil, nil, 0, err
		}
		if ok && nl < nr {
			return bg, pg, ng, nil
		}
		if ok {
			return pg, bg, ng, nil
		}
	}
	if lg, rg, ng, ok, err := sortedKeyIDs(c, n, lk, rk, nl, nr); ok || err != nil {
		return lg, rg, ng, err
	}
	lkeys, rkeys := newRowKeys(lk), newRowKeys(rk)
	ints := lkeys.ints && rkeys.ints
	lkeys.ints, rkeys.ints = ints, ints
	build, probe, nb, np := rkeys, lkeys, nr, nl
	if nl < nr {
		build, probe, nb, np = lkeys, rkeys, nl, nr
	}
	b, err := buildGroups(c, n, build, nb, false)
	if err != nil {
		return nil, nil, 0, err
	}
	if err := b.finish(c, n, nil); err != nil {
		return nil, nil, 0, err
	}
	if err := c.reserve(n, int64(np)*4); err != nil {
		return nil, nil, 0, err
	}
	pg := make([]int32, np)
	filter := newKeyFilter(b.table, nb, np)
	keys := buildKeySet(build, nb, np)
	err = forMorsels(c, n, np, func(m, lo, hi int) error {
		if keys != nil && keyedProbe(b.table, keys, probe, pg, lo, hi) {
			return nil
		}
		var hb [hashChunk]uint64 // hashes a chunk at a time: no morsel-sized buffer
		for at := lo; at < hi; at += hashChunk {
			end := min(at+hashChunk, hi)
			h := hb[:end-at]
			probe.hashRange(at, end, h)
			for i := at; i < end; i++ {
				if filter != nil && !filter.mayHave(h[i-at]) && !probe.hasNull(i) {
					pg[i] = -1 // no build key has this hash
					continue
				}
				pg[i] = b.table.find(h[i-at], probe, i)
			}
		}
		return nil
	})
	if err != nil {
		return nil, nil, 0, err
	}
	if build == rkeys {
		return pg, b.gid, b.table.len(), nil
	}
	return b.gid, pg, b.table.len(), nil
}

// hashChunk is how many probe rows keyIDs hashes at a time.
const hashChunk = 1024

// keyedProbe looks up the probe rows [lo, hi) whose key is in keys (a small
// build side's keys as a bitmap, or missing: null matches null) and sets
// the others' ids to -1, hashing only the rows found; it gives up (false)
// as soon as over a quarter of the rows are found, when hashing them all
// costs as little, so its row list stays small.
func keyedProbe(t *hashTable, keys *col.KeySet, probe *rowKeys, pg []int32, lo, hi int) bool {
	pc := probe.cols[0]
	sel := make([]int, 0, (hi-lo)/4+1)
	for i := lo; i < hi; i++ {
		if keys.Has(pc.I64[i]) || pc.Valid != nil && !pc.IsValid(i) {
			if len(sel) == cap(sel) {
				return false
			}
			sel = append(sel, i)
		} else {
			pg[i] = -1
		}
	}
	var h [1]uint64
	for _, i := range sel {
		probe.hashRange(i, i+1, h[:])
		pg[i] = t.find(h[0], probe, i)
	}
	return true
}

// buildKeySet returns the build side's keys as a bitmap (col.KeySet) when
// the key is one integer-like column and the build side is small against
// the probe side (at most 1/16 of its rows), else nil: a probe morsel then
// tests each row's key against it and hashes and looks up only the rows
// that may match (a missing key always probes: null matches null).
func buildKeySet(build *rowKeys, nb, np int) *col.KeySet {
	if !build.ints || nb == 0 || np < 16*nb {
		return nil
	}
	return col.NewDenseKeySet(build.cols[0])
}

// keyFilter is a one-hash Bloom filter of a built table's key hashes (16
// bits per key, so it stays in cache where the table's slots do not): a
// probe row whose hash misses it has no match, without a walk of the
// table. Built only for a hashed (not dense) table probed by at least 4x
// its rows; nil otherwise. A row with a null key still probes the table
// (null keys match each other, and a dense table's nulls are not hashed).
type keyFilter struct {
	bits  []uint64
	shift uint
}

func newKeyFilter(t *hashTable, nb, np int) *keyFilter {
	if t.dense != nil || t.len() == 0 || np < 4*nb {
		return nil
	}
	logBits := uint(6)
	for 1<<logBits < 16*t.len() {
		logBits++
	}
	f := &keyFilter{bits: make([]uint64, 1<<(logBits-6)), shift: 64 - logBits}
	for _, h := range t.hashes {
		b := mix64(h^0x9e3779b97f4a7c15) >> f.shift
		f.bits[b>>6] |= 1 << (b & 63)
	}
	return f
}

func (f *keyFilter) mayHave(h uint64) bool {
	b := mix64(h^0x9e3779b97f4a7c15) >> f.shift
	return f.bits[b>>6]&(1<<(b&63)) != 0
}

func runJoin(c *Ctx, n *ir.Node, in []any) (any, error) {
	l, r := in[0].(*col.Frame), in[1].(*col.Frame)
	how := n.Attrs.Str("how")
	if (how != "inner" && how != "left") || l.N > maxRows || r.N > maxRows {
		return nil, ErrFallback
	}
	lk, rk, ok := joinKeys(l, r, n.Attrs.Strings("left_on"), n.Attrs.Strings("right_on"))
	if !ok {
		return nil, ErrFallback
	}
	outs, err := frame.JoinColumns(n, interp.FrameSchema(l), interp.FrameSchema(r))
	if err != nil {
		return nil, err
	}
	if cols := c.narrow[n.ID]; cols != nil { // its readers take only these (narrowFilters)
		want := map[string]bool{}
		for _, name := range cols {
			want[name] = true
		}
		var kept []frame.JoinOutput
		for _, o := range outs {
			if want[o.Name] {
				kept = append(kept, o)
			}
		}
		if len(kept) == len(cols) {
			outs = kept
		}
	}
	if res, ok, err := memoLookupJoin(c, n, l, r, lk, rk, outs, how == "left"); ok || err != nil {
		return res, err // memojoin.go
	}
	if l.HasLookup() || r.HasLookup() { // the general path gathers and hashes values
		l, r = l.Materialized(), r.Materialized()
		if lk, rk, ok = joinKeys(l, r, n.Attrs.Strings("left_on"), n.Attrs.Strings("right_on")); !ok {
			return nil, ErrFallback
		}
	}
	lg, rg, ng, err := keyIDs(c, n, lk, rk, l.N, r.N)
	if err != nil {
		return nil, err
	}
	// Right rows of each key, in row order: the start and the count of a
	// key side by side (one cache line per probe). When every key occurs
	// at most once the start is that row; else the right rows are bucketed
	// by key (a counting sort, stable) and start indexes the buckets, so a
	// left row's matches are copied as one contiguous run.
	type chain struct{ head, count int32 }
	keys := make([]chain, ng)
	unique := true // every key at most once on the right
	for _, g := range rg {
		if g >= 0 {
			keys[g].count++
			unique = unique && keys[g].count == 1
		}
	}
	var bucket []int32
	if unique {
		for j, g := range rg {
			if g >= 0 {
				keys[g].head = int32(j)
			}
		}
	} else {
		at := int32(0)
		for g := range keys {
			keys[g].head = at
			at += keys[g].count
		}
		bucket = make([]int32, at)
		fill := make([]int32, ng)
		for j, g := range rg {
			if g >= 0 {
				bucket[keys[g].head+fill[g]] = int32(j)
				fill[g]++
			}
		}
	}
	left := how == "left"
	// Pass 1: output rows per left morsel.
	k := numMorsels(l.N)
	mrows := make([]int64, k+1)
	munmatched := make([]int, k)
	err = forMorsels(c, n, l.N, func(m, lo, hi int) error {
		rows, un := int64(0), 0
		for i := lo; i < hi; i++ {
			if g := lg[i]; g >= 0 && keys[g].count > 0 {
				rows += int64(keys[g].count)
			} else {
				if left {
					rows++
				}
				un++
			}
		}
		mrows[m+1], munmatched[m] = rows, un
		return nil
	})
	if err != nil {
		return nil, err
	}
	unmatched := 0
	for m := 0; m < k; m++ {
		mrows[m+1] += mrows[m]
		unmatched += munmatched[m]
	}
	if err := interp.JoinMatchedError(n, unmatched, l.N); err != nil {
		return nil, err
	}
	total := mrows[k]
	if total > maxRows {
		return nil, ErrFallback
	}
	if unique && (left || unmatched == 0) {
		// Every left row is exactly one output row, in order (a lookup
		// join: a left merge with a small table of unique keys, as codes
		// joined to the rows): the left columns are passed through as they
		// are and only the right side is gathered.
		heads := make([]int32, ng)
		for g, kc := range keys {
			heads[g] = kc.head
			if kc.count == 0 {
				heads[g] = -1
			}
		}
		return lookupJoin(c, n, l, r, outs, lg, heads)
	}
	rowBytesOut := int64(8) // the two row lists
	for _, o := range outs {
		src := l
		if o.Side == 1 {
			src = r
		}
		rowBytesOut += colBytes(src.Cols[o.Col])/max(int64(src.N), 1) + 1
	}
	if err := c.reserve(n, total*rowBytesOut); err != nil {
		return nil, err
	}
	// Pass 2: the (left row, right row) pairs, each morsel at its place.
	li := make([]int32, total)
	ri := make([]int32, total)
	err = forMorsels(c, n, l.N, func(m, lo, hi int) error {
		at := mrows[m]
		for i := lo; i < hi; i++ {
			g := lg[i]
			var kc chain
			if g >= 0 {
				kc = keys[g]
			}
			switch {
			case kc.count == 0:
				if left {
					li[at], ri[at] = int32(i), -1
					at++
				}
			case unique:
				li[at], ri[at] = int32(i), kc.head
				at++
			default:
				copy(ri[at:at+int64(kc.count)], bucket[kc.head:kc.head+kc.count])
				for e := at + int64(kc.count); at < e; at++ {
					li[at] = int32(i)
				}
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	res := &col.Frame{N: int(total), Names: make([]string, len(outs)), Cols: make([]*col.Column, len(outs))}
	for i, o := range outs {
		src, idx := l, li
		if o.Side == 1 {
			src, idx = r, ri
		}
		v, err := gather(c, n, src.Cols[o.Col], idx, o.Field.Type)
		if err != nil {
			return nil, err
		}
		res.Names[i], res.Cols[i] = o.Name, v
	}
	return res, nil
}

// lookupJoin is the join's result when every left row is one output row:
// left columns as they are (no copy), right columns gathered by each left
// row's right row (heads[key id], -1 for none).
func lookupJoin(c *Ctx, n *ir.Node, l, r *col.Frame, outs []frame.JoinOutput, lg, heads []int32) (any, error) {
	ri := make([]int32, l.N)
	err := forMorsels(c, n, l.N, func(m, lo, hi int) error {
		for i, g := range lg[lo:hi] {
			j := int32(-1)
			if g >= 0 {
				j = heads[g]
			}
			ri[lo+i] = j
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	res := &col.Frame{N: l.N, Names: make([]string, len(outs)), Cols: make([]*col.Column, len(outs))}
	for i, o := range outs {
		var v *col.Column
		if o.Side == 0 {
			v = l.Cols[o.Col] // what a gather by the identity would copy
			if v.Type.IsInt() && o.Field.Type.IsFloat() {
				return nil, ErrFallback // not seen: a left column changing type
			}
		} else {
			var err error
			if v, err = gather(c, n, r.Cols[o.Col], ri, o.Field.Type); err != nil {
				return nil, err
			}
		}
		res.Names[i], res.Cols[i] = o.Name, v
	}
	return res, nil
}

func runSemiJoin(c *Ctx, n *ir.Node, in []any) (any, error) {
	src, other := in[0].(*col.Frame), in[1].(*col.Frame)
	if src.N > maxRows || other.N > maxRows {
		return nil, ErrFallback
	}
	lk, rk, ok := joinKeys(src, other, []string{n.Attrs.Str("left_on")}, []string{n.Attrs.Str("right_on")})
	if !ok {
		return nil, ErrFallback
	}
	anti := n.Attrs.Bool("anti", false)
	lg, rg, ng, err := keyIDs(c, n, lk, rk, src.N, other.N)
	if err != nil {
		return nil, err
	}
	present := make([]bool, ng) // the key occurs on the right
	for _, g := range rg {
		if g >= 0 {
			present[g] = true
		}
	}
	k := max(numMorsels(src.N), 1)
	sel := make([][]int32, k)
	err = forMorsels(c, n, src.N, func(m, lo, hi int) error {
		var idx []int32
		for i := lo; i < hi; i++ {
			g := lg[i]
			if (g >= 0 && present[g]) != anti {
				idx = append(idx, int32(i))
			}
		}
		sel[m] = idx
		return nil
	})
	if err != nil {
		return nil, err
	}
	total := 0
	for _, s := range sel {
		total += len(s)
	}
	if err := c.reserve(n, int64(total)*rowBytes(src)); err != nil {
		return nil, err
	}
	idx := make([]int32, 0, total)
	for _, s := range sel {
		idx = append(idx, s...)
	}
	return gatherFrame(c, n, src, idx)
}
