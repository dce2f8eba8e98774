// Package onehotembed turns a Linear layer over one-hot columns into an
// embedding lookup.
//
// pd.get_dummies(df, columns=[c]) followed by to_tensor and a Linear computes,
// for every row, x_num @ W_num^T plus the one row of W^T whose dummy is 1 (or
// nothing when the row's category is missing, or is the category drop_first
// dropped). The pass rewrites
//
//	matmul(to_tensor(P), W^T)   where P's columns are get_dummies' kept and dummy columns
//
// into
//
//	matmul(to_tensor(numeric columns of get_dummies' input), W^T[numeric rows])
//	  + index_select(cat(W^T[dummy rows of c], 0), code(c))   for every encoded column c
//
// where code(c) is the position of the row's category among the dummies the
// plan reads (categories are get_dummies' recorded ones, in its sorted order),
// and the extra last row of zeros serves missing and unread categories. The
// dummy columns are never built and the matmul runs over the numeric columns
// only. The code is a frame expression, category_code(c, categories...): a
// dictionary lookup per row; the rewrite applies to str columns with at most
// MaxCategories dummies.
//
// Deviation: get_dummies checks at run time that the data still has the
// categories the plan recorded; the rewritten plan does not run get_dummies,
// so a category the data gained after recording contributes nothing (as a
// missing one) instead of raising.
//
// As foldnorm, only where no gradient flows: no optimizer update in the graph
// and the to_tensor read by the matmul alone.
package onehotembed

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/flern/flern/golib/ir"
	"github.com/flern/flern/golib/opt/dce"
)

// MaxCategories bounds the categories of one code expression.
const MaxCategories = 64

// Attr marks the add that replaced a matmul (shown by explain()).
const Attr = "embedded"

// Run rewrites every eligible Linear over one-hot columns.
func Run(g *ir.Graph) (bool, error) {
	if dce.Training(g) {
		return false, nil
	}
	changed := false
	for guard := 0; guard < 64; guard++ {
		users := g.Users()
		for _, o := range g.Outputs {
			users[o] = append(users[o], -1)
		}
		applied := false
		for _, n := range g.Nodes {
			if n.Op != "matmul" || n.Attrs.Str(Attr) != "" {
				continue
			}
			m := match(g, users, n)
			if m == nil {
				continue
			}
			m.apply(g)
			if err := g.Verify(); err != nil {
				return changed, err
			}
			changed, applied = true, true
			break
		}
		if !applied {
			break
		}
	}
	if changed {
		// the dummies the matmuls read are no longer read: a get_dummies
		// left with readers of its passed-through columns only (the label)
		// becomes their projection
		dce.DropUnreadDummies(g)
	}
	return changed, nil
}

type block struct {
	col  string   // the encoded column of the get_dummies input
	cats []string // categories whose dummy the tensor reads
	rows []int64  // the W^T row of each
}

type matched struct {
	mm     *ir.Node
	dummy  *ir.Node // the get_dummies node
	num    []string // numeric columns (of the get_dummies input) in tensor order
	numRow []int64  // their W^T rows
	blocks []*block
	dt     ir.DType
}

func isFloat(t ir.DType) bool { return t == ir.Float32 || t == ir.Float64 }

func isFloatCast(e *ir.Expr) bool {
	if e.Kind != ir.ExprCall || e.Name != "cast" || len(e.Args) != 1 {
		return false
	}
	d, _ := e.Opts["dtype"].(string)
	return d == "float64" || d == "float32"
}

