// Package exec is flern's runtime: it runs an optimized graph node by node in
// topological order. Ops with a registered runtime implementation (parallel,
// morsel-driven operators; fused kernels from golib/lower) use it; every other
// op runs on the reference interpreter (exec/interp), which stays the
// definition that each implementation here is tested against.
package exec

import (
	"context"
	"fmt"
	"time"

	"github.com/flern/flern/golib/col"
	"github.com/flern/flern/golib/exec/interp"
	"github.com/flern/flern/golib/ir"
)

// Ctx is what a runtime op sees besides its inputs.
type Ctx struct {
	*interp.Ctx
	Options Options
	mem     *memBudget // live-result accounting (memory.go); nil outside RunAny
	// narrow maps a filter whose only reader is a project selecting plain
	// columns to the columns that project reads: the filter gathers only
	// those (its result is that project's input alone, so the columns
	// nothing reads are never copied). Set by RunAny.
	narrow map[ir.NodeID][]string
	// streamed are the scans whose aggregation reads them batch by batch
	// (stream.go): their node yields a *scanStream. Set by RunAny.
	streamed map[ir.NodeID]bool
	// unlabeled[id]: no reader observes node id's index labels (IndexUsed),
	// so a row-gathering op (filter, sort, dropna, ...) gives its result a
	// RangeIndex instead of gathering (or numbering) the labels: TPC-H
	// q21's late lineitems (3.8M rows) no longer carry their 29 MiB of row
	// numbers into the joins. Set by RunAny; nil: every label is observed.
	unlabeled []bool
	// quiet: no per-node trace lines (a staged step's fallback nodes run
	// thousands of times; the step reports its time per op instead).
	quiet bool
}

// OpFunc runs one node on its materialized inputs (*col.Frame or
// *col.Tensor, as the node's input schemas say) and returns a *col.Frame or
// a *col.Tensor. Returning ErrFallback asks for the reference implementation
// (e.g. an input shape the fast path does not handle).
type OpFunc func(c *Ctx, n *ir.Node, in []any) (any, error)

// ErrFallback is returned by an OpFunc to run the node on the interpreter.
var ErrFallback = fmt.Errorf("exec: fall back to the reference interpreter")

var impls = map[string]OpFunc{}

// Register installs the runtime implementation of an op (called from init).
func Register(op string, f OpFunc) {
	if _, dup := impls[op]; dup {
		panic("exec: op registered twice: " + op)
	}
	impls[op] = f
}

// Options select how a graph runs.
type Options struct {
	// Reference runs every node on the reference interpreter.
	Reference bool
	// MemoryLimit (bytes; 0 = none) bounds the live results and the big
	// allocations of a run; over it the run fails with a Memory error
	// (memory.go). The reference interpreter does not check it.
	MemoryLimit int64
}

// RunAny evaluates g on inputs and returns the results of g.Outputs, dropping
// intermediate results as soon as their last user has run.
func RunAny(ctx context.Context, g *ir.Graph, inputs []any, o Options) ([]any, error) {
	if ctx == nil {
		ctx = context.Background()
	}
	if o.Reference {
		return interp.RunAny(ctx, g, inputs)
	}
	ic, err := interp.NewCtx(ctx, inputs)
	if err != nil {
		return nil, err
	}
	c := &Ctx{Ctx: ic, Options: o, mem: newMemBudget(o.MemoryLimit), narrow: narrowFilters(g), streamed: streamedScans(g),
		unlabeled: unlabeled(g)}
	defer profileRun()()
	var freed freedBytes
	readers := newColumnReaders(c, g)
	results := make([]any, len(g.Nodes))
	remaining := make([]int, len(g.Nodes))
	for _, n := range g.Nodes {
		for _, in := range n.Inputs {
			remaining[in]++
		}
	}
	for _, out := range g.Outputs {
		remaining[out]++
	}
	for _, n := range g.Nodes {
		if err := ctx.Err(); err != nil {
			return nil, ir.Errorf("Cancelled", "run cancelled: %v", err)
		}
		if remaining[n.ID] == 0 {
			continue // dead node (not reachable from outputs)
		}
		in := make([]any, len(n.Inputs))
		for i, id := range n.Inputs {
			in[i] = results[id]
		}
		out, err := runNode(c, n, in)
		if err != nil {
			return nil, err
		}
		results[n.ID] = out
		if err := c.mem.hold(n, out); err != nil {
			return nil, err
		}
		for _, id := range n.Inputs {
			remaining[id]--
			if remaining[id] == 0 {
				c.mem.drop(results[id])
				freed.add(results[id])
				results[id] = nil
				continue
			}
			// still read: keep only the columns its later readers use
			f, _ := results[id].(*col.Frame)
			if nf, dropped := readers.narrowAfter(id, n.ID, f); nf != nil {
				if err := c.mem.hold(g.Node(id), nf); err != nil {
					return nil, err
				}
				c.mem.drop(f)
				freed.add(&col.Frame{Cols: dropped})
				results[id] = nf
			}
		}
		freed.collectIfBig()
	}
	freed.collectIfAny()
	outs := make([]any, len(g.Outputs))
	for i, o := range g.Outputs {
		outs[i] = results[o]
	}
	return outs, nil
}

