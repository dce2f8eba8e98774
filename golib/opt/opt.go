// Package opt is flern's optimizer: an ordered table of named passes over the
// high-level IR. Every pass can be switched off by name, is timed, and is
// followed by ir.Verify, so a broken rewrite is caught at the pass that made
// it. A panic inside a pass becomes an error naming the pass.
package opt

import (
	"fmt"
	"strings"
	"time"

	"github.com/flern/flern/golib/autodiff"
	"github.com/flern/flern/golib/ir"
	"github.com/flern/flern/golib/opt/biasfold"
	"github.com/flern/flern/golib/opt/cse"
	"github.com/flern/flern/golib/opt/dce"
	"github.com/flern/flern/golib/opt/eageragg"
	"github.com/flern/flern/golib/opt/embedfold"
	"github.com/flern/flern/golib/opt/fold"
	"github.com/flern/flern/golib/opt/foldnorm"
	"github.com/flern/flern/golib/opt/joinfilter"
	"github.com/flern/flern/golib/opt/joinorder"
	"github.com/flern/flern/golib/opt/lateproject"
	"github.com/flern/flern/golib/opt/limit"
	"github.com/flern/flern/golib/opt/mlpfuse"
	"github.com/flern/flern/golib/opt/narrow"
	"github.com/flern/flern/golib/opt/onehotembed"
	"github.com/flern/flern/golib/opt/predicate"
	"github.com/flern/flern/golib/opt/pushdown"
	"github.com/flern/flern/golib/opt/resolve"
	"github.com/flern/flern/golib/opt/tensorprune"
)

// Pass is one rewrite of the graph. Run reports whether it changed anything.
type Pass struct {
	Name     string
	Run      func(g *ir.Graph) (bool, error)
	Required bool     // cannot be switched off (later stages rely on it)
	After    []string // passes that must come earlier in the table
	Doc      string
}

// Passes is the pipeline, in order. Read it top to bottom: that is the
// optimizer.
var Passes = []Pass{
	{Name: "autodiff", Run: autodiff.Expand, Required: true,
		Doc: "expand every grad node into its backward graph (vector-Jacobian products) of plain tensor ops"},
	{Name: "resolve", Run: resolve.Run, Required: true,
		Doc: "rewrite user-shaped ops (select, assign, rename, drop_columns) into project"},
	{Name: "tensorprune", Run: tensorprune.Run, After: []string{"resolve"},
		Doc: "model-driven pruning: a to_tensor whose readers take only some columns (x[:, a:b], x[:, k]) hands off only those; dce and pushdown then never compute or parse the rest"},
	{Name: "dce", Run: dce.Run, After: []string{"resolve"},
		Doc: "dead-column elimination: drop projected columns no consumer reads"},
	{Name: "fold", Run: fold.Run, After: []string{"resolve"},
		Doc: "constant folding and expression simplification (x+0, x*1, not(not x), literal arithmetic)"},
	{Name: "predicate", Run: predicate.Run, After: []string{"fold"},
		Doc: "predicate pushdown: safe filter conjuncts move below projects, sorts and joins, towards the scans; Parquet scans get a row-group statistics filter"},
	{Name: "joinorder", Run: joinorder.Run, After: []string{"predicate"},
		Doc: "join ordering: chains and stars of inner joins whose row order is unobserved are rebuilt smallest-intermediate-first from cardinality estimates"},
	{Name: "cse", Run: cse.Run, After: []string{"predicate"},
		Doc: "common subexpressions: identical subplans (same op, attributes and inputs) are computed once"},
	{Name: "eageragg", Run: eageragg.Run, After: []string{"joinorder", "cse"},
		Doc: "eager aggregation: counts, nunique and sizes per left key of a left/inner merge are computed from each side grouped on its own, so the merge never produces its row per match"},
	{Name: "late_project", Run: lateproject.Run, After: []string{"joinorder", "cse", "eageragg"},
		Doc: "row-wise feature columns computed before a join and passed through it are computed after it (a to_tensor's fused loop then computes them as it writes the tensor)"},
	{Name: "foldnorm", Run: foldnorm.Run, After: []string{"cse"},
		Doc: "inference: (x - mean) / std (and x * scale + shift) feeding a Linear is folded into its weight and bias (computed once from the parameters, not per row)"},
	{Name: "onehot_embed", Run: onehotembed.Run, After: []string{"foldnorm"},
		Doc: "inference: a Linear over get_dummies columns becomes a matmul over the numeric columns plus a lookup of the weight rows by category code (the dummies are never built)"},
	{Name: "embed_fold", Run: embedfold.Run, After: []string{"foldnorm"},
		Doc: "inference: embedding lookups concatenated into a Linear's input become lookups into tables of the embeddings times their weight rows (computed once from the parameters, not per row)"},
	{Name: "mlp_fuse", Run: mlpfuse.Run, After: []string{"onehot_embed", "embed_fold"},
		Doc: "inference: two Linear layers with a ReLU between them become one dense_relu_dense node, run a row at a time with the hidden layer in registers (no [rows, hidden] intermediate)"},
	{Name: "bias_fold", Run: biasfold.Run, After: []string{"mlp_fuse"},
		Doc: "inference: a fused head's first bias is added into its first table lookup once per run, so no row adds it"},
	{Name: "limit", Run: limit.Run, After: []string{"resolve"},
		Doc: "sort + head(n) becomes topk; limits move below projects that cannot raise; a Parquet scan under a limit reads only the row groups holding its first n rows"},
	{Name: "pushdown", Run: pushdown.Run, After: []string{"dce"},
		Doc: "projection pushdown into scans: read only the columns the plan uses"},
	{Name: "narrow", Run: narrow.Run, After: []string{"pushdown"},
		Doc: "put a column selection in front of row-copying ops (filter, sort, join, ...) so they copy only used columns"},
	{Name: "joinfilter", Run: joinfilter.Run, After: []string{"narrow", "joinorder"},
		Doc: "dynamic join filters: a Parquet scan below a join's probe side reads the build side's keys and keeps only the rows that can match (tested per dictionary entry, row groups without a key skipped); last, as it gives a scan an input"},
}

