package interp

// Exported pieces of join for the parallel runtime (golib/exec).

import (
	"github.com/flern/flern/golib/col"
	"github.com/flern/flern/golib/ir"
)

// FrameSchema describes a materialized frame (types from its columns), as
// the join's column naming (frame.JoinColumns) needs it.
func FrameSchema(f *col.Frame) *ir.Schema { return frameSchema(f) }

// JoinMatchedError checks a left join's "matched" attribute (the front
// end's probe: every left row has a match) against the run's data: the
// interpreter's error when they disagree, else nil.
func JoinMatchedError(n *ir.Node, unmatched, leftRows int) error {
	if claim, ok := n.Attrs["matched"].(bool); ok && n.Attrs.Str("how") == "left" && claim != (unmatched == 0) {
		return ir.Errorf("Value", "merge(how=\"left\"): the inputs changed between the probe that typed the "+
			"result (every left row matched: %v) and the run (%d of %d left rows unmatched); is an unseeded "+
			"sample() upstream?", claim, unmatched, leftRows)
	}
	return nil
}
