package lower

import (
	"fmt"
	"math"

	"github.com/flern/flern/golib/ir"
)

// Buf is one loop input or Append output: exactly one slice is used, chosen
// by the element type (Float32: F32, Float64: F64, Int64: I64, Bool: B; a
// Bool input with Input.Bits: Bits).
type Buf struct {
	F32  []float32
	F64  []float64
	I64  []int64
	B    []bool
	Bits []byte // a packed bitmap, bit i of byte i/8 (LSB first, Arrow's validity)
	// Codes, for an Indexed input, holds each row's index into the values
	// (F64 or I64).
	Codes []int32
}

// NewBuf allocates an n-element buffer of type t.
func NewBuf(t ir.DType, n int) Buf {
	switch t {
	case ir.Float32:
		return Buf{F32: make([]float32, n)}
	case ir.Float64:
		return Buf{F64: make([]float64, n)}
	case ir.Int64:
		return Buf{I64: make([]int64, n)}
	}
	return Buf{B: make([]bool, n)}
}

// Acc is the state of one Merge reduction (or one group's GroupMerge slot).
// Its layout is shared with the generated C (fl_acc): keep the four 8-byte
// fields in this order.
type Acc struct {
	F   float64 // float sum / min / max
	I   int64   // int64 sum / min / max (wrapping)
	N   int64   // number of values fed
	NaN int64   // 1 once a NaN was fed to a reduction that propagates it
}

// Combine merges the partial state b (of the same builder) into a.
func (a *Acc) Combine(b Acc, bl Builder, t ir.DType) {
	if b.NaN != 0 {
		a.NaN = 1
	}
	if b.N == 0 {
		return
	}
	switch bl.Agg {
	case "sum":
		a.F += b.F
		a.I += b.I
	case "min":
		if a.N == 0 || b.F < a.F {
			a.F = b.F
		}
		if a.N == 0 || b.I < a.I {
			a.I = b.I
		}
	case "max":
		if a.N == 0 || b.F > a.F {
			a.F = b.F
		}
		if a.N == 0 || b.I > a.I {
			a.I = b.I
		}
	}
	a.N += b.N
}

// Outputs are where a run of a loop writes: one entry per builder.
type Outputs struct {
	Append []Buf   // Append builders: the output vectors (len = rows)
	Merge  []Acc   // Merge builders: one accumulator each
	Groups [][]Acc // GroupMerge builders: one accumulator per group
	// Vec holds the VecMerge builders' [size, W] matrices (zeroed), shared
	// by the workers of Parallel; Dest is the range of target rows
	// [Dest[0], Dest[1]) a run adds to (each worker owns one range).
	Vec  []Buf
	Dest [2]int64
	// Selected holds, per morsel, the number of rows a compacting loop
	// (Loop.Compacts) selected; after Parallel, SelectedRows is their total
	// and the Append outputs' length.
	Selected []int64
}

// SelectedRows is the number of rows a compacting loop selected.
func (o *Outputs) SelectedRows() int {
	n := 0
	for _, k := range o.Selected {
		n += int(k)
	}
	return n
}

// NewOutputs allocates the outputs of a loop over rows rows with ngroups
// groups (GroupMerge) or target length ngroups (VecMerge).
func NewOutputs(l *Loop, rows, ngroups int) *Outputs {
	o := &Outputs{Append: make([]Buf, len(l.Builders)), Merge: make([]Acc, len(l.Builders)),
		Groups: make([][]Acc, len(l.Builders)), Vec: make([]Buf, len(l.Builders))}
	if l.Scatters() {
		o.Dest = [2]int64{0, int64(ngroups)}
	}
	if l.Compacts() {
		o.Selected = make([]int64, max(1, (rows+Morsel-1)/Morsel))
	}
	var matrix *Buf // shared by the strided Append builders
	for i, b := range l.Builders {
		switch {
		case b.Kind == Append && b.Stride > 0:
			if matrix == nil {
				m := NewOutputBuf(b.Type, rows*b.Stride)
				matrix = &m
			}
			o.Append[i] = *matrix
		case b.Kind == Append:
			o.Append[i] = NewOutputBuf(b.Type, rows)
		case b.Kind == GroupMerge:
			o.Groups[i] = make([]Acc, ngroups)
		case b.Kind == VecMerge:
			o.Vec[i] = NewBuf(b.Type, ngroups*l.ScatterWidth())
		}
	}
	return o
}

