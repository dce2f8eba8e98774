package lower

import (
	"fmt"
	"slices"

	"github.com/flern/flern/golib/frame"
	"github.com/flern/flern/golib/ir"
)

// Frame pipelines: groupby_agg(project/filter ... (base)) becomes one loop
// over the base frame's rows, produce/consume style: the filters'
// predicates (and-ed) select rows, project expressions are substituted into
// the aggregated values, and the aggregations are Merge (no keys) or
// GroupMerge builders (keys: group ids from the interpreter's own key
// factorization, the opaque hash-build kernel, computed at run time).
//
// Only what the loop runs exactly is fused: int64, float64, float32, bool
// and datetime columns (nullable ones only in comparisons and logic ops,
// see frameLowerer.valid); + - * / (float results, float32 ones
// in float32 arithmetic), + - * (int64 results, wrapping), comparisons,
// and/or/xor/not, neg/abs; sum, mean, count, size and float min/max; keys
// of a sorted groupby. Anything else (strings in expressions, int32,
// floordiv/mod/pow, arithmetic on nullable columns, ...) leaves the plan
// as it is.

// AggPlan describes how an "agg" kernel's builders become the columns of
// the groupby_agg result.
type AggPlan struct {
	Columns []string // the base column read by loop input i (before the group ids)
	Keys    []string // base key columns (none: a whole-frame reduction)
	OutKeys []string // the result's key names
	AsIndex bool
	Dropna  bool
	Outs    []AggOut
	Rows    int // the builder counting each group's selected rows
	// Select (keys and a filter only) is a loop over the same inputs
	// (without the group ids) writing the row numbers of the rows the
	// filter selects: the runtime groups only those rows' keys when the
	// filter is selective, instead of every row of the base frame.
	Select *Loop
}

// AggOut is one aggregated result column.
type AggOut struct {
	Name    string
	Fn      string // sum, mean, count, size, min, max
	Builder int
}

// fuseAggPipelines rewrites every fusable groupby_agg pipeline.
func fuseAggPipelines(g *ir.Graph, o Options, rep *Report) {
	users := g.Users()
	isOut := map[ir.NodeID]bool{}
	for _, id := range g.Outputs {
		isOut[id] = true
	}
	for _, n := range g.Nodes {
		if n.Op != "groupby_agg" || n.Schema == nil || n.Schema.Dynamic {
			continue
		}
		// walk down the chain of single-use projects and filters
		var chain []*ir.Node
		base := g.Node(n.Inputs[0])
		for (base.Op == "project" || base.Op == "filter") && !isOut[base.ID] &&
			(len(users[base.ID]) == 1 || (len(chain) > 0 && sharedProject(g, users, base))) {
			chain = append(chain, base)
			base = g.Node(base.Inputs[0])
		}
		if base.Schema == nil || base.Schema.IsTensor() || base.Schema.Dynamic {
			continue
		}
		k, ok := lowerAggPipeline(n, chain, base)
		if !ok {
			continue
		}
		ops := []string{}
		for i := len(chain) - 1; i >= 0; i-- {
			ops = append(ops, chain[i].Op)
		}
		k.Ops = append(ops, "groupby_agg")
		*n = ir.Node{ID: n.ID, Op: "fused", Inputs: []ir.NodeID{base.ID}, Loc: n.Loc, Schema: n.Schema,
			Attrs: ir.Attrs{"kernel": o.kernel(k), "exec": o.exec(-1)}}
		rep.Kernels++
		rep.Ops += len(chain) + 1
	}
}

// frameLowerer builds a loop body from frame expressions over base columns.
type frameLowerer struct {
	l      *Loop
	base   *ir.Schema
	plan   *AggPlan
	cols   map[string]int      // base column -> load instruction
	dtypes map[int]ir.DType    // instruction -> frame dtype (datetimes are Int64 in the loop)
	env    map[string]*ir.Expr // visible column name -> expression over base columns
	seen   map[string]int      // instruction key -> instruction (CSE)
	// valid maps a value read from a nullable column to the Bool value of
	// its validity (a load of the column's bitmap). Only comparisons (a
	// null compares as NaN does: False, != True) and logic ops (a null is
	// False) consume such values, as the interpreter; anything else leaves
	// the plan unfused.
	valid map[int]int
}

