package exec

// Column plumbing for the parallel operators: zero-copy morsel views of a
// frame, concatenation of per-morsel results, and a parallel gather (the
// row-copying step of filter, join and sort).

import (
	"encoding/binary"
	"math"

	"github.com/flern/flern/golib/col"
	"github.com/flern/flern/golib/ir"
)

// sliceCol returns rows [lo, hi) of c sharing its memory. lo must be a
// multiple of 8 when c has a validity bitmap (morsel starts are). String
// offsets keep pointing into c.Data (they need not start at 0).
func sliceCol(c *col.Column, lo, hi int) *col.Column {
	if lo == 0 && hi == c.N {
		return c
	}
	out := &col.Column{Type: c.Type, N: hi - lo, Keep: c.Keep}
	switch {
	case c.I64 != nil:
		out.I64 = c.I64[lo:hi]
	case c.F64 != nil:
		out.F64 = c.F64[lo:hi]
	case c.B != nil:
		out.B = c.B[lo:hi]
	}
	if c.Offs != nil {
		out.Offs, out.Data = c.Offs[lo:hi+1], c.Data
	}
	if c.Valid != nil {
		if lo%8 == 0 {
			out.Valid = c.Valid[lo/8 : (hi+7)/8]
		} else {
			out.Valid = col.NewBitmap(hi-lo, true)
			for i := lo; i < hi; i++ {
				if !c.IsValid(i) {
					col.SetBit(out.Valid, i-lo, false)
				}
			}
		}
	}
	return out
}

// sliceFrame returns rows [lo, hi) of f's columns (no index: row-wise
// evaluation does not read it).
func sliceFrame(f *col.Frame, lo, hi int) *col.Frame {
	out := &col.Frame{Names: f.Names, N: hi - lo, Cols: make([]*col.Column, len(f.Cols))}
	for i, c := range f.Cols {
		out.Cols[i] = sliceCol(c, lo, hi)
	}
	return out
}

// fixedWidth reports whether columns of type t keep their values in I64,
// F64 or B (everything but strings and the all-null type).
func fixedWidth(t ir.DType) bool { return t != ir.String && t != ir.Null }

// concatCols joins per-morsel columns of one type into one column, copying
// the parts in parallel. ok is false when the parts disagree on the type or
// layout (the caller falls back to the interpreter).
func concatCols(c *Ctx, node *ir.Node, parts []*col.Column) (*col.Column, bool, error) {
	if len(parts) == 1 {
		return parts[0], true, nil
	}
	t := parts[0].Type
	n, nulls := 0, false
	starts := make([]int, len(parts)+1)
	for i, p := range parts {
		if p.Type != t || (fixedWidth(t) && p.I64 == nil && p.F64 == nil && p.B == nil && p.N > 0) {
			return nil, false, nil
		}
		n += p.N
		starts[i+1] = n
		nulls = nulls || p.Valid != nil
	}
	if t == ir.Null {
		return &col.Column{Type: ir.Null, N: n, Valid: col.NewBitmap(n, false)}, true, nil
	}
	out := &col.Column{Type: t, N: n}
	if nulls {
		out.Valid = col.NewBitmap(n, true)
	}
	var dataStarts []int64
	switch {
	case t == ir.String:
		out.Offs = make([]int64, n+1)
		dataStarts = make([]int64, len(parts)+1)
		for i, p := range parts {
			dataStarts[i+1] = dataStarts[i] + p.Offs[p.N] - p.Offs[0]
		}
		out.Data = make([]byte, dataStarts[len(parts)])
	case parts[0].I64 != nil || (t.IsInt() || t.IsDatetime()):
		out.I64 = col.Uninit[int64](n) // the parts cover every row: nothing to zero
	case t.IsFloat():
		out.F64 = col.Uninit[float64](n)
	case t == ir.Bool:
		out.B = col.Uninit[bool](n)
	}
	err := forTasks(c, node, len(parts), func(i int) error {
		p, at := parts[i], starts[i]
		switch {
		case out.Offs != nil:
			base := p.Offs[0]
			copy(out.Data[dataStarts[i]:], p.Data[base:p.Offs[p.N]])
			shift := dataStarts[i] - base
			for r := 0; r < p.N; r++ {
				out.Offs[at+r+1] = p.Offs[r+1] + shift
			}
		case out.I64 != nil:
			copy(out.I64[at:], p.I64[:p.N])
		case out.F64 != nil:
			copy(out.F64[at:], p.F64[:p.N])
		case out.B != nil:
			copy(out.B[at:], p.B[:p.N])
		}
		return nil
	})
	if err != nil {
		return nil, false, err
	}
	if nulls { // bit writes share bytes at part edges: set them serially
		for i, p := range parts {
			if p.Valid == nil {
				continue
			}
			for r := 0; r < p.N; r++ {
				if !p.IsValid(r) {
					col.SetBit(out.Valid, starts[i]+r, false)
				}
			}
		}
	}
	return out, true, nil
}

