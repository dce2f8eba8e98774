package exec

// Numbering the distinct rows of a split region's key inputs (splitdedup.go):
// each row is known by a 64-bit hash of its bytes in every key input, and
// every row's bytes are checked against its number's first row at the end;
// a sample estimates the distinct count (repeats); few distinct rows are
// numbered in each worker's own table and merged, many in hash partitions.

import (
	"encoding/binary"
	"math"
	"math/bits"
	"sync/atomic"
	"unsafe"

	"github.com/flern/flern/golib/ir"
)

// rowPart is one key input's data as bytes, w bytes a row.
type rowPart struct {
	b []byte
	w int
}

// dedupPartBits: the rows are partitioned in 1 << dedupPartBits parts.
const dedupPartBits = 8

// dedupBlockRows is the rows numbered per block (their ids, written at
// random within the block, stay in cache).
const dedupBlockRows = 1 << 20

// dedupDirectMax is the most distinct rows (estimated) numbered directly,
// each worker's table of distinct hashes in cache; more are partitioned
// (numberPartitioned).
const dedupDirectMax = 1 << 15

// keyWords is the number of words a row's key spans (its parts' bytes,
// 4-byte units two to a word), 0 when a part's row is not a whole number of
// 4-byte units (bool tensors: not memoized).
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

// repeats estimates from a sample of dedupProbe rows spread evenly over
// the rows how many distinct rows there are, and whether that is at most
// dedupMaxRatio of them. The sample's distinct count d of s rows estimates
// the whole's D as the solution of d = D (1 - exp(-s/D)), the expected
// distinct count of s draws from D equally likely rows: data sorted by a
// key (a day's flights first) repeats across the file, not within its
// first rows, so the sample is spread, and its duplicates (s - d, about
// s^2 / 2D when s << D) show repetition long before they are a large share
// of the sample. Sample rows are told apart by their hashes (a collision
// would count one row fewer: an estimate; the numbering checks bytes).
func repeats(key []rowPart, rows int) (distinct int, ok bool) {
	s := min(rows, dedupProbe)
	t := newHashIDs(s)
	var h [1]uint64
	for j := 0; j < s; j++ {
		i := int(int64(j) * int64(rows) / int64(s))
		rowHash(h[:], key, i)
		t.id(h[0], int32(i))
	}
	return estimateDistinct(len(t.first), s, rows)
}