const block = 1024

// vals holds one instruction's values over a block of rows.
type vals struct {
	f []float64 // Float32 (already rounded) and Float64
	i []int64
	b []bool
}

// Eval runs the loop on rows [begin, end) of the inputs with the Go
// evaluator, writing Append outputs at the rows' positions and feeding
// Merge/GroupMerge/VecMerge state in out (not safe for concurrent use on
// the same out unless the builders are Append-only).
func Eval(l *Loop, in []Buf, begin, end int, out *Outputs) {
	if l.Scatters() {
		evalScatter(l, in, begin, end, out)
		return
	}
	regs := newRegs(l, in)
	pos := begin // compacting loops: where the next selected row goes
	for lo := begin; lo < end; lo += block {
		hi := min(lo+block, end)
		n := hi - lo
		for i := range l.Body {
			if l.Body[i].Op != "const" {
				evalInstr(l, i, in, lo, n, nil, regs)
			}
		}
		feed(l, in, lo, n, regs, out, &pos)
	}
	if out.Selected != nil {
		out.Selected[begin/Morsel] = int64(pos - begin)
	}
}

// evalScatter is Eval for a VecMerge loop: of rows [begin, end) it
// evaluates, in row order, those whose index lies in out.Dest, and adds
// their values to the targets.
func evalScatter(l *Loop, in []Buf, begin, end int, out *Outputs) {
	w := l.ScatterWidth()
	idx := in[l.Group].I64
	lo, hi := out.Dest[0], out.Dest[1]
	regs := newRegs(l, in)
	rows := make([]int, 0, block) // the rows evaluated together
	dst := make([]int, 0, block)  // their target elements
	flush := func() {
		if len(rows) == 0 {
			return
		}
		for i := range l.Body {
			if l.Body[i].Op != "const" {
				evalInstr(l, i, in, 0, len(rows), rows, regs)
			}
		}
		for bi, b := range l.Builders {
			v, o := &regs[b.Value], out.Vec[bi]
			switch b.Type {
			case ir.Float32:
				for j, d := range dst {
					o.F32[d] += float32(v.f[j])
				}
			case ir.Float64:
				for j, d := range dst {
					o.F64[d] += v.f[j]
				}
			default:
				for j, d := range dst {
					o.I64[d] += v.i[j]
				}
			}
		}
		rows, dst = rows[:0], dst[:0]
	}
	if lo == 0 && hi*int64(w) == int64(len(out.Vec[0].F32)+len(out.Vec[0].F64)+len(out.Vec[0].I64)) {
		// one run owns every target row (a single worker): the rows are
		// evaluated in contiguous blocks, as in Eval, and added in order
		for blo := begin; blo < end; blo += block {
			n := min(block, end-blo)
			for i := range l.Body {
				if l.Body[i].Op != "const" {
					evalInstr(l, i, in, blo, n, nil, regs)
				}
			}
			for j := 0; j < n; {
				r := (blo + j) / w
				first := blo + j - r*w // the column of row blo+j
				seg := min(w-first, n-j)
				if d := idx[r]; d >= lo && d < hi {
					at := int(d)*w + first
					for bi, b := range l.Builders {
						v, o := &regs[b.Value], out.Vec[bi]
						switch b.Type {
						case ir.Float32:
							dst, src := o.F32[at:at+seg], v.f[j:j+seg]
							for e, x := range src {
								dst[e] += float32(x)
							}
						case ir.Float64:
							dst, src := o.F64[at:at+seg], v.f[j:j+seg]
							for e, x := range src {
								dst[e] += x
							}
						default:
							dst, src := o.I64[at:at+seg], v.i[j:j+seg]
							for e, x := range src {
								dst[e] += x
							}
						}
					}
				}
				j += seg
			}
		}
		return
	}
	for r := begin / w; r*w < end; r++ {
		d := idx[r]
		if d < lo || d >= hi {
			continue
		}
		for i := max(begin, r*w); i < min(end, r*w+w); i++ {
			rows = append(rows, i)
			dst = append(dst, int(d)*w+i-r*w)
			if len(rows) == block {
				flush()
			}
		}
	}
	flush()
}

