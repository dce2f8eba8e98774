package exec

// Parallel hash aggregation (groupby_agg with keys). Three phases:
//
//  1. each worker takes morsels and assigns their rows local group ids in
//     its own hash table (no sharing, no locks);
//  2. the local tables are merged into one global table, and the groups are
//     put in pandas' output order (sorted by key, missing last, when
//     sort=True; else by first appearance), then every row's local id is
//     rewritten to its output group (in parallel, per morsel);
//  3. the aggregations run in parallel, one task per aggregation, with the
//     interpreter's own kernels (interp.GroupAggColumn) over that grouping,
//     so sums, means and variances agree with it bit for bit.
//
// Float keys (where pandas labels a group by the first of -0.0/0.0) and a
// bool key with a kept null (pandas' object sort quirk) fall back, as does
// a reduction of the whole frame (no keys).

import (
	"bytes"
	"cmp"
	"math"
	"slices"

	"github.com/flern/flern/golib/col"
	"github.com/flern/flern/golib/exec/interp"
	"github.com/flern/flern/golib/ir"
	"github.com/flern/flern/golib/lower"
)

func init() {
	Register("groupby_agg", runGroupByAgg)
}

// keyColumn is the column named name, or else the index level of that name.
func keyColumn(f *col.Frame, name string) *col.Column {
	if c := f.Col(name); c != nil {
		return c
	}
	for i, ix := range f.IndexNames {
		if ix == name && name != "" && i < len(f.Index) {
			return f.Index[i]
		}
	}
	return nil
}

func runGroupByAgg(c *Ctx, n *ir.Node, in []any) (any, error) {
	src := in[0].(*col.Frame)
	keys := n.Attrs.Strings("keys")
	dropna := n.Attrs.Bool("dropna", true)
	sorted := n.Attrs.Bool("sort", true)
	if src.N > maxRows {
		return nil, ErrFallback
	}
	if len(keys) == 0 {
		if out, ok, err := wholeAggs(c, n, src); ok || err != nil {
			return out, err
		}
		return nil, ErrFallback
	}
	kcols := make([]*col.Column, len(keys))
	for i, name := range keys {
		kc := keyColumn(src, name)
		if kc == nil || !hashableKey(kc.Type) || hasNegZero(kc) {
			return nil, ErrFallback
		}
		if kc.Type == ir.Bool && !dropna && kc.HasNulls() {
			return nil, ErrFallback
		}
		kcols[i] = kc
	}
	if out, ok, err := sortedNuniqueAgg(c, n, src, keys, kcols); ok || err != nil { // nunique.go
		return out, err
	}
	g, err := groupRows(c, n, newRowKeys(kcols), src.N, dropna, sorted)
	if err != nil {
		return nil, err
	}
	keyRows := make([][]int, len(keys))
	for k := range keyRows {
		keyRows[k] = g.first // exact keys: any row of a group labels it
	}
	groups := interp.NewGroups(g.gid, g.first, keyRows)
	na := interp.GroupAggCount(n)
	names := make([]string, na)
	cols := make([]*col.Column, na)
	err = forTasks(c, n, na, func(i int) error {
		if name, cname, fn := interp.GroupAggSpec(n, i); fn == "nunique" {
			if v := src.Col(cname); v != nil {
				var runs []int
				if g.ordered {
					runs = g.first
				}
				counts, ok, err := groupNunique(c, n, v, g.gid, len(g.first), runs)
				if err != nil {
					return err
				}
				if ok {
					names[i], cols[i] = name, col.NewInt64(counts)
					return nil
				}
			}
		}
		var err error
		names[i], cols[i], err = interp.GroupAggColumn(n, src, groups, i)
		return err
	})
	if err != nil {
		return nil, err
	}
	out := &col.Frame{N: len(g.first)}
	keyCols := interp.GroupKeyColumns(n, src, groups)
	withKeys(out, n, keys, keyCols)
	out.Names = append(out.Names, names...)
	out.Cols = append(out.Cols, cols...)
	return out, nil
}

// grouping is the result of groupRows.
type grouping struct {
	gid     []int32 // output group of each row, -1 for a dropped row
	first   []int   // first row of each output group
	ordered bool    // gid never decreases from row to row (no dropped row)
}

