// Package joinorder is the optimizer's join-ordering pass: a tree of inner
// joins (a chain or star of merges, as the user wrote them) is rebuilt in the
// order that keeps intermediate results small, from cardinality estimates.
//
// A join tree is a maximal set of inner joins each read only by the next
// one; its leaves are whatever feeds it (scans, filtered scans, subqueries).
// The join keys form equivalence classes (a = b and b = c: one class
// {a, b, c}), so a leaf may join any other leaf holding a column of a shared
// class (TPC-H Q5: customer and supplier through the nation key). The pass
// searches every bushy tree of connected subsets (dynamic programming over
// subsets, at most maxLeaves leaves) for the least sum of estimated
// intermediate sizes, and rewrites only when that beats the written order by
// a clear margin (minGain). A project on top restores the written column
// order (of the columns the readers use: dead-column elimination ran before).
//
// Estimates: a scan's row count comes from the file (ScanRows, set by the
// engine: the Parquet footer, the Arrow IPC batches, the CSV rows counted by
// schema inference); a filter keeps a guessed fraction per conjunct (see
// selectivity); a key class has at most as many distinct values as the
// smallest unfiltered input that holds it (foreign keys point at a smaller
// table's key); a join of two subsets is |A|·|B| / d, where d is the product
// of the shared classes' distinct counts, capped by the smallest input
// holding a column of every shared class (a composite key).
//
// When it applies (anything else is left as written):
//   - every join of the tree is inner, and the leaves' column names are
//     distinct (no suffixes or merged key columns, so any order yields the
//     same columns under the same names and types);
//   - every key class has one dtype, not float (NaN and -0.0 keys are left
//     alone) and at most one column per leaf;
//   - the row order of the tree's result is not observed: pandas' inner
//     merge orders rows by the left input, so another order permutes the
//     rows. Only readers that cannot see the order are allowed above the
//     tree (through filters, projects and further joins): a groupby with
//     sort=True and order-free aggregations (not first/last), the lookup side
//     of a semi join. Aggregated sums may then differ in the last bits, as
//     they already do under the parallel runtime's partial aggregation;
//   - every leaf's row count is known.
package joinorder

import (
	"math"
	"math/bits"
	"sort"

	"github.com/flern/flern/golib/ir"
	"github.com/flern/flern/golib/opt/dce"
)

// ScanRows gives the number of rows a scan op reads, by op name (set by the
// engine: scan_parquet, scan_csv, scan_ipc). ok false: unknown. It is
// dce.ScanRows, the hook the passes share.
var ScanRows = dce.ScanRows

// ScanSorted is dce.ScanSorted (the engine sets both hooks here).
var ScanSorted = dce.ScanSorted

const (
	maxLeaves = 10  // the subset search is 3^n
	minGain   = 0.8 // rewrite only when the best cost is below minGain x the written one
)

// Run reorders every eligible join tree of g and reports whether it changed
// anything.
func Run(g *ir.Graph) (bool, error) {
	changed := false
	done := map[*ir.Node]bool{} // roots already examined
	for {
		did := false
		users := g.Users()
		output := g.OutputSet()
		free := orderFree(g, users, output)
		est := newEstimator(g)
		for i := len(g.Nodes) - 1; i >= 0; i-- {
			n := g.Nodes[i]
			if done[n] || !isInner(n) || absorbed(g, n, users, output) {
				continue
			}
			done[n] = true
			if !free[n.ID] {
				continue
			}
			t := collect(g, n, users, output)
			if t == nil || len(t.leaves) < 3 || len(t.leaves) > maxLeaves {
				continue
			}
			if rewrite(g, t, est) {
				did, changed = true, true
				break // ids moved: analyze again
			}
		}
		if !did {
			return changed, nil
		}
	}
}

func isInner(n *ir.Node) bool { return n.Op == "join" && n.Attrs.Str("how") == "inner" }

