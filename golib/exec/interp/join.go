package interp

import (
	"encoding/binary"
	"math"

	"github.com/flern/flern/golib/col"
	"github.com/flern/flern/golib/frame"
	"github.com/flern/flern/golib/ir"
)

// join is DataFrame.merge(how="inner"|"left", left_on=..., right_on=...,
// suffixes=...) as pandas 3.1.1 runs it (sort=False):
//
//   - rows come in left row order, and each left row's matches in right row
//     order; a left row without match yields one row (how="left") whose
//     right-side columns are missing;
//   - missing keys match each other (NaN with NaN, None with None, NaT with
//     NaT), as pandas' merge does; -0.0 matches 0.0;
//   - an int key against a float key compares as float64 (pandas casts both
//     to float64, so 2**53+1 matches 2.0**53); int against int is exact;
//   - output columns, names and types are frame.JoinColumns'; a column that
//     the join may leave missing is float64 (NaN) for ints and null through
//     the validity bitmap otherwise; attribute "matched" (every left row
//     has a match, as probed by the front end) keeps the right side's types,
//     and is checked here;
//   - the result has a fresh RangeIndex.
//
// It is a hash join: a map from the right side's encoded keys to its rows.
func init() {
	register("join", func(c *Ctx, n *ir.Node, in []*col.Frame) (*col.Frame, error) {
		l, r := in[0], in[1]
		how := n.Attrs.Str("how")
		if how != "inner" && how != "left" {
			return nil, ir.Errorf("NotImplemented", "merge(how=%q)", how)
		}
		outs, err := frame.JoinColumns(n, frameSchema(l), frameSchema(r))
		if err != nil {
			return nil, err
		}
		lon, ron := n.Attrs.Strings("left_on"), n.Attrs.Strings("right_on")
		lk := make([]*col.Column, len(lon))
		rk := make([]*col.Column, len(ron))
		for i := range lon {
			lk[i], rk[i] = l.Col(lon[i]), r.Col(ron[i])
		}
		lg, rg, ng := keyGroups(newKeyEncoder(lk, rk), l.N, r.N)
		// Right rows of each key group, in row order, as linked lists.
		head := make([]int32, ng)
		for g := range head {
			head[g] = -1
		}
		next := make([]int32, r.N)
		count := make([]int, ng)
		for j := r.N - 1; j >= 0; j-- {
			g := rg[j]
			next[j], head[g] = head[g], int32(j)
			count[g]++
		}
		rows, unmatched := 0, 0
		for i := 0; i < l.N; i++ {
			switch g := lg[i]; {
			case g >= 0:
				rows += count[g]
			case how == "left":
				rows++
				unmatched++
			}
		}
		if claim, ok := n.Attrs["matched"].(bool); ok && how == "left" && claim != (unmatched == 0) {
			return nil, ir.Errorf("Value", "merge(how=\"left\"): the inputs changed between the probe that typed the "+
				"result (every left row matched: %v) and the run (%d of %d left rows unmatched); is an unseeded "+
				"sample() upstream?", claim, unmatched, l.N)
		}
		li := make([]int, 0, rows)
		ri := make([]int, 0, rows)
		for i := 0; i < l.N; i++ {
			g := lg[i]
			if g < 0 {
				if how == "left" {
					li = append(li, i)
					ri = append(ri, -1)
				}
				continue
			}
			for j := head[g]; j >= 0; j = next[j] {
				li = append(li, i)
				ri = append(ri, int(j))
			}
		}
		res := &col.Frame{N: len(li)}
		for _, o := range outs {
			src, idx := l, li
			if o.Side == 1 {
				src, idx = r, ri
			}
			res.Names = append(res.Names, o.Name)
			res.Cols = append(res.Cols, takeAs(src.Cols[o.Col], idx, o.Field.Type))
		}
		return res, nil
	})
}

// frameSchema describes a materialized frame (types from its columns).
func frameSchema(f *col.Frame) *ir.Schema {
	s := &ir.Schema{}
	for i, name := range f.Names {
		s.Fields = append(s.Fields, ir.Field{Name: name, Type: f.Cols[i].Type, Nullable: f.Cols[i].Valid != nil})
	}
	for i, c := range f.Index {
		name := ""
		if i < len(f.IndexNames) {
			name = f.IndexNames[i]
		}
		s.Index = append(s.Index, ir.Field{Name: name, Type: c.Type, Nullable: c.Valid != nil})
	}
	return s
}

// takeAs gathers c's rows at idx (negative = missing) as type t: an integer
// column promoted to float64 gets NaN for missing rows (pandas' upcast).
func takeAs(c *col.Column, idx []int, t ir.DType) *col.Column {
	if c.Type.IsInt() && t.IsFloat() {
		out := make([]float64, len(idx))
		for i, j := range idx {
			if j < 0 || !c.IsValid(j) {
				out[i] = math.NaN()
			} else {
				out[i] = float64(c.I64[j])
			}
		}
		return &col.Column{Type: t, N: len(idx), F64: out}
	}
	return c.Take(idx)
}