// newRegs allocates the block registers of l's instructions and fills the
// constants' (the same in every block).
func newRegs(l *Loop, in []Buf) []vals {
	regs := make([]vals, len(l.Body))
	for i, ins := range l.Body {
		switch ins.Type {
		case ir.Float32, ir.Float64:
			regs[i].f = make([]float64, block)
		case ir.Int64:
			regs[i].i = make([]int64, block)
		default:
			regs[i].b = make([]bool, block)
		}
		if ins.Op == "const" { // the same in every block: filled once
			evalInstr(l, i, in, 0, block, nil, regs)
		}
	}
	return regs
}

// evalInstr computes instruction k over a block of n rows: rows lo ..
// lo+n-1, or rows[0..n-1] when rows is not nil.
func evalInstr(l *Loop, k int, in []Buf, lo, n int, rows []int, regs []vals) {
	ins := &l.Body[k]
	r := &regs[k]

	switch ins.Op {
	case "load":
		src := in[ins.Input]
		if l.Inputs[ins.Input].Scalar {
			for j := 0; j < n; j++ {
				switch ins.Type {
				case ir.Float32:
					r.f[j] = float64(src.F32[0])
				case ir.Float64:
					r.f[j] = src.F64[0]
				case ir.Int64:
					r.i[j] = src.I64[0]
				default:
					r.b[j] = src.B[0]
				}
			}
			return
		}
		if l.Inputs[ins.Input].Bits {
			for j := 0; j < n; j++ {
				i := lo + j
				if rows != nil {
					i = rows[j]
				}
				r.b[j] = src.Bits[i>>3]>>(uint(i)&7)&1 != 0
			}
			return
		}
		if bc := l.Inputs[ins.Input].Bcast; bc != Full {
			w := l.Width
			for j := 0; j < n; j++ {
				i := lo + j
				if rows != nil {
					i = rows[j]
				}
				e := i % w
				if bc == Outer {
					e = i / w
				}
				switch ins.Type {
				case ir.Float32:
					r.f[j] = float64(src.F32[e])
				case ir.Float64:
					r.f[j] = src.F64[e]
				case ir.Int64:
					r.i[j] = src.I64[e]
				default:
					r.b[j] = src.B[e]
				}
			}
			return
		}
		if l.Inputs[ins.Input].Indexed {
			for j := 0; j < n; j++ {
				i := lo + j
				if rows != nil {
					i = rows[j]
				}
				if ins.Type == ir.Float64 {
					r.f[j] = src.F64[src.Codes[i]]
				} else {
					r.i[j] = src.I64[src.Codes[i]]
				}
			}
			return
		}
		if rows != nil {
			for j, i := range rows[:n] {
				switch ins.Type {
				case ir.Float32:
					r.f[j] = float64(src.F32[i])
				case ir.Float64:
					r.f[j] = src.F64[i]
				case ir.Int64:
					r.i[j] = src.I64[i]
				default:
					r.b[j] = src.B[i]
				}
			}
			return
		}
		switch ins.Type {
		case ir.Float32:
			x := src.F32[lo : lo+n]
			f := r.f[:n]
			for j, v := range x {
				f[j] = float64(v)
			}
		case ir.Float64:
			copy(r.f[:n], src.F64[lo:lo+n])
		case ir.Int64:
			copy(r.i[:n], src.I64[lo:lo+n])
		default:
			copy(r.b[:n], src.B[lo:lo+n])
		}
		return
	case "row":
		for j := 0; j < n; j++ {
			i := lo + j
			if rows != nil {
				i = rows[j]
			}
			r.i[j] = int64(i)
		}
		return
	case "const":
		for j := 0; j < n; j++ {
			switch ins.Type {
			case ir.Float32:
				r.f[j] = float64(float32(constF(ins.Const)))
			case ir.Float64:
				r.f[j] = constF(ins.Const)
			case ir.Int64:
				r.i[j] = ins.Const.I
			default:
				r.b[j] = ins.Const.B
			}
		}
		return
	}
	args := make([]*vals, len(ins.Args))
	for i, a := range ins.Args {
		args[i] = &regs[a]
	}
	at0 := l.Body[ins.Args[0]].Type
	switch ins.Op {
	case "cast":
		castVals(at0, ins.Type, args[0], r, n)
	case "where":
		for j := 0; j < n; j++ {
			src := args[2]
			if args[0].b[j] {
				src = args[1]
			}
			switch ins.Type {
			case ir.Float32, ir.Float64:
				r.f[j] = src.f[j]
			case ir.Int64:
				r.i[j] = src.i[j]
			default:
				r.b[j] = src.b[j]
			}
		}
	case "eq", "ne", "lt", "le", "gt", "ge":
		compareVals(ins.Op, at0, args[0], args[1], r, n)
	case "and", "or", "not":
		for j := 0; j < n; j++ {
			switch ins.Op {
			case "and":
				r.b[j] = args[0].b[j] && args[1].b[j]
			case "or":
				r.b[j] = args[0].b[j] || args[1].b[j]
			default:
				r.b[j] = !args[0].b[j]
			}
		}
	default:
		switch ins.Type {
		case ir.Float32, ir.Float64:
			var y []float64
			if len(args) > 1 {
				y = args[1].f[:n]
			}
			floatOp(ins.Op, args[0].f[:n], y, r.f[:n])
			if ins.Type == ir.Float32 {
				f := r.f[:n]
				for j, v := range f {
					f[j] = float64(float32(v))
				}
			}
		case ir.Int64:
			var y []int64
			if len(args) > 1 {
				y = args[1].i[:n]
			}
			intOp(ins.Op, args[0].i[:n], y, r.i[:n])
		default: // bool arithmetic (torch): add/maximum = or, mul/minimum = and
			for j := 0; j < n; j++ {
				x, y := args[0].b[j], args[1].b[j]
				if ins.Op == "add" || ins.Op == "maximum" {
					r.b[j] = x || y
				} else {
					r.b[j] = x && y
				}
			}
		}
	}
}

