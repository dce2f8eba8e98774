package exec

// Memoized split regions numbered by dictionary codes (splitdedup.go): when
// a key input of the memoized part is produced chunk by chunk from a frame
// (splitproduce.go) and every column its loop reads there is a col.Lookup
// (a Parquet scan's dictionary-coded column, scanlookups.go, kept through a
// dropna), a produced row is a function of its columns' codes: rows of
// equal codes have equal bytes. The rows are then numbered by their codes
// instead of by the bytes of the produced input: each row's codes (a
// lookup's take bits.Len(values-1) bits; an int64 key tensor of one column
// whose values span a small range, its offset from the least) are packed
// into one 64-bit key, and the keys are numbered exactly in hash tables of
// keys (no collision to check, no byte comparison). The producer then runs
// on the distinct rows only (their codes' values gathered), so the whole
// input is never produced nor its lookups materialized, and the rest of the
// region (the comparison with a label) keeps producing its own inputs chunk
// by chunk. Two rows of different codes but equal values (a value in two
// row groups' dictionaries) are numbered apart: the part runs on both, with
// the same result, so results equal the byte-numbered run's bit for bit.
// Anything else (a plain column, keys over 63 bits) runs as before: the
// whole input produced, its rows numbered by their bytes (distinctrows.go).

import (
	"fmt"
	"math/bits"
	"sync/atomic"
	"time"

	"github.com/flern/flern/golib/blas"
	"github.com/flern/flern/golib/col"
	"github.com/flern/flern/golib/ir"
	"github.com/flern/flern/golib/lower"
)

// codeKey is one part of a row's packed key: a lookup's codes, or an int64
// key tensor's values less lo; shift places it in the key.
type codeKey struct {
	codes []int32
	vals  []int64
	lo    int64
	shift uint
}

// dedupCodeRuns counts the runs numbered by codes (tests).
var dedupCodeRuns atomic.Int64

// runDedupCodes runs the memoized region r numbered by codes (see the file
// comment) when its key inputs allow it; ok false: they do not, or the rows
// do not repeat enough (the caller runs r as before).
func runDedupCodes(c *Ctx, n *ir.Node, r *splitRegion, in []any, rows int) (out any, ok bool, err error) {
	p := r.Dedup
	if p == nil || rows < dedupMinRows || p.MACs < dedupMinMACs || c.Options.Reference || int64(rows) >= 1<<31-1 {
		return nil, false, nil
	}
	parts, ok := codeKeys(c, n, r, in, rows)
	if !ok {
		return nil, false, nil
	}
	t0 := time.Now()
	est, repeat := keyRepeats(parts, rows)
	if !repeat {
		return nil, false, nil
	}
	ids, first, err := numberKeys(c, n, parts, rows, est)
	if err != nil || ids == nil {
		return nil, false, err
	}
	dedupRuns.Add(1)
	dedupCodeRuns.Add(1)
	isKey := make([]bool, len(in))
	for _, k := range p.Inputs {
		isKey[k] = true
	}
	inner := append([]any(nil), in...)
	for k, x := range in {
		switch f, isF := x.(*col.Frame); {
		case isKey[k] && isF:
			t, err := runToTensorKernel(c, r.Produce[k], []any{distinctFrame(f, r.Produce[k], first)})
			if err != nil {
				return nil, true, err
			}
			inner[k] = t
		case isKey[k]:
			inner[k] = takeRows(x.(*col.Tensor), first)
		case isF: // another producer's frame, which the part does not read
			inner[k] = col.NewTensor(ir.Float32, []int{0, len(r.Produce[k].Loop.Builders)})
		}
	}
	t1 := time.Now()
	bu, err := runSplitRegion(c, n, innerChunked(p.Inner, len(first)), inner)
	if err != nil {
		return nil, true, err
	}
	bt, isT := bu.(*col.Tensor)
	if !isT || len(bt.Shape) == 0 || bt.Shape[0] != len(first) {
		return nil, true, ir.Errorf("Internal", "row_split: the memoized part's result is not one row per distinct row")
	}
	t2 := time.Now()
	b, err := gatherRows(c, n, bt, ids)
	if err != nil {
		return nil, true, err
	}
	if traceOut != nil {
		fmt.Fprintf(traceOut, "flern exec: row_split: memoized on %d distinct of %d rows, numbered by codes (numbering %.1f ms, the part %.1f ms, gather %.1f ms)\n",
			len(first), rows, ms(t1.Sub(t0)), ms(t2.Sub(t1)), ms(time.Since(t2)))
	}
	if p.Outer == nil {
		return b, true, nil
	}
	// the rest of the region over the inputs it reads, its producers' frames
	// produced chunk by chunk
	outer, inputs := compactRegion(p.Outer)
	all := append(append([]any(nil), in...), b)
	outIn := make([]any, len(inputs))
	for j, k := range inputs {
		outIn[j] = all[k]
		if _, isF := all[k].(*col.Frame); isF {
			if outer.Produce == nil {
				outer.Produce = make([]*lower.Kernel, len(inputs))
			}
			outer.Produce[j] = r.Produce[k]
		}
	}
	out, err = runSplitRegion(c, n, outer, outIn)
	return out, true, err
}