// runNode runs one node with its runtime implementation when there is one,
// else (or on ErrFallback) with the reference interpreter.
func runNode(c *Ctx, n *ir.Node, in []any) (out any, err error) {
	if traceOut != nil && !c.quiet {
		defer traceNode(n, time.Now(), cpuNow(), &out, peakSampler())
	}
	if c.streamed[n.ID] {
		return openStream(n, in)
	}
	if n.Attrs[streamAttr] == nil {
		if in, err = materializeInputs(c, in); err != nil {
			return nil, err
		}
	}
	if !takesLookups(n) {
		in = materializeLookupsFor(n, in)
	}
	f := impls[n.Op]
	if f == nil {
		return interp.RunNode(c.Ctx, n, in)
	}
	out, err = guarded(f, c, n, in)
	if err == ErrFallback {
		if traceOut != nil && !c.quiet {
			fmt.Fprintf(traceOut, "flern exec: %s fell back to the interpreter\n", n.Op)
		}
		if in, err = materializeInputs(c, in); err != nil {
			return nil, err
		}
		return interp.RunNode(c.Ctx, n, materializeLookups(in))
	}
	if fr, ok := out.(*col.Frame); ok && err == nil && c.narrow[n.ID] == nil {
		if err := interp.CheckFrame(n, fr); err != nil {
			return nil, err
		}
	}
	return out, err
}

// guarded calls f, turning a panic into an Internal error naming the op
// and the user's line.
func guarded(f OpFunc, c *Ctx, n *ir.Node, in []any) (out any, err error) {
	defer func() {
		if r := recover(); r != nil {
			out, err = nil, ir.AtNode(fmt.Errorf("internal error (panic) in the runtime %s: %v", n.Op, r), n)
		}
	}()
	out, err = f(c, n, in)
	if err != nil && err != ErrFallback {
		err = ir.AtNode(err, n)
	}
	return out, err
}

// narrowFilters finds the filters and joins every reader of which is a
// project of plain column references (the narrow pass puts one after a
// filter whose predicate reads columns its readers do not; a join's key
// columns are often dropped right after it) or a groupby (TPC-H Q21's late
// lineitems feed both) and returns, per node, the columns those readers
// use, in the node's schema order: the node gathers only those.
func narrowFilters(g *ir.Graph) map[ir.NodeID][]string {
	out := g.OutputSet()
	users := g.Users()
	var m map[ir.NodeID][]string
	for _, n := range g.Nodes {
		if (n.Op != "filter" && n.Op != "join") || out[n.ID] || len(users[n.ID]) == 0 || n.Schema == nil {
			continue
		}
		seen := map[string]bool{}
		ok := true
		for _, u := range users[n.ID] {
			p := g.Node(u)
			switch {
			case len(p.Inputs) != 1:
				ok = false
			case p.Op == "project":
				for _, ne := range p.Attrs.NamedExprs("exprs") {
					if ne.Expr == nil || ne.Expr.Kind != ir.ExprCol {
						ok = false
						break
					}
					seen[ne.Expr.Name] = true
				}
			case p.Op == "groupby_agg": // its keys and aggregated columns
				for _, k := range p.Attrs.Strings("keys") {
					seen[k] = true
				}
				aggs, _ := p.Attrs["aggs"].([]any)
				for _, a := range aggs {
					m, _ := a.(map[string]any)
					if c, _ := m["col"].(string); c != "" {
						seen[c] = true
					}
				}
			default:
				ok = false
			}
			if !ok {
				break
			}
		}
		if !ok || len(seen) >= len(n.Schema.Fields) {
			continue
		}
		var cols []string
		for _, f := range n.Schema.Fields {
			if seen[f.Name] {
				cols = append(cols, f.Name)
			}
		}
		if len(cols) != len(seen) {
			continue // (a reader names a column the filter does not have)
		}
		if m == nil {
			m = map[ir.NodeID][]string{}
		}
		m[n.ID] = cols
	}
	return m
}

// IndexUsed says, for every node of a graph, whether a reader can observe
// its index labels (set by the engine to dce.IndexUsed; nil: all can).
var IndexUsed func(g *ir.Graph) []bool

// unlabeled is the negation of IndexUsed (nil when it is not set).
func unlabeled(g *ir.Graph) []bool {
	if IndexUsed == nil {
		return nil
	}
	used := IndexUsed(g)
	if len(used) != len(g.Nodes) {
		return nil
	}
	out := make([]bool, len(used))
	for i, u := range used {
		out[i] = !u
	}
	return out
}