// absorbed says whether join n is an inner node of a bigger tree: its only
// reader is an inner join.
func absorbed(g *ir.Graph, n *ir.Node, users [][]ir.NodeID, output map[ir.NodeID]bool) bool {
	return len(users[n.ID]) == 1 && !output[n.ID] && isInner(g.Node(users[n.ID][0]))
}

// orderFree says, for every node, whether the order of its rows (and so its
// index labels) cannot be observed by any reader.
func orderFree(g *ir.Graph, users [][]ir.NodeID, output map[ir.NodeID]bool) []bool {
	free := make([]bool, len(g.Nodes))
	for i := len(g.Nodes) - 1; i >= 0; i-- {
		n := g.Nodes[i]
		if output[n.ID] || len(users[i]) == 0 {
			continue
		}
		ok := true
		for _, u := range users[i] {
			un := g.Node(u)
			for j, in := range un.Inputs {
				if in == n.ID && !readsFree(un, j, free[u]) {
					ok = false
				}
			}
		}
		free[i] = ok
	}
	return free
}

// orderless are the aggregations whose result does not depend on row order
// (up to floating-point rounding).
var orderless = map[string]bool{"sum": true, "mean": true, "count": true, "min": true, "max": true,
	"std": true, "var": true, "nunique": true, "size": true, "median": true}

// readsFree says whether node u ignores the row order of its input j, given
// whether u's own row order is observed (out false) or not.
func readsFree(u *ir.Node, j int, out bool) bool {
	switch u.Op {
	case "filter", "project", "join":
		return out
	case "semi_join":
		return j == 1 || out
	case "groupby_agg":
		if !u.Attrs.Bool("sort", true) {
			return false
		}
		aggs, _ := u.Attrs["aggs"].([]any)
		for _, a := range aggs {
			m, _ := a.(map[string]any)
			fn, _ := m["fn"].(string)
			if !orderless[fn] {
				return false
			}
		}
		return true
	}
	return false
}

// tree is one join tree: its root, leaves (in the written left-to-right
// order) and key classes.
type tree struct {
	root   *ir.Node
	leaves []ir.NodeID
	colOf  map[string]int // column name -> leaf position
	class  map[string]int // key column -> class id
	nclass int
	// members[c][leaf] is class c's column in that leaf ("" if none)
	members [][]string
}

// collect gathers the tree under root, or nil when it does not qualify.
func collect(g *ir.Graph, root *ir.Node, users [][]ir.NodeID, output map[ir.NodeID]bool) *tree {
	t := &tree{root: root, colOf: map[string]int{}}
	var joins []*ir.Node
	var walk func(id ir.NodeID)
	walk = func(id ir.NodeID) {
		n := g.Node(id)
		if n != root && !(isInner(n) && absorbed(g, n, users, output)) {
			t.leaves = append(t.leaves, id)
			return
		}
		joins = append(joins, n)
		walk(n.Inputs[0])
		walk(n.Inputs[1])
	}
	walk(root.ID)
	for li, id := range t.leaves {
		s := g.Node(id).Schema
		if s == nil || s.Dynamic {
			return nil
		}
		for _, f := range s.Fields {
			if _, dup := t.colOf[f.Name]; dup {
				return nil
			}
			t.colOf[f.Name] = li
		}
	}
	// union-find over key columns
	parent := map[string]string{}
	var find func(string) string
	find = func(x string) string {
		if p, ok := parent[x]; ok && p != x {
			r := find(p)
			parent[x] = r
			return r
		}
		parent[x] = x
		return x
	}
	for _, j := range joins {
		lon, ron := j.Attrs.Strings("left_on"), j.Attrs.Strings("right_on")
		if len(lon) == 0 || len(lon) != len(ron) {
			return nil
		}
		for i := range lon {
			if _, ok := t.colOf[lon[i]]; !ok {
				return nil
			}
			if _, ok := t.colOf[ron[i]]; !ok {
				return nil
			}
			parent[find(lon[i])] = find(ron[i])
		}
	}
	t.class = map[string]int{}
	ids := map[string]int{}
	keys := make([]string, 0, len(parent))
	for k := range parent {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		r := find(k)
		c, ok := ids[r]
		if !ok {
			c = len(ids)
			ids[r] = c
			t.members = append(t.members, make([]string, len(t.leaves)))
		}
		t.class[k] = c
		li := t.colOf[k]
		if t.members[c][li] != "" {
			return nil // two columns of one class in one leaf
		}
		t.members[c][li] = k
	}
	t.nclass = len(ids)
	for c := 0; c < t.nclass; c++ {
		var typ ir.DType
		first := true
		for li, name := range t.members[c] {
			if name == "" {
				continue
			}
			f := g.Node(t.leaves[li]).Schema.Fields[g.Node(t.leaves[li]).Schema.Lookup(name)]
			if f.Type.IsFloat() || (!first && f.Type != typ) {
				return nil
			}
			typ, first = f.Type, false
		}
	}
	return t
}