// codeKeys is the packed key's parts of r's key inputs (ok false: a key
// input is not numbered by codes): a produced input's lookup columns' codes
// and plain integer columns' values (without nulls), an int64 key tensor
// [rows, 1]'s values (values less their least); at least one produced
// input, at most 63 bits in all.
func codeKeys(c *Ctx, n *ir.Node, r *splitRegion, in []any, rows int) ([]codeKey, bool) {
	var parts []codeKey
	var used uint
	produced := false
	add := func(k codeKey, b int) {
		k.shift = used
		used += uint(b)
		if b > 0 {
			parts = append(parts, k)
		}
	}
	for _, k := range r.Dedup.Inputs {
		switch x := in[k].(type) {
		case *col.Frame:
			kern := r.Produce[k]
			if kern == nil || x.N != rows || len(kern.Columns) != len(kern.Loop.Inputs) {
				return nil, false
			}
			seen := map[string]bool{}
			for i, name := range kern.Columns {
				cl := x.Col(name)
				if cl == nil || cl.N != rows || (cl.Lookup == nil && cl.Valid != nil) {
					return nil, false // nulls: numbered by bytes
				}
				if kern.Loop.Inputs[i].Bits || seen[name] {
					continue // validity only, all valid; or a column already in the key
				}
				seen[name] = true
				switch l := cl.Lookup; {
				case l != nil:
					nv := len(l.I64) + len(l.F64)
					if l.Str != nil {
						nv = l.Str.N
					}
					add(codeKey{codes: l.Codes}, bits.Len(uint(max(nv, 1)-1)))
				case cl.I64 != nil && (cl.Type == ir.Int64 || cl.Type.IsDatetime()):
					// a plain integer column: its values less the least
					lo, hi, err := minMaxI64(c, n, cl.I64)
					if err != nil {
						return nil, false
					}
					add(codeKey{vals: cl.I64, lo: lo}, bits.Len64(uint64(hi)-uint64(lo)))
				default:
					return nil, false // a plain float column: numbered by bytes
				}
				if used > 63 {
					return nil, false
				}
			}
			produced = true
		case *col.Tensor:
			if x.I64 == nil || len(x.Shape) != 2 || x.Shape[0] != rows || x.Shape[1] != 1 || len(x.I64) != rows {
				return nil, false
			}
			lo, hi, err := minMaxI64(c, n, x.I64)
			if err != nil {
				return nil, false
			}
			add(codeKey{vals: x.I64, lo: lo}, bits.Len64(uint64(hi)-uint64(lo)))
		default:
			return nil, false
		}
		if used > 63 {
			return nil, false
		}
	}
	return parts, produced
}

// keySampleRun is the rows of each run of keyRepeats' sample.
const keySampleRun = 256

// keyRepeats is repeats for packed keys: the sample's dedupProbe rows are
// runs of keySampleRun consecutive rows spread evenly over the rows (each
// part's row in a run read from one stretch of memory, not a cache miss a
// row and part), told apart exactly by their keys.
func keyRepeats(parts []codeKey, rows int) (distinct int, ok bool) {
	s := min(rows, dedupProbe)
	runs := (s + keySampleRun - 1) / keySampleRun
	t := newHashIDs(s)
	keys := make([]uint64, keySampleRun)
	taken := 0
	for j := range runs {
		lo := int(int64(j) * int64(rows) / int64(runs))
		m := min(keySampleRun, s-taken, rows-lo)
		packKeys(keys[:m], parts, lo)
		for _, k := range keys[:m] {
			t.id(k, 0)
		}
		taken += m
	}
	return estimateDistinct(len(t.first), taken, rows)
}

// minMaxI64 is the least and the greatest of v (not empty).
func minMaxI64(c *Ctx, n *ir.Node, v []int64) (lo, hi int64, err error) {
	k := max(numMorsels(len(v)), 1)
	los, his := make([]int64, k), make([]int64, k)
	err = forMorsels(c, n, len(v), func(m, a, b int) error {
		l, h := v[a], v[a]
		for _, x := range v[a:b] {
			l, h = min(l, x), max(h, x)
		}
		los[m], his[m] = l, h
		return nil
	})
	lo, hi = los[0], his[0]
	for m := range los {
		lo, hi = min(lo, los[m]), max(hi, his[m])
	}
	return lo, hi, err
}