// estimateDistinct is repeats' estimate from d distinct of s sampled rows.
func estimateDistinct(di, s, rows int) (distinct int, ok bool) {
	d := float64(di)
	if s == rows {
		return di, d <= dedupMaxRatio*float64(rows)
	}
	if di == s {
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
// row of distinct row d. Rows are numbered by a 64-bit hash of their bytes
// (hashRows), each a few word operations a row, in tables of hashes only;
// a last pass checks every row's bytes against its distinct row's, so two
// rows whose hashes collide are never taken for one (the run is then not
// memoized). Few distinct rows (the sample's estimate) are numbered in
// each worker's own table and merged, many in hash partitions. It returns
// nil ids (no error) when the rows do not repeat enough (repeats, or more
// than dedupMaxRatio distinct in the end).
func distinctRows(c *Ctx, n *ir.Node, key []rowPart, rows int) (ids, first []int32, err error) {
	words := keyWords(key)
	if int64(rows) >= 1<<31-1 || words == 0 || words > 16 {
		return nil, nil, nil
	}
	est, ok := repeats(key, rows)
	if !ok {
		return nil, nil, nil
	}
	if est <= dedupDirectMax {
		// compares each row's bytes with its number's first row as it goes
		return numberDirect(c, n, key, rows, est)
	}
	ids, first, err = numberPartitioned(c, n, key, rows, est)
	if err != nil || ids == nil {
		return nil, nil, err
	}
	same, err := sameRows(c, n, key, ids, first)
	if err != nil || !same {
		return nil, nil, err
	}
	return ids, first, nil
}

// hashBlock is the rows hashed at a time into a worker's buffer.
const hashBlock = 4096

// rowHash hashes rows lo.. of the key into h (a variable so that a test can
// make every row collide).
var rowHash = hashRows

// hashRows writes into h the hash of rows lo..lo+len(h) of the key: each
// part's row bytes taken a word at a time (a last 4-byte unit alone), each
// word xored into the state, multiplied and folded, then a final mix.
func hashRows(h []uint64, key []rowPart, lo int) {
	const m = 0x9E3779B97F4A7C15
	for i := range h {
		h[i] = m
	}
	for _, p := range key {
		w := p.w
		b := p.b[lo*w : (lo+len(h))*w] // bounds checked once: the loads below stay inside
		if len(h) == 0 {
			continue
		}
		base := unsafe.Pointer(unsafe.SliceData(b))
		full := w &^ 7
		tail := full < w // keyWords: whole 4-byte units, so one left
		for i := range h {
			r := unsafe.Add(base, i*w)
			x := h[i]
			for k := 0; k < full; k += 8 {
				x = (x ^ *(*uint64)(unsafe.Add(r, k))) * m
				x ^= x >> 32
			}
			if tail {
				x = (x ^ uint64(*(*uint32)(unsafe.Add(r, full))) ^ 1<<63) * m
				x ^= x >> 32
			}
			h[i] = x
		}
	}
	for i := range h {
		h[i] = mix64(h[i])
	}
}

// numberDirect numbers few distinct rows: each worker a contiguous share
// of the rows in its own table (sized from the sample's estimate, so it
// need not grow), the shares' distinct hashes then merged into the first
// share's table and the other shares' numbers mapped. A row whose hash is
// found has its bytes compared with the found number's first row there
// (a few hundred distinct rows stay in cache, and the row was just hashed),
// and a share's distinct row with the one it merges into, so no pass
// over all the rows checks them after (sameRows); two rows whose hashes
// collide leave the rows unnumbered (nil ids).
func numberDirect(c *Ctx, n *ir.Node, key []rowPart, rows, est int) (ids, first []int32, err error) {
	shares := max(1, min(Workers(), rows/dedupProbe))
	bound := func(s int) (int, int) { return s * rows / shares, (s + 1) * rows / shares }
	ids = make([]int32, rows)
	sets := make([]*hashIDs, shares)
	var tooMany, collided atomic.Bool
	limit := int(dedupMaxRatio * float64(rows))
	eq := rowsEqualFunc(key)
	err = forTasks(c, n, shares, func(s int) error {
		lo, hi := bound(s)
		t := newHashIDs(est + est/4)
		sets[s] = t
		h := make([]uint64, hashBlock)
		for b := lo; b < hi; b += hashBlock {
			m := min(hashBlock, hi-b)
			rowHash(h[:m], key, b)
			out := ids[b : b+m]
			slots, shift := t.slots, t.shift
			for j, x := range h[:m] {
				// a row whose hash is in its home slot (most: the table is
				// at most half full) without the call; else t.id
				if e := slots[(x*keyHashMul)>>shift]; e.h == x && x != 0 {
					out[j] = e.id
					continue
				}
				out[j] = t.id(x, int32(b+j))
				slots, shift = t.slots, t.shift // it may have grown
			}
			if !blockSame(key, out, t.first, b) {
				collided.Store(true)
				return nil
			}
			if len(t.first) > limit || tooMany.Load() || collided.Load() {
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
	if err != nil || tooMany.Load() || collided.Load() {
		return nil, nil, err
	}
	g := sets[0]
	remap := make([][]int32, shares)
	for s := 1; s < shares; s++ {
		t := sets[s]
		m := make([]int32, len(t.first))
		for id, r := range t.first {
			gid := g.id(t.hash[id], r)
			if f := g.first[gid]; f != r && !eq(int(f), int(r)) {
				return nil, nil, nil
			}
			m[id] = gid
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

// numberPartitioned numbers many distinct rows block by block
// (dedupBlockRows rows), in phases that touch memory at random only within
// what fits in cache: (1) each worker hashes its share of the block's rows
// and appends each row's hash and number to one of 1 << dedupPartBits
// partitions chosen by the hash's top bits (sequential writes, into
// buffers reused by every block); (2) each partition -- the workers'
// pieces of it in row order -- is numbered in its own small table, kept
// from block to block; (3) the numbers go back in row order. A row's id is
// its partition's first id plus its number within the partition.
func numberPartitioned(c *Ctx, n *ir.Node, key []rowPart, rows, est int) (ids, first []int32, err error) {
	const parts = 1 << dedupPartBits
	const localBits = 31 - dedupPartBits // a row's id while numbering: partition << localBits | number in it
	shares := max(1, min(Workers(), rows/dedupProbe))
	block := min(rows, dedupBlockRows)
	type piece struct {
		hash []uint64
		row  []int32
		num  []int32 // the rows' numbers in the partition, in entry order
	}
	pieces := make([][parts]piece, shares)
	for s := range pieces {
		for p := range pieces[s] {
			c := block/shares/parts + block/shares/parts/4 + 16
			pieces[s][p] = piece{hash: make([]uint64, 0, c), row: make([]int32, 0, c)}
		}
	}
	partOf := make([]uint8, block)
	tabs := make([]*hashIDs, parts)
	for p := range tabs {
		tabs[p] = newHashIDs((est + est/4) / parts)
	}
	ids = make([]int32, rows)
	var tooMany atomic.Bool
	for blo := 0; blo < rows; blo += block {
		bhi := min(rows, blo+block)
		share := func(s int) (int, int) { return blo + s*(bhi-blo)/shares, blo + (s+1)*(bhi-blo)/shares }
		// (1) each share's rows of the block into the partitions
		err = forTasks(c, n, shares, func(s int) error {
			lo, hi := share(s)
			mine := &pieces[s]
			for p := range mine {
				mine[p].hash, mine[p].row = mine[p].hash[:0], mine[p].row[:0]
			}
			h := make([]uint64, hashBlock)
			for b := lo; b < hi; b += hashBlock {
				m := min(hashBlock, hi-b)
				rowHash(h[:m], key, b)
				for j, x := range h[:m] {
					p := x >> (64 - dedupPartBits)
					partOf[b+j-blo] = uint8(p)
					pc := &mine[p]
					pc.hash = append(pc.hash, x)
					pc.row = append(pc.row, int32(b+j))
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
			for s := range pieces {
				pc := &pieces[s][p]
				num := pc.num[:0]
				for k, x := range pc.hash {
					id := t.id(x, pc.row[k])
					if id >= 1<<localBits {
						tooMany.Store(true)
						return nil
					}
					num = append(num, int32(p<<localBits)|id)
				}
				pc.num = num
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
			mine := &pieces[s]
			for i := lo; i < hi; i++ {
				p := partOf[i-blo]
				ids[i] = mine[p].num[cur[p]]
				cur[p]++
			}
			return nil
		})
		if err != nil {
			return nil, nil, err
		}
		d := 0
		for _, t := range tabs {
			d += len(t.first)
		}
		if float64(d) > dedupMaxRatio*float64(rows) {
			return nil, nil, nil
		}
	}
	base := make([]int32, parts)
	d := 0
	for p, t := range tabs {
		base[p] = int32(d)
		d += len(t.first)
	}
	first = make([]int32, 0, d)
	for _, t := range tabs {
		first = append(first, t.first...)
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

// blockSame reports whether rows lo.. of the key (one per entry of ids,
// just hashed: in cache) have the bytes of their numbers' first rows,
// whole words compared as words.
func blockSame(key []rowPart, ids, first []int32, lo int) bool {
	hi := lo + len(ids)
	for _, p := range key {
		w := p.w
		if w%8 != 0 {
			eq := rowsEqualFunc([]rowPart{p})
			for j, d := range ids {
				if f := int(first[d]); f != lo+j && !eq(f, lo+j) {
					return false
				}
			}
			continue
		}
		_ = p.b[hi*w-1] // rows lo..hi inside the part; first rows are rows of it too
		base := unsafe.Pointer(unsafe.SliceData(p.b))
		for j, d := range ids {
			f := int(first[d])
			r, q := unsafe.Add(base, (lo+j)*w), unsafe.Add(base, f*w)
			if uint(f) >= uint(hi) {
				return false
			}
			for o := 0; o < w; o += 8 {
				if *(*uint64)(unsafe.Add(r, o)) != *(*uint64)(unsafe.Add(q, o)) {
					return false
				}
			}
		}
	}
	return true
}

// rowsEqualFunc returns a function telling whether rows a and b of the key
// have the same bytes in every part (whole words compared as words: each
// part's row is whole 4-byte units, keyWords).
func rowsEqualFunc(key []rowPart) func(a, b int) bool {
	return func(a, b int) bool {
		for _, p := range key {
			w := p.w
			ra, rb := p.b[a*w:a*w+w], p.b[b*w:b*w+w]
			k := 0
			for ; k+8 <= w; k += 8 {
				if binary.LittleEndian.Uint64(ra[k:]) != binary.LittleEndian.Uint64(rb[k:]) {
					return false
				}
			}
			if k < w && string(ra[k:]) != string(rb[k:]) {
				return false
			}
		}
		return true
	}
}

// sameRows reports whether every row's bytes equal those of its distinct
// row (first[ids[i]]): the distinct rows' keys are gathered first, so that
// the comparisons read a compact table rather than rows all over the input.
func sameRows(c *Ctx, n *ir.Node, key []rowPart, ids, first []int32) (bool, error) {
	comp := make([][]byte, len(key))
	for j, p := range key {
		k := make([]byte, len(first)*p.w)
		for d, r := range first {
			copy(k[d*p.w:d*p.w+p.w], p.b[int(r)*p.w:int(r)*p.w+p.w])
		}
		comp[j] = k
	}
	var differ atomic.Bool
	err := forMorsels(c, n, len(ids), func(_, lo, hi int) error {
		for j, p := range key {
			w, k := p.w, comp[j]
			if w%8 == 0 && hi > lo {
				// whole words: compared a word at a time (bounds checked
				// once per morsel: the rows lo..hi of the part, and
				// every id below len(first))
				_ = p.b[hi*w-1]
				base, kb := unsafe.Pointer(unsafe.SliceData(p.b)), unsafe.Pointer(unsafe.SliceData(k))
				for i := lo; i < hi; i++ {
					d := int(ids[i])
					if uint(d) >= uint(len(first)) {
						differ.Store(true)
						return nil
					}
					r, q := unsafe.Add(base, i*w), unsafe.Add(kb, d*w)
					for o := 0; o < w; o += 8 {
						if *(*uint64)(unsafe.Add(r, o)) != *(*uint64)(unsafe.Add(q, o)) {
							differ.Store(true)
							return nil
						}
					}
				}
				continue
			}
			for i := lo; i < hi; i++ {
				d := int(ids[i])
				if string(p.b[i*w:i*w+w]) != string(k[d*w:d*w+w]) {
					differ.Store(true)
					return nil
				}
			}
		}
		return nil
	})
	return !differ.Load(), err
}

// hashIDs numbers distinct 64-bit keys by open addressing: a slot holds a
// key (0: empty; a zero key is kept as 1 -- a row hash, which sameRows
// would catch; packed code keys are never 0) and its number, at the slot its
// Fibonacci hash picks (keyHashMul: the product's top bits); first and hash
// hold each number's first row and key. It numbers row hashes
// (distinctrows.go) and, exactly, packed code keys (splitcodes.go).
type hashIDs struct {
	slots []hashSlot
	shift uint // 64 - log2(len(slots))
	first []int32
	hash  []uint64
}

type hashSlot struct {
	h  uint64
	id int32
}

// keyHashMul spreads a key over the table (Fibonacci hashing: the product's
// top bits pick the slot).
const keyHashMul = 0x9E3779B97F4A7C15

func newHashIDs(capHint int) *hashIDs {
	size := 64
	for size < 2*capHint {
		size <<= 1
	}
	return &hashIDs{slots: make([]hashSlot, size), shift: uint(64 - bits.TrailingZeros(uint(size)))}
}

// id returns the number of key h (first seen at row), adding it when new.
func (t *hashIDs) id(h uint64, row int32) int32 {
	if h == 0 {
		h = 1
	}
	mask := uint64(len(t.slots) - 1)
	for pos := (h * keyHashMul) >> t.shift; ; pos = (pos + 1) & mask {
		s := &t.slots[pos]
		if s.h == h {
			return s.id
		}
		if s.h == 0 {
			id := int32(len(t.first))
			s.h, s.id = h, id
			t.first = append(t.first, row)
			t.hash = append(t.hash, h)
			if 2*len(t.first) > len(t.slots) {
				t.grow()
			}
			return id
		}
	}
}

func (t *hashIDs) grow() {
	old := t.slots
	t.slots = make([]hashSlot, 2*len(old))
	t.shift--
	mask := uint64(len(t.slots) - 1)
	for _, s := range old {
		if s.h == 0 {
			continue
		}
		pos := (s.h * keyHashMul) >> t.shift
		for t.slots[pos].h != 0 {
			pos = (pos + 1) & mask
		}
		t.slots[pos] = s
	}
}

// remapShares rewrites the local ids of every share after the first (rows
// bound(s) of share s) into the global ones its remap gives, the shares in
// parallel.
func remapShares(c *Ctx, n *ir.Node, ids []int32, remap [][]int32, bound func(s int) (int, int)) error {
	return forTasks(c, n, len(remap), func(s int) error {
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
}