// dummyInfo maps each dummy column of get_dummies node n to its encoded
// column and category; false if the names are ambiguous or not str columns.
func dummyInfo(n *ir.Node, in *ir.Schema) (map[string][2]string, bool) {
	enc := n.Attrs.Strings("columns")
	dummies := n.Attrs.Strings("dummies")
	if len(enc) == 0 || dummies == nil {
		return nil, false
	}
	sep, ok := n.Attrs["prefix_sep"].(string)
	if !ok {
		sep = "_"
	}
	prefix, _ := n.Attrs["prefix"].(map[string]any)
	pres := make([]string, len(enc))
	for i, c := range enc {
		if f := in.Lookup(c); f < 0 || in.Fields[f].Type != ir.String {
			return nil, false
		}
		pres[i] = c + sep
		if p, ok := prefix[c].(string); ok {
			pres[i] = p + sep
		}
	}
	for i := range pres {
		for j := range pres {
			if i != j && strings.HasPrefix(pres[i], pres[j]) {
				return nil, false
			}
		}
	}
	out := map[string][2]string{}
	for _, d := range dummies {
		found := false
		for i, p := range pres {
			if strings.HasPrefix(d, p) {
				out[d] = [2]string{enc[i], d[len(p):]}
				found = true
				break
			}
		}
		if !found {
			return nil, false
		}
	}
	return out, true
}

func match(g *ir.Graph, users [][]ir.NodeID, mm *ir.Node) *matched {
	x, wt := g.Node(mm.Inputs[0]), g.Node(mm.Inputs[1])
	if x.Op != "to_tensor" || len(users[x.ID]) != 1 || !x.Schema.IsTensor() || !wt.Schema.IsTensor() {
		return nil
	}
	xs, ws := x.Schema.Tensor, wt.Schema.Tensor
	if len(xs.Shape) != 2 || len(ws.Shape) != 2 || ws.Shape[0] < 0 || ws.Shape[1] < 0 || !isFloat(xs.DType) ||
		xs.DType != ws.DType {
		return nil
	}
	p := g.Node(x.Inputs[0])
	if p.Schema == nil || p.Schema.Dynamic {
		return nil
	}
	m := &matched{mm: mm, dt: xs.DType}
	byCol := map[string]*block{}
	seenCat := map[[2]string]bool{}
	var info map[string][2]string
	for j, f := range p.Schema.Fields {
		gd, name, ok := follow(g, p.ID, f.Name)
		if !ok {
			return nil
		}
		if m.dummy == nil {
			if info, ok = dummyInfo(gd, g.Node(gd.Inputs[0]).Schema); !ok {
				return nil
			}
			m.dummy = gd
		} else if m.dummy != gd {
			return nil
		}
		if ci, isDummy := info[name]; isDummy {
			if seenCat[ci] {
				return nil // the same dummy twice
			}
			seenCat[ci] = true
			b := byCol[ci[0]]
			if b == nil {
				b = &block{col: ci[0]}
				byCol[ci[0]] = b
				m.blocks = append(m.blocks, b)
			}
			b.cats = append(b.cats, ci[1])
			b.rows = append(b.rows, int64(j))
			continue
		}
		src := g.Node(gd.Inputs[0]).Schema
		i := src.Lookup(name)
		if i < 0 || !src.Fields[i].Type.IsNumeric() {
			return nil
		}
		m.num = append(m.num, name)
		m.numRow = append(m.numRow, int64(j))
	}
	if len(m.blocks) == 0 {
		return nil
	}
	for _, b := range m.blocks {
		if len(b.cats) > MaxCategories {
			return nil
		}
	}
	return m
}

// follow walks column name of node id through column-only projects (col,
// float casts) to a get_dummies node.
func follow(g *ir.Graph, id ir.NodeID, name string) (*ir.Node, string, bool) {
	for {
		n := g.Node(id)
		switch n.Op {
		case "get_dummies":
			if n.Schema == nil || n.Schema.Dynamic {
				return nil, "", false
			}
			return n, name, true
		case "project":
			var e *ir.Expr
			for _, ne := range n.Attrs.NamedExprs("exprs") {
				if ne.Name == name {
					e = ne.Expr
				}
			}
			for e != nil && isFloatCast(e) {
				e = e.Args[0]
			}
			if e == nil || e.Kind != ir.ExprCol {
				return nil, "", false
			}
			id, name = n.Inputs[0], e.Name
		default:
			return nil, "", false
		}
	}
}

type emitter struct {
	g      *ir.Graph
	anchor *ir.Node
}

