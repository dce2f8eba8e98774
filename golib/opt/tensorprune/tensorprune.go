// Package tensorprune is model-driven column pruning across the frame ->
// tensor boundary: when every reader of a to_tensor node takes columns of it
// (x[:, a:b] as tensor_slice, x[:, k] as tensor_select, on the column dim),
// the frame columns no reader takes are dropped before the hand-off. The
// to_tensor then reads a project of the used columns, the readers' indices
// are renumbered, and the frame passes after it (dce, pushdown) stop computing
// and parsing what the model never reads: explain() shows the narrower
// project under to_tensor and the narrower scan.
//
// Only slices with step 1 and selects are understood; any other reader (the
// tensor itself fed to a matmul, a strided slice, a graph output) means every
// column is used and nothing changes.
package tensorprune

import (
	"sort"

	"github.com/flern/flern/golib/ir"
	"github.com/flern/flern/golib/opt/dce"
)

// Run narrows to_tensor nodes whose readers use only some columns and
// reports whether it changed anything. Schemas must be inferred.
func Run(g *ir.Graph) (bool, error) {
	users := g.Users()
	output := g.OutputSet()
	type rewrite struct {
		t    *ir.Node
		used []int // sorted column positions the readers take
	}
	var todo []rewrite
	for _, t := range g.Nodes {
		reads, ncol := readerColumns(g, users, output, t)
		if reads == nil {
			continue
		}
		used := map[int]bool{}
		for _, cols := range reads {
			for _, c := range cols {
				used[c] = true
			}
		}
		if len(used) == 0 || len(used) == ncol {
			continue
		}
		list := make([]int, 0, len(used))
		for c := range used {
			list = append(list, c)
		}
		sort.Ints(list)
		todo = append(todo, rewrite{t, list})
	}
	for _, r := range todo {
		src := g.Node(r.t.Inputs[0]).Schema
		newPos := map[int64]int64{}
		exprs := make([]ir.NamedExpr, len(r.used))
		for i, c := range r.used {
			name := src.Fields[c].Name
			exprs[i] = ir.NamedExpr{Name: name, Expr: ir.Col(name)}
			newPos[int64(c)] = int64(i)
		}
		ncol := int64(len(src.Fields))
		for _, u := range users[r.t.ID] {
			renumber(g.Node(u), ncol, newPos)
		}
		p := &ir.Node{Op: "project", Inputs: []ir.NodeID{r.t.Inputs[0]}, Attrs: ir.Attrs{"exprs": exprs}, Loc: r.t.Loc}
		r.t.Inputs[0] = g.InsertBefore(r.t.ID, p)
	}
	if len(todo) > 0 {
		if err := g.Infer(); err != nil {
			return true, err
		}
	}
	split, err := splitHandOffs(g)
	return len(todo) > 0 || split, err
}

// splitHandOffs gives each reader of a to_tensor its own hand-off at
// inference, when there are several readers, each taking columns (a slice
// or a select) and no two the same column: x[:, :3], x[:, 3], x[:, 4] of the
// flights model input become three to_tensors of those columns, so no
// reader copies its columns out of a wider tensor (to_tensor is row-wise:
// each column's values are the same in any hand-off holding it). A slice
// becomes the to_tensor itself, a select a select of a one-column
// to_tensor. Not in training graphs, nor for a to_tensor that is a plan
// output (flern.fit's X).
func splitHandOffs(g *ir.Graph) (bool, error) {
	if dce.Training(g) {
		return false, nil
	}
	changed := false
	for guard := 0; guard < 1024; guard++ {
		t, reads := splittable(g)
		if t == nil {
			break
		}
		users := g.Users()[t.ID]
		src := g.Node(t.Inputs[0]).Schema
		readers := make([]*ir.Node, len(users))
		for i, uid := range users {
			readers[i] = g.Node(uid)
		}
		for i, u := range readers { // (inserting nodes renumbers them: by pointer)
			exprs := make([]ir.NamedExpr, len(reads[i]))
			for j, c := range reads[i] {
				name := src.Fields[c].Name
				exprs[j] = ir.NamedExpr{Name: name, Expr: ir.Col(name)}
			}
			p := g.InsertBefore(u.ID, &ir.Node{Op: "project", Inputs: []ir.NodeID{t.Inputs[0]}, Attrs: ir.Attrs{"exprs": exprs}, Loc: t.Loc})
			if u.Op == "tensor_slice" {
				u.Op, u.Inputs, u.Attrs = "to_tensor", []ir.NodeID{p}, t.Attrs.Clone()
				continue
			}
			own := g.InsertBefore(u.ID, &ir.Node{Op: "to_tensor", Inputs: []ir.NodeID{p}, Attrs: t.Attrs.Clone(), Loc: t.Loc})
			a := u.Attrs.Clone()
			a["index"] = 0.0
			u.Inputs, u.Attrs = []ir.NodeID{own}, a
		}
		g.Compact()
		if err := g.Infer(); err != nil {
			return true, err
		}
		changed = true
	}
	return changed, nil
}