func newFrameLowerer(base *ir.Schema) *frameLowerer {
	return &frameLowerer{l: &Loop{Filter: -1, Group: -1}, base: base, plan: &AggPlan{},
		cols: map[string]int{}, dtypes: map[int]ir.DType{}, env: map[string]*ir.Expr{}, seen: map[string]int{}, valid: map[int]int{}}
}

// add appends ins, or returns an identical earlier instruction (a
// projected column used twice is computed once).
func (f *frameLowerer) add(ins Instr, dt ir.DType) int {
	key := fmt.Sprintf("%s|%s|%v|%d|%v|%s", ins.Op, ins.Type, ins.Args, ins.Input, ins.Const, dt)
	if k, ok := f.seen[key]; ok {
		return k
	}
	f.l.Body = append(f.l.Body, ins)
	k := len(f.l.Body) - 1
	f.dtypes[k] = dt
	f.seen[key] = k
	return k
}

var errNoFuse = fmt.Errorf("not fusable")

// loopType is the loop type holding values of frame dtype dt. A float32
// column is stored as float64 values already rounded to float32 (golib/col),
// so it is read as Float64; its arithmetic is lowered as Float32.
func loopType(dt ir.DType) (ir.DType, bool) {
	switch dt {
	case ir.Int64, ir.DatetimeUS, ir.DatetimeNS:
		return ir.Int64, true
	case ir.Float64, ir.Float32:
		return ir.Float64, true
	case ir.Bool:
		return dt, true
	}
	return 0, false
}

// toFloat32 converts v to a Float32 value as the interpreter rounds an
// operand of a float32 result: ints through float64 (float32(float64(i))).
func (f *frameLowerer) toFloat32(v int) int {
	if f.l.Body[v].Type == ir.Int64 {
		v = f.cast(v, ir.Float64)
	}
	return f.cast(v, ir.Float32)
}

func (f *frameLowerer) column(name string) (int, error) {
	if k, ok := f.cols[name]; ok {
		return k, nil
	}
	i := f.base.Lookup(name)
	if i < 0 {
		return 0, errNoFuse
	}
	fd := f.base.Fields[i]
	lt, ok := loopType(fd.Type)
	if !ok {
		return 0, errNoFuse
	}
	f.l.Inputs = append(f.l.Inputs, Input{Type: lt})
	f.plan.Columns = append(f.plan.Columns, name)
	k := f.add(Instr{Op: "load", Type: lt, Input: len(f.l.Inputs) - 1}, fd.Type)
	f.cols[name] = k
	if fd.Nullable { // its validity bitmap: the next input, same column
		f.l.Inputs = append(f.l.Inputs, Input{Type: ir.Bool, Bits: true})
		f.plan.Columns = append(f.plan.Columns, name)
		f.valid[k] = f.add(Instr{Op: "load", Type: ir.Bool, Input: len(f.l.Inputs) - 1}, ir.Bool)
	}
	return k, nil
}

// expr lowers e (over the visible columns) and returns its instruction: a
// value with no nulls.
func (f *frameLowerer) expr(e *ir.Expr) (int, error) {
	v, err := f.exprN(e)
	if err != nil {
		return 0, err
	}
	if _, ok := f.valid[v]; ok {
		return 0, errNoFuse
	}
	return v, nil
}

// notNull is v, or for a value of a nullable column v and its validity.
func (f *frameLowerer) notNull(v int) int {
	m, ok := f.valid[v]
	if !ok {
		return v
	}
	return f.add(Instr{Op: "and", Type: ir.Bool, Args: []int{v, m}}, ir.Bool)
}

