package dce

import (
	"strings"

	"github.com/flern/flern/golib/ir"
)

// Training reports whether g updates state (an optimizer step or a training
// graph): the inference rewrites (foldnorm, onehot_embed, embed_fold, mlp_fuse) leave
// such graphs in their recorded form.
func Training(g *ir.Graph) bool {
	for _, n := range g.Nodes {
		if n.Op == "state_write" || n.Op == "grad" || strings.HasSuffix(n.Op, "_update") {
			return true
		}
	}
	return false
}