// groupRows assigns each of n rows an output group by its keys (the
// thread-local tables and merge of phases 1 and 2 above). dropna drops rows
// with a null key; sorted orders groups by key, else by first appearance.
func groupRows(c *Ctx, n *ir.Node, keys *rowKeys, rows int, dropna, sorted bool) (*grouping, error) {
	if g, _, ok, err := smallDomainGroups(c, n, keys.cols, rows, sorted, false, nil); ok || err != nil { // smallgroups.go
		return g, err
	}
	if rows >= shortCodesMinRows { // strings of few values as ordered int codes (strcodes.go, strcodes_long.go)
		var cols []*col.Column
		for i, kc := range keys.cols {
			if kc.Type != ir.String {
				continue
			}
			codes, err := shortStringCodes(c, n, kc, rows)
			if err != nil {
				return nil, err
			}
			if codes == nil {
				if codes, err = longStringCodes(c, n, kc, rows); err != nil {
					return nil, err
				}
			}
			if codes != nil {
				if cols == nil {
					cols = slices.Clone(keys.cols)
				}
				cols[i] = codes
			}
		}
		if cols != nil {
			keys = newRowKeys(cols)
		}
	}
	packed, err := packIntKeys(c, n, keys.cols, rows, dropna)
	if err != nil {
		return nil, err
	}
	if packed != nil { // one int key in the same order (packkeys.go)
		keys = newRowKeys([]*col.Column{packed})
	}
	if g, ok, err := sortedRuns(c, n, keys, rows); ok || err != nil { // keys already in order (sortedkeys.go)
		return g, err
	}
	if sorted { // many groups of an int key: by sorting (sortgroup.go)
		if g, ok, err := sortGroups(c, n, keys, rows, dropna); ok || err != nil {
			return g, err
		}
	}
	b, err := buildGroups(c, n, keys, rows, dropna)
	if err != nil {
		return nil, err
	}
	ng := len(b.first)
	order := make([]int32, ng) // groups in output order
	for i := range order {
		order[i] = int32(i)
	}
	switch {
	case sorted && b.table.dense != nil:
		// ascending values are the array's order; the null key last
		p := 0
		for _, id := range b.table.dense {
			if id > 0 {
				order[p] = id - 1
				p++
			}
		}
		if b.table.inull >= 0 {
			order[p] = b.table.inull
		}
	case sorted && keys.ints:
		sortIntGroups(keys.cols[0], b.first, order)
	case sorted:
		if gk := groupKeyCodes(c, n, keys, b.first); gk != nil { // strcodes_long.go
			// the groups' key codes packed into one int in the same order
			// (packkeys.go): sorted as numbers, not key by key
			if packed, err := packIntKeys(c, n, gk.cols, ng, false); err == nil && packed != nil {
				ids := make([]int, ng)
				for i := range ids {
					ids[i] = i
				}
				sortIntGroups(packed, ids, order)
				break
			}
			slices.SortFunc(order, func(x, y int32) int { return cmpKeyRows(gk, int(x), int(y)) })
			break
		}
		slices.SortFunc(order, func(x, y int32) int { return cmpKeyRows(keys, b.first[x], b.first[y]) })
	default:
		slices.SortFunc(order, func(x, y int32) int { return cmp.Compare(b.first[x], b.first[y]) })
	}
	rank := make([]int32, ng)
	first := make([]int, ng)
	for p, g := range order {
		rank[g] = int32(p)
		first[p] = b.first[g]
	}
	if err := b.finish(c, n, rank); err != nil {
		return nil, err
	}
	return &grouping{gid: b.gid, first: first}, nil
}

// sortIntGroups writes to order the groups of a single integer key in
// ascending key order, the null key last: the keys are read once into a
// contiguous array and sorted there (cmpKeyRows' order).
func sortIntGroups(kc *col.Column, first []int, order []int32) {
	type kv struct {
		v  int64
		id int32
	}
	vals := make([]kv, 0, len(first))
	null := int32(-1)
	for id, row := range first {
		if kc.Valid != nil && !kc.IsValid(row) {
			null = int32(id)
			continue
		}
		vals = append(vals, kv{kc.I64[row], int32(id)})
	}
	slices.SortFunc(vals, func(a, b kv) int { return cmp.Compare(a.v, b.v) })
	for p, x := range vals {
		order[p] = x.id
	}
	if null >= 0 {
		order[len(vals)] = null
	}
}

