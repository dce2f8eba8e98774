package interp

import (
	"github.com/flern/flern/golib/col"
	"github.com/flern/flern/golib/ir"
)

// ReadIPC reads a scan_ipc node's columns (set by the engine to ipcio.Read).
var ReadIPC func(attrs ir.Attrs, schema *ir.Schema) (*col.Frame, error)

// WriteIPC writes a frame as an Arrow IPC file (set by the engine to
// ipcio.Write).
var WriteIPC func(f *col.Frame, attrs ir.Attrs) error

func init() {
	register("scan_ipc", func(c *Ctx, n *ir.Node, _ []*col.Frame) (*col.Frame, error) {
		if ReadIPC == nil {
			return nil, ir.Errorf("Internal", "no Arrow IPC reader linked")
		}
		return ReadIPC(n.Attrs, n.Schema)
	})
	register("write_ipc", func(c *Ctx, n *ir.Node, in []*col.Frame) (*col.Frame, error) {
		if WriteIPC == nil {
			return nil, ir.Errorf("Internal", "no Arrow IPC writer linked")
		}
		if err := WriteIPC(in[0], n.Attrs); err != nil {
			return nil, err
		}
		return in[0], nil
	})
}
