package exec

import (
	"encoding/binary"
	"fmt"
	"math"
	"math/bits"
	"slices"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/flern/flern/golib/col"
	"github.com/flern/flern/golib/ir"
)

// Memoized split regions (PRETZEL/Willump-style prediction reuse): data
// scored by a model often repeats its feature rows -- flights of one route at
// one hour of one weekday, resampled records -- and a model's result for a
// row depends only on that row. So when the part of a split region that
// reads one row input (the model on X, not the comparison with a label y)
// meets a run whose X repeats rows, it runs that part on X's distinct rows
// only and gathers each row's result from its distinct row's, then runs the
// rest of the region as usual. Rows are compared by their bytes: equal bytes
// give equal results (the same kernels on the same values; a GEMM's row
// blocks are the same arithmetic as the whole product, golib/blas), so the
// results are exactly those of the unmemoized region.
//
// Whether a run repeats is decided at run time, cheaply, from a sample of
// its rows (repeats); when the estimate or the final count says more than
// dedupMaxRatio of the rows are distinct, the region runs as if not
// memoized. explain() shows the memoized part
// of a row_split node; FLERN_DISABLE_PASSES=split_dedup switches it off.

// SplitDedupName switches memoized split regions off when listed in
// Options.Disabled (FLERN_DISABLE_PASSES=split_dedup).
const SplitDedupName = "split_dedup"

// dedupMinRows is the fewest rows a memoized region looks for repeats in
// (a variable for tests).
var dedupMinRows = 1 << 15

// dedupProbe rows, spread over a run's rows, are hashed to decide whether
// the rows repeat enough (repeats); dedupMaxRatio is the largest share of distinct rows
// that is still memoized (the model on the distinct rows plus hashing and
// gathering must cost less than the model on every row).
var dedupProbe = 1 << 14

const dedupMaxRatio = 0.5

// dedupPlan is the memoized part of a split region: Inner, the region's
// nodes whose row dependence is on row inputs Inputs only (a model on its
// features), as a region of their own whose only row inputs are those;
// Outer, the other nodes (the comparison with a label), reading Inner's
// result as an extra row input appended after the region's inputs (nil:
// Inner's result is the region's). A row's key is its bytes in every input
// of Inputs.
type dedupPlan struct {
	Inputs []int
	Inner  *splitRegion
	Outer  *splitRegion
	// MACs is the multiply-adds per row of Inner's matmuls: a part cheaper
	// than dedupMinMACs is not worth numbering the rows for.
	MACs int64
}

// dedupMinMACs is the fewest multiply-adds per row of a memoized part:
// numbering a row costs about what 1-2K of a model's multiply-adds do (the
// flights model, 1280 a row with 7% of its 3M rows distinct, ran no faster
// memoized: CPU 0.77-0.83 s against 0.82-0.86 s), so a part must do more
// than that per row for the rows that repeat to pay.
var dedupMinMACs int64 = 2048

// planDedup finds the memoized part of r: for a set K of row inputs, the
// nodes whose row dependence is within K, when they hold a matmul and
// exactly one of them (the model's output) is read by the other nodes or is
// r's result. Of the sets that qualify, the one whose part holds the most
// matmuls wins, then the one of fewest inputs. nil when none qualifies.
func planDedup(r *splitRegion, inShape func(k int) []int64) *dedupPlan {
	if len(r.Row) > 64 {
		return nil
	}
	dep := make([]uint64, len(r.Nodes))
	sets := map[uint64]bool{}
	for i, nd := range r.Nodes {
		for _, a := range nd.Inputs {
			if a < 0 {
				if r.Row[-a-1] {
					dep[i] |= 1 << uint(-a-1)
				}
			} else {
				dep[i] |= dep[a]
			}
		}
		if dep[i] == 0 {
			return nil // every region node varies by row; be safe
		}
		sets[dep[i]] = true
	}
	last := len(r.Nodes) - 1
	var best *dedupPlan
	bestMatmuls, bestInputs := 0, 0
	for k := range sets {
		in := make([]bool, len(r.Nodes))
		matmuls := 0
		for i := range r.Nodes {
			if dep[i]&^k == 0 {
				in[i] = true
				if r.Nodes[i].Op == "matmul" {
					matmuls++
				}
			}
		}
		inputs := bits.OnesCount64(k)
		if matmuls == 0 || matmuls < bestMatmuls || (matmuls == bestMatmuls && inputs >= bestInputs) {
			continue
		}
		boundary := -1
		ok := true
		mark := func(i int) {
			if boundary >= 0 && boundary != i {
				ok = false
			}
			boundary = i
		}
		for i, nd := range r.Nodes {
			if in[i] {
				continue
			}
			for _, a := range nd.Inputs {
				if a >= 0 && in[a] {
					mark(int(a))
				}
			}
		}
		if in[last] {
			mark(last)
		}
		if !ok || boundary < 0 {
			continue
		}
		if p := splitDedupAt(r, k, in, boundary); p != nil {
			best, bestMatmuls, bestInputs = p, matmuls, inputs
			best.MACs = matmulMACs(p.Inner, inShape)
		}
	}
	return best
}