// gather returns c's rows at idx (a negative index gives a missing value)
// as type t, copying in parallel. t differs from c.Type only for an integer
// column promoted to float64 because rows may be missing (pandas' upcast).
func gather(c *Ctx, node *ir.Node, src *col.Column, idx []int32, t ir.DType) (*col.Column, error) {
	return gatherNeg(c, node, src, idx, t, hasNeg(idx))
}

// gatherNeg is gather when whether idx holds a negative entry is known
// (gatherFrame: none), so idx is not scanned for one per column.
func gatherNeg(c *Ctx, node *ir.Node, src *col.Column, idx []int32, t ir.DType, neg bool) (*col.Column, error) {
	n := len(idx)
	promote := src.Type.IsInt() && t.IsFloat()
	out := &col.Column{Type: t, N: n}
	// every row's value written below (no missing row, no null to skip):
	// the buffers need no zeroing
	full := src.Valid == nil && !neg
	f64s := func() []float64 {
		if full {
			return col.Uninit[float64](n)
		}
		return make([]float64, n)
	}
	if promote {
		out.F64 = f64s()
	} else {
		t = src.Type
		out.Type = t
		switch {
		case t == ir.String:
			out.Offs = col.Uninit[int64](n + 1) // every entry written below
			out.Offs[0] = 0
		case t == ir.Null:
			return &col.Column{Type: ir.Null, N: n, Valid: col.NewBitmap(n, false)}, nil
		case t.IsInt() || t.IsDatetime():
			if full {
				out.I64 = col.Uninit[int64](n)
			} else {
				out.I64 = make([]int64, n)
			}
		case t.IsFloat():
			out.F64 = f64s()
		case t == ir.Bool:
			if full {
				out.B = col.Uninit[bool](n)
			} else {
				out.B = make([]bool, n)
			}
		default:
			return nil, ir.Errorf("NotImplemented", "gathering a %s column", t)
		}
	}
	// missing rows (as col.Column.Take and interp's takeAs): a negative index
	// is NaN for floats and null otherwise; a null stays null, except that
	// a promoted integer column holds NaN
	needValid := !promote && (src.Valid != nil || (!t.IsFloat() && neg))
	if needValid {
		out.Valid = col.NewBitmap(n, true)
	}
	k := numMorsels(n)
	var dataLen []int64
	if t == ir.String {
		dataLen = make([]int64, k+1)
	}
	// Pass 1 (strings: lengths and offsets within the morsel; others: values).
	err := forMorsels(c, node, n, func(m, lo, hi int) error {
		switch {
		case full && !promote && out.I64 != nil:
			takeAscending(out.I64[lo:hi], src.I64, idx[lo:hi])
		case full && !promote && out.F64 != nil:
			takeAscending(out.F64[lo:hi], src.F64, idx[lo:hi])
		case full && !promote && out.B != nil:
			takeAscending(out.B[lo:hi], src.B, idx[lo:hi])
		case promote:
			for i := lo; i < hi; i++ {
				j := idx[i]
				if j < 0 || !src.IsValid(int(j)) {
					out.F64[i] = math.NaN()
				} else {
					out.F64[i] = float64(src.I64[j])
				}
			}
		case out.I64 != nil:
			for i := lo; i < hi; i++ {
				if j := idx[i]; j >= 0 {
					out.I64[i] = src.I64[j]
				}
			}
		case out.F64 != nil:
			for i := lo; i < hi; i++ {
				j := idx[i]
				switch {
				case j < 0:
					out.F64[i] = math.NaN()
				case src.Valid == nil || src.IsValid(int(j)):
					out.F64[i] = src.F64[j]
				}
			}
		case out.B != nil:
			for i := lo; i < hi; i++ {
				if j := idx[i]; j >= 0 {
					out.B[i] = src.B[j]
				}
			}
		case t == ir.String:
			total := int64(0)
			for i := lo; i < hi; i++ {
				if j := idx[i]; j >= 0 {
					total += src.Offs[j+1] - src.Offs[j]
				}
				out.Offs[i+1] = total
			}
			dataLen[m+1] = total
		}
		if needValid { // lo is a multiple of 8: this morsel owns its bytes
			for i := lo; i < hi; i++ {
				if j := idx[i]; (j < 0 && !t.IsFloat()) || (j >= 0 && !src.IsValid(int(j))) {
					col.SetBit(out.Valid, i, false)
				}
			}
		}
		return nil
	})
	if err != nil || t != ir.String {
		return out, err
	}
	for m := 0; m < k; m++ {
		dataLen[m+1] += dataLen[m]
	}
	out.Data = col.Uninit[uint8](int(dataLen[k])) // every byte written below
	err = forMorsels(c, node, n, func(m, lo, hi int) error {
		// out.Offs[lo] belongs to the previous morsel (and may be being
		// rebased right now): start from this morsel's base instead
		at, end := dataLen[m], dataLen[m+1]
		sd, od := src.Data, out.Data
		for i := lo; i < hi; i++ {
			if j := idx[i]; j >= 0 {
				a, b := src.Offs[j], src.Offs[j+1]
				// a short string as one 8-byte move: the bytes past it are
				// this morsel's next strings' (rewritten by them) and the
				// source's slack, never past this morsel's end
				if b-a <= 8 && at+8 <= end && a+8 <= int64(len(sd)) {
					binary.LittleEndian.PutUint64(od[at:], binary.LittleEndian.Uint64(sd[a:]))
				} else {
					copy(od[at:], sd[a:b])
				}
			}
			at = out.Offs[i+1] + dataLen[m]
			out.Offs[i+1] = at
		}
		return nil
	})
	return out, err
}