func (f *frameLowerer) cast(v int, t ir.DType) int {
	if f.l.Body[v].Type == t {
		return v
	}
	return f.add(Instr{Op: "cast", Type: t, Args: []int{v}}, t)
}

// exprN is expr whose result may be a nullable column's value (f.valid).
func (f *frameLowerer) exprN(e *ir.Expr) (int, error) {
	switch e.Kind {
	case ir.ExprCol: // expressions reaching here are over base columns (subst)
		return f.column(e.Name)
	case ir.ExprLit:
		lt, ok := loopType(e.Lit.Type)
		if !ok {
			return 0, errNoFuse
		}
		c := e.Lit
		if c.Type == ir.Float32 {
			c = ir.Value{Type: ir.Float64, F: float64(float32(c.F))}
		}
		return f.add(Instr{Op: "const", Type: lt, Const: c}, e.Lit.Type), nil
	}
	args := make([]int, len(e.Args))
	nullable := false
	for i, a := range e.Args {
		v, err := f.exprN(a)
		if err != nil {
			return 0, err
		}
		args[i] = v
		_, ok := f.valid[v]
		nullable = nullable || ok
	}
	dt := func(i int) ir.DType { return f.dtypes[args[i]] }
	switch e.Name {
	case "eq", "ne", "lt", "le", "gt", "ge", "and", "or", "xor", "not":
	default:
		if nullable {
			return 0, errNoFuse
		}
	}
	switch e.Name {
	case "add", "sub", "mul", "truediv":
		if dt(0).IsDatetime() || dt(1).IsDatetime() {
			return 0, errNoFuse
		}
		op := e.Name
		if op == "truediv" {
			op = "div"
		}
		switch e.Type {
		case ir.Float64:
			return f.add(Instr{Op: op, Type: ir.Float64, Args: []int{f.cast(args[0], ir.Float64), f.cast(args[1], ir.Float64)}}, ir.Float64), nil
		case ir.Float32: // numpy: operands rounded to float32, float32 arithmetic
			return f.add(Instr{Op: op, Type: ir.Float32, Args: []int{f.toFloat32(args[0]), f.toFloat32(args[1])}}, ir.Float32), nil
		case ir.Int64:
			if op == "div" {
				return 0, errNoFuse
			}
			return f.add(Instr{Op: op, Type: ir.Int64, Args: []int{f.cast(args[0], ir.Int64), f.cast(args[1], ir.Int64)}}, ir.Int64), nil
		}
		return 0, errNoFuse
	case "eq", "ne", "lt", "le", "gt", "ge":
		a, b := args[0], args[1]
		x, y := dt(0), dt(1)
		switch {
		case x.IsDatetime() && y.IsDatetime():
			scale := func(v int, t ir.DType) int {
				if t != ir.DatetimeUS {
					return v
				}
				c := f.add(Instr{Op: "const", Type: ir.Int64, Const: ir.Value{Type: ir.Int64, I: 1000}}, ir.Int64)
				return f.add(Instr{Op: "mul", Type: ir.Int64, Args: []int{v, c}}, ir.Int64)
			}
			if x != y {
				a, b = scale(a, x), scale(b, y)
			}
		case x.IsDatetime() || y.IsDatetime():
			return 0, errNoFuse
		case (x == ir.Int64 || x == ir.Bool) && (y == ir.Int64 || y == ir.Bool):
			a, b = f.cast(a, ir.Int64), f.cast(b, ir.Int64)
		default:
			// a Python number next to a float32 column is rounded to float32
			// first (numpy's weak scalars: float32(0.1) == 0.1), as the
			// interpreter's compare
			if k := frame.ScalarArg(e); k >= 0 && f.dtypes[args[1-k]] == ir.Float32 {
				if l := e.Args[k].Lit; l.Type.IsInt() || l.Type == ir.Float64 {
					v := float64(float32(l.F))
					if l.Type.IsInt() {
						v = float64(float32(l.I))
					}
					r := f.add(Instr{Op: "const", Type: ir.Float64, Const: ir.Value{Type: ir.Float64, F: v}}, ir.Float32)
					if k == 0 {
						a = r
					} else {
						b = r
					}
				}
			}
			a, b = f.cast(a, ir.Float64), f.cast(b, ir.Float64)
		}
		if nullable && (x == ir.Int64 || x == ir.Bool) && (y == ir.Int64 || y == ir.Bool) {
			// the interpreter compares two int/bool columns' values as
			// stored, null slots included (whose values depend on how the
			// column was made): not lowered
			return 0, errNoFuse
		}
		r := f.add(Instr{Op: e.Name, Type: ir.Bool, Args: []int{a, b}}, ir.Bool)
		if !nullable {
			return r, nil
		}
		// a null operand: == < ... False, != True (the interpreter's compare)
		var both int
		ma, oka := f.valid[args[0]]
		mb, okb := f.valid[args[1]]
		switch {
		case oka && okb:
			both = f.add(Instr{Op: "and", Type: ir.Bool, Args: []int{ma, mb}}, ir.Bool)
		case oka:
			both = ma
		default:
			both = mb
		}
		ne := f.add(Instr{Op: "const", Type: ir.Bool, Const: ir.Value{Type: ir.Bool, B: e.Name == "ne"}}, ir.Bool)
		return f.add(Instr{Op: "where", Type: ir.Bool, Args: []int{both, r, ne}}, ir.Bool), nil
	case "and", "or", "xor":
		if dt(0) != ir.Bool || dt(1) != ir.Bool {
			return 0, errNoFuse
		}
		op := e.Name
		if op == "xor" {
			op = "ne"
		}
		return f.add(Instr{Op: op, Type: ir.Bool, Args: []int{f.notNull(args[0]), f.notNull(args[1])}}, ir.Bool), nil
	case "not":
		if dt(0) != ir.Bool {
			return 0, errNoFuse
		}
		return f.add(Instr{Op: "not", Type: ir.Bool, Args: []int{f.notNull(args[0])}}, ir.Bool), nil
	case "cast":
		// the conversions that cannot fail or round: bools to 0/1 (a
		// float32 held as Float64, exact), ints to float64
		switch from, to := dt(0), e.Type; {
		case from == ir.Bool && (to == ir.Float64 || to == ir.Float32):
			return f.add(Instr{Op: "cast", Type: ir.Float64, Args: args}, to), nil
		case from == ir.Bool && to == ir.Int64:
			return f.add(Instr{Op: "cast", Type: ir.Int64, Args: args}, to), nil
		case from == ir.Int64 && to == ir.Float64:
			return f.add(Instr{Op: "cast", Type: ir.Float64, Args: args}, to), nil
		}
		return 0, errNoFuse
	case "neg", "abs":
		if e.Type != dt(0) || (e.Type != ir.Int64 && e.Type != ir.Float64 && e.Type != ir.Float32) {
			return 0, errNoFuse
		}
		// exact in the loop type (a float32 value held as Float64 stays one)
		return f.add(Instr{Op: e.Name, Type: f.l.Body[args[0]].Type, Args: args}, e.Type), nil
	}
	return 0, errNoFuse
}