// splittable finds a to_tensor splitHandOffs rewrites and the columns each
// of its readers takes (in g.Users order); nil when there is none.
func splittable(g *ir.Graph) (*ir.Node, [][]int) {
	users := g.Users()
	output := g.OutputSet()
	for _, t := range g.Nodes {
		reads, _ := readerColumns(g, users, output, t)
		if len(reads) < 2 {
			continue
		}
		taken := map[int]bool{}
		ok := true
		for _, cols := range reads {
			for _, c := range cols {
				ok = ok && !taken[c]
				taken[c] = true
			}
		}
		if ok {
			return t, reads
		}
	}
	return nil, nil
}

// readerColumns lists, for a to_tensor t of a frame with static columns
// that is not a plan output, the columns each of its readers takes (in
// g.Users order) and the frame's column count; nil when t is not such a
// node or a reader may read any column.
func readerColumns(g *ir.Graph, users [][]ir.NodeID, output map[ir.NodeID]bool, t *ir.Node) ([][]int, int) {
	if t.Op != "to_tensor" || output[t.ID] || len(users[t.ID]) == 0 {
		return nil, 0
	}
	src := g.Node(t.Inputs[0]).Schema
	if src == nil || src.Dynamic || src.IsTensor() {
		return nil, 0
	}
	ncol := int64(len(src.Fields))
	reads := make([][]int, len(users[t.ID]))
	for i, u := range users[t.ID] {
		cols, ok := columnsRead(g.Node(u), ncol)
		if !ok {
			return nil, 0
		}
		reads[i] = cols
	}
	return reads, int(ncol)
}

// columnDim reports whether a node's dim attribute names the column dim of
// a 2-D tensor.
func columnDim(n *ir.Node) bool {
	d := n.Attrs.Int("dim", 0)
	return d == 1 || d == -1
}

func optInt(a ir.Attrs, k string) *int64 {
	if a[k] == nil {
		return nil
	}
	v := a.Int(k, 0)
	return &v
}

// sliceRange is Python's slice clamping for a dim of size n (step 1).
func sliceRange(n int64, start, end *int64) (first, stop int64) {
	clamp := func(v int64) int64 {
		if v < 0 {
			v += n
		}
		return min(max(v, 0), n)
	}
	first, stop = 0, n
	if start != nil {
		first = clamp(*start)
	}
	if end != nil {
		stop = clamp(*end)
	}
	return first, max(stop, first)
}

// columnsRead lists the to_tensor columns reader u takes (ok false: u may
// read any column).
func columnsRead(u *ir.Node, ncol int64) (cols []int, ok bool) {
	switch u.Op {
	case "tensor_slice":
		if !columnDim(u) || u.Attrs.Int("step", 1) != 1 {
			return nil, false
		}
		first, stop := sliceRange(ncol, optInt(u.Attrs, "start"), optInt(u.Attrs, "end"))
		if stop == first {
			return nil, false // an empty slice: leave it to the kernels
		}
		for c := first; c < stop; c++ {
			cols = append(cols, int(c))
		}
		return cols, true
	case "tensor_select":
		if !columnDim(u) {
			return nil, false
		}
		i := u.Attrs.Int("index", 0)
		if i < -ncol || i >= ncol {
			return nil, false // the kernel reports the index error
		}
		if i < 0 {
			i += ncol
		}
		return []int{int(i)}, true
	}
	return nil, false
}

// renumber points reader u at the new column positions.
func renumber(u *ir.Node, ncol int64, newPos map[int64]int64) {
	a := u.Attrs.Clone()
	switch u.Op {
	case "tensor_slice":
		first, stop := sliceRange(ncol, optInt(u.Attrs, "start"), optInt(u.Attrs, "end"))
		a["start"] = float64(newPos[first])
		a["end"] = float64(newPos[stop-1] + 1)
	case "tensor_select":
		i := u.Attrs.Int("index", 0)
		if i < 0 {
			i += ncol
		}
		a["index"] = float64(newPos[i])
	}
	u.Attrs = a
}