// takeAscending writes src[idx[i]] to dst[i] (no negative index). Indices
// mostly ascending by one (a dropna or a filter keeping most rows) are
// copied run by run; others one by one.
func takeAscending[T int64 | float64 | bool](dst, src []T, idx []int32) {
	n := len(idx)
	if n == 0 {
		return
	}
	// ascending by one, mostly: the last index n-1 to 2n past the first
	// (not a gather by value numbers, whose indices span a few values)
	if span := int64(idx[n-1]) - int64(idx[0]); span < int64(n-1) || span >= int64(2*n) {
		for i, j := range idx {
			dst[i] = src[j]
		}
		return
	}
	for i := 0; i < n; {
		j := idx[i]
		k := i + 1
		for k < n && idx[k] == j+int32(k-i) {
			k++
		}
		if k-i >= 8 {
			copy(dst[i:k], src[j:int(j)+k-i])
		} else {
			for t := i; t < k; t++ {
				dst[t] = src[idx[t]]
			}
		}
		i = k
	}
}

func hasNeg(idx []int32) bool {
	for _, j := range idx {
		if j < 0 {
			return true
		}
	}
	return false
}

// gatherFrame gathers rows of f's columns and index levels at idx (no
// negative entries), as col.Frame.Take does: a RangeIndex becomes the int64
// index of the original positions. The result of a node whose labels no
// reader observes (Ctx.unlabeled) gets a RangeIndex instead.
func gatherFrame(c *Ctx, node *ir.Node, f *col.Frame, idx []int32) (*col.Frame, error) {
	out := &col.Frame{Names: f.Names, N: len(idx), IndexNames: f.IndexNames}
	out.Cols = make([]*col.Column, len(f.Cols))
	for i, cl := range f.Cols {
		g, err := gatherNeg(c, node, cl, idx, cl.Type, false)
		if err != nil {
			return nil, err
		}
		if err := gatherCodes(c, node, cl, g, idx); err != nil {
			return nil, err
		}
		out.Cols[i] = g
	}
	if c != nil && node != nil && int(node.ID) < len(c.unlabeled) && c.unlabeled[node.ID] {
		out.IndexNames = nil
		return out, nil
	}
	if f.Index == nil {
		pos := col.Uninit[int64](len(idx))
		err := forMorsels(c, node, len(idx), func(_, lo, hi int) error {
			for i, j := range idx[lo:hi] {
				pos[lo+i] = int64(j)
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
		out.Index, out.IndexNames = []*col.Column{col.NewInt64(pos)}, []string{""}
		return out, nil
	}
	out.Index = make([]*col.Column, len(f.Index))
	for i, cl := range f.Index {
		g, err := gatherNeg(c, node, cl, idx, cl.Type, false)
		if err != nil {
			return nil, err
		}
		out.Index[i] = g
	}
	return out, nil
}