// lowerAggPipeline builds the loop of groupby_agg n over chain (nearest
// first) on base, or reports that some part is not fusable.
func lowerAggPipeline(n *ir.Node, chain []*ir.Node, base *ir.Node) (*Kernel, bool) {
	if !n.Attrs.Bool("sort", true) {
		return nil, false // first-appearance group order would depend on the filter
	}
	plan := &AggPlan{AsIndex: n.Attrs.Bool("as_index", true), Dropna: n.Attrs.Bool("dropna", true), OutKeys: n.Attrs.Strings("keys")}
	f := newFrameLowerer(base.Schema)
	f.plan = plan
	// substitute from the base up: env maps each visible name to its
	// expression over base columns (nil: the base column itself)
	var preds []*ir.Expr
	for i := len(chain) - 1; i >= 0; i-- {
		c := chain[i]
		switch c.Op {
		case "filter":
			p := c.Attrs.Expr("pred")
			if p == nil {
				return nil, false
			}
			preds = append(preds, subst(p, f.env))
		case "project":
			next := map[string]*ir.Expr{}
			for _, ne := range c.Attrs.NamedExprs("exprs") {
				next[ne.Name] = subst(ne.Expr, f.env)
			}
			// columns the project does not list are gone
			for name := range f.env {
				if _, ok := next[name]; !ok {
					next[name] = &ir.Expr{Kind: ir.ExprLit, Lit: ir.Value{Type: ir.String}} // unfusable marker
				}
			}
			for _, fd := range base.Schema.Fields {
				if _, ok := next[fd.Name]; !ok {
					next[fd.Name] = &ir.Expr{Kind: ir.ExprLit, Lit: ir.Value{Type: ir.String}}
				}
			}
			f.env = next
		}
	}
	// keys: plain base columns of a supported type
	for _, k := range plan.OutKeys {
		name := k
		if def, ok := f.env[k]; ok && def != nil {
			if def.Kind != ir.ExprCol {
				return nil, false
			}
			name = def.Name
		}
		i := base.Schema.Lookup(name)
		if i < 0 {
			return nil, false
		}
		switch base.Schema.Fields[i].Type {
		case ir.String, ir.Int64, ir.Bool:
		default:
			return nil, false
		}
		plan.Keys = append(plan.Keys, name)
	}
	for _, p := range preds {
		v, err := f.expr(p)
		if err != nil || f.dtypes[v] != ir.Bool {
			return nil, false
		}
		if f.l.Filter < 0 {
			f.l.Filter = v
		} else {
			f.l.Filter = f.add(Instr{Op: "and", Type: ir.Bool, Args: []int{f.l.Filter, v}}, ir.Bool)
		}
	}
	kind := Merge
	if len(plan.Keys) > 0 {
		kind = GroupMerge
	}
	one := f.add(Instr{Op: "const", Type: ir.Bool, Const: ir.Value{Type: ir.Bool, B: true}}, ir.Bool)
	f.l.Builders = append(f.l.Builders, Builder{Kind: kind, Value: one, Agg: "count"})
	plan.Rows = 0
	list, _ := n.Attrs["aggs"].([]any)
	for _, x := range list {
		m, _ := x.(map[string]any)
		name, _ := m["name"].(string)
		colName, _ := m["col"].(string)
		fn, _ := m["fn"].(string)
		if fn == "size" {
			plan.Outs = append(plan.Outs, AggOut{Name: name, Fn: fn, Builder: plan.Rows})
			continue
		}
		v, err := f.expr(subst(ir.Col(colName), f.env))
		if err != nil {
			return nil, false
		}
		t := f.dtypes[v]
		b := Builder{Kind: kind, Value: v, Agg: fn, SkipNaN: true}
		switch {
		case t.IsDatetime(), t == ir.Float32:
			return nil, false // (float32 results: runAggKernel builds float64/int64 columns)
		case kind == Merge && (fn == "mean" || (fn == "sum" && t.IsFloat())):
			// a whole column's float sum is numpy's pairwise sum in pandas
			// (Series.sum, .mean); the loop adds in row order, morsel by
			// morsel, and would differ in the last digits: the runtime's
			// reduction (exec/wholeagg.go, the interpreter) sums as numpy
			return nil, false
		case fn == "sum", fn == "count":
		case fn == "mean":
			b.Value, b.Agg = f.cast(v, ir.Float64), "sum"
		case (fn == "min" || fn == "max") && t == ir.Float64:
		default:
			return nil, false
		}
		// one builder per distinct reduction: Q1's sum and mean of a column
		// read the same sums
		at := slices.Index(f.l.Builders, b)
		if at < 0 {
			f.l.Builders = append(f.l.Builders, b)
			at = len(f.l.Builders) - 1
		}
		plan.Outs = append(plan.Outs, AggOut{Name: name, Fn: fn, Builder: at})
	}
	if len(plan.Keys) > 0 {
		if f.l.Filter >= 0 {
			plan.Select = selectionLoop(f.l)
			if plan.Select.Validate() != nil {
				return nil, false
			}
		}
		f.l.Inputs = append(f.l.Inputs, Input{Type: ir.Int64})
		f.l.Group = len(f.l.Inputs) - 1
	}
	if f.l.Validate() != nil {
		return nil, false
	}
	return &Kernel{Loop: f.l, Kind: "agg", Schema: n.Schema, Agg: plan, Columns: plan.Columns}, true
}

