package exec

// The differential harness: every runtime operator is run next to the
// reference interpreter (interp.RunNode) on generated data, and the two
// results (or errors) must agree.

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/flern/flern/golib/col"
	"github.com/flern/flern/golib/exec/interp"
	"github.com/flern/flern/golib/ir"
)

// genSpec describes one generated column.
type genSpec struct {
	name  string
	typ   ir.DType
	nulls bool // nulls (validity bits; NaN for floats)
	card  int  // > 0: values drawn from card distinct ones (keys)
	// spread: integer key values far apart (a hash table, not an array
	// indexed by value)
	spread bool
}

var unicodeWords = []string{"", "a", "b", "é", "ß", "日本", "😀", "zz", "Ab", "a\x00b", "Ω", "abc"}

// genFrame builds an n-row frame from specs (deterministic per seed).
func genFrame(seed uint64, n int, specs ...genSpec) *col.Frame {
	r := rand.New(rand.NewPCG(seed, 7))
	f := &col.Frame{N: n}
	edges := []int64{0, 1, -1, math.MaxInt64, math.MinInt64, math.MaxInt32, math.MinInt32}
	fedges := []float64{0, math.Copysign(0, -1), math.Inf(1), math.Inf(-1), 1e300, -1e-300, 0.5}
	for _, s := range specs {
		c := &col.Column{Type: s.typ, N: n}
		null := func(i int) bool { return s.nulls && r.IntN(7) == 0 }
		var valid []byte
		setNull := func(i int) {
			if valid == nil {
				valid = col.NewBitmap(n, true)
			}
			col.SetBit(valid, i, false)
		}
		switch {
		case s.typ == ir.String:
			b := col.NewStringBuilder(n)
			for i := 0; i < n; i++ {
				if null(i) {
					b.AppendNull()
					continue
				}
				if s.card > 0 {
					b.Append(fmt.Sprintf("%s%d", unicodeWords[r.IntN(len(unicodeWords))], r.IntN(s.card)))
				} else {
					b.Append(unicodeWords[r.IntN(len(unicodeWords))] + unicodeWords[r.IntN(len(unicodeWords))])
				}
			}
			c = b.Finish()
		case s.typ.IsInt() || s.typ.IsDatetime():
			c.I64 = make([]int64, n)
			for i := range c.I64 {
				switch {
				case null(i):
					setNull(i)
				case s.card > 0 && s.spread:
					c.I64[i] = (int64(r.IntN(s.card)) - int64(s.card/3)) * (1<<40 + 7)
				case s.card > 0:
					c.I64[i] = int64(r.IntN(s.card)) - int64(s.card/3)
				case s.typ == ir.Int32:
					c.I64[i] = int64(int32(r.Uint32()))
				case s.typ.IsDatetime():
					c.I64[i] = r.Int64N(4e15)
				case r.IntN(5) == 0:
					c.I64[i] = edges[r.IntN(len(edges))]
				default:
					c.I64[i] = r.Int64N(2000) - 1000
				}
			}
		case s.typ.IsFloat():
			c.F64 = make([]float64, n)
			for i := range c.F64 {
				switch {
				case null(i):
					c.F64[i] = math.NaN()
				case s.card > 0:
					c.F64[i] = float64(r.IntN(s.card)) / 4
				case r.IntN(6) == 0:
					c.F64[i] = fedges[r.IntN(len(fedges))]
				default:
					c.F64[i] = r.NormFloat64() * 100
				}
				if s.typ == ir.Float32 {
					c.F64[i] = float64(float32(c.F64[i]))
				}
			}
		case s.typ == ir.Bool:
			c.B = make([]bool, n)
			for i := range c.B {
				if null(i) {
					setNull(i)
				} else {
					c.B[i] = r.IntN(2) == 0
				}
			}
		}
		if valid != nil {
			c.Valid = valid
		}
		f.Names = append(f.Names, s.name)
		f.Cols = append(f.Cols, c)
	}
	return f
}

func frameSchemaOf(f *col.Frame) *ir.Schema {
	s := &ir.Schema{}
	for i, c := range f.Cols {
		s.Fields = append(s.Fields, ir.Field{Name: f.Names[i], Type: c.Type, Nullable: c.Valid != nil || c.Type.IsFloat()})
	}
	for i, c := range f.Index {
		s.Index = append(s.Index, ir.Field{Name: f.IndexNames[i], Type: c.Type, Nullable: c.Valid != nil})
	}
	return s
}

// newNode builds op's node over inputs and infers its schema.
func newNode(t testing.TB, op string, attrs ir.Attrs, in ...*col.Frame) *ir.Node {
	t.Helper()
	n := &ir.Node{Op: op, Attrs: attrs.Clone(), Loc: "test.py:1"}
	schemas := make([]*ir.Schema, len(in))
	for i, f := range in {
		schemas[i] = frameSchemaOf(f)
		n.Inputs = append(n.Inputs, ir.NodeID(i))
	}
	s, err := ir.LookupOp(op).Infer(n, schemas)
	if err != nil {
		t.Fatalf("%s: infer: %v", op, err)
	}
	n.Schema = s
	return n
}

