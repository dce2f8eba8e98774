package lower

import "github.com/flern/flern/golib/ir"

// AggPlan describes how an "agg" kernel's builders become the columns of a
// groupby_agg result (filled in by fuseAggPipelines).
type AggPlan struct{}

func fuseAggPipelines(g *ir.Graph, o Options, rep *Report) {}
