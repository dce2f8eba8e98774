package frame

import "github.com/flern/flern/golib/ir"

// SniffIPC infers an Arrow IPC (Feather) scan's schema (set by the engine
// to ipcio.Sniff).
var SniffIPC func(attrs ir.Attrs) (*ir.Schema, error)

func init() {
	// scan_ipc: path, usecols([] user's, in the user's order), columns([]
	// set by projection pushdown: the only columns to produce). The index
	// levels are those pandas restores from the file's pandas metadata.
	reg("scan_ipc", 0, func(n *ir.Node, _ []*ir.Schema) (*ir.Schema, error) {
		if SniffIPC == nil {
			return nil, ir.Errorf("Internal", "no Arrow IPC reader linked")
		}
		s, err := SniffIPC(n.Attrs)
		if err != nil {
			return nil, err
		}
		return pushedColumns(n, s)
	})
	// write_ipc: path, compression (lz4, zstd, uncompressed). Writes its
	// input as an Arrow IPC file (DataFrame.to_feather) when run and passes
	// the input through unchanged.
	reg("write_ipc", 1, func(n *ir.Node, in []*ir.Schema) (*ir.Schema, error) {
		if n.Attrs.Str("path") == "" {
			return nil, ir.Errorf("Value", "to_feather: no path given")
		}
		return in[0].Clone(), nil
	})
}