// runBoth runs n with the runtime implementation (which must not fall
// back when mustRun) and with the interpreter.
func runBoth(t testing.TB, n *ir.Node, mustRun bool, in ...*col.Frame) (got, want *col.Frame, gotErr, wantErr error) {
	t.Helper()
	args := make([]any, len(in))
	for i, f := range in {
		args[i] = f
	}
	ic := &interp.Ctx{Context: context.Background()}
	c := &Ctx{Ctx: ic}
	g, err := guarded(impls[n.Op], c, n, args)
	if err == ErrFallback {
		if mustRun {
			t.Fatalf("%s fell back to the interpreter (%s)", n.Op, fmt.Sprint(n.Attrs))
		}
		g, err = interp.RunNode(ic, n, args)
	} else if err == nil {
		err = interp.CheckFrame(n, g.(*col.Frame))
	}
	w, werr := interp.RunNode(ic, n, args)
	if g != nil {
		got = g.(*col.Frame)
	}
	if w != nil {
		want = w.(*col.Frame)
	}
	return got, want, err, werr
}

// cellEq compares row i of a and row j of b; tol > 0 allows a relative
// float difference (parallel sums add in another order).
func cellEq(a *col.Column, i int, b *col.Column, j int, tol float64) bool {
	if a.IsValid(i) != b.IsValid(j) {
		return false
	}
	if !a.IsValid(i) {
		return true
	}
	switch {
	case a.Type == ir.String:
		return a.Str(i) == b.Str(j)
	case a.Type == ir.Bool:
		return a.B[i] == b.B[j]
	case a.Type.IsFloat():
		x, y := a.F64[i], b.F64[j]
		if math.IsNaN(x) || math.IsNaN(y) {
			return math.IsNaN(x) && math.IsNaN(y)
		}
		if x == y {
			return math.Signbit(x) == math.Signbit(y) || tol > 0
		}
		return tol > 0 && math.Abs(x-y) <= tol*max(math.Abs(x), math.Abs(y), 1e-300)
	case a.Type == ir.Null:
		return true
	}
	return a.I64[i] == b.I64[j]
}

func cellString(c *col.Column, i int) string {
	if !c.IsValid(i) {
		return "<null>"
	}
	switch {
	case c.Type == ir.String:
		return fmt.Sprintf("%q", c.Str(i))
	case c.Type == ir.Bool:
		return fmt.Sprint(c.B[i])
	case c.Type.IsFloat():
		return fmt.Sprint(c.F64[i])
	case c.Type == ir.Null:
		return "<null>"
	}
	return fmt.Sprint(c.I64[i])
}

func colDiff(got, want *col.Column, tol float64) string {
	if got.Type != want.Type {
		return fmt.Sprintf("type %s, want %s", got.Type, want.Type)
	}
	if got.N != want.N {
		return fmt.Sprintf("%d rows, want %d", got.N, want.N)
	}
	for i := 0; i < got.N; i++ {
		if !cellEq(got, i, want, i, tol) {
			return fmt.Sprintf("row %d: %s, want %s", i, cellString(got, i), cellString(want, i))
		}
	}
	return ""
}

// checkSame fails t when the runtime's result or error differs from the
// interpreter's.
func checkSame(t testing.TB, label string, got, want *col.Frame, gotErr, wantErr error, tol float64) {
	t.Helper()
	if (gotErr != nil) != (wantErr != nil) {
		t.Fatalf("%s: runtime error %v, interpreter error %v", label, gotErr, wantErr)
	}
	if gotErr != nil {
		ge, _ := gotErr.(*ir.Error)
		we, _ := wantErr.(*ir.Error)
		if ge == nil || we == nil || ge.Kind != we.Kind || ge.Msg != we.Msg {
			t.Fatalf("%s: runtime error %v, interpreter error %v", label, gotErr, wantErr)
		}
		return
	}
	if got.N != want.N || strings.Join(got.Names, ",") != strings.Join(want.Names, ",") {
		t.Fatalf("%s: %d rows %v, want %d rows %v", label, got.N, got.Names, want.N, want.Names)
	}
	for i := range want.Cols {
		if d := colDiff(got.Cols[i], want.Cols[i], tol); d != "" {
			t.Fatalf("%s: column %q: %s", label, want.Names[i], d)
		}
	}
	if len(got.Index) != len(want.Index) || strings.Join(got.IndexNames, ",") != strings.Join(want.IndexNames, ",") {
		t.Fatalf("%s: index levels %v (%d), want %v (%d)", label, got.IndexNames, len(got.Index), want.IndexNames, len(want.Index))
	}
	for i := range want.Index {
		if d := colDiff(got.Index[i], want.Index[i], 0); d != "" {
			t.Fatalf("%s: index level %d: %s", label, i, d)
		}
	}
}

// testSizes are the row counts every differential test runs: empty, one
// row, a partial morsel, and several morsels (with smallMorsels).
var testSizes = []int{0, 1, 7, 64, 333, 1000}

// smallMorsels shrinks the morsel size for the duration of a test so small
// inputs run as many morsels on many goroutines.
func smallMorsels(t testing.TB) {
	old := morselRows
	morselRows = 64
	t.Cleanup(func() { morselRows = old })
}

func col_(name string) *ir.Expr { return &ir.Expr{Kind: ir.ExprCol, Name: name} }

func lit(v any) *ir.Expr {
	e := &ir.Expr{Kind: ir.ExprLit}
	switch x := v.(type) {
	case int:
		e.Lit = ir.Value{Type: ir.Int64, I: int64(x)}
	case float64:
		e.Lit = ir.Value{Type: ir.Float64, F: x}
	case string:
		e.Lit = ir.Value{Type: ir.String, S: x}
	case bool:
		e.Lit = ir.Value{Type: ir.Bool, B: x}
	case nil:
		e.Lit = ir.Value{Type: ir.Null}
	}
	return e
}

func call(name string, args ...*ir.Expr) *ir.Expr {
	return &ir.Expr{Kind: ir.ExprCall, Name: name, Args: args}
}