func (e *emitter) add(op string, attrs ir.Attrs, inputs ...ir.NodeID) ir.NodeID {
	if attrs == nil {
		attrs = ir.Attrs{}
	}
	return e.g.InsertBefore(e.anchor.ID, &ir.Node{Op: op, Inputs: inputs, Attrs: attrs, Loc: e.anchor.Loc})
}

// index is a constant 1-D int64 tensor.
func (e *emitter) index(v []int64) ir.NodeID {
	parts := make([]ir.NodeID, len(v))
	for i, x := range v {
		parts[i] = e.add("full", ir.Attrs{"value": strconv.FormatInt(x, 10), "dtype": "int64", "shape": []any{1.0}})
	}
	if len(parts) == 1 {
		return parts[0]
	}
	return e.add("cat", ir.Attrs{"dim": 0.0}, parts...)
}

// codeExpr is the row's code: category_code(c, cats...), a dictionary
// lookup (len(cats) -- the zero row -- for a missing, dropped or unread
// category).
func codeExpr(b *block) *ir.Expr {
	args := []*ir.Expr{ir.Col(b.col)}
	for _, c := range b.cats {
		args = append(args, ir.LitString(c))
	}
	return ir.Call("category_code", args...)
}

func (m *matched) apply(g *ir.Graph) {
	e := &emitter{g: g, anchor: m.mm}
	src := m.dummy.Inputs[0]
	wt := m.mm.Inputs[1]
	out := g.Node(wt).Schema.Tensor.Shape[1]
	acc := ir.NodeID(-1)
	if len(m.num) > 0 {
		cols := make([]ir.NamedExpr, len(m.num))
		for i, c := range m.num {
			cols[i] = ir.NamedExpr{Name: fmt.Sprintf("x%d", i), Expr: ir.Col(c)}
		}
		xt := e.add("to_tensor", ir.Attrs{"dtype": m.dt.String()}, e.add("project", ir.Attrs{"exprs": cols}, src))
		w := e.add("index_select", ir.Attrs{"dim": 0.0}, wt, e.index(m.numRow))
		acc = e.add("matmul", ir.Attrs{Attr: "numeric"}, xt, w)
	}
	codes := make([]ir.NamedExpr, len(m.blocks))
	for i, b := range m.blocks {
		codes[i] = ir.NamedExpr{Name: fmt.Sprintf("code%d", i), Expr: codeExpr(b)}
	}
	ct := e.add("to_tensor", ir.Attrs{"dtype": "int64"}, e.add("project", ir.Attrs{"exprs": codes}, src))
	zero := e.add("full", ir.Attrs{"value": "0", "dtype": m.dt.String(), "shape": []any{1.0, float64(out)}})
	for i, b := range m.blocks {
		table := e.add("cat", ir.Attrs{"dim": 0.0},
			e.add("index_select", ir.Attrs{"dim": 0.0}, wt, e.index(b.rows)), zero)
		code := e.add("tensor_select", ir.Attrs{"dim": 1.0, "index": float64(i)}, ct)
		look := e.add("index_select", ir.Attrs{"dim": 0.0}, table, code)
		if acc < 0 {
			acc = look
			continue
		}
		if i == len(m.blocks)-1 {
			// the matmul node itself becomes the last add, so its readers need no rewiring
			m.mm.Op = "add"
			m.mm.Inputs = []ir.NodeID{acc, look}
			m.mm.Attrs = marked(m.mm.Attrs)
			return
		}
		acc = e.add("add", nil, acc, look)
	}
	// one block and no numeric columns: the lookup is the result
	m.mm.Op = "add"
	m.mm.Inputs = []ir.NodeID{acc, e.add("full", ir.Attrs{"value": "0", "dtype": m.dt.String(), "shape": []any{}})}
	m.mm.Attrs = marked(m.mm.Attrs)
}

// marked keeps the matmul's markers (an earlier rewrite's, e.g. foldnorm's)
// and adds this pass's.
func marked(a ir.Attrs) ir.Attrs {
	c := a.Clone()
	c[Attr] = "onehot_embed"
	return c
}