// packKeys writes into dst the packed keys of rows lo..lo+len(dst), plus
// one (a key is never 0, the tables' empty slot): a vectorized pass over
// dst per part (blas.PackAdd32/64).
func packKeys(dst []uint64, parts []codeKey, lo int) {
	n := len(dst)
	for i := range dst {
		dst[i] = 1
	}
	for j := range parts {
		p := &parts[j]
		if p.codes == nil {
			blas.PackAdd64(dst, p.vals[lo:lo+n], p.lo, p.shift)
			continue
		}
		blas.PackAdd32(dst, p.codes[lo:lo+n], p.shift)
	}
}

// numberKeys numbers the rows' packed keys (distinctRows' result: ids[i] is
// row i's distinct row, first[d] the first row of distinct row d, in order
// of first occurrence): each worker a contiguous share of the rows in its
// own table (sized from the sample's estimate est), the shares' keys then
// merged into the first share's table in share order. nil ids (no error)
// when more than dedupMaxRatio of the rows are distinct.
func numberKeys(c *Ctx, n *ir.Node, parts []codeKey, rows, est int) (ids, first []int32, err error) {
	shares := max(1, min(Workers(), rows/dedupProbe))
	bound := func(s int) (int, int) { return s * rows / shares, (s + 1) * rows / shares }
	ids = make([]int32, rows)
	sets := make([]*hashIDs, shares)
	var tooMany atomic.Bool
	limit := int(dedupMaxRatio * float64(rows))
	err = forTasks(c, n, shares, func(s int) error {
		lo, hi := bound(s)
		hint := est + est/4
		if est <= 1024 { // few distinct rows: a sparse table (load under 1/8, at most 128 KiB), most keys in their home slot
			hint = 4 * est
		}
		t := newHashIDs(hint)
		sets[s] = t
		keys := make([]uint64, hashBlock)
		for b := lo; b < hi; b += hashBlock {
			m := min(hashBlock, hi-b)
			packKeys(keys[:m], parts, b)
			out := ids[b : b+m]
			slots, shift := t.slots, t.shift
			for j, k := range keys[:m] {
				if e := slots[(k*keyHashMul)>>shift]; e.h == k { // in its home slot: most keys
					out[j] = e.id
					continue
				}
				out[j] = t.id(k, int32(b+j))
				slots, shift = t.slots, t.shift // it may have grown
			}
			if len(t.first) > limit || tooMany.Load() {
				tooMany.Store(true)
				return nil
			}
			if (b-lo)&(1<<16-1) == 0 {
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
		m := make([]int32, len(t.first))
		for id, r := range t.first {
			m[id] = g.id(t.hash[id], r)
		}
		remap[s] = m
	}
	if len(g.first) > limit {
		return nil, nil, nil
	}
	if err := remapShares(c, n, ids, remap, bound); err != nil {
		return nil, nil, err
	}
	return ids, g.first, nil
}

// distinctFrame is the columns producer kern reads of f (each a col.Lookup
// or a plain integer column without nulls, codeKeys) at rows first.
func distinctFrame(f *col.Frame, kern *lower.Kernel, first []int32) *col.Frame {
	out := &col.Frame{N: len(first)}
	seen := map[string]bool{}
	for _, name := range kern.Columns {
		if seen[name] {
			continue
		}
		seen[name] = true
		src := f.Col(name)
		l := src.Lookup
		cl := &col.Column{Type: src.Type, N: len(first)}
		switch {
		case l == nil: // a plain integer column
			cl.I64 = make([]int64, len(first))
			for i, r := range first {
				cl.I64[i] = src.I64[r]
			}
		case l.Str != nil:
			at := make([]int, len(first))
			for i, r := range first {
				at[i] = int(l.Codes[r])
			}
			cl = l.Str.Take(at)
			cl.Type = src.Type
		case l.F64 != nil:
			cl.F64 = make([]float64, len(first))
			for i, r := range first {
				cl.F64[i] = l.F64[l.Codes[r]]
			}
		default:
			cl.I64 = make([]int64, len(first))
			for i, r := range first {
				cl.I64[i] = l.I64[l.Codes[r]]
			}
		}
		out.Names, out.Cols = append(out.Names, name), append(out.Cols, cl)
	}
	return out
}

// compactRegion is r with only the external inputs its nodes read, and for
// each of them its input in r.
func compactRegion(r *splitRegion) (*splitRegion, []int) {
	out := &splitRegion{Chunk: r.Chunk, Pad: r.Pad, Tail: r.Tail}
	pos := map[int]int{}
	var inputs []int
	for _, nd := range r.Nodes {
		c := *nd
		c.Inputs = make([]ir.NodeID, len(nd.Inputs))
		for j, a := range nd.Inputs {
			if a < 0 {
				k := int(-a - 1)
				q, seen := pos[k]
				if !seen {
					q = len(inputs)
					pos[k] = q
					inputs = append(inputs, k)
					out.Row = append(out.Row, r.Row[k])
				}
				a = ir.NodeID(-q - 1)
			}
			c.Inputs[j] = a
		}
		out.Nodes = append(out.Nodes, &c)
	}
	return out, inputs
}