// selectionLoop is a loop over l's inputs computing only l's filter (the
// instructions it depends on, in their order) and appending the row
// numbers of the selected rows (compacting: in row order).
func selectionLoop(l *Loop) *Loop {
	need := make([]bool, len(l.Body))
	need[l.Filter] = true
	for i := l.Filter; i >= 0; i-- {
		if need[i] {
			for _, a := range l.Body[i].Args {
				need[a] = true
			}
		}
	}
	s := &Loop{Inputs: append([]Input(nil), l.Inputs...), Filter: -1, Group: -1, Width: l.Width}
	renum := make([]int, len(l.Body))
	for i, ins := range l.Body {
		if !need[i] {
			continue
		}
		c := ins
		c.Args = make([]int, len(ins.Args))
		for j, a := range ins.Args {
			c.Args[j] = renum[a]
		}
		renum[i] = len(s.Body)
		s.Body = append(s.Body, c)
	}
	s.Filter = renum[l.Filter]
	s.Body = append(s.Body, Instr{Op: "row", Type: ir.Int64})
	s.Builders = []Builder{{Kind: Append, Value: len(s.Body) - 1, Type: ir.Int64}}
	return s
}

// subst replaces column references in e by their definitions in env.
func subst(e *ir.Expr, env map[string]*ir.Expr) *ir.Expr {
	switch e.Kind {
	case ir.ExprCol:
		if def, ok := env[e.Name]; ok && def != nil {
			return def
		}
		return e
	case ir.ExprCall:
		c := *e
		c.Args = make([]*ir.Expr, len(e.Args))
		for i, a := range e.Args {
			c.Args[i] = subst(a, env)
		}
		return &c
	}
	return e
}

