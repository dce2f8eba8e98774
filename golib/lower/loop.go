// Package lower is flern's low-level IR: parallel loops over the rows of
// column and tensor buffers that compute typed scalar expressions and feed
// builders (append: one output element per row; merge: a scalar reduction;
// group-merge: one reduction slot per group id; vec-merge: scatter-add of
// rows into a matrix at int64 row indices, the gradient of embedding and
// index_select), plus the fusion stage that replaces fusable subgraphs of the
// optimized high-level graph with `fused` nodes carrying such a loop.
//
// A Loop's meaning is defined here, once, and implemented twice: by the Go
// evaluator (Eval, the "codegen off / no compiler / small input" path) and by
// the C that golib/codegen emits. Both follow the reference interpreter's
// numerics for the ops they fuse:
//
//   - Float32 values are rounded to float32 after every instruction (the
//     interpreter computes in float64 and rounds once per op; for + - * / and
//     sqrt that is exactly float32 arithmetic). C is compiled without FMA
//     contraction (-ffp-contract=off), so + - * / sqrt give Go's bits (a
//     contracted a*b+c can even turn a float32 overflow's NaN into a
//     number); exp, tanh, sigmoid (golib/codegen's own), log and pow (libm)
//     may differ from Go's math in the last bits of a double.
//   - Int64 arithmetic wraps (C computes it in uint64_t).
//   - maximum/minimum propagate NaN (torch); Merge/GroupMerge with SkipNaN
//     ignore NaN (pandas skipna) and otherwise propagate it.
//   - Integer division/modulo, float->int casts and anything else whose
//     result is undefined in C are never lowered: those nodes stay high-level
//     and run on the interpreter, which raises exactly as before.
//   - Nulls: loops only read buffers without validity bitmaps (fusion checks
//     the schemas: non-nullable columns, tensors); a nullable input keeps the
//     node high-level.
package lower

import (
	"fmt"
	"strings"

	"github.com/flern/flern/golib/ir"
)

// Instr is one SSA instruction of a loop body, evaluated once per row.
// Args index earlier instructions of the same body.
type Instr struct {
	Op    string   // "load", "const", or a scalar function (see Funcs)
	Type  ir.DType // Float32, Float64, Int64 or Bool
	Args  []int
	Input int      // load: the input buffer read
	Const ir.Value // const: the value (I, F or B by Type)
}

// Input is one buffer the loop reads.
type Input struct {
	Type ir.DType // element type: Float32 (float), Float64, Int64, Bool (1 byte)
	// Scalar inputs hold one element, read by every row (a 0-dim tensor).
	Scalar bool
	// Bcast reads a broadcast operand of a loop whose rows form a matrix of
	// Loop.Width columns (a [.., W] tensor): Inner reads element i % Width
	// (an operand spanning the trailing dims, e.g. a bias [H] added to
	// [B, H]), Outer element i / Width (one element per leading index,
	// e.g. [B, 1] against [B, H]).
	Bcast Bcast
	// Bits marks a Bool input held as a packed bitmap (a column's validity:
	// bit i set when row i is not null).
	Bits bool
	// Indexed reads row i's element through the buffer's codes: element
	// Codes[i] of the values (a col.Lookup column: the split stage's
	// producers read one without gathering it first). Float64 and Int64
	// inputs read in full only.
	Indexed bool
}

// Bcast says how a loop reads an input buffer at row i.
type Bcast uint8

const (
	// Full reads element i.
	Full Bcast = iota
	// Inner reads element i % Loop.Width.
	Inner
	// Outer reads element i / Loop.Width.
	Outer
)

// BuilderKind says what a builder does with the value it is fed.
type BuilderKind uint8

const (
	// Append writes the value of every row into an output vector at the
	// row's position. In a filtered loop it writes the selected rows
	// consecutively instead (see Loop.Compacts).
	Append BuilderKind = iota
	// Merge reduces the values of the selected rows to one scalar.
	Merge
	// GroupMerge reduces the selected rows' values per group: the group id of
	// row i is Loop.Group's int64 buffer at i (rows with id -1 are skipped).
	GroupMerge
	// VecMerge adds row i's value into element idx[i/W]*W + i%W of a
	// [size, W] matrix (scatter-add: index_add along dim 0, the gradient
	// of embedding / index_select), where W is Loop.Width (1 when 0), idx
	// is Loop.Group's int64 buffer (read at i/W: an Outer input, or a full
	// input when Width is 0) and size the number of target rows (the
	// ngroups of Parallel). The matrix has the builder's Type (float32,
	// float64 or int64, wrapping) and starts at zero; every element is the
	// sum of its values in row order, added one at a time in that type
	// (float32 sums round after every addition), which is the reference
	// interpreter's index_add order: runs are bit-for-bit equal to it
	// whatever the number of workers (Parallel splits the target rows
	// between workers, not the source rows). Indices must lie in
	// [0, size): callers check them first (CheckIndex, raising as the
	// interpreter); the kernels skip any index outside their target range,
	// so they never write out of bounds. A loop with a VecMerge builder has
	// only VecMerge builders and no filter.
	VecMerge
)

