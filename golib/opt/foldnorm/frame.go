package foldnorm

import (
	"fmt"

	"github.com/flern/flern/golib/ir"
)

// The frame form: to_tensor(P) where every column of P is an affine function
// of one column of a common base frame, through projects whose expressions
// subtract, add, multiply or divide by a literal or by a column of a one-row
// frame attached with attach_row (df - df.mean(), df / df.std()).

// operand is a scalar of a column's affine step: a literal, or a column of a
// one-row frame.
type operand struct {
	lit    float64
	isLit  bool
	row    ir.NodeID
	rowCol string
}

type fstep struct {
	op string // sub, add, mul, truediv
	v  operand
}

type frameCol struct {
	base  string  // column of the base frame
	steps []fstep // applied in order (first = nearest the base)
}

type frameMatch struct {
	toTensor *ir.Node
	base     ir.NodeID
	cols     []frameCol
}

func matchFrame(g *ir.Graph, tt *ir.Node) *frameMatch {
	in := g.Node(tt.Inputs[0])
	if in.Schema == nil || in.Schema.Dynamic || len(in.Schema.Fields) == 0 {
		return nil
	}
	fm := &frameMatch{toTensor: tt, base: -1}
	anyStep := false
	for _, f := range in.Schema.Fields {
		w := &walker{g: g}
		base, name, ok := w.column(in.ID, f.Name)
		if !ok {
			return nil
		}
		if fm.base >= 0 && fm.base != base {
			return nil
		}
		fm.base = base
		bf := g.Node(base).Schema
		if i := bf.Lookup(name); i < 0 || !bf.Fields[i].Type.IsNumeric() ||
			(bf.Fields[i].Nullable && !isFloat(bf.Fields[i].Type)) {
			return nil
		}
		anyStep = anyStep || len(w.steps) > 0
		fm.cols = append(fm.cols, frameCol{base: name, steps: w.steps})
	}
	if !anyStep || fm.base == in.ID {
		return nil
	}
	return fm
}

type walker struct {
	g     *ir.Graph
	steps []fstep
}

// column follows column name of node id down to the base frame.
func (w *walker) column(id ir.NodeID, name string) (ir.NodeID, string, bool) {
	n := w.g.Node(id)
	switch n.Op {
	case "project":
		e := exprFor(n, name)
		if e == nil {
			return 0, "", false
		}
		return w.expr(n, e)
	case "attach_row":
		if n.Attrs.Str("size_col") != "" {
			return 0, "", false
		}
		for _, a := range n.Attrs.Strings("names") {
			if a == name {
				return 0, "", false // a row column is not row-varying
			}
		}
		return w.column(n.Inputs[0], name)
	}
	return id, name, true
}

// onlyScalarOpt: e has no options but "scalar" (which marks a literal operand).
func onlyScalarOpt(e *ir.Expr) bool {
	for k := range e.Opts {
		if k != "scalar" {
			return false
		}
	}
	return true
}

func exprFor(n *ir.Node, name string) *ir.Expr {
	for _, ne := range n.Attrs.NamedExprs("exprs") {
		if ne.Name == name {
			return ne.Expr
		}
	}
	return nil
}

func isFloatCast(e *ir.Expr) bool {
	if e.Kind != ir.ExprCall || e.Name != "cast" || len(e.Args) != 1 {
		return false
	}
	d, _ := e.Opts["dtype"].(string)
	return d == "float64" || d == "float32"
}

// expr parses the row-varying expression e of project p.
func (w *walker) expr(p *ir.Node, e *ir.Expr) (ir.NodeID, string, bool) {
	switch {
	case e.Kind == ir.ExprCol:
		return w.column(p.Inputs[0], e.Name)
	case isFloatCast(e):
		return w.expr(p, e.Args[0])
	case e.Kind == ir.ExprCall && len(e.Args) == 2 && onlyScalarOpt(e) &&
		(e.Name == "sub" || e.Name == "add" || e.Name == "mul" || e.Name == "truediv"):
		vary, c := e.Args[0], e.Args[1]
		v, ok := w.scalar(p.Inputs[0], c)
		if !ok && (e.Name == "add" || e.Name == "mul") {
			vary, c = c, vary
			v, ok = w.scalar(p.Inputs[0], c)
		}
		if !ok {
			return 0, "", false
		}
		base, name, ok := w.expr(p, vary)
		if !ok {
			return 0, "", false
		}
		w.steps = append(w.steps, fstep{op: e.Name, v: v})
		return base, name, true
	}
	return 0, "", false
}

// scalar parses e (evaluated against frame id) as a per-row constant: a
// numeric literal or a column that comes from an attached one-row frame.
func (w *walker) scalar(id ir.NodeID, e *ir.Expr) (operand, bool) {
	switch {
	case e.Kind == ir.ExprLit && (e.Lit.Type == ir.Float64 || e.Lit.Type == ir.Int64):
		v := e.Lit.F
		if e.Lit.Type == ir.Int64 {
			v = float64(e.Lit.I)
		}
		return operand{lit: v, isLit: true}, true
	case isFloatCast(e):
		return w.scalar(id, e.Args[0])
	case e.Kind == ir.ExprCol:
		return w.rowColumn(id, e.Name)
	}
	return operand{}, false
}