// sharedProject reports whether a project read by several nodes can be
// fused into each reader's to_tensor loop: its readers are all projects
// (the to_tensors' column selections: x = df[cols].to_tensor(), y =
// df[[label]].to_tensor()), and each column it computes is read by one of
// them at most, so no expression is evaluated twice (a reader whose loop
// does not fuse reads the project's frame, computed as before).
func sharedProject(g *ir.Graph, users [][]ir.NodeID, p *ir.Node) bool {
	if p.Op != "project" || len(users[p.ID]) < 2 {
		return false
	}
	computed := map[string]int{}
	for _, ne := range p.Attrs.NamedExprs("exprs") {
		if ne.Expr == nil {
			return false
		}
		if ne.Expr.Kind != ir.ExprCol {
			computed[ne.Name] = 0
		}
	}
	for _, u := range users[p.ID] {
		r := g.Node(u)
		if r.Op != "project" || len(r.Inputs) != 1 {
			return false
		}
		refs := map[string]bool{}
		for _, ne := range r.Attrs.NamedExprs("exprs") {
			if ne.Expr == nil {
				return false
			}
			ne.Expr.Columns(refs)
		}
		for c := range refs {
			if k, ok := computed[c]; ok {
				if k > 0 {
					return false
				}
				computed[c] = 1
			}
		}
	}
	return true
}