var builderNames = [...]string{"append", "merge", "group_merge", "vec_merge"}

func (k BuilderKind) String() string { return builderNames[k] }

// Builder consumes one body value per selected row.
type Builder struct {
	Kind  BuilderKind
	Value int      // the body instruction fed to the builder
	Type  ir.DType // Append: the output element type (== the value's type)
	// Agg is the reduction of Merge/GroupMerge: sum, min, max, count.
	// (mean is sum and count, combined by the caller.)
	Agg     string
	SkipNaN bool // pandas skipna: NaN values are not fed
	// Stride > 0 makes an Append builder write row i at i*Stride+Offset of
	// a row-major matrix shared by every strided Append of the loop (one
	// column each: to_tensor of computed columns).
	Stride, Offset int
}

// Scatters reports whether the loop's builders are VecMerge (scatter-add).
func (l *Loop) Scatters() bool {
	return len(l.Builders) > 0 && l.Builders[0].Kind == VecMerge
}

// ScatterWidth is the number of contiguous elements a VecMerge loop adds
// per index (Loop.Width, 1 when 0).
func (l *Loop) ScatterWidth() int { return max(1, l.Width) }

// Loop is one parallel loop over Rows rows of its inputs.
type Loop struct {
	Inputs []Input
	Body   []Instr
	// Filter is the Bool instruction selecting the rows fed to the
	// builders, or -1 for every row.
	Filter   int
	Builders []Builder
	// Group is the input holding each row's group id (GroupMerge) or target
	// index (VecMerge), or -1.
	Group int
	// Width is the number of columns of the matrix that broadcast inputs
	// (Input.Bcast) index; 0 when the loop has none.
	Width int
}

// Funcs lists the scalar functions of loop bodies with their arity.
var Funcs = map[string]int{
	"neg": 1, "abs": 1, "relu": 1, "exp": 1, "log": 1, "sqrt": 1, "tanh": 1, "sigmoid": 1, "not": 1, "cast": 1,
	"add": 2, "sub": 2, "mul": 2, "div": 2, "pow": 2, "maximum": 2, "minimum": 2,
	"eq": 2, "ne": 2, "lt": 2, "le": 2, "gt": 2, "ge": 2, "and": 2, "or": 2,
	"where": 3,
	"row":   0, // the row number (int64): a filtered loop's selection vector
}

// Compacts reports whether the loop writes only its selected rows to its
// Append outputs (a filter and an Append builder): a run over rows
// [begin, end) (a morsel of Parallel: begin is a multiple of Morsel) writes
// its k selected rows to positions begin .. begin+k-1 and k to
// Outputs.Selected[begin/Morsel]; Parallel then closes the gaps, so the
// outputs hold the selected rows in row order.
func (l *Loop) Compacts() bool {
	if l.Filter < 0 {
		return false
	}
	for _, b := range l.Builders {
		if b.Kind == Append {
			return true
		}
	}
	return false
}