// matmulMACs is the multiply-adds per row of r's matmuls ([rows, k] x
// [k, n]: k*n), their inputs' shapes from the region or, for its external
// inputs, inShape.
func matmulMACs(r *splitRegion, inShape func(k int) []int64) int64 {
	var macs int64
	for _, nd := range r.Nodes {
		if nd.Op != "matmul" || nd.Schema == nil || nd.Schema.Tensor == nil || len(nd.Inputs) != 2 {
			continue
		}
		var xs []int64
		if a := nd.Inputs[0]; a < 0 {
			xs = inShape(int(-a - 1))
		} else if t := r.Nodes[a].Schema; t != nil && t.Tensor != nil {
			xs = t.Tensor.Shape
		}
		os := nd.Schema.Tensor.Shape
		if len(xs) == 2 && len(os) == 2 && xs[1] > 0 && os[1] > 0 {
			macs += xs[1] * os[1]
		}
	}
	return macs
}

// splitDedupAt builds the plan for the row inputs in set k whose part is
// the nodes marked in, with result node b.
func splitDedupAt(r *splitRegion, k uint64, in []bool, b int) *dedupPlan {
	inner := &splitRegion{Chunk: r.Chunk, Row: make([]bool, len(r.Row)), Pad: true}
	var inputs []int
	for j := range r.Row {
		if k&(1<<uint(j)) != 0 {
			inner.Row[j] = true
			inputs = append(inputs, j)
		}
	}
	pos := make([]int, len(r.Nodes))
	for i, nd := range r.Nodes {
		if !in[i] {
			continue
		}
		if i > b {
			return nil // a node of the part after its result (none reads it): not this shape
		}
		c := *nd
		c.Inputs = make([]ir.NodeID, len(nd.Inputs))
		for j, a := range nd.Inputs {
			if a >= 0 {
				a = ir.NodeID(pos[a])
			}
			c.Inputs[j] = a
		}
		c.ID = ir.NodeID(len(inner.Nodes))
		pos[i] = len(inner.Nodes)
		inner.Nodes = append(inner.Nodes, &c)
	}
	p := &dedupPlan{Inputs: inputs, Inner: inner}
	if b == len(r.Nodes)-1 {
		return p
	}
	outer := &splitRegion{Chunk: r.Chunk, Row: append(append([]bool(nil), r.Row...), true)}
	extra := ir.NodeID(-len(r.Row) - 1) // Inner's result, the appended input
	for i, nd := range r.Nodes {
		if in[i] {
			continue
		}
		c := *nd
		c.Inputs = make([]ir.NodeID, len(nd.Inputs))
		for j, a := range nd.Inputs {
			switch {
			case a < 0:
			case int(a) == b:
				a = extra
			default:
				a = ir.NodeID(pos[a])
			}
			c.Inputs[j] = a
		}
		c.ID = ir.NodeID(len(outer.Nodes))
		pos[i] = len(outer.Nodes)
		outer.Nodes = append(outer.Nodes, &c)
	}
	p.Outer = outer
	return p
}

// String renders the memoized part for explain().
func (p *dedupPlan) String() string {
	ops := make([]byte, 0, 64)
	for i, n := range p.Inner.Nodes {
		if i > 0 {
			ops = append(ops, ' ')
		}
		ops = append(ops, n.Op...)
	}
	return fmt.Sprintf("memoized: [%s] (%d multiply-adds a row) on the distinct rows of row input(s) %v when they repeat",
		ops, p.MACs, p.Inputs)
}

// dedupRuns counts the runs that memoized (tests).
var dedupRuns atomic.Int64