// keyGroups numbers the distinct keys of the right side (side 1): rg[j] is
// right row j's group, and lg[i] left row i's group, or -1 when no right row
// has that key. Keys are equal as keyEncoder defines; a single integer or
// float key takes a map on its value rather than on encoded bytes.
func keyGroups(e *keyEncoder, nl, nr int) (lg, rg []int32, ng int) {
	lg, rg = make([]int32, nl), make([]int32, nr)
	if len(e.float) == 1 {
		lc, rc := e.cols[0][0], e.cols[1][0]
		naGroup := int32(-1)
		groupNA := func() int32 {
			if naGroup < 0 {
				naGroup = int32(ng)
				ng++
			}
			return naGroup
		}
		intLike := func(t ir.DType) bool { return t.IsInt() || t.IsDatetime() }
		switch {
		case !e.float[0] && intLike(lc.Type) && intLike(rc.Type):
			m := make(map[int64]int32)
			for j := 0; j < nr; j++ {
				if !rc.IsValid(j) {
					rg[j] = groupNA()
					continue
				}
				g, ok := m[rc.I64[j]]
				if !ok {
					g = int32(ng)
					m[rc.I64[j]] = g
					ng++
				}
				rg[j] = g
			}
			for i := 0; i < nl; i++ {
				if !lc.IsValid(i) {
					lg[i] = naGroup
					continue
				}
				g, ok := m[lc.I64[i]]
				if !ok {
					g = -1
				}
				lg[i] = g
			}
			return lg, rg, ng
		case e.float[0] && (lc.Type.IsInt() || lc.Type.IsFloat()) && (rc.Type.IsInt() || rc.Type.IsFloat()):
			val := func(c *col.Column, i int) uint64 {
				f := 0.0
				if c.Type.IsInt() {
					f = float64(c.I64[i])
				} else {
					f = c.F64[i]
				}
				if f == 0 {
					f = 0 // -0.0 matches 0.0
				}
				return math.Float64bits(f)
			}
			m := make(map[uint64]int32)
			for j := 0; j < nr; j++ {
				if rc.IsNA(j) {
					rg[j] = groupNA()
					continue
				}
				v := val(rc, j)
				g, ok := m[v]
				if !ok {
					g = int32(ng)
					m[v] = g
					ng++
				}
				rg[j] = g
			}
			for i := 0; i < nl; i++ {
				if lc.IsNA(i) {
					lg[i] = naGroup
					continue
				}
				g, ok := m[val(lc, i)]
				if !ok {
					g = -1
				}
				lg[i] = g
			}
			return lg, rg, ng
		}
	}
	m := make(map[string]int32)
	var buf []byte
	for j := 0; j < nr; j++ {
		buf = e.encode(buf[:0], 1, j)
		g, ok := m[string(buf)]
		if !ok {
			g = int32(ng)
			m[string(buf)] = g
			ng++
		}
		rg[j] = g
	}
	for i := 0; i < nl; i++ {
		buf = e.encode(buf[:0], 0, i)
		g, ok := m[string(buf)]
		if !ok {
			g = -1
		}
		lg[i] = g
	}
	return lg, rg, ng
}

// keyEncoder turns the key values of a row of either side into bytes that
// are equal exactly when pandas' merge considers the keys equal.
type keyEncoder struct {
	cols  [2][]*col.Column
	float []bool // key i compares as float64 (an int against a float)
}

func newKeyEncoder(left, right []*col.Column) *keyEncoder {
	e := &keyEncoder{cols: [2][]*col.Column{left, right}, float: make([]bool, len(left))}
	for i := range left {
		lt, rt := left[i].Type, right[i].Type
		e.float[i] = lt.IsFloat() || rt.IsFloat()
	}
	return e
}

// encode appends side's (0 left, 1 right) row i key encoding to dst.
func (e *keyEncoder) encode(dst []byte, side, i int) []byte {
	for k, c := range e.cols[side] {
		dst = appendKey(dst, c, i, e.float[k])
	}
	return dst
}

// appendKey appends one value's encoding: a tag byte ('N' for missing) and
// the value. asFloat compares numbers as float64 values.
func appendKey(dst []byte, c *col.Column, i int, asFloat bool) []byte {
	if c.IsNA(i) {
		return append(dst, 'N')
	}
	switch {
	case asFloat && (c.Type.IsInt() || c.Type.IsFloat()):
		var f float64
		if c.Type.IsInt() {
			f = float64(c.I64[i])
		} else {
			f = c.F64[i]
		}
		if f == 0 {
			f = 0 // -0.0 matches 0.0
		}
		return binary.LittleEndian.AppendUint64(append(dst, 'f'), math.Float64bits(f))
	case c.Type.IsInt() || c.Type.IsDatetime():
		return binary.LittleEndian.AppendUint64(append(dst, 'i'), uint64(c.I64[i]))
	case c.Type.IsFloat():
		f := c.F64[i]
		if f == 0 {
			f = 0
		}
		return binary.LittleEndian.AppendUint64(append(dst, 'f'), math.Float64bits(f))
	case c.Type == ir.Bool:
		if c.B[i] {
			return append(dst, 'b', 1)
		}
		return append(dst, 'b', 0)
	case c.Type == ir.String:
		s := c.StrBytes(i)
		dst = binary.LittleEndian.AppendUint64(append(dst, 's'), uint64(len(s)))
		return append(dst, s...)
	}
	return append(dst, '?')
}