// plan is the best way found to join one subset of leaves.
type plan struct {
	card, cost  float64
	left, right uint32 // the two halves (0: a leaf)
}

// rewrite searches the best order for t and rebuilds it when it pays.
func rewrite(g *ir.Graph, t *tree, est *estimator) bool {
	n := len(t.leaves)
	card := make([]float64, n)
	base := make([]float64, n)
	for i, id := range t.leaves {
		c, b, ok := est.leaf(id)
		if !ok {
			return false
		}
		card[i], base[i] = c, b
	}
	// classes[i]: bit set of the classes leaf i holds
	classes := make([]uint64, n)
	for c := 0; c < t.nclass; c++ {
		for li, name := range t.members[c] {
			if name != "" {
				classes[li] |= 1 << uint(c)
			}
		}
	}
	if t.nclass > 64 {
		return false
	}
	// ndv of one class: the smallest unfiltered input holding it
	ndv := make([]float64, t.nclass)
	for c := range ndv {
		ndv[c] = math.Inf(1)
		for li := range t.members[c] {
			if t.members[c][li] != "" {
				ndv[c] = math.Min(ndv[c], math.Max(base[li], 1))
			}
		}
	}
	classesOf := func(s uint32) uint64 {
		var m uint64
		for s != 0 {
			i := bits.TrailingZeros32(s)
			m |= classes[i]
			s &= s - 1
		}
		return m
	}
	divisor := func(shared uint64) float64 {
		d := 1.0
		for m := shared; m != 0; m &= m - 1 {
			d *= ndv[bits.TrailingZeros64(m)]
		}
		// a composite key: at most the rows of the smallest input holding all of it
		for li := range t.leaves {
			if classes[li]&shared == shared {
				d = math.Min(d, math.Max(base[li], 1))
			}
		}
		return d
	}
	best := map[uint32]*plan{}
	for i := 0; i < n; i++ {
		best[1<<uint(i)] = &plan{card: math.Max(card[i], 1)}
	}
	full := uint32(1)<<uint(n) - 1
	for s := uint32(1); s <= full; s++ {
		if bits.OnesCount32(s) < 2 {
			continue
		}
		low := s & -s
		// enumerate splits s = a | b with a holding the lowest leaf
		for a := (s - 1) & s; a != 0; a = (a - 1) & s {
			if a&low == 0 {
				continue
			}
			b := s &^ a
			pa, pb := best[a], best[b]
			if pa == nil || pb == nil {
				continue
			}
			shared := classesOf(a) & classesOf(b)
			if shared == 0 {
				continue // no cross products
			}
			p := best[s]
			c := 0.0
			if p == nil {
				c = math.Max(pa.card*pb.card/divisor(shared), 1)
			} else {
				c = p.card
			}
			cost := pa.cost + pb.cost + c
			if p == nil || cost < p.cost {
				best[s] = &plan{card: c, cost: cost, left: a, right: b}
			}
		}
	}
	bp := best[full]
	if bp == nil {
		return false
	}
	// the written order's cost, with the same cardinalities
	var written func(id ir.NodeID) (uint32, float64, bool)
	written = func(id ir.NodeID) (uint32, float64, bool) {
		for li, l := range t.leaves {
			if l == id {
				return 1 << uint(li), 0, true
			}
		}
		j := g.Node(id)
		a, ca, ok1 := written(j.Inputs[0])
		b, cb, ok2 := written(j.Inputs[1])
		p := best[a|b]
		if !ok1 || !ok2 || p == nil {
			return 0, 0, false
		}
		return a | b, ca + cb + p.card, true
	}
	_, wcost, ok := written(t.root.ID)
	if !ok || bp.cost >= minGain*wcost {
		return false
	}
	build(g, t, best, full)
	return true
}