// Validate checks that the loop is well formed: arguments precede their
// users, types are loop types, builders and the filter name real values.
func (l *Loop) Validate() error {
	okType := func(t ir.DType) bool {
		return t == ir.Float32 || t == ir.Float64 || t == ir.Int64 || t == ir.Bool
	}
	for _, in := range l.Inputs {
		if !okType(in.Type) {
			return fmt.Errorf("lower: input of type %s", in.Type)
		}
		if in.Bcast > Outer || in.Bcast != Full && (in.Scalar || l.Width <= 0) {
			return fmt.Errorf("lower: broadcast input without a loop width")
		}
		if in.Bits && (in.Type != ir.Bool || in.Scalar || in.Bcast != Full) {
			return fmt.Errorf("lower: a bitmap input is a full-size bool input")
		}
	}
	if l.Width < 0 {
		return fmt.Errorf("lower: negative loop width")
	}
	for i, ins := range l.Body {
		if !okType(ins.Type) {
			return fmt.Errorf("lower: instruction %d has type %s", i, ins.Type)
		}
		switch ins.Op {
		case "load":
			if ins.Input < 0 || ins.Input >= len(l.Inputs) || l.Inputs[ins.Input].Type != ins.Type {
				return fmt.Errorf("lower: instruction %d loads a bad input", i)
			}
			if in := l.Inputs[ins.Input]; in.Indexed && (in.Scalar || in.Bits || in.Bcast != Full || (in.Type != ir.Float64 && in.Type != ir.Int64)) {
				return fmt.Errorf("lower: instruction %d loads an indexed input that is not a full float64 or int64 one", i)
			}
		case "const":
		default:
			n, ok := Funcs[ins.Op]
			if !ok || n != len(ins.Args) {
				return fmt.Errorf("lower: instruction %d: unknown function %s/%d", i, ins.Op, len(ins.Args))
			}
			for _, a := range ins.Args {
				if a < 0 || a >= i {
					return fmt.Errorf("lower: instruction %d reads %d", i, a)
				}
			}
		}
	}
	if l.Filter >= len(l.Body) || (l.Filter >= 0 && l.Body[l.Filter].Type != ir.Bool) {
		return fmt.Errorf("lower: bad filter %d", l.Filter)
	}
	for _, b := range l.Builders {
		if b.Value < 0 || b.Value >= len(l.Body) {
			return fmt.Errorf("lower: builder reads %d", b.Value)
		}
		switch b.Kind {
		case Append:
			if l.Group >= 0 {
				return fmt.Errorf("lower: append builder in a grouped loop")
			}
			if b.Stride < 0 || b.Offset < 0 || (b.Stride > 0 && b.Offset >= b.Stride) || b.Type != l.Body[b.Value].Type {
				return fmt.Errorf("lower: bad append builder")
			}
		case GroupMerge, VecMerge:
			if l.Group < 0 || l.Group >= len(l.Inputs) || l.Inputs[l.Group].Type != ir.Int64 {
				return fmt.Errorf("lower: %s without an int64 group input", b.Kind)
			}
		}
		if (b.Kind == VecMerge) != l.Scatters() {
			return fmt.Errorf("lower: vec_merge mixed with other builders")
		}
		if b.Kind == VecMerge {
			g := l.Inputs[l.Group]
			if l.Filter >= 0 || g.Scalar || g.Bits || (l.Width > 0) != (g.Bcast == Outer) || g.Bcast == Inner {
				return fmt.Errorf("lower: vec_merge needs an unfiltered loop and its index read at i/W")
			}
			if t := l.Body[b.Value].Type; b.Type != t || t != ir.Float32 && t != ir.Float64 && t != ir.Int64 {
				return fmt.Errorf("lower: vec_merge of %s into %s", t, b.Type)
			}
		}
		if b.Kind == Merge || b.Kind == GroupMerge {
			switch b.Agg {
			case "sum", "min", "max", "count":
			default:
				return fmt.Errorf("lower: unknown reduction %q", b.Agg)
			}
		}
	}
	return nil
}

// String renders the loop on one line for explain():
//
//	loop(in=[f32, f32[0], f32[i%256]], t2=mul(t0, t1):f32, ..., filter=t5, out=[append(t4)])
//
// (in: element types; [0] a scalar, [i%W] and [i/W] broadcast inputs, [codes[i]]
// an indexed one.)
func (l *Loop) String() string {
	var b strings.Builder
	b.WriteString("loop(in=[")
	for i, in := range l.Inputs {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(short(in.Type))
		switch {
		case in.Bits:
			b.WriteString("[bits]")
		case in.Scalar:
			b.WriteString("[0]")
		case in.Bcast == Inner:
			fmt.Fprintf(&b, "[i%%%d]", l.Width)
		case in.Bcast == Outer:
			fmt.Fprintf(&b, "[i/%d]", l.Width)
		case in.Indexed:
			b.WriteString("[codes[i]]")
		}
	}
	b.WriteString("]")
	for i, ins := range l.Body {
		fmt.Fprintf(&b, ", t%d=", i)
		switch ins.Op {
		case "load":
			fmt.Fprintf(&b, "in%d", ins.Input)
		case "const":
			b.WriteString(ins.Const.String())
		default:
			b.WriteString(ins.Op)
			b.WriteString("(")
			for j, a := range ins.Args {
				if j > 0 {
					b.WriteString(", ")
				}
				fmt.Fprintf(&b, "t%d", a)
			}
			b.WriteString(")")
		}
		b.WriteString(":" + short(ins.Type))
	}
	if l.Filter >= 0 {
		fmt.Fprintf(&b, ", filter=t%d", l.Filter)
	}
	if l.Group >= 0 {
		fmt.Fprintf(&b, ", group=in%d", l.Group)
	}
	b.WriteString(", out=[")
	for i, bl := range l.Builders {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(bl.Kind.String())
		b.WriteString("(")
		if bl.Agg != "" {
			b.WriteString(bl.Agg + ", ")
		}
		fmt.Fprintf(&b, "t%d", bl.Value)
		if bl.SkipNaN {
			b.WriteString(", skipna")
		}
		if bl.Stride > 0 {
			fmt.Fprintf(&b, ", at=%d/%d", bl.Offset, bl.Stride)
		}
		b.WriteString(")")
	}
	b.WriteString("])")
	return b.String()
}

func short(t ir.DType) string {
	switch t {
	case ir.Float32:
		return "f32"
	case ir.Float64:
		return "f64"
	case ir.Int64:
		return "i64"
	case ir.Bool:
		return "bool"
	}
	return t.String()
}