// constF is a numeric literal as float64.
func constF(v ir.Value) float64 {
	if v.Type.IsInt() {
		return float64(v.I)
	}
	return v.F
}

// floatOp computes r = op(x, y) elementwise in float64 (the common ops as
// plain loops; the rest through floatFunc).
func floatOp(op string, x, y, r []float64) {
	switch op {
	case "add":
		for j := range r {
			r[j] = x[j] + y[j]
		}
	case "sub":
		for j := range r {
			r[j] = x[j] - y[j]
		}
	case "mul":
		for j := range r {
			r[j] = x[j] * y[j]
		}
	case "div":
		for j := range r {
			r[j] = x[j] / y[j]
		}
	case "neg":
		for j := range r {
			r[j] = -x[j]
		}
	case "abs":
		for j := range r {
			r[j] = math.Abs(x[j])
		}
	case "relu":
		for j, v := range x[:len(r)] {
			if !(v > 0 || v != v) {
				v = 0
			}
			r[j] = v
		}
	default:
		f := floatFunc(op)
		if y == nil {
			for j := range r {
				r[j] = f(x[j], 0)
			}
			return
		}
		for j := range r {
			r[j] = f(x[j], y[j])
		}
	}
}

// intOp computes r = op(x, y) elementwise with int64 wraparound.
func intOp(op string, x, y, r []int64) {
	switch op {
	case "add":
		for j := range r {
			r[j] = x[j] + y[j]
		}
	case "sub":
		for j := range r {
			r[j] = x[j] - y[j]
		}
	case "mul":
		for j := range r {
			r[j] = x[j] * y[j]
		}
	default:
		f := intFunc(op)
		for j := range r {
			var b int64
			if y != nil {
				b = y[j]
			}
			r[j] = f(x[j], b)
		}
	}
}