// build inserts the joins of the best plan for full, and a project restoring
// the root's columns, before the root, and makes the root's readers read it.
func build(g *ir.Graph, t *tree, best map[uint32]*plan, full uint32) {
	pos := t.root.ID
	add := func(n *ir.Node) ir.NodeID {
		in := make([]*ir.Schema, len(n.Inputs))
		for i, id := range n.Inputs {
			in[i] = g.Node(id).Schema
		}
		n.Schema, _ = ir.LookupOp(n.Op).Infer(n, in)
		id := g.InsertBefore(pos, n)
		pos++
		return id
	}
	var emit func(s uint32) (ir.NodeID, uint64)
	emit = func(s uint32) (ir.NodeID, uint64) {
		if bits.OnesCount32(s) == 1 {
			li := bits.TrailingZeros32(s)
			var m uint64
			for c := 0; c < t.nclass; c++ {
				if t.members[c][li] != "" {
					m |= 1 << uint(c)
				}
			}
			return t.leaves[li], m
		}
		p := best[s]
		// the bigger side probes (left), the smaller is built
		a, b := p.left, p.right
		if best[a].card < best[b].card {
			a, b = b, a
		}
		la, ma := emit(a)
		lb, mb := emit(b)
		var lon, ron []any
		for c := 0; c < t.nclass; c++ {
			if (ma&mb)&(1<<uint(c)) == 0 {
				continue
			}
			lon = append(lon, memberIn(t, c, a))
			ron = append(ron, memberIn(t, c, b))
		}
		j := &ir.Node{Op: "join", Inputs: []ir.NodeID{la, lb}, Loc: t.root.Loc, Attrs: ir.Attrs{
			"how": "inner", "left_on": lon, "right_on": ron, "suffixes": []any{"_x", "_y"}}}
		return add(j), ma | mb
	}
	need := dce.Needs(g)[t.root.ID] // dce ran before: keep only what readers use
	top, _ := emit(full)
	var exprs []ir.NamedExpr
	for _, f := range t.root.Schema.Fields {
		if need.Has(f.Name) || !need.Live {
			exprs = append(exprs, ir.NamedExpr{Name: f.Name, Expr: ir.Col(f.Name)})
		}
	}
	if len(exprs) == 0 { // only the length is read
		f := t.root.Schema.Fields[0]
		exprs = append(exprs, ir.NamedExpr{Name: f.Name, Expr: ir.Col(f.Name)})
	}
	proj := add(&ir.Node{Op: "project", Inputs: []ir.NodeID{top}, Attrs: ir.Attrs{"exprs": exprs}, Loc: t.root.Loc})
	root := pos // the old root, moved past the inserted nodes
	for _, u := range g.Nodes {
		if u.ID == proj {
			continue
		}
		for i, in := range u.Inputs {
			if in == root {
				u.Inputs[i] = proj
			}
		}
	}
	for i, o := range g.Outputs {
		if o == root {
			g.Outputs[i] = proj
		}
	}
}

// memberIn is class c's column in the first leaf of subset s that holds it.
func memberIn(t *tree, c int, s uint32) string {
	for li := range t.leaves {
		if s&(1<<uint(li)) != 0 && t.members[c][li] != "" {
			return t.members[c][li]
		}
	}
	return ""
}