// runDedup runs r memoized when its key inputs repeat their rows (ok
// false: they do not, or it does not apply; the caller runs r as usual).
func runDedup(c *Ctx, n *ir.Node, r *splitRegion, in []any, rows int) (out any, ok bool, err error) {
	p := r.Dedup
	if rows < dedupMinRows || p.MACs < dedupMinMACs || c.Options.Reference {
		return nil, false, nil
	}
	key := make([]rowPart, len(p.Inputs))
	for j, k := range p.Inputs {
		x, isT := in[k].(*col.Tensor)
		if !isT {
			return nil, false, nil
		}
		if key[j].b, key[j].w = tensorRowBytes(x, rows); key[j].b == nil {
			return nil, false, nil
		}
	}
	t0 := time.Now()
	ids, first, err := distinctRows(c, n, key, rows)
	if err != nil {
		return nil, false, err
	}
	if ids == nil {
		if traceOut != nil {
			fmt.Fprintf(traceOut, "flern exec: row_split: the rows of input(s) %v do not repeat enough to memoize (%.1f ms)\n",
				p.Inputs, ms(time.Since(t0)))
		}
		return nil, false, nil
	}
	dedupRuns.Add(1)
	inner := append([]any(nil), in...)
	for _, k := range p.Inputs {
		inner[k] = takeRows(in[k].(*col.Tensor), first)
	}
	t1 := time.Now()
	bu, err := runSplitRegion(c, n, p.Inner, inner)
	if err != nil {
		return nil, true, err
	}
	bt, isT := bu.(*col.Tensor)
	if !isT || len(bt.Shape) == 0 || bt.Shape[0] != len(first) {
		return nil, false, nil
	}
	t2 := time.Now()
	b, err := gatherRows(c, n, bt, ids)
	if err != nil {
		return nil, true, err
	}
	if traceOut != nil {
		fmt.Fprintf(traceOut, "flern exec: row_split: memoized on %d distinct of %d rows (numbering %.1f ms, the part %.1f ms, gather %.1f ms)\n",
			len(first), rows, ms(t1.Sub(t0)), ms(t2.Sub(t1)), ms(time.Since(t2)))
	}
	if p.Outer == nil {
		return b, true, nil
	}
	out, err = runSplitRegion(c, n, p.Outer, append(append([]any(nil), in...), b))
	return out, true, err
}

// rowPart is one key input's data as bytes, w bytes a row.
type rowPart struct {
	b []byte
	w int
}

// tensorRowBytes is t's data as bytes and the bytes of one of its rows.
func tensorRowBytes(t *col.Tensor, rows int) ([]byte, int) {
	if len(t.Shape) == 0 || t.Shape[0] != rows || rows == 0 {
		return nil, 0
	}
	var p unsafe.Pointer
	var size, n int
	switch {
	case t.F32 != nil:
		p, size, n = unsafe.Pointer(unsafe.SliceData(t.F32)), 4, len(t.F32)
	case t.F64 != nil:
		p, size, n = unsafe.Pointer(unsafe.SliceData(t.F64)), 8, len(t.F64)
	case t.I64 != nil:
		p, size, n = unsafe.Pointer(unsafe.SliceData(t.I64)), 8, len(t.I64)
	case t.B != nil:
		p, size, n = unsafe.Pointer(unsafe.SliceData(t.B)), 1, len(t.B)
	default:
		return nil, 0
	}
	if n == 0 || n%rows != 0 {
		return nil, 0
	}
	return unsafe.Slice((*byte)(p), n*size), n / rows * size
}

// mulMix folds a word into a hash state (the high and low halves of a 128-bit product).
func mulMix(x uint64) uint64 {
	hi, lo := bits.Mul64(x, 0xA0761D6478BD642F)
	return hi ^ lo
}

// Distinct rows are numbered block by block (dedupBlockRows rows), in two
// phases per block so that no step touches memory at random beyond what
// fits in cache: (1) each worker copies the key of each of its share of
// the block's rows, as words, with the row number and the key's hash, into
// 1 << dedupPartBits partitions chosen by the hash (appends: sequential
// writes, into buffers reused by every block); (2) each partition -- the
// workers' pieces of it in row order -- is numbered in its own small hash
// table, kept from block to block, of its distinct keys. A row's id is its
// partition's first id plus its number within the partition.

// dedupPartBits: the rows are partitioned in 1 << dedupPartBits parts.
const dedupPartBits = 8

// dedupBlockRows is the rows numbered per block (their ids, written at
// random within the block, stay in cache).
const dedupBlockRows = 1 << 20

// dedupDirectMax is the most distinct rows (estimated) numbered directly,
// each worker's set of distinct keys in cache; more are partitioned.
const dedupDirectMax = 1 << 15