// floatFunc is the float64 definition of a float function; Float32 results
// are rounded by the caller.
func floatFunc(op string) func(x, y float64) float64 {
	switch op {
	case "neg":
		return func(x, _ float64) float64 { return -x }
	case "abs":
		return func(x, _ float64) float64 { return math.Abs(x) }
	case "relu":
		return func(x, _ float64) float64 {
			if x > 0 || math.IsNaN(x) {
				return x
			}
			return 0
		}
	case "exp":
		return func(x, _ float64) float64 { return math.Exp(x) }
	case "log":
		return func(x, _ float64) float64 { return math.Log(x) }
	case "sqrt":
		return func(x, _ float64) float64 { return math.Sqrt(x) }
	case "tanh":
		return func(x, _ float64) float64 { return math.Tanh(x) }
	case "sigmoid":
		return func(x, _ float64) float64 { return 1 / (1 + math.Exp(-x)) }
	case "add":
		return func(x, y float64) float64 { return x + y }
	case "sub":
		return func(x, y float64) float64 { return x - y }
	case "mul":
		return func(x, y float64) float64 { return x * y }
	case "div":
		return func(x, y float64) float64 { return x / y }
	case "pow":
		return math.Pow
	case "maximum":
		return func(x, y float64) float64 {
			if math.IsNaN(x) || math.IsNaN(y) {
				return math.NaN()
			}
			return math.Max(x, y)
		}
	case "minimum":
		return func(x, y float64) float64 {
			if math.IsNaN(x) || math.IsNaN(y) {
				return math.NaN()
			}
			return math.Min(x, y)
		}
	}
	panic(fmt.Sprintf("lower: no float function %s", op))
}

// intFunc is the wrapping int64 definition of an integer function.
func intFunc(op string) func(x, y int64) int64 {
	switch op {
	case "neg":
		return func(x, _ int64) int64 { return -x }
	case "abs":
		return func(x, _ int64) int64 {
			if x < 0 {
				return -x
			}
			return x
		}
	case "relu":
		return func(x, _ int64) int64 { return max(x, 0) }
	case "add":
		return func(x, y int64) int64 { return x + y }
	case "sub":
		return func(x, y int64) int64 { return x - y }
	case "mul":
		return func(x, y int64) int64 { return x * y }
	case "maximum":
		return func(x, y int64) int64 { return max(x, y) }
	case "minimum":
		return func(x, y int64) int64 { return min(x, y) }
	}
	panic(fmt.Sprintf("lower: no int64 function %s", op))
}

func castVals(from, to ir.DType, x, r *vals, n int) {
	for j := 0; j < n; j++ {
		switch to {
		case ir.Float32, ir.Float64:
			var v float64
			switch from {
			case ir.Float32, ir.Float64:
				v = x.f[j]
			case ir.Int64:
				v = float64(x.i[j])
				if to == ir.Float32 { // round once, as float32(int64)
					v = float64(float32(x.i[j]))
				}
			default:
				if x.b[j] {
					v = 1
				}
			}
			if to == ir.Float32 {
				v = float64(float32(v))
			}
			r.f[j] = v
		case ir.Int64:
			switch from {
			case ir.Int64:
				r.i[j] = x.i[j]
			case ir.Bool:
				r.i[j] = 0
				if x.b[j] {
					r.i[j] = 1
				}
			default:
				panic("lower: float -> int64 casts are not lowered")
			}
		default:
			switch from {
			case ir.Float32, ir.Float64:
				r.b[j] = x.f[j] != 0
			case ir.Int64:
				r.b[j] = x.i[j] != 0
			default:
				r.b[j] = x.b[j]
			}
		}
	}
}

