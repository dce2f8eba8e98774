// Package eageragg is the optimizer's eager aggregation pass (grouping
// before the join, Yan and Larson): counts per key of a left or inner merge
// are computed from a grouping of each side on its own, so the merge never
// produces its row per match.
//
//	J = merge(L, R, how, left_on=lk, right_on=rk)        how: left or inner
//	G = J.groupby(lk).agg(n=(x, "count"), d=(x, "nunique"), m=(a, "count"), s=(x, "size"))
//
// (x a right column, a a left one) becomes
//
//	B = L.groupby(lk, as_index=False).agg(nl=size, ca=(a, count))
//	A = R.groupby(rk, as_index=False).agg(cx=(x, count), dx=(x, nunique), nr=size)
//	C = merge(B, A, how, left_on=lk, right_on=rk)        one row per key of B
//	G = C.assign(n=nl*cx, d=dx, m=ca*nr, s=nl*nr).groupby(lk).agg(n=(n, sum), ...)
//
// A key value v with nL(v) left rows and nR(v) right rows has nL*nR rows in
// J, or, in a left merge, nL rows with the right side missing when nR = 0.
// So J's count of a right column at v is nL times R's count at v (0 when R
// lacks v), its count of a left column L's count times nR (times 1 when R
// lacks v), its size nL*nR (nL), and a nunique is the nunique of the side the
// column is on (repeats and missing values add no distinct value). In a left
// merge C reads A's missing values as 0 (1 for nr). The last grouping sees
// one row per key and keeps G's keys, sort, as_index and output types
// (int64). Only these integer results are rewritten: a sum or mean of floats
// would change with the order of the additions, and min/max would take the
// merge's data-dependent types.
//
// Conditions: key pairs of one type each (no crossed names), G grouping by
// exactly the left keys (any order) with dropna (so a null-key group, where
// pandas matches null with null, is dropped either way), every aggregation
// a count or nunique of a non-key column or a size, and J read by G alone.
// Row order: B groups L's keys in G's sort order (by key, or by first
// appearance), C keeps B's order, and J's groups appear in the order of
// their first left row; an inner merge drops the keys R lacks from both.
package eageragg