// keyWords is the number of words a row's key packs into (its parts'
// bytes, 4-byte units two to a word), 0 when a part's row is not a whole
// number of 4-byte units (bool tensors: not memoized).
func keyWords(key []rowPart) int {
	units := 0
	for _, p := range key {
		if p.w%4 != 0 {
			return 0
		}
		units += p.w / 4
	}
	return (units + 1) / 2
}

// putKey packs row i's key into dst (keyWords words): its 4-byte units in
// order, two to a word (the first in the low half), a lone last unit alone.
func putKey(dst []uint64, key []rowPart, i int) {
	var acc uint64
	half, k := false, 0
	for _, p := range key {
		b := p.b[i*p.w : i*p.w+p.w]
		for !half && len(b) >= 8 {
			dst[k] = binary.LittleEndian.Uint64(b)
			k++
			b = b[8:]
		}
		for len(b) >= 4 {
			v := uint64(binary.LittleEndian.Uint32(b))
			b = b[4:]
			if half {
				dst[k] = acc | v<<32
				k++
			} else {
				acc = v
			}
			half = !half
		}
	}
	if half {
		dst[k] = acc
	}
}

// hashKey hashes a packed key.
func hashKey(k []uint64) uint64 {
	h := uint64(0x9E3779B97F4A7C15)
	for _, w := range k {
		h = mulMix(h ^ w)
	}
	return h ^ h>>29
}

// repeats estimates from a sample of dedupProbe rows spread evenly over
// the rows how many distinct rows there are, and whether that is at most
// dedupMaxRatio of them. The sample's distinct count d of s rows estimates
// the whole's D as the solution of d = D (1 - exp(-s/D)), the expected
// distinct count of s draws from D equally likely rows: data sorted by a
// key (a day's flights first) repeats across the file, not within its
// first rows, so the sample is spread, and its duplicates (s - d, about
// s^2 / 2D when s << D) show repetition long before they are a large share
// of the sample.
func repeats(key []rowPart, rows, words int) (distinct int, ok bool) {
	s := min(rows, dedupProbe)
	t := newRowSet(words, s)
	k := make([]uint64, words)
	for j := 0; j < s; j++ {
		i := int(int64(j) * int64(rows) / int64(s))
		putKey(k, key, i)
		t.add(k, uint32(hashKey(k)), int32(i))
	}
	d := float64(len(t.rows))
	if s == rows {
		return len(t.rows), d <= dedupMaxRatio*float64(rows)
	}
	if len(t.rows) == s {
		return rows, false // no duplicate: too many distinct rows to tell
	}
	fs := float64(s)
	lo, hi := d, 1e15 // f(D) = D (1 - exp(-s/D)) increases with D towards s
	for range 100 {
		mid := (lo + hi) / 2
		if mid*(1-math.Exp(-fs/mid)) < d {
			lo = mid
		} else {
			hi = mid
		}
	}
	return int(min(lo, float64(rows))), lo <= dedupMaxRatio*float64(rows)
}