// compareVals compares two values of type t (both operands have the
// same type: the lowering casts them first). NaN compares unequal to
// everything (IEEE, as the interpreter).
func compareVals(op string, t ir.DType, x, y, r *vals, n int) {
	for j := 0; j < n; j++ {
		var c int
		switch t {
		case ir.Float32, ir.Float64:
			p, q := x.f[j], y.f[j]
			if p != p || q != q {
				r.b[j] = op == "ne"
				continue
			}
			c = cmp3(p < q, p > q)
		case ir.Int64:
			c = cmp3(x.i[j] < y.i[j], x.i[j] > y.i[j])
		default:
			c = cmp3(!x.b[j] && y.b[j], x.b[j] && !y.b[j])
		}
		switch op {
		case "eq":
			r.b[j] = c == 0
		case "ne":
			r.b[j] = c != 0
		case "lt":
			r.b[j] = c < 0
		case "le":
			r.b[j] = c <= 0
		case "gt":
			r.b[j] = c > 0
		default:
			r.b[j] = c >= 0
		}
	}
}

func cmp3(lt, gt bool) int {
	if lt {
		return -1
	}
	if gt {
		return 1
	}
	return 0
}

// feed passes the block's values to the builders.
func feed(l *Loop, in []Buf, lo, n int, regs []vals, out *Outputs, pos *int) {
	var sel []bool
	if l.Filter >= 0 {
		sel = regs[l.Filter].b
	}
	selected := 0
	if sel != nil {
		for _, b := range sel[:n] {
			if b {
				selected++
			}
		}
	}
	defer func() { *pos += selected }()
	var gid []int64
	if l.Group >= 0 {
		gid = in[l.Group].I64[lo : lo+n]
	}
	for bi, b := range l.Builders {
		v := &regs[b.Value]
		t := l.Body[b.Value].Type
		switch b.Kind {
		case Append:
			o := out.Append[bi]
			row := lo
			if sel != nil {
				row = *pos
			}
			stride, at := 1, row
			if b.Stride > 0 {
				stride, at = b.Stride, row*b.Stride+b.Offset
			}
			for j := 0; j < n; j++ {
				if sel != nil && !sel[j] {
					continue
				}
				switch t {
				case ir.Float32:
					o.F32[at] = float32(v.f[j])
				case ir.Float64:
					o.F64[at] = v.f[j]
				case ir.Int64:
					o.I64[at] = v.i[j]
				default:
					o.B[at] = v.b[j]
				}
				at += stride
			}
		case Merge, GroupMerge:
			for j := 0; j < n; j++ {
				if sel != nil && !sel[j] || gid != nil && gid[j] < 0 {
					continue
				}
				a := &out.Merge[bi]
				if b.Kind == GroupMerge {
					a = &out.Groups[bi][gid[j]]
				}
				accumulate(a, b, t, v, j)
			}
		}
	}
}

// accumulate feeds value j of v (of type t) to the reduction state a.
func accumulate(a *Acc, b Builder, t ir.DType, v *vals, j int) {
	switch t {
	case ir.Float32, ir.Float64:
		x := v.f[j]
		if x != x {
			if !b.SkipNaN {
				a.NaN = 1
			}
			return
		}
		switch b.Agg {
		case "sum":
			a.F += x
		case "min":
			if a.N == 0 || x < a.F {
				a.F = x
			}
		case "max":
			if a.N == 0 || x > a.F {
				a.F = x
			}
		}
	default:
		var x int64
		if t == ir.Bool {
			if v.b[j] {
				x = 1
			}
		} else {
			x = v.i[j]
		}
		switch b.Agg {
		case "sum":
			a.I += x
		case "min":
			if a.N == 0 || x < a.I {
				a.I = x
			}
		case "max":
			if a.N == 0 || x > a.I {
				a.I = x
			}
		}
	}
	a.N++
}
