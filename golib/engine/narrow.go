package engine

// Narrowed keeps: the result-cache stage's rule for a probe whose frame is
// not kept whole (keeping it would pin a filter above a join or a scan, or
// the subplan has not been probed KeepAfter times yet). The probe plan
// keeps, at once, only the columns it reads of that frame, without its index
// labels (a project of those columns, then reset_index(drop=True), as one
// more output), and a later plan reading the same subplan -- some of those
// columns, its labels unobserved -- reads that entry as a source instead
// (explain: source(cached_result=...)). TPC-H q14 computes float(promo) and
// then rev.sum() over the same filtered lineitem x part join: the second
// plan reads the first one's three-column frame instead of scanning and
// joining again.
//
// Keeping costs a column selection (no copy) of a frame the probe
// materializes anyway, as long as the extra output changes nothing else in
// the probe's plan (not over two joins or more, see joins): only frames computed by a join, groupby, sort or
// another op that materializes its result (through filters and projects)
// are kept, never a scan's filtered rows, which the fused
// filter -> project -> aggregate pipeline (q6) never materializes. Since the
// labels are dropped, predicate pushdown still moves the filter into the
// scan or below the join.

import (
	"github.com/flern/flern/golib/exec"
	"github.com/flern/flern/golib/ir"
	"github.com/flern/flern/golib/opt"
)

// narrowCand is a computed subplan (key) whose plan reads columns cols of
// it and not its labels: a narrowed entry holding them could replace it.
type narrowCand struct {
	key  string
	cols []string
}

// narrowKeeps collects the narrowed keeps of one compile.
type narrowKeeps struct {
	needs []opt.Need // what the caller's outputs read of every recorded node
	nodes int        // the recorded graph's length (added nodes follow)
	outs  int        // its outputs (kept ones follow)
	keeps int        // p.keep's length before
}

func newNarrowKeeps(g *ir.Graph) *narrowKeeps {
	return &narrowKeeps{needs: opt.Needs(g), nodes: len(g.Nodes), outs: len(g.Outputs), keeps: -1}
}

// keepNarrow makes the columns the plan reads of node id (a probed frame at
// position at of Options.Keep, under key) one more kept output, narrowed
// and without labels, when that frame is materialized anyway and no entry
// holds those columns yet.
func (p *Program) keepNarrow(g *ir.Graph, nk *narrowKeeps, id ir.NodeID, at int, key string, files []exec.FileID) {
	need := nk.needs[id]
	if !need.Live || need.All || len(need.Cols) == 0 || !materialized(g, id) || joins(g, id) > 1 {
		return
	}
	cols := need.Names()
	for _, c := range cols {
		if g.Nodes[id].Schema.Lookup(c) < 0 {
			return
		}
	}
	nkey := exec.NarrowKey(key, cols)
	if exec.Results.HasNarrowed(key, cols) {
		return // the plan reads that entry instead of computing the frame
	}
	for _, k := range p.keep {
		if k.key == nkey {
			return
		}
	}
	if nk.keeps < 0 {
		nk.keeps = len(p.keep)
	}
	exprs := make([]ir.NamedExpr, len(cols))
	for i, c := range cols {
		exprs[i] = ir.NamedExpr{Name: c, Expr: &ir.Expr{Kind: ir.ExprCol, Name: c}}
	}
	loc := g.Nodes[id].Loc
	proj := g.Add(&ir.Node{Op: "project", Inputs: []ir.NodeID{id}, Attrs: ir.Attrs{"exprs": exprs}, Loc: loc})
	rst := g.Add(&ir.Node{Op: "reset_index", Inputs: []ir.NodeID{proj}, Attrs: ir.Attrs{"drop": true}, Loc: loc})
	g.Outputs = append(g.Outputs, rst)
	p.keep = append(p.keep, keptResult{key: nkey, files: files, at: at, base: key})
}