func (w *walker) rowColumn(id ir.NodeID, name string) (operand, bool) {
	n := w.g.Node(id)
	switch n.Op {
	case "project":
		e := exprFor(n, name)
		if e == nil {
			return operand{}, false
		}
		for isFloatCast(e) {
			e = e.Args[0]
		}
		if e.Kind != ir.ExprCol {
			return operand{}, false
		}
		return w.rowColumn(n.Inputs[0], e.Name)
	case "attach_row":
		if n.Attrs.Str("size_col") != "" {
			return operand{}, false
		}
		names := n.Attrs.Strings("names")
		row := w.g.Node(n.Inputs[1])
		for i, a := range names {
			if a != name {
				continue
			}
			if i >= len(row.Schema.Fields) || !row.Schema.Fields[i].Type.IsNumeric() {
				return operand{}, false
			}
			return operand{row: row.ID, rowCol: row.Schema.Fields[i].Name}, true
		}
		return w.rowColumn(n.Inputs[0], name)
	}
	return operand{}, false
}

// emit adds the base tensor and the [1, k] float64 scale and shift tensors.
func (fm *frameMatch) emit(e *emitter, dt ir.DType) (base, scale, shift ir.NodeID) {
	// the one-row coefficient frame: every row operand under a fresh name
	type key struct {
		row ir.NodeID
		col string
	}
	names := map[key]string{}
	var rows []ir.NodeID
	perRow := map[ir.NodeID][]ir.NamedExpr{}
	for _, c := range fm.cols {
		for _, s := range c.steps {
			if s.v.isLit {
				continue
			}
			kk := key{s.v.row, s.v.rowCol}
			if _, ok := names[kk]; ok {
				continue
			}
			nm := fmt.Sprintf("__fold_%d__", len(names))
			names[kk] = nm
			if _, ok := perRow[s.v.row]; !ok {
				rows = append(rows, s.v.row)
			}
			perRow[s.v.row] = append(perRow[s.v.row], ir.NamedExpr{Name: nm,
				Expr: &ir.Expr{Kind: ir.ExprCall, Name: "cast", Args: []*ir.Expr{ir.Col(s.v.rowCol)},
					Opts: map[string]any{"dtype": "float64"}}})
		}
	}
	if len(rows) == 0 {
		return fm.emitLiterals(e, dt)
	}
	var coefFrame ir.NodeID = -1
	for _, r := range rows {
		p := e.add("project", ir.Attrs{"exprs": perRow[r]}, r)
		if coefFrame < 0 {
			coefFrame = p
			continue
		}
		var nm []any
		for _, ne := range perRow[r] {
			nm = append(nm, ne.Name)
		}
		coefFrame = e.add("attach_row", ir.Attrs{"names": nm}, coefFrame, p)
	}
	val := func(v operand) *ir.Expr {
		if v.isLit {
			return ir.LitFloat(v.lit)
		}
		return ir.Col(names[key{v.row, v.rowCol}])
	}
	var scales, shifts, cols []ir.NamedExpr
	for j, c := range fm.cols {
		var a, b *ir.Expr
		for _, s := range c.steps {
			v := val(s.v)
			switch s.op {
			case "sub":
				if b == nil {
					b = ir.Call("sub", ir.LitFloat(0), v)
				} else {
					b = ir.Call("sub", b, v)
				}
			case "add":
				if b == nil {
					b = v
				} else {
					b = ir.Call("add", b, v)
				}
			case "mul":
				a = mulExpr(a, v)
				if b != nil {
					b = ir.Call("mul", b, val(s.v))
				}
			case "truediv":
				if a == nil {
					a = ir.Call("truediv", ir.LitFloat(1), v)
				} else {
					a = ir.Call("truediv", a, v)
				}
				if b != nil {
					b = ir.Call("truediv", b, val(s.v))
				}
			}
		}
		if a == nil {
			a = ir.LitFloat(1)
		}
		if b == nil {
			b = ir.LitFloat(0)
		}
		scales = append(scales, ir.NamedExpr{Name: fmt.Sprintf("a%d", j), Expr: a})
		shifts = append(shifts, ir.NamedExpr{Name: fmt.Sprintf("b%d", j), Expr: b})
		cols = append(cols, ir.NamedExpr{Name: fmt.Sprintf("x%d", j), Expr: ir.Col(c.base)})
	}
	scale = e.add("to_tensor", ir.Attrs{"dtype": "float64"}, e.add("project", ir.Attrs{"exprs": scales}, coefFrame))
	shift = e.add("to_tensor", ir.Attrs{"dtype": "float64"}, e.add("project", ir.Attrs{"exprs": shifts}, coefFrame))
	base = e.add("to_tensor", ir.Attrs{"dtype": dt.String()}, e.add("project", ir.Attrs{"exprs": cols}, fm.base))
	return base, scale, shift
}

func mulExpr(a, v *ir.Expr) *ir.Expr {
	if a == nil {
		return v
	}
	return ir.Call("mul", a, v)
}

// emitLiterals handles the case where every operand is a literal: the
// coefficients are computed here and recorded as [1, k] constant tensors.
func (fm *frameMatch) emitLiterals(e *emitter, dt ir.DType) (base, scale, shift ir.NodeID) {
	var as, bs []ir.NodeID
	var cols []ir.NamedExpr
	for j, c := range fm.cols {
		a, b := 1.0, 0.0
		for _, s := range c.steps {
			v := s.v.lit
			switch s.op {
			case "sub":
				b -= v
			case "add":
				b += v
			case "mul":
				a, b = a*v, b*v
			case "truediv":
				a, b = a/v, b/v
			}
		}
		as = append(as, e.full(a, 1, 1))
		bs = append(bs, e.full(b, 1, 1))
		cols = append(cols, ir.NamedExpr{Name: fmt.Sprintf("x%d", j), Expr: ir.Col(c.base)})
	}
	scale = e.add("cat", ir.Attrs{"dim": float64(1)}, as...)
	shift = e.add("cat", ir.Attrs{"dim": float64(1)}, bs...)
	base = e.add("to_tensor", ir.Attrs{"dtype": dt.String()}, e.add("project", ir.Attrs{"exprs": cols}, fm.base))
	return base, scale, shift
}
