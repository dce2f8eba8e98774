// Package opttest holds what the optimizer passes' tests share: running a
// pass on a graph the way the optimizer does (then compacting and
// verifying it) and reading back whether and how it changed the plan.
package opttest

import (
	"testing"

	"github.com/flern/flern/golib/ir"
)

// Apply runs pass on g, drops the nodes it left unread and verifies the
// result, failing t on an error; it returns whether the pass reported a
// change and the plan as printed.
func Apply(t testing.TB, g *ir.Graph, pass func(*ir.Graph) (bool, error)) (changed bool, plan string) {
	t.Helper()
	changed, err := pass(g)
	if err != nil {
		t.Fatal(err)
	}
	g.Compact()
	if err := g.Verify(); err != nil {
		t.Fatal(err)
	}
	return changed, g.Print()
}
