// Package eageragg is the optimizer's eager aggregation pass (grouping
// before the join, Yan and Larson): counts per left key of a left or inner
// merge are computed from a grouping of each side on its own, so the merge
// never produces its row per match.
//
//	J = merge(L, R, how, left_on=[lk], right_on=[rk])        how: left or inner
//	G = J.groupby(lk).agg(n=(c, "count"), d=(c, "nunique"), s=(c, "size"))
//
// becomes
//
//	B = L.groupby(lk, as_index=False).agg(nl=size)
//	A = R.groupby(rk, as_index=False).agg(c1=(c, count), c2=(c, nunique), nr=size)
//	C = merge(B, A, how, left_on=[lk], right_on=[rk])        one row per key of B
//	G = C.assign(n=nl*c1, d=c2, s=nl*nr).groupby(lk).agg(n=(n, sum), d=(d, sum), s=(s, sum))
//
// A key value v with nL(v) left rows and nR(v) right rows has nL*nR rows in
// J, or, in a left join, nL rows with the right side missing when nR = 0.
// So J's count of a right column at v is nL times R's count at v (0 when R
// lacks v), its nunique R's nunique (repeats and missing values add no
// distinct value), and its size nL*nR, or nL when R lacks v in a left join
// (C's missing values are filled with 0, or 1 for nr). The last grouping
// sees one row per key and keeps G's keys, sort, as_index and output types
// (int64). Only these integer results are rewritten: a sum or mean of floats
// would change with the order of the additions, and min/max would take the
// merge's data-dependent types.
//
// Conditions: one key pair of the same type, G grouping by exactly the left
// key with dropna (so the null-key group, where pandas matches null with
// null, is dropped either way), every aggregation a count or nunique of a
// right-side column or a size, and J read by G alone. Row order: B groups
// L's keys in G's sort order (by key, or by first appearance), C keeps B's
// order, and J's groups appear in the order of their first left row; an
// inner merge drops the keys R lacks from both.
package eageragg

import (
	"fmt"
	"strings"

	"github.com/flern/flern/golib/frame"
	"github.com/flern/flern/golib/ir"
)

// prefix starts the names of the columns the rewrite adds.
const prefix = "__eager_"

// Run rewrites every such grouping and reports whether it changed anything.
func Run(g *ir.Graph) (bool, error) {
	changed := false
	for {
		users := g.Users()
		output := g.OutputSet()
		done := true
		for _, n := range g.Nodes {
			if n.Op == "groupby_agg" && rewrite(g, n, users, output) {
				done = false
				break
			}
		}
		if done {
			break
		}
		changed = true
		g.Reorder()
		g.Compact()
		if err := g.Infer(); err != nil {
			return changed, err
		}
	}
	return changed, nil
}