// distinctRows numbers the distinct rows of the key (rows compared by their
// bytes in every part): ids[i] is row i's distinct row, first[d] the first
// row of distinct row d. Each worker numbers a contiguous share of the rows
// in its own set of distinct keys (sized from the sample's estimate, so it
// need not grow; the rows' numbers written in order); the shares' distinct
// keys are then merged into the first share's set and the other shares'
// numbers mapped. It returns nil ids (no error) when the rows do not repeat
// enough (repeats, or more than dedupMaxRatio distinct in the end).
func distinctRows(c *Ctx, n *ir.Node, key []rowPart, rows int) (ids, first []int32, err error) {
	words := keyWords(key)
	if int64(rows) >= 1<<31-1 || words == 0 || words > 16 {
		return nil, nil, nil
	}
	est, ok := repeats(key, rows, words)
	if !ok {
		return nil, nil, nil
	}
	if est > dedupDirectMax {
		return distinctRowsPartitioned(c, n, key, rows, words)
	}
	shares := max(1, min(Workers(), rows/dedupProbe))
	bound := func(s int) (int, int) { return s * rows / shares, (s + 1) * rows / shares }
	ids = make([]int32, rows)
	sets := make([]*rowSet, shares)
	var tooMany atomic.Bool
	limit := int(dedupMaxRatio * float64(rows))
	err = forTasks(c, n, shares, func(s int) error {
		lo, hi := bound(s)
		t := newRowSet(words, est+est/4)
		sets[s] = t
		k := make([]uint64, words)
		for i := lo; i < hi; i++ {
			putKey(k, key, i)
			ids[i] = int32(t.add(k, uint32(hashKey(k)), int32(i)))
			if i&65535 == 0 && i > lo {
				if len(t.rows) > limit || tooMany.Load() {
					tooMany.Store(true)
					return nil
				}
				if err := ctxErr(c); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil || tooMany.Load() {
		return nil, nil, err
	}
	g := sets[0]
	remap := make([][]int32, shares)
	for s := 1; s < shares; s++ {
		t := sets[s]
		m := make([]int32, len(t.rows))
		for id, r := range t.rows {
			k := t.keys[id*words : id*words+words]
			m[id] = int32(g.add(k, uint32(hashKey(k)), r))
		}
		remap[s] = m
	}
	if len(g.rows) > limit {
		return nil, nil, nil
	}
	err = forTasks(c, n, shares, func(s int) error {
		if s == 0 {
			return nil
		}
		lo, hi := bound(s)
		m := remap[s]
		for i := lo; i < hi; i++ {
			ids[i] = m[ids[i]]
		}
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	return ids, g.rows, nil
}

func distinctRowsPartitioned(c *Ctx, n *ir.Node, key []rowPart, rows, words int) (ids, first []int32, err error) {
	const parts = 1 << dedupPartBits
	const localBits = 31 - dedupPartBits // a row's id while numbering: partition << localBits | number in it
	stride := 1 + words                  // entry: row << 32 | low hash bits, then the key
	shares := max(1, min(Workers(), rows/dedupProbe))
	block := min(rows, dedupBlockRows)
	bufs := make([][parts][]uint64, shares) // each share's entries of the block, by partition
	loc := make([][parts][]int32, shares)   // their numbers in their partitions, in entry order
	for s := range bufs {
		for p := range bufs[s] {
			bufs[s][p] = make([]uint64, 0, (block/shares/parts+block/shares/parts/4+1)*stride)
		}
	}
	partOf := make([]uint8, block)
	tabs := make([]*rowSet, parts)
	for p := range tabs {
		tabs[p] = newRowSet(words, 64)
	}
	ids = make([]int32, rows)
	var tooMany atomic.Bool
	for blo := 0; blo < rows; blo += block {
		bhi := min(rows, blo+block)
		share := func(s int) (int, int) { return blo + s*(bhi-blo)/shares, blo + (s+1)*(bhi-blo)/shares }
		// (1) each share's rows of the block into the partitions
		err = forTasks(c, n, shares, func(s int) error {
			lo, hi := share(s)
			ent := make([]uint64, stride)
			mine := &bufs[s]
			for p := range mine {
				mine[p] = mine[p][:0]
			}
			for i := lo; i < hi; i++ {
				putKey(ent[1:], key, i)
				h := hashKey(ent[1:])
				ent[0] = uint64(i)<<32 | uint64(uint32(h))
				p := h >> (64 - dedupPartBits)
				partOf[i-blo] = uint8(p)
				e := mine[p]
				if l := len(e); l+stride <= cap(e) {
					e = e[:l+stride]
					for j, v := range ent {
						e[l+j] = v
					}
					mine[p] = e
				} else {
					mine[p] = append(e, ent...)
				}
			}
			return nil
		})
		if err != nil {
			return nil, nil, err
		}
		// (2) each partition's entries, share by share (row order), numbered
		err = forTasks(c, n, parts, func(p int) error {
			t := tabs[p]
			for s := range bufs {
				e := bufs[s][p]
				l := loc[s][p][:0]
				for o := 0; o < len(e); o += stride {
					id := t.add(e[o+1:o+stride], uint32(e[o]), int32(e[o]>>32))
					if id >= 1<<localBits {
						tooMany.Store(true)
						return nil
					}
					l = append(l, int32(p<<localBits|id))
				}
				loc[s][p] = l
			}
			return nil
		})
		if err != nil || tooMany.Load() {
			return nil, nil, err
		}
		// (3) the numbers back in row order: a share's rows of a partition
		// are its entries in order, so each partition's numbers are read
		// sequentially
		err = forTasks(c, n, shares, func(s int) error {
			lo, hi := share(s)
			var cur [parts]int
			l := &loc[s]
			for i := lo; i < hi; i++ {
				p := partOf[i-blo]
				ids[i] = l[p][cur[p]]
				cur[p]++
			}
			return nil
		})
		if err != nil {
			return nil, nil, err
		}
		d := 0
		for _, t := range tabs {
			d += len(t.rows)
		}
		if float64(d) > dedupMaxRatio*float64(rows) {
			return nil, nil, nil
		}
	}
	base := make([]int32, parts)
	d := 0
	for p, t := range tabs {
		base[p] = int32(d)
		d += len(t.rows)
	}
	first = make([]int32, 0, d)
	for _, t := range tabs {
		first = append(first, t.rows...)
	}
	err = forMorsels(c, n, rows, func(_, lo, hi int) error {
		for i := lo; i < hi; i++ {
			v := ids[i]
			ids[i] = base[v>>localBits] + v&(1<<localBits-1)
		}
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	return ids, first, nil
}

// rowSet is an open-addressing set of distinct keys (a partition's, or a share's):
// slots hold a key's number + 1 (0: empty) in the low half and its hash's
// low 32 bits in the high half; keys holds the distinct keys in number
// order, rows the first row of each.
type rowSet struct {
	words int
	slots []uint64
	keys  []uint64
	rows  []int32
}

func newRowSet(words, capHint int) *rowSet {
	size := 64
	for size < 2*capHint {
		size <<= 1
	}
	return &rowSet{words: words, slots: make([]uint64, size)}
}

// add returns the number of key k (hash bits h, first seen at row), adding
// it when new.
func (t *rowSet) add(k []uint64, h uint32, row int32) int {
	mask := uint32(len(t.slots) - 1)
	w := t.words
	for pos := h & mask; ; pos = (pos + 1) & mask {
		s := t.slots[pos]
		if s == 0 {
			id := len(t.rows)
			t.slots[pos] = uint64(h)<<32 | uint64(id+1)
			t.keys = append(t.keys, k...)
			t.rows = append(t.rows, row)
			if 2*len(t.rows) > len(t.slots) {
				t.grow()
			}
			return id
		}
		if uint32(s>>32) == h {
			id := int(uint32(s)) - 1
			if slices.Equal(t.keys[id*w:id*w+w], k) {
				return id
			}
		}
	}
}

func (t *rowSet) grow() {
	old := t.slots
	t.slots = make([]uint64, 2*len(old))
	mask := uint32(len(t.slots) - 1)
	for _, s := range old {
		if s == 0 {
			continue
		}
		pos := uint32(s>>32) & mask
		for t.slots[pos] != 0 {
			pos = (pos + 1) & mask
		}
		t.slots[pos] = s
	}
}

func takeRows(t *col.Tensor, idx []int32) *col.Tensor {
	shape := append([]int{len(idx)}, t.Shape[1:]...)
	out := col.NewTensorUninit(t.DType, shape)
	src, w := tensorRowBytes(t, t.Shape[0])
	dst, _ := tensorRowBytes(out, len(idx))
	if len(idx) == 0 || src == nil {
		return col.NewTensor(t.DType, shape)
	}
	for i, r := range idx {
		copy(dst[i*w:i*w+w], src[int(r)*w:int(r)*w+w])
	}
	return out
}

// gatherRows is the tensor whose row i is row ids[i] of t.
func gatherRows(c *Ctx, n *ir.Node, t *col.Tensor, ids []int32) (*col.Tensor, error) {
	rows := len(ids)
	shape := append([]int{rows}, t.Shape[1:]...)
	out := col.NewTensorUninit(t.DType, shape)
	src, w := tensorRowBytes(t, t.Shape[0])
	if src == nil {
		return col.NewTensor(t.DType, shape), nil
	}
	dst, _ := tensorRowBytes(out, rows)
	err := forMorsels(c, n, rows, func(_, lo, hi int) error {
		switch {
		case t.DType == ir.Float32 && w == 4:
			s, d := t.F32, out.F32
			for i := lo; i < hi; i++ {
				d[i] = s[ids[i]]
			}
		case w == 8 && (t.F64 != nil || t.I64 != nil):
			s := unsafe.Slice((*uint64)(unsafe.Pointer(unsafe.SliceData(src))), len(src)/8)
			d := unsafe.Slice((*uint64)(unsafe.Pointer(unsafe.SliceData(dst))), len(dst)/8)
			for i := lo; i < hi; i++ {
				d[i] = s[ids[i]]
			}
		default:
			for i := lo; i < hi; i++ {
				r := int(ids[i])
				copy(dst[i*w:i*w+w], src[r*w:r*w+w])
			}
		}
		return nil
	})
	return out, err
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
