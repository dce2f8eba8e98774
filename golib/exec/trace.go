package exec

// FLERN_EXEC_TRACE=1 prints one line per node to stderr as the runtime runs
// it: the op, the user's line, the rows produced and the time taken (and
// when an op fell back to the interpreter), to see where a query's time
// goes. FLERN_EXEC_PROFILE=path writes a CPU profile of each run (path.1,
// path.2, ...; read with go tool pprof).

import (
	"fmt"
	"io"
	"os"
	"runtime/pprof"
	"sync/atomic"
	"time"

	"github.com/flern/flern/golib/col"
	"github.com/flern/flern/golib/ir"
)

// traceOut receives the trace; nil when tracing is off.
var traceOut io.Writer

// profilePath is FLERN_EXEC_PROFILE; profiles counts the runs profiled.
var (
	profilePath = os.Getenv("FLERN_EXEC_PROFILE")
	profiles    atomic.Int64
)

func init() {
	if v := os.Getenv("FLERN_EXEC_TRACE"); v != "" && v != "0" {
		traceOut = os.Stderr
	}
}

// profileRun starts a CPU profile of one run when FLERN_EXEC_PROFILE is
// set; the returned function stops it.
func profileRun() func() {
	if profilePath == "" {
		return func() {}
	}
	f, err := os.Create(fmt.Sprintf("%s.%d", profilePath, profiles.Add(1)))
	if err != nil {
		return func() {}
	}
	if pprof.StartCPUProfile(f) != nil { // another run is being profiled
		f.Close()
		return func() {}
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}
}

func traceNode(n *ir.Node, start time.Time, out *any) {
	rows := -1
	switch v := (*out).(type) {
	case *col.Frame:
		if v != nil {
			rows = v.N
		}
	case *col.Tensor:
		if v != nil {
			rows = v.Numel()
		}
	}
	fmt.Fprintf(traceOut, "flern exec: %-12s %8.1f ms %10d rows  %s\n", n.Op, float64(time.Since(start).Microseconds())/1000, rows, n.Loc)
}