// fuseToTensor rewrites to_tensor(project/filter ... (base)) into one loop
// that evaluates the projected columns and writes each straight into its
// column of the row-major result (strided Append builders; with filters
// the selected rows only, compacting): the frame -> tensor boundary without
// materializing the computed columns. Conversions are
// to_tensor's: the value as float64, then rounded once to float32.
func fuseToTensor(g *ir.Graph, o Options, rep *Report) {
	users := g.Users()
	isOut := map[ir.NodeID]bool{}
	for _, id := range g.Outputs {
		isOut[id] = true
	}
	for _, n := range g.Nodes {
		if n.Op != "to_tensor" || !n.Schema.IsTensor() {
			continue
		}
		dt := n.Schema.Tensor.DType
		if dt != ir.Float32 && dt != ir.Float64 {
			continue
		}
		var chain []*ir.Node
		shared := -1 // where the chain's first shared project is
		base := g.Node(n.Inputs[0])
		for (base.Op == "project" || base.Op == "filter") && !isOut[base.ID] {
			if len(users[base.ID]) != 1 {
				if len(chain) == 0 || !sharedProject(g, users, base) {
					break
				}
				if shared < 0 {
					shared = len(chain)
				}
			}
			chain = append(chain, base)
			base = g.Node(base.Inputs[0])
		}
		k := toTensorKernel(n, chain, base, dt)
		if k == nil && shared > 0 { // the shared project's columns do not lower: the chain above it alone
			chain, base = chain[:shared], chain[shared]
			k = toTensorKernel(n, chain, base, dt)
		}
		if k == nil {
			continue
		}
		*n = ir.Node{ID: n.ID, Op: "fused", Inputs: []ir.NodeID{base.ID}, Loc: n.Loc, Schema: n.Schema,
			Attrs: ir.Attrs{"kernel": o.kernel(k), "exec": o.exec(-1)}}
		rep.Kernels++
		rep.Ops += len(chain) + 1
	}
}

// toTensorKernel lowers to_tensor n over chain (projects and filters, the
// one n reads first) above base into one loop; nil when it does not lower.
func toTensorKernel(n *ir.Node, chain []*ir.Node, base *ir.Node, dt ir.DType) *Kernel {
	if len(chain) == 0 || base.Schema == nil || base.Schema.IsTensor() || base.Schema.Dynamic {
		return nil
	}
	top := chain[0].Schema
	f := newFrameLowerer(base.Schema)
	for _, fd := range base.Schema.Fields {
		f.env[fd.Name] = nil // the base column itself
	}
	for i := len(chain) - 1; i >= 0; i-- {
		if chain[i].Op == "filter" { // selected rows only: a compacting loop
			p := chain[i].Attrs.Expr("pred")
			if p == nil {
				return nil
			}
			v, err := f.expr(subst(p, f.env))
			if err != nil || f.dtypes[v] != ir.Bool {
				return nil
			}
			if f.l.Filter < 0 {
				f.l.Filter = v
			} else {
				f.l.Filter = f.add(Instr{Op: "and", Type: ir.Bool, Args: []int{f.l.Filter, v}}, ir.Bool)
			}
			continue
		}
		next := map[string]*ir.Expr{}
		for _, ne := range chain[i].Attrs.NamedExprs("exprs") {
			next[ne.Name] = subst(ne.Expr, f.env)
		}
		f.env = next
	}
	if len(top.Fields) == 0 {
		return nil
	}
	for j, fd := range top.Fields {
		def, found := f.env[fd.Name]
		if !found {
			return nil
		}
		if def == nil {
			def = ir.Col(fd.Name)
		}
		v, err := f.expr(def)
		if err != nil || f.dtypes[v].IsDatetime() {
			return nil
		}
		v = f.cast(v, ir.Float64)
		v = f.cast(v, dt)
		f.l.Builders = append(f.l.Builders, Builder{Kind: Append, Value: v, Type: dt, Stride: len(top.Fields), Offset: j})
	}
	if f.l.Validate() != nil {
		return nil
	}
	ops := []string{}
	for i := len(chain) - 1; i >= 0; i-- {
		ops = append(ops, chain[i].Op)
	}
	k := &Kernel{Loop: f.l, Kind: "to_tensor", Schema: n.Schema, Ops: append(ops, "to_tensor"), Columns: f.plan.Columns}
	if k.Columns == nil {
		k.Columns = []string{}
	}
	return k
}