// rewrite replaces grouping node gb's input when the pattern holds.
func rewrite(g *ir.Graph, gb *ir.Node, users [][]ir.NodeID, output map[ir.NodeID]bool) bool {
	keys := gb.Attrs.Strings("keys")
	if len(keys) != 1 || !gb.Attrs.Bool("dropna", true) || len(gb.Inputs) != 1 {
		return false
	}
	j := g.Node(gb.Inputs[0])
	how := j.Attrs.Str("how")
	if j.Op != "join" || how != "left" && how != "inner" || len(j.Inputs) != 2 || output[j.ID] || len(users[j.ID]) != 1 {
		return false
	}
	lon, ron := j.Attrs.Strings("left_on"), j.Attrs.Strings("right_on")
	if len(lon) != 1 || len(ron) != 1 {
		return false
	}
	lk, rk := lon[0], ron[0]
	l, r := g.Node(j.Inputs[0]), g.Node(j.Inputs[1])
	if l.Schema == nil || r.Schema == nil || strings.HasPrefix(lk, prefix) || strings.HasPrefix(rk, prefix) {
		return false
	}
	li, ri := l.Schema.Lookup(lk), r.Schema.Lookup(rk)
	if li < 0 || ri < 0 || l.Schema.Fields[li].Type != r.Schema.Fields[ri].Type {
		return false
	}
	outs, err := frame.JoinColumns(j, l.Schema, r.Schema)
	if err != nil {
		return false
	}
	byName := map[string]frame.JoinOutput{}
	for _, o := range outs {
		byName[o.Name] = o
	}
	if k, ok := byName[keys[0]]; !ok || k.Side != 0 || k.Col != li {
		return false // G must group by the left key
	}

	aggs, _ := gb.Attrs["aggs"].([]any)
	if len(aggs) == 0 {
		return false
	}
	type want struct {
		name, fn, col string // G's output, function, and the A column it reads ("" for size)
	}
	var wants []want
	var aAggs []any
	needSize := false
	for i, a := range aggs {
		m, _ := a.(map[string]any)
		name, _ := m["name"].(string)
		fn, _ := m["fn"].(string)
		c, _ := m["col"].(string)
		switch fn {
		case "size":
			needSize = true
			wants = append(wants, want{name, fn, ""})
		case "count", "nunique":
			o, ok := byName[c]
			if !ok || o.Side != 1 {
				return false
			}
			ac := fmt.Sprintf("%sc%d", prefix, i)
			aAggs = append(aAggs, map[string]any{"name": ac, "col": r.Schema.Fields[o.Col].Name, "fn": fn})
			wants = append(wants, want{name, fn, ac})
		default:
			return false
		}
	}
	nl, nr := prefix+"nl", prefix+"nr"
	if needSize {
		aAggs = append(aAggs, map[string]any{"name": nr, "col": "", "fn": "size"})
	}

	loc := gb.Loc
	add := func(op string, attrs ir.Attrs, in ...ir.NodeID) ir.NodeID {
		return g.Add(&ir.Node{Op: op, Inputs: in, Attrs: attrs, Loc: loc})
	}
	sort := gb.Attrs.Bool("sort", true)
	b := add("groupby_agg", ir.Attrs{"keys": []any{lk}, "dropna": true, "sort": sort, "as_index": false,
		"aggs": []any{map[string]any{"name": nl, "col": "", "fn": "size"}}}, l.ID)
	a := add("groupby_agg", ir.Attrs{"keys": []any{rk}, "dropna": true, "sort": false, "as_index": false,
		"aggs": aAggs}, r.ID)
	c := add("join", ir.Attrs{"how": how, "left_on": []any{lk}, "right_on": []any{rk}}, b, a)

	// Values per key: in a left merge the keys R lacks read missing counts.
	left := how == "left"
	filled := func(col string, fill float64) *ir.Expr {
		if !left {
			return ir.Col(col)
		}
		f := ir.Call("fillna", ir.Col(col), ir.LitFloat(fill))
		cast := ir.Call("cast", f)
		cast.Opts = map[string]any{"dtype": "int64"}
		return cast
	}
	exprs := []ir.NamedExpr{{Name: keys[0], Expr: ir.Col(lk)}}
	var gAggs []any
	for i, w := range wants {
		var e *ir.Expr
		switch w.fn {
		case "size":
			e = ir.Call("mul", ir.Col(nl), filled(nr, 1))
		case "count":
			e = ir.Call("mul", ir.Col(nl), filled(w.col, 0))
		case "nunique":
			e = filled(w.col, 0)
		}
		v := fmt.Sprintf("%sv%d", prefix, i)
		exprs = append(exprs, ir.NamedExpr{Name: v, Expr: e})
		gAggs = append(gAggs, map[string]any{"name": w.name, "col": v, "fn": "sum"})
	}
	p := add("project", ir.Attrs{"exprs": exprs}, c)
	attrs := gb.Attrs.Clone()
	attrs["aggs"] = gAggs
	gb.Attrs, gb.Inputs = attrs, []ir.NodeID{p}
	return true
}