func init() {
	seen := map[string]bool{}
	for _, p := range Passes {
		for _, a := range p.After {
			if !seen[a] {
				panic(fmt.Sprintf("opt: pass %q must come after %q in the Passes table", p.Name, a))
			}
		}
		if seen[p.Name] {
			panic(fmt.Sprintf("opt: pass %q listed twice", p.Name))
		}
		seen[p.Name] = true
	}
}

// Options selects passes and tracing.
type Options struct {
	Disabled map[string]bool // pass names to skip
	Dump     bool            // record the plan after every pass in the report
}

// PassRun is what one pass did.
type PassRun struct {
	Name     string
	Skipped  bool
	Changed  bool
	Duration time.Duration
	Plan     string // plan after the pass (Options.Dump)
}

// Report lists the passes that ran.
type Report struct{ Runs []PassRun }

// String renders the report as a table for explain().
func (r *Report) String() string {
	var b strings.Builder
	for _, pr := range r.Runs {
		state := "unchanged"
		switch {
		case pr.Skipped:
			state = "disabled"
		case pr.Changed:
			state = "changed"
		}
		fmt.Fprintf(&b, "  %-10s %-9s %8.3f ms\n", pr.Name, state, float64(pr.Duration.Microseconds())/1000)
	}
	return b.String()
}

// Optimize runs the pipeline on g in place. g must verify on entry.
func Optimize(g *ir.Graph, o Options) (*Report, error) {
	for name := range o.Disabled {
		if !known(name) {
			return nil, ir.Errorf("Value", "unknown optimizer pass %q (passes: %s)", name, strings.Join(Names(), ", "))
		}
	}
	rep := &Report{}
	for _, p := range Passes {
		if o.Disabled[p.Name] && !p.Required {
			rep.Runs = append(rep.Runs, PassRun{Name: p.Name, Skipped: true})
			continue
		}
		start := time.Now()
		changed, err := runPass(p, g)
		if err != nil {
			return rep, err
		}
		g.Compact()
		if err := g.Verify(); err != nil {
			return rep, fmt.Errorf("optimizer pass %q produced an invalid plan: %w", p.Name, err)
		}
		pr := PassRun{Name: p.Name, Changed: changed, Duration: time.Since(start)}
		if o.Dump {
			pr.Plan = g.Print()
		}
		rep.Runs = append(rep.Runs, pr)
	}
	return rep, nil
}

func runPass(p Pass, g *ir.Graph) (changed bool, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = &ir.Error{Kind: "Internal", Msg: fmt.Sprintf("optimizer pass %q panicked: %v", p.Name, r)}
		}
	}()
	return p.Run(g)
}

// Names lists the passes in pipeline order.
func Names() []string {
	out := make([]string, len(Passes))
	for i, p := range Passes {
		out[i] = p.Name
	}
	return out
}

func known(name string) bool {
	for _, p := range Passes {
		if p.Name == name {
			return true
		}
	}
	return false
}

// Selectivity is the optimizer's estimate of the fraction of rows a filter
// predicate keeps (dce.Selectivity), for the engine's result-cache rules.
func Selectivity(e *ir.Expr) float64 { return dce.Selectivity(e) }

// Need is dce's set of a node's columns its readers use.
type Need = dce.Need

// Needs is what the readers of every node use of its columns (dce.Needs),
// and IndexUsed whether they observe its index labels (dce.IndexUsed): the
// engine's narrowed result-cache entries (golib/engine/narrow.go).
func Needs(g *ir.Graph) []Need { return dce.Needs(g) }

// IndexUsed: see Needs.
func IndexUsed(g *ir.Graph) []bool { return dce.IndexUsed(g) }