// builtGroups is the result of buildGroups: gid holds local ids until
// finish rewrites them.
type builtGroups struct {
	table   *hashTable // the merged table: id -> key
	gid     []int32    // per row: local id (-1: dropped), global after finish
	first   []int      // first row of each global id
	mworker []int      // the worker that ran each morsel
	remap   [][]int32  // per worker: local id -> global id (nil: identity)
}

// buildGroups numbers the distinct keys of rows (global ids in no
// particular order); call finish to get the ids per row.
func buildGroups(c *Ctx, n *ir.Node, keys *rowKeys, rows int, dropna bool) (*builtGroups, error) {
	k := numMorsels(rows)
	b := &builtGroups{gid: col.Uninit[int32](rows), mworker: make([]int, k)} // every row's id is written
	tables := make([]*hashTable, Workers())
	if err := c.reserve(n, int64(rows)*4); err != nil {
		return nil, err
	}
	lo, span, dense, err := denseRange(c, n, keys, rows)
	if err != nil {
		return nil, err
	}
	if dense {
		if err := c.reserve(n, int64(span)*4*int64(Workers())); err != nil {
			return nil, err
		}
	}
	_, err = forTasksW(c, n, k, func(w, m int) error {
		t := tables[w]
		if t == nil {
			if dense {
				t = newDenseTable(lo, span)
			} else {
				t = newHashTable(keys.ints, 1024)
			}
			tables[w] = t
		}
		b.mworker[m] = w
		lo := m * morselRows
		hi := min(lo+morselRows, rows)
		if dense { // no hashing: the table is indexed by value
			kc := keys.cols[0]
			for i := lo; i < hi; i++ {
				if kc.Valid != nil && !kc.IsValid(i) {
					if dropna {
						b.gid[i] = -1
						continue
					}
				} else if id := t.dense[kc.I64[i]-t.lo] - 1; id >= 0 {
					b.gid[i] = id
					continue
				}
				b.gid[i], _ = t.findOrAdd(nullHash, keys, i)
			}
			return nil
		}
		h := make([]uint64, hi-lo)
		keys.hashRange(lo, hi, h)
		for i := lo; i < hi; i++ {
			if dropna && keys.hasNull(i) {
				b.gid[i] = -1
				continue
			}
			b.gid[i], _ = t.findOrAdd(h[i-lo], keys, i)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	// Merge the local tables; a group's first row is the least of its
	// local first rows (each worker saw its morsels in increasing order).
	b.remap = make([][]int32, len(tables))
	for w, t := range tables {
		if t == nil {
			continue
		}
		if b.table == nil { // the first table is taken as is
			b.table = t
			b.first = make([]int, 0, t.len())
			for _, r := range t.rows {
				b.first = append(b.first, int(r))
			}
			continue
		}
		b.table.reserve(t.len())
		m := make([]int32, t.len())
		for id, h := range t.hashes {
			row := int(t.rows[id])
			gid, isNew := b.table.findOrAdd(h, keys, row)
			if isNew {
				b.first = append(b.first, row)
			} else if row < b.first[gid] {
				b.first[gid] = row
			}
			m[id] = gid
		}
		b.remap[w] = m
	}
	if b.table == nil {
		b.table = newHashTable(keys.ints, 0)
	}
	return b, nil
}

// denseRange reports whether a single integer key's valid values span a
// range small enough (next to the row count) to index an array by value:
// its low end and size.
func denseRange(c *Ctx, n *ir.Node, keys *rowKeys, rows int) (lo int64, span int, ok bool, err error) {
	if !keys.ints || rows == 0 {
		return 0, 0, false, nil
	}
	kc := keys.cols[0]
	k := numMorsels(rows)
	los, his, seen := make([]int64, k), make([]int64, k), make([]bool, k)
	err = forMorsels(c, n, rows, func(m, a, b int) error {
		// the morsel's bounds in locals, stored once: the workers' slots
		// share cache lines
		lo, hi, any := int64(math.MaxInt64), int64(math.MinInt64), false
		if kc.Valid == nil {
			for _, x := range kc.I64[a:b] {
				lo, hi = min(lo, x), max(hi, x)
			}
			any = b > a
		} else {
			for i, x := range kc.I64[a:b] {
				if kc.IsValid(a + i) {
					lo, hi, any = min(lo, x), max(hi, x), true
				}
			}
		}
		los[m], his[m], seen[m] = lo, hi, any
		return nil
	})
	if err != nil {
		return 0, 0, false, err
	}
	var hi int64
	any := false
	for m := range los {
		if !seen[m] {
			continue
		}
		if !any || los[m] < lo {
			lo = los[m]
		}
		if !any || his[m] > hi {
			hi = his[m]
		}
		any = true
	}
	if !any {
		return 0, 0, false, nil
	}
	d := uint64(hi) - uint64(lo)                      // no overflow as unsigned
	if d >= uint64(max(4*rows, 1024)) || d >= 1<<25 { // at most 4 int32s per row, 128 MiB
		return 0, 0, false, nil
	}
	return lo, int(d) + 1, true, nil
}

// finish rewrites every row's local id to its global id, or to
// rank[global id] when rank is not nil.
func (b *builtGroups) finish(c *Ctx, n *ir.Node, rank []int32) error {
	return forMorsels(c, n, len(b.gid), func(m, lo, hi int) error {
		rm := b.remap[b.mworker[m]]
		if rm == nil && rank == nil {
			return nil
		}
		for i := lo; i < hi; i++ {
			if l := b.gid[i]; l >= 0 {
				if rm != nil {
					l = rm[l]
				}
				if rank != nil {
					l = rank[l]
				}
				b.gid[i] = l
			}
		}
		return nil
	})
}

// cmpKeyRows orders rows a and b by their keys: each key ascending, nulls
// last, the first key most significant (strings by code point).
func cmpKeyRows(k *rowKeys, a, b int) int {
	for _, c := range k.cols {
		ma, mb := missing(c, a), missing(c, b)
		switch {
		case ma && mb:
			continue
		case ma:
			return 1
		case mb:
			return -1
		}
		var r int
		switch {
		case c.F64 != nil:
			r = cmp.Compare(c.F64[a], c.F64[b])
		case c.Type == ir.String:
			r = bytes.Compare(c.StrBytes(a), c.StrBytes(b))
		case c.Type == ir.Bool:
			switch {
			case c.B[a] == c.B[b]:
			case c.B[b]:
				r = -1
			default:
				r = 1
			}
		default:
			r = cmp.Compare(c.I64[a], c.I64[b])
		}
		if r != 0 {
			return r
		}
	}
	return 0
}

// groupIDs is interp.GroupIDs (sort=true) on the parallel hash grouping:
// each row's output group (-1: dropped), the number of groups and the key
// columns of the groups; key types the grouping does not handle take the
// interpreter's. For fused aggregations (fused.go).
func groupIDs(c *Ctx, n *ir.Node, f *col.Frame, keys []string, dropna bool) ([]int64, int, []*col.Column, error) {
	gid, ng, keyCols, _, err := orderedGroupIDs(c, n, f, keys, dropna)
	return gid, ng, keyCols, err
}

// orderedGroupIDs is groupIDs that also reports whether the ids never
// decrease from row to row (keys already sorted: sortedkeys.go), which lets
// an aggregation give each worker whole groups (lower.ParallelOrdered).
func orderedGroupIDs(c *Ctx, n *ir.Node, f *col.Frame, keys []string, dropna bool) ([]int64, int, []*col.Column, bool, error) {
	return orderedGroupIDsInto(c, n, f, keys, dropna, nil)
}

// orderedGroupIDsInto is orderedGroupIDs building the row-sized buffers in
// sc when it is not nil (the returned ids are then sc's: valid until its
// next use).
func orderedGroupIDsInto(c *Ctx, n *ir.Node, f *col.Frame, keys []string, dropna bool, sc *idScratch) ([]int64, int, []*col.Column, bool, error) {
	kcols := make([]*col.Column, len(keys))
	for i, name := range keys {
		kc := keyColumn(f, name)
		if kc == nil || !hashableKey(kc.Type) || hasNegZero(kc) || (kc.Type == ir.Bool && !dropna && kc.HasNulls()) || f.N > maxRows {
			gid, ng, kc, err := interp.GroupIDs(f, keys, dropna, true)
			return gid, ng, kc, false, err
		}
		kcols[i] = kc
	}
	g, gid, ok, err := smallDomainGroups(c, n, kcols, f.N, true, true, sc) // the ids as int64 at once
	if err != nil {
		return nil, 0, nil, false, err
	}
	if ok {
		return gid, len(g.first), takeKeys(kcols, g.first), false, nil
	}
	g, err = groupRows(c, n, newRowKeys(kcols), f.N, dropna, true)
	if err != nil {
		return nil, 0, nil, false, err
	}
	gid = sc.int64s(len(g.gid))
	err = forMorsels(c, n, len(gid), func(_, lo, hi int) error {
		for i, x := range g.gid[lo:hi] {
			gid[lo+i] = int64(x)
		}
		return nil
	})
	if err != nil {
		return nil, 0, nil, false, err
	}
	return gid, len(g.first), takeKeys(kcols, g.first), g.ordered, nil
}

// takeKeys is the key columns at each group's first row.
func takeKeys(kcols []*col.Column, first []int) []*col.Column {
	keyCols := make([]*col.Column, len(kcols))
	for k, kc := range kcols {
		keyCols[k] = kc.Take(first)
	}
	return keyCols
}

// selectedGroupIDs is groupIDs for a fused aggregation with a filter: it
// runs the kernel's selection loop (the filter alone, writing the selected
// row numbers) and, when the filter keeps at most half the rows, gathers
// the selected rows of the columns the kernel reads into sub (in row order)
// and groups their keys; gid holds sub's rows' group ids, and the caller
// runs the kernel over sub alone (its filter keeps every row there). Groups
// are then exactly those with a selected row, in the same sorted order as
// groupIDs over every row gives them after its caller drops the empty ones.
// ok is false when the filter keeps too many rows for this to pay (the
// caller groups every row and runs the kernel over every row).
func selectedGroupIDs(c *Ctx, k *lower.Kernel, bufs []lower.Buf, f *col.Frame) (sub *col.Frame, gid []int64, ng int, keyCols []*col.Column, ok bool, err error) {
	p, sel := k.Agg, k.Agg.Select
	if sel == nil || len(p.Keys) == 0 || f.N > maxRows {
		return nil, nil, 0, nil, false, nil
	}
	res, err := lower.ParallelCtx(c.Context, sel, f.N, 0, rangeFunc(k, sel, bufs[:len(sel.Inputs)], f.N))
	if err != nil {
		return nil, nil, 0, nil, false, cancelled(err)
	}
	rows := res.Append[0].I64
	if 2*len(rows) > f.N {
		return nil, nil, 0, nil, false, nil
	}
	idx := make([]int32, len(rows))
	for i, r := range rows {
		idx[i] = int32(r)
	}
	keys := &col.Frame{N: len(idx)}
	for _, name := range p.Keys {
		kc := keyColumn(f, name)
		if kc == nil {
			return nil, nil, 0, nil, false, ir.Errorf("ColumnNotFound", "column %q not found", name)
		}
		g, err := gather(c, nil, kc, idx, kc.Type)
		if err != nil {
			return nil, nil, 0, nil, false, err
		}
		keys.Names, keys.Cols = append(keys.Names, name), append(keys.Cols, g)
	}
	gid, ng, keyCols, err = groupIDs(c, nil, keys, p.Keys, p.Dropna)
	if err != nil {
		return nil, nil, 0, nil, false, err
	}
	// the kernel's columns at the selected rows (a key read by the kernel
	// too is gathered once)
	sub = &col.Frame{N: len(idx)}
	for _, name := range k.Columns {
		if sub.Col(name) != nil {
			continue
		}
		cl := f.Col(name)
		if cl == nil {
			return nil, nil, 0, nil, false, ir.Errorf("ColumnNotFound", "column %q not found", name)
		}
		g := keys.Col(name) // keyColumn found the column cl itself
		if g == nil {
			if g, err = gather(c, nil, cl, idx, cl.Type); err != nil {
				return nil, nil, 0, nil, false, err
			}
		}
		sub.Names, sub.Cols = append(sub.Names, name), append(sub.Cols, g)
	}
	return sub, gid, ng, keyCols, true, nil
}

// withKeys puts a grouping's key columns into its result out: as its index
// (as_index, the default) or as its first columns.
func withKeys(out *col.Frame, n *ir.Node, keys []string, keyCols []*col.Column) {
	if n.Attrs.Bool("as_index", true) {
		out.Index = keyCols
		out.IndexNames = append([]string(nil), keys...)
		return
	}
	out.Names = append(out.Names, keys...)
	out.Cols = append(out.Cols, keyCols...)
}