// done infers the added nodes' schemas; should that fail (it cannot for a
// column selection of known columns), the narrowed keeps are taken back.
func (nk *narrowKeeps) done(g *ir.Graph, p *Program) error {
	if nk.keeps < 0 {
		return nil
	}
	if err := g.Infer(); err != nil {
		g.Nodes = g.Nodes[:nk.nodes]
		kept := p.keep[:nk.keeps]
		outs := g.Outputs[:nk.outs]
		for _, k := range p.keep[nk.keeps:] {
			if k.base == "" {
				kept = append(kept, k)
			}
		}
		for _, o := range g.Outputs[nk.outs:] {
			if int(o) < nk.nodes {
				outs = append(outs, o)
			}
		}
		p.keep, g.Outputs = kept, outs
		return g.Infer()
	}
	return nil
}

// materializes lists the ops whose whole result the executor builds (never
// fused into a pipeline above them).
var materializes = map[string]bool{
	"join": true, "semi_join": true, "groupby_agg": true, "sort": true, "sort_index": true, "topk": true,
	"distinct": true, "value_counts": true,
}

// materialized reports whether the frame of node id is computed in full by
// the plan anyway: below row-local column ops and filters, an op of
// materializes -- not a scan, whose filtered rows a fused pipeline may never
// materialize, nor a source.
func materialized(g *ir.Graph, id ir.NodeID) bool {
	for {
		n := g.Nodes[id]
		switch n.Op {
		case "project", "filter", "select", "assign", "rename", "drop_columns":
			if len(n.Inputs) != 1 {
				return false
			}
			id = n.Inputs[0]
		default:
			return materializes[n.Op]
		}
	}
}

// joins counts the join nodes of node id's subplan. An output observes its
// rows' order, so keeping a frame over two joins or more would stop the
// joinorder pass from reordering them in the probe's own plan (TPC-H q11:
// partsupp x supplier x nation, 2x slower in written order).
func joins(g *ir.Graph, id ir.NodeID) int {
	seen := map[ir.NodeID]bool{}
	var walk func(ir.NodeID) int
	walk = func(id ir.NodeID) int {
		if seen[id] {
			return 0
		}
		seen[id] = true
		n := 0
		if g.Nodes[id].Op == "join" {
			n++
		}
		for _, in := range g.Nodes[id].Inputs {
			n += walk(in)
		}
		return n
	}
	return walk(id)
}

// narrowReads is what a plan (its caller's outputs and kept results) reads
// of every node, for reading narrowed entries.
type narrowReads struct {
	needs []opt.Need
	index []bool // opt.IndexUsed
	used  bool   // a narrowed entry was substituted
}

func newNarrowReads(g *ir.Graph) *narrowReads {
	return &narrowReads{needs: opt.Needs(g), index: opt.IndexUsed(g)}
}

// readNarrow substitutes node n (a subplan under key, not cached whole) by
// a narrowed entry holding every column the plan reads of it, when the plan
// does not observe its labels, and reports whether it did; otherwise it
// notes n as a candidate for Fresh.
func (p *Program) readNarrow(nr *narrowReads, n *ir.Node, key string) bool {
	if int(n.ID) >= len(nr.needs) || nr.index[n.ID] {
		return false
	}
	need := nr.needs[n.ID]
	if !need.Live || need.All || len(need.Cols) == 0 {
		return false
	}
	cols := need.Names()
	k, f, ok := exec.Results.Narrowed(key, cols)
	if !ok {
		p.ncands = append(p.ncands, narrowCand{key: key, cols: cols})
		return false
	}
	fields := make([]ir.Field, 0, len(f.Names))
	for _, name := range f.Names {
		i := n.Schema.Lookup(name)
		if i < 0 {
			return false
		}
		fields = append(fields, n.Schema.Fields[i])
	}
	n.Schema = &ir.Schema{Fields: fields}
	p.substitute(n, k, f)
	nr.used = true
	return true
}