import (
	"fmt"
	"slices"
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
	if len(keys) == 0 || !gb.Attrs.Bool("dropna", true) || len(gb.Inputs) != 1 {
		return false
	}
	j := g.Node(gb.Inputs[0])
	how := j.Attrs.Str("how")
	if j.Op != "join" || how != "left" && how != "inner" || len(j.Inputs) != 2 || output[j.ID] || len(users[j.ID]) != 1 {
		return false
	}
	lon, ron := j.Attrs.Strings("left_on"), j.Attrs.Strings("right_on")
	if len(lon) != len(keys) || len(ron) != len(lon) {
		return false
	}
	l, r := g.Node(j.Inputs[0]), g.Node(j.Inputs[1])
	if l.Schema == nil || r.Schema == nil {
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
	// G groups by exactly the left keys (in any order); keyOf[i] is the
	// left key column G's key i reads.
	keyOf := make([]string, len(keys))
	isKey := map[int]bool{}
	for i := range lon {
		if ron[i] != lon[i] && slices.Contains(lon, ron[i]) {
			return false // crossed key names: the merge would rename them
		}
		li, ri := l.Schema.Lookup(lon[i]), r.Schema.Lookup(ron[i])
		if li < 0 || ri < 0 || l.Schema.Fields[li].Type != r.Schema.Fields[ri].Type ||
			strings.HasPrefix(lon[i], prefix) || strings.HasPrefix(ron[i], prefix) || isKey[li] {
			return false
		}
		isKey[li] = true
	}
	for i, k := range keys {
		o, ok := byName[k]
		if !ok || o.Side != 0 || !isKey[o.Col] {
			return false
		}
		keyOf[i] = l.Schema.Fields[o.Col].Name
		delete(isKey, o.Col)
	}
	if len(isKey) != 0 {
		return false
	}

	aggs, _ := gb.Attrs["aggs"].([]any)
	if len(aggs) == 0 {
		return false
	}
	type want struct {
		name, fn string
		side     int    // the side the counted column is on (size: -1)
		col      string // the B (side 0) or A (side 1) column holding its per-key value
	}
	var wants []want
	var aAggs, bAggs []any
	nl, nr := prefix+"nl", prefix+"nr"
	bAggs = append(bAggs, map[string]any{"name": nl, "col": "", "fn": "size"})
	needNR := false
	for i, a := range aggs {
		m, _ := a.(map[string]any)
		name, _ := m["name"].(string)
		fn, _ := m["fn"].(string)
		c, _ := m["col"].(string)
		switch fn {
		case "size":
			needNR = true
			wants = append(wants, want{name, fn, -1, ""})
		case "count", "nunique":
			o, ok := byName[c]
			if !ok || o.Side == 0 && slices.Contains(lon, l.Schema.Fields[o.Col].Name) || o.Side == 1 && slices.Contains(ron, r.Schema.Fields[o.Col].Name) {
				return false // (a key column: count it as a size)
			}
			v := fmt.Sprintf("%sc%d", prefix, i)
			if o.Side == 0 {
				bAggs = append(bAggs, map[string]any{"name": v, "col": l.Schema.Fields[o.Col].Name, "fn": fn})
				needNR = needNR || fn == "count"
			} else if f := r.Schema.Fields[o.Col]; fn == "count" && !f.Nullable && !f.Type.IsFloat() {
				// a column that cannot be missing (no nulls, no NaN): its
				// count is the group's size, and the column need not be read
				// (TPC-H q13's o_orderkey)
				aAggs = append(aAggs, map[string]any{"name": v, "col": "", "fn": "size"})
			} else {
				aAggs = append(aAggs, map[string]any{"name": v, "col": f.Name, "fn": fn})
			}
			wants = append(wants, want{name, fn, o.Side, v})
		default:
			return false
		}
	}
	if needNR || len(aAggs) == 0 {
		aAggs = append(aAggs, map[string]any{"name": nr, "col": "", "fn": "size"})
	}

	loc := gb.Loc
	add := func(op string, attrs ir.Attrs, in ...ir.NodeID) ir.NodeID {
		return g.Add(&ir.Node{Op: op, Inputs: in, Attrs: attrs, Loc: loc})
	}
	anys := func(ss []string) []any {
		out := make([]any, len(ss))
		for i, s := range ss {
			out[i] = s
		}
		return out
	}
	sort := gb.Attrs.Bool("sort", true)
	b := add("groupby_agg", ir.Attrs{"keys": anys(lon), "dropna": true, "sort": sort, "as_index": false, "aggs": bAggs}, l.ID)
	a := add("groupby_agg", ir.Attrs{"keys": anys(ron), "dropna": true, "sort": false, "as_index": false, "aggs": aAggs}, r.ID)
	c := add("join", ir.Attrs{"how": how, "left_on": anys(lon), "right_on": anys(ron)}, b, a)

	// Values per key. In a left merge a key R lacks reads A's columns as
	// missing: its counts are 0, and its rows in J are the left rows alone
	// (nr read as 1).
	left := how == "left"
	fromA := func(col string, fill float64) *ir.Expr {
		if !left {
			return ir.Col(col)
		}
		cast := ir.Call("cast", ir.Call("fillna", ir.Col(col), ir.LitFloat(fill)))
		cast.Opts = map[string]any{"dtype": "int64"}
		return cast
	}
	exprs := make([]ir.NamedExpr, 0, len(keys)+len(wants))
	for i, k := range keys {
		exprs = append(exprs, ir.NamedExpr{Name: k, Expr: ir.Col(keyOf[i])})
	}
	var gAggs []any
	for i, w := range wants {
		var e *ir.Expr
		switch {
		case w.fn == "size":
			e = ir.Call("mul", ir.Col(nl), fromA(nr, 1))
		case w.side == 1 && w.fn == "count":
			e = ir.Call("mul", ir.Col(nl), fromA(w.col, 0))
		case w.side == 1: // nunique
			e = fromA(w.col, 0)
		case w.fn == "count": // a left column: each left row once per right match
			e = ir.Call("mul", ir.Col(w.col), fromA(nr, 1))
		default: // nunique of a left column
			e = ir.Col(w.col)
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
